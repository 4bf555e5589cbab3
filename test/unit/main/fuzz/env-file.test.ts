// Property-based tests of the `.env` codec (docker compose, python-dotenv, Airflow's
// LocalFilesystemBackend grammar): decoding never throws and never repeats a value in a
// problem or warning; what encodeEnvFile/updateEnvFile write reads back exactly wherever
// they do not warn. Sizes and seed: test/support/fuzz.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeEnvFile,
  encodeEnvFile,
  updateEnvFile,
  type EnvFileDialect,
  type EnvFileLoader
} from '../../../../src-main/core/codecs/env-file'
import {
  FUZZ_TIMEOUT,
  MARKER,
  assertNoMarker,
  fuzzParams,
  nastyText,
  secretText,
  typedOutcome
} from '../../../support/fuzz'

const DIALECTS: readonly EnvFileDialect[] = ['compose', 'python-dotenv', 'airflow']
const LOADERS: readonly EnvFileLoader[] = ['compose', 'python-dotenv']

const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/)
const value = fc.oneof(secretText(), nastyText({ loneSurrogates: true }))
/**
 * A value for the decoding property: a line that is nothing but a word is a bare name, which
 * the messages do name (`A` with no "=" is how compose inherits a variable), so the secret
 * here never starts a line.
 */
const valueInLine = fc.oneof(
  fc
    .tuple(nastyText({ maxLength: 8 }), nastyText({ maxLength: 8 }))
    // eslint-disable-next-line no-control-regex -- the line breaks of the three loaders
    .map(([a, b]) => `${a.replace(/[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]/g, '')}x${MARKER}${b}`),
  nastyText({ loneSurrogates: true })
)

/** Lines of a `.env` file: assignments in every quoting, with noise between them. */
const envText = fc
  .array(
    fc.oneof(
      fc
        .tuple(
          fc.constantFrom('', 'export ', ' ', '\t'),
          name,
          fc.constantFrom('=', ' = ', '=', ': '),
          fc.constantFrom('', "'", '"'),
          valueInLine,
          fc.constantFrom('', "'", '"', ' # c', '\\')
        )
        .map(([pre, n, eq, q, v, post]) => `${pre}${n}${eq}${q}${v}${q}${post}`),
      fc.constantFrom('# comment', '', '   ', '=', 'export', '"', "'"),
      nastyText({ maxLength: 30 })
    ),
    { maxLength: 8 }
  )
  .chain((lines) => fc.constantFrom('\n', '\r\n', '\r').map((nl) => lines.join(nl)))

describe('fuzz: .env files', () => {
  it(
    'decodes any text with every loader, naming lines and names but never a value',
    () => {
      fc.assert(
        fc.property(
          envText,
          fc.constantFrom(...DIALECTS),
          fc.boolean(),
          fc.dictionary(name, value, { maxKeys: 2 }),
          (text, dialect, interpolate, environment) => {
            const decoded = decodeEnvFile(text, dialect, { interpolate, environment })
            assertNoMarker([...decoded.problems, ...decoded.warnings].map((p) => p.message))
            for (const p of [...decoded.problems, ...decoded.warnings])
              expect(p.line).toBeGreaterThanOrEqual(1)
          }
        ),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'writes values that both loaders read back exactly, unless it warns by name',
    () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.record({ name, value }), { maxLength: 6, selector: (v) => v.name }),
          fc.constantFrom(...LOADERS),
          (vars, prefer) => {
            const { text, warnings } = encodeEnvFile(vars, { prefer })
            assertNoMarker(warnings.map((w) => w.message))
            const warned = new Set(warnings.map((w) => w.name))
            for (const loader of LOADERS) {
              const got = new Map(decodeEnvFile(text, loader).value.map((v) => [v.name, v.value]))
              for (const v of vars)
                if (!warned.has(v.name))
                  expect(got.get(v.name), `${loader} ${v.name}`).toBe(v.value)
            }
            // docker compose, when preferred, reads back everything but NUL and lone surrogates
            // (python-dotenv cannot: it expands `${…}` in every quoting, and its quoted-value
            // regex reads a final `\"` as an escaped quote, so such values get a warning)
            if (prefer !== 'compose') return
            const got = new Map(decodeEnvFile(text, prefer).value.map((v) => [v.name, v.value]))
            for (const v of vars)
              if (!/\0|[\uD800-\uDFFF]/.test(v.value)) expect(got.get(v.name)).toBe(v.value)
          }
        ),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'rewrites a file in place so the loader reads the changes and keeps the rest, or refuses with a typed error',
    () => {
      fc.assert(
        fc.property(
          envText,
          fc.array(fc.record({ name, value: fc.option(value, { nil: null }) }), { maxLength: 4 }),
          fc.constantFrom(...LOADERS),
          (text, changes, loader) => {
            const before = decodeEnvFile(text, loader, { interpolate: false })
            const out = typedOutcome(() => updateEnvFile(text, changes, loader))
            if (!out.value) return
            assertNoMarker(out.value.warnings.map((w) => w.message))
            const after = new Map(
              decodeEnvFile(out.value.text, loader, { interpolate: false }).value.map((v) => [
                v.name,
                v.value
              ])
            )
            const wanted = new Map(changes.map((c) => [c.name, c.value]))
            for (const v of before.value)
              if (!wanted.has(v.name)) expect(after.get(v.name)).toBe(v.value)
            const resolved = new Map(
              decodeEnvFile(out.value.text, loader).value.map((v) => [v.name, v.value])
            )
            for (const [n, v] of wanted)
              if (v === null) expect(resolved.has(n)).toBe(false)
              else expect(resolved.get(n)).toBe(v)
          }
        ),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )
})
