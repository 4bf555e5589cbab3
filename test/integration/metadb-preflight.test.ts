// Pre-flight of a metadata database as a target, at plan and at apply time, on the machine's
// real PostgreSQL and MariaDB (test/support/metadb.ts) through the real MetastoreBackend and
// job engine: the Fernet key (17.6), and items that fail on their own (17.14).
import { rmSync } from 'node:fs'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { InMemoryBackend } from '../../src-main/backends/in-memory'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { connectionEntry, variableEntry, type Entry } from '../../src-main/core/model'
import { applyPlan } from '../../src-main/jobs/run-job'
import { annotatePlan } from '../../src-main/operations/plan'
import { planBetween } from '../support/jobs'
import { createTestDb, type TestDb } from '../support/metadb'
import { osLikeKeychain } from '../support/test-keychain'
import { tempDir } from '../support/temp-dir'

const OLD = Fernet.generateKey()
const OTHER = Fernet.generateKey()
const dbs: TestDb[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.drop()
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const seed: Entry[] = [
  connectionEntry('db_main', { conn_type: 'postgres', host: 'h', password: 'seed-pw-1' }),
  variableEntry('seed_var', 'seed-value-1')
]
const incoming: Entry[] = [
  connectionEntry('new_conn', { conn_type: 'postgres', host: 'h2', password: 'new-pw-2' }),
  variableEntry('new_var', 'new-value-2')
]

async function setUp(dialect: 'postgresql' | 'mysql') {
  const db = await createTestDb(dialect, '3.2')
  dbs.push(db)
  const seeder = new MetastoreBackend({ target: db.target, fernetKey: OLD })
  await seeder.write(seed)
  await seeder.close()
  const source = new InMemoryBackend({ id: 'memory:src' })
  await source.write(incoming)
  const dataDir = tempDir('airlock-preflight-')
  dirs.push(dataDir)
  return { db, source, ctx: { dataDir, keychain: osLikeKeychain() } }
}

async function rawRows(db: TestDb): Promise<string[]> {
  const raw = await db.raw()
  const c = await raw.query<Record<string, unknown>>('SELECT conn_id FROM connection')
  const v = await raw.query<Record<string, unknown>>(
    'SELECT ' + (db.target.dialect === 'mysql' ? '`key`' : '"key"') + ' AS k FROM variable'
  )
  await raw.close()
  return [...c.map((r) => `c:${String(r.conn_id)}`), ...v.map((r) => `v:${String(r.k)}`)].sort()
}

describe('attack: job integrity', () => {
  for (const dialect of ['postgresql', 'mysql'] as const) {
    it(`17.6 a Fernet key that does not decrypt the target is refused at plan and apply time, naming the target (${dialect})`, async () => {
      const { db, source, ctx } = await setUp(dialect)
      // another database's key: it reads none of the rows already there
      const target = new MetastoreBackend({
        id: 'metadb:prod',
        target: db.target,
        fernetKey: `${OTHER}`
      })
      const doc = await planBetween(source, target, ctx.keychain, { onConflict: 'overwrite' })
      const planned = await annotatePlan(doc.items, incoming, target, { preflight: true })
      expect(planned.preflightErrors).toBe(1)
      const message = planned.storeProblems.map((p) => p.message).join('\n')
      expect(message).toMatch(
        /metadb:prod .*the Fernet key given does not decrypt any of the 2 encrypted values sampled/
      )
      expect(message).not.toContain(OTHER)
      expect(message).not.toContain(OLD)
      expect(message).not.toMatch(/seed-pw|seed-value/)
      const before = await rawRows(db)
      const error = await applyPlan(doc, source, target, ctx).then(
        () => undefined,
        (e: unknown) => e as Error
      )
      expect(error?.message).toMatch(/metadb:prod .*does not decrypt/)
      expect(error?.message).not.toContain(OTHER)
      expect(await rawRows(db)).toEqual(before)
      await target.close()
      // the write itself refuses too (resume, rollback, any caller)
      const direct = new MetastoreBackend({
        id: 'metadb:prod',
        target: db.target,
        fernetKey: OTHER
      })
      await expect(direct.write(incoming)).rejects.toThrow(/does not decrypt/)
      await direct.close()
      expect(await rawRows(db)).toEqual(before)
      // a key list holding the target's key (MultiFernet: any key decrypts) is accepted
      const rotated = new MetastoreBackend({ target: db.target, fernetKey: `${OTHER},${OLD}` })
      const doc2 = await planBetween(source, rotated, ctx.keychain)
      expect(
        (await annotatePlan(doc2.items, incoming, rotated, { preflight: true })).preflightErrors
      ).toBe(0)
      const report = await applyPlan(doc2, source, rotated, ctx)
      expect(report).toMatchObject({ applied: 2, failed: [], refused: [] })
      await rotated.close()
    })

    it(`17.6 writing without a Fernet key warns that values are stored in plaintext, at plan and apply time (${dialect})`, async () => {
      const db = await createTestDb(dialect, '3.2')
      dbs.push(db)
      const source = new InMemoryBackend({ id: 'memory:src' })
      await source.write(incoming)
      const ctx = {
        dataDir: tempDir('airlock-preflight-'),
        keychain: osLikeKeychain()
      }
      dirs.push(ctx.dataDir)
      const target = new MetastoreBackend({
        id: 'metadb:plain',
        target: db.target,
        fernetKey: null
      })
      const doc = await planBetween(source, target, ctx.keychain)
      const planned = await annotatePlan(doc.items, incoming, target, { preflight: true })
      expect(planned.preflightErrors).toBe(0)
      expect(planned.storeProblems).toEqual([
        {
          severity: 'warning',
          message: expect.stringMatching(
            /metadb:plain: no Fernet key is configured, so .* stored in plaintext/
          )
        }
      ])
      // the ways to give a key, never the deprecated --key (17.16)
      expect(planned.storeProblems[0]!.message).toContain('--key-file, --key-stdin')
      expect(planned.storeProblems[0]!.message).not.toMatch(/--key[ )]/)
      const report = await applyPlan(doc, source, target, ctx)
      expect(report.applied).toBe(2)
      expect(report.warnings).toEqual([
        expect.stringMatching(/metadb:plain: no Fernet key .* plaintext/)
      ])
      await target.close()
    })
  }
})

describe('attack: bad input', () => {
  it('17.14 one item the database refuses fails alone with its own reason; the rest of its batch is applied', async () => {
    const db = await createTestDb('postgresql', '3.2')
    dbs.push(db)
    // a rule of this database that no pre-flight knows: the write of one row fails
    const raw = await db.raw()
    await raw.query(
      `ALTER TABLE connection ADD CONSTRAINT no_forbidden CHECK (host <> 'forbidden')`
    )
    await raw.close()
    const source = new InMemoryBackend({ id: 'memory:src' })
    await source.write([
      connectionEntry('a_conn', { conn_type: 'postgres', host: 'h-a' }),
      connectionEntry('b_conn', { conn_type: 'postgres', host: 'forbidden' }),
      connectionEntry('c_conn', { conn_type: 'postgres', host: 'h-c' }),
      variableEntry('d_var', 'v')
    ])
    const ctx = {
      dataDir: tempDir('airlock-preflight-'),
      keychain: osLikeKeychain()
    }
    dirs.push(ctx.dataDir)
    const target = new MetastoreBackend({ id: 'metadb:t', target: db.target, fernetKey: OLD })
    const doc = await planBetween(source, target, ctx.keychain)
    const report = await applyPlan(doc, source, target, { ...ctx, batchSize: 10 })
    await target.close()
    expect(report.applied).toBe(3)
    expect(report.refused).toEqual([])
    expect(report.failed).toEqual([
      {
        id: 'b_conn',
        code: 'internal',
        message: expect.stringMatching(/metadb:t .*failed to write \(23514\)/)
      }
    ])
    expect(await rawRows(db)).toEqual(['c:a_conn', 'c:c_conn', 'v:d_var'])
  })
})
