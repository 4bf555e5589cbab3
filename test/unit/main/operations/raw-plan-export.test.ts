// plan/diff over `airflow connections|variables export` files compares each member's text
// first (AirflowExportBackend.loadRaw): the plan equals the one made from both files read
// whole, item for item, and the fast path declines wherever the answer could differ.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AirflowExportBackend } from '../../../../src-main/backends/airflow-export'
import {
  encodeConnectionsFile,
  encodeVariablesFile,
  rawFileItems,
  readRawFileItem
} from '../../../../src-main/core/codecs/airflow-files'
import {
  PyDict,
  plainToPy,
  pyEquals,
  pyJsonDumps,
  pyJsonLoads
} from '../../../../src-main/core/codecs/py-json'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import type { ConnectionEntry, VariableEntry } from '../../../../src-main/core/model'
import { diffStores } from '../../../../src-main/operations/diff'
import { planRaw } from '../../../../src-main/operations/raw-plan'
import { seededRandom } from '../../../support/seeded-random'
import { bothPlans, DIFF, PLAN_KEY } from '../../../support/raw-plans'
import { FUZZ_TIMEOUT, fuzzParams } from '../../../support/fuzz'
import { tempDir } from '../../../support/temp-dir'

let dir: string

beforeAll(() => {
  dir = tempDir('airlock-raw-plan-export-')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What `f` returns, or the message it throws. */
function outcome<T>(f: () => T): { value?: T; error?: string } {
  try {
    return { value: f() }
  } catch (error) {
    return { error: `${(error as Error).constructor.name}: ${(error as Error).message}` }
  }
}

/** An entry as read, without where it was read from (`read` adds its source). */
function stripSource<T>(e: T | undefined): T | undefined {
  if (!e || typeof e !== 'object') return e
  const { source: _source, ...rest } = e as T & { source?: unknown }
  return rest as T
}

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** Seeded connections and variables, and B: A with changes of every kind, some only in text. */
function generated(seed: number, n: number) {
  const rand = seededRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const word = (len: number) =>
    Array.from({ length: len }, () => pick([...'abcdefghij0123456789@:/?#%+ é$\'"\\'])).join('')
  const conns: [ConnectionEntry, ConnectionEntry | null][] = []
  const vars: [VariableEntry, VariableEntry | null][] = []
  for (let i = 0; i < n; i++) {
    const r = rand()
    if (i % 4 === 3) {
      const v: VariableEntry = {
        kind: 'variable',
        key: `v_${i}`,
        value: pick([word(10), '{"a": [1, 2]}', '3']),
        description: pick([null, 'about it'])
      }
      vars.push([v, r < 0.1 ? null : r < 0.2 ? { ...v, value: `${v.value}!` } : v])
      continue
    }
    const c: ConnectionEntry = {
      kind: 'connection',
      id: `c_${i}`,
      fields: {
        conn_type: pick(['postgres', 'http', 'aws']),
        description: pick([null, 'd']),
        host: `h${i}.example.com`,
        login: pick([null, `u_${word(4)}`]),
        password: pick([null, word(10)]),
        schema: pick([null, 'db']),
        port: pick([null, 5432]),
        extra: pick([null, '{"a": 1, "b": [1, 2]}', '{"k": "v"}'])
      }
    }
    conns.push([
      c,
      r < 0.1 ? null : r < 0.2 ? { ...c, fields: { ...c.fields, host: `h${i}.changed` } } : c
    ])
  }
  const only = <T>(pairs: [T, T | null][], side: 0 | 1) =>
    pairs.map((p) => p[side]).filter((x): x is T => x !== null)
  return {
    conns: [only(conns, 0), only(conns, 1)] as const,
    vars: [only(vars, 0), only(vars, 1)] as const
  }
}

describe('plan/diff of export files: equal member text is equal meaning', () => {
  it(
    'makes the plan of both files read whole, for JSON and .env exports',
    { timeout: 60_000 },
    async () => {
      for (const seed of [1, 2]) {
        const g = generated(seed, 300)
        for (const format of ['json', 'env'] as const) {
          const backend = (side: 0 | 1) =>
            new AirflowExportBackend({
              connectionsPath: file(
                `c${seed}-${side}.${format}`,
                encodeConnectionsFile(g.conns[side], { format, dialect: 'airflow3' })
              ),
              variablesPath: file(
                `v${seed}-${side}.json`,
                encodeVariablesFile(g.vars[side], 'airflow3')
              )
            })
          for (const options of [DIFF, { ...DIFF, kinds: ['variable' as const] }]) {
            const { fast, full } = await bothPlans(backend(0), backend(1), options)
            expect(fast, format).toBeDefined()
            expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
            expect(full.summary.unchanged).toBeGreaterThan(0)
            expect(full.summary.update).toBeGreaterThan(0)
            // only the members whose text differs were read
            expect(fast!.source.length).toBeLessThan(300 * 0.4)
          }
        }
      }
    }
  )

  it('lists one JSON file as columns where its keys are their bytes, planning as the whole read', async () => {
    const g = generated(4, 300)
    const json = (name: string, side: 0 | 1) =>
      file(name, encodeConnectionsFile(g.conns[side], { format: 'json', dialect: 'airflow3' }))
    const [pathA, pathB] = [json('cols-a.json', 0), json('cols-b.json', 1)]
    const a = new AirflowExportBackend({ connectionsPath: pathA })
    const b = new AirflowExportBackend({ connectionsPath: pathB })
    const raw = await a.loadRaw({})
    expect(raw.columns?.count).toBe(g.conns[0].length)
    // a raw entry per member only when asked for: the same listing as the text's
    expect(raw.entries.map((r) => [r.id, r.text])).toEqual(
      rawFileItems(readFileSync(pathA, 'utf8'), 'json')
    )
    const { fast, full } = await bothPlans(a, b)
    expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
    expect(full.summary.unchanged).toBeGreaterThan(0)
    expect(full.summary.update + full.summary.create + full.summary.delete).toBeGreaterThan(0)
    // a key with an escape: its bytes do not tell it apart, so no columns; the same plan
    const escaped = file('cols-escaped.json', '{"a\\u0062": "http://h", "c": "http://h2"}')
    const plain = file('cols-plain.json', '{"ab": "http://h", "c": "http://other"}')
    const e = new AirflowExportBackend({ connectionsPath: escaped })
    expect((await e.loadRaw({})).columns).toBeUndefined()
    for (const [s, t] of [
      [escaped, plain],
      [plain, escaped]
    ]) {
      const plans = await bothPlans(
        new AirflowExportBackend({ connectionsPath: s }),
        new AirflowExportBackend({ connectionsPath: t })
      )
      expect(plans.full.items.map((i) => i.action)).toEqual(['unchanged', 'update'])
      expect(JSON.stringify(plans.fast!.result)).toBe(JSON.stringify(plans.full))
    }
  })

  it('counts another text of the same meaning as unchanged, as the full read does', async () => {
    const a = file('same-a.json', '{"c": {"conn_type": "http", "host": "h"}, "d": "mysql://x"}')
    // other spacing and key order in "c"; the same URI in "d"
    const b = file(
      'same-b.json',
      '{\n  "c": {"host": "h",   "conn_type": "http"},\n  "d": "mysql://x"\n}\n'
    )
    const { fast, full } = await bothPlans(
      new AirflowExportBackend({ connectionsPath: a }),
      new AirflowExportBackend({ connectionsPath: b })
    )
    expect(full.items.map((i) => i.action)).toEqual(['unchanged', 'unchanged'])
    expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
    expect(fast!.source.map((e) => (e.kind === 'connection' ? e.id : e.key))).toEqual(['c'])
  })

  it('declines where the answer or its error could differ', async () => {
    const ok = file('ok.json', '{"a": "postgres://h/db"}')
    const cases = {
      yaml: file('x.yaml', 'a: postgres://h/db\n'),
      twice: file('twice.json', '{"a": "postgres://h/db", "a": "mysql://h"}'),
      badMember: file('bad-member.json', '{"a": "postgres://h/db", "b": [1,,2]}'),
      badTail: file('bad-tail.json', '{"a": "postgres://h/db"} x'),
      emptyList: file('empty-list.json', '{"a": "postgres://h/db", "b": []}'),
      badConnection: file('bad-conn.json', '{"a": "postgres://h/db", "b": {"nope": 1}}'),
      badId: file('bad-id.json', '{"a": "postgres://h/db", "b c": "http://h"}'),
      notObject: file('list.json', '["a"]')
    }
    for (const [name, path] of Object.entries(cases)) {
      const fast = await planRaw(
        new AirflowExportBackend({ connectionsPath: path }),
        new AirflowExportBackend({ connectionsPath: ok }),
        undefined,
        DIFF,
        async () => fingerprinter(PLAN_KEY),
        {}
      )
      expect(fast, name).toBeUndefined()
    }
    // the diff without its sides refuses as the diff with them does, with the same message
    for (const path of [cases.badMember, cases.badConnection]) {
      const diff = (sides: boolean) =>
        diffStores({
          source: `airflow-export:${path}`,
          target: `airflow-export:${ok}`,
          dialect: 'airflow3',
          locatorOptions: {},
          sides
        }).then(
          () => 'no error',
          (e: Error) => e.message
        )
      const message = await diff(true)
      expect(message).not.toBe('no error')
      expect(await diff(false)).toBe(message)
    }
  })

  it('reads a member from its bytes as from its text: the same entry, or the same error', async () => {
    const g = generated(5, 300)
    const written = encodeConnectionsFile(g.conns[0], { format: 'json', dialect: 'airflow3' })
    // crafted members: escapes, non-ASCII, a number where a text goes, a port out of range, a
    // list, a string URI, a bad extra, fields twice or unknown (the bytes do not tell)
    const crafted = [
      '"a\\u0062": {"conn_type": "h\\u00e9", "host": "x\\"y", "port": 80}',
      '"c": {"conn_type": "http", "login": 5, "port": null}',
      '"d": {"conn_type": "http", "port": 70000}',
      '"e": {"conn_type": "http", "port": 0080}',
      '"f": ["http://h"]',
      '"g": "postgres://u:p@h:5432/s?__extra__=%7B%7D"',
      '"h": {"conn_type": "http", "extra": "not json"}',
      '"i": {"conn_type": "http", "host": "a", "host": "b"}',
      '"j": {"conn_type": "http", "what": 1}',
      '"k": {"conn_type": "é", "description": "d\\n", "schema": "", "password": null}',
      '"l": "no uri"',
      '"m": {}'
    ]
    for (const [name, text] of [
      ['written.json', written],
      ['crafted.json', `{${crafted.join(', ')}}`]
    ] as const) {
      const path = file(`member-${name}`, text)
      const raw = await new AirflowExportBackend({ connectionsPath: path }).loadRaw({})
      const asText = (id: string, member: string) =>
        outcome(() => readRawFileItem('connection', id, member, 'json', 'airflow3'))
      for (const r of raw.entries) {
        const read = outcome(() => raw.read(r))
        const expected = asText(r.id, r.text)
        expect([r.id, read.error ?? stripSource(read.value)]).toEqual([
          r.id,
          expected.error ?? expected.value
        ])
      }
    }
  })

  it('vouches for the members the export command writes, and not for one that does not read', async () => {
    const g = generated(3, 200)
    const path = file(
      'surely.json',
      encodeConnectionsFile(g.conns[0], { format: 'json', dialect: 'airflow3' })
    )
    const raw = await new AirflowExportBackend({ connectionsPath: path }).loadRaw({})
    // every member written by the export reads, and the check says so from the bytes
    const vouched = raw.entries.filter((r) => raw.surelyReads?.(r) === true)
    expect(vouched.length).toBe(raw.entries.length)
    for (const r of vouched) expect(() => raw.read(r)).not.toThrow()
    // the same unreadable member on both sides still stops the diff, with the full read's message
    const bad =
      '{"a": {"conn_type": "http", "port": 5432}, "b": {"conn_type": "http", "extra": "not json"}}'
    const a = file('same-bad-a.json', bad)
    const b = file('same-bad-b.json', bad)
    const badRaw = await new AirflowExportBackend({ connectionsPath: a }).loadRaw({})
    expect(badRaw.entries.map((r) => badRaw.surelyReads?.(r))).toEqual([true, false])
    const diff = (sides: boolean) =>
      diffStores({
        source: `airflow-export:${a}`,
        target: `airflow-export:${b}`,
        dialect: 'airflow3',
        locatorOptions: {},
        sides
      }).then(
        () => 'no error',
        (e: Error) => e.message
      )
    const message = await diff(true)
    expect(message).toMatch(/could not be read \(b\)/)
    expect(await diff(false)).toBe(message)
  })

  it(
    'lists a JSON object member by member only where the whole decode gives those members',
    () => {
      const value = fc
        .jsonValue({ maxDepth: 3 })
        .map((v) => plainToPy(v))
        .filter((v): v is PyDict => v instanceof PyDict)
      // mutations: a character cut, doubled or replaced by a JSON delimiter
      const text = fc
        .tuple(
          value,
          fc.constantFrom(undefined, 2, 4),
          fc.option(
            fc.tuple(
              fc.nat(),
              fc.constantFrom('', '"', ',', '{', '}', '[', ']', '\\', ' ', ':', '1')
            )
          )
        )
        .map(([v, indent, mutation]) => {
          const t = pyJsonDumps(v, indent === undefined ? {} : { indent })
          if (!mutation) return t
          const at = mutation[0] % (t.length + 1)
          return t.slice(0, at) + mutation[1] + t.slice(at + 1)
        })
      let listed = 0
      fc.assert(
        fc.property(text, (t) => {
          const items = rawFileItems(t, 'json')
          if (!items) return
          let members: [string, unknown][]
          try {
            members = items.map(([k, v]) => [k, pyJsonLoads(v)])
          } catch {
            return // a member that does not decode: the fast path declines on reading it
          }
          listed++
          const whole = pyJsonLoads(t)
          expect(whole).toBeInstanceOf(PyDict)
          const entries = [...(whole as PyDict).entries()]
          expect(entries.map(([k]) => k)).toEqual(members.map(([k]) => k))
          entries.forEach(([, v], i) => expect(pyEquals(v, members[i]![1] as never)).toBe(true))
        }),
        fuzzParams(3000)
      )
      expect(listed).toBeGreaterThan(500)
    },
    FUZZ_TIMEOUT
  )
})
