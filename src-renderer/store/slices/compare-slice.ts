import type { StateCreator } from 'zustand'
import type { CompareDto, CompareRequest } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** What the Compare form holds: two stores, the kinds compared, the dialect reading both. */
export interface CompareForm {
  a: string
  b: string
  kinds: 'both' | 'connection' | 'variable'
  dialect: 'airflow3' | 'airflow2' | 'task-sdk'
}

/** Two stores side by side, read only (values masked; nothing here writes). */
export interface CompareSlice {
  compareForm: CompareForm
  comparison: CompareDto | undefined
  compareStatus: 'idle' | 'loading' | 'ready' | 'failed'
  compareError: ErrorDto | undefined
  setCompareForm: (patch: Partial<CompareForm>) => void
  /** Compares the stores of the form. */
  requestCompare: () => Promise<void>
  /** Shows the Compare screen with A and B filled in and compares them (Migrate's hand-off). */
  openCompare: (form: Pick<CompareForm, 'a' | 'b'> & Partial<CompareForm>) => Promise<void>
}

function toRequest(form: CompareForm): CompareRequest {
  return {
    a: form.a.trim(),
    b: form.b.trim(),
    ...(form.kinds === 'both' ? {} : { kinds: [form.kinds] }),
    dialect: form.dialect
  }
}

export const createCompareSlice: StateCreator<AppState, [], [], CompareSlice> = (set, get) => {
  /** The latest comparison asked for: an older one answering late is dropped. */
  let asked = 0
  return {
    compareForm: { a: 'demo:', b: '', kinds: 'both', dialect: 'airflow3' },
    comparison: undefined,
    compareStatus: 'idle',
    compareError: undefined,
    setCompareForm: (patch) => set({ compareForm: { ...get().compareForm, ...patch } }),
    requestCompare: async () => {
      const mine = ++asked
      set({ compareStatus: 'loading' })
      const r = await get().bridge.invoke('stores:compare', toRequest(get().compareForm))
      if (mine !== asked) return
      if (!r.ok)
        return set({ compareStatus: 'failed', compareError: r.error, comparison: undefined })
      set({ compareStatus: 'ready', comparison: r.value, compareError: undefined })
    },
    openCompare: async (form) => {
      set({ compareForm: { ...get().compareForm, ...form } })
      get().setScreen('compare')
      await get().requestCompare()
    }
  }
}
