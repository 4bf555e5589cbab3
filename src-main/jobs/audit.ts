/**
 * The audit log: one JSON line per job action (apply, resume, rollback) in the data dir's
 * `audit.jsonl` — who, when, which stores, counts and ids. Never a value.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { AirlockError } from '../core/errors'
import { storageError } from './storage-error'

/** Appends one record (with the time and the OS user) to `<dataDir>/audit.jsonl`. */
export function writeAudit(
  dataDir: string,
  record: { job: string } & Record<string, unknown>
): void {
  const path = join(dataDir, 'audit.jsonl')
  try {
    mkdirSync(dataDir, { recursive: true })
    appendFileSync(
      path,
      JSON.stringify({ at: new Date().toISOString(), user: userInfo().username, ...record }) + '\n',
      { mode: 0o600 }
    )
  } catch (error) {
    throw storageError(
      'the audit log',
      path,
      error,
      `the job itself is recorded in its journal (airlock jobs shows ${record.job}).`
    )
  }
}

/** One audit record as written: when, who, the job and its action, then its counts and ids. */
export interface AuditRecord {
  at: string
  user: string
  job: string
  action: string
  [field: string]: unknown
}

/**
 * Every audit record in `<dataDir>/audit.jsonl`, oldest first. A line that is not a record (a
 * torn write at the end, an edit by hand) is left out: the log is read, never repaired here.
 */
export function readAudit(dataDir: string): AuditRecord[] {
  const path = join(dataDir, 'audit.jsonl')
  if (!existsSync(path)) return []
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new AirlockError(
      'storage.unwritable',
      `Cannot read the audit log ${path} (${code}); check its permissions.`,
      { cause: error }
    )
  }
  const out: AuditRecord[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      const r = JSON.parse(line) as unknown
      if (
        r !== null &&
        typeof r === 'object' &&
        typeof (r as AuditRecord).at === 'string' &&
        typeof (r as AuditRecord).job === 'string' &&
        typeof (r as AuditRecord).action === 'string'
      )
        out.push(r as AuditRecord)
    } catch {
      // a torn last line (a crash mid-append): not a record
    }
  }
  return out
}
