import fc from 'fast-check'
import { FUZZ_SEED } from '../../../support/fuzz'
import { describe, expect, it } from 'vitest'
import { fingerprinter, noFingerprints } from '../../../../src-main/core/fingerprint'
import { connectionEntry, idOf, variableEntry } from '../../../../src-main/core/model'
import {
  entryDigest,
  parsePlanDocument,
  plan,
  planWritten,
  sameDigestFields,
  warningsFor,
  type PlanItem
} from '../../../../src-main/core/plan'
import type { Entry } from '../../../../src-main/core/model'
import { pyJsonDumps, pyJsonTryLoads } from '../../../../src-main/core/codecs/py-json'
import { parseConnectionValue } from '../../../../src-main/core/codecs/connection-json'

const fp = fingerprinter(new Uint8Array(32))

describe('planner', () => {
  const source = [
    connectionEntry('same', { conn_type: 'postgres', host: 'h', extra: '{"a": 1}' }),
    connectionEntry('changed', { conn_type: 'postgres', host: 'new', password: 'S3CRET-new' }),
    connectionEntry('new_one', { conn_type: 'http' }),
    variableEntry('v', '1')
  ]
  const target = [
    connectionEntry('same', { conn_type: 'postgres', host: 'h', extra: '{"a":1}' }),
    connectionEntry('changed', { conn_type: 'postgres', host: 'old', password: 'S3CRET-old' }),
    connectionEntry('extraneous', { conn_type: 'x' }),
    variableEntry('v', '1')
  ]

  it('tags every item semantically, with field diffs that carry no values', () => {
    const r = plan(source, target, {}, fp)
    expect(r.items.map((i) => [i.targetId, i.action])).toEqual([
      ['changed', 'update'],
      ['new_one', 'create'],
      ['same', 'unchanged'],
      ['v', 'unchanged']
    ])
    expect(r.items[0]!.diff.filter((d) => d.change === 'changed').map((d) => d.field)).toEqual([
      'host',
      'password'
    ])
    expect(JSON.stringify(r)).not.toContain('S3CRET')
    expect(r.summary).toEqual({ create: 1, update: 1, delete: 0, unchanged: 2, conflict: 0 })
  })

  it('gives a create and a delete no field diff: only updates and conflicts carry one', () => {
    const r = plan(source, target, { deleteExtraneous: true, onConflict: 'skip' }, fp)
    const byId = new Map(r.items.map((i) => [i.targetId, i]))
    expect(byId.get('new_one')).toMatchObject({ action: 'create', diff: [], targetVersion: null })
    expect(byId.get('new_one')!.sourceVersion).toMatch(/\S/)
    expect(byId.get('extraneous')).toMatchObject({
      action: 'delete',
      diff: [],
      sourceVersion: null
    })
    expect(byId.get('changed')!.action).toBe('conflict')
    expect(byId.get('changed')!.diff.map((d) => d.field)).toContain('password')
  })

  it('treats a URI and a JSON value that decode to the same connection as equal', () => {
    const a = parseConnectionValue('postgres://u:p%40w@h:5432/db?sslmode=require', 'airflow3').value
    const b = parseConnectionValue(
      '{"conn_type": "postgres", "login": "u", "password": "p@w", "host": "h", "port": 5432, "schema": "db", "extra": {"sslmode": "require"}}',
      'airflow3'
    ).value
    const r = plan([connectionEntry('x', a)], [connectionEntry('x', b)], {}, fp)
    expect(r.items[0]!.action).toBe('unchanged')
  })

  it('applies the conflict policy, per-item overrides, filters, renames and delete-extraneous', () => {
    const r = plan(
      source,
      target,
      {
        onConflict: 'fail',
        conflictOverrides: { same: 'skip' },
        deleteExtraneous: true,
        rename: { new_one: 'renamed' },
        exclude: ['v']
      },
      fp
    )
    expect(r.items.map((i) => [i.targetId, i.action, i.resolution ?? ''])).toEqual([
      ['changed', 'conflict', 'fail'],
      ['extraneous', 'delete', ''],
      ['renamed', 'create', ''],
      ['same', 'unchanged', '']
    ])
    const prefixed = plan(
      source,
      [],
      { prefixMap: [['new_', 'old_']], kinds: ['connection'], include: ['new*'] },
      fp
    )
    expect(prefixed.items.map((i) => i.targetId)).toEqual(['old_one'])
  })

  it('warns where the target Airflow would read a write differently', () => {
    const r = plan(
      [
        connectionEntry('j', { conn_type: 'http', extra: '{"timeout": "10", "list": "[1]"}' }),
        connectionEntry('n', { extra: '[1]' })
      ],
      [],
      { targetDialect: 'airflow3' },
      fp
    )
    expect(r.items[0]!.warnings.join()).toMatch(/59339/)
    expect(r.items[1]!.warnings.join()).toMatch(/not a JSON object/)
  })
})

describe('plan files', () => {
  const good = () => ({
    version: 1,
    planId: '20261123T201430-cc3782',
    createdAt: '2026-11-23T20:14:30.000Z',
    source: 'demo:',
    target: 'envfile:/tmp/t.env',
    dialect: 'airflow3',
    options: {},
    summary: { create: 1, update: 0, delete: 0, unchanged: 0, conflict: 0 },
    items: [
      {
        kind: 'connection',
        sourceId: 'a',
        targetId: 'a',
        action: 'create',
        diff: [],
        warnings: [],
        sourceVersion: 'abcdef012345',
        targetVersion: null
      }
    ]
  })

  it('reads back a plan as written', () => {
    expect(parsePlanDocument(JSON.stringify(good()), 'p.json')).toEqual(good())
  })

  // Found by test/unit/main/fuzz/plan-and-settings.test.ts: apply used to crash (exit 70) on
  // these, after opening the stores.
  it.each([
    [
      'items: [null]',
      (d: ReturnType<typeof good>) => ((d.items as unknown[]) = [null]),
      'items[0] is not an object'
    ],
    [
      'no source',
      (d: Record<string, unknown>) => delete d.source,
      '"source" is not a non-empty text'
    ],
    [
      'an unknown action',
      (d: ReturnType<typeof good>) => (d.items[0]!.action = 'drop'),
      'items[0].action must be one of'
    ],
    [
      'a create with a target version',
      (d: ReturnType<typeof good>) =>
        ((d.items[0] as { targetVersion: string | null }).targetVersion = 'x'),
      'items[0].targetVersion does not fit the action create'
    ],
    [
      'a repeated item',
      (d: ReturnType<typeof good>) => d.items.push({ ...d.items[0]! }),
      'items[1].targetId repeats an earlier item'
    ]
  ] as const)('refuses a plan with %s, naming the place', (_what, edit, message) => {
    const doc = good()
    ;(edit as (d: unknown) => unknown)(doc)
    expect(() => parsePlanDocument(JSON.stringify(doc), 'p.json')).toThrow(
      expect.objectContaining({ code: 'usage', userMessage: expect.stringContaining(message) })
    )
  })

  it('says where a plan file stops being JSON, without quoting it', () => {
    expect(() => parsePlanDocument('{"version": 1,\n "planId": S3CRET}', 'p.json')).toThrow(
      /^p\.json is not a plan file: it is not JSON \(line 2 column 12\)/
    )
    expect(() => parsePlanDocument('{"version": 1,\n "planId": S3CRET}', 'p.json')).not.toThrow(
      /S3CRET/
    )
  })
})

describe('planWritten', () => {
  it('is plan() with the entry each item writes beside it, under the target id', () => {
    const source = [
      variableEntry('zeta', '1'),
      connectionEntry('b_conn', { conn_type: 'http', host: 'new' }),
      connectionEntry('a_conn', { conn_type: 'http' }),
      variableEntry('same', 'x')
    ]
    const target = [
      connectionEntry('b_conn', { conn_type: 'http', host: 'old' }),
      variableEntry('same', 'x'),
      variableEntry('gone', 'y')
    ]
    const options = { deleteExtraneous: true, prefixMap: [['a_', 'renamed_']] as const }
    const r = planWritten(source, target, options, fp)
    const whole = plan(source, target, options, fp)
    expect(JSON.stringify({ items: r.items, summary: r.summary })).toBe(JSON.stringify(whole))
    expect(
      r.items.map((item, i) => {
        const e = r.written[i]
        return [item.targetId, e && (e.kind === 'connection' ? e.id : e.key)]
      })
    ).toEqual([
      ['b_conn', 'b_conn'],
      ['renamed_conn', 'renamed_conn'],
      ['gone', undefined],
      ['same', 'same'],
      ['zeta', 'zeta']
    ])
    expect(r.written[0]).toBe(source[1])
  })

  it('gives every item of an id that is there twice the last entry of that id', () => {
    const first = { ...connectionEntry('dup', { conn_type: 'http' }), team: 'one' }
    const last = { ...connectionEntry('dup', { conn_type: 'ftp' }), team: 'two' }
    const r = planWritten([first, variableEntry('v', '1'), last], [], {}, fp)
    expect(r.items.map((i) => i.targetId)).toEqual(['dup', 'dup', 'v'])
    expect(r.written.slice(0, 2)).toEqual([last, last])
  })

  it('keeps each entry beside its item through the sort, over many ids in any order', () => {
    // ids from a few letters: runs of equal ids, the same id as a connection and a variable
    const id = fc.stringMatching(/^[ab_]{1,4}$/)
    const entry: fc.Arbitrary<Entry> = fc.oneof(
      id.map((i) => connectionEntry(i, { conn_type: 'http' })),
      id.map((i) => variableEntry(i, 'v'))
    )
    for (const source of fc.sample(fc.array(entry, { minLength: 50, maxLength: 400 }), {
      numRuns: 40,
      seed: FUZZ_SEED
    })) {
      const target = source.filter((_, i) => i % 5 === 0).map((e) => ({ ...e, description: 'd' }))
      const r = planWritten(source, target as Entry[], { deleteExtraneous: true }, fp)
      expect(JSON.stringify({ items: r.items, summary: r.summary })).toBe(
        JSON.stringify(plan(source, target as Entry[], { deleteExtraneous: true }, fp))
      )
      // each item's entry: the last source entry of its kind and id (none for a delete)
      const last = new Map(source.map((e) => [`${e.kind}:${idOf(e)}`, e]))
      r.items.forEach((item, i) =>
        expect(r.written[i]).toBe(
          item.action === 'delete' ? undefined : last.get(`${item.kind}:${item.targetId}`)
        )
      )
    }
  })
})

describe('sameDigestFields', () => {
  const text = fc.option(fc.constantFrom('', 'a', 'b', 'é'), { nil: null })
  const extra = fc.option(fc.constantFrom('{"a": 1}', '{"a":1}', '{"b": [1, 2]}', 'not json'), {
    nil: null
  })
  const entry: fc.Arbitrary<Entry> = fc.oneof(
    fc.record({
      kind: fc.constant('variable' as const),
      key: fc.constantFrom('k', 'K'),
      value: fc.constantFrom('', 'v', 'w'),
      description: text,
      team: fc.option(fc.constantFrom('t', 'u'), { nil: undefined })
    }),
    fc.record({
      kind: fc.constant('connection' as const),
      id: fc.constantFrom('c', 'C'),
      fields: fc.record({
        conn_type: text,
        description: text,
        host: text,
        login: text,
        password: text,
        schema: text,
        port: fc.option(fc.constantFrom(0, 5432), { nil: null }),
        extra,
        team_name: fc.option(fc.constantFrom('t', null), { nil: undefined })
      }),
      team: fc.option(fc.constantFrom('t', null), { nil: undefined })
    })
  )
  const withId = (e: Entry): Entry =>
    e.kind === 'variable' ? { ...e, key: 'same' } : { ...e, id: 'same' }

  it('is true only where the digests but for the ids are the same', () => {
    fc.assert(
      fc.property(entry, entry, (a, b) => {
        if (sameDigestFields(a, b)) expect(entryDigest(withId(a))).toBe(entryDigest(withId(b)))
      }),
      { seed: FUZZ_SEED, numRuns: 2000 }
    )
  })

  it('is true for an entry and its copy under another id, false for extras written another way', () => {
    const a = connectionEntry('a', { conn_type: 'http', host: 'h', extra: '{"a": 1}' })
    expect(sameDigestFields(a, { ...a, id: 'b', fields: { ...a.fields } })).toBe(true)
    const b = { ...a, fields: { ...a.fields, extra: '{"a":1}' } }
    expect(sameDigestFields(a, b)).toBe(false)
    expect(entryDigest(a)).toBe(entryDigest(b))
    expect(sameDigestFields(variableEntry('k', 'v'), a)).toBe(false)
  })
})

describe('a plan without fingerprints (noFingerprints: no digest is made)', () => {
  const text = fc.option(fc.constantFrom('', 'a', 'é'), { nil: null })
  const extra = fc.option(
    fc.constantFrom('{"a": 1}', '{"a":1}', '{"b": "[1]"}', '[1]', 'not json', '{"x": NaN}'),
    { nil: null }
  )
  const entry: fc.Arbitrary<Entry> = fc.oneof(
    fc.record({
      kind: fc.constant('variable' as const),
      key: fc.constantFrom('k', 'l', 'm'),
      value: fc.constantFrom('', 'v', 'w'),
      description: text
    }),
    fc.record({
      kind: fc.constant('connection' as const),
      id: fc.constantFrom('c', 'd', 'e'),
      fields: fc.record({
        conn_type: text,
        description: text,
        host: text,
        login: text,
        password: text,
        schema: text,
        port: fc.option(fc.constantFrom(0, 5432), { nil: null }),
        extra
      })
    })
  )
  const nulled = (items: readonly PlanItem[]) =>
    items.map((i) => ({
      ...i,
      sourceVersion: null,
      targetVersion: null,
      diff: i.diff.map((d) => ({ ...d, winner: null, shadowed: null }))
    }))

  it('is the plan with fingerprints, every version and field fingerprint null', () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 6 }),
        fc.array(entry, { maxLength: 6 }),
        fc.boolean(),
        fc.constantFrom('airflow2', 'airflow3', undefined),
        fc.boolean(),
        (source, target, deleteExtraneous, targetDialect, lossy) => {
          const options = { deleteExtraneous, targetDialect } as const
          const limits = lossy
            ? { lossy: ['connection.description'], emptyPasswordIsNone: true }
            : {}
          const without = plan(source, target, options, noFingerprints, limits)
          const withFp = plan(source, target, options, fp, limits)
          expect(without.summary).toEqual(withFp.summary)
          expect(without.items).toEqual(nulled(withFp.items))
        }
      ),
      { seed: FUZZ_SEED, numRuns: 3000 }
    )
  })
})

describe('extras read by JSON.parse (py-json.ts pyJsonCanonicalObject)', () => {
  // Python's reading, as the digest and warnings were made before the engine's parser read them
  const python = (e: Entry & { kind: 'connection' }) => {
    const parsed = e.fields.extra ? pyJsonTryLoads(e.fields.extra) : null
    const f = e.fields
    return JSON.stringify([
      'connection',
      e.id,
      f.conn_type,
      f.description,
      f.host,
      f.login,
      f.password,
      f.schema,
      f.port,
      parsed === undefined
        ? ['text', f.extra]
        : parsed === null
          ? null
          : pyJsonDumps(parsed, { sortKeys: true }),
      e.team ?? null
    ])
  }

  it('digest as Python reads them, and warn of their members in the dict’s order', () => {
    for (const extra of [
      '{"b": "{\\"x\\": 1}", "a": "[1]", "c": "plain", "b": "[2]"}',
      '{"role":"ANALYST","opts":["a b","é","😀"],"ssl":true,"x":null,"n":{"z":"1","y":[]}}',
      '{"port": 5432, "a": "[1]"}',
      '{"2": "[1]", "a": "{}"}',
      '["not", "an", "object"]',
      'not json',
      '{"a": NaN}'
    ]) {
      const e = connectionEntry('c', { conn_type: 'http', extra })
      expect(entryDigest(e)).toBe(python(e))
    }
    const e = connectionEntry('c', {
      conn_type: 'http',
      extra: '{"b": "{}", "a": "[1]", "b": "[2]"}'
    })
    expect(warningsFor(e, 'airflow3')).toEqual([
      'extra "b" is a string that looks like JSON: through a URI, Airflow 3 reads it back as another type (#59339); prefer JSON values',
      'extra "a" is a string that looks like JSON: through a URI, Airflow 3 reads it back as another type (#59339); prefer JSON values'
    ])
    expect(
      warningsFor(connectionEntry('c', { conn_type: 'http', extra: '["a"]' }), 'airflow3')
    ).toEqual(['extra is not a JSON object: Airflow 3 rejects it'])
  })
})
