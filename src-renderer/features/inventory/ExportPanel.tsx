import { useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { useAppStore } from '../../store'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorNote } from '../../components/ErrorNote'
import { DialectOptions } from '../../components/choices'

/**
 * Writes the shown store to a file as Airflow's export commands do (or as env lines): all of
 * it, or only the rows the filters show. Each item the format cannot hold is warned about.
 */
export function ExportPanel(props: {
  locator: string
  /** The ids the filters show, per kind; undefined when nothing is filtered out. */
  shown?: { connection: string[]; variable: string[] }
}) {
  const bridge = useAppStore((s) => s.bridge)
  const notify = useAppStore((s) => s.notify)
  const [to, setTo] = useState('')
  const [kind, setKind] = useState<'connection' | 'variable'>('connection')
  const [format, setFormat] = useState<'json' | 'yaml' | 'uri' | 'env'>('json')
  const [dialect, setDialect] = useState<'airflow3' | 'airflow2' | 'task-sdk'>('airflow3')
  const [serialization, setSerialization] = useState<'uri' | 'json'>('uri')
  const [onlyShown, setOnlyShown] = useState(true)
  const selection = props.shown && onlyShown ? props.shown[kind] : undefined
  const [warnings, setWarnings] = useState<string[]>([])
  const [error, setError] = useState<ErrorDto | undefined>(undefined)
  /** The file that exists, while the confirm dialog asks whether to replace it. */
  const [replacing, setReplacing] = useState<string | undefined>(undefined)
  const write = async (overwrite: boolean) => {
    setWarnings([])
    setError(undefined)
    const r = await bridge.invoke('export:write', {
      locator: props.locator,
      to,
      format,
      kind,
      dialect,
      ...(format === 'uri' ? { serialization } : {}),
      ...(selection ? { ids: selection } : {}),
      ...(overwrite ? { overwrite } : {})
    })
    // the main process refuses to replace a file unasked: ask, then write again
    if (!r.ok && r.error.code === 'confirm.required' && !overwrite) return setReplacing(to)
    if (!r.ok) return setError(r.error)
    notify(
      `Wrote ${r.value.count} ${kind === 'connection' ? 'connections' : 'variables'} to ${r.value.path}${r.value.warnings.length ? ` (${r.value.warnings.length} warned about below)` : ''}.`,
      { tone: r.value.warnings.length ? 'warning' : 'success' }
    )
    setWarnings(r.value.warnings)
  }
  return (
    <details className="card" data-testid="export">
      <summary>Export this store to a file (Airflow formats)</summary>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault()
          void write(false)
        }}
      >
        <input
          data-testid="export-path"
          placeholder="/path/connections.json"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          required
        />
        <select
          aria-label="Kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as typeof kind)}
        >
          <option value="connection">connections</option>
          <option value="variable">variables</option>
        </select>
        <select
          aria-label="Format"
          data-testid="export-format"
          value={format}
          onChange={(e) => setFormat(e.target.value as typeof format)}
        >
          <option value="json">JSON (airflow … export)</option>
          <option value="yaml">YAML</option>
          <option value="uri">id=URI lines</option>
          <option value="env">AIRFLOW_CONN_* / AIRFLOW_VAR_* lines</option>
        </select>
        <select
          aria-label="Dialect"
          value={dialect}
          onChange={(e) => setDialect(e.target.value as typeof dialect)}
        >
          <DialectOptions />
        </select>
        {format === 'uri' && (
          <select
            aria-label="Serialization"
            data-testid="export-serialization"
            value={serialization}
            onChange={(e) => setSerialization(e.target.value as typeof serialization)}
          >
            <option value="uri">values as URIs</option>
            <option value="json">values as connection JSON</option>
          </select>
        )}
        {props.shown && (
          <label className="check">
            <input
              type="checkbox"
              data-testid="export-only-shown"
              checked={onlyShown}
              onChange={(e) => setOnlyShown(e.target.checked)}
            />
            Only the {props.shown[kind].length} shown by the filters
          </label>
        )}
        <button type="submit" data-testid="export-write">
          Export
        </button>
      </form>
      {warnings.length > 0 && (
        <ul className="warning small" data-testid="export-warnings">
          {warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
      <ErrorNote error={error} testId="export-error" />
      {replacing && (
        <ConfirmDialog
          title="Replace the file?"
          sentence={`replace the existing file ${replacing} with ${selection ? selection.length : 'every'} ${kind === 'connection' ? 'connection' : 'variable'}${selection?.length === 1 ? '' : 's'} of ${props.locator}`}
          confirmLabel="Replace file"
          onCancel={() => setReplacing(undefined)}
          onConfirm={() => {
            setReplacing(undefined)
            void write(true)
          }}
        />
      )}
    </details>
  )
}
