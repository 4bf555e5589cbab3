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

/** compose's ASCII name characters (`[_.[\]\-\p{L}\p{N}]` below 0x80), by byte. */
const NAME_BYTE: readonly boolean[] = Array.from({ length: 0x100 }, (_, c) =>
  c < 0x80 ? /^[_.[\]\-A-Za-z0-9]$/.test(String.fromCharCode(c)) : false
)

/** Bytes `[start, end)` as text; `ascii` says none is 0x80 or above. */
export type ByteSlicer = (start: number, end: number, ascii: boolean) => string

// ignoreBOM: a value that starts with U+FEFF keeps it
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

/**
 * The variables docker compose sets from a `.env` file's UTF-8 `bytes` (already known to be
 * valid UTF-8), name → value in line order; undefined where the exact decoder must decide.
 * `slice` decodes a byte range (default: TextDecoder over a subarray).
 */
export function decodeComposeFast(
  bytes: Uint8Array,
  slice: ByteSlicer = (start, end) => utf8.decode(bytes.subarray(start, end))
): Map<string, string> | undefined {
  const n = bytes.length
  const vars = new Map<string, string>()
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
    const name = slice(nameStart, pos, true)
    pos++
    c = pos < n ? bytes[pos]! : 0x0a
    let value: string
    if (c === 0x27 || c === 0x22) {
      // quoted, on one line, closed, and nothing after the quote: single quotes are literal,
      // and double quotes without `\` or `$` are too (no escape, nothing to interpolate)
      const from = pos + 1
      let ascii = true
      let k = from
      for (; k < n; k++) {
        const b = bytes[k]!
        if (b === c) break
        if (b === 0x5c || b === 0x0a || (c === 0x22 && b === 0x24)) return undefined
        if (b >= 0x80) ascii = false
      }
      if (k >= n) return undefined
      if (k + 1 < n && bytes[k + 1] !== 0x0a) return undefined
      value = slice(from, k, ascii)
      pos = k + 2
    } else {
      // unquoted: printable, no blank (so no ` #` comment and nothing to trim), no `$`
      // (nothing to interpolate); non-ASCII only inside (compose skips and trims some
      // non-ASCII spaces at either end)
      const from = pos
      let ascii = true
      let k = from
      for (; k < n; k++) {
        const b = bytes[k]!
        if (b === 0x0a) break
        if (b <= 0x20 || b === 0x24 || b === 0x7f) return undefined
        if (b >= 0x80) ascii = false
      }
      if (k > from && (bytes[from]! >= 0x80 || bytes[k - 1]! >= 0x80)) return undefined
      value = k > from ? slice(from, k, ascii) : ''
      pos = k + 1
    }
    // a name set twice (the map did not grow) is the exact path's: one hash lookup, not two
    const size = vars.size
    vars.set(name, value)
    if (vars.size === size) return undefined
  }
  return vars
}
