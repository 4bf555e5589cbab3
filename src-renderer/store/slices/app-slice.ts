import type { StateCreator } from 'zustand'
import type { AppInfoDto, KeychainStatusDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** The screens of the app. */
export type Screen = 'profiles' | 'inventory' | 'precedence' | 'migrate' | 'jobs'

/** What the app knows about the running Airlock, and which screen is shown. */
export interface AppSlice {
  info: AppInfoDto | undefined
  infoStatus: 'idle' | 'loading' | 'ready' | 'failed'
  infoError: ErrorDto | undefined
  keychain: KeychainStatusDto | undefined
  screen: Screen
  setScreen: (screen: Screen) => void
  loadInfo: () => Promise<void>
}

export const createAppSlice: StateCreator<AppState, [], [], AppSlice> = (set, get) => ({
  info: undefined,
  infoStatus: 'idle',
  infoError: undefined,
  keychain: undefined,
  screen: 'inventory',
  setScreen: (screen) => set({ screen }),
  loadInfo: async () => {
    set({ infoStatus: 'loading' })
    const result = await get().bridge.invoke('app:info')
    if (!result.ok) return set({ infoStatus: 'failed', infoError: result.error })
    const keychain = await get().bridge.invoke('keychain:status')
    set({
      infoStatus: 'ready',
      info: result.value,
      keychain: keychain.ok ? keychain.value : undefined
    })
  }
})
