/**
 * `JSON.parse` without V8's escaped-key misreading (ADR 0003): the engine's parse, and where
 * its result could hold a misread key, the same text read again by a small exact parser.
 */

/**
 * `JSON.parse(text)`, exactly as the language defines it. Node 24's V8 (13.6) may give an
 * object key written with an escape as a key an earlier object had: the text `{"b":1,"\"":2}`
 * read as `{ b: 1, '\\': 2 }` once `{"b":1,"\\":0}` was parsed. The wrong key always holds a
 * backslash (and stays in the result), so a text without one is taken as the engine reads it,
 * and a result with a key holding one is read again by {@link parseJsonExactly}. Throws the
 * engine's SyntaxError.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text)
  return text.includes('\\') && hasBackslashKey(value) ? parseJsonExactly(text) : value
}

/** Whether an object anywhere in `value` (a JSON.parse result) has a key holding a backslash. */
function hasBackslashKey(value: unknown): boolean {
  const stack: unknown[] = [value]
  while (stack.length) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === 'object') stack.push(item)
      continue
    }
    for (const key of Object.keys(v)) {
      if (key.includes('\\')) return true
      const child = (v as Record<string, unknown>)[key]
      if (child !== null && typeof child === 'object') stack.push(child)
    }
  }
  return false
}

/** What a JSON string's two-character escapes stand for (`\uXXXX` aside). */
export const JSON_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t'
}
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const HEX4 = /^[0-9a-fA-F]{4}$/

/** An object or array being filled, and the key its next value goes under. */
interface Open {
  readonly container: Record<string, unknown> | unknown[]
  key: string | undefined
}

/**
 * What `JSON.parse(text)` gives by the ECMAScript definition (no reviver), read character by
 * character without recursion: the last of duplicate keys wins at the first one's place,
 * `__proto__` is an own data property, numbers are `Number()` of their text. Throws a
 * SyntaxError naming the position where `text` is not JSON.
 */
export function parseJsonExactly(text: string): unknown {
  let i = 0
  const fail = (): never => {
    throw new SyntaxError(
      i < text.length
        ? `Unexpected character in JSON at position ${i}`
        : 'Unexpected end of JSON input'
    )
  }
  const skipSpace = (): void => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;)
      c = text.charCodeAt(++i)
  }
  const string = (): string => {
    let out = ''
    let from = ++i // past the opening quote
    for (;;) {
      const c = text.charCodeAt(i)
      if (c === 0x22) break
      if (Number.isNaN(c) || c < 0x20) fail()
      if (c !== 0x5c) {
        i++
        continue
      }
      out += text.slice(from, i)
      const e = text[i + 1] ?? ''
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6)
        if (!HEX4.test(hex)) fail()
        out += String.fromCharCode(parseInt(hex, 16))
        i += 6
      } else {
        const decoded = JSON_ESCAPES[e]
        if (decoded === undefined) {
          i++
          fail()
        }
        out += decoded
        i += 2
      }
      from = i
    }
    out += text.slice(from, i++)
    return out
  }
  const put = (open: Open, value: unknown): void => {
    const { container } = open
    if (Array.isArray(container)) container.push(value)
    else if (open.key === '__proto__')
      Object.defineProperty(container, open.key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true
      })
    else container[open.key!] = value
  }
  /** A key, its colon and the space after it, at `i`. */
  const key = (): string => {
    if (text[i] !== '"') fail()
    const k = string()
    skipSpace()
    if (text[i] !== ':') fail()
    i++
    return k
  }
  const literal = (word: string, value: unknown): unknown => {
    i += word.length
    return value
  }
  const stack: Open[] = []
  let result: unknown
  for (;;) {
    // a value: a scalar, or the start of an object or array
    skipSpace()
    let value: unknown
    const c = text[i]
    if (c === '{' || c === '[') {
      const open: Open = { container: c === '{' ? {} : [], key: undefined }
      i++
      skipSpace()
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++
        value = open.container
      } else {
        if (c === '{') open.key = key()
        stack.push(open)
        continue
      }
    } else if (c === '"') value = string()
    else if (text.startsWith('true', i)) value = literal('true', true)
    else if (text.startsWith('false', i)) value = literal('false', false)
    else if (text.startsWith('null', i)) value = literal('null', null)
    else {
      NUMBER.lastIndex = i
      if (!NUMBER.test(text)) fail()
      value = Number(text.slice(i, NUMBER.lastIndex))
      i = NUMBER.lastIndex
    }
    // the value goes into the innermost open container; close those it completes
    for (;;) {
      const open = stack.at(-1)
      if (!open) {
        result = value
        break
      }
      put(open, value)
      skipSpace()
      const isArray = Array.isArray(open.container)
      const next = text[i]
      if (next === ',') {
        i++
        if (!isArray) {
          skipSpace()
          open.key = key()
        }
        break
      }
      if (next !== (isArray ? ']' : '}')) fail()
      i++
      stack.pop()
      value = open.container
    }
    if (stack.length === 0) break
  }
  skipSpace()
  if (i < text.length) fail()
  return result
}
