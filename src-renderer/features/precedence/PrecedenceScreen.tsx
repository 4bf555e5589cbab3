import { Fragment, useEffect, useMemo, useState } from 'react'
import type { EffectiveItemDto, VerdictDto } from '../../../src-main/contract/ipc'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'

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
  const [model, setModel] = useState<(typeof MODELS)[number][0]>('airflow3-server')
  const [shadowedOnly, setShadowedOnly] = useState(false)
  const [open, setOpen] = useState<string | undefined>(undefined)
  // Which store stands behind each layer (empty: not inspected); the demo by default.
  const [layers, setLayers] = useState<Record<string, string>>({
    env: 'demo-env:',
    metastore: 'demo:'
  })
  const resolve = (m: typeof model, l: Record<string, string>) => {
    const given = Object.fromEntries(Object.entries(l).filter(([, v]) => v.trim()))
    void load(
      Object.keys(given).length ? { model: m, layers: given } : { runtime: 'demo', model: m }
    )
  }
  useEffect(() => {
    resolve(model, layers)
    // Resolved again on a model change; layer edits apply with the Resolve button.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load, model])
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
        the demo <code>.env</code> as the server&apos;s environment; put any store (locator) behind
        a layer. Values are never shown; shadowed layers name the fields that differ.
      </p>
      <div className="toolbar">
        <label>
          Runtime
          <select
            data-testid="precedence-model"
            value={model}
            onChange={(e) => setModel(e.target.value as typeof model)}
          >
            {MODELS.map(([id, label]) => (
              <option key={id} value={id}>
                {label}
              </option>
            ))}
          </select>
        </label>
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
      </div>
      {effective && (
        <form
          className="toolbar layers"
          onSubmit={(e) => {
            e.preventDefault()
            resolve(model, layers)
          }}
        >
          {effective.layers.map((l, i) => (
            <label key={l.role}>
              {i + 1}. {l.label}
              <input
                data-testid={`layer-${l.role}`}
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
