/** PostgreSQL through `pg`: `?` placeholders become `$n`; one client, serialised use. */
import pg from 'pg'
import type { SqlDriver, SqlExecutor, SqlTarget } from './driver'

function toDollar(sql: string): string {
  let n = 0
  return sql.replace(/\?/g, () => `$${++n}`)
}

export async function openPg(target: SqlTarget): Promise<SqlDriver> {
  const client = new pg.Client({
    host: target.host ?? '127.0.0.1',
    port: target.port ?? 5432,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl:
      target.options?.sslmode && target.options.sslmode !== 'disable'
        ? { rejectUnauthorized: target.options.sslmode === 'verify-full' }
        : undefined,
    connectionTimeoutMillis: 10_000
  })
  let lost = false
  // A connection that ends (pg_terminate_backend, a restart, the network) is reported as an
  // 'error' event; without a listener Node would crash the process. The query in flight
  // rejects on its own.
  client.on('error', () => (lost = true))
  client.on('end', () => (lost = true))
  await client.connect()
  if (target.schema)
    await client.query(`SET search_path TO "${target.schema.replaceAll('"', '""')}"`)
  const exec: SqlExecutor = {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const r = await client.query(toDollar(sql), params as unknown[])
      return r.rows as T[]
    }
  }
  return {
    dialect: 'postgresql',
    query: exec.query,
    async transaction(fn) {
      await client.query('BEGIN')
      try {
        const out = await fn(exec)
        await client.query('COMMIT')
        return out
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      }
    },
    lost: () => lost,
    close: () => client.end()
  }
}
