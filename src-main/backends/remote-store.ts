/**
 * What every remote secrets store does the same way, once: Vault, Azure Key Vault and GCP
 * Secret Manager (and, later, the AWS stores) differ in their service calls and their naming
 * only. A store supplies its naming (`RemoteNaming`: the secret a ref lives in, which names
 * are one secret, what Airflow reads a listed name as) and its calls; these functions do the
 * rest:
 *
 * - listing: listed names mapped back to refs, by the marks Airlock writes beside a secret
 *   (`airlock-kind`, `airlock-id`, `airlock-team`) when they agree with the name, else by
 *   Airflow's naming rules; a name that several ids (or a team-scoped id) read is reported,
 *   not guessed (`mapListedNames`);
 * - loading: list, then one read per ref, `concurrency` at a time; a read that fails with an
 *   AirlockError becomes a problem of that ref, so one bad secret does not hide the others
 *   (`loadRefs`);
 * - writing: every entry checked before anything is written (target, collisions in the
 *   batch, size: `planWrites`, `preflightTargets`), then written with bounded concurrency,
 *   saying how many were written when one fails (`writeEach`);
 * - removing: each secret once, whatever the number of refs that name it (`removalTargets`);
 * - the credential probe of a pre-flight: one listing page, and a write per kind to a secret
 *   that does not exist, so "not found" means allowed (`probeCredentials`).
 *
 * Azure Key Vault and GCP Secret Manager extend `RemoteStoreBackend`, which strings these
 * together (`list`, `load`, `write`, the failure prologue) around the store's own calls.
 * Vault uses `loadRefs` and `writeEach` only: its listing walks KV folders, and its names map
 * to paths rather than to one flat namespace.
 */
import type { ErrorCode } from '../contract/errors'
import { mapLimit } from '../core/concurrency'
import { AirlockError } from '../core/errors'
import {
  idOf,
  inScope,
  refOf,
  type Dialect,
  type Entry,
  type EntryKind,
  type EntryRef,
  type Scope
} from '../core/model'
import type { EntryProblem, LoadResult, WrittenForm } from './backend'
import type { StepsLookup } from '../core/airflow-secrets/types'

/** The mark naming an entry's kind, on a secret Airlock writes (Azure tag, GCP annotation). */
export const MARK_KIND = 'airlock-kind'
/** The mark naming an entry's id. */
export const MARK_ID = 'airlock-id'
/** The mark naming an entry's team, when it has one. */
export const MARK_TEAM = 'airlock-team'

/** The marks Airlock writes beside an entry's secret: they make listing exact. */
export function marksOf(entry: Entry): Record<string, string> {
  const marks: Record<string, string> = { [MARK_KIND]: entry.kind, [MARK_ID]: idOf(entry) }
  if (entry.team) marks[MARK_TEAM] = entry.team
  return marks
}

/**
 * The secret a ref is read from and written to, with why the service refuses that name
 * (`problem`); or why there is none (`skip`: its kind is off, or Airflow never asks for it).
 */
export type RemoteTarget = { name: string; problem?: string } | { skip: string }

/** One way Airflow's naming reads a listed name. */
export interface RemoteNameReading {
  kind: EntryKind | 'config'
  /** Every id that maps to the name; more than one means the name is ambiguous. */
  ids: string[]
  /** The name is team-scoped (`<team>--<id>`), which a global lookup never reads. */
  teamScoped: boolean
}

/** A store's naming, as the skeleton needs it. */
export interface RemoteNaming {
  /** The secret a ref lives in. */
  targetOf(ref: EntryRef): RemoteTarget
  /** Names with the same key are one secret (Key Vault ignores case; Secret Manager does not). */
  nameKey(name: string): string
  /** Every reading Airflow's naming gives a listed name. */
  readName(name: string): RemoteNameReading[]
}

/** A secret as a listing returns it: its name and the marks on it. */
export interface ListedSecret {
  name: string
  marks: Readonly<Record<string, string>>
}

/** A listed name no single id can be told for. */
export interface AmbiguousReading {
  name: string
  reading: RemoteNameReading
}

/** Listed names mapped back: refs whose `source.path` is the secret's name, and the rest. */
export interface MappedNames {
  refs: EntryRef[]
  ambiguous: AmbiguousReading[]
}

/**
 * Maps listed secrets back to refs in `scope`: a secret whose marks name a ref that the
 * naming puts at that very name reads as that ref; any other as each reading of its name that
 * is one id and not team-scoped. The other readings are returned as ambiguous (each of their
 * ids still reads the secret). A name is listed once per kind.
 */
export function mapListedNames(
  backendId: string,
  naming: RemoteNaming,
  listed: Iterable<ListedSecret>,
  scope: Scope
): MappedNames {
  const out: MappedNames = { refs: [], ambiguous: [] }
  const seen = new Set<string>()
  const push = (ref: EntryRef, name: string) => {
    const key = `${ref.kind}\u0000${naming.nameKey(name)}`
    if (seen.has(key)) return
    seen.add(key)
    out.refs.push({ ...ref, source: { backendId, path: name, fromKey: ref.id } })
  }
  for (const { name, marks } of listed) {
    const kind = marks[MARK_KIND]
    const id = marks[MARK_ID]
    if ((kind === 'connection' || kind === 'variable') && id !== undefined) {
      const team = marks[MARK_TEAM] || null
      const target = naming.targetOf({ kind, id, team })
      if ('name' in target && naming.nameKey(target.name) === naming.nameKey(name)) {
        if (inScope(scope, kind)) push({ kind, id, ...(team ? { team } : {}) }, name)
        continue
      }
    }
    for (const reading of naming.readName(name)) {
      if (reading.kind === 'config' || !inScope(scope, reading.kind)) continue
      if (reading.ids.length === 1 && !reading.teamScoped)
        push({ kind: reading.kind, id: reading.ids[0]! }, name)
      else out.ambiguous.push({ name, reading })
    }
  }
  return out
}

/** How `loadRefs` reads. */
export interface LoadOptions {
  concurrency: number
  /** Failures that end the whole load instead of becoming a problem of one ref (default none). */
  fatal?: (error: AirlockError) => boolean
}

/**
 * Reads every ref, `concurrency` at a time, after the problems the listing found. A ref that
 * reads as absent is left out; one whose read throws an AirlockError (not `fatal`) becomes a
 * problem of that ref. Entries and problems keep the order of `refs`.
 */
export async function loadRefs(
  refs: readonly EntryRef[],
  listingProblems: readonly EntryProblem[],
  readOne: (ref: EntryRef) => Promise<Entry | undefined>,
  options: LoadOptions
): Promise<LoadResult> {
  const out: LoadResult = { entries: [], problems: [...listingProblems] }
  const results = await mapLimit(refs, options.concurrency, async (ref) => {
    try {
      return await readOne(ref)
    } catch (error) {
      if (!(error instanceof AirlockError) || options.fatal?.(error)) throw error
      return { ref, code: error.code, message: error.userMessage } satisfies EntryProblem
    }
  })
  for (const r of results) {
    if (r === undefined) continue
    if ('message' in r) out.problems.push(r)
    else out.entries.push(r)
  }
  return out
}

/** What `writeEach` adds to the error of a failed write: how far the batch got. */
export type PartialWriteNote = (written: number, total: number) => string | undefined

/** The note of a store that writes one secret at a time: how many were written before the failure. */
export const WRITTEN_BEFORE_FAILURE: PartialWriteNote = (written, total) =>
  written > 0 ? `${written} of ${total} entries were written before it failed.` : undefined

/**
 * Writes every item, `concurrency` at a time, stopping at the first failure; an AirlockError
 * is rethrown with `note(written, total)` appended (the stores have no transactions, so the
 * user needs to know how far it got).
 */
export async function writeEach<T>(
  items: readonly T[],
  concurrency: number,
  writeOne: (item: T) => Promise<void>,
  options: { signal?: AbortSignal; note?: PartialWriteNote } = {}
): Promise<void> {
  const note = options.note ?? WRITTEN_BEFORE_FAILURE
  let written = 0
  try {
    await mapLimit(items, concurrency, async (item) => {
      options.signal?.throwIfAborted()
      await writeOne(item)
      written++
    })
  } catch (error) {
    const said = error instanceof AirlockError ? note(written, items.length) : undefined
    if (said === undefined) throw error
    const failed = error as AirlockError
    throw new AirlockError(failed.code, `${failed.userMessage} ${said}`, { cause: failed })
  }
}

/** The secrets to remove for `refs`: each name the service accepts, once (the last ref naming it). */
export function removalTargets(
  naming: RemoteNaming,
  refs: readonly EntryRef[]
): { name: string; ref: EntryRef }[] {
  const byKey = new Map<string, { name: string; ref: EntryRef }>()
  for (const ref of refs) {
    const target = naming.targetOf(ref)
    if ('name' in target && target.problem === undefined)
      byKey.set(naming.nameKey(target.name), { name: target.name, ref })
  }
  return [...byKey.values()]
}

/** How a store words what `planWrites` and `preflightTargets` refuse; `label` is `kind "id"`. */
export interface RemoteWording {
  /** The service as messages name it: `Key Vault`, `Secret Manager`. */
  service: string
  /** Why the service refuses the name a write maps to (a write was refused). */
  rejectedWrite(label: string, name: string, problem: string): string
  /** The same, as a pre-flight problem. */
  rejectedName(label: string, name: string, problem: string): string
  /** Two entries of a write map to one secret. */
  collidingWrite(label: string, other: string, name: string): string
  /** The same, as a pre-flight problem. */
  collidingName(label: string, other: string, name: string): string
}

function labelOf(ref: EntryRef): string {
  return `${ref.kind} ${JSON.stringify(ref.id)}`
}

/** One entry of a write: its secret's name and what is stored there. */
export interface PlannedWrite<P> {
  entry: Entry
  name: string
  payload: P
}

/** What a store writes for an entry, and its limit. */
export interface PayloadRules<P> {
  encode(entry: Entry): P
  /** Size in bytes as the service counts it. */
  sizeOf(payload: P): number
  maxBytes: number
}

/**
 * Every entry's secret and payload, refusing the whole batch (an AirlockError, nothing
 * written) when one has no target, a name the service refuses, a name another entry of the
 * batch also maps to, or a payload over the limit.
 */
export function planWrites<P>(
  backendId: string,
  naming: RemoteNaming,
  wording: RemoteWording,
  entries: readonly Entry[],
  rules: PayloadRules<P>
): PlannedWrite<P>[] {
  const byName = new Map<string, Entry>()
  return entries.map((entry) => {
    const ref = refOf(entry)
    const label = labelOf(ref)
    const target = naming.targetOf(ref)
    if ('skip' in target)
      throw new AirlockError('usage', `${backendId}: ${label} cannot be written: ${target.skip}.`)
    if (target.problem !== undefined)
      throw new AirlockError(
        'codec.invalid',
        `${backendId}: ${wording.rejectedWrite(label, target.name, target.problem)}`
      )
    const key = naming.nameKey(target.name)
    const other = byName.get(key)
    if (other && (other.kind !== entry.kind || idOf(other) !== idOf(entry)))
      throw new AirlockError(
        'job.conflict',
        `${backendId}: ${wording.collidingWrite(label, labelOf(refOf(other)), target.name)}`
      )
    byName.set(key, entry)
    const payload = rules.encode(entry)
    const size = rules.sizeOf(payload)
    if (size > rules.maxBytes)
      throw new AirlockError(
        'codec.invalid',
        `${backendId}: ${label} (secret ${target.name}) is ${size} bytes; ${wording.service} holds at most ${rules.maxBytes}. Nothing was written.`
      )
    return { entry, name: target.name, payload }
  })
}

/** One thing that would stop or spoil a write; `ref` is null for store-wide problems. */
export interface RemotePreflightProblem<Check extends string> {
  ref: EntryRef | null
  /** The secret name the entry maps to. */
  target: string | null
  check: Check
  /** `error` stops or spoils the write; `warning` is worth knowing (the write itself fixes it). */
  severity: 'error' | 'warning'
  code: ErrorCode
  /** Names the id, the target and what to do; never a value. */
  message: string
}

/** The checks `preflightTargets` runs. */
export type TargetCheck = 'disabled' | 'name' | 'collision' | 'size'

/**
 * The pre-flight's checks of each entry's target, asking nothing of the service: no target,
 * a name the service refuses, two entries on one secret, a payload over the limit. Returns
 * the problems and the entries that have a name the service accepts.
 */
export function preflightTargets(
  naming: RemoteNaming,
  wording: RemoteWording,
  entries: readonly Entry[],
  rules: PayloadRules<unknown>
): {
  problems: RemotePreflightProblem<TargetCheck>[]
  named: { entry: Entry; ref: EntryRef; name: string }[]
} {
  const problems: RemotePreflightProblem<TargetCheck>[] = []
  const named: { entry: Entry; ref: EntryRef; name: string }[] = []
  const byName = new Map<string, EntryRef>()
  for (const entry of entries) {
    const ref = refOf(entry)
    const label = labelOf(ref)
    const target = naming.targetOf(ref)
    if ('skip' in target) {
      problems.push({
        ref,
        target: null,
        check: 'disabled',
        severity: 'error',
        code: 'usage',
        message: `${label}: ${target.skip}; enable its prefix or leave it out.`
      })
      continue
    }
    const name = target.name
    if (target.problem !== undefined) {
      problems.push({
        ref,
        target: name,
        check: 'name',
        severity: 'error',
        code: 'codec.invalid',
        message: wording.rejectedName(label, name, target.problem)
      })
      continue
    }
    const other = byName.get(naming.nameKey(name))
    if (other)
      problems.push({
        ref,
        target: name,
        check: 'collision',
        severity: 'error',
        code: 'job.conflict',
        message: wording.collidingName(label, labelOf(other), name)
      })
    else byName.set(naming.nameKey(name), ref)
    const size = rules.sizeOf(rules.encode(entry))
    if (size > rules.maxBytes)
      problems.push({
        ref,
        target: name,
        check: 'size',
        severity: 'error',
        code: 'codec.invalid',
        message: `${label} (${name}) is ${size} bytes; ${wording.service} holds at most ${rules.maxBytes}. Shorten it.`
      })
    named.push({ entry, ref, name })
  }
  return { problems, named }
}

/**
 * The pre-flight problem of a target whose secret already carries marks of another id:
 * writing would replace that id's value too. Undefined when the marks agree or are absent.
 */
export function markedByOther(
  ref: EntryRef,
  name: string,
  marks: Readonly<Record<string, string | undefined>> | undefined,
  consequence: string
): RemotePreflightProblem<'collision'> | undefined {
  const id = marks?.[MARK_ID]
  if (id === undefined || (id === ref.id && marks?.[MARK_KIND] === ref.kind)) return undefined
  return {
    ref,
    target: name,
    check: 'collision',
    severity: 'error',
    code: 'job.conflict',
    message: `${labelOf(ref)} maps to ${name}, which already holds ${marks?.[MARK_KIND]} ${JSON.stringify(id)}; ${consequence}. Rename one.`
  }
}

/** What a credential probe asks of a store, writing nothing. */
export interface CredentialProbe {
  /** Asks for the first page of the listing (one name at most). */
  listOne(): Promise<void>
  /** The name of a probe of a kind's writes, `airlock-probe-<random>` under its prefix; undefined skips the kind. */
  probeName(kind: EntryKind, random: string): string | undefined
  /** Updates the secret `name`, which does not exist: a "not found" answer means the write is allowed. */
  tryWrite(name: string): Promise<void>
  isNotFound(error: unknown): boolean
  isAbort(error: unknown): boolean
  /** The AirlockError a failed call stands for. */
  failure(error: unknown, operation: string, what: string): AirlockError
  /** How messages name writes of a kind: `set variables`, `add variable versions`. */
  writeVerb(kind: EntryKind): string
}

/** The pre-flight problem of a probe that failed (`what` names what it asked). */
export function probeProblem(
  probe: CredentialProbe,
  error: unknown,
  what: string,
  target: string | null
): RemotePreflightProblem<'credentials'> {
  const e = probe.failure(error, `probe: ${what}`, target ? `(under ${target})` : '')
  return {
    ref: null,
    target,
    check: 'credentials',
    severity: 'error',
    code: e.code,
    message: e.userMessage
  }
}

/**
 * May the credentials list, and write under the prefix of each kind in `entries`? Asked
 * without writing: one listing page, then a write to a secret that does not exist per kind
 * ("not found" = allowed, "denied" = a problem). An abort is rethrown.
 */
export async function probeCredentials(
  entries: readonly Entry[],
  probe: CredentialProbe
): Promise<{ problems: RemotePreflightProblem<'credentials'>[]; canList: boolean }> {
  const problems: RemotePreflightProblem<'credentials'>[] = []
  let canList = true
  try {
    await probe.listOne()
  } catch (error) {
    if (probe.isAbort(error)) throw error
    canList = false
    problems.push(probeProblem(probe, error, 'list secrets', null))
  }
  for (const kind of new Set(entries.map((e) => e.kind))) {
    const name = probe.probeName(kind, Math.random().toString(36).slice(2, 10))
    if (name === undefined) continue
    try {
      await probe.tryWrite(name)
    } catch (error) {
      if (probe.isAbort(error)) throw error
      if (probe.isNotFound(error)) continue
      problems.push(probeProblem(probe, error, probe.writeVerb(kind), name))
    }
  }
  return { problems, canList }
}

/** Whether an SDK error is the abort of the caller's signal (Azure and GCP both name it so). */
export function isAbortError(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'AbortError'
}

/** The first name a lookup asks for as a target, or why it asks for none. */
export function firstLookupTarget<S extends { problem?: string }>(
  lookup: StepsLookup<S> | { outcome: 'error'; reason: string },
  nameOf: (step: S) => string
): RemoteTarget {
  if (!('steps' in lookup)) return { skip: lookup.reason }
  const first = lookup.steps[0]!
  return first.problem === undefined
    ? { name: nameOf(first) }
    : { name: nameOf(first), problem: first.problem }
}

/** The options every remote store takes besides its own. */
export interface RemoteStoreOptions {
  /** Whose rules read and write connection values; default `airflow3`. */
  dialect?: Dialect
  /** Requests in flight when loading, checking or writing many entries; default 8. */
  concurrency?: number
}

/** A listed name `load` leaves out because its id cannot be told: the problem it reports. */
export interface AmbiguousListed {
  kind: EntryKind
  /** The id the problem is filed under (the first reading). */
  id: string
  /** The listed name. */
  name: string
  message: string
}

/**
 * What Azure Key Vault and GCP Secret Manager do the same way around their service calls:
 * `list` and `load` over the store's `scan`, `write` over `planWrites` and `writeEach`, and
 * the failure prologue (an AirlockError passes, an abort is rethrown). Each store supplies its
 * naming, wording, payload rules and calls.
 */
export abstract class RemoteStoreBackend<P, L extends { refs: EntryRef[] }> {
  readonly lossyFields = ['variable.description'] as const
  readonly capabilities = { list: true, write: true }
  abstract readonly id: string
  protected abstract readonly dialect: Dialect
  protected abstract readonly concurrency: number
  /** The store's naming as this skeleton reads it. */
  protected abstract readonly names: RemoteNaming
  protected abstract readonly wording: RemoteWording
  protected abstract readonly payload: PayloadRules<P>

  /** Lists the secrets in scope and maps names back to refs (and ambiguous names). */
  abstract scan(scope: Scope, signal?: AbortSignal): Promise<L>
  /** The problems `load` reports for the names `scan` could not map to one id. */
  protected abstract ambiguousOf(listing: L): AmbiguousListed[]
  /** Reads a listed ref (its `source.path` is the listed name) for `load`. */
  protected abstract readListed(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined>
  /** Writes one checked entry. */
  protected abstract writeOne(item: PlannedWrite<P>, signal?: AbortSignal): Promise<void>
  /** The store's typed error for a failed call (neither an AirlockError nor an abort). */
  protected abstract serviceFailure(error: unknown, operation: string, what: string): AirlockError

  async list(scope: Scope, signal?: AbortSignal): Promise<EntryRef[]> {
    return (await this.scan(scope, signal)).refs.map(({ source: _source, ...ref }) => ref)
  }

  async load(scope: Scope, signal?: AbortSignal): Promise<LoadResult> {
    const listing = await this.scan(scope, signal)
    return loadRefs(
      listing.refs,
      this.ambiguousOf(listing).map((a) => ({
        ref: {
          kind: a.kind,
          id: a.id,
          source: { backendId: this.id, path: a.name, fromKey: a.name }
        },
        code: 'codec.invalid',
        message: a.message
      })),
      (ref) => this.readListed(ref, signal),
      { concurrency: this.concurrency }
    )
  }

  /** The secret `write` stores for `entry`: its name and payload (the same naming and encoder). */
  async written(entry: Entry): Promise<WrittenForm> {
    const [item] = planWrites(this.id, this.names, this.wording, [entry], this.payload)
    const p: unknown = item!.payload
    const text = typeof p === 'string' ? p : Buffer.from(p as Uint8Array).toString('utf8')
    const json = entry.kind === 'connection' && text.trimStart().startsWith('{')
    return {
      name: item!.name,
      text,
      format: entry.kind === 'variable' ? 'text' : json ? 'json' : 'uri'
    }
  }

  async write(entries: readonly Entry[], signal?: AbortSignal): Promise<void> {
    if (!entries.length) return
    const items = planWrites(this.id, this.names, this.wording, entries, this.payload)
    await writeEach(items, this.concurrency, (item) => this.writeOne(item, signal), { signal })
  }

  /** Throws `failure(error, operation, what)`. */
  protected fail(error: unknown, operation: string, what: string): never {
    throw this.failure(error, operation, what)
  }

  /** A typed error for a failed call: backend, operation and key named, no value. An abort is rethrown. */
  protected failure(error: unknown, operation: string, what: string): AirlockError {
    if (error instanceof AirlockError) return error
    if (isAbortError(error)) throw error
    return this.serviceFailure(error, operation, what)
  }
}
