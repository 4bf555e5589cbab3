/**
 * "Retry failed items", once for the CLI (`airlock plan --retry-failed JOB`) and the app
 * (`jobs:retry-failed`): a new plan of just the items a job failed to write, made again against
 * both of the job's stores as they are now. It is an ordinary plan — new drift fingerprints,
 * signed when saved, reviewed and applied like any other — so nothing the first plan checked
 * is taken on trust: an item written after all (a write that took effect before its answer was
 * lost) plans as unchanged, and one changed since is planned from what is there now.
 */
import { AirlockError } from '../core/errors'
import type { PlanItem } from '../core/plan'
import { journalPath, readMeta } from '../jobs/job-store'
import { Journal } from '../jobs/journal'
import { storeIdentity, type LocatorOptions } from './open-store'
import { planStores, redactLocator, type PlannedStores } from './plan'

/** The items of a job whose last outcome is a failure (a resume that wrote one clears it). */
export function failedItems(dataDir: string, jobId: string): PlanItem[] {
  const meta = readMeta(dataDir, jobId)
  const last = new Map<number, string>()
  for (const r of Journal.read(journalPath(dataDir, jobId)))
    if (r.t === 'done' || r.t === 'failed' || r.t === 'refused') last.set(r.idx, r.t)
  return [...last]
    .filter(([, t]) => t === 'failed')
    .sort(([a], [b]) => a - b)
    .flatMap(([idx]) => (meta.items[idx] ? [meta.items[idx]] : []))
}

/** What to plan again, and how the stores are opened. */
export interface RetryFailedRequest {
  dataDir: string
  jobId: string
  locatorOptions: LocatorOptions
  /**
   * The job's stores named another way (a URL with the password its recorded locator leaves
   * out): each must be the job's own once its password is dropped.
   */
  source?: string
  target?: string
  /** The new plan's drift key (see PlanStoresOptions.planKey). */
  planKey?: (planId: string) => Promise<Uint8Array | undefined>
}

/** The retry plan, and the failed items it could not plan again (no longer in the source). */
export interface RetryPlan {
  planned: PlannedStores
  failed: number
  /** `kind:targetId` of failed items the new plan leaves out, with why. */
  dropped: { id: string; reason: string }[]
  source: string
  target: string
}

/**
 * A plan of the job's failed items, in the job's dialect, each id mapped as the job mapped it:
 * a failed create or update is planned again from the source (create, update, or unchanged if
 * the write took effect after all); a failed delete is planned again (or is gone: nothing to
 * do). `usage` when the job has no failed item; `plan.unverified` when `target` (or the job's
 * own locator) is now another store than the one the job wrote to.
 */
export async function planRetryFailed(request: RetryFailedRequest): Promise<RetryPlan> {
  const { dataDir, jobId } = request
  const meta = readMeta(dataDir, jobId)
  const failed = failedItems(dataDir, jobId)
  if (!failed.length)
    throw new AirlockError('usage', `Job ${jobId} has no failed item to retry.`, {
      cliHint: `\`airlock jobs show ${jobId}\` lists its items.`
    })
  for (const [side, given, recorded] of [
    ['source', request.source, meta.source],
    ['target', request.target, meta.target]
  ] as const)
    if (given !== undefined && redactLocator(given) !== recorded)
      throw new AirlockError(
        'usage',
        `Job ${jobId} was made for the ${side} ${recorded}; ${redactLocator(given)} is another store. Name the job's own ${side} (or none).`
      )
  const source = request.source ?? meta.source
  const target = request.target ?? meta.target
  if (meta.targetIdentity !== undefined) {
    const now = await storeIdentity(target, request.locatorOptions)
    if (now.identity !== meta.targetIdentity)
      throw new AirlockError(
        'plan.unverified',
        `Job ${jobId} wrote to ${meta.target} (${meta.targetIdentity}); that locator names ${now.identity} now (another directory, or a profile changed since). Nothing was planned.`
      )
  }
  const key = (kind: string, id: string) => `${kind}:${id}`
  const wanted = new Map(failed.map((i) => [key(i.kind, i.targetId), i]))
  const rename: Record<string, string> = {}
  for (const i of failed)
    if (i.sourceId !== null && i.sourceId !== i.targetId) rename[i.sourceId] = i.targetId
  const planned = await planStores({
    source,
    target,
    dialect: meta.dialect ?? 'airflow3',
    locatorOptions: request.locatorOptions,
    kinds: [...new Set(failed.map((i) => i.kind))],
    plan: {
      ...(Object.keys(rename).length ? { rename } : {}),
      onConflict: 'overwrite',
      deleteExtraneous: failed.some((i) => i.action === 'delete')
    },
    planKey: request.planKey,
    only: {
      source: new Set(failed.flatMap((i) => (i.sourceId ? [key(i.kind, i.sourceId)] : []))),
      target: new Set(wanted.keys()),
      // a failed write is never planned again as a delete (its source is gone), nor the reverse
      keep: (item) => {
        const was = wanted.get(key(item.kind, item.targetId))
        return was !== undefined && (item.action === 'delete') === (was.action === 'delete')
      }
    }
  })
  const plannedIds = new Set(planned.result.items.map((i) => key(i.kind, i.targetId)))
  const dropped = failed
    .filter((i) => !plannedIds.has(key(i.kind, i.targetId)))
    .map((i) => ({
      id: key(i.kind, i.targetId),
      reason:
        i.action === 'delete'
          ? 'already gone from the target'
          : `the source no longer holds ${i.sourceId ?? i.targetId}`
    }))
  return { planned, failed: failed.length, dropped, source, target }
}
