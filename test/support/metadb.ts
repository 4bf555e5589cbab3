/**
 * Throw-away Airflow metadata databases on the machine's real servers: a PostgreSQL schema or
 * a MariaDB database per use (in the `test` database / server), or a SQLite file, with the
 * tables of one Airflow schema generation. Each is dropped by its cleanup.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { airflowSchemaDdl, type SchemaVersion } from '../../src-main/backends/sql/airflow-schema'
import {
  openSql,
  type SqlDialect,
  type SqlDriver,
  type SqlTarget
} from '../../src-main/backends/sql/driver'

export interface TestDb {
  target: SqlTarget
  /** A second connection for inspecting raw rows. */
  raw: () => Promise<SqlDriver>
  drop: () => Promise<void>
}

export const PG_ADMIN: SqlTarget = {
  dialect: 'postgresql',
  host: '127.0.0.1',
  port: 5432,
  user: 'postgres',
  database: 'test'
}
export const MY_ADMIN: SqlTarget = {
  dialect: 'mysql',
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  database: 'test'
}

/** Creates an empty Airflow schema of `version` on `dialect` (tables only, no rows). */
export async function createTestDb(
  dialect: SqlDialect,
  version: SchemaVersion,
  withTables = true
): Promise<TestDb> {
  const name = `airlock_t_${randomBytes(5).toString('hex')}`
  let target: SqlTarget
  let dropper: () => Promise<void>
  if (dialect === 'postgresql') {
    const admin = await openSql(PG_ADMIN)
    await admin.query(`CREATE SCHEMA ${name}`)
    await admin.close()
    target = { ...PG_ADMIN, schema: name }
    dropper = async () => {
      const a = await openSql(PG_ADMIN)
      await a.query(`DROP SCHEMA ${name} CASCADE`)
      await a.close()
    }
  } else if (dialect === 'mysql') {
    const admin = await openSql(MY_ADMIN)
    await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`)
    await admin.close()
    target = { ...MY_ADMIN, database: name }
    dropper = async () => {
      const a = await openSql(MY_ADMIN)
      await a.query(`DROP DATABASE ${name}`)
      await a.close()
    }
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-sqlite-'))
    target = { dialect: 'sqlite', path: join(dir, 'airflow.db') }
    dropper = async () => rmSync(dir, { recursive: true, force: true })
  }
  if (withTables) {
    const db = await openSql(target)
    for (const stmt of airflowSchemaDdl(version, dialect)) await db.query(stmt)
    await db.close()
  }
  return { target, raw: () => openSql(target), drop: dropper }
}
