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
import {
  digitTextIsNotJson,
  isJsonShortEscape,
  isJsonSpace,
  JSON_STRING_ESCAPED as ESCAPED,
  jsonStringScan as stringEnd,
  pyJsonDumps,
  pyJsonString,
  pyJsonTryLoads,
  skipJsonSpace as skipSpace
} from './py-json'
import { unquote } from './py-url'

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

const SCAN_REFUSE = 1
const SCAN_COLON = 2
const SCAN_AT = 3
const SCAN_SLASH = 4
const SCAN_QUERY = 5
const SCAN_FRAGMENT = 6
/**
 * What the scan of {@link parseUriFast} does with an ASCII code: 0 goes on; it refuses
 * controls, space, DEL and brackets (as it refuses anything beyond ASCII), and marks `:`,
 * `@`, `/`, `?` and `#`.
 */
const SCAN_CLASS = new Uint8Array(128)
for (let c = 0; c <= 0x20; c++) SCAN_CLASS[c] = SCAN_REFUSE
SCAN_CLASS[0x7f] = SCAN_CLASS[0x5b] = SCAN_CLASS[0x5d] = SCAN_REFUSE
SCAN_CLASS[0x3a] = SCAN_COLON
SCAN_CLASS[0x40] = SCAN_AT
SCAN_CLASS[0x2f] = SCAN_SLASH
SCAN_CLASS[0x3f] = SCAN_QUERY
SCAN_CLASS[0x23] = SCAN_FRAGMENT

/**
 * A whole URI of the characters {@link parseUriFast} takes: printable ASCII but for space,
 * `[` and `]` (what SCAN_CLASS does not refuse).
 */
const FAST_URI_TEXT = /^[\x21-\x5a\x5c\x5e-\x7e]*$/

/** The class of an `&` in {@link SURE_CLASS} (a query's separator). */
const SCAN_AMP = 7
/**
 * {@link SCAN_CLASS} by byte for {@link uriSurelyReads}: every byte beyond ASCII refused (one
 * lookup, no test of the byte first), and `&` marked.
 */
const SURE_CLASS = new Uint8Array(0x100).fill(SCAN_REFUSE)
SURE_CLASS.set(SCAN_CLASS)
SURE_CLASS[0x26] = SCAN_AMP

/** Whether `s[from, to)` holds an upper-case ASCII letter. */
function hasUpper(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k)
    if (c >= 0x41 && c <= 0x5a) return true
  }
  return false
}

/**
 * A character after a scheme's first (a lower-case letter) that the fast paths accept: a–z,
 * 0–9, `+`, `-`, `.` (parseUriFast's scheme and protocol, uriSurelyReads's scheme).
 */
function isSchemeTail(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e
  )
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
    if (isSchemeTail(c)) continue
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
      if (isSchemeTail(c)) continue
      break
    }
    if (c === 0x3a && uri.charCodeAt(k + 1) === 0x2f && uri.charCodeAt(k + 2) === 0x2f) {
      if (uri.slice(a, k).endsWith(uri.slice(0, schemeEnd))) return undefined
      protocolEnd = k
    }
  }
  const protocolStart = a
  if (protocolEnd >= 0) a = protocolEnd + 3
  // printable ASCII without space or brackets (one native test; the scheme and protocol
  // checked above are of that set too) and no other '://' (a protocol in the host, or too many)
  if (!FAST_URI_TEXT.test(uri) || uri.indexOf('://', a) >= 0) return undefined
  // where the netloc, path, query and fragment end, the last '@' of the netloc
  const fragStart = uri.indexOf('#', a)
  let queryStart = uri.indexOf('?', a)
  let netEnd = uri.indexOf('/', a)
  if (netEnd < 0) netEnd = n
  if (queryStart >= 0 && queryStart < netEnd) netEnd = queryStart
  if (fragStart >= 0 && fragStart < netEnd) netEnd = fragStart
  if (fragStart >= 0 && queryStart > fragStart) queryStart = -1
  let lastAt = uri.lastIndexOf('@', netEnd - 1)
  if (lastAt < a) lastAt = -1
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

  // login, password, schema and the query's names and values: their ranges, then decoded
  startFields()
  let loginField = -1
  let passwordField = -1
  if (lastAt >= 0) {
    let colon = uri.indexOf(':', a)
    if (colon > lastAt) colon = -1
    if (colon < 0) loginField = addField(a, lastAt, 0)
    else {
      loginField = addField(a, colon, 0)
      passwordField = addField(colon + 1, lastAt, 0)
    }
  }
  // `uri_parts.path[1:]`: the path starts with '/' (one code unit) whenever it is not empty
  const schemaField = pathEnd > netEnd + 1 ? addField(netEnd + 1, pathEnd, 0) : -1
  const queryEnd = fragStart >= 0 ? fragStart : n
  const firstPair = fieldCount
  const hasQuery = queryStart >= 0 && queryStart + 1 < queryEnd
  if (hasQuery)
    // parse_qsl(query, keep_blank_values=True): `&`-separated pairs, empty ones skipped, a
    // pair without `=` a name with an empty value
    for (let from = queryStart + 1; from <= queryEnd;) {
      let amp = uri.indexOf('&', from)
      if (amp < 0 || amp > queryEnd) amp = queryEnd
      if (amp > from) {
        let eq = uri.indexOf('=', from)
        if (eq < 0 || eq > amp) eq = -1
        addField(from, eq < 0 ? amp : eq, 1)
        if (eq < 0) addField(amp, amp, 1)
        else addField(eq + 1, amp, 1)
      }
      from = amp + 1
    }
  const decoded = decodeFields(uri)
  const login = loginField < 0 ? null : fieldText(uri, decoded, loginField)
  const password = passwordField < 0 ? null : fieldText(uri, decoded, passwordField)
  const schema = schemaField < 0 ? '' : fieldText(uri, decoded, schemaField)

  const warnings: string[] = []
  let extra: string | null = null
  if (hasQuery) {
    // into a dict: the last value of a key wins, in the place of its first (pairs kept in
    // two arrays reused from call to call)
    const keys = QUERY_KEYS
    const values = QUERY_VALUES
    let count = 0
    for (let f = firstPair; f < fieldCount; f += 2) {
      const name = fieldText(uri, decoded, f)
      const value = fieldText(uri, decoded, f + 1)
      let seen = 0
      while (seen < count && keys[seen] !== name) seen++
      if (seen === count) {
        keys[count] = name
        values[count++] = value
      } else values[seen] = value
    }
    let verbatim = 0
    while (verbatim < count && keys[verbatim] !== EXTRA_KEY) verbatim++
    if (verbatim < count) extra = values[verbatim]!
    else {
      // `json.dumps(dict(query))`, member by member
      let out = '{'
      for (let q = 0; q < count; q++) {
        const value = values[q]!
        if (q) out += ', '
        out += pyJsonString(keys[q]!) + ': '
        out += rules.jsonDecodeQueryValues ? queryValueJson(value) : pyJsonString(value)
      }
      extra = out + '}'
    }
    // the arrays keep no text (a value may be a secret) past the call
    for (let q = 0; q < count; q++) keys[q] = values[q] = ''
    if (verbatim < count) validateExtra(extra, dialect, warnings)
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

/**
 * The fields {@link parseUriFast} decodes, three numbers each: the range of the URI it
 * spans, and 1 where `+` means a space (a query's names and values). Grown as needed.
 */
let FIELD_RANGES = new Int32Array(3 * 32)
/** Where each field's text starts and ends in the one string {@link decodeFields} makes. */
let FIELD_TEXTS = new Int32Array(2 * 32)
let fieldCount = 0

/** Forgets the last URI's fields (and the room a URI of very many took). */
function startFields(): void {
  fieldCount = 0
  if (FIELD_RANGES.length > 3 * 1024) {
    FIELD_RANGES = new Int32Array(3 * 32)
    FIELD_TEXTS = new Int32Array(2 * 32)
  }
}

function addField(from: number, to: number, plus: number): number {
  if (3 * (fieldCount + 1) > FIELD_RANGES.length) {
    const ranges = new Int32Array(2 * FIELD_RANGES.length)
    ranges.set(FIELD_RANGES)
    FIELD_RANGES = ranges
    FIELD_TEXTS = new Int32Array(2 * FIELD_TEXTS.length)
  }
  const r = 3 * fieldCount
  FIELD_RANGES[r] = from
  FIELD_RANGES[r + 1] = to
  FIELD_RANGES[r + 2] = plus
  return fieldCount++
}

/** The URI's bytes (ASCII by then, one a character); its fields' decoded bytes. */
let uriBytes = new Uint8Array(1024)
let fieldBytes = Buffer.alloc(1024)
let fieldBytesView = new Uint8Array(fieldBytes.buffer, fieldBytes.byteOffset, fieldBytes.length)
const asciiEncoder = new TextEncoder()

/**
 * Every field {@link addField} noted, unquoted (`+` a space where it means one) into one
 * string, each field's place in it in FIELD_TEXTS: one native call for all of them instead
 * of one `decodeURIComponent` each. Undefined where an escape is not one it decodes
 * (`%` without two hex digits in the field, UTF-8 beyond U+00FF or not well-formed: the
 * caller unquotes field by field then). The byte buffers are zeroed after (a field may be
 * a secret).
 */
function decodeFields(uri: string): string | undefined {
  const n = uri.length
  if (uriBytes.length < n) uriBytes = new Uint8Array(2 * n)
  if (fieldBytes.length < n) {
    fieldBytes = Buffer.alloc(2 * n)
    fieldBytesView = new Uint8Array(fieldBytes.buffer, fieldBytes.byteOffset, fieldBytes.length)
  }
  asciiEncoder.encodeInto(uri, uriBytes)
  let m = 0
  for (let f = 0; f < fieldCount && m >= 0; f++) {
    const r = 3 * f
    FIELD_TEXTS[2 * f] = m
    m = unquoteBytes(uriBytes, FIELD_RANGES[r]!, FIELD_RANGES[r + 1]!, FIELD_RANGES[r + 2]!, m)
    FIELD_TEXTS[2 * f + 1] = m
  }
  const text = m >= 0 ? fieldBytes.toString('latin1', 0, m) : undefined
  // the buffers keep no text (a field may be a secret) past the call: the fields' bytes are
  // at most the URI's
  uriBytes.fill(0, 0, n)
  fieldBytesView.fill(0, 0, n)
  // nor a huge URI's size
  if (n > MAX_KEPT) {
    uriBytes = new Uint8Array(1024)
    fieldBytes = Buffer.alloc(1024)
    fieldBytesView = new Uint8Array(fieldBytes.buffer, fieldBytes.byteOffset, fieldBytes.length)
  }
  return text
}

/**
 * Writes `unquote(s[from:to])` (with `plus`, `unquote_plus`) into fieldBytes from `m` as
 * Latin-1: `%XX` below 0x80 its byte, `%C2`/`%C3` and a continuation byte the character
 * U+0080–U+00FF they encode in UTF-8, any other byte itself. The end, or -1 at any other
 * escape (then `decodeURIComponent`/`unquote` decide: a `%` without two hex digits stays,
 * malformed UTF-8 is replaced, and beyond U+00FF is not Latin-1).
 */
function unquoteBytes(s: Uint8Array, from: number, to: number, plus: number, m: number): number {
  const d = fieldBytesView
  for (let k = from; k < to; k++) {
    let c = s[k]!
    if (c === 0x25) {
      if (k + 2 >= to) return -1
      c = escapedByte(s, k)
      if (c < 0) return -1
      k += 2
      if (c >= 0x80) {
        if ((c !== 0xc2 && c !== 0xc3) || k + 3 >= to || s[k + 1] !== 0x25) return -1
        const next = escapedByte(s, k + 1)
        if (next < 0 || (next & 0xc0) !== 0x80) return -1
        c = ((c & 0x1f) << 6) | (next & 0x3f)
        k += 3
      }
    } else if (c === 0x2b && plus === 1) c = 0x20
    d[m++] = c
  }
  return m
}

/** Field `f`'s text: its piece of `decoded`, or (where decodeFields declined) unquoted alone. */
function fieldText(uri: string, decoded: string | undefined, f: number): string {
  if (decoded !== undefined) return decoded.slice(FIELD_TEXTS[2 * f]!, FIELD_TEXTS[2 * f + 1]!)
  const r = 3 * f
  const from = FIELD_RANGES[r]!
  const to = FIELD_RANGES[r + 1]!
  if (from === to) return ''
  const raw = uri.slice(from, to)
  return FIELD_RANGES[r + 2] === 1 ? unquotePlusFast(raw) : unquoteFast(raw)
}

const QUERY_KEYS: string[] = []
const QUERY_VALUES: string[] = []

/**
 * `json.dumps(v)` of a query value decoded as JSON where it is (`json.loads`), else of the
 * text: a canonical integer of up to 15 digits is its own dump (`-0` is not: it dumps as
 * `0`), a digit that starts no whole number is text; the rest asks the parser.
 */
function queryValueJson(value: string): string {
  const n = value.length
  let c = value.charCodeAt(0)
  let k = c === 0x2d ? 1 : 0
  c = value.charCodeAt(k)
  if (c >= 0x31 && c <= 0x39 && n - k <= 15) {
    while (++k < n) {
      c = value.charCodeAt(k)
      if (c < 0x30 || c > 0x39) break
    }
    if (k === n) return value
  } else if (c === 0x30 && k === 0 && n === 1) return value
  // a digit that does not start a whole number: a string, without the parser's throw
  c = value.charCodeAt(0)
  if (c >= 0x30 && c <= 0x39 && digitTextIsNotJson(value)) return pyJsonString(value)
  const decoded = pyJsonTryLoads(value)
  return decoded === undefined ? pyJsonString(value) : pyJsonDumps(decoded)
}

/**
 * What `quote(…, safe='')` writes for each byte, as the little-endian word of up to four
 * bytes stored at once: the byte itself where it is unreserved (`A-Za-z0-9_.-~`), else
 * upper-case `%XX`; {@link QUOTED_LENGTH} how many of its bytes count (the rest are zero).
 * QUOTED_PLUS and its lengths are `quote_plus`'s: a space is `+`.
 */
const QUOTED = new Uint32Array(256)
const QUOTED_LENGTH = new Uint8Array(256)
const HEX_DIGITS = '0123456789ABCDEF'
for (let c = 0; c < 256; c++) {
  const unreserved = c < 0x80 && /[A-Za-z0-9_.~-]/.test(String.fromCharCode(c))
  QUOTED[c] = unreserved
    ? c
    : 0x25 | (HEX_DIGITS.charCodeAt(c >> 4) << 8) | (HEX_DIGITS.charCodeAt(c & 15) << 16)
  QUOTED_LENGTH[c] = unreserved ? 1 : 3
}
const QUOTED_PLUS = QUOTED.slice()
const QUOTED_PLUS_LENGTH = QUOTED_LENGTH.slice()
QUOTED_PLUS[0x20] = 0x2b
QUOTED_PLUS_LENGTH[0x20] = 1

/**
 * The URI being written, as ASCII bytes, and a view of it for the quoting loop's four-byte
 * stores; reused from call to call, grown when short.
 */
let out: Buffer = Buffer.alloc(1024)
let outView: DataView = new DataView(out.buffer, out.byteOffset, out.length)
let at = 0

function setOut(buffer: Buffer): void {
  out = buffer
  outView = new DataView(buffer.buffer, buffer.byteOffset, buffer.length)
}

function reserve(n: number): void {
  if (at + n <= out.length) return
  const bigger = Buffer.alloc(Math.max(out.length * 2, at + n))
  out.copy(bigger, 0, 0, at)
  // the buffer left behind keeps no text either
  Uint8Array.prototype.fill.call(out, 0, 0, at)
  setOut(bigger)
}

function put(c: number): void {
  out[at++] = c
}

/**
 * Writes `quote(s[from:to], safe='')` (with `plus`, `quote_plus`): UTF-8 bytes, all but
 * `A-Za-z0-9_.-~` as upper-case `%XX`; false at a lone surrogate (Python's encode raises:
 * the caller leaves that to the general path, which says so). Each byte is one table
 * lookup and one four-byte store, without a branch on what it is: a store may write up to
 * three zero bytes past the end, which the next one overwrites (the buffer is reserved for
 * that, and so holds nothing but zeros past `at`).
 */
function putQuoted(s: string, from: number, to: number, plus: boolean): boolean {
  // at most 9 bytes a UTF-16 unit (3 UTF-8 bytes, each %XX), and the last store's spare byte
  reserve((to - from) * 9 + 1)
  const v = outView
  const words = plus ? QUOTED_PLUS : QUOTED
  const lengths = plus ? QUOTED_PLUS_LENGTH : QUOTED_LENGTH
  let k = at
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) {
      v.setUint32(k, words[c]!, true)
      k += lengths[c]!
    } else if (c < 0x800) {
      v.setUint32(k, QUOTED[0xc0 | (c >> 6)]!, true)
      v.setUint32(k + 3, QUOTED[0x80 | (c & 0x3f)]!, true)
      k += 6
    } else if (c < 0xd800 || c > 0xdfff) {
      v.setUint32(k, QUOTED[0xe0 | (c >> 12)]!, true)
      v.setUint32(k + 3, QUOTED[0x80 | ((c >> 6) & 0x3f)]!, true)
      v.setUint32(k + 6, QUOTED[0x80 | (c & 0x3f)]!, true)
      k += 9
    } else {
      const low = i + 1 < to ? s.charCodeAt(i + 1) : 0
      if (c > 0xdbff || low < 0xdc00 || low > 0xdfff) {
        // what was written so far is zeroed with the rest
        at = k
        return false
      }
      const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
      v.setUint32(k, QUOTED[0xf0 | (cp >> 18)]!, true)
      v.setUint32(k + 3, QUOTED[0x80 | ((cp >> 12) & 0x3f)]!, true)
      v.setUint32(k + 6, QUOTED[0x80 | ((cp >> 6) & 0x3f)]!, true)
      v.setUint32(k + 9, QUOTED[0x80 | (cp & 0x3f)]!, true)
      k += 12
      i++
    }
  }
  at = k
  return true
}

/** Writes ASCII text as it is; false at a character that is not ASCII. */
function putAscii(s: string, from: number, to: number): boolean {
  reserve(to - from)
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) return false
    out[at++] = c
  }
  return true
}

/** Writes `conn_type.lower().replace('_', '-')` of an ASCII type; false otherwise. */
function putScheme(connType: string): boolean {
  reserve(connType.length)
  for (let i = 0; i < connType.length; i++) {
    const c = connType.charCodeAt(i)
    if (c > 0x7f) return false
    out[at++] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c === 0x5f ? 0x2d : c
  }
  return true
}

/**
 * `get_uri()` written as bytes into one reused buffer, one string made at the end; undefined
 * where it is not sure (a non-ASCII type or protocol, a port that is not a non-negative
 * integer, a lone surrogate, an extra whose flat form needs its JSON decoded), and the caller
 * then takes the string path.
 */
export function serializeUriFast(c: ConnectionFields, dialect: Dialect): string | undefined {
  at = 0
  try {
    return writeUri(c, dialect)
  } finally {
    // the buffer keeps no text (it holds the password) past the call, even one that threw,
    // nor a huge extra's size (the typed array's own fill: Buffer's checks its arguments in
    // JavaScript first)
    Uint8Array.prototype.fill.call(out, 0, 0, at)
    if (out.length > MAX_KEPT) setOut(Buffer.alloc(1024))
  }
}

/** The size above which the buffer is not kept for the next call. */
const MAX_KEPT = 64 * 1024

function writeUri(c: ConnectionFields, dialect: Dialect): string | undefined {
  const rules = DIALECT_RULES[dialect]
  const password = rules.emptyPasswordBecomesNull && !c.password ? null : c.password
  const connType = c.conn_type
  reserve(16)
  if (connType) {
    if (!putScheme(connType)) return undefined
    reserve(3)
    put(0x3a)
  }
  put(0x2f)
  put(0x2f)
  const host = c.host
  let hostFrom = 0
  if (host) {
    const sep = host.indexOf('://')
    if (sep >= 0) {
      const keep =
        rules.keepHostProtocolMatchingConnType &&
        connType !== null &&
        sep === connType.length &&
        host.startsWith(connType)
      if (!keep) {
        hostFrom = sep + 3
        if (sep > 0) {
          if (!putAscii(host, 0, sep + 3)) return undefined
        }
      }
    }
  }
  const login = c.login
  if (login !== null && !putQuoted(login, 0, login.length, false)) return undefined
  if (password !== null) {
    reserve(1)
    put(0x3a)
    if (!putQuoted(password, 0, password.length, false)) return undefined
  }
  // `authority` is '' when the login is '' and there is no password: then no '@'
  const authority = password !== null || (login !== null && login !== '')
  reserve(1)
  if (authority) put(0x40)
  const hostBlockStart = at
  if (host && hostFrom < host.length && !putQuoted(host, hostFrom, host.length, false))
    return undefined
  const port = c.port
  if (rules.emitPortZero ? port !== null : Boolean(port)) {
    if (!Number.isSafeInteger(port) || port! < 0) return undefined
    reserve(18)
    if (at === hostBlockStart && !authority) put(0x40)
    put(0x3a)
    putDigits(port!)
  }
  const schema = c.schema
  if (schema) {
    reserve(1)
    put(0x2f)
    if (!putQuoted(schema, 0, schema.length, false)) return undefined
  }
  const extra = c.extra
  if (extra) {
    reserve(2)
    if (!schema) put(0x2f)
    put(0x3f)
    const members = flatExtraMembers(extra)
    if (members === EXTRA_UNSURE) return undefined
    if (members === EXTRA_NOT_FLAT) {
      putAscii(EXTRA_PREFIX, 0, EXTRA_PREFIX.length)
      if (!putQuoted(extra, 0, extra.length, true)) return undefined
    } else
      for (let m = 0; m < members; m++) {
        const r = m * 4
        if (m) {
          reserve(1)
          put(0x26)
        }
        if (!putQuoted(extra, MEMBERS[r]!, MEMBERS[r + 1]!, true)) return undefined
        reserve(1)
        put(0x3d)
        if (!putQuoted(extra, MEMBERS[r + 2]!, MEMBERS[r + 3]!, true)) return undefined
      }
  }
  return out.toString('latin1', 0, at)
}

function putDigits(n: number): void {
  const start = at
  let v = n
  do {
    out[at++] = 0x30 + (v % 10)
    v = Math.floor(v / 10)
  } while (v > 0)
  // written least significant first: reverse in place
  for (let l = start, r = at - 1; l < r; l++, r--) {
    const t = out[l]!
    out[l] = out[r]!
    out[r] = t
  }
}

const EXTRA_PREFIX = EXTRA_KEY + '='

/** The extra is not a flat object of strings: `get_uri()` writes `__extra__=…`. */
export const EXTRA_NOT_FLAT = -1
/** Only the general path can tell (escapes to decode, a key twice, many members). */
export const EXTRA_UNSURE = -2
const MAX_MEMBERS = 64
/** Key start, key end, value start, value end of each member {@link flatExtraMembers} found. */
const MEMBERS = new Int32Array(MAX_MEMBERS * 4)

/**
 * How `get_uri()` writes an extra, from its text in one scan that builds nothing: the number
 * of members (their ranges in MEMBERS) when it is a JSON object of plain strings, written
 * `k=v&…`; EXTRA_NOT_FLAT where the port of `json.loads` stops (not JSON, not an object, an
 * empty one, a member that is not a string: `__extra__=…`); EXTRA_UNSURE where the flat form
 * needs the decoded strings (an escape) or the dict (a key twice).
 */
export function flatExtraMembers(extra: string): number {
  const n = extra.length
  let k = skipSpace(extra, 0)
  if (extra.charCodeAt(k) !== 0x7b) return EXTRA_NOT_FLAT
  k++
  let count = 0
  let unsure = false
  for (;;) {
    k = skipSpace(extra, k)
    if (extra.charCodeAt(k) !== 0x22) return EXTRA_NOT_FLAT
    const keyEnd = stringEnd(extra, k + 1)
    if (keyEnd < 0) return EXTRA_NOT_FLAT
    if (keyEnd >= ESCAPED) unsure = true
    const keyStart = k + 1
    k = (keyEnd & ~ESCAPED) + 1
    k = skipSpace(extra, k)
    if (extra.charCodeAt(k) !== 0x3a) return EXTRA_NOT_FLAT
    k = skipSpace(extra, k + 1)
    if (extra.charCodeAt(k) !== 0x22) return EXTRA_NOT_FLAT
    const valueEnd = stringEnd(extra, k + 1)
    if (valueEnd < 0) return EXTRA_NOT_FLAT
    if (valueEnd >= ESCAPED) unsure = true
    if (count === MAX_MEMBERS) unsure = true
    if (!unsure) {
      const r = count * 4
      MEMBERS[r] = keyStart
      MEMBERS[r + 1] = keyEnd
      MEMBERS[r + 2] = k + 1
      MEMBERS[r + 3] = valueEnd
      for (let q = 0; q < r && !unsure; q += 4)
        if (sameText(extra, MEMBERS[q]!, MEMBERS[q + 1]!, keyStart, keyEnd)) unsure = true
      count++
    }
    k = skipSpace(extra, (valueEnd & ~ESCAPED) + 1)
    const c = extra.charCodeAt(k)
    if (c === 0x7d) {
      if (skipSpace(extra, k + 1) !== n) return EXTRA_NOT_FLAT
      return unsure ? EXTRA_UNSURE : count
    }
    if (c !== 0x2c) return EXTRA_NOT_FLAT
    k++
  }
}

function sameText(s: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false
  for (let i = 0; i < aEnd - a; i++) if (s.charCodeAt(a + i) !== s.charCodeAt(b + i)) return false
  return true
}

/**
 * Whether the connection value in `bytes[start, end)` (UTF-8) certainly reads — that
 * `parseConnectionValue` of its text, in any dialect, returns rather than throws — decided
 * without making a string: `plan`/`diff` must refuse a store with an entry that does not read,
 * and this spares them reading every entry whose text is the same on both sides. False means
 * "not sure" (the caller reads it). True only for a value {@link parseUriFast} takes whole,
 * where nothing can throw: printable ASCII without brackets, one lower-case `scheme://` and
 * no other `://`, a host without `%`, a port of digits ≤ 65535, query keys without `%` or `+`
 * (none decodes to `__extra__` unseen), and each `__extra__` (the one part it validates) a
 * JSON object (extraSurelyObject). test/unit/main/core/codecs/connection-uri-fast.test.ts
 * holds it to that on generated values.
 */
export function uriSurelyReads(bytes: Uint8Array, start: number, end: number): boolean {
  let k = start
  let c = k < end ? bytes[k]! : 0
  if (c < 0x61 || c > 0x7a) return false
  for (k++; k < end; k++) {
    c = bytes[k]!
    if (!isSchemeTail(c)) break
  }
  if (c !== 0x3a || k + 2 >= end || bytes[k + 1] !== 0x2f || bytes[k + 2] !== 0x2f) return false
  const a = k + 3
  // the netloc's end, its last '@', where the query starts and ends
  let netEnd = -1
  let lastAt = -1
  let queryStart = -1
  let queryEnd = end
  // whether the query holds an `&` (without one, its one key's value runs to its end)
  let ampInQuery = false
  for (k = a; k < end; k++) {
    const kind = SURE_CLASS[bytes[k]!]!
    if (kind === 0) continue
    if (kind === SCAN_REFUSE) return false
    if (kind === SCAN_AMP) {
      if (queryStart >= 0 && queryEnd === end) ampInQuery = true
    } else if (kind === SCAN_COLON) {
      if (k + 2 < end && bytes[k + 1] === 0x2f && bytes[k + 2] === 0x2f) return false
    } else if (kind === SCAN_AT) {
      if (netEnd < 0) lastAt = k
    } else if (kind === SCAN_SLASH) {
      if (netEnd < 0) netEnd = k
    } else if (kind === SCAN_QUERY) {
      if (netEnd < 0) netEnd = k
      if (queryStart < 0 && queryEnd === end) queryStart = k
    } else {
      if (netEnd < 0) netEnd = k
      if (queryEnd === end) queryEnd = k
    }
  }
  if (netEnd < 0) netEnd = end
  // host and port: after the last '@', split at the first ':'
  const hostStart = lastAt >= 0 ? lastAt + 1 : a
  let hostEnd = hostStart
  while (hostEnd < netEnd && bytes[hostEnd] !== 0x3a) hostEnd++
  for (k = hostStart; k < hostEnd; k++) if (bytes[k] === 0x25) return false
  let port = 0
  for (k = hostEnd + 1; k < netEnd; k++) {
    c = bytes[k]!
    if (c < 0x30 || c > 0x39) return false
    port = port * 10 + (c - 0x30)
    if (port > 65535) return false
  }
  // each query key: plain (no `%`, no `+`) and not `__extra__`
  if (queryStart >= 0)
    for (let from = queryStart + 1; from < queryEnd;) {
      let keyEnd = from
      let plain = true
      while (keyEnd < queryEnd && bytes[keyEnd] !== 0x3d && bytes[keyEnd] !== 0x26) {
        c = bytes[keyEnd]!
        if (c === 0x25 || c === 0x2b) plain = false
        keyEnd++
      }
      if (!plain) return false
      let amp = ampInQuery ? keyEnd : queryEnd
      while (amp < queryEnd && bytes[amp] !== 0x26) amp++
      // the extra verbatim (the one part the parser validates): a JSON object, whatever wins
      if (
        isExtraKey(bytes, from, keyEnd) &&
        (keyEnd === amp || !extraSurelyObject(bytes, keyEnd + 1, amp))
      )
        return false
      from = amp + 1
    }
  return true
}

const EXTRA_KEY_BYTES = Buffer.from(EXTRA_KEY)

/** Each byte's value as a hex digit, -1 where it is none. */
/** The byte `%XX` at `k` stands for (two hex digits after it, either case), or -1. */
function escapedByte(b: Uint8Array, k: number): number {
  const hi = HEX[b[k + 1]!]!
  const lo = HEX[b[k + 2]!]!
  return (hi | lo) < 0 ? -1 : (hi << 4) | lo
}

const HEX = new Int8Array(256).fill(-1)
for (let d = 0; d < 16; d++)
  HEX['0123456789abcdef'.charCodeAt(d)] = HEX['0123456789ABCDEF'.charCodeAt(d)] = d

/** Deepest nesting {@link extraSurelyObject} vouches for (Python's json recurses per level). */
const EXTRA_MAX_DEPTH = 64
/** Per open container of extraSurelyObject's walk: 1 an object, 0 an array. */
const OPEN = new Uint8Array(EXTRA_MAX_DEPTH)
/** The decoded bytes of the value extraSurelyObject checks (grown as needed; zeroed after). */
let decoded = new Uint8Array(4096)

/**
 * Whether the query value `bytes[from, to)`, decoded as parse_qsl decodes it (`+` a space,
 * `%XX` its byte, any other `%` itself; then UTF-8), is strictly a JSON object (RFC 8259:
 * what JSON.parse takes, and so Python's json too, the same top-level type), nested at most
 * EXTRA_MAX_DEPTH deep: then `validateExtra` accepts it in every dialect. Outside strings
 * every character of such a text is ASCII; inside them any byte ≥ 0x80 decodes to a character
 * JSON takes there (a sequence that is not UTF-8 to U+FFFD), and a byte < 0x20 is refused as
 * JSON refuses it. The bytes are decoded into a buffer kept from call to call, zeroed after
 * each (a value may be a secret). False: not sure.
 */
function extraSurelyObject(bytes: Uint8Array, from: number, to: number): boolean {
  if (to - from > decoded.length) decoded = new Uint8Array(Math.max(to - from, 2 * decoded.length))
  const b = decoded
  let n = 0
  for (let k = from; k < to; k++) {
    let c = bytes[k]!
    if (c === 0x2b) c = 0x20
    else if (c === 0x25 && k + 2 < to) {
      const e = escapedByte(bytes, k)
      if (e >= 0) {
        c = e
        k += 2
      }
    }
    b[n++] = c
  }
  const ok = jsonObjectBytes(b, n)
  b.fill(0, 0, n)
  return ok
}

/** The first position from `k` that is not JSON whitespace. */
function skipBlank(b: Uint8Array, k: number, n: number): number {
  while (k < n && isJsonSpace(b[k]!)) k++
  return k
}

/** After the JSON string that starts at `k` (a quote), or -1 where none does. */
function jsonStringBytes(b: Uint8Array, k: number, n: number): number {
  if (k >= n || b[k] !== 0x22) return -1
  for (k++; k < n;) {
    const c = b[k]!
    if (c === 0x22) return k + 1
    if (c < 0x20) return -1
    if (c !== 0x5c) {
      k++
      continue
    }
    const e = k + 1 < n ? b[k + 1]! : -1
    if (e === 0x75) {
      if (k + 5 >= n) return -1
      for (let h = k + 2; h < k + 6; h++) if (HEX[b[h]!]! < 0) return -1
      k += 6
    } else if (isJsonShortEscape(e)) k += 2
    else return -1
  }
  return -1
}

/** After the digits from `k` (at least one), or -1. */
function digitsBytes(b: Uint8Array, k: number, n: number): number {
  const start = k
  while (k < n && b[k]! >= 0x30 && b[k]! <= 0x39) k++
  return k > start ? k : -1
}

/** After the JSON number, `true`, `false` or `null` at `k`, or -1. */
function jsonScalarBytes(b: Uint8Array, k: number, n: number): number {
  const c = k < n ? b[k]! : -1
  if (c === 0x74 || c === 0x66 || c === 0x6e) {
    const word = c === 0x74 ? 'true' : c === 0x66 ? 'false' : 'null'
    if (k + word.length > n) return -1
    for (let i = 1; i < word.length; i++) if (b[k + i] !== word.charCodeAt(i)) return -1
    return k + word.length
  }
  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  if (c === 0x2d) k++
  if (k < n && b[k] === 0x30) k++
  else if ((k = digitsBytes(b, k, n)) < 0) return -1
  if (k < n && b[k] === 0x2e && (k = digitsBytes(b, k + 1, n)) < 0) return -1
  if (k < n && (b[k] === 0x65 || b[k] === 0x45)) {
    k++
    if (k < n && (b[k] === 0x2b || b[k] === 0x2d)) k++
    if ((k = digitsBytes(b, k, n)) < 0) return -1
  }
  return k
}

/** After a member's key and colon at `k` (where its value starts, blanks skipped), or -1. */
function jsonKeyBytes(b: Uint8Array, k: number, n: number): number {
  k = jsonStringBytes(b, k, n)
  if (k < 0) return -1
  k = skipBlank(b, k, n)
  if (k >= n || b[k] !== 0x3a) return -1
  return skipBlank(b, k + 1, n)
}

/**
 * Whether `b[0, n)` is strictly one JSON object (RFC 8259: what JSON.parse takes, and so
 * Python's json too, with the same top-level type), nested at most EXTRA_MAX_DEPTH deep; a
 * byte 0x80 or above is taken inside a string only. False: not sure.
 */
export function jsonObjectBytes(b: Uint8Array, n: number): boolean {
  let k = skipBlank(b, 0, n)
  if (k >= n || b[k] !== 0x7b) return false
  let depth = 0
  for (;;) {
    // a value starts at k (not a blank)
    const c = k < n ? b[k]! : -1
    if (c === 0x7b || c === 0x5b) {
      if (depth === EXTRA_MAX_DEPTH) return false
      const object = c === 0x7b
      OPEN[depth++] = object ? 1 : 0
      k = skipBlank(b, k + 1, n)
      if (k < n && b[k] === (object ? 0x7d : 0x5d)) {
        k++
        depth--
      } else {
        if (object && (k = jsonKeyBytes(b, k, n)) < 0) return false
        continue
      }
    } else if ((k = c === 0x22 ? jsonStringBytes(b, k, n) : jsonScalarBytes(b, k, n)) < 0)
      return false
    // a value ended at k: close what it ends, or go on to the next member or element
    for (;;) {
      if (depth === 0) return skipBlank(b, k, n) === n
      k = skipBlank(b, k, n)
      const object = OPEN[depth - 1] === 1
      const d = k < n ? b[k]! : -1
      if (d === (object ? 0x7d : 0x5d)) {
        k++
        depth--
        continue
      }
      if (d !== 0x2c) return false
      k = skipBlank(b, k + 1, n)
      if (object && (k = jsonKeyBytes(b, k, n)) < 0) return false
      break
    }
  }
}

function isExtraKey(bytes: Uint8Array, from: number, to: number): boolean {
  if (to - from !== EXTRA_KEY_BYTES.length) return false
  for (let i = 0; i < EXTRA_KEY_BYTES.length; i++)
    if (bytes[from + i] !== EXTRA_KEY_BYTES[i]) return false
  return true
}
