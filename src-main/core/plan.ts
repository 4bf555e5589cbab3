/**
 * `plan(source, target, options)`: what a migration would do, pure. Items are compared
 * semantically — a URI and a JSON value that decode to the same connection are equal; extras
 * compare as decoded JSON — and diffs carry fingerprints, never values.
 */
import { compareEntries, sameFields, type FieldDiff } from './precedence'
import { noFingerprints, type Fingerprinter } from './fingerprint'
import { idOf, type Dialect, type Entry } from './model'
import { AirlockError } from './errors'
import { parseJson } from './json-parse'
import {
  PyDict,
  PyJsonDecodeError,
  type PyValue,
  pyJsonCanonicalObject,
  pyJsonDumps,
  pyJsonLoads,
  pyJsonTryLoads
} from './codecs/py-json'

/** What happens to one item. */
export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged' | 'conflict'

/** What to do when the target already holds a different value. */
export type ConflictPolicy = 'skip' | 'overwrite' | 'fail'

/** Options of a plan. */
export interface PlanOptions {
  kinds?: readonly Entry['kind'][]
  /** Glob patterns (`*`, `?`) an id must match (any), and must not match (all). */
  include?: readonly string[]
  exclude?: readonly string[]
  /** Exact id renames, then prefix mappings (`old_` → `new_`), applied in order. */
  rename?: Readonly<Record<string, string>>
  prefixMap?: readonly (readonly [string, string])[]
  onConflict?: ConflictPolicy
  /** Per-id overrides of the conflict policy (by source id). */
  conflictOverrides?: Readonly<Record<string, ConflictPolicy>>
  deleteExtraneous?: boolean
  /** The Airflow that will read the target: lossy writes for it are warned about. */
  targetDialect?: Dialect
}

/** One item of a plan. */
export interface PlanItem {
  kind: Entry['kind']
  sourceId: string | null
  targetId: string
  action: PlanAction
  /** For conflicts: what the policy decided. */
  resolution?: ConflictPolicy
  /** What differs field by field: updates and conflicts only (a create or delete has none). */
  diff: FieldDiff[]
  warnings: string[]
  /** Keyed fingerprints of the whole source and target values at plan time (drift checks). */
  sourceVersion: string | null
  targetVersion: string | null
}

/**
 * A canonical text of an entry's value (what it decodes to, not how it was written): the
 * basis of the version fingerprints. Extras are decoded and re-dumped with sorted keys.
 */
export function entryDigest(e: Entry): string {
  return digestWith(e, e.kind === 'connection' ? parsedExtra(e.fields.extra) : null)
}

/**
 * Whether two entries surely have the same {@link entryDigest} but for their ids: every other
 * field the digest reads is the same, the extra as the same text. `false` says nothing (an
 * extra written another way may still decode alike): compare the digests then. A job's
 * read-back of what it just wrote mostly finds the same texts, without a digest of either.
 */
export function sameDigestFields(a: Entry, b: Entry): boolean {
  if (a.kind === 'variable' || b.kind === 'variable')
    return (
      a.kind === 'variable' &&
      b.kind === 'variable' &&
      a.value === b.value &&
      a.description === b.description &&
      (a.team ?? null) === (b.team ?? null)
    )
  const f = a.fields
  const g = b.fields
  return (
    f.conn_type === g.conn_type &&
    f.description === g.description &&
    f.host === g.host &&
    f.login === g.login &&
    f.password === g.password &&
    f.schema === g.schema &&
    f.port === g.port &&
    f.extra === g.extra &&
    (a.team ?? null) === (b.team ?? null)
  )
}

/**
 * An extra that is a JSON object as JSON.parse read it (pyJsonCanonicalObject): its canonical
 * text and its members, what the digest and the warnings read of it.
 */
interface CanonicalExtra {
  canonical: string
  members: Readonly<Record<string, unknown>>
}

/** A connection's extra as the digest and the warnings read it: parsed once for both. */
type ParsedExtra = CanonicalExtra | PyValue | undefined | null

const isCanonicalExtra = (extra: ParsedExtra): extra is CanonicalExtra =>
  extra !== null && typeof extra === 'object' && 'canonical' in extra

/**
 * A connection's extra as both the digest and the warnings read it (parsed once for both): a
 * JSON object by the engine's parser where that reads it as Python does, else Python's
 * reading (undefined: not JSON; null: no extra).
 */
const parsedExtra = (extra: string | null): ParsedExtra =>
  extra ? (pyJsonCanonicalObject(extra) ?? pyJsonTryLoads(extra)) : null

/** {@link entryDigest} of an entry whose extra is parsed already (`parsedExtra`). */
function digestWith(e: Entry, extra: ParsedExtra): string {
  if (e.kind === 'variable')
    return JSON.stringify(['variable', e.key, e.value, e.description, e.team ?? null])
  const f = e.fields
  const canonicalExtra =
    extra === undefined
      ? ['text', f.extra]
      : extra === null
        ? null
        : isCanonicalExtra(extra)
          ? extra.canonical
          : pyJsonDumps(extra, { sortKeys: true })
  return JSON.stringify([
    'connection',
    e.id,
    f.conn_type,
    f.description,
    f.host,
    f.login,
    f.password,
    f.schema,
    f.port,
    canonicalExtra,
    e.team ?? null
  ])
}

/** Counts per action. */
export type PlanSummary = Record<PlanAction, number>

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    '^' +
      glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replaceAll('*', '.*')
        .replaceAll('?', '.') +
      '$'
  )
}

/** Whether a plan with these options covers an id (its kinds, `include` and `exclude`). */
export function planSelector(options: PlanOptions): (kind: Entry['kind'], id: string) => boolean {
  const include = (options.include ?? []).map(globToRegExp)
  const exclude = (options.exclude ?? []).map(globToRegExp)
  return (kind, id) => {
    if (options.kinds && !options.kinds.includes(kind)) return false
    return (
      (include.length === 0 || include.some((r) => r.test(id))) && !exclude.some((r) => r.test(id))
    )
  }
}

function mapId(id: string, options: PlanOptions): string {
  if (options.rename && Object.hasOwn(options.rename, id)) return options.rename[id]!
  for (const [from, to] of options.prefixMap ?? [])
    if (id.startsWith(from)) return to + id.slice(from.length)
  return id
}

/** What a plan warns about a source entry whatever its action (what the target dialect rejects). */
export function warningsFor(e: Entry, dialect: Dialect | undefined): string[] {
  if (e.kind !== 'connection' || !dialect) return []
  return warningsWith(e, dialect, parsedExtra(e.fields.extra))
}

/** {@link warningsFor} a connection whose extra is parsed already (`parsedExtra`). */
function warningsWith(
  e: Entry & { kind: 'connection' },
  dialect: Dialect,
  extra: ParsedExtra
): string[] {
  const out: string[] = []
  if (e.fields.extra) {
    if (extra === undefined)
      out.push(
        dialect === 'airflow3' ? 'extra is not JSON: Airflow 3 rejects it' : 'extra is not JSON'
      )
    else if (!isCanonicalExtra(extra) && !(extra instanceof PyDict))
      out.push(
        dialect === 'airflow3'
          ? 'extra is not a JSON object: Airflow 3 rejects it'
          : 'extra is not a JSON object'
      )
    else if (dialect === 'airflow3')
      // an object read by JSON.parse has a dict's members in the dict's order
      for (const [k, v] of isCanonicalExtra(extra)
        ? Object.entries(extra.members)
        : extra.entries())
        if (typeof v === 'string' && pyJsonTryLoads(v) !== undefined)
          out.push(
            `extra "${k}" is a string that looks like JSON: through a URI, Airflow 3 reads it back as another type (#59339); prefer JSON values`
          )
  }
  if (e.fields.conn_type === null)
    out.push(
      'conn_type is empty: the metadata DB requires one and Airflow 3 needs it for most uses'
    )
  return out
}

/**
 * What a target cannot keep, so that a plan counts an entry that differs only there as
 * unchanged (with a warning) instead of an update that every apply repeats.
 */
export interface TargetLimits {
  /** Fields the store drops: `connection.description`, `variable.description`. */
  lossy?: readonly string[]
  /**
   * Its readers make a password `""` None (Airflow core builds the connection through the ORM
   * setter, which ignores falsy values): every store but the metadata DB, in core dialects.
   */
  emptyPasswordIsNone?: boolean
}

/** What {@link asKept} says of an entry the target keeps whole (one object for all). */
const KEPT_WHOLE: { kept: undefined; lost: readonly string[] } = Object.freeze({
  kept: undefined,
  lost: Object.freeze([])
})

/**
 * The entry as the target will hold it, and the warnings for what it drops; `kept` undefined
 * (and nothing lost) when it is the entry itself.
 */
function asKept(
  e: Entry,
  limits: TargetLimits
): { kept: Entry | undefined; lost: readonly string[] } {
  const lost: string[] = []
  const lossy = limits.lossy ?? []
  if (e.kind === 'variable') {
    if (e.description !== null && lossy.includes('variable.description')) {
      lost.push(
        'the target does not keep the variable description (Airflow does not read it from there either); it is left out'
      )
      return { kept: { ...e, description: null }, lost }
    }
    return KEPT_WHOLE
  }
  const dropsDescription = e.fields.description !== null && lossy.includes('connection.description')
  if (!dropsDescription && !(e.fields.password === '' && limits.emptyPasswordIsNone))
    return KEPT_WHOLE
  const fields = { ...e.fields }
  if (dropsDescription) {
    fields.description = null
    lost.push(
      'the target does not keep the connection description (Airflow does not read it from there either); it is left out'
    )
  }
  if (fields.password === '' && limits.emptyPasswordIsNone) {
    fields.password = null
    lost.push(
      'the password is "" (empty): Airflow core reads an empty password from this target as None (Task SDK workers keep ""); Airlock writes "" where the format holds it'
    )
  }
  return { kept: lost.length ? { ...e, fields } : e, lost }
}

/** Plans source → target; `limits` are what the target cannot keep (see TargetLimits). */
export function plan(
  source: readonly Entry[],
  target: readonly Entry[],
  options: PlanOptions,
  fp: Fingerprinter,
  limits: TargetLimits = {}
): { items: PlanItem[]; summary: PlanSummary } {
  return finishPlan(planItems(source, target, options, fp, limits))
}

/**
 * {@link plan}, and beside each item the entry it writes (`written[i]` for `items[i]`: the
 * source entry under the target id, as apply writes it; undefined for a delete), so that what
 * is checked before writing needs no lookup of every item's entry by id (issue #22). A source
 * id that is there twice gives each of its items the last entry of that id, as a lookup by id
 * did.
 */
export function planWritten(
  source: readonly Entry[],
  target: readonly Entry[],
  options: PlanOptions,
  fp: Fingerprinter,
  limits: TargetLimits = {},
  later?: VersionsLater
): { items: PlanItem[]; summary: PlanSummary; written: (Entry | undefined)[] } {
  const entries: (Entry | undefined)[] = []
  return finishPlanWritten(planItems(source, target, options, fp, limits, entries, later), entries)
}

/**
 * Takes the version fingerprints of items to fill in later (`fp` of `digest`, which is
 * `entryDigest(entry)`): an item's `sourceVersion`, and with `both` its `targetVersion` too.
 * Lets the HMACs of a large plan run beside the planning (platform/fingerprint-worker.ts);
 * until its owner says they are filled in, those fields hold `null`.
 */
export interface VersionsLater {
  add(entry: Entry, digest: string, item: PlanItem, both: boolean): void
}

/**
 * {@link finishPlan} of items with the entry each writes beside it (`entries[i]` for
 * `items[i]`, see planWritten), both in the plan's order.
 */
export function finishPlanWritten(
  items: PlanItem[],
  entries: readonly (Entry | undefined)[]
): { items: PlanItem[]; summary: PlanSummary; written: (Entry | undefined)[] } {
  // each item sorted with its entry beside it, as finishPlan sorts the items alone (the sort
  // is stable: the same order); an index sort beside the items cost 4× the sort, a map from
  // each item to its entry (100 k items) about as much as the sort again
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, unchanged: 0, conflict: 0 }
  const pairs: { item: PlanItem; entry: Entry | undefined }[] = new Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!
    summary[item.action]++
    pairs[i] = { item, entry: entries[i] }
  }
  pairs.sort(byPairOrder)
  const written: (Entry | undefined)[] = new Array(pairs.length)
  for (let i = 0; i < pairs.length; i++) {
    items[i] = pairs[i]!.item
    written[i] = pairs[i]!.entry
  }
  const result = { items, summary }
  const sorted = items
  // the same source id twice (a team-scoped name beside another): the last entry of that id,
  // as a lookup by id gave (its items are in one run of the same target id, in source order:
  // the sort is stable)
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1]!.targetId !== sorted[i]!.targetId) continue
    let end = i + 1
    while (end < sorted.length && byPlanOrder(sorted[i]!, sorted[end]!) === 0) end++
    const from = byPlanOrder(sorted[i - 1]!, sorted[i]!) === 0 ? i - 1 : i
    for (let a = from; a < end; a++)
      for (let b = end - 1; b > a; b--)
        if (sorted[b]!.sourceId !== null && sorted[b]!.sourceId === sorted[a]!.sourceId) {
          written[a] = written[b]
          break
        }
    i = end
  }
  return { ...result, written }
}

/**
 * The items of {@link plan} in source order; `written` gets each item's entry (planWritten),
 * `later` the versions it is to make (a create's, and an item's whose sides have one digest).
 */
function planItems(
  source: readonly Entry[],
  target: readonly Entry[],
  options: PlanOptions,
  fp: Fingerprinter,
  limits: TargetLimits,
  written?: (Entry | undefined)[],
  later?: VersionsLater
): PlanItem[] {
  const selects = planSelector(options)
  const selected = (e: Entry) => selects(e.kind, idOf(e))
  // by kind, then id: the ids themselves are the keys (no key text is made per entry)
  const targetById = { connection: new Map<string, Entry>(), variable: new Map<string, Entry>() }
  for (const t of target) targetById[t.kind].set(idOf(t), t)
  const items: PlanItem[] = []
  const push = (mapped: Entry, item: PlanItem) => {
    items.push(item)
    written?.push(mapped)
  }
  const touched = { connection: new Set<string>(), variable: new Set<string>() }
  const dialect = options.targetDialect
  const mapsIds = Object.keys(options.rename ?? {}).length > 0 || Boolean(options.prefixMap?.length)
  // without fingerprints every version is null whatever the digest: no digest is made (a
  // `diff` shown as text; the digests were most of planning its differing items)
  const versioned = fp !== noFingerprints
  for (const s of source) {
    const sourceId = idOf(s)
    if (!selects(s.kind, sourceId)) continue
    const targetId = mapsIds ? mapId(sourceId, options) : sourceId
    if (options.deleteExtraneous) touched[s.kind].add(targetId)
    const t = targetById[s.kind].get(targetId)
    // under its own id, the entry is its own mapping (read only from here on)
    const mapped: Entry =
      targetId === sourceId
        ? s
        : s.kind === 'connection'
          ? { ...s, id: targetId }
          : { ...s, key: targetId }
    // the extra is parsed once, for the digest and the warnings
    const extra = s.kind === 'connection' ? parsedExtra(s.fields.extra) : null
    const sourceDigest = versioned ? digestWith(mapped, extra) : null
    const deferred = later !== undefined && sourceDigest !== null
    const warnings = s.kind === 'connection' && dialect ? warningsWith(s, dialect, extra) : []
    // The description is said by annotatePlan (it knows the target's name); the password here.
    const { kept, lost } = asKept(mapped, limits)
    const lostPassword = lost.length ? lost.filter((w) => w.startsWith('the password')) : lost
    if (!t) {
      if (lostPassword.length) warnings.push(...lostPassword)
      // a create shows no field changes: its fields are the source's (the plan detail reads
      // them from the sides held), and a field-by-field "same" with two fingerprints each was
      // most of a plan of creates
      const created = planItem(
        s.kind,
        sourceId,
        targetId,
        warnings,
        deferred ? null : fp(sourceDigest),
        null,
        'create',
        []
      )
      if (deferred) later.add(mapped, sourceDigest, created, false)
      push(mapped, created)
      continue
    }
    const targetDigest = versioned ? entryDigest(t) : null
    // one digest on both sides: one version for both, made later where it can be
    const bothLater = deferred && targetDigest === sourceDigest
    const sourceVersion = bothLater ? null : fp(sourceDigest)
    const targetVersion = targetDigest === sourceDigest ? sourceVersion : fp(targetDigest)
    const pushItem = (item: PlanItem) => {
      if (bothLater) later.add(mapped, sourceDigest, item, true)
      push(mapped, item)
    }
    const item = (action: PlanAction, diff: FieldDiff[], warnings: string[]) =>
      planItem(s.kind, sourceId, targetId, warnings, sourceVersion, targetVersion, action, diff)
    // Unchanged: nothing to show, so no field fingerprints are made (most of a re-plan).
    if (sameFields(t, mapped)) {
      pushItem(item('unchanged', [], warnings))
      continue
    }
    // What the target cannot keep is said once, and the item counts as unchanged: otherwise
    // every plan shows it as an update and every apply rewrites it.
    if (kept && sameFields(t, kept)) {
      pushItem(item('unchanged', [], [...warnings, ...lost]))
      continue
    }
    warnings.push(...lostPassword)
    // diff fields read "target → source": `winner` is the value now in the target
    const diff = compareEntries(t, mapped, fp)
    const policy = options.conflictOverrides?.[sourceId] ?? options.onConflict ?? 'overwrite'
    if (policy === 'overwrite') pushItem(item('update', diff, warnings))
    else
      // its fields in the order a plan has always written them: the resolution before the diff
      pushItem({
        kind: s.kind,
        sourceId,
        targetId,
        warnings,
        sourceVersion,
        targetVersion,
        action: 'conflict',
        resolution: policy,
        diff
      })
  }
  if (options.deleteExtraneous)
    for (const t of target) {
      // Only ids the filters select may be deleted: an excluded id is left alone.
      if (touched[t.kind].has(idOf(t)) || !selected(t)) continue
      items.push({
        kind: t.kind,
        sourceId: null,
        targetId: idOf(t),
        action: 'delete',
        diff: [],
        warnings: [],
        sourceVersion: null,
        targetVersion: versioned ? fp(entryDigest(t)) : null
      })
      written?.push(undefined)
    }
  return items
}

/** A plan item without a resolution, its fields in the order a plan has always written them. */
function planItem(
  kind: Entry['kind'],
  sourceId: string,
  targetId: string,
  warnings: string[],
  sourceVersion: string | null,
  targetVersion: string | null,
  action: PlanAction,
  diff: FieldDiff[]
): PlanItem {
  return { kind, sourceId, targetId, warnings, sourceVersion, targetVersion, action, diff }
}

/** Counts the items per action and sorts them as a plan lists them (connections first, by id). */
export function finishPlan(items: PlanItem[]): { items: PlanItem[]; summary: PlanSummary } {
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, unchanged: 0, conflict: 0 }
  for (const i of items) summary[i.action]++
  items.sort(byPlanOrder)
  return { items, summary }
}

/** {@link byPlanOrder} of two items each with its entry (finishPlanWritten). */
const byPairOrder = (a: { item: PlanItem }, b: { item: PlanItem }): number =>
  byPlanOrder(a.item, b.item)

/** The order of a plan's items: connections first, then by target id. */
function byPlanOrder(a: PlanItem, b: PlanItem): number {
  return a.kind === b.kind
    ? a.targetId < b.targetId
      ? -1
      : a.targetId > b.targetId
        ? 1
        : 0
    : a.kind === 'connection'
      ? -1
      : 1
}

/** A plan as a file a person reviews and commits: no values, fingerprints only. */
export interface PlanDocument {
  version: 1
  planId: string
  createdAt: string
  /** The stores as given (a locator with a password in it is stored without the password). */
  source: string
  target: string
  /**
   * The target's store identity when it was planned (operations/open-store.ts `storeIdentity`:
   * the real path of a file, a metadata DB's server and database, a service's settings), so a
   * relative path applied from another directory or a profile pointed elsewhere since is
   * refused; absent in plans of older versions and `plan --json` output.
   */
  targetIdentity?: string
  dialect: Dialect
  options: PlanOptions
  summary: PlanSummary
  items: PlanItem[]
  /**
   * `hmac-sha256:<hex>` over every other field (jobs/plan-signature.ts), under the plan-signing
   * key kept in the keychain; absent in plans of older versions, which `apply` refuses.
   */
  signature?: string
}

const ACTIONS: readonly PlanAction[] = ['create', 'update', 'delete', 'unchanged', 'conflict']
const POLICIES: readonly ConflictPolicy[] = ['skip', 'overwrite', 'fail']
const PLAN_DIALECTS: readonly Dialect[] = ['airflow2', 'airflow3', 'task-sdk']

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const isObject = (v: unknown): v is Record<string, Json> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * Reads a plan file written by `airlock plan --out`: the whole document is checked before
 * anything uses it, and the first thing wrong is named by its place (`items[3].action`),
 * never by a value. Throws an AirlockError with code `usage`. `where` names the file.
 */
export function parsePlanDocument(text: string, where: string): PlanDocument {
  const fail = (place: string, what: string): never => {
    throw new AirlockError(
      'usage',
      `${where} is not a plan file of this Airlock version: ${place} ${what} (make it again with airlock plan … --out ${where}).`
    )
  }
  let doc: unknown
  try {
    doc = parseJson(text)
  } catch {
    // Node's message quotes the text; Python's (line and column only) does not
    let at = ''
    try {
      pyJsonLoads(text)
    } catch (error) {
      if (error instanceof PyJsonDecodeError) at = ` (line ${error.lineno} column ${error.colno})`
    }
    throw new AirlockError(
      'usage',
      `${where} is not a plan file: it is not JSON${at} (make it with airlock plan … --out ${where}).`
    )
  }
  if (!isObject(doc)) return fail('the document', 'is not a JSON object')
  if (doc.version !== 1) fail('"version"', 'is not 1')
  const nonEmpty = (v: Json | undefined, place: string, pattern?: RegExp): string => {
    if (typeof v !== 'string' || v === '' || (pattern && !pattern.test(v)))
      fail(place, pattern ? 'is not a plan id (made by airlock plan)' : 'is not a non-empty text')
    return v as string
  }
  const oneOf = <T extends string>(
    v: Json | undefined,
    allowed: readonly T[],
    place: string
  ): T => {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      fail(place, `must be one of ${allowed.join(', ')}`)
    return v as T
  }
  const textOrNull = (v: Json | undefined, place: string): string | null => {
    if (v !== null && typeof v !== 'string') fail(place, 'must be text or null')
    return v as string | null
  }
  nonEmpty(doc.planId, '"planId"', /^[A-Za-z0-9_.-]{1,64}$/)
  nonEmpty(doc.createdAt, '"createdAt"')
  nonEmpty(doc.source, '"source"')
  nonEmpty(doc.target, '"target"')
  if (doc.targetIdentity !== undefined) nonEmpty(doc.targetIdentity, '"targetIdentity"')
  oneOf(doc.dialect, PLAN_DIALECTS, '"dialect"')
  if (!isObject(doc.options)) fail('"options"', 'is not an object')
  if (!isObject(doc.summary)) fail('"summary"', 'is not an object')
  if (!Array.isArray(doc.items)) return fail('"items"', 'is not a list')
  if (doc.signature !== undefined && typeof doc.signature !== 'string')
    fail('"signature"', 'is not a text')
  const seen = new Set<string>()
  doc.items.forEach((item, i) => {
    const at = `items[${i}]`
    if (!isObject(item)) return fail(at, 'is not an object')
    const kind = oneOf(item.kind, ['connection', 'variable'] as const, `${at}.kind`)
    const action = oneOf(item.action, ACTIONS, `${at}.action`)
    const targetId = nonEmpty(item.targetId, `${at}.targetId`)
    const sourceId = textOrNull(item.sourceId, `${at}.sourceId`)
    const sourceVersion = textOrNull(item.sourceVersion, `${at}.sourceVersion`)
    const targetVersion = textOrNull(item.targetVersion, `${at}.targetVersion`)
    if (item.resolution !== undefined) oneOf(item.resolution, POLICIES, `${at}.resolution`)
    if (!Array.isArray(item.diff)) fail(`${at}.diff`, 'is not a list')
    if (!Array.isArray(item.warnings) || item.warnings.some((w) => typeof w !== 'string'))
      fail(`${at}.warnings`, 'is not a list of texts')
    // what apply relies on: a source for what it writes, a target version for what it replaces
    if (action === 'delete' ? sourceId !== null : sourceId === null || sourceVersion === null)
      fail(`${at}.sourceId`, `does not fit the action ${action}`)
    if ((action === 'create') !== (targetVersion === null))
      fail(`${at}.targetVersion`, `does not fit the action ${action}`)
    const key = `${kind}:${targetId}`
    if (seen.has(key)) fail(`${at}.targetId`, 'repeats an earlier item')
    seen.add(key)
  })
  return doc as unknown as PlanDocument
}
