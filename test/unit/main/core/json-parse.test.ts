// parseJson: JSON.parse without V8's escaped-key misreading (src-main/core/adr/0003). Node 24's
// V8 reads an object key written with an escape as an earlier object's key (one holding a
// backslash) when the raw text of the key starts with it; each "site" test below poisons the
// engine with such a key first (a key prefix of its own, so the tests stay independent) and
// fails on Node 24 without the fix.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseJson, parseJsonExactly } from '../../../../src-main/core/json-parse'
import { pyJsonCanonicalObject } from '../../../../src-main/core/codecs/py-json'
import { parsePlanDocument } from '../../../../src-main/core/plan'
import { FUZZ_TIMEOUT, fuzzParams } from '../../../support/fuzz'

/** Objects as [key, value] lists in own-key order, so key order and `__proto__` compare too. */
const shape = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(shape)
    : v !== null && typeof v === 'object'
      ? Object.keys(v).map((k) => [k, shape((v as Record<string, unknown>)[k])])
      : Object.is(v, -0)
        ? '-0'
        : v

/** Makes V8 remember a key `\` after `prefix` (what JSON.parse of such an object leaves). */
const poison = (prefix: string): void => {
  JSON.parse(`{"${prefix}":1,"\\\\":2}`)
}

describe('parseJson', () => {
  it('reads an escaped key as written after an object with a key `\\` was parsed', () => {
    poison('p1')
    expect(Object.keys(parseJson(String.raw`{"p1":1,"\"":3}`) as object)).toEqual(['p1', '"'])
    expect(parseJson(String.raw`[{"p1":1,"\u0041":3}]`)).toEqual([{ p1: 1, A: 3 }])
  })

  it('reads an escaped key as written after an object with a key `\\` in the same text', () => {
    const text = String.raw`{"x":{"p6":1,"\\":1},"y":{"p6":1,"\"":2}}`
    expect(parseJson(text)).toEqual({ x: { p6: 1, '\\': 1 }, y: { p6: 1, '"': 2 } })
  })

  it('gives the same value as JSON.parse, without a second reading, for texts without a backslash', () => {
    for (const text of ['{"a":1,"a":2}', '[1,"x",{"__proto__":[]}]', '-0', '"é"', 'null'])
      expect(shape(parseJson(text))).toEqual(shape(JSON.parse(text)))
  })

  it('throws the SyntaxError JSON.parse throws', () => {
    expect(() => parseJson('{"a":1,}')).toThrow(SyntaxError)
    expect(() => parseJson('{"\\x":1}')).toThrow(SyntaxError)
  })
})

describe('parseJsonExactly: JSON.parse as the language defines it', () => {
  it('keeps the last of duplicate keys at the first place, and __proto__ as an own property', () => {
    const v = parseJsonExactly('{"b":1,"a":2,"b":3,"__proto__":{"x":1},"2":0}') as Record<
      string,
      unknown
    >
    expect(Object.keys(v)).toEqual(['2', 'b', 'a', '__proto__'])
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype)
    expect(v.b).toBe(3)
    expect(shape(parseJsonExactly(' [-0, 1e400, 0.1, "\\ud800\\u00e9\\/"] '))).toEqual(
      shape(JSON.parse(' [-0, 1e400, 0.1, "\\ud800\\u00e9\\/"] '))
    )
  })

  it('reads nesting far deeper than the stack allows recursion', () => {
    const depth = 100_000
    expect(Array.isArray(parseJsonExactly('['.repeat(depth) + ']'.repeat(depth)))).toBe(true)
  })

  it(
    'accepts what JSON.parse accepts, with its value, and throws a SyntaxError for the rest',
    () => {
      const near = fc.oneof(
        fc.json(),
        fc.json().map((t) => t.slice(0, -1)),
        fc.string({ unit: fc.constantFrom(...'{}[],:"\\ 0-1.eE+tfnrlsu/abx') })
      )
      fc.assert(
        fc.property(near, (text) => {
          let want: unknown
          try {
            want = shape(JSON.parse(text))
          } catch (error) {
            expect(error).toBeInstanceOf(SyntaxError)
            expect(() => parseJsonExactly(text)).toThrow(SyntaxError)
            return
          }
          expect(shape(parseJsonExactly(text))).toEqual(want)
        }),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )
})

describe('parseJson over sequences of texts with escaped keys', () => {
  // characters whose escapes V8 misreads (`\`, `"`, `/`, `\b`, …) among plain ones
  const char = fc.constantFrom('\\', '"', '/', 'a', 'b', 'u', 'é', '\b', '\n', 'Ā', '0')
  const escaped = (c: string, how: number): string => {
    if (how === 0) return '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')
    const short = JSON.stringify(c).slice(1, -1)
    return how === 1 && c === '/' ? '\\/' : short
  }
  const key = fc.array(fc.tuple(char, fc.nat(2)), { minLength: 1, maxLength: 3 })
  const member = fc.tuple(key, fc.integer())
  const text = fc
    .tuple(
      fc.array(member, { minLength: 1, maxLength: 4 }),
      fc.constantFrom('', 'q1', 'q2'),
      fc.boolean()
    )
    .map(([members, prefix, inArray]) => {
      const parts = prefix ? [`"${prefix}":0`] : []
      for (const [k, v] of members)
        parts.push(`"${k.map(([c, how]) => escaped(c, how)).join('')}":${v}`)
      const object = `{${parts.join(',')}}`
      return inArray ? `[${object},${object}]` : object
    })

  it(
    'gives what the exact parser gives, whatever was parsed before',
    () => {
      fc.assert(
        fc.property(fc.array(text, { minLength: 2, maxLength: 8 }), (texts) => {
          for (const t of texts) expect(shape(parseJson(t))).toEqual(shape(parseJsonExactly(t)))
        }),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )
})

describe('the sites that read user keys with parseJson', () => {
  it('pyJsonCanonicalObject: an extra with an escaped key keeps its key', () => {
    poison('p2')
    const read = pyJsonCanonicalObject(String.raw`{"p2":"x","\"":"y"}`)
    expect(read?.canonical).toBe(String.raw`{"\"": "y", "p2": "x"}`)
    expect(Object.keys(read!.members)).toEqual(['p2', '"'])
  })

  it('parsePlanDocument: an object in a plan keeps its keys', () => {
    poison('p3')
    const doc = {
      version: 1,
      planId: 'plan-1',
      createdAt: '2026-12-07T00:00:00.000Z',
      source: 'a',
      target: 'b',
      dialect: 'airflow3',
      options: { p3: 1, '"': 2 },
      summary: {},
      items: []
    }
    expect(parsePlanDocument(JSON.stringify(doc), 'plan.json')).toEqual(doc)
  })
})
