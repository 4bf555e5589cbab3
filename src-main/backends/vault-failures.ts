/**
 * How a Vault request fails and is retried: node-vault's errors turned into a
 * `VaultHttpFailure` that holds nothing of the request (axios errors carry the body and the
 * token), the bounded retry (`sendWithRetry`: which failures are retried and after how long,
 * `Retry-After`, backoff with jitter), and the AirlockError a failure finally becomes.
 */
import { AirlockError } from '../core/errors'
import { abortableSleep, type AdaptivePacer, type AnnouncedQuota, type PaceOutcome } from './pacer'
import { observe, observeAbortable, type CallContext } from './vault-http'

/** The bounded retry Airlock adds around every Vault request (node-vault has none). */
export interface VaultRetryOptions {
  /** Attempts per request, the first included (default 4). */
  attempts?: number
  /** First backoff in ms, doubled per retry, with jitter (default 200). */
  baseDelayMs?: number
  /** Longest backoff between attempts (default 10 000). */
  maxDelayMs?: number
  /**
   * Throttled (429) attempts per request before giving up (default 30); they do not count
   * against `attempts`. A `Retry-After` pauses every request of the backend until then.
   */
  throttleAttempts?: number
  /** Longest `Retry-After` waited for, in ms (default 60 000); a longer one fails the request. */
  maxRetryAfterMs?: number
  /** How to wait (a test seam; default a timer that the abort signal cancels). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/** The retry options with their defaults filled in. */
export type VaultRetryPolicy = Required<VaultRetryOptions>

/** `VaultRetryOptions` with Airlock's defaults. */
export function vaultRetryPolicy(options: VaultRetryOptions = {}): VaultRetryPolicy {
  return {
    attempts: Math.max(1, options.attempts ?? 4),
    baseDelayMs: options.baseDelayMs ?? 200,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    throttleAttempts: Math.max(1, options.throttleAttempts ?? 30),
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    sleep: options.sleep ?? abortableSleep
  }
}

/** Exponential backoff with jitter for the nth retry, capped at `maxDelayMs`. */
export function vaultBackoff(policy: VaultRetryPolicy, n: number): number {
  const base = policy.baseDelayMs * 2 ** (n - 1)
  return Math.min(policy.maxDelayMs, base / 2 + Math.random() * (base / 2))
}

const RETRY_STATUS = new Set([412, 429, 500, 502, 503, 504])
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT'
])

/** A request that failed, with nothing of the request in it (axios errors carry the body and token). */
export class VaultHttpFailure extends Error {
  constructor(
    readonly status: number | undefined,
    readonly errors: string[],
    readonly body: unknown,
    readonly network: string | undefined,
    readonly attempts: number
  ) {
    super(
      network
        ? `network error ${network}`
        : `Vault HTTP ${status}${errors.length ? `: ${errors.join('; ')}` : ''}`
    )
    this.name = 'VaultHttpFailure'
  }

  /** Whether another attempt may succeed (412, 429, 5xx, a dropped connection). */
  get retryable(): boolean {
    return this.network !== undefined || RETRY_STATUS.has(this.status ?? 0)
  }

  /** What this failure tells the pacer about Vault's load. */
  paceOutcome(retryAfterMs: number | undefined, quota?: AnnouncedQuota): PaceOutcome {
    if (this.status === 429) return { kind: 'throttled', retryAfterMs, quota }
    return this.network !== undefined || (this.status ?? 0) >= 500
      ? { kind: 'overloaded' }
      : { kind: 'other', quota }
  }
}

/** The failure an error of node-vault (or of its HTTP stack) stands for; undefined for anything else. */
export function toFailure(error: unknown, attempts: number): VaultHttpFailure | undefined {
  const e = error as {
    response?: { statusCode?: number; body?: unknown }
    code?: string
    isAxiosError?: boolean
    message?: string
  }
  if (e?.response && typeof e.response.statusCode === 'number') {
    const body = e.response.body as { errors?: unknown } | undefined
    const errors = Array.isArray(body?.errors)
      ? body.errors.filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 300))
      : []
    return new VaultHttpFailure(e.response.statusCode, errors, e.response.body, undefined, attempts)
  }
  if (e?.isAxiosError || (e?.code && NETWORK_CODES.has(e.code)))
    return new VaultHttpFailure(
      undefined,
      [],
      undefined,
      e.code ?? (/socket hang up/i.test(e.message ?? '') ? 'ECONNRESET' : 'network error'),
      attempts
    )
  return undefined
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value
  if (v === undefined || v.trim() === '') return undefined
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/**
 * The quota Vault announces with `enable_rate_limit_response_headers` (`X-Ratelimit-Limit`,
 * `X-Ratelimit-Reset` in whole seconds, `X-Ratelimit-Remaining`); undefined when it does not.
 */
export function announcedQuota(
  headers: Record<string, string | string[] | undefined> | undefined
): AnnouncedQuota | undefined {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim()
  const limit = one(headers?.['x-ratelimit-limit'])
  const reset = one(headers?.['x-ratelimit-reset'])
  if (!limit || !reset || !/^\d+$/.test(limit) || !/^\d+$/.test(reset)) return undefined
  const remaining = one(headers?.['x-ratelimit-remaining'])
  return {
    limit: Number(limit),
    resetSeconds: Number(reset),
    ...(remaining && /^\d+$/.test(remaining) ? { remaining: Number(remaining) } : {})
  }
}

/** What a request is for, to name it in messages. */
export interface Operation {
  /** `read`, `list`, `write`, `remove`, `check the mount of`, … */
  verb: string
  /** e.g. `connection "pg" (secret/connections/pg)` or `secret/connections/`. */
  what: string
}

/** Who failed, for `vaultError`'s messages. */
export interface VaultErrorContext {
  /** The backend's id. */
  id: string
  url: string
  /** Whether Vault still accepts the token (tells "denied" from "expired" on 401/403). */
  tokenValid(): Promise<boolean>
}

/**
 * The AirlockError for a failed request: what failed, where, and what to do. An AirlockError
 * is returned as is; an abort is rethrown.
 */
export async function vaultError(
  context: VaultErrorContext,
  op: Operation,
  error: unknown
): Promise<AirlockError> {
  if (error instanceof AirlockError) return error
  if (!(error instanceof VaultHttpFailure)) {
    if ((error as Error)?.name === 'AbortError') throw error
    return new AirlockError('internal', `${context.id}: could not ${op.verb} ${op.what}.`, {
      cause: new Error(String((error as Error)?.message ?? error).slice(0, 200))
    })
  }
  const cause = new Error(error.message)
  const tries = error.attempts > 1 ? ` after ${error.attempts} attempts` : ''
  const at = `${context.id}: cannot ${op.verb} ${op.what}`
  if (error.network)
    return new AirlockError(
      'backend.unreachable',
      `${at}: Vault at ${context.url} did not answer (${error.network})${tries}. Is it running and reachable?`,
      { cause }
    )
  const status = error.status ?? 0
  const said = error.errors.length ? ` (${error.errors.join('; ')})` : ''
  if (status === 403 || status === 401) {
    const valid = await context.tokenValid().catch(() => true)
    return valid
      ? new AirlockError(
          'backend.access-denied',
          `${at}: permission denied; the token's policies must allow it.`,
          { cause }
        )
      : new AirlockError(
          'backend.auth',
          `${at}: Vault no longer accepts the token; renew it or log in again.`,
          { cause }
        )
  }
  if (status === 404)
    return new AirlockError('backend.not-found', `${at}: not found${said}.`, { cause })
  if (status === 413)
    return new AirlockError(
      'codec.invalid',
      `${at}: the value is larger than Vault accepts${said}.`,
      { cause }
    )
  if (status === 429)
    return new AirlockError(
      'backend.unreachable',
      `${at}: Vault kept throttling the requests (429)${tries}; lower the concurrency or raise the rate-limit quota.`,
      { cause }
    )
  if (status >= 500 || status === 412)
    return new AirlockError(
      'backend.unreachable',
      `${at}: Vault answered ${status}${said}${tries}; is it sealed, on standby or overloaded?`,
      { cause }
    )
  return new AirlockError('internal', `${at}: Vault answered ${status}${said}.`, { cause })
}

/** What `sendWithRetry` paces and retries with. */
export interface RetryContext {
  pacer: AdaptivePacer
  policy: VaultRetryPolicy
  /**
   * Called once per request on a 403: resolves true when it renewed the token (an AppRole or
   * Kubernetes login) and the request should be sent again. Absent: a 403 is final.
   */
  renew?: () => Promise<boolean>
}

/**
 * Sends one request with the bounded retry: 412/429/5xx and dropped connections are retried
 * with exponential backoff (or after `Retry-After`), every attempt paced by the backend's
 * pacer; a 403 may renew the token once. Throws a VaultHttpFailure, or what `send` threw
 * when it is not an HTTP failure. An abort of `signal` destroys the request in flight and
 * rejects at once with the signal's reason (whether a write it ended reached Vault is
 * unknown). `send` gets each attempt's context (to keep the response's body: `responseText`).
 */
export async function sendWithRetry<T>(
  context: RetryContext,
  send: (call: CallContext) => Promise<T>,
  signal?: AbortSignal
): Promise<T> {
  const { pacer, policy } = context
  let renewed = context.renew === undefined
  let throttles = 0
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted()
    const call: CallContext = {}
    const ticket = await pacer.acquire(signal)
    try {
      const once = () => send(call)
      const value = await (signal ? observeAbortable(call, once, signal) : observe(call, once))
      pacer.release(ticket, { kind: 'ok', quota: announcedQuota(call.headers) })
      return value
    } catch (error) {
      if (signal?.aborted) {
        // the caller is gone (the request was destroyed): nothing learned, nothing retried
        pacer.release(ticket, { kind: 'other' })
        throw signal.reason
      }
      const failure = toFailure(error, attempt)
      const retryAfter = parseRetryAfter(call.headers?.['retry-after'])
      pacer.release(
        ticket,
        failure?.paceOutcome(retryAfter, announcedQuota(call.headers)) ?? { kind: 'other' }
      )
      if (!failure) throw error
      if (failure.status === 403 && !renewed) {
        renewed = true
        if (await context.renew!()) {
          attempt--
          continue
        }
      }
      if (failure.status === 429) {
        // Throttling has its own budget; with Retry-After the pacer holds every request
        // of this backend until then, without it this request backs off with jitter.
        if (++throttles >= policy.throttleAttempts) throw failure
        if ((retryAfter ?? 0) > policy.maxRetryAfterMs) throw failure
        attempt--
        // A bare 429 (Vault's default, no quota headers): the pacer steers the rate; this
        // request only steps aside briefly (full jitter, at most a second, as pacer.ts's
        // run does), since the quota refills every interval.
        if (retryAfter === undefined)
          await policy.sleep(Math.random() * Math.min(1000, 25 * 2 ** throttles), signal)
        continue
      }
      if (!failure.retryable || attempt >= policy.attempts) throw failure
      await policy.sleep(vaultBackoff(policy, attempt), signal)
    }
  }
}
