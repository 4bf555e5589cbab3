// The byte-level listing of a JSON export file's members (airflow-files-fast.ts) against the
// text one (rawFileItems(text, 'json')): on generated files, well-formed or not, both give
// the same members or both decline.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonObjectKeys, rawFileItems } from '../../../../../src-main/core/codecs/airflow-files'
import { jsonObjectMembersOfBytes } from '../../../../../src-main/core/codecs/airflow-files-fast'
import { FUZZ_TIMEOUT, fuzzParams } from '../../../../support/fuzz'

function bytesWay(text: string): [string, string][] | undefined {
  const bytes = new TextEncoder().encode(text)
  const byDefault = jsonObjectMembersOfBytes(bytes)
  const buf = Buffer.from(bytes)
  const byBuffer = jsonObjectMembersOfBytes(buf, (start, end, ascii) =>
    buf.toString(ascii ? 'latin1' : 'utf8', start, end)
  )
  expect(byBuffer).toEqual(byDefault)
  return byDefault
}

/** JSON-ish text: strings with escapes and non-ASCII, nesting, blanks, stray characters. */
const atom = fc.oneof(
  fc.constantFrom('1', 'null', 'true', '-2.5e3', 'NaN', '[]', '{}', '"é"', '"\\u00e9"', '"\\""'),
  fc
    .array(fc.constantFrom(...'ab é日\\"/\n\t\u2028\ufeff'.split(''), '\\n', '\\\\', '\\u0041'), {
      maxLength: 6
    })
    .map((xs) => JSON.stringify(xs.join(''))),
  fc.constantFrom('"', '\\', '}', ']', ',', ':', ' ', 'é', '{"a":', '[1,')
)
const value: fc.Arbitrary<string> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.array(tie('v'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
    fc
      .array(fc.tuple(atom, tie('v')), { maxLength: 3 })
      .map((xs) => `{${xs.map(([k, v]) => `${k}: ${v}`).join(',\n ')}}`)
  )
})).v
const key = fc.oneof(
  fc.constantFrom('"conn_a"', '"conn_b"', '"é"', '"a\\u00e9"', '"\\ud83d"', '"a\\"b"', '"x'),
  atom
)
const file = fc
  .tuple(
    fc.constantFrom('', ' ', '\n', '\ufeff'),
    fc.array(fc.tuple(key, fc.constantFrom(':', ': ', ' :\n'), value), { maxLength: 5 }),
    fc.constantFrom('}', '}\n', '} x', '', ',}')
  )
  .map(
    ([lead, members, close]) =>
      `${lead}{${members.map(([k, c, v]) => k + c + v).join(', ')}${close}`
  )

describe('airflow-files codec: JSON members from bytes, and keys alone', () => {
  it(
    'lists what the text listing lists, or declines where it declines',
    () => {
      let listed = 0
      fc.assert(
        fc.property(file, (text) => {
          const want = rawFileItems(text, 'json')
          if (want) listed++
          expect(bytesWay(text)).toEqual(want)
          expect(jsonObjectKeys(text)).toEqual(want?.map(([k]) => k))
        }),
        fuzzParams(3000)
      )
      expect(listed).toBeGreaterThan(100)
    },
    FUZZ_TIMEOUT
  )

  it('lists an export file member by member, non-ASCII and escapes decoded in keys only', () => {
    const text = JSON.stringify(
      { 'a\u00e9': { conn_type: 'http', password: 'p\u00e9\\"' }, b: 'x' },
      null,
      4
    )
    expect(bytesWay(text)).toEqual(rawFileItems(text, 'json'))
    expect(bytesWay(text)?.map(([k]) => k)).toEqual(['a\u00e9', 'b'])
  })
})
