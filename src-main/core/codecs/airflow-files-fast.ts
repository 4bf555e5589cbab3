/**
 * `rawFileItems(text, 'json')` (airflow-files.ts) read from the file's UTF-8 bytes: the same
 * members, found the same way, but only the keys and each member's text are decoded — never
 * the whole file (a 24 MB export with one `é` is a 48 MB two-byte string, and every member
 * text sliced from it keeps all of it alive). Every byte the scan looks at is ASCII (a quote,
 * a backslash, a bracket, a blank), and UTF-8 never puts an ASCII byte inside a multi-byte
 * character, so the bytes split where the text splits. test/unit/main/core/codecs/
 * airflow-files-fast.test.ts compares the two on generated files.
 */
import { CONNECTION_SCALAR_FIELDS } from '../model'
import { indexNames, type NameFinder } from './byte-columns'
import { jsonObjectBytes, uriSurelyReads } from './connection-uri-fast'
import {
  isHexCode,
  isJsonShortEscape,
  isJsonSpace,
  PY_JSON_MAX_NESTING,
  PyDict,
  pyJsonLoads,
  type PyValue
} from './py-json'

/** Bytes `[start, end)` as text; `ascii` says none is 0x80 or above. */
export type ByteSlicer = (start: number, end: number, ascii: boolean) => string

// ignoreBOM: text that starts with U+FEFF keeps it, as the whole-file decoder keeps it
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * Where the members of a JSON object file are in its bytes: `keys` decoded, in file order, and
 * member i's text is bytes `[spans[3i], spans[3i + 1])` decoded, `spans[3i + 2]` 1 when they
 * are all ASCII. Two member texts are the same text exactly when their ranges hold the same
 * bytes (valid UTF-8 decodes one way).
 */
export interface JsonMemberSpans {
  keys: string[]
  spans: number[]
}

/**
 * Where the members of a JSON object file are in its bytes, nothing decoded where it need not
 * be, as columns (no object or string per member): member i's key is bytes `[cols[5i],
 * cols[5i + 1])` (inside its quotes), its text bytes `[cols[5i + 2], cols[5i + 3])`, and
 * `cols[5i + 4]` has bit 0 set when the text is all ASCII, bit 1 when the key is, and above
 * them what the scan saw of an object member (its shape: see {@link SHAPE_FLAT}, read with
 * {@link memberConnectionKeyBits} and {@link jsonConnectionMemberSurelyReads}). Where every
 * key is plain (no escape, no control character) a key's bytes are its text, so two keys are
 * the same exactly when their bytes are: `find` gives a member by its key's bytes and `keys`
 * is undefined. Otherwise `keys` holds each key decoded and `find` is undefined.
 */
export interface JsonMemberColumns {
  count: number
  cols: Int32Array
  keys: string[] | undefined
  find: NameFinder | undefined
}

/**
 * The keys `Connection(...)` takes in a connections file (local_filesystem.py): the fields
 * `airflow connections export` writes first (their index is their bit in a member's shape),
 * then the others.
 */
export const CONNECTION_MEMBER_KEYS = [
  ...CONNECTION_SCALAR_FIELDS,
  'extra',
  'conn_id',
  'extra_dejson',
  'uri',
  'team_name'
] as const
const CONNECTION_MEMBER_KEY_BYTES = asciiNames(CONNECTION_MEMBER_KEYS)
/**
 * A member's shape, in `cols[5i + 4]` above its two ASCII bits: key j of
 * CONNECTION_MEMBER_KEYS is bit `SHAPE_KEY_SHIFT + j` (the member has that key), then
 * SHAPE_FLAT, SHAPE_SURE, SHAPE_EXTRA_TEXT, and from bit SHAPE_EXTRA_SHIFT where the extra's
 * string starts, counted from the member's start (0: too far to say).
 */
const SHAPE_KEY_SHIFT = 2
/** The bits of the keys of a member's shape. */
const SHAPE_KEYS = ((1 << CONNECTION_MEMBER_KEYS.length) - 1) << SHAPE_KEY_SHIFT
/** The bits of the fields `airflow connections export` writes (0–5 text, 6 the port, 7 the extra). */
const SHAPE_FIELDS = ((1 << (CONNECTION_SCALAR_FIELDS.length + 1)) - 1) << SHAPE_KEY_SHIFT
const PORT_KEY = CONNECTION_SCALAR_FIELDS.indexOf('port')
const EXTRA_KEY = CONNECTION_SCALAR_FIELDS.length
/** In a member's shape: a flat object of connection keys, each once (walkFlatObject's grammar). */
const SHAPE_FLAT = 1 << (SHAPE_KEY_SHIFT + CONNECTION_MEMBER_KEYS.length)
/**
 * In a member's shape: every value null, a string that surely decodes (jsonStringSurelyDecodes)
 * or, under `port`, an integer 0–65535 as JSON writes it (no sign, no leading zero); the port
 * not a string, the extra no other token.
 */
const SHAPE_SURE = SHAPE_FLAT << 1
/** In a member's shape: the extra is a string of at least one character (a dialect checks it). */
const SHAPE_EXTRA_TEXT = SHAPE_FLAT << 2
const SHAPE_EXTRA_SHIFT = SHAPE_KEY_SHIFT + CONNECTION_MEMBER_KEYS.length + 3
/** The farthest an extra's string can start from its member's start and be told (bits left). */
const SHAPE_EXTRA_MAX = (1 << (31 - SHAPE_EXTRA_SHIFT)) - 1

/** The first position from `k` before `end` that is not JSON white space. */
function skipBlanks(bytes: Uint8Array, k: number, end: number): number {
  while (k < end && isJsonSpace(bytes[k]!)) k++
  return k
}

/** Whether the last string {@link stringEnd} scanned held a byte 0x80 or above. */
let stringWide = false

/**
 * The index after the JSON string whose opening quote is at `from` (bytes before `n`), or -1;
 * sets {@link stringWide}. The next quote not escaped, found by a loop (Buffer#indexOf costs
 * more per call than short strings take to scan).
 */
function stringEnd(bytes: Uint8Array, from: number, n: number): number {
  let high = 0
  for (let q = from + 1; q < n; q++) {
    const c = bytes[q]!
    if (c === 0x5c) q++
    else if (c === 0x22) {
      stringWide = high >= 0x80
      return q + 1
    } else high |= c
  }
  return -1
}

/**
 * {@link JsonMemberColumns} of a JSON object file's valid UTF-8 `bytes`: the members
 * `rawFileItems(text, 'json')` gives for the decoded text (undefined where it does: a key
 * twice among them too), their texts not decoded. `slice` decodes the keys that must be.
 */
export function jsonObjectMemberColumnsOfBytes(
  bytes: Uint8Array,
  slice: ByteSlicer = (start, end) => utf8.decode(bytes.subarray(start, end))
): JsonMemberColumns | undefined {
  const n = bytes.length
  let k = 0
  let cols = new Int32Array(5 * 1024)
  let count = 0
  let allPlain = true
  k = skipBlanks(bytes, k, n)
  if (bytes[k] !== 0x7b) return undefined
  k++
  k = skipBlanks(bytes, k, n)
  if (bytes[k] === 0x7d) {
    k++
    k = skipBlanks(bytes, k, n)
    return k === n ? { count: 0, cols, keys: undefined, find: () => -1 } : undefined
  }
  for (;;) {
    if (bytes[k] !== 0x22) return undefined
    const keyEnd = stringEnd(bytes, k, n)
    if (keyEnd < 0) return undefined
    const keyAscii = stringWide ? 0 : 2
    // a key without an escape or a control character is its own text
    if (allPlain)
      for (let i = k + 1; i < keyEnd - 1; i++) {
        const c = bytes[i]!
        if (c === 0x5c || c < 0x20) allPlain = false
      }
    const keyStart = k + 1
    k = keyEnd
    k = skipBlanks(bytes, k, n)
    if (bytes[k] !== 0x3a) return undefined
    k++
    k = skipBlanks(bytes, k, n)
    const start = k
    let depth = 0
    let ascii = 1
    let shape = 0
    // an object of connection keys is walked once, for its end and what the kind check and
    // the surely-reads check need; anything else the way below
    const flatEnd = bytes[k] === 0x7b ? flatMemberEnd(bytes, k, n) : -1
    if (flatEnd >= 0) {
      k = flatEnd
      shape = flatShape
      if (flatWide) ascii = 0
    } else
      for (; k < n; k++) {
        const c = bytes[k]!
        if (c === 0x22) {
          const end = stringEnd(bytes, k, n)
          if (end < 0) return undefined
          if (stringWide) ascii = 0
          k = end - 1
          if (depth === 0) {
            k++
            break
          }
        } else if (c === 0x7b || c === 0x5b) {
          // the file's object is one level the member's text does not have
          if (++depth >= PY_JSON_MAX_NESTING - 1) return undefined
        } else if (c === 0x7d || c === 0x5d) {
          if (depth === 0) break
          if (--depth === 0) {
            k++
            break
          }
        } else if (depth === 0 && (c === 0x2c || isJsonSpace(c))) break
        else if (c >= 0x80) ascii = 0
      }
    if (k === start) return undefined
    if (5 * count + 5 > cols.length) {
      const grown = new Int32Array(cols.length * 2)
      grown.set(cols)
      cols = grown
    }
    const at = 5 * count++
    cols[at] = keyStart
    cols[at + 1] = keyEnd - 1
    cols[at + 2] = start
    cols[at + 3] = k
    cols[at + 4] = ascii | keyAscii | shape
    k = skipBlanks(bytes, k, n)
    const c = bytes[k]
    if (c === 0x7d) {
      k++
      k = skipBlanks(bytes, k, n)
      if (k !== n) return undefined
      break
    }
    if (c !== 0x2c) return undefined
    k++
    k = skipBlanks(bytes, k, n)
  }
  if (!allPlain) {
    // keys with escapes: decoded, and compared as text
    const keys: string[] = new Array<string>(count)
    const seen = new Set<string>()
    for (let i = 0; i < count; i++) {
      const ks = cols[5 * i]!
      const ke = cols[5 * i + 1]!
      let key: string
      try {
        key = pyJsonLoads(slice(ks - 1, ke + 1, false)) as string
      } catch {
        return undefined
      }
      if (seen.has(key)) return undefined
      seen.add(key)
      keys[i] = key
    }
    return { count, cols, keys, find: undefined }
  }
  // a key twice declines
  const find = indexNames(bytes, cols, count)
  return find && { count, cols, keys: undefined, find }
}

/**
 * {@link JsonMemberSpans} of a JSON object file's valid UTF-8 `bytes`: the members
 * `rawFileItems(text, 'json')` gives for the decoded text (undefined where it does), their
 * texts not decoded. `slice` decodes the keys.
 */
export function jsonObjectMemberSpansOfBytes(
  bytes: Uint8Array,
  slice: ByteSlicer = (start, end) => utf8.decode(bytes.subarray(start, end))
): JsonMemberSpans | undefined {
  const found = jsonObjectMemberColumnsOfBytes(bytes, slice)
  if (!found) return undefined
  const { count, cols } = found
  const keys =
    found.keys ??
    Array.from({ length: count }, (_, i) =>
      slice(cols[5 * i]!, cols[5 * i + 1]!, (cols[5 * i + 4]! & 2) !== 0)
    )
  const spans: number[] = new Array<number>(3 * count)
  for (let i = 0; i < count; i++) {
    spans[3 * i] = cols[5 * i + 2]!
    spans[3 * i + 1] = cols[5 * i + 3]!
    spans[3 * i + 2] = cols[5 * i + 4]! & 1
  }
  return { keys, spans }
}

/**
 * The members of a JSON object file's valid UTF-8 `bytes` as [decoded key, value text], as
 * `rawFileItems(text, 'json')` gives them for the decoded text (undefined where it does).
 */
export function jsonObjectMembersOfBytes(
  bytes: Uint8Array,
  slice: ByteSlicer = (start, end) => utf8.decode(bytes.subarray(start, end))
): [string, string][] | undefined {
  const found = jsonObjectMemberSpansOfBytes(bytes, slice)
  if (!found) return undefined
  const { keys, spans } = found
  return keys.map((key, i) => [
    key,
    slice(spans[3 * i]!, spans[3 * i + 1]!, spans[3 * i + 2] === 1)
  ])
}

/** The bytes of each ASCII name, for comparing keys where they are (nameIndex). */
export function asciiNames(names: readonly string[]): Uint8Array[] {
  return names.map((name) => Uint8Array.from(name, (c) => c.charCodeAt(0)))
}

/** The index in `names` of the key bytes `[start, end)`, or -1. */
function nameIndex(bytes: Uint8Array, start: number, end: number, names: readonly Uint8Array[]) {
  const n = end - start
  search: for (let i = 0; i < names.length; i++) {
    const name = names[i]!
    if (name.length !== n) continue
    for (let k = 0; k < n; k++) if (bytes[start + k] !== name[k]) continue search
    return i
  }
  return -1
}

/**
 * Walks the flat JSON object that is exactly the bytes `[start, end)`: `{`, then members
 * `"key": value` with JSON blanks between tokens, then `}`. Each key must be one of `names`
 * (compared as bytes: no escape, so its bytes are its text) and appear once; each value must
 * be a string (its range includes the quotes, escapes not checked) or a token without a
 * bracket, brace, quote, comma or blank. `member(i, from, to)` is told each member, name
 * index and value range, and returns false to stop. False where anything else is found: the
 * caller is not sure and reads the text as before.
 */
function walkFlatObject(
  bytes: Uint8Array,
  start: number,
  end: number,
  names: readonly Uint8Array[],
  member: (name: number, from: number, to: number) => boolean
): boolean {
  let k = start
  if (bytes[k] !== 0x7b || bytes[end - 1] !== 0x7d) return false
  k++
  k = skipBlanks(bytes, k, end)
  if (k === end - 1) return true
  let seen = 0
  for (;;) {
    if (bytes[k] !== 0x22) return false
    const keyStart = ++k
    while (k < end && bytes[k] !== 0x22 && bytes[k] !== 0x5c) k++
    if (bytes[k] !== 0x22) return false
    const name = nameIndex(bytes, keyStart, k, names)
    if (name < 0 || seen & (1 << name)) return false
    seen |= 1 << name
    k++
    k = skipBlanks(bytes, k, end)
    if (bytes[k] !== 0x3a) return false
    k++
    k = skipBlanks(bytes, k, end)
    const from = k
    if (bytes[k] === 0x22) {
      for (k++; k < end; k++) {
        const c = bytes[k]!
        if (c === 0x5c) k++
        else if (c === 0x22) break
      }
      if (k >= end) return false
      k++
    } else
      for (; k < end; k++) {
        const c = bytes[k]!
        if (c === 0x2c || c === 0x7d || isJsonSpace(c)) break
        if (c === 0x22 || c === 0x5b || c === 0x5d || c === 0x7b) return false
      }
    if (k === from || !member(name, from, k)) return false
    k = skipBlanks(bytes, k, end)
    if (bytes[k] === 0x7d) return k === end - 1
    if (bytes[k] !== 0x2c) return false
    k++
    k = skipBlanks(bytes, k, end)
  }
}

/** An integer as JSON writes it (no sign, no leading zero), 0–65535, is bytes `[from, to)`. */
function isPortNumber(bytes: Uint8Array, from: number, to: number): boolean {
  if (to - from > 5 || (bytes[from] === 0x30 && to - from > 1)) return false
  let port = 0
  for (let k = from; k < to; k++) {
    const c = bytes[k]!
    if (c < 0x30 || c > 0x39) return false
    port = port * 10 + c - 0x30
  }
  return port <= 65535
}

/**
 * Whether the escape whose backslash is at `k` in a JSON string surely decodes (as
 * jsonStringSurelyDecodes checks it): one of `\" \\ \/ \b \f \n \r \t`, or `\uXXXX` outside the
 * surrogates, before byte `n`.
 */
function escapeSurelyDecodes(bytes: Uint8Array, k: number, n: number): boolean {
  const e = bytes[k + 1]!
  if (e !== 0x75) return isJsonShortEscape(e)
  if (k + 5 >= n) return false
  for (let h = 2; h <= 5; h++) if (!isHexCode(bytes[k + h]!)) return false
  return (bytes[k + 2]! | 0x20) !== 0x64 // \uD800–\uDFFF
}

/** What {@link flatMemberEnd} saw of the member it walked last: its shape (SHAPE_KEY_SHIFT). */
let flatShape = 0
/** Whether the member flatMemberEnd walked last held a byte 0x80 or above (as the scan counts). */
let flatWide = false

/**
 * The index after the flat object whose `{` is at `start` (bytes before `n`), a member of a
 * JSON object file, or -1 where it is no flat object of {@link CONNECTION_MEMBER_KEYS}: the
 * grammar of walkFlatObject (each key one of the names, once, no escape; each value a string
 * or a token without a bracket, brace, quote, comma or blank). Where it is one, it ends where
 * the member scan's own walk would end it (its first `}` outside a string), and sets
 * {@link flatShape} and {@link flatWide}: one pass over the member's
 * bytes for its end, its width, its kind and whether it surely reads.
 */
function flatMemberEnd(bytes: Uint8Array, start: number, n: number): number {
  let k = skipBlanks(bytes, start + 1, n)
  let shape = SHAPE_FLAT | SHAPE_SURE
  let wide = 0
  if (bytes[k] !== 0x7d)
    for (;;) {
      if (bytes[k] !== 0x22) return -1
      const keyStart = ++k
      while (k < n && bytes[k] !== 0x22 && bytes[k] !== 0x5c) k++
      if (bytes[k] !== 0x22) return -1
      const name = nameIndex(bytes, keyStart, k, CONNECTION_MEMBER_KEY_BYTES)
      if (name < 0) return -1
      const bit = 1 << (SHAPE_KEY_SHIFT + name)
      if (shape & bit) return -1
      shape |= bit
      k = skipBlanks(bytes, k + 1, n)
      if (bytes[k] !== 0x3a) return -1
      k = skipBlanks(bytes, k + 1, n)
      const from = k
      if (bytes[k] === 0x22) {
        // a string: as stringEnd finds its end and width, and whether it surely decodes
        for (k++; k < n; k++) {
          const c = bytes[k]!
          if (c === 0x22) break
          if (c === 0x5c) {
            if (!escapeSurelyDecodes(bytes, k, n)) shape &= ~SHAPE_SURE
            k++
          } else if (c < 0x20) shape &= ~SHAPE_SURE
          else wide |= c
        }
        if (k >= n) return -1
        k++
        if (name === PORT_KEY) shape &= ~SHAPE_SURE
        else if (name === EXTRA_KEY && k - from > 2) {
          shape |= SHAPE_EXTRA_TEXT
          if (from - start <= SHAPE_EXTRA_MAX) shape |= (from - start) << SHAPE_EXTRA_SHIFT
        }
      } else {
        for (; k < n; k++) {
          const c = bytes[k]!
          if (c === 0x2c || c === 0x7d || isJsonSpace(c)) break
          if (c === 0x22 || c === 0x5b || c === 0x5d || c === 0x7b) return -1
          wide |= c
        }
        if (k === from) return -1
        if (!isNull(bytes, from, k) && (name !== PORT_KEY || !isPortNumber(bytes, from, k)))
          shape &= ~SHAPE_SURE
      }
      k = skipBlanks(bytes, k, n)
      if (bytes[k] === 0x7d) break
      if (bytes[k] !== 0x2c) return -1
      k = skipBlanks(bytes, k + 1, n)
    }
  flatShape = shape
  flatWide = wide >= 0x80
  return k + 1
}

/** {@link jsonStringShape}: the string holds an escape. */
const STRING_ESCAPED = 1
/** {@link jsonStringShape}: the string holds a byte beyond ASCII. */
const STRING_WIDE = 2

/**
 * Whether the JSON string whose quotes are at bytes `from` and `to - 1` surely decodes
 * (Python's `json.loads`, strict): -1 where not — a control character, an escape other than
 * `\" \\ \/ \b \f \n \r \t` or `\uXXXX` outside the surrogates (a lone surrogate decodes in
 * Python; not sure here) — else whether it holds an escape (STRING_ESCAPED) and a byte beyond
 * ASCII (STRING_WIDE).
 */
function jsonStringShape(bytes: Uint8Array, from: number, to: number): number {
  if (bytes[from] !== 0x22 || bytes[to - 1] !== 0x22 || to - from < 2) return -1
  let high = 0
  let escaped = 0
  for (let k = from + 1; k < to - 1; k++) {
    const c = bytes[k]!
    if (c < 0x20) return -1
    if (c !== 0x5c) {
      high |= c
      continue
    }
    escaped = STRING_ESCAPED
    const e = bytes[++k]!
    if (e === 0x75) {
      if (k + 4 >= to - 1) return -1
      for (let h = 1; h <= 4; h++) if (!isHexCode(bytes[k + h]!)) return -1
      if ((bytes[k + 1]! | 0x20) === 0x64) return -1 // \uD800–\uDFFF
      k += 4
    } else if (!isJsonShortEscape(e) || k >= to - 1) return -1
  }
  return escaped | (high >= 0x80 ? STRING_WIDE : 0)
}

/** Whether the JSON string whose quotes are at bytes `from` and `to - 1` surely decodes. */
function jsonStringSurelyDecodes(bytes: Uint8Array, from: number, to: number): boolean {
  return jsonStringShape(bytes, from, to) >= 0
}

const isNull = (bytes: Uint8Array, from: number, to: number): boolean =>
  to - from === 4 &&
  bytes[from] === 0x6e &&
  bytes[from + 1] === 0x75 &&
  bytes[from + 2] === 0x6c &&
  bytes[from + 3] === 0x6c

/** The fields surelyReads knows: 0–5 text, 6 the port, 7 the extra. */
const CONNECTION_FIELD_NAMES = CONNECTION_MEMBER_KEYS.slice(0, EXTRA_KEY + 1)
const CONNECTION_FIELDS = CONNECTION_MEMBER_KEY_BYTES.slice(0, EXTRA_KEY + 1)

/**
 * Whether the JSON member in bytes `[start, end)` (valid UTF-8) certainly reads as a
 * connection — that `readRawFileItem('connection', id, text, 'json', dialect)` of its text
 * returns rather than throws, for an id the import command accepts (`cliKeyProblem`, which the
 * caller checks) — told without decoding it: `plan`/`diff` must refuse a file with a member
 * that does not read, and this spares them reading every member whose text is the same on
 * both sides. False means "not sure" (the caller reads it). True only for a URI string that
 * {@link uriSurelyReads} vouches for, or a flat object of the fields `airflow connections
 * export` writes, each once: text fields a string or null, the port null or an integer
 * 0–65535, the extra null or a string — which, where the dialect checks extras
 * (`checkExtra`), is decoded and must be a JSON object in the strict grammar. Strings must
 * decode (see jsonStringSurelyDecodes). test/unit/main/core/codecs/airflow-files-fast.test.ts
 * holds it to the decoder on generated members.
 */
export function jsonConnectionSurelyReads(
  bytes: Uint8Array,
  start: number,
  end: number,
  checkExtra: boolean
): boolean {
  const first = bytes[start]
  if (first === 0x22) {
    // a string without escapes is its own text: a URI read as `.env` values are
    for (let k = start + 1; k < end - 1; k++) if (bytes[k] === 0x5c) return false
    return jsonStringSurelyDecodes(bytes, start, end) && uriSurelyReads(bytes, start + 1, end - 1)
  }
  if (first !== 0x7b) return false
  return walkFlatObject(bytes, start, end, CONNECTION_FIELDS, (name, from, to) => {
    if (isNull(bytes, from, to)) return true
    if (name === PORT_KEY) return isPortNumber(bytes, from, to)
    if (!jsonStringSurelyDecodes(bytes, from, to)) return false
    if (name !== EXTRA_KEY || !checkExtra || to - from === 2) return true
    return extraIsObjectText(bytes, from, to)
  })
}

/** The decoded UTF-8 bytes of the extra extraIsObjectText checks (grown as needed; zeroed after). */
let extraBytes = new Uint8Array(4096)

/**
 * Whether the extra whose JSON string (it surely decodes: jsonStringSurelyDecodes) is bytes
 * `[from, to)` is, decoded, the text of a JSON object in the strict grammar (jsonObjectBytes:
 * what JSON.parse takes, nested at most 64 deep; false: not sure). The string is decoded from
 * its bytes into the UTF-8 bytes of its text (each escape its character; no string made) in a
 * buffer kept from call to call and zeroed after each (an extra may hold a secret).
 */
function extraIsObjectText(bytes: Uint8Array, from: number, to: number): boolean {
  // a character takes at most as many bytes decoded as its escape or its UTF-8 takes
  if (to - from > extraBytes.length)
    extraBytes = new Uint8Array(Math.max(to - from, 2 * extraBytes.length))
  const b = extraBytes
  let n = 0
  let ok = true
  for (let k = from + 1; k < to - 1; k++) {
    const c = bytes[k]!
    if (c !== 0x5c) {
      b[n++] = c
      continue
    }
    const e = bytes[++k]!
    if (e !== 0x75) {
      const d = SHORT_ESCAPE[e]!
      if (d === 0xff) {
        ok = false
        break
      }
      b[n++] = d
      continue
    }
    let u = 0
    for (let h = 1; h <= 4; h++) u = (u << 4) | HEX_VALUE[bytes[k + h]!]!
    k += 4
    // jsonStringSurelyDecodes takes no surrogate: every \uXXXX is one character
    if (u < 0 || (u >= 0xd800 && u <= 0xdfff)) {
      ok = false
      break
    }
    if (u < 0x80) b[n++] = u
    else if (u < 0x800) {
      b[n++] = 0xc0 | (u >> 6)
      b[n++] = 0x80 | (u & 0x3f)
    } else {
      b[n++] = 0xe0 | (u >> 12)
      b[n++] = 0x80 | ((u >> 6) & 0x3f)
      b[n++] = 0x80 | (u & 0x3f)
    }
  }
  ok &&= jsonObjectBytes(b, n)
  b.fill(0, 0, n)
  return ok
}

/** The byte each short escape's letter stands for (`\n` a line feed), 0xff for any other. */
const SHORT_ESCAPE = new Uint8Array(256).fill(0xff)
for (const [letter, byte] of [
  ['"', 0x22],
  ['\\', 0x5c],
  ['/', 0x2f],
  ['b', 0x08],
  ['f', 0x0c],
  ['n', 0x0a],
  ['r', 0x0d],
  ['t', 0x09]
] as const)
  SHORT_ESCAPE[letter.charCodeAt(0)] = byte

/** Each byte's value as a hex digit, -65536 where it is none (a \uXXXX read with one is < 0). */
const HEX_VALUE = new Int32Array(256).fill(-0x10000)
for (let d = 0; d < 16; d++)
  HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = HEX_VALUE['0123456789ABCDEF'.charCodeAt(d)] = d

/**
 * {@link jsonConnectionSurelyReads} of member i of a file's {@link JsonMemberColumns}, told
 * for an object from what the member scan saw (its shape), not walked again.
 */
export function jsonConnectionMemberSurelyReads(
  bytes: Uint8Array,
  columns: JsonMemberColumns,
  i: number,
  checkExtra: boolean
): boolean {
  const { cols } = columns
  const start = cols[5 * i + 2]!
  if (bytes[start] !== 0x7b)
    return jsonConnectionSurelyReads(bytes, start, cols[5 * i + 3]!, checkExtra)
  const shape = cols[5 * i + 4]!
  // a flat object of the exported fields only, every value one that reads
  if ((shape & (SHAPE_FLAT | SHAPE_SURE)) !== (SHAPE_FLAT | SHAPE_SURE)) return false
  if ((shape & SHAPE_KEYS & ~SHAPE_FIELDS) !== 0) return false
  if (!checkExtra || (shape & SHAPE_EXTRA_TEXT) === 0) return true
  const at = shape >>> SHAPE_EXTRA_SHIFT
  // too far into the member to be told: walked
  if (at === 0) return jsonConnectionSurelyReads(bytes, start, cols[5 * i + 3]!, checkExtra)
  const to = stringEnd(bytes, start + at, cols[5 * i + 3]!)
  return extraIsObjectText(bytes, start + at, to)
}

/**
 * Whether member i's key, one without an escape (its bytes are its text: JsonMemberColumns with
 * `find`), is 1–200 ASCII letters, digits, `_`, `.` and `-`: an id `cliKeyProblem` accepts,
 * told without decoding it. False: not sure (the caller asks cliKeyProblem of its text).
 */
export function memberKeyIsPlainId(
  columns: JsonMemberColumns,
  bytes: Uint8Array,
  i: number
): boolean {
  const { cols } = columns
  const start = cols[5 * i]!
  const end = cols[5 * i + 1]!
  if (end <= start || end - start > 200) return false
  for (let k = start; k < end; k++) {
    const c = bytes[k]!
    const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a
    if (!letter && !(c >= 0x30 && c <= 0x39) && c !== 0x5f && c !== 0x2e && c !== 0x2d) return false
  }
  return true
}

/**
 * Which of {@link CONNECTION_MEMBER_KEYS} member i of a file's {@link JsonMemberColumns} has
 * as keys, as bits (bit i: key i), each key once; -1 where it has another key or is not a
 * flat object (walkFlatObject's grammar), so the caller reads its text.
 */
export function memberConnectionKeyBits(columns: JsonMemberColumns, i: number): number {
  const shape = columns.cols[5 * i + 4]!
  return shape & SHAPE_FLAT ? (shape & SHAPE_KEYS) >>> SHAPE_KEY_SHIFT : -1
}

/**
 * Whether the JSON member in bytes `[start, end)` (valid UTF-8) certainly reads as a
 * variable (`readRawFileItem('variable', …)` returns): a string that decodes. False: not sure.
 */
export function jsonVariableSurelyReads(bytes: Uint8Array, start: number, end: number): boolean {
  return jsonStringSurelyDecodes(bytes, start, end)
}

/**
 * The JSON string whose quotes are at bytes `from` and `to - 1`, decoded where it surely
 * decodes (jsonStringShape, the same checks), else undefined: one pass over its bytes
 * tells both, and whether it is its own text (no escape: sliced, as ASCII where it is).
 */
function jsonStringValue(
  bytes: Uint8Array,
  from: number,
  to: number,
  slice: ByteSlicer
): string | undefined {
  const shape = jsonStringShape(bytes, from, to)
  if (shape < 0) return undefined
  // an escape: JSON.parse reads what Python's json.loads reads (jsonStringShape)
  if (shape & STRING_ESCAPED) return JSON.parse(slice(from, to, false)) as string
  return slice(from + 1, to - 1, !(shape & STRING_WIDE))
}

/**
 * The connection member in bytes `[start, end)` (valid UTF-8) as `pyJsonLoads` of its text
 * gives it, read from its bytes — a string, or a PyDict of the fields `airflow connections
 * export` writes, each once, in file order: strings, nulls, a port that is an integer as JSON
 * writes it (a bigint) — where every string surely decodes (jsonStringSurelyDecodes);
 * undefined for anything else (the caller parses the text). Nothing is checked beyond the
 * JSON: `decodeConnectionItem` reads the value as it reads the parsed one.
 * test/unit/main/core/codecs/airflow-files-fast.test.ts holds it to `pyJsonLoads`.
 */
export function jsonConnectionMemberValue(
  bytes: Uint8Array,
  start: number,
  end: number,
  slice: ByteSlicer = (from, to) => utf8.decode(bytes.subarray(from, to))
): PyValue | undefined {
  if (bytes[start] === 0x22) return jsonStringValue(bytes, start, end, slice)
  const out = new PyDict()
  const ok = walkFlatObject(bytes, start, end, CONNECTION_FIELDS, (name, from, to) => {
    const key = CONNECTION_FIELD_NAMES[name]!
    if (isNull(bytes, from, to)) out.set(key, null)
    else if (bytes[from] === 0x22) {
      const text = jsonStringValue(bytes, from, to, slice)
      if (text === undefined) return false
      out.set(key, text)
    } else {
      // an integer as JSON writes it: digits, no leading zero (any field: a port, or not), no
      // longer than an INTEGER port column's (far from Python's 4,300-digit limit)
      if ((bytes[from] === 0x30 && to - from > 1) || to - from > 10) return false
      let n = 0
      for (let k = from; k < to; k++) {
        const c = bytes[k]!
        if (c < 0x30 || c > 0x39) return false
        n = n * 10 + c - 0x30
      }
      out.set(key, BigInt(n))
    }
    return true
  })
  return ok ? out : undefined
}
