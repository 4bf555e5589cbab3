/**
 * The process environment as Airflow reads it (reference §8): `AIRFLOW_CONN_<ID>` and
 * `AIRFLOW_VAR_<KEY>`, plus the 3.2+ team-scoped `AIRFLOW_CONN__<TEAM>___<ID>` /
 * `AIRFLOW_VAR__<TEAM>___<KEY>`. Read-only: Airlock cannot change another process's
 * environment. The name ↔ entry mapping here is shared with the `.env` file backend.
 *
 * Ids: Airflow looks up `AIRFLOW_CONN_` + `conn_id.upper()`, so a name only tells the
 * upper-cased id. Entries are listed with the **lower-cased** suffix as id (`AIRFLOW_CONN_MY_DB`
 * → `my_db`), and `read` finds an entry for any case of its id, as Airflow does. A name that
 * is not upper-case past the prefix (`AIRFLOW_CONN_my_db`) is never read by Airflow: it is
 * not listed, and `load` reports it as a problem.
 */
import { AirlockError, CodecError } from '../core/errors'
import { parseConnectionValue } from '../core/codecs/connection-json'
import { uriSurelyReads } from '../core/codecs/connection-uri-fast'
import {
  envNameFor,
  isReadableEnvName,
  isReadableParsedName,
  parseEnvName,
  type ParsedEnvName
} from '../core/env-names'
import type { Dialect, Entry } from '../core/model'
import {
  inScope,
  type Backend,
  type EntryProblem,
  type EntryRef,
  type LoadResult,
  type RawEntry,
  type RawLoadResult,
  type Scope
} from './backend'
import type { ComposeColumns, ComposeSpans } from '../core/codecs/env-file/compose-fast'
import { SpanRawEntry } from './raw-span'

/**
 * Options of the process-environment backend.
 *
 * @example
 * const env = new EnvBackend({ id: 'env:worker', environment: { AIRFLOW_CONN_MY_DB: 'postgres://db/x' } })
 * await env.read({ kind: 'connection', id: 'My_DB' }) // the connection, id 'my_db'
 */
export interface EnvOptions {
  /** Default `env:process`. */
  id?: string
  /** The environment to read; default `process.env`. */
  environment?: Readonly<Record<string, string | undefined>>
  /** Whose rules parse `AIRFLOW_CONN_*` values (URI or JSON); default `airflow3`. */
  dialect?: Dialect
}

/** Where an env entry came from, for `source`. */
export interface EnvOrigin {
  backendId: string
  /** A file path, or `process.env`. */
  path: string
  dialect: Dialect
}

/** The ref of a parsed, readable env name: lower-cased id and team. */
function refOfName(name: string): EntryRef | undefined {
  const parsed = parseEnvName(name)
  return parsed && refOfParsed(parsed)
}

/** {@link refOfName} of a name already parsed. */
function refOfParsed(parsed: ParsedEnvName): EntryRef {
  return {
    kind: parsed.kind,
    id: parsed.idUpper.toLowerCase(),
    ...(parsed.teamUpper === undefined ? {} : { team: parsed.teamUpper.toLowerCase() })
  }
}

/** The env name Airflow reads for a ref (id and team upper-cased). */
export function envNameOfRef(ref: EntryRef): string {
  return envNameFor(ref.kind, ref.id, ref.team)
}

/**
 * Builds the entry an env name holds. Connections go through `deserialize_connection`
 * (`parseConnectionValue`), variables are taken verbatim. Throws a CodecError when a
 * connection value does not parse.
 */
export function entryFromEnv(name: string, value: string, origin: EnvOrigin): Entry | undefined {
  const ref = refOfName(name)
  return ref && entryOfRef(ref, name, value, origin)
}

/** {@link entryFromEnv} of a name whose ref is known (its name parsed once). */
function entryOfRef(ref: EntryRef, name: string, value: string, origin: EnvOrigin): Entry {
  const source = { backendId: origin.backendId, path: origin.path, fromKey: name }
  // literals with and without a team, not a spread of one (built field by field at run time)
  const { team } = ref
  if (ref.kind === 'variable')
    return team === undefined
      ? { kind: 'variable', key: ref.id, value, description: null, source }
      : { kind: 'variable', key: ref.id, value, description: null, team, source }
  const fields = parseConnectionValue(value, origin.dialect).value
  return team === undefined
    ? { kind: 'connection', id: ref.id, fields, source }
    : { kind: 'connection', id: ref.id, fields, team, source }
}

/** Refs of every readable Airflow name among `names`, in scope. */
export function listEnvRefs(names: Iterable<string>, scope: Scope): EntryRef[] {
  const refs: EntryRef[] = []
  for (const name of names) {
    const ref = refOfName(name)
    if (ref && inScope(scope, ref.kind) && isReadableEnvName(name)) refs.push(ref)
  }
  return refs
}

/**
 * Every entry the variables hold, in scope: a connection value that does not parse, and a
 * name Airflow never reads (not upper-case), become problems; the rest load.
 */
export function loadEnvEntries(
  vars: Iterable<readonly [string, string]>,
  scope: Scope,
  origin: EnvOrigin
): LoadResult {
  const out: LoadResult = { entries: [], problems: [] }
  // each name parsed once, and a problem's ref made only for a problem (issue #22: a plan of
  // 100 k entries parsed every name three times)
  const problemRef = (ref: EntryRef, name: string): EntryRef => ({
    ...ref,
    source: { backendId: origin.backendId, path: origin.path, fromKey: name }
  })
  for (const [name, value] of vars) {
    const parsed = parseEnvName(name)
    if (!parsed || !inScope(scope, parsed.kind)) continue
    const ref = refOfParsed(parsed)
    if (!isReadableParsedName(parsed)) {
      out.problems.push(unreadableNameProblem(name, problemRef(ref, name)))
      continue
    }
    try {
      out.entries.push(entryOfRef(ref, name, value, origin))
    } catch (error) {
      if (!(error instanceof CodecError)) throw error
      // the variable's name says which entry (the codec's message names no id)
      out.problems.push({
        ref: problemRef(ref, name),
        code: error.code,
        message: `${name}: ${error.userMessage}`
      })
    }
  }
  return out
}

/**
 * {@link loadEnvEntries} without reading the values: each entry is read (its connection value
 * parsed) only when asked. The same names are problems; a value that does not parse throws
 * from `read()` instead. `vars` may also be a file's variables as ranges of its bytes
 * (core/codecs/env-file/compose-fast.ts): their texts then stay undecoded until asked.
 */
export function loadRawEnvEntries(
  vars: Iterable<readonly [string, string]> | ComposeSpansOf,
  scope: Scope,
  origin: EnvOrigin
): RawLoadResult {
  const out: RawLoadResult = {
    format: `env ${origin.dialect}`,
    entries: [],
    problems: [],
    read: (raw) => entryFromEnv(raw.name, raw.text, origin)!
  }
  const unreadable = (name: string, ref: EntryRef): void => {
    out.problems.push(
      unreadableNameProblem(name, {
        ...ref,
        source: { backendId: origin.backendId, path: origin.path, fromKey: name }
      })
    )
  }
  const add = (name: string, text: (ref: EntryRef) => RawEntry): void => {
    const ref = refOfName(name)
    if (!ref || !inScope(scope, ref.kind)) return
    if (!isReadableEnvName(name)) unreadable(name, ref)
    else out.entries.push(text(ref))
  }
  if ('spans' in vars) {
    const { names, spans, bytes } = vars
    // the names are ASCII and each once (compose-fast.ts), and a readable name's suffix is
    // its id upper-cased: without teams, no id is there twice
    let teams = false
    // a variable always reads; a connection's URI is checked in its bytes
    out.surelyReads = (raw) =>
      raw.kind === 'variable' ||
      (raw.bytes !== undefined && uriSurelyReads(raw.bytes, raw.start!, raw.end!))
    for (let i = 0; i < names.length; i++) {
      // add() above, each name parsed once
      const name = names[i]!
      const parsed = parseEnvName(name)
      if (!parsed || !inScope(scope, parsed.kind)) continue
      if (!isReadableParsedName(parsed)) {
        unreadable(name, refOfName(name)!)
        continue
      }
      const team = parsed.teamUpper?.toLowerCase()
      if (team !== undefined) teams = true
      out.entries.push(
        new SpanRawEntry(
          parsed.kind,
          parsed.idUpper.toLowerCase(),
          team,
          name,
          bytes,
          spans[3 * i]!,
          spans[3 * i + 1]!,
          spans[3 * i + 2] === 1
        )
      )
    }
    out.uniqueIds = !teams
  } else
    for (const [name, value] of vars)
      add(name, (ref) => ({
        kind: ref.kind,
        id: ref.id,
        team: ref.team ?? undefined,
        name,
        text: value
      }))
  return out
}

const CONN_PREFIX = Buffer.from('AIRFLOW_CONN_', 'latin1')
const VAR_PREFIX = Buffer.from('AIRFLOW_VAR_', 'latin1')

/** Whether `bytes[start, end)` starts with `prefix`. */
function startsWith(bytes: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false
  for (let k = 0; k < prefix.length; k++) if (bytes[start + k] !== prefix[k]) return false
  return true
}

/**
 * {@link loadRawEnvEntries} of a file's variables as columns of its bytes
 * (core/codecs/env-file/compose-fast.ts), listed with no object or string per entry: a raw
 * entry is made only when asked for. Undefined (the caller lists them otherwise) when a name
 * could be team-scoped or is not one Airflow reads, which the listing by names reports.
 */
export function loadColumnEnvEntries(
  columns: ComposeColumns,
  bytes: Buffer,
  scope: Scope,
  origin: EnvOrigin
): RawLoadResult | undefined {
  const { count, cols, find } = columns
  // 1 a connection, 2 a variable, 0 not listed
  const listed = new Uint8Array(count)
  for (let i = 0; i < count; i++) {
    const start = cols[5 * i]!
    const end = cols[5 * i + 1]!
    const kind = startsWith(bytes, start, end, CONN_PREFIX)
      ? 1
      : startsWith(bytes, start, end, VAR_PREFIX)
        ? 2
        : 0
    if (!kind) continue
    const from = start + (kind === 1 ? CONN_PREFIX : VAR_PREFIX).length
    // no id, a `_` that may start a team, or a lower-case letter (a name Airflow never
    // reads): the listing by names decides. Otherwise the name is its kind and upper-cased
    // id, so the same name bytes are the same kind and id.
    if (from === end || bytes[from] === 0x5f) return undefined
    for (let k = from; k < end; k++) {
      const c = bytes[k]!
      if (c >= 0x61 && c <= 0x7a) return undefined
    }
    if (inScope(scope, kind === 1 ? 'connection' : 'variable')) listed[i] = kind
  }
  const entry = (i: number): RawEntry => {
    const name = bytes.toString('latin1', cols[5 * i]!, cols[5 * i + 1]!)
    const kind = listed[i] === 1 ? 'connection' : 'variable'
    return new SpanRawEntry(
      kind,
      name.slice((kind === 'connection' ? CONN_PREFIX : VAR_PREFIX).length).toLowerCase(),
      undefined,
      name,
      bytes,
      cols[5 * i + 2]!,
      cols[5 * i + 3]!,
      cols[5 * i + 4] === 1
    )
  }
  let entries: RawEntry[] | undefined
  return {
    format: `env ${origin.dialect}`,
    get entries(): RawEntry[] {
      if (!entries) {
        entries = []
        for (let i = 0; i < count; i++) if (listed[i]) entries.push(entry(i))
      }
      return entries
    },
    problems: [],
    read: (raw) => entryFromEnv(raw.name, raw.text, origin)!,
    // a variable always reads; a connection's URI is checked in its bytes
    surelyReads: (raw) =>
      raw.kind === 'variable' ||
      (raw.bytes !== undefined && uriSurelyReads(raw.bytes, raw.start!, raw.end!)),
    uniqueIds: true,
    columns: {
      bytes,
      count,
      listed,
      cols,
      find,
      entry,
      surelyReads: (i) =>
        listed[i] === 2 || uriSurelyReads(bytes, cols[5 * i + 2]!, cols[5 * i + 3]!)
    }
  }
}

/** A file's variables as ranges of its bytes (ComposeSpans and the bytes they range over). */
export interface ComposeSpansOf extends ComposeSpans {
  bytes: Buffer
}

function unreadableNameProblem(name: string, ref: EntryRef): EntryProblem {
  return {
    ref,
    code: 'codec.invalid',
    message: `${name} is never read by Airflow: it looks up the upper-cased name ${envNameOfRef(ref)}.`
  }
}

/** The process environment (or an injected one), read-only. */
export class EnvBackend implements Backend {
  readonly lossyFields = ['variable.description'] as const
  readonly kind = 'env' as const
  readonly id: string
  readonly capabilities = { list: true, write: false }
  private readonly environment: Readonly<Record<string, string | undefined>>
  private readonly dialect: Dialect

  constructor(options: EnvOptions = {}) {
    this.id = options.id ?? 'env:process'
    this.environment = options.environment ?? process.env
    this.dialect = options.dialect ?? 'airflow3'
  }

  async list(scope: Scope, signal?: AbortSignal): Promise<EntryRef[]> {
    signal?.throwIfAborted()
    return listEnvRefs(
      this.vars().map(([name]) => name),
      scope
    )
  }

  async read(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined> {
    signal?.throwIfAborted()
    const name = envNameOfRef(ref)
    const value = this.environment[name]
    return value === undefined ? undefined : entryFromEnv(name, value, this.origin())
  }

  async load(scope: Scope, signal?: AbortSignal): Promise<LoadResult> {
    signal?.throwIfAborted()
    return loadEnvEntries(this.vars(), scope, this.origin())
  }

  async loadRaw(scope: Scope, signal?: AbortSignal): Promise<RawLoadResult> {
    signal?.throwIfAborted()
    return loadRawEnvEntries(this.vars(), scope, this.origin())
  }

  async write(_entries: readonly Entry[]): Promise<void> {
    throw this.readOnly()
  }

  async remove(_refs: readonly EntryRef[]): Promise<void> {
    throw this.readOnly()
  }

  private vars(): [string, string][] {
    return Object.entries(this.environment).filter((e): e is [string, string] => e[1] !== undefined)
  }

  private origin(): EnvOrigin {
    return { backendId: this.id, path: 'process.env', dialect: this.dialect }
  }

  private readOnly(): AirlockError {
    return new AirlockError(
      'usage',
      `${this.id} is a process environment and cannot be changed from Airlock; write to an .env file or a secrets backend instead.`
    )
  }
}
