/**
 * Airflow's HashiCorp Vault secrets backend, as pure data and functions (reference §12.1):
 * the provider's `backend_kwargs` with its defaults and construction checks, the KV mount
 * and path Airflow reads for a connection id, variable key or config key, the HTTP path
 * hvac sends for it, and the reverse mapping from a listed KV path back to an id.
 *
 * Sources (apache/airflow, hashicorp provider 4.x):
 * `providers/hashicorp/src/airflow/providers/hashicorp/secrets/vault.py` (`VaultBackend`:
 * `__init__`, `_parse_path`, `_get_secret_with_base`, `_get_team_or_global_secret`),
 * `.../hashicorp/_internal_client/vault_client.py` (`_VaultClient.__init__` checks,
 * `_parse_secret_path`, `get_secret`), `airflow-core/src/airflow/secrets/base_secrets.py`
 * (`build_path`: `prefix + "/" + id`), and hvac (`api/secrets_engines/kv_v1.py`,
 * `kv_v2.py`: `/v1/{mount}/{path}` and `/v1/{mount}/data/{path}`; `utils.format_url`:
 * each part through `urllib.parse.quote` with `safe='/'`). Table tests transcribe
 * `providers/hashicorp/tests/unit/hashicorp/secrets/test_vault.py`.
 */
/**
 * Where Airflow's HashiCorp Vault backend looks, and what it makes of a secret's data
 * (reference §12.1). Sources (apache/airflow):
 * `providers/hashicorp/src/airflow/providers/hashicorp/secrets/vault.py` — provider 4.7.2+
 * (#68305): `get_conn_value` returns a truthy `conn_uri` verbatim, else `json.dumps(secret)`,
 * and `deserialize_connection` reads either (a `{` selects connection JSON); before 4.7.2,
 * `get_connection` built `Connection(conn_id, uri=conn_uri)` (always the URI parser) or
 * `Connection(conn_id, **secret)` (the constructor: `extra` objects dumped, `port` and
 * `conn_type` kept as stored, unknown keys a TypeError). `get_variable`: a falsy secret or
 * one without `value` is not found. Naming and kwargs checks: `core/airflow-secrets/vault.ts`.
 */
import { quote, unquote } from '../codecs/py-url'
import { AirlockError, CodecError, describeKey } from '../errors'
import { DIALECT_RULES } from '../dialect'
import { applyPasswordRule, extraDejson, validateExtra, type Decoded } from '../connection'
import { parseConnectionValue, parseConnectionValueRaw } from '../codecs/connection-json'
import { parseConnectionUri } from '../codecs/connection-uri'
import {
  PyDict,
  PyJsonDecodeError,
  plainToPy,
  pyJsonDumps,
  pyJsonLoads,
  pyJsonTryLoads,
  pyToPlain,
  pyTruthy,
  type PyValue
} from '../codecs/py-json'
import {
  CONNECTION_SCALAR_FIELDS,
  type ConnectionFields,
  type Dialect,
  type VariableEntry
} from '../model'
import {
  connectionFieldsToPy,
  providerBefore,
  rawConnectionToPy,
  decodeAfterExplain,
  type DecodeFn,
  type DecodeOutcome,
  type ExplainFn,
  type LookupKind,
  type LookupOptions
} from './types'

/** Every `auth_type` Airflow's Vault backend accepts (`VALID_AUTH_TYPES`). */
export const VAULT_AUTH_TYPES = [
  'approle',
  'aws_iam',
  'azure',
  'github',
  'gcp',
  'jwt',
  'kubernetes',
  'ldap',
  'radius',
  'token',
  'userpass'
] as const

/** One of Airflow's Vault auth types. */
export type VaultAuthType = (typeof VAULT_AUTH_TYPES)[number]

/** The auth types Airlock can log in with; the others are refused with a clear message. */
export const AIRLOCK_VAULT_AUTH_TYPES: readonly VaultAuthType[] = ['token', 'approle', 'kubernetes']

/** `_VaultClient`'s default `kubernetes_jwt_path`: the pod's service-account token. */
export const VAULT_KUBERNETES_JWT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token'

/** What a Vault secret holds for Airflow. Configs are Airflow options (`config_path`). */
export type VaultSecretKind = 'connection' | 'variable' | 'config'

/** The `VaultBackend` / `_VaultClient` kwargs Airlock acts on: paths, mount, engine, auth type, token. */
const PATH_AND_AUTH_KWARGS = [
  'connections_path',
  'variables_path',
  'config_path',
  'use_team_secrets_path',
  'global_secrets_path',
  'url',
  'auth_type',
  'auth_mount_point',
  'mount_point',
  'kv_engine_version',
  'token',
  'token_path'
] as const

/** The kwargs of `VaultBackend` and `_VaultClient`, plus what hvac's `Client` takes. */
const BACKEND_KWARGS = new Set([
  ...PATH_AND_AUTH_KWARGS,
  'username',
  'password',
  'key_id',
  'secret_id',
  'role_id',
  'assume_role_kwargs',
  'region',
  'kubernetes_role',
  'kubernetes_jwt_path',
  'gcp_key_path',
  'gcp_keyfile_dict',
  'gcp_scopes',
  'azure_tenant_id',
  'azure_resource',
  'radius_host',
  'radius_secret',
  'radius_port',
  'jwt_role',
  'jwt_token',
  'jwt_token_path'
])

/** `hvac.Client(url=…, **kwargs)` and its adapter's keyword arguments. */
const HVAC_KWARGS = new Set([
  'cert',
  'verify',
  'timeout',
  'proxies',
  'allow_redirects',
  'session',
  'adapter',
  'namespace',
  'ignore_exceptions',
  'strict_http',
  'request_header'
])

/** Which kwargs Airlock acts on; the others are accepted (as Airflow does) and reported unused. */
const USED_KWARGS = new Set<string>([
  ...PATH_AND_AUTH_KWARGS,
  'role_id',
  'secret_id',
  'kubernetes_role',
  'kubernetes_jwt_path',
  'namespace',
  'verify',
  'timeout'
])

/** `backend_kwargs` resolved with Airflow's defaults. */
export interface VaultSettings {
  /** `connections_path` with trailing `/` stripped; `''` means the id alone; null disables. */
  connectionsPath: string | null
  variablesPath: string | null
  configPath: string | null
  /** Multi-team (`[core] multi_team`): look in `<path>/<team>/<id>` first (default true). */
  useTeamSecretsPath: boolean
  /** Multi-team: global ids live under `<path>/<global_secrets_path>/<id>` (default none). */
  globalSecretsPath: string | null
  /**
   * The KV mount (default `secret`). Null when `mount_point` is null or `''` (both falsy in
   * Python): every id must then begin with its mount, `kv/team/db` (apache/airflow#29734).
   */
  mountPoint: string | null
  /** 1 or 2 (default 2; a falsy value also means 2). */
  kvEngineVersion: 1 | 2
  url: string | null
  authType: VaultAuthType
  authMountPoint: string | null
  token: string | null
  tokenPath: string | null
  roleId: string | null
  secretId: string | null
  /** `kubernetes_role`: the Vault role a Kubernetes login asks for. */
  kubernetesRole: string | null
  /** `kubernetes_jwt_path` (default the pod's service-account token); read at login. */
  kubernetesJwtPath: string
  /** hvac's `namespace` (sent as `X-Vault-Namespace`). */
  namespace: string | null
  /** hvac's `verify`: false skips TLS verification, text is a CA bundle path. */
  verify: boolean | string
  /** hvac's `timeout` in seconds (default 30). */
  timeoutSeconds: number
  /** Kwargs Airflow accepts that Airlock does not act on (other auth types, hvac session). */
  unused: string[]
}

/** Python truthiness of a JSON value. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false
  if (Array.isArray(v)) return v.length > 0
  if (typeof v === 'object') return Object.keys(v).length > 0
  return true
}

function kwargsError(message: string): AirlockError {
  return new AirlockError('usage', `Vault backend_kwargs: ${message}`)
}

function optionalText(kwargs: Readonly<Record<string, unknown>>, key: string): string | null {
  const v = kwargs[key]
  if (v === undefined || v === null) return null
  if (typeof v !== 'string') throw kwargsError(`"${key}" must be text or null.`)
  return v
}

/** A `*_path` kwarg: default when absent, null kept (disables), trailing `/` stripped. */
function pathKwarg(
  kwargs: Readonly<Record<string, unknown>>,
  key: string,
  fallback: string | null
): string | null {
  if (!Object.hasOwn(kwargs, key)) return fallback
  const v = kwargs[key]
  if (v === null) return null
  // Python: `path.rstrip("/")` — anything but text fails with AttributeError.
  if (typeof v !== 'string') throw kwargsError(`"${key}" must be text or null.`)
  return v.replace(/\/+$/, '')
}

/**
 * `VaultBackend(**backend_kwargs)`: Airflow's defaults and the checks `_VaultClient` runs at
 * construction (unknown kv version, unknown auth type, missing credentials per auth type),
 * with Airflow's messages. `environment` stands for `os.environ` (only `VAULT_TOKEN` is read).
 * Throws an AirlockError (`usage`) where Airflow raises.
 */
export function resolveVaultKwargs(
  kwargs: Readonly<Record<string, unknown>>,
  environment: Readonly<Record<string, string | undefined>> = {}
): VaultSettings {
  const unknown = Object.keys(kwargs).filter((k) => !BACKEND_KWARGS.has(k) && !HVAC_KWARGS.has(k))
  if (unknown.length)
    // hvac.Client passes unknown kwargs to its adapter, whose constructor raises TypeError.
    throw kwargsError(
      `unknown ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; Airflow's hvac client refuses ${unknown.length === 1 ? 'it' : 'them'} (TypeError).`
    )
  let version: 1 | 2 = 2
  const rawVersion = kwargs.kv_engine_version
  if (truthy(rawVersion)) {
    // Python: `kv_engine_version not in [1, 2]` (True == 1, 2.0 == 2, "2" is neither).
    if (rawVersion === 1 || rawVersion === true) version = 1
    else if (rawVersion === 2) version = 2
    else
      throw kwargsError(
        `The version is not supported: ${JSON.stringify(rawVersion)}. It should be one of [1, 2]`
      )
  }
  const authType = kwargs.auth_type === undefined ? 'token' : kwargs.auth_type
  if (typeof authType !== 'string' || !(VAULT_AUTH_TYPES as readonly string[]).includes(authType))
    throw kwargsError(
      `The auth_type is not supported: ${typeof authType === 'string' ? authType : JSON.stringify(authType)}. It should be one of [${VAULT_AUTH_TYPES.map((t) => `'${t}'`).join(', ')}]`
    )
  const has = (key: string) => truthy(kwargs[key])
  // _VaultClient's checks: "The '<type>' authentication type requires '<key>'[ or '<key>']".
  const requires = (ok: boolean, ...keys: string[]) => {
    if (!ok)
      throw kwargsError(
        `The '${authType}' authentication type requires ${keys.map((k) => `'${k}'`).join(' or ')}`
      )
  }
  switch (authType as VaultAuthType) {
    case 'token':
      requires(
        has('token') || has('token_path') || environment.VAULT_TOKEN !== undefined,
        'token',
        'token_path'
      )
      break
    case 'github':
      requires(has('token') || has('token_path'), 'token', 'token_path')
      break
    case 'approle':
      requires(has('role_id'), 'role_id')
      break
    case 'kubernetes':
      requires(has('kubernetes_role'), 'kubernetes_role')
      requires(
        !Object.hasOwn(kwargs, 'kubernetes_jwt_path') || has('kubernetes_jwt_path'),
        'kubernetes_jwt_path'
      )
      break
    case 'jwt':
      requires(has('jwt_role'), 'jwt_role')
      requires(has('jwt_token') || has('jwt_token_path'), 'jwt_token', 'jwt_token_path')
      break
    case 'azure':
      requires(has('azure_resource'), 'azure_resource')
      requires(has('azure_tenant_id'), 'azure_tenant_id')
      break
    case 'radius':
      requires(has('radius_host'), 'radius_host')
      requires(has('radius_secret'), 'radius_secret')
      break
    case 'gcp':
      requires(has('gcp_scopes'), 'gcp_scopes')
      requires(has('role_id'), 'role_id')
      break
    default:
      break
  }
  const mount = Object.hasOwn(kwargs, 'mount_point')
    ? optionalText(kwargs, 'mount_point')
    : 'secret'
  const verify = kwargs.verify
  if (verify !== undefined && typeof verify !== 'boolean' && typeof verify !== 'string')
    throw kwargsError('"verify" must be true, false or the path of a CA bundle.')
  const timeout = kwargs.timeout
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0)))
    throw kwargsError('"timeout" must be a positive number of seconds.')
  const token = optionalText(kwargs, 'token')
  return {
    connectionsPath: pathKwarg(kwargs, 'connections_path', 'connections'),
    variablesPath: pathKwarg(kwargs, 'variables_path', 'variables'),
    configPath: pathKwarg(kwargs, 'config_path', 'config'),
    useTeamSecretsPath: Object.hasOwn(kwargs, 'use_team_secrets_path')
      ? truthy(kwargs.use_team_secrets_path)
      : true,
    globalSecretsPath: pathKwarg(kwargs, 'global_secrets_path', null),
    mountPoint: mount ? mount : null,
    kvEngineVersion: version,
    url: optionalText(kwargs, 'url'),
    authType: authType as VaultAuthType,
    authMountPoint: optionalText(kwargs, 'auth_mount_point'),
    token: token ? token : null,
    tokenPath: optionalText(kwargs, 'token_path') || null,
    roleId: optionalText(kwargs, 'role_id'),
    secretId: optionalText(kwargs, 'secret_id'),
    kubernetesRole: optionalText(kwargs, 'kubernetes_role'),
    kubernetesJwtPath: optionalText(kwargs, 'kubernetes_jwt_path') || VAULT_KUBERNETES_JWT_PATH,
    namespace: optionalText(kwargs, 'namespace') || null,
    verify: verify === undefined ? true : verify,
    timeoutSeconds: typeof timeout === 'number' ? timeout : 30,
    unused: Object.keys(kwargs).filter((k) => !USED_KWARGS.has(k))
  }
}

/** Why Airlock cannot log in with this auth type; undefined for token, approle and kubernetes. */
export function unsupportedVaultAuth(settings: VaultSettings): string | undefined {
  if (AIRLOCK_VAULT_AUTH_TYPES.includes(settings.authType)) return undefined
  return `Airflow accepts auth_type "${settings.authType}", but Airlock can only log in to Vault with "token", "approle" or "kubernetes" for now; give Airlock a token (e.g. from \`vault login\` with ${settings.authType}), an AppRole or a Kubernetes role instead.`
}

/** `BaseSecretsBackend.build_path(prefix, id, sep="/")`. */
export function vaultBuildPath(prefix: string, id: string): string {
  return `${prefix}/${id}`
}

/** The base path of a kind (`connections_path`, `variables_path`, `config_path`). */
export function vaultBasePath(settings: VaultSettings, kind: VaultSecretKind): string | null {
  return kind === 'connection'
    ? settings.connectionsPath
    : kind === 'variable'
      ? settings.variablesPath
      : settings.configPath
}

/** One step of Airflow's lookup of an id. */
export type VaultLookup =
  /** The kind's path is null: Airflow answers "not found" without calling Vault. */
  | { status: 'disabled'; reason: string }
  /** `mount_point` is null and the id (or path) has no `/`: not found without a call. */
  | { status: 'no-mount'; reason: string }
  /** Airflow reads this secret (`mount` is hvac's `mount_point`, `path` its `path`). */
  | { status: 'read'; mount: string; path: string; scope: 'team' | 'global' }

/** Multi-team context of a lookup (`[core] multi_team` and the task's team). */
export interface VaultLookupContext {
  team?: string | null
  multiTeam?: boolean
}

function kindLabel(kind: VaultSecretKind): string {
  return kind === 'connection'
    ? 'connections_path'
    : kind === 'variable'
      ? 'variables_path'
      : 'config_path'
}

/** `_get_secret_with_base(base, key)` followed by `_VaultClient._parse_secret_path`. */
function lookupWithBase(
  settings: VaultSettings,
  base: string,
  key: string,
  scope: 'team' | 'global'
): VaultLookup {
  let mountFromId = ''
  let keyPart = key
  if (!settings.mountPoint) {
    // VaultBackend._parse_path: split the id once at "/"; no "/" → None, None.
    const slash = key.indexOf('/')
    if (slash < 0)
      return {
        status: 'no-mount',
        reason: `mount_point is null, so the id must begin with its KV mount ("mount/${key}"); Airflow never finds "${key}".`
      }
    mountFromId = key.slice(0, slash)
    keyPart = key.slice(slash + 1)
  }
  const secretPath = base === '' ? keyPart : vaultBuildPath(base, keyPart)
  const full = (mountFromId ? mountFromId + '/' : '') + secretPath
  if (settings.mountPoint) return { status: 'read', mount: settings.mountPoint, path: full, scope }
  // _VaultClient._parse_secret_path splits again; fewer than two parts → InvalidPath → None.
  const slash = full.indexOf('/')
  if (slash < 0)
    return {
      status: 'no-mount',
      reason: `mount_point is null and the path "${full}" has no mount part; Airflow never finds it.`
    }
  return { status: 'read', mount: full.slice(0, slash), path: full.slice(slash + 1), scope }
}

/**
 * The secrets Airflow reads for an id, in order (`get_conn_value`, `get_variable`,
 * `get_config`): with multi-team on and a team given, `<path>/<team>/<id>` first, then the
 * global `<path>/<global_secrets_path>/<id>` or `<path>/<id>`. Airflow stops at the first
 * secret that exists (any map, even empty); a 404 moves on.
 */
export function vaultLookups(
  settings: VaultSettings,
  kind: VaultSecretKind,
  id: string,
  context: VaultLookupContext = {}
): VaultLookup[] {
  const base = vaultBasePath(settings, kind)
  if (base === null)
    return [
      {
        status: 'disabled',
        reason: `${kindLabel(kind)} is null: Airflow does not look up ${kind === 'config' ? 'configs' : kind + 's'} in Vault.`
      }
    ]
  if (kind === 'config') return [lookupWithBase(settings, base, id, 'global')]
  const out: VaultLookup[] = []
  const team = context.team
  if (context.multiTeam && settings.useTeamSecretsPath && team !== undefined && team !== null)
    out.push(lookupWithBase(settings, vaultBuildPath(base, team), id, 'team'))
  const globalBase =
    context.multiTeam && settings.globalSecretsPath !== null
      ? vaultBuildPath(base, settings.globalSecretsPath)
      : base
  out.push(lookupWithBase(settings, globalBase, id, 'global'))
  return out
}

/** Where Airlock writes an id: the first place Airflow looks (the team path for a team). */
export function vaultWriteLookup(
  settings: VaultSettings,
  kind: VaultSecretKind,
  id: string,
  context: VaultLookupContext = {}
): VaultLookup {
  return vaultLookups(settings, kind, id, context)[0]!
}

/** What an hvac call addresses in a KV v2 mount; KV v1 has only the data path. */
export type VaultApiOperation = 'data' | 'metadata' | 'delete' | 'undelete' | 'destroy'

/**
 * The HTTP path after `/v1/` that hvac requests: `{mount}/{path}` (KV v1) or
 * `{mount}/{operation}/{path}` (KV v2), each part percent-encoded as `quote(part, safe="/")`.
 */
export function vaultApiPath(
  version: 1 | 2,
  mount: string,
  path: string,
  operation: VaultApiOperation = 'data'
): string {
  const m = quote(mount, '/')
  const p = quote(path, '/')
  return version === 1 ? `${m}/${p}` : `${m}/${operation}/${p}`
}

/**
 * urllib3's `_remove_path_dot_segments` (RFC 3986 §5.2.4), which `parse_url` applies to every
 * http(s) URL requests prepares: `.` segments go, `..` pops the segment before it (never past
 * the root), and a path ending in `/.` or `/..` keeps a trailing `/`.
 */
function removeDotSegments(path: string): string {
  const output: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '.') continue
    if (segment !== '..') output.push(segment)
    else if (output.length) output.pop()
  }
  if (path.startsWith('/') && (output.length === 0 || output[0])) output.unshift('')
  if (path.endsWith('/.') || path.endsWith('/..')) output.push('')
  return output.join('/')
}

/**
 * The path Vault receives for hvac's request to `/v1/{apiPath}`, after what the client stack
 * does before sending it: hvac's `Adapter.request` replaces `//` with `/` until none is left,
 * `Adapter.urljoin` strips leading and trailing `/` from the URL (`str.strip("/")`), and
 * requests' `prepare_url` hands it to urllib3's `parse_url`, which removes `.` and `..`
 * segments. Checked against Debian's python3-hvac 0.11.2, python3-requests 2.28 and
 * python3-urllib3 1.26 (a local server recording the request line); the same code is in hvac
 * 2.x (`adapters.py`) and urllib3 2.x (`util/url.py`). Assumes `url` has no path of its own.
 */
export function vaultRequestPath(apiPath: string): string {
  let url = `/v1/${apiPath}`
  while (url.includes('//')) url = url.replaceAll('//', '/')
  return removeDotSegments('/' + url.replace(/^\/+|\/+$/g, ''))
}

/**
 * The mount a request reaches when `mount_point` goes through the same stack: `kv/`, `/kv`
 * and `kv` are the one mount `kv` (Vault names mounts with a trailing `/` itself), `a//b` is
 * `a/b`; undefined when nothing of the mount is left under `/v1/`.
 */
function vaultSentMount(mount: string): string | undefined {
  const sent = vaultRequestPath(quote(mount, '/'))
  return sent.startsWith('/v1/') && sent.length > 4 ? unquote(sent.slice(4)) : undefined
}

/**
 * What Vault reads for a request path: the mount and KV path when it still addresses a
 * secret's data in the mount as sent (`/v1/{mount}/data/{path}` for KV v2,
 * `/v1/{mount}/{path}` for v1), else undefined (the request left the mount or names no secret).
 */
function vaultPathRead(
  version: 1 | 2,
  mount: string,
  requestPath: string
): { mount: string; path: string } | undefined {
  const sentMount = vaultSentMount(mount)
  if (sentMount === undefined) return undefined
  const head = `/v1/${quote(sentMount, '/')}/${version === 2 ? 'data/' : ''}`
  if (!requestPath.startsWith(head)) return undefined
  const rest = requestPath.slice(head.length)
  if (rest === '' || rest.endsWith('/')) return undefined
  return { mount: sentMount, path: unquote(rest) }
}

/** How a KV path is written in Vault's CLI and UI: `secret/connections/my_db`. */
export function vaultDisplayPath(mount: string, path: string): string {
  return `${mount}/${path}`
}

/**
 * Why Airlock must not write a secret at this KV path; undefined when fine. Vault's HTTP
 * router collapses `//`, `.` and `..` (a redirect to another path), and a trailing `/`
 * names a folder, so such names cannot hold what Airflow later reads.
 */
export function vaultPathProblem(path: string): string | undefined {
  if (path === '') return 'is empty'
  if (path.startsWith('/')) return 'begins with "/" (an empty path segment)'
  if (path.endsWith('/')) return 'ends with "/", which Vault reads as a folder, not a secret'
  if (path.includes('//')) return 'has an empty segment ("//"), which Vault collapses'
  if (path.split('/').some((s) => s === '.' || s === '..'))
    return 'has a "." or ".." segment, which HTTP clients and Vault collapse into another path'
  return undefined
}

/** A folder Airlock walks to list a kind: `prefix` under `mount` ('' = the mount root). */
export interface VaultListRoot {
  kind: VaultSecretKind
  mount: string
  prefix: string
}

/** The base a kind's global ids live under (with `global_secrets_path` in multi-team mode). */
function globalBase(
  settings: VaultSettings,
  kind: VaultSecretKind,
  multiTeam: boolean
): string | null {
  const base = vaultBasePath(settings, kind)
  if (base === null) return null
  return kind !== 'config' && multiTeam && settings.globalSecretsPath !== null
    ? vaultBuildPath(base, settings.globalSecretsPath)
    : base
}

/**
 * The folders holding a kind's (global) ids. With `mount_point` null, every KV mount in
 * `mounts` may hold ids (`mount/...`); mounts with a `/` in their name cannot (Airflow
 * splits the id at its first `/`).
 */
export function vaultListRoots(
  settings: VaultSettings,
  kind: VaultSecretKind,
  mounts: readonly string[] = [],
  multiTeam = false
): VaultListRoot[] {
  const base = globalBase(settings, kind, multiTeam)
  if (base === null) return []
  if (settings.mountPoint) return [{ kind, mount: settings.mountPoint, prefix: base }]
  return mounts.filter((m) => m && !m.includes('/')).map((mount) => ({ kind, mount, prefix: base }))
}

/** An id that reads a given secret. */
export interface VaultIdForPath {
  kind: VaultSecretKind
  id: string
}

/**
 * Every (kind, id) whose global lookup lands on `mount`/`path` — the reverse of
 * `vaultLookups`. More than one answer means the name is ambiguous (e.g. `connections_path`
 * `""` also covers `variables/x`): Airflow would serve it for each.
 */
export function vaultIdsForPath(
  settings: VaultSettings,
  mount: string,
  path: string,
  multiTeam = false
): VaultIdForPath[] {
  const out: VaultIdForPath[] = []
  for (const kind of ['connection', 'variable', 'config'] as const) {
    const base = globalBase(settings, kind, multiTeam)
    if (base === null) continue
    let keyPart: string
    if (base === '') keyPart = path
    else if (path.startsWith(base + '/')) keyPart = path.slice(base.length + 1)
    else continue
    if (settings.mountPoint) {
      if (mount !== settings.mountPoint || keyPart === '') continue
      out.push({ kind, id: keyPart })
    } else {
      if (!mount || mount.includes('/')) continue
      out.push({ kind, id: `${mount}/${keyPart}` })
    }
  }
  return out
}

/**
 * Pairs of kinds whose path spaces overlap, so one secret answers lookups of both (for
 * instance `connections_path: ""` with `variables_path: "variables"`).
 */
export function vaultOverlappingKinds(
  settings: VaultSettings,
  multiTeam = false
): [VaultSecretKind, VaultSecretKind][] {
  const kinds = (['connection', 'variable', 'config'] as const).filter(
    (k) => globalBase(settings, k, multiTeam) !== null
  )
  const covers = (a: string, b: string) => a === '' || a === b || b.startsWith(a + '/')
  const out: [VaultSecretKind, VaultSecretKind][] = []
  for (let i = 0; i < kinds.length; i++)
    for (let j = i + 1; j < kinds.length; j++) {
      const a = globalBase(settings, kinds[i]!, multiTeam)!
      const b = globalBase(settings, kinds[j]!, multiTeam)!
      if (covers(a, b) || covers(b, a)) out.push([kinds[i]!, kinds[j]!])
    }
  return out
}

/** The hashicorp provider release that made Vault connections go through `deserialize_connection`. */
export const VAULT_DESERIALIZE_SINCE = '4.7.2'

/** `VaultBackend(**kwargs)` asked for a connection id or variable key. */
export const explainVault: ExplainFn = (kwargs, kind, key, options = {}) => {
  const settings = resolveVaultKwargs(kwargs, options.env ?? {})
  const lookups = vaultLookups(settings, kind, key, { multiTeam: options.multiTeam })
  const lookup = lookups[lookups.length - 1]!
  if (lookup.status !== 'read') return { disabled: lookup.reason }
  const version = settings.kvEngineVersion
  const requested = `/v1/${vaultApiPath(version, lookup.mount, lookup.path)}`
  const sent = vaultRequestPath(vaultApiPath(version, lookup.mount, lookup.path))
  const details: [string, PyValue][] = [
    ['mount_point', lookup.mount],
    ['kv_engine_version', BigInt(version)],
    ['http_method', 'GET'],
    ['http_path', sent]
  ]
  if (sent !== requested) {
    const read = vaultPathRead(version, lookup.mount, sent)
    details.push(['requested_path', requested])
    details.push([
      'note',
      read
        ? `hvac and the HTTP stack collapse "//", strip a trailing "/" and remove "." and ".." segments before sending, so Airflow reads the secret ${vaultDisplayPath(read.mount, read.path)}${read.path === lookup.path && read.mount === lookup.mount ? '' : `, not ${vaultDisplayPath(lookup.mount, lookup.path)}`}.`
        : `hvac and the HTTP stack collapse "//", strip a trailing "/" and remove "." and ".." segments before sending, so the request leaves the secrets of mount "${lookup.mount}": Vault answers with an error or a 404, and Airflow reads nothing for this id.`
    ])
  }
  return { name: lookup.path, details }
}

function typeName(v: PyValue): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'list'
  if (v instanceof PyDict) return 'object'
  return typeof v === 'bigint' ? 'number' : typeof v === 'object' ? 'number' : typeof v
}

/** The keywords `Connection(**secret)` takes: its fields, `extra` and `uri`. */
const CONSTRUCTOR_KEYS = new Set<string>([...CONNECTION_SCALAR_FIELDS, 'extra', 'uri'])

/**
 * `Connection(conn_id, **secret)` (core's constructor, providers before 4.7.2): fields kept as
 * stored (no conn_type normalisation, a text port stays text), an `extra` that is not text
 * dumped with `json.dumps`, `uri` exclusive with the other fields, falsy passwords dropped.
 */
function constructFromSecret(secret: PyDict, dialect: Dialect): PyDict {
  for (const k of secret.keys()) {
    if (k === 'conn_id')
      throw new CodecError(
        'The secret has a "conn_id" key; Airflow fails (Connection() got multiple values for conn_id).',
        'codec.unknown-field'
      )
    if (!CONSTRUCTOR_KEYS.has(k) && !(k === 'team_name' && DIALECT_RULES[dialect].teamName))
      throw new CodecError(
        `The secret has the key ${describeKey(k)}, which Connection() does not take (TypeError).`,
        'codec.unknown-field'
      )
  }
  const get = (k: string): PyValue => secret.get(k) ?? null
  let extra = get('extra')
  if (pyTruthy(extra) && typeof extra !== 'string') extra = pyJsonDumps(extra)
  const uri = get('uri')
  if (pyTruthy(uri)) {
    if (
      ['conn_type', 'host', 'login', 'password', 'schema', 'port'].some((k) => pyTruthy(get(k))) ||
      pyTruthy(extra)
    )
      throw new CodecError(
        'The secret has "uri" and individual fields; Airflow refuses ("You can\'t mix these two ways").',
        'codec.mixed-uri-and-fields'
      )
    if (typeof uri !== 'string') throw new CodecError('"uri" must be text.', 'codec.invalid-field')
    return connectionFieldsToPy(parseConnectionUri(uri, dialect).value)
  }
  if (typeof extra === 'string' && extra !== '') validateExtra(extra, dialect, [])
  const password = get('password')
  return new PyDict([
    ['conn_type', get('conn_type')],
    ['host', get('host')],
    ['login', get('login')],
    [
      'password',
      DIALECT_RULES[dialect].emptyPasswordBecomesNull && !pyTruthy(password) ? null : password
    ],
    ['schema', get('schema')],
    ['port', get('port')],
    ['extra', extra],
    ['extra_dejson', typeof extra === 'string' ? extraDejson(extra) : new PyDict()]
  ])
}

/** What `VaultBackend` returns for a secret whose data is `stored` (a JSON object). */
export const decodeVault: DecodeFn = decodeAfterExplain(explainVault, (stored, _, kind, options) =>
  readVaultData(stored, kind, options)
)

function readVaultData(stored: PyValue, kind: LookupKind, options: LookupOptions): DecodeOutcome {
  // hvac's data null (a secret without data): `if response is None: return None`.
  if (stored === null) return { notFound: true }
  if (!(stored instanceof PyDict))
    throw new CodecError(
      `A Vault KV secret's data is a JSON object; got a ${typeName(stored)}.`,
      'codec.invalid-field'
    )
  const dialect = options.dialect ?? 'airflow3'
  if (kind === 'variable') {
    const value = readVaultVariable(stored)
    return value === undefined ? { notFound: true } : { variable: value }
  }
  const uri = stored.get('conn_uri')
  if (providerBefore(options, VAULT_DESERIALIZE_SINCE)) {
    if (pyTruthy(uri)) {
      if (typeof uri !== 'string')
        throw new CodecError(
          `"conn_uri" holds a ${typeName(uri!)}, not text.`,
          'codec.invalid-field'
        )
      return { connection: connectionFieldsToPy(parseConnectionUri(uri, dialect).value) }
    }
    return { connection: constructFromSecret(stored, dialect) }
  }
  // Neither value is empty (a truthy conn_uri, a JSON object), so never "not found" here.
  // A field of another JSON type than text ("login": 1234) is kept as Python keeps it.
  return {
    connection: rawConnectionToPy(
      parseConnectionValueRaw(vaultConnectionValue(stored).value, dialect)
    )
  }
}

/**
 * `VaultBackend.get_conn_value` (provider 4.7.2+): the truthy `conn_uri` verbatim, else
 * `json.dumps(secret)`; `fromKey` says which. A `conn_uri` that is not text is a CodecError
 * (`deserialize_connection` calls `value.strip()`: AttributeError).
 */
function vaultConnectionValue(secret: PyDict): { value: string; fromKey: 'conn_uri' | 'fields' } {
  const uri = secret.get('conn_uri')
  if (!pyTruthy(uri)) return { value: pyJsonDumps(secret), fromKey: 'fields' }
  if (typeof uri !== 'string')
    throw new CodecError(`"conn_uri" holds a ${typeName(uri!)}, not text.`, 'codec.invalid-field')
  return { value: uri, fromKey: 'conn_uri' }
}

/**
 * The connection Airflow reads from a Vault secret's data (`get_conn_value` +
 * `deserialize_connection`, provider 4.7.2+), as Airlock's model holds it. `fromKey` names
 * what was read. A secret Airflow cannot read throws a CodecError.
 */
export function readVaultConnection(
  secret: PyDict,
  dialect: Dialect
): Decoded<ConnectionFields> & { fromKey: 'conn_uri' | 'fields' } {
  const { value, fromKey } = vaultConnectionValue(secret)
  return { ...parseConnectionValue(value, dialect), fromKey }
}

/**
 * `VaultBackend.get_variable`: the `value` key as Python holds it; undefined where Airflow
 * answers None (`if not response`, no `value` key, `value: null`).
 */
export function readVaultVariable(secret: PyDict): PyValue | undefined {
  if (secret.size === 0 || !secret.has('value')) return undefined
  const value = secret.get('value')!
  return value === null ? undefined : value
}

/**
 * A secret's data as the backend has it: the data read Python-exactly from Vault's answer
 * (`vaultSecretFromBody`), or as node-vault hands it over (JSON.parse'd: a float written `1.0`
 * is already 1 and an integer beyond 2^53 rounded).
 */
export type VaultSecretData = PyDict | Readonly<Record<string, unknown>>

/**
 * A secret's data in Python's types. Data node-vault parsed is read from its JSON text;
 * data nested deeper than Python's json can read throws a PyJsonDecodeError (hvac fails on
 * it too).
 */
function vaultSecretFromJson(data: VaultSecretData): PyDict {
  if (data instanceof PyDict) return data
  const secret = pyJsonLoads(JSON.stringify(data))
  if (!(secret instanceof PyDict))
    throw new CodecError(
      `A Vault KV secret's data is a JSON object; got a ${typeName(secret)}.`,
      'codec.invalid-field'
    )
  return secret
}

/**
 * A live secret's data as Airflow's client reads it from the body of Vault's answer: hvac's
 * `response.json()` (Python's json: `1.0` stays a float, an integer keeps every digit, keys
 * keep the body's order), then `response["data"]` (KV v1) or `response["data"]["data"]`
 * (KV v2). A body Python's json cannot read (nested too deep) or data that is not an object
 * throws a CodecError.
 */
export function vaultSecretFromBody(body: string, kvVersion: 1 | 2): PyDict {
  let answer: PyValue
  try {
    answer = pyJsonLoads(body)
  } catch (error) {
    if (error instanceof PyJsonDecodeError)
      throw new CodecError(
        `Python's json cannot read Vault's answer (${error.userMessage}); Airflow's client fails on it too.`,
        'codec.invalid-json',
        { cause: error }
      )
    throw error
  }
  let data: PyValue | undefined = answer instanceof PyDict ? answer.get('data') : undefined
  if (kvVersion === 2) data = data instanceof PyDict ? data.get('data') : undefined
  if (!(data instanceof PyDict))
    throw new CodecError(
      `A Vault KV secret's data is a JSON object; got a ${typeName(data ?? null)}.`,
      'codec.invalid-field'
    )
  return data
}

/**
 * `readVaultConnection` over a secret's data as the backend has it: the connection the
 * backend loads. `fromKey` names what was read. A secret Airflow cannot read throws a CodecError.
 */
export function decodeVaultConnection(
  data: VaultSecretData,
  dialect: Dialect
): Decoded<ConnectionFields> & { fromKey: 'conn_uri' | 'fields' } {
  let secret: PyDict
  try {
    secret = vaultSecretFromJson(data)
  } catch (error) {
    if (error instanceof PyJsonDecodeError)
      throw new CodecError(`Invalid connection JSON: ${error.userMessage}.`, 'codec.invalid-json', {
        cause: error
      })
    throw error
  }
  return readVaultConnection(secret, dialect)
}

/**
 * `readVaultVariable` over a secret's data as the backend has it, with the description
 * Airlock writes beside the value; undefined where Airflow answers None. A value that is not
 * text is a CodecError: Airflow would hand the decoded JSON to the task, which Airlock's text
 * model cannot hold.
 */
export function decodeVaultVariable(
  data: VaultSecretData
): { value: string; description: string | null } | undefined {
  const secret = vaultSecretFromJson(data)
  const value = readVaultVariable(secret)
  if (value === undefined) return undefined
  if (typeof value !== 'string')
    throw new CodecError(
      `"value" holds a ${typeName(value)}, not text; Airflow would pass that JSON ${typeName(value)} to the task as is.`,
      'codec.invalid-field'
    )
  const description = secret.get('description')
  return { value, description: typeof description === 'string' ? description : null }
}

/** An extra as Vault should hold it: the JSON object when that is lossless, else the text. */
function extraForVault(extra: string): unknown {
  const parsed = pyJsonTryLoads(extra)
  if (!(parsed instanceof PyDict) || parsed.size === 0) return extra
  const plain = pyToPlain(parsed)
  // Ints beyond 2^53, 1.0 vs 1, NaN: JavaScript's JSON would change them, so keep the text.
  return pyJsonDumps(plainToPy(plain)) === pyJsonDumps(parsed) ? plain : extra
}

/**
 * The secret Airlock writes for a connection: the field map (`Connection.as_json()`'s keys,
 * None fields dropped, `extra` as an object), which every Airflow from 2.3 to 3.x reads
 * through `from_json`; or `{"conn_uri": text}` when `text` (the connection's text value,
 * a URI when lossless, else connection JSON) is given and is a URI.
 */
export function encodeVaultConnection(
  fields: ConnectionFields,
  dialect: Dialect,
  text?: string
): Record<string, unknown> {
  if (text !== undefined && !text.startsWith('{')) return { conn_uri: text }
  // A password "" is kept: Task SDK workers read it as "", core as None either way.
  const c = fields.password === '' ? { ...fields } : applyPasswordRule({ ...fields }, dialect)
  const out: Record<string, unknown> = {}
  for (const key of CONNECTION_SCALAR_FIELDS) if (c[key] !== null) out[key] = c[key]
  if (c.extra !== null && c.extra !== '') out.extra = extraForVault(c.extra)
  return out
}

/** The secret Airlock writes for a variable: `{"value": …}` and its description when it has one. */
export function encodeVaultVariable(entry: VariableEntry): Record<string, unknown> {
  return entry.description === null
    ? { value: entry.value }
    : { value: entry.value, description: entry.description }
}
