/**
 * A job's append-only journal: one JSON record per line, flushed to disk (fsync) before the
 * job goes on — per record, or per group of records written together (a batch's outcomes go
 * with the next batch's `begin` records, see `appendAll`) — so that after a crash or `kill -9`
 * the job knows exactly which items finished. A torn last
 * line (a crash mid-write) is ignored on reading and cut off before the next append, so the
 * records that follow it stay readable. An append that fails (disk full) is undone, whole.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  truncateSync,
  writeSync
} from 'node:fs'
import { failpoint } from '../platform/failpoint'
import { storageError } from './storage-error'

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
  /** `retries`: times its batch was sent again after a retryable error (absent: none). */
  | { t: 'done'; idx: number; at: string; verified: boolean; retries?: number }
  | { t: 'failed'; idx: number; at: string; code: string; message: string; retries?: number }
  | { t: 'refused'; idx: number; at: string; reason: string }
  | { t: 'end'; at: string; counts: Record<string, number> }
  /** One run's figures (the apply, or a resume), written when it ends or is cancelled. */
  | ({ t: 'stats'; at: string } & RunStats)
  | {
      t: 'rollback'
      idx: number
      at: string
      /** `skipped`: changed since the job wrote it, left as it is (rollback --force restores it). */
      action: 'restored' | 'removed' | 'failed' | 'skipped'
      message?: string
    }

/**
 * What one run of a job did and how fast: counts of this run, the target's throttling and
 * overload answers and requests (`null` for a store that does not count them), and the rate
 * over time as cumulative samples `[ms since the run started, done, failed, throttled]`.
 */
export interface RunStats {
  run: 'apply' | 'resume'
  startedAt: string
  durationMs: number
  cancelled: boolean
  applied: number
  failed: number
  refused: number
  retries: number
  throttled: number
  overloaded: number
  requests: number | null
  samples: [number, number, number, number][]
}

export class Journal {
  private fd: number | undefined
  /** Bytes of complete records in the file: where a failed append is cut back to. */
  private size = 0
  /** Records written since the last fsync (`appendAll` with `{ sync: false }`). */
  private unsynced = false
  constructor(readonly path: string) {}

  append(record: JournalRecord): void {
    this.appendAll([record])
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd
    try {
      if (existsSync(this.path)) {
        const bytes = readFileSync(this.path)
        const end = bytes.lastIndexOf(0x0a) + 1
        // a torn tail (a crash mid-append) was never committed: cut it off
        if (end !== bytes.length) truncateSync(this.path, end)
        this.size = end
      }
      this.fd = openSync(this.path, 'a', 0o600)
    } catch (error) {
      throw storageError(
        'the journal',
        this.path,
        error,
        'the job cannot go on; fix that, then resume it.'
      )
    }
    return this.fd
  }

  /**
   * Appends records with one write and one fsync (a group commit: a batch's `begin` records
   * before its writes, its outcomes after its read-back). Failpoints still count per record.
   *
   * `{ sync: false }` writes them without the fsync: they reach the file (a killed process
   * keeps them) and the next synced append, or `close`, flushes them with its own records. A
   * job's `done` records go so, committed with the next batch's `begin` records (one fsync per
   * batch, not two): only a power cut between the two can lose them, and then resume writes
   * their items again with the same values and reads them back, as for a batch cut off
   * mid-write. What must be on disk before the target changes (`begin`) is always synced.
   */
  appendAll(records: readonly JournalRecord[], options: { sync?: boolean } = {}): void {
    if (!records.length) return
    const fd = this.open()
    const text = records.map((r) => JSON.stringify(r) + '\n').join('')
    for (let i = 0; i < records.length; i++)
      if (failpoint('journal-torn-write')) {
        writeSync(fd, text.slice(0, Math.max(1, Math.floor(text.length / 2))))
        fsyncSync(fd)
        process.kill(process.pid, 'SIGKILL')
      }
    const bytes = Buffer.from(text, 'utf8')
    try {
      // a short write (a full disk) is not an error by itself: go on until it is one
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off)
      if (options.sync === false) this.unsynced = true
      else {
        fsyncSync(fd)
        this.unsynced = false
      }
    } catch (error) {
      try {
        ftruncateSync(fd, this.size)
      } catch {
        // the records are at worst a torn tail, which reading ignores and reopening cuts off
      }
      throw storageError(
        'the journal',
        this.path,
        error,
        'the job stopped; free space (or fix the permissions), then resume it.'
      )
    }
    this.size += bytes.length
    for (let i = 0; i < records.length; i++) failpoint('after-journal-append', true)
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        if (this.unsynced) fsyncSync(this.fd)
      } catch {
        // what it held is in the file already; only a power cut could lose it (see appendAll)
      } finally {
        closeSync(this.fd)
      }
    }
    this.fd = undefined
    this.unsynced = false
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
