/**
 * A request quota as Vault's rate-limit quotas keep it: go-limiter's memory store
 * (github.com/sethvargo/go-limiter/memorystore), `rate` tokens per interval in one bucket
 * whose intervals start at the bucket's first request; at the first request of a new
 * interval the bucket is refilled whole, and a refused request takes nothing. `take()`
 * answers what Vault's quota answers: whether it was allowed, the limit, the tokens left and
 * the time until the refill. The AWS, Azure and GCP emulators use it too, as a stand-in for
 * a service's per-API request quota.
 */
export interface RateLimit {
  /** Requests accepted per interval. */
  rate: number
  /** Default 1000 ms. */
  intervalMs?: number
  /**
   * Vault's `enable_rate_limit_response_headers` (sys/quotas/config, default off): every
   * answer under the quota carries `X-Ratelimit-Limit`, `-Remaining` and `-Reset`, and a
   * refused one `Retry-After`. Off, a refused request gets a bare 429. Vault only.
   */
  responseHeaders?: boolean
  /**
   * Told of every request the quota decided (a bench's measure, not the service's): when
   * (the quota's clock, ms), in which interval of the bucket (0 from its first request), and
   * whether it was accepted.
   */
  observe?: (take: { at: number; interval: number; ok: boolean }) => void
}

export interface QuotaTake {
  ok: boolean
  limit: number
  remaining: number
  /** Milliseconds until the bucket refills. */
  resetMs: number
}

/** go-limiter's bucket (see the module comment); `now` is injectable for tests. */
export function fixedWindowQuota(limit: RateLimit, now: () => number = () => performance.now()) {
  const interval = limit.intervalMs ?? 1000
  let started: number | undefined
  let lastTick = 0
  let available = limit.rate
  return {
    take(): QuotaTake {
      const at = now()
      started ??= at
      const tick = Math.floor((at - started) / interval)
      const resetMs = started + (tick + 1) * interval - at
      if (lastTick < tick) {
        available = limit.rate
        lastTick = tick
      }
      const ok = available > 0
      if (ok) available--
      limit.observe?.({ at, interval: tick, ok })
      return { ok, limit: limit.rate, remaining: available, resetMs }
    }
  }
}

/**
 * The headers Vault adds with `enable_rate_limit_response_headers` (vault/quotas/rate_limit.go):
 * the reset and `Retry-After` are whole seconds until the refill, truncated (Go's
 * `int(time.Until(reset).Seconds())`), so "0" for most of a one-second interval.
 */
export function vaultQuotaHeaders(take: QuotaTake): Record<string, string> {
  // Time passes between the bucket's clock and Go's time.Until: never a whole interval. The
  // milliseconds are rounded to microseconds first: the bucket's floating-point arithmetic
  // makes a whole interval 1000.0000000000073 ms at times, which is not more than a second.
  const seconds = String(Math.max(0, Math.ceil(Math.round(take.resetMs * 1000) / 1e6) - 1))
  return {
    'X-Ratelimit-Limit': String(take.limit),
    'X-Ratelimit-Remaining': String(take.remaining),
    'X-Ratelimit-Reset': seconds,
    ...(take.ok ? {} : { 'Retry-After': seconds })
  }
}
