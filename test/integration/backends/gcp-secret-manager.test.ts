// The GCP Secret Manager backend through the real @google-cloud/secret-manager client (gRPC),
// against the loopback emulator built from the client's own protos.
import { getEventListeners } from 'node:events'
import * as grpc from '@grpc/grpc-js'
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager'
import { Compute, JWT, OAuth2Client, UserRefreshClient } from 'google-auth-library'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  GcpSecretManagerBackend,
  type GcpSecretManagerOptions
} from '../../../src-main/backends/gcp-secret-manager'
import { AirlockError } from '../../../src-main/core/errors'
import {
  connectionEntry,
  variableEntry,
  type ConnectionEntry,
  type Entry,
  type VariableEntry
} from '../../../src-main/core/model'
import {
  abortWhen,
  expectEachCallEndsOnAbort,
  expectNoAbortListenerLeft,
  settle
} from '../../support/abort'
import { backendConformance, SECRET_MARK } from '../../support/backend-conformance'
import {
  startGcpSecretManagerEmulator,
  type GcpSecretManagerEmulator,
  type GcpSecretManagerEmulatorOptions
} from '../../support/emulators/gcp-secret-manager'
import { startGceMetadataServer } from '../../support/emulators/gce-metadata'

// The network guard sets this too: without it google-auth-library probes 169.254.169.254.
process.env.METADATA_SERVER_DETECTION = 'none'

let emulator: GcpSecretManagerEmulator
const open: GcpSecretManagerBackend[] = []

beforeAll(async () => {
  emulator = await startGcpSecretManagerEmulator()
})
afterAll(async () => {
  for (const b of open) await b.close()
  await emulator.stop()
})

function backend(extra: Partial<GcpSecretManagerOptions> = {}): GcpSecretManagerBackend {
  const b = new GcpSecretManagerBackend({
    id: 'gcp-secret-manager:test',
    backendKwargs: { project_id: emulator.projectId },
    clientOptions: {
      ...emulator.address,
      sslCreds: grpc.credentials.createInsecure(),
      authClient: new OAuth2Client(),
      universeDomain: 'googleapis.com'
    },
    retry: { initialDelayMs: 1, maxDelayMs: 4, multiplier: 1.5, maxRetries: 10 },
    concurrency: 16,
    ...extra
  })
  open.push(b)
  return b
}

function fresh(options: GcpSecretManagerEmulatorOptions = {}) {
  emulator.reset()
  emulator.options = {}
  emulator.configure(options)
}

async function caught(p: Promise<unknown>): Promise<AirlockError> {
  try {
    await p
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError)
    const e = error as AirlockError
    expect(e.userMessage).not.toContain(SECRET_MARK)
    return e
  }
  throw new Error('expected a failure')
}

backendConformance('gcp-secret-manager', {
  create: async () => {
    fresh()
    return backend()
  },
  lossy: ['variable.description']
})

describe('gcp-secret-manager backend', () => {
  beforeEach(() => fresh())

  it('names secrets as Airflow does, with annotations and the replication asked for', async () => {
    const b = backend({ replication: { locations: ['europe-west1', 'europe-west4'] } })
    expect(b.id).toBe('gcp-secret-manager:test')
    await b.write([
      connectionEntry('my_db', { conn_type: 'postgres', host: 'db', schema: '', port: 5432 })
    ])
    expect(emulator.versionsOf('airflow-connections-my_db')).toEqual([
      { number: 1, state: 'ENABLED', value: 'postgres://db:5432' }
    ])
    expect(emulator.secretInfo('airflow-connections-my_db')).toEqual({
      replication: {
        userManaged: {
          replicas: [
            expect.objectContaining({ location: 'europe-west1' }),
            expect.objectContaining({ location: 'europe-west4' })
          ]
        },
        replication: 'userManaged'
      },
      annotations: { 'airlock-kind': 'connection', 'airlock-id': 'my_db' }
    })
    const e = (await b.read({ kind: 'connection', id: 'my_db' })) as ConnectionEntry
    expect(e.source).toEqual({
      backendId: 'gcp-secret-manager:test',
      path: 'airflow-connections-my_db',
      fromKey: 'my_db'
    })
    expect(await b.read({ kind: 'connection', id: 'my-db' })).toBeUndefined()

    const bare = backend({
      backendKwargs: { project_id: emulator.projectId, variables_prefix: '' }
    })
    await bare.write([variableEntry('k', 'v')])
    expect(emulator.versionsOf('-k')).toHaveLength(1)
  })

  it('refuses kwargs Airflow refuses and skips kinds whose prefix is null', async () => {
    expect(() =>
      backend({ backendKwargs: { project_id: 'p', connections_prefix: 'not:valid', sep: ':' } })
    ).toThrow(/\^\[a-zA-Z0-9-_\]\*\$/)
    expect(() => backend({ backendKwargs: {} })).toThrow(/project/)
    const b = backend({ backendKwargs: { project_id: emulator.projectId, variables_prefix: null } })
    emulator.seed('airflow-variables-x', ['1'])
    expect(await b.read({ kind: 'variable', id: 'x' })).toBeUndefined()
    expect(emulator.requests.get('AccessSecretVersion')).toBeUndefined()
    expect(await b.list({})).toEqual([])
  })

  it('treats ids the service rejects as not found, without asking, and refuses to write them', async () => {
    const b = backend()
    expect(await b.read({ kind: 'variable', id: 'my.key' })).toBeUndefined()
    expect(emulator.requestCount).toBe(0)
    const e = await caught(b.write([variableEntry('my.key', '1'), variableEntry('ok', '2')]))
    expect(e.code).toBe('codec.invalid')
    expect(e.userMessage).toMatch(/"airflow-variables-my\.key".*Nothing was written/)
    expect(emulator.requestCount).toBe(0)
  })

  it('reads as Airflow: NotFound, PermissionDenied and InvalidArgument are "not found"', async () => {
    const b = backend()
    await b.write([variableEntry('hidden', SECRET_MARK), variableEntry('open', 'o')])
    emulator.configure({
      deny: [{ secrets: 'airflow-variables-hidden', methods: ['AccessSecretVersion'] }]
    })
    expect(await b.read({ kind: 'variable', id: 'hidden' })).toBeUndefined()
    const loaded = await b.load({})
    expect(loaded.entries.map((e) => (e.kind === 'variable' ? e.key : e.id))).toEqual(['open'])
    expect(loaded.problems).toEqual([
      expect.objectContaining({
        code: 'backend.access-denied',
        message: expect.stringMatching(
          /read variable "hidden" \(secret airflow-variables-hidden\) failed \(PERMISSION_DENIED\)/
        )
      })
    ])
    for (const p of loaded.problems) expect(p.message).not.toContain(SECRET_MARK)
    emulator.configure({ deny: [{ secrets: '', methods: ['ListSecrets'] }] })
    expect((await caught(b.list({}))).code).toBe('backend.access-denied')
    emulator.configure({ deny: [{ secrets: 'airflow-variables-', methods: ['AddSecretVersion'] }] })
    const w = await caught(b.write([variableEntry('open', SECRET_MARK)]))
    expect(w.code).toBe('backend.access-denied')
  })

  it('adds versions, optionally disabling the older ones, and reads latest', async () => {
    const b = backend()
    await b.write([variableEntry('v', 'one')])
    await b.write([variableEntry('v', 'two')])
    expect(emulator.versionsOf('airflow-variables-v').map((v) => v.state)).toEqual([
      'ENABLED',
      'ENABLED'
    ])
    const d = backend({ disableOlderVersions: true })
    await d.write([variableEntry('v', 'three')])
    expect(emulator.versionsOf('airflow-variables-v').map((v) => v.state)).toEqual([
      'DISABLED',
      'DISABLED',
      'ENABLED'
    ])
    expect(((await b.read({ kind: 'variable', id: 'v' })) as VariableEntry).value).toBe('three')
  })

  it('reports a disabled latest version as Airflow meets it (an error), and writing fixes it', async () => {
    emulator.seed('airflow-variables-off', ['old', `new ${SECRET_MARK}`], {
      states: ['ENABLED', 'DISABLED']
    })
    const b = backend()
    const e = await caught(b.read({ kind: 'variable', id: 'off' }))
    expect(e.userMessage).toMatch(/FAILED_PRECONDITION.*disabled or destroyed/)
    const problems = await b.preflight([variableEntry('off', 'x')])
    expect(problems.map((p) => [p.check, p.target])).toEqual([
      ['latest-version', 'airflow-variables-off']
    ])
    await b.write([variableEntry('off', 'fixed')])
    expect(((await b.read({ kind: 'variable', id: 'off' })) as VariableEntry).value).toBe('fixed')
  })

  it('round-trips tricky values, checking CRC32C both ways', async () => {
    const b = backend()
    const values = [
      'unicode ✓ é 漢字 🚀',
      'line one\nline two\r\nthree',
      '100% @home /path?#',
      '{"looks": "like json", "n": 1}',
      'x'.repeat(60 * 1024),
      '',
      `  padded ${SECRET_MARK}  `,
      // a leading BOM is kept, as the provider's payload.data.decode("UTF-8") keeps it
      '\ufeffbom'
    ]
    const vars = values.map((v, i) => variableEntry(`v${i}`, v))
    const conns: ConnectionEntry[] = [
      connectionEntry('c_uri', {
        conn_type: 'postgres',
        host: 'db.example.com',
        login: 'us@er',
        password: `p@ss/w:rd?#%+ é ${SECRET_MARK}`,
        schema: 'd/b',
        port: 5432,
        extra: '{"sslmode": "require"}'
      }),
      connectionEntry('c_json', {
        conn_type: 'http',
        host: 'Api.Example.COM',
        description: 'kept only by JSON',
        extra: '{"n": 1, "nested": {"a": [true, null]}, "s": "1"}'
      })
    ]
    // written(): the secret id and payload write stores, said before writing (the same encoder)
    const forms = await Promise.all([...vars, ...conns].map((e) => b.written(e)))
    await b.write([...vars, ...conns])
    expect(emulator.versionsOf('airflow-connections-c_json')[0]!.value).toMatch(/^\{"conn_type"/)
    for (const f of forms) expect(emulator.versionsOf(f.name).at(-1)!.value).toBe(f.text)
    for (const v of vars)
      expect(((await b.read({ kind: 'variable', id: v.key })) as VariableEntry).value).toBe(v.value)
    for (const c of conns) {
      const back = (await b.read({ kind: 'connection', id: c.id })) as ConnectionEntry
      expect({ ...back.fields, extra: JSON.parse(back.fields.extra!) }).toEqual({
        ...c.fields,
        extra: JSON.parse(c.fields.extra!)
      })
    }
    emulator.seed('airflow-variables-binary', [new Uint8Array([0xff, 0xfe, 0x00])])
    expect((await caught(b.read({ kind: 'variable', id: 'binary' }))).code).toBe('codec.parse')
    const big = await caught(b.write([variableEntry('big', 'x'.repeat(70_000))]))
    expect(big.userMessage).toMatch(/70000 bytes/)
  })

  it('lists and loads 2,000 secrets in pages (page size switch)', async () => {
    for (let i = 0; i < 2000; i++) emulator.seed(`airflow-variables-k${i}`, [`v${i}`])
    emulator.configure({ maxPageSize: 100 })
    const b = backend({ pageSize: 250 })
    expect(await b.list({ kinds: ['variable'] })).toHaveLength(2000)
    expect(emulator.requests.get('ListSecrets')).toBe(20)
    emulator.requests.clear()
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(2000)
    expect(emulator.requests.get('AccessSecretVersion')).toBe(2000)
    expect(emulator.requestCount / 2000).toBeLessThanOrEqual(1 + 1 / 100)
    emulator.configure({ maxPageSize: 25_000 })
    emulator.requests.clear()
    await backend({ pageSize: 500 }).list({})
    expect(emulator.requests.get('ListSecrets')).toBe(4)
  })

  it('recovers from RESOURCE_EXHAUSTED, UNAVAILABLE and dropped connections', async () => {
    const b = backend()
    emulator.configure({ throttleRate: 0.2, errorRate: 0.15, dropRate: 0.05, seed: 3 })
    const entries = Array.from({ length: 30 }, (_, i) => variableEntry(`t${i}`, `value ${i}`))
    await b.write(entries)
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(30)
    expect(emulator.events.get('throttled')).toBeGreaterThan(0)
    expect(emulator.events.get('fault')).toBeGreaterThan(0)
    expect(emulator.events.get('dropped')).toBeGreaterThan(0)
  })

  it('paces every attempt, gax retries included: under a quota the pacer sees each call and learns a rate', async () => {
    // gax's retries keep their own budget: a time, as by default, rather than a count.
    const b = backend({ retry: { initialDelayMs: 20, maxDelayMs: 200, totalTimeoutMs: 30_000 } })
    emulator.configure({ rateLimit: { rate: 40 } })
    const entries = Array.from({ length: 60 }, (_, i) => variableEntry(`q${i}`, `value ${i}`))
    await b.write(entries)
    const calls = [...emulator.requests.values()].reduce((a, x) => a + x, 0)
    const stats = b.pacer.stats()
    // Every call the service saw went through the pacer, the throttled ones included.
    expect(stats.sent).toBe(calls)
    expect(stats.throttled).toBe(emulator.events.get('throttled'))
    expect(stats.throttled).toBeGreaterThan(0)
    expect(stats.rate).not.toBeNull()
    emulator.configure({ rateLimit: undefined })
    expect((await b.load({})).entries).toHaveLength(60)
  })

  it("sends a throttled attempt again itself, at the pacer's pace, rather than through gax's backoff", async () => {
    // gax gives up after its first retry here: what succeeds under this much throttling was
    // sent again by the pacing interceptor (up to GCP_THROTTLED_ATTEMPTS), not by gax.
    const b = backend({ retry: { initialDelayMs: 1, maxDelayMs: 2, maxRetries: 1 } })
    emulator.configure({ throttleRate: 0.3, seed: 7 })
    const entries = Array.from({ length: 40 }, (_, i) => variableEntry(`r${i}`, `value ${i}`))
    await b.write(entries)
    const throttled = emulator.events.get('throttled') ?? 0
    expect(throttled).toBeGreaterThan(10)
    expect(b.pacer.stats().throttled).toBe(throttled)
    emulator.configure({ throttleRate: 0 })
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(40)
  })

  it("does not take grpc-js's own RESOURCE_EXHAUSTED for a message too large as the quota's", async () => {
    // The client refuses an answer over its receive limit with RESOURCE_EXHAUSTED ("Received
    // message larger than max"): nothing to pace by, nothing the interceptor sends again.
    await backend().write([variableEntry('big', 'x'.repeat(4_000))])
    const b = backend({
      clientOptions: {
        ...emulator.address,
        sslCreds: grpc.credentials.createInsecure(),
        authClient: new OAuth2Client(),
        universeDomain: 'googleapis.com',
        'grpc.max_receive_message_length': 1_000
      },
      retry: { initialDelayMs: 1, maxDelayMs: 2, maxRetries: 0 }
    })
    await expect(b.read({ kind: 'variable', id: 'big' })).rejects.toThrow()
    expect(b.pacer.stats().throttled).toBe(0)
  })

  it('waits out the latency switch', async () => {
    const b = backend()
    await b.write([variableEntry('slow', '1')])
    emulator.configure({ latencyMs: 40 })
    const start = performance.now()
    expect(await b.read({ kind: 'variable', id: 'slow' })).toBeDefined()
    expect(performance.now() - start).toBeGreaterThanOrEqual(35)
  })

  it('(the emulator) drops a request still delayed when it is reset: a later test keeps its quota, counters and secrets', async () => {
    const b = backend()
    await b.write([variableEntry('slow', 'x')]) // signed in, connected
    emulator.configure({ latencyMs: 300 })
    const reading = b
      .read({ kind: 'variable', id: 'slow' }, AbortSignal.timeout(100))
      .catch(() => undefined)
    await new Promise((r) => setTimeout(r, 150)) // its caller gone, it waits in the emulator
    // the next test: one request allowed
    fresh({ rateLimit: { rate: 1, intervalMs: 60_000 } })
    try {
      emulator.seed('airflow-variables-slow', ['again'])
      await reading
      await new Promise((r) => setTimeout(r, 300)) // the aborted read's delay ends
      const once = backend({ retry: { initialDelayMs: 1, maxDelayMs: 2, maxRetries: 1 } })
      const read = await once.read({ kind: 'variable', id: 'slow' })
      expect((read as VariableEntry).value).toBe('again')
      expect(emulator.requests.get('AccessSecretVersion')).toBe(1)
      expect(emulator.events.get('throttled')).toBeUndefined()
    } finally {
      emulator.configure({ rateLimit: undefined })
    }
  })

  it('gives up with a typed error when throttling outlasts the retries', async () => {
    const b = backend({ retry: { initialDelayMs: 1, maxDelayMs: 2, maxRetries: 2 } })
    emulator.configure({ throttleRate: 1 })
    const e = await caught(b.write([variableEntry('x', SECRET_MARK)]))
    expect(e.code).toBe('backend.unreachable')
    expect(e.userMessage).toMatch(
      /gcp-secret-manager:test: write variable "x" \(secret airflow-variables-x\) failed/
    )
  })

  it('reports team-scoped names in multi-team mode instead of guessing their split', async () => {
    const b = backend({ multiTeam: true })
    await b.write([variableEntry('k', 't', null, 'team_a')])
    expect(emulator.versionsOf('airflow-variables-team_a--k')).toHaveLength(1)
    emulator.seed('airflow-variables-x--y--z', ['?'])
    const listing = await b.scan({})
    expect(listing.refs.map(({ kind, id, team }) => ({ kind, id, team }))).toEqual([
      { kind: 'variable', id: 'k', team: 'team_a' }
    ])
    expect(listing.ambiguous).toEqual([
      {
        secretId: 'airflow-variables-x--y--z',
        kind: 'variable',
        id: 'x--y--z',
        reason: 'team-scoped'
      }
    ])
    expect(await b.read({ kind: 'variable', id: 'x--y' })).toBeUndefined()
  })

  describe('pre-flight', () => {
    it('flags names, collisions and sizes per item, writing nothing', async () => {
      emulator.seed('airflow-variables-taken', ['x'], {
        annotations: { 'airlock-kind': 'variable', 'airlock-id': 'other' }
      })
      const b = backend({
        backendKwargs: {
          project_id: emulator.projectId,
          connections_prefix: 'airflow',
          variables_prefix: 'airflow-v'
        }
      })
      const entries: Entry[] = [
        variableEntry('my.key', '1'),
        connectionEntry('v-x', { conn_type: 'x' }),
        variableEntry('x', '1'),
        variableEntry('big', 'x'.repeat(70_000)),
        connectionEntry('variables-taken', { conn_type: 'x' })
      ]
      const problems = await b.preflight(entries)
      expect(problems.map((p) => [p.check, p.ref?.id, p.target])).toEqual([
        ['name', 'my.key', 'airflow-v-my.key'],
        ['collision', 'x', 'airflow-v-x'],
        ['size', 'big', 'airflow-v-big'],
        ['collision', 'variables-taken', 'airflow-variables-taken']
      ])
      expect(emulator.requests.get('CreateSecret')).toBeUndefined()
      expect(emulator.versionsOf('airflow-variables-taken')).toHaveLength(1)
    })

    it('probes the credentials without writing', async () => {
      fresh({ deny: [{ secrets: 'airflow-variables-', methods: ['AddSecretVersion'] }] })
      const b = backend()
      const problems = await b.preflight([
        variableEntry('v', '1'),
        connectionEntry('c', { conn_type: 'x' })
      ])
      expect(problems).toEqual([
        expect.objectContaining({ ref: null, check: 'credentials', code: 'backend.access-denied' })
      ])
      expect(problems[0]!.target).toMatch(/^airflow-variables-airlock-probe-/)
      expect(emulator.requests.get('CreateSecret')).toBeUndefined()
      emulator.configure({ deny: [{ secrets: '', methods: ['ListSecrets'] }] })
      const denied = await b.preflight([variableEntry('v', '1')])
      expect(denied.map((p) => p.message)).toEqual([
        expect.stringMatching(
          /^gcp-secret-manager:test: probe: list secrets failed \(PERMISSION_DENIED\)/
        )
      ])
    })
  })

  it('stops at the first failed write and says how many were written', async () => {
    emulator.configure({
      deny: [{ secrets: 'airflow-variables-c', methods: ['AddSecretVersion'] }]
    })
    const b = backend({ concurrency: 1 })
    const e = await caught(
      b.write(['a', 'b', 'c', 'd'].map((k) => variableEntry(k, `${k} ${SECRET_MARK}`)))
    )
    expect(e.code).toBe('backend.access-denied')
    expect(e.userMessage).toMatch(/write variable "c" .*2 of 4 entries were written/)
    expect(emulator.versionsOf('airflow-variables-d')).toEqual([])
  })

  it('reports a value that does not parse as a connection, naming the secret', async () => {
    emulator.seed('airflow-connections-broken', [`{"conn_type": "x", "password": "${SECRET_MARK}"`])
    const e = await caught(backend().read({ kind: 'connection', id: 'broken' }))
    expect(e.userMessage).toMatch(/airflow-connections-broken/)
  })

  describe('credentials', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const serviceAccount = {
      type: 'service_account',
      project_id: 'key-project',
      private_key_id: 'k1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      client_email: 'airlock@key-project.iam.gserviceaccount.com',
      client_id: '1',
      token_uri: 'https://oauth2.googleapis.com/token'
    }
    const dir = mkdtempSync(join(tmpdir(), 'airlock-gcp-keys-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
    const keyFile = (name: string, json: unknown) => {
      const path = join(dir, name)
      writeFileSync(path, JSON.stringify(json), { mode: 0o600 })
      return path
    }
    /** The emulator without an auth client of the test's: the kwargs' credentials are used. */
    const withKwargs = (kwargs: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
      const b = new GcpSecretManagerBackend({
        backendKwargs: kwargs,
        clientOptions: {
          ...emulator.address,
          sslCreds: grpc.credentials.createInsecure(),
          ...extra
        },
        retry: { maxRetries: 1 }
      })
      open.push(b)
      return b
    }
    // the auth client the SDK client ended up with (the calls to the loopback emulator carry
    // no credentials: an insecure channel takes none)
    const authOf = async (b: GcpSecretManagerBackend) =>
      (
        await (b as unknown as { sdk(): Promise<SecretManagerServiceClient> }).sdk()
      ).auth.getClient()
    const roundTrip = async (b: GcpSecretManagerBackend) => {
      fresh()
      await b.write([variableEntry('v', 'value')])
      expect(await b.read({ kind: 'variable', id: 'v' })).toMatchObject({ value: 'value' })
    }

    it('a service account key file (gcp_key_path), with gcp_scopes and its project', async () => {
      const b = withKwargs({
        gcp_key_path: keyFile('sa.json', serviceAccount),
        gcp_scopes: 'https://www.googleapis.com/auth/cloud-platform, openid'
      })
      expect(b.naming.projectId).toBe('key-project')
      const auth = await authOf(b)
      expect(auth).toBeInstanceOf(JWT)
      expect(auth).toMatchObject({
        email: serviceAccount.client_email,
        keyId: 'k1',
        scopes: ['https://www.googleapis.com/auth/cloud-platform', 'openid'],
        // what the SDK's GoogleAuth gives a JWT it recognises (self-signed JWTs)
        useJWTAccessWithScope: true
      })
      // the backend was made for key-project; the emulator's project is another
      const c = withKwargs({
        gcp_key_path: keyFile('sa.json', serviceAccount),
        project_id: emulator.projectId
      })
      expect(await authOf(c)).toBeInstanceOf(JWT)
      await roundTrip(c)
    })

    it('a service account key as JSON (gcp_keyfile_dict), text or object', async () => {
      for (const dict of [JSON.stringify(serviceAccount), serviceAccount]) {
        const b = withKwargs({ gcp_keyfile_dict: dict, project_id: emulator.projectId })
        expect(await authOf(b)).toMatchObject({ email: serviceAccount.client_email })
        await roundTrip(b)
      }
    })

    it('a gcloud user key (authorized_user) in a key file, as google-auth reads it', async () => {
      const b = withKwargs({
        project_id: emulator.projectId,
        gcp_key_path: keyFile('user.json', {
          type: 'authorized_user',
          client_id: 'id.apps.googleusercontent.com',
          client_secret: 'client-secret',
          refresh_token: 'refresh-token'
        })
      })
      expect(await authOf(b)).toBeInstanceOf(UserRefreshClient)
      await roundTrip(b)
    })

    it('Application Default Credentials from a metadata server, where one answers', async () => {
      const metadata = await startGceMetadataServer('gce')
      const saved = process.env.METADATA_SERVER_DETECTION
      delete process.env.METADATA_SERVER_DETECTION
      process.env.GCE_METADATA_HOST = metadata.host
      try {
        const b = withKwargs({ project_id: emulator.projectId })
        const auth = await authOf(b)
        expect(auth).toBeInstanceOf(Compute)
        expect((await auth.getAccessToken()).token).toBe(metadata.token)
        expect(metadata.requests).toContain('/computeMetadata/v1/instance')
        await roundTrip(b)
      } finally {
        process.env.METADATA_SERVER_DETECTION = saved
        delete process.env.GCE_METADATA_HOST
        await metadata.stop()
      }
    })
  })
})

describe('gcp-secret-manager: cancelling', () => {
  beforeEach(() => fresh())

  it('an abort ends a call on the wire at once with the abort error, and leaves the emulator to the next test', async () => {
    const b = backend()
    await b.write([variableEntry('slow', 'before')]) // the client loaded, a channel open
    fresh({ latencyMs: 2000 })
    emulator.seed('airflow-variables-slow', ['before'])
    await expectEachCallEndsOnAbort(b, () => emulator.requestCount)
    // an abort says nothing about Secret Manager's load: the pacer keeps its concurrency
    expect(b.pacer.stats().concurrency).toBe(16)
    // the next test: the aborted calls are dropped, the same backend works on
    fresh()
    emulator.seed('airflow-variables-slow', ['again'])
    expect(await b.read({ kind: 'variable', id: 'slow' })).toMatchObject({ value: 'again' })
    await new Promise((r) => setTimeout(r, 2100)) // past the aborted calls' latency
    expect(await b.read({ kind: 'variable', id: 'slow' })).toMatchObject({ value: 'again' })
    expect(emulator.versionsOf('airflow-variables-slow')).toHaveLength(1)
    expect(emulator.requestCount).toBe(2)
  }, 15_000)

  it("an abort ends gax's wait before a retry at once", async () => {
    const b = backend({ retry: { initialDelayMs: 5000, maxDelayMs: 5000, maxRetries: 3 } })
    await b.write([variableEntry('warm', 'x')])
    fresh({ errorRate: 1 })
    const aborting = new AbortController()
    const calling = settle(b.write([variableEntry('retried', 'x')], aborting.signal))
    const abortedAt = await abortWhen(aborting, () => (emulator.events.get('fault') ?? 0) > 0)
    const { error, at } = await calling
    expect((error as Error).name).toBe('AbortError')
    expect(at - abortedAt).toBeLessThan(500) // not the rest of gax's 5 s backoff
    await new Promise((r) => setTimeout(r, 50))
    expect(emulator.events.get('fault')).toBe(1) // nothing sent after the abort
    expect(getEventListeners(aborting.signal, 'abort')).toHaveLength(0)
  })

  it('an abort ends the wait for a slot of the pacer at once', async () => {
    const b = backend({ concurrency: 1 })
    await b.write([variableEntry('held', 'x'), variableEntry('queued', 'x')])
    fresh({ latencyMs: 1500 })
    emulator.seed('airflow-variables-held', ['x'])
    const holding = b.read({ kind: 'variable', id: 'held' }) // the one slot, for 1.5 s
    const aborting = new AbortController()
    const calling = settle(b.read({ kind: 'variable', id: 'queued' }, aborting.signal))
    const abortedAt = await abortWhen(aborting, () => emulator.requestCount > 0, { afterMs: 100 })
    const { error, at } = await calling
    expect((error as Error).name).toBe('AbortError')
    expect(at - abortedAt).toBeLessThan(500) // not until the slot is free
    expect(await holding).toMatchObject({ value: 'x' })
    await new Promise((r) => setTimeout(r, 50))
    expect(emulator.requestCount).toBe(1) // the aborted call never went out
    expect(getEventListeners(aborting.signal, 'abort')).toHaveLength(0)
  }, 10_000)

  it('leaves no abort listener behind on a signal that many calls went through', async () => {
    await expectNoAbortListenerLeft(backend({ concurrency: 8 }))
  })
})
