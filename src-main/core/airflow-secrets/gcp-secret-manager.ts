/**
 * How Airflow's `CloudSecretManagerBackend` names secrets (reference §12.5), as pure
 * functions: given the provider's `backend_kwargs` and an id, the exact Secret Manager
 * resource Airflow reads (version `latest`), in order — or why it reads none. Transcribed
 * from `providers/google/src/airflow/providers/google/cloud/secrets/secret_manager.py`
 * (`__init__`, `_is_valid_prefix_and_sep`, `_build_team_secret_name`,
 * `_names_a_team_namespace`, `_get_secret`), `BaseSecretsBackend.build_path`,
 * `.../_internal_client/secret_manager_client.py` (`is_valid_secret_name`, `get_secret`) and
 * their tests (`tests/unit/google/cloud/secrets/test_secret_manager.py`).
 *
 * The rules, exactly:
 * - Prefixes are used as given (no stripping); `null` turns that kind of lookup off.
 * - `build_path(prefix, id, sep)` = `prefix + sep + id`, no replacement; an empty prefix
 *   still gets the separator (`-my_db`).
 * - At construction, when `connections_prefix` is not null, `connections_prefix + sep` must
 *   match `^[a-zA-Z0-9-_]*$` under Python `re.match` (so one trailing newline passes), else
 *   `AirflowException`. The variables and config prefixes are not checked.
 * - `project_id` from the kwargs, else from the credentials; none → `ValueError`.
 * - Secret ids the service accepts: 1–255 of `[A-Za-z0-9_-]`. Any other name makes the call
 *   fail with InvalidArgument, which Airflow logs and treats as not found (as it does
 *   NotFound and PermissionDenied).
 * - Multi-team (newest provider, `[core] multi_team`): a team lookup first reads
 *   `build_path(prefix, team, sep) + "--" + id` (id verbatim), then the global name; an id
 *   containing `--` is refused for every lookup.
 */
/**
 * Where Airflow's GCP Secret Manager backend looks, and what it makes of a secret's payload
 * (reference §12.5). Source: `providers/google/src/airflow/providers/google/cloud/secrets/
 * secret_manager.py` (`__init__`: `connections_prefix + sep` must match
 * `^[a-zA-Z0-9-_]*$`, a project id is required; `build_path`: `prefix + sep + id`, nothing
 * replaced; ids holding `--` refused only with `[core] multi_team` on) and
 * `_internal_client/secret_manager_client.py` (version `latest`, payload decoded as UTF-8).
 * `gcp_secret_id_valid` says whether the service accepts the id (`[A-Za-z0-9_-]{1,255}`);
 * an id it refuses is logged by Airflow as InvalidArgument and read as not found.
 */
import { AirlockError, describeKey } from '../errors'
import { type SecretLookupKind } from './azure-key-vault'
import { kindPrefix, pyFormatSep, sepKwarg, stringKwarg } from './kwargs'
import {
  decodeText,
  decodeAfterExplain,
  type DecodeFn,
  type ExplainFn,
  type StepsLookup,
  TEAM_SEP
} from './types'

export type { SecretLookupKind } from './azure-key-vault'

/** The service's rule for a secret id. */
export const GCP_SECRET_ID_PATTERN = /^[A-Za-z0-9_-]{1,255}$/

/** The provider's defaults for `backend_kwargs`. */
export const GCP_SECRET_MANAGER_DEFAULTS = {
  connections_prefix: 'airflow-connections',
  variables_prefix: 'airflow-variables',
  config_prefix: 'airflow-config',
  sep: '-'
} as const

/** The naming part of `backend_kwargs`, as the backend's `__init__` leaves it. */
export interface GcpSecretManagerNaming {
  /** `null` = connections are not looked up here. */
  connectionsPrefix: string | null
  variablesPrefix: string | null
  configPrefix: string | null
  sep: string
  projectId: string
  /** `[core] multi_team` of the Airflow reading it. */
  multiTeam: boolean
}

/** What the naming may take from outside `backend_kwargs`. */
export interface GcpNamingContext {
  /** The project of the credentials, used when `project_id` is not given. */
  credentialsProjectId?: string | null
  /** `[core] multi_team`; default false. */
  multiTeam?: boolean
}

/**
 * `_SecretManagerClient.is_valid_secret_name`: Python `re.match(r"^[a-zA-Z0-9-_]*$", s)`,
 * whose `$` also matches before one final newline.
 */
export function airflowValidSecretName(s: string): boolean {
  const body = s.endsWith('\n') ? s.slice(0, -1) : s
  return /^[a-zA-Z0-9_-]*$/.test(body)
}

/**
 * Reads `backend_kwargs` (parsed JSON) the way `CloudSecretManagerBackend.__init__` does.
 * Throws a `usage` error where Airflow raises: an invalid `connections_prefix + sep`, or no
 * project id. Credential kwargs (`gcp_key_path`, `gcp_keyfile_dict`, …) are ignored here.
 */
export function parseGcpSecretManagerKwargs(
  kwargs: Readonly<Record<string, unknown>> = {},
  context: GcpNamingContext = {}
): GcpSecretManagerNaming {
  const service = 'GCP Secret Manager'
  const d = GCP_SECRET_MANAGER_DEFAULTS
  const kwarg = (key: string, fallback: string | null) =>
    stringKwarg(kwargs, key, fallback, service)
  const rawSep = sepKwarg(kwargs, d.sep, service)
  const connectionsPrefix = kwarg('connections_prefix', d.connections_prefix)
  if (connectionsPrefix !== null && rawSep === null)
    throw new AirlockError(
      'usage',
      'backend_kwargs "sep" is null: Airflow\'s GCP Secret Manager backend fails to start (_is_valid_prefix_and_sep: TypeError: can only concatenate str (not "NoneType") to str).'
    )
  // With connections off, a null sep reaches build_path's f-string: `<prefix>None<id>`.
  const sep = pyFormatSep(rawSep)
  if (connectionsPrefix !== null && !airflowValidSecretName(connectionsPrefix + sep))
    throw new AirlockError(
      'usage',
      'backend_kwargs "connections_prefix" and "sep" must follow the pattern ^[a-zA-Z0-9-_]*$ (Airflow refuses to start the backend otherwise).'
    )
  const fromKwargs = kwarg('project_id', null)
  const projectId = fromKwargs || context.credentialsProjectId || ''
  if (!projectId)
    throw new AirlockError(
      'usage',
      'GCP Secret Manager needs a project: set "project_id" in backend_kwargs or use credentials that name one.'
    )
  return {
    connectionsPrefix,
    variablesPrefix: kwarg('variables_prefix', d.variables_prefix),
    configPrefix: kwarg('config_prefix', d.config_prefix),
    sep,
    projectId,
    multiTeam: context.multiTeam ?? false
  }
}

/** `BaseSecretsBackend.build_path(path_prefix, secret_id, sep)`. */
export function gcpBuildPath(prefix: string, id: string, sep: string): string {
  return `${prefix}${sep}${id}`
}

/** The prefix configured for a kind (`null` = off). */
export function gcpPrefixOf(naming: GcpSecretManagerNaming, kind: SecretLookupKind): string | null {
  return kindPrefix(naming, kind)
}

/** Why the service rejects a secret id, or undefined when it is valid. */
export function gcpSecretIdProblem(secretId: string): string | undefined {
  if (GCP_SECRET_ID_PATTERN.test(secretId)) return undefined
  if (secretId.length === 0) return 'the secret id is empty'
  if (secretId.length > 255)
    return `the secret id is ${secretId.length} characters long (Secret Manager allows 255)`
  const bad = [...new Set(secretId.replace(/[A-Za-z0-9_-]/g, ''))].map((c) => JSON.stringify(c))
  return `the secret id holds ${bad.join(', ')} (Secret Manager allows only A-Z, a-z, 0-9, _ and -)`
}

/** `secret_version_path(project, secret_id, "latest")`. */
export function gcpVersionPath(projectId: string, secretId: string, version = 'latest'): string {
  return `projects/${projectId}/secrets/${secretId}/versions/${version}`
}

/** One secret Airflow reads. */
export interface GcpLookupStep {
  secretId: string
  /** The resource Airflow accesses: `projects/<p>/secrets/<id>/versions/latest`. */
  resource: string
  scope: 'team' | 'global'
  /** Set when the service rejects the id: Airflow logs InvalidArgument, reads it as not found. */
  problem?: string
}

/** What Airflow does for one lookup. */
export type GcpLookup = StepsLookup<GcpLookupStep>

function step(naming: GcpSecretManagerNaming, secretId: string, scope: 'team' | 'global') {
  const s: GcpLookupStep = {
    secretId,
    resource: gcpVersionPath(naming.projectId, secretId),
    scope
  }
  const problem = gcpSecretIdProblem(secretId)
  if (problem !== undefined) s.problem = problem
  return s
}

/**
 * The secrets `get_conn_value` / `get_variable` / `get_config` read, in order (the first
 * with a value wins; NotFound, PermissionDenied and InvalidArgument move to the next).
 */
export function gcpLookup(
  naming: GcpSecretManagerNaming,
  kind: SecretLookupKind,
  id: string,
  team?: string | null
): GcpLookup {
  const prefix = gcpPrefixOf(naming, kind)
  if (prefix === null)
    return {
      outcome: 'disabled',
      reason: `${kind}s_prefix is null: Airflow never asks Secret Manager`
    }
  if (kind !== 'config' && naming.multiTeam && id.includes(TEAM_SEP))
    return {
      outcome: 'refused',
      reason: `the id holds "${TEAM_SEP}", which separates team and id in multi-team mode; Airflow answers not found without asking`
    }
  const steps: GcpLookupStep[] = []
  if (kind !== 'config' && team)
    steps.push(step(naming, gcpTeamSecretId(prefix, team, id, naming.sep), 'team'))
  steps.push(step(naming, gcpBuildPath(prefix, id, naming.sep), 'global'))
  return { outcome: 'lookup', steps }
}

/** `_build_team_secret_name(prefix, team, id)`: `prefix + sep + team + "--" + id`. */
export function gcpTeamSecretId(prefix: string, team: string, id: string, sep: string): string {
  return `${gcpBuildPath(prefix, team, sep)}${TEAM_SEP}${id}`
}

/**
 * The one secret id a write for this id (and team) must target so that Airflow reads it:
 * the team-scoped id for a team entry, else the global one. Undefined when the kind is off
 * or the id is refused.
 */
export function gcpSecretId(
  naming: GcpSecretManagerNaming,
  kind: SecretLookupKind,
  id: string,
  team?: string | null
): string | undefined {
  const lookup = gcpLookup(naming, kind, id, team)
  return lookup.outcome === 'lookup' ? lookup.steps[0]!.secretId : undefined
}

/** One way Airflow reads a listed secret id. */
export interface GcpNameReading {
  kind: SecretLookupKind
  id: string
  /**
   * In multi-team mode an id part holding `--` is a team-scoped secret (`<team>--<id>`),
   * which a global lookup never reads; which `--` splits it cannot be known from the name.
   */
  teamScoped: boolean
}

/**
 * Maps a listed secret id back to entry ids: one reading per enabled kind whose
 * `prefix + sep` it starts with (exact, case-sensitive, as Secret Manager compares ids).
 */
export function gcpReadSecretId(
  naming: GcpSecretManagerNaming,
  secretId: string
): GcpNameReading[] {
  const out: GcpNameReading[] = []
  const kinds: SecretLookupKind[] = ['connection', 'variable', 'config']
  for (const kind of kinds) {
    const prefix = gcpPrefixOf(naming, kind)
    if (prefix === null) continue
    const head = prefix + naming.sep
    if (secretId.length <= head.length || !secretId.startsWith(head)) continue
    const id = secretId.slice(head.length)
    out.push({
      kind,
      id,
      teamScoped: kind !== 'config' && naming.multiTeam && id.includes(TEAM_SEP)
    })
  }
  return out
}

/** `CloudSecretManagerBackend.__init__`'s parameters, and LoggingMixin's `context`. */
const GCP_KWARGS = new Set([
  'connections_prefix',
  'variables_prefix',
  'config_prefix',
  'gcp_keyfile_dict',
  'gcp_key_path',
  'gcp_credential_config_file',
  'gcp_scopes',
  'project_id',
  'sep',
  'impersonation_chain',
  'context'
])

/** `CloudSecretManagerBackend(**kwargs)` asked for an id. */
export const explainGcpSecretManager: ExplainFn = (kwargs, kind, key, options = {}) => {
  const unknown = Object.keys(kwargs).filter((k) => !GCP_KWARGS.has(k))
  if (unknown.length)
    // `super().__init__(**kwargs)` reaches LoggingMixin.__init__(context=None): TypeError.
    throw new AirlockError(
      'usage',
      `GCP Secret Manager backend_kwargs: unknown ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map(describeKey).join(', ')}; Airflow's CloudSecretManagerBackend refuses ${unknown.length === 1 ? 'it' : 'them'} (TypeError).`
    )
  // Without project_id Airflow takes the credentials' project; the secret id does not depend on it.
  const naming = parseGcpSecretManagerKwargs(kwargs, {
    multiTeam: options.multiTeam ?? false,
    credentialsProjectId: "(the credentials' project)"
  })
  const lookup = gcpLookup(naming, kind, key, null)
  if (lookup.outcome !== 'lookup') return { disabled: lookup.reason }
  const step = lookup.steps[lookup.steps.length - 1]!
  return {
    name: step.secretId,
    details: [['gcp_secret_id_valid', gcpSecretIdProblem(step.secretId) === undefined]]
  }
}

/** What the backend returns for a secret payload. */
export const decodeGcpSecretManager: DecodeFn = decodeAfterExplain(
  explainGcpSecretManager,
  (stored, found, kind, options) =>
    // The service refuses the name: InvalidArgument, logged, None.
    found.details[0]?.[1] === false
      ? { notFound: true }
      : decodeText(stored, 'GCP Secret Manager', kind, options)
)
