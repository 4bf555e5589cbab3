/**
 * The fast path of `decodeEnvFile(text, 'compose')` for the common file: every line a plain
 * `NAME=value`, `NAME='value'` or `NAME="value"`, a blank line or a `#` comment. It reads the
 * file's bytes (no whole-file string: a 20 MB file with one `é` would be a 40 MB two-byte
 * string), decodes only the values, and returns undefined wherever it is not sure — any other
 * line, a name set twice, a `$` or a `\` where compose would interpolate or unescape, text
 * after a closing quote, a BOM, a CR — and the caller then takes the exact path. Where it
 * answers, the answer is the exact path's (the names and values of `decoded.value`, in their
 * order, and no problems), byte for byte: test/unit/main/core/codecs/env-file-fast.test.ts
 * compares them on generated files.
 */
import { indexNames, type NameFinder } from '../byte-columns'

/** compose's ASCII name characters (`[_.[\]\-\p{L}\p{N}]` below 0x80), by byte. */
const NAME_BYTE: readonly boolean[] = Array.from({ length: 0x100 }, (_, c) =>
  c < 0x80 ? /^[_.[\]\-A-Za-z0-9]$/.test(String.fromCharCode(c)) : false
)

/** Bytes `[start, end)` as text; `ascii` says none is 0x80 or above. */
export type ByteSlicer = (start: number, end: number, ascii: boolean) => string

// ignoreBOM: a value that starts with U+FEFF keeps it
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * Where the variables of {@link decodeComposeFast} are in the bytes, without decoding their
 * values: `names` in line order, and for the i-th, its value is bytes `[spans[3i],
 * spans[3i + 1])` decoded, `spans[3i + 2]` 1 when those bytes are all ASCII. Undefined where
 * decodeComposeFast is. Two values are the same text exactly when their byte ranges are the
 * same bytes (valid UTF-8 decodes one way), so a caller can compare them undecoded.
 */
export interface ComposeSpans {
  names: string[]
  spans: number[]
}

/** A byte's class in an unquoted value: 0 goes on, 1 ends it (LF), 2 declines, 3 non-ASCII. */
const UNQUOTED = new Uint8Array(0x100)
for (let c = 0; c <= 0x20; c++) UNQUOTED[c] = 2
UNQUOTED[0x0a] = 1
UNQUOTED[0x24] = UNQUOTED[0x7f] = 2
for (let c = 0x80; c < 0x100; c++) UNQUOTED[c] = 3

/** The same in a single-quoted value: 1 is the closing quote; `\\` and LF decline. */
const SINGLE_QUOTED = new Uint8Array(0x100)
SINGLE_QUOTED[0x27] = 1
SINGLE_QUOTED[0x5c] = SINGLE_QUOTED[0x0a] = 2
for (let c = 0x80; c < 0x100; c++) SINGLE_QUOTED[c] = 3
/** In a double-quoted value, `$` declines too. */
const DOUBLE_QUOTED = SINGLE_QUOTED.slice()
DOUBLE_QUOTED[0x27] = 0
DOUBLE_QUOTED[0x22] = 1
DOUBLE_QUOTED[0x24] = 2

/**
 * Where the variables of {@link decodeComposeFast} are in the bytes, nothing decoded, as
 * columns (no object or string per variable): the i-th variable's name is bytes
 * `[cols[5i], cols[5i + 1])` (ASCII), its value bytes `[cols[5i + 2], cols[5i + 3])`, and
 * `cols[5i + 4]` is 1 when those are all ASCII. `find` gives the index of a name (by its
 * bytes), each name being there once. Undefined where decodeComposeFast is.
 */
export interface ComposeColumns {
  count: number
  cols: Int32Array
  /** The index of the variable named by `other[start, end)`, or -1. */
  find: NameFinder
}

/**
 * {@link ComposeColumns} of a `.env` file's UTF-8 `bytes` (already known to be valid UTF-8).
 * A name set twice is found by a table of the names' hashes (no string is made).
 */
export function composeFastColumns(bytes: Uint8Array): ComposeColumns | undefined {
  const n = bytes.length
  // Empty, so the first variable grows it (to 1,024 variables, doubling after): the growing
  // code then runs once before V8 optimizes the loop below. Optimized before it ever ran, it
  // had no type feedback, and the first growth (at the 1,025th variable) threw the optimized
  // loop away, twice per fresh process (the `.env` diff's byte scan, issue #22).
  let cols = new Int32Array(0)
  let count = 0
  // a BOM is the exact path's
  if (n >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined
  let pos = 0
  while (pos < n) {
    let c = bytes[pos]!
    if (c === 0x0a) {
      pos++
      continue
    }
    if (c === 0x23) {
      // a comment line: compose skips to the line feed (and then the blanks after it)
      const nl = bytes.indexOf(0x0a, pos)
      if (nl < 0) break
      pos = nl + 1
      continue
    }
    // NAME=: ASCII name characters straight up to the `=`
    const nameStart = pos
    while (pos < n && NAME_BYTE[bytes[pos]!]) pos++
    if (pos === nameStart || pos >= n || bytes[pos] !== 0x3d) return undefined
    const nameEnd = pos
    pos++
    c = pos < n ? bytes[pos]! : 0x0a
    let from: number
    let to: number
    let ascii = 1
    if (c === 0x27 || c === 0x22) {
      // quoted, on one line, closed, and nothing after the quote: single quotes are literal,
      // and double quotes without `\` or `$` are too (no escape, nothing to interpolate)
      from = pos + 1
      const table = c === 0x27 ? SINGLE_QUOTED : DOUBLE_QUOTED
      let k = from
      for (; k < n; k++) {
        const t = table[bytes[k]!]!
        if (t === 0) continue
        if (t === 1) break
        if (t === 2) return undefined
        ascii = 0
      }
      if (k >= n) return undefined
      if (k + 1 < n && bytes[k + 1] !== 0x0a) return undefined
      to = k
      pos = k + 2
    } else {
      // unquoted: printable, no blank (so no ` #` comment and nothing to trim), no `$`
      // (nothing to interpolate); non-ASCII only inside (compose skips and trims some
      // non-ASCII spaces at either end)
      from = pos
      let k = from
      for (; k < n; k++) {
        const t = UNQUOTED[bytes[k]!]!
        if (t === 0) continue
        if (t === 1) break
        if (t === 2) return undefined
        ascii = 0
      }
      if (k > from && (bytes[from]! >= 0x80 || bytes[k - 1]! >= 0x80)) return undefined
      to = k
      pos = k + 1
    }
    if (5 * count + 5 > cols.length) {
      const grown = new Int32Array(Math.max(5 * 1024, cols.length * 2))
      grown.set(cols)
      cols = grown
    }
    const at = 5 * count++
    cols[at] = nameStart
    cols[at + 1] = nameEnd
    cols[at + 2] = from
    cols[at + 3] = to
    cols[at + 4] = ascii
  }
  // a name set twice is the exact path's
  const find = indexNames(bytes, cols, count)
  return find && { count, cols, find }
}

/**
 * {@link ComposeSpans} of a `.env` file's UTF-8 `bytes` (already known to be valid UTF-8);
 * `slice` decodes the names.
 */
export function composeFastSpans(
  bytes: Uint8Array,
  slice: ByteSlicer = (start, end) => utf8.decode(bytes.subarray(start, end))
): ComposeSpans | undefined {
  const found = composeFastColumns(bytes)
  if (!found) return undefined
  const { count, cols } = found
  const names: string[] = new Array<string>(count)
  const spans: number[] = new Array<number>(3 * count)
  for (let i = 0; i < count; i++) {
    names[i] = slice(cols[5 * i]!, cols[5 * i + 1]!, true)
    spans[3 * i] = cols[5 * i + 2]!
    spans[3 * i + 1] = cols[5 * i + 3]!
    spans[3 * i + 2] = cols[5 * i + 4]!
  }
  return { names, spans }
}

/**
 * The variables docker compose sets from a `.env` file's UTF-8 `bytes` (already known to be
 * valid UTF-8), name → value in line order; undefined where the exact decoder must decide.
 * `slice` decodes a byte range (default: TextDecoder over a subarray).
 */
export function decodeComposeFast(
  bytes: Uint8Array,
  slice: ByteSlicer = (start, end) => utf8.decode(bytes.subarray(start, end))
): Map<string, string> | undefined {
  const found = composeFastSpans(bytes, slice)
  if (!found) return undefined
  const { names, spans } = found
  const vars = new Map<string, string>()
  for (let i = 0; i < names.length; i++) {
    const start = spans[3 * i]!
    const end = spans[3 * i + 1]!
    vars.set(names[i]!, end > start ? slice(start, end, spans[3 * i + 2] === 1) : '')
  }
  return vars
}
