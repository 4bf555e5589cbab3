/**
 * Where Airflow's AWS Secrets Manager backend looks, and what it makes of a `SecretString`
 * (reference §12.2). Source: `providers/amazon/src/airflow/providers/amazon/aws/secrets/
 * secrets_manager.py` (`_get_secret`, `get_conn_value`, `_standardize_secret_keys`) and
 * `BaseSecretsBackend.get_connection` / `deserialize_connection`: a secret whose stripped
 * text starts with `{` is `json.loads`ed, each connection field takes the value of the
 * first key of the secret (in the secret's order) among its aliases (`extra_conn_words`
 * added), every other key is dropped, and the result is re-dumped and read as connection
 * JSON; any other text is a URI. Variables are returned verbatim.
 */
import { AirlockError, CodecError } from '../errors'
import { pyStrip } from '../connection'
import { PyDict, pyJsonDumps, pyJsonLoads, type PyValue } from '../codecs/py-json'
import {
  parseAwsSecretsManagerKwargs,
  smLookup,
  standardizeSecretKeys,
  type AwsLookup
} from '../secrets-naming/aws-secrets-manager'
import { unquote } from '../codecs/py-url'
import {
  deserializeConnection,
  providerBefore,
  storedText,
  type DecodeOutcome,
  type Explanation,
  type LookupKind,
  type LookupOptions
} from './types'

/** The amazon provider release that removed `are_secret_values_urlencoded` (#42450). */
export const SM_URLENCODED_REMOVED_IN = '9.0.0'

/** Separates team and id in team-scoped names of the multi-team providers. */
export const AWS_TEAM_SEP = '--'

/**
 * With `[core] multi_team` on, the newest amazon provider refuses ids holding `--` (they
 * spell a team-scoped name); with it off it looks them up (apache/airflow#71078).
 */
export function awsTeamRefusal(key: string, options: LookupOptions): Explanation | undefined {
  if (!options.multiTeam || !key.includes(AWS_TEAM_SEP)) return undefined
  return {
    disabled: `the id holds "${AWS_TEAM_SEP}", which separates team and id in multi-team mode; Airflow answers not found without asking`
  }
}

/** `SecretsManagerBackend(**kwargs)` asked for a connection id or variable key. */
export function explainAwsSecretsManager(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  options: LookupOptions = {}
): Explanation {
  return explainAwsLookup(smLookup(parseAwsSecretsManagerKwargs(kwargs), kind, key), key, options)
}

/** Both AWS backends: the name looked up, unless multi-team mode or the naming says no. */
export function explainAwsLookup(
  lookup: AwsLookup,
  key: string,
  options: LookupOptions
): Explanation {
  if (lookup.outcome === 'lookup')
    return awsTeamRefusal(key, options) ?? { name: lookup.name, details: [] }
  if (lookup.outcome === 'error') throw new AirlockError('usage', lookup.reason)
  return { disabled: lookup.reason }
}

/** What `SecretsManagerBackend` returns for a `SecretString`. */
export function decodeAwsSecretsManager(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options: LookupOptions = {}
): DecodeOutcome {
  const explained = explainAwsSecretsManager(kwargs, kind, key, options)
  if ('disabled' in explained) return { notFound: true }
  const text = storedText(stored, 'AWS Secrets Manager')
  if (kind === 'variable') return { variable: text }
  const dialect = options.dialect ?? 'airflow3'
  if (!pyStrip(text).startsWith('{')) return deserializeConnection(text, dialect)
  // json.loads(secret) reads the unstripped text.
  const secret = pyJsonLoads(text)
  if (!(secret instanceof PyDict))
    throw new CodecError('The secret is JSON but not an object.', 'codec.invalid-json')
  const naming = parseAwsSecretsManagerKwargs(kwargs)
  let standardized = standardizeSecretKeys(secret, naming)
  if (providerBefore(options, SM_URLENCODED_REMOVED_IN) && kwargs.are_secret_values_urlencoded)
    standardized = removeEscaping(standardized)
  return deserializeConnection(pyJsonDumps(standardized), dialect)
}

/**
 * `_remove_escaping_in_secret_dict` (amazon provider before 9.0.0, with
 * `are_secret_values_urlencoded`): every non-null value is `unquote`d, except an `extra` object.
 */
function removeEscaping(secret: PyDict): PyDict {
  const out = new PyDict()
  for (const [k, v] of secret.entries()) {
    if ((k === 'extra' && v instanceof PyDict) || v === null) out.set(k, v)
    else if (typeof v === 'string') out.set(k, unquote(v))
    else
      throw new CodecError(
        `"${k}" is not text; Airflow's unquote fails on it (TypeError) with are_secret_values_urlencoded.`,
        'codec.invalid-field'
      )
  }
  return out
}
