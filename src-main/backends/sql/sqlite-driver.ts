/**
 * SQLite through Node's built-in `node:sqlite` (Node 22.13+, and Electron's Node 24): no
 * native addon to build. Its one-time ExperimentalWarning is silenced; nothing else is.
 */
import { createRequire } from 'node:module'
import type * as NodeSqlite from 'node:sqlite'
import type { SqlDriver, SqlExecutor, SqlTarget } from './driver'

function loadSqlite(): typeof NodeSqlite {
  const original = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message
    if (/SQLite is an experimental feature/.test(text)) return
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest)
  }) as typeof process.emitWarning
  try {
    return createRequire(import.meta.url)('node:sqlite') as typeof NodeSqlite
  } finally {
    process.emitWarning = original
  }
}

export async function openSqlite(target: SqlTarget): Promise<SqlDriver> {
  const { DatabaseSync } = loadSqlite()
  const db: NodeSqlite.DatabaseSync = new DatabaseSync(target.path ?? ':memory:')
  db.exec('PRAGMA busy_timeout = 5000')
  // Prepared statements by their text: a batch runs the same few statements once per row, and
  // compiling each again cost more than running it. Bounded: texts with a list of `?`s vary.
  const prepared = new Map<string, NodeSqlite.StatementSync>()
  const prepare = (sql: string): NodeSqlite.StatementSync => {
    let stmt = prepared.get(sql)
    if (!stmt) {
      stmt = db.prepare(sql)
      if (prepared.size >= 64) prepared.delete(prepared.keys().next().value!)
      prepared.set(sql, stmt)
    }
    return stmt
  }
  const exec: SqlExecutor = {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      const stmt = prepare(sql)
      const args = params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p)) as (
        string | number | null
      )[]
      if (/^\s*(select|pragma|with)/i.test(sql)) return stmt.all(...args) as T[]
      stmt.run(...args)
      return []
    }
  }
  return {
    dialect: 'sqlite',
    query: exec.query,
    async transaction(fn) {
      db.exec('BEGIN IMMEDIATE')
      try {
        const out = await fn(exec)
        db.exec('COMMIT')
        return out
      } catch (error) {
        db.exec('ROLLBACK')
        throw error
      }
    },
    lost: () => false,
    close: async () => {
      prepared.clear()
      db.close()
    }
  }
}
