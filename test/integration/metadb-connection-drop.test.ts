// A metadata DB that drops the connection in the middle of a write batch: the batch is all
// or nothing. A trigger stalls the transaction on one row of the batch; another session
// kills the writer's connection (pg_terminate_backend / KILL CONNECTION) while it waits.
// Real PostgreSQL and MariaDB (test/support/metadb.ts), the real MetastoreBackend.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { openSql, quoteIdent, type SqlDriver } from '../../src-main/backends/sql/driver'
import { AirlockError } from '../../src-main/core/errors'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { connectionEntry, variableEntry, type Entry } from '../../src-main/core/model'
import { airlockAsync } from '../support/cli'
import { MY_ADMIN, PG_ADMIN, createTestDb, type TestDb } from '../support/metadb'
import { tempDir } from '../support/temp-dir'

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

// The whole job, as a user runs it: `airlock apply` into MariaDB while the connection is
// killed mid-batch. The batch fails as "unreachable", is retried on a new connection and
// the job ends with everything applied once.
describe.runIf(Boolean(process.env.DBUS_SESSION_BUS_ADDRESS))(
  'apply while the connection drops',
  () => {
    it('retries the batch on a new connection and applies every item exactly once', async () => {
      const db = await createTestDb('mysql', '3.2')
      dbs.push(db)
      const dir = tempDir('airlock-drop-')
      try {
        const env = {
          PATH: process.env.PATH,
          DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
          AIRLOCK_HOME: join(dir, 'home'),
          AIRLOCK_CONFIG_DIR: join(dir, 'config'),
          AIRFLOW__CORE__FERNET_KEY: KEY
        }
        const source = join(dir, 'source.env')
        writeFileSync(
          source,
          Array.from(
            { length: 30 },
            (_, i) =>
              `AIRFLOW_CONN_CONN_${String(i).padStart(3, '0')}=postgres://u:pw-${i}@h${i}/db\n`
          ).join('')
        )
        const target = `metadb:mysql+pymysql://root@127.0.0.1:3306/${db.target.database}`
        const plan = join(dir, 'plan.json')
        const planned = await airlockAsync(
          ['plan', `envfile:${source}`, target, '--out', plan],
          '',
          env
        )
        expect(planned.code, planned.err).toBe(0)
        // stall once: the flag lives in a non-transactional table, so the kill's rollback keeps it
        const raw = await db.raw()
        await raw.query('CREATE TABLE stall_once (n INT) ENGINE=MyISAM')
        await raw.query(
          `CREATE TRIGGER stall BEFORE INSERT ON connection FOR EACH ROW BEGIN IF NEW.conn_id = '${STALL_ID}' AND (SELECT COUNT(*) FROM stall_once) = 0 THEN INSERT INTO stall_once VALUES (1); DO SLEEP(60); END IF; END`
        )
        const applying = airlockAsync(['apply', plan], '', env)
        const admin = await openSql(MY_ADMIN)
        await admin.query(`KILL CONNECTION ${await stalledSession(admin, db.target.database!)}`)
        await admin.close()
        const applied = await applying
        expect(applied.code, applied.err).toBe(0)
        expect(JSON.parse(applied.out)).toMatchObject({ applied: 30, failed: 0, refused: 0 })
        expect(await raw.query('SELECT COUNT(*) AS n FROM stall_once')).toEqual([{ n: 1 }])
        const ids = await raw.query<{ conn_id: string }>(
          'SELECT conn_id FROM connection ORDER BY conn_id'
        )
        expect(ids.map((r) => r.conn_id)).toEqual(
          Array.from({ length: 30 }, (_, i) => `conn_${String(i).padStart(3, '0')}`)
        )
        await raw.close()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }
)
