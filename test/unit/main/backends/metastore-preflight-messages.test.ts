// What a metadata DB's pre-flight says of each entry it refuses, word for word: each row's
// checks name the row only when one fails (the name is made then), so the messages must read
// as they always have. SQLite files, Airlock's own DDL (2.3: narrow password column; 3.0: no
// team column; 3.2: team_name).
import { afterEach, describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../../../src-main/backends/metastore'
import { Fernet } from '../../../../src-main/core/codecs/fernet'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import { createTestDb, type TestDb } from '../../../support/metadb'

const dbs: TestDb[] = []
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.drop()
})

async function preflight(version: '2.3' | '3.0' | '3.2', entries: Entry[], key = true) {
  const db = await createTestDb('sqlite', version)
  dbs.push(db)
  const target = new MetastoreBackend({
    id: 'metadb:t',
    target: db.target,
    ...(key ? { fernetKey: Fernet.generateKey() } : {})
  })
  try {
    return (await target.preflight(entries)).map((p) => ({
      ref: p.ref && `${p.ref.kind}:${p.ref.id}`,
      severity: p.severity,
      message: p.message
    }))
  } finally {
    await target.close()
  }
}

const long = (n: number) => 'é'.repeat(n)

describe('a metadata DB pre-flight names each refused row as before', () => {
  it('in every check of a connection and a variable (3.2)', async () => {
    const found = await preflight('3.2', [
      connectionEntry(long(251), { conn_type: 'http' }),
      connectionEntry('no_type', { conn_type: null, host: 'h' }),
      connectionEntry('wide_host', { conn_type: 'http', host: long(501) }),
      connectionEntry('big_port', { conn_type: 'http', port: 2 ** 31 }),
      connectionEntry('fine', { conn_type: 'http', host: 'h', password: 'pw' }),
      variableEntry(long(251), 'v'),
      variableEntry('fine_var', 'v')
    ])
    expect(found).toEqual([
      {
        ref: `connection:${long(251)}`,
        severity: 'error',
        message: `metadb:t: connection "${long(251)}": conn_id is longer than the column allows (250 characters); nothing was written.`
      },
      {
        ref: 'connection:no_type',
        severity: 'error',
        message: 'metadb:t: connection "no_type": conn_type is required by this schema (NOT NULL).'
      },
      {
        ref: 'connection:wide_host',
        severity: 'error',
        message:
          'metadb:t: connection "wide_host": host is longer than the column allows (500 characters); nothing was written.'
      },
      {
        ref: 'connection:big_port',
        severity: 'error',
        message: 'metadb:t: connection "big_port": the port does not fit the INTEGER column.'
      },
      {
        ref: `variable:${long(251)}`,
        severity: 'error',
        message: `metadb:t: variable "${long(251)}": key is longer than the column allows (250 characters); nothing was written.`
      }
    ])
  })

  it('for a team the schema lacks, and a password longer than its column once sealed (2.3, 3.0)', async () => {
    const team = [
      connectionEntry('teamed', { conn_type: 'http' }, 'a'),
      variableEntry('teamed_var', 'v', null, 'a')
    ]
    expect((await preflight('3.0', team, false)).filter((p) => p.ref)).toEqual([
      {
        ref: 'connection:teamed',
        severity: 'error',
        message:
          'metadb:t: connection "teamed": this schema has no team_name column; write it without a team.'
      },
      {
        ref: 'variable:teamed_var',
        severity: 'error',
        message:
          'metadb:t: variable "teamed_var": this schema has no team_name column; write it without a team.'
      }
    ])
    const sealed = await preflight('2.3', [
      connectionEntry('long_pw', { conn_type: 'http', password: 'p'.repeat(4000) })
    ])
    expect(sealed.filter((p) => p.ref)).toEqual([
      {
        ref: 'connection:long_pw',
        severity: 'error',
        message:
          'metadb:t: connection "long_pw": password is longer than the column allows (5000 characters, measured after encryption); nothing was written.'
      }
    ])
  })
})
