/**
 * `explain` and `decode` for every secrets backend: one entry point dispatching to the
 * backend's module (one module per backend, each naming its Airflow sources).
 */
import type { PyValue } from '../codecs/py-json'
import { decodeAwsSecretsManager, explainAwsSecretsManager } from './aws-secrets-manager'
import { decodeAwsSsm, explainAwsSsm } from './aws-ssm'
import { decodeAzureKeyVault, explainAzureKeyVault } from './azure-key-vault'
import { decodeGcpSecretManager, explainGcpSecretManager } from './gcp-secret-manager'
import type { DecodeOutcome, Explanation, LookupBackend, LookupKind, LookupOptions } from './types'
import { decodeVault, explainVault } from './vault'

export * from './types'

/** Where Airflow's `backend`, built with `kwargs`, looks for `key`. Throws where Airflow raises. */
export function explainLookup(
  backend: LookupBackend,
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  options: LookupOptions = {}
): Explanation {
  switch (backend) {
    case 'vault':
      return explainVault(kwargs, kind, key, options)
    case 'aws-secrets-manager':
      return explainAwsSecretsManager(kwargs, kind, key, options)
    case 'aws-ssm':
      return explainAwsSsm(kwargs, kind, key, options)
    case 'azure-key-vault':
      return explainAzureKeyVault(kwargs, kind, key, options)
    case 'gcp-secret-manager':
      return explainGcpSecretManager(kwargs, kind, key, options)
  }
}

/** What Airflow's `backend` returns for `key` when the service holds `stored`. */
export function decodeStored(
  backend: LookupBackend,
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options: LookupOptions = {}
): DecodeOutcome {
  switch (backend) {
    case 'vault':
      return decodeVault(kwargs, kind, key, stored, options)
    case 'aws-secrets-manager':
      return decodeAwsSecretsManager(kwargs, kind, key, stored, options)
    case 'aws-ssm':
      return decodeAwsSsm(kwargs, kind, key, stored, options)
    case 'azure-key-vault':
      return decodeAzureKeyVault(kwargs, kind, key, stored, options)
    case 'gcp-secret-manager':
      return decodeGcpSecretManager(kwargs, kind, key, stored, options)
  }
}
