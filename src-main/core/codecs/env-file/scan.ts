/**
 * What the loaders' scanners share: each loader's whitespace, line numbers, and the
 * bindings a scan finds.
 */
import { describeKey } from '../../errors'
import { PY_SPACE } from '../py-str'
import { type EnvFileProblem } from './types'

// ---------------------------------------------------------------------------------------
// Character classes. Each loader has its own idea of whitespace.

/** Go's `unicode.IsSpace` (compose trims values and skips blank lines with it). */
export const GO_SPACE = '\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000'
/** compose's `isSpace`: Go's spaces without the line feed (and without the Zs block above 0xA0). */
export const COMPOSE_INLINE_SPACE = '\t\v\f\r \x85\xa0'
/** Python's `[^\S\r\n]`: whitespace but CR and LF. */
export const PY_INLINE_SPACE_CLASS = PY_SPACE.replace(/[\r\n]/g, '').replace(/[\]\\^-]/g, '\\$&')

const GO_SPACE_RE = new RegExp(`^[${GO_SPACE}]$`, 'u')
/** Go's `unicode.IsSpace` for one character. */
export const isGoSpace = (c: string): boolean => GO_SPACE_RE.test(c)

/** {@link isGoSpace} of one UTF-16 code unit (every Go space is one unit), without a match. */
export function isGoSpaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d)
  if (c < 0x85) return false
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  )
}

/** `s` without the trailing characters `isSpace` accepts. */
export function trimEndBy(s: string, isSpace: (c: string) => boolean): string {
  let end = s.length
  while (end > 0 && isSpace(s[end - 1]!)) end--
  return s.slice(0, end)
}

/** A name fit for a message: env names are shown, anything odd is described. */
export function nameInMessage(name: string): string {
  return /^[A-Za-z0-9_.[\]-]{1,200}$/.test(name) ? name : describeKey(name)
}

/** Offsets of line starts, so a character offset gives its 1-based line. */
export class Lines {
  private readonly starts: number[] = [0]
  constructor(text: string, crIsBreak: boolean) {
    if (!crIsBreak) {
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1))
        this.starts.push(nl + 1)
      return
    }
    // by code (no one-character string per character of the file)
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 0x0a) this.starts.push(i + 1)
      else if (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a) this.starts.push(i + 1)
    }
  }
  at(offset: number): number {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.starts[mid]! <= offset) lo = mid
      else hi = mid - 1
    }
    return lo + 1
  }
}

/** One assignment (or bare name) found in a file, with where it sits. */
export interface Binding {
  name: string
  /** The value as handed to interpolation; null for a name without `=`. */
  raw: string | null
  /** Whether the loader interpolates this value (compose: not in single quotes). */
  interpolated: boolean
  line: number
  /** Offset of the statement (`export` included). */
  statementStart: number
  /** Offset of the name. */
  start: number
  /** Offset just past the value as written (closing quote, last kept character). */
  end: number
  /** compose: a bare name that follows other text on its line (after a closing quote). */
  midLine?: boolean
}

/** A loader's reading of a file before interpolation. */
export interface Scan {
  bindings: Binding[]
  problems: EnvFileProblem[]
  warnings: EnvFileProblem[]
}

/**
 * The backslash escapes docker compose (Go's `strconv.UnquoteChar`) and python-dotenv
 * (`decode_escapes`) both expand in double quotes, by the letter after the backslash; the
 * encoder writes their inverse, so a value it escapes reads back in either loader.
 */
export const SHARED_DOUBLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"'
}
