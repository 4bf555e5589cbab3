/**
 * Executes a plan (STYLE §5): refuses items whose source or target changed since the plan,
 * snapshots the target's previous values and the values to write (encrypted at rest with a
 * per-job key kept in the OS keychain), writes in batches with retries on retryable errors,
 * reads every item back, and journals each item so `resume` finishes a crashed job without
 * writing any item twice with different values and `rollback` restores what was there.
 * The job's files live in job-store.ts, its audit records in audit.ts.
 */
import { hash } from 'node:crypto'
import type { ErrorCode } from '../contract/errors'
import type { JobProgressDto } from '../contract/ipc'
import type { Backend, BackendKind, EntryPlace, EntryRef } from '../backends/backend'
import { abortableSleep } from '../backends/pacer'
import { isAbortError } from '../backends/remote-store'
import { refOf } from '../backends/backend'
import { AirlockError } from '../core/errors'
import { fingerprinter } from '../core/fingerprint'
import { idOf, type Entry } from '../core/model'
import { entryDigest, sameDigestFields, type PlanDocument } from '../core/plan'
import { isPersistent, noKeychainMessage, type Keychain } from '../keychain/keychain'
import { chunks, mapLimit } from '../core/concurrency'
import { writeAudit } from './audit'
import {
  createJob,
  flagsOf,
  IN_INTENDED,
  IN_PREVIOUS,
  journalPath,
  newJobId,
  openJob,
  planKey,
  PREVIOUS_HELD,
  readMeta,
  snapshotFlags,
  type JobFiles,
  type JobMeta,
  type JobSnapshot
} from './job-store'
import { JobItems } from './job-items'
import { Journal, type JournalRecord } from './journal'
import { PLAN_AGAIN_CLI_HINT, verifyPlan } from './plan-signature'
import { RunRecorder } from './run-stats'
import { lockStore, type StoreLock, type TargetStore } from './store-lock'
import { atJobGate, jobGateSet } from './test-gate'
import { SECRETS_SERVICE_KINDS } from '../contract/providers'
import { reclaimMemory } from '../platform/runtime'

export { jobStores, listJobs, newPlanKey, planKey } from './job-store'
export { signPlan, verifyPlan } from './plan-signature'
export type { TargetStore } from './store-lock'

/**
 * Progress of a running job, for a progress bar or the app: the contract's DTO (done/total,
 * failed, refused, retries, throttled, concurrency, rate in items/s, ETA) without the job's
 * end state, plus the item being written.
 */
export type JobProgress = Omit<JobProgressDto, 'state' | 'error'> & { current?: string }

/** What a job ended with. */
export interface JobReport {
  jobId: string
  applied: number
  failed: { id: string; code: string; message: string }[]
  refused: { id: string; reason: string }[]
  skipped: number
  /** What the job says besides its counts (e.g. how it knew the target was its own). */
  notes?: string[]
  /** The target's pre-flight warnings at apply time (e.g. values stored in plaintext). */
  warnings?: string[]
}

/** Where jobs live and what they may use. */
export interface JobContext {
  dataDir: string
  keychain: Keychain
  /**
   * The target as the front end resolved it (operations/open-store.ts `storeIdentity`): its
   * identity is recorded by apply and compared by resume and rollback, and the job holds its
   * lock (store-lock.ts) from before it reads the target to its last write. Without it (in-
   * process use) the backend's id stands in for both.
   */
  target?: TargetStore
  onProgress?: (p: JobProgress) => void
  signal?: AbortSignal
  /**
   * Attempts per batch for retryable errors (default 5; none against a store that retries its
   * own requests, see batchAttempts) and the first backoff in ms (default 200).
   */
  retries?: number
  backoffMs?: number
  batchSize?: number
  /** Read-backs in flight at once (default 16; the target's pacer may allow fewer). */
  readConcurrency?: number
  /** Batches in flight at once against a paced (remote) store (default 4). */
  pipeline?: number
}

const RETRYABLE: readonly ErrorCode[] = ['backend.unreachable']

/**
 * Failures that may be one item's (a value the store refuses, a constraint of the database):
 * a batch failing with one is written again item by item. Any other failure (the store
 * unreachable or refusing the credentials, a conflict such as an edit by another process) is
 * the whole batch's, and resume redoes it.
 */
function itemFailure(code: ErrorCode): boolean {
  return code.startsWith('codec.') || code === 'usage' || code === 'internal'
}

const now = () => new Date().toISOString()

/**
 * The entry as a plan item writes it: under the target id, without its origin. A new object
 * (its fields too), not a `structuredClone`: every field is a string, number or null, so one
 * level of copies is a deep copy, and it costs a fraction of a clone per item.
 */
export function withTargetId(e: Entry, id: string): Entry {
  if (e.kind === 'connection') {
    const { source: _source, fields, ...rest } = e
    return { ...rest, id, fields: { ...fields } }
  }
  const { source: _source, ...rest } = e
  return { ...rest, key: id }
}

/**
 * Whether what the target gives back (`back`, undefined: not there) is `want` as written under
 * `targetId`, the fields it cannot keep aside. The same texts need no digests (withoutLossy
 * treats both alike): the digests of the kept fields are compared only where a text differs.
 */
function readsBackAs(
  back: Entry | undefined,
  want: Entry,
  targetId: string,
  target: Backend
): boolean {
  if (back === undefined) return false
  if (sameDigestFields(back, want)) return true
  const keepable = (e: Entry) => withoutLossy(withTargetId(e, targetId), target)
  return entryDigest(keepable(back)) === entryDigest(keepable(want))
}

/** The entry without the fields the target cannot keep (they are not compared on read-back). */
function withoutLossy(e: Entry, target: Backend): Entry {
  const lossy = target.lossyFields ?? []
  if (e.kind === 'variable' && lossy.includes('variable.description'))
    return { ...e, description: null }
  if (e.kind === 'connection') {
    const fields = { ...e.fields }
    if (lossy.includes('connection.description')) fields.description = null
    // Read through Connection(password=""), core gives None (plan.ts targetLimits); only the
    // metadata DB row and the in-memory store give "" back in every dialect.
    if (fields.password === '' && target.kind !== 'metastore' && target.kind !== 'in-memory')
      fields.password = null
    return { ...e, fields }
  }
  return e
}

/**
 * Batches in flight at once: a paced (remote) store takes several, so its quota is not left
 * idle while one batch is read back; a database or file takes one at a time (one transaction
 * or one rewrite of the file per batch).
 */
function pipelineDepth(target: Backend, ctx: JobContext): number {
  return target.pacer ? Math.max(1, ctx.pipeline ?? 4) : 1
}

/**
 * The stores whose every write rewrites one whole file (read-modify-write, then an atomic
 * rename): a job writes them in a few large batches (defaultBatchSize), so the file is
 * rewritten a few times, not once per 500 items (time linear in the file, not quadratic).
 */
const WHOLE_FILE_KINDS: ReadonlySet<BackendKind> = new Set<BackendKind>([
  'env-file',
  'airflow-export',
  'lfs',
  'astro'
])

/** Items per batch from which a whole-file job reclaims memory once (reclaimBefore). */
const RECLAIM_BATCH = 5000

/**
 * The batch (by ordinal) before which a job hands back the memory its heap reached and no
 * longer uses (platform/runtime.ts, reclaimMemory), or -1 for none: once, halfway, in a large
 * job on a whole-file store. Each of its rewrites holds the file's old and new texts, their
 * scans and maps (some 100 MB at 100 k items), its large texts and maps take fresh pages while
 * the pages the pre-flight and the earlier batches freed stay pooled, so RSS climbs batch by
 * batch to the last (issue #22: 290–320 MB at 100 k items, four batches). Once halfway, the
 * climb starts again from what is live (240–260 MB); before every batch it cost four full
 * collections for ~20 MB more.
 */
export function reclaimBefore(
  items: number,
  batchSize: number,
  target: Pick<Backend, 'kind'>
): number {
  const batches = Math.ceil(items / batchSize)
  return WHOLE_FILE_KINDS.has(target.kind) && batchSize >= RECLAIM_BATCH && batches > 1
    ? Math.floor(batches / 2)
    : -1
}

/**
 * Whether an apply of `items` values on this store also reclaims memory before its batches:
 * once the stores are read (the source's text, its entries and both maps are garbage then, in
 * pages V8 keeps pooled, before the pre-flight encodes the new file) and once the snapshot is
 * sealed (its parts' texts; the values are no longer held, a whole-file apply reads each
 * batch's from the snapshot). Each phase otherwise starts from the pages the one before left
 * pooled (issue #22: 100 k `.env` peak 241–248 → 231–237 MB). A large job on a whole-file
 * store only, as {@link reclaimBefore}: its batches are at least RECLAIM_BATCH items.
 */
export function reclaimsBeforeBatches(items: number, target: Pick<Backend, 'kind'>): boolean {
  return WHOLE_FILE_KINDS.has(target.kind) && items >= 4 * RECLAIM_BATCH
}

/**
 * Items per batch (one journal commit, one write call). A remote store (several batches in
 * flight) takes small jobs in fine cuts, so all of a small job is in flight and its progress
 * moves; a database (one batch at a time, a transaction each) takes 25, and larger cuts for
 * large jobs (about 50 batches, at most 2,000 items: each batch costs a COMMIT and a journal
 * fsync, 200 of each for 100 k items at the old 500). A whole-file store takes the job in at
 * most 4 batches (of 500 items at least): every write of it is a rewrite of the file, so a
 * job costs at most 4 rewrites, linear in the file, not 50 or 200; progress still moves, a
 * cancel stops between quarters, and a journal that fills keeps the quarters before. Each
 * batch is crash-safe as before: its `begin` records are journalled before the rename and its
 * `done` records after the read-back, so a crash before the rename leaves the file as it was
 * and resume redoes the batch with the job's own values.
 */
function defaultBatchSize(items: number, depth: number, target: Pick<Backend, 'kind'>): number {
  if (WHOLE_FILE_KINDS.has(target.kind)) return Math.max(500, Math.ceil(items / 4))
  if (depth > 1) return Math.min(25, Math.max(1, Math.ceil(items / (depth * 4))))
  return Math.min(2000, Math.max(25, Math.ceil(items / 50)))
}

/**
 * Reads back the items of a batch: from one read of the store where it offers that
 * (`readEach`: a file read and parsed once, where one read per item costs a `stat` each), else
 * one `read` per item, in parallel (the target's pacer keeps the requests within what it
 * allows). A ref that does not read back is `undefined`, and its item fails. A cancel (the
 * job's `signal`) ends the reads in flight and rejects: what was read tells nothing then.
 */
async function readBack(
  target: Backend,
  refs: readonly EntryRef[],
  concurrency: number,
  signal: AbortSignal | undefined
): Promise<(Entry | undefined)[]> {
  if (target.readEach) {
    try {
      return await target.readEach(refs, signal)
    } catch {
      signal?.throwIfAborted()
      // read them one by one, as a store without readEach is read
    }
  }
  return mapLimit(refs, concurrency, (ref) =>
    target.read(ref, signal).catch((error: unknown) => {
      if (signal?.aborted) throw error
      return undefined
    })
  )
}

/**
 * The stores that retry each of their own requests: the secrets services (their SDK's retry
 * strategy, or Vault's bounded retry, with the pacer's budget for throttling on top).
 */
const RETRIES_ITS_OWN_REQUESTS: ReadonlySet<BackendKind> = new Set<BackendKind>(
  SECRETS_SERVICE_KINDS
)

/**
 * Attempts the job makes at one batch — the one retry budget. A store that retries its own
 * requests has already spent its budget when an error reaches the job, so the job does not
 * retry it: sending the batch again would multiply the budgets (the job's 5 × the SDK's
 * × the pacer's, some 20 attempts for one throttled request where one layer's budget is
 * meant). Every other store (a database, whose dropped connection is retried on a new one;
 * a file; memory) has no retry of its own and gets `ctx.retries` attempts (default 5). So a
 * request is sent at most max(its store's own budget, ctx.retries) times, never a product.
 */
export function batchAttempts(target: Pick<Backend, 'kind'>, retries = 5): number {
  return RETRIES_ITS_OWN_REQUESTS.has(target.kind) ? 1 : Math.max(1, retries)
}

/**
 * Whether an error is a store's requests ended by `signal` (a job's cancel): its reason, or a
 * store's own abort error, once it has fired.
 */
function endedBy(signal: AbortSignal | undefined): (error: unknown) => boolean {
  return (error) => Boolean(signal?.aborted) && (error === signal!.reason || isAbortError(error))
}

/**
 * `fn` within the batch's attempts, with exponential backoff and jitter between them. A
 * cancelled job ends the wait at once and makes no further attempt (an attempt the cancel
 * ended is not retried either); the last error is thrown.
 */
async function withRetries<T>(
  ctx: JobContext,
  target: Backend,
  fn: () => Promise<T>,
  onRetry: () => void
): Promise<T> {
  const attempts = batchAttempts(target, ctx.retries)
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      const retryable = error instanceof AirlockError && RETRYABLE.includes(error.code)
      if (!retryable || attempt >= attempts || ctx.signal?.aborted) throw error
      onRetry()
      const base = (ctx.backoffMs ?? 200) * 2 ** (attempt - 1)
      try {
        await abortableSleep(base / 2 + Math.random() * base, ctx.signal)
      } catch {
        throw error
      }
    }
  }
}

/**
 * What a run works from: the job's id and size, its items' records (not the plan's items), the
 * items it has to write or remove (ascending) and where their values are: `values` gives a
 * batch's, `settled` lets a settled batch's go.
 */
interface RunFiles {
  jobId: string
  total: number
  items: JobItems
  todo: number[]
  values: (items: readonly number[]) => Pick<JobFiles, 'intended' | 'previous'>
  settled?: (items: readonly number[]) => void
}

/**
 * A run's values held in memory (an apply's on a store that is not a whole file, as it read
 * them): a settled batch's are let go, so what the run holds shrinks batch by batch.
 */
function valuesHeld(
  intended: Record<number, Entry>,
  previous: Record<number, Entry | null>
): Pick<RunFiles, 'values' | 'settled'> {
  return {
    values: () => ({ intended, previous }),
    settled: (items) => {
      for (const idx of items) {
        delete intended[idx]
        delete previous[idx]
      }
    }
  }
}

/** Runs (or continues) the items of a job that are not finished yet. */
async function execute(
  ctx: JobContext,
  files: RunFiles,
  target: Backend,
  journal: Journal,
  already: JournalRecord[],
  run: 'apply' | 'resume'
): Promise<JobReport> {
  const { items: planned } = files
  const finished = new Set(
    already
      .filter((r) => r.t === 'done' || r.t === 'refused')
      .map((r) => (r as { idx: number }).idx)
  )
  const report: JobReport = { jobId: files.jobId, applied: 0, failed: [], refused: [], skipped: 0 }
  for (const r of already) {
    if (r.t === 'done') report.applied++
    if (r.t === 'refused') report.refused.push({ id: planned.targetId(r.idx), reason: r.reason })
  }
  const todo = files.todo.filter((idx) => !finished.has(idx))
  files.todo = []
  const started = Date.now()
  let retries = 0
  // what this run adds (a resume starts from what the journal holds), for its figures
  const before = { applied: report.applied, refused: report.refused.length }
  const itemRetries = new Map<number, number>()
  const recorder = new RunRecorder(
    run,
    () => ({
      applied: report.applied - before.applied,
      failed: report.failed.length,
      refused: report.refused.length - before.refused,
      retries
    }),
    target.pacer ? () => target.pacer!.stats() : undefined
  )
  const retried = (idx: number) => {
    const n = itemRetries.get(idx)
    return n ? { retries: n } : {}
  }
  const progress = (current?: string) =>
    ctx.onProgress?.({
      jobId: files.jobId,
      done: report.applied,
      total: files.total,
      failed: report.failed.length,
      refused: report.refused.length,
      retries,
      throttled: target.pacer?.stats().throttled ?? 0,
      concurrency: target.pacer?.stats().concurrency ?? null,
      rate: report.applied / Math.max(0.001, (Date.now() - started) / 1000),
      etaSeconds: report.applied
        ? ((files.total - report.applied) * (Date.now() - started)) /
          1000 /
          Math.max(1, report.applied)
        : null,
      current
    })
  const depth = pipelineDepth(target, ctx)
  const batchSize = ctx.batchSize ?? defaultBatchSize(todo.length, depth, target)
  // A paced (remote) store's requests take the job's signal: a cancel ends the batch in flight
  // (hundreds of requests paced to a quota, or one a hung service holds), not only the next
  // one. A local store's batch (a transaction, a rewrite of a file) is short: it runs to its
  // end and is read back, and the job stops before the next, as always.
  const signal = target.pacer ? ctx.signal : undefined
  const cutShort = endedBy(signal)
  const writeItems = async (
    { intended, previous }: Pick<JobFiles, 'intended' | 'previous'>,
    items: number[]
  ): Promise<void> => {
    const writes = items.filter((idx) => idx in intended).map((idx) => intended[idx]!)
    const removes: EntryRef[] = items
      .filter((idx) => !(idx in intended))
      .map((idx) => refOf(previous[idx]!))
    const onRetry = () => {
      retries++
      for (const idx of items) itemRetries.set(idx, (itemRetries.get(idx) ?? 0) + 1)
    }
    if (writes.length) await withRetries(ctx, target, () => target.write(writes, signal), onRetry)
    if (removes.length)
      await withRetries(ctx, target, () => target.remove(removes, signal), onRetry)
  }
  const failure = (error: unknown) => ({
    code: error instanceof AirlockError ? error.code : ('internal' as const),
    message: error instanceof AirlockError ? error.userMessage : 'unexpected error'
  })
  const runBatch = async (all: number[]): Promise<void> => {
    // the records of one append are made at one moment: one timestamp for them all
    // this batch's values only (a whole-file apply reads them from the snapshot it sealed),
    // before its `begin` records: a snapshot that cannot be read leaves nothing begun
    const values = files.values(all)
    const begun = now()
    journal.appendAll(all.map((idx) => ({ t: 'begin' as const, idx, at: begun })))
    let batch = all
    const failed: { idx: number; code: ErrorCode; message: string }[] = []
    try {
      await writeItems(values, all)
    } catch (error) {
      // A cancel ended the batch in flight: its items may or may not have reached the store,
      // so they stay begun without an outcome, as after a crash (resume redoes them and reads
      // them back); none is failed with the cancel's error.
      if (cutShort(error)) return progress()
      // One bad item must not fail the others with its reason: when the failure may be one
      // item's, the batch (written all or nothing, or idempotently) is written again in
      // halves, and each half that fails in halves again, down to single items, so each item
      // carries its own outcome (one bad item in a batch of n costs about 2·log2(n) writes,
      // not n: a whole-file store's batch is the whole job). A failure that is not one
      // item's fails every item not written yet with its reason.
      let reason = failure(error)
      let storeWide = all.length === 1 || !itemFailure(reason.code)
      batch = []
      // A cancel stops the halving: the halves settled keep their outcomes, the rest stay
      // begun without one (resume redoes them), not failed with another item's reason.
      const settle = async (items: number[]): Promise<void> => {
        if (storeWide) {
          for (const idx of items) failed.push({ idx, ...reason })
          return
        }
        if (ctx.signal?.aborted) return
        try {
          await writeItems(values, items)
          batch.push(...items)
        } catch (partError) {
          if (cutShort(partError)) return
          const part = failure(partError)
          if (items.length > 1 && itemFailure(part.code)) {
            const half = Math.ceil(items.length / 2)
            await settle(items.slice(0, half))
            await settle(items.slice(half))
            return
          }
          if (items.length === 1) failed.push({ idx: items[0]!, ...part })
          if (!itemFailure(part.code)) {
            storeWide = true
            reason = part
            if (items.length > 1) for (const idx of items) failed.push({ idx, ...part })
          }
        }
      }
      if (storeWide) await settle(all)
      else {
        const half = Math.ceil(all.length / 2)
        await settle(all.slice(0, half))
        await settle(all.slice(half))
      }
      batch.sort((a, b) => a - b)
      failed.sort((a, b) => a.idx - b.idx)
      journal.appendAll(
        failed.map((f) => ({ t: 'failed' as const, at: now(), ...f, ...retried(f.idx) }))
      )
      for (const f of failed)
        report.failed.push({ id: planned.targetId(f.idx), code: f.code, message: f.message })
      if (batch.length === 0) return progress()
    }
    // Written, not yet verified: after a cancel before or during the read-back (of a store
    // whose requests take the signal) they stay begun without an outcome, and resume writes
    // them again and reads them back.
    if (signal?.aborted) return progress()
    let backs: (Entry | undefined)[]
    try {
      backs = await readBack(
        target,
        batch.map((idx) => ({ kind: planned.kind(idx), id: planned.targetId(idx) })),
        ctx.readConcurrency ?? 16,
        signal
      )
    } catch (error) {
      if (signal?.aborted) return progress()
      throw error
    }
    // a read the cancel ended may have answered `undefined` (not found): nothing is concluded
    if (signal?.aborted) return progress()
    const outcomes: JournalRecord[] = []
    const checked = now()
    for (const [j, idx] of batch.entries()) {
      const targetId = planned.targetId(idx)
      const back = backs[j]
      const want = values.intended[idx]
      const ok = want ? readsBackAs(back, want, targetId, target) : back === undefined
      if (ok) {
        outcomes.push({ t: 'done', idx, at: checked, verified: true, ...retried(idx) })
        report.applied++
      } else {
        const message = want
          ? 'read-back differs from what was written (the store cannot hold some field)'
          : 'still present after removal'
        outcomes.push({
          t: 'failed',
          idx,
          at: checked,
          code: 'job.conflict',
          message,
          ...retried(idx)
        })
        report.failed.push({ id: targetId, code: 'job.conflict', message })
      }
    }
    // committed by the next batch's `begin` records, or the run's `stats` (Journal.appendAll)
    journal.appendAll(outcomes, { sync: false })
    progress(planned.targetId(batch.at(-1)!))
  }
  // The job is under way: say so before the first batch ends.
  progress()
  // `depth` batches at a time; after a cancel no batch starts. A journal that cannot be
  // written stops every lane after its batch (mapLimit starts nothing after a failure): the
  // job is then resumable from what the journal holds.
  let batchesSeen = 0
  const reclaimAt = reclaimBefore(todo.length, batchSize, target)
  try {
    await mapLimit(chunks(todo, batchSize), depth, async (batch) => {
      // browser tests only; each lane's ordinal taken before it waits, so n lets n through
      const ordinal = batchesSeen++
      if (jobGateSet) await atJobGate(ordinal, ctx.signal)
      if (ctx.signal?.aborted) return
      if (ordinal === reclaimAt) reclaimMemory()
      await runBatch(batch)
      // A settled batch's values are in the sealed snapshot (resume and rollback read them
      // there): the run lets them go, so what it holds shrinks batch by batch instead of
      // keeping every value of the job to its end.
      files.settled?.(batch)
    })
  } finally {
    // the run's figures, also for a run that stopped (cancelled, or its journal failed); before
    // `end`, which stays the last record of a finished job
    const stats = recorder.finish(Boolean(ctx.signal?.aborted))
    try {
      journal.append({ t: 'stats', at: now(), ...stats })
    } catch {
      // they are for the job's detail view: a journal that cannot take them (a full disk)
      // fails nothing the run did, and its items' outcomes are already recorded
    }
  }
  if (!ctx.signal?.aborted)
    journal.append({
      t: 'end',
      at: now(),
      counts: {
        applied: report.applied,
        failed: report.failed.length,
        refused: report.refused.length
      }
    })
  return report
}

/**
 * The target's pre-flight again at apply time, on what will be written now (the plan may be
 * old, or made with another key): an item it finds an error on is refused with its own
 * reason (and left out of the job); a store-wide error refuses the whole job before anything
 * is written. Returns the warnings.
 */
async function preflightAtApply(
  target: Backend,
  doc: PlanDocument,
  intended: Record<number, Entry>,
  previous: Record<number, Entry | null>,
  refusals: { idx: number; reason: string }[]
): Promise<string[]> {
  const idxs = Object.keys(intended).map(Number)
  if (!target.preflight || idxs.length === 0) return []
  const found = await target.preflight(idxs.map((idx) => intended[idx]!))
  // by target id, made only for an error on an item (not a string key per item for nothing)
  let byTarget: Map<string, number> | undefined
  const idxOf = (ref: EntryRef) =>
    (byTarget ??= new Map(
      idxs.map((idx) => [`${doc.items[idx]!.kind}:${doc.items[idx]!.targetId}`, idx])
    )).get(`${ref.kind}:${ref.id}`)
  const warnings: string[] = []
  for (const p of found) {
    if (p.severity === 'warning') {
      warnings.push(p.message)
      continue
    }
    const idx = p.ref ? idxOf(p.ref) : undefined
    if (idx === undefined)
      throw new AirlockError(
        'job.conflict',
        `The target's pre-flight refused this apply (nothing was written): ${p.message}`
      )
    else if (idx in intended) {
      delete intended[idx]
      delete previous[idx]
      refusals.push({ idx, reason: `pre-flight: ${p.message}` })
    }
  }
  return warnings
}

/** How a plan is applied: where it came from, and which of its items to leave out. */
export interface ApplyOptions {
  /** Names the plan in a refusal: its file, or `plan <id>` (default). */
  where?: string
  /** `kind:targetId` of items not to apply (the app's unticked rows); the plan is checked whole. */
  skip?: ReadonlySet<string>
}

/** The target's lock for this job (store-lock.ts); without a resolved store, by backend id. */
function takeLock(
  ctx: JobContext,
  target: Backend,
  jobId: string,
  action: 'apply' | 'resume' | 'rollback'
): Promise<StoreLock> {
  const store: TargetStore = ctx.target ?? {
    locator: target.id,
    identity: target.id,
    lock: { kind: 'local', name: target.id }
  }
  return lockStore(store, ctx.dataDir, { jobId, action })
}

/**
 * Refuses to resume or roll back a job on any store but its own: the store given must have the
 * identity the job recorded (a profile and the URL it holds are one store; another file is
 * not), naming both when it does not. A job recorded before identities were kept is compared
 * by its locator text, and the note returned says so.
 */
export function checkOwnTarget(
  meta: JobMeta,
  target: Backend,
  given: TargetStore | undefined,
  verb: 'resume' | 'rollback'
): string[] {
  const refuse = (ours: string, theirs: string, how: string) =>
    new AirlockError(
      'job.conflict',
      `Job ${meta.jobId} was made for ${ours}; ${theirs} is another store (${how}). A job can ${verb} only on its own target: nothing was written.`
    )
  if (meta.targetIdentity && given) {
    if (given.identity !== meta.targetIdentity)
      throw refuse(
        `${meta.target} (${meta.targetIdentity})`,
        `${given.locator} (${given.identity})`,
        'compared by store identity'
      )
    return []
  }
  if (given) {
    if (given.locator !== meta.target)
      throw refuse(
        meta.target,
        given.locator,
        'the job has no recorded store identity, so the locator text was compared'
      )
    return [
      `job ${meta.jobId} has no recorded store identity (made by an older Airlock): its target was checked by the locator text ${meta.target}`
    ]
  }
  if (meta.targetBackendId && meta.targetBackendId !== target.id)
    throw refuse(meta.targetBackendId, target.id, 'compared by backend id')
  return []
}

/**
 * What applying needs before any store is opened: a keychain that outlives the run (the job's
 * snapshot key) and a plan whose signature matches (plan-signature.ts). Throws
 * `keychain.unavailable` or `plan.unverified` (also for a `target` whose identity is not the
 * one the plan was made for). `applyPlan` runs it itself; front ends may run
 * it first so a refused plan opens none of the stores it names.
 */
export async function checkPlanToApply(
  doc: PlanDocument,
  keychain: Keychain,
  where = `plan ${doc.planId}`,
  target?: TargetStore
): Promise<void> {
  if (!isPersistent(keychain))
    throw new AirlockError(
      'keychain.unavailable',
      noKeychainMessage('a job keeps its snapshot key there (for resume and rollback)')
    )
  await verifyPlan(doc, keychain, where)
  // the signature binds the locator text; the store it names now must be the one planned
  if (target && doc.targetIdentity !== undefined && target.identity !== doc.targetIdentity)
    throw new AirlockError(
      'plan.unverified',
      `${where} was made for the target ${doc.target} (${doc.targetIdentity}); it names ${target.identity} here (another directory, or a profile changed since); nothing was applied. Plan again and review the new plan.`,
      { cliHint: PLAN_AGAIN_CLI_HINT }
    )
}

/**
 * A plan handed over to {@link applyPlan} for good: it takes the document out (leaving `plan`
 * undefined) and lets it go once the job's files are written, so a caller that keeps no other
 * reference to it does not hold every item of a large plan for the whole job (an async
 * function's locals live as long as it is suspended, even where no later line reads them).
 */
export class PlanHandover {
  constructor(public plan: PlanDocument | undefined) {}
}

/**
 * Applies a plan to its target, reading values from its source. The plan's signature is
 * checked first (plan-signature.ts): a plan changed since it was made, or not signed, is
 * refused (`plan.unverified`) before anything is read or written.
 */
export async function applyPlan(
  signed: PlanDocument | PlanHandover,
  source: Backend,
  target: Backend,
  ctx: JobContext,
  options: ApplyOptions = {}
): Promise<JobReport> {
  // A class, not a shape: a document with a top-level `plan` key is still a document.
  let doc = signed instanceof PlanHandover ? signed.plan : signed
  if (signed instanceof PlanHandover) signed.plan = undefined
  if (!doc) throw new AirlockError('internal', 'the plan to apply was handed over already')
  await checkPlanToApply(doc, ctx.keychain, options.where, ctx.target)
  const skip = options.skip
  if (skip?.size)
    doc = { ...doc, items: doc.items.filter((i) => !skip.has(`${i.kind}:${i.targetId}`)) }
  const fp = fingerprinter(await planKey(ctx.keychain, doc.planId))
  const jobId = newJobId()
  const lock = await takeLock(ctx, target, jobId, 'apply')
  try {
    const handover = new PlanHandover(doc)
    doc = undefined
    return await applyLocked(handover, source, target, ctx, fp, jobId)
  } finally {
    await lock.release()
  }
}

/**
 * What the job writes, by plan item index, and what it refuses: each item checked against
 * both stores as they are now. Its own function so that both stores' entries and their maps
 * are garbage once it returns (an async function's locals live as long as it is suspended,
 * and applyLocked is suspended for the whole job): at 100 k items they are some 60 MB.
 */
async function whatToWrite(
  doc: PlanDocument,
  source: Backend,
  target: Backend,
  fp: ReturnType<typeof fingerprinter>
): Promise<{
  intended: Record<number, Entry>
  previous: Record<number, Entry | null>
  refusals: { idx: number; reason: string }[]
  skipped: number
}> {
  const kinds = [...new Set(doc.items.map((i) => i.kind))]
  // the source is read this once (the job reads the target again, after each write)
  const [src, tgt] = [await source.load({ kinds, once: true }), await target.load({ kinds })]
  // one map per kind, by id (the last entry of an id kept): no `kind:id` string per entry
  const byId = (entries: readonly Entry[]) => {
    const maps = { connection: new Map<string, Entry>(), variable: new Map<string, Entry>() }
    for (const e of entries) maps[e.kind].set(idOf(e), e)
    return { get: (kind: Entry['kind'], id: string) => maps[kind].get(id) }
  }
  const sourceMap = byId(src.entries)
  const targetMap = byId(tgt.entries)
  // the target's ids it cannot read now (a row that does not decrypt, an id held by two rows):
  // refused with the store's own reason, not as removed (made only where there are some)
  const unreadable = tgt.problems.length
    ? new Map(tgt.problems.map((p) => [`${p.ref.kind}:${p.ref.id}`, p.message]))
    : undefined
  const intended: Record<number, Entry> = {}
  const previous: Record<number, Entry | null> = {}
  const refusals: { idx: number; reason: string }[] = []
  let skipped = 0
  doc.items.forEach((item, idx) => {
    if (item.action === 'unchanged' || item.action === 'conflict') return void skipped++
    const problem = unreadable?.get(`${item.kind}:${item.targetId}`)
    if (problem !== undefined)
      return void refusals.push({ idx, reason: `the target cannot read this id now: ${problem}` })
    const current = targetMap.get(item.kind, item.targetId)
    const currentVersion = current ? fp(entryDigest(current)) : null
    if (currentVersion !== item.targetVersion)
      return void refusals.push({
        idx,
        reason: current
          ? item.targetVersion
            ? 'the target value changed since the plan'
            : 'the target now holds this id (created since the plan)'
          : 'the target value was removed since the plan'
      })
    if (item.action === 'delete')
      return void (previous[idx] = withTargetId(current!, item.targetId))
    const s = item.sourceId === null ? undefined : sourceMap.get(item.kind, item.sourceId)
    if (!s) return void refusals.push({ idx, reason: 'the source no longer holds this id' })
    const mapped = withTargetId(s, item.targetId)
    if (fp(entryDigest(mapped)) !== item.sourceVersion)
      return void refusals.push({ idx, reason: 'the source value changed since the plan' })
    intended[idx] = mapped
    previous[idx] = current ? withTargetId(current, item.targetId) : null
  })
  return { intended, previous, refusals, skipped }
}

/**
 * Where the target holds the values the job will change (Backend.placesOf: a `.env` file's
 * lines as written), sealed in the snapshot for a rollback to put them back there as they
 * were: by plan item index, each place made as the snapshot's part holding it is sealed. None
 * where the store records none, or cannot say now (its rollback writes them back as `write`
 * does, as before). By the previous entries' refs (a team's name is not its id's).
 */
async function placesOfPrevious(
  target: Backend,
  previous: Record<number, Entry | null>
): Promise<((idx: number) => EntryPlace | undefined) | undefined> {
  if (!target.placesOf) return undefined
  const list: number[] = []
  const refs: EntryRef[] = []
  // loops, not closures: the lookup returned is a closure, which would keep `previous` too
  for (const k in previous) {
    const e = previous[k]
    if (!e) continue
    list.push(Number(k))
    refs.push(refOf(e))
  }
  if (!list.length) return undefined
  let found: (i: number) => EntryPlace | undefined
  try {
    found = await target.placesOf(refs)
  } catch {
    return undefined
  }
  // ascending (an object lists its index keys so): the ref of an item by binary search
  const idxs = Int32Array.from(list)
  return (idx) => {
    let [lo, hi] = [0, idxs.length - 1]
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (idxs[mid] === idx) return found(mid)
      if (idxs[mid]! < idx) lo = mid + 1
      else hi = mid - 1
    }
    return undefined
  }
}

/** A job made and started (its files written, its refusals journalled), ready to run. */
interface StartedJob {
  /** Whether memory is reclaimed before the batches (reclaimsBeforeBatches). */
  reclaims: boolean
  files: RunFiles
  source: string
  target: string
  journal: Journal
  refused: JournalRecord[]
  skipped: number
  warnings: string[]
}

/**
 * Checks the plan's items against both stores, writes the job's meta and snapshot, and
 * journals its start and refusals. Takes the plan out of `handover`: it is garbage once this
 * returns (the run keeps `JobItems`, job-items.ts), as are both stores' entries.
 */
async function startJob(
  handover: PlanHandover,
  source: Backend,
  target: Backend,
  ctx: JobContext,
  fp: ReturnType<typeof fingerprinter>,
  jobId: string
): Promise<StartedJob> {
  let doc: PlanDocument | undefined = handover.plan!
  handover.plan = undefined
  const { intended, previous, refusals, skipped } = await whatToWrite(doc, source, target, fp)
  // before the stores' garbage is handed back: the target's scan for them is garbage too
  // (an item the pre-flight refuses has its place asked for by no part)
  const places = await placesOfPrevious(target, previous)
  const reclaims = reclaimsBeforeBatches(Object.keys(intended).length, target)
  if (reclaims) reclaimMemory()
  const warnings = await preflightAtApply(target, doc, intended, previous, refusals)
  const total =
    Object.keys(previous).length + Object.keys(intended).filter((i) => !(i in previous)).length
  const { planId, source: planSource, target: planTarget } = doc
  const items = JobItems.of(doc.items)
  // the plan's items go to meta.json and no further: createJob lets them go before it seals
  // the snapshot, so nothing here may hold the plan (some 30 MB at 100 k items)
  const jobFiles: JobFiles = {
    meta: {
      jobId,
      planId,
      source: planSource,
      target: planTarget,
      createdAt: now(),
      total,
      items: doc.items,
      ...(ctx.target ? { targetIdentity: ctx.target.identity } : {}),
      targetBackendId: target.id,
      dialect: doc.dialect,
      options: doc.options,
      planCreatedAt: doc.createdAt
    },
    intended,
    previous,
    ...(places ? { placeOf: places } : {})
  }
  doc = undefined
  const todo = itemsToDo(flagsOf(intended, previous), items)
  const journal = new Journal(journalPath(ctx.dataDir, jobId))
  const sealed = await createJob(ctx.dataDir, ctx.keychain, jobFiles, journal, {
    t: 'start',
    jobId,
    planId,
    source: planSource,
    target: planTarget,
    total,
    at: now()
  })
  const refused: JournalRecord[] = []
  try {
    for (const r of refusals) {
      const rec: JournalRecord = { t: 'refused', idx: r.idx, at: now(), reason: r.reason }
      journal.append(rec)
      refused.push(rec)
    }
  } catch (error) {
    journal.close()
    throw error
  }
  // A whole-file store's batch rewrites the whole file, and the job's peak came in its first
  // batches while every value was still held (some 50 MB at 100 k items): its batches read
  // their values from the sealed snapshot instead. Another store keeps them in memory (its
  // batches hold little each; reading them back would cost CPU for no peak).
  const values = WHOLE_FILE_KINDS.has(target.kind)
    ? { values: (batch: readonly number[]) => sealed.values(batch) }
    : valuesHeld(intended, previous)
  jobFiles.intended = {}
  jobFiles.previous = {}
  jobFiles.placeOf = undefined
  return {
    reclaims,
    files: { jobId, total, items, todo, ...values },
    source: planSource,
    target: planTarget,
    journal,
    refused,
    skipped,
    warnings
  }
}

async function applyLocked(
  handover: PlanHandover,
  source: Backend,
  target: Backend,
  ctx: JobContext,
  fp: ReturnType<typeof fingerprinter>,
  jobId: string
): Promise<JobReport> {
  const job = await startJob(handover, source, target, ctx, fp, jobId)
  const { files, journal } = job
  try {
    // here, not in startJob: its frame held every value until it returned
    if (job.reclaims) reclaimMemory()
    const report = await execute(ctx, files, target, journal, job.refused, 'apply').catch(
      stoppedAudit(ctx, { job: jobId, action: 'apply', source: job.source, target: job.target })
    )
    report.skipped = job.skipped
    if (job.warnings.length) report.warnings = job.warnings
    const ids: string[] = []
    for (let idx = 0; idx < files.items.length; idx++)
      if (files.items.action(idx) !== 'unchanged') ids.push(files.items.targetId(idx))
    writeAudit(ctx.dataDir, {
      job: jobId,
      action: 'apply',
      source: job.source,
      target: job.target,
      applied: report.applied,
      failed: report.failed.length,
      refused: report.refused.length,
      ids
    })
    return report
  } finally {
    journal.close()
  }
}

/**
 * A rethrow for a run an error stopped once it may have written (a changed snapshot, a journal
 * that cannot be written, a store gone): the audit records the run and the error's code (the
 * journal holds what it did), then the error goes on. An audit log that cannot be written
 * either does not hide the run's own error.
 */
function stoppedAudit(ctx: JobContext, record: { job: string } & Record<string, unknown>) {
  return (error: unknown): never => {
    try {
      writeAudit(ctx.dataDir, {
        ...record,
        stopped: error instanceof AirlockError ? error.code : 'internal'
      })
    } catch {
      // the run's error says more than the audit log's
    }
    throw error
  }
}

/**
 * Finishes a job that stopped (crash, kill, cancel): items not recorded as done are redone with
 * the job's own values, each batch's read from the snapshot as the batch starts, whatever the
 * target (issue #22: a resume held every value of the job, ~330 MB at 100 k `.env` items).
 * Unlike an apply, which has every value in hand from its reads and keeps them for a store
 * that is not a whole file, a resume has to read them from the snapshot either way: per batch
 * it reads each part once more than a whole read, which costs little beside the store's writes.
 */
export async function resumeJob(
  jobId: string,
  target: Backend,
  ctx: JobContext
): Promise<JobReport> {
  const job = await openJob(ctx.dataDir, ctx.keychain, jobId, 'resume')
  const notes = checkOwnTarget(job.meta, target, ctx.target, 'resume')
  const lock = await takeLock(ctx, target, jobId, 'resume')
  try {
    const report = await resumeLocked(jobId, job, target, ctx)
    return notes.length ? { ...report, notes: [...notes, ...(report.notes ?? [])] } : report
  } finally {
    await lock.release()
  }
}

/**
 * The items a job writes or removes, ascending — every value to write, and the deletes — from
 * the flags of its values (an apply's maps, or a snapshot's index: no value read).
 */
function itemsToDo(snapshot: Pick<JobSnapshot, 'indexes' | 'flags'>, planned: JobItems): number[] {
  const todo: number[] = []
  snapshot.indexes.forEach((idx, i) => {
    const flags = snapshot.flags[i]!
    if (flags & IN_INTENDED || (flags & IN_PREVIOUS && planned.action(idx) === 'delete'))
      todo.push(idx)
  })
  return todo
}

async function resumeLocked(
  jobId: string,
  job: { meta: JobMeta; snapshot: JobSnapshot },
  target: Backend,
  ctx: JobContext
): Promise<JobReport> {
  const path = journalPath(ctx.dataDir, jobId)
  const records = Journal.read(path)
  if (!records.some((r) => r.t === 'start')) {
    writeAudit(ctx.dataDir, {
      job: jobId,
      action: 'resume',
      note: 'never started: nothing had been written'
    })
    return { jobId, applied: 0, failed: [], refused: [], skipped: 0 }
  }
  const journal = new Journal(path)
  try {
    const { meta, snapshot } = job
    const items = JobItems.of(meta.items)
    // the parsed plan items (diffs, versions: ~88 MB at 100 k) are garbage from here: the run
    // keeps the kind, id and action of each (a reviewer found them live through every batch)
    meta.items = []
    const todo = itemsToDo(snapshot, items)
    // the snapshot's parts, each parsed once to index it, are garbage in pooled pages
    if (reclaimsBeforeBatches(todo.length, target)) reclaimMemory()
    const run: RunFiles = {
      jobId: meta.jobId,
      total: meta.total,
      items,
      todo,
      values: (batch) => snapshot.values(batch)
    }
    const report = await execute(ctx, run, target, journal, records, 'resume').catch(
      stoppedAudit(ctx, { job: jobId, action: 'resume', target: meta.target })
    )
    writeAudit(ctx.dataDir, {
      job: jobId,
      action: 'resume',
      target: meta.target,
      applied: report.applied,
      failed: report.failed.length
    })
    return report
  } finally {
    journal.close()
  }
}

/** What a rollback did: counts, the ids it could not restore, the ids it left alone. */
export interface RollbackReport {
  restored: number
  removed: number
  failed: string[]
  /** Items changed in the target since the job wrote them: left as they are (no values). */
  skipped: { id: string; reason: string }[]
  notes?: string[]
  /** A cancel stopped it: what is not rolled back yet is rolled back by running it again. */
  cancelled?: boolean
}

/**
 * Puts back what the job changed: previous values restored, items it created removed. Like
 * Vault's check-and-set, each item is compared with what the job wrote first: an item changed
 * since (a rotated token, a value edited by hand, an id removed or made again) is skipped and
 * reported, unless `force`. An item already back as it was is counted, not written again; an
 * item a rollback already put back is left alone, so a second rollback (say with `force`)
 * touches only what the first one skipped or failed.
 */
export async function rollbackJob(
  jobId: string,
  target: Backend,
  ctx: JobContext,
  options: { force?: boolean } = {}
): Promise<RollbackReport> {
  const meta = readMeta(ctx.dataDir, jobId)
  const notes = checkOwnTarget(meta, target, ctx.target, 'rollback')
  const lock = await takeLock(ctx, target, jobId, 'rollback')
  try {
    const out = await rollbackLocked(jobId, meta, target, ctx, Boolean(options.force))
    return notes.length ? { ...out, notes } : out
  } finally {
    await lock.release()
  }
}

/** A rollback's decision on an item (RollbackComparison): put back already, to undo, or skipped. */
const BACK_ALREADY = 1
const TO_UNDO = 2
/** Why an item is skipped, by its decision less SKIPPED. */
const SKIPPED = 3
const SKIP_REASONS = [
  'it cannot be read to compare with what the job wrote',
  'removed since the job wrote it',
  'made again since the job removed it',
  'changed since the job wrote it'
] as const

/** Bytes of each digest a rollback keeps (a SHA-256 of the canonical text entryDigest gives). */
const DIGEST_BYTES = 32
/** What a rollback knows of an item from the snapshot: seen, and a value before or written. */
const SEEN = 1
const HAD_BEFORE = 2
const HAD_WRITTEN = 4

/**
 * What a rollback does with each touched item, by plan item index: what the target holds now,
 * compared as the read-back compares (fields it cannot keep left out) with what the job wrote
 * and with what was there before. Its `visit` sees the snapshot's parts as they are indexed
 * (openJob): of each touched item it keeps the SHA-256 of the two texts compared (64 bytes,
 * not the values: the rollback never holds the job's values whole, nor two maps of them),
 * before the target is read — the snapshot's parts are parsed while the heap is small, as a
 * whole read did before. Then `decide` reads the target (its `load`, and a map of its entries
 * by id: the comparison's other cost, garbage once it returns) and keeps a byte per item.
 */
class RollbackComparison {
  private readonly touched: Uint8Array
  private readonly known: Uint8Array
  private readonly digests: Uint8Array
  /** Each touched item's place order (EntryPlace.order; NaN: none), made once one has a place. */
  private orders: Float64Array | undefined

  constructor(
    private readonly items: JobItems,
    touched: readonly number[],
    private readonly target: Backend,
    private readonly force: boolean
  ) {
    this.touched = new Uint8Array(items.length)
    for (const idx of touched) this.touched[idx] = 1
    this.known = new Uint8Array(items.length)
    this.digests = new Uint8Array(touched.length ? items.length * 2 * DIGEST_BYTES : 0)
  }

  /** The text compared of `e` as the target would hold it under the item's id, or null. */
  private digest(e: Entry | null | undefined, idx: number): string | null {
    const id = this.items.targetId(idx)
    return e ? entryDigest(withoutLossy(withTargetId(e, id), this.target)) : null
  }

  private keep(idx: number, which: 0 | 1, text: string): void {
    const at = (idx * 2 + which) * DIGEST_BYTES
    this.digests.set(hash('sha256', text, 'buffer'), at)
  }

  /** Whether the kept digest `which` of `idx` is `digest` (the SHA-256 of a text compared). */
  private same(idx: number, which: 0 | 1, digest: Buffer): boolean {
    const at = (idx * 2 + which) * DIGEST_BYTES
    return digest.compare(this.digests, at, at + DIGEST_BYTES) === 0
  }

  /** Keeps the digests of the touched items of one part of the snapshot. */
  readonly visit = ({ intended, previous, places }: Omit<JobFiles, 'meta'>): void => {
    const see = (idx: number) => {
      if (!this.touched[idx]) return
      const place = places?.[idx]
      if (place) (this.orders ??= new Float64Array(this.items.length).fill(NaN))[idx] = place.order
      const before = this.digest(previous[idx], idx)
      const wrote = this.digest(intended[idx], idx)
      let known = SEEN
      if (before !== null) {
        known |= HAD_BEFORE
        this.keep(idx, 0, before)
      }
      if (wrote !== null) {
        known |= HAD_WRITTEN
        this.keep(idx, 1, wrote)
      }
      this.known[idx] = known
    }
    for (const k in intended) see(Number(k))
    for (const k in previous) if (!(k in intended)) see(Number(k))
  }

  /**
   * `todo` in the order the undo takes: items with a place (an older job's have none) by their
   * place's order, so what came before an item in the store is back before it (a `.env` line
   * goes back after the line that preceded it); then the others, in their order.
   */
  undoOrder(todo: number[]): number[] {
    const orders = this.orders
    if (!orders) return todo
    const placed = todo.filter((idx) => !Number.isNaN(orders[idx]!))
    placed.sort((a, b) => orders[a]! - orders[b]!)
    return [...placed, ...todo.filter((idx) => Number.isNaN(orders[idx]!))]
  }

  /**
   * Each touched item's decision against what the target holds now; an item in no part
   * compares as nothing before and nothing written.
   */
  async decide(touched: readonly number[], signal?: AbortSignal): Promise<Uint8Array> {
    const decisions = new Uint8Array(this.items.length)
    if (!touched.length) return decisions
    const kinds = [...new Set(touched.map((idx) => this.items.kind(idx)))]
    const loaded = await this.target.load({ kinds }, signal)
    const current = new Map(loaded.entries.map((e) => [`${e.kind}:${idOf(e)}`, e]))
    const unreadable = new Set(loaded.problems.map((p) => `${p.ref.kind}:${p.ref.id}`))
    for (const idx of touched) {
      const key = `${this.items.kind(idx)}:${this.items.targetId(idx)}`
      const known = this.known[idx]!
      const cannot = unreadable.has(key)
      const held = cannot ? undefined : this.digest(current.get(key), idx)
      // held === before / held === wrote, as the texts compared (the text held hashed once)
      const heldDigest = typeof held === 'string' ? hash('sha256', held, 'buffer') : undefined
      const isBefore =
        held === null
          ? !(known & HAD_BEFORE)
          : heldDigest !== undefined && known & HAD_BEFORE
            ? this.same(idx, 0, heldDigest)
            : false
      const isWrote = () =>
        held === null
          ? !(known & HAD_WRITTEN)
          : heldDigest !== undefined && known & HAD_WRITTEN
            ? this.same(idx, 1, heldDigest)
            : false
      decisions[idx] =
        !cannot && isBefore
          ? BACK_ALREADY
          : this.force || (!cannot && isWrote())
            ? TO_UNDO
            : SKIPPED + (cannot ? 0 : held === null ? 1 : !(known & HAD_WRITTEN) ? 2 : 3)
    }
    return decisions
  }
}

async function rollbackLocked(
  jobId: string,
  meta: JobMeta,
  target: Backend,
  ctx: JobContext,
  force: boolean
): Promise<RollbackReport> {
  // the kind, id and action of each item; the parsed plan items are garbage from here
  const items = JobItems.of(meta.items)
  meta.items = []
  const path = journalPath(ctx.dataDir, jobId)
  const records = Journal.read(path)
  const last = new Map<number, string>()
  for (const r of records) if (r.t === 'rollback') last.set(r.idx, r.action)
  const begun = [
    ...new Set(records.filter((r) => r.t === 'begin').map((r) => (r as { idx: number }).idx))
  ]
  const touched = begun
    .filter((idx) => last.get(idx) !== 'restored' && last.get(idx) !== 'removed')
    .reverse()
  const out: RollbackReport = { restored: 0, removed: 0, failed: [], skipped: [] }
  // Progress over the whole job's rollback, as a resume's is over the whole job: what an
  // earlier rollback (one a cancel stopped) put back counts as done; an item left as changed
  // is not to do. The rate and ETA are of this run's undo.
  const earlier = begun.length - touched.length
  const started = Date.now()
  let undoneBefore = 0
  const progress = (current?: string) => {
    const undone = out.restored + out.removed
    const thisRun = undone - undoneBefore
    const seconds = Math.max(0.001, (Date.now() - started) / 1000)
    const total = begun.length - out.skipped.length
    const done = earlier + undone
    ctx.onProgress?.({
      jobId,
      done,
      total,
      failed: out.failed.length,
      refused: 0,
      retries: 0,
      throttled: target.pacer?.stats().throttled ?? 0,
      concurrency: target.pacer?.stats().concurrency ?? null,
      rate: thisRun / seconds,
      etaSeconds: thisRun ? ((total - done - out.failed.length) * seconds) / thisRun : null,
      current
    })
  }
  // A secrets service's requests take the cancel (the target's read for the comparison too).
  const signal = target.pacer ? ctx.signal : undefined
  // the rollback's audit record: its counts so far, and what else the outcome adds
  const rollbackAudit = (more: Record<string, unknown>) => ({
    job: jobId,
    action: 'rollback',
    target: meta.target,
    restored: out.restored,
    removed: out.removed,
    failed: out.failed.length,
    ...more,
    ...(force ? { force: true } : {})
  })
  const journal = new Journal(path)
  try {
    // under way: said before the comparison, which reads the whole target (minutes at a quota)
    progress()
    // the snapshot, its touched items' digests kept as it is indexed, then the target as it is now
    const comparison = new RollbackComparison(items, touched, target, force)
    const { snapshot } = await openJob(
      ctx.dataDir,
      ctx.keychain,
      jobId,
      'rollback',
      comparison.visit
    )
    let decisions: Uint8Array
    try {
      decisions = await comparison.decide(touched, signal)
    } catch (error) {
      // a cancel during the comparison: nothing written, nothing recorded
      if (!endedBy(signal)(error)) throw error
      decisions = new Uint8Array(0)
    }
    if (ctx.signal?.aborted) decisions = new Uint8Array(0)
    // the target's entries it compared with are garbage now, in pages V8 keeps pooled: a large
    // rollback of a whole file hands them back before its rewrites (as apply does; once: a
    // second collection halfway through the undo, as apply's, lowered no peak measured)
    if (reclaimsBeforeBatches(touched.length, target)) reclaimMemory()
    const todo: number[] = []
    const settled: JournalRecord[] = []
    // in the order of `touched` (the reverse of writing), as the records always were
    for (const idx of ctx.signal?.aborted ? [] : touched) {
      const decision = decisions[idx]!
      const action =
        snapshotFlags(snapshot, idx) & PREVIOUS_HELD ? ('restored' as const) : ('removed' as const)
      if (decision === BACK_ALREADY) {
        settled.push({ t: 'rollback', idx, at: now(), action })
        continue
      }
      if (decision === TO_UNDO) {
        todo.push(idx)
        continue
      }
      const reason = SKIP_REASONS[decision - SKIPPED]!
      out.skipped.push({ id: items.targetId(idx), reason })
      settled.push({ t: 'rollback', idx, at: now(), action: 'skipped', message: reason })
    }
    journal.appendAll(settled)
    for (const r of settled)
      if (r.t === 'rollback' && r.action === 'restored') out.restored++
      else if (r.t === 'rollback' && r.action === 'removed') out.removed++
    // the items found back already are not this run's undo: its rate counts from here
    undoneBefore = out.restored + out.removed
    progress()
    // a store that puts entries back where they were takes them in their order there
    const order = target.putBack ? comparison.undoOrder(todo) : todo
    await undo(items, snapshot, target, ctx, journal, order, out, progress)
    if (ctx.signal?.aborted) {
      out.cancelled = true
      // what this run found to do and has not: the whole of it when the comparison was cut short
      const left =
        touched.length - out.skipped.length - out.restored - out.removed - out.failed.length
      ;(out.notes ??= []).push(
        `stopped by a cancel: ${left} item${left === 1 ? '' : 's'} not rolled back yet; ` +
          'run the rollback again to finish it'
      )
    }
  } catch (error) {
    // what it did so far is in the journal; the audit says the rollback ran and why it stopped
    return stoppedAudit(ctx, rollbackAudit({}))(error)
  } finally {
    journal.close()
  }
  writeAudit(
    ctx.dataDir,
    rollbackAudit({
      skipped: out.skipped.map((s) => s.id),
      ...(out.cancelled ? { stopped: 'cancelled' } : {})
    })
  )
  return out
}

/**
 * Writes back previous values: those with a place (an apply recorded one, where the store keeps
 * them) put back where and as they were written, in one call, the others as `write` writes
 * them. A value put back as written may read as the lines around it make it (a `.env` line's
 * `${NAME}`; the store says which may): one that does not read back as it was before the job
 * (the file edited since) has its value written instead, where it now is — what a rollback
 * did before places.
 */
async function restore(
  items: JobItems,
  writes: readonly { idx: number; entry: Entry; place?: EntryPlace }[],
  target: Backend,
  ctx: JobContext,
  signal: AbortSignal | undefined
): Promise<void> {
  if (!target.putBack || !writes.some((w) => w.place)) {
    await target.write(
      writes.map((w) => w.entry),
      signal
    )
    return
  }
  const check = await target.putBack(writes, signal)
  if (!check.length) return
  const placed = check.map((i) => writes[i]!)
  const backs = await readBack(
    target,
    placed.map((w) => ({ kind: items.kind(w.idx), id: items.targetId(w.idx) })),
    ctx.readConcurrency ?? 16,
    signal
  )
  const differ = placed.filter(
    (w, j) => !readsBackAs(backs[j], w.entry, items.targetId(w.idx), target)
  )
  if (differ.length)
    await target.write(
      differ.map((w) => w.entry),
      signal
    )
}

/**
 * Writes back the previous values of `todo` (removing what the job created), in batches, each
 * batch's values read from the snapshot as it starts.
 */
async function undo(
  items: JobItems,
  snapshot: JobSnapshot,
  target: Backend,
  ctx: JobContext,
  journal: Journal,
  todo: number[],
  out: RollbackReport,
  progress: (current?: string) => void
): Promise<void> {
  // As in an apply: a paced (remote) store's requests take the cancel, and the items of a
  // batch it cut short get no record (their undo may or may not have landed): running the
  // rollback again compares them with the target and finishes them. A local store's batch
  // runs to its end; no batch starts after a cancel.
  const signal = target.pacer ? ctx.signal : undefined
  const cutShort = endedBy(signal)
  const undoOne = async (
    idx: number,
    previous: Record<number, Entry | null>
  ): Promise<JournalRecord | undefined> => {
    const prev = previous[idx]
    if (ctx.signal?.aborted) return undefined
    try {
      if (prev) await target.write([prev], signal)
      else await target.remove([{ kind: items.kind(idx), id: items.targetId(idx) }], signal)
      return { t: 'rollback', idx, at: now(), action: prev ? 'restored' : 'removed' }
    } catch (error) {
      if (cutShort(error)) return undefined
      return {
        t: 'rollback',
        idx,
        at: now(),
        action: 'failed',
        message: error instanceof AirlockError ? error.userMessage : 'unexpected error'
      }
    }
  }
  // In batches, as apply writes: one write and one removal per batch (one transaction or one
  // rewrite of a file), one journal commit; a batch that fails is undone item by item to
  // find which items cannot be.
  const undoBatch = async (batch: number[]): Promise<void> => {
    if (ctx.signal?.aborted) return
    // only the previous values to restore are read (the index says which items have one):
    // a batch of items the job created reads no part
    const restores = batch.filter((idx) => snapshotFlags(snapshot, idx) & PREVIOUS_HELD)
    const { previous, places } = snapshot.values([...restores].sort((a, b) => a - b))
    const writes = batch.filter((idx) => previous[idx])
    const removes = batch.filter((idx) => !previous[idx])
    let records: JournalRecord[]
    try {
      if (writes.length)
        await restore(
          items,
          writes.map((idx) => ({ idx, entry: previous[idx]!, place: places?.[idx] })),
          target,
          ctx,
          signal
        )
      if (removes.length)
        await target.remove(
          removes.map((idx) => ({ kind: items.kind(idx), id: items.targetId(idx) })),
          signal
        )
      records = batch.map((idx) => ({
        t: 'rollback' as const,
        idx,
        at: now(),
        action: previous[idx] ? ('restored' as const) : ('removed' as const)
      }))
    } catch (error) {
      if (cutShort(error)) return
      records = []
      for (const idx of batch) {
        const record = await undoOne(idx, previous)
        if (record) records.push(record)
      }
    }
    journal.appendAll(records)
    for (const r of records)
      if (r.t !== 'rollback') continue
      else if (r.action === 'restored') out.restored++
      else if (r.action === 'removed') out.removed++
      else out.failed.push(items.targetId(r.idx))
    progress(items.targetId(batch.at(-1)!))
  }
  const depth = pipelineDepth(target, ctx)
  const batchSize = ctx.batchSize ?? defaultBatchSize(todo.length, depth, target)
  let batchesSeen = 0
  await mapLimit(chunks(todo, batchSize), depth, async (batch) => {
    // browser tests only (test-gate.ts), as in an apply
    const ordinal = batchesSeen++
    if (jobGateSet) await atJobGate(ordinal, ctx.signal)
    await undoBatch(batch)
  })
}
