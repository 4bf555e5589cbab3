/**
 * How Airflow's `AzureKeyVaultBackend` names secrets (reference §12.4), as pure functions:
 * given the provider's `backend_kwargs` and an id, the exact Key Vault secret names Airflow
 * asks for, in order — or why it asks for none. Transcribed from
 * `providers/microsoft/azure/src/airflow/providers/microsoft/azure/secrets/key_vault.py`
 * (`__init__`, `build_path`, `_build_team_secret_name`, `_is_team_specific_accessed_as_global`,
 * `_get_secret`) and its tests (`tests/unit/microsoft/azure/secrets/test_key_vault.py`).
 *
 * The rules, exactly:
 * - A prefix that is truthy is `rstrip`ped of the characters of `sep` (Python strips a
 *   *set* of characters); `""` stays `""`; `null` turns that kind of lookup off.
 * - `build_path(prefix, id, sep)`: `id` alone when the prefix is `""`, else
 *   `prefix + sep + id`; then **every** `_` in the whole name becomes `sep`.
 * - Multi-team (newest provider): a lookup for a team first asks for
 *   `build_path(prefix, team' + "--" + id')` (`'` = `_` → `sep`), then the global name. A
 *   global lookup (no team) whose normalised id fully matches `[^<sep chars>]+--.+` is
 *   refused without calling the service.
 * - Key Vault itself accepts only names of 1–127 characters from `0-9a-zA-Z-` and compares
 *   them case-insensitively. Providers after 12.10.3 (apache/airflow#67157) skip any other
 *   name without a request (not found); older ones send it, Key Vault answers BadParameter,
 *   and Airflow logs the error and moves on to the next backend.
 */
/**
 * Where Airflow's Azure Key Vault backend looks, and what it makes of a secret's value
 * (reference §12.4). Source: `providers/microsoft/azure/src/airflow/providers/microsoft/
 * azure/secrets/key_vault.py` (`__init__`: prefixes `rstrip(sep)` when truthy; `build_path`:
 * no separator after an empty prefix, then every `_` → `sep`). The refusal of ids that read
 * as `<team>--<id>` (`_is_team_specific_accessed_as_global`) applies only with
 * `[core] multi_team` on (apache/airflow#71078). Values: URI or connection JSON; variables
 * verbatim.
 */
import { AirlockError } from '../errors'
import { kindPrefix, prefixKwargs, rstripSepWhenTruthy, sepKwarg, stringKwarg } from './kwargs'
import {
  decodeText,
  compareVersions,
  decodeAfterExplain,
  type DecodeFn,
  type Explanation,
  type ExplainFn,
  type LookupOptions,
  type StepsLookup,
  TEAM_SEP
} from './types'

/** What a name is looked up for: the two entry kinds and Airflow's `get_config`. */
export type SecretLookupKind = 'connection' | 'variable' | 'config'

/** Key Vault's rule for a secret name. */
export const AZURE_SECRET_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/

/** The provider's defaults for `backend_kwargs`. */
export const AZURE_KEY_VAULT_DEFAULTS = {
  connections_prefix: 'airflow-connections',
  variables_prefix: 'airflow-variables',
  config_prefix: 'airflow-config',
  vault_url: '',
  sep: '-'
} as const

/** The naming part of `backend_kwargs`, as the backend's `__init__` leaves it. */
export interface AzureKeyVaultNaming {
  /** After `rstrip(sep)`; `null` = connections are not looked up here. */
  connectionsPrefix: string | null
  variablesPrefix: string | null
  configPrefix: string | null
  sep: string
  vaultUrl: string
}

/**
 * Reads `backend_kwargs` (parsed JSON) the way `AzureKeyVaultBackend.__init__` does, with its
 * defaults. Credential kwargs (`tenant_id`, `client_id`, `client_secret`, …) are not naming
 * and are ignored here. Throws a `usage` error for a non-text prefix or separator (Python
 * would fail on `.rstrip`).
 */
export function parseAzureKeyVaultKwargs(
  kwargs: Readonly<Record<string, unknown>> = {}
): AzureKeyVaultNaming {
  const service = 'Azure Key Vault'
  const d = AZURE_KEY_VAULT_DEFAULTS
  const sep = sepKwarg(kwargs, d.sep, service)
  if (sep === null)
    // __init__ takes it (rstrip(None) strips whitespace), but build_path's
    // `path.replace("_", sep)` fails on every lookup.
    throw new AirlockError(
      'usage',
      'backend_kwargs "sep" is null: Airflow\'s Azure Key Vault backend fails on every lookup (build_path: TypeError: replace() argument 2 must be str, not None).'
    )
  return {
    ...prefixKwargs(kwargs, d, service, rstripSepWhenTruthy(sep)),
    sep,
    vaultUrl: stringKwarg(kwargs, 'vault_url', d.vault_url, service) ?? ''
  }
}

/** `AzureKeyVaultBackend.build_path(path_prefix, secret_id, sep)`. */
export function azureBuildPath(prefix: string, id: string, sep: string): string {
  const path = prefix === '' ? id : `${prefix}${sep}${id}`
  return path.replaceAll('_', sep)
}

/** The prefix configured for a kind (`null` = off). */
export function azurePrefixOf(naming: AzureKeyVaultNaming, kind: SecretLookupKind): string | null {
  return kindPrefix(naming, kind)
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
}

/**
 * `_is_team_specific_accessed_as_global`: a global lookup whose normalised id fully matches
 * `[^<sep chars>]+--.+` (Python `.`: anything but a newline) is refused. With an empty `sep`
 * the provider builds `[^]+--.+`, which Python's `re` rejects: every global lookup raises.
 */
export function azureLooksTeamScoped(id: string, sep: string): boolean | 'error' {
  if (sep === '') return 'error'
  const normalized = id.replaceAll('_', sep)
  const pattern = new RegExp(`^[^${escapeRegExp(sep)}]+${escapeRegExp(TEAM_SEP)}[^\\n]+$`)
  return pattern.test(normalized)
}

/** Why Key Vault rejects a name, or undefined when it is a valid secret name. */
export function azureNameProblem(name: string): string | undefined {
  if (AZURE_SECRET_NAME_PATTERN.test(name)) return undefined
  if (name.length === 0) return 'the name is empty'
  if (name.length > 127) return `the name is ${name.length} characters long (Key Vault allows 127)`
  const bad = [...new Set(name.replace(/[0-9a-zA-Z-]/g, ''))].map((c) => JSON.stringify(c))
  return `the name holds ${bad.join(', ')} (Key Vault allows only 0-9, a-z, A-Z and -)`
}

/** One name Airflow asks Key Vault for. */
export interface AzureLookupStep {
  name: string
  scope: 'team' | 'global'
  /** Set when Key Vault rejects the name: Airflow then gets an error, not a not-found. */
  problem?: string
}

/** What Airflow does for one lookup. */
export type AzureLookup = StepsLookup<AzureLookupStep> | { outcome: 'error'; reason: string }

function step(name: string, scope: 'team' | 'global'): AzureLookupStep {
  const problem = azureNameProblem(name)
  return problem === undefined ? { name, scope } : { name, scope, problem }
}

/**
 * The names `get_conn_value` / `get_variable` / `get_config` ask Key Vault for, in order
 * (the first that exists wins; a not-found moves to the next; any other error is raised).
 */
export function azureLookup(
  naming: AzureKeyVaultNaming,
  kind: SecretLookupKind,
  id: string,
  team?: string | null
): AzureLookup {
  const prefix = azurePrefixOf(naming, kind)
  if (prefix === null)
    return { outcome: 'disabled', reason: `${kind}s_prefix is null: Airflow never asks Key Vault` }
  const { sep } = naming
  const teamScoped = kind !== 'config' && !team && azureLooksTeamScoped(id, sep)
  if (teamScoped === 'error')
    return {
      outcome: 'error',
      reason:
        'sep is empty: the multi-team provider builds an invalid regular expression and every lookup without a team fails'
    }
  if (teamScoped)
    return {
      outcome: 'refused',
      reason: `the id reads as "<team>${TEAM_SEP}<id>", a team-scoped name; Airflow (multi-team provider) answers not found without asking`
    }
  const steps: AzureLookupStep[] = []
  if (kind !== 'config' && team)
    steps.push(step(azureBuildPath(prefix, azureTeamSecretId(team, id, sep), sep), 'team'))
  steps.push(step(azureBuildPath(prefix, id, sep), 'global'))
  return { outcome: 'lookup', steps }
}

/** `_build_team_secret_name("", team, id)`: `team'--id'`. */
export function azureTeamSecretId(team: string, id: string, sep: string): string {
  return `${azureBuildPath('', team, sep)}${TEAM_SEP}${id.replaceAll('_', sep)}`
}

/**
 * The one name a write for this id (and team) must target so that Airflow reads it back:
 * the team-scoped name for a team entry, else the global name. Undefined when the kind is
 * disabled or a global lookup of the id is refused.
 */
export function azureSecretName(
  naming: AzureKeyVaultNaming,
  kind: SecretLookupKind,
  id: string,
  team?: string | null
): string | undefined {
  const lookup = azureLookup(naming, kind, id, team)
  return lookup.outcome === 'lookup' ? lookup.steps[0]!.name : undefined
}

/**
 * The ids whose name is `rest` after the prefix: every way of reading each occurrence of
 * `sep` as itself or as `_` (Airflow wrote `_` as `sep`). Capped at `limit` readings.
 * Empty when no id maps there (a `_` left in the rest, which `build_path` never writes).
 */
export function azureIdsForRest(rest: string, sep: string, limit = 16): string[] {
  if (sep !== '_' && rest.includes('_')) return []
  if (sep === '_' || sep === '') return sep === '' && rest !== '' ? unboundedReadings(rest) : [rest]
  const out: string[] = []
  const walk = (i: number, acc: string) => {
    if (out.length >= limit) return
    if (i === rest.length) {
      out.push(acc)
      return
    }
    if (rest.startsWith(sep, i)) {
      walk(i + sep.length, acc + sep)
      walk(i + sep.length, acc + '_')
    } else walk(i + 1, acc + rest[i]!)
  }
  walk(0, '')
  return out
}

// With an empty sep every `_` was deleted: any position may have held one. Two readings
// are enough to say "ambiguous".
function unboundedReadings(rest: string): string[] {
  return [rest, `_${rest}`]
}

/** One way Airflow could have read a listed name. */
export interface AzureNameReading {
  kind: SecretLookupKind
  /** Every id that maps to the name; more than one means the name is ambiguous. */
  ids: string[]
  /** The newest provider refuses the single reading as a global id (it is team-scoped). */
  teamScoped: boolean
}

/**
 * Maps a listed secret name back to ids, per enabled kind whose prefix it starts with
 * (case-insensitively, as Key Vault compares names). A name under two prefixes gets one
 * reading per kind; a name with `sep` in its id part gets every id that maps to it.
 */
export function azureReadName(naming: AzureKeyVaultNaming, name: string): AzureNameReading[] {
  const out: AzureNameReading[] = []
  const kinds: SecretLookupKind[] = ['connection', 'variable', 'config']
  for (const kind of kinds) {
    const prefix = azurePrefixOf(naming, kind)
    if (prefix === null) continue
    const head = prefix === '' ? '' : azureBuildPath(prefix, '', naming.sep)
    if (
      name.length <= head.length ||
      name.slice(0, head.length).toLowerCase() !== head.toLowerCase()
    )
      continue
    const rest = name.slice(head.length)
    const ids = azureIdsForRest(rest, naming.sep)
    if (ids.length === 0) continue
    out.push({
      kind,
      ids,
      teamScoped: kind !== 'config' && azureLooksTeamScoped(rest, naming.sep) === true
    })
  }
  return out
}

/** Two names Key Vault treats as the same secret. */
export function azureSameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/**
 * The last microsoft-azure provider release that still sends a name Key Vault cannot hold:
 * apache/airflow#67157 (merged 2026-05-19, in the providers wave prepared that day, #67137)
 * made `_get_secret_value` return None without a request, logging a warning, for any name
 * not matching `[0-9a-zA-Z-]{1,127}` (`re.fullmatch`, after the `_` → `sep` mapping). The
 * stored provider sources here stop at 12.10.x (changelog up to 12.10.2, conda-forge 12.10.3,
 * February 2026), which do not have it; the number of the first release that does could not
 * be confirmed, so every version after 12.10.3 is modelled with the check.
 */
export const AZURE_UNCHECKED_NAMES_UNTIL = '12.10.3'

/** True when the provider release skips invalid names without asking Key Vault (#67157). */
export function azureSkipsInvalidNames(options: Pick<LookupOptions, 'providerVersion'>): boolean {
  return (
    options.providerVersion === undefined ||
    compareVersions(options.providerVersion, AZURE_UNCHECKED_NAMES_UNTIL) > 0
  )
}

/**
 * The name Airflow builds for the id, checked as the provider release checks it: the newest
 * ones answer not found without a request when Key Vault cannot hold the name; older ones
 * send it, Key Vault answers BadParameter, and Airflow logs that error and moves on to the
 * next backend.
 */
function checkedName(name: string, options: LookupOptions): Explanation {
  const problem = azureNameProblem(name)
  if (problem === undefined) return { name, details: [] }
  if (azureSkipsInvalidNames(options))
    return {
      disabled: `"${name}" is not a valid Key Vault secret name (${problem}); Airflow's provider skips it without asking Key Vault (apache/airflow#67157, after 12.10.3) and answers not found`
    }
  return {
    name,
    details: [
      [
        'service_error',
        `Key Vault refuses the name (BadParameter: ${problem}); Airflow logs the error and moves on to the next backend`
      ]
    ]
  }
}

/** `AzureKeyVaultBackend(**kwargs)` asked for an id. */
export const explainAzureKeyVault: ExplainFn = (kwargs, kind, key, options = {}) => {
  const naming = parseAzureKeyVaultKwargs(kwargs)
  const prefix = azurePrefixOf(naming, kind)
  if (prefix === null)
    return {
      disabled: `${kind === 'connection' ? 'connections' : 'variables'}_prefix is null: Airflow never asks Key Vault for a ${kind}`
    }
  if (!options.multiTeam) return checkedName(azureBuildPath(prefix, key, naming.sep), options)
  const lookup = azureLookup(naming, kind, key, null)
  if (lookup.outcome === 'error') throw new AirlockError('usage', lookup.reason)
  if (lookup.outcome !== 'lookup') return { disabled: lookup.reason }
  return checkedName(lookup.steps[lookup.steps.length - 1]!.name, options)
}

/** What the backend returns for a secret value. */
export const decodeAzureKeyVault: DecodeFn = decodeAfterExplain(
  explainAzureKeyVault,
  (stored, _, kind, options) => decodeText(stored, 'Azure Key Vault', kind, options)
)
