// `airlock list --json` streams a metadata DB page by page through the direct line encoder.
// Its bytes must be those of the previous path: the whole store loaded, then each entry as a
// PyDict through the general Python-exact encoder (entryLineReference). Tricky data, more
// rows than one page, rows that do not decrypt; a real process against real PostgreSQL.
import { chmodSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql, type SqlTarget } from '../../src-main/backends/sql/driver'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { emptyConnectionFields, type Entry } from '../../src-main/core/model'
import { entryLineReference } from '../../src-main/cli/commands/stores'
import { hasNode24, packagesLoadedBy } from '../support/cli'
import { PG_ADMIN } from '../support/metadb'
import { tempDir } from '../support/temp-dir'

const KEY = Fernet.generateKey()
const DB = `airlock_ls_${randomBytes(5).toString('hex')}`
const TARGET: SqlTarget = { ...PG_ADMIN, database: DB }
const LOCATOR = `metadb:postgresql://postgres@127.0.0.1:5432/${DB}`
let work: string
let keyFile: string

// Every character class Python's json treats apart: quotes, backslashes, each control that
// has a short escape and some that have none, DEL, Latin-1, CJK, astral (surrogate pairs),
// U+2028/2029, and text that is all of these at once.
const TRICKY = [
  'plain',
  'with "quotes" and \\backslashes\\',
  'tab\there\nnewline\rreturn\bback\fform',
  'ctl \u0001\u001f\u0000nul',
  'del \u007f é ü ß',
  '日本語のパスワード',
  'emoji 😀🔑 and 𝔘𝔫𝔦',
  'sep \u2028 \u2029 end',
  '',
  ' leading and trailing ',
  '{"json": "in \\"a\\" string", "n": [1, 2.5, null, true]}'
].map((s) => s.replace('\u0000', '')) // PostgreSQL text cannot hold NUL

function trickyEntries(): Entry[] {
  const out: Entry[] = []
  for (let i = 0; i < 2600; i++) {
    const t = (k: number) => TRICKY[(i + k) % TRICKY.length]!
    out.push({
      kind: 'connection',
      id: `c_${String(i).padStart(5, '0')}${i % 7 === 0 ? '_é日😀' : ''}`,
      fields: {
        ...emptyConnectionFields(),
        conn_type: i % 3 ? 'postgres' : 'http',
        description: i % 4 ? t(1) : null,
        host: i % 5 ? `h-${i}.internal` : null,
        login: t(2) || null,
        password: i % 6 ? `${t(3)}/?#@${i}` : null,
        schema: i % 2 ? t(4) || null : null,
        port: i % 9 ? 1 + ((i * 7919) % 65535) : null,
        extra:
          i % 3 === 0
            ? JSON.stringify({ note: t(5), nested: { a: [i, t(6)] }, u: '\u00e9\u65e5' })
            : i % 3 === 1
              ? t(7) || null
              : null
      }
    })
  }
  for (let i = 0; i < 40; i++)
    out.push({
      kind: 'variable',
      key: `v_${i}${i % 5 === 0 ? '_ü' : ''}`,
      value: TRICKY[i % TRICKY.length]!,
      description: i % 2 ? TRICKY[(i + 3) % TRICKY.length]! : null
    })
  return out
}

beforeAll(async () => {
  work = tempDir('airlock-list-stream-')
  keyFile = join(work, 'key')
  writeFileSync(keyFile, KEY)
  chmodSync(keyFile, 0o600)
  const admin = await openSql(PG_ADMIN)
  await admin.query(`CREATE DATABASE ${DB}`)
  await admin.close()
  const db = await openSql(TARGET)
  for (const stmt of airflowSchemaDdl('3.2', 'postgresql')) await db.query(stmt)
  await db.close()
  const store = new MetastoreBackend({ id: 'seed', target: TARGET, fernetKey: KEY })
  await store.write(trickyEntries())
  await store.close()
  // Rows the key cannot read: reported on stderr, left out of stdout, exit 1.
  const raw = await openSql(TARGET)
  await raw.query(
    `INSERT INTO connection (conn_id, conn_type, password, is_encrypted, is_extra_encrypted) VALUES ('c_01000x', 'http', 'not-a-token', true, false), ('zz_wrong_key', 'http', ?, true, false)`,
    [new Fernet(Fernet.generateKey()).encrypt(new TextEncoder().encode('other key'))]
  )
  await raw.close()
}, 120_000)

afterAll(async () => {
  rmSync(work, { recursive: true, force: true })
  const admin = await openSql(PG_ADMIN)
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await admin.close()
})

const BIN = fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))

/** `airlock …` as a user runs it (the shared helper's 1 MB output limit is too small here). */
function airlock(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? '', AIRLOCK_HOME: work }
  })
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: r.stdout.split('\n').filter(Boolean)
  }
}

/** What the previous path printed: everything loaded, each entry through the PyDict encoder. */
async function previousPath(reveal: boolean, kinds?: Entry['kind'][]) {
  const store = new MetastoreBackend({ id: LOCATOR, target: TARGET, fernetKey: KEY })
  try {
    const { entries, problems } = await store.load({ kinds })
    return {
      stdout: entries.map((e) => entryLineReference(e, reveal) + '\n').join(''),
      problems: problems.length
    }
  } finally {
    await store.close()
  }
}

describe('airlock list --json, streamed', () => {
  for (const [name, flags, reveal, kinds] of [
    ['revealed, both kinds', ['--reveal'], true, undefined],
    ['masked, both kinds', [], false, undefined],
    ['revealed, variables only', ['--reveal', '--kind', 'var'], true, ['variable']]
  ] as const)
    it(`writes the previous path's bytes (${name})`, async () => {
      const expected = await previousPath(reveal, kinds && [...kinds])
      const r = airlock(['list', LOCATOR, '--json', '--key-file', keyFile, ...flags])
      expect(r.stdout.length).toBeGreaterThan(kinds ? 5_000 : 100_000)
      expect(r.stdout.split('\n')).toEqual(expected.stdout.split('\n'))
      const reported = r.stderr.split('\n').filter((l) => /cannot be decrypted/.test(l))
      expect(reported).toHaveLength(expected.problems)
      expect(r.code).toBe(expected.problems ? 1 : 0)
      if (!reveal) expect(r.stdout).not.toContain('/?#@')
    }, 120_000)

  it('lists more rows than one page, each once, and names the rows it cannot read', () => {
    const r = airlock(['list', LOCATOR, '--json', '--kind', 'conn', '--key-file', keyFile])
    const ids = r.lines.map((l) => (JSON.parse(l) as { id: string }).id)
    expect(ids).toHaveLength(2600)
    expect(new Set(ids).size).toBe(2600)
    expect(r.stderr).toContain('c_01000x')
    expect(r.stderr).toContain('zz_wrong_key')
    // What was written comes back: the decrypted fields, not only the same bytes as load().
    const revealed = airlock([
      'list',
      LOCATOR,
      '--json',
      '--reveal',
      '--kind',
      'conn',
      '--key-file',
      keyFile
    ])
    const byId = new Map(
      revealed.lines.map((l) => {
        const e = JSON.parse(l) as { id: string; fields: { password: unknown; extra: unknown } }
        return [e.id, e.fields] as const
      })
    )
    for (const e of trickyEntries())
      if (e.kind === 'connection')
        expect(byId.get(e.id), e.id).toMatchObject({
          password: e.fields.password,
          extra: e.fields.extra
        })
  }, 120_000)

  it('ends quietly when the reader closes the pipe early (`| head`), fernet decrypt too', () => {
    // Output in 1 MB buffers: the reader is gone before most of them are written (EPIPE).
    const tokens = join(work, 'tokens')
    const f = new Fernet(KEY)
    writeFileSync(
      tokens,
      Array.from({ length: 20_000 }, (_, i) =>
        f.encrypt(new TextEncoder().encode(`token ${i} é`.repeat(4)))
      ).join('\n') + '\n'
    )
    const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
    const run = (command: string) =>
      spawnSync(
        'bash',
        [
          '--norc',
          '--noprofile',
          '-c',
          `${command} | head -n 2; echo "status \${PIPESTATUS[0]}" >&2`
        ],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', AIRLOCK_HOME: work }
        }
      )
    const airlockCmd = `${q(process.execPath)} ${q(BIN)}`
    const list = run(
      `${airlockCmd} list ${q(LOCATOR)} --json --reveal --kind conn --key-file ${q(keyFile)} 2>/dev/null`
    )
    expect(list.stdout.split('\n').filter(Boolean)).toHaveLength(2)
    const fernet = run(`${airlockCmd} fernet decrypt --key-file ${q(keyFile)} < ${q(tokens)}`)
    expect(fernet.stdout).toBe(
      '{"plaintext": "token 0 \\u00e9token 0 \\u00e9token 0 \\u00e9token 0 \\u00e9"}\n' +
        '{"plaintext": "token 1 \\u00e9token 1 \\u00e9token 1 \\u00e9token 1 \\u00e9"}\n'
    )
    // No stack trace, no EPIPE message: only the status line.
    expect(fernet.stderr).toBe('status 0\n')
    expect(list.stderr).toBe('status 0\n')
  }, 120_000)

  it.runIf(hasNode24)(
    'loads no secrets-service SDK (AWS, Azure, Google, Vault), nor zod, to list a metadata DB',
    () => {
      const r = packagesLoadedBy(
        ['list', LOCATOR, '--json', '--kind', 'var', '--key-file', keyFile],
        work,
        { AIRLOCK_HOME: work }
      )
      expect(r.status).toBe(0)
      expect(r.packages).toContain('pg')
      // nor zod (the IPC contract's schemas): 95 modules, about 0.1 s of start-up
      expect(r.packages).not.toContain('zod')
      expect(
        r.packages.filter((p) => /@aws-sdk|@azure|@google-cloud|google-gax|node-vault/.test(p))
      ).toEqual([])
    },
    120_000
  )
})
