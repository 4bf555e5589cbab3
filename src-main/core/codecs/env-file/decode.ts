/** Decoding: a loader's scan, interpolated in order, with every problem and warning. */
import { decodeVariablesFile, pySplitLines } from '../airflow-files'
import { composeSubstitute, type Lookup, scanCompose, TemplateError } from './compose'
import { pySubstitute, scanPython } from './python-dotenv'
import { nameInMessage, type Scan } from './scan'
import {
  type DecodedEnvFile,
  type DecodeEnvFileOptions,
  ENV_FILE_LOADER_LABEL,
  type EnvFileDialect,
  type EnvFileLoader,
  type EnvFileVar
} from './types'

// ---------------------------------------------------------------------------------------
// Decoding

/** The scan of `text` by the chosen loader. */
export function scanLoader(text: string, loader: EnvFileLoader): Scan {
  return loader === 'compose' ? scanCompose(text) : scanPython(text)
}

/** Interpolates the scanned bindings in order; returns the final mapping and adds warnings. */
export function resolveBindings(
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
      const count = unset.length && new Set(unset).size
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
