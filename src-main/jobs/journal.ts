/**
 * A job's append-only journal: one JSON record per line, flushed to disk (fsync) before the
 * job goes on — per record, or per group of records written together — so that after a crash
 * or `kill -9` the job knows exactly which items finished. A torn last
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
    this.appendAll([record])
  }

  /**
   * Appends records with one write and one fsync (a group commit: a batch's `begin` records
   * before its writes, its outcomes after its read-back). Failpoints still count per record.
   */
  appendAll(records: readonly JournalRecord[]): void {
    if (!records.length) return
    this.fd ??= openSync(this.path, 'a', 0o600)
    const text = records.map((r) => JSON.stringify(r) + '\n').join('')
    for (let i = 0; i < records.length; i++)
      if (failpoint('journal-torn-write')) {
        writeSync(this.fd, text.slice(0, Math.max(1, Math.floor(text.length / 2))))
        fsyncSync(this.fd)
        process.kill(process.pid, 'SIGKILL')
      }
    writeSync(this.fd, text)
    fsyncSync(this.fd)
    for (let i = 0; i < records.length; i++) failpoint('after-journal-append', true)
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
