/**
 * Handlers of `jobs:apply|list|detail|cancel|resume|rollback` and `audit:list`: jobs (an apply,
 * a resume, a rollback) run in the background of the serving process, their progress pushed on
 * `jobs:progress`; cancel stops them (a stopped apply is resumed, a stopped rollback run again).
 */
import type {
  ApplyRequest,
  AuditQuery,
  AuditRecordDto,
  JobDetailDto,
  ConfirmationDto,
  ConfirmationRequest,
  JobDto,
  JobProgressDto,
  RollbackRequest,
  RollbackResultDto
} from '../../contract/ipc'
import { rollbackScope } from '../../jobs/job-store'
import { auditHistory } from '../../operations/audit'
import { jobDetail } from '../../operations/job-detail'
import {
  applyConfirmation,
  protectingProfile,
  requireTypedName,
  rollbackConfirmation
} from '../../operations/confirm'
import type { Backend } from '../../backends/backend'
import { openLocator, storeIdentity } from '../../operations/open-store'
import { planKinds } from '../../operations/plan'
import { AirlockError, toErrorDto } from '../../core/errors'
import {
  applyPlan,
  checkPlanToApply,
  jobStores,
  listJobs,
  resumeJob,
  rollbackJob,
  type JobContext,
  type JobProgress,
  type JobReport,
  type TargetStore
} from '../../jobs/run-job'
import { noKeychainMessage } from '../../keychain/keychain'
import type { HandlerContext } from './context'
import { ProgressPace } from '../progress-pace'

const PROGRESS_INTERVAL_MS = 100

/** How a run ended, for its last `jobs:progress` event. */
interface RunEnd {
  jobId: string
  done: number
  failed: number
  refused: number
  /** A rollback's outcome (its last event carries it). */
  rollback?: RollbackResultDto
}

/** An apply's or a resume's report as its last event says it. */
function jobEnd(report: JobReport): RunEnd {
  return {
    jobId: report.jobId,
    done: report.applied,
    failed: report.failed.length,
    refused: report.refused.length
  }
}

/**
 * Starts a run of a job (an apply, a resume, a rollback) and answers with its id once it has one
 * (its first progress, or `knownJobId`), or with its error when it fails before that (e.g. no
 * OS keychain). It is in `ctx.running` (for `jobs:cancel`) until it ends; its progress is pushed
 * on `jobs:progress`, the last event saying how it ended.
 */
async function startJob(
  ctx: HandlerContext,
  stores: Backend[],
  kind: NonNullable<JobProgressDto['run']>,
  run: (jobCtx: JobContext) => Promise<RunEnd>,
  target: TargetStore,
  knownJobId?: string
): Promise<{ jobId: string }> {
  const controller = new AbortController()
  const keychain = await ctx.keychain()
  let last: JobProgress | undefined
  let announce: (jobId: string) => void = () => undefined
  const announced = new Promise<string>((resolve) => (announce = resolve))
  const send = (
    p: JobProgress,
    state: JobProgressDto['state'],
    error: JobProgressDto['error'],
    rollback?: RollbackResultDto
  ) =>
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
      error,
      run: kind,
      ...(rollback ? { rollback } : {})
    })
  const pace = new ProgressPace<JobProgress>((p) => send(p, 'running', null), PROGRESS_INTERVAL_MS)
  // only this run's entry: a run refused because another holds the job leaves that one's
  const register = (jobId: string) => {
    if (!ctx.running.has(jobId)) ctx.running.set(jobId, controller)
  }
  const unregister = (jobId: string) => {
    if (ctx.running.get(jobId) === controller) ctx.running.delete(jobId)
  }
  const onProgress = (p: JobProgress) => {
    if (!last) {
      register(p.jobId)
      announce(p.jobId)
    }
    last = p
    pace.push(p)
  }
  if (knownJobId) {
    register(knownJobId)
    announce(knownJobId)
  }
  const finished = run({
    dataDir: ctx.dataDir,
    keychain,
    target,
    onProgress,
    signal: controller.signal
  })
    .then((end) => {
      pace.end()
      const final: JobProgress = last ?? {
        jobId: end.jobId,
        done: end.done,
        total: end.done,
        failed: end.failed,
        refused: end.refused,
        retries: 0,
        throttled: 0,
        concurrency: null,
        rate: 0,
        etaSeconds: null
      }
      unregister(end.jobId)
      send(
        // a rollback's last progress has its counts over the whole job's rollback
        end.rollback
          ? final
          : { ...final, done: end.done, failed: end.failed, refused: end.refused },
        controller.signal.aborted ? 'cancelled' : 'finished',
        null,
        end.rollback
      )
      return end.jobId
    })
    .catch((error: unknown) => {
      pace.end()
      const jobId = last?.jobId ?? knownJobId
      if (jobId) {
        unregister(jobId)
        // a resume refused before its first batch (another job holds the target's lock, the
        // target is not the job's own) still says why
        const none = { done: 0, total: 0, failed: 0, refused: 0, retries: 0, throttled: 0 }
        send(
          last ?? { jobId, ...none, concurrency: null, rate: 0, etaSeconds: null },
          'failed',
          toErrorDto(error)
        )
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

function heldPlan(ctx: HandlerContext, planId: string) {
  const held = ctx.plans.get(planId)
  if (!held)
    throw new AirlockError('backend.not-found', `No plan ${planId} in this run; plan again.`)
  return held
}

/** What applying a held plan (less `skip`) will do, and whether its target is protected. */
async function planConfirmation(
  ctx: HandlerContext,
  planId: string,
  skip: readonly string[] | undefined
): Promise<ConfirmationDto> {
  const held = heldPlan(ctx, planId)
  const identity = await storeIdentity(held.target, ctx.locatorOptions())
  const profiles = (await ctx.profiles()).list()
  return applyConfirmation(
    held.doc,
    protectingProfile(held.target, identity.identity, profiles),
    new Set(skip ?? [])
  )
}

/** What rolling back a job will do, and whether its target is protected. */
async function jobConfirmation(ctx: HandlerContext, jobId: string): Promise<ConfirmationDto> {
  const scope = rollbackScope(ctx.dataDir, jobId)
  const identity = await storeIdentity(scope.target, ctx.locatorOptions())
  const profiles = (await ctx.profiles()).list()
  return rollbackConfirmation(
    jobId,
    scope,
    protectingProfile(scope.target, identity.identity, profiles)
  )
}

/** `jobs:confirmation`: what the confirm dialog says before an apply or a rollback. */
export function confirmationOf(
  ctx: HandlerContext,
  request: ConfirmationRequest
): Promise<ConfirmationDto> {
  return 'rollback' in request
    ? jobConfirmation(ctx, request.rollback)
    : planConfirmation(ctx, request.planId, request.skip)
}

/**
 * `jobs:apply`: runs a plan made in this run, leaving out the items in `skip`. Into a protected
 * profile's store only with `confirm` set to its name (the dialog is not the only gate).
 */
export async function applyHeldPlan(
  ctx: HandlerContext,
  request: ApplyRequest
): Promise<{ jobId: string }> {
  const held = heldPlan(ctx, request.planId)
  requireTypedName(await planConfirmation(ctx, request.planId, request.skip), request.confirm)
  if (!held.applicable)
    throw new AirlockError(
      'keychain.unavailable',
      held.keychainless
        ? noKeychainMessage(
            'this plan cannot be applied: its drift key was not saved (plan again once a store is in use)'
          )
        : 'This plan cannot be applied: it has pre-flight errors.'
    )
  const doc = held.doc
  const where = `plan ${doc.planId}`
  const skip = new Set(request.skip ?? [])
  // A one-kind file store reopens as the kind the plan was made for.
  const options = ctx.locatorOptions({
    dialect: doc.dialect,
    kinds: planKinds(doc),
    kindsFrom: `the plan ${doc.planId}`
  })
  const identity = await storeIdentity(held.target, options)
  // the check apply makes, before the stores are opened (the plan is checked whole; the
  // unticked rows are left out by applyPlan)
  await checkPlanToApply(doc, await ctx.keychain(), where, identity)
  const source = await openLocator(held.source, options)
  const target = await openLocator(held.target, options)
  return startJob(
    ctx,
    [source, target],
    'apply',
    async (jobCtx) => jobEnd(await applyPlan(doc, source, target, jobCtx, { where, skip })),
    identity
  )
}

/** `jobs:list`: every job, newest first, with the ones running in this process marked. */
export function listAllJobs(ctx: HandlerContext): JobDto[] {
  return listJobs(ctx.dataDir).map((j) => ({ ...j, running: ctx.running.has(j.jobId) }))
}

/** `jobs:detail`: a job in full (operations/job-detail.ts), marked when running here. */
export function detailOfJob(ctx: HandlerContext, request: { jobId: string }): JobDetailDto {
  return { ...jobDetail(ctx.dataDir, request.jobId), running: ctx.running.has(request.jobId) }
}

/** `audit:list`: the audit log, oldest first, filtered (operations/audit.ts). */
export function listAudit(ctx: HandlerContext, request: AuditQuery): AuditRecordDto[] {
  // the app's field is "Since", not the CLI's flag
  return auditHistory(ctx.dataDir, request, Date.now(), 'Since')
}

/**
 * `jobs:cancel`: stops a running job — into a secrets service at once (the batch in flight is
 * left for resume to redo), into a file or database after its current batch.
 */
export function cancelJob(ctx: HandlerContext, request: { jobId: string }) {
  const controller = ctx.running.get(request.jobId)
  controller?.abort()
  return { cancelled: Boolean(controller) }
}

/** The job's own target, opened, and its identity (the jobs layer checks it is the job's). */
async function reopenTarget(
  ctx: HandlerContext,
  jobId: string
): Promise<{ target: Backend; identity: TargetStore }> {
  if (ctx.running.has(jobId))
    throw new AirlockError('job.conflict', `Job ${jobId} is still running; cancel it first.`)
  const stores = jobStores(ctx.dataDir, jobId)
  const options = ctx.locatorOptions({ kinds: stores.kinds, kindsFrom: `the job ${jobId}` })
  const identity = await storeIdentity(stores.target, options)
  return { target: await openLocator(stores.target, options), identity }
}

/** `jobs:resume`: finishes an interrupted job with its own recorded values. */
export async function resumeHeldJob(ctx: HandlerContext, request: { jobId: string }) {
  const { target, identity } = await reopenTarget(ctx, request.jobId)
  return startJob(
    ctx,
    [target],
    'resume',
    async (jobCtx) => jobEnd(await resumeJob(request.jobId, target, jobCtx)),
    identity,
    request.jobId
  )
}

/**
 * `jobs:rollback` (`confirm`: the protected target's name): puts back what the job changed,
 * skipping (and naming) the items changed since the job wrote them, as `airlock rollback` does
 * (the jobs layer decides both). It runs as a job: the answer is its id, its progress and
 * outcome come on `jobs:progress`, `jobs:cancel` stops it (into a secrets service at once, a
 * file or database after its batch), and a rollback run again finishes what a cancel left.
 */
export async function rollbackHeldJob(
  ctx: HandlerContext,
  request: RollbackRequest
): Promise<{ jobId: string }> {
  // into a protected profile's store only with its name (before the store is opened)
  requireTypedName(await jobConfirmation(ctx, request.jobId), request.confirm)
  const { target, identity } = await reopenTarget(ctx, request.jobId)
  return startJob(
    ctx,
    [target],
    'rollback',
    async (jobCtx) => {
      const r = await rollbackJob(request.jobId, target, jobCtx)
      return {
        jobId: request.jobId,
        done: r.restored + r.removed,
        failed: r.failed.length,
        refused: 0,
        rollback: {
          restored: r.restored,
          removed: r.removed,
          failed: r.failed,
          skipped: r.skipped.map((s) => s.id),
          cancelled: Boolean(r.cancelled)
        }
      }
    },
    identity,
    request.jobId
  )
}
