/**
 * Environment variable names Airflow reads (reference §8): `AIRFLOW_CONN_<ID>` and
 * `AIRFLOW_VAR_<KEY>`, only the id upper-cased, and the 3.2+ team-scoped forms
 * `AIRFLOW_CONN__<TEAM>___<ID>` / `AIRFLOW_VAR__<TEAM>___<KEY>`.
 */

/** Prefix of connection variables. */
export const CONN_ENV_PREFIX = 'AIRFLOW_CONN_'
/** Prefix of variable variables. */
export const VAR_ENV_PREFIX = 'AIRFLOW_VAR_'
/** Separates the team from the id in team-scoped names. */
export const TEAM_ENV_SEP = '___'

/** What an env name holds. */
export type EnvKind = 'connection' | 'variable'

/** Python's `str.upper()` (JavaScript's full-Unicode upper-casing matches it, e.g. ß → SS). */
function pyUpper(s: string): string {
  return s.toUpperCase()
}

/** The variable Airflow reads for an id (and team, in multi-team mode). */
export function envNameFor(kind: EnvKind, id: string, team?: string | null): string {
  const prefix = kind === 'connection' ? CONN_ENV_PREFIX : VAR_ENV_PREFIX
  return team ? `${prefix}_${pyUpper(team)}${TEAM_ENV_SEP}${pyUpper(id)}` : prefix + pyUpper(id)
}

/** A parsed env name: the upper-cased id as written (Airflow matches ids case-insensitively). */
export interface ParsedEnvName {
  kind: EnvKind
  /** The suffix after the prefix, exactly as in the name (upper-case). */
  idUpper: string
  /** The team of a team-scoped name, upper-case. */
  teamUpper?: string
}

/**
 * Reads an env name back; undefined when it is not one Airflow looks at. A name that is
 * not upper-case past the prefix is never read by Airflow (it looks up `id.upper()`).
 */
export function parseEnvName(name: string): ParsedEnvName | undefined {
  const kind: EnvKind | undefined = name.startsWith(CONN_ENV_PREFIX)
    ? 'connection'
    : name.startsWith(VAR_ENV_PREFIX)
      ? 'variable'
      : undefined
  if (!kind) return undefined
  const rest = name.slice((kind === 'connection' ? CONN_ENV_PREFIX : VAR_ENV_PREFIX).length)
  if (!rest) return undefined
  if (rest.startsWith('_')) {
    const sep = rest.indexOf(TEAM_ENV_SEP, 1)
    if (sep > 1 && sep + TEAM_ENV_SEP.length < rest.length)
      return { kind, teamUpper: rest.slice(1, sep), idUpper: rest.slice(sep + TEAM_ENV_SEP.length) }
  }
  return { kind, idUpper: rest }
}

/** True when Airflow would read this exact name for some id (id and team upper-case). */
export function isReadableEnvName(name: string): boolean {
  const parsed = parseEnvName(name)
  return parsed !== undefined && isReadableParsedName(parsed)
}

/** {@link isReadableEnvName} of a name already parsed. */
export function isReadableParsedName(parsed: ParsedEnvName): boolean {
  const team = parsed.teamUpper ?? ''
  return pyUpper(parsed.idUpper) === parsed.idUpper && pyUpper(team) === team
}

/**
 * Why an env name cannot be written by common tools (POSIX shells, docker compose
 * `env_file`, python-dotenv): names outside `[A-Za-z_][A-Za-z0-9_]*`. Undefined when fine.
 */
export function envNameProblem(name: string): string | undefined {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return undefined
  const bad = [...new Set(name.replace(/[A-Za-z0-9_]/g, ''))]
    .map((c) => JSON.stringify(c))
    .join(', ')
  return `${name} holds ${bad}, which shells and most .env loaders cannot express; only Airflow's process environment (e.g. set by a Kubernetes manifest) can carry it.`
}
