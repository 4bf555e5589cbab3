import { useEffect, useState } from 'react'
import type { ConfirmationDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { useAppStore } from '../../store'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorNote } from '../../components/ErrorNote'
import { useRowGrid } from '../../components/row-grid'
import { JobDetail, canRollBack } from './JobDetail'
import { JobProgress, runLabel } from './JobProgress'

/**
 * Running and past jobs: live progress, rate, ETA; cancel, resume, roll back (a rollback runs
 * as a job too: its progress in the row and the detail, Cancel while it runs).
 */
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
  /** Asks what a rollback of the job will do, then opens the confirm dialog. */
  const askRollback = async (jobId: string) => {
    setAskError(undefined)
    const r = await bridge.invoke('jobs:confirmation', { rollback: jobId })
    if (!r.ok) return setAskError(r.error)
    setAsking({ jobId, confirmation: r.value })
  }
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
              const state = running ? runLabel(live) : j.state
              return (
                <tr
                  key={j.jobId}
                  {...jobGrid.row(j.jobId)}
                  data-testid="job-row"
                  data-job-id={j.jobId}
                  data-state={state}
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
                  <td>{state}</td>
                  <td>
                    <JobProgress job={j} live={live} rates={rateHistory[j.jobId] ?? []} />
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
                    {canRollBack(j, running) && (
                      <button
                        type="button"
                        data-testid="job-rollback"
                        onClick={() => void askRollback(j.jobId)}
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
        <JobDetail onRollback={(jobId) => void askRollback(jobId)} />
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
