import type { StateCreator } from 'zustand'
import type { AuditQuery, AuditRecordDto } from '../../../src-main/contract/ipc'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppState } from '../index'

/** The audit history (`audit:list`): who ran which job action when, never a value. */
export interface AuditSlice {
  /** The filters of the records shown, as `airlock audit` takes them. */
  auditQuery: AuditQuery
  /** The records of `auditQuery`, oldest first (the log's order). */
  auditRecords: AuditRecordDto[]
  auditStatus: 'idle' | 'loading' | 'ready' | 'failed'
  auditError: ErrorDto | undefined
  /** Loads the records of `query` (default: the current filters again). */
  loadAudit: (query?: AuditQuery) => Promise<void>
}

export const createAuditSlice: StateCreator<AppState, [], [], AuditSlice> = (set, get) => ({
  auditQuery: { since: '7d' },
  auditRecords: [],
  auditStatus: 'idle',
  auditError: undefined,
  loadAudit: async (query) => {
    const q = query ?? get().auditQuery
    set({ auditQuery: q, auditStatus: 'loading' })
    const r = await get().bridge.invoke('audit:list', q)
    // a slower answer for filters changed since is dropped
    if (get().auditQuery !== q) return
    if (!r.ok) return set({ auditStatus: 'failed', auditError: r.error, auditRecords: [] })
    set({ auditStatus: 'ready', auditRecords: r.value, auditError: undefined })
  }
})
