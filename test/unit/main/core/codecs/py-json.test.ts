import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { PyDict } from '../../../../../src-main/core/codecs/py-json'
import {
  comparePyStrings,
  digitTextIsNotJson,
  isJsonObjectText,
  PyDict as PyDictClass,
  PyFloat,
  PyJsonDecodeError,
  pyEquals,
  pyFloatRepr,
  pyJsonCanonicalObject,
  pyJsonDumps,
  pyJsonLoads,
  pyJsonTryLoads
} from '../../../../../src-main/core/codecs/py-json'
import { runPython } from '../../../../support/python'
import { FUZZ_TIMEOUT, fuzzParams } from '../../../../support/fuzz'

const jsonTexts = [
  '{"b": 1, "1": 2, "a": [1.0, 1e3, -0, -0.0, 1E-7, 123456789012345678901234567890]}',
  '{"x": NaN, "y": Infinity, "z": -Infinity}',
  '{"u": "\\u00e9\\ud83d\\ude00\\ud800 tab\\t", "k": "k", "k": "second"}',
  '[true, false, null, "", {}, []]',
  '  {"nested": {"deep": {"é": "日本"}}}  ',
  '0.1',
  '1e16',
  '1e15',
  '0.0001',
  '0.00001',
  '5e-324',
  '1.7976931348623157e308',
  '"\\/"'
]

describe('python json port', () => {
  it('dumps what Python dumps after loading the same text (default, indent, sort_keys)', () => {
    const py = runPython<string[][]>(
      `import json,sys
print(json.dumps([[json.dumps(json.loads(t)), json.dumps(json.loads(t), indent=2, sort_keys=True), json.dumps(json.loads(t), indent=4, ensure_ascii=False)] for t in json.load(sys.stdin)]))`,
      jsonTexts
    )
    jsonTexts.forEach((t, i) => {
      const v = pyJsonLoads(t)
      expect(pyJsonDumps(v), t).toBe(py[i]![0])
      expect(pyJsonDumps(v, { indent: 2, sortKeys: true }), t).toBe(py[i]![1])
      expect(pyJsonDumps(v, { indent: 4, ensureAscii: false }), t).toBe(py[i]![2])
    })
  })

  it('formats floats exactly as Python repr does', () => {
    const floats = fc.sample(fc.double({ noNaN: true }), { numRuns: 2000, seed: 11 })
    const py = runPython<string[]>(
      'import json,sys\nprint(json.dumps([repr(float(x)) for x in json.load(sys.stdin)]))',
      floats.map((x) => (Object.is(x, -0) ? '-0.0' : String(x)))
    )
    floats.forEach((x, i) =>
      expect(pyFloatRepr(x), String(x)).toBe(
        py[i]!.replace('-inf', '-Infinity').replace(/^inf$/, 'Infinity')
      )
    )
  })

  it('rejects what Python rejects, with its messages', () => {
    const bad = [
      '',
      '{',
      '{"a" 1}',
      '[1,]',
      '{"a":1,}',
      'tru',
      '01',
      '"\u0001"',
      '"\\x"',
      '{"a":1} x',
      "{'a':1}"
    ]
    const py = runPython<(string | null)[]>(
      `import json,sys
out=[]
for t in json.load(sys.stdin):
    try: json.loads(t); out.append(None)
    except json.JSONDecodeError as e: out.append(str(e))
print(json.dumps(out))`,
      bad
    )
    bad.forEach((t, i) => {
      let message: string | null = null
      try {
        pyJsonLoads(t)
      } catch (error) {
        expect(error).toBeInstanceOf(PyJsonDecodeError)
        message = (error as PyJsonDecodeError).userMessage
      }
      expect(message, JSON.stringify(t)).toBe(py[i])
    })
  })

  it('round-trips arbitrary JSON values through dumps and loads', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value)
        const once = pyJsonDumps(pyJsonLoads(text))
        expect(pyJsonDumps(pyJsonLoads(once))).toBe(once)
        expect(pyEquals(pyJsonLoads(once), pyJsonLoads(text))).toBe(true)
      }),
      { seed: 5, numRuns: 500 }
    )
  })

  it('keeps key order, ints and floats apart, and compares like Python', () => {
    const v = pyJsonLoads('{"2": 1, "1": 1.0}') as PyDict
    expect([...v.keys()]).toEqual(['2', '1'])
    expect(v.get('2')).toBe(1n)
    expect(v.get('1')).toBeInstanceOf(PyFloat)
    expect(pyEquals(1n, new PyFloat(1))).toBe(true)
    expect(pyEquals(true, 1n)).toBe(true)
    expect(pyEquals(new PyFloat(NaN), new PyFloat(NaN))).toBe(false)
    expect(pyEquals('1', 1n)).toBe(false)
  })

  it('compares decoded values as Python does, NaN members included', () => {
    // json decodes every NaN to one shared float, and a list or dict takes a member as equal
    // to itself: NaN equals NaN inside containers but not at the top
    const texts = [
      'NaN',
      ' NaN',
      '[NaN]',
      '[ NaN ]',
      '[NaN, 1]',
      '[1, NaN]',
      '{"a": NaN}',
      '{"a":NaN}',
      '{"a": [NaN]}',
      '{"a": {"b": NaN}}',
      '{"a": {"b": NaN }}',
      '{"a": NaN, "b": 1}',
      '{"b": 1, "a": NaN}',
      '{"a": 1.0}',
      '{"a": 1}',
      '{"a": true}',
      '[Infinity]',
      '[1e999]',
      '[-Infinity]',
      '[0]',
      '[-0.0]',
      '{"a": -Infinity}'
    ]
    const pairs = texts.flatMap((a) => texts.map((b) => [a, b] as const))
    const py = runPython<boolean[]>(
      `import json,sys
print(json.dumps([json.loads(a) == json.loads(b) for a, b in json.load(sys.stdin)]))`,
      pairs
    )
    pairs.forEach(([a, b], i) =>
      expect(pyEquals(pyJsonLoads(a), pyJsonLoads(b)), `${a} == ${b}`).toBe(py[i])
    )
  })
})

// Found by test/unit/main/fuzz/connection-codecs.test.ts: deep nesting overflowed the
// parser's stack (a RangeError, "internal error" in the CLI) where Python raises
// RecursionError. Python's own limit, from the top of a fresh stack, is the oracle.
describe('python json port: nesting depth', () => {
  const nested = (n: number, open: string, close: string, inner = '') =>
    open.repeat(n) + inner + close.repeat(n)
  const oracle = runPython<boolean[]>(
    `import json, sys
out = []
for text in json.load(sys.stdin):
    try:
        json.loads(text); out.append(True)
    except RecursionError:
        out.append(False)
print(json.dumps(out))`,
    [
      nested(995, '[', ']'),
      nested(996, '[', ']'),
      nested(995, '{"a":', '}', '1'),
      nested(996, '{"a":', '}', '1')
    ]
  )

  it('decodes as deep as Python does and refuses deeper with a typed error', () => {
    expect(oracle).toEqual([true, false, true, false])
    expect(() => pyJsonLoads(nested(995, '[', ']'))).not.toThrow()
    expect(() => pyJsonLoads(nested(995, '{"a":', '}', '1'))).not.toThrow()
    expect(() => pyJsonLoads(nested(996, '{"a":', '}', '1'))).toThrow(PyJsonDecodeError)
    for (const text of [nested(996, '[', ']'), nested(100_000, '[', ']')])
      expect(() => pyJsonLoads(text)).toThrow(PyJsonDecodeError)
    expect(() => pyJsonLoads(nested(100_000, '{"a":', '}', '1'))).toThrow(/Nested more than 995/)
  })
})

describe('isJsonObjectText (the check validateExtra makes before any parser)', () => {
  /** How deep a JSON text nests (outside strings). */
  function depthOf(text: string): number {
    let depth = 0
    let max = 0
    let inString = false
    for (let k = 0; k < text.length; k++) {
      const c = text[k]
      if (inString) {
        if (c === '\\') k++
        else if (c === '"') inString = false
      } else if (c === '"') inString = true
      else if (c === '{' || c === '[') max = Math.max(max, ++depth)
      else if (c === '}' || c === ']') depth--
    }
    return max
  }
  /** What it must say: JSON.parse gives a plain object, at most 31 levels deep (the top is one). */
  function expected(text: string): boolean {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return false
    }
    return (
      value !== null && typeof value === 'object' && !Array.isArray(value) && depthOf(text) <= 31
    )
  }
  const token = fc.constantFrom(
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    ' ',
    '\n',
    '\t',
    '\r',
    '\u00a0',
    '"',
    '"a"',
    '"\\',
    '\\"',
    '\\u00e9',
    '\\u12',
    '\\x',
    '\\/',
    '\u0001',
    '\ud800',
    '0',
    '-',
    '-0',
    '01',
    '1.',
    '.5',
    '1.5',
    '1e5',
    '1E+5',
    '1e',
    '-1.0e-7',
    'true',
    'tru',
    'false',
    'null',
    'NaN',
    'Infinity',
    'x'
  )
  const mutated = fc
    .tuple(fc.json({ maxDepth: 4 }), fc.array(fc.tuple(fc.nat(), token), { maxLength: 3 }))
    .map(([text, edits]) => {
      let s = text
      for (const [at, t] of edits) {
        const k = at % (s.length + 1)
        s = s.slice(0, k) + t + s.slice(k)
      }
      return s
    })
  const text = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.json({ maxDepth: 4 }).map((j) => `{"k": ${j}}`),
    mutated,
    mutated.map((j) => `{"k": ${j}}`),
    fc.array(token, { maxLength: 12 }).map((ts) => '{' + ts.join('')),
    fc.integer({ min: 25, max: 35 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
    fc.integer({ min: 25, max: 35 }).map((n) => '{"a":' + '['.repeat(n) + ']'.repeat(n) + '}')
  )

  it(
    'is true exactly for strict JSON objects up to 31 levels, and Python reads those as dicts',
    () => {
      fc.assert(
        fc.property(text, (t) => {
          const got = isJsonObjectText(t)
          expect(got).toBe(expected(t))
          if (got) expect(pyJsonLoads(t)).toBeInstanceOf(PyDictClass)
        }),
        fuzzParams(8000)
      )
      for (const t of ['{}', ' {"a": [1, {"b": null}]} ', '{"a":"\\ud800"}', '{"a": -0.5e-3}'])
        expect(isJsonObjectText(t), t).toBe(true)
      for (const t of ['{', '{"a"}', '{"a": 01}', '{"a": NaN}', '[]', '{"a": 1} x', '{"a": 1,}'])
        expect(isJsonObjectText(t), t).toBe(false)
    },
    FUZZ_TIMEOUT
  )
})

describe('digitTextIsNotJson (query values that need no parser)', () => {
  it('is true only where json.loads fails', () => {
    const text = fc
      .tuple(
        fc.constantFrom(...'0123456789'),
        fc.array(fc.constantFrom(...'0123456789.eE+- \t\n\rx'), { maxLength: 8 })
      )
      .map(([d, rest]) => d + rest.join(''))
    let sure = 0
    fc.assert(
      fc.property(text, (t) => {
        if (digitTextIsNotJson(t)) {
          sure++
          expect(pyJsonTryLoads(t)).toBeUndefined()
        } else expect(pyJsonTryLoads(t)).toBeDefined()
      }),
      fuzzParams(4000)
    )
    expect(sure).toBeGreaterThan(100)
  })
})

describe('comparePyStrings', () => {
  // Python's order of str: code point by code point (written here independently)
  const byCodePoint = (a: string, b: string): number => {
    const x = [...a].map((c) => c.codePointAt(0)!)
    const y = [...b].map((c) => c.codePointAt(0)!)
    for (let k = 0; k < Math.min(x.length, y.length); k++)
      if (x[k] !== y[k]) return x[k]! < y[k]! ? -1 : 1
    return Math.sign(x.length - y.length)
  }
  // ASCII, BMP above the surrogates, pairs, lone surrogates
  const unit = fc.constantFrom(
    'a',
    'b',
    'é',
    '\uffff',
    '\ud83d\ude00',
    '\ud83d',
    '\ude00',
    '\ue000'
  )

  it('orders by code point, surrogates and prefixes included', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 6 }), fc.string({ unit, maxLength: 6 }), (a, b) => {
        expect(comparePyStrings(a, b)).toBe(byCodePoint(a, b))
      }),
      { numRuns: 2000 }
    )
    // U+E000 is above U+1F600's first unit but below its code point
    expect(comparePyStrings('\ue000', '\ud83d\ude00')).toBe(-1)
    expect(comparePyStrings('\ud83d', '\ud83d\ude00')).toBe(-1)
  })
})

describe('pyJsonCanonicalObject: JSON.parse where it reads an object as Python does', () => {
  // keys JavaScript orders differently (array indexes), sorts differently (astral, lone
  // surrogates), or that are special to objects; values of every JSON type, numbers among them
  const key = fc.constantFrom(
    'a',
    'b',
    'B',
    '',
    '1',
    '01',
    '4294967295',
    '__proto__',
    'é',
    '😀',
    '\uffff',
    '\ud800',
    'a b',
    '"',
    '\\'
  )
  const text = fc.string({
    unit: fc.constantFrom(
      'a',
      ' ',
      '"',
      '\\',
      '/',
      'é',
      '😀',
      '\ud800',
      '\u2028',
      '\x7f',
      '\n',
      '{',
      '1'
    ),
    maxLength: 6
  })
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      text,
      fc.constantFrom(true, false, null),
      fc.constantFrom(1, -0, 1.5, 1e21, 2 ** 60),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.array(fc.tuple(key, tie('v')), { maxLength: 3 }).map((pairs) => Object.fromEntries(pairs))
    )
  })).v
  /** An object's text: members as written (a key may repeat), spacing, or a number's form. */
  const objectText = fc
    .tuple(
      fc.array(fc.tuple(key, value), { maxLength: 5 }),
      fc.constantFrom('', ' ', '\n\t'),
      fc.constantFrom('', '1.0', '1e2', 'NaN', '-Infinity', '12345678901234567890')
    )
    .map(
      ([members, space, number]) =>
        `${space}{${members
          .map(([k, v]) => `${JSON.stringify(k)}${space}:${space}${JSON.stringify(v)}`)
          .concat(number ? [`"n": ${number}`] : [])
          .join(`,${space}`)}}${space}`
    )

  it('gives Python’s sorted dump and the dict’s members, or declines', () => {
    let answered = 0
    fc.assert(
      fc.property(fc.oneof(objectText, fc.json()), (t) => {
        const fast = pyJsonCanonicalObject(t)
        if (!fast) return
        answered++
        const slow = pyJsonTryLoads(t)
        expect(slow).toBeInstanceOf(PyDictClass)
        expect(fast.canonical).toBe(pyJsonDumps(slow!, { sortKeys: true }))
        // the members the plan's warnings read: keys in the dict's order, string values
        const shape = (entries: Iterable<[string, unknown]>) =>
          [...entries].map(([k, v]) => [k, typeof v === 'string' ? v : typeof v])
        expect(shape(Object.entries(fast.members))).toEqual(shape((slow as PyDict).entries()))
      }),
      fuzzParams(3000)
    )
    expect(answered).toBeGreaterThan(100)
  })

  it('answers for the extras a plan digests, and declines numbers and index keys', () => {
    const extra = '{"role":"ANALYST","opts":["a b","é","😀"],"ssl":true,"x":null}'
    expect(pyJsonCanonicalObject(extra)?.canonical).toBe(
      pyJsonDumps(pyJsonLoads(extra), { sortKeys: true })
    )
    expect(pyJsonCanonicalObject('{"a": 1}')).toBeUndefined()
    expect(pyJsonCanonicalObject('{"b": "x", "1": "y"}')).toBeUndefined()
    expect(pyJsonCanonicalObject('{"a": NaN}')).toBeUndefined()
    expect(pyJsonCanonicalObject('["a"]')).toBeUndefined()
  })
})
