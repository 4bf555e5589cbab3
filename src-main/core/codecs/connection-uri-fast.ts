/**
 * The single-pass fast paths of connection-uri.ts for the common case: a URI of printable
 * ASCII with one `scheme://`, no brackets, a numeric port; extras that are flat JSON objects
 * of plain strings. Each returns undefined where it is not sure, and the caller then takes
 * the exact general path (the port of Python's urlsplit/unquote/parse_qsl), so the result
 * is always the general path's, byte for byte (test/unit/main/core/codecs/
 * connection-uri-fast.test.ts compares them on generated inputs).
 */
import { DIALECT_RULES } from '../dialect'
import { applyPasswordRule, normalizeConnType, validateExtra, type Decoded } from '../connection'
import type { ConnectionFields, Dialect } from '../model'
import { pyJsonDumps, pyJsonString, pyJsonTryLoads } from './py-json'
import { quotePlus, unquote } from './py-url'

/** The query key that carries extras verbatim when they cannot be flattened. */
export const EXTRA_KEY = '__extra__'

/**
 * `unquote` where decodeURIComponent succeeds (well-formed escapes of well-formed UTF-8: then
 * it equals CPython's result); the exact port otherwise.
 */
function unquoteFast(s: string): string {
  if (s.indexOf('%') < 0) return s
  try {
    return decodeURIComponent(s)
  } catch {
    return unquote(s)
  }
}

function unquotePlusFast(s: string): string {
  return unquoteFast(s.indexOf('+') < 0 ? s : s.replaceAll('+', ' '))
}

/** Whether `s[from, to)` holds an upper-case ASCII letter. */
function hasUpper(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k)
    if (c >= 0x41 && c <= 0x5a) return true
  }
  return false
}

/**
 * `Connection(uri=…)` in one scan, or undefined to take the general path. Covered: a
 * lower-case scheme `[a-z][a-z0-9+.-]*` followed by `://`, optionally a protocol of that form
 * and `://` (`k8s://host`), no other `://`, printable ASCII
 * without `[` `]` or spaces, a port of digits ≤ 65535, and a host that does not decode to a `/`.
 */
export function parseUriFast(uri: string, dialect: Dialect): Decoded<ConnectionFields> | undefined {
  const n = uri.length
  let c = n ? uri.charCodeAt(0) : 0
  if (c < 0x61 || c > 0x7a) return undefined
  let k = 1
  for (; k < n; k++) {
    c = uri.charCodeAt(k)
    if (
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2b ||
      c === 0x2d ||
      c === 0x2e
    )
      continue
    break
  }
  if (c !== 0x3a || uri.charCodeAt(k + 1) !== 0x2f || uri.charCodeAt(k + 2) !== 0x2f)
    return undefined
  const schemeEnd = k
  let a = k + 3
  // `type://protocol://…`: a protocol of lower-case scheme characters (the general path
  // removes every `type://`, so one that ends with the type is left to it)
  let protocolEnd = -1
  c = uri.charCodeAt(a)
  if (c >= 0x61 && c <= 0x7a) {
    for (k = a + 1; k < n; k++) {
      c = uri.charCodeAt(k)
      if (
        (c >= 0x61 && c <= 0x7a) ||
        (c >= 0x30 && c <= 0x39) ||
        c === 0x2b ||
        c === 0x2d ||
        c === 0x2e
      )
        continue
      break
    }
    if (c === 0x3a && uri.charCodeAt(k + 1) === 0x2f && uri.charCodeAt(k + 2) === 0x2f) {
      if (uri.slice(a, k).endsWith(uri.slice(0, schemeEnd))) return undefined
      protocolEnd = k
    }
  }
  const protocolStart = a
  if (protocolEnd >= 0) a = protocolEnd + 3
  // one scan: where the netloc, path, query and fragment end, the last '@' of the netloc
  let netEnd = -1
  let lastAt = -1
  let queryStart = -1
  let fragStart = -1
  for (k = a; k < n; k++) {
    c = uri.charCodeAt(k)
    if (c <= 0x20 || c >= 0x7f || c === 0x5b || c === 0x5d) return undefined
    if (c === 0x3a) {
      // a second '://' (a protocol in the host, or too many) is the general path's
      if (uri.charCodeAt(k + 1) === 0x2f && uri.charCodeAt(k + 2) === 0x2f) return undefined
    } else if (c === 0x40) {
      if (netEnd < 0) lastAt = k
    } else if (c === 0x2f) {
      if (netEnd < 0) netEnd = k
    } else if (c === 0x3f) {
      if (netEnd < 0) netEnd = k
      if (queryStart < 0 && fragStart < 0) queryStart = k
    } else if (c === 0x23) {
      if (netEnd < 0) netEnd = k
      if (fragStart < 0) fragStart = k
    }
  }
  if (netEnd < 0) netEnd = n
  const pathEnd = queryStart >= 0 ? queryStart : fragStart >= 0 ? fragStart : n
  const rules = DIALECT_RULES[dialect]

  // host and port: after the last '@', split at the first ':'
  const hostStart = lastAt >= 0 ? lastAt + 1 : a
  let hostEnd = uri.indexOf(':', hostStart)
  if (hostEnd < 0 || hostEnd > netEnd) hostEnd = netEnd
  let port: number | null = null
  if (hostEnd + 1 < netEnd) {
    let value = 0
    for (k = hostEnd + 1; k < netEnd; k++) {
      c = uri.charCodeAt(k)
      if (c < 0x30 || c > 0x39) return undefined
      value = value * 10 + (c - 0x30)
      if (value > 65535) return undefined
    }
    port = value
  }
  let host = ''
  if (hostEnd > hostStart) {
    let raw = uri.slice(hostStart, hostEnd)
    // `.hostname` lower-cases up to the first '%' (zone ids keep their case)
    const pct = raw.indexOf('%')
    const lowerEnd = pct < 0 ? raw.length : pct
    if (hasUpper(raw, 0, lowerEnd))
      raw = pct < 0 ? raw.toLowerCase() : raw.slice(0, pct).toLowerCase() + raw.slice(pct)
    host = unquoteFast(raw)
    if (host.indexOf('/') >= 0) return undefined
    if (protocolEnd >= 0) host = uri.slice(protocolStart, protocolEnd) + '://' + host
  }

  let login: string | null = null
  let password: string | null = null
  if (lastAt >= 0) {
    let colon = uri.indexOf(':', a)
    if (colon > lastAt) colon = -1
    if (colon < 0) login = lastAt > a ? unquoteFast(uri.slice(a, lastAt)) : ''
    else {
      login = colon > a ? unquoteFast(uri.slice(a, colon)) : ''
      password = colon + 1 < lastAt ? unquoteFast(uri.slice(colon + 1, lastAt)) : ''
    }
  }

  // `uri_parts.path[1:]`: the path starts with '/' (one code unit) whenever it is not empty
  const schema = pathEnd > netEnd + 1 ? unquoteFast(uri.slice(netEnd + 1, pathEnd)) : ''

  const warnings: string[] = []
  let extra: string | null = null
  const queryEnd = fragStart >= 0 ? fragStart : n
  if (queryStart >= 0 && queryStart + 1 < queryEnd) {
    // parse_qsl(query, keep_blank_values=True) into a dict: the last value of a key wins,
    // in the place of its first
    const keys: string[] = []
    const values: string[] = []
    let from = queryStart + 1
    while (from <= queryEnd) {
      let amp = uri.indexOf('&', from)
      if (amp < 0 || amp > queryEnd) amp = queryEnd
      if (amp > from) {
        let eq = uri.indexOf('=', from)
        if (eq < 0 || eq > amp) eq = -1
        const name = unquotePlusFast(uri.slice(from, eq < 0 ? amp : eq))
        const value = eq < 0 ? '' : unquotePlusFast(uri.slice(eq + 1, amp))
        const seen = keys.indexOf(name)
        if (seen < 0) {
          keys.push(name)
          values.push(value)
        } else values[seen] = value
      }
      from = amp + 1
    }
    const verbatim = keys.indexOf(EXTRA_KEY)
    if (verbatim >= 0) {
      extra = values[verbatim]!
      validateExtra(extra, dialect, warnings)
    } else {
      // `json.dumps(dict(query))`, member by member
      let out = '{'
      for (let q = 0; q < keys.length; q++) {
        const value = values[q]!
        if (q) out += ', '
        out += pyJsonString(keys[q]!) + ': '
        if (rules.jsonDecodeQueryValues) {
          const decoded = pyJsonTryLoads(value)
          out += decoded === undefined ? pyJsonString(value) : pyJsonDumps(decoded)
        } else out += pyJsonString(value)
      }
      extra = out + '}'
    }
  }
  const fields: ConnectionFields = {
    conn_type: normalizeConnType(uri.slice(0, schemeEnd)),
    description: null,
    host,
    login,
    password,
    schema,
    port,
    extra
  }
  return { value: applyPasswordRule(fields, dialect), warnings }
}

const WS_SPACE = 0x20
const WS_TAB = 0x09
const WS_LF = 0x0a
const WS_CR = 0x0d
function isJsonSpace(c: number): boolean {
  return c === WS_SPACE || c === WS_TAB || c === WS_LF || c === WS_CR
}

/**
 * The query `get_uri()` writes for an extra, from its text in one scan where that is sure:
 * the flat `k=v&…` form of a JSON object of plain strings (no escapes, no control characters,
 * no key twice); null where it is sure the general path writes `__extra__=…` (not a JSON
 * object, an empty one, a member that is not a string, bad JSON before any escape); undefined
 * where the general path must decide (escapes, control characters, a key twice).
 */
export function extraQueryFast(extra: string): string | null | undefined {
  const n = extra.length
  let k = 0
  while (k < n && isJsonSpace(extra.charCodeAt(k))) k++
  if (extra.charCodeAt(k) !== 0x7b) return null
  k++
  let out = ''
  let keys: string[] | undefined
  for (;;) {
    while (k < n && isJsonSpace(extra.charCodeAt(k))) k++
    if (extra.charCodeAt(k) !== 0x22) return null
    const keyEnd = plainStringEnd(extra, k + 1)
    if (keyEnd < 0) return keyEnd === NOT_CLOSED ? null : undefined
    const key = extra.slice(k + 1, keyEnd)
    if (keys === undefined) keys = [key]
    else if (keys.includes(key)) return undefined
    else keys.push(key)
    k = keyEnd + 1
    while (k < n && isJsonSpace(extra.charCodeAt(k))) k++
    if (extra.charCodeAt(k) !== 0x3a) return null
    k++
    while (k < n && isJsonSpace(extra.charCodeAt(k))) k++
    if (extra.charCodeAt(k) !== 0x22) return null
    const valueEnd = plainStringEnd(extra, k + 1)
    if (valueEnd < 0) return valueEnd === NOT_CLOSED ? null : undefined
    out += (out ? '&' : '') + quotePlus(key) + '=' + quotePlus(extra.slice(k + 1, valueEnd))
    k = valueEnd + 1
    while (k < n && isJsonSpace(extra.charCodeAt(k))) k++
    const c = extra.charCodeAt(k)
    if (c === 0x7d) {
      k++
      while (k < n && isJsonSpace(extra.charCodeAt(k))) k++
      return k === n ? out : null
    }
    if (c !== 0x2c) return null
    k++
  }
}

const NOT_CLOSED = -1
const NOT_PLAIN = -2

/**
 * The index of the closing quote of a JSON string; NOT_PLAIN at an escape or a control
 * character, NOT_CLOSED when the text ends first.
 */
function plainStringEnd(s: string, from: number): number {
  for (let k = from; k < s.length; k++) {
    const c = s.charCodeAt(k)
    if (c === 0x22) return k
    if (c === 0x5c || c < 0x20) return NOT_PLAIN
  }
  return NOT_CLOSED
}
