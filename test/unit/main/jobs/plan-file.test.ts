import fc from 'fast-check'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parsePlanDocument, type PlanDocument, type PlanItem } from '../../../../src-main/core/plan'
import {
  canonicalPlan,
  planFileParts,
  signPlan,
  verifyPlan,
  writeSignedPlan
} from '../../../../src-main/jobs/plan-signature'
import { MemoryKeychain } from '../../../../src-main/keychain/memory-keychain'
import { FUZZ_SEED } from '../../../support/fuzz'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-plan-file-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const doc = (n: number) => ({
  version: 1,
  planId: 'p-1',
  summary: { create: n },
  items: Array.from({ length: n }, (_, i) => ({
    kind: 'connection',
    sourceId: `id_${i}`,
    targetId: `id_${i} "é"`,
    warnings: i % 7 ? [] : ['a\nwarning'],
    action: 'create',
    diff: []
  })),
  signature: 'hmac-sha256:00'
})

/** An item as a plan file writes it: its fields sorted by name, as it is signed. */
const sorted = (item: object) =>
  JSON.stringify(Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1))))

describe('the plan file', () => {
  it.each([0, 1, 5000])(
    'is its header on the first line, then one item per line (%i items), in pieces',
    (n) => {
      const d = doc(n)
      const parts = [...planFileParts(d)]
      const text = parts.join('')
      expect(JSON.parse(text)).toEqual(d)
      const lines = text.split('\n')
      const { items, ...head } = d
      expect(lines[0]).toBe(JSON.stringify({ ...head, items: [] }).slice(0, -2))
      expect(lines.slice(1, -2)).toEqual(
        n ? items.map((i, k) => sorted(i) + (k < n - 1 ? ',' : '')) : ['']
      )
      expect(lines.slice(-2)).toEqual([']}', ''])
      // never the whole file in one piece: about 64 KB each, the last the rest
      if (n === 5000) {
        expect(parts.length).toBeGreaterThan(5)
        for (const p of parts.slice(0, -1)) expect(p.length).toBeLessThan(65_536 + 1000)
      }
    }
  )
})

const text = fc.string({ unit: 'binary', maxLength: 12 })
const version = fc.option(fc.stringMatching(/^[0-9a-f]{12}$/), { nil: null })
const item: fc.Arbitrary<PlanItem> = fc.record(
  {
    kind: fc.constantFrom('connection' as const, 'variable' as const),
    sourceId: fc.option(text, { nil: null }),
    targetId: text,
    warnings: fc.array(text, { maxLength: 2 }),
    sourceVersion: version,
    targetVersion: version,
    action: fc.constantFrom('create', 'update', 'delete', 'unchanged', 'conflict' as const),
    resolution: fc.constantFrom('skip', 'fail', 'overwrite' as const),
    diff: fc.array(
      fc.record({
        field: text,
        change: fc.constantFrom('changed', 'same', 'added', 'removed' as const),
        sourceFingerprint: version,
        targetFingerprint: version
      }),
      { maxLength: 2 }
    )
  },
  { requiredKeys: ['kind', 'sourceId', 'targetId', 'warnings', 'action', 'diff'] }
) as unknown as fc.Arbitrary<PlanItem>

const plan: fc.Arbitrary<PlanDocument> = fc
  .record({
    planId: fc.stringMatching(/^[0-9T]{15}-[0-9a-f]{6}$/),
    source: text.map((t) => `envfile:/tmp/${t}`),
    target: text.map((t) => `metadb:sqlite:////tmp/${t}`),
    targetIdentity: fc.option(text, { nil: undefined }),
    items: fc.array(item, { maxLength: 40 })
  })
  .map(({ targetIdentity, ...r }): PlanDocument => ({
    version: 1,
    planId: r.planId,
    createdAt: '2026-12-07T15:00:00.000Z',
    source: r.source,
    target: r.target,
    ...(targetIdentity !== undefined ? { targetIdentity } : {}),
    dialect: 'airflow3',
    options: { onConflict: 'overwrite', exclude: ['var_*'], targetDialect: 'airflow3' },
    summary: { create: r.items.length, update: 0, delete: 0, unchanged: 0, conflict: 0 },
    items: r.items
  }))

describe('a signed plan written in one pass (writeSignedPlan)', () => {
  it('is the file of the plan signed first, byte for byte, and checks out read back', async () => {
    const keychain = new MemoryKeychain()
    let k = 0
    await fc.assert(
      fc.asyncProperty(plan, async (d) => {
        const path = join(dir, `plan-${k++}.json`)
        await writeSignedPlan(path, d, keychain)
        const written = readFileSync(path, 'utf8')
        const signed = await signPlan(d, keychain)
        expect(written).toBe([...planFileParts(signed)].join(''))
        // JSON.parse, not the plan reader: the items here need not be ones apply would take
        const back = JSON.parse(written) as PlanDocument
        expect(back.signature).toBe(signed.signature)
        await verifyPlan(back, keychain, path)
      }),
      { seed: FUZZ_SEED, numRuns: 150 }
    )
  })

  it('a plan of many pieces (a non-ASCII locator before the signature) checks out', async () => {
    const keychain = new MemoryKeychain()
    const d: PlanDocument = {
      version: 1,
      planId: '20261207T150000-abcdef',
      createdAt: '2026-12-07T15:00:00.000Z',
      source: 'envfile:/tmp/ünïcödé 🙂.env',
      target: 'envfile:/tmp/tärget.env',
      dialect: 'airflow3',
      options: { onConflict: 'overwrite' },
      summary: { create: 20_000, update: 0, delete: 0, unchanged: 0, conflict: 0 },
      items: Array.from({ length: 20_000 }, (_, i) => ({
        kind: 'variable' as const,
        sourceId: `v_${i}_é`,
        targetId: `v_${i}_é`,
        warnings: [],
        sourceVersion: 'abcdefabcdef',
        targetVersion: null,
        action: 'create' as const,
        diff: []
      }))
    }
    const path = join(dir, 'big.json')
    await writeSignedPlan(path, d, keychain)
    const written = readFileSync(path, 'utf8')
    expect(written).toBe([...planFileParts(await signPlan(d, keychain))].join(''))
    await verifyPlan(parsePlanDocument(written, path), keychain, path)
  })
})

describe('odd plan documents', () => {
  it('a list with holes is signed and written as JSON writes it (null), never as invalid JSON', async () => {
    const keychain = new MemoryKeychain()
    const d = doc(2) as unknown as PlanDocument
    // eslint-disable-next-line no-sparse-arrays
    d.items[0]!.warnings = [, 'x'] as unknown as string[]
    const path = join(dir, 'holes.json')
    await writeSignedPlan(path, d, keychain)
    const back = JSON.parse(readFileSync(path, 'utf8')) as PlanDocument
    expect(back.items[0]!.warnings).toEqual([null, 'x'])
    expect(canonicalPlan(d)).toBe(canonicalPlan(back))
  })

  it('a document without its list of items is refused, not written as one that never verifies', async () => {
    const path = join(dir, 'no-items.json')
    const { items: _items, ...d } = doc(1)
    await expect(
      writeSignedPlan(path, d as unknown as PlanDocument, new MemoryKeychain())
    ).rejects.toThrow(/no list of items/)
    expect(existsSync(path)).toBe(false)
  })
})
