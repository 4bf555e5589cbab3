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

/** Statements set to return their rows as arrays (rowsOf). */
const arrayed = new WeakSet<NodeSqlite.StatementSync>()

/**
 * The column names of statements whose result columns are named by their text alone (no `*`
 * in it): SQLite's own re-preparation after a schema change names them the same. Asking
 * `columns()` per page made a dozen objects a page (~15 µs; two 100 k-row tables are 2,000
 * pages of a diff).
 */
const named = new WeakMap<NodeSqlite.StatementSync, string[]>()

/**
 * `stmt.all(...args)`: rows as objects keyed by column name. Where node:sqlite can (22.16+),
 * they are read as arrays and made plain objects here (node:sqlite's own, without prototype,
 * cost three times as much to make: a page of a 100 k-row table was most of reading it, and
 * of its garbage). The names are read after the rows, every time, unless the statement's
 * text names its columns alone (`named`): SQLite prepares a statement again by itself after a
 * schema change (at its next step), and its columns with it; names kept from before a `*`
 * expanded again would put every value under another column's name. A column named
 * `__proto__` gets a row without prototype, as node:sqlite makes them.
 */
function rowsOf(
  stmt: NodeSqlite.StatementSync,
  args: (string | number | null)[]
): Record<string, unknown>[] {
  if (typeof stmt.setReturnArrays !== 'function' || typeof stmt.columns !== 'function')
    return allOf(stmt, args) as Record<string, unknown>[]
  if (!arrayed.has(stmt)) {
    stmt.setReturnArrays(true)
    arrayed.add(stmt)
  }
  const rows = allOf(stmt, args) as unknown[][]
  let cols = named.get(stmt)
  if (!cols || (rows.length && rows[0]!.length !== cols.length)) {
    cols = stmt.columns().map((c) => c.name)
    if (!stmt.sourceSQL.includes('*')) named.set(stmt, cols)
  }
  const bare = cols.includes('__proto__')
  const out = new Array<Record<string, unknown>>(rows.length)
  for (let r = 0; r < rows.length; r++) {
    const values = rows[r]!
    const row: Record<string, unknown> = bare
      ? (Object.create(null) as Record<string, unknown>)
      : {}
    for (let i = 0; i < cols.length; i++) row[cols[i]!] = values[i]
    out[r] = row
  }
  return out
}

/**
 * `stmt.all(...args)`. A SQLite INTEGER holds 64 bits; node:sqlite refuses the whole result
 * when one value is beyond 2^53 (ERR_OUT_OF_RANGE, naming no row). Such a result is read again
 * with bigints, those within 2^53 made numbers again: the caller sees the one value it cannot
 * hold as a bigint and can say which row holds it.
 */
function allOf(stmt: NodeSqlite.StatementSync, args: (string | number | null)[]): unknown[] {
  try {
    return stmt.all(...args)
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_OUT_OF_RANGE') throw error
  }
  stmt.setReadBigInts(true)
  let rows: unknown[]
  try {
    rows = stmt.all(...args)
  } finally {
    stmt.setReadBigInts(false)
  }
  const small = (v: unknown): unknown =>
    typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v
  for (const row of rows) {
    const values = row as Record<string | number, unknown>
    for (const k of Array.isArray(row) ? row.keys() : Object.keys(values))
      values[k] = small(values[k])
  }
  return rows
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const MIN_SAFE = -MAX_SAFE

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
      if (/^\s*(select|pragma|with)/i.test(sql)) return rowsOf(stmt, args) as T[]
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
