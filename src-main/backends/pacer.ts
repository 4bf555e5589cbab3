/**
 * Adaptive rate control for the requests a backend sends, shared by every request of one
 * backend instance, so what it learns carries across the batches of a job.
 *
 * Two signals, two rules:
 * - A throttling answer **with** `Retry-After` (Vault's rate-limit quotas, Azure): the
 *   service says when to come back, and nothing is sent before then. What it accepted in
 *   the second before such a throttle (since the last pause) is one quota interval's worth
 *   (Vault's go-limiter refills the whole quota each interval), so afterwards the pacer
 *   sends at 97 % of that per second and holds it for thirty seconds before probing upwards
 *   (slowly at first): every pause costs the rest of an interval rounded up to a whole
 *   second, dearer than staying just under the quota. Throttled again a whole second after
 *   such a pause, the count spans two intervals and says only that the rate is too high: it
 *   is lowered by 8 %.
 * - A throttling answer **without** it (AWS's `ThrottlingException`): the pacer sets a send
 *   rate from the rate the service accepted over the last second and steers it so that a
 *   small share of requests is throttled (at most 15 %, probing upwards below that): the
 *   quota stays saturated, throttled requests are sent again, and the rate climbs back when
 *   throttling stops. From a quota known to refill whole each interval (`fixedWindow`:
 *   Vault's rate-limit quotas answer a bare 429 by default), the first throttle after a run
 *   of accepted answers says the interval's quota is spent: what was accepted in the second
 *   before it is the quota, and the pacer sends no more than that in any second (see
 *   learnFixedWindow).
 * - A quota **announced** with the answers (Vault's `X-Ratelimit-Limit`/`-Reset`): `limit`
 *   per interval, the interval at least the longest `Reset` seen plus one second (Vault
 *   truncates it to whole seconds; a new bucket's first answer says interval − 1). The pacer
 *   sends at 98 % of limit ÷ interval from the first such answer and does not probe above
 *   it: evenly spaced, every interval of the fixed window receives under its quota, whatever
 *   its phase, so nothing is throttled and nothing needs to be learned by running into it.
 *   Throttling that still comes (a quota shared with other clients) lowers it as above.
 * Failures that mean overload (5xx, timeouts, dropped connections) lower the number of
 * requests in flight (multiplicatively), successes raise it again (additively), up to the
 * backend's `concurrency`.
 *
 * *From:* the AWS SDK's adaptive retry mode (client-side rate from measured throughput),
 * TCP's AIMD, Vault's rate-limit quota headers.
 */
import { AirlockError } from '../core/errors'

/**
 * A quota the service announced with the answer (Vault's `X-Ratelimit-Limit` and
 * `X-Ratelimit-Reset` with `enable_rate_limit_response_headers`): `limit` requests per
 * interval, the interval refilled in `resetSeconds` (whole seconds, truncated).
 */
export interface AnnouncedQuota {
  limit: number
  resetSeconds: number
  /** Requests left in the current interval (`X-Ratelimit-Remaining`), when sent. */
  remaining?: number
}

/** What one attempt came to. */
export type PaceOutcome =
  | { kind: 'ok'; quota?: AnnouncedQuota }
  | { kind: 'throttled'; retryAfterMs?: number; quota?: AnnouncedQuota }
  /** The service is overloaded or the connection failed (5xx, timeout, reset). */
  | { kind: 'overloaded' }
  /** Any other answer (4xx): says nothing about load (a quota's headers still count). */
  | { kind: 'other'; quota?: AnnouncedQuota }

/** Counters for progress and benchmarks. */
export interface PacerStats {
  /** Attempts sent. */
  sent: number
  /** Throttling answers received. */
  throttled: number
  /** Overload answers (5xx, timeouts, dropped connections). */
  overloaded: number
  /** Attempts sent again after throttling. */
  throttleRetries: number
  /** The send rate in requests per second, or null while unlimited. */
  rate: number | null
  /** Requests allowed in flight now. */
  concurrency: number
  /** Milliseconds spent waiting for a `Retry-After`. */
  pausedMs: number
}

/** Time, injectable so the control law is tested on a virtual clock. */
export interface PacerClock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export interface PacerOptions {
  /** Most requests in flight (the backend's `concurrency`). */
  maxConcurrency: number
  /** Attempts after throttling before giving up on one request (default 30). */
  maxThrottleRetries?: number
  /** Longest `Retry-After` honoured, in ms (default 60 000); longer ones fail the request. */
  maxRetryAfterMs?: number
  /** Names the backend in messages. */
  backendId?: string
  clock?: PacerClock
  random?: () => number
  /**
   * The service's quota refills whole every interval of a second (Vault's rate-limit quotas,
   * go-limiter's fixed window, the default interval): a throttle without `Retry-After` that
   * comes after a run of accepted answers says the interval's quota is spent, and what was
   * accepted in the second before it is that quota.
   */
  fixedWindow?: boolean
}

/** Waits `ms`; an abort rejects at once with the signal's reason. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * `promise`, or the signal's reason at once when it aborts first: `onAbort` then ends what
 * the promise waits for (destroys a request, stops a poller). The listener goes when the
 * promise settles; without a signal, `promise` itself.
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort?: () => void
): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const aborted = () => {
      onAbort?.()
      reject(signal.reason)
    }
    if (signal.aborted) return aborted()
    signal.addEventListener('abort', aborted, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', aborted)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', aborted)
        reject(error)
      }
    )
  })
}

const realClock: PacerClock = { now: () => performance.now(), sleep: abortableSleep }

/** The window over which accepted and throttled answers are counted. */
const WINDOW_MS = 1000
/**
 * The answers the rate is steered from. At a slow rate the window is longer, so that it holds
 * about twice this many (a rate under it would otherwise never be changed again), up to
 * MAX_WINDOW_MS.
 */
const MIN_ANSWERS = 20
const MAX_WINDOW_MS = 10_000
/** How often the rate and concurrency are reconsidered. */
const ADJUST_MS = 250
/** How long a rate learned from Retry-After throttling holds before probing upwards. */
const HOLD_MS = 30_000
/** Requests the rate limiter lets through at once after a quiet spell. */
const BURST_MS = 20
/** The share of an announced quota sent. */
const ANNOUNCED_SHARE = 0.98
/** A refill predicted from the last one seen is waited for this much longer (its answer's latency). */
const REFILL_SLACK_MS = 5
/**
 * Fixed-window quota, throttles without Retry-After: a throttle this long after the last one
 * starts a new episode (the interval's quota spent again); closer ones are the same episode
 * (requests in flight, answers overtaking one another at the refill).
 */
const EPISODE_GAP_MS = 100
/**
 * The share of a fixed-window quota learned from a bare throttle's count that is sent in any
 * second: all of it. No more than the count in any second, no interval gets more, and one that
 * does (an answer's latency moving a request across the refill) costs a throttled request sent
 * again, not a pause (bench, Vault bare 429 at Q = 500: 98 % sent 490 an interval, 96–97 % of Q
 * with the stalls of a loaded machine; all of it, 500 and 100 %, 150 throttled in a job).
 */
const FIXED_SHARE = 1
/**
 * Throttled again at a learned rate a whole second after the pause (Retry-After): the rate
 * is lowered by this, as the count does not say by how much it is over the quota.
 */
const REPEAT_STEP = 0.92

/** Paces one backend's requests; see the module comment. */
export class AdaptivePacer {
  private readonly clock: PacerClock
  private readonly random: () => number
  private readonly maxConcurrency: number
  private limit: number
  private rate = Infinity
  private nextAt = 0
  private pausedUntil = 0
  private inFlight = 0
  private lastAdjust = 0
  private lastDecrease = -Infinity
  /** When the last Retry-After pause ended: answers before it are not counted for the rate. */
  private countFrom = -Infinity
  private lastPacedAt = -Infinity
  /** Fixed window, bare throttles: the last throttle seen, and the last episode's first. */
  private lastBareThrottleAt = -Infinity
  private lastOnsetAt = -Infinity
  /**
   * The rate was learned from a fixed-window quota's bare throttles, when it was last
   * (held as one learned from Retry-After), and whether such learning has been given up
   * (throttling went on a window after it: an interval longer than a second).
   */
  private fixedLearned = false
  private fixedHeldAt = -Infinity
  private fixedOff = false
  /** With a rate learned so: when the requests of the last second were sent. */
  private readonly sentAt: number[] = []
  /** The last pause's length (Retry-After), bounding the interval's. */
  private lastPauseMs = 0
  /** The announced quota in requests per second (0: none announced), and its interval. */
  private announcedRate = 0
  private announcedIntervalMs = 0
  private announcedLimit = 0
  /**
   * Requests the announced quota still has in this interval by our count: the last answer's
   * `X-Ratelimit-Remaining`, less what was in flight then (they may not have been counted
   * yet) and what was sent since. NaN: not announced.
   */
  private tokens = NaN
  private lastRemaining = NaN
  /** When the interval is next refilled, from the last refill seen (0: not seen yet). */
  private nextRefillAt = 0
  /** Recent answers; `paced` is a throttle that came with Retry-After. */
  private readonly recent: { at: number; kind: PaceOutcome['kind'] | 'paced' }[] = []
  private readonly waiters: { resolve: (ticket: number) => void; reject: (e: unknown) => void }[] =
    []
  /** Tickets are numbered in send order; a decrease is made once per generation sent. */
  private ticket = 0
  private lastDecreaseTicket = 0
  private timer: Promise<void> | undefined
  private readonly counters = {
    sent: 0,
    throttled: 0,
    overloaded: 0,
    throttleRetries: 0,
    pausedMs: 0
  }

  constructor(private readonly options: PacerOptions) {
    this.clock = options.clock ?? realClock
    this.random = options.random ?? Math.random
    this.maxConcurrency = Math.max(1, Math.floor(options.maxConcurrency))
    this.limit = this.maxConcurrency
  }

  stats(): PacerStats {
    return {
      ...this.counters,
      rate: Number.isFinite(this.rate) ? Math.round(this.rate * 10) / 10 : null,
      concurrency: Math.floor(this.limit)
    }
  }

  /**
   * Sends with pacing: waits for a slot, sends, and sends again after throttling (honouring
   * `Retry-After`) up to `maxThrottleRetries`. `classify` maps an answer or error to an
   * outcome; errors other than throttling are thrown as they are.
   */
  async run<T>(
    send: () => Promise<T>,
    classify: (error: unknown) => PaceOutcome,
    signal?: AbortSignal
  ): Promise<T> {
    const maxRetries = this.options.maxThrottleRetries ?? 30
    for (let attempt = 0; ; attempt++) {
      const ticket = await this.acquire(signal)
      let outcome: PaceOutcome = { kind: 'ok' }
      try {
        const value = await send()
        return value
      } catch (error) {
        outcome = classify(error)
        if (outcome.kind !== 'throttled' || attempt >= maxRetries) throw error
        if ((outcome.retryAfterMs ?? 0) > (this.options.maxRetryAfterMs ?? 60_000))
          throw new AirlockError(
            'backend.unreachable',
            `${this.options.backendId ?? 'The service'} asks to wait ${Math.ceil(outcome.retryAfterMs! / 1000)} s before the next request (Retry-After); try again later.`,
            { cause: error }
          )
        this.counters.throttleRetries++
      } finally {
        this.release(ticket, outcome)
      }
      if (outcome.kind === 'throttled' && outcome.retryAfterMs === undefined)
        await this.throttleBackoff(attempt, signal)
    }
  }

  /**
   * The wait of a request throttled without `Retry-After` before it is sent again (its
   * `attempt`, 0 for the first throttle): full jitter over 25 ms · 2^attempt, at most a
   * second, so that retries do not pile up while the rate is being learned. For transports
   * that send again themselves (`acquire`/`release`), instead of a client library's own
   * backoff, which starts at a second and leaves the quota idle meanwhile.
   */
  throttleBackoff(attempt: number, signal?: AbortSignal): Promise<void> {
    return this.clock.sleep(this.random() * Math.min(1000, 25 * 2 ** attempt), signal)
  }

  /**
   * Waits for a slot (for transports that pace per attempt, e.g. SDK middleware); the
   * ticket goes back with `release`.
   */
  acquire(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted()
    return new Promise((resolve, reject) => {
      if (!signal) {
        this.waiters.push({ resolve, reject })
        return this.pump()
      }
      // the listener goes with the slot: one signal serves every request of a job
      const waiter = {
        resolve: (ticket: number) => {
          signal.removeEventListener('abort', onAbort)
          resolve(ticket)
        },
        reject
      }
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) {
          this.waiters.splice(i, 1)
          reject(signal.reason)
        }
      }
      this.waiters.push(waiter)
      signal.addEventListener('abort', onAbort, { once: true })
      this.pump()
    })
  }

  /** Records what an attempt came to and frees its slot. */
  release(ticket: number, outcome: PaceOutcome): void {
    this.inFlight--
    // Overload: multiplicative decrease, once per generation of requests (those sent after
    // the last decrease); success: additive increase, about one more per round trip.
    if (outcome.kind === 'overloaded' && ticket > this.lastDecreaseTicket) {
      this.limit = Math.max(1, this.limit * 0.7)
      this.lastDecreaseTicket = this.ticket
    } else if (outcome.kind === 'ok')
      this.limit = Math.min(this.maxConcurrency, this.limit + 1 / this.limit)
    const at = this.clock.now()
    if (outcome.kind !== 'overloaded' && outcome.quota) this.announce(outcome.quota, at)
    const paced = outcome.kind === 'throttled' && outcome.retryAfterMs !== undefined
    this.recent.push({ at, kind: paced ? 'paced' : outcome.kind })
    if (outcome.kind === 'throttled') {
      this.counters.throttled++
      if (outcome.retryAfterMs !== undefined) {
        // Throttles answered while already told to wait are the same episode (requests that
        // were in flight): they do not count as running into the quota again.
        const sameEpisode = at < this.pausedUntil
        const until = at + outcome.retryAfterMs
        if (until > this.pausedUntil) {
          this.counters.pausedMs += until - Math.max(at, this.pausedUntil)
          this.pausedUntil = until
        }
        // Answers accepted between the end of the last pause and this throttle used up one
        // quota interval: send a little below that (per second, the granularity of
        // Retry-After) from now on, and hold it while such throttling is recent. Running
        // into the quota again costs a pause to the next whole second; staying under it
        // costs 3 %. Before the first estimate, full speed.
        // Counted over the last second only (Retry-After's unit): after a longer spell
        // without a pause (a slow stretch of the job, the plan check between the pre-flight
        // and the writes) the count since the pause holds several intervals' worth, and a
        // rate from it ran into the quota at once, pausing again.
        // Throttled again while sending at a rate learned so: that rate was too high, whatever
        // the count says. Answers are counted when they come back, not when the quota took
        // them, so a second of answers can hold more than one interval's quota (a few from
        // the end of the last); a rate from it ran into every interval's end, and each pause
        // (Retry-After rounded up to the next whole second) cost most of the next interval
        // (Azure at Q = 100: 100 then 3–30 accepted, interval after interval, 59 % of Q).
        const pacedAtLearnedRate =
          !sameEpisode && Number.isFinite(this.rate) && at - this.lastPacedAt < HOLD_MS
        this.lastPacedAt = at
        const accepted = this.acceptedWithin(Math.max(this.countFrom, at - WINDOW_MS))
        if (accepted >= 20 && !this.announcedRate) {
          const learned = Math.max(1, accepted * 0.97)
          // A whole second since the pause ended, every answer accepted until this throttle:
          // the second began in the interval the pause ended in and holds what that one took
          // after the pause besides this one's quota, so its count is the rate sent, not the
          // quota (which is below it, by an unknown part). Down a larger step then: 3 % a
          // cycle of a pause and the interval it emptied took five cycles from 1.15 × Q
          // (Azure at Q = 300: 67.5 % of Q); REPEAT_STEP takes one or two.
          // Within a second of the pause, the count is what the interval the pause ended in
          // took after it, all of its quota (nothing was sent in it before): learned from it.
          // The step can land up to 8 % under the quota, where the rate holds like any other
          // learned one and then probes upwards (adjustRate).
          // Two intervals or more after it (an interval taken as the last pause, a second at
          // least), this rate ran under the quota for a while, and is over it by little: 3 %.
          const since = at - this.countFrom
          const spanned = since >= WINDOW_MS && since < 2 * Math.max(WINDOW_MS, this.lastPauseMs)
          this.rate = pacedAtLearnedRate
            ? Math.min(learned, this.rate * (spanned ? REPEAT_STEP : 0.97))
            : learned
        }
        if (!sameEpisode) this.lastPauseMs = outcome.retryAfterMs
        this.countFrom = Math.max(this.countFrom, until)
        // Paced at an announced quota, the pause does not make room for a burst: that would
        // run into the next interval's quota and pause again, and again.
        this.nextAt = this.announcedRate ? Math.max(this.nextAt, until) : 0
      } else if (this.options.fixedWindow) this.learnFixedWindow(at)
    }
    if (outcome.kind === 'overloaded') this.counters.overloaded++
    this.adjustRate(at)
    this.pump()
  }

  /**
   * A throttle without Retry-After from a fixed-window quota (`fixedWindow`). The first of an
   * episode (none in the EPISODE_GAP_MS before it) marks the interval's quota spent: the
   * answers accepted since the last episode, within the second before it, are one interval's
   * quota (sending faster than it, every interval is spent at the same count, whatever its
   * phase). The pacer then sends no more than FIXED_SHARE of that in any second (windowWait),
   * so that every interval gets just under its quota and next to nothing is throttled, and
   * holds it as a rate learned
   * from Retry-After (adjustRate): steering by the throttled share instead kept the rate 15 %
   * over the quota, and every throttled answer (a request, an answer and a retry later) took
   * time the client needed for accepted ones (bench, Vault bare 429 at Q = 500: 4 093
   * throttled, 90 % of Q). The throttles of the episode that follow do not lower it further;
   * throttling that goes on a window later (an interval longer than a second, whose count is
   * many seconds' quota) ends such learning (adjustRate).
   */
  private learnFixedWindow(at: number): void {
    const since = this.lastBareThrottleAt
    this.lastBareThrottleAt = at
    // The first episode's count is not learned from: the second before it may span two
    // intervals (a job started late in one), up to twice the quota.
    if (since === -Infinity || at - since < EPISODE_GAP_MS) return
    if (this.announcedRate || this.fixedOff) return
    const accepted = this.acceptedWithin(Math.max(since, at - WINDOW_MS))
    if (accepted < MIN_ANSWERS) return
    this.lastOnsetAt = at
    this.fixedHeldAt = at
    this.fixedLearned = true
    this.rate = Math.max(1, accepted * FIXED_SHARE)
  }

  /** Ends learning from a fixed window's bare throttles: steered as any other quota. */
  private endFixedWindow(): void {
    this.fixedOff = true
    this.fixedLearned = false
    this.fixedHeldAt = -Infinity
  }

  /** Accepted answers (successes and other answers, not throttles) since `from`. */
  private acceptedWithin(from: number): number {
    let n = 0
    for (let i = this.recent.length - 1; i >= 0 && this.recent[i]!.at >= from; i--) {
      const kind = this.recent[i]!.kind
      if (kind === 'ok' || kind === 'other') n++
    }
    return n
  }

  /**
   * Takes in a quota the service announced: paces at ANNOUNCED_SHARE of it when it is new or
   * changed (a longer interval seen, another limit).
   */
  private announce(quota: AnnouncedQuota, at: number): void {
    if (!(quota.limit >= 1) || !(quota.resetSeconds >= 0)) return
    this.countTokens(quota, at)
    const intervalMs = Math.max(
      this.announcedIntervalMs,
      (Math.floor(quota.resetSeconds) + 1) * 1000
    )
    if (quota.limit === this.announcedLimit && intervalMs === this.announcedIntervalMs) return
    this.announcedLimit = quota.limit
    this.announcedIntervalMs = intervalMs
    this.announcedRate = (quota.limit * 1000) / intervalMs
    this.rate = Math.max(0.1, this.announcedRate * ANNOUNCED_SHARE)
  }

  /**
   * The fixed window's own count (`X-Ratelimit-Remaining`): while it has requests left, they
   * are sent at once rather than at the even pace, so a stall of the client (a pause of the
   * event loop, a batch still reading back) is made up within the interval instead of being
   * lost. A refill shows as more remaining than the answer before (by more than answers
   * can overtake one another): the interval starts there
   * (go-limiter refills whole at the first request of a new interval), and the next one an
   * interval later; once the count is spent nothing is sent before then.
   */
  private countTokens(quota: AnnouncedQuota, at: number): void {
    const remaining = quota.remaining
    if (remaining === undefined || !(remaining >= 0)) return
    // Answers overtake one another by at most what is in flight: a larger jump is a refill.
    if (remaining > this.lastRemaining + this.maxConcurrency && this.announcedIntervalMs)
      this.nextRefillAt = at + this.announcedIntervalMs + REFILL_SLACK_MS
    this.lastRemaining = remaining
    this.tokens = remaining - this.inFlight
  }

  /**
   * Steers the send rate from the last second's answers, or longer ones at slow rates
   * (throttling without Retry-After).
   */
  private adjustRate(at: number): void {
    const windowMs = Number.isFinite(this.rate)
      ? Math.min(MAX_WINDOW_MS, Math.max(WINDOW_MS, (2000 * MIN_ANSWERS) / this.rate))
      : WINDOW_MS
    while (this.recent.length && this.recent[0]!.at < at - windowMs) this.recent.shift()
    if (at - this.lastAdjust < ADJUST_MS) return
    let ok = 0
    let throttled = 0
    for (const r of this.recent) {
      // Any other answer (a 404 for a secret not there yet, a 400) was still accepted under
      // the quota: the service spent a request on it. Counted as accepted, so that a run of
      // them (a pre-flight over new ids) can climb back from a throttle.
      if (r.kind === 'ok' || r.kind === 'other') ok++
      else if (r.kind === 'throttled') throttled++
    }
    // Throttles that came with Retry-After are handled by the pause, not the rate.
    const answered = ok + throttled
    // At the slowest rates even the longest window holds fewer: half of what it lets through.
    const enough = Number.isFinite(this.rate)
      ? Math.min(MIN_ANSWERS, (this.rate * windowMs) / 2000)
      : MIN_ANSWERS
    if (answered < enough) return
    this.lastAdjust = at
    const span = Math.max(ADJUST_MS, Math.min(windowMs, at - this.recent[0]!.at))
    const share = throttled / answered
    // A second and more of throttles and nothing accepted: the quota's interval is longer than
    // a second (a one-second one refills within it), so its count is no quota per second.
    if (this.options.fixedWindow && ok === 0 && at - this.recent[0]!.at >= 0.9 * WINDOW_MS)
      this.endFixedWindow()
    // A fixed-window quota's rate learned less than an interval and a window ago: the window
    // still holds its episode's throttles (until the refill, a second at most), what it was
    // learned from.
    if (
      share > 0.15 &&
      at - this.lastDecrease >= windowMs &&
      at - this.lastOnsetAt >= WINDOW_MS + windowMs
    ) {
      // Once per window: the window still holds the throttles that caused the last one.
      this.lastDecrease = at
      // Throttled on a window after a fixed-window quota's count was learned: its interval is
      // longer than a second (the count was several seconds' quota); steered as any other.
      if (this.fixedLearned) this.endFixedWindow()
      // Down in proportion to the excess (halving at most); the first time, from the rate
      // sent so far. Never from the accepted rate alone: quotas that refill per interval
      // accept in bursts, which a one-second window measures badly.
      const start = Number.isFinite(this.rate) ? this.rate : (answered * 1000) / span
      this.rate = Math.max(1, start * Math.max(0.5, 1.05 - share))
    } else if (
      share <= 0.15 &&
      Number.isFinite(this.rate) &&
      at - Math.max(this.lastPacedAt, this.fixedHeldAt) >= HOLD_MS
    ) {
      // Climb back: fast while nothing is throttled, slowly (probing) in the band, so that
      // throttling that does not come from our rate cannot hold it down.
      // After Retry-After throttling, gently at first (2 %/s, then 8 %/s, then 40 %/s the
      // longer nothing is throttled): running into that quota costs a pause.
      const pacedAt = Math.max(this.lastPacedAt, this.fixedHeldAt)
      const quiet = at - pacedAt - HOLD_MS
      this.rate *= Number.isFinite(pacedAt)
        ? quiet < 10_000
          ? 1.005
          : quiet < 20_000
            ? 1.02
            : 1.1
        : share < 0.03
          ? 1.1
          : 1.02
      // Far above what is accepted, the limiter no longer limits anything: lift it.
      if (throttled === 0 && this.rate > ((ok * 1000) / span) * 3) this.rate = Infinity
      // An announced quota is not probed above.
      if (this.announcedRate) this.rate = Math.min(this.rate, this.announcedRate * ANNOUNCED_SHARE)
    }
  }

  /**
   * Paced at a fixed-window quota learned from bare throttles: no more than the rate's worth
   * in any second (a sliding window), so every interval of the quota's fixed window gets no
   * more, whatever its phase, and a stall of the client (a batch still reading back, a pause
   * of the event loop) is made up at once within the second instead of being lost, as the
   * announced quota's `X-Ratelimit-Remaining` lets it be. Evenly paced (BURST_MS), the job's
   * batches lost a fifth of every interval (bench, Vault bare 429 at Q = 500: 383 accepted an
   * interval at a rate of 485). The wait until the oldest of the last second's sends leaves it.
   */
  private windowWait(at: number): number {
    while (this.sentAt.length && this.sentAt[0]! <= at - WINDOW_MS) this.sentAt.shift()
    const budget = Math.max(1, Math.floor((this.rate * WINDOW_MS) / 1000))
    if (this.sentAt.length < budget) return 0
    return this.sentAt[this.sentAt.length - budget]! + WINDOW_MS - at
  }

  private pump(): void {
    while (this.waiters.length && this.inFlight < Math.floor(this.limit)) {
      const at = this.clock.now()
      // With the interval's count announced: at once while it has requests left; spent,
      // not before the predicted refill; otherwise (or past it) at the even pace.
      const counted = this.tokens > 0
      const spent = this.tokens <= 0 && this.nextRefillAt > at
      const sliding = this.fixedLearned && Number.isFinite(this.rate)
      const wait = Math.max(
        this.pausedUntil - at,
        spent ? this.nextRefillAt - at : 0,
        sliding
          ? this.windowWait(at)
          : Number.isFinite(this.rate) && !counted
            ? this.nextAt - at
            : 0
      )
      if (wait > 0) {
        if (!this.timer) {
          const deadline = at + wait
          const timer = this.clock.sleep(wait).then(() => {
            if (this.timer === timer) this.timer = undefined
            // A pause or a refill slept for is over, whatever the clock says (a test's sleep
            // may not advance it); one extended meanwhile still holds. The even pace is kept
            // by the clock: a timer can fire before the clock reaches its deadline (Node starts
            // it from the event loop's cached time, which lags the clock by as long as the
            // current tick has run, milliseconds on a loaded machine). Taking the wake-up as
            // the deadline let a send out early and counted the next one's slot from it, so
            // every early wake shortened the spacing: at 292 a second (3.4 ms apart) sends went
            // out 3.0 ms apart, 301 in one quota interval of 300; every interval ran over it,
            // and each pause (Retry-After rounded up to a whole second) emptied most of the
            // next one (Azure at Q = 300: 56–59 % of Q). An early wake sleeps the rest (pump);
            // only a sleep that did not move the clock at all (a test's virtual one) counts as
            // slept through, or the pacer would wait on it for ever. A Retry-After pause and a
            // predicted refill are held to the clock the same way (sent a tick early, the first
            // request after a pause meets the interval the server told it to wait out), except
            // where the sleep plainly does not follow this clock: one that ended before half its
            // time had passed by it (a test's, recording the waits on the real clock) counts
            // as slept through. A timer early by the event loop's lag is early by milliseconds.
            const now = this.clock.now()
            const followed = now - at >= wait / 2
            const over = (t: number) => t <= deadline && (now >= t || !followed)
            if (over(this.pausedUntil)) this.pausedUntil = 0
            if (over(this.nextRefillAt)) this.nextRefillAt = 0
            if (this.nextAt <= deadline && now === at) this.nextAt = at
            if (now === at) this.sentAt.length = 0
            this.pump()
          })
          this.timer = timer
        }
        return
      }
      if (Number.isFinite(this.rate))
        this.nextAt = Math.max(this.nextAt, at - BURST_MS) + 1000 / this.rate
      if (sliding) this.sentAt.push(at)
      if (!Number.isNaN(this.tokens)) this.tokens--
      this.inFlight++
      this.counters.sent++
      this.waiters.shift()!.resolve(++this.ticket)
    }
  }
}
