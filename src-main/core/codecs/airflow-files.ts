/**
 * The files of `airflow connections|variables export|import` (reference §7, §12.6):
 * connections as JSON (indent 2), YAML (PyYAML safe dump) or `.env` (URI or JSON per line),
 * variables as JSON (sorted, indent 4); and reading them back exactly as
 * `LocalFilesystemBackend` / the import commands do. Decoding collects every problem with
 * its line or key instead of stopping at the first, and never repeats a value in a message.
 */
import { DIALECT_RULES } from '../dialect'
import { CodecError, describeKey } from '../errors'
import { constructConnection, portNumber } from '../connection'
import { PY_SPACE_CLASS } from './py-str'
import type { ConnectionEntry, ConnectionFields, Dialect, VariableEntry } from '../model'
import { emptyConnectionFields } from '../model'
import { parseConnectionUri, serializeConnectionUri } from './connection-uri'
import {
  PyDict,
  PyFloat,
  PyJsonDecodeError,
  PY_JSON_MAX_NESTING,
  comparePyStrings,
  isJsonSpace,
  pyJsonDumps,
  pyJsonLoads,
  type PyValue
} from './py-json'
import { pyYamlDump, pyYamlSafeLoad, YamlNotModelledError } from './py-yaml'

/** The file formats Airflow's CLI and LocalFilesystemBackend read and write. */
export type FileFormat = 'json' | 'yaml' | 'env'

/** How `.env` exports write each connection (`--serialization-format`). */
export type SerializationFormat = 'uri' | 'json'

/** One thing wrong with a file: its line (1-based) when known, else the key. */
export interface FileProblem {
  line: number | null
  key?: string
  message: string
  /**
   * A syntax error of the file (`FileSyntaxError`): Airflow collects them all in one pass, in
   * line order, and rejects the whole file. One may still name its key (`KEY=`).
   */
  syntax?: true
  /** Airflow reads this, but Airlock's model cannot hold it (a YAML `!!binary` value). */
  notModelled?: true
}

/** The problems Airflow reports when it rejects a whole file: every syntax error, in order. */
export function fileLevelProblems(problems: readonly FileProblem[]): FileProblem[] {
  return problems.some((p) => p.key === undefined)
    ? problems.filter((p) => p.key === undefined || p.syntax)
    : []
}

/** A decoded file: every item that decoded, and every problem found. */
export interface DecodedFile<T> {
  value: T[]
  problems: FileProblem[]
  warnings: FileProblem[]
}

/** The format Airflow picks from a file name (`.env`, `.json`, `.yaml`, `.yml`, any case). */
export function fileFormatFromPath(path: string): FileFormat | undefined {
  const dot = path.lastIndexOf('.')
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  if (dot <= slash + 1) return undefined
  const ext = path.slice(dot + 1).toLowerCase()
  return ext === 'yml'
    ? 'yaml'
    : ext === 'env' || ext === 'json' || ext === 'yaml'
      ? ext
      : undefined
}

/** Python's `str.splitlines()`: every Unicode line boundary, `\r\n` as one. */
export function pySplitLines(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- these ARE Python's line boundaries
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/)
  if (lines.length && lines[lines.length - 1] === '') lines.pop()
  return lines
}

const COMMENT = new RegExp(`^[${PY_SPACE_CLASS}]*#`)

/** The 8-key dict of `_connection_to_dict`, in Airflow's key order. */
function connectionToExportDict(f: ConnectionFields): PyDict {
  return new PyDict([
    ['conn_type', f.conn_type],
    ['description', f.description],
    ['login', f.login],
    ['password', f.password],
    ['host', f.host],
    ['port', f.port === null ? null : BigInt(f.port)],
    ['schema', f.schema],
    ['extra', f.extra]
  ])
}

/** Options of `airflow connections export`. */
export interface ConnectionsExportOptions {
  format: FileFormat
  /** Only for `.env`; Airflow refuses it with other formats. Default `uri`. */
  serialization?: SerializationFormat
  /** Whose get_uri() writes `.env` URIs. */
  dialect: Dialect
}

/**
 * `airflow connections export`: connections ordered by conn_id (code-point order, as
 * PostgreSQL's C collation and SQLite sort), formatted byte for byte as Airflow writes them.
 */
export function encodeConnectionsFile(
  entries: readonly ConnectionEntry[],
  options: ConnectionsExportOptions
): string {
  if (options.serialization && options.format !== 'env')
    throw new CodecError(
      'The serialization format (uri or json) applies only to .env exports.',
      'usage'
    )
  const sorted = [...entries].sort((a, b) => comparePyStrings(a.id, b.id))
  if (options.format === 'env') {
    const serialize =
      options.serialization === 'json'
        ? (c: ConnectionEntry) => pyJsonDumps(connectionToExportDict(c.fields))
        : (c: ConnectionEntry) => serializeConnectionUri(c.fields, options.dialect)
    return sorted.map((c) => `${c.id}=${serialize(c)}\n`).join('')
  }
  const all = new PyDict(sorted.map((c) => [c.id, connectionToExportDict(c.fields)] as const))
  return options.format === 'yaml' ? pyYamlDump(all) : pyJsonDumps(all, { indent: 2 })
}

/** `helpers.validate_key(key, max_length=200)`: the import commands' id rule. */
export function cliKeyProblem(key: string): string | undefined {
  if (key.length > 200) return 'The id is longer than 200 characters.'
  // KEY_REGEX `^[\w.-]+$` with re.match: Python's `$` also matches before one final newline.
  const body = key.endsWith('\n') ? key.slice(0, -1) : key
  if (!/^[\p{L}\p{Nd}\p{Nl}\p{No}_.-]+$/u.test(body))
    return 'The id must be made of letters, digits, dashes, dots and underscores only (airflow connections import rejects it).'
  return undefined
}

interface RawItems {
  items: [string, PyValue | string[], number | null][]
  problems: FileProblem[]
}

/** The `.env` grammar of LocalFilesystemBackend: `key=value`, no quotes, no trimming. */
function parseAirflowEnv(text: string): RawItems {
  const byKey = new Map<string, { values: string[]; line: number }>()
  const problems: FileProblem[] = []
  pySplitLines(text).forEach((line, index) => {
    const lineNo = index + 1
    if (!line || COMMENT.test(line)) return
    const eq = line.indexOf('=')
    if (eq < 0)
      return problems.push({
        line: lineNo,
        message: 'Invalid line format. The line should contain at least one equal sign ("=").'
      })
    const key = line.slice(0, eq)
    const value = line.slice(eq + 1)
    if (!key) return problems.push({ line: lineNo, message: 'Invalid line format. Key is empty.' })
    if (!value)
      return problems.push({
        line: lineNo,
        key,
        message: 'Invalid line format. Value is empty.',
        syntax: true
      })
    const seen = byKey.get(key)
    if (seen) seen.values.push(value)
    else byKey.set(key, { values: [value], line: lineNo })
  })
  return { items: [...byKey].map(([k, v]) => [k, v.values, v.line]), problems }
}

function parseStructured(text: string, format: 'json' | 'yaml'): RawItems {
  if (!text) return { items: [], problems: [{ line: 1, message: 'The file is empty.' }] }
  let data: PyValue
  try {
    data = format === 'json' ? pyJsonLoads(text) : pyYamlSafeLoad(text)
  } catch (error) {
    if (error instanceof PyJsonDecodeError)
      return { items: [], problems: [{ line: error.lineno, message: error.reason }] }
    if (error instanceof YamlNotModelledError)
      return {
        items: [],
        problems: [{ line: null, message: error.userMessage, notModelled: true }]
      }
    if (error instanceof CodecError) {
      // Airflow reports PyYAML's `problem_mark.line`, which counts from 0 (and -1 without a mark).
      const line = /line (\d+)/.exec(error.userMessage)
      return {
        items: [],
        problems: [{ line: line ? Number(line[1]) - 1 : -1, message: error.userMessage }]
      }
    }
    throw error
  }
  if (!(data instanceof PyDict))
    return { items: [], problems: [{ line: 1, message: 'The file should contain the object.' }] }
  return { items: [...data.entries()].map(([k, v]) => [k, v, null]), problems: [] }
}

function parseSecretFile(text: string, format: FileFormat): RawItems {
  return format === 'env' ? parseAirflowEnv(text) : parseStructured(text, format)
}

const STRING_FIELDS = ['conn_type', 'description', 'host', 'login', 'password', 'schema'] as const

/** `_create_connection`: a URI string, or an object of constructor arguments. */
function createConnection(
  id: string,
  value: PyValue,
  dialect: Dialect,
  warnings: string[],
  keepTypes = false
): ConnectionFields {
  if (typeof value === 'string') {
    if (value.trimStart().startsWith('{'))
      warnings.push(
        'The value looks like JSON, but Airflow reads every value of this file as a URI.'
      )
    const parsed = parseConnectionUri(value, dialect)
    warnings.push(...parsed.warnings)
    return parsed.value
  }
  if (!(value instanceof PyDict))
    throw new CodecError(
      'A connection must be a URI string or an object of fields.',
      'codec.invalid'
    )
  const allowed = new Set<string>([
    ...STRING_FIELDS,
    'conn_id',
    'port',
    'extra',
    'extra_dejson',
    'uri'
  ])
  if (DIALECT_RULES[dialect].teamName) allowed.add('team_name')
  const illegal = [...value.keys()].filter((k) => !allowed.has(k))
  if (illegal.length)
    throw new CodecError(
      `Illegal keys ${illegal.map(describeKey).join(', ')}; allowed: ${[...allowed].join(', ')}.`,
      'codec.unknown-field'
    )
  if (value.has('extra') && value.has('extra_dejson'))
    throw new CodecError('"extra" and "extra_dejson" are mutually exclusive.', 'codec.invalid')
  const connId = value.get('conn_id')
  if (connId !== undefined && connId !== id)
    throw new CodecError('The "conn_id" inside the object differs from its key.', 'codec.invalid')
  const fields = emptyConnectionFields()
  for (const key of STRING_FIELDS) {
    const v = value.get(key)
    if (v === undefined || v === null) continue
    if (typeof v !== 'string')
      throw new CodecError(
        `"${key}" must be text; quote it (YAML reads unquoted numbers and yes/no as other types).`,
        'codec.invalid-field'
      )
    fields[key] = v
  }
  const port = value.get('port')
  if (port !== undefined && port !== null) {
    const n =
      typeof port === 'bigint'
        ? port
        : typeof port === 'string' && /^[0-9]+$/.test(port)
          ? BigInt(port)
          : port instanceof PyFloat && Number.isInteger(port.value)
            ? BigInt(port.value)
            : undefined
    if (n === undefined) throw new CodecError('"port" must be an integer.', 'codec.invalid-port')
    fields.port = portNumber(n)
    // Connection(port=…) keeps what it is given; only a flush to the metadata DB (the import
    // command) makes it an integer. LocalFilesystemBackend never flushes.
    if (keepTypes && typeof port !== 'bigint')
      warnings.push(
        `"port" is ${typeof port === 'string' ? 'text' : 'a float'} in the file: LocalFilesystemBackend hands the task that ${typeof port === 'string' ? 'str' : 'float'}, not an int (Airlock shows the number; write it as an integer).`
      )
  }
  const extraValue = value.has('extra_dejson') ? value.get('extra_dejson')! : value.get('extra')
  if (extraValue !== undefined && extraValue !== null) {
    if (typeof extraValue === 'string')
      fields.extra = value.has('extra_dejson') ? pyJsonDumps(extraValue) : extraValue
    else
      fields.extra =
        value.has('extra_dejson') || !isEmpty(extraValue) ? pyJsonDumps(extraValue) : null
  }
  const team = value.get('team_name')
  if (team !== undefined && team !== null) {
    if (typeof team !== 'string')
      throw new CodecError('"team_name" must be text.', 'codec.invalid-field')
    fields.team_name = team
  }
  const uri = value.get('uri')
  if (uri !== undefined && uri !== null && uri !== '') {
    if (typeof uri !== 'string') throw new CodecError('"uri" must be text.', 'codec.invalid-field')
    if (
      fields.conn_type ||
      fields.host ||
      fields.login ||
      fields.password ||
      fields.schema ||
      fields.port ||
      fields.extra
    )
      throw new CodecError(
        'Give either "uri" or individual fields, not both.',
        'codec.mixed-uri-and-fields'
      )
    const parsed = parseConnectionUri(uri, dialect)
    warnings.push(...parsed.warnings)
    return { ...parsed.value, description: fields.description }
  }
  const built = constructConnection(fields, dialect)
  warnings.push(...built.warnings)
  return built.value
}

function isEmpty(v: PyValue): boolean {
  return (
    (v instanceof PyDict && v.size === 0) ||
    (Array.isArray(v) && v.length === 0) ||
    v === false ||
    v === '' ||
    v === 0n ||
    (v instanceof PyFloat && v.value === 0)
  )
}

/**
 * `airflow connections import FILE` (and LocalFilesystemBackend): every connection in the
 * file, with every problem — syntax errors with their line, bad items with their key.
 */
export function decodeConnectionsFile(
  text: string,
  format: FileFormat,
  dialect: Dialect,
  options: {
    idRule?: 'cli' | 'none'
    /** LocalFilesystemBackend: values keep their file types (never flushed to the DB). */
    keepTypes?: boolean
  } = {}
): DecodedFile<ConnectionEntry> {
  const raw = parseSecretFile(text, format)
  const out: DecodedFile<ConnectionEntry> = { value: [], problems: raw.problems, warnings: [] }
  // `airflow connections import` validates ids; LocalFilesystemBackend reads any key.
  const checkId = (options.idRule ?? 'cli') === 'cli' ? cliKeyProblem : () => undefined
  for (const [id, value, line] of raw.items) {
    const warnings: string[] = []
    try {
      const entry = decodeConnectionItem(id, value, dialect, warnings, {
        checkId,
        keepTypes: options.keepTypes
      })
      if (!entry) continue
      out.value.push(entry)
      for (const w of warnings) out.warnings.push({ line, key: id, message: w })
    } catch (error) {
      if (!(error instanceof CodecError)) throw error
      out.problems.push({ line, key: id, message: error.userMessage })
    }
  }
  return out
}

/**
 * One item of a connections file as {@link decodeConnectionsFile} reads it: the connection,
 * undefined for an empty list (no connection), or a CodecError with the problem's message.
 */
export function decodeConnectionItem(
  id: string,
  value: PyValue | string[],
  dialect: Dialect,
  warnings: string[],
  options: { checkId?: (id: string) => string | undefined; keepTypes?: boolean } = {}
): ConnectionEntry | undefined {
  const idProblem = (options.checkId ?? cliKeyProblem)(id)
  if (idProblem) throw new CodecError(idProblem)
  // load_connections_dict: a list (a .env key's values, or a JSON/YAML list) of one is that
  // connection, an empty list none, more than one ConnectionNotUnique for the whole file.
  let single: PyValue
  if (Array.isArray(value)) {
    if (value.length > 1)
      throw new CodecError(
        `Found ${value.length} values for this id; Airflow refuses the whole file (ConnectionNotUnique: "Found multiple values for ${id} in …").`
      )
    if (!value.length) return undefined
    single = (value as PyValue[])[0]!
  } else single = value as PyValue
  return {
    kind: 'connection',
    id,
    fields: createConnection(id, single, dialect, warnings, options.keepTypes)
  }
}

/**
 * `airflow variables export`: sorted keys, indent 4. Airflow 3 keeps a value that decodes
 * to a JSON string as its raw text and wraps values with a description (or an object with a
 * `value` key) as `{"value", "description"}`; Airflow 2 writes the decoded value alone.
 */
export function encodeVariablesFile(entries: readonly VariableEntry[], dialect: Dialect): string {
  const out = new PyDict()
  const modern = dialect !== 'airflow2'
  for (const v of entries) {
    let val: PyValue
    try {
      val = pyJsonLoads(v.value)
      if (modern && typeof val === 'string') val = v.value
    } catch (error) {
      if (!(error instanceof PyJsonDecodeError)) throw error
      val = v.value
    }
    if (modern && (v.description || (val instanceof PyDict && val.has('value'))))
      out.set(
        v.key,
        new PyDict([
          ['value', val],
          ['description', v.description]
        ])
      )
    else out.set(v.key, val)
  }
  return pyJsonDumps(out, { indent: 4, sortKeys: true })
}

/**
 * `airflow variables import FILE`: an object with a `value` key gives value and
 * description; a non-string value is stored as `json.dumps(value, indent=2)`.
 */
export function decodeVariablesFile(text: string, format: FileFormat): DecodedFile<VariableEntry> {
  const raw = parseSecretFile(text, format)
  const out: DecodedFile<VariableEntry> = { value: [], problems: raw.problems, warnings: [] }
  for (const [key, value, line] of raw.items) {
    let v: PyValue
    if (format === 'env') {
      const values = value as string[]
      if (values.length !== 1) {
        out.problems.push({
          line,
          key,
          message: `Found ${values.length} values for this key; Airflow refuses duplicates.`
        })
        continue
      }
      v = values[0]!
    } else v = value as PyValue
    try {
      out.value.push(decodeVariableItem(key, v))
    } catch (error) {
      if (!(error instanceof CodecError)) throw error
      out.problems.push({ line, key, message: error.userMessage })
    }
  }
  return out
}

/** One item of a variables file as {@link decodeVariablesFile} reads it (its one value). */
export function decodeVariableItem(key: string, value: PyValue): VariableEntry {
  let v = value
  let description: string | null = null
  if (v instanceof PyDict && v.has('value')) {
    const d = v.get('description')
    if (d !== undefined && d !== null && typeof d !== 'string')
      throw new CodecError('"description" must be text.')
    description = d ?? null
    v = v.get('value')!
  }
  return {
    kind: 'variable',
    key,
    value: typeof v === 'string' ? v : pyJsonDumps(v, { indent: 2 }),
    description
  }
}

/**
 * The items of an export file unread: each key with its value's text (a JSON member's value as
 * written; a `.env` line's value), in the order the decoders read them. Undefined unless the
 * file is one whose items the decoders would read one by one from exactly these texts: a JSON
 * object (no key twice, checked around the members; each member's text is checked when it is
 * read) or a `.env` file without problems or repeated keys. YAML is always undefined.
 */
export function rawFileItems(text: string, format: FileFormat): [string, string][] | undefined {
  if (format === 'yaml') return undefined
  if (format === 'json') return jsonObjectMembers(text)
  const raw = parseAirflowEnv(text)
  if (raw.problems.length) return undefined
  const out: [string, string][] = []
  for (const [key, values] of raw.items) {
    if ((values as string[]).length !== 1) return undefined
    out.push([key, (values as string[])[0]!])
  }
  return out
}

/**
 * One raw item of {@link rawFileItems} read as the file decoders read it: a CodecError where
 * they report a problem (a JSON member that does not decode reports the file's syntax error).
 */
export function readRawFileItem(
  kind: 'connection' | 'variable',
  key: string,
  text: string,
  format: FileFormat,
  dialect: Dialect
): ConnectionEntry | VariableEntry {
  const value: PyValue = format === 'json' ? pyJsonLoads(text) : text
  if (kind === 'variable') return decodeVariableItem(key, value)
  const entry = decodeConnectionItem(key, format === 'json' ? value : [text], dialect, [])
  // a JSON member that is an empty list is no connection: the full read decides
  if (!entry) throw new CodecError('The member is an empty list.')
  return entry
}

/** Whether a JSON string's text holds an escape or a control character (else it is its value). */
function needsJsonDecode(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x5c || c < 0x20) return true
  }
  return false
}

/**
 * The members of a JSON object text as [decoded key, value text], found without decoding the
 * values: undefined for anything but `{ "key": value, … }` with Python's whitespace, distinct
 * keys and values nested less than Python's limit. Values are delimited, not validated.
 */
function jsonObjectMembers(text: string): [string, string][] | undefined {
  const out: [string, string][] = []
  return scanJsonObject(text, (key, start, end) => {
    out.push([key, text.slice(start, end)])
  })
    ? out
    : undefined
}

/**
 * The keys of `rawFileItems(text, 'json')`, in order, without slicing the values (undefined
 * where it is undefined): what a member's text says about its kind.
 */
export function jsonObjectKeys(text: string): string[] | undefined {
  const keys: string[] = []
  return scanJsonObject(text, (key) => {
    keys.push(key)
  })
    ? keys
    : undefined
}

/** The scan of {@link jsonObjectMembers}: each member's key and value span; false to decline. */
function scanJsonObject(
  text: string,
  member: (key: string, start: number, end: number) => void
): boolean {
  const n = text.length
  let k = 0
  const skip = (): void => {
    while (k < n && isJsonSpace(text.charCodeAt(k))) k++
  }
  /** The index after the string whose opening quote is at `from`, or -1. */
  const stringEnd = (from: number): number => {
    // the next quote not escaped: one after an even run of backslashes
    for (let q = text.indexOf('"', from + 1); q >= 0; q = text.indexOf('"', q + 1)) {
      let b = q - 1
      while (text.charCodeAt(b) === 0x5c) b--
      if ((q - 1 - b) % 2 === 0) return q + 1
    }
    return -1
  }
  skip()
  if (text.charCodeAt(k) !== 0x7b) return false
  k++
  skip()
  const keys = new Set<string>()
  if (text.charCodeAt(k) === 0x7d) {
    k++
    skip()
    return k === n
  }
  for (;;) {
    if (text.charCodeAt(k) !== 0x22) return false
    const keyEnd = stringEnd(k)
    if (keyEnd < 0) return false
    let key = text.slice(k + 1, keyEnd - 1)
    if (needsJsonDecode(key)) {
      try {
        key = pyJsonLoads(text.slice(k, keyEnd)) as string
      } catch {
        return false
      }
    }
    if (keys.has(key)) return false
    keys.add(key)
    k = keyEnd
    skip()
    if (text.charCodeAt(k) !== 0x3a) return false
    k++
    skip()
    const start = k
    let depth = 0
    for (; k < n; k++) {
      const c = text.charCodeAt(k)
      if (c === 0x22) {
        const end = stringEnd(k)
        if (end < 0) return false
        k = end - 1
        if (depth === 0) {
          k++
          break
        }
      } else if (c === 0x7b || c === 0x5b) {
        // the file's object is one level the member's text does not have
        if (++depth >= PY_JSON_MAX_NESTING - 1) return false
      } else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) break
        if (--depth === 0) {
          k++
          break
        }
      } else if (depth === 0 && (c === 0x2c || isJsonSpace(c))) break
    }
    if (k === start) return false
    member(key, start, k)
    skip()
    const c = text.charCodeAt(k)
    if (c === 0x7d) {
      k++
      skip()
      return k === n
    }
    if (c !== 0x2c) return false
    k++
    skip()
  }
}
