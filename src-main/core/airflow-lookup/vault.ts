/**
 * Where Airflow's HashiCorp Vault backend looks, and what it makes of a secret's data
 * (reference §12.1). Sources (apache/airflow):
 * `providers/hashicorp/src/airflow/providers/hashicorp/secrets/vault.py` — provider 4.7.2+
 * (#68305): `get_conn_value` returns a truthy `conn_uri` verbatim, else `json.dumps(secret)`,
 * and `deserialize_connection` reads either (a `{` selects connection JSON); before 4.7.2,
 * `get_connection` built `Connection(conn_id, uri=conn_uri)` (always the URI parser) or
 * `Connection(conn_id, **secret)` (the constructor: `extra` objects dumped, `port` and
 * `conn_type` kept as stored, unknown keys a TypeError). `get_variable`: a falsy secret or
 * one without `value` is not found. Naming and kwargs checks: `core/secrets-naming/vault.ts`.
 */
import { DIALECT_RULES } from '../dialect'
import { CodecError, describeKey } from '../errors'
import { extraDejson, validateExtra } from '../connection'
import { parseConnectionUri } from '../codecs/connection-uri'
import { PyDict, pyJsonDumps, pyTruthy, type PyValue } from '../codecs/py-json'
import type { Dialect } from '../model'
import { resolveVaultKwargs, vaultApiPath, vaultLookups } from '../secrets-naming/vault'
import {
  connectionFieldsToPy,
  deserializeConnection,
  providerBefore,
  type DecodeOutcome,
  type Explanation,
  type LookupKind,
  type LookupOptions
} from './types'

/** The hashicorp provider release that made Vault connections go through `deserialize_connection`. */
export const VAULT_DESERIALIZE_SINCE = '4.7.2'

/** `VaultBackend(**kwargs)` asked for a connection id or variable key. */
export function explainVault(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  options: LookupOptions = {}
): Explanation {
  const settings = resolveVaultKwargs(kwargs, options.env ?? {})
  const lookups = vaultLookups(settings, kind, key, { multiTeam: options.multiTeam })
  const lookup = lookups[lookups.length - 1]!
  if (lookup.status !== 'read') return { disabled: lookup.reason }
  const version = settings.kvEngineVersion
  return {
    name: lookup.path,
    details: [
      ['mount_point', lookup.mount],
      ['kv_engine_version', BigInt(version)],
      ['http_method', 'GET'],
      ['http_path', `/v1/${vaultApiPath(version, lookup.mount, lookup.path)}`]
    ]
  }
}

function typeName(v: PyValue): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'list'
  if (v instanceof PyDict) return 'object'
  return typeof v === 'bigint' ? 'number' : typeof v === 'object' ? 'number' : typeof v
}

const CONSTRUCTOR_KEYS = new Set([
  'conn_type',
  'description',
  'host',
  'login',
  'password',
  'schema',
  'port',
  'extra',
  'uri'
])

/**
 * `Connection(conn_id, **secret)` (core's constructor, providers before 4.7.2): fields kept as
 * stored (no conn_type normalisation, a text port stays text), an `extra` that is not text
 * dumped with `json.dumps`, `uri` exclusive with the other fields, falsy passwords dropped.
 */
function constructFromSecret(secret: PyDict, dialect: Dialect): PyDict {
  for (const k of secret.keys()) {
    if (k === 'conn_id')
      throw new CodecError(
        'The secret has a "conn_id" key; Airflow fails (Connection() got multiple values for conn_id).',
        'codec.unknown-field'
      )
    if (!CONSTRUCTOR_KEYS.has(k) && !(k === 'team_name' && DIALECT_RULES[dialect].teamName))
      throw new CodecError(
        `The secret has the key ${describeKey(k)}, which Connection() does not take (TypeError).`,
        'codec.unknown-field'
      )
  }
  const get = (k: string): PyValue => secret.get(k) ?? null
  let extra = get('extra')
  if (pyTruthy(extra) && typeof extra !== 'string') extra = pyJsonDumps(extra)
  const uri = get('uri')
  if (pyTruthy(uri)) {
    if (
      ['conn_type', 'host', 'login', 'password', 'schema', 'port'].some((k) => pyTruthy(get(k))) ||
      pyTruthy(extra)
    )
      throw new CodecError(
        'The secret has "uri" and individual fields; Airflow refuses ("You can\'t mix these two ways").',
        'codec.mixed-uri-and-fields'
      )
    if (typeof uri !== 'string') throw new CodecError('"uri" must be text.', 'codec.invalid-field')
    return connectionFieldsToPy(parseConnectionUri(uri, dialect).value)
  }
  if (typeof extra === 'string' && extra !== '') validateExtra(extra, dialect, [])
  const password = get('password')
  return new PyDict([
    ['conn_type', get('conn_type')],
    ['host', get('host')],
    ['login', get('login')],
    [
      'password',
      DIALECT_RULES[dialect].emptyPasswordBecomesNull && !pyTruthy(password) ? null : password
    ],
    ['schema', get('schema')],
    ['port', get('port')],
    ['extra', extra],
    ['extra_dejson', typeof extra === 'string' ? extraDejson(extra) : new PyDict()]
  ])
}

/** What `VaultBackend` returns for a secret whose data is `stored` (a JSON object). */
export function decodeVault(
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options: LookupOptions = {}
): DecodeOutcome {
  const explained = explainVault(kwargs, kind, key, options)
  if ('disabled' in explained) return { notFound: true }
  // hvac's data null (a secret without data): `if response is None: return None`.
  if (stored === null) return { notFound: true }
  if (!(stored instanceof PyDict))
    throw new CodecError(
      `A Vault KV secret's data is a JSON object; got a ${typeName(stored)}.`,
      'codec.invalid-field'
    )
  const dialect = options.dialect ?? 'airflow3'
  if (kind === 'variable') {
    // `if not response: return None`, then `response["value"]` (KeyError → None).
    if (stored.size === 0 || !stored.has('value')) return { notFound: true }
    const value = stored.get('value')!
    return value === null ? { notFound: true } : { variable: value }
  }
  const uri = stored.get('conn_uri')
  if (providerBefore(options, VAULT_DESERIALIZE_SINCE)) {
    if (pyTruthy(uri)) {
      if (typeof uri !== 'string')
        throw new CodecError(
          `"conn_uri" holds a ${typeName(uri!)}, not text.`,
          'codec.invalid-field'
        )
      return { connection: connectionFieldsToPy(parseConnectionUri(uri, dialect).value) }
    }
    return { connection: constructFromSecret(stored, dialect) }
  }
  if (pyTruthy(uri)) {
    if (typeof uri !== 'string')
      // deserialize_connection calls value.strip(): AttributeError.
      throw new CodecError(`"conn_uri" holds a ${typeName(uri!)}, not text.`, 'codec.invalid-field')
    return deserializeConnection(uri, dialect)
  }
  return deserializeConnection(pyJsonDumps(stored), dialect)
}
