/**
 * The pacer's control law on a virtual clock against simulated quotas: a fixed-window quota
 * (Vault's go-limiter: `rate` requests per interval, refilled each interval) answered with or
 * without `Retry-After`. Figures are counts in virtual time, so they are exact and repeatable.
 */
import { describe, expect, it } from 'vitest'
import {
  AdaptivePacer,
  type PaceOutcome,
  type PacerClock
} from '../../../../src-main/backends/pacer'
import { seededRandom } from '../../../support/seeded-random'
import { fixedWindowQuota, vaultQuotaHeaders } from '../../../support/emulators/quota'

class VirtualClock implements PacerClock {
  private t = 0
  private timers: { at: number; resolve: () => void }[] = []
  now(): number {
    return this.t
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.t + Math.max(0, ms), resolve })
      this.timers.sort((a, b) => a.at - b.at)
    })
  }
  /** Runs until `done` settles: lets pending work run, then jumps to the next timer. */
  async drive(done: Promise<unknown>): Promise<void> {
    let finished = false
    void done.finally(() => (finished = true))
    while (!finished) {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
      if (finished) break
      const next = this.timers.shift()
      if (!next) throw new Error('deadlock: nothing scheduled and the work is not done')
      this.t = Math.max(this.t, next.at)
      next.resolve()
    }
  }
}

/**
 * Node's timers as they fire on a busy event loop: a timer starts from the loop's cached
 * time, which lags the clock by as long as the current tick has run, so it can fire up to
 * that much before its delay has passed by the clock (half of 200 timers of 3.42 ms fired
 * early, by up to 1.2 ms, with a tick busy for 0–4 ms before each, on Node 24).
 */
class EarlyTimerClock extends VirtualClock {
  constructor(private readonly earlyMs: number) {
    super()
  }
  /** Early by `earlyMs` when the delay is longer (a shorter one fires on time, so time moves). */
  override sleep(ms: number): Promise<void> {
    return super.sleep(ms > this.earlyMs ? ms - this.earlyMs : ms)
  }
}

class Throttled extends Error {
  constructor(readonly retryAfterMs?: number) {
    super('throttled')
  }
}

/** A fixed-window quota: `perWindow` accepted per `windowMs`, the rest throttled. */
function fixedWindowServer(
  clock: VirtualClock,
  quota: () => number,
  opts: { retryAfter: boolean; windowMs?: number; latencyMs?: number }
) {
  const windowMs = opts.windowMs ?? 1000
  const accepted = new Map<number, number>()
  let throttled = 0
  const send = async () => {
    const w = Math.floor(clock.now() / windowMs)
    const used = accepted.get(w) ?? 0
    const arrived = clock.now()
    if (used < quota()) accepted.set(w, used + 1)
    await clock.sleep(opts.latencyMs ?? 2)
    if (used >= quota()) {
      throttled++
      const resetMs = (w + 1) * windowMs - arrived
      // HTTP's Retry-After carries whole seconds, rounded up as Vault does.
      throw new Throttled(opts.retryAfter ? Math.ceil(resetMs / 1000) * 1000 : undefined)
    }
  }
  return { send, accepted, throttledCount: () => throttled }
}

const classify = (e: unknown): PaceOutcome =>
  e instanceof Throttled ? { kind: 'throttled', retryAfterMs: e.retryAfterMs } : { kind: 'other' }

async function runAll(pacer: AdaptivePacer, n: number, workers: number, send: () => Promise<void>) {
  let next = 0
  let failed = 0
  const worker = async () => {
    while (next < n) {
      next++
      await pacer.run(send, classify).catch(() => failed++)
    }
  }
  await Promise.all(Array.from({ length: workers }, worker))
  return failed
}

/** Accepted per full window, leaving out the first and the last (partly filled) ones. */
function fullWindows(accepted: Map<number, number>): number[] {
  const keys = [...accepted.keys()].sort((a, b) => a - b)
  return keys.slice(1, -1).map((k) => accepted.get(k)!)
}

/**
 * Vault under a rate-limit quota with `enable_rate_limit_response_headers`: the emulator's
 * go-limiter bucket on the virtual clock, every answer carrying its `X-Ratelimit-*` headers
 * and a refusal `Retry-After` (truncated whole seconds, so mostly 0), handed to the pacer as
 * vault-failures.ts does (acquire, send, release with the announced quota).
 */
function announcingServer(
  clock: VirtualClock,
  rate: number,
  intervalMs = 1000,
  withRemaining = true
) {
  const bucket = fixedWindowQuota({ rate, intervalMs }, () => clock.now())
  const acceptedAt: number[] = []
  let throttled = 0
  const send = async (): Promise<PaceOutcome> => {
    const take = bucket.take()
    const headers = vaultQuotaHeaders(take)
    if (take.ok) acceptedAt.push(clock.now())
    await clock.sleep(2)
    const quota = {
      limit: Number(headers['X-Ratelimit-Limit']),
      resetSeconds: Number(headers['X-Ratelimit-Reset']),
      ...(withRemaining ? { remaining: Number(headers['X-Ratelimit-Remaining']) } : {})
    }
    if (take.ok) return { kind: 'ok', quota }
    throttled++
    return { kind: 'throttled', retryAfterMs: Number(headers['Retry-After']) * 1000, quota }
  }
  return { send, acceptedAt, throttledCount: () => throttled }
}

async function runAnnounced(
  pacer: AdaptivePacer,
  n: number,
  workers: number,
  send: () => Promise<PaceOutcome>
) {
  let next = 0
  const worker = async () => {
    while (next < n) {
      next++
      for (;;) {
        const ticket = await pacer.acquire()
        const outcome = await send()
        pacer.release(ticket, outcome)
        if (outcome.kind === 'ok') break
      }
    }
  }
  await Promise.all(Array.from({ length: workers }, worker))
}

describe("the emulators' quota (go-limiter, as Vault keeps it)", () => {
  it('starts its intervals at the first request, refills whole, and refusals take nothing', () => {
    let t = 5_000
    const q = fixedWindowQuota({ rate: 3, intervalMs: 1000 }, () => t)
    expect([q.take(), q.take(), q.take()].map((x) => [x.ok, x.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0]
    ])
    t += 400
    const refused = q.take()
    expect(refused).toMatchObject({ ok: false, remaining: 0, resetMs: 600 })
    // Vault truncates: 0.6 s to the refill reads "0".
    expect(vaultQuotaHeaders(refused)).toEqual({
      'X-Ratelimit-Limit': '3',
      'X-Ratelimit-Remaining': '0',
      'X-Ratelimit-Reset': '0',
      'Retry-After': '0'
    })
    t += 600 // the next interval of this bucket (from 5 000 ms, not from 0)
    expect(q.take()).toMatchObject({ ok: true, remaining: 2, resetMs: 1000 })
    const slow = fixedWindowQuota({ rate: 10, intervalMs: 10_000 }, () => t)
    expect(vaultQuotaHeaders(slow.take())['X-Ratelimit-Reset']).toBe('9')
  })

  it("reads a whole interval to the refill as Vault does at an interval's first request", () => {
    // 64891.375… + 1000 − 64891.375… is 1000.0000000000073 in floating point: read as more
    // than a second, that first answer said "1", and a client took the interval for two
    // seconds (the pacer sent at half the quota from then on).
    for (const start of [64891.37501271458, 32001.13435440839, 15392.174969142246, 5_000]) {
      const q = fixedWindowQuota({ rate: 300, intervalMs: 1000 }, () => start)
      expect(vaultQuotaHeaders(q.take())['X-Ratelimit-Reset']).toBe('0')
    }
  })
})

describe('AdaptivePacer', () => {
  it('does not wait for ever on a sleep that does not move the clock (a test clock)', async () => {
    let t = 0
    let sleeps = 0
    const pacer = new AdaptivePacer({
      maxConcurrency: 4,
      // (it yields to timers, so a pacer that waits on it for ever fails here instead of hanging)
      clock: { now: () => t, sleep: () => new Promise((r) => setImmediate(() => (sleeps++, r()))) }
    })
    // a rate learned from a Retry-After throttle (40 answers over 0.4 s, then the throttle)
    for (let i = 0; i < 40; i++) {
      t += 10
      pacer.release(await pacer.acquire(), { kind: 'ok' })
    }
    pacer.release(await pacer.acquire(), { kind: 'throttled', retryAfterMs: 1000 })
    expect(pacer.stats().rate).not.toBeNull()
    // then the clock stands still: each paced send waits on a sleep that returns at once
    const sends = (async () => {
      for (let i = 0; i < 5; i++) pacer.release(await pacer.acquire(), { kind: 'ok' })
      return 'sent'
    })()
    const stuck = new Promise((r) => setTimeout(() => r('stuck'), 2_000))
    expect(await Promise.race([sends, stuck])).toBe('sent')
    expect(sleeps).toBeLessThan(20)
  })

  it('paces at an announced quota (X-Ratelimit-*) from the first answer: ≥ 95 % of it, next to nothing throttled', async () => {
    const clock = new VirtualClock()
    const Q = 500
    const server = announcingServer(clock, Q)
    const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(6) })
    await clock.drive(runAnnounced(pacer, 10_000, 16, server.send))
    const seconds = server.acceptedAt.at(-1)! / 1000
    expect(10_000 / seconds / Q).toBeGreaterThanOrEqual(0.95)
    // Only the first interval, sent at full speed before the first answer, runs into it.
    expect(server.throttledCount()).toBeLessThanOrEqual(16)
    expect(pacer.stats().rate).toBe(490)
  }, 30_000)

  it('with X-Ratelimit-Remaining, makes up a stall of the client within the interval: ≥ 97 % of every full interval', async () => {
    const run = async (withRemaining: boolean) => {
      const clock = new VirtualClock()
      const Q = 200
      const server = announcingServer(clock, Q, 1000, withRemaining)
      const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(8) })
      // Every 300th request the whole client stalls for 300 ms (a pause of its event loop,
      // every lane reading back): what it could have sent meanwhile is made up, or lost.
      let n = 0
      let stall: Promise<void> = Promise.resolve()
      const send = async () => {
        if (++n % 300 === 0) stall = clock.sleep(300)
        await stall
        return server.send()
      }
      await clock.drive(runAnnounced(pacer, 6000, 16, send))
      const perInterval = new Map<number, number>()
      for (const at of server.acceptedAt) {
        const w = Math.floor((at - server.acceptedAt[0]!) / 1000)
        perInterval.set(w, (perInterval.get(w) ?? 0) + 1)
      }
      const full = fullWindows(perInterval)
      return {
        share: full.reduce((a, b) => a + b, 0) / full.length / Q,
        throttled: server.throttledCount()
      }
    }
    const counted = await run(true)
    const paced = await run(false)
    expect(counted.share).toBeGreaterThanOrEqual(0.97)
    expect(counted.share).toBeGreaterThan(paced.share)
    // Spent, it waits for the refill it predicted: a few throttled answers at most.
    expect(counted.throttled).toBeLessThanOrEqual(20)
  }, 60_000)

  it('reads a longer interval from X-Ratelimit-Reset (1 000 per 10 s → 98 a second)', async () => {
    const clock = new VirtualClock()
    const server = announcingServer(clock, 1000, 10_000, false)
    const pacer = new AdaptivePacer({ maxConcurrency: 8, clock, random: seededRandom(7) })
    await clock.drive(runAnnounced(pacer, 3000, 8, server.send))
    expect(pacer.stats().rate).toBe(98)
    expect(server.throttledCount()).toBe(0)
    // 3 000 at 98 a second: about 30.6 s, where 1 000 per interval allows 3 000 in 20 s
    // plus the start of the third interval.
    const seconds = server.acceptedAt.at(-1)! / 1000
    expect(seconds).toBeGreaterThan(29)
    expect(seconds).toBeLessThan(32)
  }, 30_000)

  it('keeps a quota without Retry-After (AWS-style) saturated: ≥ 95 % of it, nothing failed', async () => {
    const clock = new VirtualClock()
    const Q = 200
    const server = fixedWindowServer(clock, () => Q, { retryAfter: false })
    const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(1) })
    let failed = -1
    await clock.drive(runAll(pacer, 4000, 16, server.send).then((f) => (failed = f)))
    expect(failed).toBe(0)
    const windows = fullWindows(server.accepted)
    const mean = windows.reduce((a, b) => a + b, 0) / windows.length
    expect(mean / Q).toBeGreaterThanOrEqual(0.95)
    // The rate is learned: throttled attempts stay a small share of what was sent.
    const stats = pacer.stats()
    expect(stats.rate).not.toBeNull()
    expect(stats.throttled / stats.sent).toBeLessThan(0.2)
  }, 30_000)

  /**
   * Go-limiter's bucket as the Vault emulator keeps it, answered with a bare 429 (Vault's
   * default), on a virtual clock; `accepted` counts what each quota interval let through.
   */
  const bareQuota = (Q: number) => {
    const clock = new VirtualClock()
    const accepted = new Map<number, number>()
    const bucket = fixedWindowQuota(
      {
        rate: Q,
        observe: (t) => t.ok && accepted.set(t.interval, (accepted.get(t.interval) ?? 0) + 1)
      },
      () => clock.now()
    )
    const send = async () => {
      const take = bucket.take()
      await clock.sleep(2)
      if (!take.ok) throw new Throttled()
    }
    return { clock, accepted, send }
  }

  it('learns a fixed-window quota from bare 429s (Vault’s default): paces at it, next to nothing throttled', async () => {
    const Q = 500
    const { clock, accepted, send } = bareQuota(Q)
    const pacer = new AdaptivePacer({
      maxConcurrency: 16,
      fixedWindow: true,
      clock,
      random: seededRandom(11)
    })
    let failed = -1
    await clock.drive(runAll(pacer, 10_000, 16, send).then((f) => (failed = f)))
    expect(failed).toBe(0)
    // The rate is the interval's count (Q), not steered to a share of throttles over it.
    const stats = pacer.stats()
    expect(stats.rate).toBeGreaterThanOrEqual(0.95 * Q)
    expect(stats.rate).toBeLessThanOrEqual(Q)
    // Throttled: the first intervals' (unpaced), then next to nothing.
    expect(stats.throttled).toBeLessThan(0.02 * stats.sent)
    const windows = fullWindows(accepted)
    expect(Math.min(...windows.slice(2))).toBeGreaterThanOrEqual(0.95 * Q)
  }, 30_000)

  it('with a fixed-window quota learned from bare 429s, makes up the stalls between batches within the second: ≥ 90 % of Q, no more than Q a second', async () => {
    const Q = 500
    const { clock, accepted, send } = bareQuota(Q)
    const pacer = new AdaptivePacer({
      maxConcurrency: 16,
      fixedWindow: true,
      clock,
      random: seededRandom(13)
    })
    // A job that sends in batches of 200 and reads each back for 150 ms before the next: at
    // an even 500 a second, 200 every 550 ms (73 % of Q).
    const batches = async () => {
      for (let b = 0; b < 40; b++) {
        await runAll(pacer, 200, 16, send)
        await clock.sleep(150)
      }
    }
    await clock.drive(batches())
    expect(pacer.stats().rate).toBeLessThanOrEqual(Q)
    // From the interval after the one it was learned in (the fifth), 90 % of Q at least: no
    // more than Q in any second, however the batches fall across the quota's intervals.
    const windows = fullWindows(accepted).slice(4)
    const mean = windows.reduce((a, b) => a + b, 0) / windows.length
    expect(mean).toBeGreaterThanOrEqual(0.9 * Q)
  }, 30_000)

  it('with fixedWindow, a longer interval (1 000 per 10 s) is steered as without it, by the throttled share', async () => {
    const run = async (fixedWindow: boolean) => {
      const clock = new VirtualClock()
      const server = fixedWindowServer(clock, () => 1000, { retryAfter: false, windowMs: 10_000 })
      const pacer = new AdaptivePacer({
        maxConcurrency: 16,
        fixedWindow,
        clock,
        random: seededRandom(12),
        maxThrottleRetries: 1000
      })
      let failed = -1
      await clock.drive(runAll(pacer, 5000, 16, server.send).then((f) => (failed = f)))
      return { failed, accepted: [...server.accepted] }
    }
    // A second of throttles with nothing accepted: no one-second window, learning ends.
    const fixed = await run(true)
    expect(fixed.failed).toBe(0)
    expect(fixed).toEqual(await run(false))
  }, 30_000)

  it('counts accepted answers that are not successes (404s of a pre-flight over new ids) as accepted: keeps the quota saturated', async () => {
    const clock = new VirtualClock()
    const Q = 200
    const server = fixedWindowServer(clock, () => Q, { retryAfter: false })
    class NotFound extends Error {}
    // Every accepted answer is a 404 (the secret is not there yet): the quota spent a token on it.
    const send = () =>
      server.send().then(() => {
        throw new NotFound('404')
      })
    const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(2) })
    let notFound = 0
    let next = 0
    const worker = async () => {
      while (next < 4000) {
        next++
        await pacer.run(send, classify).catch((e) => {
          if (e instanceof NotFound) notFound++
        })
      }
    }
    await clock.drive(Promise.all(Array.from({ length: 16 }, worker)))
    expect(notFound).toBe(4000)
    const windows = fullWindows(server.accepted)
    const mean = windows.reduce((a, b) => a + b, 0) / windows.length
    expect(mean / Q).toBeGreaterThanOrEqual(0.95)
  }, 30_000)

  it('honours Retry-After: nothing is sent in a window after being told to wait for the next', async () => {
    const clock = new VirtualClock()
    const Q = 150
    const sends: number[] = []
    const server = fixedWindowServer(clock, () => Q, { retryAfter: true })
    const pacer = new AdaptivePacer({ maxConcurrency: 8, clock, random: seededRandom(2) })
    const send = () => {
      sends.push(clock.now())
      return server.send()
    }
    let failed = -1
    await clock.drive(runAll(pacer, 3000, 8, send).then((f) => (failed = f)))
    expect(failed).toBe(0)
    const windows = fullWindows(server.accepted)
    const mean = windows.reduce((a, b) => a + b, 0) / windows.length
    expect(mean / Q).toBeGreaterThanOrEqual(0.95)
    // Each throttling answer is followed by a pause, so throttled attempts are only the
    // ones already in flight when the window ran out: at most `concurrency` per window.
    expect(server.throttledCount()).toBeLessThanOrEqual(8 * (windows.length + 2))
    expect(pacer.stats().pausedMs).toBeGreaterThan(0)
  }, 30_000)

  it('climbs back when the quota is raised, and backs off when it is lowered', async () => {
    const clock = new VirtualClock()
    let Q = 100
    const server = fixedWindowServer(clock, () => Q, { retryAfter: false })
    const pacer = new AdaptivePacer({ maxConcurrency: 32, clock, random: seededRandom(3) })
    const done = runAll(pacer, 9000, 32, server.send)
    const raise = clock.sleep(10_000).then(() => (Q = 500))
    const lower = clock.sleep(20_000).then(() => (Q = 50))
    await clock.drive(Promise.all([done, raise, lower]))
    const at = (second: number) => server.accepted.get(second) ?? 0
    // Within seven seconds of each change the accepted rate follows the quota again.
    for (const second of [7, 8, 9]) expect(at(second)).toBeGreaterThanOrEqual(95)
    for (const second of [17, 18, 19]) expect(at(second)).toBeGreaterThanOrEqual(475)
    for (const second of [27, 28, 29]) expect(at(second)).toBeGreaterThanOrEqual(47)
    // And it backs off: after the cut, most attempts are not throttled.
    expect(pacer.stats().rate).toBeLessThan(100)
    expect(await done).toBe(0)
  }, 30_000)

  it('steers at low rates too (a quota under 20 a second): follows it down and back up', async () => {
    const clock = new VirtualClock()
    let Q = 200
    const server = fixedWindowServer(clock, () => Q, { retryAfter: false })
    const attempts = new Map<number, number>()
    const send = () => {
      const second = Math.floor(clock.now() / 1000)
      attempts.set(second, (attempts.get(second) ?? 0) + 1)
      return server.send()
    }
    const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(5) })
    const done = runAll(pacer, 3000, 16, send)
    const lower = clock.sleep(5_000).then(() => (Q = 8))
    const raise = clock.sleep(25_000).then(() => (Q = 200))
    await clock.drive(Promise.all([done, lower, raise]))
    const at = (second: number) => server.accepted.get(second) ?? 0
    // At 8 a second: the quota saturated, and the rate learned within ten seconds (about
    // one attempt in five throttled, where a rate stuck at its first estimate sends 13).
    let sent = 0
    for (let second = 15; second < 25; second++) {
      expect(at(second)).toBe(8)
      sent += attempts.get(second) ?? 0
    }
    expect(sent).toBeLessThan(10 * 8 * 1.35)
    // Raised again: within fifteen seconds the rate follows.
    for (const second of [39, 40, 41]) expect(at(second)).toBeGreaterThanOrEqual(190)
    expect(await done).toBe(0)
  }, 30_000)

  it('with Retry-After, stays just under the quota, and climbs when it is raised', async () => {
    const clock = new VirtualClock()
    let Q = 100
    const server = fixedWindowServer(clock, () => Q, { retryAfter: true })
    const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(4) })
    const done = runAll(pacer, 16_000, 16, server.send)
    const raise = clock.sleep(20_000).then(() => (Q = 300))
    await clock.drive(Promise.all([done, raise]))
    const at = (second: number) => server.accepted.get(second) ?? 0
    // Learned from the first pauses: about 97 % of the quota, with no more pauses after.
    for (let second = 3; second < 20; second++) expect(at(second)).toBeGreaterThanOrEqual(95)
    // Raised at 20 s: after the hold and the probe the rate follows.
    for (const second of [75, 76, 77]) expect(at(second)).toBeGreaterThanOrEqual(285)
    expect(await done).toBe(0)
  }, 30_000)

  it('keeps its pace when timers fire early: no interval over the quota once the rate is learned', async () => {
    // A timer that fired before its deadline was taken as the deadline: the next send went
    // out then, and set the pace for the one after it. At 292 a second (3.4 ms apart), 1 ms
    // early each time made about 400 a second: each interval of a quota of 300 ran over it,
    // and its pause (Retry-After rounded up to a whole second) emptied most of the next
    // (Azure at Q = 300: 56–59 % of Q, interval after interval 300 then 3–30).
    const clock = new EarlyTimerClock(1)
    const Q = 300
    const sends: number[] = []
    const server = fixedWindowServer(clock, () => Q, { retryAfter: true, latencyMs: 3 })
    const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(12) })
    const send = () => {
      sends.push(clock.now())
      return server.send()
    }
    let failed = -1
    await clock.drive(runAll(pacer, 6000, 16, send).then((f) => (failed = f)))
    expect(failed).toBe(0)
    const rate = pacer.stats().rate!
    expect(rate).toBeGreaterThan(280)
    expect(rate).toBeLessThanOrEqual(Q)
    // The first interval, at full speed, teaches the rate; after it no 1-second span holds
    // more sends than the rate lets through (its 20 ms burst and one more).
    const learnedAt = sends[Q + 16]! + 1000
    let most = 0
    for (let i = 0, j = 0; i < sends.length; i++) {
      if (sends[i]! < learnedAt) continue
      while (sends[j]! < sends[i]! - 1000) j++
      most = Math.max(most, i - j + 1)
    }
    expect(most).toBeLessThanOrEqual(Math.ceil(rate * 1.02) + 1)
    // So every interval but the first two and the last is filled under the quota, with no
    // pause: at least 95 % of it each.
    const windows = fullWindows(server.accepted).slice(1)
    expect(Math.min(...windows)).toBeGreaterThanOrEqual(0.95 * Q)
    expect(server.throttledCount()).toBeLessThanOrEqual(16 + 16)
  }, 30_000)

  it('honours Retry-After to the millisecond when timers fire early: nothing is sent before a pause ends', async () => {
    // A pause's timer that fired a tick early was taken as the pause's end, and the first send
    // after it went out into the interval the server had said to wait out.
    const clock = new EarlyTimerClock(1)
    const Q = 200
    const sends: number[] = []
    const pauses: { from: number; until: number }[] = []
    const server = fixedWindowServer(clock, () => Q, { retryAfter: true })
    const pacer = new AdaptivePacer({ maxConcurrency: 8, clock, random: seededRandom(5) })
    const send = async () => {
      sends.push(clock.now())
      try {
        await server.send()
      } catch (e) {
        if (e instanceof Throttled && e.retryAfterMs)
          pauses.push({ from: clock.now(), until: clock.now() + e.retryAfterMs })
        throw e
      }
    }
    let failed = -1
    await clock.drive(runAll(pacer, 2000, 8, send).then((f) => (failed = f)))
    expect(failed).toBe(0)
    expect(pauses.length).toBeGreaterThan(0)
    const early = sends.filter((t) => pauses.some((p) => t > p.from && t < p.until))
    expect(early).toEqual([])
  }, 30_000)

  it('with Retry-After, learns the rate from the second before a throttle, not from a long spell since the last pause', async () => {
    const clock = new VirtualClock()
    let Q = 100
    const server = fixedWindowServer(clock, () => Q, { retryAfter: true })
    const pacer = new AdaptivePacer({ maxConcurrency: 8, clock, random: seededRandom(6) })
    // Full speed at first: the first pause teaches about 97 a second.
    await clock.drive(runAll(pacer, 300, 8, server.send))
    expect(pacer.stats().rate).toBeGreaterThan(90)
    expect(pacer.stats().rate).toBeLessThanOrEqual(100)
    // Then a slow stretch of the job (one request at a time, 80 a second) for five seconds,
    // nothing throttled, until the quota falls to 60 (another client takes its share).
    const before = server.throttledCount()
    let rateAfterThrottle: number | null = null
    const slow = async () => {
      for (let i = 0; i < 560; i++) {
        if (i === 400) Q = 60
        await pacer.run(server.send, classify)
        if (rateAfterThrottle === null && server.throttledCount() > before)
          rateAfterThrottle = pacer.stats().rate
        await clock.sleep(10.5)
      }
    }
    await clock.drive(slow())
    expect(server.throttledCount()).toBeGreaterThan(before)
    // The throttle's second held at most the quota's 60 and what the slow stretch sent in the
    // part of that second before the interval began (80 a second): the rate is set under
    // what the job was sending, not to the 400-odd accepted since the last pause.
    expect(rateAfterThrottle).not.toBeNull()
    expect(rateAfterThrottle!).toBeLessThan(80)
  }, 30_000)

  it('with Retry-After, throttled again at a learned rate, lowers it even when a second of answers held more than the quota', async () => {
    // Answers are counted when they come back: a second of them can hold a few of the last
    // interval's beside this one's (103 at a quota of 100). A rate learned from that count
    // (99.9) ran into the end of every interval; each pause, rounded up to a whole second,
    // emptied most of the next (Azure at Q = 100: 59 % of Q).
    const clock = new VirtualClock()
    // (a wide window of requests in flight, so that 103 can be answered together)
    const pacer = new AdaptivePacer({ maxConcurrency: 128, clock, random: seededRandom(9) })
    const answer = async (kind: 'ok' | 'throttled', count = 1) => {
      for (let i = 0; i < count; i++) {
        const ticket = await pacer.acquire()
        pacer.release(
          ticket,
          kind === 'ok' ? { kind: 'ok' } : { kind: 'throttled', retryAfterMs: 1000 }
        )
      }
    }
    // Full speed, then the first throttle: 100 answers in its second, a rate of 97.
    await clock.drive(answer('ok', 100))
    await clock.drive(answer('throttled'))
    expect(pacer.stats().rate).toBeCloseTo(97, 0)
    // Paced at 97 a second after the pause, 103 requests are sent and their answers come back
    // together, then the next throttle (the quota is still 100 an interval: the rate was too
    // high, though the second before the throttle counts 103).
    await clock.drive(clock.sleep(1000))
    const tickets: number[] = []
    await clock.drive(
      (async () => {
        for (let i = 0; i < 103; i++) tickets.push(await pacer.acquire())
      })()
    )
    for (const ticket of tickets) pacer.release(ticket, { kind: 'ok' })
    const before = pacer.stats().rate!
    await clock.drive(answer('throttled'))
    // (stats() gives the rate to a tenth)
    expect(pacer.stats().rate).toBeLessThanOrEqual(before * 0.97 + 0.05)
  })

  it('with Retry-After, comes down to just under the quota within two cycles when its first second spanned two intervals', async () => {
    // The first rate is counted from the second of answers before the first throttle. When
    // the job went full speed in the middle of an interval, after a slower stretch, that second
    // holds the slower tail of the last interval besides this one's quota: 354 at a quota of
    // 300, a rate of 343. Paced so, each interval after a pause runs into its quota and the
    // pause (Retry-After rounded up to the next whole second) empties most of the next; a
    // second of answers then counts what was sent (all of it accepted), so the rate came down
    // 3 % per two intervals, five such cycles before it fitted (Azure at Q = 300: 67.5 % of Q).
    const clock = new VirtualClock()
    const Q = 300
    const server = fixedWindowServer(clock, () => Q, { retryAfter: true, latencyMs: 3 })
    const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(13) })
    // A slower stretch (one at a time, 120 a second) for 2.5 s, then full speed.
    await clock.drive(
      (async () => {
        for (let i = 0; i < 300; i++) {
          await pacer.run(server.send, classify)
          await clock.sleep(1000 / 120 - 3)
        }
      })()
    )
    const start = Math.floor(clock.now() / 1000)
    let failed = -1
    await clock.drive(runAll(pacer, 6000, 16, server.send).then((f) => (failed = f)))
    expect(failed).toBe(0)
    const first = server.accepted.get(start)!
    expect(first).toBe(Q)
    // At most two more cycles (the interval a pause emptied, then one run into its quota),
    // and the interval the second pause emptied: from the sixth interval after the first
    // throttle on, every interval is filled to at least 95 % of the quota (3 % a cycle, the
    // rate fitted only in the thirteenth).
    const last = Math.max(...server.accepted.keys())
    const filled: number[] = []
    for (let k = start + 6; k < last; k++) filled.push(server.accepted.get(k) ?? 0)
    expect(filled.length).toBeGreaterThan(10)
    expect(Math.min(...filled)).toBeGreaterThanOrEqual(0.95 * Q)
    expect(pacer.stats().rate!).toBeLessThanOrEqual(Q)
  }, 30_000)

  it('with Retry-After, throttled once after running clean at a learned rate for a while, lowers it only 3 %', async () => {
    // Seconds after the pause, the rate ran under the quota: a lone throttle (a stall made up
    // in a burst, another client) says it is only just over, not by the larger step.
    const clock = new VirtualClock()
    const pacer = new AdaptivePacer({ maxConcurrency: 16, clock, random: seededRandom(10) })
    const answer = async (kind: 'ok' | 'throttled', count = 1) => {
      for (let i = 0; i < count; i++) {
        const ticket = await pacer.acquire()
        pacer.release(
          ticket,
          kind === 'ok' ? { kind: 'ok' } : { kind: 'throttled', retryAfterMs: 1000 }
        )
      }
    }
    await clock.drive(answer('ok', 100))
    await clock.drive(answer('throttled'))
    const learned = pacer.stats().rate!
    expect(learned).toBeCloseTo(97, 0)
    // Five seconds at that rate, every answer accepted, then one throttle.
    await clock.drive(answer('ok', 5 * 97))
    await clock.drive(answer('throttled'))
    expect(pacer.stats().rate).toBeCloseTo(learned * 0.97, 0)
  })

  it('lowers concurrency on overload and raises it again', async () => {
    const clock = new VirtualClock()
    const pacer = new AdaptivePacer({ maxConcurrency: 20, clock })
    let overloaded = true
    const send = async () => {
      await clock.sleep(5)
      if (overloaded) throw new Error('503')
    }
    const classify503 = (): PaceOutcome => ({ kind: 'overloaded' })
    const many = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () => pacer.run(send, classify503).catch(() => undefined))
      )
    await clock.drive(many(200))
    const low = pacer.stats().concurrency
    expect(low).toBeLessThan(5)
    overloaded = false
    await clock.drive(many(400))
    expect(pacer.stats().concurrency).toBe(20)
  }, 30_000)

  it('gives up on a request after its throttle retries, and on a Retry-After beyond the cap', async () => {
    const clock = new VirtualClock()
    const pacer = new AdaptivePacer({ maxConcurrency: 1, maxThrottleRetries: 3, clock })
    let attempts = 0
    const always = async () => {
      attempts++
      await clock.sleep(1)
      throw new Throttled()
    }
    let error: unknown
    await clock.drive(pacer.run(always, classify).catch((e) => (error = e)))
    expect(error).toBeInstanceOf(Throttled)
    expect(attempts).toBe(4)
    const capped = new AdaptivePacer({ maxConcurrency: 1, maxRetryAfterMs: 5000, clock })
    const longWait = async () => {
      throw new Throttled(3_600_000)
    }
    await clock.drive(capped.run(longWait, classify).catch((e) => (error = e)))
    expect((error as Error).message).toMatch(/asks to wait 3600 s/)
  }, 30_000)
})
