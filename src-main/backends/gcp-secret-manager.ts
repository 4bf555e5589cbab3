/**
 * Google Cloud Secret Manager as Airflow's `CloudSecretManagerBackend` reads it (reference
 * §12.5), through the official @google-cloud/secret-manager client (gRPC).
 *
 * Names come from core/airflow-secrets/gcp-secret-manager.ts: `prefix + sep + id`, nothing
 * replaced, in the project of `project_id`. A read is `AccessSecretVersion` of `latest`,
 * decoded as UTF-8; as in Airflow, NotFound, PermissionDenied and InvalidArgument mean "not
 * found" (an id the service cannot hold is answered without asking), while a latest version
 * that is disabled or destroyed (FAILED_PRECONDITION) is an error. Airlock's own listing,
 * loading and writing report permission problems as typed errors instead.
 *
 * Secrets hold versions: `write` adds a version (creating the secret first, with the
 * replication policy of the options and annotations naming the kind and id, when it does not
 * exist) and, with `disableOlderVersions`, disables the versions it replaced. Connections are
 * written as their URI when it reads back losslessly for the target dialect, else as
 * connection JSON; variables verbatim. Payloads carry a CRC32C checksum both ways.
 * Variable descriptions are not stored (Airflow reads only the value). A ref with a team reads
 * and writes the team-scoped id only (Airflow itself then falls back to the global id).
 */
import { mapLimit } from '../core/concurrency'
import {
  InterceptingCall,
  type InterceptingListener,
  type Metadata,
  type Interceptor,
  type NextCall,
  type StatusObject
} from '@grpc/grpc-js'
import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type * as SecretManager from '@google-cloud/secret-manager'
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager'
import type * as Gax from 'google-gax'
import type { CallOptions, ClientOptions } from 'google-gax'
import type { ErrorCode } from '../contract/errors'
import { encodeText } from '../core/airflow-secrets/types'
import { AirlockError } from '../core/errors'
import { parseJson } from '../core/json-parse'
import type { Dialect, Entry } from '../core/model'
import {
  gcpBuildPath,
  gcpLookup,
  gcpPrefixOf,
  gcpReadSecretId,
  gcpSecretIdProblem,
  gcpVersionPath,
  parseGcpSecretManagerKwargs,
  type GcpSecretManagerNaming
} from '../core/airflow-secrets/gcp-secret-manager'
import { idOf, type Backend, type EntryKind, type EntryRef, type Scope } from './backend'
import {
  firstLookupTarget,
  isAbortError,
  mapListedNames,
  MARK_ID,
  MARK_KIND,
  MARK_TEAM,
  markedByOther,
  marksOf,
  preflightTargets,
  probeCredentials,
  type CredentialProbe,
  removalTargets,
  type AmbiguousListed,
  type ListedSecret,
  type PayloadRules,
  type PlannedWrite,
  type RemoteNaming,
  type RemotePreflightProblem,
  type RemoteStoreOptions,
  type RemoteTarget,
  type TargetCheck,
  type RemoteWording,
  RemoteStoreBackend
} from './remote-store'
import { entryFromSecretValue } from './secret-value'
import { AdaptivePacer, type PaceOutcome } from './pacer'
import type { ServiceProfile } from '../core/providers'

/** Secret Manager's largest payload, in bytes (64 KiB). */
export const GCP_MAX_PAYLOAD_BYTES = 64 * 1024

/** What a call's gRPC status says about load, for the pacer. */
export function gcpPaceOutcome(code: number, details = ''): PaceOutcome {
  if (code === 0) return { kind: 'ok' } // OK
  if (code === Status.RESOURCE_EXHAUSTED)
    return LOCAL_SIZE_REFUSAL.test(details) ? { kind: 'other' } : { kind: 'throttled' }
  if (code === Status.UNAVAILABLE || code === Status.DEADLINE_EXCEEDED || code === Status.CANCELLED)
    return { kind: 'overloaded' }
  return { kind: 'other' }
}

/**
 * grpc-js's own RESOURCE_EXHAUSTED for a message over its size limits (compression-filter:
 * "Received message larger than max", "… decompresses to a size larger than", "Attempted to send
 * message with a size larger than"):
 * not the service's quota, so neither a throttle to pace by nor one to send again.
 */
const LOCAL_SIZE_REFUSAL = /message larger than max|size larger than/i

/** When a call's deadline falls (ms since the epoch), Infinity without one. */
function deadlineOf(deadline: Date | number | undefined): number {
  if (deadline instanceof Date) return deadline.getTime()
  return typeof deadline === 'number' ? deadline : Infinity
}

/**
 * Attempts of one call throttled (RESOURCE_EXHAUSTED) that `pacingInterceptor` sends itself
 * before the answer goes to gax, whose own retry then waits a second or more.
 */
export const GCP_THROTTLED_ATTEMPTS = 8

/**
 * A grpc-js client interceptor that makes each attempt wait for a slot of `pacer` before it
 * starts, and hands the slot back with the call's status. An attempt refused by the quota
 * (RESOURCE_EXHAUSTED) is sent again from here, after the pacer's short backoff and at its
 * pace, up to `throttledAttempts` in all: gax's retry would first wait full jitter over a
 * second (then two, four, …) outside the pacer, and with every call in flight throttled at
 * once the quota went unused meanwhile. The last refusal goes to gax as it came. Unary calls
 * only (Secret Manager's are): an attempt's answer is held until its status says whether it
 * is the one to deliver.
 */
export function pacingInterceptor(
  pacer: AdaptivePacer,
  throttledAttempts = GCP_THROTTLED_ATTEMPTS
): Interceptor {
  return (options, nextCall) => {
    let message: unknown
    let cancelled = false
    let retry: ReturnType<NextCall> | undefined
    /** The caller's listener and metadata, once started. */
    let caller: { listener: InterceptingListener; metadata: Metadata } | undefined
    /** No attempt on the wire: waiting for a slot, or backing off after a throttle. */
    let between = false
    /** The caller has its status. */
    let answered = false
    const answer = (answers: unknown[], status: StatusObject) => {
      if (answered) return
      answered = true
      deliver(caller!.listener, answers, status)
    }
    return new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        caller = { listener, metadata }
        const resend = metadata.clone()
        let metadataSeen = false
        const attempt = (n: number, begin: (attemptListener: InterceptingListener) => void) => {
          between = true
          pacer.acquire().then(
            (ticket) => {
              between = false
              // cancelled while it waited: answered then (below), nothing to send
              if (cancelled) {
                pacer.release(ticket, { kind: 'other' })
                return answer([], cancelledStatus(metadata))
              }
              let released = false
              const answers: unknown[] = []
              begin({
                onReceiveMetadata(md) {
                  if (!metadataSeen) listener.onReceiveMetadata(md)
                  metadataSeen = true
                },
                onReceiveMessage(m) {
                  answers.push(m)
                },
                onReceiveStatus(status) {
                  if (released) return
                  released = true
                  // a call the caller cancelled (its abort) says nothing about load
                  const outcome: PaceOutcome = cancelled
                    ? { kind: 'other' }
                    : gcpPaceOutcome(status.code, status.details)
                  pacer.release(ticket, outcome)
                  // Not sent again when the call's deadline would pass in the backoff (the
                  // resend would fail at once, and count as overload): gax has the answer.
                  const backoffMs = Math.min(1000, 25 * 2 ** (n - 1))
                  const inTime = deadlineOf(options.deadline) - Date.now() > backoffMs + 50
                  if (
                    outcome.kind === 'throttled' &&
                    n < throttledAttempts &&
                    !cancelled &&
                    inTime
                  ) {
                    between = true
                    void pacer.throttleBackoff(n - 1).then(() => {
                      if (cancelled) return answer([], cancelledStatus(status.metadata))
                      attempt(n + 1, (l) => {
                        retry = nextCall(options)
                        retry.start(resend.clone(), l)
                        retry.sendMessage(message)
                        retry.halfClose()
                      })
                    })
                  } else answer(answers, status)
                }
              })
            },
            // acquire rejects only on an abort, which no signal here can raise; were it to, a
            // first attempt goes unpaced and a later one is not started again
            () => {
              between = false
              if (n === 1 && !cancelled) next(metadata, listener)
              else answer([], cancelledStatus(metadata))
            }
          )
        }
        attempt(1, (l) => next(metadata, l))
      },
      sendMessage(m, next) {
        message = m
        next(m)
      },
      cancel(next) {
        cancelled = true
        retry?.cancelWithStatus(Status.CANCELLED, 'Cancelled on client')
        next()
        // No attempt on the wire to end with CANCELLED (one cancelled before it started
        // never answers): the caller hears it now, not when a slot comes.
        if (between && caller) answer([], cancelledStatus(caller.metadata))
      }
    })
  }
}

/**
 * Throws the signal's reason when it is aborted: gax ends a call its signal cancelled with a
 * CANCELLED status, which the other stores' callers know as the abort error.
 */
function abortedBy(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason
}

function deliver(listener: InterceptingListener, answers: unknown[], status: StatusObject): void {
  for (const answer of answers) listener.onReceiveMessage(answer)
  listener.onReceiveStatus(status)
}

function cancelledStatus(metadata: Metadata): StatusObject {
  return { code: Status.CANCELLED, details: 'Cancelled on client', metadata }
}

/** The service's largest list page. */
export const GCP_MAX_PAGE_SIZE = 25_000

/** Annotations on secrets Airlock creates: they make listing exact (remote-store.ts's marks). */
export const GCP_ANNOTATION_KIND = MARK_KIND
export const GCP_ANNOTATION_ID = MARK_ID
export const GCP_ANNOTATION_TEAM = MARK_TEAM

/** gRPC status codes the backend branches on. */
const Status = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16
} as const

/** How calls are retried (every call, on RESOURCE_EXHAUSTED, UNAVAILABLE and DEADLINE_EXCEEDED). */
export interface GcpRetryOptions {
  /** Default 1 000 ms. */
  initialDelayMs?: number
  /** Default 2. */
  multiplier?: number
  /** Default 32 000 ms. */
  maxDelayMs?: number
  /** Give up after this long; default 120 000 ms (ignored when `maxRetries` is set). */
  totalTimeoutMs?: number
  /** Give up after this many retries instead of after a time. */
  maxRetries?: number
}

/** Where secrets Airlock creates are replicated. */
export type GcpReplication = { automatic: true } | { locations: readonly string[] }

/**
 * Options of the GCP Secret Manager backend.
 *
 * @example
 * const sm = new GcpSecretManagerBackend({
 *   backendKwargs: {
 *     project_id: 'my-project',
 *     connections_prefix: 'airflow-connections',
 *     sep: '-',
 *     gcp_key_path: '/secrets/sa.json'
 *   },
 *   replication: { locations: ['europe-west1'] },
 *   disableOlderVersions: true
 * })
 * await sm.read({ kind: 'connection', id: 'my_db' }) // airflow-connections-my_db, version latest
 * // { "variables_prefix": null } in backendKwargs turns variables off, as in Airflow.
 */
export interface GcpSecretManagerOptions extends RemoteStoreOptions {
  /** Default `gcp-secret-manager:<project>`. */
  id?: string
  /**
   * `[secrets] backend_kwargs` of `CloudSecretManagerBackend`: `connections_prefix`,
   * `variables_prefix`, `config_prefix` (null = off), `sep`, `project_id`, and the
   * credentials Airflow reads (`gcp_keyfile_dict`, `gcp_key_path`, `gcp_scopes`).
   */
  backendKwargs?: Readonly<Record<string, unknown>>
  /** The project of the credentials, used when `project_id` is not in the kwargs. */
  projectId?: string
  /** `[core] multi_team` of the Airflow reading the secrets; default false. */
  multiTeam?: boolean
  /** Options of `SecretManagerServiceClient` (endpoint, `sslCreds`, `authClient`, `credentials`, …). */
  clientOptions?: ClientOptions
  /** Replication of secrets Airlock creates; default automatic. */
  replication?: GcpReplication
  /** Labels on secrets Airlock creates (lower-case keys and values). */
  labels?: Readonly<Record<string, string>>
  /** After adding a version, disable the older enabled versions (they stay recoverable). */
  disableOlderVersions?: boolean
  /** `page_size` of ListSecrets; default 25 000 (the service caps it there). */
  pageSize?: number
  retry?: GcpRetryOptions
}

/** What a pre-flight check looked at. */
export type GcpPreflightCheck = TargetCheck | 'latest-version' | 'credentials'

/** One thing that would stop or spoil a write; `ref` is null for project-wide problems. */
export type GcpPreflightProblem = RemotePreflightProblem<GcpPreflightCheck>

/** A listed secret whose entry id cannot be told from its name. */
export interface GcpAmbiguousName {
  secretId: string
  kind: EntryKind
  id: string
  reason: 'team-scoped'
}

/** The outcome of listing. */
export interface GcpListing {
  refs: EntryRef[]
  ambiguous: GcpAmbiguousName[]
}

interface GrpcLikeError {
  code?: number
  details?: string
  name?: string
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC32C (Castagnoli), the checksum Secret Manager uses for payloads. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff
  for (const b of data) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

// ignoreBOM: a leading BOM stays a U+FEFF character, as the provider's
// `payload.data.decode("UTF-8")` keeps it
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function codeOf(error: unknown): number | undefined {
  const c = (error as GrpcLikeError | null)?.code
  return typeof c === 'number' ? c : undefined
}

/** The secret id of a resource name `projects/<p>/secrets/<id>[/versions/<v>]`. */
function secretIdOf(name: string): string {
  const m = /\/secrets\/([^/]+)/.exec(name)
  return m ? m[1]! : name
}

/** A key of the kwargs: a file (`gcp_key_path`) or JSON (`gcp_keyfile_dict`). */
type GcpKey = { file: string } | { json: Record<string, unknown> }

/** Client options that carry credentials of their own: then the kwargs' key is not used. */
const GIVEN_CREDENTIALS = ['auth', 'authClient', 'credentials', 'keyFilename', 'keyFile', 'apiKey']

/** `gcp_scopes` (comma-separated) as client options. */
function scopesOf(kwargs: Readonly<Record<string, unknown>>): ClientOptions {
  return typeof kwargs.gcp_scopes === 'string'
    ? { scopes: kwargs.gcp_scopes.split(',').map((s) => s.trim()) }
    : {}
}

let quieted = 0
let emitWarning: typeof process.emitWarning | undefined

/**
 * Runs `fn` (Application Default Credentials being looked for) without the
 * `MetadataLookupWarning` gcp-metadata emits (process.emitWarning, printed on stderr) when its
 * probe of the GCE metadata server meets an error it did not expect (a proxy's 403, say):
 * where there is no metadata server the outcome is our own "no Application Default
 * Credentials" error, and where there is one the probe succeeds and ADC work as before. Only
 * that warning type, only while ADC are looked for (the probe's answer is then cached).
 */
async function withoutMetadataLookupWarning<T>(fn: () => Promise<T>): Promise<T> {
  if (quieted++ === 0) {
    const original = process.emitWarning
    emitWarning = original
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown })?.type
      const name = typeof warning === 'string' ? type : (warning.name ?? type)
      if (name === 'MetadataLookupWarning') return
      return (original as (...args: unknown[]) => void).call(process, warning, ...rest)
    }) as typeof process.emitWarning
  }
  try {
    return await fn()
  } finally {
    if (--quieted === 0 && emitWarning) {
      process.emitWarning = emitWarning
      emitWarning = undefined
    }
  }
}

/** GCP Secret Manager, named and read as Airflow's provider does. */
export class GcpSecretManagerBackend
  extends RemoteStoreBackend<Buffer, GcpListing>
  implements Backend
{
  readonly kind = 'gcp-secret-manager' as const
  readonly id: string
  readonly naming: GcpSecretManagerNaming
  private readonly clientOptions: ClientOptions
  /** The key of the kwargs, made into credentials on first use; none for ADC. */
  private readonly key: GcpKey | undefined
  /**
   * The SDK client, made on first use: loading the SDK (gRPC, google-gax) takes a few hundred
   * ms, which every CLI process paid, whatever stores it named.
   */
  private client: Promise<SecretManagerServiceClient> | undefined
  protected readonly dialect: Dialect
  protected readonly concurrency: number
  private readonly options: GcpSecretManagerOptions
  private readonly callOptions: CallOptions
  /** Paces every attempt of this backend, gax's retries included (adaptive; see pacer.ts). */
  readonly pacer: AdaptivePacer
  /** Secret Manager's naming as the remote-store skeleton reads it. */
  protected readonly names: RemoteNaming = {
    targetOf: (ref) => this.secretIdOf(ref),
    nameKey: (name) => name,
    readName: (name) =>
      gcpReadSecretId(this.naming, name).map((r) => ({
        kind: r.kind,
        ids: [r.id],
        teamScoped: r.teamScoped
      }))
  }
  protected readonly wording: RemoteWording = {
    service: 'Secret Manager',
    rejectedWrite: (label, name, problem) =>
      `${label} maps to the secret id ${JSON.stringify(name)}, which Secret Manager rejects: ${problem} (Airflow would never find it). Nothing was written; rename the id.`,
    rejectedName: (label, name, problem) =>
      `${label} maps to ${name}, which Secret Manager rejects: ${problem}. Airflow logs InvalidArgument and never finds it; rename the id.`,
    collidingWrite: (label, other, name) =>
      `${label} and ${other} both map to the secret ${name}. Nothing was written; rename one of them.`,
    collidingName: (label, other, name) => `${label} and ${other} both map to ${name}. Rename one.`
  }
  protected readonly payload: PayloadRules<Buffer> = {
    encode: (entry) => Buffer.from(encodeText(entry, this.dialect), 'utf8'),
    sizeOf: (data) => data.length,
    maxBytes: GCP_MAX_PAYLOAD_BYTES
  }

  constructor(options: GcpSecretManagerOptions = {}) {
    super()
    this.options = options
    const kwargs = options.backendKwargs ?? {}
    const given = options.clientOptions ?? {}
    // credentials in the client options are taken as they are; else the kwargs' key, if any
    this.key = GIVEN_CREDENTIALS.some((k) => given[k as keyof ClientOptions] !== undefined)
      ? undefined
      : this.keyOf(kwargs)
    const clientOptions: ClientOptions = { ...scopesOf(kwargs), ...given }
    this.naming = parseGcpSecretManagerKwargs(kwargs, {
      credentialsProjectId: options.projectId ?? this.keyfileProject(kwargs),
      multiTeam: options.multiTeam ?? false
    })
    this.id = options.id ?? `gcp-secret-manager:${this.naming.projectId}`
    this.dialect = options.dialect ?? 'airflow3'
    this.concurrency = options.concurrency ?? 8
    this.clientOptions = clientOptions
    const r = options.retry ?? {}
    this.pacer = new AdaptivePacer({ maxConcurrency: this.concurrency, backendId: this.id })
    this.callOptions = {
      // Every attempt gax sends, its retries of RESOURCE_EXHAUSTED included, takes a slot of
      // the pacer and tells it what came back (grpc-js call options reach the stub).
      otherArgs: { options: { interceptors: [pacingInterceptor(this.pacer)] } },
      retry: {
        // CANCELLED too: when a connection drops, grpc-js fails the other calls in flight on
        // it with CANCELLED rather than UNAVAILABLE (we never cancel a call ourselves but
        // through the abort signal, which stops the retries).
        retryCodes: [
          Status.RESOURCE_EXHAUSTED,
          Status.UNAVAILABLE,
          Status.DEADLINE_EXCEEDED,
          Status.CANCELLED
        ],
        backoffSettings: {
          initialRetryDelayMillis: r.initialDelayMs ?? 1000,
          retryDelayMultiplier: r.multiplier ?? 2,
          maxRetryDelayMillis: r.maxDelayMs ?? 32_000,
          initialRpcTimeoutMillis: 60_000,
          rpcTimeoutMultiplier: 1,
          maxRpcTimeoutMillis: 60_000,
          ...(r.maxRetries === undefined
            ? { totalTimeoutMillis: r.totalTimeoutMs ?? 120_000 }
            : { maxRetries: r.maxRetries })
        }
      }
    }
  }

  /** The key the kwargs give (`gcp_keyfile_dict` first, as in Airflow), none for ADC. */
  private keyOf(kwargs: Readonly<Record<string, unknown>>): GcpKey | undefined {
    const dict = this.keyfileDict(kwargs)
    if (dict) return { json: dict }
    if (typeof kwargs.gcp_key_path === 'string') return { file: kwargs.gcp_key_path }
    return undefined
  }

  private keyfileDict(
    kwargs: Readonly<Record<string, unknown>>
  ): Record<string, unknown> | undefined {
    const raw = kwargs.gcp_keyfile_dict
    if (raw && typeof raw === 'object') return raw as Record<string, unknown>
    if (typeof raw === 'string' && raw.trim())
      try {
        return parseJson(raw) as Record<string, unknown>
      } catch {
        throw new AirlockError('usage', 'GCP Secret Manager: "gcp_keyfile_dict" is not JSON.')
      }
    return undefined
  }

  private keyfileProject(kwargs: Readonly<Record<string, unknown>>): string | undefined {
    const dict = this.keyfileDict(kwargs)
    if (dict) return typeof dict.project_id === 'string' ? dict.project_id : undefined
    if (typeof kwargs.gcp_key_path !== 'string' || typeof kwargs.project_id === 'string')
      return undefined
    try {
      const file = JSON.parse(readFileSync(kwargs.gcp_key_path, 'utf8')) as { project_id?: unknown }
      return typeof file.project_id === 'string' ? file.project_id : undefined
    } catch {
      return undefined
    }
  }

  private call(signal?: AbortSignal): CallOptions {
    return signal ? { ...this.callOptions, signal } : this.callOptions
  }

  private get parent(): string {
    return `projects/${this.naming.projectId}`
  }

  private secretPath(secretId: string): string {
    return `${this.parent}/secrets/${secretId}`
  }

  private sdk(): Promise<SecretManagerServiceClient> {
    // required on first use (a CommonJS package), as keytar and yaml are: the CLI's bundle is
    // run as a script, where `import()` needs Node's experimental vm loader (and its warning)
    this.client ??= Promise.resolve()
      .then(async () => {
        const load = createRequire(import.meta.url)
        const { SecretManagerServiceClient: Client } = load(
          '@google-cloud/secret-manager'
        ) as typeof SecretManager
        // A key is read and made into its auth client here: given to google-auth as
        // `keyFilename` or `credentials`, it prints a deprecation warning on stderr. The
        // client's class is the one of the SDK's own google-gax: its GoogleAuth tells a JWT
        // by `instanceof` (to give it the service's default scopes and audience).
        const auth = this.key
          ? (
              createRequire(load.resolve('@google-cloud/secret-manager'))(
                'google-gax'
              ) as typeof Gax
            ).googleAuthLibrary
          : undefined
        const key = this.key && auth && (await this.keyCredentials(this.key, auth))
        const client = new Client({ ...this.clientOptions, ...key })
        // the credentials first: gax loads them when its stub is made, and a failure there
        // rejects a promise per method, each unhandled but the first (the process died with
        // google-auth's stack where no credentials exist)
        const credentials = async () => {
          await client.auth.getClient()
          return client.auth.getUniverseDomain()
        }
        let universe: string
        try {
          universe = await (key ? credentials() : withoutMetadataLookupWarning(credentials))
        } catch (error) {
          await client.close().catch(() => undefined)
          throw this.credentialsFailure(error)
        }
        // gax's own check of this, when its stub is made, threw out of reach (an internal
        // error and google-gax's stack)
        const configured = this.clientOptions.universeDomain || 'googleapis.com'
        if (universe && universe !== configured) {
          await client.close().catch(() => undefined)
          throw this.cannotAuthenticate(
            `the credentials are for the universe domain ${universe}, not ${configured}`
          )
        }
        return client
      })
      .catch((error: unknown) => {
        this.client = undefined // a later call tries again
        throw error
      })
    return this.client
  }

  /**
   * Why no credentials could be loaded, told without the library's message (a key file's
   * parse error can quote the key).
   */
  private credentialsFailure(error: unknown): AirlockError {
    const e = error as { code?: unknown; message?: unknown }
    const reason =
      typeof e.message === 'string' &&
      e.message.startsWith('Could not load the default credentials')
        ? 'no Application Default Credentials were found (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login, or a metadata server)'
        : e.code === 'ENOENT'
          ? 'the key file does not exist'
          : e.code === 'EACCES'
            ? 'the key file cannot be read (permission denied)'
            : 'the credentials given could not be loaded (check the key file or key JSON)'
    return this.cannotAuthenticate(reason, error)
  }

  private cannotAuthenticate(reason: string, cause?: unknown): AirlockError {
    return new AirlockError(
      'backend.auth',
      `${this.id}: cannot authenticate: ${reason}. Give the profile a service account key or key file, or run where Application Default Credentials exist.`,
      cause === undefined ? undefined : { cause }
    )
  }

  /**
   * The client options that authenticate with `key`: a service account key (or a gcloud user
   * key, `authorized_user`) as the auth client google-auth would make of it, checked first;
   * another kind of credential configuration as `credentials`, for google-auth to make (it
   * warns about those itself). A problem names the file or kwarg and what is wrong, never
   * the content (a parse error could quote the key).
   */
  private async keyCredentials(
    key: GcpKey,
    { JWT, UserRefreshClient }: typeof Gax.googleAuthLibrary
  ): Promise<ClientOptions> {
    const where = 'file' in key ? `(gcp_key_path ${key.file})` : '(gcp_keyfile_dict)'
    const what = 'file' in key ? 'the key file' : 'the key JSON'
    const problem = (reason: string, cause?: unknown) =>
      this.cannotAuthenticate(`${reason} ${where}`, cause)
    let json: unknown
    if ('json' in key) json = key.json
    else {
      let text: string
      try {
        text = await readFile(key.file, 'utf8')
      } catch (error) {
        const code = (error as { code?: unknown }).code
        throw problem(
          code === 'ENOENT'
            ? 'the key file does not exist'
            : code === 'EACCES'
              ? 'the key file cannot be read (permission denied)'
              : code === 'EISDIR'
                ? 'the key file is a directory'
                : `the key file cannot be read (${typeof code === 'string' ? code : 'error'})`,
          error
        )
      }
      try {
        json = parseJson(text)
      } catch {
        throw problem('the key file is not JSON')
      }
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw problem(`${what} is not a JSON object`)
    const k = json as Record<string, unknown>
    const missing = (fields: readonly string[]) =>
      fields.filter((f) => typeof k[f] !== 'string' || k[f] === '')
    if (k.type === 'authorized_user') {
      const absent = missing(['client_id', 'client_secret', 'refresh_token'])
      if (absent.length) throw problem(`${what} is a user key without ${absent.join(', ')}`)
      const client = new UserRefreshClient()
      client.fromJSON(k)
      return { authClient: client }
    }
    if (k.type !== undefined && k.type !== 'service_account')
      return { credentials: k as ClientOptions['credentials'] }
    const absent = missing(['client_email', 'private_key'])
    if (absent.length)
      throw problem(`${what} is not a service account key: it has no ${absent.join(', ')}`)
    try {
      createPrivateKey(k.private_key as string)
    } catch {
      throw problem(`the private_key of ${what} is not a PEM private key`)
    }
    const client = new JWT({ scopes: this.clientOptions.scopes })
    client.fromJSON(k)
    return { authClient: client }
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined)
    await client?.close()
  }

  // --- names ---------------------------------------------------------------------------

  /**
   * The secret a ref is read from and written to (team-scoped for a team ref), or why there
   * is none: its prefix is null, or Airflow refuses the id.
   */
  secretIdOf(ref: EntryRef): RemoteTarget {
    return firstLookupTarget(gcpLookup(this.naming, ref.kind, ref.id, ref.team), (s) => s.secretId)
  }

  // --- errors --------------------------------------------------------------------------

  /** Secret Manager's failures: gRPC status to an error code and a hint. */
  protected serviceFailure(error: unknown, operation: string, what: string): AirlockError {
    const code = codeOf(error)
    const where = `${this.id}: ${operation}${what ? ` ${what}` : ''}`
    let type: ErrorCode = 'backend.unreachable'
    let hint = 'check the endpoint and the network, then retry.'
    let label = code === undefined ? '' : `gRPC ${code}`
    switch (code) {
      case Status.UNAUTHENTICATED:
        type = 'backend.auth'
        hint = 'the credentials were refused; check the service account key or token.'
        label = 'UNAUTHENTICATED'
        break
      case Status.PERMISSION_DENIED:
        type = 'backend.access-denied'
        hint =
          'grant the identity the Secret Manager role this needs (e.g. roles/secretmanager.admin, or secretAccessor for reads).'
        label = 'PERMISSION_DENIED'
        break
      case Status.NOT_FOUND:
        type = 'backend.not-found'
        hint = 'it does not exist (or the project is wrong).'
        label = 'NOT_FOUND'
        break
      case Status.INVALID_ARGUMENT:
        type = 'codec.invalid'
        hint = 'the service rejected the request (secret id, payload size or labels).'
        label = 'INVALID_ARGUMENT'
        break
      case Status.FAILED_PRECONDITION:
        type = 'backend.access-denied'
        hint =
          'the latest version is disabled or destroyed, so Airflow fails reading it too; enable it or add a new version.'
        label = 'FAILED_PRECONDITION'
        break
      case Status.RESOURCE_EXHAUSTED:
        hint = 'the quota kept being exceeded; retry later or lower the concurrency.'
        label = 'RESOURCE_EXHAUSTED'
        break
      case Status.UNAVAILABLE:
        hint = 'the service kept being unavailable; retry later.'
        label = 'UNAVAILABLE'
        break
      case Status.DEADLINE_EXCEEDED:
        hint = 'the call timed out; retry later.'
        label = 'DEADLINE_EXCEEDED'
        break
    }
    return new AirlockError(type, `${where} failed${label ? ` (${label})` : ''}: ${hint}`, {
      cause: error
    })
  }

  // --- reading -------------------------------------------------------------------------

  /** Airflow's read: NotFound, PermissionDenied and InvalidArgument are "not found". */
  async read(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined> {
    const target = this.secretIdOf(ref)
    if ('skip' in target || target.problem !== undefined) return undefined
    const value = await this.access(target.name, ref, signal, 'airflow')
    return value === undefined ? undefined : this.toEntry(ref, target.name, value)
  }

  /**
   * The latest payload as text. `airflow` mode answers undefined where Airflow reads "not
   * found"; `strict` mode (Airlock's own loading) only for NOT_FOUND.
   */
  private async access(
    secretId: string,
    ref: EntryRef,
    signal: AbortSignal | undefined,
    mode: 'airflow' | 'strict'
  ): Promise<string | undefined> {
    const what = `${ref.kind} ${JSON.stringify(ref.id)}`
    let data: Uint8Array
    let sent: unknown
    try {
      const [response] = await (
        await this.sdk()
      ).accessSecretVersion(
        { name: gcpVersionPath(this.naming.projectId, secretId) },
        this.call(signal)
      )
      const raw = response.payload?.data ?? new Uint8Array()
      data = typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw
      sent = response.payload?.dataCrc32c
    } catch (error) {
      abortedBy(signal)
      const code = codeOf(error)
      if (
        code === Status.NOT_FOUND ||
        (mode === 'airflow' &&
          (code === Status.PERMISSION_DENIED || code === Status.INVALID_ARGUMENT))
      )
        return undefined
      this.fail(error, `read ${what}`, `(secret ${secretId})`)
    }
    if (sent !== undefined && sent !== null && Number(String(sent)) !== crc32c(data))
      throw new AirlockError(
        'backend.unreachable',
        `${this.id}: read ${what} (secret ${secretId}) failed: the payload checksum does not match (corrupted in transit); retry.`
      )
    try {
      return utf8.decode(data)
    } catch (error) {
      throw new AirlockError(
        'codec.parse',
        `${this.id}: ${what} (secret ${secretId}) is not UTF-8 text; Airflow fails decoding it too.`,
        { cause: error }
      )
    }
  }

  private toEntry(ref: EntryRef, secretId: string, value: string): Entry {
    return entryFromSecretValue(this.id, ref, secretId, value, this.dialect)
  }

  /**
   * Lists every secret of the project (pages of `pageSize`) and maps ids back to entries:
   * by the annotations Airlock writes when they agree with the name, else by the prefixes.
   * In multi-team mode an id part holding `--` is a team-scoped secret whose split cannot be
   * told: it is returned as ambiguous.
   */
  async scan(scope: Scope, signal?: AbortSignal): Promise<GcpListing> {
    const listed: ListedSecret[] = []
    const pageSize = Math.min(this.options.pageSize ?? GCP_MAX_PAGE_SIZE, GCP_MAX_PAGE_SIZE)
    try {
      for await (const secret of (await this.sdk()).listSecretsAsync(
        { parent: this.parent, pageSize },
        { ...this.call(signal), autoPaginate: false }
      ))
        listed.push({ name: secretIdOf(secret.name ?? ''), marks: secret.annotations ?? {} })
    } catch (error) {
      abortedBy(signal)
      this.fail(error, 'list secrets', `(project ${this.naming.projectId})`)
    }
    const mapped = mapListedNames(this.id, this.names, listed, scope)
    return {
      refs: mapped.refs,
      ambiguous: mapped.ambiguous.map(({ name, reading }) => ({
        secretId: name,
        kind: reading.kind as EntryKind,
        id: reading.ids[0]!,
        reason: 'team-scoped'
      }))
    }
  }

  protected ambiguousOf(listing: GcpListing): AmbiguousListed[] {
    return listing.ambiguous.map((a) => ({
      kind: a.kind,
      id: a.id,
      name: a.secretId,
      message: `${this.id}: secret ${a.secretId} is a team-scoped name ("<team>--<id>") in multi-team mode; which "--" splits team and id cannot be told. Not loaded: read it by id and team, or rewrite it with Airlock to annotate it.`
    }))
  }

  /**
   * `load` reads with `AccessSecretVersion` per secret (the API has no batch read),
   * `concurrency` at a time. Unlike `read`, a denied or broken secret is a problem here.
   */
  protected async readListed(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined> {
    const secretId = ref.source!.path
    const value = await this.access(secretId, ref, signal, 'strict')
    return value === undefined ? undefined : this.toEntry(ref, secretId, value)
  }

  // --- writing -------------------------------------------------------------------------

  private replication(): Record<string, unknown> {
    const r = this.options.replication ?? { automatic: true }
    return 'locations' in r
      ? { userManaged: { replicas: r.locations.map((location) => ({ location })) } }
      : { automatic: {} }
  }

  /**
   * Adds a version per entry (creating missing secrets first). Secret Manager has no
   * transactions: every entry is checked first, then written one by one; on a failure the
   * error says how many were written.
   */
  protected async writeOne(
    { entry, name, payload }: PlannedWrite<Buffer>,
    signal?: AbortSignal
  ): Promise<void> {
    const what = `write ${entry.kind} ${JSON.stringify(idOf(entry))}`
    const version = await this.addVersion(entry, name, payload, what, signal)
    if (this.options.disableOlderVersions) await this.disableOlder(name, version, what, signal)
  }

  private async addVersion(
    entry: Entry,
    secretId: string,
    data: Buffer,
    what: string,
    signal?: AbortSignal
  ): Promise<string> {
    const request = {
      parent: this.secretPath(secretId),
      payload: { data, dataCrc32c: crc32c(data) }
    }
    try {
      const [version] = await (await this.sdk()).addSecretVersion(request, this.call(signal))
      return version.name ?? ''
    } catch (error) {
      abortedBy(signal)
      if (codeOf(error) !== Status.NOT_FOUND) this.fail(error, what, `(secret ${secretId})`)
    }
    try {
      await (
        await this.sdk()
      ).createSecret(
        {
          parent: this.parent,
          secretId,
          secret: {
            replication: this.replication(),
            annotations: marksOf(entry),
            ...(this.options.labels ? { labels: { ...this.options.labels } } : {})
          }
        },
        this.call(signal)
      )
    } catch (error) {
      abortedBy(signal)
      // Created meanwhile (a retried create, or another writer): add the version to it.
      if (codeOf(error) !== Status.ALREADY_EXISTS)
        this.fail(error, `${what}: create secret`, `(secret ${secretId})`)
    }
    try {
      const [version] = await (await this.sdk()).addSecretVersion(request, this.call(signal))
      return version.name ?? ''
    } catch (error) {
      abortedBy(signal)
      this.fail(error, what, `(secret ${secretId})`)
    }
  }

  private async disableOlder(
    secretId: string,
    keep: string,
    what: string,
    signal?: AbortSignal
  ): Promise<void> {
    try {
      const older: string[] = []
      for await (const v of (await this.sdk()).listSecretVersionsAsync(
        { parent: this.secretPath(secretId), filter: 'state:ENABLED', pageSize: 1000 },
        { ...this.call(signal), autoPaginate: false }
      ))
        if (v.name && v.name !== keep && v.name.split('/').at(-1) !== keep.split('/').at(-1))
          older.push(v.name)
      for (const name of older)
        await (await this.sdk()).disableSecretVersion({ name }, this.call(signal))
    } catch (error) {
      abortedBy(signal)
      this.fail(error, `${what}: disable older versions`, `(secret ${secretId})`)
    }
  }

  /** Deletes the secrets (with every version; Secret Manager has no soft delete of secrets). */
  async remove(refs: readonly EntryRef[], signal?: AbortSignal): Promise<void> {
    await mapLimit(removalTargets(this.names, refs), this.concurrency, async ({ name, ref }) => {
      try {
        await (await this.sdk()).deleteSecret({ name: this.secretPath(name) }, this.call(signal))
      } catch (error) {
        abortedBy(signal)
        if (codeOf(error) === Status.NOT_FOUND) return
        this.fail(error, `remove ${ref.kind} ${JSON.stringify(ref.id)}`, `(secret ${name})`)
      }
    })
  }

  // --- pre-flight ----------------------------------------------------------------------

  /**
   * Everything that would stop or spoil writing these entries, found without writing:
   * ids the service rejects (Airflow would never find them) or Airflow never reads, ids
   * colliding (in the batch, or with a secret annotated for another id), payloads over
   * 64 KiB, a latest version that is disabled or destroyed (Airflow fails reading it until
   * a new version is added), and whether the credentials may list secrets and add versions
   * under each prefix (probed with AddSecretVersion on a secret that does not exist:
   * NOT_FOUND = allowed, PERMISSION_DENIED = denied; creating secrets cannot be probed
   * without creating one).
   */
  async preflight(entries: readonly Entry[], signal?: AbortSignal): Promise<GcpPreflightProblem[]> {
    const checked = preflightTargets(this.names, this.wording, entries, this.payload)
    const problems: GcpPreflightProblem[] = checked.problems
    const named = checked.named.map(({ ref, name }) => ({ ref, secretId: name }))

    const probe = await probeCredentials(entries, this.credentialProbe(signal))
    problems.push(...probe.problems)
    // Without a listing, every target is asked for its latest version instead.
    const owners = new Map<string, Record<string, string>>()
    if (probe.canList)
      try {
        for await (const secret of (await this.sdk()).listSecretsAsync(
          { parent: this.parent, pageSize: GCP_MAX_PAGE_SIZE },
          { ...this.call(signal), autoPaginate: false }
        ))
          owners.set(secretIdOf(secret.name ?? ''), secret.annotations ?? {})
      } catch (error) {
        abortedBy(signal)
        if (isAbortError(error)) throw error
      }
    const existing = named.filter(({ ref, secretId }) => {
      const a = owners.get(secretId)
      if (a === undefined) return !probe.canList
      const clash = markedByOther(ref, secretId, a, 'writing would replace it')
      if (clash) problems.push(clash)
      return true
    })
    const states = await mapLimit(existing, this.concurrency, async ({ ref, secretId }) => {
      try {
        const [v] = await (
          await this.sdk()
        ).getSecretVersion(
          { name: gcpVersionPath(this.naming.projectId, secretId) },
          this.call(signal)
        )
        return { ref, secretId, state: String(v.state ?? '') }
      } catch (error) {
        abortedBy(signal)
        if (isAbortError(error)) throw error
        return undefined
      }
    })
    for (const s of states)
      if (s && s.state !== 'ENABLED')
        problems.push({
          ref: s.ref,
          target: s.secretId,
          check: 'latest-version',
          severity: 'warning',
          code: 'backend.access-denied',
          message: `${s.ref.kind} ${JSON.stringify(s.ref.id)}: the latest version of ${s.secretId} is ${s.state}, so Airflow fails reading it; writing adds an enabled version and fixes that.`
        })
    return problems
  }

  /** The credential probe: may it list secrets, and add versions under each prefix used? */
  private readonly credentialProbe = (signal?: AbortSignal): CredentialProbe => ({
    listOne: async () => {
      await (
        await this.sdk()
      ).listSecrets(
        { parent: this.parent, pageSize: 1 },
        { ...this.call(signal), autoPaginate: false }
      )
    },
    probeName: (kind, random) => {
      const prefix = gcpPrefixOf(this.naming, kind)
      if (prefix === null) return undefined
      const id = gcpBuildPath(prefix, `airlock-probe-${random}`, this.naming.sep)
      return gcpSecretIdProblem(id) === undefined ? id : undefined
    },
    tryWrite: async (id) => {
      await (
        await this.sdk()
      ).addSecretVersion(
        { parent: this.secretPath(id), payload: { data: Buffer.alloc(0) } },
        this.call(signal)
      )
    },
    isNotFound: (error) => codeOf(error) === Status.NOT_FOUND,
    isAbort: (error) => isAbortError(error) || signal?.aborted === true,
    failure: (error, operation, what) => this.failure(error, operation, what),
    writeVerb: (kind) => `add ${kind} versions`
  })
}

/** A GCP Secret Manager profile as backend options: a service account key, or the default chain. */
export function gcpSecretManagerFromProfile(p: ServiceProfile): GcpSecretManagerBackend {
  const kwargs: Record<string, unknown> = { ...p.backendKwargs }
  if (p.method === 'service-account-key' && p.secrets.serviceAccountKey)
    kwargs.gcp_keyfile_dict = p.secrets.serviceAccountKey
  return new GcpSecretManagerBackend({ id: p.id, backendKwargs: kwargs, dialect: p.dialect })
}
