// A metadata DB whose connection or variable table lacks its UNIQUE constraint (an older or
// hand-made schema, a restored dump) can hold one id in two rows. Airflow's metastore lookup
// takes one of them with no ORDER BY (`.first()`, `scalar(select(...).limit(1))`): which one
// is up to the database. Such an id is one unreadable entry, never two entries nor an arbitrary
// one: on the machine's real PostgreSQL and MariaDB and on SQLite (test/support/metadb.ts),
// through the real MetastoreBackend, the plan/diff operations, the job engine and the CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { InMemoryBackend } from '../../src-main/backends/in-memory'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { quoteIdent, type SqlDialect } from '../../src-main/backends/sql/driver'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { connectionEntry, idOf, variableEntry, type Entry } from '../../src-main/core/model'
import { applyPlan } from '../../src-main/jobs/run-job'
import { diffStores } from '../../src-main/operations/diff'
import { entriesForPlan, loadLayer } from '../../src-main/operations/plan'
import { airlock } from '../support/cli'
import { planBetween } from '../support/jobs'
import { bothPlans } from '../support/raw-plans'
import { createTestDb, type TestDb } from '../support/metadb'
import { osLikeKeychain } from '../support/test-keychain'

const KEY = Fernet.generateKey()
const SECRET = 'dup-secret-4411'
const dbs: TestDb[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.drop()
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A table's surrogate key column in `dialect`. */
function idColumn(dialect: SqlDialect): string {
  return dialect === 'postgresql'
    ? 'id SERIAL PRIMARY KEY'
    : dialect === 'mysql'
      ? 'id INTEGER AUTO_INCREMENT PRIMARY KEY'
      : 'id INTEGER PRIMARY KEY'
}

/** The tables as an older or hand-made schema has them: no UNIQUE constraint on the ids. */
function looseDdl(dialect: SqlDialect): string[] {
  const q = (n: string) => quoteIdent(dialect, n)
  const id = idColumn(dialect)
  return [
    `CREATE TABLE connection (${id}, conn_id VARCHAR(250) NOT NULL, conn_type VARCHAR(500) NOT NULL, description TEXT, host VARCHAR(500), ${q('schema')} VARCHAR(500), login TEXT, password TEXT, port INTEGER, is_encrypted BOOLEAN, is_extra_encrypted BOOLEAN, extra TEXT)`,
    `CREATE TABLE variable (${id}, ${q('key')} VARCHAR(250), val TEXT, description TEXT, is_encrypted BOOLEAN)`
  ]
}

const seed: Entry[] = [
  connectionEntry('a', { conn_type: 'postgres', host: 'h1', password: SECRET }),
  connectionEntry('b', { conn_type: 'postgres', host: 'hb', password: SECRET }),
  connectionEntry('c', { conn_type: 'postgres', host: 'hc' }),
  variableEntry('v', SECRET),
  variableEntry('w', 'w-value')
]

/** Another row for connection `from` (host `host`), or variable `from`, stored as `as`. */
async function duplicate(db: TestDb, kind: 'connection' | 'variable', from: string, as = from) {
  const dialect = db.target.dialect
  const q = (n: string) => quoteIdent(dialect, n)
  const raw = await db.raw()
  if (kind === 'connection')
    await raw.query(
      `INSERT INTO connection (conn_id, conn_type, description, host, ${q('schema')}, login, password, port, is_encrypted, is_extra_encrypted, extra) SELECT ?, conn_type, description, 'h2', ${q('schema')}, login, password, port, is_encrypted, is_extra_encrypted, extra FROM connection WHERE conn_id = ?`,
      [as, from]
    )
  else
    await raw.query(
      `INSERT INTO variable (${q('key')}, val, description, is_encrypted) SELECT ?, val, description, is_encrypted FROM variable WHERE ${q('key')} = ?`,
      [as, from]
    )
  await raw.close()
}

/** A loose-schema DB holding `entries` (written by Airlock: one row each). */
async function looseDb(dialect: SqlDialect, entries: readonly Entry[]): Promise<TestDb> {
  const db = await createTestDb(dialect, '3.2', false)
  dbs.push(db)
  const raw = await db.raw()
  for (const stmt of looseDdl(dialect)) await raw.query(stmt)
  await raw.close()
  const writer = new MetastoreBackend({ target: db.target, fernetKey: KEY })
  await writer.write(entries)
  await writer.close()
  return db
}

/** A loose-schema DB with connection "a" and variable "v" held twice. */
async function duplicatedDb(dialect: SqlDialect): Promise<TestDb> {
  const db = await looseDb(dialect, seed)
  await duplicate(db, 'connection', 'a')
  await duplicate(db, 'variable', 'v')
  return db
}

const store = (db: TestDb, id = 'metadb:dup') =>
  new MetastoreBackend({ id, target: db.target, fernetKey: KEY })

async function hosts(db: TestDb, connId: string): Promise<string[]> {
  const raw = await db.raw()
  const rows = await raw.query<Record<string, unknown>>(
    `SELECT host FROM connection WHERE conn_id = ? ORDER BY id`,
    [connId]
  )
  await raw.close()
  return rows.map((r) => String(r.host))
}

const DUP_A =
  /^metadb:dup: connection "a": 2 rows of the connection table hold this conn_id; Airflow reads one of them, which one is up to the database\./
const DUP_V =
  /^metadb:dup: variable "v": 2 rows of the variable table hold this key; Airflow reads one of them, which one is up to the database\./

describe.each(['sqlite', 'postgresql', 'mysql'] as const)(
  'a metadata DB holding an id twice (%s)',
  (dialect) => {
    it('lists it as one unreadable entry (table, id, rows), no value shown; the rest load', async () => {
      const db = await duplicatedDb(dialect)
      const backend = store(db)
      const loaded = await backend.load({})
      expect(loaded.entries.map((e) => `${e.kind}:${idOf(e)}`)).toEqual([
        'connection:b',
        'connection:c',
        'variable:w'
      ])
      expect(loaded.problems.map((p) => [p.ref.kind, p.ref.id, p.code])).toEqual([
        ['connection', 'a', 'job.conflict'],
        ['variable', 'v', 'job.conflict']
      ])
      expect(loaded.problems[0]!.message).toMatch(DUP_A)
      expect(loaded.problems[1]!.message).toMatch(DUP_V)
      expect(JSON.stringify(loaded.problems)).not.toContain(SECRET)
      // read alone, and in a batch (a job's read-back), it does not read either
      await expect(backend.read({ kind: 'connection', id: 'a' })).rejects.toThrow(DUP_A)
      const each = await backend.readEach([
        { kind: 'connection', id: 'a' },
        { kind: 'connection', id: 'b' },
        { kind: 'variable', id: 'v' }
      ])
      expect(each.map((e) => e && idOf(e))).toEqual([undefined, 'b', undefined])
      await backend.close()
    })

    it('diffed against itself shows no change: the id is unreadable, the diff refused', async () => {
      const db = await duplicatedDb(dialect)
      const [a, b] = [store(db), store(db)]
      // the fast path declines (both sides), and the whole read reports the id
      expect((await bothPlans(a, b)).fast).toBeUndefined()
      const seen: string[] = []
      const error = await (async () =>
        entriesForPlan(
          [
            { name: 'metadb:dup', data: await loadLayer(a, undefined, { once: true }) },
            { name: 'metadb:dup', data: await loadLayer(b, undefined) }
          ],
          (m) => seen.push(m)
        ))().then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string }
      )
      expect(error?.message).toMatch(/2 entries could not be read \(a, v\)/)
      expect(seen[0]).toMatch(DUP_A)
      expect(seen[1]).toMatch(DUP_V)
    })

    it('refuses to plan into it, and an apply of an older plan writes nothing for that id', async () => {
      // planned while "a" was held once; then a second row of it appears
      const db = await looseDb(dialect, seed)
      const source = new InMemoryBackend({ id: 'memory:src' })
      await source.write([
        connectionEntry('a', { conn_type: 'postgres', host: 'new-a' }),
        connectionEntry('b', { conn_type: 'postgres', host: 'new-b' }),
        connectionEntry('n', { conn_type: 'postgres', host: 'new-n' }),
        variableEntry('v', 'new-v')
      ])
      const ctx = {
        dataDir: mkdtempSync(join(tmpdir(), 'airlock-dup-')),
        keychain: osLikeKeychain()
      }
      dirs.push(ctx.dataDir)
      const target = store(db)
      const doc = await planBetween(source, target, ctx.keychain)
      await target.close()
      // "a" (an update) now held twice, and "n" (a create) now there, twice
      await duplicate(db, 'connection', 'a')
      await duplicate(db, 'connection', 'c', 'n')
      await duplicate(db, 'connection', 'c', 'n')
      // a plan made now refuses, naming the table and the id
      const again = store(db)
      await expect(
        (async () =>
          entriesForPlan([{ name: 'metadb:dup', data: await loadLayer(again, undefined) }]))()
      ).rejects.toThrow(/2 entries could not be read \(a, n\)/)
      // the target's pre-flight refuses such an id
      const problems = await again.preflight(
        ['a', 'n', 'b'].map((id) => connectionEntry(id, { conn_type: 'http' }))
      )
      await again.close()
      expect(problems.filter((p) => p.severity === 'error')).toEqual([
        expect.objectContaining({ ref: expect.objectContaining({ kind: 'connection', id: 'a' }) }),
        expect.objectContaining({ ref: expect.objectContaining({ kind: 'connection', id: 'n' }) })
      ])
      expect(problems.find((p) => p.ref?.id === 'n')!.message).toMatch(
        /connection "n": 2 rows of the connection table hold this conn_id; Airflow reads one of them, which one is up to the database\. It is not written/
      )
      // an apply of the older plan refuses both with that reason; the rest is applied
      const report = await applyPlan(doc, source, store(db), ctx)
      expect(report.refused).toEqual([
        {
          id: 'a',
          reason: expect.stringMatching(
            /^the target cannot read this id now: metadb:dup: connection "a": 2 rows of the connection table hold this conn_id; Airflow reads one of them, which one is up to the database/
          )
        },
        {
          id: 'n',
          reason: expect.stringMatching(/connection "n": 2 rows of the connection table/)
        }
      ])
      expect(report.applied).toBe(2)
      expect(await hosts(db, 'a')).toEqual(['h1', 'h2'])
      expect(await hosts(db, 'n')).toEqual(['h2', 'h2'])
      expect(await hosts(db, 'b')).toEqual(['new-b'])
      // the write itself refuses it too (resume, rollback, any caller), writing nothing
      const direct = store(db)
      await expect(
        direct.write([connectionEntry('a', { conn_type: 'postgres', host: 'x' })])
      ).rejects.toThrow(
        /connection "a": more than one row of the connection table holds this conn_id/
      )
      await direct.close()
      expect(await hosts(db, 'a')).toEqual(['h1', 'h2'])
    })

    it('finds an id whose rows straddle a page of the listing', async () => {
      // rows f0099 (SQLite's raw page: 100 rows) and f1998 (the 2000th and 2001st rows: every
      // page size's boundary) held twice; the next page (`> id`) skips the second row
      const fill: Entry[] = []
      for (let i = 0; i < 2100; i++)
        fill.push(connectionEntry(`f${String(i).padStart(4, '0')}`, { conn_type: 'http' }))
      const db = await looseDb(dialect, fill)
      await duplicate(db, 'connection', 'f0099')
      await duplicate(db, 'connection', 'f1998')
      const backend = store(db)
      const loaded = await backend.load({})
      expect(loaded.entries).toHaveLength(2098)
      expect(loaded.problems.map((p) => p.ref.id)).toEqual(['f0099', 'f1998'])
      expect(loaded.problems[1]!.message).toContain('2 rows of the connection table')
      // the merge join of a self-diff declines, and so does a diff from a clean copy
      expect((await bothPlans(backend, store(db))).fast).toBeUndefined()
      const clean = await looseDb(dialect, fill)
      expect((await bothPlans(store(clean), store(db))).fast).toBeUndefined()
      await backend.close()
    })

    if (dialect === 'mysql')
      it('takes ids differing only in case as one under the case-insensitive collation', async () => {
        const db = await looseDb(dialect, seed)
        await duplicate(db, 'connection', 'b', 'B')
        const backend = store(db)
        const loaded = await backend.load({})
        expect(loaded.entries.map((e) => idOf(e))).toEqual(['a', 'c', 'v', 'w'])
        expect(loaded.problems.map((p) => p.ref.id).sort()).toEqual(['B', 'b'])
        expect(loaded.problems[0]!.message).toMatch(
          /2 rows of the connection table hold this conn_id \(with "[bB]": one id under MySQL's case-insensitive collation\)/
        )
        await expect(backend.read({ kind: 'connection', id: 'b' })).rejects.toThrow(
          /2 rows of the connection table/
        )
        await backend.close()
      })
  }
)

describe('the CLI over a SQLite DB holding an id twice', () => {
  it('lists the id as a problem, refuses the diff of the DB with itself, and shows it unreadable in the effective view', async () => {
    const db = await duplicatedDb('sqlite')
    const url = `metadb:sqlite:///${db.target.path!}`
    const env = { AIRFLOW__CORE__FERNET_KEY: KEY }
    const list = airlock(['list', url], '', env)
    expect(list.code).not.toBe(0)
    expect(list.lines.map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'KIND ID',
      'conn b',
      'conn c',
      'var w'
    ])
    expect(list.stderr).toMatch(/connection "a": 2 rows of the connection table hold this conn_id/)
    expect(list.stderr + list.stdout).not.toContain(SECRET)
    const diff = airlock(['diff', url, url], '', env)
    expect(diff.code).not.toBe(0)
    expect(diff.stdout).not.toMatch(/to update|~ conn/)
    expect(diff.stderr).toMatch(/2 entries could not be read \(a, v\)/)
    // the effective view lists the id as unreadable in the metadata DB, not as absent
    const dir = mkdtempSync(join(tmpdir(), 'airlock-dup-cfg-'))
    dirs.push(dir)
    writeFileSync(
      join(dir, 'airflow.cfg'),
      `[core]\nfernet_key = ${KEY}\n[database]\nsql_alchemy_conn = sqlite:///${db.target.path!}\n`
    )
    const effective = airlock([
      'effective',
      '--runtime',
      `airflow-config:${join(dir, 'airflow.cfg')}`
    ])
    const row = (kind: string, id: string) =>
      effective.lines.find((l) => l.split(/\s+/).slice(0, 2).join(' ') === `${kind} ${id}`)
    expect(row('conn', 'a')).toMatch(/— \(unreadable in 3\. metadata DB; see --json\)/)
    expect(row('var', 'v')).toMatch(/unreadable in 3\. metadata DB/)
    expect(row('conn', 'b')).toMatch(/3\. metadata DB$/)
    const json = airlock([
      'effective',
      '--runtime',
      `airflow-config:${join(dir, 'airflow.cfg')}`,
      '--json'
    ])
    const a = json.lines
      .map((l) => JSON.parse(l) as { id: string; layers: { status: string; message?: string }[] })
      .find((it) => it.id === 'a')!
    expect(a.layers[2]).toMatchObject({
      status: 'unreadable',
      message: expect.stringMatching(/connection "a": 2 rows of the connection table/)
    })
    expect(effective.stdout + effective.stderr + json.stdout).not.toContain(SECRET)
    // the diff operation alone, reading both sides whole or not
    for (const sides of [true, false])
      await expect(
        diffStores({
          source: url,
          target: url,
          dialect: 'airflow3',
          locatorOptions: { fernetKey: KEY },
          sides
        })
      ).rejects.toThrow(/2 entries could not be read \(a, v\)/)
  })
})

/** Runs `sql` on the test DB itself. */
async function sqlOn(db: TestDb, sql: string, args: unknown[] = []): Promise<void> {
  const raw = await db.raw()
  await raw.query(sql, args)
  await raw.close()
}

/** What a store lists: its entries' ids, and the ids of its problems. */
async function listed(
  s: MetastoreBackend
): Promise<{ ids: string[]; problems: string[]; held: string[] }> {
  const loaded = await s.load({})
  return {
    ids: loaded.entries.map((e) => idOf(e)).sort(),
    problems: loaded.problems.map((p) => p.ref.id).sort(),
    // the problems saying an id is held by several rows
    held: loaded.problems
      .filter((p) => / rows of the \w+ table hold /.test(p.message))
      .map((p) => String(p.ref.id))
  }
}

describe.each(['sqlite', 'postgresql', 'mysql'] as const)(
  'NULL variable keys, UNIQUE intact (%s)',
  (dialect) => {
    it('are no id held twice: the store loads, the rest read, a large pre-flight finds nothing', async () => {
      const db = await createTestDb(dialect, '3.2', false)
      dbs.push(db)
      const q = (n: string) => quoteIdent(dialect, n)
      const id = idColumn(dialect)
      await sqlOn(db, looseDdl(dialect)[0]!)
      // Airflow 2.3–3.1: key may be NULL; a UNIQUE constraint lets several NULLs in
      await sqlOn(
        db,
        `CREATE TABLE variable (${id}, ${q('key')} VARCHAR(250) UNIQUE, val TEXT, description TEXT, is_encrypted BOOLEAN)`
      )
      const writer = store(db)
      await writer.write([variableEntry('v', 'v-value')])
      await writer.close()
      for (const val of ['a', 'b'])
        await sqlOn(
          db,
          `INSERT INTO variable (${q('key')}, val, is_encrypted) VALUES (NULL, ?, ${dialect === 'sqlite' ? 0 : 'false'})`,
          [val]
        )
      const s = store(db)
      try {
        const { held } = await listed(s)
        expect(held).toEqual([])
        expect((await s.read({ kind: 'variable', id: 'v' }))?.kind).toBe('variable')
        const many = Array.from({ length: 600 }, (_, i) => variableEntry(`n${i}`, 'x'))
        const pre = await s.preflight([variableEntry('v', 'new'), ...many])
        expect(pre.filter((p) => /rows of the variable table/.test(p.message))).toEqual([])
      } finally {
        await s.close()
      }
    })
  }
)

describe('MariaDB: one id is what the column collation makes one, as Airflow’s lookup finds it', () => {
  const collated = async (collation: string) => {
    const db = await createTestDb('mysql', '3.2', false)
    dbs.push(db)
    await sqlOn(db, looseDdl('mysql')[0]!)
    await sqlOn(
      db,
      `CREATE TABLE variable (id INTEGER AUTO_INCREMENT PRIMARY KEY, \`key\` VARCHAR(250) CHARACTER SET utf8mb4 COLLATE ${collation}, val TEXT, description TEXT, is_encrypted BOOLEAN)`
    )
    for (const [k, v] of [
      ['e', 'plain-e'],
      ['é', 'accent-e'],
      ['t', 'plain-t'],
      ['t ', 'padded-t'],
      ['w', 'w-value']
    ])
      await sqlOn(db, 'INSERT INTO variable (`key`, val, is_encrypted) VALUES (?, ?, false)', [
        k,
        v
      ])
    return db
  }

  it('accent-sensitive (utf8mb4_uca1400_as_ci): e and é are two ids, each read, nothing refused', async () => {
    const s = store(await collated('utf8mb4_uca1400_as_ci'))
    try {
      const { ids, problems } = await listed(s)
      expect(ids).toEqual(expect.arrayContaining(['e', 'é', 'w']))
      expect(problems).not.toContain('e')
      expect(problems).not.toContain('é')
      expect(
        await s.readEach([
          { kind: 'variable', id: 'e' },
          { kind: 'variable', id: 'é' }
        ])
      ).toMatchObject([{ value: 'plain-e' }, { value: 'accent-e' }])
      const pre = await s.preflight([variableEntry('e', 'new'), variableEntry('é', 'new')])
      expect(pre.filter((p) => /rows of the variable table/.test(p.message))).toEqual([])
    } finally {
      await s.close()
    }
  })

  it('PAD SPACE (utf8mb4_general_ci): "t" and "t " are one id held by two rows; e and é too', async () => {
    const s = store(await collated('utf8mb4_general_ci'))
    try {
      const { ids, problems } = await listed(s)
      expect(ids).toContain('w')
      expect(ids).not.toContain('t')
      expect(ids).not.toContain('e')
      expect(problems).toEqual(expect.arrayContaining(['t', 't ', 'e', 'é']))
      expect(await s.readEach([{ kind: 'variable', id: 't' }])).toEqual([undefined])
    } finally {
      await s.close()
    }
  })
})
