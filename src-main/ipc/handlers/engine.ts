/** Handlers of `effective:resolve`, `jobs:plan` and `jobs:save-plan`. */
import { replaceFileParts } from '../../platform/atomic-write'
import type {
  EffectiveDto,
  EffectiveItemDto,
  EffectiveRequest,
  PlanDto,
  PlanItemDetailDto,
  PlanItemDto,
  PlanItemRequest,
  PlanItemRevealDto,
  PlanItemRevealRequest,
  PlanRequest,
  VerdictDto
} from '../../contract/ipc'
import { AirlockError } from '../../core/errors'
import type { PlanDocument } from '../../core/plan'
import {
  COMPARED_FIELDS,
  RUNTIME_MODELS,
  resolveEach,
  type LayerVerdict
} from '../../core/precedence'
import type { Entry } from '../../core/model'
import { newPlanKey, signPlan } from '../../jobs/run-job'
import { planFileParts } from '../../jobs/plan-signature'
import { isPersistent, noKeychainMessage } from '../../keychain/keychain'
import { cutoverDto, placeTarget, previewCutover } from '../../operations/cutover'
import { layerLookups, loadLayers, runtimeLayers } from '../../operations/effective'
import { planKinds, planStores, redactLocator, type PlannedStores } from '../../operations/plan'
import { planItemDetail, revealPlanItem } from '../../operations/plan-item'
import { planRetryFailed } from '../../operations/retry'
import { holdPlan, type HandlerContext } from './context'

/** `effective:resolve`: per id, the layer Airflow reads it from and what it shadows. */
export async function resolveEffectiveView(
  ctx: HandlerContext,
  request: EffectiveRequest
): Promise<EffectiveDto> {
  const { model, locators, notes, configured } = await runtimeLayers(
    {
      // neither a runtime nor layers: the demo
      runtime: request.runtime ?? (request.layers === undefined ? 'demo' : undefined),
      model: request.model,
      layers: request.layers
    },
    ctx.locatorOptions()
  )
  const { specs, data } = await loadLayers(
    { model, locators },
    { kinds: request.kinds, locatorOptions: ctx.locatorOptions() }
  )
  // Asked for a few ids: also what each layer asks for them (`airlock effective --json`'s
  // lookups), the stores named as the user gave them, credentials redacted.
  const lookups = request.ids
    ? await layerLookups(specs, locators, configured, ctx.locatorOptions())
    : undefined
  const lookupOf = (at: number, kind: 'connection' | 'variable', id: string) => {
    const found = lookups?.[at]?.(kind, id).lookup
    if (!found || typeof found !== 'object') return null
    const out = { ...(found as Record<string, unknown>) }
    if (typeof out.store === 'string') out.store = redactLocator(out.store)
    return out
  }
  // what is empty is left out: at 50 000 ids the answer is a third smaller (VerdictDto);
  // built as object literals of fixed shapes, no spreads (a third of the handler's own time),
  // each as its id is resolved (resolveEach), so the resolver's items die young
  const items: EffectiveItemDto[] = []
  resolveEach(model, data, request.ids, (it) => {
    const layers = it.layers.map(verdictDto)
    const out: EffectiveItemDto = it.notes.length
      ? { kind: it.kind, id: it.id, winner: it.winner, notes: it.notes, layers }
      : { kind: it.kind, id: it.id, winner: it.winner, layers }
    if (lookups) out.lookups = it.layers.map((_, i) => lookupOf(i, it.kind, it.id))
    items.push(out)
  })
  return {
    model,
    label: RUNTIME_MODELS[model].label,
    notes,
    layers: specs.map((s, i) => {
      const d = data[i]!
      return {
        role: s.role,
        label: s.label,
        locator: locators.has(s.role) ? redactLocator(locators.get(s.role)!) : null,
        state: d.state,
        storeId: d.state === 'not-inspected' ? null : d.storeId,
        error: d.state === 'failed' ? d.error.message : null
      }
    }),
    // once, not per shadowed layer: a verdict names only the fields that differ
    fields: {
      connection: [...COMPARED_FIELDS.connection],
      variable: [...COMPARED_FIELDS.variable]
    },
    items
  }
}

/** One layer's verdict as the app reads it: what is empty left out, field values never. */
function verdictDto(v: LayerVerdict): VerdictDto {
  switch (v.status) {
    case 'wins':
      return { status: v.status, fromKey: v.fromKey }
    case 'shadowed':
      // the names resolveEffective made, not copied (the answer is serialised and dropped)
      return v.differs.length
        ? { status: v.status, fromKey: v.fromKey, differs: v.differs }
        : { status: v.status, fromKey: v.fromKey }
    case 'unreadable':
    case 'failed':
      return { status: v.status, message: v.message }
    case 'absent':
      return ABSENT
    default:
      return NOT_INSPECTED
  }
}

// shared by every id's answer (read only): at 50 000 ids most verdicts are these
const ABSENT: VerdictDto = Object.freeze({ status: 'absent' })
const NOT_INSPECTED: VerdictDto = Object.freeze({ status: 'not-inspected' })

/** The connection fields the app shows in the clear (the inventory does too). */
const PLAIN_FIELDS: ReadonlySet<string> = new Set([
  'conn_type',
  'host',
  'schema',
  'login',
  'port',
  'description',
  'team_name'
])

/** Looks up the plain field values of both sides of a plan, by kind and id. */
function plainValues(source: readonly Entry[], target: readonly Entry[]) {
  type Fields = Readonly<Record<string, string | number | null | undefined>>
  // a variable's description is plain (the inventory shows it); its value never is
  const index = (entries: readonly Entry[]) =>
    new Map<string, Fields>(
      entries.map((e) =>
        e.kind === 'connection'
          ? ([`connection:${e.id}`, e.fields as unknown as Fields] as const)
          : ([`variable:${e.key}`, { description: e.description }] as const)
      )
    )
  const s = index(source)
  const t = index(target)
  return (item: PlanDocument['items'][number], field: string) => {
    if (item.kind === 'connection' ? !PLAIN_FIELDS.has(field) : field !== 'description') return {}
    const from = item.sourceId === null ? undefined : s.get(`${item.kind}:${item.sourceId}`)
    return {
      before: t.get(`${item.kind}:${item.targetId}`)?.[field] ?? null,
      after: from?.[field] ?? null
    }
  }
}

function toPlanDto(
  doc: PlanDocument,
  preflight: PlanDto['preflight'],
  preflightErrors: number,
  applicable: boolean,
  plain?: ReturnType<typeof plainValues>
): PlanDto {
  return {
    planId: doc.planId,
    source: doc.source,
    target: doc.target,
    summary: doc.summary,
    // what is empty is left out: at 50 000 items the answer is less than half (PlanItemDto)
    items: doc.items.map((i): PlanItemDto => {
      const out: PlanItemDto = {
        kind: i.kind,
        sourceId: i.sourceId,
        targetId: i.targetId,
        action: i.action
      }
      if (i.resolution) out.resolution = i.resolution
      const changed = i.diff.filter((d) => d.change === 'changed')
      if (changed.length)
        out.fields = changed.map((d) => ({ field: d.field, ...(plain ? plain(i, d.field) : {}) }))
      if (i.warnings.length) out.warnings = i.warnings
      return out
    }),
    preflight,
    preflightErrors,
    applicable
  }
}

/**
 * The drift key of a plan made in the app, kept in a persistent keychain only: in memory it
 * would not outlive this run (the plan is shown, never applied). `state` says which it was.
 */
function appPlanKey(ctx: HandlerContext) {
  const state = { applicable: false, keychainless: false }
  const planKey = async (planId: string) => {
    const keychain = await ctx.keychain()
    state.applicable = isPersistent(keychain)
    state.keychainless = !state.applicable
    return state.applicable ? await newPlanKey(keychain, planId) : undefined
  }
  return { state, planKey }
}

/**
 * Signs a plan made in the app as the CLI signs a saved one (apply and save-plan take it only as
 * it was made), holds it with both sides for apply and the item detail, and answers it as the
 * app shows it; `extra` (the cutover preview) travels beside it, never in the signed document.
 */
async function holdPlanned(
  ctx: HandlerContext,
  planned: PlannedStores,
  locators: { source: string; target: string },
  state: ReturnType<typeof appPlanKey>['state'],
  problems: PlanDto['preflight'],
  extra: Partial<PlanDto> = {}
): Promise<PlanDto> {
  const doc = await signPlan(planned.document, await ctx.keychain())
  const applicable = state.applicable && planned.preflightErrors === 0
  holdPlan(ctx.plans, {
    doc,
    ...locators,
    applicable,
    keychainless: state.keychainless,
    sides: { source: planned.source, target: planned.target }
  })
  const dto: PlanDto = {
    ...toPlanDto(
      doc,
      problems,
      planned.preflightErrors,
      applicable,
      plainValues(planned.source, planned.target)
    ),
    ...extra
  }
  return state.keychainless
    ? {
        ...dto,
        notApplicable: noKeychainMessage(
          'this plan cannot be applied (its drift key would not outlive this run)'
        )
      }
    : dto
}

/** `jobs:plan`: what a migration would do, with the target's pre-flight; kept for apply. */
export async function makePlan(ctx: HandlerContext, request: PlanRequest): Promise<PlanDto> {
  const o = request.options
  const { state, planKey } = appPlanKey(ctx)
  // a runtime that does not hold the target is refused before anything is planned
  const placement =
    request.runtime !== undefined || request.model !== undefined || request.layers !== undefined
      ? await placeTarget(
          request.target,
          { runtime: request.runtime, model: request.model, layers: request.layers },
          ctx.locatorOptions()
        )
      : undefined
  const planned = await planStores({
    source: request.source,
    target: request.target,
    dialect: o.dialect ?? 'airflow3',
    locatorOptions: ctx.locatorOptions(),
    kinds: o.kinds,
    plan: {
      include: o.include,
      exclude: o.exclude,
      ...(o.rename ? { rename: o.rename } : {}),
      ...(o.prefix ? { prefixMap: o.prefix } : {}),
      onConflict: o.onConflict ?? 'overwrite',
      deleteExtraneous: Boolean(o.deleteExtraneous)
    },
    planKey
  })
  const cutover = placement
    ? cutoverDto(await previewCutover(planned, placement, ctx.locatorOptions()))
    : undefined
  return holdPlanned(
    ctx,
    planned,
    { source: request.source, target: request.target },
    state,
    planned.storeProblems,
    cutover ? { cutover } : {}
  )
}

/**
 * `jobs:retry-failed`: a plan of the job's failed items against its stores as they are now,
 * held for `jobs:apply` as a `jobs:plan` answer is (operations/retry.ts).
 */
export async function planRetry(ctx: HandlerContext, request: { jobId: string }): Promise<PlanDto> {
  const { state, planKey } = appPlanKey(ctx)
  const retry = await planRetryFailed({
    dataDir: ctx.dataDir,
    jobId: request.jobId,
    locatorOptions: ctx.locatorOptions(),
    planKey
  })
  return holdPlanned(ctx, retry.planned, { source: retry.source, target: retry.target }, state, [
    ...retry.planned.storeProblems,
    ...retry.dropped.map((d) => ({
      severity: 'warning' as const,
      message: `${d.id} failed in job ${request.jobId} and is not planned again: ${d.reason}`
    }))
  ])
}

/** `jobs:save-plan`: the plan file `airlock apply` takes (no values: fingerprints only). */
export async function savePlan(ctx: HandlerContext, request: { planId: string; path: string }) {
  const held = ctx.plans.get(request.planId)
  if (!held)
    throw new AirlockError(
      'backend.not-found',
      `No plan ${request.planId} in this run; plan again.`
    )
  // the layout `airlock plan --out` writes (one item per line), not pretty-printed
  replaceFileParts(request.path, planFileParts(held.doc))
  return { path: request.path }
}

/** A held plan with its sides, and its target opened as apply opens it. */
function heldWithSides(ctx: HandlerContext, planId: string) {
  const held = ctx.plans.get(planId)
  if (!held)
    throw new AirlockError('backend.not-found', `No plan ${planId} in this run; plan again.`)
  if (!held.sides)
    throw new AirlockError(
      'backend.not-found',
      `Plan ${planId} is no longer held with its values (only the newest plans are); plan again.`
    )
  const doc = held.doc
  return {
    plan: { doc, ...held.sides },
    target: {
      locator: held.target,
      options: ctx.locatorOptions({
        dialect: doc.dialect,
        kinds: planKinds(doc),
        kindsFrom: `the plan ${doc.planId}`
      })
    }
  }
}

/** `jobs:plan-item`: one item of a held plan, before → after, secrets masked. */
export function planItem(
  ctx: HandlerContext,
  request: PlanItemRequest
): Promise<PlanItemDetailDto> {
  const { plan, target } = heldWithSides(ctx, request.planId)
  return planItemDetail(plan, request, target)
}

/** `jobs:plan-item-reveal`: on explicit request, one secret field's sides or the text written. */
export function planItemReveal(
  ctx: HandlerContext,
  request: PlanItemRevealRequest
): Promise<PlanItemRevealDto> {
  const { plan, target } = heldWithSides(ctx, request.planId)
  return revealPlanItem(plan, request, request.part, target)
}
