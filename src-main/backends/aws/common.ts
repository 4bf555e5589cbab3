/**
 * What the two AWS backends (aws-secrets-manager.ts, aws-ssm.ts) share: the SDK client
 * settings and credentials types, the pacer middleware that paces every attempt, the mapping
 * of SDK failures to AirlockErrors (never a value: only the error's name is shown), the
 * write-probe refusal filter, the kinds a scope looks up, the read, write and pre-flight steps
 * both backends take the same way, and `AwsBackendBase`, which looks ids up through the
 * service's naming and then Airflow's multi-team rule (both in core/airflow-secrets). The
 * service calls, and the rules only one service has, stay in each backend's own file.
 */
import http from 'node:http'
import https from 'node:https'
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager'
import { mapLimit } from '../../core/concurrency'
import { AirlockError } from '../../core/errors'
import {
  connectionEntry,
  variableEntry,
  type ConnectionFields,
  type Dialect,
  type Entry
} from '../../core/model'
import {
  awsPrefixOf,
  awsTeamLookup,
  lookupPatternError,
  type AwsLookup,
  type AwsLookupKind,
  type AwsNameReading,
  type AwsPrefixes,
  type AwsSecretsManagerNaming
} from '../../core/airflow-secrets/aws-secrets-manager'
import type { ErrorCode } from '../../contract/errors'
import {
  idOf,
  inScope,
  type preflightRecorder,
  type EntryKind,
  type EntryProblem,
  type EntryRef,
  type LoadResult,
  type Scope,
  type TargetedPreflightProblem
} from '../backend'
import { AdaptivePacer, type PaceOutcome } from '../pacer'

/** Static AWS credentials, or a provider of them (the SDK's type). */
export type AwsCredentials = NonNullable<SecretsManagerClientConfig['credentials']>
/** An SDK retry strategy, e.g. `new ConfiguredRetryStrategy(4, () => 10)`. */
export type AwsRetryStrategy = NonNullable<SecretsManagerClientConfig['retryStrategy']>

/** How Airlock reaches AWS (the SDK client settings); Airflow's kwargs supply defaults. */
export interface AwsClientOptions {
  /** Default: `backend_kwargs.region_name`, else the SDK's own resolution (`AWS_REGION`, …). */
  region?: string
  /** Default: `backend_kwargs.endpoint_url` (e.g. a VPC endpoint or a local emulator). */
  endpoint?: string
  /** A named profile of the shared AWS config files (used when `credentials` is absent). */
  profile?: string
  /**
   * Default: the SDK's provider chain (environment, shared files, SSO, instance roles). Airlock
   * never reads credentials from `backend_kwargs`: they belong in the keychain.
   */
  credentials?: AwsCredentials
  /** The SDK's retry strategy (default: its standard strategy, 3 attempts). */
  retryStrategy?: AwsRetryStrategy
  /** Attempts per request when no `retryStrategy` is given (SDK default 3). */
  maxAttempts?: number
  /** Milliseconds before a request without an answer fails (default 30 000). */
  requestTimeoutMs?: number
  /** Requests in flight at once for load, write and remove (the pacer may lower it). */
  concurrency?: number
  /** Attempts per request while AWS throttles it (default 30); see pacer.ts. */
  throttleAttempts?: number
}

/** What both AWS backends take besides the client settings. */
export interface AwsStoreOptions extends AwsClientOptions {
  /**
   * `[core] multi_team` of the Airflow that reads the store (default false): on, ids holding
   * `--` are never looked up, as the newest amazon provider refuses them (`awsTeamLookup`).
   */
  multiTeam?: boolean
  /** Whose rules read connection values and build written ones; default `airflow3`. */
  dialect?: Dialect
}

/** The tag every secret and parameter Airlock creates carries. */
export const AIRLOCK_TAG = { Key: 'airlock:managed-by', Value: 'airlock' } as const

/** What one pre-flight check found; `error` blocks the write, `warning` needs a look. */
export type AwsPreflightProblem = TargetedPreflightProblem

/** A listed name that reads as more than one id. */
export interface AwsAmbiguousName {
  target: string
  readsAs: AwsNameReading[]
}

/** The SDK client settings both AWS clients take (the agents are destroyed with the client). */
export interface AwsClientConfig {
  region?: string
  endpoint?: string
  credentials?: AwsCredentials
  /** A named profile of the shared AWS config files. */
  profile?: string
  retryStrategy?: AwsRetryStrategy
  maxAttempts?: number
  requestHandler: {
    httpAgent: http.Agent
    httpsAgent: https.Agent
    requestTimeout: number
    connectionTimeout: number
  }
}

/** The SDK client settings shared by both AWS clients. */
export function awsClientConfig(
  options: AwsClientOptions,
  kwargs: Readonly<Record<string, unknown>>
): AwsClientConfig {
  const text = (key: string) => {
    const v = kwargs[key]
    return typeof v === 'string' && v ? v : undefined
  }
  const sockets = Math.max(4, (options.concurrency ?? 8) * 2)
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: sockets })
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: sockets,
    rejectUnauthorized: kwargs.verify !== false
  })
  const config: AwsClientConfig = {
    requestHandler: {
      httpAgent,
      httpsAgent,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      connectionTimeout: Math.min(options.requestTimeoutMs ?? 30_000, 10_000)
    }
  }
  const region = options.region ?? text('region_name')
  if (region) config.region = region
  const endpoint = options.endpoint ?? text('endpoint_url')
  if (endpoint) config.endpoint = endpoint
  if (options.credentials) config.credentials = options.credentials
  // A named profile of ~/.aws/config and ~/.aws/credentials (the SDK's own resolution)
  else if (options.profile) config.profile = options.profile
  if (options.retryStrategy) config.retryStrategy = options.retryStrategy
  else if (options.maxAttempts) config.maxAttempts = options.maxAttempts
  return config
}

/** AWS error names meaning "these credentials may not do that". */
export const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'AuthorizationError'
])
const AUTH_FAILED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError'
])
const THROTTLED = new Set([
  'ThrottlingException',
  'ThrottledException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded'
])
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN'
])

/** What an AWS SDK failure says about load, for the pacer. */
export function awsPaceOutcome(error: unknown): PaceOutcome {
  const name = awsErrorName(error)
  const e = error as {
    $metadata?: { httpStatusCode?: number }
    $response?: { headers?: Record<string, string | undefined> }
    code?: string
  }
  if (THROTTLED.has(name)) {
    const header = e.$response?.headers?.['retry-after']
    const seconds = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) : undefined
    return { kind: 'throttled', retryAfterMs: seconds === undefined ? undefined : seconds * 1000 }
  }
  const status = e.$metadata?.httpStatusCode ?? 0
  if (status >= 500 || NETWORK_CODES.has(e.code ?? '') || name === 'TimeoutError')
    return { kind: 'overloaded' }
  return { kind: 'other' }
}

/** An SDK v3 client, as far as adding a middleware goes. */
interface MiddlewareClient {
  middlewareStack: {
    addRelativeTo(
      middleware: never,
      options: { relation: 'before' | 'after'; toMiddleware: string; name: string }
    ): void
  }
}

type Handler = (args: { request: unknown }) => Promise<unknown>

/** The middleware's context, as far as the `abortSignal` given to `send` goes. */
interface HandlerContext {
  __smithy_context?: { abortSignal?: AbortSignal }
}

/**
 * Paces every attempt of an AWS SDK client: inside the SDK's retry loop and before request
 * signing, so each attempt waits for a slot and a throttled attempt is sent again here
 * (signed afresh) up to the pacer's budget, without spending the SDK's few retries (3 by
 * default, for 5xx and network errors) or its retry quota on throttling. The `abortSignal`
 * given to `send` ends the waits here too (a slot, the pace, a `Retry-After`, the backoff
 * after a throttle), as the SDK's handler ends the request on the wire.
 */
export function paceAwsClient(client: MiddlewareClient, pacer: AdaptivePacer): void {
  const middleware =
    (next: Handler, context: HandlerContext) => async (args: { request: unknown }) => {
      let attempts = 0
      try {
        return await pacer.run(
          () => {
            attempts++
            return next({ ...args, request: cloneRequest(args.request) })
          },
          awsPaceOutcome,
          context.__smithy_context?.abortSignal
        )
      } catch (error) {
        // Handing a throttling error back would make the SDK retry it again from the start.
        if (attempts > 1 && awsPaceOutcome(error).kind === 'throttled')
          throw new ThrottlingOutlasted(awsErrorName(error), attempts, error)
        throw error
      }
    }
  client.middlewareStack.addRelativeTo(middleware as never, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name: 'airlockPacer'
  })
}

/** The pacer of one AWS backend. */
export function awsPacer(
  id: string,
  concurrency: number,
  options: AwsClientOptions
): AdaptivePacer {
  return new AdaptivePacer({
    maxConcurrency: concurrency,
    maxThrottleRetries: Math.max(1, options.throttleAttempts ?? 30) - 1,
    backendId: id
  })
}

/** Throttling went on for every attempt the pacer allows (not an error the SDK retries). */
export class ThrottlingOutlasted extends Error {
  constructor(
    readonly throttledAs: string,
    readonly attempts: number,
    cause: unknown
  ) {
    super(`throttled ${attempts} times (${throttledAs})`, { cause })
    this.name = 'ThrottlingOutlasted'
  }
}

/** A copy of an HTTP request whose headers and query the next attempt may change. */
function cloneRequest(request: unknown): unknown {
  if (!request || typeof request !== 'object') return request
  const r = request as { headers?: object; query?: object }
  return Object.assign(Object.create(Object.getPrototypeOf(request) as object) as object, r, {
    headers: { ...r.headers },
    query: { ...r.query }
  })
}

/** A write-access probe's failure when it means "may not write" (else none: the probe is moot). */
export function probeRefusal(
  backendId: string,
  doing: string,
  error: unknown
): AirlockError | undefined {
  const failure = awsFailure(backendId, doing, error)
  return failure instanceof AirlockError &&
    (failure.code === 'backend.access-denied' || failure.code === 'backend.auth')
    ? failure
    : undefined
}

/**
 * The kinds of a scope both AWS backends look up: those whose prefix is not null (Airflow
 * never asks for the others), each with a lookup pattern Airflow could compile.
 */
export function awsKindsIn(
  backendId: string,
  scope: Scope,
  patterns: AwsSecretsManagerNaming['patterns'],
  prefixOf: (kind: 'connection' | 'variable') => string | null
): ('connection' | 'variable')[] {
  const kinds = (['connection', 'variable'] as const).filter(
    (k) => inScope(scope, k) && prefixOf(k) !== null
  )
  for (const k of kinds) {
    const bad = lookupPatternError(patterns[k], k)
    if (bad) throw new AirlockError('usage', `${backendId}: ${bad}`)
  }
  return kinds
}

/** The AWS error name of an SDK failure (`ResourceNotFoundException`, …). */
export function awsErrorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? ''
}

/**
 * An SDK failure as an AirlockError naming the backend, the operation and the key — never a
 * value (AWS messages can echo request fields, so only the error's name is shown).
 */
export function awsFailure(backendId: string, doing: string, error: unknown): unknown {
  if (error instanceof AirlockError) return error
  if (error instanceof ThrottlingOutlasted)
    return new AirlockError(
      'backend.unreachable',
      `${backendId}: AWS kept throttling while ${doing} after ${error.attempts} attempts (${error.throttledAs}); lower the concurrency or try again later.`,
      { cause: error }
    )
  const name = awsErrorName(error)
  if (name === 'AbortError') return error
  const e = error as { $metadata?: { httpStatusCode?: number; attempts?: number }; code?: string }
  const status = e.$metadata?.httpStatusCode
  const attempts = e.$metadata?.attempts
  const tried = attempts && attempts > 1 ? ` after ${attempts} attempts` : ''
  let code: ErrorCode
  let message: string
  if (ACCESS_DENIED.has(name)) {
    code = 'backend.access-denied'
    message = `AWS denied ${doing} (${name}); grant the IAM permission or use other credentials.`
  } else if (AUTH_FAILED.has(name)) {
    code = 'backend.auth'
    message = `AWS rejected the credentials while ${doing} (${name}); check the access key, secret, session token and region.`
  } else if (THROTTLED.has(name)) {
    code = 'backend.unreachable'
    message = `AWS kept throttling while ${doing}${tried} (${name}); lower the concurrency or try again later.`
  } else if (
    (status !== undefined && status >= 500) ||
    NETWORK_CODES.has(e.code ?? '') ||
    name === 'TimeoutError' ||
    name === 'RequestTimeout'
  ) {
    code = 'backend.unreachable'
    message = `Could not reach AWS while ${doing}${tried} (${name || e.code || 'network error'}); check the endpoint, region and network.`
  } else {
    code = 'codec.invalid'
    message = `AWS refused ${doing} (${name || 'an unknown error'}).`
  }
  return new AirlockError(code, `${backendId}: ${message}`, { cause: error })
}

/** `kind "id"` for messages. */
export function describeRef(kind: string, id: string): string {
  return `${kind} ${JSON.stringify(id)}`
}

/**
 * Writes planned items, at most `concurrency` at once, after refusing a batch in which two
 * entries map to one service name. A failure names how many were written before it.
 */
export async function writePlanned<P extends { name: string; entry: Entry }>(
  backendId: string,
  planned: readonly P[],
  concurrency: number,
  writeOne: (p: P) => Promise<void>
): Promise<void> {
  const byName = new Map<string, Entry>()
  for (const p of planned) {
    const other = byName.get(p.name)
    if (other)
      throw new AirlockError(
        'job.conflict',
        `${backendId}: ${describeRef(other.kind, idOf(other))} and ${describeRef(p.entry.kind, idOf(p.entry))} are both written to ${p.name}; nothing was written.`
      )
    byName.set(p.name, p.entry)
  }
  let written = 0
  try {
    await mapLimit(planned, concurrency, async (p) => {
      await writeOne(p)
      written++
    })
  } catch (error) {
    if (error instanceof AirlockError && planned.length > 1)
      throw new AirlockError(
        error.code,
        `${error.userMessage} ${written} of ${planned.length} entries were written before it; the others may not have been.`,
        { cause: error }
      )
    throw error
  }
}

// ---------------------------------------------------------------------------------------
// Steps both backends take the same way

/** The tags of a new secret or parameter: Airlock's, then the configured ones. */
export function awsTags(
  tags: Readonly<Record<string, string>> | undefined
): { Key: string; Value: string }[] {
  return [{ ...AIRLOCK_TAG }, ...Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }))]
}

/** Paces every request of an SDK client; returns the backend's pacer. */
export function paceAws(
  client: MiddlewareClient,
  backendId: string,
  concurrency: number,
  options: AwsClientOptions
): AdaptivePacer {
  const pacer = awsPacer(backendId, concurrency, options)
  paceAwsClient(client, pacer)
  return pacer
}

/** Runs one SDK call, its failure mapped by `awsFailure`. */
export async function awsCall<O>(
  backendId: string,
  doing: string,
  fn: () => Promise<O>
): Promise<O> {
  try {
    return await fn()
  } catch (error) {
    throw awsFailure(backendId, doing, error)
  }
}

/**
 * The name a ref is read from, undefined when Airflow never asks for it; a lookup pattern
 * Airflow cannot use is a `usage` error, as every such lookup fails in Airflow.
 */
export function readTarget(
  backendId: string,
  ref: EntryRef,
  lookup: AwsLookup
): string | undefined {
  if (lookup.outcome === 'error')
    throw new AirlockError(
      'usage',
      `${backendId}: ${describeRef(ref.kind, ref.id)}: ${lookup.reason}`
    )
  return lookup.outcome === 'lookup' ? lookup.name : undefined
}

/**
 * The names refs are read from (the last ref per name), and a problem per ref whose lookup
 * Airflow fails; refs Airflow never asks for are left out.
 */
export function readTargets(
  backendId: string,
  refs: readonly EntryRef[],
  lookupOf: (ref: EntryRef) => AwsLookup
): { byName: Map<string, EntryRef>; problems: EntryProblem[] } {
  const byName = new Map<string, EntryRef>()
  const problems: EntryProblem[] = []
  for (const ref of refs) {
    const lookup = lookupOf(ref)
    if (lookup.outcome === 'error')
      problems.push({
        ref,
        code: 'usage',
        message: `${backendId}: ${describeRef(ref.kind, ref.id)}: ${lookup.reason}`
      })
    else if (lookup.outcome === 'lookup') byName.set(lookup.name, ref)
  }
  return { byName, problems }
}

/**
 * An entry read from a stored value: a variable is the value verbatim, a connection is what
 * `decodeConnection` makes of it. A value Airflow cannot read is an AirlockError naming the
 * backend, the ref and the name — never the value.
 */
export function storedEntry(
  origin: { backendId: string; path: string; fromKey: string },
  kind: AwsLookupKind,
  id: string,
  value: string,
  decodeConnection: (value: string) => ConnectionFields
): Entry {
  const source = { ...origin }
  if (kind === 'variable') {
    const entry = variableEntry(id, value)
    entry.source = source
    return entry
  }
  try {
    const entry = connectionEntry(id, decodeConnection(value))
    entry.source = source
    return entry
  } catch (error) {
    if (error instanceof AirlockError)
      throw new AirlockError(
        error.code,
        `${origin.backendId}: ${describeRef(kind, id)} (${origin.path}): ${error.userMessage}`,
        { cause: error }
      )
    throw error
  }
}

/** Collects what `build` returns into `entries`, or its AirlockError into `problems`. */
export function collectEntry(out: LoadResult, ref: EntryRef, build: () => Entry): void {
  try {
    out.entries.push(build())
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error
    out.problems.push({ ref, code: error.code, message: error.userMessage })
  }
}

/** A read failure as a problem of its ref (an abort or an unknown error is thrown). */
export function readProblem(
  backendId: string,
  ref: EntryRef,
  name: string,
  error: unknown
): EntryProblem {
  const failure = awsFailure(backendId, `reading ${describeRef(ref.kind, ref.id)} (${name})`, error)
  if (!(failure instanceof AirlockError)) throw failure
  return { ref, code: failure.code, message: failure.userMessage }
}

/** Entries in kind, then id order. */
export function sortEntries(entries: Entry[]): Entry[] {
  const order = (e: Entry) => `${e.kind}\u0000${idOf(e)}`
  return entries.sort((a, b) => (order(a) < order(b) ? -1 : 1))
}

/** Refs in kind, then id order. */
export function sortRefs(refs: EntryRef[]): EntryRef[] {
  return refs.sort((a, b) => (a.kind + '\u0000' + a.id < b.kind + '\u0000' + b.id ? -1 : 1))
}

/** Whether a listed name reads as an entry of one of the kinds (config names never do). */
export function readsAsEntry(
  readsAs: readonly AwsNameReading[],
  kinds: readonly string[]
): boolean {
  return readsAs.some((r) => r.kind !== 'config' && kinds.includes(r.kind))
}

/** The ref of a listed name's first reading. */
export function firstRef(readsAs: readonly AwsNameReading[]): EntryRef {
  return { kind: readsAs[0]!.kind as EntryKind, id: readsAs[0]!.id }
}

/** The problem of a name that reads as more than one id (`thing`: secret, parameter). */
export function ambiguousProblem(
  backendId: string,
  ref: EntryRef,
  target: string,
  readsAs: readonly AwsNameReading[],
  thing: string
): EntryProblem {
  return {
    ref,
    code: 'codec.invalid',
    message: `${backendId}: ${target} reads as ${readsAs.map((r) => describeRef(r.kind, r.id)).join(' and as ')}; Airflow answers every one of those lookups from it. Give each kind its own prefix or move the ${thing}.`
  }
}

/** The problems of a listing's ambiguous names. */
export function ambiguousProblems(
  backendId: string,
  ambiguous: readonly AwsAmbiguousName[],
  thing: string
): EntryProblem[] {
  return ambiguous.map((a) =>
    ambiguousProblem(
      backendId,
      {
        kind: a.readsAs[0]!.kind === 'variable' ? 'variable' : 'connection',
        id: a.readsAs[0]!.id
      },
      a.target,
      a.readsAs,
      thing
    )
  )
}

/** What a pre-flight adds a problem with (backend.ts's `preflightRecorder`). */
export type PreflightAdd = ReturnType<typeof preflightRecorder>

/**
 * Runs a pre-flight step; its AirlockError becomes an error problem (on `entry` and `target`
 * when given) and the result is undefined. Other failures are thrown.
 */
export async function preflightStep<T>(
  add: PreflightAdd,
  backendId: string,
  step: () => Promise<T>
): Promise<T | undefined> {
  try {
    return await step()
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error
    addPreflightError(add, backendId, error)
    return undefined
  }
}

/** An AirlockError of a pre-flight step as an error problem (the backend id said once). */
export function addPreflightError(
  add: PreflightAdd,
  backendId: string,
  error: AirlockError,
  entry?: Entry,
  target = ''
): void {
  add(entry, target, 'error', error.code, error.userMessage.replace(`${backendId}: `, ''))
}

/**
 * The warnings both AWS services give for a target name whatever the value: other ids the
 * name reads as, and a team Airflow's AWS backends cannot scope the name to.
 */
export function addNameWarnings(
  add: PreflightAdd,
  entry: Entry,
  name: string,
  readsAs: readonly AwsNameReading[]
): void {
  const what = describeRef(entry.kind, idOf(entry))
  const readers = readsAs.filter((r) => !(r.kind === entry.kind && r.id === idOf(entry)))
  if (readers.length)
    add(
      entry,
      name,
      'warning',
      'job.conflict',
      `${what} → ${name} also reads as ${readers.map((r) => describeRef(r.kind, r.id)).join(', ')} (the kinds' prefixes overlap); Airflow would answer those lookups with it too.`
    )
  if (entry.team)
    add(
      entry,
      name,
      'warning',
      'codec.invalid',
      `${what} belongs to team ${JSON.stringify(entry.team)}, but Airflow's AWS backends have no team-scoped names: every team will read it.`
    )
}

/** A pre-flight problem naming two entries written to one name. */
export function addSameTarget(add: PreflightAdd, entry: Entry, other: Entry, name: string): void {
  add(
    entry,
    name,
    'error',
    'job.conflict',
    `${describeRef(entry.kind, idOf(entry))} and ${describeRef(other.kind, idOf(other))} both map to ${name}; rename one.`
  )
}

/**
 * The warnings of what Airflow will not read back from a target: a connection's lost fields
 * (`lostNote` says what the service keeps), or a variable's description (`thing`: secret,
 * parameter).
 */
export function addLossWarnings(
  add: PreflightAdd,
  entry: Entry,
  name: string,
  lostOf: (fields: ConnectionFields) => string[],
  lostNote: string,
  thing: string
): void {
  const what = describeRef(entry.kind, idOf(entry))
  if (entry.kind === 'connection') {
    const lost = lostOf(entry.fields)
    if (lost.length)
      add(
        entry,
        name,
        'warning',
        'codec.invalid',
        `${what} → ${name}: Airflow will not read back ${lost.join(', ')}${lostNote}.`
      )
  } else if (entry.description)
    add(
      entry,
      name,
      'warning',
      'codec.invalid',
      `${what} → ${name}: the variable's description is not kept (Airflow reads only the ${thing}'s value).`
    )
}

/** One AWS service's naming rules, as core/airflow-secrets transcribes them. */
export interface AwsNamingRules<N extends AwsPrefixes> {
  /** What the naming makes of an id (before the multi-team rule). */
  lookup(naming: N, kind: AwsLookupKind, id: string): AwsLookup
}

/**
 * What both AWS backends do alike around their service calls: looking an id up (the naming,
 * then Airflow's multi-team rule), the kinds a scope looks up, closing the SDK client, listing
 * as the refs of `listNames`, reading one ref (its name, the service's not-found answers, the
 * stored value as an entry), the pre-flight of a batch with no target, and mapping a failed
 * call to an AirlockError.
 */
export abstract class AwsBackendBase<N extends AwsPrefixes> {
  readonly capabilities = { list: true, write: true }
  abstract readonly id: string
  /** The resolved naming part of `backend_kwargs`. */
  abstract readonly naming: N
  /** The service's naming rules (core/airflow-secrets). */
  protected abstract readonly rules: AwsNamingRules<N>
  protected abstract readonly client: { destroy(): void }
  /** `[core] multi_team` of the Airflow reading this store (see `awsTeamLookup`). */
  protected readonly multiTeam: boolean
  /** Whose rules read connection values and build written ones. */
  protected readonly dialect: Dialect
  /** Requests in flight when reading, writing or removing many entries. */
  protected readonly concurrency: number

  constructor(options: AwsStoreOptions, defaultConcurrency: number) {
    this.multiTeam = options.multiTeam ?? false
    this.dialect = options.dialect ?? 'airflow3'
    this.concurrency = Math.max(1, options.concurrency ?? defaultConcurrency)
  }

  /** The names under the kinds' prefixes, mapped back to refs. */
  abstract listNames(scope: Scope, signal?: AbortSignal): Promise<{ refs: EntryRef[] }>
  /** The stored value's field, as entries' origins name it (`SecretString`, `Value`). */
  protected abstract readonly valueKey: string
  /** The stored text of one name (undefined: it holds none); throws the SDK's error. */
  protected abstract getValue(name: string, signal?: AbortSignal): Promise<string | undefined>
  /** The SDK errors Airflow reads as "not found" for one name. */
  protected abstract isNotFound(error: unknown): boolean
  /** The service's connection reading (core/airflow-secrets), for stored values. */
  protected abstract decodeConnection(value: string): ConnectionFields
  /** Checks that the credentials authenticate and may list (a pre-flight step). */
  abstract probeCredentials(signal?: AbortSignal): Promise<void>

  async read(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined> {
    const name = readTarget(this.id, ref, this.lookupOf(ref))
    if (name === undefined) return undefined
    let value: string | undefined
    try {
      value = await this.getValue(name, signal)
    } catch (error) {
      if (this.isNotFound(error)) return undefined
      throw awsFailure(this.id, `reading ${describeRef(ref.kind, ref.id)} (${name})`, error)
    }
    if (value === undefined) return undefined
    return this.entryFrom(ref.kind, ref.id, name, value)
  }

  /** A stored value as the entry Airflow reads from it, its origin named. */
  protected entryFrom(kind: AwsLookupKind, id: string, name: string, value: string): Entry {
    return storedEntry(
      { backendId: this.id, path: name, fromKey: this.valueKey },
      kind,
      id,
      value,
      (text) => this.decodeConnection(text)
    )
  }

  /**
   * The pre-flight of a batch none of whose entries has a target: nothing more to check but,
   * for an empty batch, the credentials. Returns true when the pre-flight is over.
   */
  protected async noTargetsLeft(
    add: PreflightAdd,
    entries: readonly Entry[],
    targets: number,
    signal?: AbortSignal
  ): Promise<boolean> {
    if (targets) return false
    if (!entries.length) await preflightStep(add, this.id, () => this.probeCredentials(signal))
    return true
  }

  /** What Airflow does when asked for the id: the name it reads, or why it reads none. */
  protected lookup(kind: AwsLookupKind, id: string): AwsLookup {
    return awsTeamLookup(this.rules.lookup(this.naming, kind, id), id, {
      multiTeam: this.multiTeam
    })
  }

  protected readonly lookupOf = (ref: EntryRef): AwsLookup => this.lookup(ref.kind, ref.id)

  protected kindsIn(scope: Scope): ('connection' | 'variable')[] {
    return awsKindsIn(this.id, scope, this.naming.patterns, (k) => awsPrefixOf(this.naming, k))
  }

  async close(): Promise<void> {
    this.client.destroy()
  }

  async list(scope: Scope, signal?: AbortSignal): Promise<EntryRef[]> {
    return (await this.listNames(scope, signal)).refs
  }

  protected call<O>(doing: string, fn: () => Promise<O>): Promise<O> {
    return awsCall(this.id, doing, fn)
  }
}
