// The fast path of the compose `.env` decoder (env-file/compose-fast.ts) against the exact
// decoder (decodeEnvFile, compose rules): on generated files it either declines or gives the
// exact path's names and values, in its order, and only for files the exact path reads
// without a problem. It must also answer for the plain files Airlock writes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeEnvFile, encodeEnvFile } from '../../../../../src-main/core/codecs/env-file'
import { decodeComposeFast } from '../../../../../src-main/core/codecs/env-file/compose-fast'
import {
  composeReadsLiterally,
  encodeValue,
  pythonReadsLiterally
} from '../../../../../src-main/core/codecs/env-file/encode'
import { FUZZ_TIMEOUT, fuzzParams } from '../../../../support/fuzz'

const bytesOf = (text: string) => new TextEncoder().encode(text)

/** The fast path through both slicers the backend and the default use. */
function fast(text: string): [string, string][] | undefined {
  const bytes = bytesOf(text)
  const byDefault = decodeComposeFast(bytes)
  const buf = Buffer.from(bytes)
  const byBuffer = decodeComposeFast(buf, (start, end, ascii) =>
    buf.toString(ascii ? 'latin1' : 'utf8', start, end)
  )
  expect(byBuffer && [...byBuffer]).toEqual(byDefault && [...byDefault])
  return byDefault && [...byDefault]
}

function exact(text: string): { vars: [string, string][]; problems: number } {
  const decoded = decodeEnvFile(text, 'compose')
  return {
    vars: decoded.value.map((v) => [v.name, v.value]),
    problems: decoded.problems.length
  }
}

/** Pieces of `.env` lines: names, quotes, escapes, `$`, comments, blanks, non-ASCII. */
const piece = fc.constantFrom(
  ...'AZaz09_.-[]=\'"\\$#: \t\r\v\f{}@/%?é日'.split(''),
  'AIRFLOW_CONN_A',
  'AIRFLOW_VAR_B',
  'export ',
  '\u00a0',
  '\x85',
  '\u2028',
  '\u3000',
  '\ufeff',
  '${X}',
  '$X',
  ' #',
  '\n'
)
const line = fc.array(piece, { maxLength: 12 }).map((xs) => xs.join(''))
/** Lines that are mostly plain assignments, so the fast path answers often. */
const plainLine = fc
  .tuple(
    fc.constantFrom('A', 'B', 'AIRFLOW_CONN_X', 'AIRFLOW_VAR_Y', 'a.b-c[0]', 'export'),
    fc.constantFrom('', "'", '"'),
    fc.array(piece, { maxLength: 8 }).map((xs) => xs.join('')),
    fc.constantFrom('', "'", '"', ' ', ' # c', '\r')
  )
  .map(([name, open, body, close]) => `${name}=${open}${body}${open ? close || open : close}`)
const file = fc
  .array(fc.oneof(line, plainLine, plainLine, fc.constantFrom('', '# note', '#')), {
    maxLength: 8
  })
  .chain((lines) => fc.constantFrom(lines.join('\n'), lines.join('\n') + '\n'))

describe('env-file codec: the compose fast path', () => {
  it(
    'declines, or reads what the exact decoder reads without a problem',
    () => {
      let answered = 0
      fc.assert(
        fc.property(file, (text) => {
          const got = fast(text)
          if (got === undefined) return
          answered++
          const want = exact(text)
          expect(want.problems).toBe(0)
          expect(got).toEqual(want.vars)
        }),
        fuzzParams(3000)
      )
      // the property means something only when the fast path answers often enough
      expect(answered).toBeGreaterThan(100)
    },
    FUZZ_TIMEOUT
  )

  it.each([
    ['A=1\nB=x y\n', undefined],
    [
      'A=\'x\'\n#c\n\nB="y"',
      [
        ['A', 'x'],
        ['B', 'y']
      ]
    ],
    [
      'A=\nB=a#b\nC=xéy\n',
      [
        ['A', ''],
        ['B', 'a#b'],
        ['C', 'xéy']
      ]
    ],
    ['A=1\nA=2\n', undefined],
    ['A=$B\n', undefined],
    ["A='x' # c\n", undefined],
    ['A="a\\n"\n', undefined],
    ['\ufeffA=1\n', undefined],
    ['A=1\r\n', undefined]
  ] as const)('reads %j as %j', (text, want) => {
    expect(fast(text)).toEqual(want)
    if (want) expect(exact(text)).toEqual({ vars: want, problems: 0 })
  })

  it('answers for the files Airlock writes', () => {
    const vars = [
      ['AIRFLOW_CONN_DB', 'postgres://u:p%40ss@h:5432/s?__extra__=%7B%7D'],
      ['AIRFLOW_VAR_JSON', '{"rows": ["a b", "é#c"]}'],
      ['AIRFLOW_VAR_PLAIN', 'eu-west-1'],
      ['AIRFLOW_VAR_EMPTY', '']
    ] as const
    const text = encodeEnvFile(vars.map(([name, value]) => ({ name, value }))).text
    expect(fast(text)).toEqual(vars.map(([n, v]) => [n, v]))
  })
})

// names plain and not, some twice; values of the characters that decide quoting and reading,
// lone surrogates among them (the file compose reads is UTF-8): for both loaders' rules
const name = fc.constantFrom('A', 'B_1', '_x', 'a.b', '1A', 'C D', 'export')
const value = fc.string({
  unit: fc.constantFrom(
    'a',
    'Z',
    '9',
    ' ',
    '#',
    "'",
    '"',
    '\\',
    '$',
    '{',
    '}',
    '=',
    ':',
    '%',
    'é',
    '\n',
    '\r',
    '\t',
    '\u00a0',
    '\x85',
    '\u2028',
    '\ufeff',
    '\ud800',
    '\udc00',
    '😀'
  ),
  maxLength: 8
})

describe('python-dotenv read-back of lines it reads literally (encode.ts pythonReadsLiterally)', () => {
  it(
    'is told only of files python-dotenv reads back exactly, and of the plain files Airlock writes',
    () => {
      let literal = 0
      fc.assert(
        fc.property(fc.array(fc.tuple(name, value), { maxLength: 6 }), (pairs) => {
          const vars = pairs.map(([n, v]) => ({ name: n, value: v }))
          const text = encodeEnvFile(vars).text
          const all = vars.every((v) =>
            pythonReadsLiterally(v.name, encodeValue(v.value, 'compose'), v.value)
          )
          if (!all) return
          literal++
          // the exact decoder's reading: every name, its last value, no problem
          const decoded = decodeEnvFile(text, 'python-dotenv')
          expect(decoded.problems).toEqual([])
          expect(new Map(decoded.value.map((v) => [v.name, v.value]))).toEqual(
            new Map(vars.map((v) => [v.name, v.value]))
          )
        }),
        fuzzParams(3000)
      )
      expect(literal).toBeGreaterThan(100)
      // what a connection's URI and a JSON variable are written as
      for (const v of ['postgres://u:p%40@db:5432/x', '{"rows": ["a b", "c#d"]}', ''])
        expect(pythonReadsLiterally('AIRFLOW_VAR_X', encodeValue(v, 'compose'), v)).toBe(true)
      // and what it is not told of
      expect(pythonReadsLiterally('AIRFLOW_VAR_X', "'${HOME}'", '${HOME}')).toBe(false)
      expect(pythonReadsLiterally('AIRFLOW_VAR_X', "'a\\\\b'", 'a\\b')).toBe(false)
      expect(pythonReadsLiterally('A B', 'x', 'x')).toBe(false)
    },
    FUZZ_TIMEOUT
  )
})

describe('compose read-back of lines it reads literally (encode.ts composeReadsLiterally)', () => {
  it(
    'is told only of files compose reads back exactly, and of the plain files Airlock writes',
    () => {
      let literal = 0
      fc.assert(
        fc.property(fc.array(fc.tuple(name, value), { maxLength: 6 }), (pairs) => {
          const vars = pairs.map(([n, v]) => ({ name: n, value: v }))
          if (new Set(vars.map((v) => v.name)).size !== vars.length) return
          const text = encodeEnvFile(vars).text
          const all = vars.every((v) =>
            composeReadsLiterally(v.name, encodeValue(v.value, 'compose'), v.value)
          )
          if (!all) return
          literal++
          // the exact decoder's reading of the file's UTF-8: every name, its value, no problem
          const decoded = decodeEnvFile(Buffer.from(text, 'utf8').toString('utf8'), 'compose')
          expect(decoded.problems).toEqual([])
          expect(new Map(decoded.value.map((v) => [v.name, v.value]))).toEqual(
            new Map(vars.map((v) => [v.name, v.value]))
          )
        }),
        fuzzParams(3000)
      )
      expect(literal).toBeGreaterThan(100)
      // what a connection's URI and a JSON variable are written as
      for (const v of ['postgres://u:p%40@db:5432/x?a=b&c=d', '{"rows": ["a b", "c#d"]}', ''])
        expect(composeReadsLiterally('AIRFLOW_VAR_X', encodeValue(v, 'compose'), v)).toBe(true)
      // and what it is not told of
      expect(composeReadsLiterally('AIRFLOW_VAR_X', "'a\ud800'", 'a\ud800')).toBe(false)
      expect(composeReadsLiterally('AIRFLOW_VAR_X', "'${HOME}'", '${HOME}')).toBe(false)
      expect(composeReadsLiterally('A B', 'x', 'x')).toBe(false)
    },
    FUZZ_TIMEOUT
  )

  it('warns as the whole read-back does on files of literal lines and others', () => {
    // encodeEnvFile skips a loader's read-back when every line is literal to it: it warns
    // exactly where reading the text back with both loaders' exact decoders misses a value
    const prefers = ['compose', 'python-dotenv'] as const
    const reread = (vars: { name: string; value: string }[], prefer: (typeof prefers)[number]) => {
      const text = encodeEnvFile(vars, { prefer }).text
      const out: string[] = []
      for (const loader of ['compose', 'python-dotenv'] as const) {
        const decoded = decodeEnvFile(text, loader)
        const got = new Map(decoded.value.map((v) => [v.name, v.value]))
        for (const v of vars) if (got.get(v.name) !== v.value) out.push(`${loader} ${v.name}`)
      }
      return out
    }
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 6 }), (pairs) => {
        const vars = pairs.map(([n, v]) => ({ name: n, value: v }))
        if (new Set(vars.map((v) => v.name)).size !== vars.length) return
        for (const prefer of prefers) {
          const readsBack = reread(vars, prefer).length === 0
          const warned = encodeEnvFile(vars, { prefer }).warnings.some((w) =>
            / back\.$|differently|cannot read the line/.test(w.message)
          )
          expect(warned).toBe(!readsBack)
        }
      }),
      fuzzParams(2000)
    )
  })
})
