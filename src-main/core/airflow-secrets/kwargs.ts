/**
 * Reading `backend_kwargs` (parsed JSON) as the amazon, azure and google providers'
 * `__init__`s do: text-or-null kwargs with defaults, the `sep` kwarg and the three kind
 * prefixes. Each provider keeps its own defaults and what it does to a prefix (strip `sep`,
 * strip `/`, nothing); the reading and its messages live here once. Vault's kwargs have their
 * own rules and messages (vault.ts).
 */
import { AirlockError } from '../errors'
import { pyRstrip } from '../codecs/py-str'

/** Parsed `backend_kwargs`. */
export type BackendKwargs = Readonly<Record<string, unknown>>

/** How a kwarg's JSON type reads in a message (`a list`, `number`, …). */
export function kwargTypeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v
}

/**
 * A text-or-null kwarg with its default (absent → `fallback`). Throws a `usage` error naming
 * `service` for any other JSON type (Python would fail on `.rstrip` or string concatenation).
 */
export function stringKwarg(
  kwargs: BackendKwargs,
  key: string,
  fallback: string | null,
  service: string
): string | null {
  if (!Object.hasOwn(kwargs, key)) return fallback
  const v = kwargs[key]
  if (v === null || typeof v === 'string') return v
  throw new AirlockError(
    'usage',
    `backend_kwargs "${key}" must be text or null for ${service}; got ${kwargTypeName(v)}.`
  )
}

/**
 * The `sep` kwarg: text (absent → `fallback`), or null (JSON null is Python's None, which the
 * providers take without a check); any other type is a `usage` error.
 */
export function sepKwarg(kwargs: BackendKwargs, fallback: string, service: string): string | null {
  return stringKwarg(kwargs, 'sep', fallback, service)
}

/**
 * `BaseSecretsBackend.build_path` is `f"{path_prefix}{sep}{secret_id}"`: a None `sep` is
 * formatted as the text `None`.
 */
export function pyFormatSep(sep: string | null): string {
  return sep === null ? 'None' : sep
}

/** The provider defaults of the three prefix kwargs. */
export interface PrefixDefaults {
  connections_prefix: string
  variables_prefix: string
  config_prefix: string
}

/** The three prefixes as a provider's `__init__` leaves them (`null` = that lookup is off). */
export interface KindPrefixes {
  connectionsPrefix: string | null
  variablesPrefix: string | null
  configPrefix: string | null
}

/**
 * `connections_prefix`, `variables_prefix`, `config_prefix` (in that order, so the first bad
 * one is the one reported), each through the provider's `init` (what `__init__` does to it).
 */
export function prefixKwargs(
  kwargs: BackendKwargs,
  defaults: PrefixDefaults,
  service: string,
  init: (prefix: string | null) => string | null
): KindPrefixes {
  const prefix = (key: keyof PrefixDefaults) =>
    init(stringKwarg(kwargs, key, defaults[key], service))
  return {
    connectionsPrefix: prefix('connections_prefix'),
    variablesPrefix: prefix('variables_prefix'),
    configPrefix: prefix('config_prefix')
  }
}

/** The prefix configured for a kind (`null` = Airflow never looks that kind up here). */
export function kindPrefix(
  prefixes: KindPrefixes,
  kind: 'connection' | 'variable' | 'config'
): string | null {
  return kind === 'connection'
    ? prefixes.connectionsPrefix
    : kind === 'variable'
      ? prefixes.variablesPrefix
      : prefixes.configPrefix
}

/**
 * `prefix.rstrip(sep)` when the prefix is truthy (amazon Secrets Manager, azure); a None
 * `sep` makes Python strip trailing whitespace.
 */
export function rstripSepWhenTruthy(sep: string | null): (prefix: string | null) => string | null {
  return (prefix) => (prefix ? pyRstrip(prefix, sep ?? undefined) : prefix)
}
