import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_SAMPLES, RunRecorder } from '../../../../src-main/jobs/run-stats'
import type { PacerStats } from '../../../../src-main/backends/pacer'

describe('run recorder', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('samples about once a second and sums the run up', () => {
    const counts = { applied: 0, failed: 0, refused: 0, retries: 0 }
    const recorder = new RunRecorder('apply', () => counts, undefined)
    for (let s = 1; s <= 5; s++) {
      counts.applied = s * 10
      vi.advanceTimersByTime(1000)
    }
    counts.failed = 1
    const stats = recorder.finish(false)
    expect(stats.samples.map(([t, done]) => [t, done])).toEqual([
      [0, 0],
      [1000, 10],
      [2000, 20],
      [3000, 30],
      [4000, 40],
      [5000, 50],
      [5000, 50]
    ])
    expect(stats).toMatchObject({
      run: 'apply',
      durationMs: 5000,
      cancelled: false,
      applied: 50,
      failed: 1,
      requests: null
    })
  })

  it('keeps at most MAX_SAMPLES evenly spaced samples of a long run', () => {
    const counts = { applied: 0, failed: 0, refused: 0, retries: 0 }
    const recorder = new RunRecorder('resume', () => counts, undefined)
    for (let s = 1; s <= 3 * 3600; s++) {
      counts.applied = s
      vi.advanceTimersByTime(1000)
    }
    const { samples } = recorder.finish(true)
    expect(samples.length).toBeLessThanOrEqual(MAX_SAMPLES + 1)
    expect(samples.length).toBeGreaterThan(MAX_SAMPLES / 4)
    expect(samples[0]![0]).toBe(0)
    expect(samples.at(-1)).toEqual([3 * 3600 * 1000, 3 * 3600, 0, 0])
    // cumulative and in time order, with gaps no wider than twice the common interval
    const gaps = samples.slice(1).map((s, i) => s[0] - samples[i]![0])
    expect(gaps.every((g) => g >= 0)).toBe(true)
    const common = gaps.sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!
    expect(Math.max(...gaps)).toBeLessThanOrEqual(common * 2)
    for (let i = 1; i < samples.length; i++)
      expect(samples[i]![1]).toBeGreaterThanOrEqual(samples[i - 1]![1])
  })

  it("counts the target's requests, throttles and overloads during the run only", () => {
    const pacer: PacerStats = {
      sent: 100,
      throttled: 5,
      overloaded: 2,
      throttleRetries: 5,
      rate: null,
      concurrency: 4,
      pausedMs: 0
    }
    const counts = { applied: 0, failed: 0, refused: 0, retries: 0 }
    const recorder = new RunRecorder(
      'apply',
      () => counts,
      () => pacer
    )
    pacer.sent = 130
    pacer.throttled = 8
    pacer.overloaded = 3
    vi.advanceTimersByTime(1000)
    const stats = recorder.finish(false)
    expect(stats).toMatchObject({ requests: 30, throttled: 3, overloaded: 1 })
    expect(stats.samples.at(-1)![3]).toBe(3)
  })
})
