/**
 * AWS Secrets Manager through @aws-sdk/client-secrets-manager, configured exactly as
 * Airflow's `SecretsManagerBackend` is — its `backend_kwargs`, defaults and naming
 * (core/airflow-secrets/aws-secrets-manager.ts; reference §12.2) — and read exactly as Airflow
 * reads it, by that module's `decodeSecretsManagerConnection` (the one `airlock decode` uses):
 *
 * - the secret's `SecretString` (a binary-only secret reads as not found);
 * - a variable is the string verbatim;
 * - a connection whose stripped value starts with `{` is a JSON map whose keys go through
 *   Airflow's alias map (login ← login/user/username/user_name, password ← password/pass/key,
 *   host ← host/remote_host/server, port, schema ← database/schema, conn_type ←
 *   conn_type/conn_id/connection_type/engine, extra, plus `extra_conn_words`): the first
 *   matching key in the secret's own order wins and **every other key is dropped** —
 *   `description` included; anything else is a connection URI;
 * - ResourceNotFound, InvalidParameter, InvalidRequest (scheduled for deletion),
 *   DecryptionFailure and InternalServiceError read as not found, as Airflow reads them;
 *   access denied and every other failure is an error.
 *
 * Writing: a connection is its URI when that URI reads back to the same connection in the
 * chosen dialect, else connection JSON whose keys (conn_type, host, login, password, schema,
 * port, extra) each survive the alias map; `description` and `team_name` cannot be kept
 * (the pre-flight says so). Variables are the value verbatim; a variable's description is not
 * kept either. New secrets are created with the tag `airlock:managed-by=airlock` (plus the
 * configured tags) and the SDK's ClientRequestToken, so a retried create or put is applied
 * once; an existing secret gets a new AWSCURRENT version and the Airlock tag. A name
 * scheduled for deletion cannot be written: the write fails naming it, `pendingDeletion()`
 * finds such names and `restore()` brings them back (RestoreSecret). Removing schedules
 * deletion (AWS's 30-day window by default) or, with `removeMode: 'force'`, deletes at once.
 *
 * Listing uses ListSecrets (100 per page) filtered by the kinds' name prefixes; loading adds
 * BatchGetSecretValue, 20 secrets per request (one GetSecretValue per secret when the
 * credentials may not call it). ListSecrets cannot tell a binary-only secret from a string
 * one, so `list` includes it while `load` and `read`, which see the value, leave it out. A name that reads as two ids (overlapping
 * prefixes) is reported, not guessed. Retries are the SDK's (`retryStrategy`, `maxAttempts`).
 *
 * @example
 * const sm = new AwsSecretsManagerBackend({
 *   id: 'aws-sm:prod',
 *   backendKwargs: { connections_prefix: 'airflow/connections', variables_prefix: null, region_name: 'eu-west-1' },
 *   credentials: { accessKeyId, secretAccessKey },
 *   dialect: 'airflow3'
 * })
 * await sm.write([connectionEntry('pg', { conn_type: 'postgres', host: 'db', port: 5432 })])
 * // CreateSecret airflow/connections/pg = "postgres://db:5432"
 */
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  type Filter
} from '@aws-sdk/client-secrets-manager'
import { chunks, mapLimit } from '../core/concurrency'
import { encodeText } from '../core/airflow-secrets/types'
import { AirlockError } from '../core/errors'
import { type ConnectionFields, type Entry } from '../core/model'
import {
  decodeSecretsManagerConnection,
  encodeSecretsManagerConnection,
  parseAwsSecretsManagerKwargs,
  secretsManagerLostFields,
  SM_MAX_SECRET_BYTES,
  smIdsForName,
  smLookup,
  smPrefixOf,
  smSecretNameProblem,
  smSecretNameWarning,
  type AwsNameReading,
  type AwsSecretsManagerNaming
} from '../core/airflow-secrets/aws-secrets-manager'
import { utf8Length } from '../core/airflow-secrets/aws-ssm'
import {
  preflightRecorder,
  idOf,
  type Backend,
  type EntryRef,
  type LoadResult,
  type Scope,
  type WrittenForm
} from './backend'
import type { AdaptivePacer } from './pacer'
import {
  ACCESS_DENIED,
  AIRLOCK_TAG,
  addLossWarnings,
  addNameWarnings,
  addPreflightError,
  addSameTarget,
  ambiguousProblems,
  AwsBackendBase,
  awsClientConfig,
  awsErrorName,
  awsFailure,
  awsTags,
  collectEntry,
  describeRef,
  firstRef,
  paceAws,
  preflightStep,
  probeRefusal,
  readProblem,
  readsAsEntry,
  readTargets,
  sortEntries,
  sortRefs,
  writePlanned,
  type AwsAmbiguousName,
  type AwsStoreOptions,
  type AwsPreflightProblem
} from './aws/common'
import { awsOptionsFromProfile } from './aws/credentials'
import type { ServiceProfile } from '../core/providers'

export type { AwsCredentials, AwsClientOptions, AwsRetryStrategy } from './aws/common'

// ---------------------------------------------------------------------------------------
// The backend

/**
 * Options of the Secrets Manager backend.
 *
 * @example
 * new AwsSecretsManagerBackend({
 *   backendKwargs: { connections_prefix: 'airflow/connections', connections_lookup_pattern: '^prod_', sep: '/' },
 *   region: 'eu-west-1',
 *   credentials: { accessKeyId: 'AKIA…', secretAccessKey: '…' },
 *   removeMode: 'schedule'
 * })
 */
export interface AwsSecretsManagerOptions extends AwsStoreOptions {
  /**
   * Airflow's `[secrets] backend_kwargs` for `SecretsManagerBackend`, with Airflow's defaults
   * (`connections_prefix: "airflow/connections"`, `variables_prefix: "airflow/variables"`,
   * `config_prefix: "airflow/config"`, `sep: "/"`); a null prefix turns that kind off.
   * `region_name` and `endpoint_url` are used when the options above leave them out.
   */
  backendKwargs?: Readonly<Record<string, unknown>>
  /** Shown in messages and on every entry's origin; default `aws-sm:<region or endpoint>`. */
  id?: string
  /** Tags added to every secret Airlock creates, besides `airlock:managed-by=airlock`. */
  tags?: Readonly<Record<string, string>>
  /** KMS key for new secrets (default: the account's `aws/secretsmanager` key). */
  kmsKeyId?: string
  /** `schedule` (default): DeleteSecret with a recovery window; `force`: delete at once. */
  removeMode?: 'schedule' | 'force'
  /** Recovery window for `schedule`, 7–30 days (default 30, AWS's default). */
  recoveryWindowDays?: number
}

/** One listed secret. */
export interface SmListedSecret {
  name: string
  readsAs: AwsNameReading[]
  /** Carries Airlock's tag. */
  writtenByAirlock: boolean
  /** Set for a secret scheduled for deletion (only listed with `includePlannedDeletion`). */
  deletedDate?: Date
}

/** What a listing found. */
export interface SmListing {
  refs: EntryRef[]
  ambiguous: AwsAmbiguousName[]
  secrets: SmListedSecret[]
}

/** A secret scheduled for deletion whose name an entry needs. */
export interface SmPendingDeletion {
  name: string
  readsAs: AwsNameReading[]
  deletedDate: Date
}

/** Codes Airflow reads as "not found" (`_get_secret`'s except clauses). */
const SM_NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'InvalidParameterException',
  'InvalidRequestException',
  'DecryptionFailure',
  'InternalServiceError'
])

interface PlannedWrite {
  entry: Entry
  name: string
  value: string
}

const FILTER_VALUE = /^[a-zA-Z0-9 :_@/+=.-][a-zA-Z0-9 :_@/+=.\-!]*$/

/** AWS Secrets Manager, read as Airflow's SecretsManagerBackend reads it. */
export class AwsSecretsManagerBackend
  extends AwsBackendBase<AwsSecretsManagerNaming>
  implements Backend
{
  readonly lossyFields = ['variable.description', 'connection.description'] as const
  readonly kind = 'aws-secrets-manager' as const
  readonly id: string
  /** The resolved naming part of `backend_kwargs`. */
  override readonly naming: AwsSecretsManagerNaming
  protected override readonly rules = { lookup: smLookup }
  protected readonly client: SecretsManagerClient
  /** Paces every request of this backend (adaptive; see pacer.ts). */
  readonly pacer: AdaptivePacer
  private readonly tags: { Key: string; Value: string }[]
  private readonly kmsKeyId: string | undefined
  private readonly removeMode: 'schedule' | 'force'
  private readonly recoveryWindowDays: number
  /** Set once BatchGetSecretValue was denied: reads go one GetSecretValue at a time. */
  private batchDenied = false

  constructor(options: AwsSecretsManagerOptions = {}) {
    super(options, 8)
    const kwargs = options.backendKwargs ?? {}
    this.naming = parseAwsSecretsManagerKwargs(kwargs)
    const config = awsClientConfig(options, kwargs)
    this.id = options.id ?? `aws-sm:${config.endpoint ?? config.region ?? 'default'}`
    this.tags = awsTags(options.tags)
    this.kmsKeyId = options.kmsKeyId
    this.removeMode = options.removeMode ?? 'schedule'
    this.recoveryWindowDays = options.recoveryWindowDays ?? 30
    if (this.recoveryWindowDays < 7 || this.recoveryWindowDays > 30)
      throw new AirlockError(
        'usage',
        `${this.id}: recoveryWindowDays must be between 7 and 30 (AWS's limits).`
      )
    this.client = new SecretsManagerClient(config)
    this.pacer = paceAws(this.client, this.id, this.concurrency, options)
  }

  // -------------------------------------------------------------------------------------
  // Backend

  /**
   * Lists the secrets under the kinds' prefixes (ListSecrets, filtered by name prefix) and
   * maps each back to its id; names reading as more than one id are reported, not listed.
   * With `includePlannedDeletion`, secrets scheduled for deletion are listed too (never as refs).
   */
  override async listNames(
    scope: Scope,
    signal?: AbortSignal,
    opts: { includePlannedDeletion?: boolean } = {}
  ): Promise<SmListing> {
    const kinds = this.kindsIn(scope)
    const out: SmListing = { refs: [], ambiguous: [], secrets: [] }
    if (!kinds.length) return out
    const heads = kinds.map((k) => {
      const prefix = smPrefixOf(this.naming, k)!
      return prefix ? prefix + this.naming.sep : ''
    })
    const filterable = heads.every((h) => h && FILTER_VALUE.test(h) && h.length <= 512)
    const filters: Filter[] | undefined = filterable
      ? [{ Key: 'name', Values: [...new Set(heads)] }]
      : undefined
    let token: string | undefined
    do {
      const input = {
        MaxResults: 100,
        NextToken: token,
        Filters: filters,
        IncludePlannedDeletion: opts.includePlannedDeletion === true
      }
      const page = await this.call('listing secrets', () =>
        this.client.send(new ListSecretsCommand(input), { abortSignal: signal })
      )
      for (const s of page.SecretList ?? []) {
        if (!s.Name) continue
        const readsAs = smIdsForName(this.naming, s.Name)
        if (!readsAsEntry(readsAs, kinds)) continue
        const listed: SmListedSecret = {
          name: s.Name,
          readsAs,
          writtenByAirlock: (s.Tags ?? []).some(
            (t) => t.Key === AIRLOCK_TAG.Key && t.Value === AIRLOCK_TAG.Value
          )
        }
        if (s.DeletedDate) listed.deletedDate = new Date(s.DeletedDate)
        out.secrets.push(listed)
        if (listed.deletedDate) continue
        if (readsAs.length > 1) out.ambiguous.push({ target: s.Name, readsAs })
        else out.refs.push(firstRef(readsAs))
      }
      token = page.NextToken
    } while (token)
    sortRefs(out.refs)
    return out
  }

  protected readonly valueKey = 'SecretString'

  /** The `SecretString` (a binary-only secret has none: not found). */
  protected async getValue(name: string, signal?: AbortSignal): Promise<string | undefined> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }), {
      abortSignal: signal
    })
    return out.SecretString
  }

  protected isNotFound(error: unknown): boolean {
    return SM_NOT_FOUND.has(awsErrorName(error))
  }

  protected decodeConnection(value: string): ConnectionFields {
    return decodeSecretsManagerConnection(value, this.naming, this.dialect).value
  }

  async load(scope: Scope, signal?: AbortSignal): Promise<LoadResult> {
    const listing = await this.listNames(scope, signal)
    const problems = ambiguousProblems(this.id, listing.ambiguous, 'secret')
    const { byName } = readTargets(this.id, listing.refs, this.lookupOf)
    const fetched = await this.fetch(byName, signal)
    return { entries: fetched.entries, problems: [...problems, ...fetched.problems] }
  }

  /**
   * Reads many refs at once: BatchGetSecretValue, 20 names a request (falling back to one
   * GetSecretValue per name when the credentials may not call BatchGetSecretValue, which
   * policies written for Airflow alone often leave out). Absent ids are simply not in
   * `entries`; ids that fail are in `problems`.
   */
  async readMany(refs: readonly EntryRef[], signal?: AbortSignal): Promise<LoadResult> {
    const { byName, problems } = readTargets(this.id, refs, this.lookupOf)
    const fetched = await this.fetch(byName, signal)
    return { entries: fetched.entries, problems: [...problems, ...fetched.problems] }
  }

  private async fetch(byName: Map<string, EntryRef>, signal?: AbortSignal): Promise<LoadResult> {
    const out: LoadResult = { entries: [], problems: [] }
    const take = (ref: EntryRef, name: string, secret: string | undefined) => {
      if (secret !== undefined)
        collectEntry(out, ref, () => this.entryFrom(ref.kind, ref.id, name, secret))
    }
    const fail = (ref: EntryRef, name: string, error: unknown) => {
      if (!SM_NOT_FOUND.has(awsErrorName(error)))
        out.problems.push(readProblem(this.id, ref, name, error))
    }
    const one = async (name: string) => {
      const ref = byName.get(name)!
      try {
        const out = await this.client.send(new GetSecretValueCommand({ SecretId: name }), {
          abortSignal: signal
        })
        take(ref, name, out.SecretString)
      } catch (error) {
        if (awsErrorName(error) === 'AbortError') throw error
        fail(ref, name, error)
      }
    }
    await mapLimit(chunks([...byName.keys()], 20), this.concurrency, async (names) => {
      if (this.batchDenied) {
        for (const name of names) await one(name)
        return
      }
      let out
      try {
        out = await this.client.send(new BatchGetSecretValueCommand({ SecretIdList: names }), {
          abortSignal: signal
        })
      } catch (error) {
        if (!ACCESS_DENIED.has(awsErrorName(error)))
          throw awsFailure(this.id, `reading ${names.length} secrets (BatchGetSecretValue)`, error)
        this.batchDenied = true
        for (const name of names) await one(name)
        return
      }
      for (const v of out.SecretValues ?? []) {
        const ref = byName.get(v.Name ?? '')
        if (ref) take(ref, v.Name!, v.SecretString)
      }
      for (const e of out.Errors ?? []) {
        const ref = byName.get(e.SecretId ?? '')
        if (ref)
          fail(
            ref,
            e.SecretId!,
            Object.assign(new Error('batch item failed'), { name: e.ErrorCode ?? 'UnknownError' })
          )
      }
    })
    sortEntries(out.entries)
    return out
  }

  async write(entries: readonly Entry[], signal?: AbortSignal): Promise<void> {
    if (!entries.length) return
    const planned = entries.map((entry) => this.planWrite(entry))
    await writePlanned(this.id, planned, this.concurrency, (p) => this.writeOne(p, signal))
  }

  async remove(refs: readonly EntryRef[], signal?: AbortSignal): Promise<void> {
    const targets = refs.flatMap((ref) => {
      const lookup = this.lookup(ref.kind, ref.id)
      return lookup.outcome === 'lookup' ? [{ ref, name: lookup.name }] : []
    })
    await mapLimit(targets, this.concurrency, async ({ ref, name }) => {
      try {
        await this.client.send(
          new DeleteSecretCommand(
            this.removeMode === 'force'
              ? { SecretId: name, ForceDeleteWithoutRecovery: true }
              : { SecretId: name, RecoveryWindowInDays: this.recoveryWindowDays }
          ),
          { abortSignal: signal }
        )
      } catch (error) {
        const name_ = awsErrorName(error)
        // Missing, or already scheduled for deletion: either way it is gone for Airflow.
        if (name_ === 'ResourceNotFoundException' || name_ === 'InvalidRequestException') return
        throw awsFailure(this.id, `removing ${describeRef(ref.kind, ref.id)} (${name})`, error)
      }
    })
  }

  // -------------------------------------------------------------------------------------
  // Scheduled deletion

  /**
   * The secrets scheduled for deletion under the kinds' prefixes (ListSecrets with
   * IncludePlannedDeletion), optionally only those the given refs would write to. Such a name
   * cannot be created again until AWS deletes it or it is restored.
   */
  async pendingDeletion(
    refs?: readonly EntryRef[],
    signal?: AbortSignal
  ): Promise<SmPendingDeletion[]> {
    const scope: Scope = refs ? { kinds: [...new Set(refs.map((r) => r.kind))] } : {}
    const listing = await this.listNames(scope, signal, { includePlannedDeletion: true })
    let wanted: Set<string> | undefined
    if (refs) {
      wanted = new Set()
      for (const r of refs) {
        const lookup = this.lookup(r.kind, r.id)
        if (lookup.outcome === 'lookup') wanted.add(lookup.name)
      }
    }
    return listing.secrets
      .filter((s) => s.deletedDate && (!wanted || wanted.has(s.name)))
      .map((s) => ({ name: s.name, readsAs: s.readsAs, deletedDate: s.deletedDate! }))
  }

  /**
   * Cancels the scheduled deletion of the refs' secrets (RestoreSecret): they come back with
   * their last value, and Airflow reads them again. Returns the names restored; a ref with
   * no secret is skipped.
   */
  async restore(refs: readonly EntryRef[], signal?: AbortSignal): Promise<string[]> {
    const restored: string[] = []
    for (const ref of refs) {
      const lookup = this.lookup(ref.kind, ref.id)
      if (lookup.outcome !== 'lookup') continue
      try {
        await this.client.send(new RestoreSecretCommand({ SecretId: lookup.name }), {
          abortSignal: signal
        })
        restored.push(lookup.name)
      } catch (error) {
        if (awsErrorName(error) === 'ResourceNotFoundException') continue
        throw awsFailure(
          this.id,
          `restoring ${describeRef(ref.kind, ref.id)} (${lookup.name})`,
          error
        )
      }
    }
    return restored
  }

  // -------------------------------------------------------------------------------------
  // Pre-flight

  /**
   * Checks a write before it happens, writing nothing: each target name is enabled for its
   * kind, valid and not ARN-like, no two entries share a name, no name also reads as another
   * id, each value fits 64 KB, fields Airflow would drop (description, team) are named, no
   * name is scheduled for deletion, existing secrets Airlock did not create are pointed out,
   * and the credentials authenticate and may list. Write permission is probed where it can be
   * without writing: on an existing target, PutSecretValue with its current value and
   * VersionId, which AWS documents as a no-op (new names cannot be probed).
   */
  async preflight(entries: readonly Entry[], signal?: AbortSignal): Promise<AwsPreflightProblem[]> {
    const problems: AwsPreflightProblem[] = []
    const add = preflightRecorder(this.id, problems)
    const targets = new Map<string, Entry>()
    for (const entry of entries) {
      const what = describeRef(entry.kind, idOf(entry))
      const lookup = this.lookup(entry.kind, idOf(entry))
      if (lookup.outcome !== 'lookup') {
        add(entry, '', 'error', 'usage', `${what}: ${lookup.reason}; Airflow would never read it.`)
        continue
      }
      const name = lookup.name
      const bad = smSecretNameProblem(name)
      if (bad) {
        add(
          entry,
          name,
          'error',
          'codec.invalid',
          `${what} → ${name}: ${bad}. Rename the id or change the prefix.`
        )
        continue
      }
      const warn = smSecretNameWarning(name)
      if (warn) add(entry, name, 'warning', 'codec.invalid', `${what} → ${name}: ${warn}.`)
      const other = targets.get(name)
      if (other) {
        addSameTarget(add, entry, other, name)
        continue
      }
      targets.set(name, entry)
      addNameWarnings(add, entry, name, smIdsForName(this.naming, name))
      const value = this.secretString(entry)
      const bytes = utf8Length(value)
      if (bytes > SM_MAX_SECRET_BYTES)
        add(
          entry,
          name,
          'error',
          'codec.invalid',
          `${what} → ${name}: the value takes ${bytes} bytes, over Secrets Manager's ${SM_MAX_SECRET_BYTES}-byte limit; shorten it.`
        )
      addLossWarnings(
        add,
        entry,
        name,
        (fields) => secretsManagerLostFields(fields, this.naming, this.dialect),
        ' (its Secrets Manager backend keeps only login, password, host, port, schema, conn_type and extra)',
        'secret'
      )
    }
    if (await this.noTargetsLeft(add, entries, targets.size, signal)) return problems

    const listing = await preflightStep(add, this.id, () =>
      this.listNames({ kinds: [...new Set(entries.map((e) => e.kind))] }, signal, {
        includePlannedDeletion: true
      })
    )
    if (!listing) return problems
    const existing = new Map(listing.secrets.map((s) => [s.name, s]))
    const probeCandidates: { name: string; entry: Entry }[] = []
    for (const [name, entry] of targets) {
      const what = describeRef(entry.kind, idOf(entry))
      const s = existing.get(name)
      if (!s) continue
      if (s.deletedDate)
        add(
          entry,
          name,
          'error',
          'job.conflict',
          `${what} → ${name} is scheduled for deletion (since ${s.deletedDate.toISOString()}); AWS refuses to create it again until then. Restore it first (restore(), i.e. RestoreSecret) or wait for the deletion.`
        )
      else {
        if (!s.writtenByAirlock)
          add(
            entry,
            name,
            'warning',
            'job.conflict',
            `${what} → ${name} already exists and was not created by Airlock; the write adds a new version to it.`
          )
        probeCandidates.push({ name, entry })
      }
    }
    const probe = probeCandidates[0]
    if (probe) {
      const problem = await this.probeWrite(probe.name, signal)
      if (problem) addPreflightError(add, this.id, problem, probe.entry, probe.name)
    }
    return problems
  }

  /** Checks that the credentials authenticate and may list secrets; writes nothing. */
  async probeCredentials(signal?: AbortSignal): Promise<void> {
    await this.call('checking the credentials (ListSecrets)', () =>
      this.client.send(new ListSecretsCommand({ MaxResults: 1 }), { abortSignal: signal })
    )
  }

  /**
   * PutSecretValue with the current VersionId as ClientRequestToken and the current value: AWS
   * accepts it without change when allowed, and denies it when not.
   */
  private async probeWrite(name: string, signal?: AbortSignal): Promise<AirlockError | undefined> {
    let current: { VersionId?: string; SecretString?: string }
    try {
      current = await this.client.send(new GetSecretValueCommand({ SecretId: name }), {
        abortSignal: signal
      })
    } catch {
      return undefined // cannot read it: the probe cannot tell anything
    }
    if (!current.VersionId || current.SecretString === undefined) return undefined
    try {
      await this.client.send(
        new PutSecretValueCommand({
          SecretId: name,
          ClientRequestToken: current.VersionId,
          SecretString: current.SecretString
        }),
        { abortSignal: signal }
      )
      return undefined
    } catch (error) {
      return probeRefusal(
        this.id,
        `probing write access to ${name} (PutSecretValue, no change)`,
        error
      )
    }
  }

  // -------------------------------------------------------------------------------------
  // Internals

  /** The secret `write` stores for `entry`: its name and SecretString (the same encoder). */
  async written(entry: Entry): Promise<WrittenForm> {
    const p = this.planWrite(entry)
    return { name: p.name, text: p.value, format: entry.kind === 'variable' ? 'text' : 'json' }
  }

  private secretString(entry: Entry): string {
    return encodeText(entry, this.dialect, encodeSecretsManagerConnection)
  }

  private planWrite(entry: Entry): PlannedWrite {
    const what = describeRef(entry.kind, idOf(entry))
    const lookup = this.lookup(entry.kind, idOf(entry))
    if (lookup.outcome !== 'lookup')
      throw new AirlockError('usage', `${this.id}: ${what}: ${lookup.reason}; nothing was written.`)
    const bad = smSecretNameProblem(lookup.name)
    if (bad)
      throw new AirlockError(
        'codec.invalid',
        `${this.id}: ${what} → ${lookup.name}: ${bad}; nothing was written.`
      )
    const value = this.secretString(entry)
    const bytes = utf8Length(value)
    if (bytes > SM_MAX_SECRET_BYTES)
      throw new AirlockError(
        'codec.invalid',
        `${this.id}: ${what} → ${lookup.name}: the value takes ${bytes} bytes, over Secrets Manager's ${SM_MAX_SECRET_BYTES}-byte limit; nothing was written.`
      )
    return { entry, name: lookup.name, value }
  }

  private async writeOne(p: PlannedWrite, signal?: AbortSignal): Promise<void> {
    const what = `writing ${describeRef(p.entry.kind, idOf(p.entry))} (${p.name})`
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: p.name,
          SecretString: p.value,
          Tags: this.tags,
          KmsKeyId: this.kmsKeyId
        }),
        { abortSignal: signal }
      )
      return
    } catch (error) {
      const name = awsErrorName(error)
      if (name === 'InvalidRequestException')
        throw await this.pendingDeletionError(p, error, signal)
      if (name !== 'ResourceExistsException') throw awsFailure(this.id, what, error)
    }
    try {
      await this.client.send(
        new PutSecretValueCommand({ SecretId: p.name, SecretString: p.value }),
        {
          abortSignal: signal
        }
      )
      await this.client.send(
        new TagResourceCommand({ SecretId: p.name, Tags: [{ ...AIRLOCK_TAG }] }),
        {
          abortSignal: signal
        }
      )
    } catch (error) {
      if (awsErrorName(error) === 'InvalidRequestException')
        throw await this.pendingDeletionError(p, error, signal)
      throw awsFailure(this.id, what, error)
    }
  }

  private async pendingDeletionError(
    p: PlannedWrite,
    cause: unknown,
    signal?: AbortSignal
  ): Promise<unknown> {
    const what = describeRef(p.entry.kind, idOf(p.entry))
    try {
      const d = await this.client.send(new DescribeSecretCommand({ SecretId: p.name }), {
        abortSignal: signal
      })
      if (d.DeletedDate)
        return new AirlockError(
          'job.conflict',
          `${this.id}: ${what} → ${p.name} is scheduled for deletion (since ${new Date(d.DeletedDate).toISOString()}); AWS refuses to write it until then. Restore it first (restore(), i.e. RestoreSecret) or wait for the deletion.`,
          { cause }
        )
    } catch {
      // fall through to the original failure
    }
    return awsFailure(this.id, `writing ${what} (${p.name})`, cause)
  }
}

/** An AWS Secrets Manager profile as a backend (credentials: backends/aws/credentials.ts). */
export function awsSecretsManagerFromProfile(p: ServiceProfile): AwsSecretsManagerBackend {
  return new AwsSecretsManagerBackend(awsOptionsFromProfile(p))
}
