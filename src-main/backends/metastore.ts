/**
 * Airflow's metadata database (PostgreSQL, MySQL/MariaDB, SQLite): the `connection` and
 * `variable` tables of every schema from 2.3 to 3.2+, found by introspection, with Fernet
 * as Airflow applies it (reference §9–§10). Reads report rows that do not decrypt, and ids
 * held by more than one row (a table without its UNIQUE constraint: Airflow reads one of them,
 * which one is up to the database), and load the rest; writes are one transaction per batch
 * and touch no other table.
 *
 * @example
 * const db = new MetastoreBackend({
 *   id: 'metastore:prod',
 *   target: { dialect: 'postgresql', host: 'db', database: 'airflow', user: 'airflow', password },
 *   fernetKey: 'NEWKEY=,OLDKEY='
 * })
 */
import { isUtf8 } from 'node:buffer'
import { existsSync } from 'node:fs'
import { AirlockError } from '../core/errors'
import { MultiFernet } from '../core/codecs/fernet'
import type { ConnectionEntry, ConnectionFields, Entry, VariableEntry } from '../core/model'
import {
  idOf,
  inScope,
  type Backend,
  type EntryKind,
  type EntryProblem,
  type EntryRef,
  type LoadResult,
  type PreflightProblem,
  type RawEntry,
  type RawLoadResult,
  type RawRowListing,
  type RawRowPage,
  type Scope,
  type WrittenForm,
  refOf
} from './backend'
import { releaseForRevision } from './sql/airflow-schema'
import { openSql, quoteIdent, type SqlDriver, type SqlExecutor, type SqlTarget } from './sql/driver'

/** Options of the metadata-database backend. */
export interface MetastoreOptions {
  /** Shown in every message and on every entry's origin, e.g. `metastore:prod`. */
  id?: string
  target: SqlTarget
  /**
   * `[core] fernet_key`: comma-separated keys, the first encrypts, any decrypts. Empty or
   * null: values are written in plaintext with their flags false, as Airflow's NullFernet does.
   */
  fernetKey?: string | null
}

interface Column {
  type: string
  maxLength: number | null
  nullable: boolean
}

/** What introspection found. */
export interface MetastoreSchema {
  connection: ReadonlyMap<string, Column>
  variable: ReadonlyMap<string, Column>
  /** The alembic revision stamped in the DB, and the release it is the head of (if any). */
  revision: string | null
  release: string | null
  /** MySQL: ids compare case-insensitively under the column's collation. */
  caseInsensitiveIds: boolean
  team: 'team_name' | 'team_id' | null
}

/** Counts of a key rotation. */
export interface RotationReport {
  rotated: number
  alreadyCurrent: number
  failed: EntryProblem[]
}

/**
 * Rows per page when loading a whole table: a server's pages are large (one round trip each);
 * SQLite's, read in this process without one, small (a page of 2000 rows and their tokens
 * outlived the young generation: every collection during it copied it).
 */
const LOAD_PAGE = 2000
const SQLITE_LOAD_PAGE = 500
/**
 * SQLite rows per page of a raw listing (loadRawRows), none asked for ahead: a merge join
 * holds a page of each side while it opens and compares them, and a page that outlives two
 * young-generation collections is copied twice and promoted (100 k vs 102 k: 500-row pages,
 * one ahead, 3.45 s CPU and 163 MB; 500 not ahead 2.6 s; 100 2.6 s and 97 MB, 355 scavenges
 * instead of 394 and fewer full collections; 50 no better).
 */
const SQLITE_RAW_PAGE = 100

/**
 * Ids per `IN (…)` list, and `?`s per multi-row INSERT: under the smallest parameter limit of
 * the engines (SQLite before 3.32 allows 999; PostgreSQL 65,535; mysql2 fills them in itself),
 * so one statement serves a job's batch of up to 500 items.
 */
const IDS_PER_QUERY = 500
const PARAMS_PER_INSERT = 900

const CONN_COLUMNS = [
  'conn_id',
  'conn_type',
  'description',
  'host',
  'schema',
  'login',
  'password',
  'port',
  'is_encrypted',
  'is_extra_encrypted',
  'extra'
] as const

const VARIABLE_COLUMNS = ['key', 'val', 'description', 'is_encrypted'] as const

/**
 * The columns in the order MetastoreRowPage.sameStored compares them: the sealed ones first
 * (two DBs encrypted apart differ there, on every row).
 */
const CONN_STORED = [
  'password',
  'extra',
  ...CONN_COLUMNS.filter((c) => c !== 'password' && c !== 'extra')
] as const
const VARIABLE_STORED = ['val', ...VARIABLE_COLUMNS.filter((c) => c !== 'val')] as const

type Row = Record<string, unknown>

/**
 * Rows that hold one id as Airflow's lookup matches it (a table without its UNIQUE constraint:
 * an older or hand-made schema, a restored dump). Airflow's metastore lookup takes one row with
 * no ORDER BY (`.first()`, `scalar(select(...).limit(1))`): which one is up to the database.
 */
interface Duplicate {
  table: 'connection' | 'variable'
  /** How many rows the lookup matches. */
  count: number
  /** The ids among them, as stored (MySQL's case-insensitive collation: more than one). */
  spellings: readonly string[]
}

/** On the one row kept of a duplicated id (rowPages): what it stands for; it opens to a problem. */
const DUPLICATE = Symbol('duplicate')
type MarkedRow = Row & { [DUPLICATE]?: Duplicate }

function duplicateOf(row: Row): Duplicate | undefined {
  return (row as MarkedRow)[DUPLICATE]
}

/**
 * A connection row's values as its entry holds them, in the order of ConnectionFields
 * (conn_type, description, host, login, password, schema, port, extra); a port JSON cannot
 * write (-0) is its text. `S`: what a decrypted value is (a raw entry's: its plaintext bytes,
 * valid UTF-8, not yet decoded).
 */
type ConnectionValues<S = string> = [
  string | null,
  string | null,
  string | null,
  string | null,
  S | null,
  string | null,
  number | string | null,
  S | null
]

/** A variable row's value and description as its entry holds them. */
type VariableValues<S = string> = [S, string | null]

/** A decrypted value of a raw entry: its text, or its plaintext bytes (valid UTF-8). */
type Sealed = string | Buffer

/**
 * The format of a metadata DB's raw entries (loadRaw): the entry's values as JSON, the same
 * text for the same entry whatever the engine, so any two metadata DBs compare.
 */
const RAW_FORMAT = 'metastore values v1'

/** Which rows a read asks for: one id, some ids, or the page after an id (the first without). */
interface Which {
  only?: string
  ids?: readonly string[]
  after?: string
  /** Rows per page (default: the store's loadPage). */
  limit?: number
}

/**
 * A flag column as Airflow takes it: SQLAlchemy's Boolean hands Python `bool()` of what the
 * driver read (SQLite and MySQL have no native boolean), so any non-zero number and any
 * non-empty text or bytes is true — SQLite keeps 2, -1, 0.5 or 'f' in a BOOLEAN column as they
 * are, and a token flagged so is decrypted by Airflow (checked against SQLAlchemy 2.0).
 */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined) return false
  switch (typeof v) {
    case 'boolean':
      return v
    case 'number':
      return v !== 0
    case 'bigint':
      return v !== 0n
    case 'string':
      return v.length > 0
    default:
      return !(v instanceof Uint8Array) || v.length > 0
  }
}

/** A value `decrypt` opens (flagged, non-empty), added to `into`. */
function sealedOf(value: unknown, flag: unknown, into: string[]): void {
  const v = str(value)
  if (v && truthy(flag)) into.push(v)
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return null
  if (Buffer.isBuffer(v)) return v.toString('utf8')
  return String(v)
}

// ignoreBOM: a leading BOM stays a U+FEFF character, as Airflow's `fernet.decrypt(…).decode()`
// keeps it (Python's 'utf-8' codec drops a BOM only as 'utf-8-sig')
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** An id as MySQL's case-insensitive collation compares it (as the pre-flight folds it). */
function foldId(id: string): string {
  return id.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

function sameId(id: string): string {
  return id
}

/**
 * MySQL's ids as candidates for one id: its collations compare `a` and `a ` alike (PAD SPACE,
 * also binary ones before 8.0's NO PAD), and `_ci` ones fold case and accents — by rules of
 * their own (`utf8mb4_general_ci`: `s` = `ß`; an `_as_ci` one keeps accents apart). Ids that
 * fold alike here are only candidates: the database confirms each (countRows).
 */
function mysqlCandidate(id: string): string {
  return id.replace(/ +$/, '')
}

function mysqlFoldedCandidate(id: string): string {
  return foldId(id).replace(/ +$/, '')
}

/** Whether the entry's id or any text field holds a NUL character. */
function holdsNul(e: Entry): boolean {
  const texts =
    e.kind === 'connection'
      ? [e.id, e.team, ...Object.values(e.fields)]
      : [e.key, e.value, e.description, e.team]
  return texts.some((t) => typeof t === 'string' && t.includes('\0'))
}

/**
 * The length of the Fernet token of `bytes` bytes of plaintext: version, timestamp and IV (25
 * bytes), the PKCS7-padded ciphertext and the HMAC (32), in url-safe base64 with padding.
 */
export function sealedLength(bytes: number): number {
  return 4 * Math.ceil((25 + 16 * (Math.floor(bytes / 16) + 1) + 32) / 3)
}

/**
 * Whether decrypting the token of `text` surely gives `text` back: a lone surrogate is sealed
 * as U+FFFD (any surrogate is left to decrypting).
 */
function readsBackAsIs(text: string): boolean {
  return !SURROGATE.test(text)
}
const SURROGATE = /[\uD800-\uDFFF]/

/** The text columns of a connection row (all but the port and the two flags), in table order. */
const CONNECTION_TEXT_COLUMNS = CONN_COLUMNS.filter(
  (c) => c !== 'port' && c !== 'is_encrypted' && c !== 'is_extra_encrypted'
)

const PLACEHOLDERS = new Map<number, string>()

/**
 * A text of `length` characters standing for a sealed column in a check (only its length is
 * read): one per length, kept, not a new string per field of every row checked. Token lengths
 * come in steps of a cipher block, so few lengths occur.
 */
function placeholder(length: number): string {
  let text = PLACEHOLDERS.get(length)
  if (text === undefined) PLACEHOLDERS.set(length, (text = 'x'.repeat(length)))
  return text
}

export class MetastoreBackend implements Backend {
  readonly kind = 'metastore' as const
  readonly id: string
  readonly capabilities = { list: true, write: true }
  readonly rawFamily = RAW_FORMAT
  private readonly options: MetastoreOptions
  private readonly fernet: MultiFernet | null
  /**
   * The tokens the last `write` sealed, each with the text it holds: its read-back (readEach)
   * takes the text instead of decrypting the token again (an HMAC and AES per field). A token
   * decrypts to the same text whenever it is read, so this only spares the work; texts that
   * would not come back as they are (readsBackAsIs) are not kept, and are decrypted.
   */
  private lastSealed: Map<string, string> | undefined
  /** The tokens of the rows being turned into entries, opened at once (openRows). */
  private opened: { tokens: string[]; results: (Buffer | Error)[]; at: number } | undefined
  private driver?: Promise<SqlDriver>
  private schemaInfo?: Promise<MetastoreSchema>
  /** Rows per page of a whole table (LOAD_PAGE, SQLITE_LOAD_PAGE). */
  private readonly loadPage: number

  constructor(options: MetastoreOptions) {
    this.options = options
    this.id = options.id ?? `metastore:${options.target.dialect}`
    this.fernet = options.fernetKey ? MultiFernet.fromSetting(options.fernetKey) : null
    this.loadPage = options.target.dialect === 'sqlite' ? SQLITE_LOAD_PAGE : LOAD_PAGE
  }

  /** The introspected schema (connects on first use). */
  schema(): Promise<MetastoreSchema> {
    this.schemaInfo ??= this.open().then((db) => this.introspect(db))
    return this.schemaInfo
  }

  async list(scope: Scope): Promise<EntryRef[]> {
    const db = await this.ready()
    const refs: EntryRef[] = []
    if (inScope(scope, 'connection'))
      for (const r of await this.run('list connections', () =>
        db.query<Row>(`SELECT ${this.q('conn_id')} FROM ${this.q('connection')}`)
      ))
        refs.push({ kind: 'connection', id: str(r.conn_id)! })
    if (inScope(scope, 'variable'))
      for (const r of await this.run('list variables', () =>
        db.query<Row>(`SELECT ${this.q('key')} FROM ${this.q('variable')}`)
      ))
        refs.push({ kind: 'variable', id: str(r.key)! })
    return refs
  }

  async read(ref: EntryRef): Promise<Entry | undefined> {
    const db = await this.ready()
    const rows =
      ref.kind === 'connection'
        ? await this.connectionRows(db, { only: ref.id })
        : await this.variableRows(db, { only: ref.id })
    const row = rows[0]
    if (!row) return undefined
    if (rows.length > 1) {
      const spellings = [
        ...new Set(rows.map((r) => str(ref.kind === 'connection' ? r.conn_id : r.key)!))
      ]
      const p = this.duplicated(ref, { table: ref.kind, count: rows.length, spellings })
      throw new AirlockError(p.code, p.message)
    }
    const problems: EntryProblem[] = []
    const entry =
      ref.kind === 'connection' ? this.toConnection(row, problems) : this.toVariable(row, problems)
    if (problems[0]) throw new AirlockError(problems[0].code, problems[0].message)
    return entry
  }

  /**
   * `read` of each ref from one `SELECT … WHERE id IN (…)` per kind and IDS_PER_QUERY ids (a
   * job's read-back of a batch), matched by the exact id; a row that does not decrypt is
   * `undefined` in its place. A failing query throws (the job then reads ref by ref).
   */
  async readEach(refs: readonly EntryRef[]): Promise<(Entry | undefined)[]> {
    if (refs.length === 0) return []
    const db = await this.ready()
    const idKey = await this.idKey()
    const found = new Map<string, Entry>()
    for (const kind of ['connection', 'variable'] as const) {
      const ids = [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))]
      for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
        const part = ids.slice(i, i + IDS_PER_QUERY)
        const rows =
          kind === 'connection'
            ? await this.connectionRows(db, { ids: part })
            : await this.variableRows(db, { ids: part })
        // an id held by more than one row (its lookup's: MySQL's collation folds) reads as
        // none: Airflow reads one of them, which one is up to the database (where ids are
        // only candidates for one, it says)
        const rowsOf = new Map<string, number>()
        for (const row of rows) {
          const k = idKey(str(kind === 'connection' ? row.conn_id : row.key)!)
          rowsOf.set(k, (rowsOf.get(k) ?? 0) + 1)
        }
        for (const row of rows) {
          const id = str(kind === 'connection' ? row.conn_id : row.key)!
          if (
            rowsOf.get(idKey(id))! > 1 &&
            (!this.confirmsIds || (await this.countRows(kind, id)) > 1)
          )
            continue
          const problems: EntryProblem[] = []
          const e =
            kind === 'connection'
              ? this.toConnection(row, problems)
              : this.toVariable(row, problems)
          if (e && problems.length === 0) found.set(`${kind}:${idOf(e)}`, e)
        }
      }
    }
    return refs.map((r) => found.get(`${r.kind}:${r.id}`))
  }

  async load(scope: Scope): Promise<LoadResult> {
    const out: LoadResult = { entries: [], problems: [] }
    for await (const page of this.loadPages(scope)) {
      for (const e of page.entries) out.entries.push(e)
      for (const p of page.problems) out.problems.push(p)
    }
    return out
  }

  /**
   * The row `write` upserts for `entry` (the same row builder and checks), its Fernet-sealed
   * columns shown as the text sealed: the token differs on every encryption.
   */
  async written(entry: Entry): Promise<WrittenForm> {
    const info = await this.schema()
    const row =
      entry.kind === 'connection' ? this.connectionRow(entry, info) : this.variableRow(entry, info)
    const sealed: string[] = []
    const plain = (column: string, flag: string, value: string | null) => {
      if (row[flag] !== true) return
      row[column] = value
      sealed.push(column)
    }
    if (entry.kind === 'connection') {
      plain('password', 'is_encrypted', entry.fields.password)
      plain('extra', 'is_extra_encrypted', entry.fields.extra)
    } else plain('val', 'is_encrypted', entry.value)
    const table = entry.kind === 'connection' ? 'connection' : 'variable'
    const column = entry.kind === 'connection' ? 'conn_id' : 'key'
    return {
      name: `${table}.${column} = ${JSON.stringify(idOf(entry))}`,
      text: JSON.stringify(row, null, 2),
      format: 'row',
      ...(sealed.length
        ? { note: `${sealed.join(' and ')} stored Fernet-encrypted with the store's key` }
        : {})
    }
  }

  /**
   * Everything in scope as pages of rows (LOAD_PAGE, SQLITE_LOAD_PAGE; keyset on the id: a
   * large table is never held at once), connections then variables, each in id order. The next page is asked for
   * before this one is decrypted, so the database reads while this process decrypts.
   */
  async *loadPages(scope: Scope): AsyncGenerator<LoadResult> {
    const db = await this.ready()
    if (inScope(scope, 'connection'))
      yield* this.pagesOf(
        'connection',
        (after, limit) => this.connectionRows(db, { after, limit }),
        (row) => str(row.conn_id)!,
        (row, problems) => this.toConnection(row, problems),
        (row, into) => {
          sealedOf(row.password, row.is_encrypted, into)
          sealedOf(row.extra, row.is_extra_encrypted, into)
        }
      )
    if (inScope(scope, 'variable'))
      yield* this.pagesOf(
        'variable',
        (after, limit) => this.variableRows(db, { after, limit }),
        (row) => str(row.key)!,
        (row, problems) => this.toVariable(row, problems),
        (row, into) => sealedOf(row.val, row.is_encrypted, into)
      )
  }

  /**
   * Everything in scope unread, as `plan`/`diff` compare it first (operations/raw-plan.ts): the
   * rows `load` reads, in its order, each decrypted (a page's tokens at once) but not made an
   * entry; its text is the JSON of the values its entry holds (the team apart), so the same
   * text is the same entry in any two metadata DBs whatever their ciphertexts, and `read`
   * makes the entry of the text alone. It stops after the first page with a problem (`load`'s
   * problem for that row): the caller then reads the store whole, which reports them all.
   */
  async loadRaw(scope: Scope): Promise<RawLoadResult> {
    const listing = await this.loadRawRows(scope)
    const entries: RawEntry[] = []
    const problems: EntryProblem[] = []
    for await (const page of listing.pages) {
      const opened = page.open()
      for (const p of opened.problems) problems.push(p)
      if (problems.length) break
      for (const e of opened.entries) entries.push(e!)
    }
    return {
      format: RAW_FORMAT,
      entries,
      problems,
      // the text is the entry's values: every entry listed reads
      surelyReads: () => true,
      read: listing.read
    }
  }

  /**
   * `loadRaw` row by row (Backend.loadRawRows): the pages `load` reads, each row decrypted
   * only when opened (a page's chosen rows at once). Rows come in the table's `ORDER BY` of
   * the id, which is JavaScript's order on SQLite (BINARY: UTF-8 bytes, i.e. code points) and
   * on PostgreSQL under the "C", "POSIX" or "C.UTF-8" collation (code points), except that
   * code points above U+FFFF sort after U+E000–U+FFFF there and before them in JavaScript (the
   * reader checks every step); not on MySQL (PAD SPACE: "a" and "a " are one id there).
   */
  async loadRawRows(scope: Scope): Promise<RawRowListing> {
    const db = await this.ready()
    const sortedById = await this.sortsLikeJavaScript(db)
    return {
      format: RAW_FORMAT,
      sortedById,
      pages: this.rawRowPages(db, scope),
      read: (raw) => {
        const team = raw.team ?? null
        // the values themselves where the text was not made: what JSON.parse of it gives
        const values = (raw instanceof MetastoreRawEntry && raw.decoded()) || JSON.parse(raw.text)
        return raw.kind === 'connection'
          ? this.connectionEntry(raw.id, values as ConnectionValues, team)
          : this.variableEntry(raw.id, values as VariableValues, team)
      },
      sameStored: (page, i, other, j) =>
        page instanceof MetastoreRowPage &&
        other instanceof MetastoreRowPage &&
        page.sameStored(i, other, j)
    }
  }

  /** The pages of loadRawRows: connections, then variables. */
  private async *rawRowPages(db: SqlExecutor, scope: Scope): AsyncGenerator<RawRowPage> {
    // SQLite answers in this thread: a page asked for ahead is only more rows alive at once
    const sqlite = this.options.target.dialect === 'sqlite'
    const limit = sqlite ? SQLITE_RAW_PAGE : LOAD_PAGE
    if (inScope(scope, 'connection'))
      for await (const rows of this.rowPages(
        'connection',
        (after, size) => this.connectionRows(db, { after, limit: size }),
        (row) => str(row.conn_id)!,
        limit,
        !sqlite
      ))
        yield new MetastoreRowPage(this, 'connection', rows)
    if (inScope(scope, 'variable'))
      for await (const rows of this.rowPages(
        'variable',
        (after, size) => this.variableRows(db, { after, limit: size }),
        (row) => str(row.key)!,
        limit,
        !sqlite
      ))
        yield new MetastoreRowPage(this, 'variable', rows)
  }

  /** Whether the ids' `ORDER BY` is code-point order (see loadRawRows). */
  private async sortsLikeJavaScript(db: SqlExecutor): Promise<boolean> {
    const { dialect } = this.options.target
    if (dialect === 'sqlite') return !(await this.schema()).caseInsensitiveIds
    if (dialect !== 'postgresql') return false
    // not known (the catalog unreadable): the listing is paired by id, as any other order
    const rows = await this.run('read the id collation', () =>
      db.query<Row>(
        `SELECT c.collation_name AS c, d.datcollate AS d, pg_encoding_to_char(d.encoding) AS e FROM information_schema.columns c, pg_database d WHERE d.datname = current_database() AND c.table_schema = current_schema() AND ((c.table_name = 'connection' AND c.column_name = 'conn_id') OR (c.table_name = 'variable' AND c.column_name = 'key'))`
      )
    ).catch(() => [])
    return (
      rows.length === 2 &&
      rows.every((r) => {
        const collation = str(r.c) ?? str(r.d) ?? ''
        return /^(C|POSIX)(\.utf-?8)?$/i.test(collation) && str(r.e) === 'UTF8'
      })
    )
  }

  /** Whether two values read from a row are the same stored value. */
  static sameValue(a: unknown, b: unknown): boolean {
    return a === b || (Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b))
  }

  /**
   * Whether `other` opens a stored value as this store does: the same Fernet keys, or none.
   * A store's keys never change: the answer for the last store asked about is kept (a merge
   * join asks once per row).
   */
  opensLike(other: MetastoreBackend): boolean {
    if (this.opensLikeLast?.other === other) return this.opensLikeLast.same
    const [a, b] = [this.fernet, other.fernet]
    const same = a === null || b === null ? a === b : a.sameKeys(b)
    this.opensLikeLast = { other, same }
    return same
  }

  private opensLikeLast: { other: MetastoreBackend; same: boolean } | undefined

  /**
   * A page of `kind`'s rows opened (`rows[i]` for each `which`, all where absent): the raw
   * entry of each, or undefined where a problem was recorded; its tokens decrypted at once.
   */
  openRaw(
    kind: EntryKind,
    rows: readonly Row[],
    which: readonly number[] | undefined
  ): { entries: (RawEntry | undefined)[]; problems: EntryProblem[] } {
    const chosen = which ? which.map((i) => rows[i]!) : rows
    return this.openRows(
      chosen,
      kind === 'connection'
        ? (row, into) => {
            sealedOf(row.password, row.is_encrypted, into)
            sealedOf(row.extra, row.is_extra_encrypted, into)
          }
        : (row, into) => sealedOf(row.val, row.is_encrypted, into),
      kind === 'connection'
        ? (row, problems): RawEntry | undefined => {
            const v = this.connectionValues(row, problems, true)
            return v && new MetastoreRawEntry(kind, str(row.conn_id)!, str(row.team), v)
          }
        : (row, problems): RawEntry | undefined => {
            const v = this.variableValues(row, problems, true)
            return v && new MetastoreRawEntry(kind, str(row.key)!, str(row.team), v)
          }
    )
  }

  private async *pagesOf<T>(
    table: 'connection' | 'variable',
    fetch: (after: string | undefined, limit: number) => Promise<Row[]>,
    keyOf: (row: Row) => string,
    toEntry: (row: Row, problems: EntryProblem[]) => T | undefined,
    /** A row's Fernet-sealed values, in the order `toEntry` decrypts them. */
    sealed: (row: Row, into: string[]) => void
  ): AsyncGenerator<{ entries: T[]; problems: EntryProblem[] }> {
    for await (const page of this.rowPages(table, fetch, keyOf, this.loadPage, true)) {
      const { entries, problems } = this.openRows(page, sealed, toEntry)
      yield { entries: entries.filter((e): e is T => e !== undefined), problems }
    }
  }

  /**
   * A table's rows page by page (keyset on the id: a large table is never held at once). The
   * next page is asked for before this one is handed over, so the database reads while this
   * process decrypts. The rows of an id held more than once (a table without its UNIQUE
   * constraint) are one row marked DUPLICATE (markDuplicates): each page is asked for with one
   * row more than it holds, which tells whether its last id goes on past it (the next page,
   * `> id`, skips the rest of them).
   */
  private async *rowPages(
    table: 'connection' | 'variable',
    fetch: (after: string | undefined, limit: number) => Promise<Row[]>,
    keyOf: (row: Row) => string,
    size: number,
    ahead: boolean
  ): AsyncGenerator<Row[]> {
    const idKey = await this.idKey()
    let next: Promise<Row[]> | undefined = fetch(undefined, size + 1)
    try {
      while (next) {
        const page: Row[] = await next
        next = undefined
        // the row past the page: only looked at (the next page starts with it)
        const past = page.length > size ? page.pop() : undefined
        const after = past ? keyOf(page[page.length - 1]!) : undefined
        if (after !== undefined && ahead) {
          next = fetch(after, size + 1)
          // A consumer that stops early never awaits it: its failure is not unhandled.
          next.catch(() => undefined)
        }
        const goesOn =
          past !== undefined &&
          after !== undefined &&
          keyOf(past) !== null &&
          after !== null &&
          idKey(keyOf(past)) === idKey(after)
        yield await this.markDuplicates(table, page, keyOf, idKey, goesOn)
        if (after !== undefined && !ahead) next = fetch(after, size + 1)
      }
    } finally {
      // Stopped early: the page asked for ahead must finish before the driver is closed.
      await next?.catch(() => undefined)
    }
  }

  /**
   * What makes two ids one for Airflow's lookup (`WHERE conn_id = ?`): the id itself, except
   * under MySQL's case-insensitive collation, where ids differing only in case (or accents)
   * are one, as the pre-flight and checkCollisions fold them.
   */
  private async idKey(): Promise<(id: string) => string> {
    if (this.options.target.dialect !== 'mysql') return sameId
    return (await this.schema()).caseInsensitiveIds ? mysqlFoldedCandidate : mysqlCandidate
  }

  /** Whether ids idKey makes one are only candidates the database must confirm (MySQL). */
  private get confirmsIds(): boolean {
    return this.options.target.dialect === 'mysql'
  }

  /**
   * `page` (rows in id order) with the rows of each id held more than once replaced by the
   * first row of each spelling, marked DUPLICATE (it opens to a problem, its values unread).
   * Rows of one id are next to each other: one comparison per row with the one before, and
   * the page itself where none repeats. `goesOn`: the page's last id has rows past the page
   * (the database counts them).
   */
  private async markDuplicates(
    table: 'connection' | 'variable',
    page: Row[],
    keyOf: (row: Row) => string,
    idKey: (id: string) => string,
    goesOn: boolean
  ): Promise<Row[]> {
    // a NULL id (a variable key before 3.2's NOT NULL) is no id Airflow looks up: never one
    // with another row's
    const keyAt = (i: number): string | undefined => {
      const id = keyOf(page[i]!) as string | null
      return id === null ? undefined : idKey(id)
    }
    let first = -1
    let last = page.length ? keyAt(0) : undefined
    for (let i = 1; i < page.length && first < 0; i++) {
      const key = keyAt(i)
      if (key !== undefined && key === last) first = i - 1
      last = key
    }
    if (first < 0 && !goesOn) return page
    const out = page.slice(0, Math.max(first, 0))
    for (let start = out.length; start < page.length;) {
      const key = keyAt(start)
      let end = start + 1
      while (key !== undefined && end < page.length && keyAt(end) === key) end++
      const atEnd = end === page.length && goesOn
      if (end - start === 1 && !atEnd) {
        out.push(page[start]!)
        start = end
        continue
      }
      // each spelling once (its first row), with how many rows hold it: counted here, or, where
      // the ids are only candidates (MySQL's collations) or go on past the page, by the database
      const spellings: string[] = []
      const kept: Row[] = []
      const counts: number[] = []
      for (let i = start; i < end; i++) {
        const id = keyOf(page[i]!)
        const at = spellings.indexOf(id)
        if (at >= 0) {
          counts[at]!++
          continue
        }
        spellings.push(id)
        kept.push(page[i]!)
        counts.push(1)
      }
      // (without MySQL's candidates a run holds one spelling: its count is the run's)
      for (let j = 0; j < spellings.length; j++)
        if (this.confirmsIds || (atEnd && j === spellings.length - 1))
          counts[j] = Math.max(counts[j]!, await this.countRows(table, spellings[j]!))
      const one = spellings.filter((_, j) => counts[j]! > 1)
      const count = Math.max(0, ...counts.filter((n) => n > 1))
      const duplicate: Duplicate = { table, count, spellings: one }
      for (let j = 0; j < kept.length; j++) {
        if (one.includes(spellings[j]!)) (kept[j] as MarkedRow)[DUPLICATE] = duplicate
        out.push(kept[j]!)
      }
      start = end
    }
    return out
  }

  /** How many rows Airflow's lookup of `id` matches (the database's own comparison). */
  private async countRows(table: 'connection' | 'variable', id: string): Promise<number> {
    const db = await this.open()
    const column = table === 'connection' ? 'conn_id' : 'key'
    const rows = await this.run(`read ${table}s`, () =>
      db.query<Row>(`SELECT COUNT(*) AS n FROM ${this.q(table)} WHERE ${this.q(column)} = ?`, [id])
    )
    return Number(rows[0]?.n ?? rows[0]?.N ?? 0)
  }

  /** The problem of a duplicated id (never its values). */
  private duplicated(ref: EntryRef, d: Duplicate): EntryProblem {
    const column = d.table === 'connection' ? 'conn_id' : 'key'
    const others = d.spellings.filter((s) => s !== ref.id)
    const also = others.length
      ? ` (with ${others.map((s) => JSON.stringify(s)).join(', ')}: one id under MySQL's case-insensitive collation)`
      : ''
    return {
      ref,
      code: 'job.conflict',
      message: `${this.id}: ${ref.kind} "${ref.id}": ${d.count} rows of the ${d.table} table hold this ${column}${also}; Airflow reads one of them, which one is up to the database. Delete the extra rows (the table lacks its UNIQUE constraint on ${column}).`
    }
  }

  /** `toEntry` of each row (undefined where it recorded a problem), their tokens opened at once. */
  private openRows<T>(
    rows: readonly Row[],
    /** A row's Fernet-sealed values, in the order `toEntry` decrypts them. */
    sealed: (row: Row, into: string[]) => void,
    toEntry: (row: Row, problems: EntryProblem[]) => T | undefined
  ): { entries: (T | undefined)[]; problems: EntryProblem[] } {
    const out = { entries: new Array<T | undefined>(rows.length), problems: [] as EntryProblem[] }
    // The rows' tokens opened at once (MultiFernet.decryptMany); `decrypt` takes each.
    if (this.fernet) {
      const tokens: string[] = []
      for (const row of rows) if (!duplicateOf(row)) sealed(row, tokens)
      if (tokens.length) this.opened = { tokens, results: this.fernet.decryptMany(tokens), at: 0 }
    }
    try {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!
        const duplicate = duplicateOf(row)
        if (duplicate) {
          const kind = duplicate.table
          const id = str(kind === 'connection' ? row.conn_id : row.key)!
          out.problems.push(this.duplicated({ kind, id }, duplicate))
        } else out.entries[i] = toEntry(row, out.problems)
      }
    } finally {
      this.opened = undefined
    }
    return out
  }

  async write(entries: readonly Entry[]): Promise<void> {
    if (entries.length === 0) return
    this.lastSealed = undefined
    const db = await this.ready()
    const info = await this.schema()
    const key = await this.keyCheck()
    if (key.error) throw new AirlockError('fernet.invalid-key', key.error)
    // rows checked with their sealed columns measured, then every value of the batch sealed
    // at once (Fernet.encryptMany)
    const rows = entries.map((e) =>
      e.kind === 'connection' ? this.connectionRow(e, info, true) : this.variableRow(e, info, true)
    )
    if (this.fernet) {
      const slots: [Row, string][] = []
      const plain: Uint8Array[] = []
      const texts: string[] = []
      const utf8 = new TextEncoder()
      entries.forEach((e, i) => {
        const row = rows[i]!
        const put = (column: string, flag: string, value: string | null) => {
          if (row[flag] !== true || value === null) return
          slots.push([row, column])
          plain.push(utf8.encode(value))
          texts.push(value)
        }
        if (e.kind === 'connection') {
          put('password', 'is_encrypted', e.fields.password)
          put('extra', 'is_extra_encrypted', e.fields.extra)
        } else put('val', 'is_encrypted', e.value)
      })
      const sealed = new Map<string, string>()
      this.fernet.encryptMany(plain).forEach((token, i) => {
        const [row, column] = slots[i]!
        const text = texts[i]!
        row[column] = token
        if (readsBackAsIs(text)) sealed.set(token, text)
      })
      this.lastSealed = sealed
    }
    await this.checkCollisions(db, entries, info)
    await this.run('write', () =>
      db.transaction(async (tx) => {
        for (const kind of ['connection', 'variable'] as const) {
          // an id written twice in one batch: the last one is what the row ends up holding
          const last = new Map<string, Row>()
          entries.forEach((e, i) => {
            if (e.kind !== kind) return
            last.delete(idOf(e))
            last.set(idOf(e), rows[i]!)
          })
          if (last.size) await this.upsertAll(tx, kind, last)
        }
      })
    )
  }

  async remove(refs: readonly EntryRef[]): Promise<void> {
    if (refs.length === 0) return
    const db = await this.ready()
    const exact = db.dialect === 'mysql' ? 'BINARY ' : ''
    await this.run('remove', () =>
      db.transaction(async (tx) => {
        for (const kind of ['connection', 'variable'] as const) {
          const [table, key] =
            kind === 'connection' ? ['connection', 'conn_id'] : ['variable', 'key']
          const ids = [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))]
          for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
            const part = ids.slice(i, i + IDS_PER_QUERY)
            await tx.query(
              `DELETE FROM ${this.q(table)} WHERE ${exact}${this.q(key)} IN (${part.map(() => '?').join(', ')})`,
              part
            )
          }
        }
      })
    )
  }

  /**
   * Checks a write before it happens, writing nothing. Store-wide: with no Fernet key the
   * values would be stored in plaintext (a warning: Airflow does the same with an empty
   * `[core] fernet_key`, NullFernet); a key that decrypts none of the target's sampled
   * encrypted rows is refused (Airflow, holding its own key, could not read what this one
   * writes). Per entry: what the write itself would refuse (a field longer than its column, a
   * missing NOT NULL value, a port beyond INTEGER, a team the schema lacks), a NUL character
   * PostgreSQL cannot store, ids MySQL's case-insensitive collation sees as one, and ids the
   * target holds in more than one row (duplicatedIds).
   */
  async preflight(entries: readonly Entry[]): Promise<PreflightProblem[]> {
    const problems: PreflightProblem[] = []
    if (entries.length === 0) return problems
    const db = await this.ready()
    const info = await this.schema()
    const key = await this.keyCheck()
    if (key.error) problems.push({ ref: null, severity: 'error', message: key.error })
    if (key.warning) problems.push({ ref: null, severity: 'warning', message: key.warning })
    if (!this.fernet)
      problems.push({
        ref: null,
        severity: 'warning',
        message: `${this.id}: no Fernet key is configured, so passwords, extras and variable values will be stored in plaintext (is_encrypted false), as Airflow does with an empty [core] fernet_key. Give the target's key (--key-file, --key-stdin, AIRFLOW__CORE__FERNET_KEY or a metadb profile's key) to encrypt them.`
      })
    const folded = new Map<string, Entry>()
    const fold = (e: Entry) =>
      `${e.kind}:${idOf(e).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()}`
    const ok: Entry[] = []
    // made for an entry with a problem only (a pre-flight of 100 k rows: their garbage)
    const error = (e: Entry, message: string) =>
      problems.push({ ref: refOf(e), severity: 'error', message })
    for (const e of entries) {
      if (db.dialect === 'postgresql' && holdsNul(e)) {
        error(
          e,
          `${this.id}: ${e.kind} "${idOf(e)}" holds a NUL character (in its id or a field), which PostgreSQL cannot store in text; remove it.`
        )
        continue
      }
      try {
        // the checks only: a sealed column is measured, not encrypted (sealedLength)
        if (e.kind === 'connection') this.connectionRow(e, info, true)
        else this.variableRow(e, info, true)
      } catch (err) {
        if (!(err instanceof AirlockError)) throw err
        error(e, err.userMessage)
        continue
      }
      if (info.caseInsensitiveIds) {
        const other = folded.get(fold(e))
        if (other) {
          error(
            e,
            `${this.id}: ${e.kind} ids "${idOf(other)}" and "${idOf(e)}" are the same id under MySQL's case-insensitive collation; rename one.`
          )
          continue
        }
        folded.set(fold(e), e)
      }
      ok.push(e)
    }
    for (const p of await this.duplicatedIds(db, ok)) problems.push(p)
    if (info.caseInsensitiveIds)
      for (const kind of ['connection', 'variable'] as const) {
        const ids = ok.filter((e) => e.kind === kind).map(idOf)
        if (ids.length === 0) continue
        const [table, column] =
          kind === 'connection' ? ['connection', 'conn_id'] : ['variable', 'key']
        const exact = new Set(ids)
        for (let i = 0; i < ids.length; i += 500) {
          const part = ids.slice(i, i + 500)
          const existing = await this.run('check ids', () =>
            db.query<Row>(
              `SELECT ${this.q(column)} AS k FROM ${this.q(table)} WHERE ${this.q(column)} IN (${part.map(() => '?').join(', ')})`,
              part
            )
          )
          for (const r of existing) {
            const k = str(r.k ?? r.K)!
            if (exact.has(k)) continue
            const mine = ok.find(
              (e) =>
                e.kind === kind &&
                fold(e) === `${kind}:${k.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()}`
            )
            if (mine)
              problems.push({
                ref: refOf(mine),
                severity: 'error',
                message: `${this.id}: ${kind} "${k}" already exists and is the same id as "${idOf(mine)}" under MySQL's case-insensitive collation; rename it.`
              })
          }
        }
      }
    return problems
  }

  /**
   * A pre-flight error for each entry whose id the target holds in more than one row (a table
   * without its UNIQUE constraint): an UPDATE would change one of them, an INSERT add one more,
   * and Airflow would still read whichever the database gives first. The database groups the
   * ids itself (MySQL's collation folds case): the written ids, or the whole table when they
   * are many (one scan, not a query per IDS_PER_QUERY ids).
   */
  private async duplicatedIds(
    db: SqlExecutor,
    entries: readonly Entry[]
  ): Promise<PreflightProblem[]> {
    const problems: PreflightProblem[] = []
    const idKey = await this.idKey()
    for (const kind of ['connection', 'variable'] as const) {
      const mine = entries.filter((e) => e.kind === kind)
      if (mine.length === 0) continue
      const [table, column] =
        kind === 'connection' ? ['connection', 'conn_id'] : ['variable', 'key']
      const ids = mine.length <= IDS_PER_QUERY ? [...new Set(mine.map(idOf))] : undefined
      const rows = await this.run('check ids', () =>
        db.query<Row>(
          `SELECT ${this.q(column)} AS k, COUNT(*) AS n FROM ${this.q(table)} WHERE ${ids ? `${this.q(column)} IN (${ids.map(() => '?').join(', ')})` : `${this.q(column)} IS NOT NULL`} GROUP BY ${this.q(column)} HAVING COUNT(*) > 1`,
          ids ?? []
        )
      )
      if (rows.length === 0) continue
      const counts = new Map<string, number>()
      for (const r of rows) counts.set(idKey(str(r.k ?? r.K)!), Number(r.n ?? r.N))
      for (const e of mine) {
        let count = counts.get(idKey(idOf(e)))
        if (count === undefined) continue
        // a candidate only (MySQL): the database says whether this id is one of them
        if (this.confirmsIds) count = await this.countRows(kind, idOf(e))
        if (count < 2) continue
        problems.push({
          ref: refOf(e),
          severity: 'error',
          message: `${this.id}: ${kind} "${idOf(e)}": ${count} rows of the ${table} table hold this ${column}; Airflow reads one of them, which one is up to the database. It is not written (an UPDATE would change one of the rows, an INSERT add another); delete the extra rows first (the table lacks its UNIQUE constraint on ${column}).`
        })
      }
    }
    return problems
  }

  /**
   * What `airflow rotate-fernet-key` does, resumable: every encrypted field is re-encrypted
   * with the first key (timestamps kept), in batches of 100, each batch its own transaction.
   * Fields the first key already decrypts are skipped, so a rerun after a crash continues.
   */
  async rotateFernetKey(onProgress?: (done: number) => void): Promise<RotationReport> {
    if (!this.fernet)
      throw new AirlockError(
        'fernet.no-key',
        `${this.id}: rotation needs the Fernet key list (new key first, old keys after).`
      )
    const fernet = this.fernet
    const db = await this.ready()
    const report: RotationReport = { rotated: 0, alreadyCurrent: 0, failed: [] }
    const tables = [
      {
        table: 'connection',
        key: 'conn_id',
        fields: [
          ['password', 'is_encrypted'],
          ['extra', 'is_extra_encrypted']
        ] as const,
        kind: 'connection' as const
      },
      {
        table: 'variable',
        key: 'key',
        fields: [['val', 'is_encrypted']] as const,
        kind: 'variable' as const
      }
    ]
    for (const t of tables) {
      let lastId: number | bigint = -1
      for (;;) {
        const cols = [t.key, 'id', ...t.fields.flat()].map((c) => this.q(c)).join(', ')
        const batch = await this.run('rotate', () =>
          db.query<Row>(
            `SELECT ${cols} FROM ${this.q(t.table)} WHERE ${this.q('id')} > ? ORDER BY ${this.q('id')} LIMIT 100`,
            [lastId]
          )
        )
        if (batch.length === 0) break
        await this.run('rotate', () =>
          db.transaction(async (tx) => {
            for (const row of batch) {
              lastId = typeof row.id === 'bigint' ? row.id : Number(row.id)
              const updates: [string, string][] = []
              for (const [field, flag] of t.fields) {
                const value = str(row[field])
                if (!value || !truthy(row[flag])) continue
                if (fernet.isCurrent(value)) {
                  report.alreadyCurrent++
                  continue
                }
                try {
                  updates.push([field, fernet.rotate(value)])
                } catch {
                  report.failed.push({
                    ref: { kind: t.kind, id: str(row[t.key])! },
                    code: 'fernet.invalid-token',
                    message: `${this.id}: ${t.kind} "${str(row[t.key])}" ${field}: ${this.reason(fernet.diagnose(value))}`
                  })
                }
              }
              if (updates.length === 0) continue
              const set = updates.map(([c]) => `${this.q(c)} = ?`).join(', ')
              await tx.query(`UPDATE ${this.q(t.table)} SET ${set} WHERE ${this.q('id')} = ?`, [
                ...updates.map(([, v]) => v),
                row.id
              ])
              report.rotated += updates.length
            }
          })
        )
        onProgress?.(report.rotated + report.alreadyCurrent)
      }
    }
    return report
  }

  async close(): Promise<void> {
    if (this.driver) await (await this.driver).close()
    this.driver = undefined
    this.schemaInfo = undefined
  }

  // ---- internals ----

  private q(name: string): string {
    return quoteIdent(this.options.target.dialect, name)
  }

  private open(): Promise<SqlDriver> {
    const t = this.options.target
    // SQLite creates a missing file on open: a mistyped path would leave an empty database
    if (t.dialect === 'sqlite' && t.path && t.path !== ':memory:' && !existsSync(t.path))
      return Promise.reject(
        new AirlockError(
          'backend.not-found',
          `${this.id} (${t.path}): the database does not exist.`
        )
      )
    this.driver ??= openSql(this.options.target).catch((error: unknown) => {
      this.driver = undefined
      throw this.translate(error, 'connect')
    })
    return this.driver
  }

  private async ready(): Promise<SqlDriver> {
    await this.schema()
    return this.open()
  }

  private where(): string {
    const t = this.options.target
    return t.dialect === 'sqlite'
      ? (t.path ?? ':memory:')
      : `${t.host ?? '127.0.0.1'}${t.port ? ':' + t.port : ''}/${t.database ?? ''}`
  }

  /** Maps a driver failure to a typed error naming the store and operation — never its text. */
  private translate(error: unknown, operation: string): AirlockError {
    if (error instanceof AirlockError) return error
    const e = error as { code?: string | number; errno?: number; message?: string }
    const code = String(e.code ?? '')
    const at = `${this.id} (${this.where()})`
    if (
      [
        'ECONNREFUSED',
        'ENOTFOUND',
        'ETIMEDOUT',
        'EHOSTUNREACH',
        'ECONNRESET',
        'PROTOCOL_CONNECTION_LOST'
      ].includes(code)
    )
      return new AirlockError(
        'backend.unreachable',
        `${at}: cannot reach the database to ${operation}. Is it running and reachable?`,
        { cause: error }
      )
    if (['28P01', '28000', 'ER_ACCESS_DENIED_ERROR'].includes(code))
      return new AirlockError(
        'backend.auth',
        `${at}: the database refused the credentials (${operation}).`,
        { cause: error }
      )
    if (
      [
        '42501',
        'ER_DBACCESS_DENIED_ERROR',
        'ER_TABLEACCESS_DENIED_ERROR',
        'ER_SPECIFIC_ACCESS_DENIED_ERROR',
        'ERR_SQLITE_ERROR'
      ].includes(code) &&
      /denied|readonly|read-only|privilege/i.test(e.message ?? '')
    )
      return new AirlockError(
        'backend.access-denied',
        `${at}: permission denied to ${operation}.`,
        { cause: error }
      )
    if (
      ['3D000', 'ER_BAD_DB_ERROR'].includes(code) ||
      /unable to open database/i.test(e.message ?? '')
    )
      return new AirlockError('backend.not-found', `${at}: the database does not exist.`, {
        cause: error
      })
    if (/readonly database/i.test(e.message ?? ''))
      return new AirlockError(
        'backend.access-denied',
        `${at}: the database file is read-only (${operation}).`,
        { cause: error }
      )
    return new AirlockError(
      'internal',
      `${at}: the database failed to ${operation} (${code || 'error'}); nothing was changed.`,
      { cause: error }
    )
  }

  private async run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      const driver = await this.driver?.catch(() => undefined)
      if (driver?.lost()) {
        // The server rolled back the open transaction; the next call connects again (a
        // retrying job then writes the whole batch).
        this.driver = undefined
        await driver.close().catch(() => undefined)
        throw new AirlockError(
          'backend.unreachable',
          `${this.id} (${this.where()}): the connection to the database was lost during ${operation}; the database rolled back the unfinished transaction, so nothing of it was written.`,
          { cause: error }
        )
      }
      throw this.translate(error, operation)
    }
  }

  private async introspect(db: SqlDriver): Promise<MetastoreSchema> {
    const columns = async (table: string): Promise<Map<string, Column>> => {
      const map = new Map<string, Column>()
      if (db.dialect === 'sqlite') {
        for (const r of await db.query<Row>(`PRAGMA table_info(${this.q(table)})`)) {
          const type = String(r.type).toUpperCase()
          const len = /\((\d+)\)/.exec(type)
          map.set(String(r.name), {
            type,
            maxLength: len ? Number(len[1]) : null,
            nullable: !truthy(r.notnull)
          })
        }
        return map
      }
      const schemaExpr = db.dialect === 'postgresql' ? 'current_schema()' : 'DATABASE()'
      const rows = await db.query<Row>(
        `SELECT column_name AS name, data_type AS type, character_maximum_length AS len, is_nullable AS nullable FROM information_schema.columns WHERE table_schema = ${schemaExpr} AND table_name = ?`,
        [table]
      )
      for (const r of rows) {
        const name = String(r.name ?? r.NAME ?? r.COLUMN_NAME)
        const type = String(r.type ?? r.TYPE).toUpperCase()
        const len = r.len ?? r.LEN
        map.set(name, {
          type,
          maxLength: type.includes('CHAR') && len !== null ? Number(len) : null,
          nullable: String(r.nullable ?? r.NULLABLE) === 'YES'
        })
      }
      return map
    }
    const connection = await this.run('inspect tables', () => columns('connection'))
    const variable = await this.run('inspect tables', () => columns('variable'))
    const missing = CONN_COLUMNS.filter((c) => !connection.has(c))
    if (connection.size === 0 || variable.size === 0)
      throw new AirlockError(
        'backend.not-found',
        `${this.id} (${this.where()}): no Airflow tables here (connection and variable are missing). Is this Airflow's metadata database${db.dialect === 'postgresql' ? ' and schema' : ''}?`
      )
    if (missing.length)
      throw new AirlockError(
        'backend.not-found',
        `${this.id}: the connection table lacks ${missing.join(', ')}; it is not an Airflow 2.3+ schema.`
      )
    let revision: string | null = null
    try {
      const rows = await db.query<Row>(
        `SELECT ${this.q('version_num')} FROM ${this.q('alembic_version')}`
      )
      revision = str(rows[0]?.version_num)
    } catch {
      revision = null
    }
    let caseInsensitiveIds = false
    if (db.dialect === 'mysql') {
      const rows = await this.run('inspect tables', () =>
        db.query<Row>(
          `SELECT collation_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'connection' AND column_name = 'conn_id'`
        )
      )
      caseInsensitiveIds = /_ci$/i.test(String(rows[0]?.c ?? rows[0]?.C ?? ''))
    }
    return {
      connection,
      variable,
      revision,
      release: revision ? (releaseForRevision(revision) ?? null) : null,
      caseInsensitiveIds,
      team: connection.has('team_name') ? 'team_name' : connection.has('team_id') ? 'team_id' : null
    }
  }

  private connectionRows(db: SqlExecutor, which: Which): Promise<Row[]> {
    return this.tableRows(db, 'connection', 'conn_id', CONN_COLUMNS, which)
  }

  private variableRows(db: SqlExecutor, which: Which): Promise<Row[]> {
    return this.tableRows(db, 'variable', 'key', VARIABLE_COLUMNS, which)
  }

  /**
   * One id (`only`), the rows of some ids (`ids`, matched exactly by the caller), or a page of
   * rows (LOAD_PAGE, SQLITE_LOAD_PAGE) after `after`, with the team's name.
   */
  private async tableRows(
    db: SqlExecutor,
    table: 'connection' | 'variable',
    keyColumn: string,
    columns: readonly string[],
    which: Which
  ): Promise<Row[]> {
    const info = await this.schema()
    const cols = columns.map((c) => `r.${this.q(c)}`)
    let from = `${this.q(table)} r`
    if (info.team === 'team_name') cols.push(`r.${this.q('team_name')} AS team`)
    if (info.team === 'team_id') {
      cols.push(`t.${this.q('name')} AS team`)
      from += ` LEFT JOIN ${this.q('team')} t ON t.${this.q('id')} = r.${this.q('team_id')}`
    }
    const key = `r.${this.q(keyColumn)}`
    const [where, args, limit]: [string, readonly unknown[], string] =
      which.only !== undefined
        ? [` WHERE ${key} = ?`, [which.only], '']
        : which.ids
          ? [` WHERE ${key} IN (${which.ids.map(() => '?').join(', ')})`, which.ids, '']
          : which.after !== undefined
            ? [` WHERE ${key} > ?`, [which.after], ` LIMIT ${which.limit ?? this.loadPage}`]
            : ['', [], ` LIMIT ${which.limit ?? this.loadPage}`]
    return this.run(`read ${table}s`, () =>
      db.query<Row>(`SELECT ${cols.join(', ')} FROM ${from}${where} ORDER BY ${key}${limit}`, args)
    )
  }

  private keyChecked?: Promise<{ error?: string; warning?: string }>

  /**
   * Whether the configured key list reads what the target already holds: a few encrypted
   * values of each table (connection passwords and extras, variable values) are decrypted.
   * None decrypting means another key encrypted them; what this key writes, the target's
   * Airflow could not read (and this key cannot read the target's rows). Checked once.
   */
  private keyCheck(): Promise<{ error?: string; warning?: string }> {
    this.keyChecked ??= this.sampleKey().catch((error: unknown) => {
      this.keyChecked = undefined
      throw error
    })
    return this.keyChecked
  }

  private async sampleKey(): Promise<{ error?: string; warning?: string }> {
    const fernet = this.fernet
    if (!fernet) return {}
    const db = await this.ready()
    const yes = db.dialect === 'postgresql' ? true : 1
    const samples: { what: string; token: string }[] = []
    for (const [table, key, field, flag] of [
      ['connection', 'conn_id', 'password', 'is_encrypted'],
      ['connection', 'conn_id', 'extra', 'is_extra_encrypted'],
      ['variable', 'key', 'val', 'is_encrypted']
    ] as const) {
      const rows = await this.run('check the Fernet key', () =>
        db.query<Row>(
          `SELECT ${this.q(key)} AS k, ${this.q(field)} AS v FROM ${this.q(table)} WHERE ${this.q(flag)} = ? AND ${this.q(field)} IS NOT NULL ORDER BY ${this.q('id')} LIMIT 5`,
          [yes]
        )
      )
      for (const r of rows) {
        const token = str(r.v ?? r.V)
        if (token) samples.push({ what: `${table} "${str(r.k ?? r.K)}" ${field}`, token })
      }
    }
    const wrong = samples.filter((s) => {
      try {
        fernet.decrypt(s.token)
        return false
      } catch {
        return fernet.diagnose(s.token) === 'wrong-key'
      }
    })
    if (wrong.length === 0) return {}
    const named = wrong
      .slice(0, 3)
      .map((s) => s.what)
      .join(', ')
    if (wrong.length === samples.length)
      return {
        error: `${this.id} (${this.where()}): the Fernet key given does not decrypt any of the ${samples.length} encrypted values sampled from the target (${named}${wrong.length > 3 ? ', …' : ''}): it is not this database's [core] fernet_key, so Airflow could not read what it would write. Give the target's key (new key first, old keys after); nothing was written.`
      }
    return {
      warning: `${this.id} (${this.where()}): ${wrong.length} of ${samples.length} encrypted values sampled from the target do not decrypt with the Fernet key given (${named}); the key list may lack an old key.`
    }
  }

  private reason(diagnosis: ReturnType<MultiFernet['diagnose']>): string {
    switch (diagnosis) {
      case 'not-a-token':
        return 'the stored value is flagged as encrypted but is not a Fernet token'
      case 'corrupt':
        return 'the Fernet token is corrupt (truncated or altered)'
      case 'wrong-key':
        return 'no configured Fernet key decrypts it (wrong key, or the key list lacks the old key)'
      default:
        return 'it decrypts to bytes that are not UTF-8 text'
    }
  }

  /** Airflow's getter: a flagged non-empty value is decrypted; a failure becomes a problem. */
  private decrypt(
    value: string | null,
    flagged: boolean,
    ref: EntryRef,
    field: string,
    problems: EntryProblem[]
  ): string | null | undefined
  /** `bytes`: a decrypted value is its plaintext, checked to be UTF-8 but not decoded. */
  private decrypt(
    value: string | null,
    flagged: boolean,
    ref: EntryRef,
    field: string,
    problems: EntryProblem[],
    bytes: boolean
  ): Sealed | null | undefined
  private decrypt(
    value: string | null,
    flagged: boolean,
    ref: EntryRef,
    field: string,
    problems: EntryProblem[],
    bytes = false
  ): Sealed | null | undefined {
    if (!value || !flagged) return value
    if (!this.fernet) {
      problems.push({
        ref,
        code: 'fernet.no-key',
        message: `${this.what(ref, field)} is encrypted, but no Fernet key is configured for this store.`
      })
      return undefined
    }
    // Opened with its page (pagesOf), when it is the next one there; else here.
    const o = this.opened
    const opened = o && o.tokens[o.at] === value ? o.results[o.at++] : undefined
    // a token the last write made (its read-back): the text it sealed, as decrypting gives it
    const known = opened === undefined ? this.lastSealed?.get(value) : undefined
    if (known !== undefined) return known
    try {
      if (opened instanceof Error) throw opened
      const plaintext = opened ?? this.fernet.decrypt(value)
      if (!bytes) return utf8Strict.decode(plaintext)
      // what utf8Strict refuses (a bad sequence, a surrogate, an overlong form) isUtf8 does
      if (isUtf8(plaintext)) return plaintext
      throw new Error('not UTF-8')
    } catch {
      problems.push({
        ref,
        code: 'fernet.invalid-token',
        message: `${this.what(ref, field)} cannot be decrypted: ${this.reason(this.fernet.diagnose(value))}.`
      })
      return undefined
    }
  }

  /** A field named in a problem's message (made only for a problem, not for every value). */
  private what(ref: EntryRef, field: string): string {
    return `${this.id}: ${ref.kind} "${ref.id}" ${field}`
  }

  private source(table: string, id: string) {
    return { backendId: this.id, path: table, fromKey: id }
  }

  /**
   * What `load` makes a connection's entry of (`undefined`: a problem was recorded): its fields'
   * values in the order of ConnectionFields, the secrets decrypted; the port an integer (one
   * that is not is a problem), `-0` as its text in a raw entry's (JSON writes it as 0, and a
   * canonical text must read back exactly).
   */
  private connectionValues(row: Row, problems: EntryProblem[]): ConnectionValues | undefined
  /** `raw`: a raw entry's (a port of -0 as its text, plaintexts as bytes). */
  private connectionValues(
    row: Row,
    problems: EntryProblem[],
    raw: true
  ): ConnectionValues<Sealed> | undefined
  private connectionValues(
    row: Row,
    problems: EntryProblem[],
    raw = false
  ): ConnectionValues<Sealed> | undefined {
    const ref: EntryRef = { kind: 'connection', id: str(row.conn_id)! }
    const password = this.decrypt(
      str(row.password),
      truthy(row.is_encrypted),
      ref,
      'password',
      problems,
      raw
    )
    const extra = this.decrypt(
      str(row.extra),
      truthy(row.is_extra_encrypted),
      ref,
      'extra',
      problems,
      raw
    )
    if (password === undefined || extra === undefined) return undefined
    const port = row.port === null || row.port === undefined ? null : Number(row.port)
    if (typeof row.port === 'bigint') {
      // SQLite's INTEGER holds 64 bits (the driver hands those beyond 2^53 as bigints):
      // Airflow reads such a port exactly, Airlock's numbers cannot — refused, not rounded
      problems.push({
        ref,
        code: 'codec.invalid-port',
        message: `${this.what(ref, 'port')} is ${row.port}, beyond the whole numbers Airlock holds exactly (±2^53). Correct the row.`
      })
      return undefined
    }
    if (
      port !== null &&
      (!Number.isSafeInteger(port) || (typeof row.port === 'string' && !/^-?\d+$/.test(row.port)))
    ) {
      // SQLite keeps text that is no integer literal, and reals (fractions, and whole ones
      // beyond 64 bits: integers past 2^53 arrive as bigints), in an INTEGER column and hands
      // them to Airflow as they are (a str, a float); Connection.port is an Integer, so such a
      // row cannot be told as Airflow would take it: refused, not guessed
      problems.push({
        ref,
        code: 'codec.invalid-port',
        message: `${this.what(ref, 'port')} is not a whole number (the column holds ${typeof row.port === 'string' ? 'text' : 'a real number'}); Airflow reads ports as integers. Correct the row.`
      })
      return undefined
    }
    return [
      str(row.conn_type),
      str(row.description),
      str(row.host),
      str(row.login),
      password,
      str(row.schema),
      raw && Object.is(port, -0) ? '-0' : port,
      extra
    ]
  }

  private connectionEntry(id: string, v: ConnectionValues, team: string | null): ConnectionEntry {
    const port = v[6]
    const fields: ConnectionFields = {
      conn_type: v[0],
      description: v[1],
      host: v[2],
      login: v[3],
      password: v[4],
      schema: v[5],
      port: typeof port === 'string' ? Number(port) : port,
      extra: v[7]
    }
    return { kind: 'connection', id, fields, team, source: this.source('connection', id) }
  }

  private toConnection(row: Row, problems: EntryProblem[]): ConnectionEntry | undefined {
    const values = this.connectionValues(row, problems)
    return values && this.connectionEntry(str(row.conn_id)!, values, str(row.team))
  }

  /** A variable's value (decrypted) and description, as `load` makes its entry of them. */
  private variableValues(row: Row, problems: EntryProblem[]): VariableValues | undefined
  /** `raw`: a raw entry's (its plaintext as bytes). */
  private variableValues(
    row: Row,
    problems: EntryProblem[],
    raw: true
  ): VariableValues<Sealed> | undefined
  private variableValues(
    row: Row,
    problems: EntryProblem[],
    raw = false
  ): VariableValues<Sealed> | undefined {
    const val = str(row.val)
    const ref: EntryRef = { kind: 'variable', id: str(row.key)! }
    // before 3.2 `val` may be NULL: Airflow's metastore lookup returns None and Variable.get
    // finds no variable (3.2's migration makes the column NOT NULL, back-filling '')
    if (val === null) {
      problems.push({
        ref,
        code: 'codec.invalid-field',
        message: `${this.what(ref, 'value')} is NULL: Airflow finds no variable there. Set a value or delete the row.`
      })
      return undefined
    }
    // Airflow's Variable.get_val decrypts any flagged value that is not None — '' too, which
    // no Fernet opens (InvalidToken: it logs and returns None, so Variable.get finds no
    // variable); a connection's getters decrypt only a non-empty value
    if (val === '' && this.fernet && truthy(row.is_encrypted)) {
      problems.push({
        ref,
        code: 'fernet.invalid-token',
        message: `${this.what(ref, 'value')} is flagged as encrypted but empty: Airflow cannot decrypt it and reads the variable as missing. Correct the row (is_encrypted false for an empty value).`
      })
      return undefined
    }
    const value = this.decrypt(val, truthy(row.is_encrypted), ref, 'value', problems, raw)
    return value === undefined ? undefined : [value ?? '', str(row.description)]
  }

  private variableEntry(key: string, v: VariableValues, team: string | null): VariableEntry {
    return {
      kind: 'variable',
      key,
      value: v[0],
      description: v[1],
      team,
      source: this.source('variable', key)
    }
  }

  private toVariable(row: Row, problems: EntryProblem[]): VariableEntry | undefined {
    const values = this.variableValues(row, problems)
    return values && this.variableEntry(str(row.key)!, values, str(row.team))
  }

  /**
   * `fernet.encrypt` when a key is configured; the flag says whether it was. `measure`: a text
   * of the token's length instead of the token (what a check needs, without the encryption).
   */
  private seal(value: string | null, measure = false): [string | null, boolean] {
    if (value === null || value === '' || !this.fernet) return [value === '' ? null : value, false]
    return [this.encrypt(value, measure), true]
  }

  private encrypt(value: string, measure: boolean): string {
    return measure
      ? placeholder(sealedLength(Buffer.byteLength(value, 'utf8')))
      : this.fernet!.encrypt(new TextEncoder().encode(value))
  }

  /**
   * Throws when `value` does not fit `column`; `where` names the row (made only then: a
   * pre-flight of 100 k rows made a text per row for messages it never showed).
   */
  private fits<E>(
    info: ReadonlyMap<string, Column>,
    column: string,
    value: string | null,
    where: (e: E) => string,
    e: E
  ): void {
    const col = info.get(column)
    if (value === null) {
      if (col && !col.nullable)
        throw new AirlockError(
          'codec.invalid-field',
          `${where(e)}: ${column} is required by this schema (NOT NULL).`
        )
      return
    }
    // characters are code points; a text no longer in UTF-16 units than the limit fits, and is
    // not split into an array of its characters (a pre-flight of 100 k rows: its garbage)
    if (col?.maxLength && value.length > col.maxLength && [...value].length > col.maxLength)
      throw new AirlockError(
        'codec.invalid-field',
        `${where(e)}: ${column} is longer than the column allows (${col.maxLength} characters${column === 'password' ? ', measured after encryption' : ''}); nothing was written.`
      )
  }

  /** How a connection's row is named in what its checks throw. */
  private readonly connectionWhere = (e: ConnectionEntry) => `${this.id}: connection "${e.id}"`
  /** How a variable's row is named in what its checks throw. */
  private readonly variableWhere = (e: VariableEntry) => `${this.id}: variable "${e.key}"`

  /** The row written for `e`; `measure`: its sealed columns are placeholders of their length. */
  private connectionRow(e: ConnectionEntry, info: MetastoreSchema, measure = false): Row {
    const where = this.connectionWhere
    const f = e.fields
    const [password, isEncrypted] = this.seal(f.password, measure)
    const [extra, isExtraEncrypted] = this.seal(f.extra, measure)
    const row: Row = {
      conn_id: e.id,
      conn_type: f.conn_type,
      description: f.description,
      host: f.host,
      schema: f.schema,
      login: f.login,
      password,
      port: f.port,
      is_encrypted: isEncrypted,
      is_extra_encrypted: isExtraEncrypted,
      extra
    }
    if (info.team === 'team_name') row.team_name = e.team ?? f.team_name ?? null
    else if (e.team)
      throw new AirlockError(
        'codec.invalid-field',
        `${where(e)}: this schema has no team_name column; write it without a team.`
      )
    for (const c of CONNECTION_TEXT_COLUMNS)
      this.fits(info.connection, c, row[c] as string | null, where, e)
    if (
      f.port !== null &&
      (!Number.isInteger(f.port) || f.port < -2147483648 || f.port > 2147483647)
    )
      throw new AirlockError(
        'codec.invalid-port',
        `${where(e)}: the port does not fit the INTEGER column.`
      )
    return row
  }

  private variableRow(e: VariableEntry, info: MetastoreSchema, measure = false): Row {
    const where = this.variableWhere
    // Variable.set encrypts any value that is not None, '' included.
    const [val, isEncrypted] = this.fernet
      ? [this.encrypt(e.value, measure), true]
      : [e.value, false]
    const row: Row = { key: e.key, val, description: e.description, is_encrypted: isEncrypted }
    if (info.team === 'team_name') row.team_name = e.team ?? null
    else if (e.team)
      throw new AirlockError(
        'codec.invalid-field',
        `${where(e)}: this schema has no team_name column; write it without a team.`
      )
    this.fits(info.variable, 'key', e.key, where, e)
    this.fits(info.variable, 'val', val, where, e)
    return row
  }

  /** MySQL's case-insensitive ids: a batch must not hold two ids the DB sees as one. */
  private async checkCollisions(
    db: SqlDriver,
    entries: readonly Entry[],
    info: MetastoreSchema
  ): Promise<void> {
    if (!info.caseInsensitiveIds) return
    for (const kind of ['connection', 'variable'] as const) {
      const ids = entries.filter((e) => e.kind === kind).map(idOf)
      const seen = new Map<string, string>()
      for (const id of ids) {
        const folded = id.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
        const other = seen.get(folded)
        if (other !== undefined && other !== id)
          throw new AirlockError(
            'job.conflict',
            `${this.id}: ${kind} ids "${other}" and "${id}" are the same id under MySQL's case-insensitive collation; rename one.`
          )
        seen.set(folded, id)
      }
      if (ids.length === 0) continue
      const [table, key] = kind === 'connection' ? ['connection', 'conn_id'] : ['variable', 'key']
      const existing = await this.run('check ids', () =>
        db.query<Row>(
          `SELECT ${this.q(key)} AS k FROM ${this.q(table)} WHERE ${this.q(key)} IN (${ids.map(() => '?').join(', ')})`,
          ids
        )
      )
      const exact = new Set(ids)
      for (const r of existing) {
        const k = str(r.k)!
        if (!exact.has(k))
          throw new AirlockError(
            'job.conflict',
            `${this.id}: ${kind} "${k}" already exists and is the same id as one in this batch under MySQL's case-insensitive collation; nothing was written.`
          )
      }
    }
  }

  /**
   * Upserts the rows of one kind, keyed by their exact id, as Airflow's ORM does (an existing
   * row is updated in place and keeps its `id`; a new one is inserted): one SELECT of the ids
   * already there per IDS_PER_QUERY ids, an UPDATE per existing row, and the new rows as
   * multi-row INSERTs of up to PARAMS_PER_INSERT values (the same statement text for every
   * full one, so SQLite prepares it once).
   */
  private async upsertAll(
    tx: SqlExecutor,
    kind: 'connection' | 'variable',
    rows: ReadonlyMap<string, Row>
  ): Promise<void> {
    const [table, key] = kind === 'connection' ? ['connection', 'conn_id'] : ['variable', 'key']
    const sqlValue = (v: unknown) =>
      typeof v === 'boolean' && this.options.target.dialect !== 'postgresql' ? (v ? 1 : 0) : v
    const ids = [...rows.keys()]
    const existing = new Map<string, unknown>()
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const part = ids.slice(i, i + IDS_PER_QUERY)
      const found = await tx.query<Row>(
        `SELECT ${this.q('id')} AS id, ${this.q(key)} AS k FROM ${this.q(table)} WHERE ${this.q(key)} IN (${part.map(() => '?').join(', ')})`,
        part
      )
      // exact ids only: MySQL's collation also matches other cases (checkCollisions refused those)
      for (const r of found) {
        const k = str(r.k ?? r.K)!
        // an id held by two rows (no UNIQUE constraint): an UPDATE would change one of them
        // and leave which one Airflow reads to the database (the pre-flight refuses it first)
        if (existing.has(k))
          throw new AirlockError(
            'job.conflict',
            `${this.id}: ${kind} "${k}": more than one row of the ${table} table holds this ${key}; Airflow reads one of them, which one is up to the database. Nothing was written; delete the extra rows first.`
          )
        existing.set(k, r.id ?? r.ID)
      }
    }
    const fresh: Row[] = []
    for (const [id, row] of rows) {
      if (!existing.has(id)) {
        fresh.push(row)
        continue
      }
      const cols = Object.keys(row).filter((c) => c !== key)
      await tx.query(
        `UPDATE ${this.q(table)} SET ${cols.map((c) => `${this.q(c)} = ?`).join(', ')} WHERE ${this.q('id')} = ?`,
        [...cols.map((c) => sqlValue(row[c])), existing.get(id)]
      )
    }
    if (fresh.length === 0) return
    const cols = Object.keys(fresh[0]!)
    const per = Math.max(1, Math.floor(PARAMS_PER_INSERT / cols.length))
    const tuple = `(${cols.map(() => '?').join(', ')})`
    for (let i = 0; i < fresh.length; i += per) {
      const part = fresh.slice(i, i + per)
      await tx.query(
        `INSERT INTO ${this.q(table)} (${cols.map((c) => this.q(c)).join(', ')}) VALUES ${part.map(() => tuple).join(', ')}`,
        part.flatMap((row) => cols.map((c) => sqlValue(row[c])))
      )
    }
  }
}

/** A page of one table's rows, opened when asked (MetastoreBackend.loadRawRows). */
class MetastoreRowPage implements RawRowPage {
  readonly count: number

  constructor(
    private readonly store: MetastoreBackend,
    private readonly rowKind: EntryKind,
    private readonly rows: readonly Row[]
  ) {
    this.count = rows.length
  }

  kind(): EntryKind {
    return this.rowKind
  }

  id(i: number): string {
    const row = this.rows[i]!
    return str(this.rowKind === 'connection' ? row.conn_id : row.key)!
  }

  team(i: number): string | undefined {
    return str(this.rows[i]!.team) ?? undefined
  }

  open(which?: readonly number[]): {
    entries: (RawEntry | undefined)[]
    problems: EntryProblem[]
  } {
    return this.store.openRaw(this.rowKind, this.rows, which)
  }

  /**
   * Whether row `i` and `other`'s row `j` store the same values (each column the same, the
   * sealed ones the same ciphertext) and the stores open them alike: the same entry values.
   */
  sameStored(i: number, other: MetastoreRowPage, j: number): boolean {
    if (other.rowKind !== this.rowKind || !this.store.opensLike(other.store)) return false
    const a = this.rows[i]!
    const b = other.rows[j]!
    // a duplicated id opens to its problem, whatever the rows hold
    if (duplicateOf(a) || duplicateOf(b)) return false
    const columns = this.rowKind === 'connection' ? CONN_STORED : VARIABLE_STORED
    for (const c of columns) if (!MetastoreBackend.sameValue(a[c], b[c])) return false
    return true
  }
}

/**
 * A raw entry of a metadata DB (openRaw): its values with the decrypted ones as plaintext
 * bytes; its text (the JSON of the values its entry holds, the plaintexts decoded) is made
 * when first asked for, and the values then let go (a text is what a listed row is held as).
 * Most rows of a diff are only compared, and `sameAs` compares them without making it.
 */
export class MetastoreRawEntry implements RawEntry {
  readonly name: string
  readonly team: string | undefined
  #text: string | undefined
  #values: readonly (Sealed | number | null)[] | undefined

  constructor(
    readonly kind: EntryKind,
    readonly id: string,
    team: string | null,
    values: readonly (Sealed | number | null)[]
  ) {
    this.name = id
    this.team = team ?? undefined
    this.#values = values
  }

  get text(): string {
    if (this.#text === undefined) {
      this.#text = JSON.stringify(this.decoded())
      this.#values = undefined
    }
    return this.#text
  }

  /**
   * The values with the plaintexts decoded (undefined once the text is made): what
   * `JSON.parse(text)` gives, as JSON writes texts (a decoded plaintext or a column's text
   * holds no lone surrogate), null, and numbers (a port of -0 is its text) back as they were.
   */
  decoded(): (string | number | null)[] | undefined {
    return this.#values?.map((v) => (Buffer.isBuffer(v) ? utf8Strict.decode(v) : v))
  }

  /**
   * Whether `other.text` is this text, from the values (undefined: cannot tell). The same:
   * each value the same text, number or null, or the same plaintext bytes (they decode to the
   * same text). Not the same: a value that differs where neither is bytes (JSON writes each
   * value so that another value is another text), or bytes that differ (strict UTF-8
   * decoding, a BOM kept, maps other valid bytes to another text). Otherwise (bytes against a
   * text, a text already made) it cannot tell.
   */
  sameAs(other: RawEntry): boolean | undefined {
    if (!(other instanceof MetastoreRawEntry) || other.kind !== this.kind) return undefined
    const a = this.#values
    const b = other.#values
    if (!a || !b || a.length !== b.length) return undefined
    let unsure = false
    for (let k = 0; k < a.length; k++) {
      const x = a[k]!
      const y = b[k]!
      if (x === y) continue
      const bytesX = Buffer.isBuffer(x)
      const bytesY = Buffer.isBuffer(y)
      if (!bytesX && !bytesY) return false
      if (bytesX && bytesY && x.equals(y)) continue
      if (bytesX && bytesY) return false
      unsure = true
    }
    return unsure ? undefined : true
  }
}
