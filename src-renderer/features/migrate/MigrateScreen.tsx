import { useState } from 'react'
import type { ConfirmationDto, PlanItemDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { LOCATOR_LIST_ID } from '../../components/LocatorSuggestions'
import { VirtualTable, type Column } from '../../components/VirtualTable'
import { PlanItemDetail } from './PlanItemDetail'

const ACTIONS: PlanItemDto['action'][] = ['create', 'update', 'delete', 'unchanged', 'conflict']
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

/** Source, target and options → a plan shown as a diff; leave items out, save it, apply it. */
export function MigrateScreen() {
  const plan = useAppStore((s) => s.plan)
  const status = useAppStore((s) => s.planStatus)
  const error = useAppStore((s) => s.planError)
  const skipped = useAppStore((s) => s.skipped)
  const applyStatus = useAppStore((s) => s.applyStatus)
  const applyError = useAppStore((s) => s.applyError)
  const requestPlan = useAppStore((s) => s.requestPlan)
  const requestDiff = useAppStore((s) => s.requestDiff)
  const toggleSkipped = useAppStore((s) => s.toggleSkipped)
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
  const [hideUnchanged, setHideUnchanged] = useState(true)
  const [savePath, setSavePath] = useState('')
  const [saveMessage, setSaveMessage] = useState<string | undefined>(undefined)
  /** The plan item whose detail pane is open (`kind:targetId`), kept across re-plans. */
  const [selected, setSelected] = useState<string | undefined>(undefined)
  const selectedItem = plan?.items.find((i) => `${i.kind}:${i.targetId}` === selected)
  const items = (plan?.items ?? []).filter((i) => !hideUnchanged || i.action !== 'unchanged')
  const skippedSet = new Set(skipped)
  const toApply = (plan?.items ?? []).filter(
    (i) =>
      ['create', 'update', 'delete'].includes(i.action) &&
      !skippedSet.has(`${i.kind}:${i.targetId}`)
  ).length
  const planColumns: Column<PlanItemDto>[] = [
    {
      key: 'apply',
      label: 'Apply',
      width: '56px',
      render: (i) => {
        const key = `${i.kind}:${i.targetId}`
        return ['create', 'update', 'delete'].includes(i.action) ? (
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
      width: '130px',
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
      width: '50px',
      render: (i) => (i.kind === 'connection' ? 'conn' : 'var')
    },
    {
      key: 'id',
      label: 'ID',
      width: 'minmax(160px, 1.2fr)',
      render: (i) => (
        <span className="id" title={i.targetId}>
          {i.targetId}
          {i.sourceId && i.sourceId !== i.targetId && (
            <span className="muted"> ← {i.sourceId}</span>
          )}
        </span>
      )
    },
    {
      key: 'fields',
      label: 'Changed fields (secrets masked)',
      width: 'minmax(240px, 3fr)',
      render: (i) => {
        if (i.action === 'create') return <span className="muted">new entry (values masked)</span>
        if (i.action === 'delete') return <span className="muted">removed from the target</span>
        if (i.action === 'unchanged') return <span className="muted">same value</span>
        const changed = i.fields.filter((f) => f.changed)
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
      width: 'minmax(100px, 1fr)',
      render: (i) => (
        <span className="small" title={i.warnings.join('; ')}>
          {i.warnings.join('; ')}
        </span>
      )
    }
  ]
  return (
    <section data-testid="migrate" data-state={status}>
      <h2>Migrate</h2>
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
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
            }
          })
        }}
      >
        <label>
          Source
          <input
            data-testid="plan-source"
            list={LOCATOR_LIST_ID}
            value={source}
            onChange={(e) => setSource(e.target.value)}
            required
          />
        </label>
        <label>
          Target
          <input
            data-testid="plan-target"
            list={LOCATOR_LIST_ID}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder="envfile:/path/.env, metadb:NAME"
            required
          />
        </label>
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
            <option value="both">Connections and variables</option>
            <option value="connection">Connections</option>
            <option value="variable">Variables</option>
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
            <option value="airflow3">airflow3</option>
            <option value="airflow2">airflow2</option>
            <option value="task-sdk">task-sdk</option>
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
            data-testid="plan-diff"
            disabled={status === 'loading' || !source.trim() || !target.trim()}
            onClick={() =>
              void requestDiff({
                a: source.trim(),
                b: target.trim(),
                kinds: kinds === 'both' ? undefined : [kinds]
              })
            }
          >
            Diff only
          </button>
        </div>
      </form>
      <ErrorNote error={error} testId="plan-error" />
      {plan && (
        <div data-testid="plan" data-plan-id={plan.planId}>
          <h3>
            Plan <code>{plan.planId}</code>: {plan.source} → {plan.target}
          </h3>
          <ul className="counts">
            {ACTIONS.map((a) => (
              <li key={a} className={`badge ${a}`} data-testid={`plan-count-${a}`}>
                {plan.summary[a]} {a}
              </li>
            ))}
          </ul>
          {plan.preflight.length > 0 && (
            <ul className="preflight" data-testid="preflight">
              {plan.preflight.map((p, i) => (
                <li key={i} className={p.severity}>
                  pre-flight {p.severity}: {p.message}
                </li>
              ))}
            </ul>
          )}
          <label className="check">
            <input
              type="checkbox"
              checked={hideUnchanged}
              onChange={(e) => setHideUnchanged(e.target.checked)}
            />
            Hide unchanged
          </label>
          {/* plan-detail: a click on a row (not on its checkbox) opens its detail beside the list */}
          <div className={`plan-review${selectedItem ? ' with-detail' : ''}`}>
            <div
              className="plan-review-list"
              // a click on a row selects it without focusing the grid (whose focus would
              // mark its first row active beside the selected one)
              onMouseDown={(e) => {
                const target = e.target as HTMLElement
                if (!target.closest('input, button, a, label') && target.closest('[data-row-id]'))
                  e.preventDefault()
              }}
              onClick={(e) => {
                const target = e.target as HTMLElement
                if (target.closest('input, button, a, label')) return
                const row = target.closest<HTMLElement>('[data-row-id]')
                if (row?.dataset.rowId) setSelected(row.dataset.rowId)
              }}
            >
              <VirtualTable
                testId="plan-table"
                rowTestId="plan-item"
                rows={items}
                columns={planColumns}
                rowKey={(i) => `${i.kind}:${i.targetId}`}
                rowAttributes={(i) => ({ 'data-action': i.action, 'data-id': i.targetId })}
                rowClass={(i) => (`${i.kind}:${i.targetId}` === selected ? 'selected' : '')}
                rowHeight={34}
                fit
                label="Plan items; Enter includes or leaves out the active item"
                onActivate={(i) => {
                  if (['create', 'update', 'delete'].includes(i.action))
                    toggleSkipped(`${i.kind}:${i.targetId}`)
                }}
              />
            </div>
            {selectedItem && (
              <PlanItemDetail
                plan={plan}
                item={selectedItem}
                onClose={() => setSelected(undefined)}
              />
            )}
          </div>
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
                setSaveMessage(
                  err ? err.message : `Saved to ${savePath} (no values: fingerprints only).`
                )
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
          {saveMessage && <p className="note">{saveMessage}</p>}
          <ErrorNote error={applyError} testId="apply-error" />
        </div>
      )}
    </section>
  )
}
