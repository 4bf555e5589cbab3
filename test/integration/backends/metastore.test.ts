import { afterEach, describe, expect, it } from 'vitest'
import { MetastoreBackend, sealedLength } from '../../../src-main/backends/metastore'
import { SCHEMA_VERSIONS, type SchemaVersion } from '../../../src-main/backends/sql/airflow-schema'
import type { SqlDialect } from '../../../src-main/backends/sql/driver'
import { Fernet, MultiFernet } from '../../../src-main/core/codecs/fernet'
import type { ConnectionEntry, Entry } from '../../../src-main/core/model'
import { emptyConnectionFields } from '../../../src-main/core/model'
import { backendConformance, sampleEntries, SECRET_MARK } from '../../support/backend-conformance'
import { createTestDb, MY_ADMIN, type TestDb } from '../../support/metadb'
import { openSql } from '../../../src-main/backends/sql/driver'
import { runPython } from '../../support/python'

const KEY = Fernet.generateKey()
const DIALECTS: SqlDialect[] = ['postgresql', 'mysql', 'sqlite']

async function fresh(dialect: SqlDialect, version: SchemaVersion, fernetKey: string | null = KEY) {
  const db = await createTestDb(dialect, version)
  const backend = new MetastoreBackend({
    id: `metastore:${dialect}-${version}`,
    target: db.target,
    fernetKey
  })
  const close = backend.close.bind(backend)
  backend.close = async () => {
    await close()
    await db.drop()
  }
  return { db, backend }
}

for (const dialect of DIALECTS)
  for (const version of dialect === 'postgresql' ? SCHEMA_VERSIONS : (['2.3', '3.2'] as const))
    backendConformance(`metastore ${dialect} ${version}`, {
      create: async () => (await fresh(dialect, version)).backend,
      caseSensitiveIds: dialect !== 'mysql'
    })

const conn = (id: string, f: Partial<ConnectionEntry['fields']> = {}): ConnectionEntry => ({
  kind: 'connection',
  id,
  fields: { ...emptyConnectionFields(), conn_type: 'generic', ...f }
})

describe.each(DIALECTS)('metastore on %s', (dialect) => {
  let cleanup: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup = []
  })
  const make = async (version: SchemaVersion = '3.2', key: string | null = KEY) => {
    const r = await fresh(dialect, version, key)
    cleanup.push(() => r.backend.close())
    return r
  }
  const rawRows = async (db: TestDb, sql: string) => {
    const d = await db.raw()
    try {
      return await d.query<Record<string, unknown>>(sql)
    } finally {
      await d.close()
    }
  }

  it('encrypts with the first key, sets the flags, and Python cryptography reads the tokens', async () => {
    const { db, backend } = await make()
    await backend.write(sampleEntries())
    const rows = await rawRows(
      db,
      `SELECT conn_id, password, extra, is_encrypted, is_extra_encrypted FROM connection ORDER BY conn_id`
    )
    const pg = rows.find((r) => r.conn_id === 'pg_main')!
    expect(String(pg.password)).toMatch(/^gAAAAA/)
    expect(Boolean(Number(pg.is_encrypted))).toBe(true)
    expect(String(pg.password)).not.toContain(SECRET_MARK)
    const bare = rows.find((r) => r.conn_id === 'bare')!
    expect(bare.password).toBeNull()
    expect(Boolean(Number(bare.is_encrypted))).toBe(false)
    const plain = runPython<string[]>(
      'import json,sys\nfrom cryptography.fernet import Fernet\nd=json.load(sys.stdin)\nprint(json.dumps([Fernet(d["k"].encode()).decrypt(t.encode()).decode() for t in d["t"]]))',
      { k: KEY, t: [String(pg.password), String(pg.extra)] }
    )
    expect(plain[0]).toContain(SECRET_MARK)
    expect(JSON.parse(plain[1]!)).toEqual({ sslmode: 'require', connect_timeout: '10' })
  })

  it('keeps plaintext rows plaintext with no key configured', async () => {
    const { db, backend } = await make('3.2', null)
    await backend.write([conn('p', { password: 'pw', extra: '{"a": "b"}' })])
    const [row] = await rawRows(
      db,
      'SELECT password, extra, is_encrypted, is_extra_encrypted FROM connection'
    )
    expect([
      row!.password,
      row!.extra,
      Boolean(Number(row!.is_encrypted)),
      Boolean(Number(row!.is_extra_encrypted))
    ]).toEqual(['pw', '{"a": "b"}', false, false])
  })

  it('reports rows that do not decrypt, with id and reason, and loads the rest', async () => {
    const { db, backend } = await make()
    await backend.write([
      conn('good', { password: 'ok' }),
      conn('wrong_key', { password: 'x' }),
      conn('not_token', { password: 'y' })
    ])
    const other = new Fernet(Fernet.generateKey()).encrypt(new TextEncoder().encode('x'))
    const d = await db.raw()
    await d.query(`UPDATE connection SET password = ? WHERE conn_id = ?`, [other, 'wrong_key'])
    await d.query(`UPDATE connection SET password = ? WHERE conn_id = ?`, [
      'plain-text-flagged',
      'not_token'
    ])
    await d.close()
    const result = await backend.load({})
    expect(result.entries.map((e) => (e as ConnectionEntry).id)).toEqual(['good'])
    expect(result.problems.map((p) => [p.ref.id, p.code])).toEqual([
      ['not_token', 'fernet.invalid-token'],
      ['wrong_key', 'fernet.invalid-token']
    ])
    expect(result.problems[0]!.message).toMatch(/not a Fernet token/)
    expect(result.problems[1]!.message).toMatch(/no configured Fernet key/)
    for (const p of result.problems) expect(p.message).not.toContain('plain-text-flagged')
    await expect(backend.read({ kind: 'connection', id: 'wrong_key' })).rejects.toThrow(/wrong key/)
  })

  it("reads a variable flagged as encrypted but empty as Airflow does (missing: Variable.get_val decrypts '' and fails), a connection's empty flagged password as ''", async () => {
    const { db, backend } = await make()
    await backend.write([
      { kind: 'variable', key: 'empty_sealed', value: 'x', description: null },
      { kind: 'variable', key: 'fine', value: 'v', description: null },
      conn('pw_empty', { password: 'p' })
    ])
    const d = await db.raw()
    const yes = dialect === 'postgresql' ? true : 1
    await d.query(
      `UPDATE variable SET val = ?, is_encrypted = ? WHERE ${dialect === 'mysql' ? '`key`' : '"key"'} = ?`,
      ['', yes, 'empty_sealed']
    )
    await d.query(`UPDATE connection SET password = ?, is_encrypted = ? WHERE conn_id = ?`, [
      '',
      yes,
      'pw_empty'
    ])
    await d.close()
    const result = await backend.load({})
    expect(result.entries.map((e) => [e.kind, e.kind === 'variable' ? e.key : e.id])).toEqual([
      ['connection', 'pw_empty'],
      ['variable', 'fine']
    ])
    expect((result.entries[0] as ConnectionEntry).fields.password).toBe('')
    expect(result.problems.map((p) => [p.ref.id, p.code])).toEqual([
      ['empty_sealed', 'fernet.invalid-token']
    ])
    expect(result.problems[0]!.message).toMatch(
      /variable "empty_sealed" value is flagged as encrypted but empty: Airflow cannot decrypt it/
    )
    // the raw listing (diff, plan) and a read of the one id say the same
    const raw = await backend.loadRaw!({})
    expect(raw.problems.map((p) => [p.ref.id, p.code])).toEqual([
      ['empty_sealed', 'fernet.invalid-token']
    ])
    await expect(backend.read({ kind: 'variable', id: 'empty_sealed' })).rejects.toThrow(
      /flagged as encrypted but empty/
    )
  })

  it('reads a variable whose value is NULL (before 3.2) as Airflow does: no variable there, reported', async () => {
    const { db, backend } = await make('2.3')
    await backend.write([
      { kind: 'variable', key: 'nulled', value: 'x', description: null },
      { kind: 'variable', key: 'fine', value: 'v', description: null }
    ])
    const d = await db.raw()
    const key = dialect === 'mysql' ? '`key`' : '"key"'
    await d.query(`UPDATE variable SET val = NULL WHERE ${key} = ?`, ['nulled'])
    await d.close()
    const result = await backend.load({})
    expect(result.entries.map((e) => (e.kind === 'variable' ? e.key : e.id))).toEqual(['fine'])
    expect(result.problems.map((p) => [p.ref.id, p.message])).toEqual([
      [
        'nulled',
        expect.stringMatching(/variable "nulled" value is NULL: Airflow finds no variable there/)
      ]
    ])
    const raw = await backend.loadRaw!({})
    expect(raw.problems.map((p) => p.ref.id)).toEqual(['nulled'])
  })

  it('decrypts with any key of the list and rotates resumably to the first', async () => {
    const { db, backend } = await make()
    await backend.write(sampleEntries())
    const newKey = Fernet.generateKey()
    const both = new MetastoreBackend({
      id: 'metastore:rotate',
      target: db.target,
      fernetKey: `${newKey},${KEY}`
    })
    cleanup.push(() => both.close())
    expect((await both.load({})).problems).toEqual([])
    const first = await both.rotateFernetKey()
    expect(first.rotated).toBe(5) // pg_main password+extra, http_api extra, two variables
    expect(first.failed).toEqual([])
    const again = await both.rotateFernetKey()
    expect([again.rotated, again.alreadyCurrent]).toEqual([0, 5])
    const onlyNew = new MetastoreBackend({
      id: 'metastore:new',
      target: db.target,
      fernetKey: newKey
    })
    cleanup.push(() => onlyNew.close())
    const loaded = await onlyNew.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(5)
  })

  it('loads tables larger than one page, every row exactly once', async () => {
    const { backend } = await make('3.2')
    const n = 4321
    await backend.write(
      Array.from({ length: n }, (_, i) => ({
        kind: 'variable' as const,
        key: `v_${String(i).padStart(5, '0')}`,
        value: String(i),
        description: null
      }))
    )
    const loaded = await backend.load({ kinds: ['variable'] })
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(n)
    expect(new Set(loaded.entries.map((e) => (e.kind === 'variable' ? e.key : ''))).size).toBe(n)
  })

  it('writes a batch all or nothing', async () => {
    const { backend } = await make('2.3')
    const tooLong = conn('too_long', { login: 'x'.repeat(501) })
    await expect(backend.write([conn('a'), tooLong])).rejects.toThrow(/login is longer/)
    await expect(backend.write([conn('b'), conn('c', { conn_type: null })])).rejects.toThrow(
      /conn_type is required/
    )
    expect(await backend.list({})).toEqual([])
  })

  it('writes a batch as multi-row INSERTs and in-place UPDATEs: row ids kept, the last of a repeated id wins', async () => {
    const { db, backend } = await make('3.2')
    // more rows than one INSERT statement holds (900 values / 12 columns)
    const first = Array.from({ length: 160 }, (_, i) =>
      conn(`c_${String(i).padStart(3, '0')}`, { host: `h${i}`, password: `pw${i}`, port: i })
    )
    await backend.write([...first, { kind: 'variable', key: 'v', value: 'one', description: 'd' }])
    const ids = async () =>
      new Map(
        (await rawRows(db, 'SELECT id, conn_id FROM connection')).map((r) => [
          String(r.conn_id),
          Number(r.id)
        ])
      )
    const before = await ids()
    expect(before.size).toBe(160)
    await backend.write([
      conn('c_005', { host: 'first' }),
      conn('new_one', { host: 'n' }),
      conn('c_005', { host: 'changed', password: null }),
      { kind: 'variable', key: 'v', value: 'two', description: null }
    ])
    const after = await ids()
    expect(after.size).toBe(161)
    expect(after.get('c_005')).toBe(before.get('c_005'))
    const c5 = await backend.read({ kind: 'connection', id: 'c_005' })
    expect(c5).toMatchObject({ fields: { host: 'changed', password: null, port: null } })
    const [flags] = await rawRows(
      db,
      "SELECT is_encrypted, password FROM connection WHERE conn_id = 'c_005'"
    )
    expect([Boolean(Number(flags!.is_encrypted)), flags!.password]).toEqual([false, null])
    expect(await backend.read({ kind: 'variable', id: 'v' })).toMatchObject({
      value: 'two',
      description: null
    })
    expect(await backend.read({ kind: 'connection', id: 'c_159' })).toMatchObject({
      fields: { password: 'pw159' }
    })
  })

  it('reads back a batch with readEach, by exact id, undefined where nothing reads', async () => {
    const { db, backend } = await make('3.2')
    const many = Array.from({ length: 620 }, (_, i) => conn(`r_${i}`, { login: `l${i}` }))
    await backend.write([...many, { kind: 'variable', key: 'r_1', value: 'v', description: null }])
    // a row whose password does not decrypt
    const d = await db.raw()
    await d.query(
      "INSERT INTO connection (conn_id, conn_type, password, is_encrypted, is_extra_encrypted) VALUES ('bad', 'generic', 'gAAAAAnotatoken', " +
        (dialect === 'postgresql' ? 'true, false' : '1, 0') +
        ')'
    )
    await d.close()
    const refs = [
      ...many.map((e) => ({ kind: 'connection' as const, id: e.id })).reverse(),
      { kind: 'variable' as const, id: 'r_1' },
      { kind: 'connection' as const, id: 'missing' },
      { kind: 'connection' as const, id: 'bad' },
      { kind: 'connection' as const, id: 'R_1' }
    ]
    const got = await backend.readEach(refs)
    expect(got).toHaveLength(refs.length)
    for (const [i, e] of got.slice(0, 620).entries()) {
      const expected = await backend.read(refs[i]!)
      expect(e).toEqual(expected)
    }
    expect(got[620]).toMatchObject({ kind: 'variable', key: 'r_1', value: 'v' })
    expect(got.slice(621)).toEqual([undefined, undefined, undefined])
  })

  it('reads back what it just wrote as another reader decrypts it, a leading BOM and lone surrogates too', async () => {
    const { db, backend } = await make('3.2')
    // what the write sealed is read back without decrypting it again, except where decrypting
    // would not give the text back (a lone surrogate is sealed as U+FFFD); a leading BOM is
    // kept, as Airflow's fernet.decrypt(…).decode() keeps it
    const entries: Entry[] = [
      conn('plain', { password: 'pw', extra: '{"a": 1}' }),
      conn('bom', { password: '\ufeffpw', extra: '{"b": "\ud800"}' }),
      { kind: 'variable', key: 'v_plain', value: 'value', description: null },
      { kind: 'variable', key: 'v_bom', value: '\ufeffvalue', description: null },
      { kind: 'variable', key: 'v_lone', value: 'a\udc00b', description: null },
      { kind: 'variable', key: 'v_pair', value: 'a\ud83d\ude00b', description: null }
    ]
    await backend.write(entries)
    const held = backend as unknown as { lastSealed?: Map<string, string> }
    expect([...held.lastSealed!.values()].sort()).toEqual(
      ['pw', '{"a": 1}', 'value', '\ufeffpw', '\ufeffvalue'].sort()
    )
    const refs = entries.map((e) => ({ kind: e.kind, id: e.kind === 'connection' ? e.id : e.key }))
    const other = new MetastoreBackend({ id: 'metastore:other', target: db.target, fernetKey: KEY })
    try {
      expect(await backend.readEach(refs)).toEqual(
        (await other.readEach(refs)).map((e) => e && { ...e, source: expect.anything() })
      )
    } finally {
      await other.close()
    }
    const got = await backend.readEach(refs)
    expect(got[3]).toMatchObject({ value: '\ufeffvalue' })
    expect((got[1] as ConnectionEntry).fields.password).toBe('\ufeffpw')
  })

  it('removes many ids at once, exactly those', async () => {
    const { backend } = await make('3.2')
    await backend.write(Array.from({ length: 700 }, (_, i) => conn(`x_${i}`)))
    await backend.remove([
      ...Array.from({ length: 699 }, (_, i) => ({ kind: 'connection' as const, id: `x_${i}` })),
      { kind: 'connection', id: 'X_699' },
      { kind: 'variable', id: 'x_699' }
    ])
    expect(await backend.list({})).toEqual([{ kind: 'connection', id: 'x_699' }])
  })

  it('detects the schema generation by introspection', async () => {
    for (const version of ['2.3', '3.1', '3.2'] as const) {
      const { backend } = await make(version)
      const info = await backend.schema()
      expect(info.team).toBe(version === '3.2' ? 'team_name' : version === '3.1' ? 'team_id' : null)
      expect(info.connection.get('login')!.maxLength).toBe(version === '2.3' ? 500 : null)
      expect(info.release).toBe(version === '2.3' ? null : `${version}.0`)
      expect(info.connection.get('is_encrypted')!.nullable).toBe(version !== '3.2')
    }
  })

  it('keeps team names on 3.2', async () => {
    const { db, backend } = await make('3.2')
    const d = await db.raw()
    await d.query(`INSERT INTO team (name) VALUES ('analytics')`)
    await d.close()
    await backend.write([{ ...conn('t1'), team: 'analytics' }])
    expect((await backend.read({ kind: 'connection', id: 't1' }))!.team).toBe('analytics')
  })

  it('says when a database has no Airflow tables', async () => {
    const db = await createTestDb(dialect, '3.2', false)
    cleanup.push(db.drop)
    const backend = new MetastoreBackend({ id: 'metastore:empty', target: db.target })
    cleanup.push(() => backend.close())
    await expect(backend.list({})).rejects.toMatchObject({ code: 'backend.not-found' })
  })

  if (dialect === 'sqlite')
    it('refuses a port that is no integer (SQLite keeps text and reals in INTEGER), naming the row, and loads the rest', async () => {
      const { db, backend } = await make()
      const ports = [
        ['good', 5432],
        ['text', 'abc'],
        ['empty', ''],
        ['spaced', ' 5432'],
        ['real', 5432.5],
        ['inf', Infinity],
        // INTEGER holds 64 bits: beyond 2^53 node:sqlite refused the whole listing (naming
        // no row); a whole real past 64 bits stays a REAL (Airflow reads a float)
        ['big', '9007199254740993'],
        ['negbig', '-9223372036854775808'],
        ['huge', 1e20],
        ['safe', '9007199254740991']
      ] as const
      await backend.write(ports.map(([id]) => conn(id)))
      const d = await db.raw()
      for (const [id, port] of ports)
        await d.query(`UPDATE connection SET port = ? WHERE conn_id = ?`, [port, id])
      await d.close()
      const result = await backend.load({})
      expect(
        result.entries.map((e) => [(e as ConnectionEntry).id, (e as ConnectionEntry).fields.port])
      ).toEqual([
        ['good', 5432],
        ['safe', 9007199254740991],
        // SQLite's INTEGER affinity stores ' 5432' as the integer 5432: Airflow reads 5432 too
        ['spaced', 5432]
      ])
      const refused = ['big', 'empty', 'huge', 'inf', 'negbig', 'real', 'text']
      expect(result.problems.map((p) => [p.ref.id, p.code]).sort()).toEqual(
        refused.map((id) => [id, 'codec.invalid-port'])
      )
      const said = (id: string) => result.problems.find((p) => p.ref.id === id)!.message
      expect(said('text')).toMatch(
        /connection "text" port is not a whole number \(the column holds text\)/
      )
      expect(said('huge')).toMatch(/port is not a whole number \(the column holds a real number\)/)
      expect(said('big')).toMatch(
        /connection "big" port is 9007199254740993, beyond the whole numbers Airlock holds exactly/
      )
      expect(said('negbig')).toMatch(/port is -9223372036854775808, beyond/)
      // the raw listing (diff, plan) says the same of them
      const raw = await backend.loadRaw!({})
      expect(raw.problems.map((p) => p.ref.id).sort()).toEqual(refused)
    })

  if (dialect !== 'postgresql')
    it("takes a flag as Airflow does: Python's bool() of what SQLite or MySQL holds (2, -1 and, in SQLite, 'f' or 0.5 are true)", async () => {
      // SQLAlchemy's Boolean on a dialect without a native boolean hands Airflow bool(value):
      // a token flagged 2 is decrypted, not shown as its ciphertext
      const flags: [string, unknown, boolean][] =
        dialect === 'sqlite'
          ? [
              ['two', 2, true],
              ['minus', -1, true],
              ['f', 'f', true],
              ['half', 0.5, true],
              ['zero', 0, false],
              ['empty', '', false]
            ]
          : [
              ['two', 2, true],
              ['minus', -1, true],
              ['zero', 0, false]
            ]
      const { db, backend } = await make()
      await backend.write(
        flags.map(([id]) => conn(id, { password: `pw-${id}`, extra: '{"a": 1}' }))
      )
      const d = await db.raw()
      for (const [id, flag] of flags)
        await d.query(
          `UPDATE connection SET is_encrypted = ?, is_extra_encrypted = ? WHERE conn_id = ?`,
          [flag, flag, id]
        )
      await d.close()
      const result = await backend.load({})
      const read = new Map(
        result.entries.map((e) => [(e as ConnectionEntry).id, (e as ConnectionEntry).fields])
      )
      for (const [id, , opened] of flags) {
        const f = read.get(id)!
        if (opened) expect([f.password, f.extra]).toEqual([`pw-${id}`, '{"a": 1}'])
        // not flagged: Airflow takes the column as it is, a token's text
        else
          expect(
            [f.password, f.extra].map((v) => String(MultiFernet.fromSetting(KEY).decrypt(v!)))
          ).toEqual([`pw-${id}`, '{"a": 1}'])
      }
    })

  if (dialect !== 'sqlite')
    it('says when the server cannot be reached', async () => {
      const backend = new MetastoreBackend({
        id: 'metastore:down',
        target: { dialect, host: '127.0.0.1', port: 1, user: 'x', database: 'x' }
      })
      await expect(backend.list({})).rejects.toMatchObject({ code: 'backend.unreachable' })
    })
})

describe('sealedLength', () => {
  it('is the length of the Fernet token of that many bytes', () => {
    const f = new Fernet(KEY)
    for (const text of ['', 'a', 'x'.repeat(15), 'x'.repeat(16), 'x'.repeat(17), 'é'.repeat(40)])
      expect(sealedLength(Buffer.byteLength(text))).toBe(
        f.encrypt(new TextEncoder().encode(text)).length
      )
  })
})

describe('metastore on MariaDB: collation and credentials', () => {
  it("refuses ids that MySQL's case-insensitive collation would merge, writing nothing", async () => {
    const { backend } = await fresh('mysql', '3.2')
    try {
      await backend.write([conn('MyConn')])
      await expect(backend.write([conn('myconn', { host: 'other' })])).rejects.toMatchObject({
        code: 'job.conflict'
      })
      await expect(backend.write([conn('x1'), conn('X1')])).rejects.toThrow(/same id/)
      expect((await backend.list({})).map((r) => r.id)).toEqual(['MyConn'])
      // reading follows the DB's collation, as Airflow's own lookup does…
      const read = (await backend.read({ kind: 'connection', id: 'MYCONN' })) as Entry
      expect(read && read.kind === 'connection' && read.id).toBe('MyConn')
      // …but removing is exact: removing "myconn" must not delete "MyConn"
      await backend.remove([{ kind: 'connection', id: 'myconn' }])
      expect((await backend.list({})).map((r) => r.id)).toEqual(['MyConn'])
    } finally {
      await backend.close()
    }
  })

  it('reports refused credentials as an auth error without the password', async () => {
    const admin = await openSql(MY_ADMIN)
    await admin.query(`CREATE USER IF NOT EXISTS 'airlock_t_auth'@'%' IDENTIFIED BY 'right-pass'`)
    await admin.query(
      `CREATE USER IF NOT EXISTS 'airlock_t_auth'@'localhost' IDENTIFIED BY 'right-pass'`
    )
    try {
      const backend = new MetastoreBackend({
        id: 'metastore:auth',
        target: { ...MY_ADMIN, user: 'airlock_t_auth', password: 'wrong-pass-123' }
      })
      const error = await backend.list({}).catch((e: Error) => e)
      expect(error).toMatchObject({ code: 'backend.auth' })
      expect((error as Error).message).not.toContain('wrong-pass-123')
    } finally {
      await admin.query(`DROP USER IF EXISTS 'airlock_t_auth'@'%'`)
      await admin.query(`DROP USER IF EXISTS 'airlock_t_auth'@'localhost'`)
      await admin.close()
    }
  })
})
