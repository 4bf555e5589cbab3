/**
 * From "two stores" to "a plan a person can review", once for the CLI and the app: loading
 * each store as a layer, refusing to plan over unreadable entries, planning, and annotating
 * the planned items with what the target cannot keep and with the target's own pre-flight.
 */
import { randomBytes } from 'node:crypto'
import type { Backend, EntryKind } from '../backends/backend'
import { redactSqlAlchemyUrl } from '../core/airflow-config'
import { AirlockError, nameOnce, toErrorDto } from '../core/errors'
import { fingerprinter } from '../core/fingerprint'
import { idOf, type Dialect, type Entry } from '../core/model'
import {
  planWritten,
  type PlanDocument,
  type PlanItem,
  type PlanOptions,
  type PlanSummary,
  type TargetLimits
} from '../core/plan'
import { DIALECT_RULES } from '../core/dialect'
import type { LayerData } from '../core/precedence'
import { nameUnreadable, unreadableEntries } from '../core/unreadable'
import { openLocator, requireStoreFile, storeIdentity, type LocatorOptions } from './open-store'
import { planRaw } from './raw-plan'
import { WorkerFingerprints } from '../platform/fingerprint-worker'

/**
 * Source entries from which a plan's versions are made on a worker thread: a thread costs tens
 * of ms of the other core to start and ~20 MB of peak RSS (100 k items: 211 → 232 MB); below
 * this the HMACs take about as long here.
 */
const FINGERPRINTS_IN_WORKER = 5000

/** A store as a precedence layer: its entries and unreadable ids, or why it failed. */
export async function loadLayer(
  backend: Backend | undefined,
  kinds: readonly EntryKind[] | undefined,
  options: { keepOpen?: boolean; once?: boolean } = {}
): Promise<LayerData> {
  if (!backend) return { state: 'not-inspected' }
  try {
    const r = await backend.load(options.once ? { kinds, once: true } : { kinds })
    return {
      state: 'loaded',
      storeId: backend.id,
      entries: r.entries,
      problems: r.problems.map((p) => ({ id: p.ref.id, kind: p.ref.kind, message: p.message }))
    }
  } catch (error) {
    return { state: 'failed', storeId: backend.id, error: toErrorDto(error) }
  } finally {
    if (!options.keepOpen) await backend.close?.()
  }
}

/**
 * A locator as it may be written down: the password of its `scheme://user:pw@host` URL
 * dropped, the URL read as SQLAlchemy reads it (so a password holding `/`, `:`, `#` or `?`
 * goes whole).
 */
export function redactLocator(locator: string): string {
  const whole = redactSqlAlchemyUrl(locator, '')
  if (whole !== locator) return whole
  const colon = locator.indexOf(':')
  return colon < 0
    ? locator
    : locator.slice(0, colon + 1) + redactSqlAlchemyUrl(locator.slice(colon + 1), '')
}

/** `20261123T201430-cc3782`: sortable, unique enough for one person's plans and jobs. */
export function newPlanId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`
}

/**
 * The entries of both sides of a plan; a side that failed or holds unreadable entries stops
 * the plan (named, with up to five ids, each once), since planning around them would delete or skip
 * them silently. `onProblem` sees each unreadable entry first (the CLI prints them).
 */
export function entriesForPlan(
  sides: readonly { name: string; data: LayerData }[],
  onProblem?: (message: string) => void
): Entry[][] {
  for (const { name, data } of sides) {
    const where = redactLocator(name)
    // a backend's errors start with its id (`vault:prod: cannot …`): the store is named once
    if (data.state === 'failed')
      throw new AirlockError(data.error.code, nameOnce(where, data.error.message, [data.storeId]), {
        details: data.error.details
      })
    if (data.state === 'loaded' && data.problems.length) {
      for (const p of data.problems) onProblem?.(p.message)
      const unreadable = unreadableEntries(data.problems)
      throw new AirlockError(
        'job.conflict',
        `${where}: ${unreadable.length} entries could not be read (${nameUnreadable(unreadable)}); fix them (or exclude them) before planning.`
      )
    }
  }
  return sides.map(({ data }) => (data.state === 'loaded' ? [...data.entries] : []))
}

/** Refuses a plan whose source is a file that does not exist (it would read as empty). */
export function requireSource(locator: string): void {
  requireStoreFile(
    locator,
    'The source of a plan must exist (a missing file would read as an empty store, and a plan that deletes extraneous entries would empty the target).'
  )
}

/**
 * The kinds a plan was made for (what a one-kind file store reopens as on apply): its items'
 * kinds, else the kinds it was asked for; undefined when it says nothing.
 */
export function planKinds(doc: PlanDocument): EntryKind[] | undefined {
  const kinds = new Set<EntryKind>(doc.items.map((i) => i.kind))
  for (const k of Array.isArray(doc.options.kinds) ? doc.options.kinds : [])
    if (k === 'connection' || k === 'variable') kinds.add(k)
  return kinds.size ? [...kinds] : undefined
}

/** A plan as a document to save and apply; the locators are written without passwords. */
export function planDocument(fields: {
  planId: string
  source: string
  target: string
  targetIdentity?: string
  dialect: Dialect
  options: PlanOptions
  result: { items: PlanItem[]; summary: PlanSummary }
}): PlanDocument {
  return {
    version: 1,
    planId: fields.planId,
    createdAt: new Date().toISOString(),
    source: redactLocator(fields.source),
    target: redactLocator(fields.target),
    ...(fields.targetIdentity !== undefined ? { targetIdentity: fields.targetIdentity } : {}),
    dialect: fields.dialect,
    options: fields.options,
    summary: fields.result.summary,
    items: fields.result.items
  }
}

/** A pre-flight problem that concerns the whole store rather than one item. */
export interface StoreProblem {
  severity: 'error' | 'warning'
  message: string
}

/**
 * Adds to the planned items what a person should see before applying: fields the target
 * cannot keep, and (with `preflight`) every problem the target's own pre-flight finds on what
 * would be written. Returns the number of pre-flight errors and the store-wide problems.
 */
/** What a target cannot keep, for `plan` (core/plan.ts TargetLimits). */
export function targetLimits(target: Backend, dialect: Dialect): TargetLimits {
  return {
    lossy: target.lossyFields ?? [],
    // The metadata DB keeps "" in its row (get_password returns it); the in-memory store
    // keeps entries as given; every other store is read through Connection(password="").
    emptyPasswordIsNone:
      target.kind !== 'metastore' &&
      target.kind !== 'in-memory' &&
      DIALECT_RULES[dialect].emptyPasswordBecomesNull
  }
}

export async function annotatePlan(
  items: PlanItem[],
  source: readonly Entry[],
  target: Backend,
  options: { preflight: boolean },
  written?: readonly (Entry | undefined)[]
): Promise<{ preflightErrors: number; storeProblems: StoreProblem[] }> {
  // by kind, then id: the ids themselves are the keys (no key text is made per entry); made
  // when first asked (a diff without lossy fields asks nothing), and not at all when the
  // entry each item writes is given beside it (core/plan.ts planWritten)
  let sourceById: Record<EntryKind, Map<string, Entry>> | undefined
  const sourceOf = (item: PlanItem) => {
    if (!sourceById) {
      sourceById = { connection: new Map(), variable: new Map() }
      for (const e of source) sourceById[e.kind].set(idOf(e), e)
    }
    return item.sourceId === null ? undefined : sourceById[item.kind].get(item.sourceId)
  }
  // what item i writes: the source's entry under the item's target id
  const entryOf = (i: number): Entry | undefined => {
    if (written) return written[i]
    const item = items[i]!
    const e = sourceOf(item)
    // under its own id, the entry is what is written (no copy of it per item)
    return !e || item.targetId === item.sourceId
      ? e
      : e.kind === 'connection'
        ? { ...e, id: item.targetId }
        : { ...e, key: item.targetId }
  }
  const lossy = target.lossyFields ?? []
  const writes: number[] = []
  for (let i = 0; i < items.length; i++)
    if (items[i]!.action === 'create' || items[i]!.action === 'update') writes.push(i)
  const dropped = (['connection', 'variable'] as const).filter((k) =>
    lossy.includes(`${k}.description`)
  )
  if (dropped.length)
    for (const i of writes) {
      const item = items[i]!
      if (!dropped.includes(item.kind)) continue
      const e = entryOf(i)
      const description = e?.kind === 'connection' ? e.fields.description : e?.description
      if (description)
        item.warnings.push(
          `${target.id} does not keep the ${item.kind} description (Airflow does not read it from there either); it will be dropped`
        )
    }
  const storeProblems: StoreProblem[] = []
  let preflightErrors = 0
  if (!options.preflight || !target.preflight) return { preflightErrors, storeProblems }
  const toWrite: Entry[] = []
  for (const i of writes) {
    const e = entryOf(i)
    if (e) toWrite.push(e)
  }
  const found = await target.preflight(toWrite).catch((error: unknown) => [
    {
      ref: null,
      severity: 'error' as const,
      message: `pre-flight could not run: ${error instanceof AirlockError ? error.userMessage : 'unexpected error'}`
    }
  ])
  // made only when a problem names an item (most plans have none)
  let byTarget: { connection: Map<string, PlanItem>; variable: Map<string, PlanItem> } | undefined
  for (const p of found) {
    if (p.severity === 'error') preflightErrors++
    if (p.ref && !byTarget) {
      byTarget = { connection: new Map(), variable: new Map() }
      for (const i of items) byTarget[i.kind].set(i.targetId, i)
    }
    const item = p.ref && byTarget?.[p.ref.kind].get(p.ref.id)
    if (item) item.warnings.push(`pre-flight ${p.severity}: ${p.message}`)
    else storeProblems.push({ severity: p.severity, message: p.message })
  }
  return { preflightErrors, storeProblems }
}

/** Two stores by locator, opened with one dialect. */
export interface StorePair {
  source: string
  target: string
  dialect: Dialect
  locatorOptions: LocatorOptions
  kinds?: readonly EntryKind[]
  /** Sees each unreadable entry before the plan is refused (the CLI prints them). */
  onProblem?: (message: string) => void
}

/**
 * Opens and loads both stores of a plan or diff; the target backend is returned open (for
 * its pre-flight) and the caller closes it. A side that cannot be planned over throws.
 * `kinds` are the kinds planned: as asked, else those both stores can hold (a one-kind file
 * on either side narrows them; a connections file against a variables file is refused).
 */
export async function loadPair(pair: StorePair): Promise<{
  source: Entry[]
  target: Entry[]
  targetBackend: Backend
  kinds: EntryKind[] | undefined
}> {
  const opened = await openPair(pair)
  try {
    const { source, target } = await loadOpened(pair, opened)
    return { source, target, targetBackend: opened.targetBackend, kinds: opened.kinds }
  } catch (error) {
    await opened.targetBackend.close?.()
    throw error
  }
}

/** Both stores of a pair, opened and not yet read (see {@link loadPair}). */
export interface OpenedPair {
  sourceBackend: Backend
  targetBackend: Backend
  kinds: EntryKind[] | undefined
}

/**
 * Opens both stores of a plan or diff and settles the kinds planned (see {@link loadPair});
 * the caller closes the target, and the source unless {@link loadOpened} reads it.
 */
export async function openPair(pair: StorePair): Promise<OpenedPair> {
  const options = { ...pair.locatorOptions, dialect: pair.dialect }
  const source = await openLocator(pair.source, { ...options, kinds: pair.kinds })
  let targetBackend: Backend
  try {
    // A one-kind target file takes the kind of a one-kind source (what the plan can write).
    targetBackend = await openLocator(
      pair.target,
      pair.kinds || !source.holds
        ? { ...options, kinds: pair.kinds }
        : { ...options, kinds: source.holds, kindsFrom: `the source (${source.id})` }
    )
  } catch (error) {
    await source.close?.()
    throw error
  }
  let kinds = pair.kinds ? [...pair.kinds] : undefined
  if (!kinds && (source.holds || targetBackend.holds)) {
    const both = (['connection', 'variable'] as const).filter(
      (k) => (source.holds ?? [k]).includes(k) && (targetBackend.holds ?? [k]).includes(k)
    )
    if (!both.length) {
      await source.close?.()
      await targetBackend.close?.()
      throw new AirlockError(
        'usage',
        `${redactLocator(pair.source)} holds only ${source.holds!.join(', ')}s and ${redactLocator(pair.target)} only ${targetBackend.holds!.join(', ')}s: nothing to compare.`
      )
    }
    kinds = [...both]
  }
  return { sourceBackend: source, targetBackend, kinds }
}

/**
 * Reads both sides of an opened pair whole (closing the source, leaving the target open); a
 * side that cannot be planned over throws.
 */
export async function loadOpened(
  pair: StorePair,
  { sourceBackend, targetBackend, kinds }: OpenedPair
): Promise<{ source: Entry[]; target: Entry[] }> {
  const [s, t] = entriesForPlan(
    [
      // the source is read once (it is closed here)
      { name: pair.source, data: await loadLayer(sourceBackend, kinds, { once: true }) },
      { name: pair.target, data: await loadLayer(targetBackend, kinds, { keepOpen: true }) }
    ],
    pair.onProblem
  )
  return { source: s!, target: t! }
}

/** A plan made from two stores, with what both front ends show of it. */
export interface PlannedStores {
  planId: string
  options: PlanOptions
  result: { items: PlanItem[]; summary: PlanSummary }
  /** The plan as a document to save and apply (locators without passwords). */
  document: PlanDocument
  /** Pre-flight errors found on what would be written (they block applying). */
  preflightErrors: number
  storeProblems: StoreProblem[]
  /** Both sides as loaded (the app shows their plain fields). */
  source: Entry[]
  target: Entry[]
}

/** What to plan: two stores and how the source maps onto the target. */
export interface PlanStoresOptions extends StorePair {
  /** Filters, renames, conflict policy; `kinds` and `targetDialect` come from the pair. */
  plan: Omit<PlanOptions, 'kinds' | 'targetDialect'>
  /**
   * The key of the plan's drift fingerprints, asked for once both stores loaded;
   * `undefined` makes an unkeyed plan (one that cannot be applied later).
   */
  planKey?: (planId: string) => Promise<Uint8Array | undefined>
  /**
   * Plans only these entries (`kind:id` of each side) and keeps only the items `keep` accepts:
   * a plan of some items of an earlier one (operations/retry.ts), the rest of both stores left
   * out as if they were not there.
   */
  only?: {
    source: ReadonlySet<string>
    target: ReadonlySet<string>
    keep: (item: PlanItem) => boolean
  }
  /**
   * Whether the result carries both sides as read (default true). Without them, entries whose
   * text is the same on both sides need not be read whole (operations/raw-plan.ts), and
   * `source`/`target` hold only the entries read.
   */
  sides?: boolean
}

/**
 * `plan SOURCE TARGET`: what a migration would do, with the target's pre-flight. Refuses a
 * source file that does not exist; throws when either side cannot be planned over.
 */
export async function planStores(request: PlanStoresOptions): Promise<PlannedStores> {
  requireSource(request.source)
  const opened = await openPair(request)
  const { targetBackend } = opened
  // the versions of a large plan, made on a worker thread beside the planning
  let later: WorkerFingerprints | undefined
  try {
    const planId = newPlanId()
    const options: PlanOptions = {
      kinds: opened.kinds,
      ...request.plan,
      targetDialect: request.dialect
    }
    const limits = targetLimits(targetBackend, request.dialect)
    // the key is asked for once both stores have read: one that cannot be read fails first
    const fingerprints = async () => fingerprinter(await request.planKey?.(planId))
    const only = request.only
    // a store without raw entries (a secrets manager) declines the fast path: neither side is
    // listed raw first only to be read whole again
    const fast =
      request.sides === false && !only && opened.sourceBackend.loadRaw && targetBackend.loadRaw
        ? await planRaw(
            opened.sourceBackend,
            targetBackend,
            opened.kinds,
            options,
            fingerprints,
            limits,
            // a plan to be signed and saved needs every fingerprint, as plain fields
            { lazy: request.planKey === undefined }
          )
        : undefined
    let loaded: { source: Entry[]; target: Entry[] }
    let result: { items: PlanItem[]; summary: PlanSummary }
    // the entry each item writes, beside it
    let written: (Entry | undefined)[] | undefined
    if (fast) {
      await opened.sourceBackend.close?.()
      loaded = fast
      result = fast.result
      written = fast.written
    } else {
      const read = await loadOpened(request, opened)
      const pick = (entries: Entry[], keys: ReadonlySet<string> | undefined) =>
        keys ? entries.filter((e) => keys.has(`${e.kind}:${idOf(e)}`)) : entries
      loaded = { source: pick(read.source, only?.source), target: pick(read.target, only?.target) }
      // the key as fingerprinter() would make it: the plan's, else a key for this run alone
      const key = (await request.planKey?.(planId)) ?? randomBytes(32)
      const fp = fingerprinter(key)
      later =
        loaded.source.length >= FINGERPRINTS_IN_WORKER ? new WorkerFingerprints(key, fp) : undefined
      const planned = planWritten(loaded.source, loaded.target, options, fp, limits, later)
      result = { items: planned.items, summary: planned.summary }
      written = planned.written
      if (only) {
        const kept = result.items.map(only.keep)
        result.items = result.items.filter((_, i) => kept[i])
        written = written.filter((_, i) => kept[i])
        for (const a of Object.keys(result.summary) as PlanItem['action'][]) result.summary[a] = 0
        for (const i of result.items) result.summary[i.action]++
      }
    }
    const { preflightErrors, storeProblems } = await annotatePlan(
      result.items,
      loaded.source,
      targetBackend,
      { preflight: true },
      written
    )
    const document = planDocument({
      planId,
      source: request.source,
      target: request.target,
      // what apply compares its target with: the locator text alone names another store from
      // another directory, or once a profile is changed
      targetIdentity: (await storeIdentity(request.target, request.locatorOptions)).identity,
      dialect: request.dialect,
      options,
      result
    })
    // the versions made meanwhile on the worker (the items are the document's)
    await later?.done()
    return {
      planId,
      options,
      result,
      document,
      preflightErrors,
      storeProblems,
      source: loaded.source,
      target: loaded.target
    }
  } finally {
    later?.close()
    await targetBackend.close?.()
  }
}
