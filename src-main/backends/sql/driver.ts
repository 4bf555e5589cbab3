/**
 * A small SQL seam for the metadata-database backend: one adapter per engine (pg, mysql2,
 * node:sqlite), the same `?` placeholders everywhere, transactions, and nothing else.
 */

/** The engines Airflow's metadata DB runs on. */
export type SqlDialect = 'postgresql' | 'mysql' | 'sqlite'

/** Where the database is; `password` comes from the keychain, never from settings. */
export interface SqlTarget {
  dialect: SqlDialect
  host?: string
  port?: number
  user?: string
  password?: string
  database?: string
  /** SQLite: the file path. */
  path?: string
  /** PostgreSQL: the schema holding Airflow's tables (`[database] sql_alchemy_schema`). */
  schema?: string
  /** PostgreSQL `sslmode` and similar connect options from the URL's query. */
  options?: Record<string, string>
}

/** Runs statements; rows come back as plain objects keyed by column name. */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>
}

/** An open database. */
export interface SqlDriver extends SqlExecutor {
  readonly dialect: SqlDialect
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>
  /**
   * True once the server connection is gone (killed, server restarted, network lost): an
   * open transaction was rolled back by the server, and this driver will not work again.
   */
  lost(): boolean
  close(): Promise<void>
}

/** Quotes an identifier for the engine (`schema`, `key` and `val` are keywords in places). */
export function quoteIdent(dialect: SqlDialect, name: string): string {
  return dialect === 'mysql'
    ? '`' + name.replaceAll('`', '``') + '`'
    : '"' + name.replaceAll('"', '""') + '"'
}

/** Opens a driver for the target (the engine's module is loaded only when used). */
export async function openSql(target: SqlTarget): Promise<SqlDriver> {
  if (target.dialect === 'postgresql') return (await import('./pg-driver')).openPg(target)
  if (target.dialect === 'mysql') return (await import('./mysql-driver')).openMysql(target)
  return (await import('./sqlite-driver')).openSqlite(target)
}
