// The plan/diff fast path over two SQLite metadata DBs with the target's rows listed and
// opened in a worker thread (the built out/cli/metastore-rows-worker.mjs, as the CLI runs it):
// held to the plan core/plan.ts makes from both DBs read whole, and to the decrypts the main
// thread is spared.
import { copyFileSync, existsSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MetastoreBackend } from '../../../../src-main/backends/metastore'
import { useRowsWorker } from '../../../../src-main/backends/rows-worker-entry'
import { Fernet, MultiFernet } from '../../../../src-main/core/codecs/fernet'
import { connectionEntry, idOf, variableEntry, type Entry } from '../../../../src-main/core/model'
import type { PlanOptions } from '../../../../src-main/core/plan'
import { diffStores } from '../../../../src-main/operations/diff'
import { createTestDb, type TestDb } from '../../../support/metadb'
import { bothPlans as bothPlansOf, DIFF } from '../../../support/raw-plans'
import { seededRandom } from '../../../support/seeded-random'

const FERNET = Fernet.generateKey()
/** The worker as the CLI's build has it (test/support/global-setup.ts builds it). */
const WORKER = new URL('../../../../out/cli/metastore-rows-worker.mjs', import.meta.url)

const dbs: TestDb[] = []
afterEach(async () => {
  useRowsWorker(undefined)
  for (const db of dbs.splice(0)) await db.drop()
})

/** Seeded entries over several worker pages (100 rows each); B: A with changes of every kind. */
function generated(seed: number, n: number): { a: Entry[]; b: Entry[] } {
  const rand = seededRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const a: Entry[] = []
  const b: Entry[] = []
  for (let i = 0; i < n; i++) {
    const team = pick([null, null, 'red'])
    const e =
      i % 3 === 2
        ? variableEntry(`v_${i}`, pick(['', 'plain', 'é日 "q" \\ ', `{"n": ${i}}`]), null, team)
        : connectionEntry(
            `c_${i}`,
            {
              conn_type: pick(['postgres', 'http']),
              host: pick([null, '', `h${i}.example.com`]),
              password: pick([null, '', `pw "${i}" é`]),
              port: pick([null, 5432]),
              extra: pick([null, '{"a": 1}'])
            },
            team
          )
    const r = rand()
    if (r >= 0.05) a.push(e)
    if (r < 0.05) b.push(e)
    else if (r < 0.1) continue
    else if (r < 0.2)
      b.push(
        e.kind === 'variable'
          ? { ...e, value: `${e.value}!` }
          : { ...e, fields: { ...e.fields, password: `${e.fields.password ?? ''}!` } }
      )
    else if (r < 0.25) b.push({ ...e, team: e.team === 'red' ? null : 'red' })
    else b.push(e)
  }
  return { a, b }
}

async function metadb(entries: Entry[]): Promise<TestDb> {
  const db = await createTestDb('sqlite', '3.2')
  dbs.push(db)
  const raw = await db.raw()
  await raw.query(`INSERT INTO team (name) VALUES ('red')`)
  await raw.close()
  const store = new MetastoreBackend({ target: db.target, fernetKey: FERNET })
  await store.write(entries)
  await store.close()
  return db
}

/** The Fernet tokens stored in a DB (its flagged, non-empty sealed values). */
async function tokensIn(db: TestDb): Promise<number> {
  const raw = await db.raw()
  const [c] = await raw.query<{ n: number }>(
    `SELECT COUNT(password) + COUNT(extra) AS n FROM connection`
  )
  const [v] = await raw.query<{ n: number }>(`SELECT COUNT(val) AS n FROM variable`)
  await raw.close()
  return Number(c!.n) + Number(v!.n)
}

/** Both plans of A → B, and the tokens this thread decrypted for the fast one. */
async function bothPlans(a: TestDb, b: TestDb, options: PlanOptions = DIFF) {
  const source = new MetastoreBackend({ target: a.target, fernetKey: FERNET })
  const target = new MetastoreBackend({ target: b.target, fernetKey: FERNET })
  const listedWhole = [vi.spyOn(source, 'loadRaw'), vi.spyOn(target, 'loadRaw')]
  const decrypting = vi.spyOn(MultiFernet.prototype, 'decryptMany')
  let decrypted = 0
  const { fast, full } = await bothPlansOf(source, target, options, 'airflow3', () => {
    decrypted = decrypting.mock.calls.reduce((n, [tokens]) => n + tokens.length, 0)
    decrypting.mockRestore()
  })
  await source.close()
  await target.close()
  return { fast, full, decrypted, listedWhole: listedWhole.some((l) => l.mock.calls.length) }
}

const diffMessage = (a: TestDb, b: TestDb) =>
  diffStores({
    source: `metadb:sqlite:///${a.target.path!}`,
    target: `metadb:sqlite:///${b.target.path!}`,
    dialect: 'airflow3',
    locatorOptions: { fernetKey: FERNET },
    sides: true
  }).then(
    () => 'no error',
    (e: Error) => e.message
  )

describe('plan/diff of SQLite metadata DBs with the target listed in a worker thread', () => {
  it('is built beside the CLI', () => {
    expect(existsSync(WORKER)).toBe(true)
  })

  it('makes the plan the whole read makes, the target decrypted off this thread', async () => {
    // 2,000 rows: more pages than the worker posts ahead of those taken
    const { a, b } = generated(11, 2000)
    const dbA = await metadb(a)
    const dbB = await metadb(b)
    const tokensA = await tokensIn(dbA)
    const tokensB = await tokensIn(dbB)
    useRowsWorker(WORKER)
    for (const options of [
      DIFF,
      { ...DIFF, targetDialect: 'airflow2' as const, include: ['c_1*', 'v_*'] },
      { onConflict: 'skip' as const, exclude: ['c_2*'] },
      { ...DIFF, kinds: ['variable' as const] }
    ]) {
      const { fast, full, listedWhole } = await bothPlans(dbA, dbB, options)
      expect(fast).toBeDefined()
      expect(listedWhole).toBe(false)
      expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
      expect(fast!.result.items.map((i) => [i.sourceVersion, i.targetVersion])).toEqual(
        full.items.map((i) => [i.sourceVersion, i.targetVersion])
      )
    }
    const { full, decrypted } = await bothPlans(dbA, dbB)
    expect(full.summary.unchanged * full.summary.update * full.summary.create).toBeGreaterThan(0)
    expect(full.summary.delete).toBeGreaterThan(0)
    // each side encrypted on its own: every source token opened here, no target token
    expect(decrypted).toBe(tokensA)
    // in this thread (no worker entry, or none that exists): both sides, the same plan
    for (const entry of [undefined, new URL('./no-such-worker.mjs', WORKER)]) {
      useRowsWorker(entry)
      const here = await bothPlans(dbA, dbB)
      expect(JSON.stringify(here.fast!.result)).toBe(JSON.stringify(full))
      expect(here.decrypted).toBe(tokensA + tokensB)
    }
  })

  it('plans a clone as the whole read does, none of its tokens opened here', async () => {
    const { a } = generated(12, 600)
    const dbA = await metadb(a)
    const dbB = await createTestDb('sqlite', '3.2')
    dbs.push(dbB)
    copyFileSync(dbA.target.path!, dbB.target.path!)
    const changed = a.filter((_, i) => i % 10 === 0)
    const writer = new MetastoreBackend({ target: dbB.target, fernetKey: FERNET })
    await writer.write(
      changed.map((e) => (e.kind === 'variable' ? { ...e, value: `${e.value}~` } : e))
    )
    await writer.remove(
      a.filter((_, i) => i % 25 === 1).map((e) => ({ kind: e.kind, id: idOf(e) }))
    )
    await writer.close()
    useRowsWorker(WORKER)
    const { fast, full, decrypted } = await bothPlans(dbA, dbB)
    expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
    expect(full.summary.unchanged).toBeGreaterThan(400)
    // every source token (the worker opens every row of B, stored the same or not)
    expect(decrypted).toBe(await tokensIn(dbA))
  })

  for (const [side, at] of [
    ['target', 'first'],
    ['target', 'a later'],
    ['source', 'a later']
  ] as const)
    it(`declines a ${side} with a row that does not decrypt on ${at} page: the whole read reports it`, async () => {
      const { a, b } = generated(13, 1500)
      const dbA = await metadb(a)
      const dbB = await metadb(b)
      const raw = await (side === 'source' ? dbA : dbB).raw()
      const [row] = await raw.query<{ key: string }>(
        `SELECT key FROM variable ORDER BY key LIMIT 1 OFFSET ${at === 'first' ? 0 : 350}`
      )
      await raw.query(`UPDATE variable SET val = 'gAAAAbroken' WHERE key = ?`, [row!.key])
      await raw.close()
      const message = await diffMessage(dbA, dbB)
      expect(message).toMatch(/1 entries could not be read \(v_\d+\)/)
      useRowsWorker(WORKER)
      expect((await bothPlans(dbA, dbB)).fast).toBeUndefined()
      expect(await diffMessage(dbA, dbB)).toBe(message)
    })
})
