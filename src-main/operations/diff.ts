/**
 * `diff A B`, once for the CLI and the app: every difference between two stores, as a plan
 * from A to B that is never applied (+ only in A, - only in B, ~ differs; fields named, never
 * values). Both stores must exist: a missing file would read as empty and differ everywhere.
 */
import { fingerprinter } from '../core/fingerprint'
import { plan, type PlanOptions } from '../core/plan'
import { requireStoreFile } from './open-store'
import {
  annotatePlan,
  loadPair,
  newPlanId,
  planDocument,
  type PlannedStores,
  targetLimits,
  type StorePair
} from './plan'

/** What to compare: two stores, and optionally which ids and under which names. */
export interface DiffStoresOptions extends StorePair {
  /** Filters and renames, as a plan takes them; a diff overwrites and deletes by nature. */
  plan?: Pick<PlanOptions, 'include' | 'exclude' | 'rename' | 'prefixMap'>
}

/** A diff: the plan from A to B with every item, `unchanged` ones included. */
export type DiffResult = Omit<PlannedStores, 'preflightErrors' | 'storeProblems'>

/**
 * Compares store `source` (A) with store `target` (B). Items carry what B cannot keep as
 * warnings; B's pre-flight does not run (nothing will be written). Throws when either store
 * is a missing file or holds entries that cannot be read.
 */
export async function diffStores(request: DiffStoresOptions): Promise<DiffResult> {
  for (const side of [request.source, request.target])
    requireStoreFile(side, 'A diff reads both stores (a missing file would read as empty).')
  const loaded = await loadPair(request)
  try {
    const planId = newPlanId()
    const options: PlanOptions = {
      kinds: loaded.kinds,
      ...request.plan,
      onConflict: 'overwrite',
      deleteExtraneous: true,
      targetDialect: request.dialect
    }
    const result = plan(
      loaded.source,
      loaded.target,
      options,
      fingerprinter(),
      targetLimits(loaded.targetBackend, request.dialect)
    )
    await annotatePlan(result.items, loaded.source, loaded.targetBackend, { preflight: false })
    const document = planDocument({
      planId,
      source: request.source,
      target: request.target,
      dialect: request.dialect,
      options,
      result
    })
    return { planId, options, result, document, source: loaded.source, target: loaded.target }
  } finally {
    await loaded.targetBackend.close?.()
  }
}
