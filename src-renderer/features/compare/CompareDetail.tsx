import type { CompareFieldDto, CompareItemDto } from '../../../src-main/contract/ipc'
import { STATUS_LABEL } from './status-label'

/** One field of one side as the detail pane shows it; a secret field never has a value here. */
function sideValue(f: CompareFieldDto, side: 'a' | 'b') {
  if (!(side in f)) return <span className="muted">—</span>
  const v = f[side]
  if (f.secret)
    return v === null ? <span className="muted">(none)</span> : <span>set (masked)</span>
  return v === null || v === undefined ? (
    <span className="muted">(none)</span>
  ) : (
    <code>{String(v)}</code>
  )
}

/** Every field of one id, A beside B, the differing ones marked. */
export function CompareDetail({ item }: { item: CompareItemDto | undefined }) {
  if (!item)
    return (
      <aside className="cmp-detail card" data-testid="compare-detail" aria-label="Detail">
        <p className="muted">Pick an id (click it, or Enter in the list) to see every field.</p>
      </aside>
    )
  return (
    <aside
      className="cmp-detail card"
      data-testid="compare-detail"
      data-id={item.id}
      aria-label={`Detail of ${item.id}`}
    >
      <h3>
        <code>{item.id}</code>{' '}
        <span className="muted small">
          {item.kind === 'connection' ? 'connection' : 'variable'}
        </span>{' '}
        <span className={`badge cmp-${item.status}`} data-testid="compare-detail-status">
          {STATUS_LABEL[item.status]}
        </span>
      </h3>
      <table className="cmp-fields">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">A</th>
            <th scope="col">B</th>
            <th scope="col">A vs B</th>
          </tr>
        </thead>
        <tbody>
          {item.fields.map((f) => (
            <tr
              key={f.field}
              className={f.differs ? 'cmp-differs' : undefined}
              data-testid="compare-field"
              data-field={f.field}
              data-differs={String(f.differs === true)}
            >
              <th
                scope="row"
                title={f.secret ? 'secret: never shown, only whether A and B differ' : undefined}
              >
                {f.field}
              </th>
              <td>{sideValue(f, 'a')}</td>
              <td>{sideValue(f, 'b')}</td>
              <td className="cmp-verdict">
                {item.status === 'only-a' || item.status === 'only-b' ? (
                  ''
                ) : f.differs ? (
                  <strong>≠ differs</strong>
                ) : (
                  <span className="muted">same</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {item.notes.length > 0 && (
        <ul className="cmp-notes small" data-testid="compare-notes">
          {item.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </aside>
  )
}
