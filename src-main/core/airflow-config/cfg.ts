/**
 * airflow.cfg as Python's `configparser.ConfigParser` with Airflow's settings reads it:
 * `BasicInterpolation`, delimiters `=` and `:`, full-line comments, continuation lines,
 * strict, key case kept (see index.ts for what that means to lookups).
 */
import { PY_SPACE_CLASS, pyRstrip, pyStrip } from '../codecs/py-str'

/** One thing wrong (or worth knowing) about the configuration, with its line if it has one. */
export interface ConfigProblem {
  /** 1-based line in airflow.cfg, or null (environment, defaults, the file as a whole). */
  line: number | null
  /** `error`: Airflow fails (at start-up or when it reads the option); `warning`: it goes on. */
  severity: 'error' | 'warning'
  /** `section.key` of the setting concerned, when there is one. */
  setting?: string
  /** What happened and what to do; never a value. */
  message: string
}

/** One option of airflow.cfg as configparser stores it (before interpolation). */
export interface CfgOption {
  section: string
  key: string
  /** The joined value: lines joined by `\n`, trailing whitespace stripped. */
  raw: string
  line: number
}

/** One `[section]` of airflow.cfg. */
export interface CfgSection {
  name: string
  line: number
  options: Map<string, CfgOption>
}

/** airflow.cfg as configparser reads it, with every syntax problem. */
export interface ParsedAirflowCfg {
  defaults: Map<string, CfgOption>
  sections: Map<string, CfgSection>
  problems: ConfigProblem[]
}

const NON_SPACE = new RegExp(`[^${PY_SPACE_CLASS}]`)
// configparser's SECTCRE and OPTCRE (delimiters `=` and `:`); `.` in Python excludes only
// `\n`, which a line never holds here.
const SECTION_HEADER = /^\[([^\n]+)\]/
const OPTION_LINE = new RegExp(`^([^\\n]*?)[${PY_SPACE_CLASS}]*(=|:)[${PY_SPACE_CLASS}]*([^\\n]*)$`)

/**
 * A section or option name fit for a message: Airflow's are lower-case identifiers. Anything
 * else on an option line is more likely a value that lost its indentation (a wrapped
 * password or Fernet key read as `key: value` or `key=`), so it is described, not shown.
 */
function cfgName(name: string, what: 'section' | 'option'): string {
  return /^[a-z_][a-z0-9_.-]{0,63}$/.test(name)
    ? name
    : `(${what === 'option' ? 'an option' : 'a section'} name that is not a plain name)`
}

interface BuildingOption {
  section: string
  key: string
  lines: string[]
  line: number
}

/**
 * `ConfigParser().read_string(text)` with Airflow's case-keeping `optionxform`: sections,
 * `[DEFAULT]`, options, continuation lines, comments; every syntax problem with its line
 * (Python stops at a missing header or a duplicate; this goes on to report the rest).
 */
export function parseAirflowCfg(text: string): ParsedAirflowCfg {
  const problems: ConfigProblem[] = []
  const defaults = new Map<string, BuildingOption>()
  const sections = new Map<
    string,
    { name: string; line: number; options: Map<string, BuildingOption> }
  >()
  // Python reads text files with universal newlines: \r\n, \r and \n end a line.
  const lines = text.split(/\r\n|\r|\n/)
  if (lines.length && lines[lines.length - 1] === '') lines.pop()
  let cursect: Map<string, BuildingOption> | null = null
  let sectname: string | null = null
  let optname: string | null = null
  let indentLevel = 0
  let missingHeaderReported = false
  const added = new Set<string>()
  lines.forEach((line, index) => {
    const lineNo = index + 1
    const stripped = pyStrip(line)
    const comment = stripped.startsWith('#') || stripped.startsWith(';')
    const value = comment ? '' : stripped
    if (!value) {
      // empty_lines_in_values: a blank line (not a comment) belongs to the value being read
      if (!comment && cursect && optname !== null && cursect.has(optname))
        cursect.get(optname)!.lines.push('')
      return
    }
    const indent = NON_SPACE.exec(line)?.index ?? 0
    if (cursect && optname !== null && indent > indentLevel) {
      cursect.get(optname)!.lines.push(value)
      return
    }
    indentLevel = indent
    const header = SECTION_HEADER.exec(value)
    if (header) {
      const name = header[1]!
      if (name === 'DEFAULT') cursect = defaults
      else {
        const existing = sections.get(name)
        if (existing) {
          if (added.has(name))
            problems.push({
              line: lineNo,
              severity: 'error',
              message: `Section [${cfgName(name, 'section')}] appears twice (first at line ${existing.line}); configparser refuses a repeated section, so Airflow cannot start. Merge the two.`
            })
          cursect = existing.options
        } else {
          const created = { name, line: lineNo, options: new Map<string, BuildingOption>() }
          sections.set(name, created)
          cursect = created.options
        }
        added.add(name)
      }
      sectname = name
      optname = null
      return
    }
    if (!cursect) {
      if (!missingHeaderReported)
        problems.push({
          line: lineNo,
          severity: 'error',
          message:
            'The file does not start with a section header such as [core]; configparser refuses it, so Airflow cannot start.'
        })
      missingHeaderReported = true
      return
    }
    const option = OPTION_LINE.exec(value)
    if (!option) {
      problems.push({
        line: lineNo,
        severity: 'error',
        message: `Line ${lineNo} is not "key = value", "key: value", a [section] header or a comment; configparser refuses the file, so Airflow cannot start.`
      })
      return
    }
    const key = pyRstrip(option[1]!)
    if (!key)
      problems.push({
        line: lineNo,
        severity: 'error',
        message: `Line ${lineNo} has a value but no key; configparser refuses the file, so Airflow cannot start.`
      })
    const id = `${sectname}\u0000${key}`
    if (added.has(id)) {
      const first = cursect.get(key)
      problems.push({
        line: lineNo,
        severity: 'error',
        ...(cfgName(key, 'option') === key ? { setting: `${sectname}.${key}` } : {}),
        message: `[${cfgName(sectname!, 'section')}] ${cfgName(key, 'option')} is set twice${first ? ` (first at line ${first.line})` : ''}; configparser refuses a repeated key, so Airflow cannot start. Keep one.`
      })
    }
    added.add(id)
    cursect.set(key, { section: sectname!, key, lines: [pyStrip(option[3]!)], line: lineNo })
    optname = key
  })
  const finish = (m: Map<string, BuildingOption>): Map<string, CfgOption> =>
    new Map(
      [...m].map(([k, o]) => [
        k,
        {
          section: o.section,
          key: o.key,
          line: o.line,
          raw: pyRstrip(o.lines.join('\n'))
        }
      ])
    )
  return {
    defaults: finish(defaults),
    sections: new Map(
      [...sections].map(([k, s]) => [k, { name: s.name, line: s.line, options: finish(s.options) }])
    ),
    problems
  }
}

/** configparser's `has_option` + raw get: the section must exist; `[DEFAULT]` fills gaps. */
export function findOption(
  cfg: ParsedAirflowCfg,
  section: string,
  key: string
): CfgOption | undefined {
  const sect = cfg.sections.get(section)
  if (!sect) return undefined
  return sect.options.get(key) ?? cfg.defaults.get(key)
}

/** A `%(name)s` reference configparser cannot resolve; the message names the option. */
export class InterpolationError extends Error {}

const MAX_INTERPOLATION_DEPTH = 10

/** `BasicInterpolation.before_get`: `%%` → `%`, `%(name)s` → that option's value. */
export function interpolate(cfg: ParsedAirflowCfg, section: string, raw: string): string {
  const out: string[] = []
  const lookup = (name: string): string | undefined =>
    cfg.sections.get(section)?.options.get(name)?.raw ?? cfg.defaults.get(name)?.raw
  const some = (rest: string, depth: number): void => {
    if (depth > MAX_INTERPOLATION_DEPTH)
      throw new InterpolationError(
        `%(name)s references nest deeper than ${MAX_INTERPOLATION_DEPTH} levels (a reference loop?)`
      )
    while (rest) {
      const p = rest.indexOf('%')
      if (p < 0) {
        out.push(rest)
        return
      }
      if (p > 0) {
        out.push(rest.slice(0, p))
        rest = rest.slice(p)
      }
      const c = rest.slice(1, 2)
      if (c === '%') {
        out.push('%')
        rest = rest.slice(2)
      } else if (c === '(') {
        const m = /^%\(([^)]+)\)s/.exec(rest)
        if (!m)
          throw new InterpolationError(
            'it has a "%(" that is not a complete %(name)s reference; write a literal % as %%'
          )
        rest = rest.slice(m[0].length)
        const v = lookup(m[1]!)
        if (v === undefined)
          throw new InterpolationError(
            'it has a %(name)s reference to an option that is not set in this section or [DEFAULT]; write a literal % as %%'
          )
        if (v.includes('%')) some(v, depth + 1)
        else out.push(v)
      } else
        throw new InterpolationError(
          "a '%' must be followed by '%' or '(' (configparser interpolation); write a literal % as %% — a percent-encoded password such as p%40ss is written p%%40ss in airflow.cfg"
        )
    }
  }
  some(raw, 1)
  return out.join('')
}

/**
 * configparser's `get(section, key)` on the file alone: the interpolated value, the
 * interpolation error (never quoting the value), or undefined when the option is absent.
 */
export function cfgGet(
  cfg: ParsedAirflowCfg,
  section: string,
  key: string
): { value: string } | { error: string } | undefined {
  const option = findOption(cfg, section, key)
  if (!option) return undefined
  try {
    return { value: interpolate(cfg, section, option.raw) }
  } catch (error) {
    if (!(error instanceof InterpolationError)) throw error
    return { error: error.message }
  }
}
