import type { EffectiveDto, EffectiveItemDto, LayerDto } from '../../../src-main/contract/ipc'
import { SecretCell } from '../inventory/SecretCell'
import { DetailHead } from '../../components/ListDetail'
import { VERDICT_TEXT, verdictKind, verdictLine } from './verdicts'

/**
 * The detail of one id: its layers as a vertical stack in Airflow's search order, the one
 * read from marked, each shadowed layer's fields compared with it (names only), and a reveal
 * of the value Airflow reads, one field at a time, from the winning layer's store.
 */
export function LayerStack(props: {
  item: EffectiveItemDto
  layers: readonly LayerDto[]
  /** The fields a shadowed layer is compared on (`EffectiveDto.fields`). */
  fields: EffectiveDto['fields']
  onClose: () => void
}) {
  const { item } = props
  const winner = item.winner === null ? undefined : props.layers[item.winner]
  const fields = item.kind === 'variable' ? (['value'] as const) : (['password', 'extra'] as const)
  return (
    <aside
      className="prec-detail"
      data-testid="precedence-detail"
      data-id={item.id}
      aria-label={`Layers of ${item.id}`}
    >
      <DetailHead
        className="prec-detail-head"
        kind={item.kind}
        id={item.id}
        closeTestId="precedence-detail-close"
        onClose={props.onClose}
      />
      <p className="small" data-testid="precedence-detail-summary">
        {winner
          ? `Airflow reads it from layer ${item.winner! + 1}, ${winner.label}${
              item.layers[item.winner!]?.fromKey ? ` (${item.layers[item.winner!]!.fromKey})` : ''
            }.`
          : 'Found in no inspected layer: Airflow would not find it here.'}
      </p>
      <ol className="prec-stack">
        {item.layers.map((v, i) => {
          const kind = verdictKind(v)
          const layer = props.layers[i]!
          return (
            <li
              key={layer.role}
              className={`prec-stack-layer vk-${kind}`}
              data-testid="stack-layer"
              data-verdict={kind}
            >
              <div className="prec-stack-head">
                <span className="prec-layer-index">{i + 1}</span>
                <span className="prec-stack-label">{layer.label}</span>
                <span className="prec-stack-verdict">
                  {VERDICT_TEXT[kind].icon} {VERDICT_TEXT[kind].label}
                </span>
              </div>
              <div className="muted small">
                {layer.storeId ?? (layer.state === 'not-inspected' ? 'no store behind it' : '')}
                {v.fromKey && v.status !== 'absent' ? ` · ${v.fromKey}` : ''}
              </div>
              {v.message && (kind === 'failed' || kind === 'unreadable') && (
                <div className="small prec-stack-message">{v.message}</div>
              )}
              {v.status === 'shadowed' && (
                <>
                  <div className="small prec-stack-line">{verdictLine(v)}</div>
                  <table className="compare prec-fields" data-testid="stack-fields">
                    <caption className="sr-only">
                      Fields of layer {i + 1} compared with the value Airflow reads
                    </caption>
                    <tbody>
                      {props.fields[item.kind].map((field) => {
                        const differs = v.differs?.includes(field) ?? false
                        return (
                          <tr key={field} data-differs={differs}>
                            <th scope="row">{field}</th>
                            <td className={differs ? 'differs' : 'same'}>
                              {differs ? '✕ differs' : '= same'}
                            </td>
                          </tr>
                        )
                      })}
                    </tbody>
                  </table>
                </>
              )}
              {kind === 'wins' && layer.locator && (
                <div className="prec-reveal" data-testid="precedence-reveal">
                  <div className="small">The value Airflow reads:</div>
                  {fields.map((field) => (
                    <SecretCell
                      key={`${item.kind}:${item.id}:${field}`}
                      locator={layer.locator!}
                      kind={item.kind}
                      id={item.id}
                      field={field}
                      masked="***"
                      label={field}
                    />
                  ))}
                </div>
              )}
            </li>
          )
        })}
      </ol>
      {item.notes && item.notes.length > 0 && (
        <ul className="notes small">
          {item.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </aside>
  )
}
