/**
 * What the fast path of `plan`/`diff` (operations/raw-plan.ts) is held to in its tests: the
 * plan core/plan.ts makes from both stores read whole, with the same key and limits.
 */
import type { Backend } from '../../src-main/backends/backend'
import { fingerprinter } from '../../src-main/core/fingerprint'
import type { Dialect } from '../../src-main/core/model'
import { plan, type PlanOptions } from '../../src-main/core/plan'
import { targetLimits } from '../../src-main/operations/plan'
import { planRaw } from '../../src-main/operations/raw-plan'

/** The fingerprint key of both plans (any fixed key: the two must sign alike). */
export const PLAN_KEY = new Uint8Array(32).fill(7)

/** A diff's options: every difference, the target's extra ids deleted. */
export const DIFF: PlanOptions = { onConflict: 'overwrite', deleteExtraneous: true }

/** Both plans of `source` → `target`: the fast path's (undefined where it declines), and the whole read's. */
export async function bothPlans(
  source: Backend,
  target: Backend,
  options: PlanOptions = DIFF,
  dialect: Dialect = 'airflow3',
  /** Called once the fast plan is made, before the whole read (to count what it alone did). */
  afterFast: () => void = () => undefined
) {
  const limits = targetLimits(target, dialect)
  const fast = await planRaw(
    source,
    target,
    undefined,
    options,
    async () => fingerprinter(PLAN_KEY),
    limits
  )
  afterFast()
  const full = plan(
    (await source.load({})).entries,
    (await target.load({})).entries,
    options,
    fingerprinter(PLAN_KEY),
    limits
  )
  return { fast, full }
}
