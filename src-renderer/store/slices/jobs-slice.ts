import type { StateCreator } from 'zustand'
import type {
  JobDetailDto,
  JobDto,
  JobProgressDto,
  RollbackResultDto
} from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** Rate samples kept per job for its chart. */
export const RATE_SAMPLES = 60

/** Every job, and the live progress of those running. */
export interface JobsSlice {
  jobs: JobDto[]
  jobsStatus: 'idle' | 'loading' | 'ready' | 'failed'
  jobsError: ErrorDto | undefined
  progress: Record<string, JobProgressDto>
  /** Each running job's rate (items/s) at its last progress events, oldest first. */
  rateHistory: Record<string, number[]>
  /** Why the last cancel, resume or rollback failed (what succeeded is said in a toast). */
  jobActionError: ErrorDto | undefined
  loadJobs: () => Promise<void>
  /** Listens to `jobs:progress`; returns the unsubscribe. */
  watchJobs: () => () => void
  cancelJob: (jobId: string) => Promise<void>
  resumeJob: (jobId: string) => Promise<void>
  /**
   * Starts the job's rollback (`confirm`: the protected target's name, as typed in the confirm
   * dialog); it runs as a job, its progress and outcome coming on `jobs:progress`.
   */
  rollbackJob: (jobId: string, confirm?: string) => Promise<void>
  /** The job whose detail is open, if any, and that detail (`jobs:detail`). */
  selectedJob: string | undefined
  jobDetail: JobDetailDto | undefined
  jobDetailStatus: 'idle' | 'loading' | 'ready' | 'failed'
  jobDetailError: ErrorDto | undefined
  /** Opens the detail of a job (loading it), or closes it (`undefined`). */
  openJob: (jobId: string | undefined) => Promise<void>
  /**
   * Plans the job's failed items again (`jobs:retry-failed`) and puts that plan in Migrate,
   * ready to review and apply, switching to it; resolves to the error when it could not.
   */
  retryFailed: (jobId: string) => Promise<ErrorDto | undefined>
}

export const createJobsSlice: StateCreator<AppState, [], [], JobsSlice> = (set, get) => ({
  jobs: [],
  jobsStatus: 'idle',
  jobsError: undefined,
  progress: {},
  rateHistory: {},
  jobActionError: undefined,
  selectedJob: undefined,
  jobDetail: undefined,
  jobDetailStatus: 'idle',
  jobDetailError: undefined,
  loadJobs: async () => {
    if (get().jobsStatus !== 'ready') set({ jobsStatus: 'loading' })
    const r = await get().bridge.invoke('jobs:list')
    if (!r.ok) return set({ jobsStatus: 'failed', jobsError: r.error })
    set({ jobsStatus: 'ready', jobs: r.value, jobsError: undefined })
    // the open detail follows the job (a run ended, a rollback)
    const open = get().selectedJob
    if (open !== undefined) await get().openJob(open)
  },
  openJob: async (jobId) => {
    if (jobId === undefined)
      return set({
        selectedJob: undefined,
        jobDetail: undefined,
        jobDetailStatus: 'idle',
        jobDetailError: undefined
      })
    const same = get().jobDetail?.jobId === jobId
    set({
      selectedJob: jobId,
      jobDetailStatus: same ? get().jobDetailStatus : 'loading',
      ...(same ? {} : { jobDetail: undefined, jobDetailError: undefined })
    })
    const r = await get().bridge.invoke('jobs:detail', { jobId })
    // another job opened (or the pane closed) while this one loaded
    if (get().selectedJob !== jobId) return
    if (!r.ok)
      return set({ jobDetailStatus: 'failed', jobDetailError: r.error, jobDetail: undefined })
    set({ jobDetailStatus: 'ready', jobDetail: r.value, jobDetailError: undefined })
  },
  retryFailed: async (jobId) => {
    const r = await get().bridge.invoke('jobs:retry-failed', { jobId })
    if (!r.ok) return r.error
    set({
      plan: r.value,
      planStatus: 'ready',
      planError: undefined,
      skipped: [],
      selectedItem: undefined,
      applyStatus: 'idle',
      applyError: undefined,
      screen: 'migrate'
    })
    return undefined
  },
  watchJobs: () =>
    get().bridge.on('jobs:progress', (p) => {
      // a run's chart starts with it (a rollback's rate is not the apply's)
      const earlier = get().progress[p.jobId]
      const fresh = earlier !== undefined && earlier.state !== 'running' && p.state === 'running'
      const history = [...(fresh ? [] : (get().rateHistory[p.jobId] ?? [])), p.rate].slice(
        -RATE_SAMPLES
      )
      set({
        progress: { ...get().progress, [p.jobId]: p },
        rateHistory: { ...get().rateHistory, [p.jobId]: history }
      })
      if (p.rollback) notifyRollback(get, p.jobId, p.rollback)
      if (p.state !== 'running') void get().loadJobs()
    }),
  cancelJob: async (jobId) => {
    set({ jobActionError: undefined })
    const r = await get().bridge.invoke('jobs:cancel', { jobId })
    if (!r.ok) return set({ jobActionError: r.error })
    const rollingBack = get().progress[jobId]?.run === 'rollback'
    get().notify(
      r.value.cancelled
        ? rollingBack
          ? `Stopping the rollback of ${jobId}; roll it back again to finish the rest.`
          : `Stopping ${jobId}; resume it to finish the rest.`
        : `${jobId} is not running.`,
      { tone: r.value.cancelled ? 'success' : 'info' }
    )
  },
  resumeJob: async (jobId) => {
    set({ jobActionError: undefined })
    const r = await get().bridge.invoke('jobs:resume', { jobId })
    if (r.ok) get().notify(`Resuming ${jobId}.`)
    else set({ jobActionError: r.error })
    await get().loadJobs()
  },
  rollbackJob: async (jobId, confirm) => {
    set({ jobActionError: undefined })
    const r = await get().bridge.invoke('jobs:rollback', {
      jobId,
      ...(confirm !== undefined ? { confirm } : {})
    })
    // it runs as a job: its progress and outcome come on `jobs:progress` (watchJobs)
    if (!r.ok) set({ jobActionError: r.error })
    await get().loadJobs()
  }
})

/** Says how a rollback ended, when it has (its last progress event carries its outcome). */
function notifyRollback(get: () => AppState, jobId: string, r: RollbackResultDto): void {
  // items that failed or were left as they are stay listed in the job's detail too
  const partial = r.failed.length > 0 || r.skipped.length > 0 || r.cancelled
  const counts = `${r.restored} restored, ${r.removed} removed${r.failed.length ? `, failed: ${r.failed.join(', ')}` : ''}${r.skipped.length ? `; changed since the job, left as they are: ${r.skipped.join(', ')}` : ''}`
  get().notify(
    r.cancelled
      ? `Stopped the rollback of ${jobId}: ${counts}; roll it back again to finish the rest.`
      : `Rolled back ${jobId}: ${counts}.`,
    { tone: partial ? 'warning' : 'success' }
  )
}
