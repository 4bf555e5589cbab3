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

/** Where a profile form field's value is kept. */
export type ProfileFieldStore = 'url' | 'region' | 'param' | 'kwarg' | 'secret'

/**
 * One labelled field of the profile form, for one kind (and, when `methods` is given, only for
 * those credential methods). The form renders from these, and add/edit check a profile against
 * them (core/profile-fields.ts), so the app and the CLI refuse the same input.
 */
export interface ProfileFieldSpec {
  /** `url`, `region`, `param.<name>`, `kwarg.<name>` or `secret.<name>`; unique within a kind. */
  id: string
  store: ProfileFieldStore
  /** The credential param, backend kwarg or secret name; `url` / `region` for those. */
  name: string
  label: string
  /** `password` fields are secrets: typed once, kept in the keychain, never shown again. */
  type: 'text' | 'select' | 'password' | 'number'
  /** Optional fields say so beside their label; a missing required one is refused, by name. */
  required: boolean
  /** Only shown and checked for these credential methods; absent: for every method. */
  methods?: string[]
  /** A select's choices (the first is the default); values as the profile stores them. */
  options?: { value: string; label: string }[]
  /** A select that also takes any value matching this (a region AWS added after this list). */
  pattern?: string
  /** A backend kwarg kept as a number (`kv_engine_version`, …). */
  numeric?: boolean
  min?: number
  max?: number
  placeholder?: string
  /** One short sentence under the field: the default, or where Airflow takes it from. */
  help?: string
  /** Backend kwargs that stand in for this field when it is empty (Vault's `url` kwarg). */
  orKwargs?: string[]
}
