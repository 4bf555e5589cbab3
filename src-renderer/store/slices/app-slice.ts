import type { StateCreator } from 'zustand'
import type { AppInfoDto, KeychainStatusDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'
import { applyTheme, saveTheme, savedTheme, type Theme } from '../../theme'

/** The screens of the app. */
export type Screen =
  'profiles' | 'inventory' | 'precedence' | 'migrate' | 'compare' | 'jobs' | 'audit'

/** What the app knows about the running Airlock, and which screen is shown. */
export interface AppSlice {
  info: AppInfoDto | undefined
  infoStatus: 'idle' | 'loading' | 'ready' | 'failed'
  infoError: ErrorDto | undefined
  keychain: KeychainStatusDto | undefined
  screen: Screen
  setScreen: (screen: Screen) => void
  /** The colour theme picked (applied to the document and remembered by `setTheme`). */
  theme: Theme
  setTheme: (theme: Theme) => void
  /** Whether the command palette (Ctrl/Cmd+K) is open. */
  paletteOpen: boolean
  setPaletteOpen: (open: boolean) => void
  /**
   * A request, from the palette, to show this text in a screen's search box (`seq` tells two
   * requests for the same text apart). The screen applies it; nothing else reads it.
   */
  searchRequest: { screen: Screen; text: string; seq: number } | undefined
  requestSearch: (screen: Screen, text: string) => void
  loadInfo: () => Promise<void>
  /**
   * Opens (or creates) the passphrase store for the rest of this run. The passphrase goes to
   * main and is not kept here; the answer is an error to show, or undefined on success.
   */
  unlockKeychain: (passphrase: string) => Promise<ErrorDto | undefined>
}

export const createAppSlice: StateCreator<AppState, [], [], AppSlice> = (set, get) => ({
  info: undefined,
  infoStatus: 'idle',
  infoError: undefined,
  keychain: undefined,
  screen: 'inventory',
  setScreen: (screen) => set({ screen }),
  theme: savedTheme(),
  setTheme: (theme) => {
    applyTheme(theme)
    saveTheme(theme)
    set({ theme })
  },
  paletteOpen: false,
  setPaletteOpen: (paletteOpen) => set({ paletteOpen }),
  searchRequest: undefined,
  requestSearch: (screen, text) =>
    set({ screen, searchRequest: { screen, text, seq: (get().searchRequest?.seq ?? 0) + 1 } }),
  loadInfo: async () => {
    set({ infoStatus: 'loading' })
    // Asked together: the status bar waits on both, and neither needs the other's answer.
    const [result, keychain] = await Promise.all([
      get().bridge.invoke('app:info'),
      get().bridge.invoke('keychain:status')
    ])
    if (!result.ok) return set({ infoStatus: 'failed', infoError: result.error })
    set({
      infoStatus: 'ready',
      info: result.value,
      keychain: keychain.ok ? keychain.value : undefined
    })
  },
  unlockKeychain: async (passphrase) => {
    const result = await get().bridge.invoke('keychain:unlock', { passphrase })
    if (!result.ok) return result.error
    set({ keychain: result.value })
    // Secrets that were kept in memory are not in the store just opened: show what it holds.
    void get().loadProfiles()
    return undefined
  }
})
