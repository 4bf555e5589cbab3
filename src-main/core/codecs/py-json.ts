/**
 * Python's `json` module, reproduced for byte equality with Airflow.
 *
 * Airflow stores extras and connection JSON with Python's `json.dumps` and reads them
 * with `json.loads`. JavaScript's JSON differs in ways that change bytes: object key
 * order (JS moves integer-like keys first), ints vs floats (`1` vs `1.0`), big ints,
 * `NaN`/`Infinity` literals, float formatting (`1e+16` vs `10000000000000000`) and
 * `ensure_ascii` escaping. Values decoded here keep all of that.
 */
import { CodecError } from '../errors'
import { JSON_ESCAPES, parseJson } from '../json-parse'

/** A Python float (always a JS number, even when integral: `1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python dict: insertion-ordered, string keys (JSON objects only have string keys). */
export class PyDict {
  readonly map = new Map<string, PyValue>()
  constructor(entries?: Iterable<readonly [string, PyValue]>) {
    if (entries) for (const [k, v] of entries) this.map.set(k, v)
  }
  get size(): number {
    return this.map.size
  }
  get(key: string): PyValue | undefined {
    return this.map.get(key)
  }
  has(key: string): boolean {
    return this.map.has(key)
  }
  set(key: string, value: PyValue): this {
    this.map.set(key, value)
    return this
  }
  delete(key: string): boolean {
    return this.map.delete(key)
  }
  entries(): IterableIterator<[string, PyValue]> {
    return this.map.entries()
  }
  keys(): IterableIterator<string> {
    return this.map.keys()
  }
}

/** A value as Python's json module sees it: ints are bigint, floats are PyFloat. */
export type PyValue = null | boolean | string | bigint | PyFloat | PyValue[] | PyDict

/** Where a JSON text failed to decode, as Python reports it. */
export class PyJsonDecodeError extends CodecError {
  constructor(
    readonly reason: string,
    readonly pos: number,
    readonly lineno: number,
    readonly colno: number
  ) {
    super(`${reason}: line ${lineno} column ${colno} (char ${pos})`)
    this.name = 'PyJsonDecodeError'
  }
}

const WS = new Set([' ', '\t', '\n', '\r'])
const NUMBER_RE = /(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?/y

/**
 * How deep arrays and objects may nest. CPython's json gives up with a RecursionError at the
 * recursion limit (1000 frames: 995 levels from the top of a fresh stack, fewer inside
 * Airflow); the port reports it as a decode error instead of overflowing its own stack.
 */
export const PY_JSON_MAX_NESTING = 995

/** Thrown (cheaply, without a stack) by the parser in `pyJsonTryLoads`. */
const NOT_JSON = Object.freeze({ notJson: true })
const JSON_START = /^[\s]*[-{["0-9tfnNI]/

/**
 * `json.loads(text)` where failure is expected and not an error (a query value that may
 * or may not be JSON): undefined instead of a PyJsonDecodeError, at a fraction of the cost.
 */
export function pyJsonTryLoads(text: string): PyValue | undefined {
  if (!JSON_START.test(text)) return undefined
  try {
    return parse(text, true)
  } catch (error) {
    if (error === NOT_JSON) return undefined
    throw error
  }
}

/**
 * The string members of `text` when it is a JSON object whose values are all strings;
 * undefined otherwise (not JSON, not an object, or a non-string value — the scan stops at
 * the first one). This is the question `get_uri()` asks before flattening extras.
 */
export function pyJsonFlatStringObject(text: string): PyDict | undefined {
  if (!/^[ \t\n\r]*\{/.test(text)) return undefined
  try {
    return parse(text, true, true) as PyDict
  } catch (error) {
    if (error === NOT_JSON) return undefined
    throw error
  }
}

/** `json.loads(text)`: throws PyJsonDecodeError with Python's message on bad input. */
export function pyJsonLoads(text: string): PyValue {
  return parse(text, false)
}

function parse(text: string, silent: boolean, flatStrings = false): PyValue {
  let i = 0
  let depth = 0
  const fail = (reason: string, pos: number): never => {
    if (silent) throw NOT_JSON
    const before = text.slice(0, pos)
    const lineno = (before.match(/\n/g)?.length ?? 0) + 1
    const colno = lineno === 1 ? pos + 1 : pos - before.lastIndexOf('\n')
    throw new PyJsonDecodeError(reason, pos, lineno, colno)
  }
  const skip = (): void => {
    while (i < text.length && WS.has(text[i]!)) i++
  }
  const parseString = (): string => {
    // i points just after the opening quote
    const begin = i - 1
    let out = ''
    for (;;) {
      let j = i
      while (j < text.length) {
        const c = text.charCodeAt(j)
        if (c === 0x22 || c === 0x5c || c < 0x20) break
        j++
      }
      out += text.slice(i, j)
      i = j
      if (i >= text.length) fail('Unterminated string starting at', begin)
      const ch = text[i]!
      if (ch === '"') {
        i++
        return out
      }
      if (ch !== '\\') fail('Invalid control character at', i)
      const esc = text[i + 1]
      if (esc === undefined) fail('Unterminated string starting at', begin)
      if (esc !== 'u') {
        const mapped = JSON_ESCAPES[esc!]
        if (mapped === undefined) fail('Invalid \\escape', i)
        out += mapped
        i += 2
        continue
      }
      const readHex = (at: number): number => {
        const hex = text.slice(at + 2, at + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape', at + 1)
        return parseInt(hex, 16)
      }
      let code = readHex(i)
      i += 6
      if (code >= 0xd800 && code <= 0xdbff && text[i] === '\\' && text[i + 1] === 'u') {
        const low = readHex(i)
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
          i += 6
        }
      }
      out += String.fromCodePoint(code)
    }
  }
  const parseValue = (): PyValue => {
    const ch = text[i]
    if (ch === '"') {
      i++
      return parseString()
    }
    if (ch === '{') return parseObject()
    if (ch === '[') return parseArray()
    if (ch === 'n' && text.startsWith('null', i)) return ((i += 4), null)
    if (ch === 't' && text.startsWith('true', i)) return ((i += 4), true)
    if (ch === 'f' && text.startsWith('false', i)) return ((i += 5), false)
    if (ch === 'N' && text.startsWith('NaN', i)) return ((i += 3), new PyFloat(NaN))
    if (ch === 'I' && text.startsWith('Infinity', i)) return ((i += 8), new PyFloat(Infinity))
    if (ch === '-' && text.startsWith('-Infinity', i)) return ((i += 9), new PyFloat(-Infinity))
    NUMBER_RE.lastIndex = i
    const m = NUMBER_RE.exec(text)
    if (m) {
      i += m[0].length
      if (m[2] === undefined && m[3] === undefined) return BigInt(m[1]!)
      return new PyFloat(Number(m[0]))
    }
    return fail('Expecting value', i)
  }
  let nesting = 0
  const enter = (kind: string): void => {
    if (++nesting > PY_JSON_MAX_NESTING)
      fail(
        `Nested more than ${PY_JSON_MAX_NESTING} levels deep (Python's json raises RecursionError while decoding a JSON ${kind})`,
        i
      )
  }
  const parseObject = (): PyDict => {
    const dict = new PyDict()
    depth++
    enter('object')
    i++
    skip()
    if (text[i] === '}') {
      i++
      nesting--
      return dict
    }
    for (;;) {
      if (text[i] !== '"') fail('Expecting property name enclosed in double quotes', i)
      i++
      const key = parseString()
      skip()
      if (text[i] !== ':') fail("Expecting ':' delimiter", i)
      i++
      skip()
      // flatStrings: a member that is not a string ends the scan (the caller needs no more)
      if (flatStrings && depth === 1 && text[i] !== '"') throw NOT_JSON
      dict.set(key, parseValue())
      skip()
      if (text[i] === '}') {
        i++
        nesting--
        return dict
      }
      if (text[i] !== ',') fail("Expecting ',' delimiter", i)
      i++
      skip()
      if (text[i] !== '"') fail('Expecting property name enclosed in double quotes', i)
    }
  }
  const parseArray = (): PyValue[] => {
    const list: PyValue[] = []
    enter('array')
    i++
    skip()
    if (text[i] === ']') {
      i++
      nesting--
      return list
    }
    for (;;) {
      skip()
      list.push(parseValue())
      skip()
      if (text[i] === ']') {
        i++
        nesting--
        return list
      }
      if (text[i] !== ',') fail("Expecting ',' delimiter", i)
      i++
      skip()
    }
  }
  skip()
  const value = parseValue()
  skip()
  if (i !== text.length) fail('Extra data', i)
  return value
}

/** Options of `json.dumps` that Airflow uses. */
export interface PyDumpsOptions {
  indent?: number
  sortKeys?: boolean
  /** Default true, as in Python. */
  ensureAscii?: boolean
  /** Python's default: [', ', ': '] without indent, [',', ': '] with one. */
  separators?: readonly [string, string]
}

/** `repr(float)` in Python 3: shortest round-trip digits, Python's notation rules. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const sign = x < 0 ? '-' : ''
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string]
  const digits = mant.replace('.', '')
  const exp = Number(expText)
  const decpt = exp + 1
  if (decpt > 16 || decpt < -3) {
    const rest = digits.slice(1)
    const e = Math.abs(exp).toString().padStart(2, '0')
    return `${sign}${digits[0]}${rest ? '.' + rest : ''}e${exp < 0 ? '-' : '+'}${e}`
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`
}

// Strings that need no escaping at all (the common case): printable ASCII without " and \.
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
// eslint-disable-next-line no-control-regex -- the complement of what must be escaped
const PLAIN_ANY = /^[^"\\\x00-\x1f]*$/

// Where JSON.stringify writes Python's bytes: it escapes the same characters the same way
// (\" \\ \b \f \n \r \t, other controls as lowercase \u00xx) and nothing else, but it escapes
// a lone surrogate (Python leaves it) and leaves U+007F and non-ASCII (ensure_ascii escapes them).
// eslint-disable-next-line no-control-regex -- every ASCII character but DEL
const ASCII_BELOW_DEL = /^[\x00-\x7e]*$/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Python's `json` string encoder (`ensure_ascii` on by default). */
export function pyJsonString(s: string, ensureAscii = true): string {
  if (ensureAscii ? PLAIN_ASCII.test(s) : PLAIN_ANY.test(s)) return '"' + s + '"'
  if (ensureAscii ? ASCII_BELOW_DEL.test(s) : !LONE_SURROGATE.test(s)) return JSON.stringify(s)
  // Runs of characters that need no escape are copied as one slice (a JSON extra holds a
  // quote every few characters; appending character by character allocated a string each).
  let out = '"'
  let from = 0
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    let esc: string
    if (c === 0x22) esc = '\\"'
    else if (c === 0x5c) esc = '\\\\'
    else if (c === 0x0a) esc = '\\n'
    else if (c === 0x0d) esc = '\\r'
    else if (c === 0x09) esc = '\\t'
    else if (c === 0x08) esc = '\\b'
    else if (c === 0x0c) esc = '\\f'
    else if (c < 0x20 || (ensureAscii && c > 0x7e)) esc = '\\u' + c.toString(16).padStart(4, '0')
    else continue
    out += from === k ? esc : s.slice(from, k) + esc
    from = k + 1
  }
  return out + (from === 0 ? s : s.slice(from)) + '"'
}

/** `json.dumps(value, ...)` with Python's exact bytes. */
export function pyJsonDumps(value: PyValue, options: PyDumpsOptions = NO_OPTIONS): string {
  if (value instanceof PyDict && options === NO_OPTIONS) {
    // The hot case (extras built from a URI query): a flat dict of strings, default format.
    let out = ''
    for (const [k, v] of value.entries()) {
      if (typeof v !== 'string') return dumps(value, options)
      out += (out ? ', ' : '') + pyJsonString(k) + ': ' + pyJsonString(v)
    }
    return '{' + out + '}'
  }
  return dumps(value, options)
}

const NO_OPTIONS: PyDumpsOptions = Object.freeze({})

function dumps(value: PyValue, options: PyDumpsOptions): string {
  const ensureAscii = options.ensureAscii ?? true
  const indent = options.indent
  const [itemSep, keySep] =
    options.separators ?? (indent === undefined ? [', ', ': '] : [',', ': '])
  const enc = (v: PyValue, level: number): string => {
    if (v === null) return 'null'
    if (v === true) return 'true'
    if (v === false) return 'false'
    if (typeof v === 'string') return pyJsonString(v, ensureAscii)
    if (typeof v === 'bigint') return v.toString()
    if (v instanceof PyFloat) return pyFloatRepr(v.value)
    const isList = Array.isArray(v)
    const items: string[] = []
    if (isList) for (const item of v) items.push(enc(item, level + 1))
    else {
      let entries = [...v.entries()]
      if (options.sortKeys) entries = entries.sort(([a], [b]) => comparePyStrings(a, b))
      for (const [k, item] of entries)
        items.push(pyJsonString(k, ensureAscii) + keySep + enc(item, level + 1))
    }
    const [open, close] = isList ? ['[', ']'] : ['{', '}']
    if (items.length === 0) return open + close
    if (indent === undefined) return open + items.join(itemSep) + close
    const pad = '\n' + ' '.repeat(indent * (level + 1))
    return open + pad + items.join(itemSep + pad) + '\n' + ' '.repeat(indent * level) + close
  }
  return enc(value, 0)
}

/**
 * `json.loads(text)` of a JSON object, and `json.dumps` of it with sorted keys, by the engine's
 * JSON.parse (several times faster than the exact parser, and no PyDict): `canonical` is
 * `pyJsonDumps(pyJsonTryLoads(text), { sortKeys: true })` and `members` its members in Python's
 * order (first place of a key, last value). Undefined wherever the two readings could differ,
 * and the caller then takes the exact path: not JSON to JSON.parse (Python's `NaN`, `Infinity`),
 * not an object, a number anywhere (Python keeps ints exact and writes floats its own way), a
 * key that is an array index (JavaScript lists those first), nesting past
 * {@link CANONICAL_MAX_DEPTH}.
 */
export function pyJsonCanonicalObject(
  text: string
): { canonical: string; members: Readonly<Record<string, unknown>> } | undefined {
  if (!/^[ \t\n\r]*\{/.test(text)) return undefined
  let value: unknown
  try {
    value = parseJson(text)
  } catch {
    return undefined
  }
  const canonical = canonicalJsonOf(value, 0)
  return canonical === undefined
    ? undefined
    : { canonical, members: value as Readonly<Record<string, unknown>> }
}

/** How deep {@link pyJsonCanonicalObject} follows objects and lists (Python's limit is 995). */
const CANONICAL_MAX_DEPTH = 64
/** A canonical numeric string below 2³² − 1: a key JavaScript orders before the others. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/

const byPyKey = (a: [string, unknown], b: [string, unknown]): number => comparePyStrings(a[0], b[0])

/** `json.dumps(v, sort_keys=True)` of a JSON.parse value, or undefined (see the caller). */
function canonicalJsonOf(v: unknown, depth: number): string | undefined {
  if (typeof v === 'string') return pyJsonString(v)
  if (v === null) return 'null'
  if (v === true) return 'true'
  if (v === false) return 'false'
  if (typeof v !== 'object' || depth >= CANONICAL_MAX_DEPTH) return undefined
  let out = ''
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item = canonicalJsonOf(v[i], depth + 1)
      if (item === undefined) return undefined
      out += i ? ', ' + item : item
    }
    return '[' + out + ']'
  }
  const entries = Object.entries(v as Record<string, unknown>)
  if (entries.length > 1) entries.sort(byPyKey)
  for (let i = 0; i < entries.length; i++) {
    const [k, member] = entries[i]!
    if (ARRAY_INDEX.test(k) && Number(k) < 0xffffffff) return undefined
    const item = canonicalJsonOf(member, depth + 1)
    if (item === undefined) return undefined
    out += (i ? ', ' : '') + pyJsonString(k) + ': ' + item
  }
  return '{' + out + '}'
}

/** Python compares str by code point; JS `<` compares UTF-16 units. */
export function comparePyStrings(a: string, b: string): number {
  // by UTF-16 units up to the first that differs: below the surrogates a unit is its code
  // point, and the units before it are the same code points on both sides (no iterator and
  // no string per character: every extra's keys are sorted for its plan digest)
  const n = a.length < b.length ? a.length : b.length
  for (let k = 0; k < n; k++) {
    const x = a.charCodeAt(k)
    const y = b.charCodeAt(k)
    if (x === y) continue
    if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1
    return compareCodePoints(a, b)
  }
  // one is the other's start: a lone high surrogate at its end is below any pair's code point
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
}

/** {@link comparePyStrings} code point by code point. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]()
  const ib = b[Symbol.iterator]()
  for (;;) {
    const x = ia.next()
    const y = ib.next()
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1
    const cx = x.value.codePointAt(0)!
    const cy = y.value.codePointAt(0)!
    if (cx !== cy) return cx < cy ? -1 : 1
  }
}

/**
 * Python `==` between two decoded JSON values (1 == 1.0 == True, NaN != NaN). Inside a list
 * or dict, NaN equals NaN: Python's `json` decodes every `NaN` to one shared float
 * (`json.decoder.NaN`) and containers compare members with `PyObject_RichCompareBool`,
 * which takes an object as equal to itself — `json.loads('[NaN]') == json.loads('[NaN]')`.
 */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  return pyEqualsAt(a, b, false)
}

function pyEqualsAt(a: PyValue, b: PyValue, member: boolean): boolean {
  const num = (v: PyValue): number | bigint | undefined =>
    typeof v === 'boolean'
      ? BigInt(v ? 1 : 0)
      : typeof v === 'bigint'
        ? v
        : v instanceof PyFloat
          ? v.value
          : undefined
  const na = num(a)
  const nb = num(b)
  if (na !== undefined || nb !== undefined) {
    if (na === undefined || nb === undefined) return false
    // the one shared NaN, as a member, is itself (see above)
    if (member && a instanceof PyFloat && b instanceof PyFloat && a.value !== a.value)
      return b.value !== b.value
    return na == nb
  }
  if (a === null || b === null || typeof a === 'string' || typeof b === 'string') return a === b
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, k) => pyEqualsAt(item, b[k]!, true))
  }
  if (!(a instanceof PyDict) || !(b instanceof PyDict) || a.size !== b.size) return false
  for (const [k, v] of a.entries()) {
    const other = b.get(k)
    if (other === undefined || !pyEqualsAt(v, other, true)) return false
  }
  return true
}

/** Python truthiness of a decoded JSON value. */
export function pyTruthy(v: PyValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === '') return false
  if (typeof v === 'bigint') return v !== 0n
  if (v instanceof PyFloat) return v.value !== 0
  if (Array.isArray(v)) return v.length > 0
  if (v instanceof PyDict) return v.size > 0
  return true
}

/** Converts a decoded value to plain JSON-able JS (ints beyond 2^53 become numbers). */
export function pyToPlain(v: PyValue): unknown {
  if (typeof v === 'bigint') return Number(v)
  if (v instanceof PyFloat) return v.value
  if (Array.isArray(v)) return v.map(pyToPlain)
  if (v instanceof PyDict) {
    const out: Record<string, unknown> = {}
    for (const [k, item] of v.entries()) out[k] = pyToPlain(item)
    return out
  }
  return v
}

/**
 * Converts plain JS JSON (from JSON.parse or a DTO) into Python values. JSON.parse nests
 * deeper than Python can (see PY_JSON_MAX_NESTING): deeper values are refused here.
 */
export function plainToPy(v: unknown, nesting = 0): PyValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
  if (typeof v === 'bigint') return v
  if (typeof v === 'number')
    return Number.isInteger(v) && !Object.is(v, -0) ? BigInt(v) : new PyFloat(v)
  if (v instanceof PyDict || v instanceof PyFloat) return v
  if (typeof v === 'object' && nesting >= PY_JSON_MAX_NESTING)
    throw new CodecError(
      `The value is nested more than ${PY_JSON_MAX_NESTING} levels deep; Python's json cannot handle it (RecursionError).`,
      'codec.invalid-json'
    )
  if (Array.isArray(v)) return v.map((x) => plainToPy(x, nesting + 1))
  if (typeof v === 'object')
    return new PyDict(Object.entries(v).map(([k, x]) => [k, plainToPy(x, nesting + 1)]))
  throw new CodecError(`Cannot represent a value of type ${typeof v} as JSON.`)
}

/** Levels {@link isJsonObjectText} follows below the top before it gives up (a bit each). */
const OBJECT_CHECK_MAX_DEPTH = 30

/**
 * Whether `text` is a JSON object in the strict grammar (RFC 8259: what `JSON.parse`
 * accepts), checked in one scan that builds nothing. True means Python's `json.loads`
 * returns a dict for it too (its grammar is a superset, with the same top-level type);
 * false means "not sure": not strict JSON, not an object, or more than 31 levels deep,
 * which the caller leaves to a full parser.
 */
export function isJsonObjectText(text: string): boolean {
  let i = skipJsonSpace(text, 0)
  if (text.charCodeAt(i) !== 0x7b) return false
  // bit d of `objects` is set when level d is an object, clear when it is an array
  let objects = 1
  let depth = 0
  i = skipJsonSpace(text, i + 1)
  if (text.charCodeAt(i) === 0x7d) return skipJsonSpace(text, i + 1) === text.length
  i = jsonMemberValueStart(text, i)
  if (i < 0) return false
  for (;;) {
    // a value starts at i
    i = skipJsonSpace(text, i)
    let c = text.charCodeAt(i)
    if (c === 0x7b || c === 0x5b) {
      if (++depth > OBJECT_CHECK_MAX_DEPTH) return false
      i = skipJsonSpace(text, i + 1)
      const close = text.charCodeAt(i)
      if (c === 0x7b) {
        objects |= 1 << depth
        if (close !== 0x7d) {
          i = jsonMemberValueStart(text, i)
          if (i < 0) return false
          continue
        }
      } else {
        objects &= ~(1 << depth)
        if (close !== 0x5d) continue
      }
      // an empty container: it ends here
      depth--
      i++
    } else if (c === 0x22) {
      i = jsonStringEnd(text, i + 1)
      if (i < 0) return false
    } else {
      i = jsonLiteralEnd(text, i, c)
      if (i < 0) return false
    }
    // a value has ended: close containers up to the next ',' (or the end of the text)
    for (;;) {
      i = skipJsonSpace(text, i)
      c = text.charCodeAt(i)
      const inObject = ((objects >> depth) & 1) === 1
      if (c === 0x2c) {
        i = skipJsonSpace(text, i + 1)
        if (inObject) {
          i = jsonMemberValueStart(text, i)
          if (i < 0) return false
        }
        break
      }
      if (c !== (inObject ? 0x7d : 0x5d)) return false
      i++
      if (depth === 0) return skipJsonSpace(text, i) === text.length
      depth--
    }
  }
}

/** Whether this character code (or byte) is JSON white space: space, tab, LF, CR. */
export function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/** The index of the first character at or after `from` that is not JSON white space. */
export function skipJsonSpace(s: string, from: number): number {
  let i = from
  while (isJsonSpace(s.charCodeAt(i))) i++
  return i
}

/** After `"key"` and `:` (and white space) at `i`: where the member's value starts, or -1. */
function jsonMemberValueStart(s: string, i: number): number {
  if (s.charCodeAt(i) !== 0x22) return -1
  let k = jsonStringEnd(s, i + 1)
  if (k < 0) return -1
  k = skipJsonSpace(s, k)
  if (s.charCodeAt(k) !== 0x3a) return -1
  return k + 1
}

/** Whether `\` and this character code are one of JSON's two-character escapes (RFC 8259). */
export function isJsonShortEscape(c: number): boolean {
  // " \ / b f n r t
  return (
    c === 0x22 ||
    c === 0x5c ||
    c === 0x2f ||
    c === 0x62 ||
    c === 0x66 ||
    c === 0x6e ||
    c === 0x72 ||
    c === 0x74
  )
}

/** Whether this character code (or byte) is a hex digit. */
export function isHexCode(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** Set in {@link jsonStringScan}'s answer when the string holds an escape. */
export const JSON_STRING_ESCAPED = 1 << 30

/**
 * From just after an opening quote: the index of the closing one (with JSON_STRING_ESCAPED set
 * if the string holds an escape), or -1 where `json.loads` fails (a control character, an
 * unknown escape, a bad `\uXXXX`, no closing quote).
 */
export function jsonStringScan(s: string, from: number): number {
  const n = s.length
  let escaped = 0
  for (let k = from; k < n; k++) {
    const c = s.charCodeAt(k)
    if (c === 0x22) return k | escaped
    if (c < 0x20) return -1
    if (c === 0x5c) {
      escaped = JSON_STRING_ESCAPED
      const e = s.charCodeAt(k + 1)
      if (e === 0x75) {
        if (
          !isHexCode(s.charCodeAt(k + 2)) ||
          !isHexCode(s.charCodeAt(k + 3)) ||
          !isHexCode(s.charCodeAt(k + 4)) ||
          !isHexCode(s.charCodeAt(k + 5))
        )
          return -1
        k += 5
      } else if (isJsonShortEscape(e)) k++
      else return -1
    }
  }
  return -1
}

/** From just after an opening quote: the index after the closing one, or -1. */
function jsonStringEnd(s: string, from: number): number {
  const k = jsonStringScan(s, from)
  return k < 0 ? -1 : (k & ~JSON_STRING_ESCAPED) + 1
}

function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/**
 * Whether `json.loads(text)` surely fails for a text that starts with an ASCII digit: the
 * number there is cut short (`1.`, `1e`) or followed by more than white space (`0x`, `007`).
 */
export function digitTextIsNotJson(text: string): boolean {
  const end = jsonLiteralEnd(text, 0, text.charCodeAt(0))
  return end < 0 || skipJsonSpace(text, end) !== text.length
}

/** A number, `true`, `false` or `null` at `i` (its first code `c`): the index after it, or -1. */
function jsonLiteralEnd(s: string, i: number, c: number): number {
  if (c === 0x74) return s.startsWith('true', i) ? i + 4 : -1
  if (c === 0x66) return s.startsWith('false', i) ? i + 5 : -1
  if (c === 0x6e) return s.startsWith('null', i) ? i + 4 : -1
  let k = i
  if (c === 0x2d) c = s.charCodeAt(++k)
  if (c === 0x30) k++
  else if (c >= 0x31 && c <= 0x39) while (isDigitCode(s.charCodeAt(++k)));
  else return -1
  if (s.charCodeAt(k) === 0x2e) {
    if (!isDigitCode(s.charCodeAt(++k))) return -1
    while (isDigitCode(s.charCodeAt(++k)));
  }
  c = s.charCodeAt(k)
  if (c === 0x65 || c === 0x45) {
    c = s.charCodeAt(++k)
    if (c === 0x2b || c === 0x2d) c = s.charCodeAt(++k)
    if (!isDigitCode(c)) return -1
    while (isDigitCode(s.charCodeAt(++k)));
  }
  return k
}
