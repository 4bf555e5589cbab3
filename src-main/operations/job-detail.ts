/**
 * A job in full, once for the CLI (`airlock jobs show`) and the app (`jobs:detail`): read from
 * its meta and journal (no keychain, no values), so it answers for a job whose key is gone too.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { JobDetailDto, JobItemDto, JobRunDto } from '../contract/ipc'
import { jobDir, journalPath, jobSummary, rateOf, readMeta } from '../jobs/job-store'
import { Journal } from '../jobs/journal'
import { redactor } from '../platform/redact'

/** A job's summary without `running` (only the serving app knows that). */
export type JobDetail = Omit<JobDetailDto, 'running'>

const OUTCOMES: readonly JobItemDto['outcome'][] = [
  'applied',
  'failed',
  'refused',
  'skipped',
  'pending'
]

/**
 * Every item's last outcome over the job's runs (a resume may turn a failure into `applied`),
 * each run's figures and samples, its snapshot and rollback state. `backend.not-found` for an
 * unknown job. Reasons pass through the redactor.
 */
export function jobDetail(dataDir: string, jobId: string): JobDetail {
  const summary = jobSummary(dataDir, jobId)
  const meta = readMeta(dataDir, jobId)
  const records = Journal.read(journalPath(dataDir, jobId))
  const items: JobItemDto[] = meta.items.map((item) => ({
    kind: item.kind,
    sourceId: item.sourceId,
    targetId: item.targetId,
    action: item.action,
    outcome: item.action === 'unchanged' || item.action === 'conflict' ? 'skipped' : 'pending',
    code: null,
    reason:
      item.action === 'unchanged'
        ? 'unchanged'
        : item.action === 'conflict'
          ? `conflict kept (${item.resolution ?? 'skip'})`
          : null,
    retries: 0,
    attempts: 0,
    at: null,
    rollback: null
  }))
  const runs: JobRunDto[] = []
  for (const r of records) {
    const item = 'idx' in r ? items[r.idx] : undefined
    if (r.t === 'stats') {
      runs.push({
        kind: r.run,
        startedAt: r.startedAt,
        endedAt: r.at,
        durationMs: r.durationMs,
        ended: r.cancelled ? 'cancelled' : 'finished',
        applied: r.applied,
        failed: r.failed,
        refused: r.refused,
        retries: r.retries,
        throttled: r.throttled,
        overloaded: r.overloaded,
        requests: r.requests,
        rate: rateOf(r.applied, r.durationMs),
        // seconds, to the millisecond (tenths of a second made a job under 50 ms one instant)
        samples: r.samples.map(([t, done, failed, throttled]) => ({
          t: Math.round(t) / 1000,
          done,
          failed,
          throttled
        }))
      })
      continue
    }
    if (!item) continue
    if (r.t === 'begin') item.attempts++
    else if (r.t === 'done')
      Object.assign(item, {
        outcome: 'applied',
        code: null,
        reason: null,
        at: r.at,
        retries: item.retries + (r.retries ?? 0)
      })
    else if (r.t === 'failed')
      Object.assign(item, {
        outcome: 'failed',
        code: r.code,
        reason: redactor.redact(r.message),
        at: r.at,
        retries: item.retries + (r.retries ?? 0)
      })
    else if (r.t === 'refused')
      Object.assign(item, {
        outcome: 'refused',
        code: null,
        reason: redactor.redact(r.reason),
        at: r.at
      })
    else if (r.t === 'rollback') item.rollback = r.action
  }
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as JobDetail['counts']
  for (const i of items) counts[i.outcome]++
  const rolled = items.filter((i) => i.rollback !== null)
  const begun = items.filter((i) => i.attempts > 0)
  const remaining = begun.filter((i) => i.rollback !== 'restored' && i.rollback !== 'removed')
  const snapshotPath = join(jobDir(dataDir, jobId), 'values.fernet')
  const sum = (k: 'retries' | 'throttled' | 'overloaded') => runs.reduce((n, r) => n + r[k], 0)
  const counted = runs.filter((r) => r.requests !== null)
  return {
    ...summary,
    plan: {
      planId: meta.planId,
      createdAt: meta.planCreatedAt ?? null,
      dialect: meta.dialect ?? null,
      options: meta.options ? { ...meta.options } : null
    },
    counts,
    totals: {
      durationMs: runs.length ? runs.reduce((n, r) => n + r.durationMs, 0) : null,
      requests: counted.length ? counted.reduce((n, r) => n + r.requests!, 0) : null,
      retries: sum('retries'),
      throttled: sum('throttled'),
      overloaded: sum('overloaded')
    },
    runs,
    items,
    snapshot: existsSync(snapshotPath)
      ? { present: true, bytes: statSync(snapshotPath).size }
      : { present: false, bytes: 0 },
    rollback: {
      state: rolled.length === 0 ? 'none' : remaining.length ? 'partial' : 'done',
      restored: rolled.filter((i) => i.rollback === 'restored').length,
      removed: rolled.filter((i) => i.rollback === 'removed').length,
      failed: rolled.filter((i) => i.rollback === 'failed').length,
      skipped: rolled.filter((i) => i.rollback === 'skipped').length,
      remaining: rolled.length === 0 ? begun.length : remaining.length
    }
  }
}
