import fc from 'fast-check'
import { FUZZ_SEED } from '../../../support/fuzz'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { InMemoryBackend } from '../../../../src-main/backends/in-memory'
import { AirlockError } from '../../../../src-main/core/errors'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import { parsePlanDocument, type PlanDocument } from '../../../../src-main/core/plan'
import {
  PLAN_SIGNING_ACCOUNT,
  canonicalPlan,
  verifyPlan
} from '../../../../src-main/jobs/plan-signature'
import { applyPlan } from '../../../../src-main/jobs/run-job'
import type { Keychain } from '../../../../src-main/keychain/keychain'
import { MemoryKeychain } from '../../../../src-main/keychain/memory-keychain'
import { PassphraseKeychain } from '../../../../src-main/keychain/passphrase-keychain'
import { planBetween } from '../../../support/jobs'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-plan-sig-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const sourceEntries = (): Entry[] => [
  connectionEntry('conn_a', { conn_type: 'postgres', host: 'a', password: 'pw-a' }),
  variableEntry('same', 'v'),
  variableEntry('var_b', 'b')
]
const targetEntries = (): Entry[] => [
  variableEntry('same', 'v'),
  variableEntry('keep_me', 'precious')
]

/** The plan as `airlock apply` reads it back from its file. */
const throughFile = (doc: PlanDocument) =>
  parsePlanDocument(JSON.stringify(doc, null, 2) + '\n', 'plan.json')

async function refusal(doc: PlanDocument, keychain: Keychain): Promise<AirlockError> {
  const error = await verifyPlan(doc, keychain, 'plan.json').then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(AirlockError)
  expect((error as AirlockError).code).toBe('plan.unverified')
  expect((error as AirlockError).userMessage).toMatch(/^plan\.json /)
  // says to plan again, in words for every surface; the command line only in the CLI hint
  expect((error as AirlockError).userMessage).toMatch(/Plan again and review the new plan\.$/)
  expect((error as AirlockError).userMessage).not.toMatch(/airlock /)
  expect((error as AirlockError).cliMessage).toMatch(/`airlock plan … --out FILE`/)
  return error as AirlockError
}

async function signedPlan(keychain: Keychain) {
  const source = new InMemoryBackend({ id: 'memory:source', entries: sourceEntries() })
  const target = new InMemoryBackend({ id: 'memory:target', entries: targetEntries() })
  const doc = await planBetween(source, target, keychain, {
    onConflict: 'overwrite',
    exclude: ['var_*']
  })
  return { doc, source, target }
}

describe('attack: plan binding', () => {
  it('17.4 a signed plan checks out after a round trip through its file, under one key made on first use', async () => {
    const keychain = osLikeKeychain()
    expect(await keychain.get(PLAN_SIGNING_ACCOUNT)).toBeUndefined()
    const { doc } = await signedPlan(keychain)
    expect(doc.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/)
    const key = await keychain.get(PLAN_SIGNING_ACCOUNT)
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    await verifyPlan(throughFile(doc), keychain, 'plan.json')
    // a second plan uses the same key
    await signedPlan(keychain)
    expect(await keychain.get(PLAN_SIGNING_ACCOUNT)).toBe(key)
    // what is signed holds no value: fingerprints only
    expect(canonicalPlan(doc)).not.toMatch(/pw-a|precious/)
  })

  it.each<[string, (doc: PlanDocument) => void]>([
    ['the target edited', (d) => void (d.target = 'envfile:/tmp/elsewhere.env')],
    ['the source edited', (d) => void (d.source = 'memory:other')],
    [
      'an unchanged item turned into a delete',
      (d) => {
        const item = d.items.find((i) => i.action === 'unchanged')!
        Object.assign(item, { action: 'delete', sourceId: null, sourceVersion: null })
      }
    ],
    [
      'the options changed (--exclude dropped)',
      (d) => void (d.options = { onConflict: 'overwrite' })
    ],
    ['an item removed', (d) => void d.items.pop()],
    ['an item added', (d) => void d.items.push({ ...d.items[0]!, targetId: 'extra' })],
    ['a target id renamed', (d) => void (d.items[0]!.targetId = 'conn_other')],
    ['the dialect changed', (d) => void (d.dialect = 'airflow2')],
    ['the plan id changed', (d) => void (d.planId = '20990101T000000-abcdef')],
    [
      'the signature altered',
      (d) => void (d.signature = d.signature!.replace(/.$/, (c) => (c === '0' ? '1' : '0')))
    ],
    // Buffer.from(hex) stops at the first non-hex character: the valid signature with
    // anything after it must not pass
    ['characters appended to the signature', (d) => void (d.signature = `${d.signature!}z`)],
    ['a signature in capitals', (d) => void (d.signature = d.signature!.toUpperCase())]
  ])('17.4 refuses a plan with %s', async (_what, edit) => {
    const keychain = osLikeKeychain()
    const { doc } = await signedPlan(keychain)
    const edited = structuredClone(doc)
    edit(edited)
    const error = await refusal(throughFile(edited), keychain)
    expect(error.userMessage).toMatch(/was changed since it was planned/)
  })

  it('17.4 refuses an unsigned plan (older versions) and says to plan again', async () => {
    const keychain = osLikeKeychain()
    const { doc } = await signedPlan(keychain)
    const { signature: _s, ...unsigned } = doc
    const error = await refusal(throughFile(unsigned), keychain)
    expect(error.userMessage).toMatch(/is not signed/)
  })

  it('17.4 applyPlan refuses a tampered plan before writing anything; the untampered one applies', async () => {
    const keychain = osLikeKeychain()
    const { doc, source, target } = await signedPlan(keychain)
    const evil = structuredClone(doc)
    const keep = evil.items.find((i) => i.targetId === 'same')!
    Object.assign(keep, { action: 'delete', sourceId: null, sourceVersion: null })
    const dataDir = join(dir, `job${n++}`)
    await expect(applyPlan(evil, source, target, { dataDir, keychain })).rejects.toMatchObject({
      code: 'plan.unverified'
    })
    expect(existsSync(join(dataDir, 'jobs'))).toBe(false)
    expect((await target.load({})).entries).toHaveLength(2)
    const report = await applyPlan(doc, source, target, { dataDir, keychain })
    expect(report).toMatchObject({ applied: 1, failed: [], refused: [] })
    const ids = (await target.load({})).entries.map((e) => (e.kind === 'connection' ? e.id : e.key))
    expect(ids.sort()).toEqual(['conn_a', 'keep_me', 'same'])
  })

  it('17.4 the app leaves unticked rows out without breaking the signature', async () => {
    const keychain = osLikeKeychain()
    const { doc, source, target } = await signedPlan(keychain)
    const report = await applyPlan(
      doc,
      source,
      target,
      { dataDir: join(dir, `job${n++}`), keychain },
      { skip: new Set(['connection:conn_a']) }
    )
    expect(report.applied).toBe(0)
    expect((await target.load({})).entries).toHaveLength(2)
  })

  it('17.4 a plan signed in memory is checked only by that same keychain (the same process)', async () => {
    const memory = new MemoryKeychain()
    const { doc } = await signedPlan(memory)
    await verifyPlan(doc, memory, 'plan.json')
    // another process starts with an empty memory keychain: the key is gone
    const error = await refusal(doc, new MemoryKeychain())
    expect(error.userMessage).toMatch(/not in this run's memory/)
    expect(error.userMessage).toMatch(/only by the process that made it/)
  })

  it('17.4 plans made at once by processes sharing a new passphrase store all verify (one signing key is kept)', async () => {
    const path = join(dir, `keystore-${n++}.airlock`)
    const first = new PassphraseKeychain(path, 'correct horse')
    await first.init()
    // each opening stands for another process (its own queue; the store's lock file between them)
    const openings = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(() => PassphraseKeychain.open(path, 'correct horse'))
    )
    const docs = await Promise.all(openings.map(async (k) => (await signedPlan(k)).doc))
    const again = await PassphraseKeychain.open(path, 'correct horse')
    for (const doc of docs) await verifyPlan(throughFile(doc), again, 'plan.json')
  }, 60_000) // eight openings of a passphrase store (scrypt each) on a loaded machine

  it('17.4 a plan signed with the passphrase store is checked by another opening of that store', async () => {
    const path = join(dir, `keystore-${n++}.airlock`)
    const first = new PassphraseKeychain(path, 'correct horse')
    await first.init()
    const { doc } = await signedPlan(first)
    const again = await PassphraseKeychain.open(path, 'correct horse')
    await verifyPlan(throughFile(doc), again, 'plan.json')
    const tampered = { ...doc, target: 'memory:elsewhere' }
    await refusal(tampered, again)
    // another store (another machine, another user): no key, and the message says where it looked
    const other = join(dir, `keystore-${n++}.airlock`)
    const elsewhere = new PassphraseKeychain(other, 'x')
    await elsewhere.init()
    const error = await refusal(doc, elsewhere)
    expect(error.userMessage).toContain(`the passphrase store (${other})`)
  })
})

describe('the signed text', () => {
  /** What canonicalPlan promises, written independently: every object's own entries sorted. */
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([, x]) => x !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, x]) => [k, sorted(x)])
          )
        : v

  it('is the plan with every object’s keys sorted and undefined fields left out, whatever an item holds', async () => {
    const { doc } = await signedPlan(osLikeKeychain())
    const base = doc.items[0]!
    /** An item that is not a plain object: its own fields are what is signed, not its toJSON. */
    class Lazy {
      kind = 'variable'
      targetId = 'lazy'
      toJSON() {
        return { kind: 'variable', targetId: 'other' }
      }
    }
    const items = [
      ...doc.items,
      { ...base, targetId: 'é "quoted" \u2028 id', warnings: ['w\n1', 'w2'] },
      { ...base, targetId: 'r', action: 'conflict', resolution: 'skip' },
      { ...base, targetId: 'u', resolution: undefined },
      { ...base, targetId: 'x', extra: { b: 1, a: [2, undefined, { d: null, c: true }] } },
      {
        ...base,
        targetId: 'd',
        diff: [{ field: 'host', change: 'changed', winner: 'aa', shadowed: null }]
      },
      { targetId: 'few', kind: 'variable' },
      new Lazy(),
      null,
      'text',
      7
    ] as unknown as PlanDocument['items']
    const whole = { ...doc, items, signature: 'hmac-sha256:ignored' }
    const { signature: _signature, ...signed } = whole
    expect(canonicalPlan(whole)).toBe('airlock plan signature 1\n' + JSON.stringify(sorted(signed)))
    // the pieces of about 64 KB join to the same text
    const many = {
      ...doc,
      items: Array.from({ length: 3000 }, (_, i) => ({ ...base, targetId: `id_${i}` }))
    }
    // items of any field values (the plain ones take a shorter way to the same text)
    const field = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.string({ unit: 'binary', maxLength: 4 }), { maxLength: 3 }),
      fc.array(fc.oneof(fc.integer(), fc.constant(null)), { maxLength: 2 }),
      fc.record({ b: fc.string(), a: fc.integer() })
    )
    const itemFields = fc.record(
      {
        action: field,
        diff: field,
        kind: field,
        resolution: field,
        sourceId: field,
        sourceVersion: field,
        targetId: field,
        targetVersion: field,
        warnings: field,
        other: field
      },
      { requiredKeys: [] }
    )
    for (const list of fc.sample(fc.array(itemFields, { maxLength: 20 }), {
      numRuns: 200,
      seed: FUZZ_SEED
    })) {
      const some = { ...doc, items: list as unknown as PlanDocument['items'] }
      const { signature: _x, ...someSigned } = some
      expect(canonicalPlan(some)).toBe(
        'airlock plan signature 1\n' + JSON.stringify(sorted(someSigned))
      )
    }
    const { signature: _s, ...manySigned } = many
    expect(canonicalPlan(many)).toBe(
      'airlock plan signature 1\n' + JSON.stringify(sorted(manySigned))
    )
  }, 30_000)
})
