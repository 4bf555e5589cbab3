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
  /** Profiles made from an airflow.cfg, or the error to show beside the form. */
  importProfiles: (
    request: ProfileImportRequest
  ) => Promise<{ ok: true; value: ProfileImportDto } | { ok: false; error: ErrorDto }>
}

export const createProfilesSlice: StateCreator<AppState, [], [], ProfilesSlice> = (set, get) => ({
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
      : { ok: false, connections: 0, variables: 0, error: r.error }
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
  }
})
