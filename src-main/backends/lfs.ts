/**
 * Airflow's `LocalFilesystemBackend` (reference §12.6; source
 * `airflow-core/src/airflow/secrets/local_filesystem.py`): a connections file and a
 * variables file, each `.env`, `.json`, `.yaml` or `.yml` (extension, any case). Airflow
 * re-reads the files on every lookup and refuses a whole file while any problem remains;
 * here `list`/`read`/`load` throw for a file-level problem (syntax, not an object) and
 * report per id what is wrong with one entry.
 *
 * Reading follows Airflow's parsers: `.env` lines `key=value` (split at the first `=`, no
 * quotes, no trimming, `#` comment lines, a repeated key is an error), JSON/YAML objects.
 * A connection is a URI string or an object of `Connection(...)` arguments. A variable is
 * the value as found: LocalFilesystemBackend hands a JSON/YAML number, boolean, list or
 * object to the task as that Python object, not as text — Airlock shows it as JSON text
 * and says so in `diagnose()`. Variables have no description here.
 *
 * Multi-team (Airflow 3.2+ with `[core] multi_team`): a key `<team>___<id>` holds the entry
 * of that team; `multiTeam: true` reads and writes such keys as team-scoped entries.
 *
 * Writing keeps the file's format and leaves untouched entries as they were: `.env` lines
 * are replaced, removed or appended in place (comments and order kept; a connection is
 * written as its URI; a variable that contains a line break or is empty is refused, since
 * Airflow could not read it back); JSON is re-dumped with indent 2 and YAML as PyYAML dumps
 * it (keys sorted) — comments in a YAML file are not kept.
 *
 * @example
 * new LfsBackend({ connectionsFilePath: '/opt/airflow/conns.yaml', variablesFilePath: null })
 */
import {
  pySplitLines,
  decodeConnectionsFile,
  decodeVariablesFile,
  fileLevelProblems,
  encodeConnectionsFile,
  type FileFormat,
  type FileProblem
} from '../core/codecs/airflow-files'
import { PyDict, pyJsonDumps, pyJsonLoads, type PyValue } from '../core/codecs/py-json'
import { pyYamlDump, pyYamlSafeLoad } from '../core/codecs/py-yaml'
import { PY_SPACE_CLASS } from '../core/codecs/py-str'
import { AirlockError } from '../core/errors'
import { idOf, type Dialect, type Entry } from '../core/model'
import {
  describeProblem,
  fileError,
  formatOf,
  keyError,
  readTextIfExists,
  refuseWriteError
} from './airflow-export'
import { replaceFile } from '../platform/atomic-write'
import {
  inScope,
  type Backend,
  type EntryKind,
  type EntryProblem,
  type EntryRef,
  type LoadResult,
  type Scope,
  type WrittenForm
} from './backend'

/** LocalFilesystemBackend's separator of team and id in a team-scoped key. */
export const LFS_TEAM_SEP = '___'

/** Options of the LocalFilesystemBackend store (its `backend_kwargs`, plus Airlock's). */
export interface LfsOptions {
  /** Backend id; default `lfs:<paths>`. */
  id?: string
  /** `connections_file_path`; null or absent: no connections (as in Airflow). */
  connectionsFilePath?: string | null
  /** `variables_file_path`; null or absent: no variables. */
  variablesFilePath?: string | null
  /** Whose rules read URIs and connection objects; default airflow3. */
  dialect?: Dialect
  /** `[core] multi_team`: read and write `<team>___<id>` keys as team-scoped entries. */
  multiTeam?: boolean
}

interface Decoded {
  path: string
  format: FileFormat
  /** The file's text; undefined when it does not exist. */
  text: string | undefined
  /** Entries by file key. */
  entries: Map<string, Entry>
  problems: FileProblem[]
  warnings: FileProblem[]
}

const COMMENT_LINE = new RegExp(`^[${PY_SPACE_CLASS}]*#`)

/** LocalFilesystemBackend's connections and variables files. */
export class LfsBackend implements Backend {
  readonly kind = 'lfs' as const
  readonly id: string
  readonly capabilities = { list: true, write: true }
  readonly holds: readonly EntryKind[]
  private readonly connectionsPath: string | null
  private readonly variablesPath: string | null
  private readonly dialect: Dialect
  private readonly multiTeam: boolean

  constructor(options: LfsOptions) {
    this.connectionsPath = options.connectionsFilePath ?? null
    this.variablesPath = options.variablesFilePath ?? null
    if (this.connectionsPath !== null) formatOf(this.connectionsPath)
    if (this.variablesPath !== null) formatOf(this.variablesPath)
    this.holds = [
      ...(this.connectionsPath !== null ? (['connection'] as const) : []),
      ...(this.variablesPath !== null ? (['variable'] as const) : [])
    ]
    this.dialect = options.dialect ?? 'airflow3'
    this.multiTeam = options.multiTeam ?? false
    this.id =
      options.id ??
      `lfs:${[this.connectionsPath, this.variablesPath].filter((p) => p !== null).join('+') || 'none'}`
  }

  private pathOf(kind: EntryKind): string | null {
    return kind === 'connection' ? this.connectionsPath : this.variablesPath
  }

  /** The file key of an entry: `<team>___<id>` for a team's entry in multi-team mode. */
  private keyOf(
    kind: EntryKind,
    id: string,
    team: string | null | undefined,
    path: string
  ): string {
    if (!team) return id
    if (!this.multiTeam)
      throw keyError(
        path,
        id,
        'this entry belongs to a team, but the store is not in multi-team mode (multiTeam).'
      )
    return `${team}${LFS_TEAM_SEP}${id}`
  }

  /** The entry a file key stands for: team and id apart in multi-team mode. */
  private split(key: string): { id: string; team: string | null } {
    if (!this.multiTeam) return { id: key, team: null }
    const at = key.indexOf(LFS_TEAM_SEP)
    return at > 0
      ? { id: key.slice(at + LFS_TEAM_SEP.length), team: key.slice(0, at) }
      : { id: key, team: null }
  }

  private async decode(kind: EntryKind): Promise<Decoded | undefined> {
    const path = this.pathOf(kind)
    if (path === null) return undefined
    const format = formatOf(path)
    const text = await readTextIfExists(path)
    const out: Decoded = { path, format, text, entries: new Map(), problems: [], warnings: [] }
    if (text === undefined) return out
    if (kind === 'connection') {
      const d = decodeConnectionsFile(text, format, this.dialect, {
        idRule: 'none',
        keepTypes: true
      })
      out.problems.push(...d.problems)
      out.warnings.push(...d.warnings)
      for (const e of d.value) out.entries.set(e.id, e)
      return out
    }
    const d = decodeVariablesFile(text, format)
    if (format === 'env') {
      out.problems.push(...d.problems)
      for (const e of d.value) out.entries.set(e.key, { ...e, description: null })
      return out
    }
    // JSON/YAML: load_variables returns each value as found (no {"value": …} unpacking).
    const fileLevel = fileLevelProblems(d.problems)
    if (fileLevel.length) {
      out.problems.push(...fileLevel)
      return out
    }
    const data = (format === 'json' ? pyJsonLoads(text) : pyYamlSafeLoad(text)) as PyDict
    for (const [key, found] of data.entries()) {
      // Airflow 2's load_variables unwraps a list of one and refuses other lists for the whole
      // file; Airflow 3 keeps a JSON/YAML list as the list (`variables = dict(secrets)`).
      let value = found
      if (Array.isArray(found) && this.dialect === 'airflow2') {
        if (found.length !== 1) {
          out.problems.push({
            line: null,
            key,
            message: `A list of ${found.length} values: Airflow 2 refuses the whole file ("contains multiple values for keys").`
          })
          continue
        }
        value = found[0]!
      }
      if (typeof value === 'string') {
        out.entries.set(key, { kind: 'variable', key, value, description: null })
        continue
      }
      out.entries.set(key, { kind: 'variable', key, value: pyJsonDumps(value), description: null })
      out.warnings.push({
        line: null,
        key,
        message:
          'The value is not text: LocalFilesystemBackend gives the task this JSON/YAML value as a Python object (shown here as JSON). Quote it to make it text.'
      })
    }
    return out
  }

  private async readable(kind: EntryKind): Promise<Decoded | undefined> {
    const d = await this.decode(kind)
    if (!d) return undefined
    const fileLevel = fileLevelProblems(d.problems)
    if (fileLevel.length) throw fileError(d.path, fileLevel)
    return d
  }

  private entryOf(key: string, e: Entry, path: string): Entry {
    const { id, team } = this.split(key)
    const copy = structuredClone(e)
    if (copy.kind === 'connection') copy.id = id
    else copy.key = id
    if (team) copy.team = team
    copy.source = { backendId: this.id, path, fromKey: key }
    return copy
  }

  /** Problems and warnings of each file, as Airflow would log or raise them. */
  async diagnose(): Promise<{ path: string; problems: FileProblem[]; warnings: FileProblem[] }[]> {
    const out = []
    for (const kind of ['connection', 'variable'] as const) {
      const d = await this.decode(kind)
      if (d) out.push({ path: d.path, problems: d.problems, warnings: d.warnings })
    }
    return out
  }

  async list(scope: Scope): Promise<EntryRef[]> {
    const refs: EntryRef[] = []
    for (const kind of ['connection', 'variable'] as const) {
      if (!inScope(scope, kind)) continue
      const d = await this.readable(kind)
      if (!d) continue
      const keys = new Set(d.entries.keys())
      for (const p of d.problems) if (p.key !== undefined) keys.add(p.key)
      for (const key of keys) {
        const { id, team } = this.split(key)
        refs.push(team ? { kind, id, team } : { kind, id })
      }
    }
    return refs
  }

  async read(ref: EntryRef): Promise<Entry | undefined> {
    const d = await this.readable(ref.kind)
    if (!d) return undefined
    const key = this.keyOf(ref.kind, ref.id, ref.team, d.path)
    const problem = d.problems.find((p) => p.key === key)
    if (problem) throw keyError(d.path, key, problem.message)
    const e = d.entries.get(key)
    return e && this.entryOf(key, e, d.path)
  }

  async load(scope: Scope): Promise<LoadResult> {
    const entries: Entry[] = []
    const problems: EntryProblem[] = []
    for (const kind of ['connection', 'variable'] as const) {
      if (!inScope(scope, kind)) continue
      const d = await this.readable(kind)
      if (!d) continue
      for (const [key, e] of d.entries) entries.push(this.entryOf(key, e, d.path))
      for (const p of d.problems) {
        const { id, team } = this.split(p.key!)
        problems.push({
          ref: team ? { kind, id, team } : { kind, id },
          code: 'codec.parse',
          message: `"${d.path}": ${describeProblem(p)} Airflow rejects the whole file while this remains.`
        })
      }
    }
    return { entries, problems }
  }

  async write(entries: readonly Entry[]): Promise<void> {
    const out: [string, string][] = []
    for (const kind of ['connection', 'variable'] as const) {
      const mine = entries.filter((e) => e.kind === kind)
      if (!mine.length) continue
      const rendered = await this.render(kind, mine, [])
      if (rendered) out.push(rendered)
    }
    for (const [path, text] of out) await replaceFile(path, text)
  }

  async remove(refs: readonly EntryRef[]): Promise<void> {
    const out: [string, string][] = []
    for (const kind of ['connection', 'variable'] as const) {
      const mine = refs.filter((r) => r.kind === kind)
      if (!mine.length || this.pathOf(kind) === null) continue
      const rendered = await this.render(kind, [], mine)
      if (rendered) out.push(rendered)
    }
    for (const [path, text] of out) await replaceFile(path, text)
  }

  /**
   * The entry's part of its file: the file `write` would make holding only this entry (the
   * same key and encoder), after the checks `write` makes; other entries are never shown.
   */
  async written(entry: Entry): Promise<WrittenForm> {
    const kind = entry.kind
    await this.render(kind, [entry], [])
    const path = this.pathOf(kind)!
    const d = (await this.decode(kind))!
    const key = this.keyOf(kind, idOf(entry), entry.team, path)
    const copy = structuredClone(entry)
    delete copy.source
    delete copy.team
    if (copy.kind === 'connection') copy.id = key
    else copy.key = key
    const alone: Decoded = { ...d, text: undefined, entries: new Map() }
    const text = this.edit(alone, new Map([[key, copy]]), new Set()).replace(/\n$/, '')
    return { name: key, text, format: d.format === 'env' ? 'env-line' : d.format }
  }

  /** The path and new text of one file; null when nothing changes. */
  private async render(
    kind: EntryKind,
    upserts: readonly Entry[],
    removals: readonly EntryRef[]
  ): Promise<[string, string] | null> {
    const path = this.pathOf(kind)
    if (path === null)
      throw new AirlockError(
        'usage',
        `"${this.id}" has no ${kind === 'connection' ? 'connections' : 'variables'} file; set ${kind === 'connection' ? 'connectionsFilePath' : 'variablesFilePath'} to write ${kind}s.`
      )
    const d = (await this.decode(kind))!
    if (d.problems.length) throw refuseWriteError(path, d.problems)
    const removed = new Set(
      removals.map((r) => this.keyOf(kind, r.id, r.team, path)).filter((k) => d.entries.has(k))
    )
    if (!upserts.length && !removed.size) return null
    const values = new Map<string, Entry>()
    for (const e of upserts) {
      const id = idOf(e)
      if (this.multiTeam && id.includes(LFS_TEAM_SEP))
        throw keyError(
          path,
          id,
          `in multi-team mode Airflow refuses ids containing "${LFS_TEAM_SEP}".`
        )
      const key = this.keyOf(kind, id, e.team, path)
      this.checkWritable(d.format, key, e, path)
      const copy = structuredClone(e)
      delete copy.source
      delete copy.team
      if (copy.kind === 'connection') copy.id = key
      else copy.key = key
      values.set(key, copy)
      removed.delete(key)
    }
    return [path, this.edit(d, values, removed)]
  }

  /**
   * The file with `values` set and `removed` dropped. Untouched entries keep their exact
   * text (in `.env` also the comments and order); JSON/YAML are re-dumped, YAML losing its
   * comments.
   */
  private edit(d: Decoded, values: Map<string, Entry>, removed: Set<string>): string {
    const text = (e: Entry): string =>
      e.kind === 'variable'
        ? e.value
        : encodeConnectionsFile([e], { format: 'env', dialect: this.dialect }).slice(
            e.id.length + 1,
            -1
          )
    if (d.format === 'env') {
      const lines: string[] = []
      for (const line of pySplitLines(d.text ?? '')) {
        const eq = line.indexOf('=')
        const key = !line || COMMENT_LINE.test(line) || eq < 0 ? undefined : line.slice(0, eq)
        if (key !== undefined && removed.has(key)) continue
        const value = key !== undefined ? values.get(key) : undefined
        if (value) {
          lines.push(`${key}=${text(value)}`)
          values.delete(key!)
        } else lines.push(line)
      }
      for (const [key, e] of values) lines.push(`${key}=${text(e)}`)
      return lines.map((l) => `${l}\n`).join('')
    }
    const data = d.text
      ? ((d.format === 'json' ? pyJsonLoads(d.text) : pyYamlSafeLoad(d.text)) as PyDict)
      : new PyDict()
    for (const key of removed) data.delete(key)
    for (const [key, e] of values) {
      const value: PyValue =
        e.kind === 'variable'
          ? e.value
          : (
              pyJsonLoads(
                encodeConnectionsFile([e], { format: 'json', dialect: this.dialect })
              ) as PyDict
            ).get(key)!
      data.set(key, value)
    }
    return d.format === 'json' ? pyJsonDumps(data, { indent: 2 }) : pyYamlDump(data)
  }

  private checkWritable(format: FileFormat, key: string, e: Entry, path: string): void {
    // LocalFilesystemBackend takes any key; a .env line only needs one it can split back out.
    if (format === 'env' && (key === '' || key.includes('=') || pySplitLines(`${key}x`).length > 1))
      throw keyError(path, key, 'a .env key cannot be empty or hold "=" or a line break.')
    if (format !== 'env' || e.kind !== 'variable') return
    if (!e.value)
      throw keyError(path, key, 'Airflow refuses an empty value in a .env file ("Value is empty").')
    if (pySplitLines(`${e.value}x`).length > 1)
      throw keyError(path, key, 'the value contains a line break, which a .env line cannot hold.')
    if (COMMENT_LINE.test(key)) throw keyError(path, key, 'the line would read as a comment.')
  }
}
