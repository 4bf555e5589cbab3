// The backend_kwargs reader the amazon, azure and google lookups share (kwargs.ts), and the
// "explain first" prologue every service's decode shares (types.ts decodeAfterExplain).
import { describe, expect, it } from 'vitest'
import {
  kindPrefix,
  kwargTypeName,
  prefixKwargs,
  rstripSepWhenTruthy,
  pyFormatSep,
  sepKwarg,
  stringKwarg
} from '../../../../../src-main/core/airflow-secrets/kwargs'
import {
  decodeAfterExplain,
  decodeText,
  encodeText,
  type ExplainFn
} from '../../../../../src-main/core/airflow-secrets/types'
import { connectionEnvValue } from '../../../../../src-main/core/codecs/connection-value'
import { AirlockError } from '../../../../../src-main/core/errors'
import { connectionEntry, variableEntry } from '../../../../../src-main/core/model'

const defaults = { connections_prefix: 'c/', variables_prefix: 'v', config_prefix: 'k' }

describe('backend_kwargs reader', () => {
  it('takes text or null, and the default only when the key is absent', () => {
    expect(stringKwarg({}, 'sep', '-', 'S')).toBe('-')
    expect(stringKwarg({ sep: null }, 'sep', '-', 'S')).toBeNull()
    expect(stringKwarg({ sep: '' }, 'sep', '-', 'S')).toBe('')
  })

  it('refuses any other JSON type, naming the key, the service and the type', () => {
    expect(() => stringKwarg({ k: [1] }, 'k', null, 'Svc')).toThrow(
      'backend_kwargs "k" must be text or null for Svc; got a list.'
    )
    expect(() => stringKwarg({ k: 3 }, 'k', null, 'Svc')).toThrow(AirlockError)
    expect(kwargTypeName(true)).toBe('boolean')
    expect(kwargTypeName(null)).toBe('null')
    expect(kwargTypeName({})).toBe('object')
  })

  it('needs sep as text or null (Python formats None as "None")', () => {
    expect(sepKwarg({}, '/', 'Svc')).toBe('/')
    expect(sepKwarg({ sep: null }, '/', 'Svc')).toBeNull()
    expect(pyFormatSep(null)).toBe('None')
    expect(() => sepKwarg({ sep: 1 }, '/', 'Svc')).toThrow(
      'backend_kwargs "sep" must be text or null for Svc; got number.'
    )
  })

  it('reads the three prefixes in order through the provider’s init', () => {
    expect(prefixKwargs({ variables_prefix: null }, defaults, 'S', (p) => p)).toEqual({
      connectionsPrefix: 'c/',
      variablesPrefix: null,
      configPrefix: 'k'
    })
    const strip = rstripSepWhenTruthy('/')
    expect(prefixKwargs({ config_prefix: '' }, defaults, 'S', strip)).toEqual({
      connectionsPrefix: 'c',
      variablesPrefix: 'v',
      configPrefix: ''
    })
    // The first bad prefix is the one reported.
    expect(() =>
      prefixKwargs({ connections_prefix: 1, config_prefix: [] }, defaults, 'S', strip)
    ).toThrow(/"connections_prefix".*got number/)
  })
})

describe('kindPrefix', () => {
  it('gives each kind its prefix', () => {
    const p = { connectionsPrefix: 'c', variablesPrefix: null, configPrefix: '' }
    expect(kindPrefix(p, 'connection')).toBe('c')
    expect(kindPrefix(p, 'variable')).toBeNull()
    expect(kindPrefix(p, 'config')).toBe('')
  })
})

describe('decodeAfterExplain', () => {
  const explain: ExplainFn = (_kwargs, kind, key) =>
    key === 'off' ? { disabled: `no ${kind}` } : { name: `n/${key}`, details: [] }
  const decode = decodeAfterExplain(explain, (stored, found, kind, options) => ({
    variable: `${String(stored)} ${found.name} ${kind} ${options.dialect ?? '-'}`
  }))

  it('answers not found, whatever is stored, where Airflow never asks', () => {
    expect(decode({}, 'variable', 'off', 'x')).toEqual({ notFound: true })
  })

  it('reads the value where it asks, with the options (default {})', () => {
    expect(decode({}, 'variable', 'a', 'x')).toEqual({ variable: 'x n/a variable -' })
    expect(decode({}, 'connection', 'a', 'x', { dialect: 'airflow2' })).toEqual({
      variable: 'x n/a connection airflow2'
    })
  })
})

describe('encodeText', () => {
  it('stores a variable as its value and a connection as its URI or JSON', () => {
    expect(encodeText(variableEntry('v', 'x y'), 'airflow3')).toBe('x y')
    const conn = connectionEntry('c', { conn_type: 'postgres', host: 'db', port: 5432 })
    const text = encodeText(conn, 'airflow3')
    expect(text).toBe(connectionEnvValue(conn.fields, 'airflow3'))
    expect(decodeText(text, 'S', 'connection', {})).toHaveProperty('connection')
  })

  it('uses the service encoder for connections', () => {
    const conn = connectionEntry('c', { conn_type: 'http' })
    expect(encodeText(conn, 'airflow2', (f, d) => `${f.conn_type}:${d}`)).toBe('http:airflow2')
  })
})
