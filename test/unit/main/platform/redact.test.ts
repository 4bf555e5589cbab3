import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { redactSqlAlchemyUrl } from '../../../../src-main/core/airflow-config'
import { redactLocator } from '../../../../src-main/operations/plan'
import { loadAirflowConfig } from '../../../../src-main/platform/airflow-config-file'
import {
  AIRFLOW_SENSITIVE_FIELDS,
  maskExtra,
  shouldHideValueForKey
} from '../../../../src-main/platform/redact'
import { profileSecretIssues } from '../../../../src-main/platform/settings'
import { tempDir } from '../../../support/temp-dir'

describe('attack: secret hygiene', () => {
  it('17.3 a password containing / @ : # ? is redacted from a SQLAlchemy URL', () => {
    // as SQLAlchemy's _parse_url reads it: the password runs to the first "@" ("[^@]*")
    const pw = 'Canary/pw%40x:y#z?w'
    const url = `postgresql+psycopg2://etl:${pw}@db.example.com:5432/airflow?sslmode=require`
    expect(redactSqlAlchemyUrl(url)).toBe(
      'postgresql+psycopg2://etl:***@db.example.com:5432/airflow?sslmode=require'
    )
    expect(redactSqlAlchemyUrl(url, '')).toBe(
      'postgresql+psycopg2://etl@db.example.com:5432/airflow?sslmode=require'
    )
    expect(redactLocator(`metadb:${url}`)).toBe(
      'metadb:postgresql+psycopg2://etl@db.example.com:5432/airflow?sslmode=require'
    )
    // an unencoded "@" leaves the rest of the password in SQLAlchemy's host: hidden too
    expect(redactSqlAlchemyUrl('mysql://root:Canary@rest/x@db:3306/a')).toBe(
      'mysql://root:***@db:3306/a'
    )
    // no password, no change; other locators untouched
    for (const same of [
      'postgresql://etl@db/airflow',
      'sqlite:////tmp/a.db',
      'envfile:./.env',
      'profile:prod'
    ])
      expect(redactLocator(same)).toBe(same)
    expect(profileSecretIssues({ url })).toMatchObject([{ path: ['url'] }])
  })

  it("17.11 extras are masked by Airflow's DEFAULT_SENSITIVE_FIELDS, as should_hide_value_for_key matches", () => {
    const extra = JSON.stringify({
      passphrase: 'p1',
      service_account: { type: 'service_account', client_email: 'e' },
      ' Private_Key ': 'k',
      my_secret_thing: 's',
      KEYFILE_DICT: '{}',
      authorization: 'Bearer x',
      region: 'eu-west-1',
      retries: 3
    })
    expect(JSON.parse(maskExtra(extra)!)).toEqual({
      passphrase: '***',
      service_account: { type: '***', client_email: '***' },
      ' Private_Key ': '***',
      my_secret_thing: '***',
      KEYFILE_DICT: '***',
      authorization: '***',
      region: 'eu-west-1',
      retries: 3
    })
    for (const field of AIRFLOW_SENSITIVE_FIELDS) {
      expect(shouldHideValueForKey(field), field).toBe(true)
      expect(shouldHideValueForKey(` x_${field.toUpperCase()}_y `), field).toBe(true)
    }
    expect(shouldHideValueForKey('host')).toBe(false)
  })

  it('17.11 [core] sensitive_var_conn_names of a loaded airflow.cfg is hidden as well', async () => {
    const dir = tempDir('airlock-sensitive-')
    try {
      const before = JSON.parse(maskExtra('{"tenant_pin": "1234", "Corp_Code": "x"}')!)
      expect(before).toEqual({ tenant_pin: '1234', Corp_Code: 'x' })
      const cfg = join(dir, 'airflow.cfg')
      writeFileSync(cfg, '[core]\nsensitive_var_conn_names = tenant_pin, corp_code\n')
      await loadAirflowConfig({ env: {}, path: cfg })
      expect(JSON.parse(maskExtra('{"tenant_pin": "1234", "Corp_Code": "x", "a": 1}')!)).toEqual({
        tenant_pin: '***',
        Corp_Code: '***',
        a: 1
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
