/**
 * One record per store a profile can point at — the metadata DB and each secrets service —
 * from which every list of backend kinds derives: the profile kinds and credential methods
 * of the settings file, the secrets a profile keeps in the keychain, the secret
 * backend_kwargs, the Airflow class paths `explain` and the airflow.cfg import recognise,
 * the explain/decode dispatch, the labels the profile form shows. A sixth service is one
 * record here (docs/adding-a-backend.md). Pure data and functions.
 */
import {
  PROFILE_KIND_IDS,
  SECRETS_SERVICE_KINDS,
  type ProfileKindId,
  type ProfileSecretField,
  type SecretsServiceKind
} from '../contract/providers'
import type { AppInfoDto } from '../contract/ipc'
import { METHOD_LABELS, PROFILE_FIELDS } from './profile-fields'
import type { PyValue } from './codecs/py-json'
import type { Dialect } from './model'
import {
  decodeAwsSecretsManager,
  explainAwsSecretsManager
} from './airflow-secrets/aws-secrets-manager'
import { decodeAwsSsm, explainAwsSsm } from './airflow-secrets/aws-ssm'
import { decodeAzureKeyVault, explainAzureKeyVault } from './airflow-secrets/azure-key-vault'
import {
  decodeGcpSecretManager,
  explainGcpSecretManager
} from './airflow-secrets/gcp-secret-manager'
import type { DecodeOutcome, Explanation, LookupKind, LookupOptions } from './airflow-secrets/types'
import { decodeVault, explainVault } from './airflow-secrets/vault'

export {
  PROFILE_KIND_IDS,
  SECRETS_SERVICE_KINDS,
  type ProfileKindId,
  type ProfileSecretField,
  type SecretsServiceKind
} from '../contract/providers'

/** One way a profile authenticates. */
export interface CredentialMethod {
  /** The name a profile stores as `credential.method` and the CLI takes as `--auth`. */
  method: string
  /** The profile secrets it needs, in prompt order; they live in the keychain. */
  secrets: readonly ProfileSecretField[]
  /** The non-secret `credential.params` it reads (`--param key=value`). */
  params: readonly string[]
}

/** What Airflow does for one secrets service: where it looks and what it makes of a value. */
export interface LookupModule {
  /** Where the backend, built with `kwargs`, looks for `key`. Throws where Airflow raises. */
  explain(
    kwargs: Readonly<Record<string, unknown>>,
    kind: LookupKind,
    key: string,
    options?: LookupOptions
  ): Explanation
  /** What the backend returns for `key` when the service holds `stored`. */
  decode(
    kwargs: Readonly<Record<string, unknown>>,
    kind: LookupKind,
    key: string,
    stored: PyValue,
    options?: LookupOptions
  ): DecodeOutcome
}

/** A store a profile can point at. */
export interface ProfileProvider {
  kind: ProfileKindId
  /** The service's name as its vendor writes it. */
  label: string
  /** The locator scheme that opens it from a profile name (`vault:prod`). */
  locatorScheme: string
  /** The first is the default (`airlock profile add` without `--auth`). */
  credentialMethods: readonly CredentialMethod[]
}

/** A secrets service Airflow reads through a `[secrets] backend` class. */
export interface SecretsServiceProvider extends ProfileProvider {
  kind: SecretsServiceKind
  /** The `[secrets] backend` class paths that mean this service. */
  classPaths: readonly string[]
  /** backend_kwargs that hold secrets: they go to the keychain, never to the settings file. */
  secretKwargs: readonly string[]
  lookup: LookupModule
  /**
   * The credential method of a profile imported from airflow.cfg, from the backend's kwargs
   * split into the plain ones and the secret ones.
   */
  importedMethod(
    kwargs: Readonly<Record<string, unknown>>,
    secretKwargs: Readonly<Record<string, unknown>>
  ): string
  /**
   * backend_kwargs that let the provider's constructor checks pass when a profile's
   * credentials live in the keychain, for `explain`-style lookups only: placeholders where a
   * secret is absent, never printed. Absent: the profile's kwargs as they are.
   */
  lookupKwargs?(
    kwargs: Readonly<Record<string, unknown>>,
    method: string,
    params: Readonly<Record<string, string>>,
    secrets: Readonly<Partial<Record<ProfileSecretField, string>>>
  ): Record<string, unknown>
}

const AWS_METHODS: readonly CredentialMethod[] = [
  { method: 'default-chain', secrets: [], params: [] },
  { method: 'profile', secrets: [], params: ['profile_name'] },
  { method: 'static', secrets: ['secretAccessKey', 'sessionToken'], params: ['access_key_id'] },
  {
    method: 'assume-role',
    secrets: ['secretAccessKey', 'sessionToken'],
    params: [
      'role_arn',
      'role_session_name',
      'external_id',
      'duration_seconds',
      'sts_endpoint',
      'source_profile',
      'access_key_id'
    ]
  }
]

const AWS_SECRET_KWARGS = ['aws_secret_access_key', 'aws_session_token'] as const

/** The Airflow metadata DB (its rows, not a secrets service). */
export const METADB_PROVIDER = {
  kind: 'metadb',
  label: 'Airflow metadata DB',
  locatorScheme: 'metadb',
  credentialMethods: [
    { method: 'password', secrets: ['password', 'fernetKey'], params: [] },
    { method: 'none', secrets: ['fernetKey'], params: [] }
  ]
} as const satisfies ProfileProvider

/** Every secrets service, by kind. */
export const SECRETS_SERVICES: {
  readonly [K in SecretsServiceKind]: SecretsServiceProvider & { kind: K }
} = {
  vault: {
    kind: 'vault',
    label: 'HashiCorp Vault',
    locatorScheme: 'vault',
    classPaths: ['airflow.providers.hashicorp.secrets.vault.VaultBackend'],
    credentialMethods: [
      { method: 'token', secrets: ['token'], params: [] },
      { method: 'approle', secrets: ['secretId'], params: ['role_id'] },
      // kubernetes_role, kubernetes_jwt_path and auth_mount_point are backend_kwargs, as Airflow names them
      { method: 'kubernetes', secrets: [], params: [] }
    ],
    secretKwargs: [
      'token',
      'secret_id',
      'password',
      'radius_secret',
      'jwt_token',
      'gcp_keyfile_dict'
    ],
    lookup: { explain: explainVault, decode: decodeVault },
    importedMethod: (kwargs) =>
      kwargs.auth_type === 'approle' || kwargs.auth_type === 'kubernetes'
        ? kwargs.auth_type
        : 'token',
    lookupKwargs: (kwargs, method, params, secrets) =>
      method === 'approle'
        ? { ...kwargs, auth_type: 'approle', role_id: params.role_id ?? 'role' }
        : method === 'kubernetes'
          ? {
              ...kwargs,
              auth_type: 'kubernetes',
              kubernetes_role: kwargs.kubernetes_role || 'role'
            }
          : { ...kwargs, token: secrets.token ?? 'token' }
  },
  'aws-secrets-manager': {
    kind: 'aws-secrets-manager',
    label: 'AWS Secrets Manager',
    locatorScheme: 'aws-secrets-manager',
    classPaths: ['airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend'],
    credentialMethods: AWS_METHODS,
    secretKwargs: AWS_SECRET_KWARGS,
    lookup: { explain: explainAwsSecretsManager, decode: decodeAwsSecretsManager },
    importedMethod: () => 'default-chain'
  },
  'aws-ssm': {
    kind: 'aws-ssm',
    label: 'AWS Systems Manager Parameter Store',
    locatorScheme: 'aws-ssm',
    classPaths: [
      'airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend'
    ],
    credentialMethods: AWS_METHODS,
    secretKwargs: AWS_SECRET_KWARGS,
    lookup: { explain: explainAwsSsm, decode: decodeAwsSsm },
    importedMethod: () => 'default-chain'
  },
  'azure-key-vault': {
    kind: 'azure-key-vault',
    label: 'Azure Key Vault',
    locatorScheme: 'azure-key-vault',
    classPaths: ['airflow.providers.microsoft.azure.secrets.key_vault.AzureKeyVaultBackend'],
    credentialMethods: [
      { method: 'client-secret', secrets: ['clientSecret'], params: ['tenant_id', 'client_id'] },
      { method: 'default', secrets: [], params: [] }
    ],
    secretKwargs: ['client_secret'],
    lookup: { explain: explainAzureKeyVault, decode: decodeAzureKeyVault },
    importedMethod: (kwargs) => (kwargs.client_id ? 'client-secret' : 'default')
  },
  'gcp-secret-manager': {
    kind: 'gcp-secret-manager',
    label: 'Google Cloud Secret Manager',
    locatorScheme: 'gcp-secret-manager',
    classPaths: ['airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend'],
    credentialMethods: [
      { method: 'service-account-key', secrets: ['serviceAccountKey'], params: [] },
      // `gcp_key_path` in backend_kwargs: a key file Airflow's workers read too
      { method: 'key-file', secrets: [], params: [] },
      { method: 'adc', secrets: [], params: [] }
    ],
    secretKwargs: ['gcp_keyfile_dict'],
    lookup: { explain: explainGcpSecretManager, decode: decodeGcpSecretManager },
    importedMethod: (kwargs, secretKwargs) =>
      secretKwargs.gcp_keyfile_dict
        ? 'service-account-key'
        : kwargs.gcp_key_path
          ? 'key-file'
          : 'adc'
  }
}

/** Every store a profile can point at, by kind. */
export const PROFILE_PROVIDERS: {
  readonly [K in ProfileKindId]: ProfileProvider & { kind: K }
} = { metadb: METADB_PROVIDER, ...SECRETS_SERVICES }

/** The stores that are not a profile: files, the environment, memory, the metastore by URL. */
export const LOCAL_STORE_KINDS = [
  'in-memory',
  'metastore',
  'env',
  'env-file',
  'airflow-export',
  'lfs',
  'astro'
] as const

/** Every kind of store Airlock opens (a `Backend`'s `kind`). */
export const BACKEND_KINDS = [...LOCAL_STORE_KINDS, ...SECRETS_SERVICE_KINDS] as const

/** One of them. */
export type BackendKind = (typeof BACKEND_KINDS)[number]

/** What the profile form calls each secret. */
export const SECRET_LABELS: Readonly<Record<ProfileSecretField, string>> = {
  password: 'Database password',
  fernetKey: 'Fernet key',
  token: 'Vault token',
  secretId: 'AppRole secret id',
  secretAccessKey: 'AWS secret access key',
  sessionToken: 'AWS session token',
  clientSecret: 'Azure client secret',
  serviceAccountKey: 'GCP service account key (JSON)'
}

/** The credential method names of a kind; the first is the default. */
export function credentialMethodNames(kind: ProfileKindId): readonly string[] {
  return PROFILE_PROVIDERS[kind].credentialMethods.map((m) => m.method)
}

/** The secrets a kind's credential method needs; none for a method the kind does not have. */
export function secretsOfMethod(kind: ProfileKindId, method: string): ProfileSecretField[] {
  return [
    ...(PROFILE_PROVIDERS[kind].credentialMethods.find((m) => m.method === method)?.secrets ?? [])
  ]
}

/** backend_kwargs of any service that hold secrets. */
export const SECRET_KWARGS: ReadonlySet<string> = new Set(
  SECRETS_SERVICE_KINDS.flatMap((kind) => SECRETS_SERVICES[kind].secretKwargs)
)

/** `[secrets] backend` class path → the secrets service it means. */
export const SECRETS_SERVICE_CLASSES: Readonly<Record<string, SecretsServiceKind>> =
  Object.fromEntries(
    SECRETS_SERVICE_KINDS.flatMap((kind) =>
      SECRETS_SERVICES[kind].classPaths.map((path) => [path, kind] as const)
    )
  )

/** The secrets service a `[secrets] backend` class path means; undefined for any other class. */
export function secretsServiceOfClass(className: string): SecretsServiceKind | undefined {
  return Object.hasOwn(SECRETS_SERVICE_CLASSES, className)
    ? SECRETS_SERVICE_CLASSES[className]
    : undefined
}

/**
 * What `app:info` says of each profile kind: its label, its methods (labelled) and their
 * secrets, the secrets' labels, and the labelled fields the profile form renders.
 */
export function profileKindsInfo(): AppInfoDto['profileKinds'] {
  return PROFILE_KIND_IDS.map((kind) => {
    const methods = PROFILE_PROVIDERS[kind].credentialMethods
    return {
      kind,
      label: PROFILE_PROVIDERS[kind].label,
      fields: PROFILE_FIELDS[kind].map((f) => ({ ...f })),
      methods: methods.map((m) => ({
        method: m.method,
        label: METHOD_LABELS[kind][m.method] ?? m.method,
        secrets: [...m.secrets],
        params: [...m.params]
      })),
      secretLabels: Object.fromEntries(
        methods.flatMap((m) => m.secrets).map((s) => [s, SECRET_LABELS[s]])
      )
    }
  })
}

/**
 * A saved profile of a secrets service as its backend's factory sees it: plain data, with its
 * secrets from the keychain (secret backend_kwargs already merged into `backendKwargs`). Each
 * backend file turns it into its own options (`vaultFromProfile`, …), so what a credential
 * method means for a service is written beside that service's calls.
 */
export interface ServiceProfile {
  kind: SecretsServiceKind
  /** The profile's name, for messages. */
  name: string
  /** The backend id: `<kind>:<name>`. */
  id: string
  url: string | null
  region: string | null
  backendKwargs: Record<string, unknown>
  /** The credential method and its non-secret parameters. */
  method: string
  params: Readonly<Record<string, string>>
  /** The profile's secrets by field (token, secretId, secretAccessKey, …). */
  secrets: Readonly<Partial<Record<ProfileSecretField, string>>>
  /** Whose connection code reads the store (by the profile's Airflow version). */
  dialect: Dialect
}
