import type { LayerDto } from '../../../src-main/contract/ipc'
import type { Overview } from './verdicts'

/**
 * The overview bar: how many ids each layer serves (a bar of their share) and how many it
 * holds shadowed with a difference, the risk, with the ids at risk in all first.
 */
export function PrecedenceOverview(props: {
  layers: readonly LayerDto[]
  overview: Overview
  /** Shows the ids a layer shadows with a difference. */
  onShowRisk: (layer: number) => void
  onShowAllRisk: () => void
}) {
  const { overview } = props
  const share = (n: number) => (overview.total ? (100 * n) / overview.total : 0)
  return (
    <div className="prec-overview" data-testid="precedence-overview">
      <div
        className={`prec-risk${overview.risk ? ' at-risk' : ''}`}
        data-testid="precedence-risk"
        data-risk={overview.risk}
      >
        <span className="prec-risk-number">{overview.risk.toLocaleString('en-US')}</span>{' '}
        <span className="prec-risk-text">
          {overview.risk === 1 ? 'id is' : 'ids are'} shadowed with a difference
          <span className="muted small">
            {' '}
            (a lower layer holds another value than the one Airflow reads)
          </span>
        </span>{' '}
        {overview.risk > 0 && (
          <button type="button" className="link" onClick={props.onShowAllRisk}>
            show them
          </button>
        )}{' '}
        <span className="muted small prec-total">
          {overview.total.toLocaleString('en-US')} ids
          {overview.unresolved ? ` · ${overview.unresolved} found in no inspected layer` : ''}
        </span>
      </div>
      <ol className="prec-layers">
        {props.layers.map((l, i) => {
          const c = overview.layers[i]!
          return (
            <li
              key={l.role}
              className={`prec-layer-card state-${l.state}`}
              data-testid="overview-layer"
              data-role={l.role}
              data-serves={c.serves}
              data-differs={c.differs}
            >
              <div className="prec-layer-name">
                <span className="prec-layer-index">{i + 1}</span> {l.label}
              </div>
              <div className="muted small prec-layer-store" title={l.error ?? undefined}>
                {l.state === 'loaded'
                  ? l.storeId
                  : l.state === 'failed'
                    ? `⚠ failed: ${l.error}`
                    : '○ not inspected'}
              </div>
              <div className="prec-serve-bar" aria-hidden="true">
                <span style={{ width: `${share(c.serves)}%` }} />
              </div>
              <div className="prec-layer-counts">
                <span data-testid="overview-serves">
                  serves <strong>{c.serves.toLocaleString('en-US')}</strong>
                </span>
                {c.differs > 0 ? (
                  <button
                    type="button"
                    className="prec-layer-risk"
                    data-testid="overview-differs"
                    onClick={() => props.onShowRisk(i)}
                    title="Show the ids this layer shadows with a difference"
                  >
                    ✕ {c.differs.toLocaleString('en-US')} shadowed, differ
                  </button>
                ) : (
                  <span className="muted" data-testid="overview-differs">
                    0 differ
                  </span>
                )}
                {c.same > 0 && (
                  <span className="muted" data-testid="overview-same">
                    = {c.same.toLocaleString('en-US')} same
                  </span>
                )}
              </div>
            </li>
          )
        })}
      </ol>
    </div>
  )
}
