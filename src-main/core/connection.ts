/**
 * Rules shared by every connection codec: conn_type normalisation, the extra checks of
 * each dialect, `extra_dejson`, and reading an `AIRFLOW_CONN_*`-style value.
 */
import { DIALECT_RULES } from './dialect'
import { CodecError } from './errors'
import type { ConnectionFields, Dialect } from './model'
import {
  isJsonObjectText,
  PyDict,
  PyJsonDecodeError,
  pyJsonLoads,
  pyJsonTryLoads,
  type PyValue
} from './codecs/py-json'

// Their home is codecs/py-str; re-exported for the callers that import them from here.

/** `Connection._normalize_conn_type`: exactly `postgresql` → `postgres`, else `-` → `_`. */
export function normalizeConnType(connType: string): string {
  if (connType === 'postgresql') return 'postgres'
  return connType.includes('-') ? connType.replaceAll('-', '_') : connType
}

/** Outcome of a codec call that Airflow lets through with a warning. */
export interface Decoded<T> {
  value: T
  warnings: string[]
}

/**
 * `_validate_extra` of the dialect: 3.x core raises for non-JSON or non-object extras,
 * 2.x warns (RemovedInAirflow3Warning), the Task SDK accepts anything.
 */
export function validateExtra(extra: string | null, dialect: Dialect, warnings: string[]): void {
  const mode = DIALECT_RULES[dialect].extraValidation
  if (extra === null || extra === '' || mode === 'none') return
  // Whatever JSON.parse accepts, Python's json accepts too (its grammar is a superset), with
  // the same top-level type: a plain object here is valid without the exact parser. The
  // common case is told by a scan that builds nothing; JSON.parse takes deep nesting.
  if (isJsonObjectText(extra)) return
  if (extra.charCodeAt(extra.length - 1) === 0x7d) {
    try {
      const quick: unknown = JSON.parse(extra)
      if (quick !== null && typeof quick === 'object' && !Array.isArray(quick)) return
    } catch {
      // not plain JSON: the exact parser below says why
    }
  }
  let parsed: PyValue
  try {
    parsed = pyJsonLoads(extra)
  } catch (error) {
    if (!(error instanceof PyJsonDecodeError)) throw error
    const message = 'The extra field is not JSON; Airflow 3 rejects it.'
    if (mode === 'raise') throw new CodecError(message, 'codec.invalid-extra')
    warnings.push('The extra field is not JSON; Airflow 2 accepts it with a deprecation warning.')
    return
  }
  if (!(parsed instanceof PyDict)) {
    if (mode === 'raise')
      throw new CodecError(
        'The extra field is JSON but not an object; Airflow 3 requires a JSON object.',
        'codec.invalid-extra'
      )
    warnings.push('The extra field is JSON but not an object; Airflow 3 will reject it.')
  }
}

/** `extra_dejson`: the decoded extra, `{}` when empty or not JSON. */
export function extraDejson(extra: string | null): PyValue {
  if (!extra) return new PyDict()
  const value = pyJsonTryLoads(extra)
  return value === undefined ? new PyDict() : value
}

/** Applies the dialect's password rule to a freshly built connection. */
export function applyPasswordRule(fields: ConnectionFields, dialect: Dialect): ConnectionFields {
  if (DIALECT_RULES[dialect].emptyPasswordBecomesNull && !fields.password) fields.password = null
  return fields
}

/**
 * `Connection(conn_type=…, host=…, …)`: the constructor's checks on fields given one by
 * one — the dialect's extra validation and password rule.
 */
export function constructConnection(
  fields: ConnectionFields,
  dialect: Dialect
): Decoded<ConnectionFields> {
  const warnings: string[] = []
  // The Task SDK's attrs class validates the port at construction (`_validate_port`);
  // core's ORM column takes any integer, which get_uri then writes as is.
  if (DIALECT_RULES[dialect].fromJsonPort === 'strict' && fields.port !== null) {
    if (fields.port < 0 || fields.port > 65535)
      throw new CodecError(
        `Expected value for \`port\` in the range 0-65535, but got ${fields.port} instead (the Task SDK's Connection refuses it).`,
        'codec.invalid-port'
      )
  }
  validateExtra(fields.extra, dialect, warnings)
  return { value: applyPasswordRule({ ...fields }, dialect), warnings }
}

/** The range of the metadata database's INTEGER `connection.port` column. */
export const PORT_COLUMN_RANGE = [-2147483648, 2147483647] as const

/**
 * An integer port (Python's unbounded int) as a number. Python keeps any size, but Airflow's
 * `connection.port` column is an INTEGER: a port beyond it cannot be stored anywhere Airflow
 * keeps connections (and beyond 2^53 a JavaScript number would not even hold it exactly, or
 * would become Infinity). Throws a CodecError (`codec.invalid-port`) naming no value.
 */
export function portNumber(n: bigint): number {
  if (n < BigInt(PORT_COLUMN_RANGE[0]) || n > BigInt(PORT_COLUMN_RANGE[1]))
    throw new CodecError(
      "The port is out of range: it does not fit Airflow's INTEGER port column (a TCP port is 0-65535).",
      'codec.invalid-port'
    )
  return Number(n)
}
