/**
 * The text an `AIRFLOW_CONN_*` variable or a secrets backend holds for a connection: its
 * URI when that reads back to the same fields, else connection JSON. Every writer of a
 * connection value (the .env file, Vault, AWS, Azure, GCP) chooses through here.
 */
import { connectionToJson, parseConnectionValue } from './connection-json'
import { serializeConnectionUri } from './connection-uri'
import { PyDict, pyJsonDumps, pyJsonLoads, pyJsonTryLoads } from './py-json'
import { CodecError } from '../errors'
import { CONNECTION_SCALAR_FIELDS, type ConnectionFields, type Dialect } from '../model'

function sameExtra(a: string | null, b: string | null): boolean {
  if (a === b) return true
  if (a === null || b === null) return false
  const x = pyJsonTryLoads(a)
  const y = pyJsonTryLoads(b)
  return x !== undefined && y !== undefined && pyJsonDumps(x) === pyJsonDumps(y)
}

/**
 * The fields a connection's URI loses in `dialect`: what `deserialize_connection(get_uri())`
 * reads back differently (names only), with `uri` when it reads back at all.
 */
export function uriLoss(
  fields: ConnectionFields,
  dialect: Dialect,
  /** Count None read back as '' (or '' as None) as kept: what a person would call lossless. */
  blankIsNull = false
): { uri: string; lost: string[] } {
  const uri = serializeConnectionUri(fields, dialect)
  const same = (a: unknown, b: unknown) =>
    a === b || (blankIsNull && (a === null || a === '') && (b === null || b === ''))
  try {
    const back = parseConnectionValue(uri, dialect).value
    const lost: string[] = CONNECTION_SCALAR_FIELDS.filter((k) => !same(back[k], fields[k]))
    if (!sameExtra(back.extra, fields.extra)) lost.push('extra')
    return { uri, lost }
  } catch (error) {
    if (!(error instanceof CodecError)) throw error
    return { uri, lost: ['(the URI does not parse back)'] }
  }
}

/**
 * The value written for a connection: its URI when the dialect reads that URI back to the
 * same fields (`deserialize_connection(get_uri())` equals the connection), else compact
 * connection JSON on one line (`Connection.as_json()`), which keeps what URIs lose —
 * description, host case, JSON-looking extras, port 0 on workers.
 */
export function connectionEnvValue(fields: ConnectionFields, dialect: Dialect): string {
  if (fields.description === null) {
    const { uri, lost } = uriLoss(fields, dialect)
    if (!lost.length) return uri
  }
  const json = connectionToJson(fields, dialect)
  if (fields.password !== '') return json
  // as_json() drops a password "" (the core ORM setter ignores it), but the value is written
  // for every reader: Task SDK workers keep "", core reads it as None either way.
  const parsed = pyJsonLoads(json) as PyDict
  const out = new PyDict()
  for (const key of CONNECTION_SCALAR_FIELDS) {
    if (key === 'password') out.set(key, '')
    else if (parsed.has(key)) out.set(key, parsed.get(key)!)
  }
  if (parsed.has('extra')) out.set('extra', parsed.get('extra')!)
  return pyJsonDumps(out)
}
