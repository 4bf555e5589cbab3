/**
 * The Astro CLI's `airflow_settings.yaml` as astro reads and writes it (astronomer/astro-cli,
 * package `settings`: `types.go`, `settings.go`): an emulation of what Go does to the file —
 * yaml.v3 resolution, viper's key lower-casing, mapstructure's weak decoding, `encoding/json`
 * for a mapping extra, `net/url` for a `conn_uri` — and in-place edits of its YAML document
 * that keep comments, pools and unknown keys. Pure; the file itself is the backend's
 * (backends/astro.ts), which documents the rules.
 */
import type { Document, Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml'
import { cliKeyProblem, type FileProblem } from './airflow-files'
import { comparePyStrings } from './py-json'
import { yaml } from './yaml-lib'
import { constructConnection, portNumber } from '../connection'
import { CodecError } from '../errors'
import {
  emptyConnectionFields,
  type ConnectionEntry,
  type ConnectionFields,
  type Dialect,
  type EntryKind,
  type VariableEntry
} from '../model'

// ---------------------------------------------------------------------------------------
// Go's view of YAML values (yaml.v3 resolution, mapstructure weak decoding, encoding/json)

type GoValue =
  | { t: 'null' }
  | { t: 'string'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'time' }
  | { t: 'map'; node: YAMLMap }
  | { t: 'seq'; node: YAMLSeq }

const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/
const TIMESTAMP =
  /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d?:\d\d?(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/

/** Go's `strconv.ParseInt(s, 0, 64)`; undefined when it fails. */
function goParseInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s)
  if (!m) return undefined
  let body = m[2]!
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1)
  const v = BigInt(body.toLowerCase().replace(/^0o/, '0o'))
  const n = m[1] === '-' ? -v : v
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined
}

/** yaml.v3's `resolve` for an untagged plain scalar. */
function resolvePlain(s: string): GoValue {
  if (['', '~', 'null', 'Null', 'NULL'].includes(s)) return { t: 'null' }
  if (['true', 'True', 'TRUE'].includes(s)) return { t: 'bool', v: true }
  if (['false', 'False', 'FALSE'].includes(s)) return { t: 'bool', v: false }
  if (['.nan', '.NaN', '.NAN'].includes(s)) return { t: 'float', v: NaN }
  if (/^\+?\.(inf|Inf|INF)$/.test(s)) return { t: 'float', v: Infinity }
  if (/^-\.(inf|Inf|INF)$/.test(s)) return { t: 'float', v: -Infinity }
  if (!'+-.0123456789'.includes(s[0]!)) return { t: 'string', v: s }
  if (TIMESTAMP.test(s)) return { t: 'time' }
  const plain = s.replace(/_/g, '')
  const i = goParseInt(plain)
  if (i !== undefined) return { t: 'int', v: i }
  if (/^\+?[0-9]+$/.test(plain) && BigInt(plain) < 2n ** 64n) return { t: 'int', v: BigInt(plain) }
  if (YAML_FLOAT.test(plain)) return { t: 'float', v: Number(plain) }
  return { t: 'string', v: s }
}

/** The Go value of a YAML node, as viper's yaml.v3 decoding produces it. */
function goValue(node: unknown, doc: Document): GoValue {
  if (yaml().isAlias(node)) return goValue(node.resolve(doc), doc)
  if (yaml().isMap(node)) return { t: 'map', node }
  if (yaml().isSeq(node)) return { t: 'seq', node }
  if (!yaml().isScalar(node)) return { t: 'null' }
  if (node.type === yaml().Scalar.PLAIN && !node.tag)
    return resolvePlain(node.source ?? String(node.value))
  const v = node.value
  if (v === null || v === undefined) return { t: 'null' }
  if (typeof v === 'boolean') return { t: 'bool', v }
  if (typeof v === 'number')
    return Number.isInteger(v) ? { t: 'int', v: BigInt(v) } : { t: 'float', v }
  if (typeof v === 'bigint') return { t: 'int', v }
  if (v instanceof Date) return { t: 'time' }
  return { t: 'string', v: String(v) }
}

/** Go's `strconv.FormatFloat(x, 'f', -1, 64)`. */
function goFormatFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf'
  const s = String(x)
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)
  if (!m) return s
  const digits = m[2]! + (m[3] ?? '')
  const exp = Number(m[4])
  if (exp >= 0) return m[1] + digits.padEnd(exp + 1, '0')
  return `${m[1]}0.${'0'.repeat(-exp - 1)}${digits}`
}

class DecodeError extends Error {}

/** mapstructure's weak decoding into a Go `string` field. */
function weakString(v: GoValue): string {
  switch (v.t) {
    case 'null':
      return ''
    case 'string':
      return v.v
    case 'int':
      return v.v.toString()
    case 'float':
      return goFormatFloat(v.v)
    case 'bool':
      return v.v ? '1' : '0'
    default:
      throw new DecodeError(
        `a ${v.t === 'time' ? 'date' : v.t === 'map' ? 'mapping' : 'list'} where text is expected`
      )
  }
}

/** mapstructure's weak decoding into a Go `int` field. */
function weakInt(v: GoValue): number {
  switch (v.t) {
    case 'null':
      return 0
    case 'int':
      return Number(v.v)
    case 'float':
      return Math.trunc(v.v)
    case 'bool':
      return v.v ? 1 : 0
    case 'string': {
      if (v.v === '') return 0
      const n = goParseInt(v.v)
      if (n === undefined)
        throw new DecodeError('text that is not an integer where a number is expected')
      return Number(n)
    }
    default:
      throw new DecodeError('a value that is not a number where a number is expected')
  }
}

/** Go's `json.Marshal` of a string (HTML-safe escaping, as encoding/json does by default). */
function goJsonString(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\b') out += '\\b'
    else if (ch === '\f') out += '\\f'
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029)
      out += '\\u' + c.toString(16).padStart(4, '0')
    else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd'
    else out += ch
  }
  return out + '"'
}

/** Go's `json.Marshal` float64 encoding. */
function goJsonFloat(x: number): string {
  if (!Number.isFinite(x))
    throw new DecodeError('a NaN or infinite number, which Go cannot encode as JSON')
  const abs = Math.abs(x)
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // 'e' format with the shortest digits; Go writes e-07 as e-7 and keeps e+21
    return x
      .toExponential()
      .replace(/e([+-])(\d)$/, 'e$10$2')
      .replace(/e-0(\d)/, 'e-$1')
  }
  return goFormatFloat(x)
}

/** Go's `strings.ToLower`: each code point's lower case (İ → i, as Go's unicode.ToLower). */
function goToLower(s: string): string {
  let out = ''
  for (const ch of s) out += [...ch.toLowerCase()][0]!
  return out
}

/**
 * A mapping key as viper leaves it: yaml.v3 keys that are not text go through
 * `cast.ToStringMap` (`1` → "1", `true` → "true", null → ""), then `insensitiviseMap`
 * lower-cases every key at every depth, lists included (viper 1.19 util.go).
 */
function viperKey(v: GoValue): string {
  switch (v.t) {
    case 'string':
      return goToLower(v.v)
    case 'int':
      return v.v.toString()
    case 'float':
      return goFormatFloat(v.v)
    case 'bool':
      return String(v.v)
    case 'null':
      return ''
    default:
      throw new DecodeError('a key that is a mapping, list or date, which Go cannot encode as JSON')
  }
}

/** What `goJson` noticed that Airflow would read differently from the same YAML. */
interface GoJsonNotes {
  lowered?: boolean
}

/**
 * Go's `json.Marshal` of a value viper decoded: keys as `viperKey` leaves them, sorted. Two keys
 * that lower-case alike keep the value of one that was not lower-case already (insensitiviseMap
 * writes it over the other whatever the map order).
 */
function goJson(v: GoValue, doc: Document, notes: GoJsonNotes = {}): string {
  switch (v.t) {
    case 'null':
      return 'null'
    case 'string':
      return goJsonString(v.v)
    case 'int':
      return v.v.toString()
    case 'float':
      return goJsonFloat(v.v)
    case 'bool':
      return String(v.v)
    case 'time':
      throw new DecodeError('a date, which Airlock cannot encode as Go does')
    case 'seq':
      return `[${v.node.items.map((i) => goJson(goValue(i, doc), doc, notes)).join(',')}]`
    case 'map': {
      const byKey = new Map<string, { value: string; wasLower: boolean }>()
      for (const p of v.node.items) {
        const raw = goValue(p.key, doc)
        const key = viperKey(raw)
        const wasLower = raw.t !== 'string' || raw.v === key
        if (!wasLower) notes.lowered = true
        const value = goJson(goValue(p.value, doc), doc, notes)
        const seen = byKey.get(key)
        if (!seen || !wasLower || seen.wasLower) byKey.set(key, { value, wasLower })
      }
      return `{${[...byKey.keys()]
        .sort(comparePyStrings)
        .map((k) => `${goJsonString(k)}:${byKey.get(k)!.value}`)
        .join(',')}}`
    }
  }
}

/** Go's `strconv.Quote` (what `fmt.Sprintf("%q")` writes): Go escapes, printable runes kept. */
function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (c === 0x20 || (c > 0x20 && /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch))) out += ch
    else if (c === 7) out += '\\a'
    else if (c === 8) out += '\\b'
    else if (c === 12) out += '\\f'
    else if (c === 10) out += '\\n'
    else if (c === 13) out += '\\r'
    else if (c === 9) out += '\\t'
    else if (c === 11) out += '\\v'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd'
    else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0')
    else out += '\\U' + c.toString(16).padStart(8, '0')
  }
  return out + '"'
}

// ---------------------------------------------------------------------------------------
// Go's net/url, as far as the settings package uses it (Parse, Hostname, Port, User, Query)

interface GoUrl {
  scheme: string
  host: string
  port: string
  user: { username: string; password?: string } | null
  path: string
  rawQuery: string
}

// ignoreBOM: a leading BOM stays a U+FEFF character, as Go's url.Unescape keeps its bytes
const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true })

function goUnescape(s: string, mode: 'host' | 'path' | 'userinfo' | 'query'): string {
  const bytes: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3)
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new DecodeError('a malformed %-escape')
      if (mode === 'host' && parseInt(hex[0]!, 16) < 8 && hex !== '25')
        throw new DecodeError('a %-escape Go does not allow in a host')
      bytes.push(parseInt(hex, 16))
      i += 2
    } else if (c === '+' && mode === 'query') bytes.push(0x20)
    else {
      if (
        mode === 'host' &&
        c.charCodeAt(0) < 0x80 &&
        !/[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]/.test(c)
      )
        throw new DecodeError('a character Go does not allow in a host')
      for (const b of new TextEncoder().encode(c)) bytes.push(b)
    }
  }
  return utf8.decode(new Uint8Array(bytes))
}

/** `url.Parse` (RFC 3986 subset Go implements), or a DecodeError. */
function goParseUrl(raw: string): GoUrl {
  // eslint-disable-next-line no-control-regex -- Go refuses ASCII control characters
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new DecodeError('a control character')
  let rest = raw.split('#')[0]!
  let scheme = ''
  const sm = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest)
  if (sm) {
    scheme = sm[1]!.toLowerCase()
    rest = rest.slice(sm[0].length)
  } else if (rest.startsWith(':')) throw new DecodeError('a missing scheme')
  let rawQuery = ''
  const q = rest.indexOf('?')
  if (q >= 0) {
    rawQuery = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }
  const out: GoUrl = { scheme, host: '', port: '', user: null, path: '', rawQuery }
  if (!rest.startsWith('/')) {
    if (scheme) return out // opaque: no host, user or path
    if (rest.split('/')[0]!.includes(':'))
      throw new DecodeError('a colon in the first path segment')
  }
  if ((scheme || !rest.startsWith('///')) && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2)
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash)
    rest = slash < 0 ? '' : rest.slice(slash)
    const at = authority.lastIndexOf('@')
    let host = authority
    if (at >= 0) {
      const userinfo = authority.slice(0, at)
      host = authority.slice(at + 1)
      if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo))
        throw new DecodeError('invalid userinfo')
      const colon = userinfo.indexOf(':')
      out.user =
        colon < 0
          ? { username: goUnescape(userinfo, 'userinfo') }
          : {
              username: goUnescape(userinfo.slice(0, colon), 'userinfo'),
              password: goUnescape(userinfo.slice(colon + 1), 'userinfo')
            }
    }
    let hostname = host
    if (host.startsWith('[')) {
      const close = host.lastIndexOf(']')
      if (close < 0) throw new DecodeError("a missing ']' in the host")
      const colonPort = host.slice(close + 1)
      if (colonPort && !/^:[0-9]*$/.test(colonPort)) throw new DecodeError('an invalid port')
      out.port = colonPort.slice(1)
      hostname = host.slice(1, close)
    } else {
      const colon = host.lastIndexOf(':')
      if (colon >= 0) {
        const colonPort = host.slice(colon)
        if (!/^:[0-9]*$/.test(colonPort)) throw new DecodeError('an invalid port')
        out.port = colonPort.slice(1)
        hostname = host.slice(0, colon)
      }
    }
    out.host = goUnescape(hostname, 'host')
  }
  out.path = goUnescape(rest, 'path')
  return out
}

/** `url.ParseQuery`: pairs in order, `;` pairs dropped, `+` as space. */
function goParseQuery(rawQuery: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of rawQuery.split('&')) {
    if (!part || part.includes(';')) continue
    const eq = part.indexOf('=')
    try {
      const k = goUnescape(eq < 0 ? part : part.slice(0, eq), 'query')
      const v = goUnescape(eq < 0 ? '' : part.slice(eq + 1), 'query')
      out.set(k, [...(out.get(k) ?? []), v])
    } catch {
      // Go skips a pair it cannot unescape
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------
// The settings document

const CONN_FIELDS = [
  'conn_id',
  'conn_type',
  'conn_host',
  'conn_schema',
  'conn_login',
  'conn_password',
  'conn_port',
  'conn_uri',
  'conn_extra'
] as const
const VAR_FIELDS = ['variable_name', 'variable_value'] as const

/**
 * The pair a struct field reads after viper lower-cased every key: a key that was not
 * lower-case already overwrites the lower-case one (insensitiviseMap), else the exact key.
 */
function findPair(map: YAMLMap, name: string, doc: Document): Pair | undefined {
  let exact: Pair | undefined
  let lowered: Pair | undefined
  for (const pair of map.items as Pair[]) {
    const key = goValue(pair.key, doc)
    if (key.t !== 'string') continue
    if (key.v === name) exact = pair
    else if (goToLower(key.v) === name) lowered = pair
  }
  return lowered ?? exact
}

/** One list item of the file as astro decodes it. */
export interface AstroSettingsItem {
  node: YAMLMap
  line: number | null
  /** The decoded Go struct's fields. */
  fields: Record<string, GoValue>
}

/** The parsed file: its YAML document, what keeps astro from reading it, and its items. */
export interface AstroSettings {
  doc: Document
  problems: FileProblem[]
  connections: AstroSettingsItem[]
  variables: AstroSettingsItem[]
}

/** What astro makes Airflow hold, with the items it skips or Airflow refuses. */
export interface AstroEntries {
  connections: Map<string, { entry: ConnectionEntry; line: number | null }>
  variables: Map<string, { entry: VariableEntry; line: number | null }>
  /** Items astro rejects or that Airflow refuses, by id. */
  problems: (FileProblem & { kind: EntryKind })[]
  warnings: FileProblem[]
}

/** yaml.v3's `allowedAliasRatio`: the share of decoding that may come from alias expansion. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99
  if (decodeCount >= 4_000_000) return 0.1
  return 0.99 - (0.89 * (decodeCount - 400_000)) / 3_600_000
}

/**
 * The guards of yaml.v3's decoder, which viper runs over the whole file: an alias inside
 * the value of its own anchor ("anchor … value contains itself") and "document contains
 * excessive aliasing" (a "billion laughs" file). Without them a 1 KB file expands to
 * gigabytes here too.
 */
function aliasProblem(doc: Document): string | undefined {
  let decodeCount = 0
  let aliasCount = 0
  let aliasDepth = 0
  const active = new Set<unknown>()
  const visit = (node: unknown): string | undefined => {
    decodeCount++
    if (aliasDepth > 0) aliasCount++
    if (
      aliasCount > 100 &&
      decodeCount > 1000 &&
      aliasCount / decodeCount > allowedAliasRatio(decodeCount)
    )
      return 'the document contains excessive aliasing'
    if (yaml().isAlias(node)) {
      if (active.has(node)) return "an anchor's value contains an alias to itself"
      active.add(node)
      aliasDepth++
      const problem = visit(node.resolve(doc))
      aliasDepth--
      active.delete(node)
      return problem
    }
    if (yaml().isMap(node))
      for (const pair of node.items as Pair[]) {
        const problem = visit(pair.key) ?? visit(pair.value)
        if (problem) return problem
      }
    else if (yaml().isSeq(node))
      for (const item of node.items) {
        const problem = visit(item)
        if (problem) return problem
      }
    return undefined
  }
  return visit(doc.contents)
}

/**
 * Reads the file as viper and mapstructure do. A non-empty `problems` means astro loads
 * nothing from it (the items are then not filled).
 */
export function decodeAstroSettings(text: string): AstroSettings {
  const lc = new (yaml().LineCounter)()
  const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: true })
  const problems: FileProblem[] = []
  const lineOf = (node: unknown): number | null => {
    const range = (node as { range?: [number, number, number] } | null)?.range
    return range ? lc.linePos(range[0]).line : null
  }
  const out: AstroSettings = { doc, problems, connections: [], variables: [] }
  for (const e of doc.errors)
    problems.push({
      line: e.linePos?.[0]?.line ?? null,
      message: `YAML syntax error (${e.code}); viper cannot read the file, so astro loads nothing from it.`
    })
  if (problems.length) return out
  const aliasing = aliasProblem(doc)
  if (aliasing) {
    problems.push({
      line: null,
      message: `YAML aliases: ${aliasing}; viper cannot read the file, so astro loads nothing from it.`
    })
    return out
  }
  const root = doc.contents
  if (root === null || (yaml().isScalar(root) && root.value === null)) return out
  const fail = (node: unknown, message: string): void => {
    problems.push({
      line: lineOf(node),
      message: `${message}; astro cannot decode the file and loads nothing from it.`
    })
  }
  if (!yaml().isMap(root)) {
    fail(root, 'The document is not a mapping')
    return out
  }
  const airflow = findPair(root, 'airflow', doc)?.value
  if (airflow === undefined || airflow === null || goValue(airflow, doc).t === 'null') return out
  if (!yaml().isMap(airflow)) {
    fail(airflow, '"airflow" is not a mapping')
    return out
  }
  const list = (
    name: 'connections' | 'variables',
    fields: readonly string[]
  ): AstroSettingsItem[] => {
    const node = findPair(airflow, name, doc)?.value
    if (node === undefined || node === null || goValue(node, doc).t === 'null') return []
    if (!yaml().isSeq(node)) {
      fail(node, `"${name}" is not a list`)
      return []
    }
    const items: AstroSettingsItem[] = []
    for (const itemNode of node.items) {
      const resolved = yaml().isAlias(itemNode) ? itemNode.resolve(doc) : itemNode
      if (!yaml().isMap(resolved)) {
        fail(itemNode, `An entry of "${name}" is not a mapping`)
        continue
      }
      const item: AstroSettingsItem = { node: resolved, line: lineOf(resolved), fields: {} }
      for (const f of fields) {
        const pair = findPair(resolved, f, doc)
        item.fields[f] = pair ? goValue(pair.value, doc) : { t: 'null' }
        if (!pair || f === 'conn_extra') continue
        try {
          if (f === 'conn_port') weakInt(item.fields[f]!)
          else weakString(item.fields[f]!)
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error
          fail(pair.value, `"${f}" holds ${error.message}`)
        }
      }
      items.push(item)
    }
    return items
  }
  out.connections = list('connections', CONN_FIELDS)
  out.variables = list('variables', VAR_FIELDS)
  return out
}

/** What `AddConnections` / `AddVariables` make Airflow hold. */
export function astroSettingsEntries(s: AstroSettings, dialect: Dialect): AstroEntries {
  const built: AstroEntries = {
    connections: new Map(),
    variables: new Map(),
    problems: [],
    warnings: []
  }
  const str = (item: AstroSettingsItem, f: string): string => weakString(item.fields[f]!)
  const nonEmpty = (v: string): string | null => (v === '' ? null : v)
  const seen = new Set<string>()
  s.connections.forEach((item, index) => {
    const id = str(item, 'conn_id')
    if (!id) {
      built.warnings.push({
        line: item.line,
        message: 'A connection without conn_id; astro skips it.'
      })
      return
    }
    const type = str(item, 'conn_type')
    const uri = str(item, 'conn_uri')
    if (!type && !uri) {
      built.warnings.push({
        line: item.line,
        key: id,
        message: 'Neither conn_type nor conn_uri is set; astro skips this connection.'
      })
      return
    }
    const after = s.connections.length - index - 1
    const stops = after
      ? ` astro stops at this connection: the ${after} after it are not added either.`
      : ''
    const reject = (message: string): void => {
      built.problems.push({
        kind: 'connection',
        line: item.line,
        key: id,
        message: message + stops
      })
    }
    const idProblem = cliKeyProblem(id)
    if (idProblem) return reject(`${idProblem} Airflow's API refuses it.`)
    const port = weakInt(item.fields.conn_port!)
    const host = str(item, 'conn_host')
    const login = str(item, 'conn_login')
    const password = str(item, 'conn_password')
    const schema = str(item, 'conn_schema')
    const fields: ConnectionFields = emptyConnectionFields()
    if (uri && !(type || host || login || password || schema || port)) {
      let url: GoUrl
      try {
        url = goParseUrl(uri)
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error
        return reject(
          `conn_uri cannot be parsed by Go's net/url (${error.message}); Airflow's API refuses the connection.`
        )
      }
      // astro sends no empty field, and Airflow's API requires conn_type (422 without it).
      if (!url.scheme)
        return reject(
          "conn_uri has no scheme, so astro sends the connection without conn_type; Airflow's API refuses it (422: conn_type is required)."
        )
      fields.conn_type = url.scheme
      fields.host = url.host
      if (url.user) {
        fields.login = url.user.username
        if (url.user.password !== undefined) fields.password = url.user.password
      }
      if (/^[0-9]+$/.test(url.port)) fields.port = portNumber(BigInt(url.port))
      if (url.path) fields.schema = url.path.replace(/^\//, '')
      if (url.rawQuery) {
        const query = goParseQuery(url.rawQuery)
        fields.extra = `{${[...query.keys()]
          .sort(comparePyStrings)
          .map((k) => `${goQuote(k)}: ${goQuote(query.get(k)!.join(','))}`)
          .join(', ')}}`
        if (query.size > 1)
          built.warnings.push({
            line: item.line,
            key: id,
            message:
              'astro writes the query parameters of conn_uri into the extra in random order; Airlock shows them sorted.'
          })
      }
      if (
        !/^[a-z][a-z0-9+.-]*$/.test(url.scheme) ||
        url.scheme.includes('-') ||
        url.scheme === 'postgresql'
      )
        built.warnings.push({
          line: item.line,
          key: id,
          message:
            "astro stores conn_uri's scheme as conn_type unchanged (Airflow's own URI parser would normalise it)."
        })
    } else {
      // Here a conn_uri is set beside other fields (no conn_type and no conn_uri is skipped
      // above): astro sends the fields alone, without conn_type, and Airflow's API answers 422.
      if (!type)
        return reject(
          "conn_uri is ignored because other conn_* fields are set, and conn_type is empty, so astro sends the connection without conn_type; Airflow's API refuses it (422: conn_type is required)."
        )
      if (uri)
        built.warnings.push({
          line: item.line,
          key: id,
          message: 'conn_uri is ignored because other conn_* fields are set.'
        })
      fields.conn_type = nonEmpty(type)
      fields.host = nonEmpty(host)
      fields.login = nonEmpty(login)
      fields.password = nonEmpty(password)
      fields.schema = nonEmpty(schema)
      fields.port = port || null
      const extra = item.fields.conn_extra!
      if (extra.t === 'string') fields.extra = nonEmpty(extra.v)
      else if (extra.t === 'map') {
        try {
          const notes: GoJsonNotes = {}
          fields.extra = goJson(extra, s.doc, notes)
          if (notes.lowered)
            built.warnings.push({
              line: item.line,
              key: id,
              message:
                'astro lower-cases the keys of conn_extra (viper reads every key case-insensitively); Airflow given the same mapping would keep their case.'
            })
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error
          built.warnings.push({
            line: item.line,
            key: id,
            message: `conn_extra holds ${error.message}; astro sends no extra.`
          })
        }
      } else if (extra.t !== 'null')
        built.warnings.push({
          line: item.line,
          key: id,
          message: 'conn_extra is neither a mapping nor text; astro sends no extra.'
        })
    }
    let value: ConnectionFields
    try {
      value = constructConnection(fields, dialect).value
    } catch (error) {
      if (!(error instanceof CodecError)) throw error
      return reject(`${error.userMessage} Airflow's API refuses the connection.`)
    }
    if (seen.has(id))
      built.warnings.push({
        line: item.line,
        key: id,
        message:
          'This conn_id appears more than once; astro adds each in turn, so the last one wins.'
      })
    seen.add(id)
    built.connections.set(id, { entry: { kind: 'connection', id, fields: value }, line: item.line })
  })
  for (const item of s.variables) {
    const key = str(item, 'variable_name')
    const value = str(item, 'variable_value')
    if (!key || !value) {
      built.warnings.push({
        line: item.line,
        ...(key ? { key } : {}),
        message: `A variable with an empty ${key ? 'value' : 'name'}; astro skips it.`
      })
      continue
    }
    built.variables.set(key, {
      entry: { kind: 'variable', key, value, description: null },
      line: item.line
    })
  }
  return built
}

/** yaml.v3 would read this plain text as something else than a string: quote it. */
function scalarFor(doc: Document, value: string | number): YamlNode {
  const node = doc.createNode(value) as Scalar
  if (typeof value === 'string' && resolvePlain(value).t !== 'string')
    node.type = yaml().Scalar.QUOTE_SINGLE
  return node
}

/** No entries, no problems: what a missing file or one astro cannot read gives. */
export function emptyAstroEntries(): AstroEntries {
  return { connections: new Map(), variables: new Map(), problems: [], warnings: [] }
}

/** The id an item holds in `field` as astro decodes it; undefined when absent or undecodable. */
export function astroItemId(doc: Document, item: YAMLMap, field: string): string | undefined {
  const pair = findPair(item, field, doc)
  try {
    return pair ? weakString(goValue(pair.value, doc)) : undefined
  } catch {
    return undefined
  }
}

/** An empty settings document, for a file that is missing or blank. */
export function newAstroSettingsDocument(): Document {
  return new (yaml().Document)({})
}

/** The document's `airflow.connections` and `airflow.variables` lists, made when missing. */
export function astroSettingsLists(doc: Document): { connections: YAMLSeq; variables: YAMLSeq } {
  if (!yaml().isMap(doc.contents)) doc.contents = doc.createNode({}) as YAMLMap
  const root = doc.contents as YAMLMap
  const child = (
    parent: YAMLMap,
    name: string,
    make: () => YAMLMap | YAMLSeq
  ): YAMLMap | YAMLSeq => {
    const pair = findPair(parent, name, doc)
    if (pair && (yaml().isMap(pair.value) || yaml().isSeq(pair.value))) return pair.value
    const node = make()
    if (pair) pair.value = node
    else parent.add(doc.createPair(name, node))
    return node
  }
  const airflow = child(root, 'airflow', () => new (yaml().YAMLMap)()) as YAMLMap
  return {
    connections: child(airflow, 'connections', () => new (yaml().YAMLSeq)()) as YAMLSeq,
    variables: child(airflow, 'variables', () => new (yaml().YAMLSeq)()) as YAMLSeq
  }
}

/** Drops every item of `seq` whose `field` (`conn_id` or `variable_name`) reads as `id`. */
export function removeAstroItems(doc: Document, seq: YAMLSeq, field: string, id: string): void {
  seq.items = seq.items.filter(
    (item) => !(yaml().isMap(item) && astroItemId(doc, item, field) === id)
  )
}

function setField(doc: Document, item: YAMLMap, name: string, value: string | number | null): void {
  const pair = findPair(item, name, doc)
  if (value === null || value === '') {
    if (pair) item.items = item.items.filter((p) => p !== pair)
    return
  }
  if (pair) pair.value = scalarFor(doc, value)
  else item.add(doc.createPair(name, scalarFor(doc, value)))
}

/** The one item for `id` (later duplicates dropped, as they would shadow it), made when missing. */
function target(doc: Document, seq: YAMLSeq, field: string, id: string): YAMLMap {
  const matches = seq.items.filter(
    (i): i is YAMLMap => yaml().isMap(i) && astroItemId(doc, i, field) === id
  )
  if (matches.length > 1)
    seq.items = seq.items.filter((i) => !matches.slice(1).includes(i as YAMLMap))
  if (matches[0]) return matches[0]
  const item = new (yaml().YAMLMap)()
  item.add(doc.createPair(field, scalarFor(doc, id)))
  seq.add(item)
  return item
}

/**
 * Writes a connection's fields into its item: empty fields and port 0 are left out (astro
 * sends neither), `conn_uri` is removed, the extra is kept as JSON text.
 */
export function setAstroConnection(
  doc: Document,
  seq: YAMLSeq,
  id: string,
  f: ConnectionFields
): void {
  const item = target(doc, seq, 'conn_id', id)
  setField(doc, item, 'conn_type', f.conn_type)
  setField(doc, item, 'conn_host', f.host)
  setField(doc, item, 'conn_schema', f.schema)
  setField(doc, item, 'conn_login', f.login)
  setField(doc, item, 'conn_password', f.password)
  setField(doc, item, 'conn_port', f.port ? f.port : null)
  setField(doc, item, 'conn_uri', null)
  setField(doc, item, 'conn_extra', f.extra)
}

/** Writes a variable's value into its item. */
export function setAstroVariable(doc: Document, seq: YAMLSeq, key: string, value: string): void {
  const item = target(doc, seq, 'variable_name', key)
  setField(doc, item, 'variable_value', value)
}
