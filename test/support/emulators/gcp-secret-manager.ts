/**
 * A loopback Google Cloud Secret Manager (v1 gRPC API) for driving the real
 * @google-cloud/secret-manager client in tests. Built with @grpc/grpc-js and
 * @grpc/proto-loader from the descriptors the client itself ships
 * (`@google-cloud/secret-manager/build/protos/protos.json`), on 127.0.0.1 without TLS: give
 * the client `apiEndpoint: '127.0.0.1'`, `port`, `sslCreds: grpc.credentials.createInsecure()`,
 * an explicit `authClient` and `universeDomain`.
 *
 * What it answers, as the service does:
 * - secrets and versions: create (secret ids of 1–255 `[A-Za-z0-9_-]`, a replication policy
 *   required), add version (payloads up to 64 KiB, CRC32C checked when sent), get, update
 *   (annotations and labels), delete, list (page size capped, page tokens, `name:` filters),
 *   list versions (newest first, `state:` filter), access (`latest` is the newest version
 *   whatever its state: a disabled or destroyed one gives FAILED_PRECONDITION), disable,
 *   enable, destroy, and TestIamPermissions;
 * - resource names with the project number (`projects/<number>/secrets/<id>`), as the real
 *   service returns them; requests may use the project id or number.
 *
 * Switches (deterministic for a seed): RESOURCE_EXHAUSTED throttling, UNAVAILABLE faults,
 * dropped connections (GOAWAY and close, seen by the client as UNAVAILABLE), latency, page
 * sizes, payload size, access denied per secret id and method. `requests` counts calls by
 * method.
 */
import { createRequire } from 'node:module'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { seededRandom } from '../seeded-random'
import { fixedWindowQuota, type RateLimit } from './quota'

/** The methods counters and access rules name. */
export type GcpMethod =
  | 'ListSecrets'
  | 'CreateSecret'
  | 'AddSecretVersion'
  | 'GetSecret'
  | 'UpdateSecret'
  | 'DeleteSecret'
  | 'ListSecretVersions'
  | 'GetSecretVersion'
  | 'AccessSecretVersion'
  | 'DisableSecretVersion'
  | 'EnableSecretVersion'
  | 'DestroySecretVersion'
  | 'TestIamPermissions'

/** Answers PERMISSION_DENIED for secret ids matching `secrets` (a prefix or a pattern). */
export interface GcpDenyRule {
  secrets: string | RegExp
  /** Default: every method. ListSecrets is denied by a rule matching the empty id `''`. */
  methods?: readonly GcpMethod[]
}

export interface GcpSecretManagerEmulatorOptions {
  projectId?: string
  projectNumber?: string
  seed?: number
  /** Share of calls answered RESOURCE_EXHAUSTED. */
  throttleRate?: number
  /**
   * A request quota over every call (Secret Manager's quotas are per minute per project;
   * the window is a parameter): a refused call gets RESOURCE_EXHAUSTED "Quota exceeded …",
   * with no retry delay, as the service answers.
   */
  rateLimit?: RateLimit
  /** Share of calls answered UNAVAILABLE. */
  errorRate?: number
  /** Share of calls whose connection is dropped (GOAWAY, then closed). */
  dropRate?: number
  latencyMs?: number
  /** Page size when the request asks for none (0); default 25 000. */
  defaultPageSize?: number
  /** The most a page holds, whatever is asked; default 25 000 (the service's cap). */
  maxPageSize?: number
  /** Largest payload; default 64 KiB. */
  maxPayloadBytes?: number
  deny?: readonly GcpDenyRule[]
}

interface Version {
  number: number
  data: Buffer
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED'
  createTime: number
  destroyTime?: number
  clientChecksum: boolean
}

interface Secret {
  id: string
  createTime: number
  replication: unknown
  labels: Record<string, string>
  annotations: Record<string, string>
  versions: Version[]
  etag: number
}

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/

const dice = seededRandom

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC32C (Castagnoli) of bytes, as Secret Manager checks payloads. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff
  for (const b of data) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string
  ) {
    super(message)
  }
}

const timestamp = (ms: number) => ({
  seconds: String(Math.floor(ms / 1000)),
  nanos: (ms % 1000) * 1_000_000
})

function loadService(): grpc.ServiceDefinition {
  const require = createRequire(import.meta.url)
  const json = require('@google-cloud/secret-manager/build/protos/protos.json') as Parameters<
    typeof protoLoader.fromJSON
  >[0]
  const definition = protoLoader.fromJSON(json, {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true
  })
  return definition['google.cloud.secretmanager.v1.SecretManagerService'] as grpc.ServiceDefinition
}

type Handler = (request: Record<string, unknown>) => unknown

export class GcpSecretManagerEmulator {
  readonly projectId: string
  readonly projectNumber: string
  /** Calls that reached a method, by method (faults included: they reached the service). */
  readonly requests = new Map<GcpMethod, number>()
  /** Fault outcomes: `throttled`, `fault`, `dropped`, `denied`. */
  readonly events = new Map<string, number>()
  options: GcpSecretManagerEmulatorOptions
  private readonly server = new grpc.Server()
  private readonly secrets = new Map<string, Secret>()
  private roll: () => number
  private quota: ReturnType<typeof fixedWindowQuota> | undefined
  private port = 0
  private clock = Date.now()
  /** How many times reset() ran: a call that began before the last one is stale. */
  private resets = 0

  constructor(options: GcpSecretManagerEmulatorOptions = {}) {
    this.options = options
    this.projectId = options.projectId ?? 'airlock-test-project'
    this.projectNumber = options.projectNumber ?? '424242424242'
    this.roll = dice(options.seed ?? 1)
    this.quota = options.rateLimit ? fixedWindowQuota(options.rateLimit) : undefined
    const handlers: Record<GcpMethod, Handler> = {
      ListSecrets: (r) => this.listSecrets(r),
      CreateSecret: (r) => this.createSecret(r),
      AddSecretVersion: (r) => this.addSecretVersion(r),
      GetSecret: (r) => this.view(this.secretOf(String(r.name), 'GetSecret')),
      UpdateSecret: (r) => this.updateSecret(r),
      DeleteSecret: (r) => this.deleteSecret(r),
      ListSecretVersions: (r) => this.listVersions(r),
      GetSecretVersion: (r) =>
        this.versionView(...this.versionOf(String(r.name), 'GetSecretVersion')),
      AccessSecretVersion: (r) => this.access(r),
      DisableSecretVersion: (r) => this.setState(r, 'DISABLED', 'DisableSecretVersion'),
      EnableSecretVersion: (r) => this.setState(r, 'ENABLED', 'EnableSecretVersion'),
      DestroySecretVersion: (r) => this.setState(r, 'DESTROYED', 'DestroySecretVersion'),
      TestIamPermissions: (r) => this.testIam(r)
    }
    const service = loadService()
    const implementation: grpc.UntypedServiceImplementation = {}
    for (const method of Object.keys(service)) {
      const handler = handlers[method as GcpMethod]
      implementation[method] = (
        call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
        callback: grpc.sendUnaryData<unknown>
      ) => void this.dispatch(method as GcpMethod, handler, call, callback)
    }
    this.server.addService(service, implementation)
  }

  /** The `port` to give the client (with `apiEndpoint: '127.0.0.1'`). */
  get address(): { apiEndpoint: string; port: number } {
    return { apiEndpoint: '127.0.0.1', port: this.port }
  }

  async start(): Promise<this> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(
        '127.0.0.1:0',
        grpc.ServerCredentials.createInsecure(),
        (error, port) => (error ? reject(error) : resolve(port))
      )
    )
    return this
  }

  async stop(): Promise<void> {
    this.server.forceShutdown()
  }

  configure(options: Partial<GcpSecretManagerEmulatorOptions>): void {
    this.options = { ...this.options, ...options }
    this.roll = dice(this.options.seed ?? 1)
    if ('rateLimit' in options)
      this.quota = options.rateLimit ? fixedWindowQuota(options.rateLimit) : undefined
  }

  /**
   * Forgets every secret and counter. A call still in its latency fails UNAVAILABLE without
   * counting, rolling the dice, taking a quota slot or touching a secret.
   */
  reset(): void {
    this.resets++
    this.secrets.clear()
    this.requests.clear()
    this.events.clear()
  }

  get requestCount(): number {
    let n = 0
    for (const v of this.requests.values()) n += v
    return n
  }

  /** Stores a secret with one version per value (as another tool would). */
  seed(
    secretId: string,
    values: readonly (string | Uint8Array)[],
    extra: { annotations?: Record<string, string>; states?: Version['state'][] } = {}
  ): void {
    const s: Secret = {
      id: secretId,
      createTime: this.tick(),
      replication: { automatic: {} },
      labels: {},
      annotations: extra.annotations ?? {},
      versions: [],
      etag: 1
    }
    values.forEach((v, i) =>
      s.versions.push({
        number: i + 1,
        data: typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v),
        state: extra.states?.[i] ?? 'ENABLED',
        createTime: this.tick(),
        clientChecksum: false
      })
    )
    this.secrets.set(secretId, s)
  }

  /** Versions of a secret, oldest first, for assertions. */
  versionsOf(secretId: string): { number: number; state: string; value: string }[] {
    return (this.secrets.get(secretId)?.versions ?? []).map((v) => ({
      number: v.number,
      state: v.state,
      value: v.data.toString('utf8')
    }))
  }

  /** The replication and annotations a secret was created with. */
  secretInfo(
    secretId: string
  ): { replication: unknown; annotations: Record<string, string> } | undefined {
    const s = this.secrets.get(secretId)
    return s && { replication: s.replication, annotations: s.annotations }
  }

  private tick(): number {
    this.clock = Math.max(this.clock + 1, Date.now())
    return this.clock
  }

  private count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1)
  }

  private async dispatch(
    method: GcpMethod,
    handler: Handler | undefined,
    call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
    callback: grpc.sendUnaryData<unknown>
  ): Promise<void> {
    const era = this.resets
    this.count(this.requests, method)
    const o = this.options
    if (o.latencyMs) await new Promise((r) => setTimeout(r, o.latencyMs))
    // A call still waiting when a test reset the emulator belongs to a caller that is gone (an
    // aborted read; its count went with the reset): it fails without taking a fault or a quota
    // slot of the next test, or touching its secrets.
    if (era !== this.resets)
      return callback({
        code: grpc.status.UNAVAILABLE,
        details: 'The emulator was reset.',
        metadata: new grpc.Metadata()
      })
    try {
      if (!handler) throw new RpcError(grpc.status.UNIMPLEMENTED, `${method} is not emulated.`)
      if (o.dropRate && this.roll() < o.dropRate) {
        this.count(this.events, 'dropped')
        // Close every connection (GOAWAY, then a forced close): the call in flight fails
        // with UNAVAILABLE on the client, which reconnects.
        this.server.drain(`127.0.0.1:${this.port}`, 0)
        throw new RpcError(grpc.status.UNAVAILABLE, 'Connection dropped.')
      }
      const overQuota = this.quota !== undefined && !this.quota.take().ok
      if (overQuota || (o.throttleRate && this.roll() < o.throttleRate)) {
        this.count(this.events, 'throttled')
        throw new RpcError(
          grpc.status.RESOURCE_EXHAUSTED,
          `Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute per project' of service 'secretmanager.googleapis.com' for consumer 'project_number:${this.projectNumber}'.`
        )
      }
      if (o.errorRate && this.roll() < o.errorRate) {
        this.count(this.events, 'fault')
        throw new RpcError(grpc.status.UNAVAILABLE, 'The service is currently unavailable.')
      }
      callback(null, handler(call.request))
    } catch (error) {
      if (!(error instanceof RpcError)) throw error
      callback({ code: error.code, details: error.message, metadata: new grpc.Metadata() })
    }
  }

  // --- names and permissions -----------------------------------------------------------------

  private project(parent: string): void {
    const m = /^projects\/([^/]+)$/.exec(parent)
    if (!m)
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `Invalid resource field value in the request: parent ${parent}`
      )
    if (m[1] !== this.projectId && m[1] !== this.projectNumber)
      throw new RpcError(
        grpc.status.PERMISSION_DENIED,
        `Permission denied on resource project ${m[1]}.`
      )
  }

  private deny(secretId: string, method: GcpMethod, permission: string, resource: string): void {
    const hit = (this.options.deny ?? []).some(
      (rule) =>
        (!rule.methods || rule.methods.includes(method)) &&
        (typeof rule.secrets === 'string'
          ? secretId.startsWith(rule.secrets)
          : rule.secrets.test(secretId))
    )
    if (hit) {
      this.count(this.events, 'denied')
      throw new RpcError(
        grpc.status.PERMISSION_DENIED,
        `Permission '${permission}' denied for resource '${resource}' (or it may not exist).`
      )
    }
  }

  private parseSecretName(name: string): string {
    const m = /^projects\/([^/]+)\/secrets\/([^/]*)$/.exec(name)
    if (!m)
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `Invalid resource field value in the request: name ${name}`
      )
    this.project(`projects/${m[1]}`)
    if (!SECRET_ID.test(m[2]!))
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `Invalid resource field value in the request: ${name}`
      )
    return m[2]!
  }

  private secretName(id: string): string {
    return `projects/${this.projectNumber}/secrets/${id}`
  }

  private permission(method: GcpMethod): string {
    return {
      ListSecrets: 'secretmanager.secrets.list',
      CreateSecret: 'secretmanager.secrets.create',
      AddSecretVersion: 'secretmanager.versions.add',
      GetSecret: 'secretmanager.secrets.get',
      UpdateSecret: 'secretmanager.secrets.update',
      DeleteSecret: 'secretmanager.secrets.delete',
      ListSecretVersions: 'secretmanager.versions.list',
      GetSecretVersion: 'secretmanager.versions.get',
      AccessSecretVersion: 'secretmanager.versions.access',
      DisableSecretVersion: 'secretmanager.versions.disable',
      EnableSecretVersion: 'secretmanager.versions.enable',
      DestroySecretVersion: 'secretmanager.versions.destroy',
      TestIamPermissions: 'secretmanager.secrets.getIamPolicy'
    }[method]
  }

  private secretOf(name: string, method: GcpMethod): Secret {
    const id = this.parseSecretName(name)
    this.deny(id, method, this.permission(method), this.secretName(id))
    const s = this.secrets.get(id)
    if (!s) throw new RpcError(grpc.status.NOT_FOUND, `Secret [${this.secretName(id)}] not found.`)
    return s
  }

  private versionOf(name: string, method: GcpMethod): [Secret, Version] {
    const m = /^(projects\/[^/]+\/secrets\/[^/]*)\/versions\/([^/]+)$/.exec(name)
    if (!m)
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `Invalid resource field value in the request: name ${name}`
      )
    const id = this.parseSecretName(m[1]!)
    this.deny(id, method, this.permission(method), `${this.secretName(id)}/versions/${m[2]}`)
    const s = this.secrets.get(id)
    const v =
      s &&
      (m[2] === 'latest' ? s.versions.at(-1) : s.versions.find((x) => String(x.number) === m[2]))
    if (!s || !v)
      throw new RpcError(
        grpc.status.NOT_FOUND,
        `Secret Version [${this.secretName(id)}/versions/${m[2]}] not found.`
      )
    return [s, v]
  }

  private view(s: Secret): unknown {
    return {
      name: this.secretName(s.id),
      replication: s.replication,
      createTime: timestamp(s.createTime),
      labels: s.labels,
      annotations: s.annotations,
      etag: `"${s.etag}"`
    }
  }

  private versionView(s: Secret, v: Version): unknown {
    return {
      name: `${this.secretName(s.id)}/versions/${v.number}`,
      createTime: timestamp(v.createTime),
      ...(v.destroyTime ? { destroyTime: timestamp(v.destroyTime) } : {}),
      state: v.state,
      etag: `"${v.number}-${v.state}"`,
      clientSpecifiedPayloadChecksum: v.clientChecksum
    }
  }

  private page<T>(
    items: readonly T[],
    request: Record<string, unknown>
  ): { page: T[]; next: string } {
    const asked = Number(request.pageSize ?? 0)
    if (asked < 0) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'page_size must be positive.')
    const max = this.options.maxPageSize ?? 25_000
    const size = Math.min(asked === 0 ? (this.options.defaultPageSize ?? 25_000) : asked, max)
    const token = String(request.pageToken ?? '')
    let start = 0
    if (token) {
      start = Number(Buffer.from(token, 'base64url').toString('utf8'))
      if (!Number.isInteger(start) || start < 0)
        throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Invalid page token.')
    }
    const page = items.slice(start, start + size)
    const next =
      start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : ''
    return { page, next }
  }

  // --- methods -----------------------------------------------------------------------------

  private listSecrets(r: Record<string, unknown>): unknown {
    this.project(String(r.parent))
    this.deny('', 'ListSecrets', 'secretmanager.secrets.list', String(r.parent))
    const filter = String(r.filter ?? '').trim()
    let match: (s: Secret) => boolean = () => true
    if (filter) {
      const m = /^name:"?([^"]*)"?$/.exec(filter)
      if (!m) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unsupported filter: ${filter}`)
      const needle = m[1]!
      match = (s) => s.id.includes(needle)
    }
    const all = [...this.secrets.values()]
      .filter(match)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const { page, next } = this.page(all, r)
    return { secrets: page.map((s) => this.view(s)), nextPageToken: next, totalSize: all.length }
  }

  private createSecret(r: Record<string, unknown>): unknown {
    this.project(String(r.parent))
    const id = String(r.secretId ?? '')
    if (!SECRET_ID.test(id))
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `Invalid secret_id: ${JSON.stringify(id)}. Secret IDs must be 1-255 characters of letters, numbers, underscores and hyphens.`
      )
    this.deny(id, 'CreateSecret', 'secretmanager.secrets.create', String(r.parent))
    if (this.secrets.has(id))
      throw new RpcError(
        grpc.status.ALREADY_EXISTS,
        `Secret [${this.secretName(id)}] already exists.`
      )
    const secret = (r.secret ?? {}) as Record<string, unknown>
    const replication = secret.replication as Record<string, unknown> | undefined
    if (!replication || (!replication.automatic && !replication.userManaged))
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Secret.replication is required.')
    const labels = (secret.labels ?? {}) as Record<string, string>
    for (const [k, v] of Object.entries(labels))
      if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || !/^[a-z0-9_-]{0,63}$/.test(v))
        throw new RpcError(grpc.status.INVALID_ARGUMENT, `Invalid label ${k}.`)
    const annotations = (secret.annotations ?? {}) as Record<string, string>
    let size = 0
    for (const [k, v] of Object.entries(annotations))
      size += Buffer.byteLength(k) + Buffer.byteLength(v)
    if (size > 16 * 1024)
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Annotations exceed 16 KiB.')
    const s: Secret = {
      id,
      createTime: this.tick(),
      replication,
      labels,
      annotations,
      versions: [],
      etag: 1
    }
    this.secrets.set(id, s)
    return this.view(s)
  }

  private addSecretVersion(r: Record<string, unknown>): unknown {
    const s = this.secretOf(String(r.parent), 'AddSecretVersion')
    const payload = (r.payload ?? {}) as { data?: Buffer; dataCrc32c?: string }
    const data = payload.data ?? Buffer.alloc(0)
    const max = this.options.maxPayloadBytes ?? 64 * 1024
    if (data.length > max)
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        `Secret payload exceeds the ${max} byte limit.`
      )
    const sent = payload.dataCrc32c
    if (sent !== undefined && sent !== null && Number(sent) !== crc32c(data))
      throw new RpcError(
        grpc.status.INVALID_ARGUMENT,
        'Checksum mismatch: the payload was corrupted in transit.'
      )
    const v: Version = {
      number: (s.versions.at(-1)?.number ?? 0) + 1,
      data: Buffer.from(data),
      state: 'ENABLED',
      createTime: this.tick(),
      clientChecksum: sent !== undefined && sent !== null
    }
    s.versions.push(v)
    return this.versionView(s, v)
  }

  private updateSecret(r: Record<string, unknown>): unknown {
    const secret = (r.secret ?? {}) as Record<string, unknown>
    const s = this.secretOf(String(secret.name), 'UpdateSecret')
    const paths = ((r.updateMask as { paths?: string[] } | undefined)?.paths ?? []).map((p) =>
      p.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
    )
    if (!paths.length) throw new RpcError(grpc.status.INVALID_ARGUMENT, 'update_mask is required.')
    for (const p of paths) {
      if (p === 'annotations') s.annotations = (secret.annotations ?? {}) as Record<string, string>
      else if (p === 'labels') s.labels = (secret.labels ?? {}) as Record<string, string>
      else throw new RpcError(grpc.status.INVALID_ARGUMENT, `Field ${p} cannot be updated here.`)
    }
    s.etag++
    return this.view(s)
  }

  private deleteSecret(r: Record<string, unknown>): unknown {
    const s = this.secretOf(String(r.name), 'DeleteSecret')
    this.secrets.delete(s.id)
    return {}
  }

  private listVersions(r: Record<string, unknown>): unknown {
    const s = this.secretOf(String(r.parent), 'ListSecretVersions')
    const filter = String(r.filter ?? '').trim()
    let versions = [...s.versions].reverse()
    if (filter) {
      const m = /^state:(ENABLED|DISABLED|DESTROYED)$/.exec(filter)
      if (!m) throw new RpcError(grpc.status.INVALID_ARGUMENT, `Unsupported filter: ${filter}`)
      versions = versions.filter((v) => v.state === m[1])
    }
    const { page, next } = this.page(versions, r)
    return {
      versions: page.map((v) => this.versionView(s, v)),
      nextPageToken: next,
      totalSize: versions.length
    }
  }

  private access(r: Record<string, unknown>): unknown {
    const [s, v] = this.versionOf(String(r.name), 'AccessSecretVersion')
    if (v.state !== 'ENABLED')
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `Secret Version [${this.secretName(s.id)}/versions/${v.number}] is in ${v.state} state.`
      )
    return {
      name: `${this.secretName(s.id)}/versions/${v.number}`,
      payload: { data: v.data, dataCrc32c: String(crc32c(v.data)) }
    }
  }

  private setState(
    r: Record<string, unknown>,
    state: Version['state'],
    method: GcpMethod
  ): unknown {
    const name = String(r.name)
    if (name.endsWith('/versions/latest'))
      throw new RpcError(grpc.status.INVALID_ARGUMENT, 'A version alias cannot be used here.')
    const [s, v] = this.versionOf(name, method)
    if (v.state === 'DESTROYED')
      throw new RpcError(
        grpc.status.FAILED_PRECONDITION,
        `Secret Version [${this.secretName(s.id)}/versions/${v.number}] is in DESTROYED state.`
      )
    v.state = state
    if (state === 'DESTROYED') {
      v.destroyTime = this.tick()
      v.data = Buffer.alloc(0)
    }
    return this.versionView(s, v)
  }

  private testIam(r: Record<string, unknown>): unknown {
    const resource = String(r.resource)
    const id = this.parseSecretName(resource)
    const asked = (r.permissions ?? []) as string[]
    const granted = asked.filter((permission) => {
      const method = (Object.keys(this.permissionTable()) as GcpMethod[]).find(
        (m) => this.permission(m) === permission
      )
      try {
        if (method) this.deny(id, method, permission, resource)
        return true
      } catch {
        return false
      }
    })
    if (!this.secrets.has(id))
      throw new RpcError(grpc.status.NOT_FOUND, `Secret [${this.secretName(id)}] not found.`)
    return { permissions: granted }
  }

  private permissionTable(): Record<GcpMethod, true> {
    return {
      ListSecrets: true,
      CreateSecret: true,
      AddSecretVersion: true,
      GetSecret: true,
      UpdateSecret: true,
      DeleteSecret: true,
      ListSecretVersions: true,
      GetSecretVersion: true,
      AccessSecretVersion: true,
      DisableSecretVersion: true,
      EnableSecretVersion: true,
      DestroySecretVersion: true,
      TestIamPermissions: true
    }
  }
}

/** Starts an emulator (call `stop()` in `afterAll`). */
export function startGcpSecretManagerEmulator(
  options: GcpSecretManagerEmulatorOptions = {}
): Promise<GcpSecretManagerEmulator> {
  return new GcpSecretManagerEmulator(options).start()
}
