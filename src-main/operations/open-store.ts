/**
 * Opens a store by its locator (`metadb:postgresql://…`, `env:`, `envfile:./.env`,
 * `airflow-export:./connections.json`, `lfs:./secrets/connections.yaml`,
 * `astro:./airflow_settings.yaml`, `airflow-config:./airflow.cfg`, `demo:`, `profile:NAME`)
 * or by a saved profile: what the CLI and the app both do before anything else. The backend
 * itself is built by backends/registry.ts.
 */
import { existsSync, realpathSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type { Backend, EntryKind } from '../backends/backend'
import type { JsonMemberListing } from '../backends/airflow-export'
import { createBackend, createServiceBackend } from '../backends/registry'
import { PyDict, pyJsonLoads, type PyValue } from '../core/codecs/py-json'
import { jsonObjectKeys } from '../core/codecs/airflow-files'
import {
  CONNECTION_MEMBER_KEYS,
  memberConnectionKeyBits,
  type JsonMemberColumns
} from '../core/codecs/airflow-files-fast'
import { pyYamlSafeLoad } from '../core/codecs/py-yaml'
import { isSecretsServiceKind, SECRETS_SERVICE_KINDS } from '../contract/providers'
import type { SqlTarget } from '../backends/sql/driver'
import {
  parseSqlAlchemyUrl,
  redactSqlAlchemyUrl,
  sqlAlchemyUrlPasswordText,
  type SqlAlchemyUrl
} from '../core/airflow-config'
import { AirlockError, CodecError } from '../core/errors'
import type { Dialect } from '../core/model'
import type { TargetStore } from '../jobs/store-lock'
import { loadAirflowConfig } from '../platform/airflow-config-file'
import { redactLocator } from './plan'
import type { Demo } from '../platform/demo'
import { dataDir } from '../platform/paths'
import { redactor } from '../platform/redact'
import type { ProfileSecrets } from '../platform/profiles'
import type { Profile } from '../platform/settings'

/** The schemes a locator may start with. */
export const LOCATOR_SCHEMES = [
  'profile',
  ...SECRETS_SERVICE_KINDS,
  'metadb',
  'demo',
  'demo-env',
  'env',
  'envfile',
  'airflow-export',
  'lfs',
  'astro',
  'airflow-config',
  'memory'
] as const
export type LocatorScheme = (typeof LOCATOR_SCHEMES)[number]

/** Schemes whose store is one file, which may not exist yet (as a target it is created). */
const FILE_SCHEMES: readonly LocatorScheme[] = ['envfile', 'airflow-export', 'lfs', 'astro']

/**
 * The path of a file-backed store whose file does not exist, else undefined. A missing file
 * reads as an empty store, which is right for a target and wrong for a source: planned with
 * `--delete-extraneous`, a mistyped source path would delete everything in the target.
 */
export function missingStoreFile(locator: string): string | undefined {
  const colon = locator.indexOf(':')
  const scheme = locator.slice(0, colon) as LocatorScheme
  if (colon < 0 || !FILE_SCHEMES.includes(scheme)) return undefined
  const path = locator.slice(colon + 1)
  return path && !existsSync(path) ? path : undefined
}

/**
 * Refuses a store file that does not exist where reading it is the point: it would read as
 * an empty store (a typo listing nothing, a diff where everything differs). `why` completes
 * the message. A missing file is a fine target: a plan creates it.
 */
export function requireStoreFile(locator: string, why: string): void {
  const missing = missingStoreFile(locator)
  if (missing) throw new AirlockError('backend.not-found', `${missing}: no such file. ${why}`)
}

/** What a locator needs besides itself. */
export interface LocatorOptions {
  /** Whose rules read the store; default airflow3, for a profile its Airflow version. */
  dialect?: Dialect
  /** `dialect` was asked for (`--dialect`): it overrides a profile's Airflow version too. */
  dialectGiven?: boolean
  /** Which kind a single-kind file holds (Airflow's export and LFS files hold one kind each). */
  kinds?: readonly EntryKind[]
  /** Where `kinds` came from, for messages; default the `--kind` flag. */
  kindsFrom?: string
  /** `[core] fernet_key` for a metadata DB; default `AIRFLOW__CORE__FERNET_KEY`. */
  fernetKey?: string
  /** The environment (for `env:` and defaults); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** Looks up a saved profile by name (`metadb:staging`, `profile:staging`). */
  resolveProfile?: (name: string) => Promise<{ profile: Profile; secrets: ProfileSecrets }>
}

/** The connection code that reads a profile's store: Airflow 2 or 3 by its version. */
function profileDialect(profile: Profile): Dialect {
  return profile.airflowVersion && Number(profile.airflowVersion.split('.')[0]) < 3
    ? 'airflow2'
    : 'airflow3'
}

/**
 * Opens the store a saved profile points at, with its secrets from the keychain; `dialect`
 * (asked for explicitly) overrides the one of the profile's Airflow version.
 */
export async function openProfile(
  profile: Profile,
  secrets: ProfileSecrets,
  dialect?: Dialect
): Promise<Backend> {
  const id = `${profile.kind}:${profile.name}`
  switch (profile.kind) {
    case 'metadb': {
      if (!profile.url) throw new AirlockError('usage', `Profile ${profile.name} has no URL.`)
      const url = parseSqlAlchemyUrl(profile.url)
      const blocking = url.notes.find((n) => n.severity === 'error')
      if (blocking) throw new AirlockError('usage', `Profile ${profile.name}: ${blocking.message}`)
      const target = sqlTargetFromUrl(url)
      if (secrets.password) target.password = secrets.password
      return createBackend({
        kind: 'metastore',
        options: { id, target, fernetKey: secrets.fernetKey ?? null }
      })
    }
    default: {
      return createServiceBackend({
        kind: profile.kind,
        name: profile.name,
        id,
        url: profile.url ?? null,
        region: profile.region ?? null,
        backendKwargs: { ...profile.backendKwargs, ...(secrets.kwargs ?? {}) },
        method: profile.credential.method,
        params: profile.credential.params,
        secrets,
        dialect: dialect ?? profileDialect(profile)
      })
    }
  }
}

/** Splits `scheme:rest`; throws a usage error naming the known schemes. */
export function parseLocator(locator: string): { scheme: LocatorScheme; rest: string } {
  const colon = locator.indexOf(':')
  const scheme = (colon < 0 ? locator : locator.slice(0, colon)) as LocatorScheme
  if (!LOCATOR_SCHEMES.includes(scheme))
    throw new AirlockError(
      'usage',
      `Unknown store "${colon < 0 ? locator : locator.slice(0, colon)}": use one of ${LOCATOR_SCHEMES.map((s) => s + ':').join(', ')}.`
    )
  return { scheme, rest: colon < 0 ? '' : locator.slice(colon + 1) }
}

/** A SQLAlchemy URL as a connect target (the password stays in memory only). */
export function sqlTargetFromUrl(url: SqlAlchemyUrl): SqlTarget {
  redactor.register(url.password)
  if (url.dialect === 'sqlite') return { dialect: 'sqlite', path: url.sqlitePath ?? ':memory:' }
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)
  const options: Record<string, string> = {}
  const sslmode = first(url.query.sslmode)
  if (sslmode) options.sslmode = sslmode
  return {
    dialect: url.dialect,
    host: url.host ?? undefined,
    port: url.port ?? undefined,
    user: url.user ?? undefined,
    password: url.password ?? undefined,
    database: url.database ? decodeURIComponent(url.database) : undefined,
    options
  }
}

function needPath(scheme: string, rest: string): string {
  if (!rest) throw new AirlockError('usage', `${scheme}: needs a file path, e.g. ${scheme}:./file`)
  return rest
}

/** The keys `Connection(...)` takes in a connections file (local_filesystem.py). */
const CONNECTION_KEYS: ReadonlySet<string> = new Set(CONNECTION_MEMBER_KEYS)

/**
 * The demo's database and `.env` file, made on first use; platform/demo.ts (with the metastore
 * and the SQL schema it builds the database with) is loaded only for `demo:` (issue #22).
 */
async function openDemo(env: NodeJS.ProcessEnv): Promise<Demo> {
  return (await import('../platform/demo')).ensureDemo(join(dataDir(env), 'demo'))
}

/** What a file's name says it holds: a word starting with `conn` or `var`, not both. */
function kindByName(path: string): EntryKind | undefined {
  const words = basename(path)
    .toLowerCase()
    .split(/[^a-z]+/)
  const conn = words.some((w) => w.startsWith('conn'))
  const variable = words.some((w) => w.startsWith('var'))
  return conn === variable ? undefined : conn ? 'connection' : 'variable'
}

/**
 * What one value of a JSON/YAML file says: an object of `Connection(...)` keys with a
 * `conn_type` or `uri` is a connection; `{"value", "description"}`, an object no connection
 * could be, a number or a boolean is a variable. Text, lists and null could be either.
 */
function kindOfValue(v: PyValue): EntryKind | undefined {
  if (v instanceof PyDict) {
    const keys = [...v.keys()]
    if (keys.every((k) => CONNECTION_KEYS.has(k)))
      return v.has('conn_type') || v.has('uri') ? 'connection' : undefined
    return 'variable'
  }
  if (typeof v === 'string' || v === null || Array.isArray(v)) return undefined
  return 'variable'
}

/**
 * {@link kindOfValue} of a JSON member's text without decoding it, for a member of a valid
 * file; null where the text alone cannot tell (an object whose keys do not list).
 */
function kindOfMemberText(text: string): EntryKind | undefined | null {
  const c = text.charCodeAt(0)
  if (c === 0x22 || c === 0x6e || c === 0x5b) return undefined // a string, null, a list
  if (c !== 0x7b) return 'variable' // a number, true, false, NaN, Infinity
  // the keys alone (rawFileItems' keys, its values not sliced): one call per member of the file
  const keys = jsonObjectKeys(text)
  if (!keys) return null
  if (!keys.every((k) => CONNECTION_KEYS.has(k))) return 'variable'
  return keys.some((k) => k === 'conn_type' || k === 'uri') ? 'connection' : undefined
}

/** The bits of `conn_type` and `uri` among CONNECTION_MEMBER_KEYS. */
const CONNECTION_MARK_BITS = CONNECTION_MEMBER_KEYS.reduce(
  (bits, k, i) => (k === 'conn_type' || k === 'uri' ? bits | (1 << i) : bits),
  0
)

/**
 * {@link kindOfMemberText} of member i of a JSON file's columns, told from what the member scan
 * saw where the member is a flat object of connection keys (each once, no escape): the common
 * connection member, with no string made and its bytes not walked again. Null where that does
 * not tell (the caller asks kindOfMemberText of its text).
 */
function kindOfMemberBytes(
  bytes: Uint8Array,
  columns: JsonMemberColumns,
  i: number
): EntryKind | undefined | null {
  // a flat object told by its columns alone: its first byte is not read (the file's bytes,
  // long out of the cache by now, cost a miss per member)
  const bits = memberConnectionKeyBits(columns, i)
  if (bits >= 0) return bits & CONNECTION_MARK_BITS ? 'connection' : undefined
  const c = bytes[columns.cols[5 * i + 2]!]
  if (c === 0x22 || c === 0x6e || c === 0x5b) return undefined // a string, null, a list
  if (c !== 0x7b) return 'variable' // a number, true, false, NaN, Infinity
  return null
}

/**
 * What a JSON file's members all say (as {@link kindByContent} for a valid file), from their
 * texts, without decoding the file; null where the texts cannot tell.
 */
function kindByMemberTexts(members: JsonMemberListing | undefined): EntryKind | undefined | null {
  if (!members) return null
  const said = new Set<EntryKind>()
  const { bytes, columns } = members
  for (let i = 0; i < members.count; i++) {
    // told from the bytes where they can tell; else the text decoded, looked at and dropped
    // (the listing keeps its bytes, not its texts)
    let kind = bytes && columns ? kindOfMemberBytes(bytes, columns, i) : null
    if (kind === null) kind = kindOfMemberText(members.text(i))
    if (kind === null) return null
    if (kind) said.add(kind)
  }
  return said.size === 1 ? [...said][0] : undefined
}

/**
 * What a JSON/YAML file's values all say, if they agree; a .env file's text says nothing.
 * `unreadable`: the file exists but Airflow rejects it as a whole (empty, not JSON/YAML, not
 * an object), whatever its kind.
 */
async function kindByContent(path: string): Promise<EntryKind | 'unreadable' | undefined> {
  const { formatOf, readTextIfExists } = await import('../backends/airflow-export')
  const format = formatOf(path)
  if (format === 'env') return undefined
  const text = await readTextIfExists(path)
  if (text === undefined) return undefined
  let data: PyValue
  try {
    data = format === 'json' ? pyJsonLoads(text) : pyYamlSafeLoad(text)
  } catch {
    return 'unreadable'
  }
  if (!(data instanceof PyDict)) return 'unreadable'
  const said = new Set([...data.map.values()].map(kindOfValue).filter((k) => k !== undefined))
  return said.size === 1 ? [...said][0] : undefined
}

const KIND_WORDS: Record<EntryKind, string> = { connection: 'connections', variable: 'variables' }

/**
 * Which kind a one-kind file store (`airflow-export:`, `lfs:`) holds: `--kind`, the file's
 * name and its content must agree, and at least one must say. A store that cannot tell is
 * refused: read as the wrong kind, a variables file lists as mangled connections, and a plan
 * of the other kind finds nothing and says "0 items".
 */
export async function fileStoreKind(
  scheme: string,
  path: string,
  kinds: readonly EntryKind[] | undefined,
  kindsFrom?: string
): Promise<EntryKind> {
  // loaded here, not at the top: an `envfile:` store never needs the JSON/YAML file stores
  const { formatOf, readRawJsonMembers } = await import('../backends/airflow-export')
  const said: [EntryKind, string][] = []
  if (kinds?.length === 1)
    said.push([kinds[0]!, kindsFrom ?? `--kind ${kinds[0] === 'connection' ? 'conn' : 'var'}`])
  const byName = kindByName(path)
  if (byName) said.push([byName, `its name`])
  // A JSON file's member texts answer without decoding the file where the answer is the same
  // whether or not the file decodes: they say connections and nothing else says otherwise.
  if (formatOf(path) === 'json' && said.every(([k]) => k === 'connection')) {
    // the listing is kept (weakly) for the store's own listing: the file is split once
    const members = await readRawJsonMembers(path)
    if (members !== 'missing' && kindByMemberTexts(members) === 'connection') return 'connection'
  }
  const byContent = await kindByContent(path)
  if (byContent && byContent !== 'unreadable') said.push([byContent, `its content`])
  const first = said[0]
  // Either kind of store refuses the file as a whole, naming Airflow's error and its line.
  if (!first && byContent === 'unreadable') return 'connection'
  if (!first)
    throw new AirlockError(
      'usage',
      `${scheme}:${path}: cannot tell whether the file holds connections or variables; pass --kind conn or --kind var (or name the file connections.* or variables.*).`
    )
  const other = said.find(([k]) => k !== first[0])
  if (other)
    throw new AirlockError(
      'usage',
      `${scheme}:${path}: ${first[1]} says ${KIND_WORDS[first[0]]} but ${other[1]} says ${KIND_WORDS[other[0]]}; a file holds one kind. Pass the --kind that matches the file.`
    )
  return first[0]
}

/** Opens the store a locator names. */
export async function openLocator(locator: string, options: LocatorOptions = {}): Promise<Backend> {
  const { scheme, rest } = parseLocator(locator)
  const env = options.env ?? process.env
  const dialect = options.dialect ?? 'airflow3'
  const given = options.dialectGiven ? options.dialect : undefined
  if (isSecretsServiceKind(scheme)) {
    if (!options.resolveProfile) throw new AirlockError('usage', `${scheme}: needs saved profiles`)
    const { profile, secrets } = await options.resolveProfile(rest)
    if (profile.kind !== scheme)
      throw new AirlockError(
        'usage',
        `Profile ${rest} is a ${profile.kind} profile, not ${scheme}.`
      )
    return openProfile(profile, secrets, given)
  }
  switch (scheme) {
    case 'profile': {
      if (!options.resolveProfile) throw new AirlockError('usage', 'profile: needs saved profiles')
      const { profile, secrets } = await options.resolveProfile(rest)
      return openProfile(profile, secrets, given)
    }
    case 'metadb': {
      if (rest && !rest.includes('://') && options.resolveProfile) {
        const { profile, secrets } = await options.resolveProfile(rest)
        if (profile.kind !== 'metadb')
          throw new AirlockError(
            'usage',
            `Profile ${rest} is a ${profile.kind} profile, not metadb.`
          )
        return openProfile(profile, secrets, given)
      }
      // masked in every message from here on, as written and as decoded
      redactor.register(sqlAlchemyUrlPasswordText(rest))
      let url: SqlAlchemyUrl
      try {
        url = parseSqlAlchemyUrl(rest)
      } catch (error) {
        if (error instanceof CodecError)
          throw new AirlockError('usage', `metadb: ${error.userMessage}`)
        throw error
      }
      const blocking = url.notes.find((n) => n.severity === 'error')
      if (blocking) throw new AirlockError('usage', `metadb: ${blocking.message}`)
      return createBackend({
        kind: 'metastore',
        options: {
          id: `metadb:${redactSqlAlchemyUrl(rest)}`,
          target: sqlTargetFromUrl(url),
          fernetKey: options.fernetKey ?? env.AIRFLOW__CORE__FERNET_KEY ?? null
        }
      })
    }
    case 'demo': {
      const demo = await openDemo(env)
      return createBackend({
        kind: 'metastore',
        options: {
          id: 'demo:metadb',
          target: { dialect: 'sqlite', path: demo.dbPath },
          fernetKey: demo.fernetKey
        }
      })
    }
    case 'demo-env': {
      const demo = await openDemo(env)
      return createBackend({
        kind: 'env-file',
        options: { id: 'demo:env', path: demo.envFile, dialect }
      })
    }
    case 'env':
      return createBackend({ kind: 'env', options: { environment: env, dialect } })
    case 'envfile':
      return createBackend({ kind: 'env-file', options: { path: needPath(scheme, rest), dialect } })
    case 'airflow-export': {
      const path = needPath(scheme, rest)
      const kind = await fileStoreKind(scheme, path, options.kinds, options.kindsFrom)
      return createBackend({
        kind: 'airflow-export',
        options: { path, kind: kind === 'variable' ? 'variables' : 'connections', dialect }
      })
    }
    case 'lfs': {
      const path = needPath(scheme, rest)
      const kind = await fileStoreKind(scheme, path, options.kinds, options.kindsFrom)
      return createBackend({
        kind: 'lfs',
        options:
          kind === 'variable'
            ? { variablesFilePath: path, dialect }
            : { connectionsFilePath: path, dialect }
      })
    }
    case 'astro':
      return createBackend({ kind: 'astro', options: { path: needPath(scheme, rest), dialect } })
    case 'airflow-config': {
      const loaded = await loadAirflowConfig({ env, path: rest || undefined })
      const p = loaded.profile
      if (!p.sqlAlchemyUrl)
        throw new AirlockError(
          'usage',
          `${loaded.path}: no usable sql_alchemy_conn (${p.sqlAlchemyConn.read ? 'missing or invalid' : 'it comes from a command or secret Airlock did not run'}).`
        )
      return createBackend({
        kind: 'metastore',
        options: {
          id: `airflow-config:${loaded.path}`,
          target: sqlTargetFromUrl(p.sqlAlchemyUrl),
          fernetKey: options.fernetKey ?? p.fernetKey.value ?? null
        }
      })
    }
    case 'memory':
      return createBackend({ kind: 'in-memory', options: { id: `memory:${rest || 'default'}` } })
  }
}

/**
 * Opens a store, runs `run` on it and closes it, whatever happens. With `mustExist`, a store
 * file that does not exist is refused first (`mustExist` completes the message: why reading
 * it is the point), rather than read as an empty store.
 */
export async function withStore<T>(
  locator: string,
  options: LocatorOptions & { mustExist?: string },
  run: (backend: Backend) => Promise<T>
): Promise<T> {
  const { mustExist, ...locatorOptions } = options
  if (mustExist !== undefined) requireStoreFile(locator, mustExist)
  const backend = await openLocator(locator, locatorOptions)
  try {
    return await run(backend)
  } finally {
    await backend.close?.()
  }
}

/** A file's canonical path: symlinks and `..` resolved (a file not there yet: its folder's). */
function realFile(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path))
    } catch {
      return resolve(path)
    }
  }
}

const DEFAULT_PORTS = { postgresql: 5432, mysql: 3306 } as const

/** The identity of a metadata DB: the SQLite file, or server, port and database. */
function sqlIdentity(url: SqlAlchemyUrl, password?: string): Omit<TargetStore, 'locator'> {
  const target = sqlTargetFromUrl(url)
  if (password) target.password = password
  if (target.dialect === 'sqlite') {
    const file = target.path === ':memory:' ? ':memory:' : realFile(target.path ?? '')
    return { identity: `metadb:sqlite:${file}`, lock: { kind: 'file', path: file } }
  }
  const host = (target.host ?? 'localhost').toLowerCase()
  const identity = `metadb:${target.dialect}://${host}:${target.port ?? DEFAULT_PORTS[target.dialect]}/${target.database ?? ''}`
  return { identity, lock: { kind: 'sql', target, name: identity } }
}

function profileIdentity(profile: Profile, secrets: ProfileSecrets): Omit<TargetStore, 'locator'> {
  if (profile.kind === 'metadb') {
    if (!profile.url) throw new AirlockError('usage', `Profile ${profile.name} has no URL.`)
    return sqlIdentity(parseSqlAlchemyUrl(profile.url), secrets.password)
  }
  // A service: where it is (endpoint, region) and where in it (mount, prefixes, …), from the
  // profile's settings — which hold no secret (those live in the keychain); a secret-named
  // kwarg is left out all the same, since the identity is written to the job's meta.
  const kwargs = Object.entries(profile.backendKwargs ?? {})
    .filter(([k]) => !/secret|password|token|private|credential/i.test(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
  const identity = [
    `${profile.kind}:${profile.url ?? ''}`,
    ...(profile.region ? [`region=${profile.region}`] : []),
    ...kwargs
  ].join(' ')
  return { identity, lock: { kind: 'local', name: identity } }
}

/** The canonical identity of the store a profile points at (as {@link storeIdentity} gives it). */
export function profileStoreIdentity(profile: Profile): string {
  return profileIdentity(profile, {}).identity
}

/**
 * The name of the saved profile a locator names (`profile:NAME`, `vault:NAME`, `metadb:NAME`),
 * or undefined when it names a store directly.
 */
export function locatorProfileName(locator: string): string | undefined {
  const { scheme, rest } = parseLocator(locator)
  if (isSecretsServiceKind(scheme) || scheme === 'profile') return rest || undefined
  if (scheme === 'metadb' && rest && !rest.includes('://')) return rest
  return undefined
}

/**
 * The store a locator names, as a job records and compares it: the locator (redacted), a
 * canonical identity without secrets — the real path of a file, `dialect://host:port/db` of a
 * metadata DB, kind, endpoint, region and settings of a service — so a profile and the URL it
 * holds, or `./a.env` and its absolute path, are one store; and how a job locks it
 * (jobs/store-lock.ts).
 */
export async function storeIdentity(
  locator: string,
  options: LocatorOptions = {}
): Promise<TargetStore> {
  const { scheme, rest } = parseLocator(locator)
  const env = options.env ?? process.env
  const label = redactLocator(locator)
  const file = (path: string): TargetStore => {
    const real = realFile(path)
    return { locator: label, identity: `${scheme}:${real}`, lock: { kind: 'file', path: real } }
  }
  const profile = async (name: string, kind?: string) => {
    if (!options.resolveProfile) throw new AirlockError('usage', `${scheme}: needs saved profiles`)
    const { profile, secrets } = await options.resolveProfile(name)
    if (kind && profile.kind !== kind)
      throw new AirlockError('usage', `Profile ${name} is a ${profile.kind} profile, not ${kind}.`)
    return { locator: label, ...profileIdentity(profile, secrets) }
  }
  if (isSecretsServiceKind(scheme)) return profile(rest, scheme)
  switch (scheme) {
    case 'profile':
      return profile(rest)
    case 'metadb': {
      if (rest && !rest.includes('://') && options.resolveProfile) return profile(rest, 'metadb')
      try {
        return { locator: label, ...sqlIdentity(parseSqlAlchemyUrl(rest)) }
      } catch (error) {
        if (error instanceof CodecError)
          throw new AirlockError('usage', `metadb: ${error.userMessage}`)
        throw error
      }
    }
    case 'airflow-config': {
      const loaded = await loadAirflowConfig({ env, path: rest || undefined })
      if (!loaded.profile.sqlAlchemyUrl)
        throw new AirlockError('usage', `${loaded.path}: no usable sql_alchemy_conn.`)
      return { locator: label, ...sqlIdentity(loaded.profile.sqlAlchemyUrl) }
    }
    case 'demo': {
      const demo = await openDemo(env)
      return { locator: label, ...sqlIdentity(parseSqlAlchemyUrl(`sqlite:///${demo.dbPath}`)) }
    }
    case 'demo-env': {
      const demo = await openDemo(env)
      return { ...file(demo.envFile), identity: `envfile:${realFile(demo.envFile)}` }
    }
    case 'envfile':
    case 'airflow-export':
    case 'lfs':
    case 'astro':
      return file(needPath(scheme, rest))
    case 'env':
      return { locator: label, identity: 'env:', lock: { kind: 'local', name: 'env:' } }
    case 'memory': {
      const identity = `memory:${rest || 'default'}`
      return { locator: label, identity, lock: { kind: 'local', name: identity } }
    }
  }
}
