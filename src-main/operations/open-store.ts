/**
 * Opens a store by its locator (`metadb:postgresql://…`, `env:`, `envfile:./.env`,
 * `airflow-export:./connections.json`, `lfs:./secrets/connections.yaml`,
 * `astro:./airflow_settings.yaml`, `airflow-config:./airflow.cfg`, `demo:`, `profile:NAME`)
 * or by a saved profile: what the CLI and the app both do before anything else. The backend
 * itself is built by backends/registry.ts.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Backend, EntryKind } from '../backends/backend'
import { createBackend, createServiceBackend } from '../backends/registry'
import { isSecretsServiceKind, SECRETS_SERVICE_KINDS } from '../contract/providers'
import type { SqlTarget } from '../backends/sql/driver'
import { parseSqlAlchemyUrl, type SqlAlchemyUrl } from '../core/airflow-config'
import { AirlockError, CodecError } from '../core/errors'
import type { Dialect } from '../core/model'
import { loadAirflowConfig } from '../platform/airflow-config-file'
import { ensureDemo } from '../platform/demo'
import { dataDir } from '../platform/paths'
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
  dialect?: Dialect
  /** Which kind a single-kind file holds (Airflow's export and LFS files hold one kind each). */
  kinds?: readonly EntryKind[]
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

/** Opens the store a saved profile points at, with its secrets from the keychain. */
export async function openProfile(profile: Profile, secrets: ProfileSecrets): Promise<Backend> {
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
        dialect: profileDialect(profile)
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

function redactedUrl(url: string): string {
  return url.replace(/\/\/([^/@]*)@/, (_, userinfo: string) => `//${userinfo.split(':')[0]}:***@`)
}

/** Opens the store a locator names. */
export async function openLocator(locator: string, options: LocatorOptions = {}): Promise<Backend> {
  const { scheme, rest } = parseLocator(locator)
  const env = options.env ?? process.env
  const dialect = options.dialect ?? 'airflow3'
  const single = options.kinds?.length === 1 ? options.kinds[0] : undefined
  if (isSecretsServiceKind(scheme)) {
    if (!options.resolveProfile) throw new AirlockError('usage', `${scheme}: needs saved profiles`)
    const { profile, secrets } = await options.resolveProfile(rest)
    if (profile.kind !== scheme)
      throw new AirlockError(
        'usage',
        `Profile ${rest} is a ${profile.kind} profile, not ${scheme}.`
      )
    return openProfile(profile, secrets)
  }
  switch (scheme) {
    case 'profile': {
      if (!options.resolveProfile) throw new AirlockError('usage', 'profile: needs saved profiles')
      const { profile, secrets } = await options.resolveProfile(rest)
      return openProfile(profile, secrets)
    }
    case 'metadb': {
      if (rest && !rest.includes('://') && options.resolveProfile) {
        const { profile, secrets } = await options.resolveProfile(rest)
        if (profile.kind !== 'metadb')
          throw new AirlockError(
            'usage',
            `Profile ${rest} is a ${profile.kind} profile, not metadb.`
          )
        return openProfile(profile, secrets)
      }
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
          id: `metadb:${redactedUrl(rest)}`,
          target: sqlTargetFromUrl(url),
          fernetKey: options.fernetKey ?? env.AIRFLOW__CORE__FERNET_KEY ?? null
        }
      })
    }
    case 'demo': {
      const demo = await ensureDemo(join(dataDir(env), 'demo'))
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
      const demo = await ensureDemo(join(dataDir(env), 'demo'))
      return createBackend({
        kind: 'env-file',
        options: { id: 'demo:env', path: demo.envFile, dialect }
      })
    }
    case 'env':
      return createBackend({ kind: 'env', options: { environment: env, dialect } })
    case 'envfile':
      return createBackend({ kind: 'env-file', options: { path: needPath(scheme, rest), dialect } })
    case 'airflow-export':
      return createBackend({
        kind: 'airflow-export',
        options: {
          path: needPath(scheme, rest),
          kind: single === 'variable' ? 'variables' : 'connections',
          dialect
        }
      })
    case 'lfs':
      return createBackend({
        kind: 'lfs',
        options:
          single === 'variable'
            ? { variablesFilePath: needPath(scheme, rest), dialect }
            : { connectionsFilePath: needPath(scheme, rest), dialect }
      })
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
