// The plan/diff fast path over two Airflow metadata DBs (SQLite file, PostgreSQL schema): each
// row listed decrypted as the JSON of its entry's values, held to the plan core/plan.ts makes
// from both DBs read whole, item for item.
import { copyFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { MetastoreBackend } from '../../../../src-main/backends/metastore'
import { Fernet, MultiFernet } from '../../../../src-main/core/codecs/fernet'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import { connectionEntry, idOf, variableEntry, type Entry } from '../../../../src-main/core/model'
import type { PlanOptions } from '../../../../src-main/core/plan'
import { diffStores } from '../../../../src-main/operations/diff'
import { planRaw } from '../../../../src-main/operations/raw-plan'
import { createTestDb, type TestDb } from '../../../support/metadb'
import { seededRandom } from '../../../support/seeded-random'
import { bothPlans as bothPlansOf, DIFF, PLAN_KEY } from '../../../support/raw-plans'
import { tempDir } from '../../../support/temp-dir'

const FERNET = Fernet.generateKey()
const enc = new TextEncoder()
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

const store = (db: TestDb, fernetKey = FERNET) =>
  new MetastoreBackend({ target: db.target, fernetKey })

/**
 * Both plans of A → B: the fast path's, and core/plan.ts's from both sides read whole; whether
 * the fast path listed either side whole (loadRaw: the pairing by id, not the merge join), and
 * how many tokens it decrypted.
 */
async function bothPlans(a: TestDb, b: TestDb, options: PlanOptions, targetKey = FERNET) {
  const source = store(a)
  const target = store(b, targetKey)
  const listed = [vi.spyOn(source, 'loadRaw'), vi.spyOn(target, 'loadRaw')]
  const decrypting = vi.spyOn(MultiFernet.prototype, 'decryptMany')
  let decrypted = 0
  const { fast, full } = await bothPlansOf(source, target, options, 'airflow3', () => {
    decrypted = decrypting.mock.calls.reduce((n, [tokens]) => n + tokens.length, 0)
    decrypting.mockRestore()
  })
  const listedWhole = listed.some((l) => l.mock.calls.length > 0)
  await source.close()
  await target.close()
  return { fast, full, listedWhole, decrypted }
}

/** The Fernet tokens stored in a DB (its flagged, non-empty sealed values). */
async function tokensIn(db: TestDb): Promise<number> {
  const raw = await db.raw()
  const [c] = await raw.query<{ n: number | string }>(
    `SELECT COUNT(password) + COUNT(extra) AS n FROM connection`
  )
  const [v] = await raw.query<{ n: number | string }>(`SELECT COUNT(val) AS n FROM variable`)
  await raw.close()
  return Number(c!.n) + Number(v!.n)
}

/**
 * `diff` of two SQLite DBs stops on one unreadable variable, with the same message whether
 * it reads both sides whole (`sides`) or not.
 */
async function expectOneUnreadable(
  dbA: { target: { path?: string } },
  dbB: { target: { path?: string } }
): Promise<void> {
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
}

describe('plan/diff fast path over metadata DBs: the same decrypted row is the same entry', () => {
  for (const dialect of ['sqlite', 'postgresql'] as const)
    it(`makes the plan core/plan.ts makes from both ${dialect} DBs read whole, item for item`, async () => {
      const { a, b } = generated(dialect === 'sqlite' ? 1 : 2, 300)
      const dbA = await metadb(dialect, a)
      const dbB = await metadb(dialect, b)
      // rows Airflow wrote otherwise: a value in plaintext (flag false) on one side only, the
      // same value; a port given as text (SQLite's INTEGER affinity stores a number) against
      // none (a port that is no integer is refused: metastore.test.ts)
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
        await rawA.query(`UPDATE connection SET port = ' 5433' WHERE conn_id = ?`, [idOf(c)])
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
    await expectOneUnreadable(dbA, dbB)
  })

  // ids SQLite, PostgreSQL ("C.UTF-8", ICU) and JavaScript sort differently: in case only, by
  // '_' and '-', non-ASCII, and above U+FFFF against U+E000–U+FFFF (SQLite and "C" sort code
  // points; JavaScript sorts UTF-16 code units, so '\u{1F600}' < '\uE000' there only)
  const EDGE_IDS = ['a', 'A', 'aB', 'ab', 'a_b', 'a-b', 'a.b', 'B', 'b', 'e', 'E', 'é', 'É', 'z']
  const ABOVE = ['\uE000', '\uFB00x', '\u{1F600}', '\u{1F600}a', '日本']
  function edgeEntries(ids: readonly string[]): { a: Entry[]; b: Entry[] } {
    const a: Entry[] = []
    const b: Entry[] = []
    ids.forEach((id, i) => {
      const c = connectionEntry(`c${id}`, { conn_type: 'http', host: `h${i}`, password: `p${i}` })
      const v = variableEntry(`v${id}`, `value ${i}`)
      // by turns: the same on both sides, changed in B, only in A, only in B
      for (const [k, e] of [c, v].entries()) {
        const turn = (i + k) % 4
        if (turn !== 3) a.push(e)
        if (turn === 0 || turn === 3) b.push(e)
        if (turn === 1)
          b.push(
            e.kind === 'variable'
              ? { ...e, value: `${e.value}!` }
              : { ...e, fields: { ...e.fields, host: 'other' } }
          )
      }
    })
    return { a, b }
  }

  /** A DB of `dialect` ('postgresql-icu': its ids under the ICU "en-x-icu" collation). */
  async function edgeDb(dialect: 'sqlite' | 'postgresql' | 'postgresql-icu', entries: Entry[]) {
    const db = await metadb(dialect === 'sqlite' ? 'sqlite' : 'postgresql', [])
    if (dialect === 'postgresql-icu') {
      const raw = await db.raw()
      for (const [table, column] of [
        ['connection', 'conn_id'],
        ['variable', 'key']
      ])
        await raw.query(
          `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE VARCHAR(250) COLLATE "en-x-icu"`
        )
      await raw.close()
    }
    const s = store(db)
    await s.write(entries)
    await s.close()
    return db
  }

  for (const [sa, sb] of [
    ['sqlite', 'sqlite'],
    ['sqlite', 'postgresql'],
    ['postgresql', 'sqlite'],
    ['postgresql-icu', 'sqlite'],
    ['sqlite', 'postgresql-icu']
  ] as const)
    it(`pairs ids that sort differently as the whole read does: ${sa} → ${sb}`, async () => {
      for (const above of [false, true]) {
        const { a, b } = edgeEntries(above ? [...EDGE_IDS, ...ABOVE] : EDGE_IDS)
        const { fast, full, listedWhole } = await bothPlans(
          await edgeDb(sa, a),
          await edgeDb(sb, b),
          DIFF
        )
        expect(fast).toBeDefined()
        expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
        expect(full.summary.unchanged * full.summary.update * full.summary.create).toBeGreaterThan(
          0
        )
        expect(full.summary.delete).toBeGreaterThan(0)
        // both in code-point order: a merge join, unless ids above U+FFFF meet U+E000–U+FFFF
        // (that order is not JavaScript's: the listings are then paired by id); under ICU
        // (case and punctuation folded) always by id
        const merged = !sa.endsWith('icu') && !sb.endsWith('icu') && !above
        expect(listedWhole).toBe(!merged)
      }
    })

  /** A SQLite DB and its clone (the same file: the same ciphertexts), B then changed. */
  async function cloned(entries: Entry[]): Promise<[TestDb, TestDb]> {
    const dbA = await metadb('sqlite', entries)
    const dbB = await createTestDb('sqlite', '3.2')
    dbs.push(dbB)
    copyFileSync(dbA.target.path!, dbB.target.path!)
    return [dbA, dbB]
  }

  it('decrypts a row stored the same in a cloned DB once (same keys), and plans the same', async () => {
    const { a } = generated(6, 400)
    const [dbA, dbB] = await cloned(a)
    // B changed: some rows written again (new ciphertexts, some new values), some deleted
    const changed = a.filter((_, i) => i % 10 === 0)
    const writer = store(dbB)
    await writer.write(
      changed.map((e, i) =>
        i % 2 ? e : e.kind === 'variable' ? { ...e, value: `${e.value}~` } : { ...e, team: null }
      )
    )
    await writer.remove(
      a.filter((_, i) => i % 25 === 1).map((e) => ({ kind: e.kind, id: idOf(e) }))
    )
    await writer.close()
    const tokensA = await tokensIn(dbA)
    const tokensB = await tokensIn(dbB)
    for (const options of [
      DIFF,
      { ...DIFF, include: ['c_1*'] },
      { ...DIFF, kinds: ['variable' as const] }
    ]) {
      const { fast, full, listedWhole } = await bothPlans(dbA, dbB, options)
      expect(listedWhole).toBe(false)
      expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
    }
    const { fast, full, decrypted } = await bothPlans(dbA, dbB, DIFF)
    expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
    expect(full.summary.unchanged).toBeGreaterThan(300)
    // every source token, and of B only the rows written again (at most two tokens each)
    expect(decrypted).toBeGreaterThanOrEqual(tokensA)
    expect(decrypted).toBeLessThanOrEqual(tokensA + 2 * changed.length)
    // B read with another key list (the same key among others): every token of both sides
    const other = await bothPlans(dbA, dbB, DIFF, `${FERNET},${Fernet.generateKey()}`)
    expect(JSON.stringify(other.fast!.result)).toBe(JSON.stringify(full))
    expect(other.decrypted).toBe(tokensA + tokensB)
  })

  it('still reports a bad token stored the same on both sides of a clone', async () => {
    const { a } = generated(7, 60)
    const dbA = await metadb('sqlite', a)
    const raw = await dbA.raw()
    await raw.query(`UPDATE variable SET val = 'gAAAAbroken' WHERE id = 2`)
    await raw.close()
    const dbB = await createTestDb('sqlite', '3.2')
    dbs.push(dbB)
    copyFileSync(dbA.target.path!, dbB.target.path!)
    expect((await bothPlans(dbA, dbB, DIFF)).fast).toBeUndefined()
    await expectOneUnreadable(dbA, dbB)
  })

  it('compares plaintext bytes, and texts where bytes differ yet read alike, as the whole read', async () => {
    // each pair stores its plaintexts as bytes of its own: the same bytes; a leading BOM on
    // one side only (Airflow's .decode() keeps it: another text); the same text once in
    // plaintext (flag false) and once sealed; and bytes that differ
    const seal = (bytes: number[] | string) =>
      new Fernet(FERNET).encrypt(typeof bytes === 'string' ? enc.encode(bytes) : Buffer.from(bytes))
    const bom = [0xef, 0xbb, 0xbf]
    const pairs: [string, string | null, boolean, string | null, boolean][] = [
      ['v_same', seal('same é'), true, seal('same é'), true],
      ['v_bom', seal([...bom, 0x61]), true, seal('a'), true],
      ['v_bom_both', seal([...bom, 0x61]), true, seal([...bom, 0x61]), true],
      ['v_plain', 'p', false, seal('p'), true],
      ['v_other', seal('x'), true, seal('y'), true],
      ['v_bom_other', seal([...bom, 0x61]), true, seal([...bom, 0x62]), true]
    ]
    const dbA = await metadb('sqlite', [])
    const dbB = await metadb('sqlite', [])
    for (const [db, side] of [
      [dbA, 0],
      [dbB, 1]
    ] as const) {
      const raw = await db.raw()
      for (const p of pairs)
        await raw.query(`INSERT INTO variable (key, val, is_encrypted) VALUES (?, ?, ?)`, [
          p[0],
          p[1 + 2 * side],
          p[2 + 2 * side]
        ])
      await raw.close()
    }
    const { fast, full, listedWhole } = await bothPlans(dbA, dbB, DIFF)
    expect(listedWhole).toBe(false)
    expect(JSON.stringify(fast!.result)).toBe(JSON.stringify(full))
    const action = (id: string) => full.items.find((i) => i.targetId === id)?.action
    expect(pairs.map((p) => action(p[0]))).toEqual([
      'unchanged',
      'update',
      'unchanged',
      'unchanged',
      'update',
      'update'
    ])
  })

  for (const [what, bytes] of [
    ['a bad sequence', [0x61, 0xff]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['an overlong form', [0xc0, 0xaf]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a cut sequence', [0x61, 0xe6, 0x97]]
  ] as const)
    it(`reports a plaintext that is not UTF-8 (${what}) as the whole read does`, async () => {
      const { a } = generated(8, 30)
      const dbA = await metadb('sqlite', a)
      const dbB = await metadb('sqlite', a)
      for (const db of [dbA, dbB]) {
        const raw = await db.raw()
        await raw.query(`UPDATE variable SET val = ? WHERE id = 2`, [
          new Fernet(FERNET).encrypt(Buffer.from(bytes))
        ])
        await raw.close()
      }
      expect((await bothPlans(dbA, dbB, DIFF)).fast).toBeUndefined()
      await expectOneUnreadable(dbA, dbB)
    })

  it('stops listing raw at the first page with a row that does not decrypt', async () => {
    const entries = Array.from({ length: 600 }, (_, i) => variableEntry(`v_${1000 + i}`, `x${i}`))
    const db = await metadb('sqlite', entries)
    const raw = await db.raw()
    await raw.query(`UPDATE variable SET val = 'gAAAAbroken' WHERE key = 'v_1001'`)
    await raw.close()
    const s = store(db)
    const decrypting = vi.spyOn(MultiFernet.prototype, 'decryptMany')
    const listed = await s.loadRaw({})
    const decrypted = decrypting.mock.calls.reduce((n, [tokens]) => n + tokens.length, 0)
    decrypting.mockRestore()
    await s.close()
    expect(listed.problems.map((p) => p.ref.id)).toEqual(['v_1001'])
    // the first page's tokens, not the table's
    expect(decrypted).toBeLessThan(entries.length / 2)
  })

  it('does not list a metadata DB raw against a file (its listing could never match)', async () => {
    const db = await metadb('sqlite', generated(5, 20).a)
    const dir = tempDir('airlock-raw-metadb-')
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
