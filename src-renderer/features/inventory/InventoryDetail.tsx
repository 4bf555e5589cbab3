import { useState } from 'react'
import type { EffectiveDto, EntryDto, LayerDto, VerdictDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { VERDICT_TEXT, verdictKind, verdictLine } from '../precedence/verdicts'
import { CopyButton } from './CopyButton'
import { DetailHead } from '../../components/ListDetail'
import { SecretCell } from './SecretCell'
import { ENTRY_FIELDS, fieldOf, secretFieldsOf } from './entry-fields'

const MODELS = [
  ['airflow3-server', 'Airflow 3 server side'],
  ['airflow3-worker', 'Airflow 3 worker'],
  ['airflow2', 'Airflow 2'],
  ['astro', 'Astro']
] as const
type Model = (typeof MODELS)[number][0]

/**
 * Which of a runtime's layers a store stands for, from its locator's scheme: environment
 * stores are the environment, metadata DBs the metadata DB, anything else a secrets backend.
 */
function layerFamily(locator: string): 'env' | 'metastore' | 'backend' {
  const scheme = locator.slice(0, Math.max(0, locator.indexOf(':')))
  if (['env', 'envfile', 'demo-env'].includes(scheme)) return 'env'
  if (['demo', 'metadb', 'airflow-config', 'sqlite', 'postgresql', 'mysql'].includes(scheme))
    return 'metastore'
  return 'backend'
}

function roleFor(layers: readonly LayerDto[], locator: string): string | undefined {
  const family = layerFamily(locator)
  return layers.find((l) =>
    family === 'metastore'
      ? l.role === 'metastore'
      : family === 'env'
        ? l.role.endsWith('env')
        : l.role.endsWith('backend')
  )?.role
}

/** A layer's lookup as one line: `name AIRFLOW_CONN_X`, `table connection`, … (not the store). */
function lookupLine(lookup: Record<string, unknown> | null | undefined): string {
  if (!lookup) return 'nothing here to ask (no store or backend put behind this layer)'
  if (lookup.disabled) return `skipped: ${String(lookup.reason ?? '')}`
  return Object.entries(lookup)
    .filter(([k]) => k !== 'store')
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ')
}

function Verdict(props: { verdict: VerdictDto | undefined; layer: LayerDto }) {
  if (props.layer.state === 'not-inspected' || !props.verdict)
    return <span className="muted">○ not inspected</span>
  const kind = verdictKind(props.verdict)
  return (
    <span className={`vk-${kind}`} data-verdict={kind}>
      {VERDICT_TEXT[kind].icon && <span aria-hidden="true">{VERDICT_TEXT[kind].icon} </span>}
      {kind === 'absent' ? 'not there' : verdictLine(props.verdict)}
    </span>
  )
}

/**
 * Where Airflow looks for this entry's id: the model's layers in search order, this store put
 * behind the layer it stands for (the demo store: the whole demo runtime), each layer's answer
 * and what it asks for (`effective:resolve` with `ids`, the same resolution as Precedence).
 */
function ExplainLookups(props: { entry: EntryDto; locator: string }) {
  const bridge = useAppStore((s) => s.bridge)
  const [model, setModel] = useState<Model>('airflow3-server')
  const [view, setView] = useState<EffectiveDto | undefined>(undefined)
  const [error, setError] = useState<ErrorDto | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const ids = [{ kind: props.entry.kind, id: props.entry.id }]
  const explain = async (m: Model) => {
    setBusy(true)
    setError(undefined)
    let r
    if (props.locator.trim() === 'demo:') {
      r = await bridge.invoke('effective:resolve', { runtime: 'demo', model: m, ids })
    } else {
      // the model's layers first (nothing loaded), then this store behind the one it stands for
      const shape = await bridge.invoke('effective:resolve', { model: m, layers: {}, ids })
      const role = shape.ok ? roleFor(shape.value.layers, props.locator) : undefined
      r =
        shape.ok && role
          ? await bridge.invoke('effective:resolve', {
              model: m,
              layers: { [role]: props.locator },
              ids
            })
          : shape
    }
    setBusy(false)
    if (!r.ok) {
      setView(undefined)
      return setError(r.error)
    }
    setView(r.value)
  }
  const item = view?.items[0]
  return (
    <section className="inv-explain" data-testid="inventory-explain">
      <h4>Where Airflow looks</h4>
      <div className="toolbar">
        <select
          aria-label="Airflow runtime model"
          data-testid="inventory-explain-model"
          value={model}
          onChange={(e) => {
            setModel(e.target.value as Model)
            if (view) void explain(e.target.value as Model)
          }}
        >
          {MODELS.map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </select>
        <button
          type="button"
          data-testid="inventory-explain-run"
          disabled={busy}
          onClick={() => void explain(model)}
        >
          Explain where Airflow looks
        </button>
      </div>
      <ErrorNote error={error} testId="inventory-explain-error" />
      {view && (
        <>
          <p className="muted small">
            {view.label}, in search order; the first layer that has the id answers.
          </p>
          <ol className="inv-explain-layers" data-testid="inventory-explain-layers">
            {view.layers.map((l, i) => (
              <li
                key={l.role}
                data-testid="inventory-explain-layer"
                data-role={l.role}
                className={item?.winner === i ? 'wins' : undefined}
              >
                <div>
                  <strong>{l.label}</strong>{' '}
                  <span className="muted small">
                    {l.state === 'not-inspected' ? 'no store put here' : (l.storeId ?? l.locator)}
                  </span>
                </div>
                <div className="small">
                  <Verdict verdict={item?.layers[i]} layer={l} />
                </div>
                <div className="small muted id" data-testid="inventory-explain-lookup">
                  asks for: {lookupLine(item?.lookups?.[i])}
                </div>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  )
}

/**
 * The drawer of one Inventory entry: every field (secrets masked, each with its reveal), where
 * it came from, copy as URI or JSON, and where Airflow looks for its id.
 */
export function InventoryDetail(props: {
  entry: EntryDto
  locator: string
  storeId: string
  dialect: 'airflow2' | 'airflow3' | 'task-sdk'
  onClose: () => void
}) {
  const { entry } = props
  const secrets = secretFieldsOf(entry)
  // a failed copy is said here, beside the buttons that failed (a copy done is a toast)
  const [copyError, setCopyError] = useState<ErrorDto | undefined>(undefined)
  return (
    <aside
      className="inv-detail"
      data-testid="inventory-detail"
      data-id={entry.id}
      data-kind={entry.kind}
      aria-label={`Details of ${entry.id}`}
    >
      <DetailHead
        className="inv-detail-head"
        kind={entry.kind}
        id={entry.id}
        closeTestId="inventory-detail-close"
        onClose={props.onClose}
      />
      <dl className="inv-fields" data-testid="inventory-detail-fields">
        {ENTRY_FIELDS[entry.kind].map((field) => {
          const value = fieldOf(entry, field)
          return (
            <div key={field} className="inv-field" data-field={field}>
              <dt>{field}</dt>
              <dd>
                {secrets.includes(field) ? (
                  <SecretCell
                    locator={props.locator}
                    kind={entry.kind}
                    id={entry.id}
                    field={field as 'password' | 'extra' | 'value'}
                    masked={String(value ?? '')}
                  />
                ) : value === null || value === '' ? (
                  <span className="muted">—</span>
                ) : (
                  String(value)
                )}
              </dd>
            </div>
          )
        })}
        {entry.team !== undefined && (
          <div className="inv-field" data-field="team">
            <dt>team</dt>
            <dd>{entry.team}</dd>
          </div>
        )}
      </dl>
      <h4>Where it came from</h4>
      <dl className="inv-fields" data-testid="inventory-detail-origin">
        <div className="inv-field">
          <dt>store</dt>
          <dd className="id">{props.storeId}</dd>
        </div>
        <div className="inv-field">
          <dt>source key</dt>
          <dd className="id" data-testid="inventory-detail-from">
            {entry.fromKey ?? <span className="muted">—</span>}
          </dd>
        </div>
      </dl>
      <div className="toolbar">
        <CopyButton
          locator={props.locator}
          kind={entry.kind}
          id={entry.id}
          format="uri"
          dialect={props.dialect}
          onError={setCopyError}
          label={entry.kind === 'connection' ? 'Copy as URI' : 'Copy value'}
          testId="inventory-detail-copy-uri"
        />
        <CopyButton
          locator={props.locator}
          kind={entry.kind}
          id={entry.id}
          format="json"
          dialect={props.dialect}
          onError={setCopyError}
          label="Copy as JSON"
          testId="inventory-detail-copy-json"
        />
      </div>
      <ErrorNote error={copyError} testId="inventory-detail-copy-error" />
      {/* another entry or store asks again: its own explanation, not the last one's */}
      <ExplainLookups
        key={`${entry.kind}:${entry.id}:${props.locator}`}
        entry={entry}
        locator={props.locator}
      />
    </aside>
  )
}
