/** One store per app, built around a bridge so tests can pass their own (STYLE §6). */
import { createContext, useContext } from 'react'
import { createStore, useStore, type StoreApi } from 'zustand'
import type { AirlockBridge } from '../../src-main/contract/ipc'
import { createAppSlice, type AppSlice } from './slices/app-slice'

export interface AppState extends AppSlice {
  bridge: AirlockBridge
}

export function createAppStore(bridge: AirlockBridge): StoreApi<AppState> {
  return createStore<AppState>()((...a) => ({ bridge, ...createAppSlice(...a) }))
}

export const StoreContext = createContext<StoreApi<AppState> | undefined>(undefined)

/** Subscribes a component to one selected piece of the store. */
export function useAppStore<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext)
  if (!store) throw new Error('useAppStore outside <StoreContext.Provider>')
  return useStore(store, selector)
}
