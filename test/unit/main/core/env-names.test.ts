import { describe, expect, it } from 'vitest'
import {
  envNameFor,
  envNameProblem,
  isReadableEnvName,
  parseEnvName
} from '../../../../src-main/core/env-names'

describe('env names', () => {
  it('upper-cases only the id (and team) after the prefix', () => {
    expect(envNameFor('connection', 'my.conn-1')).toBe('AIRFLOW_CONN_MY.CONN-1')
    expect(envNameFor('variable', 'straße')).toBe('AIRFLOW_VAR_STRASSE')
    expect(envNameFor('connection', 'db', 'analytics')).toBe('AIRFLOW_CONN__ANALYTICS___DB')
  })

  it('parses names back, including team-scoped ones', () => {
    expect(parseEnvName('AIRFLOW_CONN_MY_DB')).toEqual({ kind: 'connection', idUpper: 'MY_DB' })
    expect(parseEnvName('AIRFLOW_VAR__TEAM_A___KEY')).toEqual({
      kind: 'variable',
      teamUpper: 'TEAM_A',
      idUpper: 'KEY'
    })
    expect(parseEnvName('AIRFLOW_CONN_')).toBeUndefined()
    expect(parseEnvName('PATH')).toBeUndefined()
  })

  it('knows that Airflow never reads a name with lower-case in the id', () => {
    expect(isReadableEnvName('AIRFLOW_CONN_MY_DB')).toBe(true)
    expect(isReadableEnvName('AIRFLOW_CONN_my_db')).toBe(false)
  })

  it('names ids that shells and .env loaders cannot express', () => {
    expect(envNameProblem('AIRFLOW_CONN_MY_DB')).toBeUndefined()
    expect(envNameProblem('AIRFLOW_CONN_MY.CONN-1')).toMatch(/"\.", "-"/)
  })
})
