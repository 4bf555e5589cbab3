import { useEffect, useRef, useState, type ReactNode } from 'react'
import type {
  CutoverItemDto,
  FieldChangeDto,
  PlanDto,
  PlanItemDetailDto,
  PlanItemDto,
  PlanItemExtraKeyDto,
  PlanItemRevealDto
} from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { useAppStore } from '../../store'
import { REVEAL_MS } from '../inventory/SecretCell'
import { layerWords, outcomeSentence } from './cutover-text'

/** How a masked secret shows (contract MASKED; the renderer imports types only). */
const MASKED = '***'

type Part = 'password' | 'extra' | 'value'
type Revealed = Extract<PlanItemRevealDto, { part: Part }>
type Written = Extract<PlanItemRevealDto, { part: 'text' }>

const CHANGE_LABEL: Record<FieldChangeDto, string> = {
  same: 'same',
  changed: 'changed',
  added: 'added',
  removed: 'removed'
}

/** A plain value as the table shows it. */
function Value(props: { value: string | number | null | undefined; present: boolean }) {
  if (!props.present) return <span className="muted">—</span>
  if (props.value === null || props.value === undefined || props.value === '')
    return <span className="muted">(none)</span>
  return <code>{String(props.value)}</code>
}

/** A secret cell: masked, or the value revealed on request. */
function Secret(props: { revealed: string | null | undefined; present: boolean }) {
  if (!props.present) return <span className="muted">—</span>
  if (props.revealed === undefined)
    return (
      <code className="masked" data-testid="masked">
        {MASKED}
      </code>
    )
  return (
    <code className="revealed" data-testid="revealed">
      {props.revealed ?? '(none)'}
    </code>
  )
}

/** One side of one extra key: absent, masked (a key Airflow hides), or its JSON. */
/** The head of a before → after table: the row's name, the target now, the plan. */
function SidesHead(props: { first: string }) {
  return (
    <thead>
      <tr>
        <th scope="col">{props.first}</th>
        <th scope="col">Target now</th>
        <th scope="col" aria-label="becomes" />
        <th scope="col">Planned</th>
      </tr>
    </thead>
  )
}

/** One row's target now → planned cells. */
function SidesCells(props: { before: ReactNode; after: ReactNode }) {
  return (
    <>
      <td className="before">{props.before}</td>
      <td className="arrow" aria-hidden="true">
        →
      </td>
      <td className="after">{props.after}</td>
    </>
  )
}

function ExtraValue(props: { side: 'before' | 'after'; k: PlanItemExtraKeyDto }) {
  const { k, side } = props
  if (k.change === (side === 'before' ? 'added' : 'removed'))
    return <span className="muted">—</span>
  if (k.secret) return <code className="masked">{MASKED}</code>
  return <code>{k[side]}</code>
}

function ChangeBadge(props: { change: FieldChangeDto }) {
  return (
    <span className={`change-badge ${props.change}`} data-testid="change">
      {CHANGE_LABEL[props.change]}
    </span>
  )
}

/** Props of PlanItemDetail. */
interface PlanItemDetailProps {
  plan: PlanDto
  item: PlanItemDto
  /** Closes the pane (the list keeps its place). */
  onClose?: () => void
  /** With a cutover preview: its model and this item's outcome (none: not written). */
  cutover?: { model: string; item: CutoverItemDto | undefined }
}

/** What Airflow reads after apply, for this item, as the plan's cutover column says it. */
function CutoverLine(props: { model: string; item: CutoverItemDto | undefined }) {
  const c = props.item
  return (
    <p
      className={`plan-detail-cutover outcome ${c?.outcome ?? 'not-written'}`}
      data-testid="plan-detail-cutover"
      data-outcome={c?.outcome ?? 'not-written'}
    >
      <span className="muted">After apply, Airflow reads: </span>
      {!c ? (
        <span className="muted">not written by this plan (conflict)</span>
      ) : c.outcome === 'shadowed' && c.winner ? (
        <>
          <span aria-hidden="true">⚠ </span>
          <strong>shadowed:</strong> <code>{c.winner.name}</code> in{' '}
          {layerWords(c.winner, props.model)} still wins
          <span className="muted small"> ({c.differs ? 'its value differs' : 'same value'})</span>
        </>
      ) : (
        outcomeSentence(c, props.model)
      )}
    </p>
  )
}

/**
 * The detail of one plan item: every field, the target now beside the planned value, secrets
 * masked until "Reveal both" (kept in this component's state only, hidden again after
 * REVEAL_MS), the extra key by key, the name it is written under, the exact text written on
 * request (hidden again after REVEAL_MS too), and the item's pre-flight problems and warnings.
 */
export function PlanItemDetail(props: PlanItemDetailProps) {
  // another item (or plan) is a fresh pane: nothing revealed carries over
  return (
    <DetailPane
      key={`${props.plan.planId}\u0000${props.item.kind}\u0000${props.item.targetId}`}
      {...props}
    />
  )
}

function DetailPane(props: PlanItemDetailProps) {
  const bridge = useAppStore((s) => s.bridge)
  const { plan, item } = props
  const [detail, setDetail] = useState<PlanItemDetailDto | undefined>(undefined)
  const [error, setError] = useState<ErrorDto | undefined>(undefined)
  const [revealed, setRevealed] = useState<Partial<Record<Part, Revealed>>>({})
  const [written, setWritten] = useState<Written | undefined>(undefined)
  const [revealError, setRevealError] = useState<ErrorDto | undefined>(undefined)
  const timers = useRef<ReturnType<typeof setTimeout>[]>([])

  useEffect(() => {
    let live = true
    void bridge
      .invoke('jobs:plan-item', { planId: plan.planId, kind: item.kind, targetId: item.targetId })
      .then((r) => {
        if (!live) return
        if (r.ok) setDetail(r.value)
        else setError(r.error)
      })
    return () => {
      live = false
    }
  }, [bridge, plan.planId, item.kind, item.targetId])
  useEffect(
    () => () => {
      for (const t of timers.current) clearTimeout(t)
    },
    []
  )

  const ref = { planId: plan.planId, kind: item.kind, targetId: item.targetId }
  const later = (hide: () => void) => timers.current.push(setTimeout(hide, REVEAL_MS))
  const reveal = async (part: Part) => {
    setRevealError(undefined)
    const r = await bridge.invoke('jobs:plan-item-reveal', { ...ref, part })
    if (!r.ok) return setRevealError(r.error)
    if (r.value.part === 'text') return
    const value = r.value
    setRevealed((s) => ({ ...s, [part]: value }))
    later(() => setRevealed((s) => ({ ...s, [part]: undefined })))
  }
  const hide = (part: Part) => setRevealed((s) => ({ ...s, [part]: undefined }))
  const showText = async () => {
    setRevealError(undefined)
    const r = await bridge.invoke('jobs:plan-item-reveal', { ...ref, part: 'text' })
    if (!r.ok) return setRevealError(r.error)
    if (r.value.part !== 'text') return
    setWritten(r.value)
    // the text holds the secrets whole: it goes as a revealed field goes
    later(() => setWritten(undefined))
  }

  return (
    <aside
      className="plan-detail"
      data-testid="plan-detail"
      data-id={item.targetId}
      data-action={item.action}
      aria-label={`Detail of ${item.kind} ${item.targetId}`}
    >
      <header className="plan-detail-head">
        <span className={`badge ${item.action}`}>{item.action}</span>
        <span className="muted small kind">{item.kind}</span>
        <h3 className="id" title={item.targetId}>
          {item.targetId}
        </h3>
        {item.sourceId && item.sourceId !== item.targetId && (
          <span className="muted small">from {item.sourceId}</span>
        )}
        <span className="spacer" />
        {props.onClose && (
          <button
            type="button"
            className="link"
            data-testid="plan-detail-close"
            aria-label="Close the detail"
            onClick={props.onClose}
          >
            close
          </button>
        )}
      </header>
      <ErrorNote error={error} testId="plan-detail-error" />
      {!detail && !error && (
        <p className="muted" role="status">
          Loading…
        </p>
      )}
      {detail && (
        <>
          <p className="plan-detail-written" data-testid="plan-detail-written-as">
            {detail.writtenAs ? (
              <>
                {detail.writtenAs.verb === 'written' ? 'Written as: ' : 'Removed from: '}
                <code>{detail.writtenAs.name}</code>{' '}
                <span className="muted small">in {detail.writtenAs.store}</span>
              </>
            ) : detail.writtenAsProblem ? (
              <span className="error">Cannot be written: {detail.writtenAsProblem}</span>
            ) : detail.writtenAsNote ? (
              <span className="muted">{detail.writtenAsNote}</span>
            ) : (
              <span className="muted">
                Not written by this plan ({detail.action}
                {detail.resolution ? `: ${detail.resolution}` : ''}).
              </span>
            )}
          </p>
          {props.cutover && <CutoverLine {...props.cutover} />}
          {detail.action === 'delete' && (
            <p className="plan-detail-removes small">
              Applying removes this entry from the target.
            </p>
          )}
          <table className="plan-detail-fields" data-testid="plan-detail-fields">
            <SidesHead first="Field" />
            <tbody>
              {detail.fields.map((f) => {
                const part = f.field as Part
                const shown = f.secret ? revealed[part] : undefined
                return (
                  <tr
                    key={f.field}
                    className={`change-${f.change}`}
                    data-testid="plan-detail-field"
                    data-field={f.field}
                    data-change={f.change}
                  >
                    <th scope="row">
                      <span className="field-name">{f.field}</span>
                      <ChangeBadge change={f.change} />
                      {f.secret && (
                        <span className="secret-actions">
                          <span className="muted small">secret</span>
                          {shown ? (
                            <button type="button" className="link" onClick={() => hide(part)}>
                              hide
                            </button>
                          ) : (
                            <button
                              type="button"
                              className="link"
                              data-testid={`plan-detail-reveal-${f.field}`}
                              aria-label={`Reveal both sides of ${f.field}`}
                              onClick={() => void reveal(part)}
                            >
                              Reveal both
                            </button>
                          )}
                        </span>
                      )}
                    </th>
                    <SidesCells
                      before={
                        f.secret ? (
                          <Secret revealed={shown?.before} present={detail.sides.before} />
                        ) : (
                          <Value value={f.before} present={detail.sides.before} />
                        )
                      }
                      after={
                        f.secret ? (
                          <Secret revealed={shown?.after} present={detail.sides.after} />
                        ) : (
                          <Value value={f.after} present={detail.sides.after} />
                        )
                      }
                    />
                  </tr>
                )
              })}
            </tbody>
          </table>
          <ErrorNote error={revealError} testId="plan-detail-reveal-error" />
          {(detail.extra || detail.extraNote) && (
            <section className="plan-detail-extra" data-testid="plan-detail-extra">
              <h4>Extra, key by key</h4>
              {detail.extraNote && <p className="muted small">{detail.extraNote}</p>}
              {detail.extra && detail.extra.length === 0 && (
                <p className="muted small">No keys on either side.</p>
              )}
              {detail.extra && detail.extra.length > 0 && (
                <table className="plan-detail-fields">
                  <SidesHead first="Key" />
                  <tbody>
                    {detail.extra.map((k) => (
                      <tr
                        key={k.key}
                        className={`change-${k.change}`}
                        data-testid="plan-detail-extra-key"
                        data-key={k.key}
                        data-change={k.change}
                      >
                        <th scope="row">
                          <span className="field-name">{k.key}</span>
                          <ChangeBadge change={k.change} />
                          {k.secret && <span className="muted small secret-tag">secret</span>}
                        </th>
                        <SidesCells
                          before={<ExtraValue side="before" k={k} />}
                          after={<ExtraValue side="after" k={k} />}
                        />
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {detail.fields.some((f) => f.field === 'extra' && f.secret) && (
                <p className="muted small">
                  Secret keys are masked; “Reveal both” on the extra row shows both extras whole.
                </p>
              )}
            </section>
          )}
          {detail.textAvailable && (
            <section className="plan-detail-text">
              {written ? (
                <>
                  <h4>
                    Text to be written{' '}
                    <span className="muted small">
                      ({written.format} at <code>{written.name}</code>)
                    </span>{' '}
                    <button type="button" className="link" onClick={() => setWritten(undefined)}>
                      hide
                    </button>
                  </h4>
                  <pre className="revealed" data-testid="plan-detail-text">
                    {written.text}
                  </pre>
                  {written.note && <p className="muted small">{written.note}</p>}
                </>
              ) : (
                <button
                  type="button"
                  data-testid="plan-detail-show-text"
                  onClick={() => void showText()}
                >
                  Show text to be written
                </button>
              )}
            </section>
          )}
          {(detail.problems.length > 0 || detail.warnings.length > 0) && (
            <section className="plan-detail-problems">
              <h4>Problems and warnings</h4>
              <ul data-testid="plan-detail-problems">
                {detail.problems.map((p, i) => (
                  <li key={`p${i}`} className={p.severity}>
                    pre-flight {p.severity}: {p.message}
                  </li>
                ))}
                {detail.warnings.map((w, i) => (
                  <li key={`w${i}`} className="warning">
                    {w}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </aside>
  )
}
