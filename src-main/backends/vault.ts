/**
 * HashiCorp Vault KV (v1 and v2) through node-vault, configured exactly as Airflow's
 * `VaultBackend` is — its `backend_kwargs`, defaults and naming (core/airflow-secrets/vault.ts;
 * reference §12.1) — and read exactly as Airflow reads it:
 *
 * - a connection is the secret's `conn_uri` when non-empty (a URI, or connection JSON when
 *   it starts with `{`), else the whole map read as connection JSON (`json.dumps(map)` →
 *   `Connection.from_json`; `extra` may be a nested object; any other key fails, as it does
 *   in Airflow);
 * - a variable is the secret's `value` key (no `value`, an empty map or `value: null` read
 *   as not found, as Airflow does);
 * - a KV v2 secret whose latest version is soft-deleted or destroyed reads as not found
 *   (hvac `raise_on_deleted_version=True` → InvalidPath → None);
 * - the secret's data is read from the answer's text with Python's json, as hvac reads it
 *   (`1.0` stays a float, an integer keeps every digit), not from node-vault's `JSON.parse`.
 *
 * Writing uses the field map (`conn_type`, `description`, `host`, `login`, `password`,
 * `schema`, `port`, `extra` as a JSON object), which every Airflow from 2.3 to 3.x reads
 * through `from_json`; with `connectionShape: 'uri'` it writes `{"conn_uri": …}` when the URI
 * reads back to the same connection in the chosen dialect. Variables are `{"value": …}`, plus a
 * `description` key when there is one (Airflow ignores it; Airlock reads it back). KV v2 writes
 * use check-and-set with the version Airlock last saw (read, or looked up just before): a
 * secret changed by someone else in between fails with `job.conflict`. Removing soft-deletes
 * the latest version (KV v2, recoverable with `vault kv undelete`) unless `removeMode` is
 * `destroy` (all versions and metadata); KV v1 deletes.
 *
 * Listing walks folders with LIST (Vault does not paginate it): one request per folder. A
 * listed KV v2 name whose latest version is deleted is still listed (LIST cannot tell) but
 * loads as absent. A name that maps back to two kinds (overlapping paths, e.g.
 * `connections_path: ""`) is reported, not guessed. Vault has no batch read: loading costs
 * one GET per secret, `concurrency` at a time.
 *
 * Vault's SDK has no retry: each request is retried here on 412/429/5xx and dropped
 * connections, with exponential backoff and `Retry-After` honoured, a bounded number of times.
 *
 * Auth: `token` (or `token_path`, or `VAULT_TOKEN` in `environment`), `approle` and
 * `kubernetes` (the service-account JWT read from `kubernetes_jwt_path` at login); Airflow's
 * other auth types are refused with a clear message. `namespace` is sent as
 * `X-Vault-Namespace`.
 *
 * @example
 * const vault = new VaultBackend({
 *   id: 'vault:prod',
 *   backendKwargs: { url: 'https://vault:8200', mount_point: 'airflow', token },
 *   dialect: 'airflow3'
 * })
 * await vault.write([variableEntry('region', 'eu-west-1')])
 * // POST /v1/airflow/data/variables/region {"data": {"value": "eu-west-1"}, "options": {"cas": 0}}
 */
import { mapLimit } from '../core/concurrency'
import { readFile } from 'node:fs/promises'
import { quote } from '../core/codecs/py-url'
import { pyJsonDumps, plainToPy } from '../core/codecs/py-json'
import { pyStrip } from '../core/codecs/py-str'
import { AirlockError, CodecError } from '../core/errors'
import { type ConnectionEntry, type Dialect, type Entry, type VariableEntry } from '../core/model'
import {
  decodeVaultConnection,
  decodeVaultVariable,
  encodeVaultConnection,
  encodeVaultVariable,
  resolveVaultKwargs,
  unsupportedVaultAuth,
  vaultApiPath,
  vaultBasePath,
  vaultDisplayPath,
  vaultIdsForPath,
  vaultListRoots,
  vaultLookups,
  vaultPathProblem,
  vaultSecretFromBody,
  vaultWriteLookup,
  type VaultLookup,
  type VaultSecretData,
  type VaultSecretKind,
  type VaultSettings
} from '../core/airflow-secrets/vault'
import type { ErrorCode } from '../contract/errors'
import {
  preflightRecorder,
  type TargetedPreflightProblem,
  idOf,
  inScope,
  type Backend,
  type EntryProblem,
  type EntryRef,
  type LoadResult,
  type Scope,
  type WrittenForm
} from './backend'
import { connectionEnvValue } from '../core/codecs/connection-value'
import { AdaptivePacer } from './pacer'
import { loadRefs, writeEach } from './remote-store'
import {
  sendWithRetry,
  vaultError,
  vaultRetryPolicy,
  VaultHttpFailure,
  type Operation,
  type VaultRetryOptions,
  type VaultRetryPolicy
} from './vault-failures'
import {
  createVaultHttp,
  responseText,
  type CallContext,
  type VaultClient,
  type VaultHttp
} from './vault-http'
import type { ServiceProfile } from '../core/providers'

export type { VaultRetryOptions } from './vault-failures'

/**
 * Options of the Vault backend.
 *
 * @example
 * new VaultBackend({
 *   backendKwargs: {
 *     url: 'http://127.0.0.1:8200', auth_type: 'approle', role_id, secret_id,
 *     mount_point: null, kv_engine_version: 1, variables_path: null, namespace: 'team-a'
 *   },
 *   mounts: ['kv']
 * })
 */
export interface VaultOptions {
  /**
   * Airflow's `[secrets] backend_kwargs` for `VaultBackend`, with Airflow's defaults
   * (`connections_path: "connections"`, `variables_path: "variables"`, `mount_point:
   * "secret"`, `kv_engine_version: 2`, `auth_type: "token"`); a null path turns that kind off.
   */
  backendKwargs: Readonly<Record<string, unknown>>
  /** Shown in messages and on every entry's origin; default `vault:<url>`. */
  id?: string
  /** Whose rules read connection values and build written ones; default `airflow3`. */
  dialect?: Dialect
  /**
   * How connections are written: `fields` (default; the field map every Airflow reads alike)
   * or `uri` (`conn_uri`, when the URI reads back unchanged in `dialect`, else the field map).
   */
  connectionShape?: 'fields' | 'uri'
  /** KV v2 check-and-set on writes (default true). */
  checkAndSet?: boolean
  /** KV v2 remove: `soft-delete` the latest version (default) or `destroy` every version. */
  removeMode?: 'soft-delete' | 'destroy'
  /** Airflow's `[core] multi_team`: team-scoped paths `<path>/<team>/<id>` (default false). */
  multiTeam?: boolean
  /**
   * With `mount_point: null`, the KV mounts whose ids to list; default: every KV mount of
   * the configured version in `sys/mounts` (which needs `read` on `sys/mounts`).
   */
  mounts?: readonly string[]
  /** Requests in flight at once for load, write and remove (default 16). */
  concurrency?: number
  retry?: VaultRetryOptions
  /** Stands for Airflow's `os.environ`: `VAULT_TOKEN`, `VAULT_ADDR`. Default `{}`. */
  environment?: Readonly<Record<string, string | undefined>>
  /** Largest write request in bytes (Vault's default `max_request_size`, 32 MiB). */
  maxValueBytes?: number
}

/** One problem the pre-flight found; `error` blocks the write, `warning` needs a look. */
export type VaultPreflightProblem = TargetedPreflightProblem

/** A listed secret that maps back to more than one id. */
export interface VaultAmbiguousName {
  target: string
  readsAs: { kind: VaultSecretKind; id: string }[]
}

/** What a listing found. */
export interface VaultListing {
  refs: EntryRef[]
  ambiguous: VaultAmbiguousName[]
}

/**
 * The state of one secret. A live one's `data` is as node-vault parsed it (`JSON.parse`); `body`
 * is the answer's text, which a read parses again as Airflow's client does
 * (`vaultSecretFromBody`: `1.0` stays a float, big integers keep their digits).
 */
export type VaultSecretState =
  | { state: 'live'; data: Record<string, unknown>; version: number | null; body?: string }
  | { state: 'absent' }
  | { state: 'deleted' | 'destroyed'; version: number }

function sameJson(a: unknown, b: unknown): boolean {
  return pyJsonDumps(plainToPy(a)) === pyJsonDumps(plainToPy(b))
}

// ---------------------------------------------------------------------------------------

/** Airflow connections and variables in HashiCorp Vault KV, as Airflow's VaultBackend reads them. */
export class VaultBackend implements Backend {
  readonly kind = 'vault' as const
  readonly id: string
  readonly capabilities = { list: true, write: true }
  /** The resolved `backend_kwargs`. */
  readonly settings: VaultSettings
  private readonly url: string
  private readonly dialect: Dialect
  private readonly shape: 'fields' | 'uri'
  private readonly checkAndSet: boolean
  private readonly removeMode: 'soft-delete' | 'destroy'
  private readonly multiTeam: boolean
  private readonly listMounts: readonly string[] | undefined
  private readonly concurrency: number
  private readonly retry: VaultRetryPolicy
  /** Paces every request of this backend (adaptive; see pacer.ts). */
  readonly pacer: AdaptivePacer
  private readonly environment: Readonly<Record<string, string | undefined>>
  private readonly maxValueBytes: number
  private readonly http: VaultHttp
  private readonly client: VaultClient
  private authReady: Promise<void> | undefined
  private tokenCheck: { at: number; valid: boolean } | undefined
  /** KV v2 version last seen per secret (0 = absent), the check-and-set value of the next write. */
  private readonly versions = new Map<string, number>()
  private readonly mountChecks = new Map<string, Promise<MountCheck>>()
  /**
   * The roots the last listing walked completely, and the secrets under them: a name under
   * one of them that was not listed is written with check-and-set 0 without reading it first
   * (if it was created since, Vault refuses the write and the item is reported as changed).
   */
  private listed: { roots: { mount: string; prefix: string }[]; found: Set<string> } | undefined

  constructor(options: VaultOptions) {
    this.environment = options.environment ?? {}
    this.settings = resolveVaultKwargs(options.backendKwargs, this.environment)
    const unsupported = unsupportedVaultAuth(this.settings)
    if (unsupported) throw new AirlockError('backend.auth', unsupported)
    this.url = (
      this.settings.url ??
      this.environment.VAULT_ADDR ??
      'http://localhost:8200'
    ).replace(/\/+$/, '')
    this.id = options.id ?? `vault:${this.url}`
    this.dialect = options.dialect ?? 'airflow3'
    this.shape = options.connectionShape ?? 'fields'
    this.checkAndSet = options.checkAndSet ?? true
    this.removeMode = options.removeMode ?? 'soft-delete'
    this.multiTeam = options.multiTeam ?? false
    this.listMounts = options.mounts
    this.concurrency = options.concurrency ?? 16
    this.retry = vaultRetryPolicy(options.retry)
    this.pacer = new AdaptivePacer({
      maxConcurrency: this.concurrency,
      backendId: this.id,
      // Vault's rate-limit quotas are fixed windows (go-limiter), a second by default.
      fixedWindow: true,
      clock: { now: () => performance.now(), sleep: this.retry.sleep }
    })
    this.maxValueBytes = options.maxValueBytes ?? 32 * 1024 * 1024
    this.http = createVaultHttp({
      id: this.id,
      url: this.url,
      namespace: this.settings.namespace,
      verify: this.settings.verify,
      timeoutSeconds: this.settings.timeoutSeconds
    })
    this.client = this.http.client
  }

  async close(): Promise<void> {
    this.http.close()
  }

  // -------------------------------------------------------------------------------------
  // Backend

  async list(scope: Scope, signal?: AbortSignal): Promise<EntryRef[]> {
    return (await this.listNames(scope, signal)).refs
  }

  /** Lists ids, and the names that map back to more than one id (reported, not listed). */
  async listNames(scope: Scope, signal?: AbortSignal): Promise<VaultListing> {
    const kinds = (['connection', 'variable'] as const).filter((k) => inScope(scope, k))
    // A kind whose path is null is never looked up by Airflow: nothing to list, no request.
    const enabled = kinds.filter((k) => vaultBasePath(this.settings, k) !== null)
    if (!enabled.length) return { refs: [], ambiguous: [] }
    await this.ensureAuth(signal)
    const mounts = this.settings.mountPoint ? [] : await this.kvMounts(signal)
    const roots = enabled.flatMap((k) => vaultListRoots(this.settings, k, mounts, this.multiTeam))
    // A root inside another root of the same mount is walked as part of it.
    const covers = (a: { mount: string; prefix: string }, b: { mount: string; prefix: string }) =>
      a.mount === b.mount &&
      (a.prefix === '' || b.prefix === a.prefix || b.prefix.startsWith(a.prefix + '/'))
    const walked: { mount: string; prefix: string }[] = []
    for (const r of roots)
      if (!walked.some((w) => covers(w, r))) {
        for (let i = walked.length - 1; i >= 0; i--) if (covers(r, walked[i]!)) walked.splice(i, 1)
        walked.push({ mount: r.mount, prefix: r.prefix })
      }
    const found: { mount: string; path: string }[] = []
    for (const root of walked) await this.walk(root.mount, root.prefix, found, signal)
    this.listed = {
      roots: walked,
      found: new Set(found.map((f) => versionKey(f.mount, f.path)))
    }
    const refs: EntryRef[] = []
    const ambiguous: VaultAmbiguousName[] = []
    const seen = new Set<string>()
    for (const { mount, path } of found) {
      const key = `${mount}\u0000${path}`
      if (seen.has(key)) continue
      seen.add(key)
      const ids = vaultIdsForPath(this.settings, mount, path, this.multiTeam)
      if (!ids.some((i) => i.kind !== 'config' && inScope(scope, i.kind))) continue
      if (ids.length > 1) ambiguous.push({ target: vaultDisplayPath(mount, path), readsAs: ids })
      else refs.push({ kind: ids[0]!.kind as 'connection' | 'variable', id: ids[0]!.id })
    }
    refs.sort((a, b) => (a.kind + '\u0000' + a.id < b.kind + '\u0000' + b.id ? -1 : 1))
    return { refs, ambiguous }
  }

  async read(ref: EntryRef, signal?: AbortSignal): Promise<Entry | undefined> {
    const lookups = vaultLookups(this.settings, ref.kind, ref.id, {
      team: ref.team,
      multiTeam: this.multiTeam
    })
    for (const lookup of lookups) {
      if (lookup.status !== 'read') return undefined
      const what = this.describe(ref.kind, ref.id, lookup)
      const state = await this.secretState(
        lookup.mount,
        lookup.path,
        { verb: 'read', what },
        signal
      )
      if (state.state !== 'live') continue
      try {
        // What Airflow's client reads: the answer's text through Python's json (node-vault's
        // JSON.parse only when no text was kept).
        const data =
          state.body === undefined
            ? state.data
            : vaultSecretFromBody(state.body, this.settings.kvEngineVersion)
        return this.entryFrom(ref, lookup, data)
      } catch (error) {
        if (error instanceof CodecError)
          throw new AirlockError(error.code, `${this.id}: ${what}: ${error.userMessage}`, {
            cause: error
          })
        throw error
      }
    }
    return undefined
  }

  async load(scope: Scope, signal?: AbortSignal): Promise<LoadResult> {
    const { refs, ambiguous } = await this.listNames(scope, signal)
    const problems: EntryProblem[] = ambiguous.map((a) => ({
      ref: ambiguousRef(a),
      code: 'codec.invalid',
      message: `${this.id}: ${a.target} reads as ${a.readsAs.map((r) => `${r.kind} "${r.id}"`).join(' and as ')}; Airflow answers every one of those lookups from it. Give each kind its own path (connections_path, variables_path, config_path) or move the secret.`
    }))
    const loaded = await loadRefs(refs, problems, (ref) => this.read(ref, signal), {
      concurrency: this.concurrency,
      // Vault down or the token refused: every other read would fail the same way.
      fatal: (error) => error.code === 'backend.unreachable' || error.code === 'backend.auth'
    })
    const order = (e: Entry) => `${e.kind}\u0000${idOf(e)}`
    loaded.entries.sort((a, b) => (order(a) < order(b) ? -1 : 1))
    return loaded
  }

  /** The secret `write` stores for `entry`: its path and its data (the same encoder). */
  async written(entry: Entry): Promise<WrittenForm> {
    const p = this.planWrite(entry)
    return { name: p.target, text: JSON.stringify(this.secretOf(entry), null, 2), format: 'json' }
  }

  async write(entries: readonly Entry[], signal?: AbortSignal): Promise<void> {
    if (!entries.length) return
    const planned = entries.map((entry) => this.planWrite(entry))
    const byTarget = new Map<string, Entry>()
    for (const p of planned) {
      const other = byTarget.get(p.target)
      if (other)
        throw new AirlockError(
          'job.conflict',
          `${this.id}: ${describeEntry(other)} and ${describeEntry(p.entry)} are both written to ${p.target}; nothing was written.`
        )
      byTarget.set(p.target, p.entry)
    }
    await this.ensureAuth(signal)
    for (const mount of new Set(planned.map((p) => p.mount))) await this.requireMount(mount, signal)
    await writeEach(planned, this.concurrency, (p) => this.writeOne(p, signal), {
      note: (written, total) =>
        total > 1
          ? `${written} of ${total} entries were written before it; the others were not.`
          : undefined
    })
  }

  async remove(refs: readonly EntryRef[], signal?: AbortSignal): Promise<void> {
    const targets = refs.flatMap((ref) => {
      const lookup = vaultWriteLookup(this.settings, ref.kind, ref.id, {
        team: ref.team,
        multiTeam: this.multiTeam
      })
      return lookup.status === 'read' ? [{ ref, lookup }] : []
    })
    if (!targets.length) return
    await this.ensureAuth(signal)
    const v = this.settings.kvEngineVersion
    await mapLimit(targets, this.concurrency, async ({ ref, lookup }) => {
      const destroy = v === 2 && this.removeMode === 'destroy'
      const apiPath = vaultApiPath(v, lookup.mount, lookup.path, destroy ? 'metadata' : 'data')
      const op = { verb: 'remove', what: this.describe(ref.kind, ref.id, lookup) }
      try {
        await this.request(op, (c) => c.delete(apiPath), signal)
      } catch (error) {
        if (!(error instanceof VaultHttpFailure) || error.status !== 404)
          throw await this.fail(op, error)
      }
      if (v === 2 && destroy) this.versions.set(versionKey(lookup.mount, lookup.path), 0)
    })
  }

  // -------------------------------------------------------------------------------------
  // Pre-flight

  /**
   * Checks a write before it happens, writing nothing: each target path is valid and
   * enabled, no two entries (or kinds) share a secret, each value fits, the mount exists
   * with the configured KV version, no target's latest version is soft-deleted or destroyed
   * (a write makes a new version on top; `vault kv undelete` would restore the old one),
   * and the token may write there (`sys/capabilities-self`). With no entries it checks the
   * credentials and the mount only.
   */
  async preflight(
    entries: readonly Entry[],
    signal?: AbortSignal
  ): Promise<VaultPreflightProblem[]> {
    const problems: VaultPreflightProblem[] = []
    const add = preflightRecorder(this.id, problems)
    interface Target {
      entry: Entry
      mount: string
      path: string
      target: string
    }
    const targets: Target[] = []
    const byTarget = new Map<string, Entry>()
    for (const entry of entries) {
      const lookup = vaultWriteLookup(this.settings, entry.kind, idOf(entry), {
        team: entry.team,
        multiTeam: this.multiTeam
      })
      if (lookup.status !== 'read') {
        add(entry, '', 'error', 'usage', `${describeEntry(entry)}: ${lookup.reason}`)
        continue
      }
      const target = vaultDisplayPath(lookup.mount, lookup.path)
      const bad = vaultPathProblem(lookup.path)
      if (bad) {
        add(
          entry,
          target,
          'error',
          'codec.invalid',
          `${describeEntry(entry)} → ${target}: the path ${bad}. Rename the id.`
        )
        continue
      }
      const other = byTarget.get(target)
      if (other) {
        add(
          entry,
          target,
          'error',
          'job.conflict',
          `${describeEntry(entry)} and ${describeEntry(other)} both map to ${target}; rename one.`
        )
        continue
      }
      byTarget.set(target, entry)
      const readers = vaultIdsForPath(
        this.settings,
        lookup.mount,
        lookup.path,
        this.multiTeam
      ).filter((r) => !(r.kind === entry.kind && r.id === idOf(entry)))
      if (lookup.scope === 'global' && readers.length)
        add(
          entry,
          target,
          'warning',
          'job.conflict',
          `${describeEntry(entry)} → ${target} also reads as ${readers.map((r) => `${r.kind} "${r.id}"`).join(', ')} (the kinds' paths overlap); Airflow would answer those lookups with it too.`
        )
      const size = Buffer.byteLength(JSON.stringify(this.requestBody(entry, 0)))
      if (size > this.maxValueBytes) {
        add(
          entry,
          target,
          'error',
          'codec.invalid',
          `${describeEntry(entry)} → ${target}: the value takes ${size} bytes, over the ${this.maxValueBytes}-byte request limit; shorten it.`
        )
        continue
      }
      targets.push({ entry, mount: lookup.mount, path: lookup.path, target })
    }

    try {
      await this.ensureAuth(signal)
    } catch (error) {
      if (!(error instanceof AirlockError)) throw error
      add(undefined, '', 'error', error.code, error.userMessage.replace(`${this.id}: `, ''))
      return problems
    }
    const mounts = new Set(targets.map((t) => t.mount))
    if (this.settings.mountPoint) mounts.add(this.settings.mountPoint)
    const badMounts = new Set<string>()
    for (const mount of mounts) {
      const check = await this.checkMount(mount, signal)
      const affected = targets.filter((t) => t.mount === mount)
      const report = (severity: 'error' | 'warning', code: ErrorCode, message: string) => {
        if (!affected.length) add(undefined, `${mount}/`, severity, code, message)
        for (const t of affected)
          add(t.entry, t.target, severity, code, `${describeEntry(t.entry)}: ${message}`)
      }
      if (check.status === 'missing') {
        badMounts.add(mount)
        report(
          'error',
          'backend.not-found',
          `there is no secrets engine mounted at ${mount}/; enable one with \`vault secrets enable -path=${mount} -version=${this.settings.kvEngineVersion} kv\` or fix mount_point.`
        )
      } else if (check.status === 'wrong') {
        badMounts.add(mount)
        report(
          'error',
          'usage',
          `${mount}/ is ${check.found}, but kv_engine_version is ${this.settings.kvEngineVersion}: Airflow would find nothing there (apache/airflow#11378). Fix kv_engine_version or the mount.`
        )
      } else if (check.status === 'unknown')
        report(
          'warning',
          'backend.access-denied',
          `could not check the engine mounted at ${mount}/ (${check.reason}); make sure it is KV version ${this.settings.kvEngineVersion}.`
        )
    }
    const live = targets.filter((t) => !badMounts.has(t.mount))

    if (this.settings.kvEngineVersion === 2)
      await mapLimit(live, this.concurrency, async (t) => {
        const op = {
          verb: 'check',
          what: this.describe(t.entry.kind, idOf(t.entry), { mount: t.mount, path: t.path })
        }
        try {
          const state = await this.secretState(t.mount, t.path, op, signal)
          if (state.state === 'deleted' || state.state === 'destroyed')
            add(
              t.entry,
              t.target,
              'warning',
              'backend.not-found',
              `${describeEntry(t.entry)}: the latest version (${state.version}) of ${t.target} is ${state.state === 'deleted' ? 'soft-deleted' : 'destroyed'}, so Airflow finds nothing there today. Writing adds version ${state.version + 1}${state.state === 'deleted' ? `; to restore the old value instead, run \`vault kv undelete -versions=${state.version} ${t.target}\`` : ''}.`
            )
        } catch (error) {
          if (!(error instanceof AirlockError) || error.code === 'backend.unreachable') throw error
          add(t.entry, t.target, 'error', error.code, error.userMessage.replace(`${this.id}: `, ''))
        }
      })

    // The credentials probe: what may this token do at each path? (Writes nothing.)
    const aclPaths = (t: Target) => {
      const v = this.settings.kvEngineVersion
      return v === 1 ? [`${t.mount}/${t.path}`] : [`${t.mount}/data/${t.path}`]
    }
    for (let i = 0; i < live.length; i += 100) {
      const batch = live.slice(i, i + 100)
      const paths = batch.flatMap(aclPaths)
      let answer: Record<string, unknown>
      try {
        answer = (await this.request(
          { verb: 'check the capabilities for', what: `${paths.length} path(s)` },
          (c) => c.write('sys/capabilities-self', { paths }),
          signal
        )) as Record<string, unknown>
      } catch (error) {
        const failure = error instanceof VaultHttpFailure ? error : undefined
        if (!failure || failure.network)
          throw await this.fail({ verb: 'check the capabilities for', what: 'the targets' }, error)
        add(
          undefined,
          '',
          'warning',
          'backend.access-denied',
          `could not ask Vault what this token may do (sys/capabilities-self answered ${failure.status}); the write itself will tell.`
        )
        break
      }
      const data = (answer.data ?? answer) as Record<string, unknown>
      for (const t of batch) {
        const caps = aclPaths(t).flatMap((p) =>
          Array.isArray(data[p]) ? (data[p] as string[]) : []
        )
        if (caps.includes('root')) continue
        const needed = ['create', 'update']
        const missing = needed.filter((c) => !caps.includes(c))
        if (missing.length)
          add(
            t.entry,
            t.target,
            'error',
            'backend.access-denied',
            `${describeEntry(t.entry)}: the token may not ${missing.join(' or ')} ${aclPaths(t).join(', ')} (capabilities: ${caps.join(', ') || 'none'}); grant them in its policy.`
          )
      }
    }
    return problems
  }

  // -------------------------------------------------------------------------------------
  // Reading

  /** The state of one secret (KV v2: live, deleted, destroyed or absent). */
  async secretState(
    mount: string,
    path: string,
    op: Operation = { verb: 'read', what: vaultDisplayPath(mount, path) },
    signal?: AbortSignal
  ): Promise<VaultSecretState> {
    await this.ensureAuth(signal)
    const v = this.settings.kvEngineVersion
    const key = versionKey(mount, path)
    let body: { data?: unknown }
    let text: string | undefined
    try {
      body = (await this.request(
        op,
        async (c, call) => {
          call.keepBody = true // the answer's text: node-vault's JSON.parse loses number forms
          const answer = await c.read(vaultApiPath(v, mount, path))
          text = responseText(call)
          return answer
        },
        signal
      )) as { data?: unknown }
    } catch (error) {
      if (error instanceof VaultHttpFailure && error.status === 404) {
        const meta = (error.body as { data?: { metadata?: unknown } } | undefined)?.data
          ?.metadata as { version?: unknown; destroyed?: unknown } | undefined
        if (v === 2 && meta && typeof meta.version === 'number') {
          this.versions.set(key, meta.version)
          return { state: meta.destroyed === true ? 'destroyed' : 'deleted', version: meta.version }
        }
        if (v === 2) this.versions.set(key, 0)
        return { state: 'absent' }
      }
      throw await this.fail(op, error)
    }
    if (v === 1) {
      const data = body.data
      return isObject(data)
        ? { state: 'live', data, version: null, body: text }
        : { state: 'absent' }
    }
    const inner = body.data as { data?: unknown; metadata?: { version?: unknown } } | undefined
    const version = typeof inner?.metadata?.version === 'number' ? inner.metadata.version : null
    if (version !== null) this.versions.set(key, version)
    return isObject(inner?.data)
      ? { state: 'live', data: inner.data, version, body: text }
      : { state: 'absent' }
  }

  private entryFrom(
    ref: EntryRef,
    lookup: Extract<VaultLookup, { status: 'read' }>,
    data: VaultSecretData
  ): Entry | undefined {
    const source = (fromKey: string) => ({
      backendId: this.id,
      path: lookup.mount,
      fromKey: fromKey
        ? `${vaultDisplayPath(lookup.mount, lookup.path)}#${fromKey}`
        : vaultDisplayPath(lookup.mount, lookup.path)
    })
    const team = lookup.scope === 'team' ? (ref.team ?? null) : undefined
    if (ref.kind === 'connection') {
      const decoded = decodeVaultConnection(data, this.dialect)
      const entry: ConnectionEntry = {
        kind: 'connection',
        id: ref.id,
        fields: decoded.value,
        source: source(decoded.fromKey === 'conn_uri' ? 'conn_uri' : '')
      }
      if (team !== undefined) entry.team = team
      return entry
    }
    const variable = decodeVaultVariable(data)
    if (!variable) return undefined
    const entry: VariableEntry = {
      kind: 'variable',
      key: ref.id,
      value: variable.value,
      description: variable.description,
      source: source('value')
    }
    if (team !== undefined) entry.team = team
    return entry
  }

  /** Walks a folder tree with LIST, one request per folder, collecting secret paths. */
  private async walk(
    mount: string,
    prefix: string,
    out: { mount: string; path: string }[],
    signal?: AbortSignal
  ): Promise<void> {
    const v = this.settings.kvEngineVersion
    const pending = [prefix === '' ? '' : prefix + '/']
    while (pending.length) {
      const folders = pending.splice(0, pending.length)
      await mapLimit(folders, this.concurrency, async (folder) => {
        const apiPath =
          v === 1
            ? `${quotePath(mount)}/${quotePath(folder)}`
            : `${quotePath(mount)}/metadata/${quotePath(folder)}`
        const op = { verb: 'list', what: `${mount}/${folder}` }
        let keys: unknown
        try {
          keys = (
            (await this.request(op, (c) => c.list(apiPath), signal)) as {
              data?: { keys?: unknown }
            }
          ).data?.keys
        } catch (error) {
          if (error instanceof VaultHttpFailure && error.status === 404) return
          throw await this.fail(op, error)
        }
        if (!Array.isArray(keys)) return
        for (const key of keys) {
          if (typeof key !== 'string' || key === '') continue
          if (key.endsWith('/')) pending.push(folder + key)
          else out.push({ mount, path: folder + key })
        }
      })
    }
  }

  /** KV mounts of the configured version (for `mount_point: null`). */
  private async kvMounts(signal?: AbortSignal): Promise<string[]> {
    if (this.listMounts) return [...this.listMounts]
    const op = { verb: 'list the mounts in', what: 'sys/mounts' }
    let body: Record<string, unknown>
    try {
      body = (await this.request(op, (c) => c.mounts(), signal)) as Record<string, unknown>
    } catch (error) {
      const e = await this.fail(op, error)
      if (e.code === 'backend.access-denied')
        throw new AirlockError(
          e.code,
          `${e.userMessage} With mount_point null, name the KV mounts to list in the backend options (mounts).`,
          { cause: e }
        )
      throw e
    }
    const table = (isObject(body.data) ? body.data : body) as Record<string, unknown>
    return Object.entries(table)
      .filter(([, info]) => kvVersionOf(info) === this.settings.kvEngineVersion)
      .map(([name]) => name.replace(/\/+$/, ''))
      .sort()
  }

  // -------------------------------------------------------------------------------------
  // Writing

  private planWrite(entry: Entry): { entry: Entry; mount: string; path: string; target: string } {
    const lookup = vaultWriteLookup(this.settings, entry.kind, idOf(entry), {
      team: entry.team,
      multiTeam: this.multiTeam
    })
    if (lookup.status !== 'read')
      throw new AirlockError(
        'usage',
        `${this.id}: cannot write ${describeEntry(entry)}: ${lookup.reason} Nothing was written.`
      )
    const target = vaultDisplayPath(lookup.mount, lookup.path)
    const bad = vaultPathProblem(lookup.path)
    if (bad)
      throw new AirlockError(
        'codec.invalid',
        `${this.id}: cannot write ${describeEntry(entry)} to ${target}: the path ${bad}. Nothing was written.`
      )
    const size = Buffer.byteLength(JSON.stringify(this.requestBody(entry, 0)))
    if (size > this.maxValueBytes)
      throw new AirlockError(
        'codec.invalid',
        `${this.id}: ${describeEntry(entry)} takes ${size} bytes, over the ${this.maxValueBytes}-byte request limit. Nothing was written.`
      )
    return { entry, mount: lookup.mount, path: lookup.path, target }
  }

  private secretOf(entry: Entry): Record<string, unknown> {
    return entry.kind === 'connection'
      ? encodeVaultConnection(
          entry.fields,
          this.dialect,
          this.shape === 'uri' ? connectionEnvValue(entry.fields, this.dialect) : undefined
        )
      : encodeVaultVariable(entry)
  }

  private requestBody(entry: Entry, cas: number | undefined): unknown {
    const data = this.secretOf(entry)
    if (this.settings.kvEngineVersion === 1) return data
    return { data, options: cas === undefined ? {} : { cas } }
  }

  private async writeOne(
    p: { entry: Entry; mount: string; path: string; target: string },
    signal?: AbortSignal
  ): Promise<void> {
    const v = this.settings.kvEngineVersion
    const what = `${describeEntry(p.entry)} (${p.target})`
    const op = { verb: 'write', what }
    const apiPath = vaultApiPath(v, p.mount, p.path)
    if (v === 1) {
      try {
        await this.request(
          op,
          (c) => c.write(apiPath, this.requestBody(p.entry, undefined)),
          signal
        )
      } catch (error) {
        throw await this.fail(op, error)
      }
      return
    }
    const key = versionKey(p.mount, p.path)
    let cas: number | undefined
    if (this.checkAndSet) {
      cas = this.versions.get(key) ?? (this.listedAbsent(p.mount, p.path) ? 0 : undefined)
      if (cas === undefined) {
        const state = await this.secretState(
          p.mount,
          p.path,
          { verb: 'read the version of', what },
          signal
        )
        cas =
          state.state === 'absent'
            ? 0
            : state.state === 'live'
              ? (state.version ?? 0)
              : state.version
      }
    }
    const body = this.requestBody(p.entry, cas) as { data: Record<string, unknown> }
    try {
      const answer = (await this.request(op, (c) => c.write(apiPath, body), signal)) as {
        data?: { version?: unknown }
      }
      if (typeof answer?.data?.version === 'number') this.versions.set(key, answer.data.version)
    } catch (error) {
      if (
        error instanceof VaultHttpFailure &&
        error.status === 400 &&
        error.errors.some((m) => /check-and-set parameter did not match/i.test(m))
      ) {
        this.versions.delete(key)
        this.listed?.found.add(key) // no longer known to be absent
        if (error.attempts > 1) {
          // A retried write may have landed the first time: then the secret holds our data.
          const now = await this.secretState(p.mount, p.path, { verb: 'check', what }, signal)
          if (now.state === 'live' && sameJson(now.data, body.data)) return
        }
        throw new AirlockError(
          'job.conflict',
          `${this.id}: ${what} changed in Vault since Airlock read it (check-and-set expected version ${cas}); nothing was written for it. Read it again, review, and write again.`,
          { cause: error }
        )
      }
      if (
        error instanceof VaultHttpFailure &&
        error.status === 400 &&
        error.errors.some((m) => /check-and-set parameter required/i.test(m))
      )
        throw new AirlockError(
          'usage',
          `${this.id}: ${p.mount}/ requires check-and-set on every write; turn checkAndSet back on for this backend.`,
          { cause: error }
        )
      throw await this.fail(op, error)
    }
  }

  // -------------------------------------------------------------------------------------
  // Mounts

  /** Whether a mount exists with the configured KV version (cached per backend). */
  checkMount(mount: string, signal?: AbortSignal): Promise<MountCheck> {
    let check = this.mountChecks.get(mount)
    if (!check) {
      check = this.inspectMount(mount, signal)
      this.mountChecks.set(mount, check)
      check.catch(() => this.mountChecks.delete(mount))
    }
    return check
  }

  private async inspectMount(mount: string, signal?: AbortSignal): Promise<MountCheck> {
    await this.ensureAuth(signal)
    const expected = this.settings.kvEngineVersion
    const verdict = (info: unknown): MountCheck => {
      const found = kvVersionOf(info)
      if (found === expected) return { status: 'ok' }
      const type = (info as { type?: unknown } | undefined)?.type
      return {
        status: 'wrong',
        found: found
          ? `KV version ${found}`
          : `a ${typeof type === 'string' ? type : 'non-KV'} engine`
      }
    }
    // What the Vault CLI asks first: any token with access to the path may read it.
    const op = { verb: 'check the mount of', what: `${mount}/` }
    try {
      const body = (await this.request(
        op,
        (c) => c.read(`sys/internal/ui/mounts/${quotePath(mount)}`),
        signal
      )) as {
        data?: unknown
      }
      const info = body.data as { path?: unknown } | undefined
      if (info && typeof info.path === 'string' && info.path.replace(/\/+$/, '') !== mount)
        return { status: 'missing' } // the path lies inside another mount
      return verdict(info)
    } catch (error) {
      if (
        !(error instanceof VaultHttpFailure) ||
        error.network ||
        (error.status !== 403 && error.status !== 404)
      )
        throw await this.fail(op, error)
    }
    try {
      const body = (await this.request(op, (c) => c.mounts(), signal)) as Record<string, unknown>
      const table = (isObject(body.data) ? body.data : body) as Record<string, unknown>
      const info = table[`${mount}/`]
      return info === undefined ? { status: 'missing' } : verdict(info)
    } catch (error) {
      if (error instanceof VaultHttpFailure && error.status === 403)
        return {
          status: 'unknown',
          reason: 'the token may read neither sys/internal/ui/mounts nor sys/mounts'
        }
      throw await this.fail(op, error)
    }
  }

  private async requireMount(mount: string, signal?: AbortSignal): Promise<void> {
    const check = await this.checkMount(mount, signal)
    if (check.status === 'missing')
      throw new AirlockError(
        'backend.not-found',
        `${this.id}: there is no secrets engine mounted at ${mount}/; nothing was written. Enable KV there or fix mount_point.`
      )
    if (check.status === 'wrong')
      throw new AirlockError(
        'usage',
        `${this.id}: ${mount}/ is ${check.found}, but kv_engine_version is ${this.settings.kvEngineVersion}; nothing was written (Airflow would not find it: apache/airflow#11378).`
      )
  }

  // -------------------------------------------------------------------------------------
  // Auth

  private ensureAuth(signal?: AbortSignal): Promise<void> {
    if (!this.authReady) {
      this.authReady = this.authenticate(signal)
      this.authReady.catch(() => (this.authReady = undefined))
    }
    return this.authReady
  }

  private async authenticate(signal?: AbortSignal): Promise<void> {
    if (this.settings.authType === 'approle' || this.settings.authType === 'kubernetes')
      return this.login(signal)
    let token = this.settings.token
    if (this.settings.tokenPath) {
      try {
        token = pyStrip(await readFile(this.settings.tokenPath, 'utf8'))
      } catch (error) {
        throw new AirlockError(
          'backend.auth',
          `${this.id}: cannot read token_path ${this.settings.tokenPath} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
          { cause: error }
        )
      }
    }
    token ??= this.environment.VAULT_TOKEN ?? null
    if (!token)
      throw new AirlockError(
        'backend.auth',
        `${this.id}: no Vault token (token, token_path or VAULT_TOKEN).`
      )
    this.client.token = token
    // Airflow's client checks `is_authenticated()` (token lookup-self) before use.
    if (!(await this.tokenValid(signal, true)))
      throw new AirlockError(
        'backend.auth',
        `${this.id}: Vault at ${this.url} rejected the token (auth/token/lookup-self answered 403); renew it or log in again.`
      )
  }

  /**
   * Logs in with the configured auth method and takes `auth.client_token`, as hvac does:
   * AppRole (`auth/<mount or approle>/login` with role_id and secret_id) or Kubernetes
   * (`auth/<mount or kubernetes>/login` with the role and the service-account JWT, read from
   * `kubernetes_jwt_path` now and stripped, as `_VaultClient._auth_kubernetes` does). The JWT
   * never reaches a message.
   */
  private async login(signal?: AbortSignal): Promise<void> {
    const { method, mount, body, refused } =
      this.settings.authType === 'kubernetes' ? await this.kubernetesLogin() : this.approleLogin()
    const op = { verb: `log in with ${method} at`, what: `auth/${mount}` }
    this.client.token = ''
    let answer: unknown
    try {
      answer = await this.request(op, (c) => c.write(`auth/${mount}/login`, body), signal, {
        reauth: false
      })
    } catch (error) {
      if (error instanceof VaultHttpFailure && (error.status === 400 || error.status === 403))
        throw new AirlockError(
          'backend.auth',
          refused(`auth/${mount}/login`, String(error.errors[0] ?? error.status)),
          { cause: new Error(`Vault answered ${error.status}`) }
        )
      throw await this.fail(op, error)
    }
    const auth = isObject(answer) && isObject(answer.auth) ? answer.auth : undefined
    if (typeof auth?.client_token === 'string') this.client.token = auth.client_token
    if (!this.client.token)
      throw new AirlockError(
        'backend.auth',
        `${this.id}: Vault answered the ${method} login at auth/${mount}/login without auth.client_token.`
      )
    this.tokenCheck = { at: Date.now(), valid: true }
  }

  private approleLogin(): LoginRequest {
    const mount = this.settings.authMountPoint || 'approle'
    const body: Record<string, string> = { role_id: this.settings.roleId ?? '' }
    if (this.settings.secretId !== null) body.secret_id = this.settings.secretId
    return {
      method: 'AppRole',
      mount,
      body,
      refused: (at, why) =>
        `${this.id}: Vault refused the AppRole login at ${at} (${why}); check role_id and secret_id.`
    }
  }

  private async kubernetesLogin(): Promise<LoginRequest> {
    const mount = this.settings.authMountPoint || 'kubernetes'
    const role = this.settings.kubernetesRole ?? ''
    const path = this.settings.kubernetesJwtPath
    let jwt: string
    try {
      jwt = pyStrip(await readFile(path, 'utf8'))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error'
      throw new AirlockError(
        'backend.auth',
        `${this.id}: cannot read the Kubernetes service-account token at kubernetes_jwt_path ${path} (${code === 'ENOENT' ? 'no such file' : code}); run Airlock where that file exists or set kubernetes_jwt_path.`
      )
    }
    if (!jwt)
      throw new AirlockError(
        'backend.auth',
        `${this.id}: the Kubernetes service-account token file ${path} (kubernetes_jwt_path) is empty.`
      )
    return {
      method: 'Kubernetes',
      mount,
      body: { role, jwt },
      refused: (at, why) =>
        `${this.id}: Kubernetes login refused for role ${role} at ${at} (${why}); check the role's bound service account names and namespaces, and kubernetes_jwt_path.`
    }
  }

  /** Whether Vault accepts the current token (`auth/token/lookup-self`); memoised briefly. */
  private async tokenValid(signal?: AbortSignal, fresh = false): Promise<boolean> {
    if (!fresh && this.tokenCheck && Date.now() - this.tokenCheck.at < 5000)
      return this.tokenCheck.valid
    const op = { verb: 'check the token at', what: 'auth/token/lookup-self' }
    let valid: boolean
    try {
      await this.request(op, (c) => c.tokenLookupSelf(), signal, { reauth: false })
      valid = true
    } catch (error) {
      if (!(error instanceof VaultHttpFailure) || error.status !== 403)
        throw await this.fail(op, error)
      valid = false
    }
    this.tokenCheck = { at: Date.now(), valid }
    return valid
  }

  // -------------------------------------------------------------------------------------
  // Requests

  /**
   * Sends one request with the bounded retry: 412/429/5xx and dropped connections are
   * retried with exponential backoff (or after `Retry-After`); an AppRole token refused with
   * 403 is renewed by logging in again, once. Throws a VaultHttpFailure.
   */
  private async request<T>(
    op: Operation,
    send: (client: VaultClient, call: CallContext) => Promise<T>,
    signal?: AbortSignal,
    flags: { reauth?: boolean } = {}
  ): Promise<T> {
    const renew =
      flags.reauth === false ||
      (this.settings.authType !== 'approle' && this.settings.authType !== 'kubernetes')
        ? undefined
        : async () => {
            if (await this.tokenValid(signal, true)) return false
            await this.login(signal)
            return true
          }
    return sendWithRetry(
      { pacer: this.pacer, policy: this.retry, renew },
      (call) => send(this.client, call),
      signal
    )
  }

  private listedAbsent(mount: string, path: string): boolean {
    if (!this.listed || this.listed.found.has(versionKey(mount, path))) return false
    return this.listed.roots.some(
      (r) => r.mount === mount && (r.prefix === '' || path.startsWith(r.prefix + '/'))
    )
  }

  /** The AirlockError for a failed request: what failed, where, and what to do. */
  private fail(op: Operation, error: unknown): Promise<AirlockError> {
    return vaultError(
      { id: this.id, url: this.url, tokenValid: () => this.tokenValid(undefined) },
      op,
      error
    )
  }

  private describe(kind: VaultSecretKind, id: string, at: { mount: string; path: string }): string {
    return `${kind} "${id}" (${vaultDisplayPath(at.mount, at.path)})`
  }
}

/** One login request: its method's name, auth mount, body, and the message when refused. */
interface LoginRequest {
  method: 'AppRole' | 'Kubernetes'
  mount: string
  body: Record<string, string>
  refused: (at: string, why: string) => string
}

/** Whether a mount has the expected KV version. */
export type MountCheck =
  | { status: 'ok' }
  | { status: 'missing' }
  | { status: 'wrong'; found: string }
  | { status: 'unknown'; reason: string }

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** The KV version of a `sys/mounts` entry: `kv` with `options.version` "2" is 2, `kv`/`generic` else 1. */
function kvVersionOf(info: unknown): 1 | 2 | undefined {
  if (!isObject(info)) return undefined
  if (info.type === 'generic') return 1
  if (info.type !== 'kv') return undefined
  const version = isObject(info.options) ? info.options.version : undefined
  return version === '2' || version === 2 ? 2 : 1
}

function versionKey(mount: string, path: string): string {
  return `${mount}\u0000${path}`
}

/** `quote(part, safe='/')`, as hvac sends paths. */
function quotePath(part: string): string {
  return quote(part, '/')
}

function ambiguousRef(a: VaultAmbiguousName): EntryRef {
  const r = a.readsAs.find((x) => x.kind !== 'config') ?? a.readsAs[0]!
  return { kind: r.kind === 'variable' ? 'variable' : 'connection', id: r.id }
}

function describeEntry(entry: Entry): string {
  return `${entry.kind} "${idOf(entry)}"`
}

/**
 * A Vault profile as backend options: the URL, then a token, an AppRole or a Kubernetes login
 * (its role, JWT path and mount are plain backend_kwargs; nothing of it is in the keychain).
 */
export function vaultFromProfile(p: ServiceProfile): VaultBackend {
  const kwargs: Record<string, unknown> = { ...p.backendKwargs }
  if (p.url) kwargs.url = p.url
  if (p.method === 'kubernetes') kwargs.auth_type = 'kubernetes'
  else if (p.method === 'approle') {
    kwargs.auth_type = 'approle'
    if (p.params.role_id) kwargs.role_id = p.params.role_id
    if (p.secrets.secretId) kwargs.secret_id = p.secrets.secretId
  } else if (p.secrets.token) kwargs.token = p.secrets.token
  return new VaultBackend({ id: p.id, backendKwargs: kwargs, dialect: p.dialect })
}
