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
import { uriSurelyReads } from './connection-uri-fast'
import {
  isHexCode,
  isJsonObjectText,
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
 * `cols[5i + 4]` has bit 0 set when the text is all ASCII, bit 1 when the key is. Where every
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
    cols[at + 4] = ascii | keyAscii
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

/** The bytes of each ASCII name, for comparing keys where they are (flatObjectKeyBits). */
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

/**
 * Which of `names` the flat JSON object in bytes `[start, end)` has as keys, as bits (bit i:
 * `names[i]`), each key once; -1 where it has another key or is not such an object (see
 * walkFlatObject), so the caller reads its text. At most 30 names, all ASCII.
 */
export function flatObjectKeyBits(
  bytes: Uint8Array,
  start: number,
  end: number,
  names: readonly Uint8Array[]
): number {
  let bits = 0
  const ok = walkFlatObject(bytes, start, end, names, (name) => {
    bits |= 1 << name
    return true
  })
  return ok ? bits : -1
}

/**
 * Whether the JSON string whose quotes are at bytes `from` and `to - 1` decodes (Python's
 * `json.loads`, strict): no control character, each escape one of `\" \\ \/ \b \f \n \r \t`
 * or `\uXXXX` outside the surrogates (a lone surrogate decodes in Python; not sure here).
 */
function jsonStringSurelyDecodes(bytes: Uint8Array, from: number, to: number): boolean {
  if (bytes[from] !== 0x22 || bytes[to - 1] !== 0x22 || to - from < 2) return false
  for (let k = from + 1; k < to - 1; k++) {
    const c = bytes[k]!
    if (c < 0x20) return false
    if (c !== 0x5c) continue
    const e = bytes[++k]!
    if (e === 0x75) {
      if (k + 4 >= to - 1) return false
      for (let h = 1; h <= 4; h++) if (!isHexCode(bytes[k + h]!)) return false
      if ((bytes[k + 1]! | 0x20) === 0x64) return false // \uD800–\uDFFF
      k += 4
    } else if (!isJsonShortEscape(e) || k >= to - 1) return false
  }
  return true
}

const isNull = (bytes: Uint8Array, from: number, to: number): boolean =>
  to - from === 4 &&
  bytes[from] === 0x6e &&
  bytes[from + 1] === 0x75 &&
  bytes[from + 2] === 0x6c &&
  bytes[from + 3] === 0x6c

/** The fields surelyReads knows: 0–5 text, 6 the port, 7 the extra. */
const CONNECTION_FIELD_NAMES = [...CONNECTION_SCALAR_FIELDS, 'extra'] as const
const CONNECTION_FIELDS = asciiNames(CONNECTION_FIELD_NAMES)

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
    if (name === 6) {
      // an integer as JSON writes it (no sign, no leading zero), 0–65535
      if (to - from > 5 || (bytes[from] === 0x30 && to - from > 1)) return false
      let port = 0
      for (let k = from; k < to; k++) {
        const c = bytes[k]!
        if (c < 0x30 || c > 0x39) return false
        port = port * 10 + c - 0x30
      }
      return port <= 65535
    }
    if (!jsonStringSurelyDecodes(bytes, from, to)) return false
    if (name !== 7 || !checkExtra || to - from === 2) return true
    // the extra's text, decoded (JSON.parse takes the strings jsonStringSurelyDecodes does)
    const extra = JSON.parse(utf8.decode(bytes.subarray(from, to))) as string
    return isJsonObjectText(extra)
  })
}

/**
 * Whether the JSON member in bytes `[start, end)` (valid UTF-8) certainly reads as a
 * variable (`readRawFileItem('variable', …)` returns): a string that decodes. False: not sure.
 */
export function jsonVariableSurelyReads(bytes: Uint8Array, start: number, end: number): boolean {
  return jsonStringSurelyDecodes(bytes, start, end)
}

/** The JSON string whose quotes are at bytes `from` and `to - 1`, decoded (it surely decodes). */
function jsonStringAt(bytes: Uint8Array, from: number, to: number, slice: ByteSlicer): string {
  let high = 0
  for (let k = from + 1; k < to - 1; k++) {
    const c = bytes[k]!
    // an escape: JSON.parse reads what Python's json.loads reads (jsonStringSurelyDecodes)
    if (c === 0x5c) return JSON.parse(slice(from, to, false)) as string
    high |= c
  }
  return slice(from + 1, to - 1, high < 0x80)
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
  if (bytes[start] === 0x22)
    return jsonStringSurelyDecodes(bytes, start, end)
      ? jsonStringAt(bytes, start, end, slice)
      : undefined
  const out = new PyDict()
  const ok = walkFlatObject(bytes, start, end, CONNECTION_FIELDS, (name, from, to) => {
    const key = CONNECTION_FIELD_NAMES[name]!
    if (isNull(bytes, from, to)) out.set(key, null)
    else if (bytes[from] === 0x22) {
      if (!jsonStringSurelyDecodes(bytes, from, to)) return false
      out.set(key, jsonStringAt(bytes, from, to, slice))
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
