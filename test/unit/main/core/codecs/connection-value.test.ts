import { describe, expect, it } from 'vitest'
import { parseConnectionValue } from '../../../../../src-main/core/codecs/connection-json'
import { connectionEnvValue, uriLoss } from '../../../../../src-main/core/codecs/connection-value'
import { emptyConnectionFields } from '../../../../../src-main/core/model'

describe('connection value codec', () => {
  const base = { ...emptyConnectionFields(), conn_type: 'postgres', host: 'db', login: 'u' }

  it('writes a URI when it reads back to the same fields, and it round-trips', () => {
    const fields = {
      ...base,
      schema: 'app',
      password: 'p@ss',
      port: 5432,
      extra: '{"sslmode": "require"}'
    }
    const value = connectionEnvValue(fields, 'airflow3')
    expect(value.startsWith('postgres://')).toBe(true)
    expect(parseConnectionValue(value, 'airflow3').value).toEqual(fields)
  })

  it('writes connection JSON when the URI would lose a field, and it round-trips', () => {
    const fields = { ...base, host: 'DB.Example', description: 'primary' }
    const value = connectionEnvValue(fields, 'airflow3')
    expect(value.startsWith('{')).toBe(true)
    expect(parseConnectionValue(value, 'airflow3').value).toEqual(fields)
  })

  it('names the fields a URI loses, counting None as empty text when asked', () => {
    expect(uriLoss({ ...base, host: 'DB.Example' }, 'airflow3').lost).toContain('host')
    expect(uriLoss({ ...base, schema: '' }, 'airflow3', true).lost).toEqual([])
  })
})
