/**
 * The Astro CLI's `airflow_settings.yaml` (astronomer/astro-cli, package `settings`:
 * `types.go`, `settings.go`), which `astro dev start` loads into the local Airflow:
 *
 * ```yaml
 * airflow:
 *   connections:
 *     - conn_id: my_pg          # conn_type, conn_host, conn_schema, conn_login,
 *       conn_type: postgres     # conn_password, conn_port (int), conn_uri,
 *       conn_extra: {a: b}      # conn_extra (a mapping, or JSON text)
 *   pools: [...]
 *   variables:
 *     - variable_name: v
 *       variable_value: x
 * ```
 *
 * Reading gives what the Astro CLI makes Airflow hold (`AddConnections`/`AddVariables`):
 * viper + mapstructure decode the file weakly (`conn_password: 0123` becomes "83", `true`
 * becomes "1"), any decode error loads nothing; an item without `conn_id`, or without both
 * `conn_type` and `conn_uri`, or a variable with an empty name or value, is skipped; empty
 * fields and port 0 are not sent (so they are null); `conn_extra` as text is used verbatim,
 * as a mapping it is JSON-encoded as Go does (keys lower-cased by viper at every depth,
 * sorted, compact); a `conn_uri` is used
 * only when no field is set, parsed with Go's `net/url` (not Airflow's parser: the scheme
 * becomes `conn_type` unchanged). Nothing here has a description.
 *
 * Writing edits the YAML document in place with the `yaml` Document API: comments, pools
 * and unknown keys stay; a written connection has its fields set and `conn_uri` removed,
 * its extra kept as JSON text (so the stored text is exact).
 *
 * The rules themselves are pure code in core/codecs/astro-settings.ts; this file reads and
 * writes the file and answers as a Backend.
 *
 * @example new AstroSettingsBackend({ path: './airflow_settings.yaml' })
 */
import type { Document } from 'yaml'
import {
  astroSettingsEntries,
  astroSettingsLists,
  decodeAstroSettings,
  emptyAstroEntries,
  newAstroSettingsDocument,
  removeAstroItems,
  setAstroConnection,
  setAstroVariable,
  type AstroEntries,
  type AstroSettings
} from '../core/codecs/astro-settings'
import { cliKeyProblem, type FileProblem } from '../core/codecs/airflow-files'
import { constructConnection } from '../core/connection'
import { CodecError } from '../core/errors'
import {
  type ConnectionEntry,
  type Dialect,
  type Entry,
  type VariableEntry,
  idOf
} from '../core/model'
import {
  describeProblem,
  fileError,
  keyError,
  readTextIfExists,
  refuseWriteError
} from './airflow-export'
import { replaceFile } from '../platform/atomic-write'
import {
  inScope,
  type Backend,
  type EntryProblem,
  type EntryRef,
  type LoadResult,
  type Scope,
  type WrittenForm
} from './backend'

/** Options of the Astro settings-file store. */
export interface AstroSettingsOptions {
  /** Backend id; default `astro:<path>`. */
  id?: string
  /** The settings file, usually `<project>/airflow_settings.yaml`. */
  path: string
  /** The Airflow the project runs, for extra validation; default airflow3. */
  dialect?: Dialect
}

/** The Astro CLI's airflow_settings.yaml. */
export class AstroSettingsBackend implements Backend {
  readonly kind = 'astro' as const
  readonly id: string
  readonly capabilities = { list: true, write: true }
  private readonly path: string
  private readonly dialect: Dialect

  constructor(options: AstroSettingsOptions) {
    this.path = options.path
    this.dialect = options.dialect ?? 'airflow3'
    this.id = options.id ?? `astro:${options.path}`
  }

  private async parse(): Promise<{ settings: AstroSettings | null; built: AstroEntries }> {
    const text = await readTextIfExists(this.path)
    if (text === undefined) return { settings: null, built: emptyAstroEntries() }
    const settings = decodeAstroSettings(text)
    return {
      settings,
      built: settings.problems.length
        ? emptyAstroEntries()
        : astroSettingsEntries(settings, this.dialect)
    }
  }

  private async readable(): Promise<AstroEntries> {
    const { settings, built } = await this.parse()
    if (settings?.problems.length) throw fileError(this.path, settings.problems)
    return built
  }

  private withSource(e: Entry): Entry {
    const key = idOf(e)
    return { ...structuredClone(e), source: { backendId: this.id, path: this.path, fromKey: key } }
  }

  /** Problems and warnings, as astro would print or fail on them. */
  async diagnose(): Promise<{ path: string; problems: FileProblem[]; warnings: FileProblem[] }> {
    const { settings, built } = await this.parse()
    return {
      path: this.path,
      problems: [...(settings?.problems ?? []), ...built.problems],
      warnings: built.warnings
    }
  }

  async list(scope: Scope): Promise<EntryRef[]> {
    const built = await this.readable()
    const refs: EntryRef[] = []
    if (inScope(scope, 'connection'))
      for (const id of new Set([
        ...built.connections.keys(),
        ...built.problems.filter((p) => p.kind === 'connection').map((p) => p.key!)
      ]))
        refs.push({ kind: 'connection', id })
    if (inScope(scope, 'variable'))
      for (const id of built.variables.keys()) refs.push({ kind: 'variable', id })
    return refs
  }

  async read(ref: EntryRef): Promise<Entry | undefined> {
    const built = await this.readable()
    if (ref.team) return undefined
    const problem = built.problems.find((p) => p.kind === ref.kind && p.key === ref.id)
    if (problem) throw keyError(this.path, ref.id, problem.message)
    const found =
      ref.kind === 'connection' ? built.connections.get(ref.id) : built.variables.get(ref.id)
    return found && this.withSource(found.entry)
  }

  async load(scope: Scope): Promise<LoadResult> {
    const built = await this.readable()
    const entries: Entry[] = []
    if (inScope(scope, 'connection'))
      for (const c of built.connections.values()) entries.push(this.withSource(c.entry))
    if (inScope(scope, 'variable'))
      for (const v of built.variables.values()) entries.push(this.withSource(v.entry))
    const problems: EntryProblem[] = built.problems
      .filter((p) => inScope(scope, p.kind))
      .map((p) => ({
        ref: { kind: p.kind, id: p.key! },
        code: 'codec.parse',
        message: `"${this.path}": ${describeProblem(p)}`
      }))
    return { entries, problems }
  }

  async write(entries: readonly Entry[]): Promise<void> {
    await this.edit((doc, lists) => {
      for (const e of entries) this.put(doc, lists, e)
    })
  }

  /** The item `write` puts in the file for `entry`, in a settings file holding only it. */
  async written(entry: Entry): Promise<WrittenForm> {
    const doc = newAstroSettingsDocument()
    this.put(doc, astroSettingsLists(doc), entry)
    const field = entry.kind === 'connection' ? 'conn_id' : 'variable_name'
    const list = entry.kind === 'connection' ? 'connections' : 'variables'
    return {
      name: `airflow.${list}[${field}=${idOf(entry)}]`,
      text: doc.toString().replace(/\n$/, ''),
      format: 'yaml'
    }
  }

  /** Checks one entry as astro and Airflow would, and sets it in the document's lists. */
  private put(doc: Document, lists: ReturnType<typeof astroSettingsLists>, e: Entry): void {
    if (e.kind === 'connection') {
      this.checkConnection(e)
      setAstroConnection(doc, lists.connections, e.id, e.fields)
    } else {
      this.checkVariable(e)
      setAstroVariable(doc, lists.variables, e.key, e.value)
    }
  }

  async remove(refs: readonly EntryRef[]): Promise<void> {
    await this.edit((doc, lists) => {
      for (const r of refs) {
        if (r.kind === 'connection') removeAstroItems(doc, lists.connections, 'conn_id', r.id)
        else removeAstroItems(doc, lists.variables, 'variable_name', r.id)
      }
    })
  }

  /** Parses (or starts) the document, lets `change` edit its lists, writes it back. */
  private async edit(
    change: (doc: Document, lists: ReturnType<typeof astroSettingsLists>) => void
  ): Promise<void> {
    const text = await readTextIfExists(this.path)
    let doc: Document
    if (text !== undefined && text.trim()) {
      const settings = decodeAstroSettings(text)
      if (settings.problems.length) throw refuseWriteError(this.path, settings.problems)
      const built = astroSettingsEntries(settings, this.dialect)
      if (built.problems.length) throw refuseWriteError(this.path, built.problems)
      doc = settings.doc
    } else doc = newAstroSettingsDocument()
    change(doc, astroSettingsLists(doc))
    await replaceFile(this.path, doc.toString())
  }

  /** What astro skips or Airflow refuses, refused before the file changes. */
  private checkConnection(e: ConnectionEntry): void {
    if (e.team) throw keyError(this.path, e.id, 'airflow_settings.yaml has no teams.')
    const idProblem = cliKeyProblem(e.id)
    if (idProblem) throw keyError(this.path, e.id, `${idProblem} Airflow's API refuses it.`)
    const f = e.fields
    if (!f.conn_type)
      throw keyError(
        this.path,
        e.id,
        'a connection without conn_type is skipped by astro; set a conn_type.'
      )
    try {
      constructConnection(f, this.dialect)
    } catch (error) {
      if (!(error instanceof CodecError)) throw error
      throw keyError(this.path, e.id, error.userMessage)
    }
  }

  private checkVariable(e: VariableEntry): void {
    if (e.team) throw keyError(this.path, e.key, 'airflow_settings.yaml has no teams.')
    if (!e.key || !e.value)
      throw keyError(this.path, e.key, 'astro skips a variable whose value is empty.')
  }
}
