/**
 * Airflow's environment: the `AIRFLOW__SECTION__KEY` name that overrides an option, and
 * `expand_env_var` (`os.path.expandvars` + `expanduser`), applied to file and environment
 * values alike.
 */

/** A process environment as a record (`undefined`: not set). */
export type Env = Readonly<Record<string, string | undefined>>

/** Airflow's `ENV_VAR_PREFIX` name for an option. */
export function airflowEnvName(section: string, key: string): string {
  return `AIRFLOW__${section.replace(/\./g, '_').toUpperCase()}__${key.toUpperCase()}`
}

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
