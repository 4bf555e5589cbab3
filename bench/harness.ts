/** Shared pieces of `npm run bench`: repetition, median and spread, seeded data. */

/** One line of the report: Airlock's figure, its anchor in the same run, and the goal. */
export interface BenchFigure {
  name: string
  airlock: { value: number; unit: string; spread: number }
  anchor?: { name: string; value: number; unit: string; spread: number }
  /** Airlock relative to the anchor (> 1 is better), when there is one. */
  ratio?: number
  goal: string
  pass: boolean
}

export interface BenchContext {
  smoke: boolean
}

/** Runs `fn` `reps` times; the median and the spread ((max − min) / median) of its results. */
export function measure(
  reps: number,
  fn: () => number
): { median: number; spread: number; samples: number[] } {
  const samples = Array.from({ length: reps }, fn).sort((a, b) => a - b)
  const median = samples[Math.floor(samples.length / 2)]!
  return { median, spread: (samples[samples.length - 1]! - samples[0]!) / median, samples }
}

/** A small seeded PRNG (mulberry32): the same data every run. */
export { seededRandom as rng } from '../test/support/seeded-random'
