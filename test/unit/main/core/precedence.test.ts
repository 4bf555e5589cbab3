import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import {
  COMPARED_FIELDS,
  RUNTIME_MODELS,
  changedFields,
  compareEntries,
  resolveEffective,
  sameFields,
  type LayerData
} from '../../../../src-main/core/precedence'
import { fuzzParams } from '../../../support/fuzz'

type Loaded = Extract<LayerData, { state: 'loaded' }>
const loaded = (
  storeId: string,
  entries: Entry[],
  problems: Loaded['problems'] = []
): LayerData => ({
  state: 'loaded',
  storeId,
  entries,
  problems
})
const envConn = (id: string, host: string) => ({
  ...connectionEntry(id.toLowerCase(), { conn_type: 'postgres', host }),
  source: { backendId: 'env', path: 'env', fromKey: `AIRFLOW_CONN_${id.toUpperCase()}` }
})

describe('precedence tables', () => {
  it('orders layers as Airflow searches them, per runtime', () => {
    expect(RUNTIME_MODELS.airflow2.layers.map((l) => l.role)).toEqual([
      'custom-backend',
      'env',
      'metastore'
    ])
    expect(RUNTIME_MODELS['airflow3-worker'].layers.map((l) => l.role)).toEqual([
      'worker-backend',
      'worker-env',
      'custom-backend',
      'env',
      'metastore'
    ])
    expect(RUNTIME_MODELS.astro.layers.map((l) => l.role)).toEqual([
      'custom-backend',
      'astro-environment-manager',
      'env',
      'metastore'
    ])
    expect(RUNTIME_MODELS['airflow3-worker'].layers.map((l) => l.dialect)).toEqual([
      'task-sdk',
      'task-sdk',
      'airflow3',
      'airflow3',
      'airflow3'
    ])
  })

  it('picks the first layer holding an id, reports shadowed layers with the fields that differ', () => {
    const items = resolveEffective('airflow3-server', [
      { state: 'not-inspected' },
      loaded('env', [envConn('MY_DB', 'replica')]),
      loaded('db', [
        connectionEntry('my_db', { conn_type: 'postgres', host: 'primary' }),
        variableEntry('only_db', 'x')
      ])
    ])
    const db = items.find((i) => i.id === 'my_db')!
    expect(db.winner).toBe(1)
    expect(db.layers.map((l) => l.status)).toEqual(['not-inspected', 'wins', 'shadowed'])
    const shadowed = db.layers[2]!
    expect(shadowed.status === 'shadowed' && shadowed.differs).toEqual(['host'])
    expect(JSON.stringify(db)).not.toMatch(/replica|primary/)
    expect(items.find((i) => i.id === 'only_db')!.winner).toBe(2)
  })

  it('falls through a failed layer and a row that cannot be decrypted, as Airflow does', () => {
    const items = resolveEffective(
      'airflow2',
      [
        {
          state: 'failed',
          storeId: 'vault',
          error: { code: 'backend.unreachable', message: 'down' }
        },
        loaded('env', []),
        loaded(
          'db',
          [connectionEntry('a', { conn_type: 'x' })],
          [{ id: 'b', kind: 'connection', message: 'wrong key' }]
        )
      ],
      [
        { kind: 'connection', id: 'a' },
        { kind: 'connection', id: 'b' }
      ]
    )
    expect(items.find((i) => i.id === 'a')!.layers.map((l) => l.status)).toEqual([
      'failed',
      'absent',
      'wins'
    ])
    const b = items.find((i) => i.id === 'b')!
    expect(b.winner).toBeNull()
    expect(b.layers[2]!.status).toBe('unreadable')
  })

  it('looks env vars up case-insensitively (id.upper()) and other layers exactly', () => {
    const items = resolveEffective(
      'airflow2',
      [{ state: 'not-inspected' }, loaded('env', [envConn('MIXED_Case', 'h')]), loaded('db', [])],
      [{ kind: 'connection', id: 'Mixed_case' }]
    )
    expect(items[0]!.winner).toBe(1)
  })

  it('notes ids with "/" that fail through the Execution API (#57864)', () => {
    const items = resolveEffective('airflow3-worker', [
      { state: 'not-inspected' },
      loaded('wenv', []),
      { state: 'not-inspected' },
      loaded('env', []),
      loaded('db', [connectionEntry('team/db', { conn_type: 'x' })])
    ])
    expect(items[0]!.notes.join()).toMatch(/57864/)
  })

  it('compares extras as JSON, not text', () => {
    const items = resolveEffective('airflow2', [
      { state: 'not-inspected' },
      loaded('env', [
        {
          ...envConn('c', 'h'),
          fields: { ...envConn('c', 'h').fields, extra: '{"a":1,"b":"x"}' }
        }
      ]),
      loaded('db', [
        connectionEntry('c', { conn_type: 'postgres', host: 'h', extra: '{"b": "x", "a": 1.0}' })
      ])
    ])
    const v = items[0]!.layers[2]!
    expect(v.status === 'shadowed' && v.differs).toEqual([])
  })

  it('lists connections before variables, each by id in code-unit order, every id once', () => {
    const layers: LayerData[] = [
      { state: 'not-inspected' },
      loaded('env', [envConn('b_conn', 'h'), envConn('a_conn', 'h')]),
      loaded('db', [
        variableEntry('b_var', 'v'),
        connectionEntry('Z_conn', { conn_type: 'x' }),
        connectionEntry('a_conn', { conn_type: 'x' }),
        variableEntry('A_var', 'v')
      ])
    ]
    const ids = (items: ReturnType<typeof resolveEffective>) =>
      items.map((it) => `${it.kind}:${it.id}`)
    expect(ids(resolveEffective('airflow2', layers))).toEqual([
      'connection:Z_conn',
      'connection:a_conn',
      'connection:b_conn',
      'variable:A_var',
      'variable:b_var'
    ])
    const asked = resolveEffective('airflow2', layers, [
      { kind: 'variable', id: 'b_var' },
      { kind: 'connection', id: 'b_conn' },
      { kind: 'variable', id: 'b_var' },
      { kind: 'connection', id: 'nowhere' }
    ])
    expect(ids(asked)).toEqual(['connection:b_conn', 'connection:nowhere', 'variable:b_var'])
    expect(asked.map((it) => it.winner)).toEqual([1, null, 2])
  })
})

describe('the names of the fields that differ (what the precedence views show)', () => {
  // few values per field, so fields are often equal; extras equal as JSON but not as text
  const text = fc.constantFrom(null, '', 'a', 'b', 'A', ' a', '1', '1.0')
  const extra = fc.constantFrom(
    null,
    '',
    '{}',
    '{"a": 1}',
    '{"a":1}',
    '{"a": 1.0}',
    '{"b": "x", "a": 1}',
    '{"a": 1, "b": "x"}',
    '{"a": NaN}',
    '{"a":NaN}',
    'NaN',
    '{"a": [1, 2]}',
    '{"a": [2, 1]}',
    'not json',
    'other text',
    '[1]',
    '"s"'
  )
  const port = fc.constantFrom(null, 0, 5432, 5433)
  const conn = fc
    .record({
      conn_type: text,
      description: text,
      host: text,
      login: text,
      password: text,
      schema: text,
      port,
      extra
    })
    .map(({ conn_type, ...rest }) => connectionEntry('c', { conn_type: conn_type ?? 'x', ...rest }))
  const variable = fc
    .record({ value: text, description: text })
    .map(({ value, description }) => variableEntry('v', value ?? '', description))
  const named = (a: Entry, b: Entry) =>
    compareEntries(a, b, fingerprinter(new Uint8Array(32)))
      .filter((d) => d.change === 'changed')
      .map((d) => d.field)

  it('are what compareEntries finds changed, in its order, for any two connections or variables', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(conn, conn), fc.tuple(variable, variable)), ([a, b]) => {
        expect(changedFields(a, b)).toEqual(named(a, b))
        // the plan's and cutover's "unchanged" is the same rule
        expect(sameFields(a, b)).toBe(named(a, b).length === 0)
        expect(compareEntries(a, b, fingerprinter(new Uint8Array(32))).map((d) => d.field)).toEqual(
          COMPARED_FIELDS[a.kind]
        )
      }),
      fuzzParams(2000)
    )
  })

  it('are none between two connections holding the same extra, NaN included, and name an extra that is other text', () => {
    // Python's json reads {"a": NaN} twice as equal dicts (one shared NaN); a bare NaN is not
    // == to itself, but the same text in two layers is the same extra
    const pairs = [
      ['{"a": NaN}', '{"a": NaN}'],
      ['{"a": NaN}', '{"a":NaN}'],
      ['{"a": [NaN, 1]}', '{"a":[NaN,1]}'],
      ['NaN', 'NaN']
    ]
    for (const [x, y] of pairs) {
      const a = connectionEntry('c', { conn_type: 'http', extra: x })
      const b = connectionEntry('c', { conn_type: 'http', extra: y })
      expect(changedFields(a, b), `${x} / ${y}`).toEqual([])
      expect(named(a, b)).toEqual([])
      expect(sameFields(a, b)).toBe(true)
    }
    // an extra that is no JSON is its text: extra_dejson reads both as {}, the texts differ
    const text1 = connectionEntry('c', { conn_type: 'http', extra: 'not json' })
    const text2 = connectionEntry('c', { conn_type: 'http', extra: 'other text' })
    const empty = connectionEntry('c', { conn_type: 'http', extra: '{}' })
    for (const [a, b] of [
      [text1, text2],
      [text1, empty]
    ] as const) {
      expect(changedFields(a, b)).toEqual(['extra'])
      expect(named(a, b)).toEqual(['extra'])
      expect(sameFields(a, b)).toBe(false)
    }
    const nan = connectionEntry('c', { conn_type: 'http', extra: '{"a": NaN}' })
    const one = connectionEntry('c', { conn_type: 'http', extra: '{"a": 1}' })
    expect(changedFields(nan, one)).toEqual(['extra'])
    expect(sameFields(nan, one)).toBe(false)
  })

  it('are what a shadowed layer says in resolveEffective', () => {
    fc.assert(
      fc.property(fc.tuple(conn, conn), ([a, b]) => {
        const items = resolveEffective('airflow2', [
          loaded('custom', [a]),
          loaded('env', []),
          loaded('db', [b])
        ])
        const verdict = items[0]!.layers[2]!
        expect(verdict.status === 'shadowed' && verdict.differs).toEqual(named(a, b))
      }),
      fuzzParams(500)
    )
  })
})
