import type { StateCreator } from 'zustand'
import type { JobDto, JobProgressDto } from '../../../src-main/contract/ipc'
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
  jobMessage: string | undefined
  loadJobs: () => Promise<void>
  /** Listens to `jobs:progress`; returns the unsubscribe. */
  watchJobs: () => () => void
  cancelJob: (jobId: string) => Promise<void>
  resumeJob: (jobId: string) => Promise<void>
  /** `confirm`: the protected target's name, as typed in the confirm dialog. */
  rollbackJob: (jobId: string, confirm?: string) => Promise<void>
}

export const createJobsSlice: StateCreator<AppState, [], [], JobsSlice> = (set, get) => ({
  jobs: [],
  jobsStatus: 'idle',
  jobsError: undefined,
  progress: {},
  rateHistory: {},
  jobMessage: undefined,
  loadJobs: async () => {
    if (get().jobsStatus !== 'ready') set({ jobsStatus: 'loading' })
    const r = await get().bridge.invoke('jobs:list')
    if (!r.ok) return set({ jobsStatus: 'failed', jobsError: r.error })
    set({ jobsStatus: 'ready', jobs: r.value, jobsError: undefined })
  },
  watchJobs: () =>
    get().bridge.on('jobs:progress', (p) => {
      const history = [...(get().rateHistory[p.jobId] ?? []), p.rate].slice(-RATE_SAMPLES)
      set({
        progress: { ...get().progress, [p.jobId]: p },
        rateHistory: { ...get().rateHistory, [p.jobId]: history }
      })
      if (p.state !== 'running') void get().loadJobs()
    }),
  cancelJob: async (jobId) => {
    const r = await get().bridge.invoke('jobs:cancel', { jobId })
    set({
      jobMessage: r.ok
        ? r.value.cancelled
          ? `Stopping ${jobId} after its current batch; resume it later.`
          : `${jobId} is not running.`
        : r.error.message
    })
  },
  resumeJob: async (jobId) => {
    const r = await get().bridge.invoke('jobs:resume', { jobId })
    set({ jobMessage: r.ok ? `Resuming ${jobId}.` : r.error.message })
    await get().loadJobs()
  },
  rollbackJob: async (jobId, confirm) => {
    const r = await get().bridge.invoke('jobs:rollback', {
      jobId,
      ...(confirm !== undefined ? { confirm } : {})
    })
    set({
      jobMessage: r.ok
        ? `Rolled back ${jobId}: ${r.value.restored} restored, ${r.value.removed} removed${r.value.failed.length ? `, failed: ${r.value.failed.join(', ')}` : ''}${r.value.skipped.length ? `; changed since the job, left as they are: ${r.value.skipped.join(', ')}` : ''}.`
        : r.error.message
    })
    await get().loadJobs()
  }
})
