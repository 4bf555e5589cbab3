import { useEffect, useMemo, useState } from 'react'
import type { EffectiveItemDto, LayerDto, VerdictDto } from '../../../src-main/contract/ipc'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { ListDetail } from '../../components/ListDetail'
import { LocatorField } from '../../components/LocatorField'
import { VirtualTable, type Column } from '../../components/VirtualTable'
import { LayerStack } from './LayerStack'
import { PrecedenceOverview } from './PrecedenceOverview'
import {
  VERDICT_TEXT,
  filterItems,
  overviewOf,
  verdictKind,
  verdictLine,
  type PrecedenceFilter
} from './verdicts'

const MODELS = [
  ['airflow3-server', 'Airflow 3 server side'],
  ['airflow3-worker', 'Airflow 3 worker'],
  ['airflow2', 'Airflow 2'],
  ['astro', 'Astro']
] as const

const key = (it: EffectiveItemDto) => `${it.kind}:${it.id}`

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
  const [filter, setFilter] = useState<PrecedenceFilter>({
    show: 'all',
    layer: '',
    kind: 'all',
    id: ''
  })
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
  const items = useMemo(() => filterItems(effective?.items ?? [], filter), [effective, filter])
  const overview = useMemo(() => effective && overviewOf(effective), [effective])
  const opened = useMemo(
    () => (open === undefined ? undefined : effective?.items.find((it) => key(it) === open)),
    [effective, open]
  )
  const columns = useMemo(
    () => effective && precedenceColumns(effective.layers, (it) => setOpen(key(it))),
    [effective]
  )
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
            <LocatorField
              key={l.role}
              label={`${i + 1}. ${l.label}`}
              testId={`layer-${l.role}`}
              value={layers[l.role] ?? ''}
              placeholder="not inspected"
              onChange={(v) => setLayers({ ...layers, [l.role]: v })}
              chooseTitle={`Choose the file of the layer ${l.label}`}
            />
          ))}
          <button type="submit" data-testid="precedence-resolve">
            Resolve
          </button>
        </form>
      )}
      <ErrorNote error={error} />
      {effective && overview && (
        <PrecedenceOverview
          layers={effective.layers}
          overview={overview}
          onShowRisk={(i) => setFilter({ ...filter, show: 'differs', layer: `present:${i}` })}
          onShowAllRisk={() => setFilter({ ...filter, show: 'differs', layer: '' })}
        />
      )}
      {effective && (
        <div className="toolbar prec-filters" data-testid="precedence-filters">
          <label>
            Show
            <select
              data-testid="precedence-show"
              value={filter.show}
              onChange={(e) =>
                setFilter({ ...filter, show: e.target.value as PrecedenceFilter['show'] })
              }
            >
              <option value="all">Every id</option>
              <option value="shadowed">Shadowed (any)</option>
              <option value="differs">Shadowed with a difference</option>
            </select>
          </label>
          <label>
            Layer
            <select
              data-testid="precedence-layer"
              value={filter.layer}
              onChange={(e) => setFilter({ ...filter, layer: e.target.value })}
            >
              <option value="">Any layer</option>
              {effective.layers.map((l, i) => (
                <option key={`served:${i}`} value={`served:${i}`}>
                  Served by {i + 1}. {l.label}
                </option>
              ))}
              {effective.layers.map((l, i) => (
                <option key={`present:${i}`} value={`present:${i}`}>
                  Present in {i + 1}. {l.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Kind
            <select
              data-testid="precedence-kind"
              value={filter.kind}
              onChange={(e) =>
                setFilter({ ...filter, kind: e.target.value as PrecedenceFilter['kind'] })
              }
            >
              <option value="all">All kinds</option>
              <option value="connection">Connections</option>
              <option value="variable">Variables</option>
            </select>
          </label>
          <label>
            Id
            <input
              data-testid="precedence-id"
              data-search
              value={filter.id}
              placeholder="substring, or a glob: aws_*"
              onChange={(e) => setFilter({ ...filter, id: e.target.value })}
            />
          </label>
          <span className="muted" data-testid="precedence-count" data-count={items.length}>
            {items.length.toLocaleString('en-US')} of{' '}
            {effective.items.length.toLocaleString('en-US')} ids · values never shown
          </span>
        </div>
      )}
      {effective && columns && (
        <ListDetail
          className="prec-body"
          onClose={() => setOpen(undefined)}
          list={
            <VirtualTable
              testId="precedence-table"
              label="Per id, each layer Airflow searches, in order (values never shown)"
              rows={items}
              columns={columns}
              rowKey={key}
              rowHeight={46}
              height={460}
              fit
              rowTestId="precedence-row"
              rowAttributes={(it) => ({ 'data-id': it.id, 'data-kind': it.kind })}
              rowClass={(it) =>
                it.layers.some((v) => verdictKind(v) === 'differs') ? 'at-risk' : ''
              }
              onActivate={(it) => setOpen(key(it))}
              onRowClick={(it) => setOpen(open === key(it) ? undefined : key(it))}
              selectedKey={open}
            />
          }
          detail={
            opened && (
              <LayerStack
                item={opened}
                layers={effective.layers}
                fields={effective.fields}
                onClose={() => setOpen(undefined)}
              />
            )
          }
        />
      )}
    </section>
  )
}

/** One layer's answer for one id, drawn as a block of the id's stack. */
function VerdictBlock(props: { verdict: VerdictDto }) {
  const v = props.verdict
  const kind = verdictKind(v)
  const line = verdictLine(v)
  return (
    <div
      className={`verdict ${v.status} vk-${kind}`}
      data-testid={`verdict-${v.status}`}
      data-verdict={kind}
      title={[line, v.fromKey, v.message].filter(Boolean).join(' · ')}
    >
      <span className="verdict-line">
        {VERDICT_TEXT[kind].icon && <span aria-hidden="true">{VERDICT_TEXT[kind].icon} </span>}
        {kind === 'absent' ? '—' : line}
      </span>
      {v.fromKey && v.status !== 'absent' && (
        <span className="verdict-key muted small">{v.fromKey}</span>
      )}
    </div>
  )
}

/** Kind, id, then one column per layer in Airflow's search order. */
function precedenceColumns(
  layers: readonly LayerDto[],
  onOpen: (it: EffectiveItemDto) => void
): Column<EffectiveItemDto>[] {
  return [
    {
      key: 'kind',
      label: 'Kind',
      width: '48px',
      render: (it) => (it.kind === 'connection' ? 'conn' : 'var')
    },
    {
      key: 'id',
      label: 'ID',
      fit: { text: (it) => it.id, min: 14, max: 40, grow: true },
      render: (it) => (
        <span className="prec-id">
          <button
            type="button"
            className="link prec-open id"
            title={`The layers of ${it.id}`}
            onClick={() => onOpen(it)}
          >
            {it.id}
          </button>
          {it.winner === null && (
            <span className="muted small">not found in any inspected layer</span>
          )}
        </span>
      )
    },
    ...layers.map((l, i): Column<EffectiveItemDto> => ({
      key: `layer-${l.role}`,
      label: `${i + 1}. ${l.label}`,
      // 2fr: a layer's block (verdict and key) weighs as a 20ch id does
      width: 'minmax(120px, 2fr)',
      header: (
        <div data-testid="layer-head" className="prec-layer-head" title={l.error ?? undefined}>
          {i + 1}. {l.label}
          <div className="muted small">
            {l.state === 'loaded'
              ? l.storeId
              : l.state === 'failed'
                ? `failed: ${l.error}`
                : 'not inspected'}
          </div>
        </div>
      ),
      render: (it) => <VerdictBlock verdict={it.layers[i]!} />
    }))
  ]
}
