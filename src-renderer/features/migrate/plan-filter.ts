/**
 * The plan review's grouping and filters: items of one action together (Terraform's order:
 * what is created, updated, deleted, then conflicts, then what stays), narrowed by action,
 * kind, id glob and, with a cutover preview, to the shadowed items.
 */
import type { CutoverItemDto, PlanDto, PlanItemDto } from '../../../src-main/contract/ipc'

export type PlanAction = PlanItemDto['action']

/** The order groups are listed in. */
export const ACTION_ORDER: readonly PlanAction[] = [
  'create',
  'update',
  'delete',
  'conflict',
  'unchanged'
]

/** An item's key, as the store and the cutover preview name it. */
export const itemKey = (i: { kind: string; targetId: string }) => `${i.kind}:${i.targetId}`

/** What the review shows. */
export interface PlanFilter {
  actions: ReadonlySet<PlanAction>
  kind: 'both' | 'connection' | 'variable'
  /** Globs (`*`, `?`), comma-separated; empty: every id. Case-insensitive. */
  ids: string
  shadowedOnly: boolean
}

/** A matcher for comma-separated globs over ids (empty text: everything). */
export function idMatcher(text: string): (id: string) => boolean {
  const globs = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (!globs.length) return () => true
  const res = globs.map(
    (g) =>
      new RegExp(
        `^${g
          .split('')
          .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
          .join('')}$`,
        'i'
      )
  )
  return (id) => res.some((r) => r.test(id))
}

/** The cutover outcome of each item, by key. */
export function cutoverByKey(plan: PlanDto): Map<string, CutoverItemDto> {
  return new Map((plan.cutover?.items ?? []).map((c) => [`${c.kind}:${c.id}`, c]))
}

/**
 * Items that pass every filter but the action one, counted per action (the chips' numbers),
 * and the rows shown: those that pass all, grouped by action in `ACTION_ORDER`.
 */
export function reviewPlan(
  plan: PlanDto,
  filter: PlanFilter,
  cutover: ReadonlyMap<string, CutoverItemDto> = cutoverByKey(plan)
): { counts: Record<PlanAction, number>; rows: PlanItemDto[] } {
  const matches = idMatcher(filter.ids)
  const counts: Record<PlanAction, number> = {
    create: 0,
    update: 0,
    delete: 0,
    unchanged: 0,
    conflict: 0
  }
  const groups = new Map<PlanAction, PlanItemDto[]>(ACTION_ORDER.map((a) => [a, []]))
  for (const item of plan.items) {
    if (filter.kind !== 'both' && item.kind !== filter.kind) continue
    if (!matches(item.targetId) && !(item.sourceId && matches(item.sourceId))) continue
    if (filter.shadowedOnly && cutover.get(itemKey(item))?.outcome !== 'shadowed') continue
    counts[item.action]++
    if (filter.actions.has(item.action)) groups.get(item.action)!.push(item)
  }
  return { counts, rows: ACTION_ORDER.flatMap((a) => groups.get(a)!) }
}
