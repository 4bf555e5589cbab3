/** `airlock apply`, `airlock resume`, `airlock rollback`, `airlock jobs`: running plans safely. */
import { readFileSync } from 'node:fs'
import cliProgress from 'cli-progress'
import type { LocatorOptions } from '../../operations/open-store'
import { openLocator } from '../../operations/open-store'
import { AirlockError } from '../../core/errors'
import { parsePlanDocument, type PlanDocument } from '../../core/plan'
import { decodeUtf8File } from '../../core/codecs/utf8'
import { redactLocator } from '../../operations/plan'
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
import { openCliKeychain } from './keystore'
import { dataDir } from '../../platform/paths'
import { EXIT_ITEMS_FAILED, EXIT_OK, UsageError, writeLine, type CliIo } from '../io'

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
  signal: AbortSignal
): Promise<{ ctx: JobContext; stop: () => void }> {
  const keychain = await openCliKeychain(io)
  const reporter = progressReporter(io)
  return {
    ctx: { dataDir: dataDir(io.env), keychain, onProgress: reporter.update, signal },
    stop: reporter.stop
  }
}

async function report(io: CliIo, r: JobReport): Promise<number> {
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
  return r.failed.length || r.refused.length ? EXIT_ITEMS_FAILED : EXIT_OK
}

/** Cancels cleanly between batches on Ctrl-C. */
function cancellation(io: CliIo): AbortController {
  const controller = new AbortController()
  process.once('SIGINT', () => {
    io.stderr.write(
      '\nairlock: stopping after the current batch; `airlock resume` continues the job\n'
    )
    controller.abort()
  })
  return controller
}

/** `airlock apply plan.json [--source S] [--target T]`. */
export async function applyCommand(
  io: CliIo,
  planPath: string,
  flags: { source?: string; target?: string },
  options: LocatorOptions
): Promise<number> {
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
  const doc: PlanDocument = parsePlanDocument(text, planPath)
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
  const source = await openLocator(flags.source ?? doc.source, options)
  const target = await openLocator(flags.target ?? doc.target, options)
  const controller = cancellation(io)
  const { ctx, stop } = await context(io, controller.signal)
  try {
    return await report(io, await applyPlan(doc, source, target, ctx))
  } finally {
    stop()
    await source.close?.()
    await target.close?.()
  }
}

/** `airlock resume JOB` and `airlock rollback JOB`. */
export async function jobCommand(
  io: CliIo,
  verb: 'resume' | 'rollback',
  jobId: string,
  flags: { target?: string },
  options: LocatorOptions
): Promise<number> {
  const stores = jobStores(dataDir(io.env), jobId)
  const target = await openLocator(flags.target ?? stores.target, options)
  const controller = cancellation(io)
  const { ctx, stop } = await context(io, controller.signal)
  try {
    if (verb === 'resume') return await report(io, await resumeJob(jobId, target, ctx))
    const r = await rollbackJob(jobId, target, ctx)
    await writeLine(
      io.stdout,
      JSON.stringify({
        job: jobId,
        restored: r.restored,
        removed: r.removed,
        failed: r.failed.length
      })
    )
    if (r.failed.length)
      throw new AirlockError('job.conflict', `rollback could not restore: ${r.failed.join(', ')}`)
    return EXIT_OK
  } finally {
    stop()
    await target.close?.()
  }
}

/** `airlock jobs [--json]`. */
export async function jobsCommand(io: CliIo, json: boolean): Promise<number> {
  for (const j of listJobs(dataDir(io.env)))
    await writeLine(
      io.stdout,
      json
        ? JSON.stringify(j)
        : `${j.jobId}  ${j.state.padEnd(24)} ${String(j.done).padStart(5)}/${j.total}  ${j.source} → ${j.target}`
    )
  return EXIT_OK
}
