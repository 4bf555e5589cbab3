/**
 * The one reading of a user's file as text: strict UTF-8, as Airflow reads its files (Python's
 * `open(…, encoding='utf-8')` raises `UnicodeDecodeError`). Node's `readFile(…, 'utf8')` would
 * silently turn bad bytes into U+FFFD, and the replacement would then be copied into a target.
 */
import { AirlockError } from '../errors'

// ignoreBOM: a BOM stays a U+FEFF character, as readFile(…, 'utf8') and Python's 'utf-8' keep it
const options = { fatal: true, ignoreBOM: true } as const
const strict = new TextDecoder('utf-8', options)

/** The 1-based line of the first byte sequence that is not UTF-8 (none: the text is UTF-8). */
export function invalidUtf8Line(bytes: Uint8Array): number | undefined {
  try {
    strict.decode(bytes)
    return undefined
  } catch {
    // The shortest prefix a streaming decoder refuses ends at the byte that shows the error;
    // a prefix it accepts is valid (or an unfinished sequence). No prefix refused: the end of
    // the file cuts a sequence short.
    let lo = 0
    let hi = bytes.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      try {
        new TextDecoder('utf-8', options).decode(bytes.subarray(0, mid + 1), { stream: true })
        lo = mid + 1
      } catch {
        hi = mid
      }
    }
    // `lo` is the byte that showed the error: a line break there ends the bad line
    let line = 1
    for (let i = 0; i < Math.min(lo, bytes.length); i++) if (bytes[i] === 0x0a) line++
    return line
  }
}

/**
 * `bytes` as text; throws an AirlockError (`codec.parse`) naming `where` (the file) and the
 * line of the first bytes that are not UTF-8 — never the bytes themselves.
 */
export function decodeUtf8File(bytes: Uint8Array, where: string): string {
  try {
    return strict.decode(bytes)
  } catch {
    const line = invalidUtf8Line(bytes) ?? 1
    throw new AirlockError(
      'codec.parse',
      `${where} is not UTF-8 text: line ${line} holds bytes that are not valid UTF-8 (Airflow reads the file as UTF-8 and fails on it too). Save it as UTF-8.`
    )
  }
}
