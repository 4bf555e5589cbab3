/**
 * Handlers of `jobs:apply|list|cancel|resume|rollback`: jobs run in the background of the
 * serving process, their progress pushed on `jobs:progress`; cancel stops between batches
 * (the job can then be resumed).
 */
import type { ApplyRequest, JobDto, JobProgressDto } from '../../contract/ipc'
import type { Backend } from '../../backends/backend'
import { openLocator } from '../../operations/open-store'
import { planKinds } from '../../operations/plan'
import { AirlockError, toErrorDto } from '../../core/errors'
import {
  applyPlan,
  jobStores,
  listJobs,
  resumeJob,
  rollbackJob,
  type JobContext,
  type JobProgress,
  type JobReport
} from '../../jobs/run-job'
import { noKeychainMessage } from '../../keychain/keychain'
import type { HandlerContext } from './context'

const PROGRESS_INTERVAL_MS = 100

/**
 * Starts a job and answers with its id once it has one (its first progress), or with its
 * error when it fails before writing anything (e.g. no OS keychain).
 */
async function startJob(
  ctx: HandlerContext,
  stores: Backend[],
  run: (jobCtx: JobContext) => Promise<JobReport>,
  knownJobId?: string
): Promise<{ jobId: string }> {
  const controller = new AbortController()
  const keychain = await ctx.keychain()
  let last: JobProgress | undefined
  let lastSent = 0
  let announce: (jobId: string) => void = () => undefined
  const announced = new Promise<string>((resolve) => (announce = resolve))
  const send = (p: JobProgress, state: JobProgressDto['state'], error: JobProgressDto['error']) =>
    ctx.emit('jobs:progress', {
      jobId: p.jobId,
      state,
      done: p.done,
      total: p.total,
      failed: p.failed,
      refused: p.refused,
      retries: p.retries,
      throttled: p.throttled,
      concurrency: p.concurrency,
      rate: p.rate,
      etaSeconds: p.etaSeconds,
      error
    })
  const onProgress = (p: JobProgress) => {
    if (!last) {
      ctx.running.set(p.jobId, controller)
      announce(p.jobId)
    }
    last = p
    const t = Date.now()
    if (t - lastSent >= PROGRESS_INTERVAL_MS) {
      lastSent = t
      send(p, 'running', null)
    }
  }
  if (knownJobId) {
    ctx.running.set(knownJobId, controller)
    announce(knownJobId)
  }
  const finished = run({ dataDir: ctx.dataDir, keychain, onProgress, signal: controller.signal })
    .then((report) => {
      const final: JobProgress = last ?? {
        jobId: report.jobId,
        done: report.applied,
        total: report.applied,
        failed: report.failed.length,
        refused: report.refused.length,
        retries: 0,
        throttled: 0,
        concurrency: null,
        rate: 0,
        etaSeconds: null
      }
      ctx.running.delete(report.jobId)
      send(
        {
          ...final,
          done: report.applied,
          failed: report.failed.length,
          refused: report.refused.length
        },
        controller.signal.aborted ? 'cancelled' : 'finished',
        null
      )
      return report.jobId
    })
    .catch((error: unknown) => {
      const jobId = last?.jobId ?? knownJobId
      if (jobId) {
        ctx.running.delete(jobId)
        if (last) send(last, 'failed', toErrorDto(error))
      }
      throw error
    })
    .finally(async () => {
      for (const s of stores) await s.close?.()
    })
  // Whichever comes first: the job's id (it is running) or its end.
  const jobId = await Promise.race([announced, finished])
  finished.catch(() => undefined)
  return { jobId }
}

/** `jobs:apply`: runs a plan made in this run, leaving out the items in `skip`. */
export async function applyHeldPlan(
  ctx: HandlerContext,
  request: ApplyRequest
): Promise<{ jobId: string }> {
  const held = ctx.plans.get(request.planId)
  if (!held)
    throw new AirlockError(
      'backend.not-found',
      `No plan ${request.planId} in this run; plan again.`
    )
  if (!held.applicable)
    throw new AirlockError(
      'keychain.unavailable',
      held.keychainless
        ? noKeychainMessage(
            'this plan cannot be applied: its drift key was not saved (plan again once a store is in use)'
          )
        : 'This plan cannot be applied: it has pre-flight errors.'
    )
  const skip = new Set(request.skip ?? [])
  const doc = {
    ...held.doc,
    items: held.doc.items.filter((i) => !skip.has(`${i.kind}:${i.targetId}`))
  }
  // A one-kind file store reopens as the kind the plan was made for.
  const options = ctx.locatorOptions({
    dialect: held.doc.dialect,
    kinds: planKinds(held.doc),
    kindsFrom: `the plan ${held.doc.planId}`
  })
  const source = await openLocator(held.source, options)
  const target = await openLocator(held.target, options)
  return startJob(ctx, [source, target], (jobCtx) => applyPlan(doc, source, target, jobCtx))
}

/** `jobs:list`: every job, newest first, with the ones running in this process marked. */
export function listAllJobs(ctx: HandlerContext): JobDto[] {
  return listJobs(ctx.dataDir).map((j) => ({ ...j, running: ctx.running.has(j.jobId) }))
}

/** `jobs:cancel`: stops a running job after its current batch. */
export function cancelJob(ctx: HandlerContext, request: { jobId: string }) {
  const controller = ctx.running.get(request.jobId)
  controller?.abort()
  return { cancelled: Boolean(controller) }
}

async function reopenTarget(ctx: HandlerContext, jobId: string): Promise<Backend> {
  if (ctx.running.has(jobId))
    throw new AirlockError('job.conflict', `Job ${jobId} is still running; cancel it first.`)
  const stores = jobStores(ctx.dataDir, jobId)
  return openLocator(
    stores.target,
    ctx.locatorOptions({ kinds: stores.kinds, kindsFrom: `the job ${jobId}` })
  )
}

/** `jobs:resume`: finishes an interrupted job with its own recorded values. */
export async function resumeHeldJob(ctx: HandlerContext, request: { jobId: string }) {
  const target = await reopenTarget(ctx, request.jobId)
  return startJob(
    ctx,
    [target],
    (jobCtx) => resumeJob(request.jobId, target, jobCtx),
    request.jobId
  )
}

/** `jobs:rollback`: puts back what the job changed. */
export async function rollbackHeldJob(ctx: HandlerContext, request: { jobId: string }) {
  const target = await reopenTarget(ctx, request.jobId)
  try {
    return await rollbackJob(request.jobId, target, {
      dataDir: ctx.dataDir,
      keychain: await ctx.keychain()
    })
  } finally {
    await target.close?.()
  }
}
