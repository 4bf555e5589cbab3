// The summaries of unreadable entries, as a user reads them: one entry with several fields
// that cannot be read is one entry, named once — not once per field.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { connectionEntry, variableEntry } from '../../src-main/core/model'
import { airlock } from '../support/cli'
import { createTestDb, type TestDb } from '../support/metadb'

let home: string
let work: string
let db: TestDb
let metadb: string
const key = Fernet.generateKey()
const wrongKey = Fernet.generateKey()

const connection = (id: string) =>
  connectionEntry(id, {
    conn_type: 'postgres',
    description: null,
    host: 'db.example.com',
    login: 'me',
    password: `pw-${id}`,
    schema: null,
    port: 5432,
    extra: '{"sslmode": "require"}'
  })

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'airlock-home-'))
  work = mkdtempSync(join(tmpdir(), 'airlock-work-'))
  db = await createTestDb('sqlite', '2.8')
  const store = new MetastoreBackend({ target: db.target, fernetKey: key })
  // two connections whose password and extra are both encrypted, and a variable
  await store.write([connection('c00000'), connection('c00001'), variableEntry('v0', 'secret')])
  await store.close()
  metadb = `metadb:sqlite:///${db.target.path!}`
})
afterAll(async () => {
  await db.drop()
  rmSync(home, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})
// read with another key than the one the values were encrypted with
const run = (args: string[]) =>
  airlock(args, '', { AIRLOCK_HOME: home, AIRFLOW__CORE__FERNET_KEY: wrongKey })

describe('unreadable entries in a summary', () => {
  it('plan names each unreadable entry once, with how many of its fields failed', () => {
    const r = run(['plan', metadb, `envfile:${join(work, 'target.env')}`])
    expect(r.code).toBe(1)
    // each field is reported on its own line…
    expect(r.stderr).toMatch(/connection "c00000" password cannot be decrypted/)
    expect(r.stderr).toMatch(/connection "c00000" extra cannot be decrypted/)
    // …and the summary counts entries, each named once
    expect(r.stderr).toMatch(
      /3 entries could not be read \(c00000 \(2 problems\), c00001 \(2 problems\), v0\)/
    )
    expect(r.stderr).not.toMatch(/c00000, c00000/)
  })

  it('list and export count entries, not problems', () => {
    const listed = run(['list', metadb])
    expect(listed.code).toBe(1)
    expect(listed.stderr).toMatch(/0 entries from \S+, 3 could not be read/)
    const exported = run(['export', metadb, '--to', join(work, 'out.json')])
    expect(exported.code).toBe(1)
    expect(exported.stderr).toMatch(
      /2 entries could not be read \(c00000 \(2 problems\), c00001 \(2 problems\)\); nothing was written/
    )
  })
})
