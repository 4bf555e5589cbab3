/** Encoding: a quoting per value that docker compose and python-dotenv both read back. */
import { envNameProblem } from '../../env-names'
import { decodeComposeFast } from './compose-fast'
import { decodeEnvFile } from './decode'
import { pyIsSpace } from '../py-str'
import { isGoSpace, nameInMessage, SHARED_DOUBLE_ESCAPES } from './scan'
import {
  type EncodedEnvFile,
  type EncodeEnvFileOptions,
  ENV_FILE_LOADER_LABEL,
  type EnvFileLoader,
  type EnvFileWarning
} from './types'

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

const DOUBLE_ESCAPES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SHARED_DOUBLE_ESCAPES).map(([letter, c]) => [c, `\\${letter}`])
)
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
export function encodeValue(v: string, prefer: EnvFileLoader): string {
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

/**
 * What `loader` reads from `text`: name → value (the last of a name) and the lines it cannot
 * read. compose's reading of the common file (plain `NAME=value` lines, what this encoder
 * writes) is its fast path's (compose-fast.ts: the exact decoder's answer where it answers),
 * from the text's UTF-8 bytes — exact only when the text is well-formed UTF-16.
 */
function readBack(
  text: string,
  loader: EnvFileLoader
): { got: ReadonlyMap<string, string>; problems: readonly { line: number; message: string }[] } {
  if (loader === 'compose' && !LONE_SURROGATE.test(text)) {
    const bytes = Buffer.from(text, 'utf8')
    const fast = decodeComposeFast(bytes, (start, end, ascii) =>
      bytes.toString(ascii ? 'latin1' : 'utf8', start, end)
    )
    if (fast) return { got: fast, problems: [] }
  }
  const decoded = decodeEnvFile(text, loader)
  return { got: new Map(decoded.value.map((v) => [v.name, v.value])), problems: decoded.problems }
}

const PY_PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
// eslint-disable-next-line no-control-regex -- no quote, backslash, `$` or control character
const PY_PLAIN_SINGLE = /^'[^'\\$\x00-\x1f\x7f]*'$/

/**
 * Whether python-dotenv reads the line `NAME=written` as `value`, whatever other such lines
 * are around it (a quoted value left open above can take it in): a plain name, and `written`
 * the value itself (empty or shell-safe: no blank, `#`, quote, `\` or `$`) or the value in
 * single quotes holding no quote, `\`, `$` or control character.
 * Such a line is one binding with no escape, comment or interpolation (python-dotenv expands
 * `${…}` in every value; there is no `$`), and ends where it is written.
 */
export function pythonReadsLiterally(name: string, written: string, value: string): boolean {
  if (!PY_PLAIN_NAME.test(name)) return false
  if (written === value) return written === '' || SHELL_SAFE.test(written)
  return (
    written.length === value.length + 2 &&
    written.startsWith(value, 1) &&
    PY_PLAIN_SINGLE.test(written)
  )
}

/**
 * Whether docker compose reads the line `NAME=written` as `value`, whatever other such lines
 * are around it: what {@link pythonReadsLiterally} says (a plain name; the value bare and
 * shell-safe, or in single quotes with no quote, `\\`, `$` or control character), and a value
 * that is well-formed UTF-16 (compose reads the file's UTF-8, which has no lone surrogate).
 * EnvFileChecks applies it with the python-dotenv half it has just computed.
 */
export function composeReadsLiterally(name: string, written: string, value: string): boolean {
  return pythonReadsLiterally(name, written, value) && !LONE_SURROGATE.test(value)
}

/**
 * Reads `text` back with each loader and warns, per name, where a value does not return.
 * `literal` names the loaders that read every line as written, each name once
 * (pythonReadsLiterally, composeReadsLiterally): they read every name back and are not run
 * (python-dotenv's full parse was a fifth of a 100 k `.env` pre-flight, compose's read-back a
 * tenth of a 100 k `.env` → `.env` plan: issue #22).
 */
function readBackWarnings(
  text: string,
  lineNames: readonly string[],
  want: ReadonlyMap<string, string>,
  prefer: EnvFileLoader,
  literal: { python: boolean; compose: boolean } = { python: false, compose: false }
): EnvFileWarning[] {
  const warnings: EnvFileWarning[] = []
  const other: EnvFileLoader = prefer === 'compose' ? 'python-dotenv' : 'compose'
  for (const loader of [prefer, other]) {
    if (loader === 'python-dotenv' ? literal.python : literal.compose) continue
    const label = ENV_FILE_LOADER_LABEL[loader]
    const { got, problems } = readBack(text, loader)
    const reported = new Set<string>()
    for (const p of problems) {
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

/** Any surrogate: the regular expression of lone ones runs only on a value that has one. */
const SURROGATE = /[\uD800-\uDFFF]/

/** Whether `value` holds a lone surrogate (is not well-formed UTF-16). */
const hasLoneSurrogate = (value: string): boolean =>
  SURROGATE.test(value) && LONE_SURROGATE.test(value)

/** Values no environment variable can carry (a NUL, a lone surrogate), as warnings. */
export function valueWarnings(name: string, value: string): EnvFileWarning[] {
  const out: EnvFileWarning[] = []
  pushValueWarnings(out, name, value, hasLoneSurrogate(value))
  return out
}

/** {@link valueWarnings} pushed onto `out`; `lone`: the value holds a lone surrogate. */
function pushValueWarnings(
  out: EnvFileWarning[],
  name: string,
  value: string,
  lone: boolean
): void {
  if (value.includes('\0'))
    out.push({
      name,
      message: `The value of ${nameInMessage(name)} holds a NUL character, which no environment variable can carry.`
    })
  if (lone)
    out.push({
      name,
      message: `The value of ${nameInMessage(name)} is not valid Unicode (a lone surrogate) and cannot be written as UTF-8.`
    })
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
  const checks = new EnvFileChecks(options.prefer)
  // one pass, no array of lines or of pairs beside the text (a 100 k-line pre-flight: its peak)
  let text = ''
  for (const v of vars) text += `${v.name}=${checks.add(v.name, v.value)}\n`
  return { text, warnings: checks.finish(() => vars, text) }
}

/**
 * {@link encodeEnvFile}'s warnings, line by line, without its text: `add` each variable in
 * order, then `finish`. When every line is one both loaders read literally (the common file),
 * no text is made at all and no value need be held between `add`s (a 100 k `.env` pre-flight
 * held every value and the whole new text at once: issue #22); otherwise `finish` asks for the
 * variables again, in the same order, and reads their text back as encodeEnvFile does.
 *
 * @example
 * const checks = new EnvFileChecks('compose')
 * for (const v of vars) checks.add(v.name, v.value)
 * checks.finish(() => vars) // encodeEnvFile(vars, { prefer: 'compose' }).warnings
 */
export class EnvFileChecks {
  private readonly prefer: EnvFileLoader
  private readonly warnings: EnvFileWarning[] = []
  private readonly seen = new Set<string>()
  private pythonLiteral = true
  // a name written twice: compose's reading is left to its decoder
  private composeLiteral = true

  constructor(prefer: EnvFileLoader = 'compose') {
    this.prefer = prefer
  }

  /** Checks the next line's name and value; returns the value as written. */
  add(name: string, value: string): string {
    const problem = envNameProblem(name)
    if (problem) this.warnings.push({ name, message: problem })
    if (this.seen.has(name)) {
      this.composeLiteral = false
      this.warnings.push({
        name,
        message: `${nameInMessage(name)} is written twice; the loaders keep the last value.`
      })
    }
    this.seen.add(name)
    const lone = hasLoneSurrogate(value)
    pushValueWarnings(this.warnings, name, value, lone)
    const written = encodeValue(value, this.prefer)
    if (this.pythonLiteral) this.pythonLiteral = pythonReadsLiterally(name, written, value)
    if (this.composeLiteral) this.composeLiteral = this.pythonLiteral && !lone
    return written
  }

  /**
   * The warnings of the lines added. `vars`: the variables added, in order (asked for only when
   * a loader must read the text back); `text`: their encodeEnvFile text, when made already.
   */
  finish(vars: () => Iterable<{ name: string; value: string }>, text?: string): EnvFileWarning[] {
    if (this.pythonLiteral && this.composeLiteral) return dedupe(this.warnings)
    // what each name should read back as (its last value), and the name of each line
    const last = new Map<string, string>()
    const lineNames: string[] = []
    let made = ''
    for (const v of vars()) {
      last.set(v.name, v.value)
      lineNames.push(v.name)
      if (text === undefined) made += `${v.name}=${encodeValue(v.value, this.prefer)}\n`
    }
    this.warnings.push(
      ...readBackWarnings(text ?? made, lineNames, last, this.prefer, {
        python: this.pythonLiteral,
        compose: this.composeLiteral
      })
    )
    return dedupe(this.warnings)
  }
}

/** The warnings without repeats (same name and message), first kept. */
export function dedupe(warnings: EnvFileWarning[]): EnvFileWarning[] {
  const seen = new Set<string>()
  return warnings.filter((w) => {
    const key = `${w.name}\u0000${w.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** The last raw (uninterpolated) value of each name, as the loader leaves the mapping. */
