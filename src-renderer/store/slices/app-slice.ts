import type { StateCreator } from 'zustand'
import type { AppInfoDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** What the app knows about the running Airlock. */
export interface AppSlice {
  info: AppInfoDto | undefined
  infoStatus: 'idle' | 'loading' | 'ready' | 'failed'
  infoError: ErrorDto | undefined
  loadInfo: () => Promise<void>
}

export const createAppSlice: StateCreator<AppState, [], [], AppSlice> = (set, get) => ({
  info: undefined,
  infoStatus: 'idle',
  infoError: undefined,
  loadInfo: async () => {
    set({ infoStatus: 'loading' })
    const result = await get().bridge.appInfo()
    if (!result.ok) return set({ infoStatus: 'failed', infoError: result.error })
    set({ infoStatus: 'ready', info: result.value })
  }
})
