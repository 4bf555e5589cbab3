/** python-dotenv's loader: `parser.py`, `variables.py` and `main.py` (`load_dotenv`). */
import { type Lookup } from './compose'
import { PY_SPACE_CLASS, pyIsSpace } from '../py-str'
import { Lines, PY_INLINE_SPACE_CLASS, type Scan, trimEndBy, SHARED_DOUBLE_ESCAPES } from './scan'

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
// python-dotenv also expands `\'` in double quotes; compose does not.
const PY_DOUBLE_ESCAPES: Readonly<Record<string, string>> = { ...SHARED_DOUBLE_ESCAPES, "'": "'" }
/** variables.py `_posix_variable`: the only interpolation python-dotenv knows. */
const PY_VARIABLE = /\$\{([^}:]*)(?::-([^}]*))?\}/g

class PyParseError extends Error {}

/** Universal newlines: python-dotenv opens the file in text mode, so CR and CRLF read as LF. */
const universalNewlines = (s: string): string => s.replace(/\r\n?/g, '\n')

/** python-dotenv `parser.py`: the bindings of a file, every problem with its line. */
export function scanPython(text: string): Scan {
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
    // an optional `export` prefix: tested, not thrown for (an Error per line, with its stack
    // trace, was a tenth of a 100 k .env job's CPU)
    PY.export.lastIndex = pos
    if (PY.export.exec(text)) pos = PY.export.lastIndex
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

/** variables.py: `${NAME}` and `${NAME:-default}` filled in; unset names are collected. */
export function pySubstitute(value: string, lookup: Lookup, unset: string[]): string {
  return value.replace(PY_VARIABLE, (_whole, name: string, fallback: string | undefined) => {
    const v = lookup(name)
    if (v === undefined && fallback === undefined) unset.push(name)
    return v ?? fallback ?? ''
  })
}
