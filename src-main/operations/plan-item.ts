/**
 * The detail of one plan item, once for the app (and the CLI later): every field of the target
 * now beside the planned one, plain fields in clear, secrets only as changed / same (Airflow's
 * masker decides which extra keys are secret), the extra key by key, the name the target's own
 * write gives the item, and the item's pre-flight problems and warnings. A second, explicit
 * call reveals both sides of one secret field, or the exact text the target's write would
 * store (the backend's own encoder, `Backend.written`). Nothing here logs.
 *
 * The name comes from the target's own write path (`Backend.written`), which names an entry
 * with the lookup `airlock explain` prints (core/airflow-secrets: the first place Airflow
 * looks; `AIRFLOW_CONN_*` for env files; the row's key for a metadata DB), so the two agree.
 */
import type {
  FieldChangeDto,
  PlanItemDetailDto,
  PlanItemExtraKeyDto,
  PlanItemFieldDto,
  PlanItemRevealDto
} from '../contract/ipc'
import type { Backend, WrittenForm } from '../backends/backend'
import { sameExtra } from '../core/airflow-secrets/written'
import { PyDict, pyJsonDumps, pyJsonTryLoads, type PyValue } from '../core/codecs/py-json'
import { AirlockError } from '../core/errors'
import { idOf, type Entry } from '../core/model'
import type { PlanDocument, PlanItem } from '../core/plan'
import { withTargetId } from '../jobs/run-job'
import { maskValue, shouldHideValueForKey } from '../platform/redact'
import { openLocator, type LocatorOptions } from './open-store'

/** A plan as made, with both sides as they were loaded for it. */
export interface PlanWithSides {
  doc: PlanDocument
  source: readonly Entry[]
  target: readonly Entry[]
}

/** One item of a plan: its kind and the id it has in the target. */
export interface PlanItemRef {
  kind: Entry['kind']
  targetId: string
}

/** Where the plan's target is and how to open it (as apply opens it). */
export interface PlanTarget {
  locator: string
  options: LocatorOptions
}

/** A secret part of an item to reveal, or the text the target's write stores. */
export type RevealPart = 'password' | 'extra' | 'value' | 'text'

/** The item of `doc` with this kind and target id; throws `backend.not-found` without one. */
export function findPlanItem(doc: PlanDocument, ref: PlanItemRef): PlanItem {
  const item = doc.items.find((i) => i.kind === ref.kind && i.targetId === ref.targetId)
  if (!item)
    throw new AirlockError(
      'backend.not-found',
      `Plan ${doc.planId} has no ${ref.kind} "${ref.targetId}".`
    )
  return item
}

/**
 * The entry the target holds now (`before`) and the one the plan has for it (`after`: the
 * source's, under the target id, as apply writes it); a delete has no `after`.
 */
export function itemSides(plan: PlanWithSides, item: PlanItem): { before?: Entry; after?: Entry } {
  const find = (entries: readonly Entry[], id: string | null) =>
    id === null ? undefined : entries.find((e) => e.kind === item.kind && idOf(e) === id)
  const before = find(plan.target, item.targetId)
  const source = item.action === 'delete' ? undefined : find(plan.source, item.sourceId)
  return {
    ...(before ? { before } : {}),
    ...(source ? { after: withTargetId(source, item.targetId) } : {})
  }
}

/** Whether applying the plan writes this item. */
function writes(item: PlanItem): boolean {
  return item.action === 'create' || item.action === 'update'
}

function changeOf(
  before: unknown,
  after: unknown,
  hasBefore: boolean,
  hasAfter: boolean,
  same: boolean
): FieldChangeDto {
  const absent = (v: unknown) => v === null || v === undefined
  if (same || (absent(before) && absent(after))) return 'same'
  if ((!hasBefore || absent(before)) && hasAfter && !absent(after)) return 'added'
  if ((!hasAfter || absent(after)) && hasBefore && !absent(before)) return 'removed'
  return 'changed'
}

type Scalar = string | number | null

/** The fields of one side, in the order the detail shows them. */
function fieldsOf(e: Entry | undefined): Record<string, Scalar> | undefined {
  if (!e) return undefined
  if (e.kind === 'variable') return { value: e.value, description: e.description }
  const f = e.fields
  return {
    conn_type: f.conn_type,
    host: f.host,
    schema: f.schema,
    login: f.login,
    password: f.password,
    port: f.port,
    extra: f.extra,
    description: f.description,
    team: e.team ?? f.team_name ?? null
  }
}

const CONNECTION_ORDER = [
  'conn_type',
  'host',
  'schema',
  'login',
  'password',
  'port',
  'extra',
  'description',
  'team'
]
const VARIABLE_ORDER = ['value', 'description']

/** An extra that Airflow's masker would show whole (a JSON value with nothing hidden). */
function extraIsPlain(extra: Scalar | undefined): boolean {
  if (extra === null || extra === undefined || extra === '') return true
  const parsed = pyJsonTryLoads(String(extra))
  return parsed !== undefined && pyJsonDumps(maskValue(parsed)) === pyJsonDumps(parsed)
}

/** A side's extra as a dict: `{}` when empty, undefined when not a JSON object. */
function extraDict(extra: Scalar | undefined): PyDict | undefined {
  if (extra === null || extra === undefined || extra === '') return new PyDict()
  const parsed = pyJsonTryLoads(String(extra))
  return parsed instanceof PyDict ? parsed : undefined
}

const canonical = (v: PyValue) => pyJsonDumps(v, { sortKeys: true })

/** The extra key by key; values only for keys Airflow's masker shows (nested secrets masked). */
function extraKeys(before: PyDict, after: PyDict): PlanItemExtraKeyDto[] {
  const keys = [...before.map.keys(), ...[...after.map.keys()].filter((k) => !before.map.has(k))]
  return keys.map((key) => {
    const b = before.map.get(key)
    const a = after.map.get(key)
    const secret = shouldHideValueForKey(key)
    const same = b !== undefined && a !== undefined && canonical(b) === canonical(a)
    const change: FieldChangeDto = same
      ? 'same'
      : b === undefined
        ? 'added'
        : a === undefined
          ? 'removed'
          : 'changed'
    return {
      key,
      change,
      secret,
      ...(!secret && b !== undefined ? { before: pyJsonDumps(maskValue(b)) } : {}),
      ...(!secret && a !== undefined ? { after: pyJsonDumps(maskValue(a)) } : {})
    }
  })
}

/** Splits an item's warnings into its pre-flight problems and the rest. */
function problemsOf(item: PlanItem) {
  const problems: PlanItemDetailDto['problems'] = []
  const warnings: string[] = []
  for (const w of item.warnings) {
    const m = /^pre-flight (error|warning): /.exec(w)
    if (m) problems.push({ severity: m[1] as 'error' | 'warning', message: w.slice(m[0].length) })
    else warnings.push(w)
  }
  return { problems, warnings }
}

async function withTarget<T>(target: PlanTarget, run: (b: Backend) => Promise<T>): Promise<T> {
  const backend = await openLocator(target.locator, target.options)
  try {
    return await run(backend)
  } finally {
    await backend.close?.()
  }
}

/** What the target's write makes of `entry`, or why it cannot say (no value in the message). */
async function writtenOf(
  backend: Backend,
  entry: Entry
): Promise<{ form: WrittenForm } | { problem: string } | { unknown: string }> {
  if (!backend.written)
    return { unknown: `${backend.id} cannot show the name or text it writes an entry as.` }
  try {
    return { form: await backend.written(entry) }
  } catch (error) {
    if (error instanceof AirlockError) return { problem: error.userMessage }
    throw error
  }
}

/**
 * `jobs:plan-item`: one item, every field before → after (secrets as their change only), the
 * extra key by key, the name the target writes it under (or removes it from), its problems.
 */
export async function planItemDetail(
  plan: PlanWithSides,
  ref: PlanItemRef,
  target: PlanTarget
): Promise<PlanItemDetailDto> {
  const item = findPlanItem(plan.doc, ref)
  const { before, after } = itemSides(plan, item)
  const b = fieldsOf(before)
  const a = fieldsOf(after)
  const fields: PlanItemFieldDto[] = (
    item.kind === 'connection' ? CONNECTION_ORDER : VARIABLE_ORDER
  ).map((field) => {
    const x = b?.[field]
    const y = a?.[field]
    const same =
      Boolean(b) && Boolean(a) && (field === 'extra' ? sameExtra(x as never, y as never) : x === y)
    const secret =
      field === 'password' ||
      field === 'value' ||
      (field === 'extra' && !(extraIsPlain(x) && extraIsPlain(y)))
    return {
      field,
      change: changeOf(x, y, Boolean(b), Boolean(a), same),
      secret,
      ...(secret ? {} : { before: b ? (x ?? null) : null, after: a ? (y ?? null) : null })
    }
  })
  let extra: PlanItemExtraKeyDto[] | null = null
  let extraNote: string | null = null
  if (item.kind === 'connection' && (b?.extra || a?.extra)) {
    const x = extraDict(b?.extra)
    const y = extraDict(a?.extra)
    if (x && y) extra = extraKeys(x, y)
    else
      extraNote = `The ${!x ? 'target' : 'planned'} extra is not a JSON object: it is masked whole.`
  }
  const { problems, warnings } = problemsOf(item)
  let writtenAs: PlanItemDetailDto['writtenAs'] = null
  let writtenAsProblem: string | null = null
  let writtenAsNote: string | null = null
  const subject = writes(item) ? after : item.action === 'delete' ? before : undefined
  if (subject)
    await withTarget(target, async (backend) => {
      const w = await writtenOf(backend, subject)
      if ('form' in w)
        writtenAs = {
          name: w.form.name,
          store: backend.id,
          verb: writes(item) ? 'written' : 'removed'
        }
      else if (item.action === 'delete' && before?.source?.fromKey)
        // a store that cannot say still read it from somewhere
        writtenAs = { name: before.source.fromKey, store: backend.id, verb: 'removed' }
      else if ('problem' in w) writtenAsProblem = w.problem
      else writtenAsNote = w.unknown
    })
  return {
    kind: item.kind,
    sourceId: item.sourceId,
    targetId: item.targetId,
    action: item.action,
    resolution: item.resolution ?? null,
    sides: { before: Boolean(before), after: Boolean(after) },
    fields,
    extra,
    extraNote,
    writtenAs,
    writtenAsProblem,
    writtenAsNote,
    problems,
    warnings,
    textAvailable: writes(item) && Boolean(after) && writtenAs !== null
  }
}

/**
 * `jobs:plan-item-reveal`, on explicit request only: both sides of one secret field (null
 * where a side has none), or the exact text the target's write would store for the item.
 */
export async function revealPlanItem(
  plan: PlanWithSides,
  ref: PlanItemRef,
  part: RevealPart,
  target: PlanTarget
): Promise<PlanItemRevealDto> {
  const item = findPlanItem(plan.doc, ref)
  const { before, after } = itemSides(plan, item)
  if (part === 'text') {
    if (!writes(item) || !after)
      throw new AirlockError(
        'usage',
        `The plan does not write ${item.kind} "${item.targetId}" (${item.action}): there is no text to show.`
      )
    return withTarget(target, async (backend) => {
      const w = await writtenOf(backend, after)
      if (!('form' in w)) throw new AirlockError('usage', 'problem' in w ? w.problem : w.unknown)
      return { part, ...w.form, note: w.form.note ?? null }
    })
  }
  const valid = item.kind === 'variable' ? part === 'value' : part !== 'value'
  if (!valid)
    throw new AirlockError(
      'usage',
      item.kind === 'variable'
        ? 'A variable has only its value to reveal.'
        : 'Reveal a connection field: password or extra.'
    )
  const side = (e: Entry | undefined): string | null => {
    if (!e) return null
    if (e.kind === 'variable') return e.value
    return part === 'password' ? e.fields.password : e.fields.extra
  }
  return { part, before: side(before), after: side(after) }
}
