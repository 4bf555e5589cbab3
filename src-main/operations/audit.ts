/**
 * The audit history, once for the CLI (`airlock audit`) and the app (`audit:list`): the records
 * of jobs/audit.ts, filtered by time, action, store and job. Who, what and when, never a value.
 */
import type { AuditQuery, AuditRecordDto } from '../contract/ipc'
import { AirlockError } from '../core/errors'
import { readAudit } from '../jobs/audit'
import { redactor } from '../platform/redact'
import { redactLocator } from './plan'

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000
}

/**
 * The time `since` names: an ISO time (`2026-12-01`, `2026-12-01T08:00:00Z`) or a duration back
 * from `now` (`90s`, `30m`, `24h`, `7d`, `2w`). Throws `usage` for anything else, naming the
 * field as `field` (the CLI's flag; the app's field is "Since").
 */
export function parseSince(since: string, now = Date.now(), field = '--since'): Date {
  const duration = /^(\d{1,9})([smhdw])$/.exec(since.trim())
  if (duration) return new Date(now - Number(duration[1]) * UNIT_MS[duration[2]!]!)
  // an ISO date or date-time only: Date.parse takes far more (and reads it in local time)
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(since.trim())) {
    const at = Date.parse(since.trim())
    if (!Number.isNaN(at)) return new Date(at)
  }
  throw new AirlockError(
    'usage',
    `${field} takes an ISO time (2026-12-01 or 2026-12-01T08:00:00Z) or a duration back from now (90s, 30m, 24h, 7d, 2w), not ${JSON.stringify(since)}.`
  )
}

/** The stores a record names. */
function storesOf(r: AuditRecordDto): string[] {
  return [r.source, r.target].filter((s): s is string => typeof s === 'string')
}

/**
 * The audit log, oldest first, with only the records every given filter matches: at or after
 * `since`, one of `actions`, naming `store` as source or target (compared as recorded: the
 * locator without its password), of job `jobId`. Strings are passed through the redactor as
 * every printed text is. `sinceField` names the since filter in an error (default `--since`).
 */
export function auditHistory(
  dataDir: string,
  query: AuditQuery = {},
  now = Date.now(),
  sinceField?: string
): AuditRecordDto[] {
  const from =
    query.since !== undefined ? parseSince(query.since, now, sinceField).getTime() : undefined
  const actions = query.actions?.length ? new Set(query.actions) : undefined
  const store = query.store !== undefined ? redactLocator(query.store) : undefined
  return readAudit(dataDir)
    .filter(
      (r) =>
        (from === undefined || Date.parse(r.at) >= from) &&
        (!actions || actions.has(r.action)) &&
        (store === undefined || storesOf(r).includes(store)) &&
        (query.jobId === undefined || r.job === query.jobId)
    )
    .map((r) => redactStrings(r) as AuditRecordDto)
}

/** `value` with every string in it passed through the redactor. */
function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return redactor.redact(value)
  if (Array.isArray(value)) return value.map(redactStrings)
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)]))
  return value
}
