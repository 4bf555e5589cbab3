/** `airlock conn parse|uri|json`: Airflow's connection codecs, one value per line. */
import { parseDialect } from '../../core/dialect'
import { AirlockError, CodecError, describeKey } from '../../core/errors'
import { constructConnection, extraDejson } from '../../core/connection'
import { pyStrip } from '../../core/codecs/py-str'
import {
  parseConnectionJson,
  parseConnectionValue,
  connectionToJson
} from '../../core/codecs/connection-json'
import { serializeConnectionUri } from '../../core/codecs/connection-uri'
import { PyDict, PyFloat, pyJsonDumps, pyTruthy } from '../../core/codecs/py-json'
import { emptyConnectionFields, type ConnectionFields, type Dialect } from '../../core/model'
import { EXIT_ITEMS_FAILED, EXIT_OK, UsageError, readLines, writeLine, type CliIo } from '../io'
import { errorLine, readJsonObjectLine } from './common'

/** The `--dialect` flag; `airflow3` by default. */
export function dialectOption(value: string | undefined): Dialect {
  if (value === undefined) return 'airflow3'
  const dialect = parseDialect(value)
  if (!dialect)
    throw new UsageError(
      `--dialect must be airflow2, airflow3 or task-sdk (got ${JSON.stringify(value)})`
    )
  return dialect
}

/** The object `conn parse` prints for a parsed connection. */
export function parsedConnectionLine(c: ConnectionFields): string {
  const out = new PyDict()
  out.set('conn_type', c.conn_type)
  out.set('host', c.host)
  out.set('login', c.login)
  out.set('password', c.password)
  out.set('schema', c.schema)
  out.set('port', c.port === null ? null : BigInt(c.port))
  out.set('extra', c.extra)
  out.set('extra_dejson', extraDejson(c.extra))
  return pyJsonDumps(out)
}

async function eachValue(
  io: CliIo,
  positional: string | undefined,
  handle: (value: string, where: string) => Promise<void>
): Promise<number> {
  let failed = 0
  const run = async (value: string, where: string): Promise<void> => {
    try {
      await handle(value, where)
    } catch (error) {
      if (!(error instanceof AirlockError)) throw error
      failed++
      await writeLine(io.stdout, errorLine(error))
    }
  }
  if (positional !== undefined) await run(positional, 'argument')
  else {
    let n = 0
    for await (const line of readLines(io.stdin)) await run(line, `stdin line ${++n}`)
  }
  return failed ? EXIT_ITEMS_FAILED : EXIT_OK
}

function warn(io: CliIo, where: string, warnings: readonly string[]): void {
  for (const w of warnings) io.stderr.write(`airlock: ${where}: warning: ${w}\n`)
}

/** `airlock conn parse [--dialect D] [VALUE]`. */
export async function connParse(
  io: CliIo,
  dialect: Dialect,
  value: string | undefined
): Promise<number> {
  return eachValue(io, value, async (text, where) => {
    if (pyStrip(text) === '')
      throw new CodecError('Empty value: nothing to parse.', 'codec.invalid-uri')
    const parsed = parseConnectionValue(text, dialect)
    warn(io, where, parsed.warnings)
    await writeLine(io.stdout, parsedConnectionLine(parsed.value))
  })
}

const INPUT_STRING_FIELDS = [
  'conn_type',
  'description',
  'host',
  'login',
  'password',
  'schema'
] as const
const INPUT_KEYS = new Set<string>([...INPUT_STRING_FIELDS, 'port', 'extra', 'conn_id'])

/** Reads one `conn uri`/`conn json` input line: connection fields as Airflow's constructor takes them. */
export function readFieldsLine(line: string): ConnectionFields {
  const obj = readJsonObjectLine(line, 'Input must be a JSON object of connection fields.')
  const fields = emptyConnectionFields()
  for (const [key, v] of obj.entries()) {
    if (!INPUT_KEYS.has(key))
      throw new CodecError(
        `Unknown field ${describeKey(key)} (allowed: conn_type, description, host, login, password, schema, port, extra, uri).`,
        'codec.unknown-field'
      )
    if (key === 'conn_id') continue
    if (key === 'port') {
      if (v === null) continue
      const n =
        typeof v === 'bigint'
          ? v
          : v instanceof PyFloat && Number.isInteger(v.value)
            ? BigInt(v.value)
            : undefined
      if (n === undefined)
        throw new CodecError('"port" must be an integer or null.', 'codec.invalid-port')
      fields.port = Number(n)
    } else if (key === 'extra') {
      if (v === null || typeof v === 'string') fields.extra = v
      else fields.extra = pyTruthy(v) ? pyJsonDumps(v) : null
    } else {
      if (v !== null && typeof v !== 'string')
        throw new CodecError(`"${key}" must be text or null.`, 'codec.invalid-field')
      fields[key as (typeof INPUT_STRING_FIELDS)[number]] = v
    }
  }
  return fields
}

/**
 * Builds the connection one input line describes, as Airflow's constructor does: a line with
 * `uri` is `Connection(uri=…)` — the URI parsed, other truthy fields (core) or any other field
 * (Task SDK) refused as "can't mix" — which is exactly `from_json`'s reading of the same
 * object; any other line is `Connection(**fields)`.
 */
export function buildConnectionLine(line: string, dialect: Dialect) {
  const obj = readJsonObjectLine(line, 'Input must be a JSON object of connection fields.')
  if (!obj.has('uri')) return constructConnection(readFieldsLine(line), dialect)
  const kwargs = new PyDict([...obj.entries()].filter(([key]) => key !== 'conn_id'))
  return parseConnectionJson(pyJsonDumps(kwargs), dialect)
}

/** `airlock conn uri|json [--dialect D]`: fields in, get_uri() / as_json() out. */
export async function connSerialize(
  io: CliIo,
  dialect: Dialect,
  format: 'uri' | 'json'
): Promise<number> {
  return eachValue(io, undefined, async (line, where) => {
    const built = buildConnectionLine(line, dialect)
    warn(io, where, built.warnings)
    const c = built.value
    await writeLine(
      io.stdout,
      format === 'uri' ? serializeConnectionUri(c, dialect) : connectionToJson(c, dialect)
    )
  })
}
