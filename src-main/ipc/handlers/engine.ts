/** Handlers of `effective:resolve`, `jobs:plan`, `jobs:diff` and `jobs:save-plan`. */
import { renameSync, writeFileSync } from 'node:fs'
import type {
  DiffRequest,
  EffectiveDto,
  EffectiveRequest,
  PlanDto,
  PlanRequest
} from '../../contract/ipc'
import type { Backend, EntryKind } from '../../backends/backend'
import { openLocator, requireStoreFile } from '../../operations/open-store'
import { AirlockError } from '../../core/errors'
import { fingerprinter } from '../../core/fingerprint'
import { plan, type PlanDocument, type PlanOptions } from '../../core/plan'
import { RUNTIME_MODELS, resolveEffective, type LayerData } from '../../core/precedence'
import type { Entry } from '../../core/model'
import { newPlanKey } from '../../jobs/run-job'
import {
  annotatePlan,
  entriesForPlan,
  loadLayer,
  newPlanId,
  planDocument,
  redactLocator,
  requireSource
} from '../../operations/plan'
import { runtimeLayers } from '../../operations/effective'
import type { HandlerContext } from './context'

/** `effective:resolve`: per id, the layer Airflow reads it from and what it shadows. */
export async function resolveEffectiveView(
  ctx: HandlerContext,
  request: EffectiveRequest
): Promise<EffectiveDto> {
  const { model, locators, notes } = await runtimeLayers(
    {
      // neither a runtime nor layers: the demo
      runtime: request.runtime ?? (request.layers === undefined ? 'demo' : undefined),
      model: request.model,
      layers: request.layers
    },
    ctx.locatorOptions()
  )
  const specs = RUNTIME_MODELS[model].layers
  const data: LayerData[] = []
  for (const spec of specs) {
    const locator = locators.get(spec.role)
    data.push(
      await loadLayer(
        locator
          ? await openLocator(locator, ctx.locatorOptions({ dialect: spec.dialect }))
          : undefined,
        request.kinds
      )
    )
  }
  const items = resolveEffective(model, data, fingerprinter())
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
    items: items.map((it) => ({
      kind: it.kind,
      id: it.id,
      winner: it.winner,
      notes: it.notes,
      layers: it.layers.map((v) => ({
        status: v.status,
        fromKey: 'fromKey' in v ? v.fromKey : null,
        fields:
          v.status === 'shadowed'
            ? v.differs.map((d) => ({ field: d.field, differs: d.change === 'changed' }))
            : [],
        message: 'message' in v ? v.message : null
      }))
    }))
  }
}

async function loadBoth(
  ctx: HandlerContext,
  sourceLocator: string,
  targetLocator: string,
  kinds: EntryKind[] | undefined,
  dialect: PlanOptions['targetDialect']
): Promise<{ source: Entry[]; target: Entry[]; targetBackend: Backend }> {
  const source = await openLocator(sourceLocator, ctx.locatorOptions({ dialect }))
  const targetBackend = await openLocator(targetLocator, ctx.locatorOptions({ dialect }))
  try {
    const [s, t] = entriesForPlan([
      { name: sourceLocator, data: await loadLayer(source, kinds) },
      // The target stays open for its pre-flight; the caller closes it.
      { name: targetLocator, data: await loadLayer(targetBackend, kinds, { keepOpen: true }) }
    ])
    return { source: s!, target: t!, targetBackend }
  } catch (error) {
    await targetBackend.close?.()
    throw error
  }
}

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
  const index = (entries: readonly Entry[]) =>
    new Map<string, Fields>(
      entries.flatMap((e) =>
        e.kind === 'connection' ? [[e.id, e.fields as unknown as Fields] as const] : []
      )
    )
  const s = index(source)
  const t = index(target)
  return (item: PlanDocument['items'][number], field: string) => {
    if (item.kind !== 'connection' || !PLAIN_FIELDS.has(field)) return {}
    const from = item.sourceId === null ? undefined : s.get(item.sourceId)
    return { before: t.get(item.targetId)?.[field] ?? null, after: from?.[field] ?? null }
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
    items: doc.items.map((i) => ({
      kind: i.kind,
      sourceId: i.sourceId,
      targetId: i.targetId,
      action: i.action,
      resolution: i.resolution ?? null,
      fields: i.diff.map((d) => ({
        field: d.field,
        changed: d.change === 'changed',
        ...(d.change === 'changed' && plain ? plain(i, d.field) : {})
      })),
      warnings: i.warnings
    })),
    preflight,
    preflightErrors,
    applicable
  }
}

/** `jobs:plan`: what a migration would do, with the target's pre-flight; kept for apply. */
export async function makePlan(ctx: HandlerContext, request: PlanRequest): Promise<PlanDto> {
  const o = request.options
  const dialect = o.dialect ?? 'airflow3'
  requireSource(request.source)
  const loaded = await loadBoth(ctx, request.source, request.target, o.kinds, dialect)
  const target = loaded.targetBackend
  try {
    const planId = newPlanId()
    const keychain = await ctx.keychain()
    const applicable = keychain.kind === 'os'
    const key = applicable ? await newPlanKey(keychain, planId) : undefined
    const options: PlanOptions = {
      kinds: o.kinds,
      include: o.include,
      exclude: o.exclude,
      onConflict: o.onConflict ?? 'overwrite',
      deleteExtraneous: Boolean(o.deleteExtraneous),
      targetDialect: dialect
    }
    const result = plan(loaded.source, loaded.target, options, fingerprinter(key))
    const { preflightErrors, storeProblems: preflight } = await annotatePlan(
      result.items,
      loaded.source,
      target,
      { preflight: true }
    )
    const doc = planDocument({
      planId,
      source: request.source,
      target: request.target,
      dialect,
      options,
      result
    })
    ctx.plans.set(planId, {
      doc,
      source: request.source,
      target: request.target,
      applicable: applicable && preflightErrors === 0
    })
    return toPlanDto(
      doc,
      preflight,
      preflightErrors,
      applicable && preflightErrors === 0,
      plainValues(loaded.source, loaded.target)
    )
  } finally {
    await target.close?.()
  }
}

/** `jobs:diff`: every difference between two stores (+ only in A, - only in B, ~ differs). */
export async function diffStores(ctx: HandlerContext, request: DiffRequest): Promise<PlanDto> {
  for (const side of [request.a, request.b])
    requireStoreFile(side, 'A diff reads both stores (a missing file would read as empty).')
  const loaded = await loadBoth(ctx, request.a, request.b, request.kinds, 'airflow3')
  await loaded.targetBackend.close?.()
  const result = plan(
    loaded.source,
    loaded.target,
    { kinds: request.kinds, onConflict: 'overwrite', deleteExtraneous: true },
    fingerprinter()
  )
  const doc = planDocument({
    planId: newPlanId(),
    source: request.a,
    target: request.b,
    dialect: 'airflow3',
    options: {},
    result: { ...result, items: result.items.filter((i) => i.action !== 'unchanged') }
  })
  return toPlanDto(doc, [], 0, false, plainValues(loaded.source, loaded.target))
}

/** `jobs:save-plan`: the plan file `airlock apply` takes (no values: fingerprints only). */
export function savePlan(ctx: HandlerContext, request: { planId: string; path: string }) {
  const held = ctx.plans.get(request.planId)
  if (!held)
    throw new AirlockError(
      'backend.not-found',
      `No plan ${request.planId} in this run; plan again.`
    )
  const tmp = `${request.path}.tmp-${process.pid}`
  writeFileSync(tmp, JSON.stringify(held.doc, null, 2) + '\n', { mode: 0o600 })
  renameSync(tmp, request.path)
  return { path: request.path }
}
