// Issue 21: a password "" is kept wherever the written format can hold it.
import { describe, expect, it } from 'vitest'
import { encodeSecretsManagerConnection } from '../../../../../src-main/core/airflow-secrets/aws-secrets-manager'
import { encodeVaultConnection } from '../../../../../src-main/core/airflow-secrets/vault'
import { emptyConnectionFields, type Dialect } from '../../../../../src-main/core/model'

const fields = {
  ...emptyConnectionFields(),
  conn_type: 'postgres',
  host: 'db',
  login: 'etl',
  password: ''
}

describe('21: an empty password', () => {
  it('21: a password "" is kept in the Vault field map and the Secrets Manager JSON in every dialect', () => {
    for (const dialect of ['airflow2', 'airflow3', 'task-sdk'] as Dialect[]) {
      expect(encodeVaultConnection(fields, dialect), dialect).toEqual({
        conn_type: 'postgres',
        host: 'db',
        login: 'etl',
        password: ''
      })
      expect(JSON.parse(encodeSecretsManagerConnection(fields, dialect)), dialect).toEqual({
        conn_type: 'postgres',
        host: 'db',
        login: 'etl',
        password: ''
      })
    }
  })
})
