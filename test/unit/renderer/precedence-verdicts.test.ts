// The precedence view's counting and filtering: shadowed layers split into "differs" and
// "same", the risk counted once per id, and the filters (show, layer, kind, id glob).
import { describe, expect, it } from 'vitest'
import type { EffectiveDto, VerdictDto } from '../../../src-main/contract/ipc'
import {
  filterItems,
  idMatcher,
  overviewOf,
  verdictKind,
  verdictLine,
  type PrecedenceFilter
} from '../../../src-renderer/features/precedence/verdicts'

// as main sends it: what is empty (no key, no field that differs, no message) is left out;
// a shadowed layer names the fields that differ, the others of `fields` hold the same
const v = (status: VerdictDto['status'], differs: string[] = []): VerdictDto => ({
  status,
  ...(status === 'absent' ? {} : { fromKey: 'K' }),
  ...(status === 'shadowed' && differs.length ? { differs } : {})
})

const layer = (role: string) => ({
  role,
  label: role,
  locator: `memory:${role}`,
  state: 'loaded' as const,
  storeId: role,
  error: null
})

const effective: EffectiveDto = {
  model: 'airflow3-server',
  label: 'test',
  notes: [],
  layers: [layer('custom-backend'), layer('env'), layer('metastore')],
  fields: { connection: ['conn_type', 'host', 'password', 'extra'], variable: ['value'] },
  items: [
    // env wins; both lower layers differ: one id at risk, counted once
    {
      kind: 'connection',
      id: 'aws_default',
      winner: 0,
      notes: [],
      layers: [v('wins'), v('shadowed', ['password']), v('shadowed', ['host'])]
    },
    {
      kind: 'connection',
      id: 'pg_main',
      winner: 1,
      notes: [],
      layers: [v('absent'), v('wins'), v('shadowed')]
    },
    {
      kind: 'variable',
      id: 'aws_region',
      winner: 2,
      notes: [],
      layers: [v('absent'), v('absent'), v('wins')]
    },
    {
      kind: 'variable',
      id: 'gone',
      winner: null,
      notes: [],
      layers: [v('absent'), v('unreadable'), v('absent')]
    }
  ]
}

const all: PrecedenceFilter = { show: 'all', layer: '', kind: 'all', id: '' }
const ids = (f: Partial<PrecedenceFilter>) =>
  filterItems(effective.items, { ...all, ...f }).map((it) => it.id)

describe('precedence verdicts', () => {
  it('tells a shadowed layer that differs from one that holds the same value', () => {
    expect(verdictKind(v('shadowed', ['password']))).toBe('differs')
    expect(verdictLine(v('shadowed', ['password', 'extra']))).toBe('differs: password, extra')
    expect(verdictKind(v('shadowed'))).toBe('same')
    expect(verdictLine(v('shadowed'))).toBe('same value')
    expect(verdictKind(v('failed'))).toBe('failed')
  })

  it('counts per layer what it serves and what it shadows, and the ids at risk once each', () => {
    const o = overviewOf(effective)
    expect(o.total).toBe(4)
    expect(o.risk).toBe(1)
    expect(o.unresolved).toBe(1)
    expect(o.layers.map((l) => l.serves)).toEqual([1, 1, 1])
    expect(o.layers.map((l) => l.differs)).toEqual([0, 1, 1])
    expect(o.layers.map((l) => l.same)).toEqual([0, 0, 1])
    expect(o.layers.map((l) => l.present)).toEqual([1, 2, 3])
  })

  it('filters by what is shadowed, by layer served or present, by kind and by id', () => {
    expect(ids({})).toEqual(['aws_default', 'pg_main', 'aws_region', 'gone'])
    expect(ids({ show: 'differs' })).toEqual(['aws_default'])
    expect(ids({ show: 'shadowed' })).toEqual(['aws_default', 'pg_main'])
    expect(ids({ layer: 'served:1' })).toEqual(['pg_main'])
    expect(ids({ layer: 'present:2' })).toEqual(['aws_default', 'pg_main', 'aws_region'])
    expect(ids({ layer: 'present:1', show: 'differs' })).toEqual(['aws_default'])
    expect(ids({ kind: 'variable' })).toEqual(['aws_region', 'gone'])
    expect(ids({ id: 'AWS' })).toEqual(['aws_default', 'aws_region'])
    expect(ids({ id: 'aws_*' })).toEqual(['aws_default', 'aws_region'])
    expect(ids({ id: '*_default' })).toEqual(['aws_default'])
    expect(ids({ id: 'pg_mai?' })).toEqual(['pg_main'])
  })

  it('reads a glob as a whole-id match and anything else literally', () => {
    expect(idMatcher('a.b')('axb')).toBe(false)
    expect(idMatcher('a.b')('xa.by')).toBe(true)
    expect(idMatcher('a.*')('a.b')).toBe(true)
    expect(idMatcher('a.*')('axb')).toBe(false)
    expect(idMatcher('aws')('my_aws')).toBe(true)
    expect(idMatcher('aws*')('my_aws')).toBe(false)
  })
})
