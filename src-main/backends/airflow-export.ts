/**
 * The files of `airflow connections export` and `airflow variables export` as a store
 * (reference §7). Reading goes through `airflow connections|variables import`'s rules
 * (core/codecs/airflow-files.ts); writing produces the bytes the export commands write:
 * connections as JSON (indent 2), YAML (PyYAML) or `.env` (`id=URI`, or JSON with
 * `serialization: 'json'`), variables as JSON (sorted keys, indent 4). A file with any
 * problem Airflow would reject is never rewritten. Writes go to a temporary file that is
 * renamed over the target, so a reader never sees half a file.
 *
 * Variables: `variables export` writes each value JSON-decoded, and `variables import`
 * stores a non-string value as `json.dumps(value, indent=2)` — so `{"a": 1}` comes back as
 * `{\n  "a": 1\n}` (reference §13.14). `variableValues: 'lossless'` instead writes such a
 * value as its raw text (still a file `variables import` accepts), so it imports unchanged.
 *
 * @example
 * new AirflowExportBackend({ connectionsPath: 'conns.json', variablesPath: 'vars.json' })
 * new AirflowExportBackend({ path: 'conns.env', kind: 'connections', dialect: 'airflow2' })
 */
import { isUtf8 } from 'node:buffer'
import { readFile, stat } from 'node:fs/promises'
import {
  cliKeyProblem,
  decodeConnectionItem,
  decodeConnectionsFile,
  decodeVariablesFile,
  fileLevelProblems,
  encodeConnectionsFile,
  encodeVariablesFile,
  fileFormatFromPath,
  rawFileItems,
  readRawFileItem,
  type DecodedFile,
  type FileFormat,
  type FileProblem,
  type SerializationFormat
} from '../core/codecs/airflow-files'
import {
  jsonConnectionMemberSurelyReads,
  jsonConnectionMemberValue,
  jsonConnectionSurelyReads,
  jsonObjectMemberColumnsOfBytes,
  jsonVariableSurelyReads,
  memberKeyIsPlainId,
  type ByteSlicer,
  type JsonMemberColumns
} from '../core/codecs/airflow-files-fast'
import { PyDict, pyJsonDumps, pyJsonLoads, type PyValue } from '../core/codecs/py-json'
import { DIALECT_RULES } from '../core/dialect'
import { AirlockError, CodecError, describeKey } from '../core/errors'
import { decodeUtf8File } from '../core/codecs/utf8'
import { identityOf, replaceFile } from '../platform/atomic-write'
import { SpanRawEntry } from './raw-span'
import {
  idOf,
  type ConnectionEntry,
  type Dialect,
  type Entry,
  type VariableEntry
} from '../core/model'
import {
  inScope,
  type Backend,
  type EntryKind,
  type EntryProblem,
  type EntryRef,
  type LoadResult,
  type RawColumns,
  type RawEntry,
  type RawLoadResult,
  type Scope,
  type WrittenForm
} from './backend'

// ---------------------------------------------------------------------------------------
// File helpers shared by the file-based backends (lfs.ts, astro.ts)

/** The file's bytes, or undefined when it does not exist; other failures throw AirlockError. */
async function readBytesIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'EACCES' || code === 'EPERM')
      throw new AirlockError('backend.access-denied', `Airlock may not read "${path}".`, {
        cause: error
      })
    if (code === 'EISDIR')
      throw new AirlockError('usage', `"${path}" is a directory, not a file.`, { cause: error })
    throw new AirlockError(
      'backend.unreachable',
      `Reading "${path}" failed (${code ?? 'error'}).`,
      {
        cause: error
      }
    )
  }
}

/**
 * The file's text (strict UTF-8), or undefined when it does not exist. Other failures, and
 * bytes that are not UTF-8 (named by line), throw AirlockError.
 */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  const bytes = await readBytesIfExists(path)
  return bytes && decodeUtf8File(bytes, `"${path}"`)
}

/** Bytes `[start, end)` of `bytes` as text (`ascii`: none is 0x80 or above). */
const bufferSlicer =
  (bytes: Buffer): ByteSlicer =>
  (start, end, ascii) =>
    bytes.toString(ascii ? 'latin1' : 'utf8', start, end)

/**
 * The members of a JSON object file: `count` of them, `keys` in file order, member i's text
 * `text(i)`. Split from valid UTF-8 bytes, the keys and texts stay in `bytes` (`columns` as in
 * core/codecs/airflow-files-fast.ts: the keys are decoded when `keys` is first read) and each
 * `text(i)` decodes anew.
 */
export interface JsonMemberListing {
  count: number
  readonly keys: string[]
  text(i: number): string
  bytes?: Buffer
  columns?: JsonMemberColumns
}

/**
 * The last JSON member listings made, by path and the file's identity (device, inode, size,
 * mtime in ns): opening a store (which asks the members what kind the file holds) and listing
 * it read and split the file once. Held weakly: only while something still uses them.
 */
const jsonMembersCache = new Map<string, { key: string; items: WeakRef<JsonMemberListing> }>()

/**
 * `rawFileItems(text, 'json')` of the file at `path` (undefined: not a listable JSON object),
 * split from its bytes where they are UTF-8 (core/codecs/airflow-files-fast.ts), so the whole
 * file is never one string and the member texts are not decoded; `missing` when it does not
 * exist. Throws as readTextIfExists does.
 */
export async function readRawJsonMembers(
  path: string
): Promise<JsonMemberListing | undefined | 'missing'> {
  let key: string | undefined
  try {
    const st = await stat(path, { bigint: true })
    key = identityOf(st)
  } catch {
    // the read below says what is wrong
  }
  const cached = key === undefined ? undefined : jsonMembersCache.get(path)
  const hit = cached?.key === key ? cached?.items.deref() : undefined
  if (hit) return hit
  const bytes = await readBytesIfExists(path)
  if (!bytes) return 'missing'
  let items: JsonMemberListing | undefined
  if (isUtf8(bytes)) {
    const slice = bufferSlicer(bytes)
    const columns = jsonObjectMemberColumnsOfBytes(bytes, slice)
    if (columns) {
      const { count, cols } = columns
      let keys = columns.keys
      items = {
        count,
        get keys(): string[] {
          keys ??= Array.from({ length: count }, (_, i) =>
            slice(cols[5 * i]!, cols[5 * i + 1]!, (cols[5 * i + 4]! & 2) !== 0)
          )
          return keys
        },
        bytes,
        columns,
        text: (i) => slice(cols[5 * i + 2]!, cols[5 * i + 3]!, (cols[5 * i + 4]! & 1) !== 0)
      }
    }
  } else {
    const pairs = rawFileItems(decodeUtf8File(bytes, `"${path}"`), 'json')
    if (pairs)
      items = { count: pairs.length, keys: pairs.map(([k]) => k), text: (i) => pairs[i]![1] }
  }
  if (items && key !== undefined) jsonMembersCache.set(path, { key, items: new WeakRef(items) })
  return items
}

/** One problem as a message fragment: its line and key, never a value. */
export function describeProblem(p: FileProblem): string {
  const where = [
    p.line !== null ? `line ${p.line}` : '',
    p.key !== undefined ? describeKey(p.key) : ''
  ]
    .filter(Boolean)
    .join(', ')
  return where ? `${where}: ${p.message}` : p.message
}

/** All problems of a file in one message (the first few, and how many more). */
export function describeProblems(problems: readonly FileProblem[], max = 5): string {
  const shown = problems.slice(0, max).map(describeProblem).join('; ')
  return problems.length > max ? `${shown}; and ${problems.length - max} more` : shown
}

/** The error for a file Airflow cannot read as a whole. */
export function fileError(path: string, problems: readonly FileProblem[]): AirlockError {
  return new AirlockError(
    'codec.parse',
    `"${path}" cannot be read (${problems.length} problem${problems.length === 1 ? '' : 's'}: ${describeProblems(problems)}). ${
      problems.some((p) => p.notModelled)
        ? 'Airflow reads the file; Airlock cannot hold what it reads there.'
        : 'Fix the file; Airflow rejects it too.'
    }`
  )
}

/** The error for writing into a file that has problems. */
export function refuseWriteError(path: string, problems: readonly FileProblem[]): AirlockError {
  return new AirlockError(
    'codec.parse',
    `Not writing to "${path}": it has ${problems.length} problem${problems.length === 1 ? '' : 's'} Airflow would reject (${describeProblems(problems)}). Fix them first, so nothing in it is lost.`
  )
}

/** The error for an id the file cannot hold. */
export function keyError(path: string, key: string, message: string): AirlockError {
  return new AirlockError('codec.parse', `"${path}", ${describeKey(key)}: ${message}`)
}

/** The format of a path, or a usage error naming the accepted extensions. */
export function formatOf(path: string): FileFormat {
  const format = fileFormatFromPath(path)
  if (!format)
    throw new AirlockError(
      'usage',
      `"${path}" has no extension Airflow reads; use .json, .yaml, .yml or .env.`
    )
  return format
}

// ---------------------------------------------------------------------------------------
// The backend

/** Options of the export-file backend: one file per kind (either may be absent). */
export interface AirflowExportOptions {
  /** Backend id; default `airflow-export:<paths>`. */
  id?: string
  /** An `airflow connections export` file: .json, .yaml, .yml or .env. */
  connectionsPath?: string | null
  /** An `airflow variables export` file: .json (also .yaml and .env, read-only). */
  variablesPath?: string | null
  /** Shorthand for a single file: its path... */
  path?: string
  /** ...and which export command wrote it. */
  kind?: 'connections' | 'variables'
  /** Whose rules read URIs and connection objects and write `.env` URIs; default airflow3. */
  dialect?: Dialect
  /** `.env` connections only: `--serialization-format` (default uri). */
  serialization?: SerializationFormat
  /** `export` (default): the bytes `variables export` writes; `lossless`: see the file doc. */
  variableValues?: 'export' | 'lossless'
}

interface FileState<T> {
  path: string
  format: FileFormat
  exists: boolean
  decoded: DecodedFile<T>
}

/** The files of `airflow connections export` / `airflow variables export`. */
export class AirflowExportBackend implements Backend {
  readonly kind = 'airflow-export' as const
  readonly id: string
  readonly capabilities: { list: boolean; write: boolean }
  readonly holds: readonly EntryKind[]
  private readonly connectionsPath: string | null
  private readonly variablesPath: string | null
  private readonly dialect: Dialect
  private readonly options: AirflowExportOptions

  constructor(options: AirflowExportOptions) {
    this.options = options
    let connectionsPath = options.connectionsPath ?? null
    let variablesPath = options.variablesPath ?? null
    if (options.path !== undefined) {
      if (options.kind === 'variables') variablesPath = options.path
      else if (options.kind === 'connections') connectionsPath = options.path
      else
        throw new AirlockError(
          'usage',
          'Say which export wrote the file: kind "connections" or "variables".'
        )
    }
    if (connectionsPath === null && variablesPath === null)
      throw new AirlockError('usage', 'Give a connections file, a variables file, or both.')
    if (connectionsPath !== null) {
      const format = formatOf(connectionsPath)
      if (options.serialization && format !== 'env')
        throw new AirlockError(
          'usage',
          'The serialization format (uri or json) applies only to .env connection exports.'
        )
    }
    if (variablesPath !== null) formatOf(variablesPath)
    this.connectionsPath = connectionsPath
    this.variablesPath = variablesPath
    this.holds = [
      ...(connectionsPath !== null ? (['connection'] as const) : []),
      ...(variablesPath !== null ? (['variable'] as const) : [])
    ]
    this.dialect = options.dialect ?? 'airflow3'
    this.id =
      options.id ??
      `airflow-export:${[connectionsPath, variablesPath].filter((p) => p !== null).join('+')}`
    this.capabilities = {
      list: true,
      write:
        connectionsPath !== null || (variablesPath !== null && formatOf(variablesPath) === 'json')
    }
  }

  private pathOf(kind: EntryKind): string | null {
    return kind === 'connection' ? this.connectionsPath : this.variablesPath
  }

  private async state(kind: 'connection'): Promise<FileState<ConnectionEntry>>
  private async state(kind: 'variable'): Promise<FileState<VariableEntry>>
  private async state(kind: EntryKind): Promise<FileState<Entry>>
  private async state(kind: EntryKind): Promise<FileState<Entry>> {
    const path = this.pathOf(kind)!
    const format = formatOf(path)
    const text = await readTextIfExists(path)
    if (text === undefined)
      return { path, format, exists: false, decoded: { value: [], problems: [], warnings: [] } }
    const decoded =
      kind === 'connection'
        ? decodeConnectionsFile(text, format, this.dialect)
        : decodeVariablesFile(text, format)
    return { path, format, exists: true, decoded }
  }

  /** Problems and warnings of each file, for views that explain what Airflow will say. */
  async diagnose(): Promise<{ path: string; problems: FileProblem[]; warnings: FileProblem[] }[]> {
    const out = []
    for (const kind of ['connection', 'variable'] as const) {
      if (this.pathOf(kind) === null) continue
      const s = await this.state(kind)
      out.push({ path: s.path, problems: s.decoded.problems, warnings: s.decoded.warnings })
    }
    return out
  }

  /** `e` with where it was read; `e` is this read's own decoding (state() reads anew), not copied. */
  private withSource(e: Entry, path: string): Entry {
    return { ...e, source: { backendId: this.id, path, fromKey: idOf(e) } }
  }

  private async readable(kind: EntryKind): Promise<FileState<Entry> | undefined> {
    if (this.pathOf(kind) === null) return undefined
    const s = await this.state(kind)
    const fileLevel = fileLevelProblems(s.decoded.problems)
    if (fileLevel.length) throw fileError(s.path, fileLevel)
    return s
  }

  async list(scope: Scope): Promise<EntryRef[]> {
    const refs: EntryRef[] = []
    for (const kind of ['connection', 'variable'] as const) {
      if (!inScope(scope, kind)) continue
      const s = await this.readable(kind)
      if (!s) continue
      const ids = new Set(s.decoded.value.map((e) => idOf(e)))
      for (const p of s.decoded.problems) if (p.key !== undefined) ids.add(p.key)
      for (const id of ids) refs.push({ kind, id })
    }
    return refs
  }

  async read(ref: EntryRef): Promise<Entry | undefined> {
    const s = await this.readable(ref.kind)
    if (!s) return undefined
    const problem = s.decoded.problems.find((p) => p.key === ref.id)
    if (problem) throw keyError(s.path, ref.id, problem.message)
    const e = s.decoded.value.find((x) => idOf(x) === ref.id)
    return e && this.withSource(e, s.path)
  }

  async load(scope: Scope): Promise<LoadResult> {
    const entries: Entry[] = []
    const problems: EntryProblem[] = []
    for (const kind of ['connection', 'variable'] as const) {
      if (!inScope(scope, kind)) continue
      const byMember = kind === 'connection' ? await this.jsonConnectionsByMember() : undefined
      if (byMember) {
        for (const e of byMember) entries.push(e)
        continue
      }
      const s = await this.readable(kind)
      if (!s) continue
      entries.push(...s.decoded.value.map((e) => this.withSource(e, s.path)))
      for (const p of s.decoded.problems)
        problems.push({
          ref: { kind, id: p.key! },
          code: 'codec.parse',
          message: `"${s.path}": ${describeProblem(p)}`
        })
    }
    return { entries, problems }
  }

  /**
   * The entries `load` makes of a JSON connections file, read member by member from its bytes
   * (the listing the kind check made, readRawJsonMembers) instead of parsing the whole file:
   * each member's value as `pyJsonLoads` gives it (jsonConnectionMemberValue), read by
   * `decodeConnectionItem` as decodeConnectionsFile reads it. Undefined — the file is read
   * whole, as before, which says what is wrong — unless every member is a string or flat
   * object read there and decodes without a problem.
   */
  private async jsonConnectionsByMember(): Promise<Entry[] | undefined> {
    const path = this.connectionsPath
    if (path === null || formatOf(path) !== 'json') return undefined
    const members = await readRawJsonMembers(path)
    if (!members || members === 'missing' || !members.bytes || !members.columns) return undefined
    const { bytes } = members
    const { count, cols } = members.columns
    const keys = members.keys
    const slice = bufferSlicer(bytes)
    const out: Entry[] = []
    for (let i = 0; i < count; i++) {
      const value = jsonConnectionMemberValue(bytes, cols[5 * i + 2]!, cols[5 * i + 3]!, slice)
      if (value === undefined) return undefined
      let e: ConnectionEntry | undefined
      try {
        e = decodeConnectionItem(keys[i]!, value, this.dialect, [])
      } catch (error) {
        if (error instanceof CodecError) return undefined
        throw error
      }
      if (!e) return undefined
      out.push(this.withSource(e, path))
    }
    return out
  }

  /**
   * `readRawFileItem` of a JSON connection member still in the file's bytes, its value read
   * there (jsonConnectionMemberValue: what `pyJsonLoads` of its text gives) instead of from its
   * text by the general parser; undefined where the bytes do not tell (the caller reads the
   * text). The same value, so the same entry or the same error.
   */
  private connectionMember(raw: SpanRawEntry): ConnectionEntry | undefined {
    const { bytes } = raw
    const value = jsonConnectionMemberValue(bytes, raw.start, raw.end, bufferSlicer(bytes))
    return value === undefined
      ? undefined
      : decodeConnectionItem(raw.id, value, this.dialect, []) || undefined
  }

  /**
   * Every item unread (`plan`/`diff` compare texts first): each member's text as the file holds
   * it, read only when asked. Refused (an error, so the caller reads the files whole, which
   * reports what is wrong) for YAML, and for any file whose items the decoders would not read
   * one by one from those texts (see rawFileItems).
   */
  async loadRaw(scope: Scope): Promise<RawLoadResult> {
    const checkExtra = DIALECT_RULES[this.dialect].extraValidation !== 'none'
    // a JSON member still in the file's bytes is checked there (airflow-files-fast.ts)
    const surelyReads = (kind: EntryKind, id: string, bytes: Buffer, start: number, end: number) =>
      kind === 'variable'
        ? jsonVariableSurelyReads(bytes, start, end)
        : cliKeyProblem(id) === undefined &&
          jsonConnectionSurelyReads(bytes, start, end, checkExtra)
    const kinds = (['connection', 'variable'] as const).filter(
      (kind) => this.pathOf(kind) !== null && inScope(scope, kind)
    )
    const entries: RawEntry[] = []
    const formats: string[] = []
    const files = new Map<EntryKind, { path: string; format: FileFormat }>()
    let columns: RawColumns | undefined
    for (const kind of kinds) {
      const path = this.pathOf(kind)!
      const format = formatOf(path)
      let items: [string, string][] | undefined
      if (format === 'json') {
        const members = await readRawJsonMembers(path)
        if (members && members !== 'missing' && members.bytes && members.columns) {
          // the texts stay in the file's bytes: compared as bytes, decoded when read
          const { bytes } = members
          const found = members.columns
          const { count, cols, find, keys } = found
          files.set(kind, { path, format })
          formats.push(`${kind}:${format}`)
          // a key without an escape (the columns hold no decoded keys) is its bytes, decoded
          // alone: making the listing's whole `keys` for the first entry read decoded every key
          // of the file (each side's ~68 k) for the ~10 % that differ
          const keyOf = (i: number): string =>
            keys
              ? keys[i]!
              : bytes.toString(
                  (cols[5 * i + 4]! & 2) !== 0 ? 'latin1' : 'utf8',
                  cols[5 * i]!,
                  cols[5 * i + 1]!
                )
          const entry = (i: number): RawEntry => {
            const key = keyOf(i)
            return new SpanRawEntry(
              kind,
              key,
              undefined,
              key,
              bytes,
              cols[5 * i + 2]!,
              cols[5 * i + 3]!,
              (cols[5 * i + 4]! & 1) !== 0
            )
          }
          // one file in scope whose keys are their bytes: listed as columns too (no object or
          // string per member; operations/raw-plan.ts pairs them by their keys' bytes)
          if (kinds.length === 1 && find) {
            columns = {
              bytes,
              count,
              listed: new Uint8Array(count).fill(kind === 'connection' ? 1 : 2),
              cols,
              find,
              entry,
              // a connection object told from what the member scan saw of it, a plain key
              // from its bytes
              surelyReads: (i) =>
                kind === 'variable'
                  ? jsonVariableSurelyReads(bytes, cols[5 * i + 2]!, cols[5 * i + 3]!)
                  : (memberKeyIsPlainId(found, bytes, i) ||
                      cliKeyProblem(keyOf(i)) === undefined) &&
                    jsonConnectionMemberSurelyReads(bytes, found, i, checkExtra)
            }
            break
          }
          for (let i = 0; i < count; i++) entries.push(entry(i))
          continue
        }
        items =
          members === 'missing'
            ? []
            : members && members.keys.map((k, i): [string, string] => [k, members.text(i)])
      } else {
        const text = await readTextIfExists(path)
        items = text === undefined ? [] : rawFileItems(text, format)
      }
      if (!items) throw new AirlockError('usage', `"${path}" has no raw listing; it is read whole.`)
      files.set(kind, { path, format })
      formats.push(`${kind}:${format}`)
      for (const [id, itemText] of items)
        entries.push({ kind, id, team: undefined, name: id, text: itemText })
    }
    const listing = columns
    let listed: RawEntry[] | undefined
    return {
      format: `airflow-export ${formats.join(' ')} ${this.dialect}`,
      // as columns, the raw entries are made when first asked for
      get entries(): RawEntry[] {
        if (!listing) return entries
        listed ??= Array.from({ length: listing.count }, (_, i) => listing.entry(i))
        return listed
      },
      problems: [],
      // one kind per file, each key once in a JSON file's listing (a key twice is none)
      uniqueIds: [...files.values()].every((f) => f.format === 'json'),
      read: (raw) => {
        const file = files.get(raw.kind)!
        const e =
          (raw.kind === 'connection' && raw instanceof SpanRawEntry
            ? this.connectionMember(raw)
            : undefined) ?? readRawFileItem(raw.kind, raw.id, raw.text, file.format, this.dialect)
        return { ...e, source: { backendId: this.id, path: file.path, fromKey: raw.id } }
      },
      surelyReads: (raw) =>
        raw instanceof SpanRawEntry && surelyReads(raw.kind, raw.id, raw.bytes, raw.start, raw.end),
      ...(listing ? { columns: listing } : {})
    }
  }

  async write(entries: readonly Entry[]): Promise<void> {
    const conns = entries.filter((e): e is ConnectionEntry => e.kind === 'connection')
    const vars = entries.filter((e): e is VariableEntry => e.kind === 'variable')
    const out: [string, string][] = []
    if (conns.length) out.push((await this.renderConnections(conns, []))!)
    if (vars.length) out.push((await this.renderVariables(vars, []))!)
    for (const [path, text] of out) await replaceFile(path, text)
  }

  async remove(refs: readonly EntryRef[]): Promise<void> {
    const out: [string, string][] = []
    const connIds = refs.filter((r) => r.kind === 'connection' && this.connectionsPath !== null)
    const varIds = refs.filter((r) => r.kind === 'variable' && this.variablesPath !== null)
    if (connIds.length) {
      const rendered = await this.renderConnections(
        [],
        connIds.map((r) => r.id)
      )
      if (rendered) out.push(rendered)
    }
    if (varIds.length) {
      const rendered = await this.renderVariables(
        [],
        varIds.map((r) => r.id)
      )
      if (rendered) out.push(rendered)
    }
    for (const [path, text] of out) await replaceFile(path, text)
  }

  private refuseTeams(entries: readonly Entry[], path: string): void {
    for (const e of entries)
      if (e.team)
        throw keyError(
          path,
          idOf(e),
          'export files have no teams; write team-scoped entries to a store that has them.'
        )
  }

  /** The path and new text of the connections file; null when nothing changes. */
  private async renderConnections(
    upserts: readonly ConnectionEntry[],
    removals: readonly string[]
  ): Promise<[string, string] | null> {
    if (this.connectionsPath === null)
      throw new AirlockError(
        'usage',
        `"${this.id}" has no connections file; give connectionsPath to write connections.`
      )
    const s = await this.state('connection')
    if (s.decoded.problems.length) throw refuseWriteError(s.path, s.decoded.problems)
    this.refuseTeams(upserts, s.path)
    const byId = new Map(s.decoded.value.map((e) => [e.id, e]))
    const before = byId.size
    for (const id of removals) byId.delete(id)
    if (!upserts.length && byId.size === before) return null
    for (const e of upserts) {
      const copy = structuredClone(e)
      delete copy.source
      byId.set(e.id, copy)
    }
    return [s.path, this.encodeConnections([...byId.values()], s.format)]
  }

  /** The connections file's text for `entries`, in its format (what `write` stores). */
  private encodeConnections(entries: readonly ConnectionEntry[], format: FileFormat): string {
    const serialization = format === 'env' ? (this.options.serialization ?? 'uri') : undefined
    return encodeConnectionsFile(entries, {
      format,
      dialect: this.dialect,
      ...(serialization ? { serialization } : {})
    })
  }

  /** The variables file's text for `all` (what `write` stores). */
  private encodeVariables(all: readonly VariableEntry[]): string {
    return this.options.variableValues !== 'lossless'
      ? encodeVariablesFile(all, this.dialect)
      : encodeVariablesLossless(all, this.dialect)
  }

  /**
   * The entry's part of its export file: the file as `write` would encode it holding only this
   * entry (the same encoder and options), under the id as its key.
   */
  async written(entry: Entry): Promise<WrittenForm> {
    const copy = structuredClone(entry)
    delete copy.source
    // the checks write makes (no file for the kind, unreadable lines, teams), writing nothing
    if (copy.kind === 'connection') {
      const [path] = (await this.renderConnections([copy], []))!
      const format = formatOf(path)
      const text = this.encodeConnections([copy], format).replace(/\n$/, '')
      return { name: copy.id, text, format: format === 'env' ? 'env-line' : 'json' }
    }
    await this.renderVariables([copy], [])
    return { name: copy.key, text: this.encodeVariables([copy]), format: 'json' }
  }

  private async renderVariables(
    upserts: readonly VariableEntry[],
    removals: readonly string[]
  ): Promise<[string, string] | null> {
    if (this.variablesPath === null)
      throw new AirlockError(
        'usage',
        `"${this.id}" has no variables file; give variablesPath to write variables.`
      )
    const s = await this.state('variable')
    if (s.format !== 'json')
      throw new AirlockError(
        'usage',
        `"${s.path}": airflow variables export writes JSON only; write variables to a .json file.`
      )
    if (s.decoded.problems.length) throw refuseWriteError(s.path, s.decoded.problems)
    this.refuseTeams(upserts, s.path)
    const byKey = new Map(s.decoded.value.map((e) => [e.key, e]))
    const before = byKey.size
    for (const k of removals) byKey.delete(k)
    if (!upserts.length && byKey.size === before) return null
    for (const e of upserts)
      byKey.set(e.key, { kind: 'variable', key: e.key, value: e.value, description: e.description })
    return [s.path, this.encodeVariables([...byKey.values()])]
  }
}

/**
 * A variables file in the export layout that `variables import` loads back to exactly the
 * stored text: each entry as `variables export` writes it when that round-trips, else its
 * raw text as a JSON string.
 */
export function encodeVariablesLossless(
  entries: readonly VariableEntry[],
  dialect: Dialect
): string {
  const out = new PyDict()
  for (const v of entries) {
    const exported = pyJsonLoads(encodeVariablesFile([v], dialect)) as PyDict
    let item: PyValue = exported.get(v.key)!
    const back = decodeVariablesFile(pyJsonDumps(new PyDict([[v.key, item]])), 'json').value[0]
    if (!back || back.value !== v.value || back.description !== v.description)
      item =
        v.description !== null && dialect !== 'airflow2'
          ? new PyDict([
              ['value', v.value],
              ['description', v.description]
            ])
          : v.value
    out.set(v.key, item)
  }
  return pyJsonDumps(out, { indent: 4, sortKeys: true })
}
