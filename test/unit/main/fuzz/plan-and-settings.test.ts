// Property-based tests of the files Airlock itself reads back: plan files (`airlock plan
// --out`, read by `airlock apply`) and the settings file. Any text gives a document or a
// typed error naming the place; a plan the reader accepts never crashes apply; settings that
// save load back equal, and a bad file is moved aside with a message that holds no value.
// Sizes and seed: test/support/fuzz.ts.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { InMemoryBackend } from '../../../../src-main/backends/in-memory'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import { parsePlanDocument, plan, type PlanDocument } from '../../../../src-main/core/plan'
import { applyPlan, signPlan } from '../../../../src-main/jobs/run-job'
import type { Keychain } from '../../../../src-main/keychain/keychain'
import { SettingsStore, type Settings } from '../../../../src-main/platform/settings'
import {
  FUZZ_TIMEOUT,
  MARKER,
  assertNoMarker,
  fuzzParams,
  nastyText,
  secretText,
  typedOutcome,
  typedOutcomeAsync
} from '../../../support/fuzz'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-fuzz-files-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

/** The OS keychain stands outside the code under test: a map with the OS kind. */
class TestKeychain implements Keychain {
  readonly kind = 'os' as const
  private readonly items = new Map<string, string>()
  async get(account: string) {
    return this.items.get(account)
  }
  async set(account: string, secret: string) {
    this.items.set(account, secret)
  }
  async delete(account: string) {
    return this.items.delete(account)
  }
  async list() {
    return [...this.items.keys()]
  }
}

const ids = fc.constantFrom('a', 'b', 'c', 'd')
const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc
    .tuple(ids, secretText(), fc.constantFrom('postgres', 'http'))
    .map(([id, password, conn_type]) => connectionEntry(id, { conn_type, password })),
  fc.tuple(ids, secretText()).map(([key, value]) => variableEntry(key, value))
)
const store = fc.uniqueArray(entry, {
  maxLength: 4,
  selector: (e) => `${e.kind}:${e.kind === 'connection' ? e.id : e.key}`
})

const PLAN_KEY = new Uint8Array(32).fill(7)

function planDocument(source: Entry[], target: Entry[], deleteExtraneous: boolean): PlanDocument {
  const result = plan(source, target, { deleteExtraneous }, fingerprinter(PLAN_KEY))
  return {
    version: 1,
    planId: '20261123T000000-abcdef',
    createdAt: '2026-11-23T00:00:00.000Z',
    source: 'memory:source',
    target: 'memory:target',
    dialect: 'airflow3',
    options: {},
    summary: result.summary,
    items: result.items
  }
}

type JsonPath = (string | number)[]
function paths(v: unknown, at: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [at]
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])))
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]))
  return out
}

/** A plan document with one place replaced by any JSON (or removed), as a broken edit does. */
const mutatedPlan = fc
  .tuple(store, store, fc.boolean())
  .chain(([s, t, del]) => {
    const doc = planDocument(s, t, del)
    const all = paths(doc)
    return fc.tuple(
      fc.constant({ doc, s, t }),
      fc.array(
        fc.tuple(
          fc.nat({ max: all.length - 1 }).map((i) => all[i]!),
          fc.option(fc.oneof(fc.jsonValue(), secretText()), { nil: undefined })
        ),
        { minLength: 0, maxLength: 3 }
      )
    )
  })
  .map(([{ doc, s, t }, edits]) => {
    let copy = JSON.parse(JSON.stringify(doc)) as unknown
    for (const [path, value] of edits) {
      if (path.length === 0) {
        copy = value
        continue
      }
      let parent = copy as Record<string | number, unknown> | null
      for (const p of path.slice(0, -1)) parent = (parent?.[p] ?? null) as typeof parent
      if (!parent || typeof parent !== 'object') continue
      const last = path[path.length - 1]!
      if (value === undefined) delete parent[last]
      else parent[last] = value
    }
    return { text: JSON.stringify(copy) ?? '', s, t }
  })

describe('fuzz: plan files', () => {
  it(
    'reads any text as a plan or a usage error naming the place, never a value',
    () => {
      const text = fc.oneof(
        nastyText({ maxLength: 80, loneSurrogates: true }),
        fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
        mutatedPlan.map((m) => m.text),
        mutatedPlan.map((m) => m.text.slice(0, Math.floor(m.text.length / 2)) + MARKER)
      )
      fc.assert(
        fc.property(text, (t) => {
          const out = typedOutcome(() => parsePlanDocument(t, 'plan.json'))
          if (out.error) {
            expect(out.error.code).toBe('usage')
            expect(out.error.userMessage).toMatch(/^plan\.json is not a plan file/)
          }
        }),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads back every plan airlock plan writes',
    () => {
      fc.assert(
        fc.property(store, store, fc.boolean(), (s, t, del) => {
          const doc = planDocument(s, t, del)
          expect(parsePlanDocument(JSON.stringify(doc, null, 2), 'plan.json')).toEqual(doc)
        }),
        fuzzParams(500)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'applies any plan it accepts without an untyped failure, and writes only what the plan names',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutatedPlan, async ({ text, s, t }) => {
          const parsed = typedOutcome(() => parsePlanDocument(text, 'plan.json'))
          if (!parsed.value) return
          const doc = parsed.value
          const keychain = new TestKeychain()
          await keychain.set(`plan:${doc.planId}`, Buffer.from(PLAN_KEY).toString('hex'))
          const source = new InMemoryBackend({ id: 'memory:source', entries: s })
          const target = new InMemoryBackend({ id: 'memory:target', entries: t })
          const dataDir = join(dir, `job${n++}`)
          // signed as airlock plan signs it: what is tried here is the engine on any plan
          // that reads (the signature's own refusals are plan-signature.test.ts's)
          const signed = await signPlan(doc, keychain)
          const out = await typedOutcomeAsync(() =>
            applyPlan(signed, source, target, { dataDir, keychain, retries: 1, backoffMs: 1 })
          )
          const named = new Set(doc.items.map((i) => `${i.kind}:${i.targetId}`))
          const after = (await target.load({})).entries
          const key = (e: Entry) => `${e.kind}:${e.kind === 'connection' ? e.id : e.key}`
          // ids the plan does not name are exactly as they were
          const untouched = (es: Entry[]) =>
            es
              .filter((e) => !named.has(key(e)))
              .map((e) => JSON.stringify({ ...e, source: undefined }))
              .sort()
          expect(untouched(after)).toEqual(untouched(t))
          if (out.error) assertNoMarker([out.error.userMessage])
          rmSync(dataDir, { recursive: true, force: true })
        }),
        fuzzParams(150)
      )
    },
    FUZZ_TIMEOUT
  )
})

const NAME = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,10}$/)
const profile = fc
  .record({
    name: NAME,
    kind: fc.constantFrom('metadb' as const, 'vault' as const, 'aws-ssm' as const),
    airflowVersion: fc.option(fc.constantFrom('2.10.5', '3.1', '3.2.0'), { nil: null }),
    url: fc.option(fc.constantFrom('postgresql://airflow@db/airflow', 'http://vault:8200'), {
      nil: null
    }),
    region: fc.option(fc.constantFrom('eu-west-1'), { nil: null }),
    backendKwargs: fc.dictionary(
      fc.constantFrom('mount_point', 'connections_path', 'kv_engine_version'),
      fc.jsonValue(),
      { maxKeys: 2 }
    ),
    createdAt: fc.constant('2026-11-23T00:00:00.000Z'),
    updatedAt: fc.constant('2026-11-23T00:00:00.000Z')
  })
  .map((p) => ({
    ...p,
    credential: {
      method: p.kind === 'metadb' ? 'password' : p.kind === 'vault' ? 'token' : 'default-chain',
      params: {}
    }
  }))

describe('fuzz: settings file', () => {
  it(
    'loads any file as settings, or moves it aside with a message that holds no value',
    () => {
      const settingsLike = fc
        .array(profile, { maxLength: 2 })
        .chain((profiles) => {
          const doc = { version: 1, profiles } as unknown as Record<string, unknown>
          const all = paths(doc)
          return fc.tuple(
            fc.constant(doc),
            fc.nat({ max: all.length - 1 }).map((i) => all[i]!),
            fc.oneof(fc.jsonValue(), secretText(), fc.constant({ token: MARKER }))
          )
        })
        .map(([doc, path, value]) => {
          let parent = doc as Record<string | number, unknown>
          for (const p of path.slice(0, -1)) parent = parent[p] as typeof parent
          if (path.length) parent[path[path.length - 1]!] = value
          return JSON.stringify(doc)
        })
      const text = fc.oneof(
        nastyText({ maxLength: 60, loneSurrogates: true }).map((t) => t + MARKER),
        settingsLike,
        settingsLike.map((t) => t.slice(0, -3) + MARKER)
      )
      fc.assert(
        fc.property(text, (t) => {
          const cfg = join(dir, `cfg${n++}`)
          const settings = new SettingsStore(cfg)
          mkdirSync(cfg)
          writeFileSync(settings.path, t)
          const out = typedOutcome(() => settings.load())
          if (out.error) {
            // moved aside, never overwritten or deleted
            expect(existsSync(settings.path)).toBe(false)
            expect(
              readdirSync(cfg).filter((f) => f.startsWith('settings.json.corrupt-'))
            ).toHaveLength(1)
          } else expect(existsSync(settings.path)).toBe(true)
          rmSync(cfg, { recursive: true, force: true })
        }),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'loads back every settings document it saves',
    () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(profile, { maxLength: 3, selector: (p) => p.name }),
          (profiles) => {
            const cfg = join(dir, `cfg${n++}`)
            const settings = new SettingsStore(cfg)
            const doc: Settings = { version: 1, profiles }
            const saved = typedOutcome(() => settings.save(doc))
            if (saved.error) {
              // only a profile the schema refuses is refused, and then nothing is written
              expect(saved.error.code).toBe('usage')
              expect(existsSync(settings.path)).toBe(false)
            } else
              // a JSON file: values as JSON holds them (-0 is written, and read back, as 0)
              expect(new SettingsStore(cfg).load()).toEqual(JSON.parse(JSON.stringify(doc)))
            rmSync(cfg, { recursive: true, force: true })
          }
        ),
        fuzzParams(300)
      )
    },
    FUZZ_TIMEOUT
  )
})
