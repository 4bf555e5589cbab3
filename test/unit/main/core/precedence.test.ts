import { describe, expect, it } from 'vitest'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import {
  RUNTIME_MODELS,
  resolveEffective,
  type LayerData
} from '../../../../src-main/core/precedence'

const fp = fingerprinter(new Uint8Array(32))
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
    const items = resolveEffective(
      'airflow3-server',
      [
        { state: 'not-inspected' },
        loaded('env', [envConn('MY_DB', 'replica')]),
        loaded('db', [
          connectionEntry('my_db', { conn_type: 'postgres', host: 'primary' }),
          variableEntry('only_db', 'x')
        ])
      ],
      fp
    )
    const db = items.find((i) => i.id === 'my_db')!
    expect(db.winner).toBe(1)
    expect(db.layers.map((l) => l.status)).toEqual(['not-inspected', 'wins', 'shadowed'])
    const shadowed = db.layers[2]!
    expect(
      shadowed.status === 'shadowed' &&
        shadowed.differs.filter((d) => d.change === 'changed').map((d) => d.field)
    ).toEqual(['host'])
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
      fp,
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
      fp,
      [{ kind: 'connection', id: 'Mixed_case' }]
    )
    expect(items[0]!.winner).toBe(1)
  })

  it('notes ids with "/" that fail through the Execution API (#57864)', () => {
    const items = resolveEffective(
      'airflow3-worker',
      [
        { state: 'not-inspected' },
        loaded('wenv', []),
        { state: 'not-inspected' },
        loaded('env', []),
        loaded('db', [connectionEntry('team/db', { conn_type: 'x' })])
      ],
      fp
    )
    expect(items[0]!.notes.join()).toMatch(/57864/)
  })

  it('compares extras as JSON, not text', () => {
    const items = resolveEffective(
      'airflow2',
      [
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
      ],
      fp
    )
    const v = items[0]!.layers[2]!
    expect(v.status === 'shadowed' && v.differs.every((d) => d.change === 'same')).toBe(true)
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
    expect(ids(resolveEffective('airflow2', layers, fp))).toEqual([
      'connection:Z_conn',
      'connection:a_conn',
      'connection:b_conn',
      'variable:A_var',
      'variable:b_var'
    ])
    const asked = resolveEffective('airflow2', layers, fp, [
      { kind: 'variable', id: 'b_var' },
      { kind: 'connection', id: 'b_conn' },
      { kind: 'variable', id: 'b_var' },
      { kind: 'connection', id: 'nowhere' }
    ])
    expect(ids(asked)).toEqual(['connection:b_conn', 'connection:nowhere', 'variable:b_var'])
    expect(asked.map((it) => it.winner)).toEqual([1, null, 2])
  })
})
