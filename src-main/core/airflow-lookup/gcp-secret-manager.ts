/**
 * Where Airflow's GCP Secret Manager backend looks, and what it makes of a secret's payload
 * (reference §12.5). Source: `providers/google/src/airflow/providers/google/cloud/secrets/
 * secret_manager.py` (`__init__`: `connections_prefix + sep` must match
 * `^[a-zA-Z0-9-_]*$`, a project id is required; `build_path`: `prefix + sep + id`, nothing
 * replaced; ids holding `--` refused only with `[core] multi_team` on) and
 * `_internal_client/secret_manager_client.py` (version `latest`, payload decoded as UTF-8).
 * `gcp_secret_id_valid` says whether the service accepts the id (`[A-Za-z0-9_-]{1,255}`);
 * an id it refuses is logged by Airflow as InvalidArgument and read as not found.
 */
import type { PyValue } from '../codecs/py-json'
import { AirlockError, describeKey } from '../errors'
import {
  gcpLookup,
  gcpSecretIdProblem,
  parseGcpSecretManagerKwargs
} from '../secrets-naming/gcp-secret-manager'
import {
  decodeText,
  type DecodeOutcome,
  type Explanation,
  type LookupKind,
  type LookupOptions
} from './types'

/** `CloudSecretManagerBackend.__init__`'s parameters, and LoggingMixin's `context`. */
const GCP_KWARGS = new Set([
  'connections_prefix',
  'variables_prefix',
  'config_prefix',
  'gcp_keyfile_dict',
  'gcp_key_path',
  'gcp_credential_config_file',
  'gcp_scopes',
  'project_id',
  'sep',
  'impersonation_chain',
  'context'
])

/** `CloudSecretManagerBackend(**kwargs)` asked for an id. */
export function explainGcpSecretManager(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  options: LookupOptions = {}
): Explanation {
  const unknown = Object.keys(kwargs).filter((k) => !GCP_KWARGS.has(k))
  if (unknown.length)
    // `super().__init__(**kwargs)` reaches LoggingMixin.__init__(context=None): TypeError.
    throw new AirlockError(
      'usage',
      `GCP Secret Manager backend_kwargs: unknown ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map(describeKey).join(', ')}; Airflow's CloudSecretManagerBackend refuses ${unknown.length === 1 ? 'it' : 'them'} (TypeError).`
    )
  // Without project_id Airflow takes the credentials' project; the secret id does not depend on it.
  const naming = parseGcpSecretManagerKwargs(kwargs, {
    multiTeam: options.multiTeam ?? false,
    credentialsProjectId: "(the credentials' project)"
  })
  const lookup = gcpLookup(naming, kind, key, null)
  if (lookup.outcome !== 'lookup') return { disabled: lookup.reason }
  const step = lookup.steps[lookup.steps.length - 1]!
  return {
    name: step.secretId,
    details: [['gcp_secret_id_valid', gcpSecretIdProblem(step.secretId) === undefined]]
  }
}

/** What the backend returns for a secret payload. */
export function decodeGcpSecretManager(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options: LookupOptions = {}
): DecodeOutcome {
  const explained = explainGcpSecretManager(kwargs, kind, key, options)
  if ('disabled' in explained) return { notFound: true }
  // The service refuses the name: InvalidArgument, logged, None.
  if (explained.details[0]?.[1] === false) return { notFound: true }
  return decodeText(stored, 'GCP Secret Manager', kind, options)
}
