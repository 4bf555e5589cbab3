/**
 * What `airlock explain` and `airlock decode` answer, per secrets backend: where Airflow's
 * backend looks for an id and what it makes of the value it finds there (reference §12).
 * Pure data; the CLI prints it as Python-style JSON.
 */
import { CodecError } from '../errors'
import { extraDejson } from '../connection'
import { parseConnectionValueRaw, type RawConnectionFields } from '../codecs/connection-json'
import { PyDict, type PyValue } from '../codecs/py-json'
import type { ConnectionFields, Dialect, Entry } from '../model'
import { connectionEnvValue } from '../codecs/connection-value'
import { SECRETS_SERVICE_KINDS } from '../../contract/providers'

/**
 * Separates the team from the id in team-scoped names (`TEAM_SEP` of the amazon, azure
 * and google providers' multi-team backends).
 */
export const TEAM_SEP = '--'

/** The secrets backends `explain` and `decode` know: every secrets service (core/providers.ts). */
export const LOOKUP_BACKENDS = SECRETS_SERVICE_KINDS

/** One of them. */
export type LookupBackend = (typeof LOOKUP_BACKENDS)[number]

/** What is looked up: a connection id or a variable key. */
export type LookupKind = 'connection' | 'variable'

/** What a lookup depends on besides `backend_kwargs`. */
export interface LookupOptions {
  /** Whose connection code reads the value (default `airflow3`). */
  dialect?: Dialect
  /**
   * The provider package's version (e.g. `4.7.1` for hashicorp); selects the behaviour of
   * that release where providers changed it. Absent: the newest release.
   */
  providerVersion?: string
  /** `[core] multi_team` of the Airflow reading it (default false). */
  multiTeam?: boolean
  /** The process environment the backend is built in (Vault reads `VAULT_TOKEN`). */
  env?: Readonly<Record<string, string | undefined>>
}

/**
 * Where Airflow looks: the name (and per-backend details, in output order), or why it
 * does not look at all. Kwargs Airflow rejects are thrown as AirlockErrors.
 */
export type Explanation = { name: string; details: [string, PyValue][] } | { disabled: string }

/** What Airflow's backend returns for a stored value. */
export type DecodeOutcome =
  { connection: PyDict } | { variable: PyValue } | { notFound: true; reason?: string }

/**
 * One service's `explain`: where its backend, built with `kwargs`, looks for `key`. Throws
 * where Airflow raises (kwargs it rejects, an unusable lookup).
 */
export type ExplainFn = (
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  options?: LookupOptions
) => Explanation

/** One service's `decode`: what its backend returns for `key` when the service holds `stored`. */
export type DecodeFn = (
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options?: LookupOptions
) => DecodeOutcome

/** What a service makes of a value once Airflow does ask for the name `explain` gives. */
export type ReadFound = (
  stored: PyValue,
  found: Extract<Explanation, { name: string }>,
  kind: LookupKind,
  options: LookupOptions,
  kwargs: Readonly<Record<string, unknown>>
) => DecodeOutcome

/**
 * A service's `decode` from its `explain` and `read`: every backend asks its own naming
 * first, and a lookup Airflow never makes (a null prefix, a pattern, multi-team) is "not
 * found" whatever is stored; only a name Airflow asks for reaches `read`.
 */
export function decodeAfterExplain(explain: ExplainFn, read: ReadFound): DecodeFn {
  return (kwargs, kind, key, stored, options = {}) => {
    const found = explain(kwargs, kind, key, options)
    if ('disabled' in found) return { notFound: true }
    return read(stored, found, kind, options, kwargs)
  }
}

/**
 * What Airflow does for one lookup in a service that may ask for several names in turn (a
 * team-scoped name, then the global one): the names (`steps`, in order), or why none.
 */
export type StepsLookup<Step> =
  | { outcome: 'disabled'; reason: string }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'lookup'; steps: Step[] }

/** `explain`'s output object. */
export function explanationToPy(e: Explanation): PyDict {
  if ('disabled' in e)
    return new PyDict([
      ['disabled', true],
      ['reason', e.disabled]
    ])
  return new PyDict([['name', e.name], ...e.details])
}

/** `decode`'s output object. */
export function decodeOutcomeToPy(d: DecodeOutcome): PyDict {
  if ('connection' in d) return d.connection
  if ('variable' in d) return new PyDict([['value', d.variable]])
  return new PyDict([['not_found', true]])
}

/** The object `conn parse` prints for a connection (fields in its order). */
export function connectionFieldsToPy(c: ConnectionFields): PyDict {
  return new PyDict([
    ['conn_type', c.conn_type],
    ['host', c.host],
    ['login', c.login],
    ['password', c.password],
    ['schema', c.schema],
    ['port', c.port === null ? null : BigInt(c.port)],
    ['extra', c.extra],
    ['extra_dejson', extraDejson(c.extra)]
  ])
}

/**
 * `connectionFieldsToPy` with the fields connection JSON gave another type than text, kept
 * as Python keeps them (`"login": 1234` stays the number 1234).
 */
export function rawConnectionToPy(decoded: {
  value: ConnectionFields
  raw: RawConnectionFields
}): PyDict {
  const out = connectionFieldsToPy(decoded.value)
  for (const [key, v] of Object.entries(decoded.raw))
    if (out.has(key) && v !== undefined) out.set(key, v)
  return out
}

/**
 * `BaseSecretsBackend.get_connection` → `deserialize_connection(conn_id, value)`: a falsy
 * value is "not found"; the value is stripped; `value[0] == "{"` selects `from_json`,
 * anything else the URI parser. A value of only whitespace fails on `value[0]`. JSON fields
 * of another type than text are kept as Python keeps them.
 */
export function deserializeConnection(value: string, dialect: Dialect): DecodeOutcome {
  if (value === '') return { notFound: true }
  return { connection: rawConnectionToPy(parseConnectionValueRaw(value, dialect)) }
}

/** The stored value of a string-valued service (everything but Vault): a JSON string. */
export function storedText(stored: PyValue, service: string): string {
  if (typeof stored !== 'string')
    throw new CodecError(
      `${service} stores text: give the stored value as a JSON string.`,
      'codec.invalid-field'
    )
  return stored
}

/**
 * What a backend that stores text returns for it (`get_conn_value` / `get_variable` as the
 * base class handles them): the text for a variable, `deserialize_connection` for a connection.
 */
export function decodeText(
  stored: PyValue,
  service: string,
  kind: LookupKind,
  options: LookupOptions
): DecodeOutcome {
  const text = storedText(stored, service)
  if (kind === 'variable') return { variable: text }
  return deserializeConnection(text, options.dialect ?? 'airflow3')
}

/**
 * What a backend that stores text holds for an entry, the inverse of `decodeText`: a
 * variable's value, a connection as `encodeConnection` writes it (by default its URI when that
 * reads back the same, else connection JSON: `connectionEnvValue`).
 */
export function encodeText(
  entry: Entry,
  dialect: Dialect,
  encodeConnection: (fields: ConnectionFields, dialect: Dialect) => string = connectionEnvValue
): string {
  return entry.kind === 'variable' ? entry.value : encodeConnection(entry.fields, dialect)
}

/**
 * Compares dotted version numbers (`4.7.1` < `4.7.2` < `4.10`); non-numeric parts compare
 * as 0. Returns negative, 0 or positive.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => parseInt(p, 10) || 0)
  const pb = b.split('.').map((p) => parseInt(p, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d) return d
  }
  return 0
}

/** True when a provider version is given and older than `threshold`. */
export function providerBefore(options: LookupOptions, threshold: string): boolean {
  return (
    options.providerVersion !== undefined && compareVersions(options.providerVersion, threshold) < 0
  )
}
