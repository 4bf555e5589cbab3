/**
 * Where Airflow's Azure Key Vault backend looks, and what it makes of a secret's value
 * (reference §12.4). Source: `providers/microsoft/azure/src/airflow/providers/microsoft/
 * azure/secrets/key_vault.py` (`__init__`: prefixes `rstrip(sep)` when truthy; `build_path`:
 * no separator after an empty prefix, then every `_` → `sep`). The refusal of ids that read
 * as `<team>--<id>` (`_is_team_specific_accessed_as_global`) applies only with
 * `[core] multi_team` on (apache/airflow#71078). Values: URI or connection JSON; variables
 * verbatim.
 */
import { AirlockError } from '../errors'
import type { PyValue } from '../codecs/py-json'
import {
  azureBuildPath,
  azureLookup,
  azurePrefixOf,
  parseAzureKeyVaultKwargs
} from '../secrets-naming/azure-key-vault'
import {
  decodeText,
  type DecodeOutcome,
  type Explanation,
  type LookupKind,
  type LookupOptions
} from './types'

/** `AzureKeyVaultBackend(**kwargs)` asked for an id. */
export function explainAzureKeyVault(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  options: LookupOptions = {}
): Explanation {
  const naming = parseAzureKeyVaultKwargs(kwargs)
  const prefix = azurePrefixOf(naming, kind)
  if (prefix === null)
    return {
      disabled: `${kind === 'connection' ? 'connections' : 'variables'}_prefix is null: Airflow never asks Key Vault for a ${kind}`
    }
  if (!options.multiTeam) return { name: azureBuildPath(prefix, key, naming.sep), details: [] }
  const lookup = azureLookup(naming, kind, key, null)
  if (lookup.outcome === 'error') throw new AirlockError('usage', lookup.reason)
  if (lookup.outcome !== 'lookup') return { disabled: lookup.reason }
  return { name: lookup.steps[lookup.steps.length - 1]!.name, details: [] }
}

/** What the backend returns for a secret value. */
export function decodeAzureKeyVault(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options: LookupOptions = {}
): DecodeOutcome {
  if ('disabled' in explainAzureKeyVault(kwargs, kind, key, options)) return { notFound: true }
  return decodeText(stored, 'Azure Key Vault', kind, options)
}
