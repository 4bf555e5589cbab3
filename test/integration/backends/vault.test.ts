// VaultBackend through node-vault against the loopback Vault emulator (test/support/emulators/vault.ts).
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { VaultBackend, type VaultOptions } from '../../../src-main/backends/vault'
import { parseRetryAfter } from '../../../src-main/backends/vault-failures'
import { serializeConnectionUri } from '../../../src-main/core/codecs/connection-uri'
import { AirlockError } from '../../../src-main/core/errors'
import {
  connectionEntry,
  variableEntry,
  type ConnectionEntry,
  type Entry,
  type VariableEntry
} from '../../../src-main/core/model'
import {
  decodeVaultConnection,
  VAULT_AUTH_TYPES
} from '../../../src-main/core/airflow-secrets/vault'
import { decodeStored } from '../../../src-main/core/airflow-secrets'
import { pyJsonLoads, type PyDict } from '../../../src-main/core/codecs/py-json'
import { expectEachCallEndsOnAbort, expectNoAbortListenerLeft } from '../../support/abort'
import { backendConformance, SECRET_MARK } from '../../support/backend-conformance'
import { startVaultEmulator, type VaultEmulator } from '../../support/emulators/vault'
import { runPython } from '../../support/python'
import { tempDir } from '../../support/temp-dir'

const APPROLE = { roleId: 'airflow-role', secretId: 'airflow-secret-id' }
/** A service-account JWT as the kubelet mounts it (the file ends in a newline here). */
const K8S_JWT =
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YWlyZmxvdzphaXJmbG93In0.k8s-sig-XYZ'
let jwtDir: string
let vault: VaultEmulator
let mountSeq = 0
const opened: VaultBackend[] = []
const sleeps: number[] = []
const fastRetry = {
  attempts: 6,
  baseDelayMs: 1,
  maxDelayMs: 5,
  sleep: async (ms: number) => {
    sleeps.push(ms)
  }
}

beforeAll(async () => {
  jwtDir = tempDir('airlock-k8s-')
  await writeFile(join(jwtDir, 'token'), `${K8S_JWT}\n`)
  await writeFile(join(jwtDir, 'other-token'), 'eyJ.not-this-cluster.sig\n')
  await writeFile(join(jwtDir, 'empty'), '')
  vault = await startVaultEmulator({
    mounts: { secret: { version: 2 }, locked: { version: 2 } },
    namespaces: { 'team-a': {} },
    approles: [
      APPROLE,
      { mount: 'airflow-approle', roleId: 'other-role', secretId: 'other-secret' },
      { roleId: 'short-lived', secretId: 's', tokenUses: 3 }
    ],
    kubernetesRoles: [
      { role: 'airflow', jwt: K8S_JWT },
      { mount: 'k8s-prod', role: 'airflow-prod', jwt: K8S_JWT, tokenUses: 3 }
    ],
    deny: [
      { path: 'locked/data/connections/locked', operations: ['read', 'create', 'update'] },
      { path: 'locked/data/variables/readonly', operations: ['create', 'update'] }
    ]
  })
})
afterAll(async () => {
  await vault.close()
  await rm(jwtDir, { recursive: true, force: true })
})
afterEach(async () => {
  for (const b of opened.splice(0)) await b.close()
})

function freshMount(version: 1 | 2 = 2, extra: { casRequired?: boolean } = {}, namespace?: string) {
  const name = `kv${++mountSeq}`
  vault.addMount(name, { version, ...extra }, namespace)
  return name
}

function backend(
  kwargs: Record<string, unknown> = {},
  options: Partial<VaultOptions> = {},
  emulator: VaultEmulator = vault
): VaultBackend {
  const b = new VaultBackend({
    id: 'vault:test',
    backendKwargs: { url: emulator.url, token: emulator.rootToken, ...kwargs },
    retry: fastRetry,
    ...options
  })
  opened.push(b)
  return b
}

const requestsSince = (mark: number) => vault.requests.slice(mark)

async function thrown(promise: Promise<unknown>): Promise<AirlockError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError)
    return error as AirlockError
  }
  throw new Error('expected a rejection')
}

/** Everything an error shows or carries, cause chain included. */
const everything = (error: unknown) => inspect(error, { depth: 20, showHidden: true })

backendConformance('vault KV v2', {
  create: async () => backend({ mount_point: freshMount(2) })
})
backendConformance('vault KV v1', {
  create: async () => backend({ mount_point: freshMount(1), kv_engine_version: 1 })
})
backendConformance('vault KV v2, conn_uri shape', {
  create: async () => backend({ mount_point: freshMount(2) }, { connectionShape: 'uri' })
})
backendConformance('vault KV v2 in a namespace, AppRole', {
  create: async () =>
    backend({
      mount_point: freshMount(2, {}, 'team-a'),
      namespace: 'team-a',
      auth_type: 'approle',
      token: undefined,
      role_id: APPROLE.roleId,
      secret_id: APPROLE.secretId
    })
})

describe('vault: reading as Airflow reads', () => {
  it('reads the field map like test_get_connection (port text, postgresql, extra text)', async () => {
    const mount = freshMount()
    vault.put(mount, 'connections/test_postgres', {
      conn_type: 'postgresql',
      login: 'airflow',
      password: 'airflow',
      host: 'host',
      port: '5432',
      schema: 'airflow',
      extra: '{"foo":"bar","baz":"taz"}'
    })
    const mark = vault.requests.length
    const c = (await backend({ mount_point: mount }).read({
      kind: 'connection',
      id: 'test_postgres'
    })) as ConnectionEntry
    expect(serializeConnectionUri(c.fields, 'task-sdk')).toBe(
      'postgres://airflow:airflow@host:5432/airflow?foo=bar&baz=taz'
    )
    expect(c.fields.extra).toBe('{"foo":"bar","baz":"taz"}')
    expect(c.source).toEqual({
      backendId: 'vault:test',
      path: mount,
      fromKey: `${mount}/connections/test_postgres`
    })
    expect(requestsSince(mark).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET auth/token/lookup-self',
      `GET ${mount}/data/connections/test_postgres`
    ])
  })

  it('prefers a non-empty conn_uri (a URI or connection JSON) and ignores the other keys', async () => {
    const mount = freshMount()
    vault.put(mount, 'connections/uri', {
      conn_uri: 'postgresql://user:pass@host:5432/db',
      host: 'ignored'
    })
    vault.put(mount, 'connections/json', { conn_uri: ' {"conn_type": "http", "host": "h"}' })
    const b = backend({ mount_point: mount })
    const uri = (await b.read({ kind: 'connection', id: 'uri' })) as ConnectionEntry
    expect(serializeConnectionUri(uri.fields, 'airflow3')).toBe('postgres://user:pass@host:5432/db')
    expect(uri.source?.fromKey).toBe(`${mount}/connections/uri#conn_uri`)
    const json = (await b.read({ kind: 'connection', id: 'json' })) as ConnectionEntry
    expect(json.fields).toMatchObject({ conn_type: 'http', host: 'h' })
  })

  it('fails where Airflow fails: an empty conn_uri next to fields, unknown keys, non-text conn_uri', async () => {
    const mount = freshMount()
    vault.put(mount, 'connections/empty-uri', { conn_uri: '', conn_type: 'http' })
    vault.put(mount, 'connections/unknown', { conn_type: 'http', hostname: 'x' })
    vault.put(mount, 'connections/number', { conn_uri: 5 })
    vault.put(mount, 'connections/good', { conn_type: 'http', extra: { nested: { a: [1, 2] } } })
    const b = backend({ mount_point: mount })
    const e1 = await thrown(b.read({ kind: 'connection', id: 'empty-uri' }))
    expect(e1.code).toBe('codec.unknown-field')
    expect(e1.userMessage).toMatch(`connection "empty-uri" (${mount}/connections/empty-uri)`)
    expect((await thrown(b.read({ kind: 'connection', id: 'unknown' }))).code).toBe(
      'codec.unknown-field'
    )
    expect((await thrown(b.read({ kind: 'connection', id: 'number' }))).code).toBe(
      'codec.invalid-field'
    )
    const loaded = await b.load({ kinds: ['connection'] })
    expect(loaded.entries.map((e) => (e as ConnectionEntry).id)).toEqual(['good'])
    expect((loaded.entries[0] as ConnectionEntry).fields.extra).toBe('{"nested": {"a": [1, 2]}}')
    expect(loaded.problems.map((p) => [p.ref.id, p.code]).sort()).toEqual([
      ['empty-uri', 'codec.unknown-field'],
      ['number', 'codec.invalid-field'],
      ['unknown', 'codec.unknown-field']
    ])
  })

  it('reads an empty map as a connection with no fields, as Connection.from_json("{}") does', async () => {
    const mount = freshMount()
    vault.put(mount, 'connections/empty', {})
    const c = (await backend({ mount_point: mount }).read({
      kind: 'connection',
      id: 'empty'
    })) as ConnectionEntry
    expect(Object.values(c.fields).every((v) => v === null)).toBe(true)
  })

  it("reads variables from 'value' only; no value, an empty map or null read as not found", async () => {
    const mount = freshMount()
    vault.put(mount, 'variables/hello', { value: 'world', other: 'ignored' })
    vault.put(mount, 'variables/no-value', { test_key: 'data' })
    vault.put(mount, 'variables/empty', {})
    vault.put(mount, 'variables/null', { value: null })
    vault.put(mount, 'variables/number', { value: 5 })
    const b = backend({ mount_point: mount })
    expect(await b.read({ kind: 'variable', id: 'hello' })).toMatchObject({
      value: 'world',
      description: null
    })
    for (const id of ['no-value', 'empty', 'null'])
      expect(await b.read({ kind: 'variable', id })).toBeUndefined()
    expect((await thrown(b.read({ kind: 'variable', id: 'number' }))).code).toBe(
      'codec.invalid-field'
    )
  })

  it('finds nothing when the latest KV v2 version is soft-deleted or destroyed (hvac raise_on_deleted_version)', async () => {
    const mount = freshMount()
    vault.put(mount, 'variables/v', { value: 'old' })
    vault.put(mount, 'variables/v', { value: 'new' })
    vault.softDelete(mount, 'variables/v')
    vault.put(mount, 'variables/d', { value: 'x' })
    vault.destroy(mount, 'variables/d')
    const b = backend({ mount_point: mount })
    expect(await b.read({ kind: 'variable', id: 'v' })).toBeUndefined() // version 1 is not used
    expect(await b.read({ kind: 'variable', id: 'd' })).toBeUndefined()
    expect(await b.secretState(mount, 'variables/v')).toEqual({ state: 'deleted', version: 2 })
    expect(await b.secretState(mount, 'variables/d')).toEqual({ state: 'destroyed', version: 1 })
  })

  it('finds nothing under the wrong kv_engine_version (apache/airflow#11378)', async () => {
    const v1 = freshMount(1)
    vault.put(v1, 'variables/x', { value: '1' })
    expect(await backend({ mount_point: v1 }).read({ kind: 'variable', id: 'x' })).toBeUndefined()
    expect(
      await backend({ mount_point: v1, kv_engine_version: 1 }).read({ kind: 'variable', id: 'x' })
    ).toMatchObject({ value: '1' })
  })

  it('asks for <mount>/connections/<rest> when the id carries the mount, and nothing without one', async () => {
    const mount = freshMount()
    vault.put(mount, 'connections/team/db', { conn_type: 'postgres' })
    const b = backend({ mount_point: null })
    const mark = vault.requests.length
    expect(await b.read({ kind: 'connection', id: 'simple_id' })).toBeUndefined()
    expect(requestsSince(mark)).toEqual([])
    expect(await b.read({ kind: 'connection', id: `${mount}/team/db` })).toMatchObject({
      fields: { conn_type: 'postgres' }
    })
    expect(requestsSince(mark).at(-1)!.path).toBe(`${mount}/data/connections/team/db`)
  })

  it('multi-team: the team path first, then the global path', async () => {
    const mount = freshMount()
    vault.put(mount, 'variables/global/k', { value: 'global' })
    vault.put(mount, 'variables/t1/k', { value: 'team' })
    const b = backend({ mount_point: mount, global_secrets_path: 'global' }, { multiTeam: true })
    expect(await b.read({ kind: 'variable', id: 'k', team: 't1' })).toMatchObject({
      value: 'team',
      team: 't1'
    })
    const mark = vault.requests.length
    expect(await b.read({ kind: 'variable', id: 'k', team: 't2' })).toMatchObject({
      value: 'global'
    })
    expect(requestsSince(mark).map((r) => r.path)).toEqual([
      `${mount}/data/variables/t2/k`,
      `${mount}/data/variables/global/k`
    ])
  })

  it('reads nothing for a kind whose path is null, without a request', async () => {
    const b = backend({ variables_path: null })
    const mark = vault.requests.length
    expect(await b.read({ kind: 'variable', id: 'x' })).toBeUndefined()
    expect(await b.list({ kinds: ['variable'] })).toEqual([])
    expect(requestsSince(mark)).toEqual([])
  })
})

describe("vault: the answer read as Airflow's Python reads it", () => {
  // hvac reads Vault's answer with Python's json (requests' `response.json()`): `1.0` stays a
  // float and an integer keeps every digit, where node-vault's JSON.parse makes 1 and rounds;
  // Airflow then dumps an extra object with `json.dumps` (get_conn_value, from_json).
  const DATA =
    '{"conn_type": "http", "host": "api.internal", "port": 8443, "extra": {"timeout": 1.0, ' +
    '"big": 12345678901234567890, "huge": 1e400, "neg_zero": -0.0, "exp": 1E5, "small": 1e-7, ' +
    '"nested": {"list": [1.0, 2, 3.50], "deep": {"x": -123456789012345678901234567890}}, "plain": 3}}'
  const AIRFLOW = `
import json, sys
given = json.load(sys.stdin)
answer = json.loads(given["answer"])  # hvac: response.json()
secret = answer["data"] if given["version"] == 1 else answer["data"]["data"]
conn = json.loads(json.dumps(secret))  # get_conn_value, then Connection.from_json
print(json.dumps({"extra": json.dumps(conn["extra"])}))
`

  for (const version of [2, 1] as const)
    it(`reads a field map's extra object as Airflow does, 1.0 and big integers kept (KV v${version})`, async () => {
      const mount = freshMount(version)
      const at = `${vault.url}/v1/${mount}/${version === 2 ? 'data/' : ''}connections/floaty`
      const headers = { 'X-Vault-Token': vault.rootToken, 'Content-Type': 'application/json' }
      const put = await fetch(at, {
        method: 'POST',
        headers,
        body: version === 2 ? `{"data": ${DATA}}` : DATA
      })
      expect(put.ok).toBe(true)
      const answer = await (await fetch(at, { headers })).text()
      // The emulator keeps each number as sent, as Vault does (Go's json.Number).
      for (const n of ['1.0', '12345678901234567890', '1e400', '-0.0', '1E5', '3.50'])
        expect(answer).toContain(n)
      const python = runPython<{ extra: string }>(AIRFLOW, { answer, version })
      expect(python.extra).toBe(
        '{"timeout": 1.0, "big": 12345678901234567890, "huge": Infinity, "neg_zero": -0.0, ' +
          '"exp": 100000.0, "small": 1e-07, "nested": {"list": [1.0, 2, 3.5], ' +
          '"deep": {"x": -123456789012345678901234567890}}, "plain": 3}'
      )

      const b = backend({ mount_point: mount, kv_engine_version: version })
      const read = (await b.read({ kind: 'connection', id: 'floaty' })) as ConnectionEntry
      expect(read.fields.extra).toBe(python.extra)
      expect(read.fields).toMatchObject({ conn_type: 'http', host: 'api.internal', port: 8443 })
      const loaded = await b.load({ kinds: ['connection'] })
      expect(loaded.problems).toEqual([])
      expect((loaded.entries[0] as ConnectionEntry).fields.extra).toBe(python.extra)
      // `decode` (the secret's data as its stdin line) reads what the backend reads.
      const decoded = decodeStored(
        'vault',
        { token: 't', mount_point: mount, kv_engine_version: version },
        'connection',
        'floaty',
        pyJsonLoads(DATA)
      )
      expect('connection' in decoded && (decoded.connection as PyDict).get('extra')).toBe(
        python.extra
      )
    })

  it('writes an extra that JavaScript would change as its text, and reads it back unchanged', async () => {
    const mount = freshMount()
    const extra = '{"timeout": 1.0, "big": 12345678901234567890, "neg_zero": -0.0}'
    const b = backend({ mount_point: mount })
    await b.write([connectionEntry('floaty', { conn_type: 'http', host: 'h', extra })])
    expect(vault.get(mount, 'connections/floaty')).toEqual({ conn_type: 'http', host: 'h', extra })
    const read = (await b.read({ kind: 'connection', id: 'floaty' })) as ConnectionEntry
    expect(read.fields.extra).toBe(extra)
  })

  it("reads an escaped key right after one with a backslash (Node 24's JSON.parse does not: nodejs/node#63785)", async () => {
    const mount = freshMount()
    vault.put(mount, 'connections/first', { conn_type: 'http', extra: { b: 1, '\\': 2 } })
    vault.put(mount, 'connections/second', { conn_type: 'http', extra: { b: 1, '"': 3 } })
    const b = backend({ mount_point: mount })
    const first = (await b.read({ kind: 'connection', id: 'first' })) as ConnectionEntry
    const second = (await b.read({ kind: 'connection', id: 'second' })) as ConnectionEntry
    expect(first.fields.extra).toBe('{"b": 1, "\\\\": 2}')
    expect(second.fields.extra).toBe('{"b": 1, "\\"": 3}')
  })
})

describe('vault: writing', () => {
  const tricky = [
    'ünïcödé ✓ 日本語 🚀',
    'line1\nline2\r\n\ttabbed',
    '100% %41 %zz',
    'user@host:pass@x',
    'a/b//c/',
    'x'.repeat(200_000),
    '{"looks": ["like", "json"], "n": 1}',
    '"quoted"',
    'null',
    '',
    ' padded ',
    '+plus+ & amp; ?q=1#frag'
  ]

  it('round-trips tricky values in variables and every connection field', async () => {
    const b = backend({ mount_point: freshMount() })
    const entries: Entry[] = tricky.flatMap((s, i) => [
      variableEntry(`v${i}`, s, i % 2 ? s : null),
      connectionEntry(`c${i}`, {
        conn_type: 'generic',
        host: s || 'h',
        login: s,
        password: s || null,
        schema: s,
        description: s,
        port: 1000 + i,
        extra: JSON.stringify({ k: s, nested: { list: [s] } })
      })
    ])
    await b.write(entries)
    for (const e of entries) {
      const back = await b.read(
        e.kind === 'connection' ? { kind: e.kind, id: e.id } : { kind: e.kind, id: e.key }
      )
      const { source: _source, ...rest } = back!
      if (e.kind === 'connection') {
        const c = rest as ConnectionEntry
        expect(JSON.parse(c.fields.extra!)).toEqual(JSON.parse(e.fields.extra!))
        expect({ ...c.fields, extra: null }).toEqual({ ...e.fields, extra: null })
      } else expect(rest).toEqual(e)
    }
  })

  it('round-trips tricky ids through write, read and list (paths percent-encoded as hvac does)', async () => {
    const ids = [
      'a/b/c',
      'with space',
      'ünï',
      'pct%41',
      'q?x#y',
      'at@sign',
      'plus+sign',
      '{"a":1}',
      'é/ü/ß'
    ]
    const mount = freshMount()
    const b = backend({ mount_point: mount })
    await b.write(ids.map((id) => variableEntry(id, `value of ${id}`)))
    expect(vault.paths(mount).sort()).toEqual(ids.map((id) => `variables/${id}`).sort())
    for (const id of ids)
      expect(await b.read({ kind: 'variable', id })).toMatchObject({ value: `value of ${id}` })
    expect((await b.list({})).map((r) => r.id).sort()).toEqual([...ids].sort())
  })

  it('writes the field map (extra as an object) that Airflow 2 and 3 read back alike, or conn_uri on request', async () => {
    const mount = freshMount()
    const conn = connectionEntry('pg', {
      conn_type: 'postgres',
      host: 'db.internal',
      login: 'svc',
      password: `p@ss/w:rd ${SECRET_MARK}`,
      schema: 'dw',
      port: 5432,
      extra: '{"sslmode": "require", "timeout": 10}',
      description: 'Main'
    })
    await backend({ mount_point: mount }).write([conn, variableEntry('k', 'v', 'about k')])
    const stored = vault.get(mount, 'connections/pg')!
    expect(stored).toEqual({
      conn_type: 'postgres',
      description: 'Main',
      host: 'db.internal',
      login: 'svc',
      password: `p@ss/w:rd ${SECRET_MARK}`,
      schema: 'dw',
      port: 5432,
      extra: { sslmode: 'require', timeout: 10 }
    })
    expect(vault.get(mount, 'variables/k')).toEqual({ value: 'v', description: 'about k' })
    const readings = (['airflow2', 'airflow3', 'task-sdk'] as const).map(
      (d) => decodeVaultConnection(stored, d).value
    )
    expect(readings[1]).toEqual(readings[0])
    expect(readings[2]).toEqual(readings[0])

    const uriMount = freshMount()
    const plain = connectionEntry('plain', {
      conn_type: 'postgres',
      host: 'h',
      login: 'u',
      password: 'p@ss',
      port: 5432,
      schema: 'db'
    })
    await backend({ mount_point: uriMount }, { connectionShape: 'uri' }).write([
      plain,
      conn,
      connectionEntry('no-schema', { conn_type: 'http', host: 'h' })
    ])
    expect(vault.get(uriMount, 'connections/plain')).toEqual({
      conn_uri: 'postgres://u:p%40ss@h:5432/db'
    })
    // A null schema reads back from a URI as '': that URI would change it, so the field map is written.
    expect(vault.get(uriMount, 'connections/no-schema')).toEqual({ conn_type: 'http', host: 'h' })
    // A description cannot travel in a URI: the field map keeps it.
    expect(vault.get(uriMount, 'connections/pg')).toHaveProperty('description', 'Main')
  })

  it('says what write stores for an entry (written): the same path and data, writing nothing', async () => {
    const conn = connectionEntry('pg', {
      conn_type: 'postgres',
      host: 'db.internal',
      password: `pw ${SECRET_MARK}`,
      extra: '{"sslmode": "require"}'
    })
    for (const shape of ['fields', 'uri'] as const) {
      const mount = freshMount()
      const b = backend({ mount_point: mount }, { connectionShape: shape })
      const form = await b.written(conn)
      expect(vault.paths(mount)).toEqual([])
      expect(form).toMatchObject({ name: `${mount}/connections/pg`, format: 'json' })
      await b.write([conn])
      expect(vault.get(mount, 'connections/pg')).toEqual(JSON.parse(form.text))
    }
    const refused = await thrown(
      backend({ mount_point: freshMount(), connections_path: null }).written(conn)
    )
    expect(refused.code).toBe('usage')
  })

  it('uses check-and-set with the version it read; a change in between is a typed conflict', async () => {
    const mount = freshMount()
    const b = backend({ mount_point: mount })
    await b.write([variableEntry('k', 'one')])
    await b.write([variableEntry('k', 'two')]) // the version from the first write's answer
    expect(vault.metadata(mount, 'variables/k')!.currentVersion).toBe(2)
    expect(await b.read({ kind: 'variable', id: 'k' })).toMatchObject({ value: 'two' })
    vault.put(mount, 'variables/k', { value: 'changed elsewhere' })
    const conflict = await thrown(b.write([variableEntry('k', `mine ${SECRET_MARK}`)]))
    expect(conflict.code).toBe('job.conflict')
    expect(conflict.userMessage).toMatch(`variable "k" (${mount}/variables/k) changed in Vault`)
    expect(everything(conflict)).not.toContain(SECRET_MARK)
    expect(vault.get(mount, 'variables/k')).toEqual({ value: 'changed elsewhere' })
    const posts = vault.requests.filter(
      (r) => r.method === 'POST' && r.path === `${mount}/data/variables/k`
    )
    expect(posts.at(-1)!.status).toBe(400)
    // Reading again picks up the new version; the write then goes through.
    await b.read({ kind: 'variable', id: 'k' })
    await b.write([variableEntry('k', 'mine')])
    expect(vault.get(mount, 'variables/k')).toEqual({ value: 'mine' })
  })

  it('looks the version up when it has not seen the secret, and writes on cas_required mounts', async () => {
    const mount = freshMount(2, { casRequired: true })
    vault.put(mount, 'variables/existing', { value: 'x' })
    await backend({ mount_point: mount }).write([
      variableEntry('existing', 'y'),
      variableEntry('new', 'z')
    ])
    expect(vault.get(mount, 'variables/existing')).toEqual({ value: 'y' })
    expect(vault.get(mount, 'variables/new')).toEqual({ value: 'z' })
    const off = await thrown(
      backend({ mount_point: mount }, { checkAndSet: false }).write([variableEntry('k', 'v')])
    )
    expect(off.code).toBe('usage')
  })

  it('treats a retried write that had landed as written (cas mismatch on the retry)', async () => {
    const mount = freshMount()
    const b = backend({ mount_point: mount })
    await b.write([variableEntry('k', 'first')])
    vault.inject({ kind: 'drop', afterApply: true }, 1, /\/data\/variables\/k$/)
    await b.write([variableEntry('k', 'second')])
    expect(vault.metadata(mount, 'variables/k')!.currentVersion).toBe(2)
    expect(vault.get(mount, 'variables/k')).toEqual({ value: 'second' })
  })

  it('refuses ids Vault cannot hold, and two entries on one secret, before writing anything', async () => {
    const mount = freshMount()
    const same = backend({ mount_point: mount, connections_path: 'same', variables_path: 'same' })
    const clash = await thrown(
      same.write([connectionEntry('x', { conn_type: 'http' }), variableEntry('x', '1')])
    )
    expect(clash.code).toBe('job.conflict')
    for (const id of ['a//b', 'folder/', '../up', ''])
      expect(
        (await thrown(backend({ mount_point: mount }).write([variableEntry(id, '1')]))).code
      ).toBe('codec.invalid')
    expect(vault.paths(mount)).toEqual([])
  })

  it('refuses to write into a missing mount or one of the other KV version', async () => {
    const v1 = freshMount(1)
    const wrong = await thrown(backend({ mount_point: v1 }).write([variableEntry('k', 'v')]))
    expect(wrong.code).toBe('usage')
    expect(wrong.userMessage).toMatch('KV version 1, but kv_engine_version is 2')
    expect(vault.paths(v1)).toEqual([])
    const missing = await thrown(backend({ mount_point: 'nope' }).write([variableEntry('k', 'v')]))
    expect(missing.code).toBe('backend.not-found')
  })
})

describe('vault: removing and soft-deleted versions', () => {
  it('soft-deletes the latest version: reads and loads find nothing, LIST still shows the name', async () => {
    const mount = freshMount()
    const b = backend({ mount_point: mount })
    await b.write([variableEntry('k', 'v'), variableEntry('keep', 'v')])
    await b.remove([
      { kind: 'variable', id: 'k' },
      { kind: 'variable', id: 'never-there' }
    ])
    expect(vault.metadata(mount, 'variables/k')!.versions[1]).toEqual({
      deleted: true,
      destroyed: false
    })
    expect(await b.read({ kind: 'variable', id: 'k' })).toBeUndefined()
    expect((await b.list({})).map((r) => r.id)).toEqual(['k', 'keep'])
    expect((await b.load({})).entries.map((e) => (e as VariableEntry).key)).toEqual(['keep'])
    // Writing again adds version 2 on top of the deleted one (check-and-set from the read).
    await b.write([variableEntry('k', 'back')])
    expect(vault.metadata(mount, 'variables/k')!.currentVersion).toBe(2)
  })

  it('destroys every version and the metadata with removeMode destroy; KV v1 deletes', async () => {
    const mount = freshMount()
    const b = backend({ mount_point: mount }, { removeMode: 'destroy' })
    await b.write([variableEntry('k', 'v')])
    await b.remove([{ kind: 'variable', id: 'k' }])
    expect(vault.metadata(mount, 'variables/k')).toBeUndefined()
    await b.write([variableEntry('k', 'again')]) // cas 0 after a destroy
    const v1 = freshMount(1)
    const b1 = backend({ mount_point: v1, kv_engine_version: 1 })
    await b1.write([variableEntry('k', 'v')])
    await b1.remove([{ kind: 'variable', id: 'k' }])
    expect(vault.paths(v1)).toEqual([])
  })
})

describe('vault: listing', () => {
  it('walks folders with one LIST each over 2,400 secrets and loads with one GET per secret', async () => {
    const mount = freshMount()
    for (let i = 0; i < 2000; i++)
      vault.put(mount, `connections/c${i}`, { conn_uri: `http://h${i}` })
    for (let t = 0; t < 10; t++)
      for (let i = 0; i < 10; i++)
        vault.put(mount, `connections/team${t}/c${i}`, { conn_type: 'http' })
    for (let i = 0; i < 300; i++) vault.put(mount, `variables/v${i}`, { value: String(i) })
    vault.put(mount, 'elsewhere/x', { value: 'not airflow' })
    const b = backend({ mount_point: mount }, { concurrency: 32 })
    let mark = vault.requests.length
    const refs = await b.list({})
    expect(refs.length).toBe(2400)
    const lists = requestsSince(mark).filter((r) => r.operation === 'list')
    expect(lists.length).toBe(12) // connections/, its 10 team folders, variables/
    expect(requestsSince(mark).length).toBeLessThanOrEqual(12 + 1) // + the token check
    mark = vault.requests.length
    vault.inFlight.peak = 0
    vault.setFaults({ latencyMs: 2 }) // answers overlap only when they take time
    const loaded = await b.load({}).finally(() => vault.setFaults({ latencyMs: 0 }))
    expect(loaded.problems).toEqual([])
    expect(loaded.entries.length).toBe(2400)
    const used = requestsSince(mark).length
    expect(used / 2400).toBeLessThanOrEqual(1 + 12 / 2400)
    // the GETs overlap, up to the backend's concurrency (speed itself is the bench's to measure)
    expect(vault.inFlight.peak).toBeGreaterThan(1)
    expect(vault.inFlight.peak).toBeLessThanOrEqual(32)
    expect(loaded.entries.find((e) => e.kind === 'connection' && e.id === 'team3/c4')).toBeDefined()
  })

  it('reports names that read as two kinds instead of guessing', async () => {
    const mount = freshMount()
    vault.put(mount, 'db', { conn_type: 'http' })
    vault.put(mount, 'variables/x', { value: '1' })
    vault.put(mount, 'config/sql_alchemy_conn', { value: 'sqlite://' })
    const b = backend({ mount_point: mount, connections_path: '' })
    const listing = await b.listNames({})
    expect(listing.refs).toEqual([{ kind: 'connection', id: 'db' }])
    expect(listing.ambiguous.map((a) => a.target).sort()).toEqual([
      `${mount}/config/sql_alchemy_conn`,
      `${mount}/variables/x`
    ])
    const loaded = await b.load({})
    expect(loaded.entries.length).toBe(1)
    expect(loaded.problems.map((p) => p.message).join('\n')).toMatch(
      `${mount}/variables/x reads as connection "variables/x" and as variable "x"`
    )
    expect((await b.listNames({ kinds: ['variable'] })).ambiguous.length).toBe(1)
  })

  it('lists ids that carry their mount, over KV mounts of the configured version', async () => {
    const emu = await startVaultEmulator({
      mounts: { kva: { version: 2 }, kvb: { version: 2 }, old: { version: 1 } }
    })
    try {
      emu.put('kva', 'connections/team/db', { conn_type: 'postgres' })
      emu.put('kvb', 'connections/x', { conn_type: 'http' })
      emu.put('old', 'connections/ignored', { conn_type: 'http' })
      const b = backend({ mount_point: null }, {}, emu)
      expect((await b.list({ kinds: ['connection'] })).map((r) => r.id)).toEqual([
        'kva/team/db',
        'kvb/x'
      ])
      const only = backend({ mount_point: null }, { mounts: ['kvb'] }, emu)
      expect((await only.list({})).map((r) => r.id)).toEqual(['kvb/x'])
      expect(await b.read({ kind: 'connection', id: 'kva/team/db' })).toBeDefined()
    } finally {
      await emu.close()
    }
  })
})

describe('vault: check-and-set without a read per item', () => {
  it('writes a name its listing did not find with cas=0 and no read; a name created since is refused', async () => {
    const mount = freshMount()
    const b = backend({ mount_point: mount })
    await b.load({})
    const mark = vault.requests.length
    await b.write([variableEntry('new1', 'a'), variableEntry('new2', 'b')])
    const sent = requestsSince(mark).filter((r) => r.path.startsWith(`${mount}/`))
    expect(sent.map((r) => r.method)).toEqual(['POST', 'POST'])
    // Someone else creates a name after the listing: check-and-set 0 no longer holds.
    vault.put(mount, 'variables/raced', { value: 'theirs' })
    const e = await thrown(b.write([variableEntry('raced', 'ours')]))
    expect(e.code).toBe('job.conflict')
    expect(vault.get(mount, 'variables/raced')).toEqual({ value: 'theirs' })
    // After the refusal the name is read again (its version learned) before the next write.
    const again = vault.requests.length
    await b.write([variableEntry('raced', 'ours')])
    expect(requestsSince(again).map((r) => r.method)).toEqual(['GET', 'POST'])
  })
})

describe('vault: throttling and faults (the bounded retry)', () => {
  it('recovers from seeded 429s, 5xx and dropped connections while loading and writing', async () => {
    const emu = await startVaultEmulator({ seed: 42 })
    try {
      for (let i = 0; i < 300; i++) emu.put('secret', `variables/v${i}`, { value: `value ${i}` })
      emu.setFaults({ throttleRate: 0.1, errorRate: 0.05, dropRate: 0.05, retryAfterSeconds: 1 })
      const b = backend({}, { retry: { ...fastRetry, attempts: 10 } }, emu)
      const loaded = await b.load({})
      expect(loaded.problems).toEqual([])
      expect(loaded.entries.length).toBe(300)
      await b.write(Array.from({ length: 100 }, (_, i) => variableEntry(`w${i}`, `written ${i}`)))
      emu.setFaults({ throttleRate: 0, errorRate: 0, dropRate: 0 })
      for (let i = 0; i < 100; i++)
        expect(emu.get('secret', `variables/w${i}`)).toEqual({ value: `written ${i}` })
      const faults = emu.requests.filter((r) => r.fault)
      expect(new Set(faults.map((f) => f.fault))).toEqual(new Set(['throttle', 'error', 'drop']))
      expect(faults.length).toBeGreaterThan(30)
    } finally {
      await emu.close()
    }
  })

  it('waits what Retry-After says, else steps aside briefly (full jitter); other failures back off exponentially', async () => {
    const waits: number[] = []
    const b = backend(
      {},
      {
        retry: {
          attempts: 5,
          baseDelayMs: 100,
          maxDelayMs: 10_000,
          sleep: async (ms) => void waits.push(ms)
        }
      }
    )
    await b.read({ kind: 'variable', id: 'warm-up' })
    vault.inject({ kind: 'throttle', retryAfterSeconds: 2 })
    vault.inject({ kind: 'throttle', retryAfterSeconds: null })
    vault.inject({ kind: 'error', status: 503 })
    expect(await b.read({ kind: 'variable', id: 'nothing' })).toBeUndefined()
    // The pacer holds the next attempt until Retry-After has passed (measured from the answer).
    expect(waits[0]).toBeGreaterThan(1990)
    expect(waits[0]).toBeLessThanOrEqual(2000)
    // A bare 429 (the second throttle): full jitter up to 25 · 2² ms, whatever baseDelayMs.
    expect(waits[1]).toBeGreaterThanOrEqual(0)
    expect(waits[1]).toBeLessThanOrEqual(100)
    // Throttles have their own budget: the 503 is the first failure of the `attempts` kind.
    expect(waits[2]).toBeGreaterThanOrEqual(50)
    expect(waits[2]).toBeLessThanOrEqual(100)
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000)
    expect(parseRetryAfter('soon')).toBeUndefined()
  })

  it('really waits between attempts with the default timer', async () => {
    const b = new VaultBackend({
      backendKwargs: { url: vault.url, token: vault.rootToken },
      retry: { baseDelayMs: 5, maxDelayMs: 1200 }
    })
    opened.push(b)
    await b.read({ kind: 'variable', id: 'warm-up' })
    vault.inject({ kind: 'throttle', retryAfterSeconds: 1 })
    vault.inject({ kind: 'drop' })
    const started = performance.now()
    expect(await b.read({ kind: 'variable', id: 'x' })).toBeUndefined()
    expect(performance.now() - started).toBeGreaterThanOrEqual(950)
  })

  it('gives up after the configured attempts with a typed, value-free error', async () => {
    const b = backend({ mount_point: freshMount() })
    await b.read({ kind: 'variable', id: 'warm-up' })
    vault.inject({ kind: 'error', status: 503 }, 6)
    const e = await thrown(b.write([variableEntry('k', SECRET_MARK)]))
    expect(e.code).toBe('backend.unreachable')
    expect(e.userMessage).toMatch(/answered 503 \(Vault is sealed\) after 6 attempts/)
    expect(everything(e)).not.toContain(SECRET_MARK)
    expect(everything(e)).not.toContain(vault.rootToken)
  })
})

describe('vault: pre-flight', () => {
  it('checks names, collisions, overlaps, sizes, soft-deleted targets and write access, writing nothing', async () => {
    const mount = 'locked'
    vault.put(mount, 'variables/gone', { value: 'old' })
    vault.softDelete(mount, 'variables/gone')
    const b = backend({ mount_point: mount }, { maxValueBytes: 5000 })
    const mark = vault.requests.length
    const problems = await b.preflight([
      connectionEntry('fine', { conn_type: 'http' }),
      connectionEntry('a//b', { conn_type: 'http' }),
      variableEntry('big', 'x'.repeat(6000)),
      variableEntry('gone', 'new'),
      variableEntry('readonly', 'v')
    ])
    const by = (id: string) => problems.filter((p) => p.ref.id === id)
    expect(by('fine')).toEqual([])
    expect(by('a//b')[0]).toMatchObject({
      severity: 'error',
      code: 'codec.invalid',
      target: `${mount}/connections/a//b`
    })
    expect(by('big')[0]).toMatchObject({ severity: 'error', code: 'codec.invalid' })
    expect(by('gone')[0]).toMatchObject({ severity: 'warning' })
    expect(by('gone')[0]!.message).toMatch(`vault kv undelete -versions=1 ${mount}/variables/gone`)
    expect(by('readonly')[0]).toMatchObject({ severity: 'error', code: 'backend.access-denied' })
    expect(by('readonly')[0]!.message).toMatch(
      `may not create or update ${mount}/data/variables/readonly`
    )
    const writes = requestsSince(mark).filter(
      (r) => (r.method === 'POST' || r.method === 'DELETE') && r.path.startsWith(`${mount}/`)
    )
    expect(writes).toEqual([])
    expect(requestsSince(mark).some((r) => r.path === 'sys/capabilities-self')).toBe(true)
  })

  it('warns when a name is also read as another kind (overlapping paths)', async () => {
    const b = backend({ mount_point: freshMount(), connections_path: '' })
    const problems = await b.preflight([connectionEntry('variables/x', { conn_type: 'http' })])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ severity: 'warning', code: 'job.conflict' })
    expect(problems[0]!.message).toMatch('also reads as variable "x"')
  })

  it('reports a missing mount, a KV version mismatch, and disabled or mount-less ids', async () => {
    const missing = await backend({ mount_point: 'nope' }).preflight([variableEntry('k', 'v')])
    expect(missing[0]).toMatchObject({ severity: 'error', code: 'backend.not-found' })
    expect(missing[0]!.message).toMatch('vault secrets enable -path=nope -version=2 kv')
    const v1 = freshMount(1)
    const wrong = await backend({ mount_point: v1 }).preflight([])
    expect(wrong[0]).toMatchObject({ severity: 'error', code: 'usage', target: `${v1}/` })
    const off = await backend({ variables_path: null }).preflight([variableEntry('k', 'v')])
    expect(off[0]).toMatchObject({ severity: 'error', code: 'usage' })
    const noMount = await backend({ mount_point: null }).preflight([connectionEntry('db', {})])
    expect(noMount[0]!.message).toMatch('must begin with its KV mount')
    expect(await backend().preflight([])).toEqual([])
  })

  it('probes the credentials without writing: a bad token is an auth problem', async () => {
    const problems = await backend({ token: 'not-a-token' }).preflight([])
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ severity: 'error', code: 'backend.auth' })
  })

  it('warns when the token may not see the mount table', async () => {
    const emu = await startVaultEmulator({
      deny: [{ path: 'sys/internal/ui/mounts/' }, { path: 'sys/mounts' }]
    })
    try {
      const problems = await backend({}, {}, emu).preflight([variableEntry('k', 'v')])
      expect(problems).toHaveLength(1)
      expect(problems[0]).toMatchObject({ severity: 'warning', code: 'backend.access-denied' })
    } finally {
      await emu.close()
    }
  })
})

describe('vault: auth, namespaces and typed errors', () => {
  it('logs in with AppRole (custom mount too) and logs in again when the token expires', async () => {
    const mount = freshMount()
    vault.put(mount, 'variables/k', { value: 'v' })
    const before = vault.issuedTokens.length
    const b = backend({
      mount_point: mount,
      auth_type: 'approle',
      token: undefined,
      auth_mount_point: 'airflow-approle',
      role_id: 'other-role',
      secret_id: 'other-secret'
    })
    expect(await b.read({ kind: 'variable', id: 'k' })).toMatchObject({ value: 'v' })
    expect(vault.requests.some((r) => r.path === 'auth/airflow-approle/login')).toBe(true)
    const short = backend({
      mount_point: mount,
      auth_type: 'approle',
      token: undefined,
      role_id: 'short-lived',
      secret_id: 's'
    })
    for (let i = 0; i < 6; i++)
      expect(await short.read({ kind: 'variable', id: 'k' })).toMatchObject({ value: 'v' })
    expect(vault.issuedTokens.length - before).toBeGreaterThanOrEqual(3)
  })

  it('says clearly when AppRole credentials or the token are refused', async () => {
    const bad = backend({
      auth_type: 'approle',
      token: undefined,
      role_id: APPROLE.roleId,
      secret_id: 'wrong-secret-xyz'
    })
    const e = await thrown(bad.read({ kind: 'variable', id: 'k' }))
    expect(e.code).toBe('backend.auth')
    expect(e.userMessage).toMatch(
      'refused the AppRole login at auth/approle/login (invalid role or secret ID)'
    )
    expect(everything(e)).not.toContain('wrong-secret-xyz')
    const token = await thrown(backend({ token: 'expired' }).read({ kind: 'variable', id: 'k' }))
    expect(token.code).toBe('backend.auth')
    expect(token.userMessage).toMatch('rejected the token')
  })

  it('logs in with Kubernetes auth (role + service-account JWT from the file), reads and writes', async () => {
    const mount = freshMount()
    vault.put(mount, 'variables/k', { value: 'v' })
    const before = vault.issuedTokens.length
    const mark = vault.requests.length
    const b = backend({
      mount_point: mount,
      auth_type: 'kubernetes',
      token: undefined,
      kubernetes_role: 'airflow',
      kubernetes_jwt_path: join(jwtDir, 'token')
    })
    expect(await b.read({ kind: 'variable', id: 'k' })).toMatchObject({ value: 'v' })
    await b.write([variableEntry('written', 'by k8s')])
    expect(vault.get(mount, 'variables/written')).toEqual({ value: 'by k8s' })
    const login = requestsSince(mark).filter((r) => r.path === 'auth/kubernetes/login')
    expect(login).toHaveLength(1)
    expect(login[0]!.method).toBe('POST')
    expect(vault.issuedTokens.length - before).toBe(1)
    expect(vault.issuedTokens.at(-1)).toMatch(/^hvs\.kubernetes-/)
  })

  it('logs in with Kubernetes auth at auth_mount_point, and again when the token expires', async () => {
    const mount = freshMount()
    vault.put(mount, 'variables/k', { value: 'v' })
    const before = vault.issuedTokens.length
    const mark = vault.requests.length
    const b = backend({
      mount_point: mount,
      auth_type: 'kubernetes',
      token: undefined,
      kubernetes_role: 'airflow-prod',
      kubernetes_jwt_path: join(jwtDir, 'token'),
      auth_mount_point: 'k8s-prod'
    })
    for (let i = 0; i < 6; i++)
      expect(await b.read({ kind: 'variable', id: 'k' })).toMatchObject({ value: 'v' })
    expect(requestsSince(mark).some((r) => r.path === 'auth/k8s-prod/login')).toBe(true)
    expect(requestsSince(mark).some((r) => r.path === 'auth/kubernetes/login')).toBe(false)
    expect(vault.issuedTokens.length - before).toBeGreaterThanOrEqual(2)
  })

  it('says clearly when a Kubernetes login is refused or its JWT file cannot be read, never showing the JWT', async () => {
    const k8s = (kwargs: Record<string, unknown>) =>
      backend({ auth_type: 'kubernetes', token: undefined, ...kwargs })
    const wrongJwt = await thrown(
      k8s({
        kubernetes_role: 'airflow',
        kubernetes_jwt_path: join(jwtDir, 'other-token')
      }).read({ kind: 'variable', id: 'k' })
    )
    expect(wrongJwt.code).toBe('backend.auth')
    expect(wrongJwt.userMessage).toMatch(
      'Kubernetes login refused for role airflow at auth/kubernetes/login (permission denied)'
    )
    expect(everything(wrongJwt)).not.toContain('not-this-cluster')
    const wrongRole = await thrown(
      k8s({ kubernetes_role: 'nobody', kubernetes_jwt_path: join(jwtDir, 'token') }).read({
        kind: 'variable',
        id: 'k'
      })
    )
    expect(wrongRole.code).toBe('backend.auth')
    expect(wrongRole.userMessage).toMatch('Kubernetes login refused for role nobody')
    expect(wrongRole.userMessage).toMatch('invalid role name')
    expect(everything(wrongRole)).not.toContain(K8S_JWT)
    const missing = join(jwtDir, 'no-such-token')
    const mark = vault.requests.length
    const unreadable = await thrown(
      k8s({ kubernetes_role: 'airflow', kubernetes_jwt_path: missing }).read({
        kind: 'variable',
        id: 'k'
      })
    )
    expect(unreadable.code).toBe('backend.auth')
    expect(unreadable.userMessage).toMatch(`kubernetes_jwt_path ${missing} (no such file)`)
    expect(requestsSince(mark)).toEqual([])
    const empty = await thrown(
      k8s({ kubernetes_role: 'airflow', kubernetes_jwt_path: join(jwtDir, 'empty') }).read({
        kind: 'variable',
        id: 'k'
      })
    )
    expect(empty.userMessage).toMatch('is empty')
    // Without kubernetes_jwt_path: the pod's service-account token, which this machine lacks.
    const absent = await thrown(
      k8s({ kubernetes_role: 'airflow' }).read({ kind: 'variable', id: 'k' })
    )
    expect(absent.userMessage).toMatch('/var/run/secrets/kubernetes.io/serviceaccount/token')
  })

  it('refuses the auth types Airlock does not support yet, naming them', () => {
    const needs: Record<string, Record<string, unknown>> = {
      jwt: { jwt_role: 'r', jwt_token: 't' },
      azure: { azure_resource: 'r', azure_tenant_id: 't' },
      radius: { radius_host: 'h', radius_secret: 's' },
      gcp: { gcp_scopes: 's', role_id: 'r' },
      github: { token: 't' }
    }
    for (const authType of VAULT_AUTH_TYPES.filter(
      (t) => t !== 'token' && t !== 'approle' && t !== 'kubernetes'
    )) {
      let error: unknown
      try {
        new VaultBackend({
          backendKwargs: { url: vault.url, auth_type: authType, ...needs[authType] }
        })
      } catch (e) {
        error = e
      }
      expect(error, authType).toBeInstanceOf(AirlockError)
      expect((error as AirlockError).code).toBe('backend.auth')
      expect((error as AirlockError).userMessage).toMatch(`auth_type "${authType}"`)
    }
  })

  it('sends the namespace as X-Vault-Namespace and sees only that namespace', async () => {
    const mount = freshMount(2, {}, 'team-a')
    vault.addMount(mount, { version: 2 })
    const inNs = backend({ mount_point: mount, namespace: 'team-a' })
    const mark = vault.requests.length
    await inNs.write([variableEntry('k', 'in team-a')])
    expect(requestsSince(mark).every((r) => r.namespace === 'team-a')).toBe(true)
    expect(vault.get(mount, 'variables/k', 'team-a')).toEqual({ value: 'in team-a' })
    expect(
      await backend({ mount_point: mount }).read({ kind: 'variable', id: 'k' })
    ).toBeUndefined()
  })

  it('names backend, operation and path on access denied and unreachable, and never a value or token', async () => {
    vault.put('locked', 'connections/locked', { conn_type: 'http', password: SECRET_MARK })
    vault.put('locked', 'connections/open', { conn_type: 'http', password: SECRET_MARK })
    const b = backend({ mount_point: 'locked' })
    const denied = await thrown(b.read({ kind: 'connection', id: 'locked' }))
    expect(denied.code).toBe('backend.access-denied')
    expect(denied.userMessage).toBe(
      'vault:test: cannot read connection "locked" (locked/connections/locked): permission denied; the token\'s policies must allow it.'
    )
    const loaded = await b.load({ kinds: ['connection'] })
    expect(loaded.entries.map((e) => (e as ConnectionEntry).id)).toContain('open')
    expect(loaded.problems.find((p) => p.ref.id === 'locked')?.code).toBe('backend.access-denied')
    const down = new VaultBackend({
      id: 'vault:down',
      backendKwargs: { url: 'http://127.0.0.1:1', token: 'tok-secret' },
      retry: fastRetry
    })
    opened.push(down)
    const e = await thrown(down.write([connectionEntry('c', { password: SECRET_MARK })]))
    expect(e.code).toBe('backend.unreachable')
    expect(e.userMessage).toMatch(
      /^vault:down: cannot check the token at auth\/token\/lookup-self: Vault at http:\/\/127.0.0.1:1 did not answer \(ECONNREFUSED\) after 6 attempts/
    )
    for (const err of [denied, e, ...loaded.problems.map((p) => p.message)]) {
      expect(everything(err)).not.toContain(SECRET_MARK)
      expect(everything(err)).not.toContain('tok-secret')
      expect(everything(err)).not.toContain(vault.rootToken)
    }
  })

  it('reads the token from token_path (stripped) or VAULT_TOKEN, as Airflow does', async () => {
    const dir = tempDir('airlock-vault-')
    try {
      const file = join(dir, 'token')
      await writeFile(file, `  ${vault.rootToken}\n`)
      const fromFile = backend({ token: undefined, token_path: file })
      expect(await fromFile.read({ kind: 'variable', id: 'none' })).toBeUndefined()
      const fromEnv = new VaultBackend({
        backendKwargs: { url: vault.url },
        environment: { VAULT_TOKEN: vault.rootToken },
        retry: fastRetry
      })
      opened.push(fromEnv)
      expect(await fromEnv.read({ kind: 'variable', id: 'none' })).toBeUndefined()
      const missing = await thrown(
        backend({ token: undefined, token_path: join(dir, 'nope') }).read({
          kind: 'variable',
          id: 'x'
        })
      )
      expect(missing).toMatchObject({ code: 'backend.auth' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("maps a request over Vault's size limit (413) and a timeout to typed errors", async () => {
    const emu = await startVaultEmulator({ maxRequestBytes: 2000 })
    try {
      const big = await thrown(backend({}, {}, emu).write([variableEntry('k', 'x'.repeat(3000))]))
      expect(big.code).toBe('codec.invalid')
      expect(big.userMessage).toMatch('larger than Vault accepts')
      emu.setFaults({ latencyMs: 300 })
      const slow = backend({ timeout: 0.05 }, { retry: { ...fastRetry, attempts: 2 } }, emu)
      const started = performance.now()
      const e = await thrown(slow.read({ kind: 'variable', id: 'k' }))
      expect(e.code).toBe('backend.unreachable')
      expect(e.userMessage).toMatch(/did not answer \(ECONNABORTED\) after 2 attempts/)
      expect(performance.now() - started).toBeLessThan(1000)
    } finally {
      await emu.close()
    }
  })

  it('(the emulator) drops a request still delayed when it is reset: a later test keeps its injected faults and its secrets', async () => {
    const emu = await startVaultEmulator()
    try {
      const stale = backend({}, {}, emu)
      await stale.write([variableEntry('slow', 'x')]) // version 1, known to the backend
      emu.setFaults({ latencyMs: 500 })
      const aborting = new AbortController()
      const writing = stale
        .write([variableEntry('slow', 'stale')], aborting.signal)
        .catch(() => undefined)
      const isWrite = (r: { path: string; method: string }) =>
        r.path === 'secret/data/variables/slow' && r.method !== 'GET'
      while (emu.requests.filter(isWrite).length < 2) await new Promise((r) => setTimeout(r, 5))
      await new Promise((r) => setTimeout(r, 100)) // its body read, it waits out the latency
      aborting.abort() // the caller is gone; its write waits out the latency in the emulator
      // the next test
      emu.reset()
      emu.setFaults({ latencyMs: 0 })
      emu.put('secret', 'variables/slow', { value: 'again' }) // version 1 again
      emu.inject({ kind: 'throttle' }, 1, /variables\/slow$/)
      await writing // the aborted write's delay ends
      await new Promise((r) => setTimeout(r, 50))
      const read = await backend({}, {}, emu).read({ kind: 'variable', id: 'slow' })
      expect((read as VariableEntry).value).toBe('again')
      expect(emu.metadata('secret', 'variables/slow')?.currentVersion).toBe(1)
      const attempts = emu.requests.filter((r) => r.path === 'secret/data/variables/slow')
      expect(attempts.map((r) => r.fault ?? r.status)).toEqual(['throttle', 200])
    } finally {
      await emu.close()
    }
  })

  it('stops at an aborted signal', async () => {
    const controller = new AbortController()
    controller.abort()
    await expect(backend().read({ kind: 'variable', id: 'k' }, controller.signal)).rejects.toThrow()
  })
})

describe('vault: cancelling', () => {
  it('an abort ends a request on the wire at once with the abort error, sends nothing more, and leaves the emulator to the next test', async () => {
    const emu = await startVaultEmulator()
    try {
      const b = backend({}, {}, emu)
      await b.write([variableEntry('slow', 'before')]) // mount checked, token known
      emu.setFaults({ latencyMs: 2000 })
      await expectEachCallEndsOnAbort(b, () => emu.requests.length, { sameReason: true })
      // an abort says nothing about Vault's load: the pacer keeps its concurrency
      expect(b.pacer.stats().concurrency).toBe(16)
      // the next test: the aborted requests are dropped, the same backend works on
      emu.reset()
      emu.setFaults({ latencyMs: 0 })
      emu.put('secret', 'variables/slow', { value: 'again' })
      const read = await b.read({ kind: 'variable', id: 'slow' })
      expect((read as VariableEntry).value).toBe('again')
      await new Promise((r) => setTimeout(r, 2100)) // past the aborted requests' latency
      expect(emu.metadata('secret', 'variables/slow')?.currentVersion).toBe(1)
      expect(emu.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        'GET secret/data/variables/slow 200'
      ])
    } finally {
      await emu.close()
    }
  }, 15_000)

  it('leaves no abort listener behind on a signal that many requests went through', async () => {
    const emu = await startVaultEmulator()
    try {
      await expectNoAbortListenerLeft(backend({}, { concurrency: 8 }, emu))
    } finally {
      await emu.close()
    }
  })
})
