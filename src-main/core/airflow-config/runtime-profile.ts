/**
 * The Airflow runtime profile: the Fernet key, the metadata database URL, the secrets
 * backends and the cache settings, each with where it came from, looked up in Airflow's
 * order (environment, `_cmd`/`_secret`, airflow.cfg, default).
 */
import { pyIntFromText, pyStrip } from '../codecs/py-str'
import { PyDict, PyJsonDecodeError, pyJsonLoads, pyToPlain, pyTruthy } from '../codecs/py-json'
import { CodecError } from '../errors'
import { kwargsLimitProblem } from '../json-limits'
import {
  findOption,
  interpolate,
  InterpolationError,
  parseAirflowCfg,
  type CfgOption,
  type ConfigProblem,
  type ParsedAirflowCfg
} from './cfg'
import { airflowEnvName, expandEnvVar, type Env } from './env'
import { parseSqlAlchemyUrl, type SqlAlchemyUrl } from './sqlalchemy-url'

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
  /** `[core] sensitive_var_conn_names`: extra names to hide, comma-separated (default ''). */
  sensitiveVarConnNames: ProfileSetting<string>
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
    { section: 'workers', key: 'secrets_backend_kwargs' },
    { section: 'core', key: 'sensitive_var_conn_names' }
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
      const kwargs = pyToPlain(data) as Record<string, unknown>
      // Airflow would take them (up to Python's recursion limit); Airlock keeps every kwargs
      // within one bound, so explain and import say so instead of carrying them on.
      const tooBig = kwargsLimitProblem(kwargs)
      if (tooBig) {
        reader.problems.push({
          line: lineOf(r.origin),
          severity: 'error',
          message: `${label} ${tooBig}; Airlock refuses them and reads the backend with no kwargs.`
        })
        return {}
      }
      return kwargs
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
    const n = pyIntFromText(text)
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
  const sensitiveVarConnNames = setting(
    reader.resolve({
      section: 'core',
      key: 'sensitive_var_conn_names',
      sensitive: false,
      default: ''
    }),
    (text) => text
  )
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
    sensitiveVarConnNames,
    problems: [...cfg.problems, ...reader.problems]
  }
}
