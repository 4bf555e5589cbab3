/**
 * SQLAlchemy URLs as `lib/sqlalchemy/engine/url.py` (`_parse_url`, SQLAlchemy 2.0) reads
 * them: the metadata database URL of `[database] sql_alchemy_conn`.
 */
import { parseQsl, unquote } from '../codecs/py-url'
import { CodecError } from '../errors'
import { pyIntFromText } from '../codecs/py-str'

/** A metadata-database URL as SQLAlchemy's `make_url` reads it. */
export interface SqlAlchemyUrl {
  dialect: 'postgresql' | 'mysql' | 'sqlite'
  /** The part after `+` (`psycopg2`, `pymysql`, …); absent means the dialect's default. */
  driver?: string
  /** `dialect+driver` as written. */
  drivername: string
  host: string | null
  port: number | null
  /** The path after the first `/`, not percent-decoded (SQLAlchemy does not decode it). */
  database: string | null
  /** Percent-decoded (`unquote`, so `+` stays `+`). */
  user: string | null
  password: string | null
  /** `parse_qsl` of the query (blank values dropped); a repeated key gives a list. */
  query: Record<string, string | string[]>
  /** SQLite only: the file SQLite opens (`:memory:` for `sqlite://`), else null. */
  sqlitePath: string | null
  /** What Airflow or the driver will make of it: `error` = Airflow refuses to start. */
  notes: { severity: 'error' | 'warning'; message: string }[]
}

// SQLAlchemy 2.0 `_parse_url` (same in 1.4): Python's `\w` is Unicode-aware; `.` stops at \n.
const SQLA_URL = new RegExp(
  String.raw`^(?<name>[\p{L}\p{N}_+]+)://` +
    String.raw`(?:(?<username>[^:/]*)(?::(?<password>[^@]*))?@)?` +
    String.raw`(?:(?:\[(?<ipv6host>[^/?]+)\]|(?<ipv4host>[^/:?]+))?(?::(?<port>[^/?]*))?)?` +
    String.raw`(?:/(?<database>[^?]*))?` +
    String.raw`(?:\?(?<query>[^\n]*))?`,
  'u'
)

/** Where the password of a URL lies, read with SQLAlchemy's `_parse_url` pattern. */
function passwordSpan(url: string): { start: number; end: number } | undefined {
  const m = SQLA_URL.exec(url)
  const g = m?.groups
  if (!g || g.password === undefined) return undefined
  // the pattern is anchored: name, `://`, username, `:`, then the password
  const start = g.name!.length + 3 + (g.username ?? '').length + 1
  let end = start + g.password.length
  // An unencoded `@` in the password ends it early for SQLAlchemy (`[^@]*`) and leaves the
  // rest in the host or database: hide up to their last `@` as well (not the query's).
  const queryAt =
    g.query !== undefined ? m!.index + m![0].length - g.query.length - 1 : m![0].length
  const at = url.slice(end + 1, queryAt).lastIndexOf('@')
  if (at >= 0) end += 1 + at
  return { start, end }
}

/**
 * A SQLAlchemy URL without its password, as SQLAlchemy parses it (the one rule for every
 * locator, plan, job record and message): the password is replaced by `mask`, or dropped
 * with its `:` when `mask` is empty (`user@host`, so a later connect falls back to
 * `.pgpass` and the like rather than sending `***`). Text that is not such a URL is returned
 * unchanged.
 */
export function redactSqlAlchemyUrl(url: string, mask = '***'): string {
  const span = passwordSpan(url)
  if (!span) return url
  return mask
    ? `${url.slice(0, span.start)}${mask}${url.slice(span.end)}`
    : `${url.slice(0, span.start - 1)}${url.slice(span.end)}`
}

/** The password written in a SQLAlchemy URL, as written (not decoded), else undefined. */
export function sqlAlchemyUrlPasswordText(url: string): string | undefined {
  const span = passwordSpan(url)
  return span && span.end > span.start ? url.slice(span.start, span.end) : undefined
}

const DRIVERS: Record<SqlAlchemyUrl['dialect'], readonly string[]> = {
  postgresql: ['psycopg2', 'psycopg', 'pg8000', 'asyncpg', 'psycopg2cffi'],
  mysql: ['mysqldb', 'pymysql', 'mysqlconnector', 'asyncmy', 'aiomysql'],
  sqlite: ['pysqlite', 'aiosqlite']
}

/**
 * Parses a `sql_alchemy_conn` URL with SQLAlchemy's `make_url` rules and says what Airflow
 * makes of it. Throws a CodecError (never quoting the URL) when SQLAlchemy cannot parse it,
 * cannot load its dialect (`postgres://`) or the database is not one Airflow supports.
 */
export function parseSqlAlchemyUrl(url: string): SqlAlchemyUrl {
  const m = SQLA_URL.exec(url)
  if (!m)
    throw new CodecError(
      'SQLAlchemy cannot parse it ("Could not parse SQLAlchemy URL"): it must start with dialect:// such as postgresql://, mysql:// or sqlite://.',
      'codec.invalid-uri'
    )
  const g = m.groups!
  const drivername = g.name!
  const [backendName, driver] = drivername.split('+') as [string, string | undefined]
  if (backendName === 'postgres')
    throw new CodecError(
      'The scheme postgres:// is not accepted by SQLAlchemy 1.4 or 2.x (used by Airflow 2.3+ and 3), which fail with "Can\'t load plugin: sqlalchemy.dialects:postgres"; write postgresql:// (or postgresql+psycopg2://) instead.',
      'codec.invalid-uri'
    )
  if (backendName !== 'postgresql' && backendName !== 'mysql' && backendName !== 'sqlite')
    throw new CodecError(
      // named only when it looks like a dialect name: this text may be a pasted secret
      `The database ${/^[a-z0-9_+]{1,30}$/.test(drivername) ? `"${backendName}"` : 'in this URL'} is not one Airflow's metadata database runs on (PostgreSQL, MySQL or SQLite); dialect names are lower-case.`,
      'codec.invalid-uri'
    )
  const notes: SqlAlchemyUrl['notes'] = []
  if (driver !== undefined && !DRIVERS[backendName].includes(driver))
    notes.push({
      severity: 'warning',
      message: `the driver "${/^[a-z0-9_]{1,30}$/.test(driver) ? driver : '…'}" is not one SQLAlchemy ships for ${backendName} (${DRIVERS[backendName].join(', ')}).`
    })
  let port: number | null = null
  if (g.port !== undefined) {
    const n = pyIntFromText(g.port)
    if (n === undefined)
      throw new CodecError(
        'The port is not a number (SQLAlchemy fails with "invalid literal for int()"); a password with an unencoded ":" or "/" can cause this — percent-encode it.',
        'codec.invalid-port'
      )
    port = n
    // the drivers refuse it (Node's net: ERR_SOCKET_BAD_PORT), as urlsplit's .port does
    if (n < 0 || n > 65535)
      notes.push({ severity: 'error', message: 'the port is out of range 0-65535.' })
  }
  const host = g.ipv4host || g.ipv6host || null
  if (host?.includes('@'))
    notes.push({
      severity: 'warning',
      message:
        'the host contains "@": the password (or user) probably holds an unencoded "@"; percent-encode it as %40.'
    })
  if (/\s/.test(url))
    notes.push({
      severity: 'warning',
      message:
        'it contains whitespace or a line break (a command output ending in a newline?); SQLAlchemy keeps it in the last component.'
    })
  const query: Record<string, string | string[]> = {}
  if (g.query !== undefined)
    for (const [k, v] of parseQsl(g.query)) {
      const prev = query[k]
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
  const database = g.database ?? null
  let sqlitePath: string | null = null
  if (backendName === 'sqlite') {
    sqlitePath = database || ':memory:'
    // settings._is_sqlite_db_path_relative, on the raw string
    const rest = url.startsWith('sqlite:///') ? url.slice('sqlite:///'.length) : null
    if (url !== 'sqlite://' && !(rest !== null && rest.startsWith('/')))
      notes.push({
        severity: 'error',
        message:
          'Airflow refuses it ("Cannot use relative path ... to connect to sqlite"): use an absolute path with four slashes, such as sqlite:////usr/local/airflow/airflow.db.'
      })
  }
  return {
    dialect: backendName,
    ...(driver !== undefined ? { driver } : {}),
    drivername,
    host,
    port,
    database,
    user: g.username !== undefined ? unquote(g.username) : null,
    password: g.password !== undefined ? unquote(g.password) : null,
    query,
    sqlitePath,
    notes
  }
}
