import type { StateCreator } from 'zustand'
import type { EffectiveDto, EffectiveRequest } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** The effective view of a runtime: which layer Airflow reads each id from. */
export interface PrecedenceSlice {
  effective: EffectiveDto | undefined
  effectiveStatus: 'idle' | 'loading' | 'ready' | 'failed'
  effectiveError: ErrorDto | undefined
  loadEffective: (request?: EffectiveRequest) => Promise<void>
}

export const createPrecedenceSlice: StateCreator<AppState, [], [], PrecedenceSlice> = (
  set,
  get
) => ({
  effective: undefined,
  effectiveStatus: 'idle',
  effectiveError: undefined,
  loadEffective: async (request = { runtime: 'demo' }) => {
    set({ effectiveStatus: 'loading' })
    const r = await get().bridge.invoke('effective:resolve', request)
    if (!r.ok) return set({ effectiveStatus: 'failed', effectiveError: r.error })
    set({ effectiveStatus: 'ready', effective: r.value, effectiveError: undefined })
  }
})
