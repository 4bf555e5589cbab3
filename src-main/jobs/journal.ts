/**
 * A job's append-only journal: one JSON record per line, flushed to disk (fsync) per record,
 * so that after a crash or `kill -9` the job knows exactly which items finished. A torn last
 * line (a crash mid-write) is ignored on reading; everything before it is intact.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync, existsSync } from 'node:fs'
import { failpoint } from './failpoint'

/** What the journal records. */
export type JournalRecord =
  | {
      t: 'start'
      jobId: string
      planId: string
      source: string
      target: string
      total: number
      at: string
    }
  | { t: 'begin'; idx: number; at: string }
  | { t: 'done'; idx: number; at: string; verified: boolean }
  | { t: 'failed'; idx: number; at: string; code: string; message: string }
  | { t: 'refused'; idx: number; at: string; reason: string }
  | { t: 'end'; at: string; counts: Record<string, number> }
  | {
      t: 'rollback'
      idx: number
      at: string
      action: 'restored' | 'removed' | 'failed'
      message?: string
    }

export class Journal {
  private fd: number | undefined
  constructor(readonly path: string) {}

  append(record: JournalRecord): void {
    this.fd ??= openSync(this.path, 'a', 0o600)
    const line = JSON.stringify(record) + '\n'
    if (failpoint('journal-torn-write')) {
      writeSync(this.fd, line.slice(0, Math.max(1, Math.floor(line.length / 2))))
      fsyncSync(this.fd)
      process.kill(process.pid, 'SIGKILL')
    }
    writeSync(this.fd, line)
    fsyncSync(this.fd)
    failpoint('after-journal-append', true)
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  /** Every complete record; a torn final line is dropped. */
  static read(path: string): JournalRecord[] {
    if (!existsSync(path)) return []
    const out: JournalRecord[] = []
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue
      try {
        out.push(JSON.parse(line) as JournalRecord)
      } catch {
        // a torn write at the end of the file (crash mid-append): the item was not recorded
      }
    }
    return out
  }
}
