// The plan/diff fast path over two Airflow metadata DBs (SQLite file, PostgreSQL schema): each
// row listed decrypted as the JSON of its entry's values, held to the plan core/plan.ts makes
// from both DBs read whole, item for item.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { MetastoreBackend } from '../../../../src-main/backends/metastore'
import { Fernet } from '../../../../src-main/core/codecs/fernet'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import { connectionEntry, idOf, variableEntry, type Entry } from '../../../../src-main/core/model'
import type { PlanOptions } from '../../../../src-main/core/plan'
import { diffStores } from '../../../../src-main/operations/diff'
import { planRaw } from '../../../../src-main/operations/raw-plan'
import { createTestDb, type TestDb } from '../../../support/metadb'
import { seededRandom } from '../../../support/seeded-random'
import { bothPlans as bothPlansOf, DIFF, PLAN_KEY } from '../../../support/raw-plans'

const FERNET = Fernet.generateKey()
const dbs: TestDb[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.drop()
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Seeded entries, and B as A with changes of every kind (and the same entries re-encrypted). */
function generated(seed: number, n: number): { a: Entry[]; b: Entry[] } {
  const rand = seededRandom(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const a: Entry[] = []
  const b: Entry[] = []
  for (let i = 0; i < n; i++) {
    const team = pick([null, null, 'red'])
    const e =
      i % 4 === 3
        ? variableEntry(
            `v_${i}`,
            pick(['', 'plain', 'é日 "q" \\ ', `{"n": ${i}}`]),
            pick([null, '', 'about']),
            team
          )
        : connectionEntry(
            `c_${i}`,
            {
              conn_type: pick(['postgres', 'http']),
              description: pick([null, 'd']),
              host: pick([null, '', `h${i}.example.com`]),
              login: pick([null, 'me']),
              password: pick([null, '', `pw "${i}" é`]),
              schema: pick([null, 'db']),
              port: pick([null, 5432, 0]),
              extra: pick([null, '{"a": 1, "b": [1, 2]}', 'not json'])
            },
            team
          )
    const r = rand()
    if (r >= 0.05) a.push(e) // 5 %: only in B
    if (r < 0.05) b.push(e)
    else if (r < 0.1)
      continue // only in A
    else if (r < 0.2)
      b.push(
        e.kind === 'variable'
          ? { ...e, value: `${e.value}!` }
          : { ...e, fields: { ...e.fields, password: `${e.fields.password ?? ''}!` } }
      )
    else if (r < 0.25 && e.kind === 'connection')
      // the same extra, its keys in another order: the same meaning in another text
      b.push({ ...e, fields: { ...e.fields, extra: '{"b":[1,2],"a":1}' } })
    else if (r < 0.3) b.push({ ...e, team: e.team === 'red' ? null : 'red' })
    else b.push(e)
  }
  return { a, b }
}

async function metadb(dialect: 'sqlite' | 'postgresql', entries: Entry[]): Promise<TestDb> {
  const db = await createTestDb(dialect, '3.2')
  dbs.push(db)
  const raw = await db.raw()
  await raw.query(`INSERT INTO team (name) VALUES ('red')`)
  await raw.close()
  const store = new MetastoreBackend({ target: db.target, fernetKey: FERNET })
  await store.write(entries)
  await store.close()
  return db
}

const store = (db: TestDb) => new MetastoreBackend({ target: db.target, fernetKey: FERNET })

/** Both plans of A → B: the fast path's, and core/plan.ts's from both sides read whole. */
async function bothPlans(a: TestDb, b: TestDb, options: PlanOptions) {
  const source = store(a)
  const target = store(b)
  const plans = await bothPlansOf(source, target, options)
  await source.close()
  await target.close()
  return plans
}

describe('plan/diff fast path over metadata DBs: the same decrypted row is the same entry', () => {
  for (const dialect of ['sqlite', 'postgresql'] as const)
    it(`makes the plan core/plan.ts makes from both ${dialect} DBs read whole, item for item`, async () => {
      const { a, b } = generated(dialect === 'sqlite' ? 1 : 2, 300)
      const dbA = await metadb(dialect, a)
      const dbB = await metadb(dialect, b)
      // rows Airflow wrote otherwise: a value in plaintext (flag false) on one side only, the
      // same value; a port that is not a number (SQLite keeps the text) against none
      const raw = await dbB.raw()
      const v = a.find((e) => e.kind === 'variable' && b.includes(e))!
      await raw.query(`UPDATE variable SET val = ?, is_encrypted = ? WHERE key = ?`, [
        (v as { value: string }).value,
        false,
        (v as { key: string }).key
      ])
      await raw.close()
      const c = a.find((e) => e.kind === 'connection' && b.includes(e))!
      if (dialect === 'sqlite') {
        const rawA = await dbA.raw()
        await rawA.query(`UPDATE connection SET port = 'abc' WHERE conn_id = ?`, [idOf(c)])
        await rawA.close()
        const rawB = await dbB.raw()
        await rawB.query(`UPDATE connection SET port = NULL WHERE conn_id = ?`, [idOf(c)])
        await rawB.close()
      }
      for (const options of [
        { ...DIFF, targetDialect: 'airflow3' as const },
        { ...DIFF, targetDialect: 'airflow2' as const, include: ['c_1*', 'v_*'] },
        { onConflict: 'skip' as const, exclude: ['c_2*'] },
        { ...DIFF, kinds: ['variable' as const] }
      ]) {
        const { fast, full } = await bothPlans(dbA, dbB, options)
        expect(fast).toBeDefined()
        // the saved or printed plan: every field, in the same order, byte for byte
        expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
        expect(
          fast!.result.items.map((i) => [i.warnings, i.sourceVersion, i.targetVersion])
        ).toEqual(full.items.map((i) => [i.warnings, i.sourceVersion, i.targetVersion]))
        expect(full.summary.unchanged).toBeGreaterThan(0)
        expect(full.summary.update + full.summary.conflict).toBeGreaterThan(0)
      }
      const { fast, full } = await bothPlans(dbA, dbB, DIFF)
      const action = (id: string) => full.items.find((i) => i.targetId === id)?.action
      // the plaintext row is the same entry; the port that is not a number differs
      expect(action((v as { key: string }).key)).toBe('unchanged')
      if (dialect === 'sqlite') expect(action(idOf(c))).toBe('update')
      // only what differs was read (every row was encrypted anew: none by its ciphertext);
      // some unchanged ids differ in text (an extra's key order) and so were read
      const unchanged = full.items.filter((i) => i.action === 'unchanged').length
      expect(unchanged).toBeGreaterThan(a.length / 2)
      expect(fast!.source.length).toBeLessThan(a.length - unchanged + 40)
      expect(fast!.source.length + fast!.target.length).toBeLessThan(a.length)
    })

  it('compares a SQLite DB with a PostgreSQL one', async () => {
    const { a, b } = generated(3, 200)
    const { fast, full } = await bothPlans(
      await metadb('sqlite', a),
      await metadb('postgresql', b),
      DIFF
    )
    expect(fast).toBeDefined()
    expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
  })

  it('declines a DB with a row that does not decrypt: the full read reports it', async () => {
    const { a } = generated(4, 40)
    const dbA = await metadb('sqlite', a)
    const dbB = await metadb('sqlite', a)
    const raw = await dbB.raw()
    await raw.query(`UPDATE variable SET val = 'gAAAAbroken' WHERE id = 1`)
    await raw.close()
    expect((await bothPlans(dbA, dbB, DIFF)).fast).toBeUndefined()
    const diff = (sides: boolean) =>
      diffStores({
        source: `metadb:sqlite:///${dbA.target.path!}`,
        target: `metadb:sqlite:///${dbB.target.path!}`,
        dialect: 'airflow3',
        locatorOptions: { fernetKey: FERNET },
        sides
      }).then(
        () => 'no error',
        (e: Error) => e.message
      )
    const message = await diff(true)
    expect(message).toMatch(/1 entries could not be read \(v_\d+\)/)
    expect(await diff(false)).toBe(message)
  })

  it('does not list a metadata DB raw against a file (its listing could never match)', async () => {
    const db = await metadb('sqlite', generated(5, 20).a)
    const dir = mkdtempSync(join(tmpdir(), 'airlock-raw-metadb-'))
    dirs.push(dir)
    const path = join(dir, 'a.env')
    writeFileSync(path, 'AIRFLOW_VAR_X=1\n')
    const source = store(db)
    const listed = vi.spyOn(source, 'loadRaw')
    const env = new EnvFileBackend({ path })
    for (const [s, t] of [
      [source, env],
      [env, source]
    ] as const)
      expect(
        await planRaw(s, t, undefined, DIFF, async () => fingerprinter(PLAN_KEY), {})
      ).toBeUndefined()
    expect(listed).not.toHaveBeenCalled()
    await source.close()
  })
})
