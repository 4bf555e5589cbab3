/**
 * A `.env` file of `AIRFLOW_CONN_*` / `AIRFLOW_VAR_*` lines, as docker compose (`env_file:`,
 * what Astro's local stack uses) or python-dotenv reads it into a process environment. Names
 * map to entries exactly as in env.ts (ids listed lower-case, found in any case).
 *
 * Reading goes through core/codecs/env-file/ with the chosen loader's rules; a file with
 * lines the loader cannot read is refused as a whole (docker compose refuses it too), naming
 * every line. Writing is read-modify-write: only the lines of the written or removed names
 * change, comments and unrelated lines stay byte for byte, the result is checked by reading
 * it back, and it replaces the file atomically (temp file in the same folder + rename) only
 * if the file is still the version read: an edit by another process in between fails the
 * write instead of being overwritten. Jobs lock the file for their length (jobs/store-lock.ts).
 *
 * What a file cannot keep: a variable's description, a connection's `team_name` field (the
 * team is the name's), and ids that differ only by case (one env name).
 */
import { isUtf8 } from 'node:buffer'
import { readFile, stat } from 'node:fs/promises'
import { connectionEnvValue } from '../core/codecs/connection-value'
import {
  composeFastColumns,
  composeFastSpans,
  decodeComposeFast,
  type ComposeColumns
} from '../core/codecs/env-file/compose-fast'
import {
  ENV_FILE_LOADER_LABEL,
  EnvFileChecks,
  decodeEnvFile,
  rewriteEnvFile,
  updateEnvFile,
  type EnvFileChange,
  type EnvFileLoader,
  type EnvFilePlace,
  type RewrittenEnvFile,
  placesOfNames,
  scanLoader
} from '../core/codecs/env-file'
import type { Scan } from '../core/codecs/env-file/scan'
import { AirlockError, CodecError } from '../core/errors'
import { decodeUtf8File } from '../core/codecs/utf8'
import { identityOf, writeFileAtomic } from '../platform/atomic-write'
import { idOf, refOf, type Dialect, type Entry } from '../core/model'
import type {
  Backend,
  EntryPlace,
  EntryRef,
  LoadResult,
  PlaceLookup,
  PreflightProblem,
  RawLoadResult,
  Scope,
  WrittenForm
} from './backend'
import {
  entryFromEnv,
  envNameOfRef,
  listEnvRefs,
  loadColumnEnvEntries,
  loadEnvEntries,
  loadRawEnvEntries,
  type EnvOrigin
} from './env'

/**
 * Options of the `.env` file backend.
 *
 * @example
 * const file = new EnvFileBackend({ path: './.env', loader: 'compose', dialect: 'airflow3' })
 * await file.write([{ kind: 'variable', key: 'region', value: 'eu-west-1', description: null }])
 * // appends AIRFLOW_VAR_REGION=eu-west-1 and leaves every other line as it was
 */
export interface EnvFileOptions {
  /** The file; a missing file reads as empty and is created by the first write (mode 0600). */
  path: string
  /** Default `envfile:<path>`. */
  id?: string
  /** Whose rules parse and write `AIRFLOW_CONN_*` values; default `airflow3`. */
  dialect?: Dialect
  /** Which loader reads the file: `compose` (default; docker compose, Astro) or `python-dotenv`. */
  loader?: EnvFileLoader
  /**
   * The environment `$NAME` / `${NAME}` references in the file are filled from before its
   * own earlier lines, as the loader does. Default `{}`: references to names the file does
   * not set read as empty, and nothing from Airlock's own environment leaks into values.
   */
  environment?: Readonly<Record<string, string | undefined>>
}

// Their home is core/codecs/connection-value; re-exported for callers that import them from here.

function fileError(path: string, verb: string, error: unknown): AirlockError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const denied = code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
  const missing = code === 'ENOENT' || code === 'ENOTDIR'
  return new AirlockError(
    denied ? 'backend.access-denied' : missing ? 'backend.not-found' : 'backend.unreachable',
    `Could not ${verb} ${path}${code ? ` (${code})` : ''}; check that the path exists and is ${verb === 'read' ? 'readable' : 'writable'}.`,
    { cause: error }
  )
}

/**
 * The variables of a listing as columns (compose-fast.ts), in line order, each value decoded
 * when it is reached: what decodeComposeFast's map holds, one at a time.
 */
function* columnVars(bytes: Buffer, columns: ComposeColumns): Generator<[string, string]> {
  const { count, cols } = columns
  for (let i = 0; i < count; i++) {
    const start = cols[5 * i + 2]!
    const end = cols[5 * i + 3]!
    yield [
      bytes.toString('latin1', cols[5 * i]!, cols[5 * i + 1]!),
      end > start ? bytes.toString(cols[5 * i + 4] === 1 ? 'latin1' : 'utf8', start, end) : ''
    ]
  }
}

/** A `.env` file read and written as docker compose or python-dotenv reads it. */
export class EnvFileBackend implements Backend {
  readonly lossyFields = ['variable.description'] as const
  readonly kind = 'env-file' as const
  readonly id: string
  readonly capabilities = { list: true, write: true }
  private readonly path: string
  private readonly dialect: Dialect
  private readonly loader: EnvFileLoader
  private readonly environment: Readonly<Record<string, string | undefined>>
  /** Whether `environment` is an empty plain object (`{}`, the default). */
  private readonly noEnvironment: boolean

  constructor(options: EnvFileOptions) {
    this.path = options.path
    this.id = options.id ?? `envfile:${options.path}`
    this.dialect = options.dialect ?? 'airflow3'
    this.loader = options.loader ?? 'compose'
    this.environment = options.environment ?? {}
    this.noEnvironment =
      Object.getPrototypeOf(this.environment) === Object.prototype &&
      Object.keys(this.environment).length === 0
  }

  async list(scope: Scope, signal?: AbortSignal): Promise<EntryRef[]> {
    const vars = await this.vars(signal)
    return listEnvRefs(vars.keys(), scope)
  }

  async read(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined> {
    const vars = await this.vars(signal)
    const name = envNameOfRef(ref)
    const value = vars.get(name)
    return value === undefined ? undefined : entryFromEnv(name, value, this.origin())
  }

  async readEach(refs: readonly EntryRef[], signal?: AbortSignal): Promise<(Entry | undefined)[]> {
    let vars: Map<string, string>
    try {
      vars = await this.vars(signal)
    } catch {
      return refs.map(() => undefined)
    }
    return refs.map((ref) => {
      const name = envNameOfRef(ref)
      const value = vars.get(name)
      try {
        return value === undefined ? undefined : entryFromEnv(name, value, this.origin())
      } catch {
        return undefined
      }
    })
  }

  async load(scope: Scope, signal?: AbortSignal): Promise<LoadResult> {
    if (scope.once && this.loader === 'compose') {
      // read once: the common file's values are decoded one at a time as their entries are
      // made, so a connection's text dies once parsed (not all of them held in a map for the
      // whole read, and copied by every young-generation collection meanwhile: issue #22)
      const bytes = (await this.bytes(signal))?.bytes
      const columns = bytes && isUtf8(bytes) ? composeFastColumns(bytes) : undefined
      if (columns) return loadEnvEntries(columnVars(bytes!, columns), scope, this.origin())
    }
    const vars = await this.vars(signal)
    return loadEnvEntries(vars, scope, this.origin())
  }

  async loadRaw(scope: Scope, signal?: AbortSignal): Promise<RawLoadResult> {
    // the common file: its values stay in its bytes, compared as bytes (compose-fast.ts)
    const file = this.loader === 'compose' ? await this.bytes(signal) : undefined
    const bytes = file?.bytes
    if (bytes && isUtf8(bytes)) {
      const columns = composeFastColumns(bytes)
      const listed = columns && loadColumnEnvEntries(columns, bytes, scope, this.origin())
      if (listed) return listed
      const spans = composeFastSpans(bytes, (start, end) => bytes.toString('latin1', start, end))
      if (spans) return loadRawEnvEntries({ ...spans, bytes }, scope, this.origin())
    }
    const vars = await this.vars(signal)
    return loadRawEnvEntries(vars, scope, this.origin())
  }

  async write(entries: readonly Entry[], signal?: AbortSignal): Promise<void> {
    await this.change(
      entries.map((e) => this.changeOf(e)),
      signal
    )
  }

  /**
   * Per entry, writing nothing: two ids on one variable name (Airflow upper-cases the id, so
   * `Foo` and `foo` are one name) and values no environment variable can carry (a NUL) are
   * errors; what export warns about — python-dotenv expanding `${…}`, a value the loaders read
   * differently, a name shells cannot express — is a warning on the item (the same encoder).
   * A file that cannot be read (bad lines, not UTF-8) is a store-wide error.
   */
  async preflight(entries: readonly Entry[], signal?: AbortSignal): Promise<PreflightProblem[]> {
    const problems: PreflightProblem[] = []
    try {
      await this.vars(signal)
    } catch (error) {
      if (!(error instanceof AirlockError)) throw error
      problems.push({ ref: null, severity: 'error', message: error.userMessage })
    }
    const byName = new Map<string, Entry>()
    // what is encoded, checked as it is made: each value dies once checked (the common file's
    // lines need no read-back; a 100 k pre-flight held every value and the new file's text:
    // issue #22). The entries written, to make their values again for a read-back that runs.
    const checks = new EnvFileChecks(this.loader)
    const written: Entry[] = []
    const label = (e: Entry) => `${e.kind} ${JSON.stringify(idOf(e))}`
    for (const e of entries) {
      const change = this.changeOf(e)
      const other = byName.get(change.name)
      const error = (message: string) =>
        problems.push({ ref: refOf(e), severity: 'error', message: `${this.id}: ${message}` })
      if (other) {
        error(
          `${label(e)} and ${label(other)} are both written as ${change.name} (Airflow upper-cases the id in the name, so they are one entry); rename one.`
        )
        continue
      }
      byName.set(change.name, e)
      if (idOf(e).includes('\0'))
        error(
          `${label(e)}: the id holds a NUL character, which no environment variable name can carry; rename it.`
        )
      else if (change.value?.includes('\0'))
        error(
          `${label(e)}: the value holds a NUL character, which no environment variable can carry.`
        )
      else {
        checks.add(change.name, change.value ?? '')
        written.push(e)
      }
    }
    const changeOf = (e: Entry) => this.changeOf(e)
    const warnings = checks.finish(function* () {
      for (const e of written) {
        const change = changeOf(e)
        yield { name: change.name, value: change.value ?? '' }
      }
    })
    for (const w of warnings) {
      const e = byName.get(w.name)
      problems.push({
        ref: e ? refOf(e) : null,
        severity: 'warning',
        message: `${this.id}: ${w.message}`
      })
    }
    return problems
  }

  /** The line `write` puts in the file for `entry` (the same change, the same encoder). */
  async written(entry: Entry): Promise<WrittenForm> {
    const change = this.changeOf(entry)
    try {
      const text = updateEnvFile('', [change], this.loader).text.replace(/\r?\n$/, '')
      return { name: change.name, text, format: 'env-line' }
    } catch (error) {
      if (error instanceof CodecError)
        throw new AirlockError(error.code, `${this.id}: ${error.userMessage}`, { cause: error })
      throw error
    }
  }

  /**
   * Where each ref's name is written now (core/codecs/env-file/place.ts): its statements'
   * exact text and the line before each, for a rollback to put it back as it was. Undefined
   * for a name the file does not set, one whose statement shares its line, or every ref of a
   * file that cannot be read.
   */
  async placesOf(refs: readonly EntryRef[], signal?: AbortSignal): Promise<PlaceLookup> {
    const text = await this.text(signal)
    if (text === undefined || !refs.length) return () => undefined
    const scan = scanLoader(text, this.loader)
    if (scan.problems.length) return () => undefined
    const places = placesOfNames(
      text,
      scan,
      refs.map((r) => envNameOfRef(r))
    )
    return (i) => {
      const place = places(i)
      return place && { order: place.line, form: place }
    }
  }

  /**
   * `write`, putting each entry that comes with a place back where and as it was written (in
   * one rewrite, in the order of their lines; place.ts says where when the line before is
   * gone). A line put back reads as it did unless it holds a `$` (a reference to the lines
   * above it, or to the environment): those are returned, to be read back.
   */
  async putBack(
    entries: readonly { entry: Entry; place?: EntryPlace }[],
    signal?: AbortSignal
  ): Promise<readonly number[]> {
    const check: number[] = []
    const changes = entries.map(({ entry, place }, i) => {
      const change = this.changeOf(entry)
      const form = place?.form as EnvFilePlace | undefined
      if (!form || !Array.isArray(form.spans) || !form.spans.length) return change
      // (a bare name reads the environment: its last statement has no "=")
      const last = form.spans.at(-1)!.text
      if (last.includes('$') || !last.includes('=')) check.push(i)
      return { ...change, place: form }
    })
    await this.change(changes, signal)
    return check
  }

  private changeOf(e: Entry): EnvFileChange {
    return e.kind === 'variable'
      ? { name: envNameOfRef({ kind: 'variable', id: e.key, team: e.team }), value: e.value }
      : {
          name: envNameOfRef({ kind: 'connection', id: e.id, team: e.team }),
          value: connectionEnvValue(e.fields, this.dialect)
        }
  }

  async remove(refs: readonly EntryRef[], signal?: AbortSignal): Promise<void> {
    await this.change(
      refs.map((r) => ({ name: envNameOfRef(r), value: null })),
      signal
    )
  }

  private origin(): EnvOrigin {
    return { backendId: this.id, path: this.path, dialect: this.dialect }
  }

  /** The text this backend last wrote and the loader's scan of it (the next write's `before`). */
  private lastWrite: { text: string; scan: Scan } | undefined

  /** The last text read, by the file's identity (inode, size, mtime in ns). */
  private textCache: { key: string; text: string } | undefined

  /** The file's identity and bytes; undefined when it does not exist. */
  private async bytes(signal?: AbortSignal): Promise<{ key: string; bytes?: Buffer } | undefined> {
    signal?.throwIfAborted()
    try {
      // A read-back of many ids reads the file once: the same inode, size, mtime and ctime
      // mean the same bytes (Airlock's own writes replace the file, a new inode).
      const st = await stat(this.path, { bigint: true })
      const key = identityOf(st)
      if (this.textCache?.key === key || this.cachedVars(key)) return { key }
      return { key, bytes: await readFile(this.path, { signal }) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      if ((error as Error).name === 'AbortError') throw error
      throw fileError(this.path, 'read', error)
    }
  }

  /** The text of bytes just read (`bytes` undefined: the cached text of `key`). */
  private textOf(key: string, bytes: Buffer | undefined): string {
    if (!bytes && this.textCache?.key === key) return this.textCache.text
    // valid UTF-8 reads the same through either decoder, and Buffer's is the faster one
    const text = isUtf8(bytes!) ? bytes!.toString('utf8') : decodeUtf8File(bytes!, this.path)
    this.textCache = { key, text }
    return text
  }

  private async text(signal?: AbortSignal): Promise<string | undefined> {
    const file = await this.bytes(signal)
    if (!file) return undefined
    if (!file.bytes && this.textCache?.key !== file.key) {
      // known only by its parse: read it again for its text
      this.varsCache = undefined
      return this.text(signal)
    }
    return this.textOf(file.key, file.bytes)
  }

  /**
   * What the last file read sets, by its identity: a read-back of many ids parses it once.
   * (Only the same identity reuses the parse, as only the same identity reuses the text.)
   * Held weakly: a job's source is loaded once and kept open for the whole job, and a strong
   * cache kept every value of its file (some 25 MB at 100 k items) alive to the job's end. A
   * parse the collector dropped is made again from the file.
   */
  private varsCache: { key: string; vars: WeakRef<Map<string, string>> } | undefined

  /** The cached parse of the file of identity `key`, if it is still held. */
  private cachedVars(key: string): Map<string, string> | undefined {
    return this.varsCache?.key === key ? this.varsCache.vars.deref() : undefined
  }

  /** The variables the loader sets from the file; throws when it has unreadable lines. */
  private async vars(signal?: AbortSignal): Promise<Map<string, string>> {
    const file = await this.bytes(signal)
    if (!file) return this.decode('')
    const cached = this.cachedVars(file.key)
    if (cached) return cached
    if (!file.bytes && this.textCache?.key !== file.key) {
      // known only by a parse collected since: read the file again
      this.varsCache = undefined
      return this.vars(signal)
    }
    const bytes = file.bytes
    // the common file (plain `NAME=value` lines) is read from its bytes, values alone decoded
    // (core/codecs/env-file/compose-fast.ts); anything else by the exact decoder
    const fast =
      bytes && this.loader === 'compose' && isUtf8(bytes)
        ? decodeComposeFast(bytes, (start, end, ascii) =>
            bytes.toString(ascii ? 'latin1' : 'utf8', start, end)
          )
        : undefined
    const vars = fast ?? this.decode(this.textOf(file.key, bytes))
    this.varsCache = { key: file.key, vars: new WeakRef(vars) }
    return vars
  }

  /** The exact decoder's reading of `text`; throws when it has unreadable lines. */
  private decode(text: string): Map<string, string> {
    const decoded = decodeEnvFile(text, this.loader, { environment: this.environment })
    if (decoded.problems.length)
      throw new AirlockError(
        'codec.parse',
        `${this.path} has ${decoded.problems.length} line(s) ${ENV_FILE_LOADER_LABEL[this.loader]} cannot read: ${decoded.problems
          .map((p) => `line ${p.line}: ${p.message}`)
          .join(' ')}`
      )
    return new Map(decoded.value.map((v) => [v.name, v.value]))
  }

  private async change(changes: readonly EnvFileChange[], signal?: AbortSignal): Promise<void> {
    if (!changes.length) return
    const before = await this.text(signal)
    // the version read: an edit by another process before the rename fails this write
    const expect = before === undefined ? null : (this.textCache?.key ?? null)
    // the parse of the version read (the last batch's read-back): the rewrite does not use it,
    // and a file this write replaces (a new identity) is never read through it again; let it
    // go before the rewrite builds the new text and its reading (issue #22)
    this.varsCache = undefined
    let rewritten: RewrittenEnvFile
    try {
      // the scan of the text this backend wrote last, when that is the text read (a job's
      // batches: each version scanned once); no warnings (the pre-flight made them)
      const scan =
        before !== undefined && this.lastWrite?.text === before ? this.lastWrite.scan : undefined
      rewritten = rewriteEnvFile(before ?? '', changes, this.loader, { scan, warnings: false })
    } catch (error) {
      if (error instanceof CodecError)
        throw new AirlockError(
          error.code,
          `Nothing was written to ${this.path}: ${error.userMessage}`,
          { cause: error }
        )
      throw error
    }
    const updated = rewritten.text
    if (updated === before) return
    signal?.throwIfAborted()
    this.lastWrite = undefined
    try {
      await writeFileAtomic(this.path, updated, { expect })
    } catch (error) {
      if (error instanceof AirlockError) throw error
      throw fileError(this.path, 'write', error)
    }
    // The file is now the text just written (checked by updateEnvFile reading it back): a
    // read-back of the batch finds it by the new file's identity instead of reading the whole
    // file again. Only when the file there is that text's size (jobs hold the store's lock, so
    // no other writer replaced it in between); otherwise the next read reads it.
    try {
      const st = await stat(this.path, { bigint: true })
      if (st.size === BigInt(Buffer.byteLength(updated))) {
        const key = identityOf(st)
        this.textCache = { key, text: updated }
        this.lastWrite = { text: updated, scan: rewritten.scan }
        // The check read the new text as `vars` would (the exact decoder, no environment):
        // the read-back uses that reading instead of parsing the file again. Only without an
        // environment of the file's own (the check fills references from none).
        if (rewritten.values && this.noEnvironment)
          this.varsCache = { key, vars: new WeakRef(rewritten.values) }
      }
    } catch {
      // the next read reads the file
    }
  }
}
