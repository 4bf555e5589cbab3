/**
 * `airlock apply`, `airlock resume`, `airlock rollback`, `airlock jobs [show]`, `airlock audit`:
 * running plans safely, and what they did.
 */
import { readFileSync } from 'node:fs'
import cliProgress from 'cli-progress'
import type { LocatorOptions } from '../../operations/open-store'
import { openLocator, storeIdentity } from '../../operations/open-store'
import { AirlockError } from '../../core/errors'
import { parsePlanDocument, type PlanDocument } from '../../core/plan'
import { decodeUtf8File } from '../../core/codecs/utf8'
import { planKinds, redactLocator } from '../../operations/plan'
import {
  applyPlan,
  checkPlanToApply,
  PlanHandover,
  jobStores,
  listJobs,
  resumeJob,
  rollbackJob,
  type JobContext,
  type JobProgress,
  type JobReport,
  type TargetStore
} from '../../jobs/run-job'
import { openCliKeychain } from './keystore'
import { dataDir } from '../../platform/paths'
import { collectLikeAJob } from '../../platform/runtime'
import { SettingsStore, configDir } from '../../platform/settings'
import { rollbackScope } from '../../jobs/job-store'
import type { AuditRecordDto } from '../../contract/ipc'
import { auditHistory } from '../../operations/audit'
import { jobDetail } from '../../operations/job-detail'
import {
  applyConfirmation,
  protectingProfile,
  rollbackConfirmation,
  type Confirmation
} from '../../operations/confirm'
import {
  EXIT_CANCELLED,
  EXIT_ITEMS_FAILED,
  EXIT_OK,
  UsageError,
  promptLine,
  writeLine,
  type CliIo
} from '../io'

/**
 * Asks before a destructive write (operations/confirm.ts decides what is): into a protected
 * profile's store, `--yes` or its name typed at a terminal, else a usage error (exit 2) before
 * anything is opened or written; into any other store, the sentence on stderr and no prompt
 * (scripts rely on apply and rollback not prompting).
 */
export async function confirmWrite(
  io: CliIo,
  verb: 'apply' | 'rollback',
  confirmation: Confirmation,
  yes: boolean | undefined
): Promise<void> {
  const name = confirmation.protectedProfile
  if (name === null) {
    if (confirmation.destructive)
      io.stderr.write(`airlock: ${verb} will ${confirmation.sentence}\n`)
    return
  }
  if (yes) {
    io.stderr.write(
      `airlock: ${verb} will ${confirmation.sentence} (protected profile ${name}; confirmed by --yes)\n`
    )
    return
  }
  if (!(io.stdin as { isTTY?: boolean }).isTTY)
    throw new UsageError(
      `${verb} would ${confirmation.sentence}, the protected profile ${name}; pass --yes to confirm (there is no terminal to ask at). Nothing was written.`
    )
  io.stderr.write(`airlock: ${verb} will ${confirmation.sentence} (protected profile ${name}).\n`)
  const typed = await promptLine(io, `Type the profile name "${name}" to continue: `)
  if (typed.trim() !== name)
    throw new UsageError(`the name typed is not ${name}; nothing was written`)
}

/** The saved profiles (non-secret part only: protection needs no keychain). */
function savedProfiles(io: CliIo) {
  return new SettingsStore(configDir(io.env)).load().profiles
}

/** A progress bar on a terminal (cli-progress); plain lines, one per 10 %, otherwise. */
function progressReporter(io: CliIo): { update: (p: JobProgress) => void; stop: () => void } {
  const tty = (io.stderr as { isTTY?: boolean }).isTTY
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.stderr as NodeJS.WritableStream,
        format:
          '{bar} {value}/{total} items | {rate}/s | ETA {eta_formatted} | retries {retries} | throttled {throttled} | {current}',
        hideCursor: true
      },
      cliProgress.Presets.shades_classic
    )
    let started = false
    return {
      update: (p) => {
        if (!started) bar.start(p.total, 0, { rate: 0, retries: 0, throttled: 0, current: '' })
        started = true
        // a rollback's total drops once it knows the items changed since the job (left alone)
        bar.setTotal(p.total)
        bar.update(p.done, {
          rate: p.rate.toFixed(1),
          retries: p.retries,
          throttled: p.throttled,
          current: p.current ?? ''
        })
      },
      stop: () => started && bar.stop()
    }
  }
  let lastDecile = -1
  return {
    update: (p) => {
      const decile = Math.floor((p.done / Math.max(1, p.total)) * 10)
      if (decile !== lastDecile)
        io.stderr.write(
          `progress: ${p.done}/${p.total} items, ${p.failed} failed, ${p.retries} retries, ${p.throttled} throttled, ${p.rate.toFixed(1)}/s\n`
        )
      lastDecile = decile
    },
    stop: () => undefined
  }
}

async function context(
  io: CliIo,
  signal: AbortSignal,
  target: TargetStore
): Promise<{ ctx: JobContext; stop: () => void }> {
  const keychain = await openCliKeychain(io)
  const reporter = progressReporter(io)
  return {
    ctx: { dataDir: dataDir(io.env), keychain, target, onProgress: reporter.update, signal },
    stop: reporter.stop
  }
}

async function report(io: CliIo, r: JobReport, stopped: AbortSignal): Promise<number> {
  for (const n of r.notes ?? []) io.stderr.write(`airlock: note: ${n}\n`)
  for (const w of r.warnings ?? []) io.stderr.write(`airlock: warning: ${w}\n`)
  for (const f of r.failed) io.stderr.write(`airlock: ${f.id}: failed (${f.code}): ${f.message}\n`)
  for (const f of r.refused) io.stderr.write(`airlock: ${f.id}: refused: ${f.reason}\n`)
  await writeLine(
    io.stdout,
    JSON.stringify({
      job: r.jobId,
      applied: r.applied,
      failed: r.failed.length,
      refused: r.refused.length,
      skipped: r.skipped
    })
  )
  // a job Ctrl-C stopped is not done, whatever its counts so far say
  if (stopped.aborted) return EXIT_CANCELLED
  return r.failed.length || r.refused.length ? EXIT_ITEMS_FAILED : EXIT_OK
}

/**
 * Cancels on Ctrl-C: a secrets service's batch in flight is cut short (its items left for
 * resume — or a rollback run again — to redo and check), a file's or database's batch finishes
 * first.
 */
function cancellation(io: CliIo, then = '`airlock resume` continues the job'): AbortController {
  const controller = new AbortController()
  process.once('SIGINT', () => {
    io.stderr.write(
      '\nairlock: stopping (a secrets service now, a file or database after the current batch); ' +
        `${then}\n`
    )
    controller.abort()
  })
  return controller
}

/**
 * The plan in the file at `planPath`, parsed and checked (not yet verified). Its own function
 * so that the file's bytes and text (some 16 MB each at 100 k items) are garbage once it
 * returns: `applyCommand` is suspended for the whole job, and its locals live as long.
 */
function readPlanFile(planPath: string): PlanDocument {
  let bytes: Buffer
  try {
    bytes = readFileSync(planPath)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(
      code === 'ENOENT'
        ? `${planPath} does not exist (make it with airlock plan … --out ${planPath})`
        : code === 'EISDIR'
          ? `${planPath} is a directory, not a plan file`
          : `${planPath} cannot be read (${code ?? 'error'})`
    )
  }
  let text: string
  try {
    text = decodeUtf8File(bytes, planPath)
  } catch (error) {
    // a plan file Airlock did not write as-is: a usage error, as every other bad plan file
    throw new UsageError((error as AirlockError).userMessage)
  }
  return parsePlanDocument(text, planPath)
}

/** `airlock apply plan.json [--source S] [--target T]`. */
export async function applyCommand(
  io: CliIo,
  planPath: string,
  flags: { source?: string; target?: string; force?: boolean; yes?: boolean },
  options: LocatorOptions
): Promise<number> {
  if (flags.force) throw new UsageError('--force is for airlock rollback')
  collectLikeAJob()
  // handed over to applyPlan, which lets it go once the job's files are written (this
  // function is suspended for the whole job: a local would keep every plan item to its end)
  let doc: PlanDocument | undefined = readPlanFile(planPath)
  // --source/--target reopen the plan's own stores (with the password the plan left out),
  // never other ones: the plan's versions and pre-flight were for those stores only
  for (const [flag, given, planned] of [
    ['--source', flags.source, doc.source],
    ['--target', flags.target, doc.target]
  ] as const)
    if (given !== undefined && redactLocator(given) !== planned)
      throw new UsageError(
        `${planPath} was made for ${flag.slice(2)} ${planned}; ${flag} names another store. Make a plan for it (airlock plan …).`
      )
  const identity = await storeIdentity(flags.target ?? doc.target, options)
  await confirmWrite(
    io,
    'apply',
    applyConfirmation(
      doc,
      protectingProfile(flags.target ?? doc.target, identity.identity, savedProfiles(io))
    ),
    flags.yes
  )
  // The stores reopen as the plan read them: in its dialect (a task-sdk plan keeps a password
  // "" that airflow3 reads as None), a one-kind file as the kind it was made for.
  const planned = {
    ...options,
    dialect: doc.dialect,
    kinds: planKinds(doc),
    kindsFrom: `the plan (${planPath})`
  }
  const controller = cancellation(io)
  const { ctx, stop } = await context(io, controller.signal, identity)
  try {
    // before any store the plan names is opened: a plan edited since it was made names
    // stores (and items) nobody reviewed
    await checkPlanToApply(doc, ctx.keychain, planPath, identity)
    const source = await openLocator(flags.source ?? doc.source, planned)
    try {
      const target = await openLocator(flags.target ?? doc.target, planned)
      try {
        const handover = new PlanHandover(doc)
        doc = undefined
        return await report(
          io,
          await applyPlan(handover, source, target, ctx, { where: planPath }),
          controller.signal
        )
      } finally {
        await target.close?.()
      }
    } finally {
      await source.close?.()
    }
  } finally {
    stop()
  }
}

/**
 * `airlock resume JOB [--target T]` and `airlock rollback JOB [--target T] [--force]`: `--target`
 * reopens the job's own store (a profile for the URL it was made with, say), never another.
 */
export async function jobCommand(
  io: CliIo,
  verb: 'resume' | 'rollback',
  jobId: string,
  flags: { target?: string; source?: string; force?: boolean; yes?: boolean },
  options: LocatorOptions
): Promise<number> {
  if (flags.source !== undefined)
    throw new UsageError(`--source is for airlock apply; ${verb} writes only to the job's target`)
  if (flags.force && verb !== 'rollback') throw new UsageError('--force is for airlock rollback')
  collectLikeAJob()
  const stores = jobStores(dataDir(io.env), jobId)
  const locator = flags.target ?? stores.target
  const identity = await storeIdentity(locator, options)
  if (verb === 'rollback')
    await confirmWrite(
      io,
      'rollback',
      rollbackConfirmation(
        jobId,
        rollbackScope(dataDir(io.env), jobId),
        protectingProfile(locator, identity.identity, savedProfiles(io))
      ),
      flags.yes
    )
  const target = await openLocator(locator, {
    ...options,
    kinds: stores.kinds,
    kindsFrom: `the job (${jobId})`
  })
  const controller = cancellation(
    io,
    verb === 'resume' ? undefined : `\`airlock rollback ${jobId}\` again finishes the rollback`
  )
  const { ctx, stop } = await context(io, controller.signal, identity)
  try {
    if (verb === 'resume')
      return await report(io, await resumeJob(jobId, target, ctx), controller.signal)
    const r = await rollbackJob(jobId, target, ctx, { force: Boolean(flags.force) })
    for (const n of r.notes ?? []) io.stderr.write(`airlock: note: ${n}\n`)
    for (const s of r.skipped)
      io.stderr.write(`airlock: ${s.id}: skipped: ${s.reason} (rollback --force restores it)\n`)
    await writeLine(
      io.stdout,
      JSON.stringify({
        job: jobId,
        restored: r.restored,
        removed: r.removed,
        failed: r.failed.length,
        skipped: r.skipped.map((s) => s.id)
      })
    )
    if (r.failed.length)
      throw new AirlockError('job.conflict', `rollback could not restore: ${r.failed.join(', ')}`)
    if (r.cancelled) return EXIT_CANCELLED
    return r.skipped.length ? EXIT_ITEMS_FAILED : EXIT_OK
  } finally {
    stop()
    await target.close?.()
  }
}

/** `airlock jobs [--json]`. */
export async function jobsCommand(io: CliIo, json: boolean): Promise<number> {
  const jobs = listJobs(dataDir(io.env))
  // On stderr, so stdout stays a list (of none) for scripts.
  if (!jobs.length) io.stderr.write('no jobs\n')
  for (const j of jobs)
    await writeLine(
      io.stdout,
      json
        ? JSON.stringify(j)
        : `${j.jobId}  ${j.state.padEnd(24)} ${String(j.done).padStart(5)}/${j.total}  ${j.source} → ${j.target}`
    )
  return EXIT_OK
}

/** What a job id looks like (as the app's channels check it): never a path. */
const JOB_ID = /^[0-9A-Za-z-]{1,64}$/

/** `airlock audit` flags. */
export interface AuditFlags {
  since?: string
  action?: string[]
  store?: string
  job?: string
  json?: boolean
}

/** What a record says besides who, when, its action, job and stores: counts, then id lists by size. */
function auditDetails(r: AuditRecordDto): string {
  const skip = new Set(['at', 'user', 'job', 'action', 'source', 'target'])
  return Object.entries(r)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) =>
      Array.isArray(v)
        ? `${k} ${v.length}`
        : typeof v === 'string'
          ? `${k}: ${v}`
          : `${k} ${JSON.stringify(v)}`
    )
    .join(', ')
}

/**
 * `airlock audit [--since T] [--action A]… [--store S] [--job ID] [--json]`: the audit log,
 * oldest first; `--json` prints each record as one JSON line (the app's export).
 */
export async function auditCommand(io: CliIo, flags: AuditFlags): Promise<number> {
  if (flags.job !== undefined && !JOB_ID.test(flags.job))
    throw new UsageError(
      `--job takes a job id (see airlock jobs), not ${JSON.stringify(flags.job)}`
    )
  const records = auditHistory(dataDir(io.env), {
    since: flags.since,
    actions: flags.action,
    store: flags.store,
    jobId: flags.job
  })
  if (!records.length) io.stderr.write('no audit records\n')
  for (const r of records) {
    if (flags.json) {
      await writeLine(io.stdout, JSON.stringify(r))
      continue
    }
    const stores =
      typeof r.source === 'string' && typeof r.target === 'string'
        ? `${r.source} → ${r.target}`
        : typeof r.target === 'string'
          ? r.target
          : ''
    await writeLine(
      io.stdout,
      [r.at, r.user, r.action.padEnd(8), r.job, stores, auditDetails(r)]
        .filter((c) => c !== '')
        .join('  ')
    )
  }
  return EXIT_OK
}

function seconds(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`
}

/** `airlock jobs show JOB [--json]`: one job in full (operations/job-detail.ts). */
export async function jobShowCommand(io: CliIo, jobId: string, json: boolean): Promise<number> {
  if (!JOB_ID.test(jobId))
    throw new UsageError(
      `jobs show takes a job id (see airlock jobs), not ${JSON.stringify(jobId)}`
    )
  const d = jobDetail(dataDir(io.env), jobId)
  if (json) {
    await writeLine(io.stdout, JSON.stringify(d))
    return EXIT_OK
  }
  const c = d.counts
  const t = d.totals
  const lines = [
    `job ${d.jobId}  ${d.state}`,
    `  ${d.source} → ${d.target}; created ${d.createdAt}`,
    `  plan ${d.plan.planId}${d.plan.dialect ? ` (${d.plan.dialect})` : ''}`,
    `  items: ${d.total} to write; ${c.applied} applied, ${c.failed} failed, ${c.refused} refused, ${c.skipped} skipped, ${c.pending} pending`,
    `  time ${seconds(t.durationMs)}, ${d.rate ?? '—'} items/s, requests ${t.requests ?? '— (not counted by this store)'}, retries ${t.retries}, throttled ${t.throttled}, overloaded ${t.overloaded}`,
    ...d.runs.map(
      (r) =>
        `  run ${r.kind} ${r.startedAt}: ${seconds(r.durationMs)}, ${r.rate} items/s, ${r.applied} applied, ${r.failed} failed${r.ended === 'cancelled' ? ', cancelled' : ''}`
    ),
    `  snapshot: ${d.snapshot.present ? `kept, encrypted (${d.snapshot.bytes} bytes)` : 'none (the job stopped before writing)'}`,
    `  rollback: ${
      d.rollback.state === 'none'
        ? `not rolled back (${d.rollback.remaining} item(s) it could put back)`
        : `${d.rollback.state}: ${d.rollback.restored} restored, ${d.rollback.removed} removed, ${d.rollback.failed} failed, ${d.rollback.skipped} skipped, ${d.rollback.remaining} remaining`
    }`
  ]
  for (const l of lines) await writeLine(io.stdout, l)
  for (const i of d.items) {
    if (i.outcome === 'applied' || i.outcome === 'skipped') continue
    const kind = i.kind === 'connection' ? 'conn' : 'var '
    const why = i.reason ? `: ${i.code ? `(${i.code}) ` : ''}${i.reason}` : ''
    const retried = i.retries ? ` [retried ${i.retries}×]` : ''
    await writeLine(io.stdout, `  ${i.outcome.padEnd(8)} ${kind} ${i.targetId}${why}${retried}`)
  }
  if (c.failed)
    await writeLine(
      io.stdout,
      `  retry the failed items: airlock plan --retry-failed ${d.jobId} --out retry.json`
    )
  return EXIT_OK
}
