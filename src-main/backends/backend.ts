/**
 * A place where Airflow connections and variables can live (STYLE §4). One file per
 * service implements it; `registry.ts` builds them; every one passes
 * test/support/backend-conformance.ts.
 */
import type { ErrorCode } from '../contract/errors'
import { refOf, type Entry, type EntryKind, type EntryRef, type Scope } from '../core/model'

export { idOf, inScope, refOf, type EntryKind, type EntryRef, type Scope } from '../core/model'
import type { PacerStats } from './pacer'
import type { BackendKind } from '../core/providers'

/** Every kind of store Airlock knows (core/providers.ts lists them). */
export type { BackendKind } from '../core/providers'

/** A field a store may be unable to keep. */
export type LossyField = 'connection.description' | 'variable.description'

/** One entry a backend could not read (it still returns the others). */
export interface EntryProblem {
  ref: EntryRef
  code: ErrorCode
  /** What went wrong and what to do; never a value. */
  message: string
}

/** One thing a pre-flight found: `error` stops or spoils the write, `warning` is worth a look. */
export interface PreflightProblem {
  ref: EntryRef | null
  severity: 'error' | 'warning'
  /** Names the id, the target name and what to do; never a value. */
  message: string
}

/** A pre-flight problem tied to the service name it concerns (empty when store-wide). */
export interface TargetedPreflightProblem extends EntryProblem {
  target: string
  severity: 'error' | 'warning'
}

/**
 * The `add(entry, target, severity, code, message)` a backend's pre-flight records problems
 * with; a store-wide problem (no entry) carries a placeholder ref with an empty id.
 */
export function preflightRecorder(backendId: string, problems: TargetedPreflightProblem[]) {
  return (
    entry: Entry | undefined,
    target: string,
    severity: 'error' | 'warning',
    code: ErrorCode,
    message: string
  ) =>
    problems.push({
      ref: entry ? refOf(entry) : { kind: 'connection', id: '' },
      target,
      severity,
      code,
      message: `${backendId}: ${message}`
    })
}

/**
 * What `write` would store for one entry, worked out by the code `write` runs and writing
 * nothing: the name the entry is stored under and the text stored there. Holds the entry's
 * secrets: shown only on an explicit reveal, never logged.
 */
export interface WrittenForm {
  /** The name Airflow finds it under (`AIRFLOW_CONN_X`, a Vault path, a row's `conn_id`). */
  name: string
  /** The text stored there, in the store's dialect. */
  text: string
  /** What `text` is: a URI, JSON, an env line, or a row's columns as JSON. */
  format: 'uri' | 'json' | 'yaml' | 'text' | 'env-line' | 'row'
  /** What the text does not show (a metadata DB row's Fernet encryption). */
  note?: string
}

/**
 * Where and how a store holds an entry (Backend.placesOf), recorded before a job changes it so
 * that a rollback puts it back there, as it was written. JSON; holds the entry's value: kept in
 * the job's sealed snapshot only, never logged.
 */
export interface EntryPlace {
  /** Its position in the store (a file's line): a rollback puts entries back in this order. */
  order: number
  /** The store's own record, read by its `putBack` only. */
  form: unknown
}

/**
 * The places of a list of refs (Backend.placesOf), each made when asked for by the ref's index
 * in that list (undefined: none): a job asks for them a part of its snapshot at a time.
 */
export type PlaceLookup = (i: number) => EntryPlace | undefined

/** Everything in scope, and what could not be read. */
export interface LoadResult {
  entries: Entry[]
  problems: EntryProblem[]
}

/**
 * One entry as its store holds it, before it is read: what `plan`/`diff` compare first (equal
 * raw text is equal meaning) so that only entries whose text differs are parsed, decoded and
 * fingerprinted.
 */
export interface RawEntry {
  kind: EntryKind
  id: string
  team: string | undefined
  /** Where the store keeps it (an env variable's name). */
  name: string
  /**
   * The value as the store holds it (an env variable's value, after the file's quoting): two
   * raw entries of the same `format`, kind, id and team with the same text read as the same
   * entry.
   */
  text: string
  /**
   * Optionally, where `text` is in the store's bytes: the valid UTF-8 `bytes[start, end)`
   * decodes to it. Two raw entries that both have them have the same text exactly when those
   * are the same bytes, so they compare without decoding (operations/raw-plan.ts).
   */
  bytes?: Buffer
  start?: number
  end?: number
  /**
   * Optionally, a quicker test of the same text: true only where `other.text` is `text`, false
   * only where it is not (a metadata DB's rows compare their values and plaintext bytes
   * without making either text); undefined where it cannot tell, and the texts are compared.
   */
  sameAs?(other: RawEntry): boolean | undefined
}

/**
 * Everything in scope, unread; problems are the entries `load` would report without reading
 * (a listing may stop at the first page that has one: a reader declines on any).
 */
export interface RawLoadResult {
  /** What `text` means: raw entries compare only with those of the same format. */
  format: string
  entries: RawEntry[]
  problems: EntryProblem[]
  /** Reads one of the entries as `load` would; throws a CodecError where `load` reports one. */
  read(raw: RawEntry): Entry
  /**
   * Optionally, whether `read(raw)` certainly returns (false: not sure), told without reading
   * it: a plan need not read an unchanged entry to know the store reads.
   */
  surelyReads?(raw: RawEntry): boolean
  /** True when no kind and id are twice among `entries` (a plan need not check it again). */
  uniqueIds?: boolean
  /**
   * Optionally, the same listing as columns over the store's bytes, with no object per entry
   * (operations/raw-plan.ts pairs and compares them, and makes a raw entry only for one it
   * reads or lists).
   */
  columns?: RawColumns
}

/**
 * A raw listing as columns: entries `0 … count - 1` in the store's order (a raw entry made
 * only when asked for), each name and text a range of `bytes`. Two entries of listings of
 * the same format have the same kind, id and team exactly when their names are the same
 * bytes, and the same text exactly when their texts are.
 */
export interface RawColumns {
  bytes: Buffer
  count: number
  /** Per entry: 1 a connection, 2 a variable, 0 not listed (not an Airflow name, out of scope). */
  listed: Uint8Array
  /** Per entry i: name bytes `[cols[5i], cols[5i + 1])`, text bytes `[cols[5i + 2], cols[5i + 3])`. */
  cols: Int32Array
  /** The index of the entry named by bytes `other[start, end)`, or -1. */
  find(other: Uint8Array, start: number, end: number): number
  /** The raw entry `i` (a listed one), made when asked for. */
  entry(i: number): RawEntry
  /** Whether the entry `i` certainly reads (as RawLoadResult.surelyReads). */
  surelyReads(i: number): boolean
}

/**
 * A raw listing row by row, a page at a time, for a reader that pairs two listings as they
 * come (operations/raw-plan.ts's merge join) and drops what it has compared: the entries
 * `loadRaw` lists, in its order, each opened (decrypted, its raw entry made) only when asked.
 */
export interface RawRowListing {
  /** As RawLoadResult.format. */
  format: string
  /**
   * Whether the rows are expected sorted by kind (connections first) and then id, strictly
   * ascending as JavaScript compares strings (UTF-16 code units): the store's own order
   * (SQLite's BINARY collation, PostgreSQL's "C") is that for these ids. Expected, not
   * promised: a reader checks every step and, where it fails, lists the store again.
   */
  sortedById: boolean
  pages: AsyncIterable<RawRowPage>
  /** As RawLoadResult.read, for a raw entry `open` made. */
  read(raw: RawEntry): Entry
  /**
   * Optionally, whether row `i` of `page` (this listing's) and row `j` of `other` (another
   * listing's) store the same values that open to the same text with either listing's keys
   * (false: not sure): then only one of them need be opened.
   */
  sameStored?(page: RawRowPage, i: number, other: RawRowPage, j: number): boolean
}

/** One page of a RawRowListing: rows `0 … count - 1`, their kind, id and team unopened. */
export interface RawRowPage {
  readonly count: number
  kind(i: number): EntryKind
  id(i: number): string
  team(i: number): string | undefined
  /**
   * Opens the rows `which` (ascending), all of them where absent: the raw entry of each (one
   * that surely reads), or undefined where the row is a problem `load` reports (in `problems`).
   */
  open(which?: readonly number[]): { entries: (RawEntry | undefined)[]; problems: EntryProblem[] }
}

/** A store of connections and variables. */
export interface Backend {
  readonly kind: BackendKind
  /** A stable, human-readable id such as `metastore:prod` or `envfile:./.env`. */
  readonly id: string
  readonly capabilities: { list: boolean; write: boolean }
  /** The kinds this store can hold at all (a one-kind file); absent: both. */
  readonly holds?: readonly EntryKind[]
  /**
   * Fields this store cannot keep (Airflow does not read them from it either): writes drop
   * them, read-back verification ignores them, and plans warn about them.
   */
  readonly lossyFields?: readonly LossyField[]
  list(scope: Scope, signal?: AbortSignal): Promise<EntryRef[]>
  /** `undefined` means "not in this backend"; failures throw an AirlockError. */
  read(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined>
  /**
   * `read` of each ref, answered from one read of the store (a file read and parsed once, not
   * once per ref): a job's read-back of a batch. A ref that does not read is `undefined` in
   * its place; optional (jobs read ref by ref without it).
   */
  readEach?(refs: readonly EntryRef[], signal?: AbortSignal): Promise<(Entry | undefined)[]>
  /** Reads everything in scope at once (one listing, batched reads), reporting bad entries. */
  load(scope: Scope, signal?: AbortSignal): Promise<LoadResult>
  /**
   * Everything in scope, unread (stores whose entries are texts: `.env` files; a metadata DB's
   * rows decrypted, not made entries); `load` reads the same entries in the same order.
   */
  loadRaw?(scope: Scope, signal?: AbortSignal): Promise<RawLoadResult>
  /** Optionally, what `loadRaw` lists, row by row and page by page (RawRowListing). */
  loadRawRows?(scope: Scope): Promise<RawRowListing>
  /**
   * Known before listing, what `loadRaw`'s format can match: two stores are listed raw only
   * where this is the same (absent on both: their formats decide). A metadata DB decrypts
   * every row to list it, a listing a file's could never match.
   */
  readonly rawFamily?: string
  /**
   * The same as `load`, in the same order, page by page as the store hands it over, for a
   * reader that streams (`airlock list --json`); a store without it is read with `load`.
   */
  loadPages?(scope: Scope, signal?: AbortSignal): AsyncIterable<LoadResult>
  /** Writes all entries or none (where the store allows transactions; see each backend). */
  write(entries: readonly Entry[], signal?: AbortSignal): Promise<void>
  /** Removes entries; a ref that is not there is not an error. */
  remove(refs: readonly EntryRef[], signal?: AbortSignal): Promise<void>
  /**
   * Optionally (a store that is one file people edit), where and how each ref is held now:
   * undefined for a ref it does not hold, or cannot put back as written (then a rollback
   * writes it as `write` does). The lookup holds the store's text as it is now.
   */
  placesOf?(refs: readonly EntryRef[], signal?: AbortSignal): Promise<PlaceLookup>
  /**
   * Optionally, `write` of entries some of which come with the place `placesOf` recorded: each
   * of those goes back where and as it was written, the others are written as `write` writes
   * them. Returns the indexes (in `entries`) of those put back whose value may now read
   * otherwise than the entry (a `.env` line's `${NAME}` reads the lines above it): the caller
   * reads them back.
   */
  putBack?(
    entries: readonly { entry: Entry; place?: EntryPlace }[],
    signal?: AbortSignal
  ): Promise<readonly number[]>
  /**
   * Checks that writing these entries would work — names valid after mapping, no collisions,
   * sizes, soft-deleted or pending-deletion names, mounts, a permission probe — and writes nothing.
   */
  preflight?(entries: readonly Entry[], signal?: AbortSignal): Promise<readonly PreflightProblem[]>
  /**
   * What writing `entry` would store (WrittenForm), by the same encoder and naming as `write`;
   * throws the AirlockError `write` would throw for it. Absent: the store cannot say.
   */
  written?(entry: Entry): Promise<WrittenForm>
  /** Releases connections and handles. */
  close?(): Promise<void>
  /** Paces the requests of a remote store; its counters feed job progress. */
  readonly pacer?: { stats(): PacerStats }
}
