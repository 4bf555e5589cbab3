/**
 * Python's `str` primitives Airflow's code relies on, by code point as Python counts:
 * JavaScript indexes UTF-16 code units, so a naive port strips half of an astral
 * character (`'a😀'.rstrip('\ude00')` leaves `'a😀'` in Python).
 */

/** Python's `str.isspace()` characters (also what `\s` matches in a `str` regex). */
export const PY_SPACE =
  '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000'

/** {@link PY_SPACE} as the body of a regex character class (Python's `\s` in a `str` pattern). */
export const PY_SPACE_CLASS = PY_SPACE.replace(/[\]\\^-]/g, '\\$&')

/** Python's `str.isspace()` for one character. */
export const pyIsSpace = (c: string): boolean => PY_SPACE.includes(c)

const SPACE_SET: ReadonlySet<number> = new Set([...PY_SPACE].map((c) => c.codePointAt(0)!))

const isHigh = (u: number): boolean => u >= 0xd800 && u <= 0xdbff
const isLow = (u: number): boolean => u >= 0xdc00 && u <= 0xdfff

function charSet(chars: string | undefined): ReadonlySet<number> {
  return chars === undefined ? SPACE_SET : new Set([...chars].map((c) => c.codePointAt(0)!))
}

/** Code units of the code point that starts at `i` (a lone surrogate is one code point). */
function widthAt(s: string, i: number): number {
  return isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1)) ? 2 : 1
}

/** Code units of the code point that ends just before `end`. */
function widthBefore(s: string, end: number): number {
  return isLow(s.charCodeAt(end - 1)) && end >= 2 && isHigh(s.charCodeAt(end - 2)) ? 2 : 1
}

function startOfKept(s: string, set: ReadonlySet<number>): number {
  let a = 0
  while (a < s.length && set.has(s.codePointAt(a)!)) a += widthAt(s, a)
  return a
}

function endOfKept(s: string, set: ReadonlySet<number>, from: number): number {
  let b = s.length
  while (b > from) {
    const w = widthBefore(s, b)
    if (!set.has(s.codePointAt(b - w)!)) break
    b -= w
  }
  return b
}

/**
 * Python's `str.strip(chars)`: removes any of the characters (not the string) from both
 * ends; without `chars`, Python's whitespace (a different set from JavaScript's `trim`).
 */
export function pyStrip(s: string, chars?: string): string {
  const set = charSet(chars)
  const a = startOfKept(s, set)
  return s.slice(a, endOfKept(s, set, a))
}

/** Python's `str.rstrip(chars)`: removes any of the characters from the end. */
export function pyRstrip(s: string, chars?: string): string {
  if (chars === '') return s
  return s.slice(0, endOfKept(s, charSet(chars), 0))
}

/** Python's `str.lstrip(chars)`: removes any of the characters from the start. */
export function pyLstrip(s: string, chars?: string): string {
  if (chars === '') return s
  return s.slice(startOfKept(s, charSet(chars)))
}

/**
 * Python's `int(text)` for decimal text: surrounding whitespace, a sign, `_` between digits;
 * undefined where Python raises ValueError.
 */
export function pyIntFromText(text: string): number | undefined {
  const s = pyStrip(text)
  if (!/^[+-]?\d+(?:_\d+)*$/.test(s)) return undefined
  return Number(s.replace(/_/g, ''))
}
