import type { JobDto, JobProgressDto } from '../../../src-main/contract/ipc'

function eta(seconds: number | null): string {
  if (seconds === null) return '—'
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`
}

/** The rate over time as a small line chart (items/s, scaled to the highest sample). */
function RateChart(props: { samples: readonly number[] }) {
  const { samples } = props
  if (samples.length < 2) return null
  const width = 90
  const height = 22
  const max = Math.max(...samples, 1e-9)
  const points = samples
    .map((r, i) => {
      const x = (i / (samples.length - 1)) * width
      const y = height - 1 - (r / max) * (height - 2)
      return `${x.toFixed(1)},${y.toFixed(1)}`
    })
    .join(' ')
  return (
    <svg
      className="rate-chart"
      data-testid="job-rate-chart"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`rate over time, up to ${max.toFixed(1)} items per second`}
    >
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  )
}

/**
 * A job's progress: its live figures while a run goes (an apply's, a resume's or a rollback's),
 * else the job's own counts. A rollback that ended shows the job's counts again (its outcome is
 * the job's rollback state).
 */
export function JobProgress(props: {
  job: Pick<JobDto, 'done' | 'total' | 'failed'>
  live: JobProgressDto | undefined
  rates: readonly number[]
  testId?: string
}) {
  const live =
    props.live?.run === 'rollback' && props.live.state !== 'running' ? undefined : props.live
  const done = live?.done ?? props.job.done
  const total = live?.total ?? props.job.total
  const pct = total ? Math.round((done / total) * 100) : 100
  return (
    <div className="progress" data-testid={props.testId ?? 'job-progress'}>
      <progress max={100} value={pct} />
      <RateChart samples={live ? props.rates : []} />
      <span className="small">
        {done}/{total}
        {live?.run === 'rollback' && ' put back'}
        {live?.state === 'running' && ` · ${live.rate.toFixed(1)}/s · ETA ${eta(live.etaSeconds)}`}
        {live?.state === 'running' &&
          live.throttled > 0 &&
          ` · throttled ${live.throttled}×, ${live.concurrency ?? '?'} in flight`}
        {live?.state === 'running' &&
          live.retries > 0 &&
          ` · ${live.retries} ${live.retries === 1 ? 'retry' : 'retries'}`}
        {(live?.failed ?? props.job.failed) > 0 && ` · ${live?.failed ?? props.job.failed} failed`}
      </span>
    </div>
  )
}

/** What a job's run going on now is called: its rollback, else its apply or resume. */
export function runLabel(live: JobProgressDto | undefined): 'rolling back' | 'running' {
  return live?.run === 'rollback' && live.state === 'running' ? 'rolling back' : 'running'
}
