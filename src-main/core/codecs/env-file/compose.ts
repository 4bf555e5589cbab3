/**
 * docker compose v2's loader: compose-spec/compose-go `dotenv/parser.go` and its `template`
 * interpolation.
 */
import {
  type Binding,
  COMPOSE_INLINE_SPACE,
  isGoSpace,
  isGoSpaceCode,
  Lines,
  nameInMessage,
  type Scan,
  trimEndBy,
  SHARED_DOUBLE_ESCAPES
} from './scan'

// ---------------------------------------------------------------------------------------
// docker compose (compose-go dotenv/parser.go)

/** `escapeSeqRegex` of parser.go: the escapes compose expands in double quotes. */
const COMPOSE_ESCAPE = /\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})/g

/** `expandEscapes`: Go's `strconv.UnquoteChar` on each match; `\$` becomes `$$`. */
function composeExpandEscapes(s: string): string {
  return s.replace(COMPOSE_ESCAPE, (match) => {
    if (match === '\\$') return '$$'
    // parser.go rewrites `\0` to `\` and, when UnquoteChar fails, returns the rewritten text
    const m = match.startsWith('\\0') ? '\\' + match.slice(2) : match
    const simple = SHARED_DOUBLE_ESCAPES[m.slice(1)]
    if (m.length === 2 && simple !== undefined) return simple
    if (/^\\[0-7]{3}$/.test(m)) {
      const code = parseInt(m.slice(1), 8)
      if (code <= 255) return String.fromCharCode(code)
    }
    return m
  })
}

const isComposeKeyChar = (c: string): boolean => /^[_.[\]\-\p{L}\p{N}]$/u.test(c)

/** {@link isComposeKeyChar} of each ASCII code, looked up instead of matched. */
const ASCII_KEY_CHAR: readonly boolean[] = Array.from({ length: 0x80 }, (_, code) =>
  isComposeKeyChar(String.fromCharCode(code))
)

/** compose-go `dotenv/parser.go`: the bindings of a file, every problem with its line. */
export function scanCompose(text: string): Scan {
  const lines = new Lines(text, false)
  const out: Scan = { bindings: [], problems: [], warnings: [] }
  const len = text.length
  const endOfLine = (from: number): number => {
    const nl = text.indexOf('\n', from)
    return nl < 0 ? len : nl + 1
  }
  let pos = text.startsWith('\ufeff') ? 1 : 0
  while (pos < len) {
    // getStatementStart: skip whitespace (line feeds too) and `#` comment lines
    while (pos < len && isGoSpaceCode(text.charCodeAt(pos))) pos++
    if (pos >= len) break
    if (text[pos] === '#') {
      const nl = text.indexOf('\n', pos)
      if (nl < 0) break
      pos = nl
      continue
    }
    const statementStart = pos
    const line = lines.at(pos)
    // locateKeyName: `export` + Go `\s` ([\t\n\f\r ]), then compose's isSpace
    let p = pos
    if (text.startsWith('export', p) && /^[\t\n\f\r ]$/.test(text.charAt(p + 6))) {
      p += 6
      while (p < len && COMPOSE_INLINE_SPACE.includes(text[p]!)) p++
    }
    const start = p
    if (p >= len) {
      out.problems.push({ line, message: '"export" is not followed by a name.' })
      break
    }
    let terminator = -1
    let bad: string | undefined
    for (let i = p; i < len;) {
      const code = text.charCodeAt(i)
      if (code < 0x80 && ASCII_KEY_CHAR[code]) {
        i++
        continue
      }
      const c = String.fromCodePoint(text.codePointAt(i)!)
      if (c === '=' || c === ':' || c === '\n') {
        terminator = i
        break
      }
      if (!COMPOSE_INLINE_SPACE.includes(c) && !isComposeKeyChar(c)) {
        bad = c
        break
      }
      i += c.length
    }
    if (bad !== undefined) {
      out.problems.push({
        line,
        message: `Unexpected character ${JSON.stringify(bad)} in a variable name (names may hold letters, digits, "_", ".", "-", "[" and "]").`
      })
      pos = endOfLine(start)
      continue
    }
    if (terminator < 0) {
      // parser.go reads this as a value with an empty name: the bare name is lost
      out.problems.push({
        line,
        // no name: a last line without "=" is as likely a pasted value as a name
        message:
          'The last line has no "=" and ends the file without a line break; docker compose reads it as a value with an empty name.'
      })
      break
    }
    const inherited = text[terminator] === '\n'
    const name = trimEndBy(text.slice(start, terminator), isGoSpace)
    let valueStart = terminator + 1
    if (name.includes(' ')) {
      out.problems.push({ line, message: 'A variable name cannot contain a space.' })
      pos = inherited ? valueStart : endOfLine(valueStart)
      continue
    }
    if (inherited) {
      const lineStart = text.lastIndexOf('\n', statementStart - 1) + 1
      if (name)
        out.bindings.push({
          name,
          raw: null,
          interpolated: false,
          line,
          statementStart,
          start,
          end: start + name.length,
          ...(text.slice(lineStart, statementStart).trim() ? { midLine: true } : {})
        })
      pos = valueStart
      continue
    }
    while (valueStart < len && COMPOSE_INLINE_SPACE.includes(text[valueStart]!)) valueStart++
    const quote = text[valueStart]
    let binding: Binding
    if (quote === '"' || quote === "'") {
      // up to the first unescaped quote: `\<quote>` is the quote, every other `\x` stays as
      // written (a backslash at the very end leaves the value unterminated). Taken as slices
      // of the text, not a character at a time (a 100 k-line file's values stay small).
      const parts: string[] = []
      let close = -1
      let from = valueStart + 1
      for (let i = from; i < len;) {
        const c = text.charCodeAt(i)
        if (c === 0x5c) {
          if (i + 1 >= len) break
          parts.push(text.slice(from, i), text[i + 1] === quote ? quote : text.slice(i, i + 2))
          i += 2
          from = i
          continue
        }
        if (c === quote.charCodeAt(0)) {
          close = i
          break
        }
        i++
      }
      const chars =
        close < 0
          ? ''
          : parts.length
            ? [...parts, text.slice(from, close)].join('')
            : text.slice(from, close)
      if (close < 0) {
        out.problems.push({ line, message: 'Unterminated quoted value.' })
        pos = endOfLine(valueStart)
        continue
      }
      binding = {
        name,
        raw: quote === '"' ? composeExpandEscapes(chars) : chars,
        interpolated: quote === '"',
        line,
        statementStart,
        start,
        end: close + 1
      }
      pos = close + 1
      // the rest of the line after Go spaces: empty or a comment, else a warning
      let next = pos
      while (next < len && text.charCodeAt(next) !== 0x0a && isGoSpaceCode(text.charCodeAt(next)))
        next++
      if (next < len && text.charCodeAt(next) !== 0x0a && text.charCodeAt(next) !== 0x23)
        out.warnings.push({
          line,
          message: `Text follows the closing quote of ${nameInMessage(name)}; docker compose reads it as another statement, python-dotenv rejects the line.`
        })
    } else {
      const nl = text.indexOf('\n', valueStart)
      const lineEnd = nl < 0 ? len : nl
      let value = text.slice(valueStart, lineEnd)
      const comment = value.indexOf(' #')
      if (comment >= 0) value = value.slice(0, comment)
      value = trimEndBy(value, isGoSpace)
      binding = {
        name,
        raw: value,
        interpolated: true,
        line,
        statementStart,
        start,
        end: valueStart + value.length
      }
      pos = nl < 0 ? len : nl + 1
    }
    if (!name) {
      out.problems.push({ line, message: 'No variable name before "=".' })
      continue
    }
    out.bindings.push(binding)
  }
  return out
}

// compose-go template/template.go
const COMPOSE_PATTERN =
  /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{(?:([_a-z][_a-z0-9]*(?::?[-+?][^\n]*)?)\}|()))/giu
const COMPOSE_OPERATORS = [':?', '?', ':-', '-', ':+', '+'] as const
type ComposeOperator = (typeof COMPOSE_OPERATORS)[number]

/** A template compose refuses: a `${NAME:?…}` unmet, or a `${` it cannot read. */
export class TemplateError extends Error {}

/** A variable as interpolation sees it: undefined when unset. */
export interface Lookup {
  (name: string): string | undefined
}

/** `getFirstBraceClosingIndex`. */
function firstBraceClosingIndex(s: string): number {
  let open = 0
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '}') {
      open--
      if (open === 0) return i
    }
    if (s[i] === '{') {
      open++
      i++
    }
  }
  return -1
}

/** `getSubstitutionFunctionForTemplate`: the operator that occurs first in the text. */
function firstOperator(s: string): ComposeOperator {
  let best: ComposeOperator = COMPOSE_OPERATORS[0]
  let bestAt = Infinity
  for (const op of COMPOSE_OPERATORS) {
    const at = s.indexOf(op)
    if (at >= 0 && at < bestAt) {
      best = op
      bestAt = at
    }
  }
  return best
}

function partition(s: string, sep: string): [string, string] {
  const at = s.indexOf(sep)
  return at < 0 ? [s, ''] : [s.slice(0, at), s.slice(at + sep.length)]
}

/** The braced substitution functions of template.go; undefined when not applicable. */
function applyOperator(
  op: ComposeOperator,
  substitution: string,
  lookup: Lookup,
  unset: string[]
): string | undefined {
  if (!substitution.includes(op)) return undefined
  const [name, arg] = partition(substitution, op)
  const value = lookup(name)
  switch (op) {
    case ':?':
    case '?':
      if (value === undefined || (op === ':?' && value === '')) {
        composeSubstitute(arg, lookup, unset)
        throw new TemplateError(
          `requires ${nameInMessage(name)}, which is ${value === undefined ? 'not set' : 'empty'}`
        )
      }
      return value
    case ':-':
    case '-':
      return value === undefined || (op === ':-' && value === '')
        ? composeSubstitute(arg, lookup, unset)
        : value
    case ':+':
    case '+':
      return value !== undefined && (op === '+' || value !== '')
        ? composeSubstitute(arg, lookup, unset)
        : (value ?? '')
  }
}

/** `template.Substitute`: `$$`, `$NAME`, `${NAME}`, `${NAME:-x}` and friends. */
export function composeSubstitute(template: string, lookup: Lookup, unset: string[]): string {
  // every substitution starts with a '$'
  if (!template.includes('$')) return template
  return template.replace(COMPOSE_PATTERN, (whole: string) => {
    const op = firstOperator(whole)
    let substring = whole
    let rest = ''
    const close = firstBraceClosingIndex(substring)
    if (close > -1) {
      rest = substring.slice(close + 1)
      substring = substring.slice(0, close + 1)
    }
    const m = new RegExp(COMPOSE_PATTERN.source, 'iu').exec(substring)
    if (m?.[1]) return '$'
    const named = m?.[2]
    const braced = m?.[3]
    if (!named && !braced)
      throw new TemplateError(
        'uses "${" in a way docker compose cannot interpolate (write "$$" for a "$")'
      )
    if (braced) {
      const value = applyOperator(op, braced, lookup, unset)
      if (value !== undefined) return value + composeSubstitute(rest, lookup, unset)
    }
    const name = (named ?? braced)!
    const value = lookup(name)
    if (value === undefined) unset.push(name)
    return value ?? ''
  })
}
