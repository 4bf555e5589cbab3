/**
 * How much of a request quota an apply used (bench/engine.ts's apply figure), counted from the
 * emulators' own quota (test/support/emulators/quota.ts), request by request.
 */
import type { RateLimit } from '../test/support/emulators/quota'

/** The requests an emulator's quota decided: when, in which of its intervals, accepted or not. */
export type QuotaTakeLog = { at: number; interval: number; ok: boolean }[]

/** A quota of `rate` requests per second whose every decision is logged (`takes`). */
export function quotaLog(rate: number): { rateLimit: RateLimit; takes: QuotaTakeLog } {
  const takes: QuotaTakeLog = []
  return { rateLimit: { rate, observe: (t) => takes.push(t) }, takes }
}

/**
 * The share of the quota a run used, counted as the quota counts: every request it accepted
 * (reads, lists and writes alike) in the quota's own intervals, from the interval of the
 * run's first write up to, not including, the interval of its last accepted request (the
 * run ran out of work in that one); over the quota of those intervals. A fixed window gives
 * `rate` per interval whenever in it they are sent, so this is what the run could have had.
 * A run within one interval: its accepted requests over one interval's quota.
 */
export function quotaShare(
  takes: QuotaTakeLog,
  from: number,
  firstWriteAt: number,
  rate: number
): { share: number; accepted: number; intervals: number } {
  const run = takes.slice(from)
  const ok = run.filter((t) => t.ok)
  const first = run.find((t) => t.at >= firstWriteAt)?.interval ?? ok[0]?.interval ?? 0
  const last = ok.at(-1)?.interval ?? first
  if (last <= first) {
    const accepted = ok.filter((t) => t.interval >= first).length
    return { share: accepted / rate, accepted, intervals: 1 }
  }
  const accepted = ok.filter((t) => t.interval >= first && t.interval < last).length
  return { share: accepted / (rate * (last - first)), accepted, intervals: last - first }
}
