/**
 * Python's `urllib.parse` (CPython 3.11–3.13 semantics), reproduced for byte equality
 * with Airflow's connection URIs. JavaScript's `URL`, `encodeURIComponent` and
 * `URLSearchParams` differ from it in encoded sets, host case, userinfo splitting and
 * `+` handling, so none of them are used for Airflow URIs.
 */
import { CodecError } from '../errors'

const ALWAYS_SAFE = new Set(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~'.split('')
)
const HEX = '0123456789ABCDEF'
const utf8 = new TextEncoder()
// ignoreBOM: a leading BOM stays a U+FEFF character, as Python's bytes.decode keeps it
const utf8Lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

function toUtf8Strict(s: string): Uint8Array {
  // Python's str.encode('utf-8') refuses lone surrogates; TextEncoder would replace them.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s))
    throw new CodecError('Text contains a lone surrogate that cannot be encoded as UTF-8.')
  return utf8.encode(s)
}

const SAFE_TABLES = new Map<string, Uint8Array>()

/** A 128-entry table of the ASCII bytes `quote` leaves alone for this `safe`. */
function safeTable(safe: string): Uint8Array {
  let table = SAFE_TABLES.get(safe)
  if (!table) {
    table = new Uint8Array(128)
    for (const c of ALWAYS_SAFE) table[c.charCodeAt(0)] = 1
    for (const c of safe) if (c.charCodeAt(0) < 128) table[c.charCodeAt(0)] = 1
    SAFE_TABLES.set(safe, table)
  }
  return table
}

/** `urllib.parse.quote(s, safe)`: percent-encode all but `A-Za-z0-9_.-~` and `safe`. */
export function quote(s: string, safe = '/'): string {
  // safe='' (every Airflow use): encodeURIComponent encodes the same set but ! ' ( ) *, in
  // the same UTF-8 upper-case form, and throws on lone surrogates as Python's encode does.
  if (safe === '') {
    let out: string
    try {
      out = encodeURIComponent(s)
    } catch {
      throw new CodecError('Text contains a lone surrogate that cannot be encoded as UTF-8.')
    }
    return EXTRA_UNRESERVED.test(out) ? out.replace(EXTRA_UNRESERVED_ALL, escapeExtra) : out
  }
  const table = safeTable(safe)
  let out = ''
  let start = 0
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k)
    if (c < 128) {
      if (table[c]) continue
      out += s.slice(start, k) + '%' + HEX[c >> 4] + HEX[c & 15]
      start = k + 1
    } else {
      // Non-ASCII: encode the rest through UTF-8 bytes (Python quotes bytes).
      out += s.slice(start, k)
      for (const b of toUtf8Strict(s.slice(k)))
        out += b < 128 && table[b] ? String.fromCharCode(b) : '%' + HEX[b >> 4] + HEX[b & 15]
      return out
    }
  }
  return start === 0 ? s : out + s.slice(start)
}

/** `urllib.parse.quote_plus(s, safe='')`: like quote, with space as `+`. */
export function quotePlus(s: string, safe = ''): string {
  if (!s.includes(' ')) return quote(s, safe)
  // A literal '%20' in the input is encoded as '%2520', so only spaces turn into '%20'.
  if (safe === '') return quote(s, '').replaceAll('%20', '+')
  return quote(s, safe + ' ').replaceAll(' ', '+')
}

const EXTRA_UNRESERVED = /[!'()*]/
const EXTRA_UNRESERVED_ALL = /[!'()*]/g
function escapeExtra(c: string): string {
  return '%' + c.charCodeAt(0).toString(16).toUpperCase()
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c)
}

/** `urllib.parse.unquote_to_bytes` of an ASCII string. */
function unquoteAsciiToBytes(s: string): Uint8Array {
  const bytes: number[] = []
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]!
    if (ch === '%' && isHex(s[k + 1]) && isHex(s[k + 2])) {
      bytes.push(parseInt(s.slice(k + 1, k + 3), 16))
      k += 2
    } else bytes.push(s.charCodeAt(k))
  }
  return Uint8Array.from(bytes)
}

/**
 * `urllib.parse.unquote(s)` (utf-8, errors='replace'): decodes each maximal ASCII run
 * separately, leaving non-ASCII characters untouched, as CPython does.
 */
export function unquote(s: string): string {
  let pct = s.indexOf('%')
  if (pct < 0) return s
  // Fast path: every escape is well-formed and decodes to an ASCII byte — then decoding is
  // byte-for-character and CPython's run splitting cannot matter.
  let out = ''
  let start = 0
  while (pct >= 0) {
    const hi = hexValue(s.charCodeAt(pct + 1))
    const lo = hexValue(s.charCodeAt(pct + 2))
    if (hi < 0 || lo < 0 || hi >= 8) return unquoteGeneral(s)
    out += s.slice(start, pct) + String.fromCharCode(hi * 16 + lo)
    start = pct + 3
    pct = s.indexOf('%', start)
  }
  return out + s.slice(start)
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

function unquoteGeneral(s: string): string {
  // Where decodeURIComponent succeeds (well-formed UTF-8 escapes) it equals CPython's result;
  // malformed escapes, which CPython replaces or keeps, take the exact path below.
  try {
    return decodeURIComponent(s)
  } catch {
    // fall through
  }
  // eslint-disable-next-line no-control-regex -- CPython splits on maximal ASCII runs
  return s.replace(/[\x00-\x7f]+/g, (run) =>
    run.includes('%') ? utf8Lenient.decode(unquoteAsciiToBytes(run)) : run
  )
}

/** `urllib.parse.unquote_plus(s)`. */
export function unquotePlus(s: string): string {
  return unquote(s.includes('+') ? s.replaceAll('+', ' ') : s)
}

/** `urlencode(pairs)` for string keys and values (quote_via=quote_plus). */
export function urlencode(pairs: Iterable<readonly [string, string]>): string {
  const parts: string[] = []
  for (const [k, v] of pairs) parts.push(quotePlus(k) + '=' + quotePlus(v))
  return parts.join('&')
}

/** `parse_qsl(qs, keep_blank_values)` with the default `&` separator. */
export function parseQsl(qs: string, keepBlankValues = false): [string, string][] {
  const out: [string, string][] = []
  if (!qs) return out
  for (const nameValue of qs.split('&')) {
    if (!nameValue) continue
    const eq = nameValue.indexOf('=')
    let name: string
    let value: string
    if (eq < 0) {
      if (!keepBlankValues) continue
      name = nameValue
      value = ''
    } else {
      name = nameValue.slice(0, eq)
      value = nameValue.slice(eq + 1)
    }
    if (value.length || keepBlankValues) out.push([unquotePlus(name), unquotePlus(value)])
  }
  return out
}

const SCHEME_CHARS = /^[A-Za-z0-9+\-.]*$/
// eslint-disable-next-line no-control-regex -- WHATWG C0 control or space, as CPython strips
const LEADING_C0 = /^[\x00-\x20]+/
/** Whether urlsplit's clean-up (strip leading C0/space, drop tab/CR/LF) changes anything. */
function needsCleanup(s: string): boolean {
  return (
    (s.length > 0 && s.charCodeAt(0) <= 0x20) ||
    s.includes('\t') ||
    s.includes('\n') ||
    s.includes('\r')
  )
}

/** The result of `urlsplit`, with Python's derived attributes. */
export class SplitResult {
  constructor(
    readonly scheme: string,
    readonly netloc: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string
  ) {}

  private hostinfoCache?: [string, string | undefined]
  private userinfoCache?: [string | null, string | null]

  private get hostinfo(): [string, string | undefined] {
    return (this.hostinfoCache ??= this.splitHostinfo())
  }

  private splitHostinfo(): [string, string | undefined] {
    const at = this.netloc.lastIndexOf('@')
    const hostinfo = at >= 0 ? this.netloc.slice(at + 1) : this.netloc
    const open = hostinfo.indexOf('[')
    let hostname: string
    let port: string
    if (open >= 0) {
      const bracketed = hostinfo.slice(open + 1)
      const close = bracketed.indexOf(']')
      hostname = close >= 0 ? bracketed.slice(0, close) : bracketed
      const after = close >= 0 ? bracketed.slice(close + 1) : ''
      const colon = after.indexOf(':')
      port = colon >= 0 ? after.slice(colon + 1) : ''
    } else {
      const colon = hostinfo.indexOf(':')
      hostname = colon >= 0 ? hostinfo.slice(0, colon) : hostinfo
      port = colon >= 0 ? hostinfo.slice(colon + 1) : ''
    }
    return [hostname, port || undefined]
  }

  /** `.hostname`: lower-cased up to the first `%` (zone ids keep their case); null if empty. */
  get hostname(): string | null {
    const host = this.hostinfo[0]
    if (!host) return null
    const pct = host.indexOf('%')
    return pct < 0 ? pyLower(host) : pyLower(host.slice(0, pct)) + host.slice(pct)
  }

  /** `.port`: ASCII digits only, 0–65535, else the ValueError Python raises. */
  get port(): number | null {
    const port = this.hostinfo[1]
    if (port === undefined) return null
    if (!/^[0-9]+$/.test(port))
      throw new CodecError(`Port could not be cast to integer value as ${pyRepr(port)}`)
    const n = Number(port)
    if (n > 65535) throw new CodecError('Port out of range 0-65535')
    return n
  }

  private get userinfo(): [string | null, string | null] {
    return (this.userinfoCache ??= this.splitUserinfo())
  }

  private splitUserinfo(): [string | null, string | null] {
    const at = this.netloc.lastIndexOf('@')
    if (at < 0) return [null, null]
    const info = this.netloc.slice(0, at)
    const colon = info.indexOf(':')
    return colon < 0 ? [info, null] : [info.slice(0, colon), info.slice(colon + 1)]
  }

  get username(): string | null {
    return this.userinfo[0]
  }

  get password(): string | null {
    return this.userinfo[1]
  }
}

/**
 * `urlsplit(url).scheme` alone, with every error urlsplit would raise: the exact split
 * runs only where one could arise (brackets or non-ASCII in the URL).
 */
export function urlsplitScheme(input: string): string {
  // eslint-disable-next-line no-control-regex -- ASCII without brackets: urlsplit cannot raise
  if (!/^[\x00-\x5a\x5c\x5e-\x7f]*$/.test(input)) return urlsplit(input).scheme
  const url = needsCleanup(input) ? input.replace(LEADING_C0, '').replace(/[\t\r\n]/g, '') : input
  const i = url.indexOf(':')
  return i > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, i))
    ? url.slice(0, i).toLowerCase()
    : ''
}

/** `urllib.parse.urlsplit(url)` (allow_fragments=True). */
export function urlsplit(input: string): SplitResult {
  let url = needsCleanup(input) ? input.replace(LEADING_C0, '').replace(/[\t\r\n]/g, '') : input
  let scheme = ''
  let netloc = ''
  let query = ''
  let fragment = ''
  const i = url.indexOf(':')
  if (i > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, i))) {
    scheme = url.slice(0, i).toLowerCase()
    url = url.slice(i + 1)
  }
  if (url.startsWith('//')) {
    let delim = url.length
    for (const c of '/?#') {
      const w = url.indexOf(c, 2)
      if (w >= 0) delim = Math.min(delim, w)
    }
    netloc = url.slice(2, delim)
    url = url.slice(delim)
    const hasOpen = netloc.includes('[')
    const hasClose = netloc.includes(']')
    if (hasOpen !== hasClose) throw new CodecError('Invalid IPv6 URL')
    if (hasOpen && hasClose) {
      const after = netloc.slice(netloc.indexOf('[') + 1)
      checkBracketedHost(after.slice(0, after.indexOf(']') >= 0 ? after.indexOf(']') : undefined))
    }
  }
  const hash = url.indexOf('#')
  if (hash >= 0) {
    fragment = url.slice(hash + 1)
    url = url.slice(0, hash)
  }
  const q = url.indexOf('?')
  if (q >= 0) {
    query = url.slice(q + 1)
    url = url.slice(0, q)
  }
  checkNetloc(netloc)
  return new SplitResult(scheme, netloc, url, query, fragment)
}

function checkNetloc(netloc: string): void {
  // eslint-disable-next-line no-control-regex -- str.isascii()
  if (!netloc || /^[\x00-\x7f]*$/.test(netloc)) return
  const n = netloc.replace(/[@:#?]/g, '')
  const normalized = n.normalize('NFKC')
  if (n === normalized) return
  for (const c of '/?#@:')
    if (normalized.includes(c))
      throw new CodecError(
        'The host part contains characters that become URL delimiters under NFKC normalization.'
      )
}

function checkBracketedHost(host: string): void {
  if (host.startsWith('v')) {
    if (!/^v[a-fA-F0-9]+\..+$/s.test(host)) throw new CodecError('IPvFuture address is invalid')
    return
  }
  if (isIPv4(host)) throw new CodecError('An IPv4 address cannot be in brackets')
  if (!isIPv6(host)) throw new CodecError('The bracketed host is not a valid IPv6 address.')
}

/** Python's `ipaddress.IPv4Address` rules: four decimal octets, no leading zeros. */
export function isIPv4(s: string): boolean {
  const parts = s.split('.')
  return (
    parts.length === 4 &&
    parts.every(
      (p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255 && (p === '0' || !p.startsWith('0'))
    )
  )
}

/** Python's `ipaddress.IPv6Address` rules, including an optional `%scope` suffix. */
export function isIPv6(input: string): boolean {
  let s = input
  const pct = s.indexOf('%')
  if (pct >= 0) {
    const scope = s.slice(pct + 1)
    if (!scope || scope.includes('%')) return false
    s = s.slice(0, pct)
  }
  const parts = s.split(':')
  if (parts.length < 3) return false
  let maxParts = 8
  if (parts[parts.length - 1]!.includes('.')) {
    if (!isIPv4(parts[parts.length - 1]!)) return false
    parts.pop()
    parts.push('0', '0')
    maxParts = 8
  }
  if (parts.length > maxParts + 1) return false
  let skipIndex = -1
  for (let k = 1; k < parts.length - 1; k++) {
    if (parts[k] === '') {
      if (skipIndex >= 0) return false
      skipIndex = k
    }
  }
  let partsHi: number
  let partsLo: number
  if (skipIndex >= 0) {
    partsHi = skipIndex
    partsLo = parts.length - skipIndex - 1
    if (parts[0] === '') {
      partsHi -= 1
      if (partsHi) return false
    }
    if (parts[parts.length - 1] === '') {
      partsLo -= 1
      if (partsLo) return false
    }
    if (partsHi + partsLo >= maxParts) return false
  } else {
    if (parts.length !== maxParts) return false
    if (parts[0] === '' || parts[parts.length - 1] === '') return false
    partsHi = parts.length
    partsLo = 0
  }
  const groups = [...parts.slice(0, partsHi), ...(partsLo ? parts.slice(-partsLo) : [])]
  return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))
}

/** `str.lower()` for the characters a host can hold (full Unicode lower-casing). */
function pyLower(s: string): string {
  return s.toLowerCase()
}

/** Python's `repr(str)` for short texts in error messages. */
export function pyRepr(s: string): string {
  const quoteChar = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quoteChar
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === quoteChar || ch === '\\') out += '\\' + ch
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + quoteChar
}
