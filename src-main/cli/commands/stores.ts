/** `airlock list` and `airlock export`: any store, by locator, as Airflow would read it. */
import type { Backend, EntryKind, EntryProblem } from '../../backends/backend'
import { replaceFile } from '../../platform/atomic-write'
import { fileFormatFromPath, type SerializationFormat } from '../../core/codecs/airflow-files'
import { PyDict, pyJsonDumps, pyJsonString } from '../../core/codecs/py-json'
import type { Dialect, Entry } from '../../core/model'
import { nameUnreadable, unreadableEntries } from '../../core/unreadable'
import {
  ExportFormatError,
  renderStoreExport,
  type ExportFormat,
  type RenderedExport
} from '../../operations/export'
import { MASK, maskExtra } from '../../platform/redact'
import { EXIT_ITEMS_FAILED, EXIT_OK, OutputBuffer, UsageError, writeLine, type CliIo } from '../io'

function reportProblems(io: CliIo, problems: readonly EntryProblem[]): void {
  for (const p of problems) io.stderr.write(`airlock: ${p.message}\n`)
}

/**
 * One entry of `list --json`: `json.dumps(dict, ensure_ascii=False)` of the entry built as a
 * PyDict, through the general Python-exact encoder. The reference for `entryLine`.
 */
export function entryLineReference(e: Entry, reveal: boolean): string {
  const out = new PyDict([['kind', e.kind]])
  if (e.kind === 'connection') {
    out.set('id', e.id)
    const f = e.fields
    const fields = new PyDict()
    for (const [k, v] of Object.entries(f)) {
      if (k === 'team_name') continue
      let shown = v as string | number | null
      if (!reveal && k === 'password' && v !== null) shown = MASK
      if (!reveal && k === 'extra') shown = maskExtra(v as string | null)
      fields.set(k, typeof shown === 'number' ? BigInt(shown) : shown)
    }
    out.set('fields', fields)
  } else {
    out.set('id', e.key)
    out.set('value', reveal ? e.value : MASK)
    out.set('description', e.description)
  }
  out.set('team', e.team ?? null)
  out.set('source', e.source ? new PyDict(Object.entries(e.source)) : null)
  return pyJsonDumps(out, { ensureAscii: false })
}

/** A string, null or safe integer as Python's json writes it; undefined for anything else. */
function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return pyJsonString(v, false)
  if (v === null) return 'null'
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v)
  return undefined
}

/** `"key": ` for each field name met (a handful): written once, not per entry. */
const keyPrefixes = new Map<string, string>()
function keyPrefix(k: string): string {
  let p = keyPrefixes.get(k)
  if (p === undefined) keyPrefixes.set(k, (p = pyJsonString(k, false) + ': '))
  return p
}

/** `{"k": v, …}` of a flat record of scalars, skipping `skip`; undefined if a value is not one. */
function flatDict(
  record: Readonly<Record<string, unknown>>,
  reveal: boolean,
  skip?: string
): string | undefined {
  let out = '{'
  let first = true
  for (const k in record) {
    if (k === skip) continue
    let v = record[k]
    if (!reveal && skip !== undefined) {
      if (k === 'password' && v !== null) v = MASK
      else if (k === 'extra') v = maskExtra(v as string | null)
    }
    const text = scalar(v)
    if (text === undefined) return undefined
    out += (first ? '' : ', ') + keyPrefix(k) + text
    first = false
  }
  return out + '}'
}

/**
 * `entryLineReference`'s bytes, written straight into one string (no PyDict, no BigInt): the
 * line `list --json` streams per entry. Any value of another shape takes the reference path.
 */
export function entryLine(e: Entry, reveal: boolean): string {
  const team = scalar(e.team ?? null)
  const source = e.source ? flatDict(e.source as unknown as Record<string, unknown>, true) : 'null'
  if (team === undefined || source === undefined) return entryLineReference(e, reveal)
  if (e.kind === 'connection') {
    const fields = flatDict(e.fields as unknown as Record<string, unknown>, reveal, 'team_name')
    if (fields === undefined) return entryLineReference(e, reveal)
    return `{"kind": "connection", "id": ${pyJsonString(e.id, false)}, "fields": ${fields}, "team": ${team}, "source": ${source}}`
  }
  const description = scalar(e.description)
  if (description === undefined) return entryLineReference(e, reveal)
  return `{"kind": "variable", "id": ${pyJsonString(e.key, false)}, "value": ${pyJsonString(reveal ? e.value : MASK, false)}, "description": ${description}, "team": ${team}, "source": ${source}}`
}

function tableRow(e: Entry): string[] {
  if (e.kind === 'connection') {
    const f = e.fields
    return [
      'conn',
      e.id,
      f.conn_type ?? '',
      f.host ?? '',
      f.login ?? '',
      f.port === null ? '' : String(f.port),
      f.password === null ? '' : MASK,
      e.source?.fromKey ?? ''
    ]
  }
  return [
    'var',
    e.key,
    '',
    '',
    '',
    '',
    `${MASK} (${[...e.value].length} chars)`,
    e.source?.fromKey ?? ''
  ]
}

/** `airlock list <locator> [--kind] [--json] [--reveal]`. */
export async function listCommand(
  io: CliIo,
  backend: Backend,
  kinds: EntryKind[] | undefined,
  json: boolean,
  reveal: boolean
): Promise<number> {
  if (json) {
    // Streamed: each page of the store is written as it is read and decrypted, its lines
    // encoded straight into large buffers (cli/io.ts OutputBuffer).
    const problems: EntryProblem[] = []
    const pages = backend.loadPages ? backend.loadPages({ kinds }) : [await backend.load({ kinds })]
    const out = new OutputBuffer(io.stdout)
    for await (const page of pages) {
      for (const e of page.entries) {
        out.line(entryLine(e, reveal))
        if (out.full) await out.flush()
      }
      for (const p of page.problems) problems.push(p)
      await out.flush()
    }
    reportProblems(io, problems)
    return problems.length ? EXIT_ITEMS_FAILED : EXIT_OK
  }
  const { entries, problems } = await backend.load({ kinds })
  const rows = [
    ['KIND', 'ID', 'TYPE', 'HOST', 'LOGIN', 'PORT', 'SECRET', 'SOURCE KEY'],
    ...entries.map(tableRow)
  ]
  const widths = rows[0]!.map((_, i) =>
    Math.min(48, Math.max(...rows.map((r) => [...r[i]!].length)))
  )
  for (const r of rows)
    await writeLine(
      io.stdout,
      r
        .map((c, i) => (c.length > 48 ? c.slice(0, 47) + '…' : c).padEnd(widths[i]!))
        .join('  ')
        .trimEnd()
    )
  io.stderr.write(
    `${entries.length} entries from ${backend.id}${problems.length ? `, ${unreadableEntries(problems.map((p) => p.ref)).length} could not be read` : ''}\n`
  )
  reportProblems(io, problems)
  return problems.length ? EXIT_ITEMS_FAILED : EXIT_OK
}

function formatOption(value: string | undefined, to: string): ExportFormat {
  if (value !== undefined) {
    if (['json', 'yaml', 'uri', 'env'].includes(value)) return value as ExportFormat
    throw new UsageError(`--format must be json, yaml, uri or env (got ${JSON.stringify(value)})`)
  }
  const byExt = fileFormatFromPath(to)
  if (byExt === 'env') return 'uri'
  if (!byExt)
    throw new UsageError(
      `cannot tell the format of ${JSON.stringify(to)}: use .json, .yaml or .env, or pass --format`
    )
  return byExt
}

/** What `--file-format` / `--serialization-format` (Airflow's own flags) select. */
export interface AirflowExportFlags {
  fileFormat?: string
  serializationFormat?: string
}

/**
 * `airflow connections export`'s rules for its flags (connection_command.py
 * `connections_export`): `--file-format` json|yaml|env, else the file's extension (.json,
 * .yaml, .env — nothing else); `--serialization-format` uri|json only with env (default uri);
 * `--format` and `--file-format` together are refused. `airflow variables export` writes JSON
 * only.
 */
function airflowFormatOption(
  flags: AirflowExportFlags,
  legacyFormat: string | undefined,
  to: string,
  kind: EntryKind
): { format: ExportFormat; serialization?: SerializationFormat } {
  if (legacyFormat !== undefined)
    throw new UsageError('Option `--format` is deprecated.  Use `--file-format` instead.')
  let file: 'json' | 'yaml' | 'env'
  if (flags.fileFormat !== undefined) {
    const f = flags.fileFormat.toLowerCase()
    if (f !== 'json' && f !== 'yaml' && f !== 'env')
      throw new UsageError(
        `--file-format must be json, yaml or env (got ${JSON.stringify(flags.fileFormat)})`
      )
    file = f
  } else {
    const dot = to.lastIndexOf('.')
    const ext = dot > to.lastIndexOf('/') + 1 ? to.slice(dot).toLowerCase() : ''
    if (ext !== '.json' && ext !== '.yaml' && ext !== '.env')
      throw new UsageError(
        'Unsupported file format. The file must have the extension .yaml, .json, .env.'
      )
    file = ext.slice(1) as 'json' | 'yaml' | 'env'
  }
  const s = flags.serializationFormat
  if (s !== undefined && s !== 'uri' && s !== 'json')
    throw new UsageError(`--serialization-format must be uri or json (got ${JSON.stringify(s)})`)
  if (s !== undefined && file !== 'env')
    throw new UsageError('Option `--serialization-format` may only be used with file type `env`.')
  if (kind === 'variable') {
    if (file !== 'json' || s !== undefined)
      throw new UsageError('airflow variables export writes JSON only: use --file-format json')
    return { format: 'json' }
  }
  return file === 'env' ? { format: 'uri', serialization: s ?? 'uri' } : { format: file }
}

/**
 * `airlock export <locator> --to FILE [--format] [--kind] [--dialect]`, or with Airflow's own
 * `--file-format` / `--serialization-format` flags and rules.
 */
export async function exportCommand(
  io: CliIo,
  backend: Backend,
  options: {
    to: string
    format?: string
    kind?: EntryKind[]
    dialect: Dialect
    airflow?: AirflowExportFlags
  }
): Promise<number> {
  // Without --kind: the kind a one-kind file holds, else connections (as Airflow's export).
  const kind: EntryKind =
    options.kind?.length === 1
      ? options.kind[0]!
      : backend.holds?.length === 1
        ? backend.holds[0]!
        : 'connection'
  const airflowMode =
    options.airflow?.fileFormat !== undefined || options.airflow?.serializationFormat !== undefined
  const chosen = airflowMode
    ? airflowFormatOption(options.airflow!, options.format, options.to, kind)
    : { format: formatOption(options.format, options.to) }
  const format = chosen.format
  let rendered: RenderedExport
  try {
    rendered = await renderStoreExport(backend, {
      kind,
      format,
      dialect: options.dialect,
      serialization: chosen.serialization
    })
  } catch (error) {
    if (error instanceof ExportFormatError) throw new UsageError(error.userMessage)
    throw error
  }
  const { entries, problems, text, warnings } = rendered
  if (text === undefined) {
    reportProblems(io, problems)
    const unreadable = unreadableEntries(problems.map((p) => p.ref))
    io.stderr.write(
      `airlock: ${unreadable.length} entries could not be read (${nameUnreadable(unreadable)}); nothing was written.\n`
    )
    return EXIT_ITEMS_FAILED
  }
  for (const w of warnings) io.stderr.write(`airlock: warning: ${w}\n`)
  await replaceFile(options.to, text)
  io.stderr.write(
    `wrote ${entries.length} ${kind === 'connection' ? 'connections' : 'variables'} to ${options.to} (${chosen.serialization ? `env, ${chosen.serialization} values` : format}, dialect ${options.dialect})\n`
  )
  return EXIT_OK
}

/** `airlock rotate-fernet-key <metadb store> --key NEW,OLD`. */
export async function rotateCommand(io: CliIo, backend: Backend): Promise<number> {
  // loaded here: the other commands of this module never need the metastore (issue #22)
  const { MetastoreBackend } = await import('../../backends/metastore')
  if (!(backend instanceof MetastoreBackend))
    throw new UsageError(
      'rotate-fernet-key works on a metadata database (metadb:, airflow-config:, demo:)'
    )
  const report = await backend.rotateFernetKey((done) =>
    io.stderr.write(`\r${done} fields checked`)
  )
  io.stderr.write('\n')
  reportProblems(io, report.failed)
  await writeLine(
    io.stdout,
    pyJsonDumps(
      new PyDict([
        ['rotated', BigInt(report.rotated)],
        ['already_current', BigInt(report.alreadyCurrent)],
        ['failed', BigInt(report.failed.length)]
      ])
    )
  )
  return report.failed.length ? EXIT_ITEMS_FAILED : EXIT_OK
}
