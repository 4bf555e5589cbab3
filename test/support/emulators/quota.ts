/**
 * A request quota as Vault's rate-limit quotas keep it (go-limiter's memory store): `rate`
 * requests per interval, the bucket refilled whole at each interval boundary, and a refused
 * request told how long until the refill. The AWS emulator uses it too, as a stand-in for an
 * account's per-API request quota.
 */
export interface RateLimit {
  /** Requests accepted per interval. */
  rate: number
  /** Default 1000 ms. */
  intervalMs?: number
}

/** A fixed-window counter; `take()` answers whether one more request fits. */
export function fixedWindowQuota(limit: RateLimit) {
  const interval = limit.intervalMs ?? 1000
  const started = performance.now()
  let window = 0
  let used = 0
  return {
    take(): { ok: true } | { ok: false; resetMs: number } {
      const elapsed = performance.now() - started
      const w = Math.floor(elapsed / interval)
      if (w !== window) {
        window = w
        used = 0
      }
      if (used < limit.rate) {
        used++
        return { ok: true }
      }
      return { ok: false, resetMs: (w + 1) * interval - elapsed }
    }
  }
}
