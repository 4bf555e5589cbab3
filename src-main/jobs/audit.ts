/**
 * The audit log: one JSON line per job action (apply, resume, rollback) in the data dir's
 * `audit.jsonl` — who, when, which stores, counts and ids. Never a value.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
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
