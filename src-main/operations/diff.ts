/**
 * `diff A B`, once for the CLI and the app: every difference between two stores, as a plan
 * from A to B that is never applied (+ only in A, - only in B, ~ differs; fields named, never
 * values). Both stores must exist: a missing file would read as empty and differ everywhere.
 */
import type { Entry } from '../core/model'
import { fingerprinter, noFingerprints } from '../core/fingerprint'
import { plan, type PlanOptions } from '../core/plan'
import { requireStoreFile } from './open-store'
import {
  annotatePlan,
  loadOpened,
  newPlanId,
  openPair,
  planDocument,
  type PlannedStores,
  targetLimits,
  type StorePair
} from './plan'
import { planRaw } from './raw-plan'

/** What to compare: two stores, and optionally which ids and under which names. */
export interface DiffStoresOptions extends StorePair {
  /** Filters and renames, as a plan takes them; a diff overwrites and deletes by nature. */
  plan?: Pick<PlanOptions, 'include' | 'exclude' | 'rename' | 'prefixMap'>
  /**
   * Whether the result carries both sides as read (default true: the app shows their plain
   * fields). Without them, entries whose text is the same on both sides need not be read
   * whole (operations/raw-plan.ts), and `source`/`target` hold only the entries read.
   */
  sides?: boolean
  /**
   * Whether items carry keyed fingerprints (versions, field fingerprints; default true, as
   * `airlock diff --json` prints them). A diff shown as text, or a view that says only which
   * fields differ, passes false: no HMAC is made (most of the time of planning the differing
   * items; an HMAC per compared field was most of a 50 k id comparison).
   */
  fingerprints?: boolean
  /**
   * Whether `result.items` lists the `unchanged` items (default true). A view of the
   * differences alone passes false: where the sides need not be read, the unchanged ids whose
   * text is the same on both sides are then counted in the summary and not listed (90 k items
   * made and sorted only to be dropped); other unchanged items may still be listed.
   */
  unchangedItems?: boolean
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
  const opened = await openPair(request)
  const { targetBackend } = opened
  try {
    const planId = newPlanId()
    const options: PlanOptions = {
      kinds: opened.kinds,
      ...request.plan,
      onConflict: 'overwrite',
      deleteExtraneous: true,
      targetDialect: request.dialect
    }
    const fp = request.fingerprints === false ? noFingerprints : fingerprinter()
    const limits = targetLimits(targetBackend, request.dialect)
    const fast =
      request.sides === false
        ? await planRaw(
            opened.sourceBackend,
            targetBackend,
            opened.kinds,
            options,
            async () => fp,
            limits,
            { unchanged: request.unchangedItems !== false, written: false }
          )
        : undefined
    let sides: { source: Entry[]; target: Entry[] }
    let result: ReturnType<typeof plan>
    if (fast) {
      await opened.sourceBackend.close?.()
      sides = fast
      result = fast.result
    } else {
      sides = await loadOpened(request, opened)
      result = plan(sides.source, sides.target, options, fp, limits)
    }
    await annotatePlan(result.items, sides.source, targetBackend, { preflight: false })
    const document = planDocument({
      planId,
      source: request.source,
      target: request.target,
      dialect: request.dialect,
      options,
      result
    })
    return { planId, options, result, document, source: sides.source, target: sides.target }
  } finally {
    await targetBackend.close?.()
  }
}
