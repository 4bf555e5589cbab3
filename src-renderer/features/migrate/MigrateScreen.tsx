import { useMemo, useState } from 'react'
import type {
  ConfirmationDto,
  CutoverDto,
  CutoverItemDto,
  PlanItemDto
} from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { LocatorField } from '../../components/LocatorField'
import { ListDetail } from '../../components/ListDetail'
import { VirtualTable, type Column } from '../../components/VirtualTable'
import {
  OUTCOME_TEXT,
  RUNTIME_MODEL_LABELS,
  layerWords,
  outcomeSentence,
  shadowedWarning
} from './cutover-text'
import {
  ACTION_ORDER,
  cutoverByKey,
  itemKey,
  reviewPlan,
  type PlanAction,
  type PlanFilter
} from './plan-filter'
import { PlanItemDetail } from './PlanItemDetail'
import { previewFields, type PreviewRuntime, type RuntimeModel } from './preview-request'
import { DialectOptions, KindOptions } from '../../components/choices'

const WRITES: readonly PlanAction[] = ['create', 'update', 'delete']
/** Shown at first: everything but what stays as it is. */
const FIRST_SHOWN: readonly PlanAction[] = ['create', 'update', 'delete', 'conflict']
const globs = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** A plain field's value as the diff shows it; a secret field never carries one. */
function shown(value: string | number | null | undefined): string {
  if (value === undefined) return '***'
  return value === null ? '(none)' : String(value)
}

/** One item's cutover outcome, in the words; shadowed ones flagged. */
function OutcomeCell(props: { item: CutoverItemDto | undefined; model: string }) {
  const c = props.item
  if (!c) return <span className="muted small">not written (conflict)</span>
  const sentence = outcomeSentence(c, props.model)
  const differs =
    c.outcome === 'shadowed' ? (c.differs ? 'its value differs' : 'same value') : undefined
  return (
    <span
      className={`outcome ${c.outcome}`}
      data-testid="cutover-outcome"
      data-outcome={c.outcome}
      title={differs ? `${sentence} (${differs})` : sentence}
    >
      {c.outcome === 'shadowed' && c.winner ? (
        <>
          <span className="outcome-mark" aria-hidden="true">
            ⚠{' '}
          </span>
          <strong>shadowed:</strong> <code>{c.winner.name}</code> in{' '}
          {layerWords(c.winner, props.model)} still wins
        </>
      ) : (
        sentence
      )}
      {differs && <span className="muted small"> ({differs})</span>}
    </span>
  )
}

/** The counts per outcome over the plan, the runtime it was previewed for, and the notes. */
function CutoverSummary(props: { cutover: CutoverDto }) {
  const c = props.cutover
  return (
    <div className="cutover-summary" data-testid="cutover-summary">
      <div className="cutover-head">
        <strong>Cutover preview</strong>
        <span className="muted small">
          {RUNTIME_MODEL_LABELS[c.model as RuntimeModel] ?? c.model} · {c.runtime} · the target is
          the layer {c.target.layer}
        </span>
      </div>
      <ul className="counts">
        <li className="outcome-count reads-new" data-testid="cutover-count-reads-new">
          {OUTCOME_TEXT['reads-new']}: {c.counts.readsNew}
        </li>
        <li className="outcome-count already-equal" data-testid="cutover-count-already-equal">
          {OUTCOME_TEXT['already-equal']}: {c.counts.alreadyEqual}
        </li>
        <li className="outcome-count shadowed" data-testid="cutover-count-shadowed">
          {OUTCOME_TEXT.shadowed}: {c.counts.shadowed}
        </li>
      </ul>
      {c.notes.length > 0 && (
        <ul className="notes small" data-testid="cutover-notes">
          {c.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** Source, target and options → a plan shown as a diff; leave items out, save it, apply it. */
export function MigrateScreen() {
  const plan = useAppStore((s) => s.plan)
  const status = useAppStore((s) => s.planStatus)
  const error = useAppStore((s) => s.planError)
  const skipped = useAppStore((s) => s.skipped)
  const selectedItem = useAppStore((s) => s.selectedItem)
  const applyStatus = useAppStore((s) => s.applyStatus)
  const applyError = useAppStore((s) => s.applyError)
  const requestPlan = useAppStore((s) => s.requestPlan)
  const openCompare = useAppStore((s) => s.openCompare)
  const toggleSkipped = useAppStore((s) => s.toggleSkipped)
  const selectItem = useAppStore((s) => s.selectItem)
  const savePlan = useAppStore((s) => s.savePlan)
  const applyPlan = useAppStore((s) => s.applyPlan)
  const setScreen = useAppStore((s) => s.setScreen)
  const bridge = useAppStore((s) => s.bridge)
  /** What the apply will do, while the confirm dialog asks about it. */
  const [asking, setAsking] = useState<ConfirmationDto | undefined>(undefined)
  const [askError, setAskError] = useState<ErrorDto | undefined>(undefined)
  const [source, setSource] = useState('demo:')
  const [target, setTarget] = useState('')
  const [include, setInclude] = useState('')
  const [exclude, setExclude] = useState('')
  const [kinds, setKinds] = useState<'both' | 'connection' | 'variable'>('both')
  const [onConflict, setOnConflict] = useState<'overwrite' | 'skip' | 'fail'>('overwrite')
  const [deleteExtraneous, setDeleteExtraneous] = useState(false)
  const [dialect, setDialect] = useState<'airflow3' | 'airflow2' | 'task-sdk'>('airflow3')
  const [previewRuntime, setPreviewRuntime] = useState<PreviewRuntime>('none')
  const [previewModel, setPreviewModel] = useState<RuntimeModel | ''>('')
  const [cfgPath, setCfgPath] = useState('')
  const [layersText, setLayersText] = useState('')
  const [formError, setFormError] = useState<ErrorDto | undefined>(undefined)
  const [shownActions, setShownActions] = useState<ReadonlySet<PlanAction>>(
    () => new Set(FIRST_SHOWN)
  )
  const [kindFilter, setKindFilter] = useState<PlanFilter['kind']>('both')
  const [idFilter, setIdFilter] = useState('')
  const [shadowedOnly, setShadowedOnly] = useState(false)
  const [savePath, setSavePath] = useState('')
  const [saveError, setSaveError] = useState<ErrorDto | undefined>(undefined)
  const notify = useAppStore((s) => s.notify)
  const cutover = plan?.cutover
  const outcomes = useMemo(() => (plan ? cutoverByKey(plan) : new Map()), [plan])
  const review = useMemo(
    () =>
      plan
        ? reviewPlan(
            plan,
            {
              actions: shownActions,
              kind: kindFilter,
              ids: idFilter,
              shadowedOnly: shadowedOnly && Boolean(cutover)
            },
            outcomes
          )
        : undefined,
    [plan, shownActions, kindFilter, idFilter, shadowedOnly, cutover, outcomes]
  )
  const kindCounts = useMemo(() => {
    const counts = { connection: 0, variable: 0 }
    for (const i of plan?.items ?? []) counts[i.kind]++
    return counts
  }, [plan])
  const rows = review?.rows ?? []
  // the first row of each action's group, drawn with a rule above it
  const groupStarts = useMemo(() => {
    const starts = new Set<string>()
    let last: PlanAction | undefined
    for (const r of review?.rows ?? []) {
      if (r.action !== last) starts.add(itemKey(r))
      last = r.action
    }
    return starts
  }, [review])
  const skippedSet = new Set(skipped)
  const toApply = (plan?.items ?? []).filter(
    (i) => WRITES.includes(i.action) && !skippedSet.has(itemKey(i))
  ).length
  // shadowed after apply: every shadowed item still in it (unchanged ones stay shadowed too)
  const staysShadowed = (cutover?.items ?? []).filter(
    (c) => c.outcome === 'shadowed' && !skippedSet.has(`${c.kind}:${c.id}`)
  ).length
  const selected = selectedItem ? plan?.items.find((i) => itemKey(i) === selectedItem) : undefined
  const toggleAction = (a: PlanAction) => {
    const next = new Set(shownActions)
    if (next.has(a)) next.delete(a)
    else next.add(a)
    setShownActions(next)
  }
  const planColumns: Column<PlanItemDto>[] = [
    {
      key: 'apply',
      label: 'Apply',
      width: '60px',
      render: (i) => {
        const key = itemKey(i)
        return WRITES.includes(i.action) ? (
          <input
            type="checkbox"
            aria-label={`Apply ${i.targetId}`}
            checked={!skippedSet.has(key)}
            onChange={() => toggleSkipped(key)}
          />
        ) : null
      }
    },
    {
      key: 'action',
      label: 'Action',
      width: '124px',
      render: (i) => (
        <>
          <span className={`badge ${i.action}`}>{i.action}</span>
          {i.resolution && <span className="muted small"> ({i.resolution})</span>}
        </>
      )
    },
    {
      key: 'kind',
      label: 'Kind',
      width: '52px',
      render: (i) => (i.kind === 'connection' ? 'conn' : 'var')
    },
    {
      key: 'id',
      label: 'ID',
      fit: {
        text: (i) =>
          i.sourceId && i.sourceId !== i.targetId ? `${i.targetId} ← ${i.sourceId}` : i.targetId,
        min: 16,
        max: 44,
        grow: true
      },
      render: (i) => (
        <span className="id" title={i.targetId}>
          {i.targetId}
          {i.sourceId && i.sourceId !== i.targetId && (
            <span className="muted"> ← {i.sourceId}</span>
          )}
        </span>
      )
    },
    // with the detail open, it shows the fields and warnings: the list keeps to the ids
    ...(selected
      ? []
      : [
          {
            key: 'fields',
            label: 'Changed fields (secrets masked)',
            width: cutover ? 'minmax(180px, 2fr)' : 'minmax(200px, 3fr)',
            render: (i: PlanItemDto) => {
              if (i.action === 'create')
                return <span className="muted">new entry (values masked)</span>
              if (i.action === 'delete')
                return <span className="muted">removed from the target</span>
              if (i.action === 'unchanged') return <span className="muted">same value</span>
              const changed = i.fields ?? []
              return (
                <span
                  className="fields"
                  title={changed
                    .map((f) => `${f.field}: ${shown(f.before)} → ${shown(f.after)}`)
                    .join('\n')}
                >
                  {changed.map((f) => (
                    <span key={f.field} className="field-diff" data-testid="field-diff">
                      {f.field}: <code>{shown(f.before)}</code> → <code>{shown(f.after)}</code>
                    </span>
                  ))}
                </span>
              )
            }
          },
          {
            key: 'warnings',
            label: 'Warnings',
            width: 'minmax(90px, 1fr)',
            render: (i: PlanItemDto) => (
              <span className="small" title={i.warnings?.join('; ')}>
                {i.warnings?.join('; ')}
              </span>
            )
          }
        ]),
    ...(cutover
      ? [
          {
            key: 'cutover',
            label: 'After apply, Airflow reads',
            width: 'minmax(280px, 3fr)',
            render: (i: PlanItemDto) => (
              <OutcomeCell item={outcomes.get(itemKey(i))} model={cutover.model} />
            )
          }
        ]
      : [])
  ]
  return (
    <section data-testid="migrate" data-state={status}>
      <h2>Migrate</h2>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          const preview = previewFields({
            runtime: previewRuntime,
            model: previewModel,
            cfgPath,
            layers: layersText
          })
          if ('error' in preview) return setFormError({ code: 'usage', message: preview.error })
          setFormError(undefined)
          void requestPlan({
            source: source.trim(),
            target: target.trim(),
            options: {
              kinds: kinds === 'both' ? undefined : [kinds],
              include: globs(include),
              exclude: globs(exclude),
              onConflict,
              deleteExtraneous,
              dialect
            },
            ...preview.fields
          })
        }}
      >
        <LocatorField
          label="Source"
          testId="plan-source"
          value={source}
          onChange={setSource}
          chooseTitle="Choose the source store file"
          required
        />
        <LocatorField
          label="Target"
          testId="plan-target"
          value={target}
          onChange={setTarget}
          placeholder="envfile:/path/.env, metadb:NAME"
          chooseTitle="Choose the target store file"
          required
        />
        <label>
          Include (globs)
          <input
            data-testid="plan-include"
            value={include}
            onChange={(e) => setInclude(e.target.value)}
            placeholder="postgres_*, aws_*"
          />
        </label>
        <label>
          Exclude (globs)
          <input
            data-testid="plan-exclude"
            value={exclude}
            onChange={(e) => setExclude(e.target.value)}
            placeholder="tmp_*"
          />
        </label>
        <label>
          Kinds
          <select value={kinds} onChange={(e) => setKinds(e.target.value as typeof kinds)}>
            <KindOptions />
          </select>
        </label>
        <label>
          On conflict
          <select
            data-testid="plan-on-conflict"
            value={onConflict}
            onChange={(e) => setOnConflict(e.target.value as typeof onConflict)}
          >
            <option value="overwrite">overwrite</option>
            <option value="skip">skip</option>
            <option value="fail">fail</option>
          </select>
        </label>
        <label>
          Target dialect
          <select value={dialect} onChange={(e) => setDialect(e.target.value as typeof dialect)}>
            <DialectOptions />
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={deleteExtraneous}
            onChange={(e) => setDeleteExtraneous(e.target.checked)}
          />
          Delete what the source lacks
        </label>
        <fieldset className="preview-runtime" data-testid="plan-preview">
          <legend>Cutover preview: what Airflow will read after apply</legend>
          <label>
            Preview for runtime
            <select
              data-testid="plan-runtime"
              value={previewRuntime}
              onChange={(e) => setPreviewRuntime(e.target.value as PreviewRuntime)}
            >
              <option value="none">None</option>
              <option value="demo">The demo</option>
              <option value="airflow-config">An airflow.cfg</option>
              <option value="layers">Only the layers given</option>
            </select>
          </label>
          <label>
            As
            <select
              data-testid="plan-model"
              value={previewModel}
              disabled={previewRuntime === 'none'}
              onChange={(e) => setPreviewModel(e.target.value as typeof previewModel)}
            >
              <option value="">As the runtime says</option>
              {Object.entries(RUNTIME_MODEL_LABELS).map(([id, label]) => (
                <option key={id} value={id}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          {previewRuntime === 'airflow-config' && (
            <label>
              airflow.cfg
              <input
                data-testid="plan-cfg"
                value={cfgPath}
                onChange={(e) => setCfgPath(e.target.value)}
                placeholder="$AIRFLOW_CONFIG, else $AIRFLOW_HOME/airflow.cfg"
              />
            </label>
          )}
          <label className="grow">
            Layers (role=store; …, over the runtime&apos;s)
            <input
              data-testid="plan-layers"
              value={layersText}
              disabled={previewRuntime === 'none'}
              onChange={(e) => setLayersText(e.target.value)}
              placeholder="worker-env=envfile:/srv/worker.env; metastore=metadb:prod"
            />
          </label>
        </fieldset>
        <div className="actions">
          <button
            type="submit"
            className="primary"
            data-testid="plan-make"
            disabled={status === 'loading'}
          >
            {status === 'loading' ? 'Planning…' : 'Make plan'}
          </button>
          <button
            type="button"
            data-testid="plan-compare"
            disabled={!source.trim() || !target.trim()}
            onClick={() => void openCompare({ a: source.trim(), b: target.trim(), kinds, dialect })}
          >
            Compare these stores
          </button>
        </div>
      </form>
      <ErrorNote error={formError} testId="plan-form-error" />
      <ErrorNote error={error} testId="plan-error" />
      {plan && review && (
        <div data-testid="plan" data-plan-id={plan.planId}>
          <h3>
            Plan <code>{plan.planId}</code>: {plan.source} → {plan.target}
          </h3>
          {cutover && <CutoverSummary cutover={cutover} />}
          {plan.preflight.length > 0 && (
            <ul className="preflight" data-testid="preflight">
              {plan.preflight.map((p, i) => (
                <li key={i} className={p.severity}>
                  pre-flight {p.severity}: {p.message}
                </li>
              ))}
            </ul>
          )}
          <div
            className="plan-filters"
            role="group"
            aria-label="Show in the plan"
            data-testid="plan-filters"
          >
            <ul className="counts chips">
              {ACTION_ORDER.map((a) => (
                <li key={a}>
                  <button
                    type="button"
                    className={`badge chip ${a}`}
                    aria-pressed={shownActions.has(a)}
                    data-testid={`plan-count-${a}`}
                    title={`${shownActions.has(a) ? 'Hide' : 'Show'} the items to ${a === 'unchanged' ? 'leave unchanged' : a}`}
                    onClick={() => toggleAction(a)}
                  >
                    {review.counts[a]} {a}
                  </button>
                </li>
              ))}
            </ul>
            <label>
              Kind
              <select
                data-testid="plan-filter-kind"
                value={kindFilter}
                onChange={(e) => setKindFilter(e.target.value as PlanFilter['kind'])}
              >
                <option value="both">All ({plan.items.length})</option>
                <option value="connection">Connections ({kindCounts.connection})</option>
                <option value="variable">Variables ({kindCounts.variable})</option>
              </select>
            </label>
            <label>
              IDs
              <input
                type="search"
                data-testid="plan-filter-id"
                data-search
                value={idFilter}
                onChange={(e) => setIdFilter(e.target.value)}
                placeholder="postgres_*, *_default"
              />
            </label>
            {cutover && (
              <label className="check">
                <input
                  type="checkbox"
                  data-testid="plan-shadowed-only"
                  checked={shadowedOnly}
                  onChange={(e) => setShadowedOnly(e.target.checked)}
                />
                Shadowed only
              </label>
            )}
            <span className="muted small" data-testid="plan-shown">
              {rows.length} of {plan.items.length} shown
            </span>
          </div>
          <ListDetail
            className="plan-review"
            onClose={() => selectItem(undefined)}
            list={
              <VirtualTable
                testId="plan-table"
                rowTestId="plan-item"
                rows={rows}
                columns={planColumns}
                rowKey={itemKey}
                rowAttributes={(i) => ({
                  'data-action': i.action,
                  'data-id': i.targetId,
                  ...(cutover
                    ? { 'data-outcome': outcomes.get(itemKey(i))?.outcome ?? 'not-written' }
                    : {})
                })}
                rowClass={(i) =>
                  `action-${i.action}${groupStarts.has(itemKey(i)) ? ' group-start' : ''}${outcomes.get(itemKey(i))?.outcome === 'shadowed' ? ' shadowed' : ''}`
                }
                // with a cutover preview, its sentence may take two lines
                rowHeight={cutover ? 48 : 34}
                fit
                label="Plan items; Space includes or leaves out the active item, Enter opens its detail"
                selectedKey={selectedItem}
                onRowClick={(i) => selectItem(itemKey(i))}
                onActivate={(i) => selectItem(itemKey(i))}
                onToggle={(i) => {
                  if (WRITES.includes(i.action)) toggleSkipped(itemKey(i))
                }}
              />
            }
            detail={
              selected && (
                <PlanItemDetail
                  plan={plan}
                  item={selected}
                  onClose={() => selectItem(undefined)}
                  cutover={
                    cutover && { model: cutover.model, item: outcomes.get(itemKey(selected)) }
                  }
                />
              )
            }
          />
          {rows.length === 0 && (
            <p className="muted small" data-testid="plan-empty">
              No item matches these filters.
            </p>
          )}
          {staysShadowed > 0 && (
            <p className="warning shadowed-warning" data-testid="apply-shadowed-warning">
              <strong>{shadowedWarning(staysShadowed)}</strong>: a layer above{' '}
              {cutover?.target.layer} still wins for {staysShadowed === 1 ? 'it' : 'them'}, so
              Airflow will not read what this plan writes.{' '}
              {!shadowedOnly && (
                <button
                  type="button"
                  className="link"
                  data-testid="apply-shadowed-show"
                  onClick={() => {
                    // every shadowed item, whatever its action (unchanged ones stay shadowed too)
                    setShadowedOnly(true)
                    setShownActions(new Set(ACTION_ORDER))
                  }}
                >
                  Show {staysShadowed === 1 ? 'it' : 'them'}
                </button>
              )}
            </p>
          )}
          <div className="toolbar">
            <input
              data-testid="plan-save-path"
              placeholder="/path/plan.json"
              value={savePath}
              onChange={(e) => setSavePath(e.target.value)}
            />
            <button
              type="button"
              data-testid="plan-save"
              disabled={!savePath}
              onClick={async () => {
                const err = await savePlan(savePath)
                setSaveError(err)
                if (!err) notify(`Saved the plan to ${savePath} (no values: fingerprints only).`)
              }}
            >
              Save plan
            </button>
            <span className="spacer" />
            {!plan.applicable && (
              <span className="error small" data-testid="plan-not-applicable">
                {plan.preflightErrors
                  ? 'Pre-flight errors block this plan.'
                  : (plan.notApplicable ??
                    'Not applicable: a diff, or no keychain held the plan’s drift key.')}
              </span>
            )}
            <button
              type="button"
              className="primary"
              data-testid="plan-apply"
              disabled={!plan.applicable || toApply === 0 || applyStatus === 'starting'}
              onClick={async () => {
                setAskError(undefined)
                // deletes, overwrites or a protected target: ask first, naming what happens
                const r = await bridge.invoke('jobs:confirmation', {
                  planId: plan.planId,
                  skip: skipped
                })
                if (!r.ok) return setAskError(r.error)
                if (r.value.destructive || r.value.protectedProfile) return setAsking(r.value)
                const jobId = await applyPlan()
                if (jobId) setScreen('jobs')
              }}
            >
              Apply {toApply} {toApply === 1 ? 'change' : 'changes'}
            </button>
          </div>
          {asking && (
            <ConfirmDialog
              title="Apply this plan?"
              sentence={asking.sentence}
              confirmLabel={`Apply ${toApply} ${toApply === 1 ? 'change' : 'changes'}`}
              typeName={asking.protectedProfile}
              onCancel={() => setAsking(undefined)}
              onConfirm={async (typed) => {
                setAsking(undefined)
                const jobId = await applyPlan(typed)
                if (jobId) setScreen('jobs')
              }}
            />
          )}
          <ErrorNote error={askError} testId="apply-ask-error" />
          {applyStatus === 'starting' && (
            <p className="note" role="status" data-testid="apply-starting">
              Starting: reading both stores to check that nothing changed since the plan…
            </p>
          )}
          <ErrorNote error={saveError} testId="plan-save-error" />
          <ErrorNote error={applyError} testId="apply-error" />
        </div>
      )}
    </section>
  )
}
