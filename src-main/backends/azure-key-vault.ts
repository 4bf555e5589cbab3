/**
 * Azure Key Vault as Airflow's `AzureKeyVaultBackend` reads it (reference §12.4), through
 * the official @azure/keyvault-secrets `SecretClient`.
 *
 * Names come from core/airflow-secrets/azure-key-vault.ts: `prefix + sep + id` with every `_`
 * turned into `sep`, so `my_db` and `my-db` are one secret, and Key Vault compares names
 * case-insensitively. What Airlock writes carries tags (`airlock-kind`, `airlock-id`,
 * `airlock-team`) so listing gives back the exact id; a name without them whose id part holds
 * `sep` could be several ids, and is reported as ambiguous rather than guessed (it can still
 * be read by any of its ids, as Airflow does).
 *
 * Reading follows the provider: only a 404 is "not found"; any other failure is an error.
 * Values are connection URIs or connection JSON (`deserialize_connection`), raw text for
 * variables. Writing stores the URI when it reads back losslessly for the target dialect,
 * else connection JSON (`connectionEnvValue`). Key Vault has no transactions: `write` checks
 * every entry first (name, collisions, 25 KB size), then writes one by one and, on a failure,
 * says how many were written.
 *
 * Soft delete: `remove` soft-deletes (and purges when `purgeOnRemove` is set and the vault
 * allows it). A soft-deleted name refuses a new value (409 `ObjectIsDeletedButRecoverable`):
 * `preflight` finds such names, `recoverDeleted` brings them back, `purgeDeleted` frees them.
 * Variable descriptions are not stored (Airflow reads only the value). A ref with a team reads
 * and writes the team-scoped name only (Airflow itself then falls back to the global name).
 */
import { mapLimit } from '../core/concurrency'
import {
  ClientSecretCredential,
  DefaultAzureCredential,
  type ClientSecretCredentialOptions,
  type TokenCredential
} from '@azure/identity'
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets'
import type { ErrorCode } from '../contract/errors'
import { encodeText } from '../core/airflow-secrets/types'
import { AirlockError } from '../core/errors'
import type { Dialect, Entry } from '../core/model'
import {
  azureBuildPath,
  azureLookup,
  azureNameProblem,
  azurePrefixOf,
  azureReadName,
  parseAzureKeyVaultKwargs,
  type AzureKeyVaultNaming
} from '../core/airflow-secrets/azure-key-vault'
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
  probeProblem,
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
import { abortable, AdaptivePacer, type PaceOutcome } from './pacer'
import type { ServiceProfile } from '../core/providers'

/** Key Vault's largest secret value, in bytes (25 KB). */
export const AZURE_MAX_VALUE_BYTES = 25 * 1024

/** Key Vault's largest list page. */
export const AZURE_MAX_PAGE_SIZE = 25

/** Tags on what Airlock writes: they make listing exact (remote-store.ts's marks). */
export const AZURE_TAG_KIND = MARK_KIND
export const AZURE_TAG_ID = MARK_ID
export const AZURE_TAG_TEAM = MARK_TEAM

/**
 * Options of the Azure Key Vault backend.
 *
 * @example
 * const vault = new AzureKeyVaultBackend({
 *   backendKwargs: { vault_url: 'https://prod-kv.vault.azure.net/', connections_prefix: 'airflow-connections' },
 *   credential: new ClientSecretCredential(tenantId, clientId, clientSecret),
 *   dialect: 'airflow3'
 * })
 * await vault.read({ kind: 'connection', id: 'my_db' }) // secret airflow-connections-my-db
 * // { "variables_prefix": null } in backendKwargs turns variables off, as in Airflow.
 */
export interface AzureKeyVaultOptions extends RemoteStoreOptions {
  /** Default `azure-key-vault:<vault host>`. */
  id?: string
  /**
   * `[secrets] backend_kwargs` of `AzureKeyVaultBackend`: `connections_prefix`,
   * `variables_prefix`, `config_prefix` (null = off), `vault_url`, `sep`; and, as Airflow
   * reads them, `tenant_id` + `client_id` + `client_secret` for a client-secret credential
   * (`managed_identity_client_id`, `workload_identity_tenant_id` for the default one).
   */
  backendKwargs?: Readonly<Record<string, unknown>>
  /** The vault; default `vault_url` of the kwargs. */
  vaultUrl?: string
  /** The credential; default from the kwargs, else `DefaultAzureCredential`. */
  credential?: TokenCredential
  /** Options of the credential built from the kwargs (`authorityHost`, `tlsOptions`, …). */
  credentialOptions?: ClientSecretCredentialOptions
  /** Options of the `SecretClient` (retry, TLS, `disableChallengeResourceVerification`, …). */
  clientOptions?: SecretClientOptions
  /** Purge after soft-deleting in `remove` (fails on a vault with purge protection). */
  purgeOnRemove?: boolean
  /** Poll interval of delete and recover operations; default 2 000 ms. */
  pollIntervalMs?: number
}

/** What a pre-flight check looked at. */
export type AzurePreflightCheck = TargetCheck | 'soft-deleted' | 'credentials'

/** One thing that would stop or spoil a write; `ref` is null for vault-wide problems. */
export type AzurePreflightProblem = RemotePreflightProblem<AzurePreflightCheck>

/** A listed name that several ids map to. */
export interface AzureAmbiguousName {
  name: string
  kind: EntryKind
  /** Every id Airflow would read this secret for (listing shows at most 16). */
  ids: string[]
  reason: 'separator' | 'team-scoped'
}

/** The outcome of listing: exact refs, and names that could not be mapped to one id. */
export interface AzureListing {
  refs: EntryRef[]
  ambiguous: AzureAmbiguousName[]
}

interface RestLikeError {
  name?: string
  statusCode?: number
  code?: string
  details?: { error?: { code?: string; innerError?: { code?: string } } }
}

/** Attempts of a request throttled with no retry hint (429 without Retry-After). */
const UNHINTED_429_ATTEMPTS = 8

/** What an answer of Key Vault says about load, for the pacer. */
function azurePaceOutcome(
  status: number,
  headers: { get(name: string): string | undefined }
): PaceOutcome {
  if (status === 429) {
    // Azure sends retry-after-ms / x-ms-retry-after-ms (milliseconds) or Retry-After (seconds).
    const ms = Number(headers.get('retry-after-ms') ?? headers.get('x-ms-retry-after-ms'))
    const seconds = Number(headers.get('retry-after'))
    return {
      kind: 'throttled',
      retryAfterMs:
        Number.isFinite(ms) && ms > 0
          ? ms
          : Number.isFinite(seconds) && seconds >= 0 && headers.get('retry-after') !== undefined
            ? seconds * 1000
            : undefined
    }
  }
  if (status >= 500) return { kind: 'overloaded' }
  return status < 400 ? { kind: 'ok' } : { kind: 'other' }
}

function innerCode(error: RestLikeError): string | undefined {
  return error.details?.error?.innerError?.code
}

/** Azure Key Vault, named and read as Airflow's provider does. */
export class AzureKeyVaultBackend
  extends RemoteStoreBackend<string, AzureListing>
  implements Backend
{
  readonly kind = 'azure-key-vault' as const
  readonly id: string
  readonly naming: AzureKeyVaultNaming
  private readonly client: SecretClient
  protected readonly dialect: Dialect
  protected readonly concurrency: number
  /** Paces every request of this backend (adaptive; see pacer.ts). */
  readonly pacer: AdaptivePacer
  private readonly options: AzureKeyVaultOptions
  /** Key Vault's naming as the remote-store skeleton reads it. */
  protected readonly names: RemoteNaming = {
    targetOf: (ref) => this.secretNameOf(ref),
    nameKey: (name) => name.toLowerCase(),
    readName: (name) => azureReadName(this.naming, name)
  }
  protected readonly wording: RemoteWording = {
    service: 'Key Vault',
    rejectedWrite: (label, name, problem) =>
      `${label} maps to the secret name ${JSON.stringify(name)}, which Key Vault rejects: ${problem}. Rename the id.`,
    rejectedName: (label, name, problem) =>
      `${label} maps to ${name}, which Key Vault rejects: ${problem}. Rename the id.`,
    collidingWrite: (label, other, name) =>
      `${label} and ${other} both map to the secret ${name} (Key Vault turns "_" into "${this.naming.sep}" and ignores case). Nothing was written; rename one of them.`,
    collidingName: (label, other, name) =>
      `${label} and ${other} both map to ${name} ("_" becomes "${this.naming.sep}", case is ignored); Airflow reads one secret for both. Rename one.`
  }
  protected readonly payload: PayloadRules<string> = {
    encode: (entry) => encodeText(entry, this.dialect),
    sizeOf: (value) => Buffer.byteLength(value, 'utf8'),
    maxBytes: AZURE_MAX_VALUE_BYTES
  }

  constructor(options: AzureKeyVaultOptions) {
    super()
    this.options = options
    const kwargs = options.backendKwargs ?? {}
    this.naming = parseAzureKeyVaultKwargs(kwargs)
    if (this.naming.sep === '')
      throw new AirlockError(
        'usage',
        'Azure Key Vault: an empty "sep" deletes every "_" from names, so no name maps back to an id; use "-".'
      )
    const vaultUrl = options.vaultUrl ?? this.naming.vaultUrl
    if (!vaultUrl)
      throw new AirlockError('usage', 'Azure Key Vault needs "vault_url" in backend_kwargs.')
    let host = vaultUrl
    try {
      host = new URL(vaultUrl).host
    } catch {
      throw new AirlockError('usage', `Azure Key Vault: "vault_url" is not a URL.`)
    }
    this.id = options.id ?? `azure-key-vault:${host}`
    this.dialect = options.dialect ?? 'airflow3'
    this.concurrency = options.concurrency ?? 8
    this.pacer = new AdaptivePacer({ maxConcurrency: this.concurrency, backendId: this.id })
    const pacer = this.pacer
    this.client = new SecretClient(
      vaultUrl,
      options.credential ?? this.credentialFromKwargs(kwargs),
      {
        ...options.clientOptions,
        // Each attempt (inside the SDK's retry policies, which wait out Retry-After themselves)
        // takes a slot of the store's pacer; a 429's Retry-After holds the other requests too.
        // A 429 without any retry hint (as a gateway sends) the SDK does not retry: this
        // policy does, at the pace the pacer allows after it.
        additionalPolicies: [
          ...(options.clientOptions?.additionalPolicies ?? []),
          {
            position: 'perRetry',
            policy: {
              name: 'airlockPacer',
              async sendRequest(request, next) {
                const signal = request.abortSignal
                for (let attempt = 1; ; attempt++) {
                  const ticket = await pacer.acquire(
                    signal instanceof AbortSignal ? signal : undefined
                  )
                  let response
                  try {
                    response = await next(request)
                  } catch (error) {
                    // a dropped connection is load; the caller's abort says nothing about it
                    pacer.release(ticket, { kind: isAbortError(error) ? 'other' : 'overloaded' })
                    throw error
                  }
                  const outcome = azurePaceOutcome(response.status, response.headers)
                  pacer.release(ticket, outcome)
                  const unhinted =
                    outcome.kind === 'throttled' && outcome.retryAfterMs === undefined
                  if (!unhinted || attempt >= UNHINTED_429_ATTEMPTS) return response
                }
              }
            }
          }
        ]
      }
    )
  }

  private credentialFromKwargs(kwargs: Readonly<Record<string, unknown>>): TokenCredential {
    const text = (key: string) => (typeof kwargs[key] === 'string' ? (kwargs[key] as string) : '')
    const [tenant, client, secret] = [text('tenant_id'), text('client_id'), text('client_secret')]
    if (tenant && client && secret)
      return new ClientSecretCredential(tenant, client, secret, this.options.credentialOptions)
    const managed = text('managed_identity_client_id')
    const workloadTenant = text('workload_identity_tenant_id')
    return new DefaultAzureCredential({
      ...(managed ? { managedIdentityClientId: managed } : {}),
      ...(workloadTenant ? { tenantId: workloadTenant } : {})
    })
  }

  // --- names ---------------------------------------------------------------------------

  /**
   * The secret a ref is read from and written to (team-scoped for a team ref), or why there
   * is none: `disabled` (its prefix is null) or `refused` (Airflow never asks for it).
   */
  secretNameOf(ref: EntryRef): RemoteTarget {
    return firstLookupTarget(azureLookup(this.naming, ref.kind, ref.id, ref.team), (s) => s.name)
  }

  // --- errors --------------------------------------------------------------------------

  /** Key Vault's failures: HTTP status and inner code to an error code and a hint. */
  protected serviceFailure(error: unknown, operation: string, what: string): AirlockError {
    const e = (error ?? {}) as RestLikeError
    const status = e.statusCode
    const where = `${this.id}: ${operation}${what ? ` ${what}` : ''}`
    let code: ErrorCode = 'backend.unreachable'
    let hint = 'check the vault URL and the network, then retry.'
    if (
      /^(Authentication|AuthenticationRequired|AggregateAuthentication|CredentialUnavailable)Error$/.test(
        e.name ?? ''
      )
    ) {
      code = 'backend.auth'
      hint = 'Microsoft Entra refused the credential; check tenant, client id and secret.'
    } else if (status === 401) {
      code = 'backend.auth'
      hint = 'the vault refused the token; check the credential and its tenant.'
    } else if (status === 403) {
      code = 'backend.access-denied'
      hint =
        innerCode(e) === 'SecretDisabled'
          ? 'the secret is disabled (Airflow fails reading it too); enable it in the vault.'
          : 'grant the identity the secrets permission this needs (access policy or RBAC role).'
    } else if (status === 404) {
      code = 'backend.not-found'
      hint = 'it does not exist.'
    } else if (status === 409) {
      code = 'job.conflict'
      hint =
        innerCode(e) === 'ObjectIsDeletedButRecoverable'
          ? 'the name is soft-deleted: recover it (recoverDeleted) or purge it (purgeDeleted), then write again.'
          : innerCode(e) === 'ObjectIsBeingDeleted'
            ? 'the name is still being deleted; retry in a few seconds.'
            : 'the vault reports a conflict; retry.'
    } else if (status === 429) {
      hint = 'the vault kept throttling requests; retry later or lower the concurrency.'
    } else if (status === 400) {
      code = 'codec.invalid'
      hint = 'the vault rejected the request (name, size or tags).'
    } else if (status !== undefined && status >= 500) {
      hint = 'the vault kept failing; retry later.'
    }
    const detail = status
      ? ` (HTTP ${status}${e.code ? ` ${e.code}` : ''})`
      : e.code
        ? ` (${e.code})`
        : ''
    return new AirlockError(code, `${where} failed${detail}: ${hint}`, { cause: error })
  }

  // --- reading -------------------------------------------------------------------------

  async read(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined> {
    const target = this.secretNameOf(ref)
    if ('skip' in target) return undefined
    // The newest provider (apache/airflow#67157, core/airflow-secrets/azure-key-vault.ts)
    // answers not found for a name Key Vault cannot hold, without asking: so does this read.
    if (target.problem !== undefined) return undefined
    const got = await this.getValue(
      target.name,
      `read ${ref.kind} ${JSON.stringify(ref.id)}`,
      signal
    )
    return got && this.toEntry(ref, got.name, got.value)
  }

  /** The value and stored name (the vault's own case) of a secret; undefined on 404. */
  private async getValue(
    name: string,
    operation: string,
    signal?: AbortSignal
  ): Promise<{ name: string; value: string } | undefined> {
    try {
      const secret = await this.client.getSecret(name, { abortSignal: signal })
      return { name: secret.name || name, value: secret.value ?? '' }
    } catch (error) {
      if ((error as RestLikeError).statusCode === 404) return undefined
      this.fail(error, operation, `(secret ${name})`)
    }
  }

  private toEntry(ref: EntryRef, name: string, value: string): Entry {
    return entryFromSecretValue(this.id, ref, name, value, this.dialect)
  }

  /**
   * Lists every secret under the enabled prefixes and maps names back to ids: a tagged
   * name to its tagged id, an untagged one to its id when only one id maps there. The others
   * are returned as ambiguous (each of their ids still reads them).
   */
  async scan(scope: Scope, signal?: AbortSignal): Promise<AzureListing> {
    const listed: ListedSecret[] = []
    try {
      const pages = this.client
        .listPropertiesOfSecrets({ abortSignal: signal })
        .byPage({ maxPageSize: AZURE_MAX_PAGE_SIZE })
      for await (const page of pages)
        for (const properties of page)
          listed.push({ name: properties.name, marks: properties.tags ?? {} })
    } catch (error) {
      this.fail(error, 'list secrets', '')
    }
    const mapped = mapListedNames(this.id, this.names, listed, scope)
    return {
      refs: mapped.refs,
      ambiguous: mapped.ambiguous.map(({ name, reading }) => ({
        name,
        kind: reading.kind as EntryKind,
        ids: reading.ids,
        reason: reading.teamScoped ? 'team-scoped' : 'separator'
      }))
    }
  }

  protected ambiguousOf(listing: AzureListing): AmbiguousListed[] {
    return listing.ambiguous.map((a) => ({
      kind: a.kind,
      id: a.ids[0]!,
      name: a.name,
      message: this.ambiguousMessage(a)
    }))
  }

  /** `load` reads the values one by one (Key Vault has no batch read), `concurrency` at a time. */
  protected async readListed(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined> {
    const name = ref.source!.path
    const got = await this.getValue(name, `read ${ref.kind} ${JSON.stringify(ref.id)}`, signal)
    return got && this.toEntry(ref, got.name, got.value)
  }

  private ambiguousMessage(a: AzureAmbiguousName): string {
    const ids = a.ids.map((i) => JSON.stringify(i)).join(' or ')
    return a.reason === 'team-scoped'
      ? `${this.id}: secret ${a.name} reads as a team-scoped name ("<team>--<id>"); the multi-team provider reads it only for that team, older providers as ${idLabel(a.kind)} ${ids}. Not loaded: read it by id, or rewrite it with Airlock to tag it.`
      : `${this.id}: secret ${a.name} is what Airflow reads for ${idLabel(a.kind)} ${ids} (every "_" becomes "${this.naming.sep}"), so its id cannot be told. Not loaded: read it by the id you use, or rewrite it with Airlock to tag it.`
  }

  // --- writing -------------------------------------------------------------------------

  protected async writeOne(
    { entry, name, payload }: PlannedWrite<string>,
    signal?: AbortSignal
  ): Promise<void> {
    try {
      await this.client.setSecret(name, payload, { tags: marksOf(entry), abortSignal: signal })
    } catch (error) {
      this.fail(error, `write ${entry.kind} ${JSON.stringify(idOf(entry))}`, `(secret ${name})`)
    }
  }

  async remove(refs: readonly EntryRef[], signal?: AbortSignal): Promise<void> {
    await mapLimit(removalTargets(this.names, refs), this.concurrency, async ({ name, ref }) => {
      const what = `${ref.kind} ${JSON.stringify(ref.id)}`
      try {
        const poller = await this.client.beginDeleteSecret(name, {
          abortSignal: signal,
          intervalInMs: this.options.pollIntervalMs ?? 2000
        })
        // the SDK's poller sleeps between polls whatever the signal: the abort stops it
        await abortable(poller.pollUntilDone(), signal, () => poller.stopPolling())
      } catch (error) {
        if ((error as RestLikeError).statusCode === 404) return
        this.fail(error, `remove ${what}`, `(secret ${name})`)
      }
      if (this.options.purgeOnRemove)
        try {
          await this.client.purgeDeletedSecret(name, { abortSignal: signal })
        } catch (error) {
          this.fail(error, `purge ${what}`, `(secret ${name})`)
        }
    })
  }

  /** Recovers soft-deleted secrets of these refs; returns the names recovered. */
  async recoverDeleted(refs: readonly EntryRef[], signal?: AbortSignal): Promise<string[]> {
    const recovered: string[] = []
    await mapLimit(refs, this.concurrency, async (ref) => {
      const target = this.secretNameOf(ref)
      if (!('name' in target) || target.problem !== undefined) return
      try {
        const poller = await this.client.beginRecoverDeletedSecret(target.name, {
          abortSignal: signal,
          intervalInMs: this.options.pollIntervalMs ?? 2000
        })
        await abortable(poller.pollUntilDone(), signal, () => poller.stopPolling())
        recovered.push(target.name)
      } catch (error) {
        if ((error as RestLikeError).statusCode === 404) return
        this.fail(error, `recover ${ref.kind} ${JSON.stringify(ref.id)}`, `(secret ${target.name})`)
      }
    })
    return recovered
  }

  /** Purges soft-deleted secrets of these refs (refused where purge protection is on). */
  async purgeDeleted(refs: readonly EntryRef[], signal?: AbortSignal): Promise<string[]> {
    const purged: string[] = []
    await mapLimit(refs, this.concurrency, async (ref) => {
      const target = this.secretNameOf(ref)
      if (!('name' in target) || target.problem !== undefined) return
      try {
        await this.client.purgeDeletedSecret(target.name, { abortSignal: signal })
        purged.push(target.name)
      } catch (error) {
        if ((error as RestLikeError).statusCode === 404) return
        this.fail(error, `purge ${ref.kind} ${JSON.stringify(ref.id)}`, `(secret ${target.name})`)
      }
    })
    return purged
  }

  // --- pre-flight ----------------------------------------------------------------------

  /**
   * Everything that would stop or spoil writing these entries, found without writing:
   * names Key Vault rejects or Airflow never reads, ids colliding after mapping (in the batch
   * or with a secret another id wrote), values over 25 KB, soft-deleted names (write would
   * get 409), and whether the credential may list and set secrets under each prefix (probed
   * by updating a secret that does not exist: 404 = allowed, 403 = denied).
   */
  async preflight(
    entries: readonly Entry[],
    signal?: AbortSignal
  ): Promise<AzurePreflightProblem[]> {
    const checked = preflightTargets(this.names, this.wording, entries, this.payload)
    const problems: AzurePreflightProblem[] = checked.problems
    const named = checked.named

    const probe = await probeCredentials(entries, this.credentialProbe(signal))
    problems.push(...probe.problems)
    // Existing secrets owned by another id (tags), from one listing.
    const owners = new Map<string, Record<string, string>>()
    if (probe.canList)
      try {
        for await (const page of this.client
          .listPropertiesOfSecrets({ abortSignal: signal })
          .byPage({ maxPageSize: AZURE_MAX_PAGE_SIZE }))
          for (const p of page) owners.set(p.name.toLowerCase(), p.tags ?? {})
      } catch (error) {
        if (isAbortError(error)) throw error
      }
    for (const { ref, name } of named) {
      const clash = markedByOther(
        ref,
        name,
        owners.get(name.toLowerCase()),
        'writing would replace it for both ids'
      )
      if (clash) problems.push(clash)
    }

    let unchecked: unknown
    const deleted = await mapLimit(named, this.concurrency, async ({ ref, name }) => {
      try {
        const d = await this.client.getDeletedSecret(name, { abortSignal: signal })
        return { ref, name, purge: d.scheduledPurgeDate }
      } catch (error) {
        if (isAbortError(error)) throw error
        if ((error as RestLikeError).statusCode !== 404) unchecked ??= error
        return undefined
      }
    })
    if (unchecked !== undefined) {
      const p = probeProblem(this.credentialProbe(signal), unchecked, 'get deleted secrets', null)
      problems.push({
        ...p,
        check: 'soft-deleted',
        severity: 'error',
        message: `${p.message} Soft-deleted names could not be checked; a write to one fails with 409.`
      })
    }
    for (const d of deleted)
      if (d)
        problems.push({
          ref: d.ref,
          target: d.name,
          check: 'soft-deleted',
          severity: 'error',
          code: 'job.conflict',
          message: `${d.ref.kind} ${JSON.stringify(d.ref.id)}: ${d.name} is soft-deleted${d.purge ? ` (purged on ${d.purge.toISOString().slice(0, 10)})` : ''}, so Key Vault refuses a new value. Recover it (recoverDeleted) or purge it (purgeDeleted) first.`
        })
    return problems
  }

  /** The credential probe: may it list, and may it set secrets under each prefix used? */
  private readonly credentialProbe = (signal?: AbortSignal): CredentialProbe => ({
    listOne: async () => {
      await this.client
        .listPropertiesOfSecrets({ abortSignal: signal })
        .byPage({ maxPageSize: 1 })
        .next()
    },
    probeName: (kind, random) => {
      const prefix = azurePrefixOf(this.naming, kind)
      if (prefix === null) return undefined
      const name = azureBuildPath(prefix, `airlock-probe-${random}`, this.naming.sep)
      return azureNameProblem(name) === undefined ? name : undefined
    },
    tryWrite: async (name) => {
      await this.client.updateSecretProperties(name, '', { abortSignal: signal })
    },
    isNotFound: (error) => (error as RestLikeError).statusCode === 404,
    isAbort: isAbortError,
    failure: (error, operation, what) => this.failure(error, operation, what),
    writeVerb: (kind) => `set ${kind}s`
  })
}

function idLabel(k: EntryKind): string {
  return k === 'connection' ? 'conn_id' : 'variable key'
}

/** An Azure Key Vault profile as backend options: a service principal's secret, or the default chain. */
export function azureKeyVaultFromProfile(p: ServiceProfile): AzureKeyVaultBackend {
  const kwargs: Record<string, unknown> = { ...p.backendKwargs }
  if (p.method === 'client-secret') {
    if (p.params.tenant_id) kwargs.tenant_id = p.params.tenant_id
    if (p.params.client_id) kwargs.client_id = p.params.client_id
    if (p.secrets.clientSecret) kwargs.client_secret = p.secrets.clientSecret
  }
  return new AzureKeyVaultBackend({
    id: p.id,
    backendKwargs: kwargs,
    vaultUrl: p.url ?? undefined,
    dialect: p.dialect
  })
}
