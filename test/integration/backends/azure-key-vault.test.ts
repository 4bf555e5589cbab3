// The Azure Key Vault backend through the real @azure/keyvault-secrets SecretClient and
// @azure/identity ClientSecretCredential, against the loopback emulator (HTTPS, challenge,
// token endpoint).
import { getEventListeners } from 'node:events'
import { ClientSecretCredential } from '@azure/identity'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  AzureKeyVaultBackend,
  type AzureKeyVaultOptions
} from '../../../src-main/backends/azure-key-vault'
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
  startAzureKeyVaultEmulator,
  type AzureKeyVaultEmulator,
  type AzureKeyVaultEmulatorOptions
} from '../../support/emulators/azure-key-vault'

let emulator: AzureKeyVaultEmulator
const BASE: AzureKeyVaultEmulatorOptions = {}

beforeAll(async () => {
  emulator = await startAzureKeyVaultEmulator(BASE)
})
afterAll(async () => {
  await emulator.stop()
})

function credential(secret = emulator.clientSecret) {
  return new ClientSecretCredential(emulator.tenantId, emulator.clientId, secret, {
    authorityHost: emulator.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: emulator.ca }
  })
}

function backend(extra: Partial<AzureKeyVaultOptions> = {}): AzureKeyVaultBackend {
  return new AzureKeyVaultBackend({
    id: 'azure-key-vault:test',
    backendKwargs: { vault_url: emulator.vaultUrl },
    credential: credential(),
    clientOptions: {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: emulator.ca },
      retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 4, maxRetries: 8 }
    },
    pollIntervalMs: 5,
    concurrency: 16,
    ...extra
  })
}

function fresh(options: AzureKeyVaultEmulatorOptions = {}) {
  emulator.reset()
  emulator.options = { ...BASE }
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

backendConformance('azure-key-vault', {
  create: async () => {
    fresh()
    return backend()
  },
  lossy: ['variable.description'],
  caseSensitiveIds: false
})

describe('azure-key-vault backend', () => {
  beforeEach(() => fresh())

  it('authenticates through the challenge and the token endpoint, from backend_kwargs too', async () => {
    const b = new AzureKeyVaultBackend({
      backendKwargs: {
        vault_url: emulator.vaultUrl,
        tenant_id: emulator.tenantId,
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret
      },
      credentialOptions: {
        authorityHost: emulator.authorityHost,
        disableInstanceDiscovery: true,
        tlsOptions: { ca: emulator.ca }
      },
      clientOptions: { disableChallengeResourceVerification: true, tlsOptions: { ca: emulator.ca } }
    })
    expect(b.id).toBe(`azure-key-vault:127.0.0.1:${new URL(emulator.vaultUrl).port}`)
    await b.write([variableEntry('hello', 'world')])
    expect(emulator.valueOf('airflow-variables-hello')).toBe('world')
    expect(emulator.events.get('challenge')).toBeGreaterThanOrEqual(1)
    expect(emulator.events.get('token')).toBeGreaterThanOrEqual(1)
  })

  it('names secrets as Airflow does and reads them by either id', async () => {
    const b = backend()
    await b.write([
      connectionEntry('my_db', { conn_type: 'postgres', host: 'db', schema: '', port: 5432 })
    ])
    expect(emulator.valueOf('airflow-connections-my-db')).toBe('postgres://db:5432')
    for (const id of ['my_db', 'my-db', 'MY_DB']) {
      const e = (await b.read({ kind: 'connection', id })) as ConnectionEntry
      expect(e.id).toBe(id)
      expect(e.fields.host).toBe('db')
      expect(e.source).toEqual({
        backendId: 'azure-key-vault:test',
        path: 'airflow-connections-my-db',
        fromKey: id
      })
    }
    expect(await b.list({})).toEqual([{ kind: 'connection', id: 'my_db' }])
  })

  it('reports untagged names that several ids map to, and still reads them by either id', async () => {
    emulator.seed('airflow-connections-other-db', 'mysql://h/x')
    emulator.seed('airflow-variables-plain', 'p')
    emulator.seed('airflow-variables-teama--k', 't')
    emulator.seed('unrelated-secret', 'u')
    const b = backend()
    const listing = await b.scan({})
    expect(listing.refs.map((r) => `${r.kind}:${r.id}`)).toEqual(['variable:plain'])
    expect(listing.ambiguous).toEqual([
      {
        name: 'airflow-connections-other-db',
        kind: 'connection',
        ids: ['other-db', 'other_db'],
        reason: 'separator'
      },
      {
        name: 'airflow-variables-teama--k',
        kind: 'variable',
        ids: ['teama--k', 'teama-_k', 'teama_-k', 'teama__k'],
        reason: 'team-scoped'
      }
    ])
    const loaded = await b.load({})
    expect(loaded.entries.map((e) => (e.kind === 'variable' ? e.key : e.id))).toEqual(['plain'])
    expect(loaded.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/airflow-connections-other-db .*conn_id "other-db" or "other_db"/),
      expect.stringMatching(/team-scoped/)
    ])
    for (const id of ['other_db', 'other-db'])
      expect(((await b.read({ kind: 'connection', id })) as ConnectionEntry).fields.host).toBe('h')
  })

  it('writes team entries under the team-scoped name and lists them back', async () => {
    const b = backend()
    await b.write([
      connectionEntry('my_db', { conn_type: 'http', host: 'h', schema: '' }, 'team_a')
    ])
    expect(emulator.valueOf('airflow-connections-team-a--my-db')).toBe('http://h')
    expect(await b.list({})).toEqual([{ kind: 'connection', id: 'my_db', team: 'team_a' }])
    expect(await b.read({ kind: 'connection', id: 'my_db' })).toBeUndefined()
  })

  it('skips a kind whose prefix is null, asking nothing', async () => {
    const b = backend({ backendKwargs: { vault_url: emulator.vaultUrl, variables_prefix: null } })
    emulator.seed('airflow-variables-x', '1')
    expect(await b.read({ kind: 'variable', id: 'x' })).toBeUndefined()
    expect(emulator.requests.get('get')).toBeUndefined()
    expect(await b.list({})).toEqual([])
    const e = await caught(b.write([variableEntry('x', '1')]))
    expect(e.code).toBe('usage')
  })

  it('21: reads an id whose name Key Vault cannot hold as not found, asking nothing, as the newest provider does', async () => {
    const b = backend()
    const before = emulator.requests.get('get') ?? 0
    expect(await b.read({ kind: 'connection', id: 'my.db' })).toBeUndefined()
    expect(emulator.requests.get('get') ?? 0).toBe(before)
  })

  it('round-trips tricky values', async () => {
    const b = backend()
    const values = [
      'unicode ✓ é 漢字 🚀',
      'line one\nline two\r\nthree',
      '100% @home /path?#',
      '{"looks": "like json", "n": 1}',
      '[1, 2, 3]',
      'x'.repeat(24 * 1024),
      '',
      `  padded ${SECRET_MARK}  `
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
    // written(): the name and the text write stores, said before writing (the same encoder)
    const forms = await Promise.all(conns.map((c) => b.written(c)))
    expect(forms.map((f) => [f.name, f.format])).toEqual([
      ['airflow-connections-c-uri', 'uri'],
      ['airflow-connections-c-json', 'json']
    ])
    expect(emulator.valueOf('airflow-connections-c-uri')).toBeUndefined()
    await b.write([...vars, ...conns])
    expect(emulator.valueOf('airflow-connections-c-uri')).toMatch(/^postgres:\/\//)
    expect(emulator.valueOf('airflow-connections-c-json')).toMatch(/^\{"conn_type": "http"/)
    for (const f of forms) expect(emulator.valueOf(f.name)).toBe(f.text)
    for (const v of vars)
      expect(((await b.read({ kind: 'variable', id: v.key })) as VariableEntry).value).toBe(v.value)
    for (const c of conns) {
      const back = (await b.read({ kind: 'connection', id: c.id })) as ConnectionEntry
      expect({ ...back.fields, extra: JSON.parse(back.fields.extra!) }).toEqual({
        ...c.fields,
        extra: JSON.parse(c.fields.extra!)
      })
    }
  })

  it('chooses URI or JSON per dialect (JSON-looking string extras under Airflow 3)', async () => {
    const c = connectionEntry('typed', {
      conn_type: 'http',
      host: 'h',
      schema: '',
      extra: '{"timeout": "1"}'
    })
    await backend({ dialect: 'airflow2' }).write([c])
    expect(emulator.valueOf('airflow-connections-typed')).toBe('http://h/?timeout=1')
    await backend({ dialect: 'airflow3' }).write([c])
    expect(emulator.valueOf('airflow-connections-typed')).toMatch(/^\{/)
  })

  it('lists and loads 2,000 secrets within the page bound (25 per list request)', async () => {
    for (let i = 0; i < 2000; i++) emulator.seed(`airflow-variables-k${i}`, `v${i}`)
    const b = backend()
    const refs = await b.list({ kinds: ['variable'] })
    expect(refs).toHaveLength(2000)
    expect(emulator.requests.get('list')).toBe(80)
    emulator.requests.clear()
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(2000)
    expect(emulator.requests.get('list')).toBe(80)
    expect(emulator.requests.get('get')).toBe(2000)
    expect(emulator.requestCount / 2000).toBeLessThanOrEqual(1 + 1 / 25)
  })

  it('recovers from throttling (429 + Retry-After), 5xx and dropped connections', async () => {
    const b = backend()
    emulator.configure({
      throttleRate: 0.25,
      retryAfterSeconds: 0,
      errorRate: 0.15,
      dropRate: 0.1,
      seed: 7
    })
    const entries = Array.from({ length: 40 }, (_, i) => variableEntry(`t${i}`, `value ${i}`))
    await b.write(entries)
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(40)
    expect(emulator.events.get('throttled')).toBeGreaterThan(0)
    expect(emulator.events.get('fault')).toBeGreaterThan(0)
    expect(emulator.events.get('dropped')).toBeGreaterThan(0)
    // Every attempt went through the store's pacer, which saw each throttling answer.
    expect(b.pacer.stats().throttled).toBe(emulator.events.get('throttled'))
    expect(b.pacer.stats().overloaded).toBeGreaterThan(0)
  })

  it('holds the other requests of the store while a Retry-After runs', async () => {
    const b = backend()
    await b.write([variableEntry('warm', '1')])
    emulator.configure({ throttleRate: 1, retryAfterSeconds: 1, seed: 3 })
    setTimeout(() => emulator.configure({ throttleRate: 0 }), 100)
    const start = performance.now()
    await b.write(Array.from({ length: 8 }, (_, i) => variableEntry(`held${i}`, `v${i}`)))
    // One round of throttled attempts, then nobody sends until the second has passed.
    expect(performance.now() - start).toBeGreaterThanOrEqual(950)
    expect(b.pacer.stats().pausedMs).toBeGreaterThanOrEqual(950)
    expect(emulator.events.get('throttled')).toBeLessThanOrEqual(8)
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
    fresh({ rateLimit: { rate: 1, intervalMs: 60_000 }, retryAfterSeconds: null })
    try {
      emulator.seed('airflow-variables-slow', 'again')
      await reading
      await new Promise((r) => setTimeout(r, 300)) // the aborted read's delay ends
      const read = await backend().read({ kind: 'variable', id: 'slow' })
      expect((read as VariableEntry).value).toBe('again')
      expect(emulator.requests.get('get')).toBe(1)
      expect(emulator.events.get('throttled')).toBeUndefined()
    } finally {
      emulator.configure({ rateLimit: undefined })
    }
  })

  it('reports throttling without Retry-After as a typed error', async () => {
    const b = backend()
    emulator.configure({ throttleRate: 1, retryAfterSeconds: null })
    const e = await caught(b.read({ kind: 'variable', id: 'x' }))
    expect(e.code).toBe('backend.unreachable')
    expect(e.userMessage).toMatch(
      /azure-key-vault:test: read variable "x" \(secret airflow-variables-x\) failed \(HTTP 429/
    )
  })

  describe('soft delete', () => {
    it('detects a soft-deleted name, refuses to write over it, and recovers it', async () => {
      const b = backend()
      await b.write([variableEntry('old', `first ${SECRET_MARK}`)])
      await b.remove([{ kind: 'variable', id: 'old' }])
      expect(emulator.isDeleted('airflow-variables-old')).toBe(true)
      expect(await b.read({ kind: 'variable', id: 'old' })).toBeUndefined()
      const e = await caught(b.write([variableEntry('old', `second ${SECRET_MARK}`)]))
      expect(e.code).toBe('job.conflict')
      expect(e.userMessage).toMatch(/soft-deleted: recover it \(recoverDeleted\) or purge it/)
      const problems = await b.preflight([variableEntry('old', 'x')])
      expect(problems.map((p) => [p.check, p.target])).toEqual([
        ['soft-deleted', 'airflow-variables-old']
      ])
      expect(await b.recoverDeleted([{ kind: 'variable', id: 'old' }])).toEqual([
        'airflow-variables-old'
      ])
      expect(((await b.read({ kind: 'variable', id: 'old' })) as VariableEntry).value).toBe(
        `first ${SECRET_MARK}`
      )
    })

    it('deletes for good in a vault without soft delete', async () => {
      fresh({ softDelete: false })
      const b = backend()
      await b.write([variableEntry('gone', '1')])
      await b.remove([{ kind: 'variable', id: 'gone' }])
      expect(emulator.isDeleted('airflow-variables-gone')).toBe(false)
      expect(await b.preflight([variableEntry('gone', '2')])).toEqual([])
      await b.write([variableEntry('gone', '2')])
    })

    it('purges only where purge protection allows it', async () => {
      fresh({ purgeProtection: true })
      const b = backend()
      await b.write([variableEntry('p', '1')])
      await b.remove([{ kind: 'variable', id: 'p' }])
      const e = await caught(b.purgeDeleted([{ kind: 'variable', id: 'p' }]))
      expect(e.code).toBe('backend.access-denied')
      emulator.configure({ purgeProtection: false })
      expect(await b.purgeDeleted([{ kind: 'variable', id: 'p' }])).toEqual(['airflow-variables-p'])
      await b.write([variableEntry('p', '2')])
      const purging = backend({ purgeOnRemove: true })
      await purging.remove([{ kind: 'variable', id: 'p' }])
      expect(emulator.isDeleted('airflow-variables-p')).toBe(false)
      await purging.write([variableEntry('p', '3')])
    })
  })

  describe('pre-flight', () => {
    it('flags names, collisions, sizes and disabled kinds, per item, writing nothing', async () => {
      emulator.seed('airflow-variables-taken', 'x', {
        'airlock-kind': 'variable',
        'airlock-id': 'Taken'
      })
      const b = backend({ backendKwargs: { vault_url: emulator.vaultUrl, config_prefix: null } })
      const entries: Entry[] = [
        connectionEntry('my.db', { conn_type: 'x' }),
        connectionEntry('a_b', { conn_type: 'x' }),
        connectionEntry('A-b', { conn_type: 'x' }),
        variableEntry('big', 'x'.repeat(30_000)),
        variableEntry('taken', '1'),
        variableEntry('fine', '1')
      ]
      const before = emulator.requestCount
      const problems = await b.preflight(entries)
      expect(problems.map((p) => [p.check, p.ref?.id, p.target])).toEqual([
        ['name', 'my.db', 'airflow-connections-my.db'],
        ['collision', 'A-b', 'airflow-connections-A-b'],
        ['size', 'big', 'airflow-variables-big'],
        ['collision', 'taken', 'airflow-variables-taken']
      ])
      for (const p of problems) expect(p.message).toMatch(/"[^"]+"/)
      expect(emulator.requests.get('set')).toBeUndefined()
      expect(emulator.requestCount).toBeGreaterThan(before)
      const e = await caught(b.write(entries.slice(1, 3)))
      expect(e.code).toBe('job.conflict')
      expect(emulator.requests.get('set')).toBeUndefined()
    })

    it('probes the credential without writing: list and set per prefix', async () => {
      fresh({ deny: [{ names: 'airflow-variables-', operations: ['update', 'set'] }] })
      const b = backend()
      const problems = await b.preflight([
        variableEntry('v', '1'),
        connectionEntry('c', { conn_type: 'x' })
      ])
      expect(problems).toEqual([
        expect.objectContaining({ ref: null, check: 'credentials', code: 'backend.access-denied' })
      ])
      expect(problems[0]!.target).toMatch(/^airflow-variables-airlock-probe-/)
      expect(emulator.requests.get('set')).toBeUndefined()
      emulator.configure({ deny: [{ names: /.*/, operations: ['list'] }] })
      const denied = await b.preflight([variableEntry('v', '1')])
      expect(denied.map((p) => p.message)).toEqual([
        expect.stringMatching(/probe: list secrets failed \(HTTP 403/)
      ])
    })
  })

  describe('errors', () => {
    it('types a refused credential, denied access and disabled secrets; refuses to write invalid names', async () => {
      const bad = backend({ credential: credential('wrong') })
      const auth = await caught(bad.read({ kind: 'variable', id: 'x' }))
      expect(auth.code).toBe('backend.auth')

      emulator.configure({ deny: [{ names: 'airflow-connections-secret', operations: ['get'] }] })
      const b = backend()
      await b.write([connectionEntry('secret_db', { conn_type: 'x', password: SECRET_MARK })])
      const denied = await caught(b.read({ kind: 'connection', id: 'secret_db' }))
      expect(denied.code).toBe('backend.access-denied')
      expect(denied.userMessage).toMatch(/azure-key-vault:test: read connection "secret_db"/)
      const loaded = await b.load({})
      expect(loaded.problems.map((p) => p.code)).toEqual(['backend.access-denied'])
      for (const p of loaded.problems) expect(p.message).not.toContain(SECRET_MARK)

      await b.write([variableEntry('off', SECRET_MARK)])
      emulator.setEnabled('airflow-variables-off', false)
      const disabled = await caught(b.read({ kind: 'variable', id: 'off' }))
      expect(disabled.userMessage).toMatch(/disabled/)

      // an invalid name is not found (the newest provider skips it); writing it is refused
      expect(await b.read({ kind: 'variable', id: 'a.b' })).toBeUndefined()
      const invalid = await caught(b.write([variableEntry('a.b', '1')]))
      expect(invalid.userMessage).toMatch(/Key Vault rejects/)
    })

    it('stops at the first failed write and says how many were written', async () => {
      emulator.configure({ deny: [{ names: 'airflow-variables-c', operations: ['set'] }] })
      const b = backend({ concurrency: 1 })
      const e = await caught(
        b.write(['a', 'b', 'c', 'd'].map((k) => variableEntry(k, `${k} ${SECRET_MARK}`)))
      )
      expect(e.code).toBe('backend.access-denied')
      expect(e.userMessage).toMatch(/write variable "c" .*2 of 4 entries were written/)
      expect(emulator.valueOf('airflow-variables-d')).toBeUndefined()
    })

    it('reports a value that does not parse as a connection, naming the secret', async () => {
      emulator.seed('airflow-connections-broken', `{"conn_type": "x", "password": "${SECRET_MARK}"`)
      const e = await caught(backend().read({ kind: 'connection', id: 'broken' }))
      expect(e.userMessage).toMatch(/airflow-connections-broken/)
    })
  })
})

describe('azure-key-vault: cancelling', () => {
  beforeEach(() => fresh())

  it('an abort ends a request on the wire at once with the abort error, and leaves the emulator to the next test', async () => {
    const b = backend()
    await b.write([variableEntry('slow', 'before')]) // token fetched, a connection open
    fresh({ latencyMs: 2000 })
    emulator.seed('airflow-variables-slow', 'before')
    await expectEachCallEndsOnAbort(b, () => emulator.arrivals)
    // an abort says nothing about Key Vault's load: the pacer keeps its concurrency
    expect(b.pacer.stats().concurrency).toBe(16)
    // the next test: the aborted requests are dropped, the same backend works on
    fresh()
    emulator.seed('airflow-variables-slow', 'again')
    expect(await b.read({ kind: 'variable', id: 'slow' })).toMatchObject({ value: 'again' })
    await new Promise((r) => setTimeout(r, 2100)) // past the aborted requests' latency
    expect(await b.read({ kind: 'variable', id: 'slow' })).toMatchObject({ value: 'again' })
    expect(emulator.requestCount).toBe(2)
  }, 15_000)

  it('an abort ends the wait for a Retry-After at once', async () => {
    const b = backend()
    fresh({ throttleRate: 1, retryAfterSeconds: 5 })
    const aborting = new AbortController()
    const calling = settle(b.write([variableEntry('paused', 'x')], aborting.signal))
    const abortedAt = await abortWhen(aborting, () => (emulator.events.get('throttled') ?? 0) > 0)
    const { error, at } = await calling
    expect((error as Error).name).toBe('AbortError')
    expect(at - abortedAt).toBeLessThan(500) // not the rest of the 5 s Key Vault asked for
    expect(emulator.events.get('throttled')).toBe(1) // nothing sent after the abort
    expect(getEventListeners(aborting.signal, 'abort')).toHaveLength(0)
  })

  it("an abort ends the wait between the delete poller's polls at once", async () => {
    const b = backend({ pollIntervalMs: 5000 })
    await b.write([variableEntry('going', 'x')])
    fresh({ deletingMs: 60_000 })
    emulator.seed('airflow-variables-going', 'x')
    const aborting = new AbortController()
    const calling = settle(b.remove([{ kind: 'variable', id: 'going' }], aborting.signal))
    const polls = () => emulator.requests.get('get-deleted') ?? 0
    // polled (404: still deleting), and 200 ms into the 5 s the poller then sleeps
    const abortedAt = await abortWhen(aborting, () => polls() > 0, { afterMs: 200 })
    const polled = polls()
    const { error, at } = await calling
    expect((error as Error).name).toBe('AbortError')
    expect(at - abortedAt).toBeLessThan(500) // not the rest of the 5 s between polls
    expect(getEventListeners(aborting.signal, 'abort')).toHaveLength(0)
    await new Promise((r) => setTimeout(r, 50))
    expect(polls()).toBe(polled) // the poller polls no more
  })

  it('leaves no abort listener behind on a signal that many requests went through', async () => {
    await expectNoAbortListenerLeft(backend({ concurrency: 8 }))
  })
})
