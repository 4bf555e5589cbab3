// A metadata DB that drops the connection in the middle of a write batch: the batch is all
// or nothing. A trigger stalls the transaction on one row of the batch; another session
// kills the writer's connection (pg_terminate_backend / KILL CONNECTION) while it waits.
// Real PostgreSQL and MariaDB (test/support/metadb.ts), the real MetastoreBackend.
import { afterEach, describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { openSql, quoteIdent, type SqlDriver } from '../../src-main/backends/sql/driver'
import { AirlockError } from '../../src-main/core/errors'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { connectionEntry, variableEntry, type Entry } from '../../src-main/core/model'
import { MY_ADMIN, PG_ADMIN, createTestDb, type TestDb } from '../support/metadb'

const KEY = Fernet.generateKey()
const STALL_ID = 'conn_017'

const before: Entry[] = [
  connectionEntry('conn_003', { conn_type: 'postgres', host: 'old-3', password: 'old-pw-3' }),
  connectionEntry('conn_030', { conn_type: 'postgres', host: 'old-30' }),
  variableEntry('var_keep', 'old value')
]
// the batch: updates of existing rows, new rows, and the row the trigger stalls on
const batch: Entry[] = [
  ...Array.from({ length: 40 }, (_, i) =>
    connectionEntry(`conn_${String(i).padStart(3, '0')}`, {
      conn_type: 'postgres',
      host: `new-${i}`,
      password: `new-pw-${i}`,
      extra: `{"i": "${i}"}`
    })
  ),
  variableEntry('var_keep', 'new value'),
  variableEntry('var_new', 'created')
]

async function rows(db: SqlDriver): Promise<string[]> {
  const c = await db.query<Record<string, unknown>>('SELECT conn_id, host FROM connection')
  const v = await db.query<Record<string, unknown>>(
    `SELECT ${quoteIdent(db.dialect, 'key')} AS k FROM variable`
  )
  return [...c.map((r) => `c:${r.conn_id}:${r.host}`), ...v.map((r) => `v:${r.k}`)].sort()
}

/** Polls the server's sessions until the stalled writer shows up; returns its id. */
async function stalledSession(admin: SqlDriver, database: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const found =
      admin.dialect === 'postgresql'
        ? await admin.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%connection%' AND pid <> pg_backend_pid()"
          )
        : await admin.query<{ ID: number }>(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND STATE = 'User sleep'",
            [database]
          )
    const id = found[0] && ('pid' in found[0] ? found[0].pid : found[0].ID)
    if (id) return Number(id)
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('the writer never reached the stalled row')
}

const dbs: TestDb[] = []
afterEach(async () => {
  while (dbs.length) await dbs.pop()!.drop()
})

/** A trigger that sleeps on STALL_ID's row, for INSERT (and UPDATE) or DELETE. */
async function addStall(raw: SqlDriver, on: 'write' | 'remove'): Promise<void> {
  const row = on === 'write' ? 'NEW' : 'OLD'
  if (raw.dialect === 'postgresql') {
    await raw.query(
      `CREATE FUNCTION stall() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(60); RETURN ${row}; END $$ LANGUAGE plpgsql`
    )
    await raw.query(
      `CREATE TRIGGER stall BEFORE ${on === 'write' ? 'INSERT OR UPDATE' : 'DELETE'} ON connection FOR EACH ROW WHEN (${row}.conn_id = '${STALL_ID}') EXECUTE FUNCTION stall()`
    )
  } else
    await raw.query(
      `CREATE TRIGGER stall BEFORE ${on === 'write' ? 'INSERT' : 'DELETE'} ON connection FOR EACH ROW BEGIN IF ${row}.conn_id = '${STALL_ID}' THEN DO SLEEP(60); END IF; END`
    )
}

async function dropStall(raw: SqlDriver): Promise<void> {
  await raw.query(
    raw.dialect === 'postgresql' ? 'DROP TRIGGER stall ON connection' : 'DROP TRIGGER stall'
  )
}

/** Runs `op` until it stalls, kills its connection from another session, returns its error. */
async function killMidway(
  raw: SqlDriver,
  database: string,
  op: () => Promise<void>
): Promise<unknown> {
  const running = op().then(
    () => undefined,
    (error: unknown) => error
  )
  const admin = await openSql(raw.dialect === 'postgresql' ? PG_ADMIN : MY_ADMIN)
  const victim = await stalledSession(admin, database)
  // the rows before the stall are done, uncommitted, when the connection goes
  if (raw.dialect === 'postgresql') await admin.query('SELECT pg_terminate_backend(?)', [victim])
  else await admin.query(`KILL CONNECTION ${victim}`)
  await admin.close()
  return running
}

function expectLost(error: unknown): void {
  expect(error).toBeInstanceOf(AirlockError)
  expect((error as AirlockError).code).toBe('backend.unreachable')
  expect((error as AirlockError).userMessage).toMatch(/connection to the database was lost/)
  expect((error as AirlockError).userMessage).not.toMatch(/new-pw|old-pw/)
}

describe.each(['postgresql', 'mysql'] as const)('%s drops the connection mid-batch', (dialect) => {
  async function setUp(seedWith: Entry[]) {
    const db = await createTestDb(dialect, '3.2')
    dbs.push(db)
    const store = () => new MetastoreBackend({ target: db.target, fernetKey: KEY })
    const seed = store()
    await seed.write(seedWith)
    await seed.close()
    const raw = await db.raw()
    return { db, store, raw, rowsBefore: await rows(raw) }
  }

  it('keeps none of a write batch, keeps every row that was there, and the retry writes it', async () => {
    const { db, store, raw, rowsBefore } = await setUp(before)
    await addStall(raw, 'write')
    const writer = store()
    expectLost(await killMidway(raw, db.target.database ?? '', () => writer.write(batch)))
    // all or nothing: exactly the rows that were there before
    expect(await rows(raw)).toEqual(rowsBefore)
    // the same backend (as a retrying job holds it) writes the batch once the DB answers
    await dropStall(raw)
    await raw.close()
    await writer.write(batch)
    const after = await writer.load({})
    expect(after.problems).toEqual([])
    expect(after.entries).toHaveLength(batch.length)
    expect(after.entries.find((e) => e.kind === 'connection' && e.id === 'conn_003')).toMatchObject(
      { fields: { host: 'new-3', password: 'new-pw-3' } }
    )
    await writer.close()
  })

  it('removes none of a remove batch, and the retry removes it', async () => {
    const { db, store, raw, rowsBefore } = await setUp(batch)
    await addStall(raw, 'remove')
    const refs = batch.map((e) => ({ kind: e.kind, id: e.kind === 'connection' ? e.id : e.key }))
    const remover = store()
    expectLost(await killMidway(raw, db.target.database ?? '', () => remover.remove(refs)))
    expect(await rows(raw)).toEqual(rowsBefore)
    await dropStall(raw)
    await raw.close()
    await remover.remove(refs)
    expect((await remover.load({})).entries).toEqual([])
    await remover.close()
  })
})
