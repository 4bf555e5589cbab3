/**
 * Shared set-up of the property-based (fuzz) tests in test/unit/main/fuzz: one seed, a small
 * CI run per property, and a nightly size chosen by environment variables:
 *
 *   AIRLOCK_FUZZ_RUNS=100000 npx vitest run --project unit-main test/unit/main/fuzz
 *   AIRLOCK_FUZZ_SEED=12345  (replays another seed; a failure prints its seed and path)
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import { reportFigure } from './figures'
import { AirlockError } from '../../src-main/core/errors'

const envRuns = Number(process.env.AIRLOCK_FUZZ_RUNS)
/** Cases per property when the nightly size is asked for, else undefined. */
export const NIGHTLY_RUNS = Number.isInteger(envRuns) && envRuns > 0 ? envRuns : undefined
/** The seed of every property (fixed, so CI runs are reproducible). */
export const FUZZ_SEED = Number(process.env.AIRLOCK_FUZZ_SEED ?? 20261123) | 0
/** Per-test timeout: generous for CI sizes, none worth speaking of for nightly sizes. */
export const FUZZ_TIMEOUT = NIGHTLY_RUNS ? 12 * 3600_000 : 30_000

/** fast-check parameters: `ci` cases in CI, AIRLOCK_FUZZ_RUNS cases per property nightly. */
export function fuzzParams(ci: number): fc.Parameters<unknown> {
  const numRuns = NIGHTLY_RUNS ? Math.max(ci, NIGHTLY_RUNS) : ci
  reportFigure({ kind: 'fuzz', property: expect.getState().currentTestName ?? '?', runs: numRuns })
  return { seed: FUZZ_SEED, numRuns }
}

/**
 * A marker no codec can produce on its own: every generated secret contains it, and no
 * error message, problem or warning may. Letters and digits only, so no encoding changes it.
 */
export const MARKER = 'Zx9SECRETq7Kw'

/** Characters that matter to the formats under test (delimiters, quotes, escapes, blanks). */
const SPECIAL = [
  ...'%:/@?#[]{}"\'\\=&+;,$`*!~()<>| \t\r\n\v\f\0',
  '\x1c',
  '\x85',
  '\u00a0',
  '\u2028',
  '\u3000',
  '%2F',
  '%40',
  '%3A',
  '%ZZ',
  '://',
  '${X}',
  '$X',
  '\\n',
  '\\"',
  '__extra__',
  'é',
  '😀'
]

/** One unit of text: mostly ASCII, often a special character, sometimes any code point. */
const unit = (loneSurrogates: boolean): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
    { weight: 4, arbitrary: fc.constantFrom(...SPECIAL) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    ...(loneSurrogates
      ? [
          {
            weight: 1,
            arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map(String.fromCharCode)
          }
        ]
      : [])
  )

/** Text made for breaking parsers (delimiters, escapes, non-ASCII; lone surrogates optional). */
export function nastyText(
  options: { minLength?: number; maxLength?: number; loneSurrogates?: boolean } = {}
): fc.Arbitrary<string> {
  return fc.string({
    unit: unit(options.loneSurrogates ?? false),
    minLength: options.minLength ?? 0,
    maxLength: options.maxLength ?? 24
  })
}

/** A secret: nasty text around the marker. */
export function secretText(): fc.Arbitrary<string> {
  return fc
    .tuple(nastyText({ maxLength: 8 }), nastyText({ maxLength: 8 }))
    .map(([a, b]) => `${a}${MARKER}${b}`)
}

/**
 * Runs `fn`; anything it throws must be an AirlockError (CodecError is one) whose message
 * does not hold the marker. Returns the error, or undefined when nothing was thrown.
 */
export function typedOutcome<T>(fn: () => T): { value?: T; error?: AirlockError } {
  try {
    return { value: fn() }
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error
    assertNoMarker([error.message, error.userMessage])
    return { error }
  }
}

/** The async form of {@link typedOutcome}. */
export async function typedOutcomeAsync<T>(
  fn: () => Promise<T>
): Promise<{ value?: T; error?: AirlockError }> {
  try {
    return { value: await fn() }
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error
    assertNoMarker([error.message, error.userMessage])
    return { error }
  }
}

/** Fails (without printing the text: it may hold a secret) when any text holds the marker. */
export function assertNoMarker(texts: Iterable<string | null | undefined>): void {
  let i = 0
  for (const t of texts) {
    if (t && t.includes(MARKER))
      throw new Error(`message ${i} holds the secret marker (the generated secret leaked)`)
    i++
  }
}
