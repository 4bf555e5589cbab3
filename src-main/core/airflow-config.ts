/**
 * Airflow's configuration, read exactly as Airflow reads it, into an **Airflow runtime
 * profile**: the Fernet key, the metadata database URL, the secrets backends and the cache
 * settings, each with where it came from (a line of airflow.cfg, an environment variable,
 * a command or secret that was not run, or Airflow's default).
 *
 * Sources (apache/airflow): `shared/configuration/src/airflow_shared/configuration/parser.py`
 * (3.x `AirflowConfigParser`: lookup order, `_CMD`/`_SECRET`, `expand_env_var`, `getjson`,
 * `getboolean`, `_get_custom_secret_backend`), `airflow/configuration.py` (2.x: the same
 * order, plus `[core] sql_alchemy_conn` as the deprecated name of `[database]
 * sql_alchemy_conn` from 2.3), `airflow-core/src/airflow/config_templates/config.yml`
 * (defaults and which options are `sensitive`, i.e. may come from `_cmd`/`_secret`), and
 * `airflow-core/src/airflow/settings.py` (`_is_sqlite_db_path_relative`). SQLAlchemy URLs:
 * `lib/sqlalchemy/engine/url.py` (`_parse_url`, SQLAlchemy 2.0).
 *
 * What airflow.cfg is, to Airflow: Python's `configparser.ConfigParser` with its defaults —
 * `BasicInterpolation` (`%(name)s` references, a literal `%` written `%%`), delimiters `=`
 * and `:`, full-line comments `#` and `;` (no inline comments), indented continuation
 * lines, strict (a repeated section or key is an error) — except that Airflow's
 * `optionxform` keeps key case, and every lookup lower-cases the section and key it asks
 * for: so `[Core]` or `Fernet_Key` in the file are never read. After interpolation Airflow
 * applies `expand_env_var` (`os.path.expandvars` + `expanduser`, repeated until stable) to
 * file and environment values. `{AIRFLOW_HOME}`-style braces are formatted only into
 * Airflow's built-in defaults, never into the user's file (`create_default_config_parser`).
 *
 * Pure: takes the file's text and an environment record; commands (`_cmd`) run only
 * through a runner the caller passes (the platform loader, when allowed), never here.
 */
import { PY_SPACE, pyStrip } from './codecs/py-str'
import { parseQsl, unquote } from './codecs/py-url'
import { PyDict, PyJsonDecodeError, pyJsonLoads, pyToPlain, pyTruthy } from './codecs/py-json'
import { CodecError } from './errors'

// ---------------------------------------------------------------------------------------
// Problems and origins

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

/** Where a setting's value came from. */
export type ConfigOrigin =
  | { kind: 'env'; name: string }
  | { kind: 'env-command'; name: string }
  | { kind: 'env-secret'; name: string }
  | { kind: 'file'; section: string; key: string; line: number }
  | { kind: 'file-command'; section: string; key: string; line: number }
  | { kind: 'file-secret'; section: string; key: string; line: number }
  | { kind: 'default' }

/**
 * One setting of the profile. `read: false` means the value comes from a command or from
 * the secrets backend (`_cmd`/`_secret`) that Airlock did not run: `value` is then null.
 */
export interface ProfileSetting<T> {
  value: T | null
  origin: ConfigOrigin
  read: boolean
}

/** The secrets backend a process uses, with the section its kwargs came from. */
export interface EffectiveBackend {
  className: string
  /** Null when the kwargs come from a command or secret that was not read. */
  kwargs: Record<string, unknown> | null
  section: 'secrets' | 'workers'
}

/** What Airflow will use, read from airflow.cfg and the environment. */
export interface AirflowRuntimeProfile {
  /** As given by the caller (e.g. `2.10.5`, `3.1.0`); null when unknown. */
  airflowVersion: string | null
  /** `[core] fernet_key`: comma-separated keys, `''` for none (values stored in plaintext). */
  fernetKey: ProfileSetting<string>
  /** `[database] sql_alchemy_conn` (or `[core] sql_alchemy_conn` on Airflow 2.x). */
  sqlAlchemyConn: ProfileSetting<string>
  /** The connection URL, parsed as SQLAlchemy does; null when unread or unparseable. */
  sqlAlchemyUrl: SqlAlchemyUrl | null
  /** `[secrets] backend`: a class path, or null when none is configured. */
  secretsBackend: ProfileSetting<string | null>
  /** `[secrets] backend_kwargs`: `{}` when empty, invalid JSON or not an object (Airflow's rule). */
  secretsBackendKwargs: ProfileSetting<Record<string, unknown>>
  /** `[workers] secrets_backend` (Airflow 3 workers), or null. */
  workersSecretsBackend: ProfileSetting<string | null>
  /** `[workers] secrets_backend_kwargs`. */
  workersSecretsBackendKwargs: ProfileSetting<Record<string, unknown>>
  /** The custom backend of the scheduler / API server / CLI (Airflow 2 everywhere). */
  serverBackend: EffectiveBackend | null
  /** The custom backend of Airflow 3 workers: `[workers]`, else `[secrets]`. */
  workerBackend: EffectiveBackend | null
  /** `[secrets] use_cache` (default false). */
  useCache: ProfileSetting<boolean>
  /** `[secrets] cache_ttl_seconds` (default 900). */
  cacheTtlSeconds: ProfileSetting<number>
  /** Every problem found, in file order, then the settings' own. */
  problems: ConfigProblem[]
}

/** Runs a `_cmd` command and returns its standard output; throws when it fails. */
export type CommandRunner = (command: string) => string

/** Options of `readAirflowConfig`. */
export interface AirflowConfigOptions {
  /** The Airflow version the profile is for; decides `[core]`/`[database]` and `[workers]`. */
  airflowVersion?: string | null
  /**
   * Runs `_cmd` commands. Absent (the default), commands are reported as "not read" and
   * never run. Only the platform loader builds one, and only when the user allows it.
   */
  runCommand?: CommandRunner
  /** How messages name the file; default `airflow.cfg`. */
  fileName?: string
}

/** Says where a value came from, for messages and views. */
export function describeOrigin(origin: ConfigOrigin, fileName = 'airflow.cfg'): string {
  switch (origin.kind) {
    case 'env':
      return `environment variable ${origin.name}`
    case 'env-command':
      return `the command in environment variable ${origin.name}`
    case 'env-secret':
      return `the secrets backend, path in environment variable ${origin.name}`
    case 'file':
      return `${fileName} line ${origin.line} ([${origin.section}] ${origin.key})`
    case 'file-command':
      return `the command at ${fileName} line ${origin.line} ([${origin.section}] ${origin.key})`
    case 'file-secret':
      return `the secrets backend, path at ${fileName} line ${origin.line} ([${origin.section}] ${origin.key})`
    case 'default':
      return "Airflow's default"
  }
}

// ---------------------------------------------------------------------------------------
// configparser

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

const CLASS_SPACE = PY_SPACE.replace(/[\]\\^-]/g, '\\$&')
const NON_SPACE = new RegExp(`[^${CLASS_SPACE}]`)
const PY_RSTRIP = new RegExp(`[${CLASS_SPACE}]+$`)
// configparser's SECTCRE and OPTCRE (delimiters `=` and `:`); `.` in Python excludes only
// `\n`, which a line never holds here.
const SECTION_HEADER = /^\[([^\n]+)\]/
const OPTION_LINE = new RegExp(`^([^\\n]*?)[${CLASS_SPACE}]*(=|:)[${CLASS_SPACE}]*([^\\n]*)$`)

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
    const key = option[1]!.replace(PY_RSTRIP, '')
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
          raw: o.lines.join('\n').replace(PY_RSTRIP, '')
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
function findOption(cfg: ParsedAirflowCfg, section: string, key: string): CfgOption | undefined {
  const sect = cfg.sections.get(section)
  if (!sect) return undefined
  return sect.options.get(key) ?? cfg.defaults.get(key)
}

class InterpolationError extends Error {}

const MAX_INTERPOLATION_DEPTH = 10

/** `BasicInterpolation.before_get`: `%%` → `%`, `%(name)s` → that option's value. */
function interpolate(cfg: ParsedAirflowCfg, section: string, raw: string): string {
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

// ---------------------------------------------------------------------------------------
// expand_env_var

/** `os.path.expandvars` (POSIX): `$name` and `${name}` found in `env`; others stay. */
export function expandVars(
  path: string,
  env: Readonly<Record<string, string | undefined>>
): string {
  if (!path.includes('$')) return path
  const re = /\$([A-Za-z0-9_]+|\{[^}]*\})/g
  let i = 0
  for (;;) {
    re.lastIndex = i
    const m = re.exec(path)
    if (!m) return path
    let name = m[1]!
    if (name.startsWith('{') && name.endsWith('}')) name = name.slice(1, -1)
    const value = Object.hasOwn(env, name) ? env[name] : undefined
    if (value === undefined) i = m.index + m[0].length
    else {
      const tail = path.slice(m.index + m[0].length)
      path = path.slice(0, m.index) + value
      i = path.length
      path += tail
    }
  }
}

/**
 * `os.path.expanduser` (POSIX) with `HOME` from `env`. `~user` and a missing `HOME` need
 * the password database, which a pure function cannot read: those stay as they are and
 * `unresolved` says so.
 */
export function expandUser(
  path: string,
  env: Readonly<Record<string, string | undefined>>
): { value: string; unresolved: boolean } {
  if (!path.startsWith('~')) return { value: path, unresolved: false }
  let i = path.indexOf('/', 1)
  if (i < 0) i = path.length
  const home = i === 1 ? env.HOME : undefined
  if (home === undefined) return { value: path, unresolved: true }
  return { value: home.replace(/\/+$/, '') + path.slice(i) || '/', unresolved: false }
}

/**
 * Airflow's `expand_env_var`: `expandvars` then `expanduser`, repeated until the value stops
 * changing. `error` is set when it would never stop (Airflow would hang).
 */
export function expandEnvVar(
  value: string,
  env: Readonly<Record<string, string | undefined>>
): { value: string; unresolvedHome: boolean; error?: string } {
  let unresolvedHome = false
  if (!value) return { value, unresolvedHome }
  for (let round = 0; round < 100; round++) {
    const user = expandUser(expandVars(value, env), env)
    unresolvedHome ||= user.unresolved
    if (user.value === value) return { value, unresolvedHome }
    value = user.value
  }
  return {
    value,
    unresolvedHome,
    error: 'Expanding $VARIABLES never settles (a variable refers to itself); Airflow would hang.'
  }
}

// ---------------------------------------------------------------------------------------
// The profile

type Env = Readonly<Record<string, string | undefined>>

interface OptionSpec {
  section: string
  key: string
  /** May come from `_cmd` / `_secret` (`sensitive: true` in config.yml). */
  sensitive: boolean
  /** The pre-2.3 name Airflow 2 still reads (`[core] sql_alchemy_conn`). */
  deprecated?: { section: string; key: string }
  default: string
}

type Resolved =
  | { kind: 'value'; value: string; origin: ConfigOrigin }
  | { kind: 'not-read'; origin: ConfigOrigin }
  | { kind: 'failed'; origin: ConfigOrigin }

/** Airflow's `ENV_VAR_PREFIX` name for an option. */
export function airflowEnvName(section: string, key: string): string {
  return `AIRFLOW__${section.replace(/\./g, '_').toUpperCase()}__${key.toUpperCase()}`
}

interface Version {
  major: number
  minor: number
}

function parseVersion(v: string | null | undefined): Version | null {
  const m = v ? /^\s*v?(\d+)\.(\d+)/.exec(v) : null
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null
}

class ProfileReader {
  readonly problems: ConfigProblem[] = []
  constructor(
    private readonly cfg: ParsedAirflowCfg,
    private readonly env: Env,
    private readonly options: AirflowConfigOptions
  ) {}

  private get fileName(): string {
    return this.options.fileName ?? 'airflow.cfg'
  }

  private has(name: string): boolean {
    return Object.hasOwn(this.env, name) && this.env[name] !== undefined
  }

  private expand(value: string, setting: string, line: number | null): string {
    const r = expandEnvVar(value, this.env)
    if (r.error) this.problems.push({ line, severity: 'error', setting, message: r.error })
    if (r.unresolvedHome)
      this.problems.push({
        line,
        severity: 'warning',
        setting,
        message:
          'The value starts with ~ and Airflow expands it to a home directory, which Airlock could not determine here (no HOME, or ~user).'
      })
    return r.value
  }

  private run(command: string, origin: ConfigOrigin, setting: string): Resolved {
    const line = 'line' in origin ? origin.line : null
    if (!this.options.runCommand) return { kind: 'not-read', origin }
    try {
      return { kind: 'value', value: this.options.runCommand(command), origin }
    } catch {
      this.problems.push({
        line,
        severity: 'error',
        setting,
        message: `Running the command from ${describeOrigin(origin, this.fileName)} failed; Airflow would stop with "Cannot execute".`
      })
      return { kind: 'failed', origin }
    }
  }

  private fileValue(option: CfgOption, setting: string): string | undefined {
    try {
      return interpolate(this.cfg, option.section, option.raw)
    } catch (error) {
      if (!(error instanceof InterpolationError)) throw error
      this.problems.push({
        line: option.line,
        severity: 'error',
        setting,
        message: `[${option.section}] ${option.key} cannot be read: ${error.message}.`
      })
      return undefined
    }
  }

  /** `_get_env_var_option`: the plain variable, then `_CMD`, then `_SECRET`. */
  private fromEnv(section: string, key: string, sensitive: boolean): Resolved | undefined {
    const setting = `${section}.${key}`
    const name = airflowEnvName(section, key)
    if (this.has(name))
      return {
        kind: 'value',
        value: this.expand(this.env[name]!, setting, null),
        origin: { kind: 'env', name }
      }
    if (this.has(`${name}_CMD`)) {
      if (sensitive)
        return this.run(
          this.env[`${name}_CMD`]!,
          { kind: 'env-command', name: `${name}_CMD` },
          setting
        )
      this.problems.push({
        line: null,
        severity: 'warning',
        setting,
        message: `${name}_CMD is ignored: Airflow runs commands only for sensitive options.`
      })
    }
    if (this.has(`${name}_SECRET`)) {
      if (sensitive)
        return { kind: 'not-read', origin: { kind: 'env-secret', name: `${name}_SECRET` } }
      this.problems.push({
        line: null,
        severity: 'warning',
        setting,
        message: `${name}_SECRET is ignored: Airflow reads secrets only for sensitive options.`
      })
    }
    return undefined
  }

  private fromFile(section: string, key: string): Resolved | undefined {
    const option = findOption(this.cfg, section, key)
    if (!option) return undefined
    const origin: ConfigOrigin = { kind: 'file', section, key, line: option.line }
    const value = this.fileValue(option, `${section}.${key}`)
    if (value === undefined) return { kind: 'failed', origin }
    return { kind: 'value', value: this.expand(value, `${section}.${key}`, option.line), origin }
  }

  private fromFileCommand(section: string, key: string, sensitive: boolean): Resolved | undefined {
    const option = findOption(this.cfg, section, `${key}_cmd`)
    if (!option) return undefined
    if (!sensitive) {
      this.problems.push({
        line: option.line,
        severity: 'warning',
        setting: `${section}.${key}`,
        message: `[${section}] ${key}_cmd is ignored: Airflow runs commands only for sensitive options.`
      })
      return undefined
    }
    const origin: ConfigOrigin = {
      kind: 'file-command',
      section,
      key: `${key}_cmd`,
      line: option.line
    }
    const command = this.fileValue(option, `${section}.${key}`)
    if (command === undefined) return { kind: 'failed', origin }
    const r = this.run(command, origin, `${section}.${key}`)
    // Airflow moves on when a file command prints nothing (`if option:`).
    return r.kind === 'value' && !r.value ? undefined : r
  }

  private fromFileSecret(section: string, key: string, sensitive: boolean): Resolved | undefined {
    const option = findOption(this.cfg, section, `${key}_secret`)
    if (!option || !sensitive) return undefined
    return {
      kind: 'not-read',
      origin: { kind: 'file-secret', section, key: `${key}_secret`, line: option.line }
    }
  }

  /** `AirflowConfigParser.get`: env → file → file `_cmd` → file `_secret` → default. */
  resolve(spec: OptionSpec): Resolved {
    const d = spec.deprecated
    const steps: (() => Resolved | undefined)[] = [
      () => this.fromEnv(spec.section, spec.key, spec.sensitive),
      () => (d ? this.fromEnv(d.section, d.key, spec.sensitive) : undefined),
      () => this.fromFile(spec.section, spec.key),
      () => (d ? this.fromFile(d.section, d.key) : undefined),
      () => this.fromFileCommand(spec.section, spec.key, spec.sensitive),
      () => (d ? this.fromFileCommand(d.section, d.key, spec.sensitive) : undefined),
      () => this.fromFileSecret(spec.section, spec.key, spec.sensitive),
      () => (d ? this.fromFileSecret(d.section, d.key, spec.sensitive) : undefined)
    ]
    for (const step of steps) {
      const r = step()
      if (r) {
        if (d && 'section' in r.origin && r.origin.section === d.section)
          this.problems.push({
            line: 'line' in r.origin ? r.origin.line : null,
            severity: 'warning',
            setting: `${spec.section}.${spec.key}`,
            message: `[${d.section}] ${d.key} is the deprecated name of [${spec.section}] ${spec.key} (Airflow 2.3+); Airflow 3 no longer reads it.`
          })
        else if (
          d &&
          r.origin.kind.startsWith('env') &&
          'name' in r.origin &&
          r.origin.name.startsWith(airflowEnvName(d.section, d.key))
        )
          this.problems.push({
            line: null,
            severity: 'warning',
            setting: `${spec.section}.${spec.key}`,
            message: `${r.origin.name} uses the deprecated name of [${spec.section}] ${spec.key} (Airflow 2.3+); Airflow 3 no longer reads it.`
          })
        return r
      }
    }
    // Airflow's defaults are expanded too; the only one that can hold ~ is the database path.
    return {
      kind: 'value',
      value: expandEnvVar(spec.default, this.env).value,
      origin: { kind: 'default' }
    }
  }

  /** Warns about spellings Airflow never reads: a section or key in the wrong case. */
  checkSpellings(wanted: readonly { section: string; key: string }[]): void {
    const sectionNames = new Set(wanted.map((w) => w.section))
    for (const [name, sect] of this.cfg.sections) {
      const lower = name.toLowerCase()
      if (name !== lower && sectionNames.has(lower))
        this.problems.push({
          line: sect.line,
          severity: 'warning',
          message: `Section [${name}] is never read: Airflow looks only for [${lower}] (section names are case-sensitive).`
        })
    }
    for (const w of wanted) {
      const sect = this.cfg.sections.get(w.section)
      for (const candidate of [w.key, `${w.key}_cmd`, `${w.key}_secret`]) {
        for (const [key, option] of sect?.options ?? []) {
          if (key !== candidate && key.toLowerCase() === candidate)
            this.problems.push({
              line: option.line,
              severity: 'warning',
              setting: `${w.section}.${w.key}`,
              message: `[${w.section}] ${key} is never read: Airflow keeps key case and looks only for ${candidate}.`
            })
        }
      }
      const envName = airflowEnvName(w.section, w.key)
      for (const name of Object.keys(this.env)) {
        if (name.startsWith('AIRFLOW__') && name !== envName && name.toUpperCase() === envName)
          this.problems.push({
            line: null,
            severity: 'warning',
            setting: `${w.section}.${w.key}`,
            message: `Environment variable ${name} is never read: Airflow looks only for ${envName} (names are case-sensitive).`
          })
      }
    }
  }

  checkBraces(section: string, key: string): void {
    const option = findOption(this.cfg, section, key)
    if (option && /\{[A-Z_]+\}/.test(option.raw))
      this.problems.push({
        line: option.line,
        severity: 'warning',
        setting: `${section}.${key}`,
        message:
          'The value contains a {NAME} placeholder such as {AIRFLOW_HOME}: Airflow fills those only into its built-in defaults, never into airflow.cfg, so it is used literally. Write $AIRFLOW_HOME (expanded from the environment) or the path itself.'
      })
  }
}

function setting<T>(r: Resolved, convert: (text: string) => T | null): ProfileSetting<T> {
  return r.kind === 'value'
    ? { value: convert(r.value), origin: r.origin, read: true }
    : { value: null, origin: r.origin, read: r.kind !== 'not-read' }
}

function lineOf(origin: ConfigOrigin): number | null {
  return 'line' in origin ? origin.line : null
}

/** Python's `int(str)` for ASCII digits (sign, surrounding whitespace, `_` between digits). */
function pyInt(text: string): number | undefined {
  const s = pyStrip(text)
  if (!/^[+-]?\d+(?:_\d+)*$/.test(s)) return undefined
  return Number(s.replace(/_/g, ''))
}

/**
 * Reads airflow.cfg's text and the environment as Airflow does and returns the runtime
 * profile. Never throws on bad input: every problem is in `problems`, with its line.
 */
export function readAirflowConfig(
  text: string | null,
  env: Env,
  options: AirflowConfigOptions = {}
): AirflowRuntimeProfile {
  const cfg = parseAirflowCfg(text ?? '')
  const reader = new ProfileReader(cfg, env, options)
  const version = parseVersion(options.airflowVersion)
  const airflow3 = version ? version.major >= 3 : null
  const fileName = options.fileName ?? 'airflow.cfg'

  const home = expandEnvVar(env.AIRFLOW_HOME ?? '~/airflow', env).value
  const wanted = [
    { section: 'core', key: 'fernet_key' },
    { section: 'database', key: 'sql_alchemy_conn' },
    { section: 'core', key: 'sql_alchemy_conn' },
    { section: 'secrets', key: 'backend' },
    { section: 'secrets', key: 'backend_kwargs' },
    { section: 'secrets', key: 'use_cache' },
    { section: 'secrets', key: 'cache_ttl_seconds' },
    { section: 'workers', key: 'secrets_backend' },
    { section: 'workers', key: 'secrets_backend_kwargs' }
  ]
  reader.checkSpellings(wanted)
  for (const w of wanted) reader.checkBraces(w.section, w.key)

  const fernet = reader.resolve({
    section: 'core',
    key: 'fernet_key',
    sensitive: true,
    default: ''
  })

  // [database] sql_alchemy_conn exists from 2.3; before, [core] was the only name; Airflow 3
  // dropped the deprecated mapping.
  const old = version !== null && version.major === 2 && version.minor < 3
  const sqlDefault = `sqlite:///${home}/airflow.db`
  const sql = old
    ? reader.resolve({
        section: 'core',
        key: 'sql_alchemy_conn',
        sensitive: true,
        default: sqlDefault
      })
    : reader.resolve({
        section: 'database',
        key: 'sql_alchemy_conn',
        sensitive: true,
        default: sqlDefault,
        deprecated: airflow3 ? undefined : { section: 'core', key: 'sql_alchemy_conn' }
      })
  const ignored = (section: string, key: string, why: string): void => {
    const option = findOption(cfg, section, key)
    const name = airflowEnvName(section, key)
    if (option || Object.hasOwn(env, name))
      reader.problems.push({
        line: option?.line ?? null,
        severity: 'warning',
        setting: `${section}.${key}`,
        message: `[${section}] ${key} is ignored: ${why}`
      })
  }
  if (airflow3)
    ignored('core', 'sql_alchemy_conn', 'Airflow 3 reads only [database] sql_alchemy_conn.')
  if (old)
    ignored(
      'database',
      'sql_alchemy_conn',
      'Airflow before 2.3 reads only [core] sql_alchemy_conn.'
    )

  const backend = reader.resolve({
    section: 'secrets',
    key: 'backend',
    sensitive: false,
    default: ''
  })
  const backendKwargs = reader.resolve({
    section: 'secrets',
    key: 'backend_kwargs',
    sensitive: true,
    default: ''
  })
  const workersBackend = reader.resolve({
    section: 'workers',
    key: 'secrets_backend',
    sensitive: false,
    default: ''
  })
  const workersKwargs = reader.resolve({
    section: 'workers',
    key: 'secrets_backend_kwargs',
    sensitive: true,
    default: ''
  })
  if (version && version.major < 3) {
    ignored('workers', 'secrets_backend', 'Airflow 2 has no separate worker secrets backend.')
    ignored(
      'workers',
      'secrets_backend_kwargs',
      'Airflow 2 has no separate worker secrets backend.'
    )
  }

  const className = (text: string): string | null => (text ? text : null)
  const secretsBackend = setting(backend, className)
  const workersSecretsBackend = setting(workersBackend, className)
  for (const [s, label] of [
    [secretsBackend, '[secrets] backend'],
    [workersSecretsBackend, '[workers] secrets_backend']
  ] as const) {
    if (s.value && !s.value.includes('.'))
      reader.problems.push({
        line: lineOf(s.origin),
        severity: 'error',
        message: `${label} must be a full class path such as airflow.providers.hashicorp.secrets.vault.VaultBackend; Airflow cannot import it.`
      })
  }

  // getjson + _get_custom_secret_backend: '' → {}; falsy JSON → {}; invalid or non-object
  // → a logged warning and {}. Airflow reads the kwargs only when the backend is set.
  const kwargsSetting = (
    r: Resolved,
    label: string,
    backendSet: boolean
  ): ProfileSetting<Record<string, unknown>> =>
    setting(r, (text) => {
      if (!text) return {}
      let data
      try {
        data = pyJsonLoads(text)
      } catch (error) {
        if (!(error instanceof PyJsonDecodeError)) throw error
        if (backendSet)
          reader.problems.push({
            line: lineOf(r.origin),
            severity: 'warning',
            message: `${label} is not valid JSON (${error.reason}, line ${error.lineno} column ${error.colno}); Airflow logs "Failed to parse ... as JSON" and builds the backend with no kwargs.`
          })
        return {}
      }
      if (!pyTruthy(data)) return {}
      if (!(data instanceof PyDict)) {
        if (backendSet)
          reader.problems.push({
            line: lineOf(r.origin),
            severity: 'warning',
            message: `${label} is JSON but not an object; Airflow logs "Failed to parse ... into a dict" and builds the backend with no kwargs.`
          })
        return {}
      }
      return pyToPlain(data) as Record<string, unknown>
    })
  const secretsBackendKwargs = kwargsSetting(
    backendKwargs,
    '[secrets] backend_kwargs',
    !!secretsBackend.value
  )
  const workersSecretsBackendKwargs = kwargsSetting(
    workersKwargs,
    '[workers] secrets_backend_kwargs',
    airflow3 !== false && !!workersSecretsBackend.value
  )

  const serverBackend: EffectiveBackend | null = secretsBackend.value
    ? { className: secretsBackend.value, kwargs: secretsBackendKwargs.value, section: 'secrets' }
    : null
  const workerBackend: EffectiveBackend | null =
    airflow3 !== false && workersSecretsBackend.value
      ? {
          className: workersSecretsBackend.value,
          kwargs: workersSecretsBackendKwargs.value,
          section: 'workers'
        }
      : serverBackend

  const useCacheRaw = reader.resolve({
    section: 'secrets',
    key: 'use_cache',
    sensitive: false,
    default: 'False'
  })
  const useCache = setting(useCacheRaw, (text) => {
    let v = pyStrip(text.toLowerCase())
    if (v.includes('#')) v = pyStrip(v.split('#')[0]!)
    if (v === 't' || v === 'true' || v === '1') return true
    if (v === 'f' || v === 'false' || v === '0') return false
    reader.problems.push({
      line: lineOf(useCacheRaw.origin),
      severity: 'error',
      setting: 'secrets.use_cache',
      message:
        '[secrets] use_cache is not a boolean Airflow accepts (t, true, 1, f, false, 0, any case); Airflow raises "Failed to convert value to bool".'
    })
    return null
  })
  const ttlRaw = reader.resolve({
    section: 'secrets',
    key: 'cache_ttl_seconds',
    sensitive: false,
    default: '900'
  })
  const cacheTtlSeconds = setting(ttlRaw, (text) => {
    const n = pyInt(text)
    if (n === undefined)
      reader.problems.push({
        line: lineOf(ttlRaw.origin),
        severity: 'error',
        setting: 'secrets.cache_ttl_seconds',
        message:
          '[secrets] cache_ttl_seconds is not an integer; Airflow raises "Failed to convert value to int".'
      })
    return n ?? null
  })

  const sqlAlchemyConn = setting(sql, (text) => text)
  let sqlAlchemyUrl: SqlAlchemyUrl | null = null
  if (sqlAlchemyConn.origin.kind === 'default' && sqlAlchemyConn.value?.includes('~'))
    reader.problems.push({
      line: null,
      severity: 'warning',
      setting: 'database.sql_alchemy_conn',
      message:
        "sql_alchemy_conn is Airflow's default, a SQLite file in AIRFLOW_HOME (~/airflow), and Airlock could not determine the home directory (HOME is not set)."
    })
  else if (sqlAlchemyConn.value !== null) {
    const where = describeOrigin(sqlAlchemyConn.origin, fileName)
    try {
      sqlAlchemyUrl = parseSqlAlchemyUrl(sqlAlchemyConn.value)
      for (const note of sqlAlchemyUrl.notes)
        reader.problems.push({
          line: lineOf(sqlAlchemyConn.origin),
          severity: note.severity,
          setting: 'database.sql_alchemy_conn',
          message: `sql_alchemy_conn (from ${where}): ${note.message}`
        })
    } catch (error) {
      if (!(error instanceof CodecError)) throw error
      reader.problems.push({
        line: lineOf(sqlAlchemyConn.origin),
        severity: 'error',
        setting: 'database.sql_alchemy_conn',
        message: `sql_alchemy_conn (from ${where}): ${error.userMessage}`
      })
    }
  }

  return {
    airflowVersion: options.airflowVersion ?? null,
    fernetKey: setting(fernet, (text) => text),
    sqlAlchemyConn,
    sqlAlchemyUrl,
    secretsBackend,
    secretsBackendKwargs,
    workersSecretsBackend,
    workersSecretsBackendKwargs,
    serverBackend,
    workerBackend,
    useCache,
    cacheTtlSeconds,
    problems: [...cfg.problems, ...reader.problems]
  }
}

// ---------------------------------------------------------------------------------------
// SQLAlchemy URLs

/** A metadata-database URL as SQLAlchemy's `make_url` reads it. */
export interface SqlAlchemyUrl {
  dialect: 'postgresql' | 'mysql' | 'sqlite'
  /** The part after `+` (`psycopg2`, `pymysql`, …); absent means the dialect's default. */
  driver?: string
  /** `dialect+driver` as written. */
  drivername: string
  host: string | null
  port: number | null
  /** The path after the first `/`, not percent-decoded (SQLAlchemy does not decode it). */
  database: string | null
  /** Percent-decoded (`unquote`, so `+` stays `+`). */
  user: string | null
  password: string | null
  /** `parse_qsl` of the query (blank values dropped); a repeated key gives a list. */
  query: Record<string, string | string[]>
  /** SQLite only: the file SQLite opens (`:memory:` for `sqlite://`), else null. */
  sqlitePath: string | null
  /** What Airflow or the driver will make of it: `error` = Airflow refuses to start. */
  notes: { severity: 'error' | 'warning'; message: string }[]
}

// SQLAlchemy 2.0 `_parse_url` (same in 1.4): Python's `\w` is Unicode-aware; `.` stops at \n.
const SQLA_URL = new RegExp(
  String.raw`^(?<name>[\p{L}\p{N}_+]+)://` +
    String.raw`(?:(?<username>[^:/]*)(?::(?<password>[^@]*))?@)?` +
    String.raw`(?:(?:\[(?<ipv6host>[^/?]+)\]|(?<ipv4host>[^/:?]+))?(?::(?<port>[^/?]*))?)?` +
    String.raw`(?:/(?<database>[^?]*))?` +
    String.raw`(?:\?(?<query>[^\n]*))?`,
  'u'
)

const DRIVERS: Record<SqlAlchemyUrl['dialect'], readonly string[]> = {
  postgresql: ['psycopg2', 'psycopg', 'pg8000', 'asyncpg', 'psycopg2cffi'],
  mysql: ['mysqldb', 'pymysql', 'mysqlconnector', 'asyncmy', 'aiomysql'],
  sqlite: ['pysqlite', 'aiosqlite']
}

/**
 * Parses a `sql_alchemy_conn` URL with SQLAlchemy's `make_url` rules and says what Airflow
 * makes of it. Throws a CodecError (never quoting the URL) when SQLAlchemy cannot parse it,
 * cannot load its dialect (`postgres://`) or the database is not one Airflow supports.
 */
export function parseSqlAlchemyUrl(url: string): SqlAlchemyUrl {
  const m = SQLA_URL.exec(url)
  if (!m)
    throw new CodecError(
      'SQLAlchemy cannot parse it ("Could not parse SQLAlchemy URL"): it must start with dialect:// such as postgresql://, mysql:// or sqlite://.',
      'codec.invalid-uri'
    )
  const g = m.groups!
  const drivername = g.name!
  const [backendName, driver] = drivername.split('+') as [string, string | undefined]
  if (backendName === 'postgres')
    throw new CodecError(
      'The scheme postgres:// is not accepted by SQLAlchemy 1.4 or 2.x (used by Airflow 2.3+ and 3), which fail with "Can\'t load plugin: sqlalchemy.dialects:postgres"; write postgresql:// (or postgresql+psycopg2://) instead.',
      'codec.invalid-uri'
    )
  if (backendName !== 'postgresql' && backendName !== 'mysql' && backendName !== 'sqlite')
    throw new CodecError(
      // named only when it looks like a dialect name: this text may be a pasted secret
      `The database ${/^[a-z0-9_+]{1,30}$/.test(drivername) ? `"${backendName}"` : 'in this URL'} is not one Airflow's metadata database runs on (PostgreSQL, MySQL or SQLite); dialect names are lower-case.`,
      'codec.invalid-uri'
    )
  const notes: SqlAlchemyUrl['notes'] = []
  if (driver !== undefined && !DRIVERS[backendName].includes(driver))
    notes.push({
      severity: 'warning',
      message: `the driver "${/^[a-z0-9_]{1,30}$/.test(driver) ? driver : '…'}" is not one SQLAlchemy ships for ${backendName} (${DRIVERS[backendName].join(', ')}).`
    })
  let port: number | null = null
  if (g.port !== undefined) {
    const n = pyInt(g.port)
    if (n === undefined)
      throw new CodecError(
        'The port is not a number (SQLAlchemy fails with "invalid literal for int()"); a password with an unencoded ":" or "/" can cause this — percent-encode it.',
        'codec.invalid-port'
      )
    port = n
    if (n < 0 || n > 65535)
      notes.push({ severity: 'warning', message: 'the port is outside 0–65535.' })
  }
  const host = g.ipv4host || g.ipv6host || null
  if (host?.includes('@'))
    notes.push({
      severity: 'warning',
      message:
        'the host contains "@": the password (or user) probably holds an unencoded "@"; percent-encode it as %40.'
    })
  if (/\s/.test(url))
    notes.push({
      severity: 'warning',
      message:
        'it contains whitespace or a line break (a command output ending in a newline?); SQLAlchemy keeps it in the last component.'
    })
  const query: Record<string, string | string[]> = {}
  if (g.query !== undefined)
    for (const [k, v] of parseQsl(g.query)) {
      const prev = query[k]
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
  const database = g.database ?? null
  let sqlitePath: string | null = null
  if (backendName === 'sqlite') {
    sqlitePath = database || ':memory:'
    // settings._is_sqlite_db_path_relative, on the raw string
    const rest = url.startsWith('sqlite:///') ? url.slice('sqlite:///'.length) : null
    if (url !== 'sqlite://' && !(rest !== null && rest.startsWith('/')))
      notes.push({
        severity: 'error',
        message:
          'Airflow refuses it ("Cannot use relative path ... to connect to sqlite"): use an absolute path with four slashes, such as sqlite:////usr/local/airflow/airflow.db.'
      })
  }
  return {
    dialect: backendName,
    ...(driver !== undefined ? { driver } : {}),
    drivername,
    host,
    port,
    database,
    user: g.username !== undefined ? unquote(g.username) : null,
    password: g.password !== undefined ? unquote(g.password) : null,
    query,
    sqlitePath,
    notes
  }
}
