/**
 * A loopback AWS Secrets Manager + SSM Parameter Store: one HTTP server speaking AWS JSON 1.1
 * (`POST /`, `X-Amz-Target: secretsmanager.<Action>` or `AmazonSSM.<Action>`, SigV4
 * `Authorization` header), answering with the services' JSON bodies and error shapes
 * (`{"__type": "...", "message": "..."}` with status 400, 5xx for server faults).
 *
 * Every request's Signature Version 4 is verified (./sigv4.ts) against the keys the emulator
 * knows: an unknown access key is `UnrecognizedClientException`, a signature made with another
 * secret key (or over other bytes, or more than 5 minutes off) `InvalidSignatureException`,
 * both 400 with `{"__type", "message"}` as AWS JSON services answer. Each region the
 * credential scope names has its own secrets and parameters, as in AWS; the helpers below
 * (`putSecret`, `secret`, `putParameter`, …) act on `region`.
 *
 * Secrets Manager: CreateSecret, PutSecretValue (ClientRequestToken = VersionId, idempotent
 * for the same value), GetSecretValue, BatchGetSecretValue (≤ 20 ids, or filters), DescribeSecret,
 * ListSecrets (≤ 100 per page, `name`/`tag-key`/`tag-value`/`description`/`all` filters with
 * `!` negation, IncludePlannedDeletion), DeleteSecret (recovery window 7–30 days or forced),
 * RestoreSecret, TagResource, ListSecretVersionIds (versions left without a staging label stay,
 * deprecated, until 100 versions; IncludeDeprecated lists them). A secret scheduled for deletion keeps its name: reading or
 * creating it is an InvalidRequestException until it is restored.
 *
 * Parameter Store: PutParameter (Overwrite, Tags, Tier with Intelligent-Tiering, SecureString
 * with KeyId, AllowedPattern), GetParameter, GetParameters (≤ 10), GetParametersByPath
 * (≤ 10 per page, Recursive, WithDecryption; pages may come back empty with a NextToken, as
 * AWS documents), DescribeParameters (≤ 50 per page, Path/Name filters), DeleteParameter,
 * DeleteParameters (≤ 10), AddTagsToResource, ListTagsForResource, GetParameterHistory,
 * LabelParameterVersion; `name:version` and `name:label` selectors in GetParameter(s) (100
 * versions kept per parameter); names, hierarchy depth,
 * value size per tier, and the "no {{…}} in values" rule enforced.
 *
 * Switches, all deterministic for a given `seed` and request order: throttling with the
 * service's own error (ThrottlingException or ThrottledException, `Retry-After` only when asked
 * for — AWS sends none), 5xx, dropped connections (before or after the request takes effect)
 * and latency at a rate, a page-size cap, per-name access denial, plus
 * `inject()` to fail the next requests on purpose.
 *
 * @example
 * const aws = await startAwsEmulator({ seed: 7, pageSize: 25 })
 * aws.putSecret('airflow/variables/region', 'eu-west-1')
 * // new SecretsManagerClient({ endpoint: aws.url, region: aws.region, credentials: aws.credentials })
 * await aws.close()
 */
import { fixedWindowQuota, type RateLimit } from './quota'
import { verifySigV4, type SigV4Failure } from './sigv4'
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { seededRandom } from '../seeded-random'

/** Which service a request was for. */
export type AwsService = 'secretsmanager' | 'ssm' | 'sts'

/** Faults at a rate in [0, 1]. */
export interface AwsFaults {
  /** A request quota over every action (refused: the throttling error, no Retry-After). */
  rateLimit?: RateLimit
  /** 400 with the service's throttling error at a rate. */
  throttleRate?: number
  /** Default `ThrottlingException` (sent fully qualified, as AWS does). */
  throttleError?: 'ThrottlingException' | 'ThrottledException'
  /** `Retry-After` on throttling answers; default none (AWS sends none). */
  retryAfterSeconds?: number | null
  /** 5xx (InternalServiceError / InternalServerError, or 503 ServiceUnavailable) at a rate. */
  errorRate?: number
  errorStatus?: 500 | 503
  /** The socket is destroyed before the request takes effect. */
  dropRate?: number
  /** The request takes effect, then the socket is destroyed before the answer. */
  dropAfterApplyRate?: number
  /** Milliseconds before each answer. */
  latencyMs?: number
}

/** Denies actions on names (or on name-less calls such as ListSecrets when `name` is absent). */
export interface AwsDenyRule {
  service?: AwsService
  /** An action (`GetSecretValue`, exactly) or a pattern; default every action. */
  action?: string | RegExp
  /** A name prefix or pattern; default every name and the name-less calls. */
  name?: string | RegExp
}

/** Size and naming limits (AWS's by default). */
export interface AwsLimits {
  secretBytes?: number
  secretNameLength?: number
  ssmStandardBytes?: number
  ssmAdvancedBytes?: number
  ssmLevels?: number
  ssmNameLength?: number
}

export interface AwsEmulatorOptions extends AwsFaults {
  /** Seed of the fault generator (default 1). */
  seed?: number
  /** Default `us-east-1`. */
  region?: string
  /** Default `123456789012`. */
  accountId?: string
  /**
   * Access keys the emulator knows, each with `secretAccessKey`; default `AKIDEMULATOR`. A
   * request signed with any other key is refused, as AWS does.
   */
  accessKeyIds?: readonly string[]
  /** The secret key of every access key in `accessKeyIds`; default `emulator-secret`. */
  secretAccessKey?: string
  /** Caps every page (ListSecrets, BatchGetSecretValue by filter, GetParametersByPath, …). */
  pageSize?: number
  /** Every n-th GetParametersByPath page comes back empty with a NextToken (AWS may do this). */
  emptyPageEvery?: number
  deny?: readonly AwsDenyRule[]
  limits?: AwsLimits
  /**
   * Roles STS AssumeRole may assume (ARN → an optional required external id); default any
   * well-formed role ARN.
   */
  roles?: Record<string, { externalId?: string }>
  /** KMS keys PutParameter accepts as KeyId; default any. */
  kmsKeyIds?: readonly string[]
}

/** One request as the emulator saw it. */
export interface AwsRequestRecord {
  service: AwsService
  action: string
  status: number
  /** performance.now() at arrival. */
  at?: number
  fault?: 'throttle' | 'error' | 'drop' | 'drop-after-apply'
  /** Error name answered, if any. */
  error?: string
  /** `amz-sdk-request` header (`attempt=2; max=3`). */
  attempt?: string
  /** The access key id the request was signed with, and whether it carried a session token. */
  accessKeyId?: string
  sessionToken?: boolean
}

/** A fault queued for the next requests. */
export type AwsInjectedFault =
  | { kind: 'throttle'; retryAfterSeconds?: number | null }
  | { kind: 'error'; status?: 500 | 503 }
  | { kind: 'drop'; afterApply?: boolean }

/** A secret as the emulator holds it. */
export interface AwsSecretState {
  name: string
  arn: string
  /** The AWSCURRENT value (undefined for a binary-only or empty secret). */
  value: string | undefined
  description?: string
  tags: Record<string, string>
  versionIds: string[]
  currentVersionId: string | undefined
  deletedDate?: Date
}

/** A parameter as the emulator holds it. */
export interface AwsParameterState {
  name: string
  value: string
  type: 'String' | 'SecureString' | 'StringList'
  keyId?: string
  tier: 'Standard' | 'Advanced'
  version: number
  description?: string
  tags: Record<string, string>
}

export interface AwsEmulator {
  url: string
  region: string
  accountId: string
  /** Static credentials the emulator accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string }
  /** Every request, in arrival order. */
  readonly requests: AwsRequestRecord[]
  /** Requests (optionally of one action) since the last `clearRequests`. */
  count(action?: string | RegExp): number
  clearRequests(): void
  close(): Promise<void>
  /** Empties both services and clears faults queued with `inject`. */
  reset(): void
  setFaults(faults: AwsFaults): void
  setDeny(rules: readonly AwsDenyRule[]): void
  setPageSize(pageSize: number | undefined): void
  /** Fails the next `count` requests (optionally only those whose action matches). */
  inject(fault: AwsInjectedFault, count?: number, action?: RegExp): void
  /** Creates or updates a secret directly (a new AWSCURRENT version). */
  putSecret(
    name: string,
    value: string | undefined,
    opts?: { tags?: Record<string, string>; description?: string }
  ): void
  /** Schedules a secret for deletion (as DeleteSecret does). */
  scheduleDeletion(name: string): void
  secret(name: string): AwsSecretState | undefined
  secretNames(): string[]
  /** Creates or overwrites a parameter directly. */
  putParameter(
    name: string,
    value: string,
    opts?: Partial<Pick<AwsParameterState, 'type' | 'tier' | 'keyId' | 'description' | 'tags'>>
  ): void
  parameter(name: string): AwsParameterState | undefined
  parameterNames(): string[]
}

// ---------------------------------------------------------------------------------------

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400
  ) {
    super(message)
  }
}

interface SecretVersion {
  id: string
  value?: string
  binary?: string
  created: number
  stages: Set<string>
}

interface SecretRecord {
  name: string
  arn: string
  description?: string
  kmsKeyId?: string
  tags: Map<string, string>
  versions: Map<string, SecretVersion>
  created: number
  lastChanged: number
  deletedDate?: number
}

interface ParameterRecord {
  name: string
  value: string
  type: 'String' | 'SecureString' | 'StringList'
  keyId?: string
  tier: 'Standard' | 'Advanced'
  version: number
  lastModified: number
  description?: string
  tags: Map<string, string>
  arn: string
  /** Every kept version (the latest included), oldest first, with its labels. */
  history: ParameterVersion[]
}

interface ParameterVersion {
  version: number
  value: string
  type: ParameterRecord['type']
  keyId?: string
  tier: ParameterRecord['tier']
  lastModified: number
  description?: string
  labels: Set<string>
}

/** Parameter Store keeps 100 versions of a parameter. */
const SSM_MAX_VERSIONS = 100
/** Secrets Manager keeps up to 100 versions of a secret (deprecated ones are dropped first). */
const SM_MAX_VERSIONS = 100

type Json = Record<string, unknown>

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8')
const seconds = (ms: number) => ms / 1000
const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

function str(body: Json, key: string, required = false): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) {
    if (required)
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: ${key} must not be null`
      )
    return undefined
  }
  if (typeof v !== 'string') throw new AwsError('SerializationException', `${key} must be a string`)
  return v
}

function encodeToken(name: string): string {
  return Buffer.from(`airlock-emu:${name}`, 'utf8').toString('base64')
}

function decodeToken(token: string | undefined, type: string): string | undefined {
  if (token === undefined) return undefined
  const text = Buffer.from(token, 'base64').toString('utf8')
  if (!text.startsWith('airlock-emu:')) throw new AwsError(type, 'The nextToken is not valid.')
  return text.slice('airlock-emu:'.length)
}

function matches(rule: string | RegExp | undefined, value: string | undefined): boolean {
  if (rule === undefined) return true
  if (value === undefined) return false
  return typeof rule === 'string' ? value.startsWith(rule) : rule.test(value)
}

/** Starts the emulator on 127.0.0.1 and an ephemeral port. */
export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const region = options.region ?? 'us-east-1'
  const accountId = options.accountId ?? '123456789012'
  const limits: Required<AwsLimits> = {
    secretBytes: 65_536,
    secretNameLength: 512,
    ssmStandardBytes: 4096,
    ssmAdvancedBytes: 8192,
    ssmLevels: 15,
    ssmNameLength: 1011,
    ...options.limits
  }
  let faults: AwsFaults = { ...options }
  let quota = faults.rateLimit ? fixedWindowQuota(faults.rateLimit) : undefined
  let deny = options.deny ?? []
  let pageSize = options.pageSize
  const rng = seededRandom(options.seed ?? 1)
  const suffixRng = seededRandom((options.seed ?? 1) ^ 0x5eed)
  const injected: { fault: AwsInjectedFault; action?: RegExp }[] = []
  const requests: AwsRequestRecord[] = []
  const keys = new Map(
    (options.accessKeyIds ?? ['AKIDEMULATOR']).map((k) => [
      k,
      options.secretAccessKey ?? 'emulator-secret'
    ])
  )
  // One store per region (https://docs.aws.amazon.com/general/latest/gr/rande.html: each
  // Region is isolated); `useRegion` points the action handlers at the one a request names.
  const stores = new Map<
    string,
    { secrets: Map<string, SecretRecord>; parameters: Map<string, ParameterRecord> }
  >()
  let activeRegion = region
  let secrets = new Map<string, SecretRecord>()
  let parameters = new Map<string, ParameterRecord>()
  const useRegion = (name: string) => {
    let store = stores.get(name)
    if (!store) {
      store = { secrets: new Map(), parameters: new Map() }
      stores.set(name, store)
    }
    activeRegion = name
    secrets = store.secrets
    parameters = store.parameters
  }
  useRegion(region)
  let pathPages = 0
  /** How many times reset() ran: a request that waited across one is dropped. */
  let resets = 0

  const suffix = () =>
    Array.from(
      { length: 6 },
      () => SUFFIX_CHARS[Math.floor(suffixRng() * SUFFIX_CHARS.length)]
    ).join('')
  const smArn = (name: string) =>
    `arn:aws:secretsmanager:${activeRegion}:${accountId}:secret:${name}-${suffix()}`
  const ssmArn = (name: string) =>
    `arn:aws:ssm:${activeRegion}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`
  const page = (requested: number | undefined, awsMax: number, awsDefault = awsMax) => {
    if (requested !== undefined && (requested < 1 || requested > awsMax))
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${requested}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${awsMax}`
      )
    return Math.min(requested ?? awsDefault, pageSize ?? Infinity)
  }
  const checkAccess = (service: AwsService, action: string, name?: string) => {
    for (const rule of deny)
      if (
        (rule.service === undefined || rule.service === service) &&
        (rule.action === undefined ||
          (typeof rule.action === 'string' ? rule.action === action : rule.action.test(action))) &&
        (rule.name === undefined || matches(rule.name, name))
      )
        throw new AwsError(
          'AccessDeniedException',
          `User: arn:aws:iam::${accountId}:user/airlock is not authorized to perform: ${service}:${action} because no identity-based policy allows the ${service}:${action} action`
        )
  }

  // -------------------------------------------------------------------------------------
  // Secrets Manager

  const findSecret = (id: string): SecretRecord | undefined => {
    const byName = secrets.get(id)
    if (byName) return byName
    for (const s of secrets.values()) if (s.arn === id) return s
    return undefined
  }
  const requireSecret = (id: string): SecretRecord => {
    const s = findSecret(id)
    if (!s)
      throw new AwsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret."
      )
    return s
  }
  const requireLive = (s: SecretRecord) => {
    if (s.deletedDate !== undefined)
      throw new AwsError(
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion."
      )
  }
  const current = (s: SecretRecord) =>
    [...s.versions.values()].find((v) => v.stages.has('AWSCURRENT'))
  const addVersion = (s: SecretRecord, id: string, value: string | undefined, binary?: string) => {
    for (const v of s.versions.values()) {
      v.stages.delete('AWSPREVIOUS')
      if (v.stages.delete('AWSCURRENT')) v.stages.add('AWSPREVIOUS')
    }
    // A version left without a label is deprecated: still readable by VersionId and listed by
    // ListSecretVersionIds with IncludeDeprecated, until the secret holds 100 versions.
    // https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html#term_version
    for (const [vid, v] of s.versions)
      if (s.versions.size >= SM_MAX_VERSIONS && v.stages.size === 0) s.versions.delete(vid)
    const now = Date.now()
    const version: SecretVersion = { id, created: now, stages: new Set(['AWSCURRENT']) }
    if (value !== undefined) version.value = value
    if (binary !== undefined) version.binary = binary
    s.versions.set(id, version)
    s.lastChanged = now
    return version
  }
  const checkSecretValue = (value: string | undefined) => {
    if (value !== undefined && utf8(value) > limits.secretBytes)
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to ${limits.secretBytes}`
      )
  }
  const checkToken = (token: string | undefined) => {
    if (token !== undefined && (token.length < 32 || token.length > 64))
      throw new AwsError(
        'ValidationException',
        'ClientRequestToken must be 32 to 64 characters long.'
      )
  }
  const tagsOf = (s: SecretRecord) => [...s.tags].map(([Key, Value]) => ({ Key, Value }))
  const readTags = (raw: unknown): [string, string][] => {
    if (raw === undefined) return []
    if (!Array.isArray(raw)) throw new AwsError('SerializationException', 'Tags must be a list')
    return raw.map((t: Json) => [String(t.Key), String(t.Value ?? '')])
  }
  const listEntry = (s: SecretRecord) => {
    const entry: Json = {
      ARN: s.arn,
      Name: s.name,
      Tags: tagsOf(s),
      CreatedDate: seconds(s.created),
      LastChangedDate: seconds(s.lastChanged),
      SecretVersionsToStages: Object.fromEntries(
        [...s.versions].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages]])
      )
    }
    if (s.description !== undefined) entry.Description = s.description
    if (s.kmsKeyId !== undefined) entry.KmsKeyId = s.kmsKeyId
    if (s.deletedDate !== undefined) entry.DeletedDate = seconds(s.deletedDate)
    return entry
  }
  const secretFilter = (filters: unknown): ((s: SecretRecord) => boolean) => {
    if (filters === undefined) return () => true
    if (!Array.isArray(filters))
      throw new AwsError('SerializationException', 'Filters must be a list')
    const tests = filters.map((f: Json) => {
      const key = String(f.Key)
      const values = (f.Values as unknown[] | undefined)?.map(String) ?? []
      if (values.length < 1 || values.length > 10)
        throw new AwsError('ValidationException', 'A filter takes 1 to 10 values.')
      for (const v of values)
        if (!/^!?[a-zA-Z0-9 :_@/+=.\-!]*$/.test(v) || v.length > 512)
          throw new AwsError(
            'ValidationException',
            'A filter value holds characters that are not allowed.'
          )
      const one = (s: SecretRecord, raw: string): boolean => {
        const negate = raw.startsWith('!')
        const v = negate ? raw.slice(1) : raw
        let hit: boolean
        switch (key) {
          case 'name':
            hit = s.name.startsWith(v)
            break
          case 'description':
            hit = (s.description ?? '').toLowerCase().startsWith(v.toLowerCase())
            break
          case 'tag-key':
            hit = [...s.tags.keys()].some((k) => k.startsWith(v))
            break
          case 'tag-value':
            hit = [...s.tags.values()].some((k) => k.startsWith(v))
            break
          case 'all': {
            const hay = [s.name, s.description ?? '', ...s.tags.keys(), ...s.tags.values()]
              .join(' ')
              .toLowerCase()
            hit = v
              .toLowerCase()
              .split(/\s+/)
              .filter(Boolean)
              .every((w) => hay.includes(w))
            break
          }
          default:
            throw new AwsError('ValidationException', `Unknown filter key ${key}.`)
        }
        return negate ? !hit : hit
      }
      return (s: SecretRecord) => values.some((v) => one(s, v))
    })
    return (s) => tests.every((t) => t(s))
  }
  const sortedSecrets = () =>
    [...secrets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

  const sm: Record<string, (body: Json) => Json> = {
    CreateSecret(body) {
      const name = str(body, 'Name', true)!
      checkAccess('secretsmanager', 'CreateSecret', name)
      if (
        name.length < 1 ||
        name.length > limits.secretNameLength ||
        !/^[A-Za-z0-9/_+=.@-]+$/.test(name)
      )
        throw new AwsError(
          'ValidationException',
          'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!'
        )
      const value = str(body, 'SecretString')
      const binary = str(body, 'SecretBinary')
      const token = str(body, 'ClientRequestToken')
      checkToken(token)
      checkSecretValue(value)
      const existing = secrets.get(name)
      if (existing) {
        if (existing.deletedDate !== undefined)
          throw new AwsError(
            'InvalidRequestException',
            "You can't create this secret because a secret with this name is already scheduled for deletion."
          )
        const same = token !== undefined ? existing.versions.get(token) : undefined
        if (same && same.value === value)
          return { ARN: existing.arn, Name: existing.name, VersionId: same.id }
        throw new AwsError(
          'ResourceExistsException',
          `The operation failed because the secret ${name} already exists.`
        )
      }
      const now = Date.now()
      const record: SecretRecord = {
        name,
        arn: smArn(name),
        tags: new Map(readTags(body.Tags)),
        versions: new Map(),
        created: now,
        lastChanged: now
      }
      const description = str(body, 'Description')
      if (description !== undefined) record.description = description
      const kms = str(body, 'KmsKeyId')
      if (kms !== undefined) record.kmsKeyId = kms
      secrets.set(name, record)
      const out: Json = { ARN: record.arn, Name: name }
      if (value !== undefined || binary !== undefined)
        out.VersionId = addVersion(record, token ?? randomUUID(), value, binary).id
      return out
    },
    PutSecretValue(body) {
      const id = str(body, 'SecretId', true)!
      const s = findSecret(id)
      checkAccess('secretsmanager', 'PutSecretValue', s?.name ?? id)
      if (!s) return requireSecret(id) as never
      requireLive(s)
      const value = str(body, 'SecretString')
      const binary = str(body, 'SecretBinary')
      const token = str(body, 'ClientRequestToken')
      checkToken(token)
      checkSecretValue(value)
      if (token !== undefined && s.versions.has(token)) {
        const v = s.versions.get(token)!
        if (v.value === value && v.binary === binary)
          return { ARN: s.arn, Name: s.name, VersionId: v.id, VersionStages: [...v.stages] }
        throw new AwsError(
          'ResourceExistsException',
          "You can't modify an existing version, you can only create a new version."
        )
      }
      const v = addVersion(s, token ?? randomUUID(), value, binary)
      return { ARN: s.arn, Name: s.name, VersionId: v.id, VersionStages: [...v.stages] }
    },
    GetSecretValue(body) {
      const id = str(body, 'SecretId', true)!
      const s = findSecret(id)
      checkAccess('secretsmanager', 'GetSecretValue', s?.name ?? id)
      if (!s) return requireSecret(id) as never
      requireLive(s)
      const vid = str(body, 'VersionId')
      const stage = str(body, 'VersionStage') ?? (vid ? undefined : 'AWSCURRENT')
      const v = [...s.versions.values()].find(
        (x) => (vid === undefined || x.id === vid) && (stage === undefined || x.stages.has(stage))
      )
      if (!v)
        throw new AwsError(
          'ResourceNotFoundException',
          vid !== undefined
            ? `Secrets Manager can't find the specified secret value for VersionId: ${vid}`
            : `Secrets Manager can't find the specified secret value for staging label: ${stage}`
        )
      const out: Json = {
        ARN: s.arn,
        Name: s.name,
        VersionId: v.id,
        VersionStages: [...v.stages],
        CreatedDate: seconds(v.created)
      }
      if (v.value !== undefined) out.SecretString = v.value
      if (v.binary !== undefined) out.SecretBinary = v.binary
      return out
    },
    BatchGetSecretValue(body) {
      checkAccess('secretsmanager', 'BatchGetSecretValue')
      const ids = body.SecretIdList as string[] | undefined
      const hasFilters = body.Filters !== undefined
      if ((ids === undefined) === !hasFilters)
        throw new AwsError(
          'InvalidParameterException',
          'Either SecretIdList or Filters must be provided, but not both.'
        )
      const values: Json[] = []
      const errors: Json[] = []
      const valueOf = (s: SecretRecord): Json | undefined => {
        const v = current(s)
        if (!v) return undefined
        const out: Json = {
          ARN: s.arn,
          Name: s.name,
          VersionId: v.id,
          VersionStages: [...v.stages],
          CreatedDate: seconds(v.created)
        }
        if (v.value !== undefined) out.SecretString = v.value
        if (v.binary !== undefined) out.SecretBinary = v.binary
        return out
      }
      if (ids !== undefined) {
        if (body.MaxResults !== undefined)
          throw new AwsError('InvalidParameterException', 'MaxResults is only valid with Filters.')
        if (!Array.isArray(ids) || ids.length < 1 || ids.length > 20)
          throw new AwsError(
            'ValidationException',
            "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20"
          )
        for (const id of ids) {
          try {
            const s = findSecret(id)
            checkAccess('secretsmanager', 'GetSecretValue', s?.name ?? id)
            const found = requireSecret(id)
            requireLive(found)
            const out = valueOf(found)
            if (out) values.push(out)
            else
              errors.push({
                SecretId: id,
                ErrorCode: 'ResourceNotFoundException',
                Message:
                  "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"
              })
          } catch (error) {
            if (!(error instanceof AwsError)) throw error
            errors.push({ SecretId: id, ErrorCode: error.type, Message: error.message })
          }
        }
        return { SecretValues: values, Errors: errors }
      }
      const limit = page(body.MaxResults as number | undefined, 20)
      const after = decodeToken(str(body, 'NextToken'), 'InvalidNextTokenException')
      const filter = secretFilter(body.Filters)
      const matching = sortedSecrets().filter(
        (s) => s.deletedDate === undefined && filter(s) && (after === undefined || s.name > after)
      )
      const slice = matching.slice(0, limit)
      for (const s of slice) {
        try {
          checkAccess('secretsmanager', 'GetSecretValue', s.name)
          const out = valueOf(s)
          if (out) values.push(out)
        } catch (error) {
          if (!(error instanceof AwsError)) throw error
          errors.push({ SecretId: s.name, ErrorCode: error.type, Message: error.message })
        }
      }
      const out: Json = { SecretValues: values, Errors: errors }
      if (matching.length > slice.length) out.NextToken = encodeToken(slice[slice.length - 1]!.name)
      return out
    },
    DescribeSecret(body) {
      const id = str(body, 'SecretId', true)!
      const s = findSecret(id)
      checkAccess('secretsmanager', 'DescribeSecret', s?.name ?? id)
      const found = requireSecret(id)
      const out = listEntry(found)
      out.VersionIdsToStages = out.SecretVersionsToStages
      delete out.SecretVersionsToStages
      return out
    },
    ListSecrets(body) {
      checkAccess('secretsmanager', 'ListSecrets')
      const limit = page(body.MaxResults as number | undefined, 100)
      const after = decodeToken(str(body, 'NextToken'), 'InvalidNextTokenException')
      const filter = secretFilter(body.Filters)
      const planned = body.IncludePlannedDeletion === true
      const matching = sortedSecrets().filter(
        (s) =>
          (planned || s.deletedDate === undefined) &&
          filter(s) &&
          (after === undefined || s.name > after)
      )
      const slice = matching.slice(0, limit)
      const out: Json = { SecretList: slice.map(listEntry) }
      if (matching.length > slice.length) out.NextToken = encodeToken(slice[slice.length - 1]!.name)
      return out
    },
    DeleteSecret(body) {
      const id = str(body, 'SecretId', true)!
      const s = findSecret(id)
      checkAccess('secretsmanager', 'DeleteSecret', s?.name ?? id)
      const found = requireSecret(id)
      const force = body.ForceDeleteWithoutRecovery === true
      const days = body.RecoveryWindowInDays as number | undefined
      if (force && days !== undefined)
        throw new AwsError(
          'InvalidParameterException',
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
        )
      if (days !== undefined && (days < 7 || days > 30))
        throw new AwsError(
          'InvalidParameterException',
          'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).'
        )
      const now = Date.now()
      if (force) {
        secrets.delete(found.name)
        return { ARN: found.arn, Name: found.name, DeletionDate: seconds(now) }
      }
      if (found.deletedDate !== undefined)
        throw new AwsError(
          'InvalidRequestException',
          "You can't perform this operation on the secret because it was already scheduled for deletion."
        )
      found.deletedDate = now
      return {
        ARN: found.arn,
        Name: found.name,
        DeletionDate: seconds(now + (days ?? 30) * 86_400_000)
      }
    },
    RestoreSecret(body) {
      const id = str(body, 'SecretId', true)!
      const s = findSecret(id)
      checkAccess('secretsmanager', 'RestoreSecret', s?.name ?? id)
      const found = requireSecret(id)
      delete found.deletedDate
      return { ARN: found.arn, Name: found.name }
    },
    TagResource(body) {
      const id = str(body, 'SecretId', true)!
      const s = findSecret(id)
      checkAccess('secretsmanager', 'TagResource', s?.name ?? id)
      const found = requireSecret(id)
      for (const [k, v] of readTags(body.Tags)) found.tags.set(k, v)
      return {}
    },
    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecretVersionIds.html
    ListSecretVersionIds(body) {
      const id = str(body, 'SecretId', true)!
      const s = findSecret(id)
      checkAccess('secretsmanager', 'ListSecretVersionIds', s?.name ?? id)
      const found = requireSecret(id)
      const limit = page(body.MaxResults as number | undefined, 100)
      const after = decodeToken(str(body, 'NextToken'), 'InvalidNextTokenException')
      const all = [...found.versions.values()].filter(
        (v) => body.IncludeDeprecated === true || v.stages.size > 0
      )
      const start = after === undefined ? 0 : all.findIndex((v) => v.id === after) + 1
      const slice = all.slice(start, start + limit)
      const out: Json = {
        ARN: found.arn,
        Name: found.name,
        Versions: slice.map((v) => ({
          VersionId: v.id,
          VersionStages: [...v.stages],
          CreatedDate: seconds(v.created),
          KmsKeyIds: [found.kmsKeyId ?? 'DEFAULT']
        }))
      }
      if (start + limit < all.length) out.NextToken = encodeToken(slice[slice.length - 1]!.id)
      return out
    }
  }

  // -------------------------------------------------------------------------------------
  // SSM Parameter Store

  const ssmNameProblem = (name: string): AwsError | undefined => {
    if (!name || !/^[A-Za-z0-9_.\-/]+$/.test(name) || (name.includes('/') && !name.startsWith('/')))
      return new AwsError(
        'ValidationException',
        'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_'
      )
    const segments = (name.startsWith('/') ? name.slice(1) : name).split('/')
    if (segments.some((s) => s === ''))
      return new AwsError('ValidationException', 'Parameter name: sub-paths cannot be empty.')
    if (/^(aws|ssm)/i.test(segments[0]!))
      return new AwsError(
        'ValidationException',
        'No access to reserved parameter name: names starting with aws or ssm are reserved.'
      )
    if (segments.length > limits.ssmLevels)
      return new AwsError(
        'HierarchyLevelLimitExceededException',
        `A hierarchy can have a maximum of ${limits.ssmLevels} levels.`
      )
    if (name.length > limits.ssmNameLength)
      return new AwsError(
        'ValidationException',
        `Parameter name must be at most ${limits.ssmNameLength} characters long.`
      )
    return undefined
  }
  const notFound = () => new AwsError('ParameterNotFound', '')
  const encrypted = (v: { type: string; keyId?: string; value: string }, decrypt: boolean) =>
    v.type === 'SecureString' && !decrypt
      ? Buffer.from(`kms:${v.keyId ?? 'alias/aws/ssm'}:${v.value}`, 'utf8').toString('base64')
      : v.value
  const paramJson = (
    p: ParameterRecord,
    decrypt: boolean,
    version: ParameterVersion = p.history[p.history.length - 1]!,
    selector?: string
  ): Json => {
    const out: Json = {
      Name: p.name,
      Type: version.type,
      Value: encrypted(version, decrypt),
      Version: version.version,
      LastModifiedDate: seconds(version.lastModified),
      ARN: p.arn,
      DataType: 'text'
    }
    if (selector !== undefined) out.Selector = selector
    return out
  }
  /**
   * `name:version` or `name:label` (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-versions.html
   * and …/sysman-paramstore-labels.html): the name, and the selector with its colon.
   */
  const splitSelector = (raw: string): { name: string; selector?: string } => {
    const colon = raw.indexOf(':')
    return colon < 0 ? { name: raw } : { name: raw.slice(0, colon), selector: raw.slice(colon) }
  }
  /** The version a selector picks; throws as Parameter Store does. */
  const pick = (p: ParameterRecord, selector: string | undefined): ParameterVersion => {
    if (selector === undefined) return p.history[p.history.length - 1]!
    const text = selector.slice(1)
    if (/^\d+$/.test(text)) {
      const found = p.history.find((v) => v.version === Number(text))
      if (!found)
        throw new AwsError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${text} of ${p.name}. Verify the version and try again.`
        )
      return found
    }
    const labelled = p.history.find((v) => v.labels.has(text))
    if (!labelled) throw notFound()
    return labelled
  }
  /** A new version on top of `existing`'s kept history (100 at most). */
  const withHistory = (
    existing: ParameterRecord | undefined,
    record: Omit<ParameterRecord, 'history'>
  ): ParameterRecord => {
    const history = [...(existing?.history ?? [])]
    if (history.length >= SSM_MAX_VERSIONS) {
      if (history[0]!.labels.size)
        throw new AwsError(
          'ParameterMaxVersionLimitExceeded',
          `You attempted to create a new version of ${record.name} by calling the PutParameter API with the overwrite flag. Version ${history[0]!.version}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`
        )
      history.shift()
    }
    const version: ParameterVersion = {
      version: record.version,
      value: record.value,
      type: record.type,
      tier: record.tier,
      lastModified: record.lastModified,
      labels: new Set()
    }
    if (record.keyId !== undefined) version.keyId = record.keyId
    if (record.description !== undefined) version.description = record.description
    history.push(version)
    return { ...record, history }
  }
  const metaJson = (p: ParameterRecord): Json => {
    const out: Json = {
      Name: p.name,
      ARN: p.arn,
      Type: p.type,
      LastModifiedDate: seconds(p.lastModified),
      Version: p.version,
      Tier: p.tier,
      DataType: 'text',
      Policies: []
    }
    if (p.keyId !== undefined) out.KeyId = p.keyId
    if (p.description !== undefined) out.Description = p.description
    return out
  }
  const sortedParameters = () =>
    [...parameters.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const under = (name: string, path: string, recursive: boolean) => {
    const head = path === '/' ? '/' : path.replace(/\/+$/, '') + '/'
    if (!name.startsWith(head) || name.length === head.length) return false
    return recursive || !name.slice(head.length).includes('/')
  }
  const names = (body: Json, key: string) => {
    const list = body[key]
    if (!Array.isArray(list) || list.length < 1 || list.length > 10)
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value at '${key.charAt(0).toLowerCase() + key.slice(1)}' failed to satisfy constraint: Member must have length less than or equal to 10`
      )
    return list.map(String)
  }

  const ssm: Record<string, (body: Json) => Json> = {
    PutParameter(body) {
      const name = str(body, 'Name', true)!
      checkAccess('ssm', 'PutParameter', name)
      const bad = ssmNameProblem(name)
      if (bad) throw bad
      const value = str(body, 'Value', true)!
      const overwrite = body.Overwrite === true
      const tags = readTags(body.Tags)
      if (overwrite && body.Tags !== undefined)
        throw new AwsError(
          'ValidationException',
          "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource."
        )
      if (value.length < 1)
        throw new AwsError(
          'ValidationException',
          "1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )
      if (/\{\{[\s\S]*\}\}/.test(value))
        throw new AwsError(
          'ValidationException',
          'Parameter value can\'t nest another parameter. Do not use "{{}}" in the value.'
        )
      const allowed = str(body, 'AllowedPattern')
      if (allowed !== undefined && !new RegExp(allowed).test(value))
        throw new AwsError(
          'ParameterPatternMismatchException',
          `Parameter value, cannot be validated against allowedPattern: ${allowed}`
        )
      const existing = parameters.get(name)
      if (existing && !overwrite)
        throw new AwsError(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.'
        )
      const type = (str(body, 'Type') ?? existing?.type) as ParameterRecord['type'] | undefined
      if (!type)
        throw new AwsError(
          'ValidationException',
          'A parameter type is required when you create a parameter.'
        )
      if (!['String', 'SecureString', 'StringList'].includes(type))
        throw new AwsError('ValidationException', `Invalid parameter type ${type}.`)
      const keyId =
        type === 'SecureString'
          ? (str(body, 'KeyId') ?? existing?.keyId ?? 'alias/aws/ssm')
          : undefined
      if (
        keyId !== undefined &&
        options.kmsKeyIds &&
        keyId !== 'alias/aws/ssm' &&
        !options.kmsKeyIds.includes(keyId)
      )
        throw new AwsError('InvalidKeyId', 'The query key ID is not valid.')
      const bytes = utf8(value)
      const requested = str(body, 'Tier')
      let tier: 'Standard' | 'Advanced'
      if (requested === 'Advanced') tier = 'Advanced'
      else if (requested === 'Intelligent-Tiering')
        tier =
          bytes > limits.ssmStandardBytes || existing?.tier === 'Advanced' ? 'Advanced' : 'Standard'
      else if (requested === 'Standard' || requested === undefined) {
        if (requested === 'Standard' && existing?.tier === 'Advanced')
          throw new AwsError(
            'ValidationException',
            "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier."
          )
        tier = existing?.tier ?? 'Standard'
      } else throw new AwsError('ValidationException', `Invalid tier ${requested}.`)
      if (bytes > limits.ssmAdvancedBytes)
        throw new AwsError(
          'ValidationException',
          `Advanced tier parameters support a maximum parameter value of ${limits.ssmAdvancedBytes} characters.`
        )
      if (tier === 'Standard' && bytes > limits.ssmStandardBytes)
        throw new AwsError(
          'ValidationException',
          `Standard tier parameters support a maximum parameter value of ${limits.ssmStandardBytes} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`
        )
      const record: Omit<ParameterRecord, 'history'> = {
        name,
        value,
        type,
        tier,
        version: (existing?.version ?? 0) + 1,
        lastModified: Date.now(),
        tags: existing?.tags ?? new Map(tags),
        arn: existing?.arn ?? ssmArn(name)
      }
      if (keyId !== undefined) record.keyId = keyId
      const description = str(body, 'Description') ?? existing?.description
      if (description !== undefined) record.description = description
      parameters.set(name, withHistory(existing, record))
      return { Version: record.version, Tier: tier }
    },
    GetParameter(body) {
      const { name, selector } = splitSelector(str(body, 'Name', true)!)
      checkAccess('ssm', 'GetParameter', name)
      const bad = ssmNameProblem(name)
      if (bad && bad.type !== 'HierarchyLevelLimitExceededException') throw bad
      const p = parameters.get(name)
      if (!p) throw notFound()
      return {
        Parameter: paramJson(p, body.WithDecryption === true, pick(p, selector), selector)
      }
    },
    GetParameters(body) {
      const list = names(body, 'Names')
      for (const n of list) checkAccess('ssm', 'GetParameters', splitSelector(n).name)
      const found: Json[] = []
      const invalid: string[] = []
      for (const n of list) {
        const { name, selector } = splitSelector(n)
        const p = parameters.get(name)
        let version: ParameterVersion | undefined
        try {
          version = p && pick(p, selector)
        } catch (error) {
          if (!(error instanceof AwsError)) throw error
        }
        if (p && version) found.push(paramJson(p, body.WithDecryption === true, version, selector))
        else invalid.push(n)
      }
      return { Parameters: found, InvalidParameters: invalid }
    },
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameterHistory.html
    GetParameterHistory(body) {
      const name = str(body, 'Name', true)!
      checkAccess('ssm', 'GetParameterHistory', name)
      const p = parameters.get(name)
      if (!p) throw notFound()
      const limit = page(body.MaxResults as number | undefined, 50)
      const after = decodeToken(str(body, 'NextToken'), 'InvalidNextToken')
      const start = after === undefined ? 0 : Number(after)
      const slice = p.history.slice(start, start + limit)
      const out: Json = {
        Parameters: slice.map((v) => {
          const entry: Json = {
            Name: p.name,
            Type: v.type,
            LastModifiedDate: seconds(v.lastModified),
            LastModifiedUser: `arn:aws:iam::${accountId}:user/airlock`,
            Value: encrypted(v, body.WithDecryption === true),
            Version: v.version,
            Labels: [...v.labels],
            Tier: v.tier,
            Policies: [],
            DataType: 'text'
          }
          if (v.keyId !== undefined) entry.KeyId = v.keyId
          if (v.description !== undefined) entry.Description = v.description
          return entry
        })
      }
      if (start + limit < p.history.length) out.NextToken = encodeToken(String(start + limit))
      return out
    },
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-labels.html
    LabelParameterVersion(body) {
      const name = str(body, 'Name', true)!
      checkAccess('ssm', 'LabelParameterVersion', name)
      const p = parameters.get(name)
      if (!p) throw notFound()
      const labels = body.Labels
      if (!Array.isArray(labels) || labels.length < 1 || labels.length > 10)
        throw new AwsError(
          'ValidationException',
          "1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must have length less than or equal to 10"
        )
      const number = body.ParameterVersion === undefined ? p.version : Number(body.ParameterVersion)
      const target = p.history.find((v) => v.version === number)
      if (!target)
        throw new AwsError(
          'ParameterVersionNotFound',
          `Systems Manager could not find version ${number} of ${name}. Verify the version and try again.`
        )
      // Labels: up to 100 characters of letters, digits, `.`, `-`, `_`; not starting with a
      // digit or with aws/ssm. Invalid ones are answered back, not refused.
      const invalid = labels
        .map(String)
        .filter(
          (l) =>
            l.length > 100 || !/^[A-Za-z0-9_.-]+$/.test(l) || /^\d/.test(l) || /^(aws|ssm)/i.test(l)
        )
      const valid = labels.map(String).filter((l) => !invalid.includes(l))
      if (new Set([...target.labels, ...valid]).size > 10)
        throw new AwsError(
          'ParameterVersionLabelLimitExceeded',
          'A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.'
        )
      for (const l of valid) {
        for (const v of p.history) v.labels.delete(l)
        target.labels.add(l)
      }
      return { InvalidLabels: invalid, ParameterVersion: number }
    },
    GetParametersByPath(body) {
      const path = str(body, 'Path', true)!
      checkAccess('ssm', 'GetParametersByPath', path)
      if (!path.startsWith('/'))
        throw new AwsError(
          'ValidationException',
          'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".'
        )
      const limit = page(body.MaxResults as number | undefined, 10)
      const after = decodeToken(str(body, 'NextToken'), 'InvalidNextToken')
      const recursive = body.Recursive === true
      const matching = sortedParameters().filter(
        (p) => under(p.name, path, recursive) && (after === undefined || p.name > after)
      )
      pathPages++
      if (options.emptyPageEvery && pathPages % options.emptyPageEvery === 0 && matching.length)
        return { Parameters: [], NextToken: encodeToken(after ?? '') }
      const slice = matching.slice(0, limit)
      const out: Json = { Parameters: slice.map((p) => paramJson(p, body.WithDecryption === true)) }
      if (matching.length > slice.length) out.NextToken = encodeToken(slice[slice.length - 1]!.name)
      return out
    },
    DescribeParameters(body) {
      checkAccess('ssm', 'DescribeParameters')
      const limit = page(body.MaxResults as number | undefined, 50)
      const after = decodeToken(str(body, 'NextToken'), 'InvalidNextToken')
      const filters = (body.ParameterFilters as Json[] | undefined) ?? []
      const tests = filters.map((f) => {
        const key = String(f.Key)
        const option = f.Option === undefined ? undefined : String(f.Option)
        const values = ((f.Values as unknown[] | undefined) ?? []).map(String)
        if (key === 'Path')
          return (p: ParameterRecord) =>
            values.some((v) => under(p.name, v, option === 'Recursive'))
        if (key === 'Name') {
          if (values.length > 50)
            throw new AwsError('ValidationException', 'At most 50 values per filter.')
          return (p: ParameterRecord) =>
            values.some((v) =>
              option === 'BeginsWith'
                ? p.name.startsWith(v)
                : option === 'Contains'
                  ? p.name.includes(v)
                  : p.name === v
            )
        }
        if (key === 'Type') return (p: ParameterRecord) => values.includes(p.type)
        if (key === 'Tier') return (p: ParameterRecord) => values.includes(p.tier)
        throw new AwsError('InvalidFilterKey', `The filter key ${key} is not valid.`)
      })
      const matching = sortedParameters().filter(
        (p) => tests.every((t) => t(p)) && (after === undefined || p.name > after)
      )
      const slice = matching.slice(0, limit)
      const out: Json = { Parameters: slice.map(metaJson) }
      if (matching.length > slice.length) out.NextToken = encodeToken(slice[slice.length - 1]!.name)
      return out
    },
    DeleteParameter(body) {
      const name = str(body, 'Name', true)!
      checkAccess('ssm', 'DeleteParameter', name)
      if (!parameters.delete(name)) throw notFound()
      return {}
    },
    DeleteParameters(body) {
      const list = names(body, 'Names')
      for (const n of list) checkAccess('ssm', 'DeleteParameters', n)
      const deleted: string[] = []
      const invalid: string[] = []
      for (const n of list) (parameters.delete(n) ? deleted : invalid).push(n)
      return { DeletedParameters: deleted, InvalidParameters: invalid }
    },
    AddTagsToResource(body) {
      const id = str(body, 'ResourceId', true)!
      checkAccess('ssm', 'AddTagsToResource', id)
      if (body.ResourceType !== 'Parameter')
        throw new AwsError('InvalidResourceType', 'The resource type is not valid.')
      const p = parameters.get(id)
      if (!p) throw new AwsError('InvalidResourceId', 'The resource ID is not valid.')
      for (const [k, v] of readTags(body.Tags)) p.tags.set(k, v)
      return {}
    },
    ListTagsForResource(body) {
      const id = str(body, 'ResourceId', true)!
      checkAccess('ssm', 'ListTagsForResource', id)
      const p = parameters.get(id)
      if (!p) throw new AwsError('InvalidResourceId', 'The resource ID is not valid.')
      return { TagList: [...p.tags].map(([Key, Value]) => ({ Key, Value })) }
    }
  }

  // -------------------------------------------------------------------------------------
  // HTTP

  const sockets = new Set<Socket>()
  const send = (
    res: ServerResponse,
    status: number,
    body: Json,
    headers: Record<string, string> = {}
  ) => {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...headers
    })
    res.end(text)
  }
  const sendError = (
    res: ServerResponse,
    error: AwsError,
    record: AwsRequestRecord,
    headers = {}
  ) => {
    record.status = error.status
    record.error = error.type
    const qualified =
      error.type === 'ThrottlingException'
        ? `com.amazon.coral.availability#ThrottlingException`
        : error.type
    send(
      res,
      error.status,
      { __type: qualified, message: error.message },
      {
        'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazon.coral.service/`,
        ...headers
      }
    )
  }
  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => resolve(Buffer.concat(chunks)))
      req.on('error', reject)
    })

  /** Temporary keys issued by AssumeRole: access key id → what they were issued for. */
  const issued = new Map<string, { secret: string; token: string; roleArn: string }>()
  /** The secret key of an access key: ours, or one AssumeRole issued. */
  const secretFor = (accessKeyId: string) =>
    issued.get(accessKeyId)?.secret ?? keys.get(accessKeyId)
  /** STS (query protocol: a form body in, XML out): AssumeRole only. */
  const sts = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const form = new URLSearchParams(raw.toString('utf8'))
    const action = form.get('Action') ?? ''
    const auth = String(req.headers.authorization ?? '')
    const credential = /Credential=([^/,\s]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)
    const record: AwsRequestRecord = {
      service: 'sts',
      action,
      status: 200,
      accessKeyId: credential?.[1],
      sessionToken: Boolean(req.headers['x-amz-security-token'])
    }
    record.at = performance.now()
    requests.push(record)
    const xmlError = (status: number, code: string, message: string) => {
      record.status = status
      record.error = code
      res.writeHead(status, { 'Content-Type': 'text/xml' })
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
      )
    }
    // https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
    const verified = verifySigV4(req, raw, secretFor)
    if (!verified.ok)
      return verified.type === 'UnrecognizedClientException'
        ? xmlError(403, 'InvalidClientTokenId', verified.message)
        : verified.type === 'MissingAuthenticationTokenException'
          ? xmlError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token')
          : verified.type === 'IncompleteSignatureException'
            ? xmlError(400, 'IncompleteSignature', verified.message)
            : xmlError(403, 'SignatureDoesNotMatch', verified.message)
    if (!credential || credential[2] !== 'sts')
      return xmlError(
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.'
      )
    if (action !== 'AssumeRole')
      return xmlError(400, 'InvalidAction', `Could not find operation ${action}`)
    const roleArn = form.get('RoleArn') ?? ''
    const session = form.get('RoleSessionName') ?? ''
    const match = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@/-]+)$/.exec(roleArn)
    if (!match) return xmlError(400, 'ValidationError', 'RoleArn is not a valid role ARN.')
    if (!/^[\w+=,.@-]{2,64}$/.test(session))
      return xmlError(400, 'ValidationError', 'RoleSessionName does not satisfy its constraints.')
    const wanted = options.roles?.[roleArn]
    if (options.roles && !wanted)
      return xmlError(
        403,
        'AccessDenied',
        `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`
      )
    if (wanted?.externalId !== undefined && form.get('ExternalId') !== wanted.externalId)
      return xmlError(403, 'AccessDenied', 'The external id does not match.')
    const seconds = Number(form.get('DurationSeconds') ?? 3600)
    const keyId = `ASIA${suffix().toUpperCase()}${issued.size.toString().padStart(10, '0')}`
    const secret = `emulated-secret-${randomUUID()}`
    const token = `emulated-token-${randomUUID()}`
    issued.set(keyId, { secret, token, roleArn })
    const role = match[2]!.split('/').pop()!
    res.writeHead(200, { 'Content-Type': 'text/xml' })
    res.end(
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${keyId}</AccessKeyId><SecretAccessKey>${secret}</SecretAccessKey><SessionToken>${token}</SessionToken><Expiration>${new Date(Date.now() + seconds * 1000).toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAEMULATOR:${session}</AssumedRoleId><Arn>arn:aws:sts::${match[1]}:assumed-role/${role}/${session}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`
    )
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req)
    const text = raw.toString('utf8')
    if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return sts(req, res, raw)
    const target = String(req.headers['x-amz-target'] ?? '')
    const [prefix, action = ''] = target.split('.')
    const service: AwsService | undefined =
      prefix === 'secretsmanager' ? 'secretsmanager' : prefix === 'AmazonSSM' ? 'ssm' : undefined
    const record: AwsRequestRecord = {
      service: service ?? 'ssm',
      action,
      status: 200,
      attempt: req.headers['amz-sdk-request'] as string | undefined
    }
    record.at = performance.now()
    requests.push(record)
    // One draw per switch per request, so a seed gives the same faults in the same order.
    const draws = { throttle: rng(), error: rng(), drop: rng(), after: rng() }
    if (faults.latencyMs) {
      const era = resets
      await new Promise((r) => setTimeout(r, faults.latencyMs))
      // a request still waiting when a test reset the emulator belongs to a caller that is gone
      // (an aborted read): it must not take a fault the next test injects
      if (era !== resets) return void req.socket.destroy()
    }
    const queued = injected.findIndex((q) => !q.action || q.action.test(action))
    const inject = queued >= 0 ? injected.splice(queued, 1)[0]!.fault : undefined
    const throttle = (retryAfter: number | null | undefined) => {
      record.fault = 'throttle'
      const type = faults.throttleError ?? 'ThrottlingException'
      sendError(
        res,
        new AwsError(type, 'Rate exceeded'),
        record,
        retryAfter === null || retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }
      )
    }
    const serverError = (status: 500 | 503) => {
      record.fault = 'error'
      const type =
        status === 503
          ? 'ServiceUnavailable'
          : service === 'secretsmanager'
            ? 'InternalServiceError'
            : 'InternalServerError'
      sendError(res, new AwsError(type, 'An internal error occurred.', status), record)
    }
    const drop = (after: boolean) => {
      record.fault = after ? 'drop-after-apply' : 'drop'
      record.status = 0
      req.socket.destroy()
    }
    if (!inject && quota && !quota.take().ok) return throttle(faults.retryAfterSeconds)
    if (inject?.kind === 'throttle')
      return throttle(
        inject.retryAfterSeconds === undefined ? faults.retryAfterSeconds : inject.retryAfterSeconds
      )
    if (inject?.kind === 'error') return serverError(inject.status ?? 500)
    if (inject?.kind === 'drop' && !inject.afterApply) return drop(false)
    if (draws.throttle < (faults.throttleRate ?? 0)) return throttle(faults.retryAfterSeconds)
    if (draws.error < (faults.errorRate ?? 0)) return serverError(faults.errorStatus ?? 500)
    if (draws.drop < (faults.dropRate ?? 0)) return drop(false)

    // Signature Version 4, verified as AWS does; errors as the JSON services answer them
    // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html,
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html).
    const verified = verifySigV4(req, raw, secretFor)
    record.accessKeyId = verified.credential?.accessKeyId
    record.sessionToken = Boolean(req.headers['x-amz-security-token'])
    const refuse = (failure: SigV4Failure, status = 400) =>
      sendError(res, new AwsError(failure.type, failure.message, status), record)
    if (!verified.ok)
      return refuse(verified, verified.type === 'MissingAuthenticationTokenException' ? 403 : 400)
    const credential = verified.credential
    const temporary = issued.get(credential.accessKeyId)
    if (temporary && req.headers['x-amz-security-token'] !== temporary.token)
      return refuse({
        type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.'
      })
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(credential.region))
      return refuse({
        type: 'InvalidSignatureException',
        message: `Credential should be scoped to a valid region, not '${credential.region}'. `
      })
    const table = service === 'secretsmanager' ? sm : service === 'ssm' ? ssm : undefined
    const fn = table && Object.hasOwn(table, action) ? table[action] : undefined
    if (!fn)
      return sendError(
        res,
        new AwsError('UnknownOperationException', `Unknown operation ${target}`),
        record
      )
    if (credential.service !== service)
      return sendError(
        res,
        new AwsError(
          'InvalidSignatureException',
          `Credential should be scoped to correct service: '${service}'.`
        ),
        record
      )
    let body: Json
    try {
      const parsed: unknown = text ? JSON.parse(text) : {}
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('not an object')
      body = parsed as Json
    } catch {
      return sendError(
        res,
        new AwsError(
          'SerializationException',
          'Start of structure or map found where not expected.'
        ),
        record
      )
    }
    let out: Json
    try {
      useRegion(credential.region)
      out = fn(body)
    } catch (error) {
      if (error instanceof AwsError) return sendError(res, error, record)
      throw error
    }
    if (
      (inject?.kind === 'drop' && inject.afterApply) ||
      draws.after < (faults.dropAfterApplyRate ?? 0)
    )
      return drop(true)
    send(res, 200, out)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, { __type: 'InternalFailure', message: String((error as Error).message) })
    })
  })
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  const secretState = (s: SecretRecord): AwsSecretState => {
    const cur = current(s)
    const state: AwsSecretState = {
      name: s.name,
      arn: s.arn,
      value: cur?.value,
      tags: Object.fromEntries(s.tags),
      versionIds: [...s.versions.values()].filter((v) => v.stages.size > 0).map((v) => v.id),
      currentVersionId: cur?.id
    }
    if (s.description !== undefined) state.description = s.description
    if (s.deletedDate !== undefined) state.deletedDate = new Date(s.deletedDate)
    return state
  }

  const emulator: AwsEmulator = {
    url: `http://127.0.0.1:${port}`,
    region,
    accountId,
    credentials: {
      accessKeyId: [...keys.keys()][0]!,
      secretAccessKey: options.secretAccessKey ?? 'emulator-secret'
    },
    requests,
    count(action) {
      return requests.filter((r) =>
        action === undefined
          ? true
          : typeof action === 'string'
            ? r.action === action
            : action.test(r.action)
      ).length
    },
    clearRequests() {
      requests.length = 0
    },
    async close() {
      server.closeAllConnections()
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    reset() {
      resets++
      stores.clear()
      useRegion(region)
      injected.length = 0
      pathPages = 0
    },
    setFaults(next) {
      faults = { ...next }
      quota = faults.rateLimit ? fixedWindowQuota(faults.rateLimit) : undefined
    },
    setDeny(rules) {
      deny = rules
    },
    setPageSize(size) {
      pageSize = size
    },
    inject(fault, count = 1, action) {
      for (let k = 0; k < count; k++) injected.push(action ? { fault, action } : { fault })
    },
    putSecret(name, value, opts = {}) {
      useRegion(region)
      let s = secrets.get(name)
      if (!s) {
        const now = Date.now()
        s = {
          name,
          arn: smArn(name),
          tags: new Map(),
          versions: new Map(),
          created: now,
          lastChanged: now
        }
        secrets.set(name, s)
      }
      for (const [k, v] of Object.entries(opts.tags ?? {})) s.tags.set(k, v)
      if (opts.description !== undefined) s.description = opts.description
      addVersion(s, randomUUID(), value)
    },
    scheduleDeletion(name) {
      useRegion(region)
      const s = secrets.get(name)
      if (!s) throw new Error(`no secret ${name}`)
      s.deletedDate = Date.now()
    },
    secret(name) {
      useRegion(region)
      const s = secrets.get(name)
      return s && secretState(s)
    },
    secretNames() {
      useRegion(region)
      return sortedSecrets().map((s) => s.name)
    },
    putParameter(name, value, opts = {}) {
      useRegion(region)
      const existing = parameters.get(name)
      const record: Omit<ParameterRecord, 'history'> = {
        name,
        value,
        type: opts.type ?? 'String',
        tier: opts.tier ?? 'Standard',
        version: (existing?.version ?? 0) + 1,
        lastModified: Date.now(),
        tags: new Map(Object.entries(opts.tags ?? {})),
        arn: ssmArn(name)
      }
      if (opts.keyId !== undefined) record.keyId = opts.keyId
      if (opts.description !== undefined) record.description = opts.description
      parameters.set(name, withHistory(existing, record))
    },
    parameter(name) {
      useRegion(region)
      const p = parameters.get(name)
      if (!p) return undefined
      const state: AwsParameterState = {
        name: p.name,
        value: p.value,
        type: p.type,
        tier: p.tier,
        version: p.version,
        tags: Object.fromEntries(p.tags)
      }
      if (p.keyId !== undefined) state.keyId = p.keyId
      if (p.description !== undefined) state.description = p.description
      return state
    },
    parameterNames() {
      useRegion(region)
      return sortedParameters().map((p) => p.name)
    }
  }
  return emulator
}
