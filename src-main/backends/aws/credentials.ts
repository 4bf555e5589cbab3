/**
 * Credentials for the AWS backends beyond what the SDK resolves by itself: assuming an IAM
 * role (STS AssumeRole) from base credentials — static keys from the keychain, a named
 * profile, or the SDK's default chain. The temporary credentials are cached and renewed five
 * minutes before they expire; they live in memory only.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { AirlockError } from '../../core/errors'
import type { AwsCredentials, AwsStoreOptions } from './common'
import type { ServiceProfile } from '../../core/providers'

export interface AssumeRoleOptions {
  /** `arn:aws:iam::123456789012:role/airflow-secrets`. */
  roleArn: string
  /** Default `airlock`. */
  sessionName?: string
  externalId?: string
  /** Default 3600 (AWS allows 900 up to the role's maximum). */
  durationSeconds?: number
  /** The region of the STS endpoint (default the backend's region, else us-east-1). */
  region?: string
  /** An STS endpoint (a VPC endpoint or a local emulator). */
  endpoint?: string
  /** Base credentials; absent: `profile`, else the SDK's default chain. */
  base?: AwsCredentials
  profile?: string
  /** Names the profile in messages. */
  label: string
}

interface Temporary {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: Date
}

const RENEW_BEFORE_MS = 5 * 60_000

/** A credentials provider that assumes the role, for the SDK clients' `credentials`. */
export function assumeRoleCredentials(options: AssumeRoleOptions): () => Promise<Temporary> {
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(options.roleArn))
    throw new AirlockError(
      'usage',
      `${options.label}: role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/name.`
    )
  const duration = options.durationSeconds ?? 3600
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
    throw new AirlockError(
      'usage',
      `${options.label}: duration_seconds must be a whole number from 900 to 43200.`
    )
  let cached: Temporary | undefined
  let pending: Promise<Temporary> | undefined
  const assume = async (): Promise<Temporary> => {
    const client = new STSClient({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.base ? { credentials: options.base } : {}),
      ...(options.profile && !options.base ? { profile: options.profile } : {})
    })
    try {
      const out = await client.send(
        new AssumeRoleCommand({
          RoleArn: options.roleArn,
          RoleSessionName: options.sessionName ?? 'airlock',
          DurationSeconds: duration,
          ...(options.externalId ? { ExternalId: options.externalId } : {})
        })
      )
      const c = out.Credentials
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
        throw new AirlockError(
          'backend.auth',
          `${options.label}: STS answered AssumeRole for ${options.roleArn} without credentials.`
        )
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration ?? new Date(Date.now() + duration * 1000)
      }
    } catch (error) {
      if (error instanceof AirlockError) throw error
      const name = (error as { name?: string })?.name ?? 'error'
      const denied = /AccessDenied|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken/.test(
        name
      )
      throw new AirlockError(
        denied ? 'backend.auth' : 'backend.unreachable',
        denied
          ? `${options.label}: AWS refused to let these credentials assume ${options.roleArn} (${name}); check the role's trust policy, the external id and the base credentials.`
          : `${options.label}: could not assume ${options.roleArn} (${name}); check the region, endpoint and network.`,
        { cause: new Error(name) }
      )
    } finally {
      client.destroy()
    }
  }
  return async () => {
    if (cached && cached.expiration.getTime() - Date.now() > RENEW_BEFORE_MS) return cached
    pending ??= assume().finally(() => (pending = undefined))
    cached = await pending
    return cached
  }
}

/**
 * An AWS profile (Secrets Manager or SSM) as client options: static keys, a role assumed from
 * base credentials, a named profile, or the default chain.
 */
export function awsOptionsFromProfile(
  p: ServiceProfile
): AwsStoreOptions & { id: string; backendKwargs: Readonly<Record<string, unknown>> } {
  const staticKeys =
    (p.method === 'static' || p.method === 'assume-role') &&
    p.params.access_key_id &&
    p.secrets.secretAccessKey
      ? {
          accessKeyId: p.params.access_key_id,
          secretAccessKey: p.secrets.secretAccessKey,
          ...(p.secrets.sessionToken ? { sessionToken: p.secrets.sessionToken } : {})
        }
      : undefined
  let credentials: AwsCredentials | undefined = p.method === 'static' ? staticKeys : undefined
  if (p.method === 'assume-role') {
    if (!p.params.role_arn)
      throw new AirlockError(
        'usage',
        `Profile ${p.name}: assume-role needs --param role_arn=arn:aws:iam::ACCOUNT:role/NAME.`
      )
    credentials = assumeRoleCredentials({
      label: `Profile ${p.name}`,
      roleArn: p.params.role_arn,
      sessionName: p.params.role_session_name,
      externalId: p.params.external_id,
      durationSeconds: p.params.duration_seconds ? Number(p.params.duration_seconds) : undefined,
      region: p.region ?? undefined,
      endpoint: p.params.sts_endpoint ?? p.url ?? undefined,
      base: staticKeys,
      profile: p.params.source_profile
    })
  }
  return {
    id: p.id,
    backendKwargs: p.backendKwargs,
    dialect: p.dialect,
    region: p.region ?? undefined,
    endpoint: p.url ?? undefined,
    credentials,
    profile: p.method === 'profile' ? p.params.profile_name : undefined
  }
}
