import type { PlanDto, PlanItemDto } from '../../../src-main/contract/ipc'

/** A plain field's value as the plan carries it; a secret field never carries one. */
function shown(value: string | number | null | undefined): string {
  if (value === undefined) return '***'
  return value === null ? '(none)' : String(value)
}

/**
 * The detail of one plan item (placeholder: the fields as the plan row shows them; the full
 * before → after pane replaces it).
 */
export function PlanItemDetail(props: { plan: PlanDto; item: PlanItemDto }) {
  const { item } = props
  const changed = item.fields.filter((f) => f.changed)
  return (
    <div className="plan-item-detail">
      <h3>
        <span className={`badge ${item.action}`}>{item.action}</span>{' '}
        <span className="id">{item.targetId}</span>
      </h3>
      <p className="muted small">
        {item.kind}
        {item.sourceId && item.sourceId !== item.targetId && <> ← {item.sourceId}</>}
        {item.resolution && <> ({item.resolution})</>}
      </p>
      {item.action === 'create' && <p className="muted">new entry (values masked)</p>}
      {item.action === 'delete' && <p className="muted">removed from the target</p>}
      {item.action === 'unchanged' && <p className="muted">same value</p>}
      {changed.length > 0 && (
        <ul className="small">
          {changed.map((f) => (
            <li key={f.field}>
              {f.field}: <code>{shown(f.before)}</code> → <code>{shown(f.after)}</code>
            </li>
          ))}
        </ul>
      )}
      {item.warnings.length > 0 && (
        <ul className="small warning-list">
          {item.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  )
}
