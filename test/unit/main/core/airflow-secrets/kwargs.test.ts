// The backend_kwargs reader the amazon, azure and google lookups share (kwargs.ts), and the
// "explain first" prologue every service's decode shares (types.ts decodeAfterExplain).
import { describe, expect, it } from 'vitest'
import {
  kwargTypeName,
  prefixKwargs,
  rstripSepWhenTruthy,
  sepKwarg,
  stringKwarg
} from '../../../../../src-main/core/airflow-secrets/kwargs'
import {
  decodeAfterExplain,
  type ExplainFn
} from '../../../../../src-main/core/airflow-secrets/types'
import { AirlockError } from '../../../../../src-main/core/errors'

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

  it('needs sep as text', () => {
    expect(sepKwarg({}, '/', 'Svc')).toBe('/')
    expect(() => sepKwarg({ sep: null }, '/', 'Svc')).toThrow(
      'backend_kwargs "sep" must be text for Svc.'
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
