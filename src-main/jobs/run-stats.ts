/**
 * The figures of one run of a job (journal.ts `RunStats`): its counts, the target's pacer
 * counters over the run, and its progress sampled about once a second, kept bounded so a
 * long job's journal does not grow with its duration.
 */
import type { PacerStats } from '../backends/pacer'
import type { RunStats } from './journal'

/** The most samples a run keeps; past it, every other one is dropped and the interval doubles. */
export const MAX_SAMPLES = 240

/** Counts the run has reached at some moment. */
export interface RunCounts {
  applied: number
  failed: number
  refused: number
  retries: number
}

/** Samples a running job and sums it up when it ends. */
export class RunRecorder {
  private readonly started = Date.now()
  private readonly samples: [number, number, number, number][] = []
  private interval = 1000
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly pacerAtStart: PacerStats | undefined

  constructor(
    private readonly run: RunStats['run'],
    private readonly counts: () => RunCounts,
    private readonly pacer: (() => PacerStats) | undefined
  ) {
    // a copy: the counters go on changing under the run
    const atStart = pacer?.()
    this.pacerAtStart = atStart ? { ...atStart } : undefined
    this.sample()
    this.schedule()
  }

  private throttled(): number {
    return this.pacer ? this.pacer().throttled - (this.pacerAtStart?.throttled ?? 0) : 0
  }

  private sample(): void {
    const c = this.counts()
    this.samples.push([Date.now() - this.started, c.applied, c.failed, this.throttled()])
    if (this.samples.length > MAX_SAMPLES) {
      // keep the first, every other one after it, and the newest: evenly spaced, bounded
      const last = this.samples.at(-1)!
      const kept = this.samples.filter((_, i) => i % 2 === 0)
      if (kept.at(-1) !== last) kept.push(last)
      this.samples.splice(0, this.samples.length, ...kept)
      this.interval *= 2
      this.schedule()
    }
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = setInterval(() => this.sample(), this.interval)
    // a sample is never a reason to keep the process alive
    this.timer.unref?.()
  }

  /** Stops sampling; the run's figures, the last sample taken now. */
  finish(cancelled: boolean): RunStats {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.sample()
    const c = this.counts()
    const now = this.pacer?.()
    const delta = (k: 'throttled' | 'overloaded' | 'sent') =>
      now ? now[k] - (this.pacerAtStart?.[k] ?? 0) : 0
    return {
      run: this.run,
      startedAt: new Date(this.started).toISOString(),
      durationMs: Date.now() - this.started,
      cancelled,
      applied: c.applied,
      failed: c.failed,
      refused: c.refused,
      retries: c.retries,
      throttled: delta('throttled'),
      overloaded: delta('overloaded'),
      requests: now ? delta('sent') : null,
      samples: [...this.samples]
    }
  }
}
