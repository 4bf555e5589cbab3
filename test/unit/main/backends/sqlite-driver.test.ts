/**
 * The SQLite driver (node:sqlite): rows read as arrays are named by the statement's columns as
 * they are when the rows are read, so a statement reused across a schema change still puts
 * each value under its own column.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqlite } from '../../../../src-main/backends/sql/sqlite-driver'
import { tempDir } from '../../../support/temp-dir'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('SQLite driver', () => {
  it('names a reused statement’s values by the columns after a schema change', async () => {
    const dir = tempDir('airlock-sqlite-')
    dirs.push(dir)
    const db = await openSqlite({ dialect: 'sqlite', path: join(dir, 't.db') })
    try {
      await db.query('CREATE TABLE t (a TEXT, b TEXT)')
      await db.query("INSERT INTO t VALUES ('1', '2')")
      expect(await db.query('SELECT * FROM t')).toEqual([{ a: '1', b: '2' }])
      await db.query('ALTER TABLE t DROP COLUMN a')
      await db.query('ALTER TABLE t ADD COLUMN c TEXT')
      await db.query("UPDATE t SET c = '3'")
      // the same text: the driver's prepared statement, which SQLite prepares again
      expect(await db.query('SELECT * FROM t')).toEqual([{ b: '2', c: '3' }])
    } finally {
      await db.close()
    }
  })

  it('names a reused statement’s values by its named columns after a schema change', async () => {
    const dir = tempDir('airlock-sqlite-')
    dirs.push(dir)
    const db = await openSqlite({ dialect: 'sqlite', path: join(dir, 't.db') })
    try {
      await db.query('CREATE TABLE t (z TEXT, a TEXT, b TEXT)')
      await db.query("INSERT INTO t VALUES ('0', '1', '2')")
      const sql = 'SELECT b, t.a AS x, a FROM t'
      expect(await db.query(sql)).toEqual([{ b: '2', x: '1', a: '1' }])
      await db.query('ALTER TABLE t DROP COLUMN z')
      await db.query('ALTER TABLE t ADD COLUMN c TEXT')
      await db.query("UPDATE t SET a = '3', c = '4'")
      // the same text, prepared again by SQLite: the same columns by name
      expect(await db.query(sql)).toEqual([{ b: '2', x: '3', a: '3' }])
      expect(await db.query('SELECT count(*) AS n, max(c) AS c FROM t')).toEqual([{ n: 1, c: '4' }])
    } finally {
      await db.close()
    }
  })

  it('keeps a column named __proto__ as a column', async () => {
    const dir = tempDir('airlock-sqlite-')
    dirs.push(dir)
    const db = await openSqlite({ dialect: 'sqlite', path: join(dir, 't.db') })
    try {
      const rows = await db.query<Record<string, unknown>>("SELECT 'x' AS __proto__, 1 AS n")
      expect(Object.keys(rows[0]!)).toEqual(['__proto__', 'n'])
      expect(rows[0]!['__proto__']).toBe('x')
    } finally {
      await db.close()
    }
  })
})
