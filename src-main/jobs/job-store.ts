/**
 * Where a job lives on disk: `<dataDir>/jobs/<jobId>/` holds `meta.json` (the plan's items,
 * no values), `values.fernet` (the values to write and the target's previous values, sealed in parts,
 * encrypted with a per-job key kept in the keychain) and `journal.jsonl` (see journal.ts).
 * Also the plan keys (the keychain entries that check a plan for drift).
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  fstatSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import type { JobDto } from '../contract/ipc'
import { Fernet, MultiFernet } from '../core/codecs/fernet'
import { AirlockError } from '../core/errors'
import type { Dialect, Entry, EntryKind } from '../core/model'
import type { EntryPlace } from '../backends/backend'
import type { PlanItem, PlanOptions } from '../core/plan'
import type { Keychain } from '../keychain/keychain'
import { writeFileAtomicPartsSync } from '../platform/atomic-write'
import { failpoint } from '../platform/failpoint'
import { Journal, type JournalRecord } from './journal'
import { storageError } from './storage-error'

/** What `meta.json` holds: the job's plan, without values. */
export interface JobMeta {
  jobId: string
  planId: string
  source: string
  target: string
  createdAt: string
  total: number
  items: PlanItem[]
  /**
   * The target's canonical identity (operations/open-store.ts `storeIdentity`), so resume and
   * rollback act on this store only, however it is named. Absent in jobs made before it was
   * recorded: they compare the locator text.
   */
  targetIdentity?: string
  /** The target backend's id, for callers that give no resolved store (in-process use). */
  targetBackendId?: string
  /** The plan's dialect, options and time (absent in jobs of older versions). */
  dialect?: Dialect
  options?: PlanOptions
  planCreatedAt?: string
}

/** A job as stored: its meta and its snapshot, by plan item index. */
export interface JobFiles {
  meta: JobMeta
  intended: Record<number, Entry>
  previous: Record<number, Entry | null>
  /**
   * Where and how the target held the previous values (Backend.placesOf), for a rollback to put
   * them back as written: items of a store that records them; absent in older snapshots.
   */
  places?: Record<number, EntryPlace>
  /**
   * Sealing only: the places to seal, each made as its part is sealed (a job's places are not
   * all held as objects at once), instead of `places`.
   */
  placeOf?: (idx: number) => EntryPlace | undefined
}

/** A job's folder. */
export function jobDir(dataDir: string, jobId: string): string {
  return join(dataDir, 'jobs', jobId)
}

/** A job's journal file. */
export function journalPath(dataDir: string, jobId: string): string {
  return join(jobDir(dataDir, jobId), 'journal.jsonl')
}

/** A new job id: sortable by time, unique by its random tail. */
export function newJobId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`
}

/** The plan's fingerprint key, kept in the keychain when the plan was made. */
export async function planKey(keychain: Keychain, planId: string): Promise<Uint8Array> {
  const hex = await keychain.get(`plan:${planId}`)
  if (!hex)
    throw new AirlockError(
      'job.conflict',
      `The key that checks plan ${planId} for drift is not in this keychain (made on another machine, or with no OS keychain); make the plan again here.`
    )
  return Buffer.from(hex, 'hex')
}

/** Stores a new plan's fingerprint key; returns it. */
export async function newPlanKey(keychain: Keychain, planId: string): Promise<Uint8Array> {
  const key = randomBytes(32)
  await keychain.set(`plan:${planId}`, key.toString('hex'))
  return key
}

/** The first line of a snapshot sealed in parts (below); an older snapshot is one token. */
const SNAPSHOT_HEADER = 'airlock-snapshot 2'
/** Items per sealed part of a snapshot. */
const SNAPSHOT_PART = 1000

/** One sealed part of a snapshot: its place, whether it is the last, and its items' values. */
interface SnapshotPart {
  n: number
  last: boolean
  intended: Record<number, Entry>
  previous: Record<number, Entry | null>
  /** The places of its items that have one (JobFiles.places); absent when none has. */
  places?: Record<number, EntryPlace>
}

/**
 * The snapshot's lines: a header, then the items in parts of {@link SNAPSHOT_PART}, each part
 * one Fernet token (encrypted and authenticated with the job's key) holding its number and
 * whether it is the last, so a part left out, repeated, moved or cut off is refused on
 * reading, as a changed byte is. Produced part by part: the snapshot of a large job is never
 * one document, one string or one token in memory (it was three copies of every value).
 */
function* snapshotLines(
  key: string,
  intended: Record<number, Entry>,
  previous: Record<number, Entry | null>,
  index?: SnapshotIndex,
  placeOf?: (idx: number) => EntryPlace | undefined
): Generator<string> {
  const fernet = MultiFernet.fromSetting(key)
  const idxs = itemIndexes(intended, previous)
  const header = `${SNAPSHOT_HEADER}\n`
  yield header
  const parts = Math.max(1, Math.ceil(idxs.length / SNAPSHOT_PART))
  if (index) {
    index.firsts = new Int32Array(parts)
    index.offsets = new Float64Array(parts + 1)
    index.offsets[0] = header.length
  }
  for (let n = 0; n < parts; n++) {
    const part: SnapshotPart = { n, last: n === parts - 1, intended: {}, previous: {} }
    const these = idxs.subarray(n * SNAPSHOT_PART, (n + 1) * SNAPSHOT_PART)
    for (const idx of these) {
      if (idx in intended) part.intended[idx] = intended[idx]!
      if (idx in previous) part.previous[idx] = previous[idx]!
      const place = placeOf?.(idx)
      if (place) (part.places ??= {})[idx] = place
    }
    // a token is ASCII: its length is its bytes
    const line = fernet.encrypt(new TextEncoder().encode(JSON.stringify(part))) + '\n'
    if (index) {
      index.firsts[n] = these.length ? these[0]! : 0
      index.offsets[n + 1] = index.offsets[n]! + line.length
    }
    yield line
  }
}

/** Where each part of a snapshot being sealed starts: its first item index and its byte offset. */
interface SnapshotIndex {
  firsts: Int32Array
  /** The byte offset of each part's line, and the file's length after the last. */
  offsets: Float64Array
}

/**
 * The values of a job whose snapshot this process sealed, or indexed for a resume or rollback
 * (openJob), read back from it a batch at a time: an apply keeps no value in memory between its
 * batches (issue #22: the values to write and the target's previous ones, some 50–60 MB at
 * 100 k items, were live through every batch), nor does a resume or rollback. Each part read is
 * authenticated, and must be the part sealed at that place.
 */
export class SealedSnapshot {
  /** The part read last: batches come in ascending order, and two may share a part. */
  private last: SnapshotPart | undefined
  /** The job key's Fernet, made once (the key is held for the apply, as a resume holds it). */
  private fernet: MultiFernet | undefined

  constructor(
    private readonly path: string,
    private readonly key: string,
    private readonly index: SnapshotIndex,
    private readonly jobId: string,
    /** The run that reads it, as its refusals name it. */
    private readonly run: 'job' | 'resume' | 'rollback' = 'job'
  ) {}

  /** The values of `items` (ascending plan item indexes), read from the parts holding them. */
  values(items: readonly number[]): Omit<JobFiles, 'meta'> {
    const intended: Record<number, Entry> = {}
    const previous: Record<number, Entry | null> = {}
    let places: Record<number, EntryPlace> | undefined
    if (items.length === 0) return { intended, previous }
    const { firsts } = this.index
    let fd: number | undefined
    try {
      let n = this.partOf(items[0]!)
      for (let i = 0; i < items.length; n++) {
        while (n + 1 < firsts.length && firsts[n + 1]! <= items[i]!) n++
        let part = this.last
        if (part?.n !== n) part = this.last = this.read((fd ??= this.open()), n)
        const end = n + 1 < firsts.length ? firsts[n + 1]! : Infinity
        for (; i < items.length && items[i]! < end; i++) {
          const idx = items[i]!
          if (i > 0 && idx <= items[i - 1]!) throw misuse(`items out of order at ${idx}`)
          const wanted = idx in part.intended || idx in part.previous
          if (!wanted) throw misuse(`item ${idx} is in no part`)
          if (idx in part.intended) intended[idx] = part.intended[idx]!
          if (idx in part.previous) previous[idx] = part.previous[idx]!
          if (part.places && idx in part.places) (places ??= {})[idx] = part.places[idx]!
        }
      }
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
    return places ? { intended, previous, places } : { intended, previous }
  }

  /** The snapshot's file, which the job's folder holds until the job is removed. */
  private open(): number {
    try {
      return openSync(this.path, 'r')
    } catch (error) {
      throw new AirlockError(
        'job.conflict',
        `The snapshot of job ${this.jobId} (values.fernet in its folder) could not be opened while the ${this.run} ran; the ${this.run} stopped before this batch. Nothing of this batch was written.`,
        { cause: error }
      )
    }
  }

  /** Part `n`, read where it was sealed, authenticated, and checked to be that part. */
  private read(fd: number, n: number): SnapshotPart {
    const { firsts, offsets } = this.index
    // the part's line without its newline
    const [from, to] = [offsets[n]!, offsets[n + 1]! - 1]
    const bytes = Buffer.allocUnsafe(to - from)
    for (let at = 0; at < bytes.length;) {
      const got = readSync(fd, bytes, at, bytes.length - at, from + at)
      if (got === 0) throw this.changed()
      at += got
    }
    let part: SnapshotPart | undefined
    try {
      this.fernet ??= MultiFernet.fromSetting(this.key)
      part = partAt(this.fernet, bytes.toString('latin1'), n, n === firsts.length - 1)
    } catch {
      throw this.changed()
    }
    if (!part) throw this.changed()
    return part
  }

  /** The last part whose first index is at most `idx`. */
  private partOf(idx: number): number {
    const { firsts } = this.index
    let [lo, hi] = [0, firsts.length - 1]
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (firsts[mid]! <= idx) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  private changed(): AirlockError {
    return new AirlockError(
      'job.conflict',
      `The snapshot of job ${this.jobId} changed while the ${this.run} ran (a part is not where it was sealed); the ${this.run} stopped before this batch. Restore values.fernet in its folder to resume or roll it back.`
    )
  }
}

/** A caller's mistake (items not ascending, or not in the snapshot): never a guess of values. */
function misuse(what: string): AirlockError {
  return new AirlockError('internal', `sealed snapshot read: ${what}`)
}

/**
 * The item indexes either map holds, ascending, as numbers: no string key and no set entry per
 * item (100 k of each for a large job). Plan item indexes are array indexes, which an object
 * lists in ascending order before its other keys.
 */
function itemIndexes(
  intended: Record<number, Entry>,
  previous: Record<number, Entry | null>
): Int32Array {
  const idxs: number[] = []
  for (const k in intended) idxs.push(Number(k))
  for (const k in previous) if (!(k in intended)) idxs.push(Number(k))
  return Int32Array.from(idxs).sort()
}

/**
 * Part `n` of a snapshot, decrypted from its line, which is the file's last (`last`) or not;
 * undefined where the line holds another part (parts moved, or the file cut short after a part
 * that is not the last).
 */
function partAt(
  fernet: MultiFernet,
  line: string,
  n: number,
  last: boolean
): SnapshotPart | undefined {
  const part = JSON.parse(fernet.decrypt(line).toString('utf8')) as SnapshotPart
  return part.n === n && part.last === last ? part : undefined
}

/** Bytes read at a time while a snapshot is indexed (a part's line is some 400 KB). */
const INDEX_CHUNK = 1 << 16

/** Where an item is in a snapshot: in its values to write, its previous values, and non-null there. */
export const IN_INTENDED = 1
export const IN_PREVIOUS = 2
export const PREVIOUS_HELD = 4

/**
 * A job's snapshot as resume and rollback read it: which items it holds (ascending, with
 * their {@link IN_INTENDED} / {@link IN_PREVIOUS} / {@link PREVIOUS_HELD} flags), and their
 * values a batch at a time — read part by part from the file (a snapshot sealed in parts), or
 * from the maps of an older job's single token (small: jobs of versions before the parts).
 */
export interface JobSnapshot {
  /** The item indexes the snapshot holds, ascending. */
  indexes: Int32Array
  /** Each of `indexes`' flags. */
  flags: Uint8Array
  /** The values of `items` (ascending indexes the snapshot holds). */
  values(items: readonly number[]): Omit<JobFiles, 'meta'>
}

/**
 * Sees each part's values as the snapshot is indexed, once each part is checked, before they
 * are let go (a rollback keeps there what it compares with the target: no pass of its own).
 */
export type SnapshotVisitor = (values: Omit<JobFiles, 'meta'>) => void

/** The flags of `idx` in `snapshot` (0 for an item it does not hold). */
export function snapshotFlags(
  snapshot: Pick<JobSnapshot, 'indexes' | 'flags'>,
  idx: number
): number {
  const { indexes, flags } = snapshot
  let [lo, hi] = [0, indexes.length - 1]
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const at = indexes[mid]!
    if (at === idx) return flags[mid]!
    if (at < idx) lo = mid + 1
    else hi = mid - 1
  }
  return 0
}

/** The item indexes of both maps (ascending) with their flags. */
export function flagsOf(
  intended: Record<number, Entry>,
  previous: Record<number, Entry | null>
): Pick<JobSnapshot, 'indexes' | 'flags'> {
  const indexes = itemIndexes(intended, previous)
  const flags = new Uint8Array(indexes.length)
  indexes.forEach((idx, i) => {
    flags[i] =
      (idx in intended ? IN_INTENDED : 0) |
      (idx in previous ? IN_PREVIOUS : 0) |
      (previous[idx] ? PREVIOUS_HELD : 0)
  })
  return { indexes, flags }
}

/**
 * Opens the snapshot at `path` without keeping its values (issue #22: a resume read the file as
 * one string and every value into two maps, ~330 MB at 100 k items): the file is read a chunk
 * at a time, each part decrypted once — authenticated, checked to be the part at its place and
 * the last only at the end, as sealing numbered them — to learn its items and where it starts,
 * then let go. Batches then read their values part by part ({@link SealedSnapshot}), each
 * part checked again. An older job's snapshot, one token without the header, is read whole.
 */
function openSnapshot(
  path: string,
  key: string,
  jobId: string,
  run: 'resume' | 'rollback',
  visit?: SnapshotVisitor
): JobSnapshot {
  const fernet = MultiFernet.fromSetting(key)
  const header = Buffer.from(`${SNAPSHOT_HEADER}\n`, 'latin1')
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const head = Buffer.alloc(header.length)
    const got = readSync(fd, head, 0, head.length, 0)
    const refused = (what: string) =>
      new AirlockError(
        'job.conflict',
        `The snapshot of job ${jobId} (values.fernet in its folder) ${what}; it cannot be used for ${run}. Nothing was written.`
      )
    if (got < head.length || !head.equals(header)) {
      let values: Omit<JobFiles, 'meta'>
      try {
        values = JSON.parse(fernet.decrypt(readFileSync(fd, 'utf8')).toString('utf8')) as Omit<
          JobFiles,
          'meta'
        >
      } catch {
        throw refused("was changed since it was sealed, or is not sealed with this job's key")
      }
      const { intended, previous } = values
      visit?.(values)
      return { ...flagsOf(intended, previous), values: () => ({ intended, previous }) }
    }
    const incomplete = (n: number) =>
      refused(`is incomplete, out of order or changed (part ${n} is not the part sealed there)`)
    const idxs: number[] = []
    const flags: number[] = []
    const firsts: number[] = []
    const offsets: number[] = [header.length]
    // a line's chunks, until its newline (or the file's end) is read
    let pending: Buffer[] = []
    let at = header.length
    const chunk = Buffer.allocUnsafe(INDEX_CHUNK)
    const partDone = (lineEnd: number) => {
      const n = firsts.length
      const line = Buffer.concat(pending).toString('latin1')
      pending = []
      let part: SnapshotPart | undefined
      try {
        // the last line ends at the file's end, with its newline or without
        part = partAt(fernet, line, n, lineEnd + 1 >= size)
      } catch {
        part = undefined
      }
      if (!part) throw incomplete(n)
      visit?.(part)
      const these = flagsOf(part.intended, part.previous)
      firsts.push(these.indexes.length ? these.indexes[0]! : 0)
      offsets.push(lineEnd + 1)
      for (const idx of these.indexes) idxs.push(idx)
      for (const f of these.flags) flags.push(f)
    }
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, at)
      if (read === 0) break
      let from = 0
      const view = chunk.subarray(0, read)
      for (let nl = view.indexOf(10, from); nl !== -1; nl = view.indexOf(10, from)) {
        pending.push(Buffer.from(view.subarray(from, nl)))
        partDone(at + nl)
        from = nl + 1
      }
      if (from < read) pending.push(Buffer.from(view.subarray(from)))
      at += read
    }
    if (pending.length) partDone(at)
    // sealing writes one part at least, the last flagged: a file cut after its header is not empty
    if (firsts.length === 0) throw incomplete(0)
    const index: SnapshotIndex = {
      firsts: Int32Array.from(firsts),
      offsets: Float64Array.from(offsets)
    }
    const sealed = new SealedSnapshot(path, key, index, jobId, run)
    return {
      indexes: Int32Array.from(idxs),
      flags: Uint8Array.from(flags),
      values: (items) => sealed.values(items)
    }
  } finally {
    closeSync(fd)
  }
}

/** Plan items per part of `meta.json` as it is written. */
const META_PART = 1000

/**
 * `JSON.stringify(meta)`, produced in parts: the items a thousand at a time, so a large job's
 * meta is never one string (or one buffer) of every item (some 16 MB each at 100 k items).
 * The bytes are `JSON.stringify(meta)`'s: the same keys in the same order.
 */
export function* metaParts(meta: JobMeta): Generator<string> {
  // the meta with its items as a placeholder no item text can hold (a fresh random token)
  const hole = JSON.stringify(`airlock-items-${randomBytes(16).toString('hex')}`)
  const shell = JSON.stringify({ ...meta, items: JSON.parse(hole) as string })
  const at = shell.indexOf(hole)
  yield `${shell.slice(0, at)}[`
  const { items } = meta
  for (let i = 0; i < items.length; i += META_PART)
    yield (
      (i ? ',' : '') +
      items
        .slice(i, i + META_PART)
        .map((item) => JSON.stringify(item))
        .join(',')
    )
  yield `]${shell.slice(at + hole.length)}`
}

/**
 * Writes one of the job's files whole or not at all, produced part by part. The failpoint dies
 * mid-write, leaving a torn temp file beside it, as a crash would.
 */
function writeJobFile(path: string, parts: Iterable<string>, failpointName?: string): void {
  if (failpointName && failpoint(failpointName)) {
    const text = [...parts].join('')
    writeFileSync(`${path}.torn.tmp`, text.slice(0, Math.floor(text.length / 2)), { mode: 0o600 })
    process.kill(process.pid, 'SIGKILL')
  }
  writeFileAtomicPartsSync(path, parts)
}

/**
 * Writes `meta.json` and replaces `files.meta` by the meta without its items. Its own function:
 * the parts' generator (which holds the items) is then in no frame still running.
 */
function writeMeta(dir: string, files: JobFiles): void {
  writeJobFile(join(dir, 'meta.json'), metaParts(files.meta))
  files.meta = { ...files.meta, items: [] }
}

/**
 * Creates a job's folder, its key, meta and snapshot, and journals its start. Until the
 * journal says the job started, nothing was written to the target: a job that cannot get
 * that far (a full disk, a read-only data dir) leaves nothing behind — folder and key are
 * removed and a `storage.unwritable` error says so. Once `meta.json` is written, `files.meta`
 * is replaced by the meta without its items: a caller that holds the plan's items nowhere else
 * lets them go before the snapshot is sealed (issue #22: some 30 MB at 100 k items, live
 * through the sealing's peak). Returns the sealed snapshot, to read its values a batch at a time.
 */
export async function createJob(
  dataDir: string,
  keychain: Keychain,
  files: JobFiles,
  journal: Journal,
  start: JournalRecord
): Promise<SealedSnapshot> {
  const { intended, previous, places, placeOf } = files
  const { jobId } = files.meta
  const dir = jobDir(dataDir, jobId)
  const key = Fernet.generateKey()
  await keychain.set(`job:${jobId}`, key)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    writeMeta(dir, files)
    const index: SnapshotIndex = { firsts: new Int32Array(0), offsets: new Float64Array(1) }
    const path = join(dir, 'values.fernet')
    writeJobFile(
      path,
      snapshotLines(key, intended, previous, index, placeOf ?? (places && ((idx) => places[idx]))),
      'snapshot-write'
    )
    journal.append(start)
    return new SealedSnapshot(path, key, index, jobId)
  } catch (error) {
    journal.close()
    rmSync(dir, { recursive: true, force: true })
    await keychain.delete(`job:${jobId}`).catch(() => undefined)
    if (error instanceof AirlockError) throw error
    throw storageError(
      'the snapshot of job',
      dir,
      error,
      'nothing was written to the target. Free space (or fix the permissions) and apply again.'
    )
  }
}

async function jobKey(keychain: Keychain, jobId: string): Promise<string> {
  const key = await keychain.get(`job:${jobId}`)
  if (!key)
    throw new AirlockError(
      'keychain.unavailable',
      `The key of job ${jobId} is not in this keychain; its snapshot cannot be read.`
    )
  return key
}

/** A job's meta (its plan's items, no values); `backend.not-found` for an unknown id. */
export function readMeta(dataDir: string, jobId: string): JobMeta {
  const path = join(jobDir(dataDir, jobId), 'meta.json')
  if (!existsSync(path))
    throw new AirlockError('backend.not-found', `No job ${jobId}.`, {
      cliHint: '`airlock jobs` lists the jobs.'
    })
  return JSON.parse(readFileSync(path, 'utf8')) as JobMeta
}

/**
 * A job's meta and its snapshot opened for resume or rollback ({@link openSnapshot}): which
 * items it holds, their values read a batch at a time. Refuses a snapshot that is missing
 * although the job started, or whose parts are not as sealed (`job.conflict`).
 */
export async function openJob(
  dataDir: string,
  keychain: Keychain,
  jobId: string,
  run: 'resume' | 'rollback',
  visit?: SnapshotVisitor
): Promise<{ meta: JobMeta; snapshot: JobSnapshot }> {
  const dir = jobDir(dataDir, jobId)
  const meta = readMeta(dataDir, jobId)
  const key = await jobKey(keychain, jobId)
  const path = join(dir, 'values.fernet')
  if (!existsSync(path)) {
    // `start` is journaled only once the snapshot is sealed: without it the job crashed before
    // the snapshot was complete and nothing was written; with it the snapshot was lost, and
    // neither a resume (it would call the job finished) nor a rollback can be done from it
    if (Journal.read(journalPath(dataDir, jobId)).some((r) => r.t === 'start'))
      throw new AirlockError(
        'job.conflict',
        `The snapshot of job ${jobId} (values.fernet in its folder) is missing although the job started: it can neither be resumed nor rolled back. Nothing was written.`
      )
    const none = { indexes: new Int32Array(0), flags: new Uint8Array(0) }
    return { meta, snapshot: { ...none, values: () => ({ intended: {}, previous: {} }) } }
  }
  try {
    return { meta, snapshot: openSnapshot(path, key, jobId, run, visit) }
  } catch (error) {
    if (error instanceof AirlockError) throw error
    // the file system's refusal (a folder where the file was, permissions, an I/O error)
    const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'error'
    throw new AirlockError(
      'job.conflict',
      `The snapshot of job ${jobId} (${path}) cannot be read (${code}): the ${run} cannot be done until it can. Nothing was written.`,
      { cause: error }
    )
  }
}

/** A job's meta and every value of its snapshot (small jobs and tests; runs use {@link openJob}). */
export async function readJob(
  dataDir: string,
  keychain: Keychain,
  jobId: string
): Promise<JobFiles> {
  const { meta, snapshot } = await openJob(dataDir, keychain, jobId, 'resume')
  return { meta, ...snapshot.values([...snapshot.indexes]) }
}

/** Items per second, to one decimal (0 for a run too short to measure). */
export function rateOf(items: number, ms: number): number {
  return ms > 0 ? Math.round((items / (ms / 1000)) * 10) / 10 : 0
}

/** A job as listed: the contract's JobDto without `running` (only the app knows that). */
export type JobSummary = Omit<JobDto, 'running'>

/** Every job with its state, newest first. */
export function listJobs(dataDir: string): JobSummary[] {
  const root = join(dataDir, 'jobs')
  if (!existsSync(root)) return []
  return readdirSync(root)
    .filter((id) => existsSync(join(root, id, 'meta.json')))
    .map((jobId) => jobSummary(dataDir, jobId))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
}

/** One job with its state, read from its meta and journal. */
export function jobSummary(dataDir: string, jobId: string): JobSummary {
  const meta = readMeta(dataDir, jobId)
  const records = Journal.read(journalPath(dataDir, jobId))
  const done = new Set(records.filter((r) => r.t === 'done').map((r) => (r as { idx: number }).idx))
    .size
  const failed = records.filter((r) => r.t === 'failed').length
  // an item's last rollback record says where it stands: skipped = changed since the job; an
  // item begun without one (a rollback a cancel stopped) or failed is not rolled back yet
  const rolled = new Map<number, string>()
  for (const r of records) if (r.t === 'rollback') rolled.set(r.idx, r.action)
  const kept = [...rolled.values()].filter((a) => a === 'skipped').length
  const begun = new Set(records.flatMap((r) => (r.t === 'begin' ? [r.idx] : [])))
  const notYet = [...begun].filter((idx) => {
    const a = rolled.get(idx)
    return a !== 'restored' && a !== 'removed' && a !== 'skipped'
  }).length
  const left = [
    ...(notYet ? [`${notYet} left`] : []),
    ...(kept ? [`${kept} changed since the job`] : [])
  ]
  const state = rolled.size
    ? left.length
      ? `partly rolled back (${left.join(', ')})`
      : 'rolled back'
    : records.some((r) => r.t === 'end')
      ? failed
        ? 'finished with failures'
        : 'finished'
      : records.some((r) => r.t === 'start')
        ? 'interrupted (resume it)'
        : 'never started'
  const runs = records.filter((r) => r.t === 'stats')
  const durationMs = runs.length ? runs.reduce((n, r) => n + r.durationMs, 0) : null
  const applied = runs.reduce((n, r) => n + r.applied, 0)
  return {
    jobId,
    createdAt: meta.createdAt,
    source: meta.source,
    target: meta.target,
    total: meta.total,
    done,
    failed,
    state,
    refused: new Set(records.flatMap((r) => (r.t === 'refused' ? [r.idx] : []))).size,
    durationMs,
    rate: durationMs === null ? null : rateOf(applied, durationMs)
  }
}

/**
 * What a rollback of the job would put back, read from its meta and journal (no keychain, no
 * values): the plan items it began writing and has not rolled back yet, and its target.
 */
export function rollbackScope(
  dataDir: string,
  jobId: string
): { target: string; items: PlanItem[] } {
  const meta = readMeta(dataDir, jobId)
  const records = Journal.read(journalPath(dataDir, jobId))
  const undone = new Set(
    records.flatMap((r) =>
      r.t === 'rollback' && (r.action === 'restored' || r.action === 'removed') ? [r.idx] : []
    )
  )
  const begun = new Set(records.flatMap((r) => (r.t === 'begin' ? [r.idx] : [])))
  return {
    target: meta.target,
    items: [...begun].filter((i) => !undone.has(i) && meta.items[i]).map((i) => meta.items[i]!)
  }
}

/** The stores a job was made for (to reopen them on resume and rollback). */
export function jobStores(
  dataDir: string,
  jobId: string
): { source: string; target: string; kinds: EntryKind[] } {
  const meta = readMeta(dataDir, jobId)
  return {
    source: meta.source,
    target: meta.target,
    kinds: [...new Set(meta.items.map((i) => i.kind))]
  }
}
