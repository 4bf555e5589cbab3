/**
 * Where Airflow's SSM Parameter Store backend looks, and what it makes of a parameter's
 * value (reference §12.3). Source: `providers/amazon/src/airflow/providers/amazon/aws/
 * secrets/systems_manager.py` (`_get_secret`, `_ensure_leading_slash`) and
 * `BaseSecretsBackend.get_connection`: the value (read with decryption) is a URI or
 * connection JSON for connections, verbatim text for variables.
 */
import type { PyValue } from '../codecs/py-json'
import { parseAwsSsmKwargs, ssmLookup } from '../secrets-naming/aws-ssm'
import { explainAwsLookup } from './aws-secrets-manager'
import {
  decodeText,
  type DecodeOutcome,
  type Explanation,
  type LookupKind,
  type LookupOptions
} from './types'

/** `SystemsManagerParameterStoreBackend(**kwargs)` asked for an id. */
export function explainAwsSsm(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  options: LookupOptions = {}
): Explanation {
  return explainAwsLookup(ssmLookup(parseAwsSsmKwargs(kwargs), kind, key), key, options)
}

/** What the backend returns for a parameter value. */
export function decodeAwsSsm(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options: LookupOptions = {}
): DecodeOutcome {
  if ('disabled' in explainAwsSsm(kwargs, kind, key, options)) return { notFound: true }
  return decodeText(stored, 'SSM Parameter Store', kind, options)
}
