import { Fragment, useEffect, useMemo, useState } from 'react'
import type { EffectiveItemDto, VerdictDto } from '../../../src-main/contract/ipc'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { LOCATOR_LIST_ID } from '../../components/LocatorSuggestions'

const MODELS = [
  ['airflow3-server', 'Airflow 3 server side'],
  ['airflow3-worker', 'Airflow 3 worker'],
  ['airflow2', 'Airflow 2'],
  ['astro', 'Astro']
] as const

const STATUS_LABEL: Record<VerdictDto['status'], string> = {
  wins: 'read from here',
  shadowed: 'shadowed',
  absent: '—',
  unreadable: 'unreadable',
  failed: 'layer failed',
  'not-inspected': 'not inspected'
}

function VerdictCell(props: { verdict: VerdictDto }) {
  const v = props.verdict
  const differs = v.fields.filter((f) => f.differs).map((f) => f.field)
  return (
    <td
      className={`verdict ${v.status}`}
      data-testid={`verdict-${v.status}`}
      title={v.message ?? undefined}
    >
      <strong>{STATUS_LABEL[v.status]}</strong>
      {v.fromKey && v.status !== 'absent' && <div className="muted small">{v.fromKey}</div>}
      {v.status === 'shadowed' && (
        <div className="small">
          {differs.length ? `differs: ${differs.join(', ')}` : 'same value'}
        </div>
      )}
    </td>
  )
}

/** Per id, the stack of layers Airflow searches, the winner highlighted, what it shadows. */
export function PrecedenceScreen() {
  const effective = useAppStore((s) => s.effective)
  const status = useAppStore((s) => s.effectiveStatus)
  const error = useAppStore((s) => s.effectiveError)
  const load = useAppStore((s) => s.loadEffective)
  // '' lets the runtime decide (an airflow.cfg of Airflow 2 reads as Airflow 2).
  const [model, setModel] = useState<(typeof MODELS)[number][0] | ''>('')
  const [runtime, setRuntime] = useState<'demo' | 'airflow-config' | 'layers'>('demo')
  const [cfgPath, setCfgPath] = useState('')
  const [shadowedOnly, setShadowedOnly] = useState(false)
  const [open, setOpen] = useState<string | undefined>(undefined)
  // Which store stands behind each layer (empty: not inspected), as last resolved or edited.
  const [layers, setLayers] = useState<Record<string, string>>({})
  // A runtime (the demo, an airflow.cfg) fills the layers; the layer fields then say
  // exactly what is inspected (an emptied field: that layer is not).
  const loadRuntime = (m: typeof model, r: typeof runtime) =>
    void load({
      ...(r === 'demo' ? { runtime: 'demo' } : {}),
      ...(r === 'airflow-config' ? { runtime: `airflow-config:${cfgPath.trim()}` } : {}),
      ...(m ? { model: m } : {}),
      ...(r === 'layers' ? { layers: {} } : {})
    })
  const resolveLayers = (l: Record<string, string>) => {
    const m = model || effective?.model
    void load({
      ...(m ? { model: m as (typeof MODELS)[number][0] } : {}),
      layers: Object.fromEntries(Object.entries(l).filter(([, v]) => v.trim()))
    })
  }
  useEffect(() => {
    loadRuntime(model, runtime)
    // Resolved again on a model change; other edits apply with the Resolve button.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load, model])
  // What the runtime put behind each layer, shown in (and editable from) the layer fields:
  // taken over whenever a new answer arrives (React's "adjust state on a prop change").
  const [seen, setSeen] = useState(effective)
  if (effective !== seen) {
    setSeen(effective)
    if (effective)
      setLayers(Object.fromEntries(effective.layers.map((l) => [l.role, l.locator ?? ''])))
  }
  const items = useMemo(
    () =>
      (effective?.items ?? []).filter(
        (it) => !shadowedOnly || it.layers.some((l) => l.status === 'shadowed')
      ),
    [effective, shadowedOnly]
  )
  const key = (it: EffectiveItemDto) => `${it.kind}:${it.id}`
  return (
    <section data-testid="precedence" data-state={status}>
      <h2>Precedence</h2>
      <p className="muted">
        Which layer Airflow reads each id from. By default the embedded demo: its metadata DB and
        the demo <code>.env</code> as the server&apos;s environment. Load an installation from its
        airflow.cfg, or put any store (locator) behind a layer. Values are never shown; shadowed
        layers name the fields that differ.
      </p>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault()
          // a new runtime starts from its own layers, not the last one's
          loadRuntime(model, runtime)
        }}
      >
        <label>
          Runtime
          <select
            data-testid="precedence-runtime"
            value={runtime}
            onChange={(e) => setRuntime(e.target.value as typeof runtime)}
          >
            <option value="demo">The demo</option>
            <option value="airflow-config">An airflow.cfg</option>
            <option value="layers">Only the layers below</option>
          </select>
        </label>
        {runtime === 'airflow-config' && (
          <label>
            airflow.cfg
            <input
              data-testid="precedence-cfg"
              value={cfgPath}
              onChange={(e) => setCfgPath(e.target.value)}
              placeholder="$AIRFLOW_CONFIG, else $AIRFLOW_HOME/airflow.cfg"
            />
          </label>
        )}
        <label>
          Model
          <select
            data-testid="precedence-model"
            value={model}
            onChange={(e) => setModel(e.target.value as typeof model)}
          >
            <option value="">As the runtime says</option>
            {MODELS.map(([id, label]) => (
              <option key={id} value={id}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="precedence-load">
          Load runtime
        </button>
        <label className="check">
          <input
            type="checkbox"
            data-testid="shadowed-only"
            checked={shadowedOnly}
            onChange={(e) => setShadowedOnly(e.target.checked)}
          />
          Shadowed only
        </label>
        {effective && <span className="muted">{effective.label}</span>}
      </form>
      {effective && effective.notes.length > 0 && (
        <ul className="notes small" data-testid="precedence-notes">
          {effective.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      {effective && (
        <form
          className="toolbar layers"
          onSubmit={(e) => {
            e.preventDefault()
            resolveLayers(layers)
          }}
        >
          {effective.layers.map((l, i) => (
            <label key={l.role}>
              {i + 1}. {l.label}
              <input
                data-testid={`layer-${l.role}`}
                list={LOCATOR_LIST_ID}
                value={layers[l.role] ?? ''}
                placeholder="not inspected"
                onChange={(e) => setLayers({ ...layers, [l.role]: e.target.value })}
              />
            </label>
          ))}
          <button type="submit" data-testid="precedence-resolve">
            Resolve
          </button>
        </form>
      )}
      <ErrorNote error={error} />
      {effective && (
        <table className="grid" data-testid="precedence-table">
          <thead>
            <tr>
              <th>Kind</th>
              <th>ID</th>
              {effective.layers.map((l, i) => (
                <th key={l.role} data-testid="layer-head">
                  {i + 1}. {l.label}
                  <div className="muted small">
                    {l.state === 'loaded'
                      ? l.storeId
                      : l.state === 'failed'
                        ? `failed: ${l.error}`
                        : 'not inspected'}
                  </div>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((it) => (
              <Fragment key={key(it)}>
                <tr
                  data-testid="precedence-row"
                  data-id={it.id}
                  className={open === key(it) ? 'open clickable' : 'clickable'}
                  onClick={() => setOpen(open === key(it) ? undefined : key(it))}
                >
                  <td>{it.kind === 'connection' ? 'conn' : 'var'}</td>
                  <td className="id">
                    {it.id}
                    {it.winner === null && (
                      <div className="muted small">not found in any inspected layer</div>
                    )}
                  </td>
                  {it.layers.map((v, i) => (
                    <VerdictCell key={i} verdict={v} />
                  ))}
                </tr>
                {open === key(it) && (
                  <tr className="detail" data-testid="precedence-detail">
                    <td colSpan={2 + it.layers.length}>
                      <FieldComparison item={it} layers={effective.layers.map((l) => l.label)} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function FieldComparison(props: { item: EffectiveItemDto; layers: string[] }) {
  const shadowed = props.item.layers
    .map((v, i) => ({ v, label: props.layers[i] }))
    .filter((x) => x.v.status === 'shadowed')
  if (!shadowed.length)
    return <p className="muted">Nothing is shadowed: only one layer holds {props.item.id}.</p>
  const fields = shadowed[0]!.v.fields.map((f) => f.field)
  return (
    <table className="compare">
      <thead>
        <tr>
          <th>Field</th>
          {shadowed.map((s) => (
            <th key={s.label}>vs. {s.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {fields.map((field) => (
          <tr key={field}>
            <td>{field}</td>
            {shadowed.map((s) => {
              const d = s.v.fields.find((f) => f.field === field)?.differs
              return (
                <td key={s.label} className={d ? 'differs' : 'same'}>
                  {d ? 'differs' : 'same'}
                </td>
              )
            })}
          </tr>
        ))}
      </tbody>
    </table>
  )
}
