import { useState } from 'react'
import type { JobDetailDto, JobDto, JobItemDto, JobRunDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { VirtualTable, type Column } from '../../components/VirtualTable'
import { JobProgress, runLabel } from './JobProgress'

function duration(ms: number | null): string {
  if (ms === null) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)} s`
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
}

/** A round step for about `n` ticks up to `max`. */
function niceStep(max: number, n: number): number {
  const raw = max / n
  const pow = 10 ** Math.floor(Math.log10(raw))
  const f = raw / pow
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow
}

/** A tick's value with as many decimals as its step needs (0.005 → 3). */
function tickLabel(v: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9))
  return v.toFixed(decimals)
}

/**
 * A rate tick short enough for the axis's margin: thousands as `k`, millions as `M` (a fast
 * job's 20000 items/s was cut to "000000" at the margin's edge).
 */
function rateLabel(v: number, step: number): string {
  if (v === 0) return '0'
  if (step >= 1e6) return `${tickLabel(v / 1e6, step / 1e6)}M`
  if (step >= 1e3) return `${tickLabel(v / 1e3, step / 1e3)}k`
  return tickLabel(v, step)
}

/** The rate between samples, the runs one after another: [seconds since the first run began, items/s]. */
function ratePoints(runs: readonly JobRunDto[]): { t: number; rate: number; throttled: boolean }[] {
  const points: { t: number; rate: number; throttled: boolean }[] = []
  let offset = 0
  for (const run of runs) {
    let prev = { t: 0, done: 0, failed: 0, throttled: 0 }
    const before = points.length
    // `t` is in seconds since the run began (JobRunDto): it was read as milliseconds, which
    // drew every job 1000 times too short and its rate 1000 times too high
    for (const s of run.samples) {
      const dt = s.t - prev.t
      if (dt > 0)
        points.push({
          t: offset + s.t,
          rate: (s.done - prev.done) / dt,
          throttled: s.throttled > prev.throttled
        })
      prev = s
    }
    // a run too short for two samples: its average over its whole length
    if (points.length === before && run.durationMs > 0)
      points.push({
        t: offset + run.durationMs / 1000,
        rate: run.rate,
        throttled: run.throttled > 0
      })
    offset += run.durationMs / 1000
  }
  return points
}

/** The rate over time: items applied per second against seconds since the job began. */
export function RateOverTime(props: { runs: readonly JobRunDto[] }) {
  const points = ratePoints(props.runs)
  if (points.length === 0)
    return (
      <p className="muted small" data-testid="job-detail-chart-none">
        No rate recorded for this job.
      </p>
    )
  const width = 380
  const height = 150
  const left = 44
  const right = 22
  const top = 10
  const bottom = 34
  const plotW = width - left - right
  const plotH = height - top - bottom
  const tMax = Math.max(...points.map((p) => p.t), 1e-3)
  // under a second, the time axis counts milliseconds ("0.0005" seconds read poorly)
  const unit = tMax < 1 ? { scale: 1000, name: 'milliseconds' } : { scale: 1, name: 'seconds' }
  const rMax = Math.max(...points.map((p) => p.rate), 1e-3)
  const yStep = niceStep(rMax, 3)
  const yTop = Math.ceil(rMax / yStep) * yStep
  const xStep = niceStep(tMax, 4)
  const xTop = Math.ceil(tMax / xStep) * xStep
  const x = (t: number) => left + (t / xTop) * plotW
  const y = (r: number) => top + plotH - (r / yTop) * plotH
  const yTicks: number[] = []
  for (let v = 0; v <= yTop + yStep / 2; v += yStep) yTicks.push(v)
  const xTicks: number[] = []
  for (let v = 0; v <= xTop + xStep / 2; v += xStep) xTicks.push(v)
  // a step line from 0: each sample's rate held over the interval before it
  const line = [`${x(0)},${y(points[0]!.rate)}`]
  for (const p of points) line.push(`${x(p.t).toFixed(1)},${y(p.rate).toFixed(1)}`)
  const peak = Math.max(...points.map((p) => p.rate))
  return (
    <svg
      className="job-rate"
      data-testid="job-detail-chart"
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
      role="img"
      aria-label={`Rate over time: up to ${peak.toFixed(1)} items per second over ${tMax >= 1 ? `${tMax.toFixed(1)} seconds` : `${Math.round(tMax * 1000)} milliseconds`}`}
    >
      <g className="job-rate-grid">
        {yTicks.map((v) => (
          <line key={v} x1={left} x2={width - right} y1={y(v)} y2={y(v)} />
        ))}
      </g>
      <g className="job-rate-axis">
        <line x1={left} x2={left} y1={top} y2={top + plotH} />
        <line x1={left} x2={width - right} y1={top + plotH} y2={top + plotH} />
        {yTicks.map((v) => (
          <text key={v} x={left - 5} y={y(v) + 4} textAnchor="end">
            {rateLabel(v, yStep)}
          </text>
        ))}
        {xTicks.map((v) => (
          <text key={v} x={x(v)} y={top + plotH + 14} textAnchor="middle">
            {tickLabel(v * unit.scale, xStep * unit.scale)}
          </text>
        ))}
        <text x={left + plotW / 2} y={height - 3} textAnchor="middle">
          {unit.name} since the job began
        </text>
        <text
          x={11}
          y={top + plotH / 2}
          textAnchor="middle"
          transform={`rotate(-90 11 ${top + plotH / 2})`}
        >
          items/s
        </text>
      </g>
      <polyline className="job-rate-line" points={line.join(' ')} fill="none" />
      {points
        .filter((p) => p.throttled)
        .map((p) => (
          <circle key={p.t} className="job-rate-throttle" cx={x(p.t)} cy={y(p.rate)} r={3} />
        ))}
    </svg>
  )
}

const outcomeLabel: Record<JobItemDto['outcome'], string> = {
  applied: 'applied',
  failed: 'failed',
  refused: 'refused',
  skipped: 'skipped',
  pending: 'not reached'
}

const columns: Column<JobItemDto>[] = [
  {
    key: 'kind',
    label: 'Kind',
    width: '52px',
    render: (i) => <span title={i.kind}>{i.kind === 'connection' ? 'conn' : 'var'}</span>
  },
  {
    key: 'id',
    label: 'Id',
    // the ids fit (up to 36ch); the reason takes what is left, both cut with a tooltip
    fit: { text: (i) => i.targetId, min: 10, max: 36 },
    render: (i) => (
      <span className="id" title={i.targetId}>
        {i.targetId}
      </span>
    )
  },
  { key: 'action', label: 'Action', width: '96px', render: (i) => i.action },
  {
    key: 'outcome',
    label: 'Outcome',
    width: '84px',
    render: (i) => <span className={`job-outcome ${i.outcome}`}>{outcomeLabel[i.outcome]}</span>
  },
  {
    key: 'retries',
    label: 'Retries',
    width: '72px',
    render: (i) => (i.retries > 0 ? `${i.retries}×` : '—')
  },
  {
    key: 'reason',
    label: 'Reason',
    width: 'minmax(8ch, 1fr)',
    render: (i) =>
      i.reason === null ? (
        ''
      ) : (
        <span className="job-reason" title={i.reason}>
          {i.code ? `${i.code}: ` : ''}
          {i.reason}
        </span>
      )
  }
]

function Figure(props: { label: string; value: string; testId: string }) {
  return (
    <div>
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.value}</dd>
    </div>
  )
}

/** Where the job's rollback stands: its counts (what it put back, what is left). */
function rollbackText(r: JobDetailDto['rollback']): string {
  return r.state === 'none'
    ? `not rolled back (${r.remaining} to put back)`
    : `${r.state}: ${r.restored} restored, ${r.removed} removed, ${r.failed} failed, ${r.skipped} left as changed${r.remaining ? `, ${r.remaining} remaining` : ''}`
}

/** Whether a job may be rolled back now: not running, something begun, not all put back yet. */
export function canRollBack(job: Pick<JobDto, 'state'>, running: boolean): boolean {
  return !running && job.state !== 'rolled back' && job.state !== 'never started'
}

/** The job's state, or what runs now (its list state is read before the run began). */
function JobState(props: { job: JobDetailDto }) {
  const live = useAppStore((s) => s.progress[props.job.jobId])
  return <>{live?.state === 'running' ? runLabel(live) : props.job.state}</>
}

/**
 * The job's run going on now (an apply, a resume, a rollback): its progress and Cancel; else
 * the Roll back button (the confirm dialog is the screen's, `onRollback`).
 */
function RunBar(props: { job: JobDetailDto; onRollback?: (jobId: string) => void }) {
  const { job, onRollback } = props
  const live = useAppStore((s) => s.progress[job.jobId])
  const rates = useAppStore((s) => s.rateHistory[job.jobId])
  const cancel = useAppStore((s) => s.cancelJob)
  const running = live ? live.state === 'running' : job.running
  if (running) {
    const rollingBack = live?.run === 'rollback'
    return (
      <div
        className="toolbar"
        data-testid="job-detail-run"
        data-run={rollingBack ? 'rollback' : 'job'}
      >
        <strong>{rollingBack ? 'Rolling back' : 'Running'}</strong>
        <JobProgress job={job} live={live} rates={rates ?? []} testId="job-detail-progress" />
        <button
          type="button"
          data-testid="job-detail-cancel"
          onClick={() => void cancel(job.jobId)}
        >
          Cancel
        </button>
      </div>
    )
  }
  const offered = onRollback !== undefined && canRollBack(job, false)
  const rolled = job.rollback.state !== 'none'
  if (!offered && !rolled) return null
  return (
    <div className="toolbar">
      {rolled && (
        // how the last rollback left it, where it is seen (the figure below says it too)
        <span data-testid="job-detail-rollback-result">
          <strong>Rollback</strong> {rollbackText(job.rollback)}
        </span>
      )}
      {offered && (
        <button
          type="button"
          data-testid="job-detail-rollback"
          onClick={() => onRollback(job.jobId)}
        >
          {rolled ? 'Roll back the rest' : 'Roll back'}
        </button>
      )}
      {offered && !rolled && (
        <span className="small muted">Puts back what the job changed; asks first.</span>
      )}
    </div>
  )
}

function Body(props: { job: JobDetailDto; onRollback?: (jobId: string) => void }) {
  const { job } = props
  const retry = useAppStore((s) => s.retryFailed)
  const [retryError, setRetryError] = useState<ErrorDto | undefined>(undefined)
  const [retrying, setRetrying] = useState(false)
  const c = job.counts
  return (
    <>
      <p className="small">
        {job.source} → {job.target} · <JobState job={job} />
      </p>
      <RunBar job={job} onRollback={props.onRollback} />
      <ul className="job-counts" data-testid="job-detail-counts" aria-label="Outcomes">
        {(Object.keys(outcomeLabel) as JobItemDto['outcome'][])
          .filter((o) => c[o] > 0 || o === 'applied' || o === 'failed')
          .map((o) => (
            <li key={o} className={`job-outcome ${o}`} data-testid={`job-count-${o}`}>
              {c[o]} {outcomeLabel[o]}
            </li>
          ))}
      </ul>
      {c.failed > 0 && (
        <div className="toolbar">
          <button
            type="button"
            className="primary"
            data-testid="job-retry-failed"
            disabled={retrying}
            onClick={async () => {
              setRetrying(true)
              setRetryError(undefined)
              const e = await retry(job.jobId)
              setRetrying(false)
              setRetryError(e)
            }}
          >
            Retry failed items
          </button>
          <span className="small muted">Makes a plan of them to review in Migrate.</span>
        </div>
      )}
      <ErrorNote error={retryError} testId="job-retry-error" />
      <dl className="job-figures">
        <Figure label="Duration" value={duration(job.totals.durationMs)} testId="job-duration" />
        <Figure
          label="Requests"
          value={job.totals.requests === null ? '—' : String(job.totals.requests)}
          testId="job-requests"
        />
        <Figure
          label="Rate"
          value={job.rate == null ? '—' : `${job.rate.toFixed(1)} items/s`}
          testId="job-rate"
        />
        <Figure label="Retries" value={String(job.totals.retries)} testId="job-retries" />
        <Figure label="Throttled" value={String(job.totals.throttled)} testId="job-throttled" />
        <Figure label="Overloaded" value={String(job.totals.overloaded)} testId="job-overloaded" />
        <Figure label="Runs" value={String(job.runs.length)} testId="job-runs" />
      </dl>
      <h4>Rate over time</h4>
      <RateOverTime runs={job.runs} />
      <h4>Items</h4>
      <VirtualTable
        rows={job.items}
        columns={columns}
        rowKey={(i) => `${i.kind}:${i.targetId}`}
        rowHeight={30}
        height={260}
        fit
        testId="job-items"
        rowTestId="job-item"
        rowAttributes={(i) => ({ 'data-outcome': i.outcome, 'data-id': i.targetId })}
        label="Items of the job and how each ended"
      />
      <dl className="job-figures">
        <Figure label="Plan" value={job.plan.planId} testId="job-plan" />
        <Figure
          label="Planned"
          value={job.plan.createdAt ? new Date(job.plan.createdAt).toLocaleString() : '—'}
          testId="job-plan-at"
        />
        <Figure label="Dialect" value={job.plan.dialect ?? '—'} testId="job-plan-dialect" />
        <Figure
          label="Snapshot"
          value={
            job.snapshot.present
              ? `encrypted, ${(job.snapshot.bytes / 1024).toFixed(1)} KB`
              : 'none'
          }
          testId="job-snapshot"
        />
        <Figure label="Rollback" value={rollbackText(job.rollback)} testId="job-rollback-state" />
      </dl>
    </>
  )
}

/**
 * The open job in full, beside the list (issue 20); `onRollback` asks to roll it back (the
 * screen's confirm dialog).
 */
export function JobDetail(props: { onRollback?: (jobId: string) => void }) {
  const jobId = useAppStore((s) => s.selectedJob)
  const job = useAppStore((s) => s.jobDetail)
  const status = useAppStore((s) => s.jobDetailStatus)
  const error = useAppStore((s) => s.jobDetailError)
  const open = useAppStore((s) => s.openJob)
  if (jobId === undefined) return null
  return (
    <aside
      className="job-detail card"
      data-testid="job-detail"
      data-state={status}
      aria-label={`Job ${jobId}`}
    >
      <header className="job-detail-head">
        <h3 className="id">{jobId}</h3>
        <button
          type="button"
          data-testid="job-detail-close"
          aria-label="Close the job's detail"
          onClick={() => void open(undefined)}
        >
          Close
        </button>
      </header>
      {status === 'loading' && <p className="muted">Loading…</p>}
      <ErrorNote error={error} testId="job-detail-error" />
      {job && <Body job={job} onRollback={props.onRollback} />}
    </aside>
  )
}
