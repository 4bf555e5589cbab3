/**
 * What a run of a job needs of its plan's items: each item's kind, target id and action, by
 * plan item index. A plan item also holds its source id, versions, diff and warnings (some
 * 250 bytes an item, about 25 MB at 100 k items), which the job needs only to check the plan
 * and to write `meta.json`; a run keeps these records instead, so the parsed plan is garbage
 * once the job's files are written (issue #22).
 */
import type { EntryKind } from '../core/model'
import type { PlanAction, PlanItem } from '../core/plan'

const KINDS: readonly EntryKind[] = ['connection', 'variable']
const ACTIONS: readonly PlanAction[] = ['create', 'update', 'delete', 'unchanged', 'conflict']

/** The kind, target id and action of each plan item, by index (one byte each but the id). */
export class JobItems {
  private constructor(
    private readonly kinds: Uint8Array,
    private readonly actions: Uint8Array,
    private readonly targetIds: readonly string[]
  ) {}

  /** The records of `items`: their target id strings are shared, nothing else is kept. */
  static of(items: readonly PlanItem[]): JobItems {
    const kinds = new Uint8Array(items.length)
    const actions = new Uint8Array(items.length)
    const targetIds = new Array<string>(items.length)
    items.forEach((item, idx) => {
      kinds[idx] = KINDS.indexOf(item.kind)
      actions[idx] = ACTIONS.indexOf(item.action)
      targetIds[idx] = item.targetId
    })
    return new JobItems(kinds, actions, targetIds)
  }

  get length(): number {
    return this.targetIds.length
  }

  kind(idx: number): EntryKind {
    return KINDS[this.kinds[idx]!]!
  }

  action(idx: number): PlanAction {
    return ACTIONS[this.actions[idx]!]!
  }

  targetId(idx: number): string {
    return this.targetIds[idx]!
  }
}
