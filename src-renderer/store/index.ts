/** One store per app, built around a bridge so tests can pass their own (STYLE §6). */
import { createContext, useContext } from 'react'
import { createStore, useStore, type StoreApi } from 'zustand'
import type { AirlockBridge } from '../../src-main/contract/ipc'
import { createAppSlice, type AppSlice } from './slices/app-slice'
import { createProfilesSlice, type ProfilesSlice } from './slices/profiles-slice'
import { createInventorySlice, type InventorySlice } from './slices/inventory-slice'
import { createPrecedenceSlice, type PrecedenceSlice } from './slices/precedence-slice'
import { createMigrateSlice, type MigrateSlice } from './slices/migrate-slice'
import { createJobsSlice, type JobsSlice } from './slices/jobs-slice'
import { createCompareSlice, type CompareSlice } from './slices/compare-slice'
import { createToastsSlice, type ToastsSlice } from './slices/toasts-slice'
import { createAuditSlice, type AuditSlice } from './slices/audit-slice'

export interface AppState
  extends
    AppSlice,
    ProfilesSlice,
    InventorySlice,
    PrecedenceSlice,
    MigrateSlice,
    CompareSlice,
    JobsSlice,
    ToastsSlice,
    AuditSlice {
  bridge: AirlockBridge
}

export function createAppStore(bridge: AirlockBridge): StoreApi<AppState> {
  return createStore<AppState>()((...a) => ({
    bridge,
    ...createAppSlice(...a),
    ...createProfilesSlice(...a),
    ...createInventorySlice(...a),
    ...createPrecedenceSlice(...a),
    ...createMigrateSlice(...a),
    ...createCompareSlice(...a),
    ...createJobsSlice(...a),
    ...createToastsSlice(...a),
    ...createAuditSlice(...a)
  }))
}

export const StoreContext = createContext<StoreApi<AppState> | undefined>(undefined)

/** Subscribes a component to one selected piece of the store. */
export function useAppStore<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext)
  if (!store) throw new Error('useAppStore outside <StoreContext.Provider>')
  return useStore(store, selector)
}
