/**
 * Airflow connection URIs: `Connection(uri=…)` / `Connection.from_uri` and `get_uri()`,
 * byte for byte, per dialect (see ../dialect.ts and the reference, §3–§4).
 * Error messages never repeat the URI: it may hold a password.
 */
import { DIALECT_RULES } from '../dialect'
import { CodecError } from '../errors'
import { applyPasswordRule, normalizeConnType, validateExtra, type Decoded } from '../connection'
import { emptyConnectionFields, type ConnectionFields, type Dialect } from '../model'
import {
  PyDict,
  pyJsonDumps,
  pyJsonFlatStringObject,
  pyJsonTryLoads,
  type PyValue
} from './py-json'
import {
  parseQsl,
  quote,
  unquote,
  urlencode,
  urlsplit,
  urlsplitScheme,
  type SplitResult
} from './py-url'

import { EXTRA_KEY, parseUriFast, serializeUriFast } from './connection-uri-fast'

export { EXTRA_KEY }

function countOccurrences(haystack: string, needle: string): number {
  let count = 0
  for (
    let at = haystack.indexOf(needle);
    at >= 0;
    at = haystack.indexOf(needle, at + needle.length)
  )
    count++
  return count
}

/** `_parse_netloc_to_hostname`: Python's lower-cased hostname, unless it holds a `/`. */
function parseNetlocToHostname(parts: SplitResult): string {
  let hostname = unquote(parts.hostname ?? '')
  if (hostname.includes('/')) {
    hostname = parts.netloc
    const at = hostname.lastIndexOf('@')
    if (at >= 0) hostname = hostname.slice(at + 1)
    const colon = hostname.indexOf(':')
    if (colon >= 0) hostname = hostname.slice(0, colon)
    hostname = unquote(hostname)
  }
  return hostname
}

function split(uri: string): SplitResult {
  try {
    return urlsplit(uri)
  } catch (error) {
    if (error instanceof CodecError)
      throw new CodecError(`Invalid connection URI: ${error.userMessage}`, 'codec.invalid-uri')
    throw error
  }
}

function scheme(uri: string): string {
  try {
    return urlsplitScheme(uri)
  } catch (error) {
    if (error instanceof CodecError)
      throw new CodecError(`Invalid connection URI: ${error.userMessage}`, 'codec.invalid-uri')
    throw error
  }
}

function readPort(parts: SplitResult, netloc: string): number | null {
  try {
    return parts.port
  } catch (error) {
    if (!(error instanceof CodecError)) throw error
    // Python's message quotes the port text, which is often a piece of an unencoded password.
    throw new CodecError(
      error.userMessage.startsWith('Port out of range')
        ? 'Invalid connection URI: the port is out of range 0-65535 (Python: "Port out of range 0-65535").'
        : /:[+-][0-9]+$/.test(netloc)
          ? // get_uri writes any port it is given (Airflow 2's constructor checks none): `:-1`
            'Invalid connection URI: the port has a sign, which Python\'s urlsplit cannot cast (ValueError: "Port could not be cast to integer value"); a port is 0-65535.'
          : "Invalid connection URI: the port is not a number. An unencoded '/', '?' or '#' in the " +
            'password cuts the URI short; percent-encode them (%2F, %3F, %23).',
      'codec.invalid-port'
    )
  }
}

/** Parses an Airflow connection URI as the dialect's `Connection(uri=…)` does. */
export function parseConnectionUri(uri: string, dialect: Dialect): Decoded<ConnectionFields> {
  return parseUriFast(uri, dialect) ?? parseConnectionUriGeneral(uri, dialect)
}

/**
 * {@link parseConnectionUri} through the exact port of `urlsplit`/`unquote`/`parse_qsl` for
 * every input: what the fast path (connection-uri-fast.ts) must equal, and its fallback.
 */
export function parseConnectionUriGeneral(
  uri: string,
  dialect: Dialect
): Decoded<ConnectionFields> {
  const rules = DIALECT_RULES[dialect]
  // Core's constructor only parses a truthy uri: '' leaves every field None.
  if (uri === '' && rules.uriWhen === 'truthy')
    return { value: emptyConnectionFields(), warnings: [] }
  const schemes = countOccurrences(uri, '://')
  if (schemes > 2)
    throw new CodecError(
      "Invalid connection URI: it contains '://' more than twice (scheme, then at most one protocol in the host).",
      'codec.invalid-uri'
    )
  const hostWithProtocol = schemes === 2
  const rawConnType = scheme(uri)
  const fields = emptyConnectionFields()
  fields.conn_type = normalizeConnType(rawConnType)
  const rest = uri.replaceAll(`${rawConnType}://`, hostWithProtocol ? '' : '//')
  if (hostWithProtocol) {
    const head = rest.slice(0, rest.indexOf('://'))
    if (head.includes('@') || head.includes(':'))
      throw new CodecError(
        'Invalid connection URI: with a protocol in the host, credentials go after it (type://protocol://user:pass@host), not before.',
        'codec.invalid-uri'
      )
  }
  const parts = split(rest)
  const protocol = hostWithProtocol ? parts.scheme : null
  const host = parseNetlocToHostname(parts)
  fields.host = host && protocol ? `${protocol}://${host}` : host
  // `uri_parts.path[1:]`: Python drops the first code point, which may be two UTF-16 units
  const first = parts.path.codePointAt(0)
  const quotedSchema = first === undefined ? '' : parts.path.slice(first > 0xffff ? 2 : 1)
  fields.schema = quotedSchema ? unquote(quotedSchema) : quotedSchema
  const username = parts.username
  const password = parts.password
  fields.login = username ? unquote(username) : username
  fields.password = password ? unquote(password) : password
  fields.port = readPort(parts, parts.netloc)
  const warnings: string[] = []
  if (parts.query) {
    const query = new Map(parseQsl(parts.query, true))
    if (query.has(EXTRA_KEY)) {
      fields.extra = query.get(EXTRA_KEY)!
      validateExtra(fields.extra, dialect, warnings)
    } else {
      // Built from the query, so always a JSON object: nothing for _validate_extra to find.
      const dict = new PyDict()
      for (const [k, v] of query) dict.set(k, rules.jsonDecodeQueryValues ? tryJson(v) : v)
      fields.extra = pyJsonDumps(dict)
    }
  }
  return { value: applyPasswordRule(fields, dialect), warnings }
}

function tryJson(text: string): PyValue {
  const value = pyJsonTryLoads(text)
  return value === undefined ? text : value
}

/** Serialises a connection as the dialect's `get_uri()` does. */
export function serializeConnectionUri(c: ConnectionFields, dialect: Dialect): string {
  return serializeUriFast(c, dialect) ?? serializeConnectionUriGeneral(c, dialect)
}

/**
 * {@link serializeConnectionUri} as a direct port of `get_uri()`, step for step: what the fast
 * serializer must equal (test/unit/main/core/codecs/connection-uri-fast.test.ts), and its
 * fallback.
 */
export function serializeConnectionUriGeneral(input: ConnectionFields, dialect: Dialect): string {
  const rules = DIALECT_RULES[dialect]
  const c = rules.emptyPasswordBecomesNull && !input.password ? { ...input, password: null } : input
  let uri = c.conn_type ? `${c.conn_type.toLowerCase().replaceAll('_', '-')}://` : '//'
  let hostToUse = c.host
  let protocolToAdd: string | null = null
  if (c.host && c.host.includes('://')) {
    const at = c.host.indexOf('://')
    const protocol = c.host.slice(0, at)
    if (rules.keepHostProtocolMatchingConnType && protocol === c.conn_type) hostToUse = c.host
    else {
      hostToUse = c.host.slice(at + 3)
      protocolToAdd = protocol
    }
  }
  if (protocolToAdd) uri += `${protocolToAdd}://`
  let authority = ''
  if (c.login !== null) authority += quote(c.login, '')
  if (c.password !== null) authority += ':' + quote(c.password, '')
  if (authority) {
    authority += '@'
    uri += authority
  }
  let hostBlock = ''
  if (hostToUse) hostBlock += quote(hostToUse, '')
  if (rules.emitPortZero ? c.port !== null : Boolean(c.port))
    hostBlock += hostBlock === '' && authority === '' ? `@:${c.port}` : `:${c.port}`
  if (c.schema) hostBlock += `/${quote(c.schema, '')}`
  uri += hostBlock
  if (c.extra) {
    const sep = c.schema ? '?' : '/?'
    const flat = flatQuery(pyJsonFlatStringObject(c.extra))
    uri += sep + (flat ?? urlencode([[EXTRA_KEY, c.extra]]))
  }
  return uri
}

/**
 * The flat `?k=v` form, or undefined when Airflow falls back to `__extra__`: urlencode must
 * succeed, be non-empty, and parse back to an equal dict — which holds exactly when the
 * extra is a non-empty object whose values are all strings.
 */
function flatQuery(dejson: PyDict | undefined): string | undefined {
  if (!dejson || dejson.size === 0) return undefined
  const pairs: [string, string][] = []
  for (const [k, v] of dejson.entries()) pairs.push([k, v as string])
  return urlencode(pairs)
}
