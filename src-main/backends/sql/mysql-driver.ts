/** MySQL/MariaDB through `mysql2/promise`; text columns come back as strings. */
import mysql from 'mysql2/promise'
import type { SqlDriver, SqlExecutor, SqlTarget } from './driver'

export async function openMysql(target: SqlTarget): Promise<SqlDriver> {
  const conn = await mysql.createConnection({
    host: target.host ?? '127.0.0.1',
    port: target.port ?? 3306,
    user: target.user,
    password: target.password,
    database: target.database,
    charset: 'utf8mb4',
    supportBigNumbers: true,
    connectTimeout: 10_000
  })
  let lost = false
  // KILL CONNECTION, a restart or the network: fatal errors arrive as an 'error' event too
  conn.on('error', () => (lost = true))
  conn.on('end', () => (lost = true))
  const exec: SqlExecutor = {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const [rows] = await conn.query(sql, params as unknown[])
      return (Array.isArray(rows) ? rows : []) as T[]
    }
  }
  return {
    dialect: 'mysql',
    query: exec.query,
    async transaction(fn) {
      await conn.beginTransaction()
      try {
        const out = await fn(exec)
        await conn.commit()
        return out
      } catch (error) {
        await conn.rollback().catch(() => undefined)
        throw error
      }
    },
    lost: () => lost,
    close: () => conn.end()
  }
}
