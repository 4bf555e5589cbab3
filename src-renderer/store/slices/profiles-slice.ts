import type { StateCreator } from 'zustand'
import type {
  ProfileAddRequest,
  ProfileDto,
  ProfileEditRequest,
  ProfileImportDto,
  ProfileImportRequest,
  ProfileTestDto
} from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** Saved profiles (never their secrets) and what testing them found. */
export interface ProfilesSlice {
  profiles: ProfileDto[]
  profilesStatus: 'idle' | 'loading' | 'ready' | 'failed'
  profilesError: ErrorDto | undefined
  profileTests: Record<string, ProfileTestDto | 'testing'>
  loadProfiles: () => Promise<void>
  /** Resolves to an error to show beside the form, or undefined when saved. */
  addProfile: (request: ProfileAddRequest) => Promise<ErrorDto | undefined>
  editProfile: (request: ProfileEditRequest) => Promise<ErrorDto | undefined>
  testProfile: (name: string) => Promise<void>
  removeProfile: (name: string) => Promise<ErrorDto | undefined>
  renameProfile: (name: string, to: string) => Promise<ErrorDto | undefined>
  /**
   * After these jobs ended: reloads the profiles and tests again each tested profile one of
   * them wrote to.
   */
  refreshAfterJobs: (jobIds: readonly string[]) => Promise<void>
  /** Profiles made from an airflow.cfg, or the error to show beside the form. */
  importProfiles: (
    request: ProfileImportRequest
  ) => Promise<{ ok: true; value: ProfileImportDto } | { ok: false; error: ErrorDto }>
}

/** The ids of jobs that ended (not running) in `now` but were running or unknown in `before`. */
function endedJobs(before: AppState['jobs'], now: AppState['jobs']): string[] {
  const was = new Map(before.map((j) => [j.jobId, j]))
  return now
    .filter((j) => {
      const prev = was.get(j.jobId)
      return !j.running && (!prev || prev.running || prev.done !== j.done || prev.state !== j.state)
    })
    .map((j) => j.jobId)
}

export const createProfilesSlice: StateCreator<AppState, [], [], ProfilesSlice> = (
  set,
  get,
  api
) => {
  // A job that ended may have written to a tested profile: reload the profiles (their "used by"
  // counts and the jobs that wrote to each) and test again each tested one it wrote to, so its
  // counts are not stale. Two signals: a job's last progress event (a job this app ran, seen
  // whether or not the job list was ever loaded: the Jobs screen loads it only when first
  // shown, which may be after the job ended), and the job list reloaded with a job ended in it
  // (the jobs slice reloads `jobs` when a job ends). Each end (a job, its state and count) once.
  const seen = new Set<string>()
  const refreshFor = (ended: readonly { jobId: string; state: string; done: number }[]) => {
    const fresh = ended.filter((j) => !seen.has(`${j.jobId} ${j.state} ${j.done}`))
    for (const j of fresh) seen.add(`${j.jobId} ${j.state} ${j.done}`)
    if (fresh.length) void get().refreshAfterJobs(fresh.map((j) => j.jobId))
  }
  api.subscribe((state, previous) => {
    if (state.progress !== previous.progress)
      refreshFor(
        Object.values(state.progress).filter(
          (p) =>
            p.state !== 'running' &&
            (previous.progress[p.jobId]?.state !== p.state ||
              previous.progress[p.jobId]?.done !== p.done)
        )
      )
    if (state.jobs === previous.jobs || previous.jobsStatus !== 'ready') return
    const ended = new Set(endedJobs(previous.jobs, state.jobs))
    refreshFor(
      state.jobs
        .filter((j) => ended.has(j.jobId))
        .map((j) => ({ jobId: j.jobId, state: j.state, done: j.done }))
    )
  })
  return {
    profiles: [],
    profilesStatus: 'idle',
    profilesError: undefined,
    profileTests: {},
    loadProfiles: async () => {
      set({ profilesStatus: 'loading' })
      const r = await get().bridge.invoke('profiles:list')
      if (!r.ok) return set({ profilesStatus: 'failed', profilesError: r.error })
      set({ profilesStatus: 'ready', profiles: r.value, profilesError: undefined })
    },
    addProfile: async (request) => {
      const r = await get().bridge.invoke('profiles:add', request)
      if (!r.ok) return r.error
      get().notify(`Saved the profile ${r.value.name}.`)
      await get().loadProfiles()
    },
    editProfile: async (request) => {
      const r = await get().bridge.invoke('profiles:edit', request)
      if (!r.ok) return r.error
      get().notify(`Saved the profile ${r.value.name}.`)
      await get().loadProfiles()
    },
    testProfile: async (name) => {
      set({ profileTests: { ...get().profileTests, [name]: 'testing' } })
      const r = await get().bridge.invoke('profiles:test', { name })
      const value: ProfileTestDto = r.ok
        ? r.value
        : {
            ok: false,
            connections: 0,
            variables: 0,
            error: r.error,
            testedAt: new Date().toISOString()
          }
      set({ profileTests: { ...get().profileTests, [name]: value } })
    },
    removeProfile: async (name) => {
      const r = await get().bridge.invoke('profiles:remove', { name })
      if (!r.ok) return r.error
      get().notify(`Removed the profile ${name}; the store it pointed at is unchanged.`)
      await get().loadProfiles()
    },
    renameProfile: async (name, to) => {
      const r = await get().bridge.invoke('profiles:rename', { name, to })
      if (!r.ok) return r.error
      get().notify(`Renamed the profile ${name} to ${to}.`)
      // what testing found belongs to the profile, under its new name
      const { [name]: tested, ...rest } = get().profileTests
      set({ profileTests: tested ? { ...rest, [to]: tested } : rest })
      await get().loadProfiles()
    },
    importProfiles: async (request) => {
      const r = await get().bridge.invoke('profiles:import', request)
      if (r.ok) await get().loadProfiles()
      return r
    },
    refreshAfterJobs: async (jobIds) => {
      await get().loadProfiles()
      const tests = get().profileTests
      const written = get().profiles.filter(
        (p) =>
          tests[p.name] !== undefined &&
          tests[p.name] !== 'testing' &&
          (p.targetJobIds ?? []).some((id) => jobIds.includes(id))
      )
      await Promise.all(written.map((p) => get().testProfile(p.name)))
    }
  }
}
