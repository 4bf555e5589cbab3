/**
 * A loopback HashiCorp Vault: the HTTP API subset node-vault and hvac use for Airflow's
 * secrets — KV v1 and v2 (read, write with check-and-set, soft delete, undelete, destroy,
 * metadata, LIST as the `LIST` verb or `GET ?list=true`, `?version=N` reads), token lookup-self, AppRole and Kubernetes login, `sys/mounts`,
 * `sys/internal/ui/mounts/<path>` (the CLI's mount pre-flight), `sys/capabilities-self`,
 * namespaces (`X-Vault-Namespace`) — answering with Vault's status codes and JSON bodies
 * (404 `{"errors":[]}`, a soft-deleted v2 version's 404 with its metadata, 403
 * `permission denied`, 400 check-and-set errors).
 *
 * There is no page-size switch: Vault's LIST is not paginated (one answer per folder).
 *
 * Numbers keep the text they were sent with, as Vault keeps them (Go's `json.Number`): `1.0`,
 * `-0.0`, `1e400` and integers beyond 2^53 come back as written, not as JavaScript reads them
 * (`numberText`; `put` takes such a number as `JSON.rawJSON(text)`).
 *
 * Switches, all deterministic for a given `seed` and request order: 429 with `Retry-After`
 * (Vault's rate-limit quota), 5xx, dropped connections and latency at a rate, a request size
 * limit (413), per-path access denial, plus `inject()` to fail the next requests on purpose.
 *
 * @example
 * const vault = await startVaultEmulator({ mounts: { secret: { version: 2 } } })
 * vault.put('secret', 'connections/db', { conn_uri: 'postgres://h' })
 * // new VaultBackend({ backendKwargs: { url: vault.url, token: vault.rootToken } })
 * await vault.close()
 */
import { fixedWindowQuota, vaultQuotaHeaders, type RateLimit } from './quota'
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Socket } from 'node:net'
import { seededRandom } from '../seeded-random'
import { acceptListVerb, requestVerb } from './list-verb'

/** A KV mount. */
export interface VaultMountSpec {
  version: 1 | 2
  /** KV v2 `cas_required` on the mount. */
  casRequired?: boolean
  /** KV v2 `max_versions` (default 10). */
  maxVersions?: number
}

/** What a Vault ACL operation is. */
export type VaultOperation = 'read' | 'list' | 'create' | 'update' | 'delete'

/** Denies operations on API paths (after `/v1/`, e.g. `secret/data/connections/locked`). */
export interface VaultDenyRule {
  /** A path prefix (ending in `*` or not: a prefix either way) or a pattern. */
  path: string | RegExp
  /** Default: every operation. */
  operations?: readonly VaultOperation[]
  /** Default: every token (the root token too). */
  tokens?: readonly string[]
  /** Only in this namespace (default: every namespace). */
  namespace?: string
}

/** An AppRole that logs in to a token. */
export interface VaultAppRoleSpec {
  /** Auth mount (default `approle`). */
  mount?: string
  roleId: string
  /** Omit for a role with `bind_secret_id=false`. */
  secretId?: string
  /** Issued tokens expire after this many requests made with them (to test re-login). */
  tokenUses?: number
}

/**
 * A Kubernetes auth role: a login with this role and this service-account JWT gets a token
 * (Vault would check the JWT with the cluster's TokenReview API; here it is compared).
 */
export interface VaultKubernetesRoleSpec {
  /** Auth mount (default `kubernetes`). */
  mount?: string
  role: string
  jwt: string
  /** Issued tokens expire after this many requests made with them (to test re-login). */
  tokenUses?: number
}

/** Faults at a rate in [0, 1]. */
export interface VaultFaults {
  /** 429 `rate limit quota exceeded`, with `Retry-After` unless `retryAfterSeconds` is null. */
  throttleRate?: number
  retryAfterSeconds?: number | null
  /** 5xx (default 503 `Vault is sealed`-style) at a rate. */
  errorRate?: number
  errorStatus?: 500 | 502 | 503 | 504 | 412
  /** The socket is destroyed before any answer. */
  dropRate?: number
  /** Milliseconds before each answer. */
  latencyMs?: number
  /**
   * A rate-limit quota over every request, kept as Vault keeps it (go-limiter; quota.ts):
   * refused ones get 429 `rate limit quota exceeded`; with `responseHeaders` (Vault's
   * `enable_rate_limit_response_headers`) every answer carries the `X-Ratelimit-*` headers
   * and a refused one `Retry-After`, whole seconds to the refill truncated, as Vault sends them.
   */
  rateLimit?: RateLimit
}

export interface VaultEmulatorOptions extends VaultFaults {
  /** Mounts of the root namespace (default `{ secret: { version: 2 } }`). */
  mounts?: Record<string, VaultMountSpec>
  /** Other namespaces and their mounts. */
  namespaces?: Record<string, Record<string, VaultMountSpec>>
  /** Default `root-token`. */
  rootToken?: string
  /** More valid tokens. */
  tokens?: readonly string[]
  approles?: readonly VaultAppRoleSpec[]
  kubernetesRoles?: readonly VaultKubernetesRoleSpec[]
  deny?: readonly VaultDenyRule[]
  /** Largest request body in bytes (Vault's `max_request_size`, default 32 MiB). */
  maxRequestBytes?: number
  /** Seed of the fault generator (default 1). */
  seed?: number
}

/** One request as the emulator saw it. */
export interface VaultRequestRecord {
  method: string
  /** The decoded API path after `/v1/`. */
  path: string
  query: string
  namespace: string
  status: number
  /** `list` for a LIST, else the ACL operation. */
  operation: VaultOperation | 'login' | 'sys'
  fault?: 'throttle' | 'error' | 'drop'
}

/** A fault queued for the next requests. */
export type VaultInjectedFault =
  | {
      kind: 'throttle'
      retryAfterSeconds?: number | null
      /** The rate-limit quota's refusal. */ quota?: boolean
    }
  | { kind: 'error'; status?: number }
  /** `afterApply`: the request takes effect, then the connection drops before the answer. */
  | { kind: 'drop'; afterApply?: boolean }

export interface VaultEmulator {
  url: string
  rootToken: string
  /** Every request, in arrival order. */
  readonly requests: VaultRequestRecord[]
  /** Requests being served now, and the most served at once since `peak` was last set to 0. */
  readonly inFlight: { now: number; peak: number }
  close(): Promise<void>
  /**
   * Back to the mounts the emulator started with, empty; forgets injected faults and the
   * requests (tokens, fault switches and the quota stay). A request still in its latency
   * is dropped (connection closed) without taking or changing anything.
   */
  reset(): void
  /** Changes the fault switches. */
  setFaults(faults: VaultFaults): void
  /** Fails the next `count` requests (optionally only those matching `path`). */
  inject(fault: VaultInjectedFault, count?: number, path?: RegExp): void
  addMount(name: string, spec: VaultMountSpec, namespace?: string): void
  /** Writes a secret directly (a new version in KV v2); returns the version (1 for KV v1). */
  put(mount: string, path: string, data: Record<string, unknown>, namespace?: string): number
  /** The latest live data, or undefined (missing, deleted or destroyed). */
  get(mount: string, path: string, namespace?: string): Record<string, unknown> | undefined
  /** KV v2: soft-deletes versions (default the latest). */
  softDelete(mount: string, path: string, versions?: number[], namespace?: string): void
  /** KV v2: destroys versions (default the latest). */
  destroy(mount: string, path: string, versions?: number[], namespace?: string): void
  /** KV v2 metadata: current version and per-version state; undefined when absent. */
  metadata(
    mount: string,
    path: string,
    namespace?: string
  ):
    | { currentVersion: number; versions: Record<number, { deleted: boolean; destroyed: boolean }> }
    | undefined
  /** Every secret path of a mount (KV v2: those with metadata). */
  paths(mount: string, namespace?: string): string[]
  /** Tokens issued by AppRole and Kubernetes logins so far. */
  readonly issuedTokens: string[]
  /** Invalidates a token (as if it expired). */
  revoke(token: string): void
}

interface Version {
  data: Record<string, unknown> | null
  created: string
  deletionTime: string
  destroyed: boolean
}

interface V2Secret {
  versions: Map<number, Version>
  current: number
  oldest: number
  created: string
  updated: string
  casRequired: boolean
  maxVersions: number
}

interface Mount {
  spec: VaultMountSpec
  accessor: string
  uuid: string
  v1: Map<string, Record<string, unknown>>
  v2: Map<string, V2Secret>
}

const prng = seededRandom

const now = () => new Date().toISOString()

/** Go's path.Clean for the part after `/v1/` (what net/http's ServeMux redirects to). */
function cleanPath(p: string): string {
  const trailing = p.endsWith('/')
  const out: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  const joined = out.join('/')
  return trailing && joined ? joined + '/' : joined
}

/**
 * `JSON.rawJSON` and the reviver's source text (Node 21+; not yet in TypeScript's lib). On an
 * older Node (a bench run with the system's node) numbers are kept as JavaScript reads them.
 */
const rawJson = JSON as unknown as {
  rawJSON?(text: string): unknown
  isRawJSON?(value: unknown): boolean
  parse(
    text: string,
    reviver: (key: string, value: unknown, context?: { source?: string }) => unknown
  ): unknown
}

/**
 * A JSON number as Vault holds it: its text, when JavaScript's number would print otherwise
 * (`1.0`, `-0.0`, `1e400`, `12345678901234567890`), as `JSON.rawJSON` (JSON.stringify writes it
 * back verbatim); a number that prints as sent stays a number.
 */
export function numberText(text: string): unknown {
  const n = Number(text)
  return JSON.stringify(n) === text || !rawJson.rawJSON ? n : rawJson.rawJSON(text)
}

/** A request body read as Vault reads it: every number keeps the text it was sent with. */
function parseKeepingNumbers(text: string): unknown {
  return rawJson.parse(text, (_, value, context) =>
    typeof value === 'number' && context?.source !== undefined ? numberText(context.source) : value
  )
}

/** A deep copy of stored data; a number kept as text (`JSON.rawJSON`, immutable) is shared. */
function cloneData<T>(value: T): T {
  if (value === null || typeof value !== 'object' || rawJson.isRawJSON?.(value)) return value
  if (Array.isArray(value)) return value.map(cloneData) as T
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneData(v)])) as T
}

function envelope(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...extra
  }
}

/** Starts the emulator on 127.0.0.1 with a random port. */
export async function startVaultEmulator(
  options: VaultEmulatorOptions = {}
): Promise<VaultEmulator> {
  const rootToken = options.rootToken ?? 'root-token'
  const random = prng(options.seed ?? 1)
  let faults: VaultFaults = {
    throttleRate: options.throttleRate,
    retryAfterSeconds: options.retryAfterSeconds,
    errorRate: options.errorRate,
    errorStatus: options.errorStatus,
    dropRate: options.dropRate,
    latencyMs: options.latencyMs,
    rateLimit: options.rateLimit
  }
  let quota = faults.rateLimit ? fixedWindowQuota(faults.rateLimit) : undefined
  const injected: { fault: VaultInjectedFault; path?: RegExp }[] = []
  const namespaces = new Map<string, Map<string, Mount>>()
  const tokens = new Map<string, { usesLeft: number | null }>()
  tokens.set(rootToken, { usesLeft: null })
  for (const t of options.tokens ?? []) tokens.set(t, { usesLeft: null })
  const issuedTokens: string[] = []
  const requests: VaultRequestRecord[] = []
  /** How many times reset() ran: a request that began before the last one is stale. */
  let resets = 0
  const inFlight = { now: 0, peak: 0 }
  const maxRequestBytes = options.maxRequestBytes ?? 32 * 1024 * 1024

  const nsKey = (ns: string | undefined) => (ns ?? '').replace(/^\/+|\/+$/g, '')
  const mountsOf = (ns: string | undefined): Map<string, Mount> => {
    const key = nsKey(ns)
    let m = namespaces.get(key)
    if (!m) {
      m = new Map()
      namespaces.set(key, m)
    }
    return m
  }
  const addMount = (name: string, spec: VaultMountSpec, ns?: string) => {
    mountsOf(ns).set(name.replace(/\/+$/, ''), {
      spec,
      accessor: `kv_${randomUUID().slice(0, 8)}`,
      uuid: randomUUID(),
      v1: new Map(),
      v2: new Map()
    })
  }
  const initialMounts = () => {
    namespaces.clear()
    for (const [name, spec] of Object.entries(options.mounts ?? { secret: { version: 2 } }))
      addMount(name, spec)
    for (const [ns, mounts] of Object.entries(options.namespaces ?? {}))
      for (const [name, spec] of Object.entries(mounts)) addMount(name, spec, ns)
  }
  initialMounts()

  const mountOrThrow = (name: string, ns?: string): Mount => {
    const m = mountsOf(ns).get(name)
    if (!m) throw new Error(`vault emulator: no mount ${name}`)
    return m
  }

  /** Longest mount that `path` lies in. */
  const matchMount = (
    ns: string,
    path: string
  ): { name: string; mount: Mount; rest: string } | undefined => {
    let best: { name: string; mount: Mount; rest: string } | undefined
    for (const [name, mount] of mountsOf(ns)) {
      if (path === name || path === name + '/' || path.startsWith(name + '/')) {
        if (!best || name.length > best.name.length)
          best = { name, mount, rest: path.slice(name.length + 1) }
      }
    }
    return best
  }

  const denied = (ns: string, token: string, path: string, op: VaultOperation): boolean =>
    (options.deny ?? []).some((rule) => {
      if (rule.namespace !== undefined && nsKey(rule.namespace) !== ns) return false
      if (rule.tokens && !rule.tokens.includes(token)) return false
      if (rule.operations && !rule.operations.includes(op)) return false
      return typeof rule.path === 'string'
        ? path.startsWith(rule.path.replace(/\*$/, ''))
        : rule.path.test(path)
    })

  const capabilities = (ns: string, token: string, path: string): string[] => {
    const ops: VaultOperation[] = ['create', 'read', 'update', 'delete', 'list']
    const allowed = ops.filter((op) => !denied(ns, token, path, op))
    if (allowed.length === ops.length) return token === rootToken ? ['root'] : [...ops]
    return allowed.length ? allowed : ['deny']
  }

  const newSecret = (mount: Mount): V2Secret => ({
    versions: new Map(),
    current: 0,
    oldest: 0,
    created: now(),
    updated: now(),
    casRequired: false,
    maxVersions: mount.spec.maxVersions ?? 10
  })

  const putV2 = (mount: Mount, path: string, data: Record<string, unknown>): V2Secret => {
    let s = mount.v2.get(path)
    if (!s) {
      s = newSecret(mount)
      mount.v2.set(path, s)
    }
    s.current += 1
    if (s.oldest === 0) s.oldest = 1
    s.versions.set(s.current, { data, created: now(), deletionTime: '', destroyed: false })
    s.updated = now()
    while (s.versions.size > s.maxVersions) {
      s.versions.delete(s.oldest)
      s.oldest += 1
    }
    return s
  }

  const versionMetadata = (s: V2Secret, v: number) => {
    const version = s.versions.get(v)!
    return {
      created_time: version.created,
      custom_metadata: null,
      deletion_time: version.deletionTime,
      destroyed: version.destroyed,
      version: v
    }
  }

  const listKeys = (all: Iterable<string>, prefix: string): string[] => {
    const keys = new Set<string>()
    for (const p of all) {
      if (!p.startsWith(prefix)) continue
      const rest = p.slice(prefix.length)
      if (!rest) continue
      const slash = rest.indexOf('/')
      keys.add(slash < 0 ? rest : rest.slice(0, slash + 1))
    }
    return [...keys].sort()
  }

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> }
  const errors = (status: number, ...messages: string[]): Answer => ({
    status,
    body: { errors: messages }
  })
  const permissionDenied = (): Answer => errors(403, 'permission denied')

  function kvV2(
    ns: string,
    token: string,
    mount: Mount,
    rest: string,
    method: string,
    isList: boolean,
    body: Record<string, unknown> | undefined,
    apiPath: string,
    query: URLSearchParams
  ): Answer {
    const slash = rest.indexOf('/')
    const op = slash < 0 ? rest : rest.slice(0, slash)
    const path = slash < 0 ? '' : rest.slice(slash + 1)
    const secret = mount.v2.get(path)
    const acl = (o: VaultOperation) => denied(ns, token, apiPath, o)
    if (op === 'config' && path === '') {
      if (acl('read')) return permissionDenied()
      return {
        status: 200,
        body: envelope({
          data: {
            cas_required: mount.spec.casRequired ?? false,
            delete_version_after: '0s',
            max_versions: mount.spec.maxVersions ?? 0
          }
        })
      }
    }
    if (op === 'data') {
      if (isList) return errors(405, 'unsupported operation')
      if (method === 'GET') {
        if (acl('read')) return permissionDenied()
        if (!secret || secret.current === 0) return errors(404)
        // `?version=N` reads that version; 0 or none is the latest. A version that does not
        // exist (never written, or pruned past max_versions) is a bare 404, as Vault answers.
        // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#read-secret-version
        const wanted = query.get('version')
        if (wanted !== null && !/^\d+$/.test(wanted))
          return errors(
            400,
            `1 error occurred:\n\t* error converting input ${wanted} for field "version": strconv.ParseInt: parsing ${JSON.stringify(wanted)}: invalid syntax\n\n`
          )
        const number = wanted === null || Number(wanted) === 0 ? secret.current : Number(wanted)
        const version = secret.versions.get(number)
        if (!version) return errors(404)
        const metadata = versionMetadata(secret, number)
        if (version.deletionTime || version.destroyed || version.data === null)
          // Vault answers 404 with the version's metadata (hvac: InvalidPath with e.json).
          return { status: 404, body: envelope({ data: { data: null, metadata } }) }
        return { status: 200, body: envelope({ data: { data: version.data, metadata } }) }
      }
      if (method === 'POST' || method === 'PUT') {
        if (acl(secret && secret.current > 0 ? 'update' : 'create')) return permissionDenied()
        if (path === '' || path.endsWith('/'))
          return errors(405, "cannot write to a path ending in '/'")
        const data = body?.data
        if (!data || typeof data !== 'object' || Array.isArray(data))
          return errors(400, 'no data provided')
        const opts = (body?.options ?? {}) as { cas?: unknown }
        const current = secret?.current ?? 0
        const casRequired = (mount.spec.casRequired ?? false) || (secret?.casRequired ?? false)
        if (opts.cas === undefined || opts.cas === null) {
          if (casRequired) return errors(400, 'check-and-set parameter required for this call')
        } else if (Number(opts.cas) !== current)
          return errors(400, 'check-and-set parameter did not match the current version')
        const s = putV2(mount, path, data as Record<string, unknown>)
        return { status: 200, body: envelope({ data: versionMetadata(s, s.current) }) }
      }
      if (method === 'DELETE') {
        if (acl('delete')) return permissionDenied()
        if (secret && secret.current > 0) {
          const v = secret.versions.get(secret.current)
          if (v && !v.deletionTime && !v.destroyed) v.deletionTime = now()
        }
        return { status: 204 }
      }
    }
    if (op === 'metadata') {
      if (isList) {
        if (acl('list')) return permissionDenied()
        const prefix = path === '' || path.endsWith('/') ? path : path + '/'
        const keys = listKeys(mount.v2.keys(), prefix)
        if (!keys.length) return errors(404)
        return { status: 200, body: envelope({ data: { keys } }) }
      }
      if (method === 'GET') {
        if (acl('read')) return permissionDenied()
        if (!secret) return errors(404)
        const versions: Record<string, unknown> = {}
        for (const [n, v] of secret.versions)
          versions[String(n)] = {
            created_time: v.created,
            deletion_time: v.deletionTime,
            destroyed: v.destroyed
          }
        return {
          status: 200,
          body: envelope({
            data: {
              cas_required: secret.casRequired,
              created_time: secret.created,
              current_version: secret.current,
              custom_metadata: null,
              delete_version_after: '0s',
              max_versions: mount.spec.maxVersions ?? 0,
              oldest_version: secret.oldest,
              updated_time: secret.updated,
              versions
            }
          })
        }
      }
      if (method === 'DELETE') {
        if (acl('delete')) return permissionDenied()
        mount.v2.delete(path)
        return { status: 204 }
      }
      if (method === 'POST' || method === 'PUT') {
        if (acl(secret ? 'update' : 'create')) return permissionDenied()
        const s = secret ?? newSecret(mount)
        if (!secret) mount.v2.set(path, s)
        if (typeof body?.cas_required === 'boolean') s.casRequired = body.cas_required
        if (typeof body?.max_versions === 'number' && body.max_versions > 0)
          s.maxVersions = body.max_versions
        return { status: 204 }
      }
    }
    if ((op === 'delete' || op === 'undelete' || op === 'destroy') && method !== 'GET') {
      if (acl('update')) return permissionDenied()
      const versions = body?.versions
      if (!Array.isArray(versions) || !versions.length)
        return errors(400, 'no version number provided')
      if (secret)
        for (const n of versions) {
          const v = secret.versions.get(Number(n))
          if (!v) continue
          if (op === 'delete' && !v.destroyed && !v.deletionTime) v.deletionTime = now()
          if (op === 'undelete' && !v.destroyed) v.deletionTime = ''
          if (op === 'destroy') {
            v.destroyed = true
            v.data = null
          }
        }
      return { status: 204 }
    }
    // A KV v1-style path on a v2 mount (apache/airflow#11378): nothing there.
    return {
      status: 404,
      body: {
        errors: [],
        warnings: [
          `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.`
        ]
      }
    }
  }

  function kvV1(
    ns: string,
    token: string,
    mount: Mount,
    path: string,
    method: string,
    isList: boolean,
    body: Record<string, unknown> | undefined,
    apiPath: string
  ): Answer {
    const acl = (o: VaultOperation) => denied(ns, token, apiPath, o)
    if (isList) {
      if (acl('list')) return permissionDenied()
      const prefix = path === '' || path.endsWith('/') ? path : path + '/'
      const keys = listKeys(mount.v1.keys(), prefix)
      if (!keys.length) return errors(404)
      return { status: 200, body: envelope({ data: { keys } }) }
    }
    if (method === 'GET') {
      if (acl('read')) return permissionDenied()
      const data = mount.v1.get(path)
      if (!data) return errors(404)
      return { status: 200, body: envelope({ lease_duration: 2764800, data }) }
    }
    if (method === 'POST' || method === 'PUT') {
      if (acl(mount.v1.has(path) ? 'update' : 'create')) return permissionDenied()
      if (path === '' || path.endsWith('/'))
        return errors(405, "cannot write to a path ending in '/'")
      if (!body || typeof body !== 'object' || Array.isArray(body))
        return errors(400, 'no data provided')
      mount.v1.set(path, body)
      return { status: 204 }
    }
    if (method === 'DELETE') {
      if (acl('delete')) return permissionDenied()
      mount.v1.delete(path)
      return { status: 204 }
    }
    return errors(405, 'unsupported operation')
  }

  function mountInfo(m: Mount) {
    return {
      accessor: m.accessor,
      config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
      description: '',
      external_entropy_access: false,
      local: false,
      options: { version: String(m.spec.version) },
      plugin_version: '',
      running_plugin_version: `v0.0.0+builtin`,
      seal_wrap: false,
      type: 'kv',
      uuid: m.uuid
    }
  }

  function route(
    req: IncomingMessage,
    apiPath: string,
    query: URLSearchParams,
    body: unknown
  ): Answer & { operation: VaultRequestRecord['operation'] } {
    const method = requestVerb(req)
    const ns = nsKey(req.headers['x-vault-namespace'] as string | undefined)
    const token = (req.headers['x-vault-token'] as string | undefined) ?? ''
    const isList =
      method === 'LIST' || (method === 'GET' && ['true', '1'].includes(query.get('list') ?? ''))
    const objBody =
      body && typeof body === 'object' && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : undefined

    if (apiPath === 'sys/health')
      return {
        status: 200,
        body: { initialized: true, sealed: false, standby: false },
        operation: 'sys'
      }

    // AppRole and Kubernetes logins need no token.
    const login = /^auth\/(.+)\/login$/.exec(apiPath)
    if (login && (method === 'POST' || method === 'PUT')) {
      let role: { tokenUses?: number } | undefined
      let via: 'approle' | 'kubernetes' = 'approle'
      const kubernetes = (options.kubernetesRoles ?? []).filter(
        (r) => (r.mount ?? 'kubernetes') === login[1]
      )
      if (kubernetes.length) {
        // Vault: an unknown role is 400 `invalid role name "<role>"`; a JWT the cluster
        // does not vouch for, 403 `permission denied`.
        via = 'kubernetes'
        const named = kubernetes.find((r) => r.role === objBody?.role)
        if (!named)
          return {
            ...errors(400, `invalid role name "${String(objBody?.role ?? '')}"`),
            operation: 'login'
          }
        if (named.jwt !== objBody?.jwt) return { ...permissionDenied(), operation: 'login' }
        role = named
      } else
        role = (options.approles ?? []).find(
          (r) =>
            (r.mount ?? 'approle') === login[1] &&
            r.roleId === objBody?.role_id &&
            (r.secretId === undefined || r.secretId === objBody?.secret_id)
        )
      if (!role) return { ...errors(400, 'invalid role or secret ID'), operation: 'login' }
      const issued = `hvs.${via}-${randomUUID()}`
      tokens.set(issued, { usesLeft: role.tokenUses ?? null })
      issuedTokens.push(issued)
      return {
        status: 200,
        body: envelope({
          auth: {
            client_token: issued,
            accessor: randomUUID(),
            policies: ['default', 'airflow'],
            token_policies: ['default', 'airflow'],
            metadata:
              via === 'kubernetes'
                ? {
                    role: String(objBody?.role),
                    service_account_name: 'airflow',
                    service_account_namespace: 'airflow',
                    service_account_secret_name: '',
                    service_account_uid: randomUUID()
                  }
                : { role_name: 'airflow' },
            lease_duration: 3600,
            renewable: true,
            entity_id: randomUUID(),
            token_type: 'service',
            orphan: true
          }
        }),
        operation: 'login'
      }
    }

    const known = tokens.get(token)
    if (!known || known.usesLeft === 0) return { ...permissionDenied(), operation: 'sys' }
    if (known.usesLeft !== null) known.usesLeft -= 1

    if (apiPath === 'auth/token/lookup-self' && method === 'GET')
      return {
        status: 200,
        body: envelope({
          data: {
            accessor: 'accessor',
            creation_ttl: 0,
            display_name: token === rootToken ? 'root' : 'approle',
            entity_id: '',
            expire_time: null,
            explicit_max_ttl: 0,
            id: token,
            meta: null,
            num_uses: 0,
            orphan: true,
            path: token === rootToken ? 'auth/token/root' : 'auth/approle/login',
            policies: token === rootToken ? ['root'] : ['default', 'airflow'],
            renewable: false,
            ttl: 0,
            type: 'service'
          }
        }),
        operation: 'sys'
      }

    if (apiPath === 'sys/capabilities-self' && (method === 'POST' || method === 'PUT')) {
      const paths = Array.isArray(objBody?.paths)
        ? (objBody.paths as unknown[]).map(String)
        : typeof objBody?.path === 'string'
          ? [objBody.path]
          : []
      if (!paths.length) return { ...errors(400, '"paths" must be provided'), operation: 'sys' }
      const data: Record<string, string[]> = {}
      for (const p of paths) data[p] = capabilities(ns, token, p)
      const single = paths.length === 1 ? { capabilities: data[paths[0]!] } : {}
      return {
        status: 200,
        body: { ...data, ...single, data: { ...data, ...single } },
        operation: 'sys'
      }
    }

    if (apiPath === 'sys/mounts' && method === 'GET') {
      if (denied(ns, token, apiPath, 'read')) return { ...permissionDenied(), operation: 'sys' }
      const data: Record<string, unknown> = {}
      for (const [name, m] of mountsOf(ns)) data[name + '/'] = mountInfo(m)
      data['sys/'] = { type: 'system', options: null, description: 'system endpoints' }
      data['cubbyhole/'] = { type: 'cubbyhole', options: null, description: 'per-token storage' }
      return { status: 200, body: { ...data, ...envelope({ data }) }, operation: 'sys' }
    }

    const uiMount = /^sys\/internal\/ui\/mounts\/(.+)$/.exec(apiPath)
    if (uiMount && method === 'GET') {
      const target = uiMount[1]!
      const match = matchMount(ns, target)
      const slashed = target.endsWith('/') ? target : target + '/'
      if (
        !match ||
        denied(ns, token, apiPath, 'read') ||
        capabilities(ns, token, target).includes('deny')
      )
        return {
          ...errors(
            403,
            `preflight capability check returned 403, please ensure client's policies grant access to path "${slashed}"`
          ),
          operation: 'sys'
        }
      return {
        status: 200,
        body: envelope({ data: { ...mountInfo(match.mount), path: match.name + '/' } }),
        operation: 'sys'
      }
    }

    const match = matchMount(ns, apiPath)
    if (!match)
      return {
        ...errors(404, `no handler for route "${apiPath}". route entry not found.`),
        operation: 'read'
      }
    const operation: VaultRequestRecord['operation'] = isList
      ? 'list'
      : method === 'GET'
        ? 'read'
        : method === 'DELETE'
          ? 'delete'
          : 'update'
    const answer =
      match.mount.spec.version === 2
        ? kvV2(ns, token, match.mount, match.rest, method, isList, objBody, apiPath, query)
        : kvV1(
            ns,
            token,
            match.mount,
            match.rest,
            method,
            isList,
            method === 'GET' ? undefined : objBody,
            apiPath
          )
    return { ...answer, operation }
  }

  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    inFlight.now++
    inFlight.peak = Math.max(inFlight.peak, inFlight.now)
    res.on('close', () => inFlight.now--)
    void handle(req, res)
  })
  // Node's parser refuses the LIST verb; this listener rewrites it before the parser sees it.
  const listener = acceptListVerb(server, (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const era = resets
    const rawUrl = req.url ?? '/'
    const q = rawUrl.indexOf('?')
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q)
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1))
    let decoded: string
    try {
      decoded = decodeURIComponent(rawPath)
    } catch {
      decoded = rawPath
    }
    const apiPath = decoded.replace(/^\/v1\//, '')
    const record: VaultRequestRecord = {
      method: requestVerb(req),
      path: apiPath,
      query: query.toString(),
      namespace: nsKey(req.headers['x-vault-namespace'] as string | undefined),
      status: 0,
      operation: 'read'
    }
    requests.push(record)

    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = false
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxRequestBytes) tooLarge = true
      else chunks.push(chunk)
    }

    let quotaHeaders: Record<string, string> = {}
    const send = (answer: Answer) => {
      record.status = answer.status
      const headers: Record<string, string> = {
        'Cache-Control': 'no-store',
        ...quotaHeaders,
        ...answer.headers
      }
      if (answer.body === undefined || answer.status === 204) {
        res.writeHead(answer.status, headers)
        res.end()
        return
      }
      const text = JSON.stringify(answer.body)
      headers['Content-Type'] = 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(text))
      res.writeHead(answer.status, headers)
      res.end(text)
    }

    // Faults: an injected one first, then the seeded rates (one draw each, always, on arrival,
    // so a seed gives the same draws in the same order). The injected fault and the quota are
    // taken after the latency: a request still waiting when a test resets the emulator belongs
    // to a caller that is gone (an aborted read); it is dropped without taking a fault or a
    // quota slot of the next test, or touching its stores.
    if (era !== resets) return void req.socket.destroy()
    const drawDrop = random()
    const drawThrottle = random()
    const drawError = random()
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs))
    if (era !== resets) return void req.socket.destroy()
    let fault: VaultInjectedFault | undefined
    const queued = injected.findIndex((i) => !i.path || i.path.test(apiPath))
    if (queued >= 0) fault = injected.splice(queued, 1)[0]!.fault
    if (!fault && quota) {
      const q = quota.take()
      if (faults.rateLimit?.responseHeaders) quotaHeaders = vaultQuotaHeaders(q)
      if (!q.ok) fault = { kind: 'throttle', quota: true }
    }
    if (!fault) {
      if (drawDrop < (faults.dropRate ?? 0)) fault = { kind: 'drop' }
      else if (drawThrottle < (faults.throttleRate ?? 0)) fault = { kind: 'throttle' }
      else if (drawError < (faults.errorRate ?? 0)) fault = { kind: 'error' }
    }
    if (fault?.kind === 'drop' && !fault.afterApply) {
      record.fault = 'drop'
      record.status = -1
      req.socket.destroy()
      return
    }
    if (fault?.kind === 'throttle') {
      record.fault = 'throttle'
      // The quota's own answer carries its headers (above) or none, as Vault's does.
      const retryAfter = fault.quota
        ? null
        : fault.retryAfterSeconds !== undefined
          ? fault.retryAfterSeconds
          : faults.retryAfterSeconds === undefined
            ? 1
            : faults.retryAfterSeconds
      return send({
        ...errors(429, `request path "${apiPath}": rate limit quota exceeded`),
        headers: retryAfter === null ? {} : { 'Retry-After': String(retryAfter) }
      })
    }
    if (fault?.kind === 'error') {
      record.fault = 'error'
      const status = fault.status ?? faults.errorStatus ?? 503
      return send(
        status === 503
          ? errors(503, 'Vault is sealed')
          : status === 412
            ? errors(412, 'required index state not present')
            : errors(status, 'internal error')
      )
    }

    if (tooLarge) return send(errors(413, 'http: request body too large'))
    // net/http's ServeMux redirects a path that is not clean (//, /./, /../).
    const clean = cleanPath(apiPath)
    if (clean !== apiPath) {
      const location =
        '/v1/' + clean.split('/').map(encodeURIComponent).join('/') + (q < 0 ? '' : rawUrl.slice(q))
      return send({ status: 301, headers: { Location: location } })
    }
    let body: unknown
    if (chunks.length) {
      try {
        body = parseKeepingNumbers(Buffer.concat(chunks).toString('utf8'))
      } catch {
        return send(errors(400, 'error parsing JSON'))
      }
    }
    const answer = route(req, apiPath, query, body)
    record.operation = answer.operation
    if (fault?.kind === 'drop') {
      record.fault = 'drop'
      record.status = -1
      req.socket.destroy()
      return
    }
    send(answer)
  }

  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const { port } = listener.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    rootToken,
    requests,
    inFlight,
    issuedTokens,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => listener.close(() => resolve()))
    },
    reset() {
      resets++
      initialMounts()
      injected.length = 0
      requests.length = 0
    },
    setFaults(next) {
      faults = { ...faults, ...next }
      if ('rateLimit' in next) quota = next.rateLimit ? fixedWindowQuota(next.rateLimit) : undefined
    },
    inject(fault, count = 1, path) {
      for (let i = 0; i < count; i++) injected.push({ fault, path })
    },
    addMount,
    put(mountName, path, data, ns) {
      const mount = mountOrThrow(mountName, ns)
      if (mount.spec.version === 1) {
        mount.v1.set(path, cloneData(data))
        return 1
      }
      return putV2(mount, path, cloneData(data)).current
    },
    get(mountName, path, ns) {
      const mount = mountOrThrow(mountName, ns)
      if (mount.spec.version === 1) return cloneData(mount.v1.get(path))
      const s = mount.v2.get(path)
      const v = s?.versions.get(s.current)
      if (!v || v.deletionTime || v.destroyed || !v.data) return undefined
      return cloneData(v.data)
    },
    softDelete(mountName, path, versions, ns) {
      const s = mountOrThrow(mountName, ns).v2.get(path)
      if (!s) return
      for (const n of versions ?? [s.current]) {
        const v = s.versions.get(n)
        if (v && !v.deletionTime) v.deletionTime = now()
      }
    },
    destroy(mountName, path, versions, ns) {
      const s = mountOrThrow(mountName, ns).v2.get(path)
      if (!s) return
      for (const n of versions ?? [s.current]) {
        const v = s.versions.get(n)
        if (v) {
          v.destroyed = true
          v.data = null
        }
      }
    },
    metadata(mountName, path, ns) {
      const s = mountOrThrow(mountName, ns).v2.get(path)
      if (!s) return undefined
      const versions: Record<number, { deleted: boolean; destroyed: boolean }> = {}
      for (const [n, v] of s.versions)
        versions[n] = { deleted: Boolean(v.deletionTime), destroyed: v.destroyed }
      return { currentVersion: s.current, versions }
    },
    paths(mountName, ns) {
      const mount = mountOrThrow(mountName, ns)
      return [...(mount.spec.version === 1 ? mount.v1.keys() : mount.v2.keys())].sort()
    },
    revoke(token) {
      tokens.delete(token)
    }
  }
}
