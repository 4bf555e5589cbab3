/**
 * Builds backends: the only `switch (kind)` (STYLE §4). It maps a kind to its factory and
 * nothing else; which store a locator or a saved profile names is decided in
 * operations/open-store.ts, so that backends never import platform.
 *
 * Every backend's module is loaded only when that kind is built: the secrets services' (and the
 * vendor SDKs they import: AWS, Azure, Google, Vault — over a hundred packages, seconds of
 * start-up on a busy machine), and the file and database ones too, so `airlock diff envfile:…`
 * compiles neither the metastore and its SQL schema nor the YAML file stores (issue #22).
 */
import type { AirflowExportOptions } from './airflow-export'
import type { AstroSettingsOptions } from './astro'
import type { Backend, BackendKind } from './backend'
import type { AwsSecretsManagerOptions } from './aws-secrets-manager'
import type { AwsSsmOptions } from './aws-ssm'
import type { AzureKeyVaultOptions } from './azure-key-vault'
import type { EnvOptions } from './env'
import type { EnvFileOptions } from './env-file'
import type { GcpSecretManagerOptions } from './gcp-secret-manager'
import type { InMemoryOptions } from './in-memory'
import type { LfsOptions } from './lfs'
import type { MetastoreOptions } from './metastore'
import type { VaultOptions } from './vault'
import type { SecretsServiceKind } from '../contract/providers'
import type { ServiceProfile } from '../core/providers'

/** The options each kind of backend is built from. */
export interface BackendOptionsByKind {
  'in-memory': InMemoryOptions
  metastore: MetastoreOptions
  env: EnvOptions
  'env-file': EnvFileOptions
  'airflow-export': AirflowExportOptions
  lfs: LfsOptions
  astro: AstroSettingsOptions
  vault: VaultOptions
  'aws-secrets-manager': AwsSecretsManagerOptions
  'aws-ssm': AwsSsmOptions
  'azure-key-vault': AzureKeyVaultOptions
  'gcp-secret-manager': GcpSecretManagerOptions
}

/** A backend to build: its kind and that kind's options. */
export type BackendSpec = {
  [K in BackendKind]: { kind: K; options: BackendOptionsByKind[K] }
}[BackendKind]

/** Builds the backend a spec describes (connecting happens on first use, not here). */
export async function createBackend(spec: BackendSpec): Promise<Backend> {
  switch (spec.kind) {
    case 'in-memory':
      return new (await import('./in-memory')).InMemoryBackend(spec.options)
    case 'metastore':
      return new (await import('./metastore')).MetastoreBackend(spec.options)
    case 'env':
      return new (await import('./env')).EnvBackend(spec.options)
    case 'env-file':
      return new (await import('./env-file')).EnvFileBackend(spec.options)
    case 'airflow-export':
      return new (await import('./airflow-export')).AirflowExportBackend(spec.options)
    case 'lfs':
      return new (await import('./lfs')).LfsBackend(spec.options)
    case 'astro':
      return new (await import('./astro')).AstroSettingsBackend(spec.options)
    case 'vault':
      return new (await import('./vault')).VaultBackend(spec.options)
    case 'aws-secrets-manager':
      return new (await import('./aws-secrets-manager')).AwsSecretsManagerBackend(spec.options)
    case 'aws-ssm':
      return new (await import('./aws-ssm')).AwsSsmBackend(spec.options)
    case 'azure-key-vault':
      return new (await import('./azure-key-vault')).AzureKeyVaultBackend(spec.options)
    case 'gcp-secret-manager':
      return new (await import('./gcp-secret-manager')).GcpSecretManagerBackend(spec.options)
  }
}

/**
 * Each secrets service's backend, built from a saved profile (its module loaded on first use).
 * Typed over every service kind, so a new service does not compile until its factory is here.
 */
export const SERVICE_FACTORIES: {
  readonly [K in SecretsServiceKind]: () => Promise<
    (profile: ServiceProfile & { kind: K }) => Backend
  >
} = {
  vault: async () => (await import('./vault')).vaultFromProfile,
  'aws-secrets-manager': async () =>
    (await import('./aws-secrets-manager')).awsSecretsManagerFromProfile,
  'aws-ssm': async () => (await import('./aws-ssm')).awsSsmFromProfile,
  'azure-key-vault': async () => (await import('./azure-key-vault')).azureKeyVaultFromProfile,
  'gcp-secret-manager': async () =>
    (await import('./gcp-secret-manager')).gcpSecretManagerFromProfile
}

/** The backend a secrets-service profile names. */
export async function createServiceBackend(profile: ServiceProfile): Promise<Backend> {
  const factory = (await SERVICE_FACTORIES[profile.kind]()) as (p: ServiceProfile) => Backend
  return factory(profile)
}
