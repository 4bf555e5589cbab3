import type { AuditRecordDto } from '../../../src-main/contract/ipc'

/** Records as JSON Lines: each one `JSON.stringify`'d on its line, as `airlock audit --json` prints. */
export function auditJsonLines(records: readonly AuditRecordDto[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('')
}

/** The export's file name: `audit-<YYYY-MM-DD>.jsonl` of `now` (UTC, as the records' times). */
export function auditFileName(now: Date): string {
  return `audit-${now.toISOString().slice(0, 10)}.jsonl`
}

/** What a record says besides who, when, its action, job and stores: counts, then id lists by size. */
export function auditDetails(r: AuditRecordDto): string {
  const skip = new Set(['at', 'user', 'job', 'action', 'source', 'target'])
  return Object.entries(r)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) =>
      Array.isArray(v)
        ? `${k} ${v.length}`
        : typeof v === 'string'
          ? `${k}: ${v}`
          : `${k} ${JSON.stringify(v)}`
    )
    .join(', ')
}

/** Whether any text of the record (user, job, action, stores, ids, notes) holds `q` (lower case). */
export function auditMatches(r: AuditRecordDto, q: string): boolean {
  const texts: string[] = []
  const walk = (v: unknown) => {
    if (typeof v === 'string') texts.push(v.toLowerCase())
    else if (Array.isArray(v)) v.forEach(walk)
  }
  Object.values(r).forEach(walk)
  return texts.some((t) => t.includes(q))
}
