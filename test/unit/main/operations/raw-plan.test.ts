import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { serializeConnectionUri } from '../../../../src-main/core/codecs/connection-uri'
import { connectionEnvValue } from '../../../../src-main/core/codecs/connection-value'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import { envNameFor } from '../../../../src-main/core/env-names'
import type { Dialect } from '../../../../src-main/core/model'
import type { PlanOptions } from '../../../../src-main/core/plan'
import { diffStores } from '../../../../src-main/operations/diff'
import { planStores, targetLimits } from '../../../../src-main/operations/plan'
import { planRaw } from '../../../../src-main/operations/raw-plan'
import { seededRandom } from '../../../support/seeded-random'
import { bothPlans as bothPlansOf, DIFF, PLAN_KEY } from '../../../support/raw-plans'
import { tempDir } from '../../../support/temp-dir'

let dir: string

beforeAll(() => {
  dir = tempDir('airlock-raw-plan-')
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** `.env` lines, quoted in turn bare, in single quotes and in double quotes. */
function envText(lines: readonly [string, string][], quoting = 0, plain = false): string {
  return lines
    .map(([name, value], i) => {
      let q = (i + quoting) % 3
      const safe = !/['"\\$#\s]/.test(value)
      // a double-quoted `"` is escaped: in a plain file, single quotes keep it unescaped
      if (plain && !safe && value.includes('"') && !value.includes("'")) q = 1
      if (q === 0 && safe) return `${name}=${value}\n`
      if (q === 1 && !value.includes("'") && !value.includes('\\')) return `${name}='${value}'\n`
      return `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '$$$$')}"\n`
    })
    .join('')
}

/** Generated stores: seeded entries, then B as A with changes of every kind the plan knows. */
function generated(seed: number, n: number, plain = false): { a: string; b: string } {
  // a plain file: no `\` in any value (connection JSON writes non-ASCII as `\u` escapes)
  const alphabet = plain ? 'abcdefghij0123456789@:/?#%+ ' : 'abcdefghij0123456789@:/?#%+ é$\'"\\'
  const rand = seededRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const word = (len: number) => Array.from({ length: len }, () => pick([...alphabet])).join('')
  const a: [string, string][] = []
  const b: [string, string][] = []
  for (let i = 0; i < n; i++) {
    const isVar = i % 5 === 4
    const name = envNameFor(isVar ? 'variable' : 'connection', `${isVar ? 'v' : 'c'}_${i}`)
    const fields = {
      conn_type: pick(['postgres', 'http', 'aws']),
      description: null,
      host: `h${i}.example.com`,
      login: pick([null, `u_${word(4)}`]),
      password: pick([null, '', word(10)]),
      schema: pick([null, 'db']),
      port: pick([null, 5432]),
      // a plain file: no extra (written as JSON, its quotes are escaped)
      extra: plain ? null : pick([null, '{"a": 1, "b": [1, 2]}', '{"k": "{\\"x\\": 1}"}'])
    }
    const value = isVar
      ? plain
        ? `${word(6)}é日${word(6)}`
        : word(12)
      : connectionEnvValue(fields, 'airflow3')
    const r = rand()
    if (r >= 0.05) a.push([name, value]) // 5 %: only in B
    if (r < 0.05) b.push([name, value])
    else if (r < 0.1)
      continue // only in A
    else if (r < 0.2)
      // differs: another value, another host
      b.push([name, isVar ? `${value}!` : value.replace(`h${i}.example`, `h${i}.changed`)])
    else if (r < 0.25 && !isVar)
      // the same connection written as JSON: another text, the same meaning
      b.push([name, JSON.stringify(fields)])
    else if (r < 0.3 && !isVar && fields.extra?.startsWith('{"a"'))
      // the same extra with its keys in another order and other spacing
      b.push([name, connectionEnvValue({ ...fields, extra: '{"b":[1,2],"a":1}' }, 'airflow3')])
    else b.push([name, value])
  }
  return {
    a: file(`a-${seed}.env`, envText(a, 0, plain)),
    b: file(`b-${seed}.env`, envText(b, 1, plain))
  }
}

/**
 * Both plans of the `.env` files A → B (test/support/raw-plans.ts), and the fast path's made
 * as a diff makes it (`unpaired`: no entries beside the items).
 */
async function bothPlans(
  a: string,
  b: string,
  options: PlanOptions,
  dialect: Dialect = 'airflow3'
) {
  const source = () => new EnvFileBackend({ path: a, dialect })
  const target = () => new EnvFileBackend({ path: b, dialect })
  const both = await bothPlansOf(source(), target(), options, dialect)
  const unpaired = await planRaw(
    source(),
    target(),
    undefined,
    options,
    async () => fingerprinter(PLAN_KEY),
    targetLimits(target(), dialect),
    { written: false }
  )
  return { ...both, unpaired }
}

describe('plan/diff fast path: equal raw text is equal meaning', () => {
  it('makes the plan core/plan.ts makes from both sides read whole, item for item', async () => {
    // seeds 1-3: files only the exact decoder reads; 4-5: plain files, listed from their bytes
    // (values compared as bytes, ids paired by place where the files agree)
    for (const seed of [1, 2, 3, 4, 5]) {
      const { a, b } = generated(seed, 400, seed > 3)
      const listed = await new EnvFileBackend({ path: a }).loadRaw({})
      expect(listed.entries.every((r) => r.bytes !== undefined)).toBe(seed > 3)
      for (const options of [
        { ...DIFF, targetDialect: 'airflow3' as const },
        { ...DIFF, targetDialect: 'airflow2' as const, include: ['c_1*', 'v_*'] },
        { onConflict: 'skip' as const, exclude: ['c_2*'] },
        { ...DIFF, kinds: ['variable' as const] }
      ]) {
        const { fast, full, unpaired } = await bothPlans(a, b, options)
        expect(fast).toBeDefined()
        // the saved or printed plan: every field, in the same order, byte for byte
        expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
        // the same made as a diff makes it, with no entries beside the items
        expect(JSON.stringify(unpaired!.result)).toBe(JSON.stringify(full))
        expect(unpaired!.written).toBeUndefined()
        // and read field by field, as the CLI reads them
        expect(
          fast!.result.items.map((i) => [i.warnings, i.sourceVersion, i.targetVersion])
        ).toEqual(full.items.map((i) => [i.warnings, i.sourceVersion, i.targetVersion]))
        expect(full.summary.unchanged).toBeGreaterThan(0)
        expect(full.summary.update + full.summary.conflict).toBeGreaterThan(0)
        // beside each item, the entry it writes (what the pre-flight checks): the source's
        // entry of that id, read; none for an item unchanged in its text (not read)
        fast!.result.items.forEach((item, i) => {
          const e = fast!.written![i]
          if (item.action === 'delete' || (item.action === 'unchanged' && !e))
            return expect(e).toBeUndefined()
          expect(e && [e.kind, e.kind === 'connection' ? e.id : e.key]).toEqual([
            item.kind,
            item.targetId
          ])
          expect(fast!.source).toContain(e)
        })
      }
    }
  })

  it('reads only what differs: an unchanged id is never planned as a read entry', async () => {
    const { a, b } = generated(4, 300)
    const { fast, full } = await bothPlans(a, b, DIFF)
    const unchangedByText = full.items.filter((i) => i.action === 'unchanged').length
    // some unchanged ids differ in text (JSON vs URI, extra key order) and so were read
    expect(fast!.source.length).toBeLessThan(300 - unchangedByText + 60)
    expect(fast!.source.length + fast!.target.length).toBeLessThan(300)
  })

  it('counts as today the same meaning in other text: quoting, JSON against URI, extra key order', async () => {
    const conn = {
      conn_type: 'postgres',
      description: null,
      host: 'db',
      login: 'me',
      password: 'p w $x',
      schema: 'main',
      port: 5432,
      extra: '{"a": "1", "b": "2"}'
    }
    const uri = serializeConnectionUri(conn, 'airflow3')
    const json = JSON.stringify(conn)
    const reordered = serializeConnectionUri({ ...conn, extra: '{"b":"2","a":"1"}' }, 'airflow3')
    const lines = (q2: string, x: string): [string, string][] => [
      ['AIRFLOW_CONN_Q1', uri],
      ['AIRFLOW_CONN_Q2', q2],
      ['AIRFLOW_VAR_S', 'plain'],
      ['AIRFLOW_CONN_X', x]
    ]
    // every line quoted otherwise in B (bare, '…', "…" in turn)
    const a = file('same-a.env', envText(lines(uri, uri), 0))
    const b = file('same-b.env', envText(lines(json, reordered), 1))
    const { fast, full } = await bothPlans(a, b, DIFF)
    const action = (id: string) => full.items.find((i) => i.targetId === id)?.action
    // today's reading: quoting is not meaning, nor is the order of an extra's keys
    expect([action('q1'), action('s'), action('x')]).toEqual([
      'unchanged',
      'unchanged',
      'unchanged'
    ])
    expect(full.items).toHaveLength(4)
    expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
    // the texts that differ were read and planned; those equal after unquoting were not
    expect(fast!.source.map((e) => (e.kind === 'connection' ? e.id : e.key)).sort()).toEqual([
      'q2',
      'x'
    ])
  })

  it('declines where the answer or its error could differ: the full read then decides', async () => {
    const ok = file('ok.env', 'AIRFLOW_CONN_A=postgres://h/db\nAIRFLOW_VAR_B=1\n')
    const bad = file('bad.env', 'AIRFLOW_CONN_A=postgres://h/db\nAIRFLOW_CONN_C={"conn_type": \n')
    const lower = file('lower.env', 'AIRFLOW_CONN_a=postgres://h/db\n')
    const twice = file('twice.env', 'AIRFLOW_CONN_A=postgres://h/db\nAIRFLOW_CONN__T___A=x://\n')
    expect((await bothPlans(ok, ok, { ...DIFF, rename: { a: 'z' } })).fast).toBeUndefined()
    expect((await bothPlans(ok, ok, { ...DIFF, prefixMap: [['a', 'z']] })).fast).toBeUndefined()
    expect((await bothPlans(ok, twice, DIFF)).fast).toBeUndefined()
    const raw = async (s: string, t: string) =>
      planRaw(
        new EnvFileBackend({ path: s }),
        new EnvFileBackend({ path: t }),
        undefined,
        DIFF,
        async () => fingerprinter(PLAN_KEY),
        {}
      )
    expect(await raw(ok, lower)).toBeUndefined()
    expect(await raw(bad, ok)).toBeUndefined()
    expect(await raw(ok, bad)).toBeUndefined()
    // the diff without its sides refuses as the diff with them does, with the same message
    const diff = (sides: boolean) =>
      diffStores({
        source: `envfile:${bad}`,
        target: `envfile:${ok}`,
        dialect: 'airflow3',
        locatorOptions: {},
        sides
      }).then(
        () => 'no error',
        (e: Error) => e.message
      )
    const message = await diff(true)
    expect(message).toMatch(/could not be read \(c\)/)
    expect(await diff(false)).toBe(message)
  })

  it('pairs the entries at the same place in both files only when their ids are the same', async () => {
    // the same texts at the same places, under other ids: every one differs
    const a = file('place-a.env', 'AIRFLOW_VAR_X=1\nAIRFLOW_VAR_Y=2\nAIRFLOW_CONN_C=mysql://h\n')
    const b = file('place-b.env', 'AIRFLOW_VAR_Y=1\nAIRFLOW_VAR_X=2\nAIRFLOW_VAR_C=mysql://h\n')
    const { fast, full } = await bothPlans(a, b, DIFF)
    expect(fast).toBeDefined()
    expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
    expect(full.summary).toMatchObject({ unchanged: 0, update: 2, create: 1, delete: 1 })
  })

  it('refuses a store whose unchanged entry does not read, as the full read does', async () => {
    // the same text on both sides: unchanged, so checked in its bytes rather than read
    for (const value of ['mysql://h:65536/db', 'mysql://h/?__extra__=not-json', '{"conn_type": '])
      for (const dialect of ['airflow2', 'airflow3'] as const) {
        const text = `AIRFLOW_CONN_A=postgres://h/db\nAIRFLOW_CONN_BAD='${value}'\nAIRFLOW_VAR_B=1\n`
        const s = file('same-bad-a.env', text)
        const t = file('same-bad-b.env', text)
        const diff = (sides: boolean) =>
          diffStores({
            source: `envfile:${s}`,
            target: `envfile:${t}`,
            dialect,
            locatorOptions: {},
            sides
          }).then(
            () => 'no error',
            (e: Error) => e.message
          )
        const message = await diff(true)
        if (message === 'no error') continue // this dialect reads it: nothing to refuse
        expect(message).toMatch(/could not be read \(bad\)/)
        expect(await diff(false)).toBe(message)
      }
  })

  it('gives the CLI the same diff without the sides (fingerprints under its own key aside)', async () => {
    const { a, b } = generated(5, 300)
    const diff = (sides: boolean) =>
      diffStores({
        source: `envfile:${a}`,
        target: `envfile:${b}`,
        dialect: 'airflow3',
        locatorOptions: {},
        sides
      })
    const [lean, whole] = [await diff(false), await diff(true)]
    const shape = (d: Awaited<ReturnType<typeof diff>>) =>
      JSON.parse(
        JSON.stringify({ ...d.document, planId: '', createdAt: '' }, (k, v: unknown) =>
          k === 'sourceVersion' || k === 'targetVersion' || k === 'winner' || k === 'shadowed'
            ? typeof v
            : v
        )
      ) as unknown
    expect(shape(lean)).toEqual(shape(whole))
    // the same fingerprint where the whole read gives the same one, and a different one elsewhere
    const same = (d: Awaited<ReturnType<typeof diff>>) =>
      d.result.items.map((i) => i.sourceVersion === i.targetVersion)
    expect(same(lean)).toEqual(same(whole))
    expect(whole.source.length).toBeGreaterThan(lean.source.length)
  })

  it('lists a plain file as columns, one raw entry per listed name made only when asked', async () => {
    const path = file(
      'columns.env',
      "AIRFLOW_CONN_A_1='postgres://h/db'\nOTHER=x\nAIRFLOW_VAR_V=1é2\n# c\nAIRFLOW_VAR_W=\n"
    )
    const listed = await new EnvFileBackend({ path }).loadRaw({})
    const columns = listed.columns!
    expect(columns.count).toBe(4)
    expect([...columns.listed]).toEqual([1, 0, 2, 2])
    const made = [0, 2, 3].map((i) => columns.entry(i))
    expect(made.map((r) => [r.kind, r.id, r.name, r.text])).toEqual([
      ['connection', 'a_1', 'AIRFLOW_CONN_A_1', 'postgres://h/db'],
      ['variable', 'v', 'AIRFLOW_VAR_V', '1é2'],
      ['variable', 'w', 'AIRFLOW_VAR_W', '']
    ])
    // the same entries as the listing by objects, and each found by its name's bytes
    expect(listed.entries.map((r) => [r.kind, r.id, r.text])).toEqual(
      made.map((r) => [r.kind, r.id, r.text])
    )
    const name = Buffer.from('xAIRFLOW_VAR_V')
    expect(columns.find(name, 1, name.length)).toBe(2)
    expect(columns.find(name, 2, name.length)).toBe(-1)
    // a team-scoped or lower-case name: listed by names (which reports what it must)
    for (const text of ['AIRFLOW_CONN__T___A=x://\n', 'AIRFLOW_VAR_a=1\n'])
      expect(
        (await new EnvFileBackend({ path: file('names.env', text) }).loadRaw({})).columns
      ).toBeUndefined()
  })

  it('counts the unchanged items of a diff without listing them when asked', async () => {
    const { a, b } = generated(7, 300, true)
    const diff = (unchangedItems: boolean) =>
      diffStores({
        source: `envfile:${a}`,
        target: `envfile:${b}`,
        dialect: 'airflow3',
        locatorOptions: {},
        sides: false,
        fingerprints: false,
        unchangedItems
      })
    const [listed, counted] = [await diff(true), await diff(false)]
    expect(counted.result.summary).toEqual(listed.result.summary)
    expect(listed.result.summary.unchanged).toBeGreaterThan(0)
    // those of the same text are only counted (others of the same meaning are planned)
    const shown = (d: Awaited<ReturnType<typeof diff>>) =>
      d.result.items.filter((i) => i.action !== 'unchanged')
    expect(shown(counted)).toEqual(shown(listed))
    expect(counted.result.items.length).toBeLessThan(listed.result.items.length - 100)
  })

  it('plans .env → .env as the full read does, pre-flight and key included', async () => {
    const { a, b } = generated(6, 300)
    const asked: string[] = []
    const planned = (sides: boolean) =>
      planStores({
        source: `envfile:${a}`,
        target: `envfile:${b}`,
        dialect: 'airflow3',
        locatorOptions: {},
        plan: { onConflict: 'overwrite', deleteExtraneous: true },
        planKey: async (planId) => {
          asked.push(planId)
          return PLAN_KEY
        },
        sides
      })
    const [lean, whole] = [await planned(false), await planned(true)]
    const doc = (p: Awaited<ReturnType<typeof planned>>) =>
      JSON.stringify({ ...p.document, planId: '', createdAt: '' })
    expect(doc(lean)).toBe(doc(whole))
    expect([lean.preflightErrors, lean.storeProblems]).toEqual([
      whole.preflightErrors,
      whole.storeProblems
    ])
    expect(asked).toEqual([lean.planId, whole.planId])
  })
})
