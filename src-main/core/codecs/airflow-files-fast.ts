/**
 * `rawFileItems(text, 'json')` (airflow-files.ts) read from the file's UTF-8 bytes: the same
 * members, found the same way, but only the keys and each member's text are decoded — never
 * the whole file (a 24 MB export with one `é` is a 48 MB two-byte string, and every member
 * text sliced from it keeps all of it alive). Every byte the scan looks at is ASCII (a quote,
 * a backslash, a bracket, a blank), and UTF-8 never puts an ASCII byte inside a multi-byte
 * character, so the bytes split where the text splits. test/unit/main/core/codecs/
 * airflow-files-fast.test.ts compares the two on generated files.
 */
import { PY_JSON_MAX_NESTING, pyJsonLoads } from './py-json'

/** Bytes `[start, end)` as text; `ascii` says none is 0x80 or above. */
export type ByteSlicer = (start: number, end: number, ascii: boolean) => string

// ignoreBOM: text that starts with U+FEFF keeps it, as the whole-file decoder keeps it
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

const JSON_SPACE = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

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
 * {@link JsonMemberSpans} of a JSON object file's valid UTF-8 `bytes`: the members
 * `rawFileItems(text, 'json')` gives for the decoded text (undefined where it does), their
 * texts not decoded. `slice` decodes the keys.
 */
export function jsonObjectMemberSpansOfBytes(
  bytes: Uint8Array,
  slice: ByteSlicer = (start, end) => utf8.decode(bytes.subarray(start, end))
): JsonMemberSpans | undefined {
  const n = bytes.length
  let k = 0
  /** Whether the last string scanned held a byte 0x80 or above. */
  let wide = false
  const skip = (): void => {
    while (k < n && JSON_SPACE(bytes[k]!)) k++
  }
  /** The index after the string whose opening quote is at `from`, or -1 (sets `wide`). */
  const stringEnd = (from: number): number => {
    // the next quote not escaped (a loop: Buffer#indexOf costs more per call than short
    // strings take to scan)
    let high = 0
    for (let q = from + 1; q < n; q++) {
      const c = bytes[q]!
      if (c === 0x5c) q++
      else if (c === 0x22) {
        wide = high >= 0x80
        return q + 1
      } else high |= c
    }
    return -1
  }
  skip()
  if (bytes[k] !== 0x7b) return undefined
  k++
  skip()
  const keys: string[] = []
  const spans: number[] = []
  const seen = new Set<string>()
  if (bytes[k] === 0x7d) {
    k++
    skip()
    return k === n ? { keys, spans } : undefined
  }
  for (;;) {
    if (bytes[k] !== 0x22) return undefined
    const keyEnd = stringEnd(k)
    if (keyEnd < 0) return undefined
    // a key without an escape or a control character is its own text
    let plain = true
    for (let i = k + 1; i < keyEnd - 1; i++) {
      const c = bytes[i]!
      if (c === 0x5c || c < 0x20) plain = false
    }
    let key: string
    if (plain) key = slice(k + 1, keyEnd - 1, !wide)
    else
      try {
        key = pyJsonLoads(slice(k, keyEnd, false)) as string
      } catch {
        return undefined
      }
    if (seen.has(key)) return undefined
    seen.add(key)
    k = keyEnd
    skip()
    if (bytes[k] !== 0x3a) return undefined
    k++
    skip()
    const start = k
    let depth = 0
    let ascii = 1
    for (; k < n; k++) {
      const c = bytes[k]!
      if (c === 0x22) {
        const end = stringEnd(k)
        if (end < 0) return undefined
        if (wide) ascii = 0
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
      } else if (depth === 0 && (c === 0x2c || JSON_SPACE(c))) break
      else if (c >= 0x80) ascii = 0
    }
    if (k === start) return undefined
    keys.push(key)
    spans.push(start, k, ascii)
    skip()
    const c = bytes[k]
    if (c === 0x7d) {
      k++
      skip()
      return k === n ? { keys, spans } : undefined
    }
    if (c !== 0x2c) return undefined
    k++
    skip()
  }
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
