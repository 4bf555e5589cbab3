import { useEffect, useState } from 'react'
import type { ConfirmationDto, JobDto, JobProgressDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { useAppStore } from '../../store'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorNote } from '../../components/ErrorNote'
import { useRowGrid } from '../../components/row-grid'
import { JobDetail } from './JobDetail'

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

function Progress(props: {
  job: JobDto
  live: JobProgressDto | undefined
  rates: readonly number[]
}) {
  const done = props.live?.done ?? props.job.done
  const total = props.live?.total ?? props.job.total
  const pct = total ? Math.round((done / total) * 100) : 100
  return (
    <div className="progress" data-testid="job-progress">
      <progress max={100} value={pct} />
      <RateChart samples={props.rates} />
      <span className="small">
        {done}/{total}
        {props.live?.state === 'running' &&
          ` · ${props.live.rate.toFixed(1)}/s · ETA ${eta(props.live.etaSeconds)}`}
        {props.live?.state === 'running' &&
          props.live.throttled > 0 &&
          ` · throttled ${props.live.throttled}×, ${props.live.concurrency ?? '?'} in flight`}
        {props.live?.state === 'running' &&
          props.live.retries > 0 &&
          ` · ${props.live.retries} ${props.live.retries === 1 ? 'retry' : 'retries'}`}
        {(props.live?.failed ?? props.job.failed) > 0 &&
          ` · ${props.live?.failed ?? props.job.failed} failed`}
      </span>
    </div>
  )
}

/** Running and past jobs: live progress, rate, ETA; cancel, resume, roll back. */
export function JobsScreen() {
  const jobs = useAppStore((s) => s.jobs)
  const status = useAppStore((s) => s.jobsStatus)
  const error = useAppStore((s) => s.jobsError)
  const progress = useAppStore((s) => s.progress)
  const rateHistory = useAppStore((s) => s.rateHistory)
  const actionError = useAppStore((s) => s.jobActionError)
  const load = useAppStore((s) => s.loadJobs)
  const cancel = useAppStore((s) => s.cancelJob)
  const resume = useAppStore((s) => s.resumeJob)
  const rollback = useAppStore((s) => s.rollbackJob)
  const bridge = useAppStore((s) => s.bridge)
  const selected = useAppStore((s) => s.selectedJob)
  const openJob = useAppStore((s) => s.openJob)
  /** The rollback being asked about: which job, and what it will do. */
  const [asking, setAsking] = useState<
    { jobId: string; confirmation: ConfirmationDto } | undefined
  >(undefined)
  const [askError, setAskError] = useState<ErrorDto | undefined>(undefined)
  useEffect(() => {
    void load()
  }, [load])
  // one tab stop: arrows move between jobs, Enter opens the active one's detail
  const jobGrid = useRowGrid({
    keys: jobs.map((j) => j.jobId),
    label: 'Jobs; Enter opens the active job, F2 reaches its buttons',
    onActivate: (jobId) => void openJob(jobId)
  })
  return (
    <section data-testid="jobs" data-state={status}>
      <h2>Jobs</h2>
      <div className="toolbar">
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <ErrorNote error={error} />
      <ErrorNote error={actionError} testId="job-action-error" />
      {status === 'ready' && jobs.length === 0 && (
        <p className="muted">No jobs yet: apply a plan from Migrate.</p>
      )}
      <div className={selected === undefined ? 'jobs-layout' : 'jobs-layout open'}>
        <table className="grid jobs-list" data-testid="jobs-table" {...jobGrid.grid}>
          <thead>
            <tr>
              <th>Job</th>
              <th>Created</th>
              <th className="job-stores">Stores</th>
              <th>State</th>
              <th>Progress</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => {
              const live = progress[j.jobId]
              const running = j.running || live?.state === 'running'
              return (
                <tr
                  key={j.jobId}
                  {...jobGrid.row(j.jobId)}
                  data-testid="job-row"
                  data-job-id={j.jobId}
                  data-state={running ? 'running' : j.state}
                  className={j.jobId === selected ? 'job-row selected' : 'job-row'}
                  onClick={(e) => {
                    // a click on the row's own buttons is theirs
                    if ((e.target as Element).closest('button')) return
                    void openJob(j.jobId)
                  }}
                >
                  <td className="id">{j.jobId}</td>
                  <td className="small">{new Date(j.createdAt).toLocaleString()}</td>
                  <td className="small job-stores">
                    {j.source} → {j.target}
                  </td>
                  <td>{running ? 'running' : j.state}</td>
                  <td>
                    <Progress job={j} live={live} rates={rateHistory[j.jobId] ?? []} />
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      data-testid="job-open"
                      aria-label={`Details of ${j.jobId}`}
                      aria-expanded={j.jobId === selected}
                      onClick={() => void openJob(j.jobId === selected ? undefined : j.jobId)}
                    >
                      Details
                    </button>
                    {running && (
                      <button
                        type="button"
                        data-testid="job-cancel"
                        onClick={() => void cancel(j.jobId)}
                      >
                        Cancel
                      </button>
                    )}
                    {!running && j.state.startsWith('interrupted') && (
                      <button
                        type="button"
                        data-testid="job-resume"
                        onClick={() => void resume(j.jobId)}
                      >
                        Resume
                      </button>
                    )}
                    {!running && j.state !== 'rolled back' && j.state !== 'never started' && (
                      <button
                        type="button"
                        data-testid="job-rollback"
                        onClick={async () => {
                          setAskError(undefined)
                          const r = await bridge.invoke('jobs:confirmation', { rollback: j.jobId })
                          if (!r.ok) return setAskError(r.error)
                          setAsking({ jobId: j.jobId, confirmation: r.value })
                        }}
                      >
                        Roll back
                      </button>
                    )}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        <JobDetail />
      </div>
      {asking && (
        <ConfirmDialog
          title="Roll back this job?"
          sentence={asking.confirmation.sentence}
          confirmLabel="Roll back"
          typeName={asking.confirmation.protectedProfile}
          onCancel={() => setAsking(undefined)}
          onConfirm={(typed) => {
            setAsking(undefined)
            void rollback(asking.jobId, typed)
          }}
        />
      )}
      <ErrorNote error={askError} testId="rollback-ask-error" />
      {Object.values(progress)
        .filter((p) => p.error)
        .map((p) => (
          <ErrorNote key={p.jobId} error={p.error ?? undefined} />
        ))}
    </section>
  )
}
