/**
 * `.env` files as the loaders people actually use read them, as pure functions:
 *
 * - `compose` — docker compose v2 (`env_file:` and the project `.env`), i.e. the parser of
 *   compose-spec/compose-go `dotenv/parser.go` plus its `template` interpolation;
 * - `python-dotenv` — theskumar/python-dotenv `parser.py` + `main.py` (`load_dotenv`),
 *   reading a file;
 * - `airflow` — Airflow's LocalFilesystemBackend `.env` grammar (reference §12.6), which is
 *   airflow-files.ts's reader; it is reused here, not re-implemented.
 *
 * Decoding collects every problem with its line (the loaders stop at the first, or skip the
 * line with a log message); messages name lines and variable names, never values. Encoding
 * picks, per value, a quoting that docker compose and python-dotenv both read back to the
 * same text, and says when none exists. The rules, with their sources, are in the JSDoc of
 * {@link decodeEnvFile} and {@link encodeEnvFile}.
 */
import { PY_SPACE } from './py-str'
import { envNameProblem } from '../env-names'
import { CodecError, describeKey } from '../errors'
import { decodeVariablesFile, pySplitLines } from './airflow-files'

/** Whose rules read the file. */
export type EnvFileDialect = 'compose' | 'python-dotenv' | 'airflow'

/** The loaders that read `.env` files for a process environment (and that Airlock writes for). */
export type EnvFileLoader = Exclude<EnvFileDialect, 'airflow'>

/** Human names of the loaders, for messages. */
export const ENV_FILE_LOADER_LABEL: Readonly<Record<EnvFileDialect, string>> = {
  compose: 'docker compose',
  'python-dotenv': 'python-dotenv',
  airflow: "Airflow's LocalFilesystemBackend"
}

/** One variable a loader sets: its name, its value, the line its statement starts on (1-based). */
export interface EnvFileVar {
  name: string
  value: string
  line: number
}

/** Something wrong (or worth knowing) on a line; the message never holds a value. */
export interface EnvFileProblem {
  line: number
  message: string
}

/** A decoded `.env` file: the variables as the loader sets them, every problem, every warning. */
export interface DecodedEnvFile {
  /** One item per name the file sets (the last assignment wins), in line order. */
  value: EnvFileVar[]
  /**
   * Lines the loader cannot read: docker compose then refuses the whole file, python-dotenv
   * skips the statement (and logs "could not parse statement"), Airflow raises.
   */
  problems: EnvFileProblem[]
  /** Lines read, but maybe not as meant (unset references, duplicate names, bare names). */
  warnings: EnvFileProblem[]
}

/** How values are interpolated while decoding (compose and python-dotenv only). */
export interface DecodeEnvFileOptions {
  /**
   * Expand `$NAME` / `${NAME…}` references as the loader does (default true). With false,
   * values are returned as handed to the interpolation step (compose: after escapes, so `\$`
   * reads `$$`).
   */
  interpolate?: boolean
  /**
   * The environment references are looked up in before the file's own earlier names (both
   * loaders let the environment win: compose's `GetEnvFromFile`, python-dotenv's
   * `load_dotenv(override=False)`). Default `{}`, so decoding is pure.
   */
  environment?: Readonly<Record<string, string | undefined>>
}

/** A warning about one variable written by {@link encodeEnvFile}; never holds the value. */
export interface EnvFileWarning {
  name: string
  message: string
}

/** An encoded `.env` file and what could not be written faithfully. */
export interface EncodedEnvFile {
  text: string
  warnings: EnvFileWarning[]
}

/** Options of {@link encodeEnvFile} and {@link updateEnvFile}. */
export interface EncodeEnvFileOptions {
  /** Whose reading wins for a value no quoting carries identically in both (default compose). */
  prefer?: EnvFileLoader
}

/** One change to a `.env` file: set `name` to `value`, or remove it (`null`). */
export interface EnvFileChange {
  name: string
  value: string | null
}

// ---------------------------------------------------------------------------------------
// Character classes. Each loader has its own idea of whitespace.

/** Go's `unicode.IsSpace` (compose trims values and skips blank lines with it). */
const GO_SPACE = '\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000'
/** compose's `isSpace`: Go's spaces without the line feed (and without the Zs block above 0xA0). */
const COMPOSE_INLINE_SPACE = '\t\v\f\r \x85\xa0'
/** Python's `\s` (= `str.isspace`), as a regex class body. */
const PY_SPACE_CLASS = PY_SPACE.replace(/[\]\\^-]/g, '\\$&')
/** Python's `[^\S\r\n]`: whitespace but CR and LF. */
const PY_INLINE_SPACE_CLASS = PY_SPACE.replace(/[\r\n]/g, '').replace(/[\]\\^-]/g, '\\$&')

const GO_SPACE_RE = new RegExp(`^[${GO_SPACE}]$`, 'u')
const isGoSpace = (c: string): boolean => GO_SPACE_RE.test(c)

function trimEndBy(s: string, isSpace: (c: string) => boolean): string {
  let end = s.length
  while (end > 0 && isSpace(s[end - 1]!)) end--
  return s.slice(0, end)
}

const pyIsSpace = (c: string): boolean => PY_SPACE.includes(c)

/** A name fit for a message: env names are shown, anything odd is described. */
function nameInMessage(name: string): string {
  return /^[A-Za-z0-9_.[\]-]{1,200}$/.test(name) ? name : describeKey(name)
}

/** Offsets of line starts, so a character offset gives its 1-based line. */
class Lines {
  private readonly starts: number[] = [0]
  constructor(text: string, crIsBreak: boolean) {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]
      if (c === '\n') this.starts.push(i + 1)
      else if (crIsBreak && c === '\r' && text[i + 1] !== '\n') this.starts.push(i + 1)
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
interface Binding {
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

interface Scan {
  bindings: Binding[]
  problems: EnvFileProblem[]
  warnings: EnvFileProblem[]
}

// ---------------------------------------------------------------------------------------
// docker compose (compose-go dotenv/parser.go)

/** `escapeSeqRegex` of parser.go: the escapes compose expands in double quotes. */
const COMPOSE_ESCAPE = /\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})/g
const GO_SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
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

/** `expandEscapes`: Go's `strconv.UnquoteChar` on each match; `\$` becomes `$$`. */
function composeExpandEscapes(s: string): string {
  return s.replace(COMPOSE_ESCAPE, (match) => {
    if (match === '\\$') return '$$'
    // parser.go rewrites `\0` to `\` and, when UnquoteChar fails, returns the rewritten text
    const m = match.startsWith('\\0') ? '\\' + match.slice(2) : match
    const simple = GO_SIMPLE_ESCAPES[m.slice(1)]
    if (m.length === 2 && simple !== undefined) return simple
    if (/^\\[0-7]{3}$/.test(m)) {
      const code = parseInt(m.slice(1), 8)
      if (code <= 255) return String.fromCharCode(code)
    }
    return m
  })
}

const isComposeKeyChar = (c: string): boolean => /^[_.[\]\-\p{L}\p{N}]$/u.test(c)

function scanCompose(text: string): Scan {
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
    while (pos < len && isGoSpace(text[pos]!)) pos++
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
    if (/^export[\t\n\f\r ]/.test(text.slice(p, p + 7))) {
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
      let escaped = false
      let chars = ''
      let close = -1
      for (let i = valueStart + 1; i < len; i++) {
        const c = text[i]!
        if (c !== quote) {
          if (!escaped && c === '\\') {
            escaped = true
            continue
          }
          if (escaped) {
            escaped = false
            chars += '\\'
          }
          chars += c
          continue
        }
        if (escaped) {
          escaped = false
          chars += c
          continue
        }
        close = i
        break
      }
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
      const rest = text.slice(pos, endOfLine(pos)).replace(/\n$/, '')
      const next = rest.replace(new RegExp(`^[${GO_SPACE}]*`, 'u'), '')
      if (next && !next.startsWith('#'))
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

class TemplateError extends Error {}

interface Lookup {
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
function composeSubstitute(template: string, lookup: Lookup, unset: string[]): string {
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

// ---------------------------------------------------------------------------------------
// python-dotenv (src/dotenv/parser.py, variables.py, main.py)

const sticky = (source: string): RegExp => new RegExp(source, 'y')
const PY = {
  multilineWhitespace: sticky(`[${PY_SPACE_CLASS}]*`),
  whitespace: sticky(`[${PY_INLINE_SPACE_CLASS}]*`),
  export: sticky(`export[${PY_INLINE_SPACE_CLASS}]+`),
  singleQuotedKey: sticky(`'([^']+)'`),
  unquotedKey: sticky(`[^=#${PY_SPACE_CLASS}]+`),
  equalSign: sticky(`=[${PY_INLINE_SPACE_CLASS}]*`),
  singleQuotedValue: sticky(`'((?:\\\\'|[^'])*)'`),
  doubleQuotedValue: sticky(`"((?:\\\\"|[^"])*)"`),
  unquotedValue: sticky(`[^\\r\\n]*`),
  comment: sticky(`(?:[${PY_INLINE_SPACE_CLASS}]*#[^\\r\\n]*)?`),
  endOfLine: sticky(`[${PY_INLINE_SPACE_CLASS}]*(?:\\r\\n|\\n|\\r|$)`),
  restOfLine: sticky(`[^\\r\\n]*(?:\\r|\\n|\\r\\n)?`),
  inlineComment: new RegExp(`[${PY_SPACE_CLASS}]+#[^\\n]*`)
}
const PY_DOUBLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v'
}
/** variables.py `_posix_variable`: the only interpolation python-dotenv knows. */
const PY_VARIABLE = /\$\{([^}:]*)(?::-([^}]*))?\}/g

class PyParseError extends Error {}

/** Universal newlines: python-dotenv opens the file in text mode, so CR and CRLF read as LF. */
const universalNewlines = (s: string): string => s.replace(/\r\n?/g, '\n')

function scanPython(text: string): Scan {
  const lines = new Lines(text, true)
  const out: Scan = { bindings: [], problems: [], warnings: [] }
  let pos = text.startsWith('\ufeff') ? 1 : 0
  const read = (re: RegExp, why: string): RegExpExecArray => {
    re.lastIndex = pos
    const m = re.exec(text)
    if (!m) throw new PyParseError(why)
    pos = re.lastIndex
    return m
  }
  while (pos < text.length) {
    read(PY.multilineWhitespace, '')
    if (pos >= text.length) break
    const statementStart = pos
    const line = lines.at(pos)
    try {
      read(PY.export, '')
    } catch {
      // no `export` prefix
    }
    const start = pos
    try {
      let name: string | null = null
      if (text[pos] === "'")
        name = read(PY.singleQuotedKey, 'Unterminated or empty quoted name.')[1]!
      else if (text[pos] !== '#')
        name = read(
          PY.unquotedKey,
          text[pos] === '=' ? 'No variable name before "=".' : 'Cannot read a variable name here.'
        )[0]
      const nameEnd = pos
      read(PY.whitespace, '')
      let raw: string | null = null
      let end = nameEnd
      if (text[pos] === '=') {
        read(PY.equalSign, '')
        const c = text[pos]
        if (c === "'") {
          const v = read(PY.singleQuotedValue, 'Unterminated quoted value.')[1]!
          raw = universalNewlines(v).replace(/\\[\\']/g, (e) => e[1]!)
        } else if (c === '"') {
          const v = read(PY.doubleQuotedValue, 'Unterminated quoted value.')[1]!
          raw = universalNewlines(v).replace(/\\[\\'"abfnrtv]/g, (e) => PY_DOUBLE_ESCAPES[e[1]!]!)
        } else if (c === undefined || c === '\n' || c === '\r') raw = ''
        else {
          const valueStart = pos
          const part = read(PY.unquotedValue, '')[0]
          raw = trimEndBy(part.replace(PY.inlineComment, ''), pyIsSpace)
          end = valueStart + raw.length
        }
        if (c === "'" || c === '"') end = pos
        else if (c === undefined || c === '\n' || c === '\r') end = pos
      }
      read(PY.comment, '')
      read(
        PY.endOfLine,
        raw === null && name !== null
          ? // no name: on a malformed line it may be a piece of a value (after a stray \r)
            'The name is not followed by "=" (python-dotenv reads "NAME=value" only).'
          : 'Unexpected text after the value.'
      )
      if (name !== null)
        out.bindings.push({ name, raw, interpolated: true, line, statementStart, start, end })
    } catch (error) {
      if (!(error instanceof PyParseError)) throw error
      out.problems.push({ line, message: error.message })
      read(PY.restOfLine, '')
    }
  }
  return out
}

function pySubstitute(value: string, lookup: Lookup, unset: string[]): string {
  return value.replace(PY_VARIABLE, (_whole, name: string, fallback: string | undefined) => {
    const v = lookup(name)
    if (v === undefined && fallback === undefined) unset.push(name)
    return v ?? fallback ?? ''
  })
}

// ---------------------------------------------------------------------------------------
// Decoding

function scanLoader(text: string, loader: EnvFileLoader): Scan {
  return loader === 'compose' ? scanCompose(text) : scanPython(text)
}

/** Interpolates the scanned bindings in order; returns the final mapping and adds warnings. */
function resolveBindings(
  scan: Scan,
  loader: EnvFileLoader,
  options: DecodeEnvFileOptions
): DecodedEnvFile {
  const environment = options.environment ?? {}
  const interpolate = options.interpolate ?? true
  const label = ENV_FILE_LOADER_LABEL[loader]
  const problems = [...scan.problems]
  const warnings = [...scan.warnings]
  // python-dotenv keeps None for a bare name; compose keeps only set names
  const values = new Map<string, { value: string | null; line: number }>()
  const lookup: Lookup = (name) => {
    const fromEnv = environment[name]
    if (fromEnv !== undefined) return fromEnv
    const fromFile = values.get(name)
    if (fromFile === undefined) return undefined
    return fromFile.value ?? (loader === 'python-dotenv' ? '' : undefined)
  }
  for (const b of scan.bindings) {
    const previous = values.get(b.name)
    if (previous)
      warnings.push({
        line: b.line,
        message: `${nameInMessage(b.name)} is set again (first on line ${previous.line}); ${label} keeps the last one.`
      })
    if (b.raw === null) {
      if (loader === 'compose') {
        const v = lookup(b.name)
        warnings.push({
          line: b.line,
          // after a closing quote the "name" is usually the rest of a mis-quoted value
          message: `${b.midLine ? 'The text after a closing quote has no "="; docker compose takes it as a name and its value' : `${nameInMessage(b.name)} has no "="; docker compose takes its value`} from the environment${v === undefined ? ', where it is not set' : ''}.`
        })
        if (v !== undefined) values.set(b.name, { value: v, line: b.line })
      } else {
        warnings.push({
          line: b.line,
          message: `${nameInMessage(b.name)} has no "="; python-dotenv leaves it unset.`
        })
        values.set(b.name, { value: null, line: b.line })
      }
      continue
    }
    let value = b.raw
    if (interpolate && b.interpolated) {
      const unset: string[] = []
      try {
        value =
          loader === 'compose'
            ? composeSubstitute(b.raw, lookup, unset)
            : pySubstitute(b.raw, lookup, unset)
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error
        problems.push({
          line: b.line,
          message: `The value of ${nameInMessage(b.name)} ${error.message}; docker compose refuses the file.`
        })
        continue
      }
      // The referenced names are not shown: `$` + letters inside a password (`pa$sword`) is
      // the usual cause, and the "name" is then a piece of the secret.
      const count = new Set(unset).size
      if (count)
        warnings.push({
          line: b.line,
          message: `The value of ${nameInMessage(b.name)} refers to ${count === 1 ? 'a variable that is' : `${count} variables that are`} not set; ${label} reads ${count === 1 ? 'it' : 'them'} as empty${loader === 'compose' ? ' (write "$$" for a literal "$")' : ''}.`
        })
    }
    values.set(b.name, { value, line: b.line })
  }
  const value: EnvFileVar[] = []
  for (const [name, v] of values)
    if (v.value !== null) value.push({ name, value: v.value, line: v.line })
  value.sort((a, b) => a.line - b.line)
  problems.sort((a, b) => a.line - b.line)
  warnings.sort((a, b) => a.line - b.line)
  return { value, problems, warnings }
}

function decodeAirflowEnv(text: string): DecodedEnvFile {
  const decoded = decodeVariablesFile(text, 'env')
  const lines = pySplitLines(text)
  return {
    value: decoded.value.map((v) => ({
      name: v.key,
      value: v.value,
      line: lines.findIndex((l) => l.startsWith(`${v.key}=`)) + 1
    })),
    problems: decoded.problems.map((p) => ({
      line: p.line ?? 1,
      message: p.key === undefined ? p.message : `${nameInMessage(p.key)}: ${p.message}`
    })),
    warnings: []
  }
}

/**
 * Reads a `.env` file as one loader does, returning every variable it sets and every problem
 * with its line. Rules per dialect (sources: compose-spec/compose-go `dotenv/parser.go` and
 * `template/template.go`; theskumar/python-dotenv `src/dotenv/parser.py`, `variables.py`,
 * `main.py`; apache/airflow `secrets/local_filesystem.py`):
 *
 * **compose** — a leading UTF-8 BOM is dropped; blank lines and lines whose first non-blank
 * character is `#` are skipped; `export` + whitespace before a name is dropped; a name is
 * letters, digits, `_ . - [ ]` (anything else is an error, a space inside is an error), ended
 * by `=`, by `:` (YAML style, `KEY: value`) or by a line break (a bare `KEY`: taken from the
 * environment, or not set at all); blanks after `=` are skipped. Unquoted: the rest of the
 * line, cut at the first ` #` (space then hash; `a#b` keeps its `#`), trailing whitespace
 * trimmed. Single quotes: literal, may span lines, `\'` is a quote and every other backslash
 * stays. Double quotes: may span lines; `\"` is a quote; `\a \b \f \n \r \t \v \\` are
 * expanded, `\0ddd` is an octal byte, `\$` is a literal `$`, other backslashes stay.
 * Unquoted and double-quoted values are interpolated: `$$` is `$`, `$NAME` / `${NAME}` the
 * value (environment first, then earlier lines; unset reads as empty with a warning),
 * `${NAME:-x}` `${NAME-x}` `${NAME:+x}` `${NAME+x}` `${NAME:?msg}` `${NAME?msg}` as in a
 * shell; a `${` that is none of these is an error. Text after a closing quote on the same line
 * starts a new statement unless it is a `#` comment. The last assignment of a name wins.
 * docker compose stops at the first error; this reports all of them.
 *
 * **python-dotenv** — as read from a file: CR and CRLF become LF inside quoted values (text
 * mode) and a leading BOM is dropped; whitespace and blank lines are skipped; an optional
 * `export` + blanks; a name is `'quoted'` or any run of characters but `=`, `#` and
 * whitespace; blanks around `=`; a name without `=` is left unset. Unquoted: the rest of the
 * line, cut at the first whitespace followed by `#`, trailing whitespace stripped. Single
 * quotes: `\\` and `\'` are unescaped, may span lines. Double quotes: `\\ \' \" \a \b \f \n
 * \r \t \v` are unescaped, may span lines. After a value only blanks and a `# comment` may
 * follow, else the statement is skipped (a problem here). Every value, single-quoted ones too,
 * has `${NAME}` and `${NAME:-default}` expanded (environment first, then earlier lines;
 * `$NAME` is left alone; there is no escape for `${`).
 *
 * **airflow** — LocalFilesystemBackend (reference §12.6): split each line at the first `=`,
 * no quote removal, no trimming, no `export`, no interpolation; empty names or values and
 * repeated names are problems. Options are ignored.
 *
 * @example decodeEnvFile('A=1\nB="x y" # note\n').value // [{name:'A',value:'1',line:1}, {name:'B',value:'x y',line:2}]
 */
export function decodeEnvFile(
  text: string,
  dialect: EnvFileDialect = 'compose',
  options: DecodeEnvFileOptions = {}
): DecodedEnvFile {
  if (dialect === 'airflow') return decodeAirflowEnv(text)
  return resolveBindings(scanLoader(text, dialect), dialect, options)
}

// ---------------------------------------------------------------------------------------
// Encoding

/** shlex.quote's safe characters: bare in every loader and in a POSIX shell. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/
/** A `$` that compose's template would act on (`(?i)` folds ſ and K, as Go's does). */
const COMPOSE_TRIGGER = /\$(?:\$|\{|[_a-z])/iu
const PY_TRIGGER = /\$\{[^}:]*(?::-[^}]*)?\}/
const CONTROL = /[\x00-\x1f\x7f]/ // eslint-disable-line no-control-regex
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const ANY_SPACE = (c: string): boolean => pyIsSpace(c) || isGoSpace(c)

const DOUBLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v'
}
const escapeDouble = (v: string): string =>
  // eslint-disable-next-line no-control-regex -- BEL is one of the escapes both loaders read
  v.replace(/[\\"\n\r\t\x07\b\f\v]/g, (c) => DOUBLE_ESCAPES[c]!)

/** Single quotes read the same in both: no quote, no `\\`, no final `\`, no `${…}`, one line. */
function singleQuotesCarry(v: string): boolean {
  return (
    !v.includes("'") &&
    !v.includes('\\\\') &&
    !v.endsWith('\\') &&
    !CONTROL.test(v) &&
    !PY_TRIGGER.test(v)
  )
}

/**
 * Double quotes read the same in both when compose's template has nothing to do (python-dotenv
 * keeps `\$` and `$$` as written) and the value does not end in a backslash (python-dotenv's
 * quoted-value regex takes `\\"` at the end for an escaped quote).
 */
function doubleQuotesCarry(v: string): boolean {
  return !COMPOSE_TRIGGER.test(v) && !v.endsWith('\\')
}

/** Unquoted reads the same in both: no edge blanks, no blank + `#`, no leading quote, one line. */
function bareCarries(v: string): boolean {
  if (v[0] === '"' || v[0] === "'" || /[\r\n]/.test(v)) return false
  if (ANY_SPACE(v[0]!) || ANY_SPACE(v[v.length - 1]!)) return false
  for (let i = 1; i < v.length; i++) if (v[i] === '#' && ANY_SPACE(v[i - 1]!)) return false
  return !COMPOSE_TRIGGER.test(v) && !PY_TRIGGER.test(v)
}

/**
 * The written form of a value: bare when safe, else single quotes, else double quotes with
 * escapes, else bare if both loaders still agree; when none suits both, the form `prefer`
 * reads back exactly.
 */
function encodeValue(v: string, prefer: EnvFileLoader): string {
  if (v === '' || SHELL_SAFE.test(v)) return v
  if (singleQuotesCarry(v)) return `'${v}'`
  if (doubleQuotesCarry(v)) return `"${escapeDouble(v)}"`
  if (bareCarries(v)) return v
  if (prefer === 'compose')
    return !v.includes("'") && !v.endsWith('\\') && !/[\r\n]/.test(v)
      ? `'${v}'`
      : `"${escapeDouble(v).replaceAll('$', '$$$$')}"`
  return `"${escapeDouble(v)}"`
}

/** Reads `text` back with each loader and warns, per name, where a value does not return. */
function readBackWarnings(
  text: string,
  lineNames: readonly string[],
  want: ReadonlyMap<string, string>,
  prefer: EnvFileLoader
): EnvFileWarning[] {
  const warnings: EnvFileWarning[] = []
  const other: EnvFileLoader = prefer === 'compose' ? 'python-dotenv' : 'compose'
  for (const loader of [prefer, other]) {
    const label = ENV_FILE_LOADER_LABEL[loader]
    const decoded = decodeEnvFile(text, loader)
    const got = new Map(decoded.value.map((v) => [v.name, v.value]))
    const reported = new Set<string>()
    for (const p of decoded.problems) {
      const name = lineNames[p.line - 1] ?? ''
      reported.add(name)
      warnings.push({
        name,
        message: `${label} cannot read the line of ${nameInMessage(name)}: ${p.message}`
      })
    }
    for (const [name, value] of want) {
      if (reported.has(name) || got.get(name) === value) continue
      const why = !got.has(name)
        ? `${label} does not read ${nameInMessage(name)} back.`
        : loader === 'python-dotenv' && PY_TRIGGER.test(value)
          ? `python-dotenv expands \${…} in every value and has no escape for it, so it reads the value of ${nameInMessage(name)} differently.`
          : `No quoting carries the value of ${nameInMessage(name)} identically in docker compose and python-dotenv; ${label} reads it differently.`
      warnings.push({ name, message: why })
    }
  }
  return warnings
}

function valueWarnings(name: string, value: string): EnvFileWarning[] {
  const out: EnvFileWarning[] = []
  if (value.includes('\0'))
    out.push({
      name,
      message: `The value of ${nameInMessage(name)} holds a NUL character, which no environment variable can carry.`
    })
  if (LONE_SURROGATE.test(value))
    out.push({
      name,
      message: `The value of ${nameInMessage(name)} is not valid Unicode (a lone surrogate) and cannot be written as UTF-8.`
    })
  return out
}

/**
 * Writes variables as a `.env` file, one `NAME=value` line each, that docker compose and
 * python-dotenv both read back to exactly the same values. Per value, the first that fits:
 *
 * 1. bare, when it is empty or only `A-Z a-z 0-9 _ @ % + = : , . / -` (also safe in a shell);
 * 2. `'single quotes'`, when it has no `'`, no `\\`, no final `\`, no control character and no
 *    `${…}` (both read single quotes literally, but python-dotenv unescapes `\\` and `\'`, and
 *    compose takes a final `\'` for an escaped quote);
 * 3. `"double quotes"` with `\\ \" \n \r \t \a \b \f \v` escapes, when it has no `$` that
 *    compose would interpolate (`$$`, `${`, `$` + letter or `_`; python-dotenv has no escape
 *    for `$`) and does not end in `\`;
 * 4. bare, when both still agree (no blank at either end or before `#`, no leading quote, no
 *    line break, no interpolation);
 * 5. else none carries it in both: written so `prefer` (default compose) reads it exactly, with
 *    a warning.
 *
 * Connection JSON thus stays on one line. Warnings name the variable, never the value: names
 * that are not shell names (`envNameProblem`), lines a loader cannot read, values a loader
 * reads differently (checked by reading the text back with both), NUL and lone surrogates.
 *
 * @example encodeEnvFile([{ name: 'AIRFLOW_VAR_X', value: "it's $HOME" }]).text // AIRFLOW_VAR_X="it's $HOME"… with a warning
 */
export function encodeEnvFile(
  vars: readonly { name: string; value: string }[],
  options: EncodeEnvFileOptions = {}
): EncodedEnvFile {
  const prefer = options.prefer ?? 'compose'
  const warnings: EnvFileWarning[] = []
  const seen = new Set<string>()
  for (const v of vars) {
    const problem = envNameProblem(v.name)
    if (problem) warnings.push({ name: v.name, message: problem })
    if (seen.has(v.name))
      warnings.push({
        name: v.name,
        message: `${nameInMessage(v.name)} is written twice; the loaders keep the last value.`
      })
    seen.add(v.name)
    warnings.push(...valueWarnings(v.name, v.value))
  }
  const text = vars.map((v) => `${v.name}=${encodeValue(v.value, prefer)}\n`).join('')
  const last = new Map(vars.map((v) => [v.name, v.value]))
  warnings.push(
    ...readBackWarnings(
      text,
      vars.map((v) => v.name),
      last,
      prefer
    )
  )
  return { text, warnings: dedupe(warnings) }
}

function dedupe(warnings: EnvFileWarning[]): EnvFileWarning[] {
  const seen = new Set<string>()
  return warnings.filter((w) => {
    const key = `${w.name}\u0000${w.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The last raw (uninterpolated) value of each name, as the loader leaves the mapping. */
function finalRaw(scan: Scan): Map<string, string | null> {
  const out = new Map<string, string | null>()
  for (const b of scan.bindings) out.set(b.name, b.raw)
  return out
}

const INLINE_BLANK = new RegExp(`^[${PY_INLINE_SPACE_CLASS}${COMPOSE_INLINE_SPACE}]*$`)
const TAIL_IS_COMMENT = new RegExp(
  `^[${PY_INLINE_SPACE_CLASS}${COMPOSE_INLINE_SPACE}]*(?:#[^\\n]*)?\\r?$`
)

/**
 * Rewrites a `.env` file in place: sets or removes names and leaves every other byte —
 * comments, blank lines, unrelated assignments, `export` prefixes — as it was. A name set
 * in the file has its last assignment replaced (an inline comment after it stays); a new
 * name is appended; a removed name loses every assignment line. Values are written as
 * {@link encodeEnvFile} writes them (`prefer` = `loader`).
 *
 * Throws a CodecError, naming lines and names only, when the file has problems for `loader`
 * (fix them first) or when the result would not read back exactly: every changed name with
 * its new value (or gone), every other name with its text unchanged.
 *
 * @example updateEnvFile('# db\nA=1\n', [{ name: 'B', value: 'x y' }]).text // "# db\nA=1\nB='x y'\n"
 */
export function updateEnvFile(
  text: string,
  changes: readonly EnvFileChange[],
  loader: EnvFileLoader = 'compose'
): EncodedEnvFile {
  const label = ENV_FILE_LOADER_LABEL[loader]
  const scan = scanLoader(text, loader)
  if (scan.problems.length)
    throw new CodecError(
      `The file has ${scan.problems.length} line(s) ${label} cannot read (${scan.problems
        .map((p) => `line ${p.line}: ${p.message}`)
        .join(' ')}); fix them before writing to it.`,
      'codec.parse'
    )
  const wanted = new Map<string, string | null>()
  for (const c of changes) wanted.set(c.name, c.value)
  const edits: { start: number; end: number; text: string }[] = []
  const appended: string[] = []
  const warnings: EnvFileWarning[] = []
  for (const [name, value] of wanted) {
    const bindings = scan.bindings.filter((b) => b.name === name)
    if (value === null) {
      for (const b of bindings) edits.push(removal(text, b))
      continue
    }
    if (envNameProblem(name)) warnings.push({ name, message: envNameProblem(name)! })
    warnings.push(...valueWarnings(name, value))
    const encoded = encodeValue(value, loader)
    const written = `${name}=${encoded}`
    const target = bindings.at(-1)
    if (!target) {
      appended.push(`${written}\n`)
      continue
    }
    // a bare value followed by `#c` (once after a closing quote) would swallow the comment
    const next = text[target.end]
    const bare = !/^['"]/.test(encoded)
    const glue = bare && next !== undefined && !/\s/u.test(next) ? ' ' : ''
    edits.push({ start: target.start, end: target.end, text: written + glue })
  }
  edits.sort((a, b) => b.start - a.start)
  let out = text
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end)
  if (appended.length) {
    if (out !== '' && !out.endsWith('\n')) out += '\n'
    out += appended.join('')
  }
  verifyRewrite(out, wanted, scan, loader)
  const others: EnvFileLoader = loader === 'compose' ? 'python-dotenv' : 'compose'
  const changed = [...wanted].filter(([, v]) => v !== null) as [string, string][]
  const cross = decodeEnvFile(out, others)
  for (const [name, value] of changed) {
    const got = cross.value.find((v) => v.name === name)
    if (got?.value !== value)
      warnings.push({
        name,
        message: `${ENV_FILE_LOADER_LABEL[others]} would read ${nameInMessage(name)} differently from ${label}.`
      })
  }
  return { text: out, warnings: dedupe(warnings) }
}

/** The span that removes a binding: its whole line(s) when nothing else shares them. */
function removal(text: string, b: Binding): { start: number; end: number; text: string } {
  const lineStart = text.lastIndexOf('\n', b.statementStart - 1) + 1
  const nl = text.indexOf('\n', b.end)
  const lineEnd = nl < 0 ? text.length : nl
  if (
    INLINE_BLANK.test(text.slice(lineStart, b.statementStart)) &&
    TAIL_IS_COMMENT.test(text.slice(b.end, lineEnd))
  )
    return { start: lineStart, end: nl < 0 ? text.length : nl + 1, text: '' }
  return { start: b.statementStart, end: b.end, text: '' }
}

function verifyRewrite(
  after: string,
  wanted: ReadonlyMap<string, string | null>,
  scanBefore: Scan,
  loader: EnvFileLoader
): void {
  const label = ENV_FILE_LOADER_LABEL[loader]
  const scanAfter = scanLoader(after, loader)
  const fail = (name: string): never => {
    throw new CodecError(
      `${nameInMessage(name)} cannot be written so that ${label} reads the file back as intended; nothing was changed.`,
      'codec.invalid'
    )
  }
  if (scanAfter.problems.length) {
    const line = scanAfter.problems[0]!.line
    const culprit = scanAfter.bindings.find((b) => b.line >= line && wanted.has(b.name))
    fail(culprit?.name ?? [...wanted.keys()][0] ?? '')
  }
  const decoded = resolveBindings(scanAfter, loader, {})
  const values = new Map(decoded.value.map((v) => [v.name, v.value]))
  for (const [name, value] of wanted)
    if (value === null ? values.has(name) : values.get(name) !== value) fail(name)
  const rawBefore = finalRaw(scanBefore)
  const rawAfter = finalRaw(scanAfter)
  for (const [name, raw] of rawBefore)
    if (!wanted.has(name) && rawAfter.get(name) !== raw) fail(name)
  for (const name of rawAfter.keys()) if (!wanted.has(name) && !rawBefore.has(name)) fail(name)
}
