/**
 * A loopback Azure Key Vault (secrets REST API) with its own Microsoft Entra token endpoint,
 * for driving the real @azure/keyvault-secrets SecretClient and @azure/identity
 * ClientSecretCredential in tests. HTTPS on 127.0.0.1 with a certificate made at start-up
 * (pass `emulator.ca` as `tlsOptions.ca`; MSAL refuses an http authority).
 *
 * What it speaks, as the service does:
 * - the challenge: a request without `Authorization` gets 401 with
 *   `WWW-Authenticate: Bearer authorization="<authority>/<tenant>", resource="https://vault.azure.net"`;
 * - the token endpoint (`/<tenant>/oauth2/v2.0/token`, client credentials) and the OpenID
 *   metadata MSAL reads (`/<tenant>/v2.0/.well-known/openid-configuration`);
 * - `/secrets` (get, set, update, delete, list with `maxresults` ≤ 25 and `nextLink`),
 *   `/deletedsecrets` (get, list, purge, recover); names of 1–127 `0-9a-zA-Z-`, compared
 *   case-insensitively; values up to 25 KB; soft delete (a deleted name blocks create with
 *   409 `ObjectIsDeletedButRecoverable`) and purge protection;
 * - errors as `{"error": {"code", "message", "innererror"?}}`.
 *
 * Switches (all deterministic for a seed): throttling (429 + `Retry-After`), latency, 5xx,
 * dropped connections, page size, soft delete, purge protection, value size, access denied
 * per name and operation. `requests` counts what reached the vault, by operation.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { seededRandom } from '../seeded-random'
import { fixedWindowQuota, type RateLimit } from './quota'

/** The operations access rules and counters name. */
export type AzureOperation =
  | 'get'
  | 'set'
  | 'update'
  | 'delete'
  | 'list'
  | 'get-deleted'
  | 'list-deleted'
  | 'purge'
  | 'recover'

/** Answers 403 Forbidden for names matching `names` (a prefix or a pattern). */
export interface AzureDenyRule {
  names: string | RegExp
  /** Default: every operation. */
  operations?: readonly AzureOperation[]
}

export interface AzureKeyVaultEmulatorOptions {
  tenantId?: string
  clientId?: string
  clientSecret?: string
  /** Seed of the fault dice; default 1. */
  seed?: number
  /** Share of vault requests answered 429 Too Many Requests. */
  throttleRate?: number
  /** `Retry-After` seconds on a 429; `null` sends none (the SDK then does not retry). Default 1. */
  retryAfterSeconds?: number | null
  /**
   * A request quota over the vault's operations (Key Vault's service limits count
   * transactions per vault per window): a refused one is answered as Key Vault throttles,
   * 429 `Throttled` with `Retry-After` in whole seconds to the refill, rounded up (or the
   * `retryAfterSeconds` given).
   */
  rateLimit?: RateLimit
  /** Delay before each vault answer. */
  latencyMs?: number
  /** Share of vault requests answered 503 (or 500 when `errorStatus` says so). */
  errorRate?: number
  errorStatus?: 500 | 503
  /** Share of vault requests whose connection is destroyed without an answer. */
  dropRate?: number
  /** The most items one list page returns (and the largest `maxresults` accepted); default 25. */
  maxPageSize?: number
  /**
   * How long a deleted secret is still being deleted: until then get-deleted answers 404 (as
   * Key Vault does while a delete completes, so the SDK's poller polls again); default 0.
   */
  deletingMs?: number
  /** Soft delete (on in every vault since 2020); default true. */
  softDelete?: boolean
  /** Purge protection: purging a deleted secret is refused; default false. */
  purgeProtection?: boolean
  retentionDays?: number
  /** Largest value in bytes; default 25 KiB. */
  maxValueBytes?: number
  deny?: readonly AzureDenyRule[]
}

interface Version {
  id: string
  value: string
  contentType?: string
  tags?: Record<string, string>
  enabled: boolean
  created: number
  updated: number
}

interface StoredSecret {
  name: string
  versions: Version[]
}

interface DeletedSecret extends StoredSecret {
  deletedDate: number
  scheduledPurgeDate: number
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/
const RESOURCE = 'https://vault.azure.net'

// --- a self-signed certificate for 127.0.0.1, built with node:crypto alone ---------------

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}
function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body])
}
function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number)
  const out = [40 * arcs[0]! + arcs[1]!]
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f]
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80)
    out.push(...chunk)
  }
  return der(0x06, Buffer.from(out))
}
function utcTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'
  return der(0x17, Buffer.from(s, 'ascii'))
}

/** A self-signed P-256 certificate (CA and server) for 127.0.0.1 and localhost. */
export function selfSignedCertificate(): { cert: string; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const name = der(
    0x30,
    der(0x31, der(0x30, oid('2.5.4.3'), der(0x0c, Buffer.from('Airlock test emulator'))))
  )
  const ecdsaSha256 = der(0x30, oid('1.2.840.10045.4.3.2'))
  const now = Date.now()
  const extensions = der(
    0xa3,
    der(
      0x30,
      der(
        0x30,
        oid('2.5.29.19'),
        der(0x01, Buffer.from([0xff])),
        der(0x04, der(0x30, der(0x01, Buffer.from([0xff]))))
      ),
      der(
        0x30,
        oid('2.5.29.17'),
        der(
          0x04,
          der(0x30, der(0x87, Buffer.from([127, 0, 0, 1])), der(0x82, Buffer.from('localhost')))
        )
      )
    )
  )
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, Buffer.concat([Buffer.from([0x01]), randomBytes(8)])),
    ecdsaSha256,
    name,
    der(0x30, utcTime(new Date(now - 86_400_000)), utcTime(new Date(now + 86_400_000))),
    name,
    spki,
    extensions
  )
  const signature = sign('sha256', tbs, privateKey)
  const certDer = der(
    0x30,
    tbs,
    ecdsaSha256,
    der(0x03, Buffer.concat([Buffer.from([0]), signature]))
  )
  const b64 = certDer.toString('base64').replace(/(.{64})/g, '$1\n')
  return {
    cert: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    key: createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })).export({
      type: 'pkcs8',
      format: 'pem'
    }) as string
  }
}

// --- the emulator ---------------------------------------------------------------------------

const dice = seededRandom

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

const seconds = (ms: number) => Math.floor(ms / 1000)

export class AzureKeyVaultEmulator {
  readonly tenantId: string
  readonly clientId: string
  readonly clientSecret: string
  /** PEM of the certificate to trust (`tlsOptions: { ca }`). */
  readonly ca: string
  /** Vault requests that reached an operation, by operation (challenges and faults excluded). */
  readonly requests = new Map<AzureOperation, number>()
  /** Every request, by kind: `challenge`, `token`, `metadata`, `throttled`, `fault`, `dropped`. */
  readonly events = new Map<string, number>()
  /** Authenticated vault requests received, counted on arrival (before the latency). */
  arrivals = 0
  options: AzureKeyVaultEmulatorOptions
  private readonly server: Server
  private readonly key: string
  private roll: () => number
  private quota: ReturnType<typeof fixedWindowQuota> | undefined
  private readonly secrets = new Map<string, StoredSecret>()
  private readonly deleted = new Map<string, DeletedSecret>()
  private readonly tokens = new Set<string>()
  private port = 0
  /** How many times reset() ran: a request that began before the last one is stale. */
  private resets = 0

  constructor(options: AzureKeyVaultEmulatorOptions = {}) {
    this.options = options
    this.tenantId = options.tenantId ?? 'airlock-test-tenant'
    this.clientId = options.clientId ?? 'airlock-test-client'
    this.clientSecret = options.clientSecret ?? 'airlock-test-client-secret'
    this.roll = dice(options.seed ?? 1)
    this.quota = options.rateLimit ? fixedWindowQuota(options.rateLimit) : undefined
    const { cert, key } = selfSignedCertificate()
    this.ca = cert
    this.key = key
    this.server = createServer({ cert, key: this.key }, (req, res) => void this.handle(req, res))
  }

  /** The vault URL, e.g. `https://127.0.0.1:PORT`. */
  get vaultUrl(): string {
    return `https://127.0.0.1:${this.port}`
  }

  /** The authority host for `ClientSecretCredential` (`authorityHost`). */
  get authorityHost(): string {
    return `https://127.0.0.1:${this.port}`
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return this
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  /** Changes switches at run time (the dice restart from the seed). */
  configure(options: Partial<AzureKeyVaultEmulatorOptions>): void {
    this.options = { ...this.options, ...options }
    this.roll = dice(this.options.seed ?? 1)
    if ('rateLimit' in options)
      this.quota = options.rateLimit ? fixedWindowQuota(options.rateLimit) : undefined
  }

  /**
   * Forgets every secret, deleted secret and counter (tokens stay valid). A request still in
   * its latency is dropped (connection closed) without counting, rolling the dice, taking a
   * quota slot or touching a secret.
   */
  reset(): void {
    this.resets++
    this.secrets.clear()
    this.deleted.clear()
    this.requests.clear()
    this.events.clear()
    this.arrivals = 0
  }

  /** Total vault requests that reached an operation. */
  get requestCount(): number {
    let n = 0
    for (const v of this.requests.values()) n += v
    return n
  }

  /** Stores a secret directly (as if written by another tool). */
  seed(name: string, value: string, tags?: Record<string, string>): void {
    this.putVersion(name, { value, tags })
  }

  /** Enables or disables the latest version of a secret (a disabled one answers 403). */
  setEnabled(name: string, enabled: boolean): void {
    const v = this.secrets.get(name.toLowerCase())?.versions.at(-1)
    if (v) v.enabled = enabled
  }

  /** Whether a name is soft-deleted. */
  isDeleted(name: string): boolean {
    return this.deleted.has(name.toLowerCase())
  }

  /** The stored (latest) value of a name, for assertions. */
  valueOf(name: string): string | undefined {
    return this.secrets.get(name.toLowerCase())?.versions.at(-1)?.value
  }

  private count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const era = this.resets
    const url = new URL(req.url ?? '/', this.vaultUrl)
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    try {
      const path = url.pathname
      if (path.startsWith(`/${this.tenantId}/`) || /^\/[^/]+\/(oauth2|v2\.0)\//.test(path))
        return this.identity(req, res, url, body)
      await this.vault(req, res, url, body, era)
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      this.send(
        res,
        error.status,
        {
          error: {
            code: error.code,
            message: error.message,
            ...(error.inner ? { innererror: { code: error.inner } } : {})
          }
        },
        error.headers
      )
    }
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ): void {
    const text = body === undefined ? '' : JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ms-keyvault-service-version': '1.9.0.0',
      ...headers
    })
    res.end(text)
  }

  // Microsoft Entra: the OpenID metadata MSAL reads and the client-credentials grant.
  private identity(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const [, tenant, ...rest] = url.pathname.split('/')
    const tail = rest.join('/')
    const authority = `${this.authorityHost}/${tenant}`
    if (req.method === 'GET' && tail === 'v2.0/.well-known/openid-configuration') {
      this.count(this.events, 'metadata')
      return this.send(res, 200, {
        token_endpoint: `${authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
        issuer: `${authority}/v2.0`,
        jwks_uri: `${authority}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'token'],
        token_endpoint_auth_methods_supported: ['client_secret_post']
      })
    }
    if (req.method === 'POST' && tail === 'oauth2/v2.0/token') {
      this.count(this.events, 'token')
      const form = new URLSearchParams(body)
      if (tenant !== this.tenantId)
        return this.send(res, 400, {
          error: 'invalid_request',
          error_description: `AADSTS90002: Tenant '${tenant}' not found.`,
          error_codes: [90002]
        })
      if (
        form.get('client_id') !== this.clientId ||
        form.get('client_secret') !== this.clientSecret
      )
        return this.send(res, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215]
        })
      const token = randomBytes(24).toString('base64url')
      this.tokens.add(token)
      return this.send(res, 200, {
        token_type: 'Bearer',
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: token
      })
    }
    this.send(res, 404, { error: 'not_found', error_description: 'No such endpoint.' })
  }

  private denied(name: string, op: AzureOperation): boolean {
    return (this.options.deny ?? []).some(
      (rule) =>
        (!rule.operations || rule.operations.includes(op)) &&
        (typeof rule.names === 'string'
          ? name.toLowerCase().startsWith(rule.names.toLowerCase())
          : rule.names.test(name))
    )
  }

  private check(name: string, op: AzureOperation): void {
    if (!NAME.test(name))
      throw new HttpError(400, 'BadParameter', `The request URI contains an invalid name: ${name}`)
    if (this.denied(name, op))
      throw new HttpError(
        403,
        'Forbidden',
        `The user, group or application does not have secrets ${op} permission on key vault 'emulator'.`,
        'AccessDenied'
      )
  }

  private async vault(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    body: string,
    era: number
  ): Promise<void> {
    const auth = req.headers.authorization ?? ''
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) {
      this.count(this.events, 'challenge')
      return this.send(
        res,
        401,
        {
          error: {
            code: 'Unauthorized',
            message: 'AKV10000: Request is missing a Bearer or PoP token.'
          }
        },
        {
          'www-authenticate': `Bearer authorization="${this.authorityHost}/${this.tenantId}", resource="${RESOURCE}"`
        }
      )
    }
    this.arrivals++
    const o = this.options
    if (o.latencyMs) await new Promise((r) => setTimeout(r, o.latencyMs))
    // a request still waiting when a test reset the emulator belongs to a caller that is gone
    // (an aborted read): it must not count, roll, take a quota slot or touch the next test's
    // secrets
    if (era !== this.resets) return void req.socket.destroy()
    if (o.dropRate && this.roll() < o.dropRate) {
      this.count(this.events, 'dropped')
      req.socket.destroy()
      return
    }
    const refused = this.quota?.take()
    const overQuota = refused !== undefined && !refused.ok
    if (overQuota || (o.throttleRate && this.roll() < o.throttleRate)) {
      this.count(this.events, 'throttled')
      const after =
        o.retryAfterSeconds !== undefined
          ? o.retryAfterSeconds
          : overQuota
            ? Math.ceil(refused.resetMs / 1000)
            : 1
      throw new HttpError(
        429,
        'Throttled',
        'Request was not processed because too many requests were received.',
        undefined,
        after === null ? {} : { 'retry-after': String(after) }
      )
    }
    if (o.errorRate && this.roll() < o.errorRate) {
      this.count(this.events, 'fault')
      const status = o.errorStatus ?? 503
      throw new HttpError(
        status,
        status === 503 ? 'ServiceUnavailable' : 'InternalServerError',
        'Try again later.'
      )
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    const method = req.method ?? 'GET'
    const json = (): Record<string, unknown> =>
      body ? (JSON.parse(body) as Record<string, unknown>) : {}
    const [collection, name, extra] = parts
    if (collection === 'secrets') {
      if (name === undefined && method === 'GET') return this.list(res, url, 'list')
      if (name === undefined) throw new HttpError(405, 'BadRequest', 'Method not allowed.')
      if (method === 'GET') return this.get(res, name, extra ?? '')
      if (method === 'PUT') return this.set(res, name, json())
      if (method === 'PATCH') return this.update(res, name, extra ?? '', json())
      if (method === 'DELETE') return this.remove(res, name)
    }
    if (collection === 'deletedsecrets') {
      if (name === undefined && method === 'GET') return this.list(res, url, 'list-deleted')
      if (name === undefined) throw new HttpError(405, 'BadRequest', 'Method not allowed.')
      if (method === 'GET') return this.getDeleted(res, name)
      if (method === 'DELETE') return this.purge(res, name)
      if (method === 'POST' && extra === 'recover') return this.recover(res, name)
    }
    throw new HttpError(404, 'NotFound', 'No such operation.')
  }

  private op(op: AzureOperation): void {
    this.count(this.requests, op)
  }

  private bundle(s: StoredSecret, v: Version): Record<string, unknown> {
    return {
      value: v.value,
      id: `${this.vaultUrl}/secrets/${s.name}/${v.id}`,
      ...(v.contentType === undefined ? {} : { contentType: v.contentType }),
      ...(v.tags === undefined ? {} : { tags: v.tags }),
      attributes: this.attributes(v)
    }
  }

  private attributes(v: Version): Record<string, unknown> {
    const o = this.options
    const soft = o.softDelete ?? true
    return {
      enabled: v.enabled,
      created: seconds(v.created),
      updated: seconds(v.updated),
      recoverableDays: soft ? (o.retentionDays ?? 90) : 0,
      recoveryLevel: !soft
        ? 'Purgeable'
        : o.purgeProtection
          ? 'Recoverable'
          : 'Recoverable+Purgeable'
    }
  }

  private deletedBundle(d: DeletedSecret): Record<string, unknown> {
    const v = d.versions.at(-1)!
    const { value: _value, ...rest } = this.bundle(d, v)
    void _value
    return {
      ...rest,
      recoveryId: `${this.vaultUrl}/deletedsecrets/${d.name}`,
      deletedDate: seconds(d.deletedDate),
      scheduledPurgeDate: seconds(d.scheduledPurgeDate)
    }
  }

  private notFound(name: string): HttpError {
    return new HttpError(
      404,
      'SecretNotFound',
      `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`
    )
  }

  private get(res: ServerResponse, name: string, version: string): void {
    this.check(name, 'get')
    this.op('get')
    const s = this.secrets.get(name.toLowerCase())
    const v = s && (version ? s.versions.find((x) => x.id === version) : s.versions.at(-1))
    if (!s || !v) throw this.notFound(name)
    if (!v.enabled)
      throw new HttpError(
        403,
        'Forbidden',
        'Operation get is not allowed on a disabled secret.',
        'SecretDisabled'
      )
    this.send(res, 200, this.bundle(s, v))
  }

  private putVersion(
    name: string,
    input: { value: string; contentType?: string; tags?: Record<string, string>; enabled?: boolean }
  ): [StoredSecret, Version] {
    const key = name.toLowerCase()
    const now = Date.now()
    const s = this.secrets.get(key) ?? { name, versions: [] }
    const v: Version = {
      id: randomUUID().replaceAll('-', ''),
      value: input.value,
      enabled: input.enabled ?? true,
      created: now,
      updated: now
    }
    if (input.contentType !== undefined) v.contentType = input.contentType
    if (input.tags !== undefined) v.tags = input.tags
    s.versions.push(v)
    this.secrets.set(key, s)
    return [s, v]
  }

  private set(res: ServerResponse, name: string, body: Record<string, unknown>): void {
    this.check(name, 'set')
    this.op('set')
    if (this.deleted.has(name.toLowerCase()))
      throw new HttpError(
        409,
        'Conflict',
        `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        'ObjectIsDeletedButRecoverable'
      )
    if (typeof body.value !== 'string')
      throw new HttpError(400, 'BadParameter', 'Property value is required.')
    const max = this.options.maxValueBytes ?? 25 * 1024
    if (Buffer.byteLength(body.value, 'utf8') > max)
      throw new HttpError(
        400,
        'BadParameter',
        `The secret value exceeds the maximum size of ${max} bytes.`
      )
    const tags = body.tags as Record<string, string> | undefined
    if (tags && Object.keys(tags).length > 15)
      throw new HttpError(400, 'BadParameter', 'A secret may have at most 15 tags.')
    const attrs = (body.attributes ?? {}) as { enabled?: boolean }
    const [s, v] = this.putVersion(name, {
      value: body.value,
      ...(typeof body.contentType === 'string' ? { contentType: body.contentType } : {}),
      ...(tags ? { tags } : {}),
      ...(attrs.enabled === undefined ? {} : { enabled: attrs.enabled })
    })
    this.send(res, 200, this.bundle(s, v))
  }

  private update(
    res: ServerResponse,
    name: string,
    version: string,
    body: Record<string, unknown>
  ): void {
    this.check(name, 'update')
    this.op('update')
    const s = this.secrets.get(name.toLowerCase())
    const v = s && (version ? s.versions.find((x) => x.id === version) : s.versions.at(-1))
    if (!s || !v) throw this.notFound(name)
    const attrs = (body.attributes ?? {}) as { enabled?: boolean }
    if (attrs.enabled !== undefined) v.enabled = attrs.enabled
    if (body.tags !== undefined) v.tags = body.tags as Record<string, string>
    if (typeof body.contentType === 'string') v.contentType = body.contentType
    v.updated = Date.now()
    const { value: _value, ...rest } = this.bundle(s, v)
    void _value
    this.send(res, 200, rest)
  }

  private remove(res: ServerResponse, name: string): void {
    this.check(name, 'delete')
    this.op('delete')
    const key = name.toLowerCase()
    const s = this.secrets.get(key)
    if (!s) throw this.notFound(name)
    this.secrets.delete(key)
    const now = Date.now()
    const d: DeletedSecret = {
      ...s,
      deletedDate: now,
      scheduledPurgeDate: now + (this.options.retentionDays ?? 90) * 86_400_000
    }
    if (this.options.softDelete ?? true) {
      this.deleted.set(key, d)
      return this.send(res, 200, this.deletedBundle(d))
    }
    const { recoveryId: _r, scheduledPurgeDate: _p, ...bundle } = this.deletedBundle(d)
    void _r
    void _p
    this.send(res, 200, bundle)
  }

  private getDeleted(res: ServerResponse, name: string): void {
    this.check(name, 'get-deleted')
    this.op('get-deleted')
    const d = this.deleted.get(name.toLowerCase())
    const deleting = d !== undefined && Date.now() - d.deletedDate < (this.options.deletingMs ?? 0)
    if (!d || deleting)
      throw new HttpError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`)
    this.send(res, 200, this.deletedBundle(d))
  }

  private purge(res: ServerResponse, name: string): void {
    this.check(name, 'purge')
    this.op('purge')
    const key = name.toLowerCase()
    if (!this.deleted.has(key))
      throw new HttpError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`)
    if (this.options.purgeProtection)
      throw new HttpError(
        403,
        'Forbidden',
        `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`,
        'ForbiddenByPolicy'
      )
    this.deleted.delete(key)
    res.writeHead(204).end()
  }

  private recover(res: ServerResponse, name: string): void {
    this.check(name, 'recover')
    this.op('recover')
    const key = name.toLowerCase()
    const d = this.deleted.get(key)
    if (!d) throw new HttpError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`)
    this.deleted.delete(key)
    const s: StoredSecret = { name: d.name, versions: d.versions }
    this.secrets.set(key, s)
    const { value: _value, ...rest } = this.bundle(s, s.versions.at(-1)!)
    void _value
    this.send(res, 200, rest)
  }

  private list(res: ServerResponse, url: URL, op: 'list' | 'list-deleted'): void {
    const max = this.options.maxPageSize ?? 25
    const asked = url.searchParams.get('maxresults')
    const size = asked === null ? max : Number(asked)
    if (!Number.isInteger(size) || size < 1 || size > max)
      throw new HttpError(
        400,
        'BadParameter',
        `invalid maxresults value ${asked}: it must be between 1 and ${max}.`
      )
    if (this.denied('', op))
      throw new HttpError(
        403,
        'Forbidden',
        `The user, group or application does not have secrets ${op === 'list' ? 'list' : 'list'} permission on key vault 'emulator'.`,
        'AccessDenied'
      )
    this.op(op)
    const source = op === 'list' ? this.secrets : this.deleted
    const keys = [...source.keys()].sort()
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0')
    const page = keys.slice(skip, skip + size)
    const value = page.map((key) => {
      const s = source.get(key)!
      if (op === 'list-deleted') {
        const { value: _v, ...rest } = this.deletedBundle(s as DeletedSecret)
        void _v
        return { ...rest, id: `${this.vaultUrl}/secrets/${s.name}` }
      }
      const v = s.versions.at(-1)!
      return {
        id: `${this.vaultUrl}/secrets/${s.name}`,
        attributes: this.attributes(v),
        ...(v.tags === undefined ? {} : { tags: v.tags }),
        ...(v.contentType === undefined ? {} : { contentType: v.contentType })
      }
    })
    const next = skip + size < keys.length
    const nextLink = next
      ? `${this.vaultUrl}/${op === 'list' ? 'secrets' : 'deletedsecrets'}?api-version=${url.searchParams.get('api-version')}&$skiptoken=${skip + size}&maxresults=${size}`
      : null
    this.send(res, 200, { value, nextLink })
  }
}

/** Starts an emulator (call `stop()` in `afterAll`). */
export function startAzureKeyVaultEmulator(
  options: AzureKeyVaultEmulatorOptions = {}
): Promise<AzureKeyVaultEmulator> {
  return new AzureKeyVaultEmulator(options).start()
}
