/**
 * A store written as Airflow's export files (`airflow connections export`, `airflow variables
 * export`) or as AIRFLOW_CONN_* / AIRFLOW_VAR_* lines, once for `airlock export` and the app,
 * with a warning (field names, never values) for whatever the chosen file cannot hold.
 */
import type { Backend, EntryKind, EntryProblem } from '../backends/backend'
import { connectionEnvValue, uriLoss } from '../core/codecs/connection-value'
import {
  encodeConnectionsFile,
  encodeVariablesFile,
  type SerializationFormat
} from '../core/codecs/airflow-files'
import { encodeEnvFile } from '../core/codecs/env-file'
import { envNameFor } from '../core/env-names'
import { AirlockError } from '../core/errors'
import {
  idOf,
  type ConnectionEntry,
  type Dialect,
  type Entry,
  type VariableEntry
} from '../core/model'

/** Export formats: Airflow's own files, or a process-environment file. */
export type ExportFormat = 'json' | 'yaml' | 'uri' | 'env'

/** A format that cannot hold what is exported (the CLI adds its usage hint to these). */
export class ExportFormatError extends AirlockError {
  constructor(message: string) {
    super('usage', message)
    this.name = 'ExportFormatError'
  }
}

/**
 * The text of an export (pure; the caller writes it); what the file cannot hold is pushed
 * onto `warnings`. Throws an ExportFormatError for a format that cannot hold this kind.
 */
export function renderExport(
  entries: readonly Entry[],
  format: ExportFormat,
  kind: EntryKind,
  dialect: Dialect,
  warnings?: string[],
  serialization?: SerializationFormat
): string {
  if (serialization && format !== 'uri')
    throw new ExportFormatError(
      'The serialization (URI or JSON) applies only to id=value lines (Airflow: --file-format env).'
    )
  const conns = entries.filter((e): e is ConnectionEntry => e.kind === 'connection')
  const vars = entries.filter((e): e is VariableEntry => e.kind === 'variable')
  if (format === 'env') {
    // Quoted so docker compose and python-dotenv both read every value back exactly.
    const pairs =
      kind === 'connection'
        ? conns.map((c) => ({
            name: envNameFor('connection', c.id, c.team),
            value: connectionEnvValue(c.fields, dialect)
          }))
        : vars.map((v) => ({ name: envNameFor('variable', v.key, v.team), value: v.value }))
    const encoded = encodeEnvFile(pairs)
    for (const w of encoded.warnings) warnings?.push(`${w.name}: ${w.message}`)
    return encoded.text
  }
  if (kind === 'variable') {
    if (format !== 'json')
      throw new ExportFormatError(
        'variables export as json (what airflow variables export writes) or env'
      )
    return encodeVariablesFile(vars, dialect)
  }
  // What the file cannot hold, per connection (names of fields, never values).
  for (const c of conns) {
    const lost =
      format === 'uri' && serialization !== 'json' ? uriLoss(c.fields, dialect, true).lost : []
    // get_uri() writes a password only when it is truthy: "" reads back as None.
    if (format === 'uri' && serialization !== 'json' && c.fields.password === '')
      lost.push('password "" (empty)')
    if (c.team) lost.push('team')
    if (lost.length)
      warnings?.push(
        `connection ${c.id}: ${lost.join(', ')} ${lost.length > 1 ? 'do' : 'does'} not survive ${
          format === 'uri' && serialization !== 'json'
            ? `its URI (JSON serialization, --serialization-format json, keeps ${lost.length > 1 ? 'them' : 'it'})`
            : `a .${format} export`
        }`
      )
  }
  return encodeConnectionsFile(
    conns,
    format === 'uri'
      ? { format: 'env', dialect, ...(serialization === 'json' ? { serialization } : {}) }
      : { format, dialect }
  )
}

/** What to export from an open store. */
export interface ExportOptions {
  kind: EntryKind
  format: ExportFormat
  dialect: Dialect
  serialization?: SerializationFormat
  /** Only these ids (by default every entry of the kind). */
  ids?: readonly string[]
}

/** An export rendered, or the entries that stopped it. */
export interface RenderedExport {
  entries: Entry[]
  /** Entries of the export that could not be read; when any, nothing is rendered. */
  problems: EntryProblem[]
  /** The file's text; undefined when `problems` stopped the export. */
  text?: string
  warnings: string[]
}

/**
 * Loads the store's entries of one kind and renders them. An entry that cannot be read stops
 * the export only when it is part of it (selected, or no selection).
 */
export async function renderStoreExport(
  backend: Backend,
  options: ExportOptions
): Promise<RenderedExport> {
  const loaded = await backend.load({ kinds: [options.kind] })
  const selected = options.ids ? new Set(options.ids) : undefined
  const entries = selected ? loaded.entries.filter((e) => selected.has(idOf(e))) : loaded.entries
  const problems = loaded.problems.filter((p) => !selected || selected.has(p.ref.id))
  const warnings: string[] = []
  if (problems.length) return { entries, problems, warnings }
  if (selected && entries.length < selected.size)
    warnings.push(
      `${selected.size - entries.length} of the selected ids are no longer in ${backend.id}`
    )
  const text = renderExport(
    entries,
    options.format,
    options.kind,
    options.dialect,
    warnings,
    options.serialization
  )
  return { entries, problems, text, warnings }
}
