/**
 * The names of the stores a profile can point at, as plain data: the zod schemas and the
 * renderer need them, and contract imports only zod. Everything else Airlock knows about
 * each one (labels, Airflow class paths, credential methods, secret kwargs, its lookup
 * rules) is its record in core/providers.ts, which is checked to cover every name here.
 */

/** The secrets services Airflow reads through a `[secrets] backend` class. */
export const SECRETS_SERVICE_KINDS = [
  'vault',
  'aws-secrets-manager',
  'aws-ssm',
  'azure-key-vault',
  'gcp-secret-manager'
] as const

/** One of them. */
export type SecretsServiceKind = (typeof SECRETS_SERVICE_KINDS)[number]

/** The kinds of store a profile can point at: the metadata DB and every secrets service. */
export const PROFILE_KIND_IDS = ['metadb', ...SECRETS_SERVICE_KINDS] as const

/** One of them. */
export type ProfileKindId = (typeof PROFILE_KIND_IDS)[number]

/**
 * The secrets a profile may keep in the keychain, besides secret backend_kwargs; which ones
 * a profile needs depends on its kind and credential method.
 */
export const PROFILE_SECRET_FIELDS = [
  'password',
  'fernetKey',
  'token',
  'secretId',
  'secretAccessKey',
  'sessionToken',
  'clientSecret',
  'serviceAccountKey'
] as const

/** One of them. */
export type ProfileSecretField = (typeof PROFILE_SECRET_FIELDS)[number]

/** Whether a name is one of the secrets services. */
export function isSecretsServiceKind(name: string): name is SecretsServiceKind {
  return (SECRETS_SERVICE_KINDS as readonly string[]).includes(name)
}
