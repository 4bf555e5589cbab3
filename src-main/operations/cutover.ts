/**
 * The cutover preview, once for `airlock plan --runtime` and the app's plan: for every planned
 * item, what Airflow reads after the apply. The plan's target is placed among the runtime's
 * layers (core/precedence.ts); the other layers are loaded as they are, the target's as it is
 * now and as the plan leaves it. Values never leave this file: outcomes, layer names and the
 * key that wins (`AIRFLOW_CONN_X`), never a value.
 */
import type { EntryKind } from '../backends/backend'
import type { CutoverDto } from '../contract/ipc'
import { AirlockError } from '../core/errors'
import { idOf, type Entry } from '../core/model'
import type { PlanAction, PlanItem } from '../core/plan'
import { nameUnreadable, unreadableEntries } from '../core/unreadable'
import {
  RUNTIME_MODELS,
  resolveEffective,
  sameFields,
  type LayerData,
  type LayerRole,
  type RuntimeModelId
} from '../core/precedence'
import { runtimeLayers, type RuntimeRequest } from './effective'
import { openLocator, storeIdentity, type LocatorOptions } from './open-store'
import { loadLayer, redactLocator } from './plan'

/**
 * What an item does to what Airflow reads: `reads-new` (the apply changes it: the new value,
 * or for a delete the next layer down, or not found), `already-equal` (what Airflow reads is
 * the same value before and after), `shadowed` (a layer above the target holds the id and
 * still wins).
 */
export type CutoverOutcome = 'reads-new' | 'already-equal' | 'shadowed'

/** One planned item in the cutover preview. */
export interface CutoverItem {
  kind: EntryKind
  /** The id in the target (after renames). */
  id: string
  action: PlanAction
  outcome: CutoverOutcome
  /**
   * The layer Airflow reads the id from after the apply, and the key it finds it under
   * (`AIRFLOW_CONN_X` in an env layer); null when no inspected layer has it (after a delete).
   */
  winner: { layer: string; role: LayerRole; name: string } | null
  /**
   * For `shadowed`: whether the winning layer's value differs from the one the target holds
   * after the apply (for a delete: the one it removes).
   */
  differs?: boolean
}

/** Counts per outcome. */
export interface CutoverCounts {
  readsNew: number
  alreadyEqual: number
  shadowed: number
}

/** The cutover preview of one plan against one runtime. */
export interface CutoverView {
  /** The runtime as asked (`demo`, `airflow-config:PATH`, or `layers` when only layers were given). */
  runtime: string
  model: RuntimeModelId
  /** The top-most layer the plan's target is in that runtime. */
  target: { layer: string; role: LayerRole }
  counts: CutoverCounts
  items: CutoverItem[]
  /** What limits the preview: layers that failed or were not inspected above the target. */
  notes: string[]
}

/** What of a plan the preview needs (operations/plan.ts `PlannedStores`). */
export interface PlannedForCutover {
  result: { items: readonly PlanItem[] }
  /** Both sides as loaded for the plan. */
  source: readonly Entry[]
  target: readonly Entry[]
}

const isEnvRole = (role: LayerRole) => role === 'env' || role === 'worker-env'

/** Airflow looks env vars up by `id.upper()`; every other layer by the exact id. */
const keyIn = (role: LayerRole, kind: EntryKind, id: string) =>
  `${kind}:${isEnvRole(role) ? id.toUpperCase() : id}`

const withId = (e: Entry, id: string): Entry =>
  e.kind === 'connection' ? { ...e, id } : { ...e, key: id }

/**
 * Classifies every planned item (conflicts are not written, so they are left out) against
 * `layers`, the runtime's layers in its model's order; the layers at `targetLayers` are the
 * plan's target, whose entries before and after the apply come from `planned`. Pure.
 */
export function resolveCutover(
  model: RuntimeModelId,
  layers: readonly LayerData[],
  targetLayers: readonly number[],
  planned: PlannedForCutover,
  targetStoreId: string
): { items: CutoverItem[]; counts: CutoverCounts } {
  const specs = RUNTIME_MODELS[model].layers
  const top = Math.min(...targetLayers)
  const planItems = planned.result.items.filter((i) => i.action !== 'conflict')
  const sourceById = new Map(planned.source.map((e) => [`${e.kind}:${idOf(e)}`, e]))
  const after = new Map(planned.target.map((e) => [`${e.kind}:${idOf(e)}`, e]))
  for (const item of planItems) {
    const key = `${item.kind}:${item.targetId}`
    if (item.action === 'delete') after.delete(key)
    else if (item.action === 'create' || item.action === 'update') {
      const s = item.sourceId === null ? undefined : sourceById.get(`${item.kind}:${item.sourceId}`)
      if (!s) continue
      const was = after.get(key)
      after.set(key, {
        ...withId(s, item.targetId),
        source: { backendId: targetStoreId, path: '', fromKey: was?.source?.fromKey ?? '' }
      })
    }
  }
  const asLayer = (entries: readonly Entry[]): LayerData => ({
    state: 'loaded',
    storeId: targetStoreId,
    entries,
    problems: []
  })
  const withTarget = (entries: readonly Entry[]) =>
    layers.map((l, i) => (targetLayers.includes(i) ? asLayer(entries) : l))
  const beforeLayers = withTarget(planned.target)
  const afterLayers = withTarget([...after.values()])
  // What each layer holds by its lookup key, to compare the values that win (never shown).
  const index = (data: readonly LayerData[]) =>
    data.map((l, i) => {
      const map = new Map<string, Entry>()
      if (l.state === 'loaded')
        for (const e of l.entries) map.set(keyIn(specs[i]!.role, e.kind, idOf(e)), e)
      return map
    })
  const beforeIndex = index(beforeLayers)
  const afterIndex = index(afterLayers)
  const ids = planItems.map((i) => ({ kind: i.kind, id: i.targetId }))
  const byId = (data: readonly LayerData[]) =>
    new Map(resolveEffective(model, data, ids).map((r) => [`${r.kind}:${r.id}`, r]))
  const before = byId(beforeLayers)
  const resolved = byId(afterLayers)
  const counts: CutoverCounts = { readsNew: 0, alreadyEqual: 0, shadowed: 0 }
  const items: CutoverItem[] = []
  for (const item of planItems) {
    const key = `${item.kind}:${item.targetId}`
    const a = resolved.get(key)
    const b = before.get(key)
    const w = a?.winner ?? null
    const entryAt = (idx: Map<string, Entry>[], layer: number | null) =>
      layer === null
        ? undefined
        : idx[layer]!.get(keyIn(specs[layer]!.role, item.kind, item.targetId))
    const winning = entryAt(afterIndex, w)
    const winner =
      w === null
        ? null
        : {
            layer: specs[w]!.label,
            role: specs[w]!.role,
            name: nameIn(specs[w]!.role, item.kind, item.targetId, winning)
          }
    if (w !== null && w < top) {
      const mine = item.action === 'delete' ? entryAt(beforeIndex, top) : entryAt(afterIndex, top)
      counts.shadowed++
      items.push({
        kind: item.kind,
        id: item.targetId,
        action: item.action,
        outcome: 'shadowed',
        winner,
        differs: !mine || !winning || !sameFields(winning, mine)
      })
      continue
    }
    const was = entryAt(beforeIndex, b?.winner ?? null)
    const same = was === undefined ? winning === undefined : !!winning && sameFields(was, winning)
    if (same) counts.alreadyEqual++
    else counts.readsNew++
    items.push({
      kind: item.kind,
      id: item.targetId,
      action: item.action,
      outcome: same ? 'already-equal' : 'reads-new',
      winner
    })
  }
  return { items, counts }
}

/** The key Airflow finds an id under in a layer: `AIRFLOW_CONN_X` in env, else the store's. */
function nameIn(role: LayerRole, kind: EntryKind, id: string, e: Entry | undefined): string {
  if (isEnvRole(role))
    return (
      e?.source?.fromKey ||
      `${kind === 'connection' ? 'AIRFLOW_CONN_' : 'AIRFLOW_VAR_'}${id.toUpperCase()}`
    )
  return e?.source?.fromKey || id
}

/** A store's canonical identity, or undefined when it cannot be worked out (then: by locator). */
async function identityOf(locator: string, options: LocatorOptions): Promise<string | undefined> {
  try {
    return (await storeIdentity(locator, options)).identity
  } catch {
    return undefined
  }
}

/** Where a plan's target sits in a runtime: resolved before the plan is made. */
export interface CutoverPlacement {
  /** The runtime as asked (redacted), or `layers`. */
  runtime: string
  model: RuntimeModelId
  locators: ReadonlyMap<LayerRole, string>
  notes: readonly string[]
  /** The target's locator (as given) and the layers it is, in the model's order. */
  target: string
  targetLayers: number[]
}

/**
 * Resolves a runtime and finds the plan's target among its layers, by store identity
 * (operations/open-store.ts `storeIdentity`) or locator. Refuses (usage) a runtime that names
 * no layer, and a target that is none of its layers (named, with the runtime's layers listed):
 * called before anything is planned, so a refusal has opened no store and made no plan key.
 */
export async function placeTarget(
  targetLocator: string,
  request: RuntimeRequest,
  locatorOptions: LocatorOptions
): Promise<CutoverPlacement> {
  const resolved = await runtimeLayers(request, locatorOptions)
  const { model, locators } = resolved
  const specs = RUNTIME_MODELS[model].layers
  const runtime = request.runtime ?? 'layers'
  if (locators.size === 0)
    throw new AirlockError(
      'usage',
      'A cutover preview needs a runtime (demo or airflow-config:PATH) or layers given as role=store.'
    )
  const target = await identityOf(targetLocator, locatorOptions)
  const targetLayers: number[] = []
  for (const [i, spec] of specs.entries()) {
    const locator = locators.get(spec.role)
    if (!locator) continue
    if (
      locator === targetLocator ||
      (target !== undefined && (await identityOf(locator, locatorOptions)) === target)
    )
      targetLayers.push(i)
  }
  const where = redactLocator(targetLocator)
  if (!targetLayers.length)
    throw new AirlockError(
      'usage',
      `The plan's target ${where} is not a layer of the runtime ${redactLocator(runtime)} (${model}); its layers: ${specs
        .map((s, i) => {
          const l = locators.get(s.role)
          return `${i + 1}. ${s.label} [${s.role}] = ${l ? redactLocator(l) : '(none)'}`
        })
        .join('; ')}. Plan into one of them, or put ${where} behind a layer (${specs
        .map((s) => s.role)
        .join('|')}=${where}).`
    )
  return {
    runtime: redactLocator(runtime),
    model,
    locators,
    notes: resolved.notes,
    target: targetLocator,
    targetLayers
  }
}

/**
 * `plan … --runtime R`: the cutover preview of a plan made into `placement.target`. Every
 * other layer is loaded as it is; one that fails, or holds a planned id it cannot read, above
 * the target is noted, as Airflow logs it and reads on.
 */
export async function previewCutover(
  planned: PlannedForCutover & { options: { kinds?: readonly EntryKind[] } },
  placement: CutoverPlacement,
  locatorOptions: LocatorOptions
): Promise<CutoverView> {
  const { model, locators, targetLayers } = placement
  const specs = RUNTIME_MODELS[model].layers
  const where = redactLocator(placement.target)
  const kinds = planned.options.kinds ? [...planned.options.kinds] : undefined
  const data: LayerData[] = []
  for (const [i, spec] of specs.entries()) {
    const locator = locators.get(spec.role)
    if (targetLayers.includes(i) || !locator) {
      data.push({ state: 'not-inspected' })
      continue
    }
    data.push(
      await loadLayer(
        await openLocator(locator, { ...locatorOptions, kinds, dialect: spec.dialect }),
        kinds
      )
    )
  }
  const top = Math.min(...targetLayers)
  const notes = [...placement.notes]
  for (const [i, d] of data.entries()) {
    if (i >= top) continue
    if (d.state === 'failed')
      notes.push(
        `layer ${i + 1}. ${specs[i]!.label} failed (${d.error.message}): an id it holds would win there, so shadowing there is not ruled out`
      )
    if (d.state !== 'loaded') continue
    // a value Airflow cannot read there is tried first, then skipped (logged) in its search
    const role = specs[i]!.role
    const wanted = new Set(planned.result.items.map((p) => keyIn(role, p.kind, p.targetId)))
    const unreadable = unreadableEntries(
      d.problems.filter((p) => wanted.has(keyIn(role, p.kind, p.id)))
    )
    if (unreadable.length)
      notes.push(
        `layer ${i + 1}. ${specs[i]!.label} holds ${unreadable.length} planned id(s) it cannot read (${nameUnreadable(unreadable)}): Airflow tries them there first and reads on when they fail; fix or remove them`
      )
  }
  const { items, counts } = resolveCutover(model, data, targetLayers, planned, where)
  return {
    runtime: placement.runtime,
    model,
    target: { layer: specs[top]!.label, role: specs[top]!.role },
    counts,
    items,
    notes
  }
}

/**
 * The cutover as plain JSON, for `plan --json` (its `cutover` object, README "The cutover
 * preview") and the app's `PlanDto.cutover` alike: `winner` and `differs` only where they apply.
 */
export function cutoverDto(view: CutoverView): CutoverDto {
  return {
    runtime: view.runtime,
    model: view.model,
    target: view.target,
    counts: view.counts,
    items: view.items.map((i) => ({
      kind: i.kind,
      id: i.id,
      action: i.action as CutoverDto['items'][number]['action'],
      outcome: i.outcome,
      ...(i.winner ? { winner: i.winner } : {}),
      ...(i.differs === undefined ? {} : { differs: i.differs })
    })),
    notes: view.notes
  }
}
