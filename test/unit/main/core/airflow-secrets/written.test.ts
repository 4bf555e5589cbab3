// What Airflow reads back of a written connection (written.ts): the lost fields, by name.
import { describe, expect, it } from 'vitest'
import { lostFields, sameExtra } from '../../../../../src-main/core/airflow-secrets/written'
import type { ConnectionFields } from '../../../../../src-main/core/model'

const FIELDS: ConnectionFields = {
  conn_type: 'postgres',
  host: 'db',
  login: 'u',
  password: 'p',
  schema: 's',
  port: 5432,
  extra: '{"a": 1}',
  description: 'd'
}

describe('written connections', () => {
  it('compares extras as JSON, and empty with absent', () => {
    expect(sameExtra('{"a": 1}', '{"a":1}')).toBe(true)
    expect(sameExtra('', null)).toBe(true)
    expect(sameExtra('{"a": 1}', null)).toBe(false)
    expect(sameExtra('not json', 'not  json')).toBe(false)
  })

  it('names the fields the read-back does not hold', () => {
    expect(lostFields(FIELDS, { ...FIELDS, extra: '{"a":1}' })).toEqual([])
    expect(lostFields(FIELDS, { ...FIELDS, description: null, port: null })).toEqual(
      expect.arrayContaining(['description', 'port'])
    )
    expect(lostFields({ ...FIELDS, team_name: 't' }, FIELDS)).toContain('team_name')
  })
})
