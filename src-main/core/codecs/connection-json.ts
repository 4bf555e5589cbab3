/**
 * Airflow's connection JSON: `Connection.as_json()` and `Connection.from_json()`, per
 * dialect (reference §6), and `deserialize_connection` — how every secrets backend and
 * `AIRFLOW_CONN_*` read a stored value (first non-blank character `{` → JSON, else URI).
 */
import { DIALECT_RULES } from '../dialect'
import { CodecError, describeKey } from '../errors'
import {
  applyPasswordRule,
  extraDejson,
  normalizeConnType,
  portNumber,
  validateExtra,
  type Decoded
} from '../connection'
import { pyStrip } from './py-str'
import {
  CONNECTION_SCALAR_FIELDS,
  emptyConnectionFields,
  type ConnectionFields,
  type Dialect
} from '../model'
import { parseConnectionUri } from './connection-uri'
import {
  PyDict,
  PyFloat,
  PyJsonDecodeError,
  pyJsonDumps,
  pyJsonLoads,
  pyTruthy,
  type PyValue
} from './py-json'

/** `Connection.as_json()`: None fields dropped, empty strings kept, extra as an object. */
export function connectionToJson(input: ConnectionFields, dialect: Dialect): string {
  const c = applyPasswordRule({ ...input }, dialect)
  const out = new PyDict()
  for (const key of CONNECTION_SCALAR_FIELDS) {
    const v = c[key]
    if (v === null) continue
    out.set(key, typeof v === 'number' ? BigInt(v) : v)
  }
  const extra = extraDejson(c.extra)
  if (pyTruthy(extra)) out.set('extra', extra)
  return pyJsonDumps(out)
}

const STRING_FIELDS = ['description', 'host', 'login', 'password', 'schema'] as const
const CONSTRUCTOR_KEYS = new Set<string>([...STRING_FIELDS, 'uri', 'conn_type', 'port', 'extra'])

function typeName(v: PyValue): string {
  if (v === null) return 'None'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'string') return 'str'
  if (typeof v === 'bigint') return 'int'
  if (v instanceof PyFloat) return 'float'
  return Array.isArray(v) ? 'list' : 'dict'
}

/** Python `int(x)` for the values a JSON port can hold; undefined where Python raises. */
function pyInt(v: PyValue): bigint | undefined {
  if (typeof v === 'boolean') return v ? 1n : 0n
  if (typeof v === 'bigint') return v
  if (v instanceof PyFloat)
    return Number.isFinite(v.value) ? BigInt(Math.trunc(v.value)) : undefined
  if (typeof v === 'string') {
    const s = v.replace(/^[\s]+|[\s]+$/gu, '')
    if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(s)) return undefined
    return BigInt(s.replaceAll('_', ''))
  }
  return undefined
}

function portError(): CodecError {
  return new CodecError('The port is not an integer.', 'codec.invalid-port')
}

function coercePort(port: PyValue, dialect: Dialect): number | null {
  if (DIALECT_RULES[dialect].fromJsonPort === 'truthy-int') {
    if (!pyTruthy(port)) return null
    if (Array.isArray(port) || port instanceof PyDict)
      throw new CodecError(
        `The port must be a number or text, not a ${typeName(port)}.`,
        'codec.invalid-port'
      )
    const n = pyInt(port)
    if (n === undefined) throw portError()
    return portNumber(n)
  }
  // Task SDK: None and '' mean no port; text goes through int(); then an int in 0–65535.
  if (port === null || port === '') return null
  let n: PyValue = port
  if (typeof port === 'string') {
    const parsed = pyInt(port)
    if (parsed === undefined) throw portError()
    n = parsed
  }
  if (typeof n !== 'bigint') throw portError()
  if (n < 0n || n > 65535n)
    throw new CodecError('The port is out of range 0-65535.', 'codec.invalid-port')
  return Number(n)
}

/**
 * A field of connection JSON that is neither text nor null, as Airflow keeps it: `from_json`
 * hands it to the constructor, which stores it on the object as is (the ORM never flushes a
 * connection read from a secrets backend; the Task SDK's attrs class has no validator).
 */
export type RawConnectionFields = Partial<
  Record<'description' | 'host' | 'login' | 'password' | 'schema', PyValue>
>

/** `Connection.from_json(text)`: the dialect's reading of connection JSON. */
export function parseConnectionJson(text: string, dialect: Dialect): Decoded<ConnectionFields> {
  return readConnectionJson(text, dialect, undefined)
}

/**
 * `Connection.from_json(text)` as Python holds the result, for `decode`: like
 * `parseConnectionJson`, but a text field given another JSON type (`"login": 1234`) is kept
 * with that type in `raw` instead of refused — except a truthy non-text password in core's
 * dialects, whose setter fails on it (`bytes(value, "utf-8")`: TypeError); a falsy one is
 * ignored by that setter (None).
 */
export function parseConnectionJsonRaw(
  text: string,
  dialect: Dialect
): Decoded<ConnectionFields> & { raw: RawConnectionFields } {
  const raw: RawConnectionFields = {}
  return { ...readConnectionJson(text, dialect, raw), raw }
}

function readConnectionJson(
  text: string,
  dialect: Dialect,
  raw: RawConnectionFields | undefined
): Decoded<ConnectionFields> {
  const rules = DIALECT_RULES[dialect]
  let kwargs: PyValue
  try {
    kwargs = pyJsonLoads(text)
  } catch (error) {
    if (error instanceof PyJsonDecodeError)
      throw new CodecError(`Invalid connection JSON: ${error.userMessage}.`, 'codec.invalid-json', {
        cause: error
      })
    throw error
  }
  if (!(kwargs instanceof PyDict))
    throw new CodecError(
      `Invalid connection JSON: expected an object, got a ${typeName(kwargs)}.`,
      'codec.invalid-json'
    )
  const fields = emptyConnectionFields()
  const warnings: string[] = []
  const extraValue = kwargs.get('extra')
  let extra: string | null = null
  if (pyTruthy(extraValue))
    extra = typeof extraValue === 'string' ? extraValue : pyJsonDumps(extraValue!)
  const connType = kwargs.get('conn_type')
  let normalizedType: string | null = null
  if (pyTruthy(connType)) {
    if (typeof connType !== 'string')
      throw new CodecError(
        'Invalid connection JSON: "conn_type" must be text.',
        'codec.invalid-field'
      )
    normalizedType = normalizeConnType(connType)
  }
  const port = kwargs.has('port') ? coercePort(kwargs.get('port')!, dialect) : null
  for (const key of kwargs.keys())
    if (!CONSTRUCTOR_KEYS.has(key) && !(key === 'team_name' && rules.teamName))
      throw new CodecError(
        key === 'conn_id'
          ? 'Invalid connection JSON: "conn_id" is not allowed inside the value; the id comes from the name.'
          : `Invalid connection JSON: unknown key ${describeKey(key)} (allowed: conn_type, description, host, login, password, schema, port, extra, uri).`,
        'codec.unknown-field'
      )
  const strings: Partial<Record<(typeof STRING_FIELDS)[number], string | null>> = {}
  // A kept non-text field counts for the "can't mix" check by its truthiness, as in Python.
  let rawTruthy = false
  for (const key of STRING_FIELDS) {
    if (!kwargs.has(key)) continue
    const v = kwargs.get(key)!
    if (v !== null && typeof v !== 'string') {
      if (raw === undefined)
        throw new CodecError(
          `Invalid connection JSON: "${key}" must be text or null, not a ${typeName(v)}.`,
          'codec.invalid-field'
        )
      if (key === 'password' && rules.emptyPasswordBecomesNull) {
        if (pyTruthy(v))
          throw new CodecError(
            `Invalid connection JSON: "password" is a ${typeName(v)}; Airflow's password setter fails on it (TypeError: bytes(value, "utf-8")).`,
            'codec.invalid-field'
          )
        continue
      }
      raw[key] = v
      if (key !== 'description') rawTruthy ||= pyTruthy(v)
      continue
    }
    strings[key] = v
  }
  const uri = kwargs.get('uri')
  const uriGiven = rules.uriWhen === 'truthy' ? pyTruthy(uri) : uri !== undefined && uri !== null
  if (uriGiven) {
    const mixed =
      rules.mixCheck === 'any-key'
        ? STRING_FIELDS.some((k) => kwargs.has(k)) ||
          extra !== null ||
          normalizedType !== null ||
          (kwargs.has('port') && kwargs.get('port') !== null)
        : Boolean(
            normalizedType ||
            strings.host ||
            strings.login ||
            strings.password ||
            strings.schema ||
            port ||
            extra ||
            rawTruthy
          )
    if (mixed)
      throw new CodecError(
        'Invalid connection JSON: give either "uri" or individual fields, not both (Airflow: "You can\'t mix these two ways").',
        'codec.mixed-uri-and-fields'
      )
    if (typeof uri !== 'string')
      throw new CodecError('Invalid connection JSON: "uri" must be text.', 'codec.invalid-field')
    const parsed = parseConnectionUri(uri, dialect)
    if (rules.mixCheck === 'truthy-fields' && strings.description !== undefined)
      parsed.value.description = strings.description
    return parsed
  }
  fields.conn_type = normalizedType
  fields.description = strings.description ?? null
  fields.host = strings.host ?? null
  fields.login = strings.login ?? null
  fields.password = strings.password ?? null
  fields.schema = strings.schema ?? null
  fields.port = port
  fields.extra = extra
  if (kwargs.has('team_name')) {
    const team = kwargs.get('team_name')!
    if (team !== null && typeof team !== 'string')
      throw new CodecError(
        'Invalid connection JSON: "team_name" must be text or null.',
        'codec.invalid-field'
      )
    fields.team_name = team
  }
  validateExtra(fields.extra, dialect, warnings)
  return { value: applyPasswordRule(fields, dialect), warnings }
}

/**
 * `BaseSecretsBackend.deserialize_connection(conn_id, value)`: the value is stripped; a
 * first character `{` selects JSON, anything else is a URI.
 */
export function parseConnectionValue(value: string, dialect: Dialect): Decoded<ConnectionFields> {
  const stripped = strippedValue(value)
  return stripped.startsWith('{')
    ? parseConnectionJson(stripped, dialect)
    : parseConnectionUri(stripped, dialect)
}

/**
 * `parseConnectionValue` as Python holds the result (`decode`): JSON fields of another type
 * than text are kept in `raw` (see `parseConnectionJsonRaw`).
 */
export function parseConnectionValueRaw(
  value: string,
  dialect: Dialect
): Decoded<ConnectionFields> & { raw: RawConnectionFields } {
  const stripped = strippedValue(value)
  return stripped.startsWith('{')
    ? parseConnectionJsonRaw(stripped, dialect)
    : { ...parseConnectionUri(stripped, dialect), raw: {} }
}

function strippedValue(value: string): string {
  const stripped = pyStrip(value)
  // `deserialize_connection` strips, then reads `value[0]`: IndexError on whitespace alone
  if (stripped === '' && value !== '')
    throw new CodecError(
      'The value is only whitespace; Airflow fails on it (IndexError in deserialize_connection).',
      'codec.invalid'
    )
  return stripped
}
