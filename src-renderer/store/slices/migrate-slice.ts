import type { StateCreator } from 'zustand'
import type { PlanDto, PlanRequest } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** The plan being reviewed, which of its items are left out, and applying it. */
export interface MigrateSlice {
  plan: PlanDto | undefined
  planStatus: 'idle' | 'loading' | 'ready' | 'failed'
  planError: ErrorDto | undefined
  /** `kind:targetId` of items left out of the apply. */
  skipped: string[]
  /** `kind:targetId` of the item whose detail is open, if any. */
  selectedItem: string | undefined
  applyStatus: 'idle' | 'starting' | 'started' | 'failed'
  applyError: ErrorDto | undefined
  requestPlan: (request: PlanRequest) => Promise<void>
  toggleSkipped: (key: string) => void
  /** Opens the detail of one item (`kind:targetId`), or closes it (`undefined`). */
  selectItem: (key: string | undefined) => void
  savePlan: (path: string) => Promise<ErrorDto | undefined>
  /** Starts the job (`confirm`: a protected target's name, as typed); resolves to its id. */
  applyPlan: (confirm?: string) => Promise<string | undefined>
}

export const createMigrateSlice: StateCreator<AppState, [], [], MigrateSlice> = (set, get) => ({
  plan: undefined,
  planStatus: 'idle',
  planError: undefined,
  skipped: [],
  selectedItem: undefined,
  applyStatus: 'idle',
  applyError: undefined,
  requestPlan: async (request) => {
    set({ planStatus: 'loading', applyStatus: 'idle', applyError: undefined })
    const result = await get().bridge.invoke('jobs:plan', request)
    if (!result.ok) return set({ planStatus: 'failed', planError: result.error, plan: undefined })
    set({
      planStatus: 'ready',
      plan: result.value,
      planError: undefined,
      skipped: [],
      selectedItem: undefined
    })
  },
  toggleSkipped: (key) => {
    const skipped = get().skipped
    set({ skipped: skipped.includes(key) ? skipped.filter((k) => k !== key) : [...skipped, key] })
  },
  selectItem: (key) => set({ selectedItem: key }),
  savePlan: async (path) => {
    const plan = get().plan
    if (!plan) return { code: 'usage', message: 'Make a plan first.' }
    const r = await get().bridge.invoke('jobs:save-plan', { planId: plan.planId, path })
    return r.ok ? undefined : r.error
  },
  applyPlan: async (confirm) => {
    const plan = get().plan
    if (!plan) return undefined
    set({ applyStatus: 'starting', applyError: undefined })
    const r = await get().bridge.invoke('jobs:apply', {
      planId: plan.planId,
      skip: get().skipped,
      ...(confirm !== undefined ? { confirm } : {})
    })
    if (!r.ok) {
      set({ applyStatus: 'failed', applyError: r.error })
      return undefined
    }
    set({ applyStatus: 'started' })
    await get().loadJobs()
    return r.value.jobId
  }
})
