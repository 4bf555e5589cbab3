// Interop: Debian's python3-hvac and curl against the Vault emulator, beside Airlock's
// VaultBackend. Each side reads what the other wrote; on the Python side Airflow's
// VaultBackend rules (test/support/airflow_interop.py) turn secrets into connections and
// variables. Every check names the Vault documentation page it follows.
import { rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VaultBackend } from '../../../src-main/backends/vault'
import { connectionEntry, variableEntry, type ConnectionEntry } from '../../../src-main/core/model'
import { startVaultEmulator, type VaultEmulator } from '../../support/emulators/vault'
import { airflow, command, missingClient } from '../../support/interop'
import { runPython } from '../../support/python'
import { tempDir } from '../../support/temp-dir'

const noHvac = missingClient('hvac')
const noCurl = missingClient('curl')

let vault: VaultEmulator
let seq = 0
const opened: VaultBackend[] = []

beforeAll(async () => {
  vault = await startVaultEmulator()
})
afterAll(async () => {
  for (const b of opened) await b.close()
  await vault.close()
})

/** A fresh KV mount, so checks never see each other's secrets. */
function mount(version: 1 | 2 = 2): string {
  const name = `interop${++seq}`
  vault.addMount(name, { version })
  return name
}

function airlock(mountPoint: string, version: 1 | 2 = 2, shape: 'fields' | 'uri' = 'fields') {
  const b = new VaultBackend({
    id: 'vault:interop',
    backendKwargs: {
      url: vault.url,
      token: vault.rootToken,
      mount_point: mountPoint,
      kv_engine_version: version
    },
    connectionShape: shape
  })
  opened.push(b)
  return b
}

const config = (mountPoint: string, version: 1 | 2 = 2) => ({
  url: vault.url,
  token: vault.rootToken,
  mount_point: mountPoint,
  kv_engine_version: version
})

const DB = connectionEntry('warehouse_db', {
  conn_type: 'postgres',
  host: 'db.internal',
  login: 'airflow',
  password: 'p@ss/word:1',
  schema: 'analytics',
  port: 5432,
  extra: '{"sslmode": "require"}'
})

describe.skipIf(noHvac)(
  noHvac ? `21: hvac interop (skipped: ${noHvac})` : '21: hvac ↔ Airlock on the Vault emulator',
  () => {
    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#list-secrets
    // (LIST /:secret-mount/metadata/:path; hvac sends the LIST verb).
    it('21: hvac kv.v2.list_secrets (the LIST verb) lists what Airlock wrote', async () => {
      const m = mount()
      await airlock(m).write([DB, variableEntry('region', 'eu-west-1')])
      const [connections, variables, missing] = await airflow('vault', config(m), [
        {
          op: 'call',
          method: 'secrets.kv.v2.list_secrets',
          kwargs: { path: 'connections', mount_point: m }
        },
        {
          op: 'call',
          method: 'secrets.kv.v2.list_secrets',
          kwargs: { path: 'variables', mount_point: m }
        },
        {
          op: 'call',
          method: 'secrets.kv.v2.list_secrets',
          kwargs: { path: 'nope', mount_point: m }
        }
      ])
      expect(connections!.response).toMatchObject({ data: { keys: ['warehouse_db'] } })
      expect(variables!.response).toMatchObject({ data: { keys: ['region'] } })
      // A folder with nothing under it is a 404 (hvac: InvalidPath).
      expect(missing!.error).toMatchObject({ code: 'InvalidPath' })
      expect(vault.requests.filter((r) => r.method === 'LIST').map((r) => r.status)).toEqual([
        200, 200, 404
      ])
    })

    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#read-secret-version
    // and Airflow's VaultBackend.get_conn_value / get_variable.
    it("21: Airflow's VaultBackend (hvac) reads the connections and variables Airlock wrote", async () => {
      const m = mount()
      const uriShaped = connectionEntry('api', {
        conn_type: 'http',
        host: 'api.example.com',
        login: 'svc',
        password: 's e/c:r@t',
        schema: 'v1',
        port: 8443,
        extra: '{"verify": "yes"}'
      })
      await airlock(m).write([DB, variableEntry('region', 'eu-west-1')])
      await airlock(m, 2, 'uri').write([uriShaped])
      const [db, api, region, absent] = await airflow('vault', config(m), [
        { op: 'get_connection', id: 'warehouse_db' },
        { op: 'get_connection', id: 'api' },
        { op: 'get_variable', id: 'region' },
        { op: 'get_variable', id: 'absent' }
      ])
      expect(db!.connection).toEqual({
        conn_type: 'postgres',
        host: 'db.internal',
        login: 'airflow',
        password: 'p@ss/word:1',
        schema: 'analytics',
        port: 5432,
        extra: { sslmode: 'require' }
      })
      // The URI shape goes through Airflow's URI parser: the same fields come back.
      expect(api!.value).toMatch(/^http:\/\//)
      expect(api!.connection).toEqual({
        conn_type: 'http',
        host: 'api.example.com',
        login: 'svc',
        password: 's e/c:r@t',
        schema: 'v1',
        port: 8443,
        extra: { verify: 'yes' }
      })
      expect(region!.value).toBe('eu-west-1')
      expect(absent).toEqual({ value: null })
    })

    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#create-update-secret
    // and https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v1#create-update-secret
    it('21: Airlock reads what hvac wrote: conn_uri, field maps, KV v1, and lists them', async () => {
      const m = mount()
      const v1 = mount(1)
      await airflow('vault', config(m), [
        {
          op: 'call',
          method: 'secrets.kv.v2.create_or_update_secret',
          kwargs: {
            path: 'connections/by_uri',
            mount_point: m,
            secret: { conn_uri: 'mysql://root:pw%2F1@mysql.internal:3306/app?charset=utf8' }
          }
        },
        {
          op: 'call',
          method: 'secrets.kv.v2.create_or_update_secret',
          kwargs: {
            path: 'connections/by_fields',
            mount_point: m,
            secret: { conn_type: 'redis', host: 'cache', port: 6379, extra: { db: 2 } }
          }
        },
        {
          op: 'call',
          method: 'secrets.kv.v2.create_or_update_secret',
          kwargs: { path: 'variables/flag', mount_point: m, secret: { value: 'on' } }
        }
      ])
      await airflow('vault', config(v1, 1), [
        {
          op: 'call',
          method: 'secrets.kv.v1.create_or_update_secret',
          kwargs: { path: 'variables/old', mount_point: v1, secret: { value: 'kv1' } }
        }
      ])
      const b = airlock(m)
      const byUri = (await b.read({ kind: 'connection', id: 'by_uri' })) as ConnectionEntry
      expect(byUri.fields).toMatchObject({
        conn_type: 'mysql',
        host: 'mysql.internal',
        login: 'root',
        password: 'pw/1',
        schema: 'app',
        port: 3306
      })
      expect(JSON.parse(byUri.fields.extra!)).toEqual({ charset: 'utf8' })
      const byFields = (await b.read({ kind: 'connection', id: 'by_fields' })) as ConnectionEntry
      expect(byFields.fields).toMatchObject({ conn_type: 'redis', host: 'cache', port: 6379 })
      expect(JSON.parse(byFields.fields.extra!)).toEqual({ db: 2 })
      expect(await b.read({ kind: 'variable', id: 'flag' })).toMatchObject({ value: 'on' })
      const listed = (await b.list({})).map((r) => `${r.kind}:${r.id}`).sort()
      expect(listed).toEqual(['connection:by_fields', 'connection:by_uri', 'variable:flag'])
      expect(await airlock(v1, 1).read({ kind: 'variable', id: 'old' })).toMatchObject({
        value: 'kv1'
      })
      // And Airflow's side agrees with Airlock's on the same secrets.
      const [pyUri, pyFields] = await airflow('vault', config(m), [
        { op: 'get_connection', id: 'by_uri' },
        { op: 'get_connection', id: 'by_fields' }
      ])
      expect(pyUri!.connection).toMatchObject({ host: 'mysql.internal', password: 'pw/1' })
      expect(pyFields!.connection).toMatchObject({ conn_type: 'redis', port: 6379 })
    })

    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#create-update-secret
    // (the data is stored as sent: Vault keeps a JSON number's text, Go's json.Number).
    it("21: Airlock reads a field map's extra object as hvac and Airflow do: 1.0 and big integers kept", async () => {
      const m = mount()
      const put = await fetch(`${vault.url}/v1/${m}/data/connections/floaty`, {
        method: 'POST',
        headers: { 'X-Vault-Token': vault.rootToken, 'Content-Type': 'application/json' },
        body:
          '{"data": {"conn_type": "http", "host": "api.internal", "extra": {"timeout": 1.0, ' +
          '"big": 12345678901234567890, "neg_zero": -0.0, "nested": {"x": [2.50, 1e3]}}}}'
      })
      expect(put.ok).toBe(true)
      // get_conn_value's text over hvac, then the extra as Connection.from_json dumps it.
      const [py] = await airflow('vault', config(m), [{ op: 'get_connection', id: 'floaty' }])
      const { extra } = runPython<{ extra: string }>(
        'import json, sys\nvalue = json.load(sys.stdin)\nprint(json.dumps({"extra": json.dumps(json.loads(value)["extra"])}))',
        py!.value
      )
      expect(extra).toBe(
        '{"timeout": 1.0, "big": 12345678901234567890, "neg_zero": -0.0, "nested": {"x": [2.5, 1000.0]}}'
      )
      const c = (await airlock(m).read({ kind: 'connection', id: 'floaty' })) as ConnectionEntry
      expect(c.fields.extra).toBe(extra)
    })

    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#read-secret-version
    // ("version: Specifies the version to return. If not set the latest version is returned.")
    it('21: KV v2 ?version=N returns that version; a version that does not exist is a 404', async () => {
      const m = mount()
      const b = airlock(m)
      await b.write([variableEntry('rotating', 'first')])
      await b.read({ kind: 'variable', id: 'rotating' }) // learn the version for check-and-set
      await b.write([variableEntry('rotating', 'second')])
      const [one, two, latest, nine] = await airflow('vault', config(m), [
        ...[1, 2, 0, 9].map((version) => ({
          op: 'call' as const,
          method: 'secrets.kv.v2.read_secret_version',
          kwargs: { path: 'variables/rotating', mount_point: m, version }
        }))
      ])
      expect(one!.response).toMatchObject({
        data: { data: { value: 'first' }, metadata: { version: 1 } }
      })
      expect(two!.response).toMatchObject({
        data: { data: { value: 'second' }, metadata: { version: 2 } }
      })
      expect(latest!.response).toMatchObject({ data: { metadata: { version: 2 } } })
      expect(nine!.error).toMatchObject({ code: 'InvalidPath' })
    })

    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#delete-latest-version-of-secret
    it('21: a version hvac soft-deleted is gone for Airlock and for Airflow, its name still listed', async () => {
      const m = mount()
      await airlock(m).write([variableEntry('gone', 'x'), variableEntry('kept', 'y')])
      const [deleted, value, listed] = await airflow('vault', config(m), [
        {
          op: 'call',
          method: 'secrets.kv.v2.delete_latest_version_of_secret',
          kwargs: { path: 'variables/gone', mount_point: m }
        },
        { op: 'get_variable', id: 'gone' },
        {
          op: 'call',
          method: 'secrets.kv.v2.list_secrets',
          kwargs: { path: 'variables', mount_point: m }
        }
      ])
      expect(deleted!.error).toBeUndefined()
      expect(value).toEqual({ value: null })
      expect(listed!.response).toMatchObject({ data: { keys: ['gone', 'kept'] } })
      expect(await airlock(m).read({ kind: 'variable', id: 'gone' })).toBeUndefined()
      expect(await airlock(m).read({ kind: 'variable', id: 'kept' })).toMatchObject({ value: 'y' })
    })
  }
)

describe.skipIf(noCurl)(
  noCurl ? `21: curl interop (skipped: ${noCurl})` : '21: curl on the Vault emulator',
  () => {
    // https://developer.hashicorp.com/vault/api-docs#api-operations: "LIST … Since LIST is not
    // a standard HTTP verb, it can also be issued as GET with the query parameter list=true".
    it('21: curl -X LIST and GET ?list=true answer the same keys', async () => {
      const m = mount()
      await airlock(m).write([variableEntry('a', '1'), variableEntry('b', '2')])
      const url = `${vault.url}/v1/${m}/metadata/variables`
      const header = `X-Vault-Token: ${vault.rootToken}`
      const list = await command('curl', [
        '-s',
        '-w',
        '\n%{http_code}',
        '-X',
        'LIST',
        '-H',
        header,
        url
      ])
      const get = await command('curl', [
        '-s',
        '-w',
        '\n%{http_code}',
        '-H',
        header,
        `${url}?list=true`
      ])
      for (const answer of [list, get]) {
        const [body, status] = answer.stdout.split('\n')
        expect(status).toBe('200')
        expect(JSON.parse(body!)).toMatchObject({ data: { keys: ['a', 'b'] } })
      }
    })
  }
)

// https://developer.hashicorp.com/vault/api-docs#api-operations (LIST) over HTTP/1.1 keep-alive:
// the emulator rewrites LIST before Node's parser by following the request framing, so a LIST
// after a request with a body, or several requests in one packet, still parse.
describe('21: the LIST verb on one kept-alive connection', () => {
  it('21: LIST, a chunked write and LIST again, pipelined in one packet, get three answers', async () => {
    const m = mount()
    const host = new URL(vault.url)
    const body = JSON.stringify({ data: { value: 'x' } })
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
    const head = (line: string, extra = '') =>
      `${line} HTTP/1.1\r\nHost: ${host.host}\r\nX-Vault-Token: ${vault.rootToken}\r\n${extra}\r\n`
    await airlock(m).write([variableEntry('first', '1')])
    const packet =
      head(`LIST /v1/${m}/metadata/variables`) +
      head(`POST /v1/${m}/data/variables/second`, 'Transfer-Encoding: chunked\r\n') +
      chunked +
      head(`LIST /v1/${m}/metadata/variables`, 'Connection: close\r\n')
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(host.port), host.hostname, () => socket.write(packet))
      let text = ''
      socket.on('data', (d: Buffer) => (text += d.toString('utf8')))
      socket.on('close', () => resolve(text))
      socket.on('error', reject)
    })
    const statuses = [...answer.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((x) => x[1])
    expect(statuses).toEqual(['200', '200', '200'])
    const lists = [...answer.matchAll(/"keys":(\[[^\]]*\])/g)].map((x) => JSON.parse(x[1]!))
    // Node runs pipelined handlers side by side (Vault answers them one after the other), so
    // the last LIST may or may not see the write; the first one and the write itself are fixed.
    expect(lists[0]).toEqual(['first'])
    expect(lists).toHaveLength(2)
    expect(vault.get(m, 'variables/second')).toEqual({ value: 'x' })
  })
})

// https://developer.hashicorp.com/vault/api-docs/auth/kubernetes#login
// hvac's auth.kubernetes.login (what Airflow's _VaultClient._auth_kubernetes calls) pins the
// emulator's Kubernetes login: POST auth/<mount>/login {role, jwt} → auth.client_token, then a
// read with that token; a JWT Vault does not accept is 403, an unknown role 400. Airlock's
// VaultBackend logs in through the same answer.
describe.skipIf(noHvac)(
  noHvac ? `20: hvac Kubernetes login (skipped: ${noHvac})` : '20: hvac Kubernetes login',
  () => {
    const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YWlyZmxvdyJ9.sig'
    let k8s: VaultEmulator
    let dir: string
    beforeAll(async () => {
      k8s = await startVaultEmulator({
        kubernetesRoles: [
          { role: 'airflow', jwt: JWT },
          { mount: 'k8s-prod', role: 'airflow', jwt: JWT }
        ]
      })
      k8s.put('secret', 'variables/region', { value: 'eu-west-1' })
      dir = tempDir('airlock-k8s-interop-')
      await writeFile(join(dir, 'token'), `${JWT}\n`)
    })
    afterAll(async () => {
      await k8s.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('20: hvac auth.kubernetes.login gets a token that reads; a bad JWT is 403, an unknown role 400', async () => {
      const [login, read, custom, badJwt, badRole] = await airflow(
        'vault',
        { url: k8s.url, token: 'none-yet' },
        [
          { op: 'call', method: 'auth.kubernetes.login', kwargs: { role: 'airflow', jwt: JWT } },
          {
            op: 'call',
            method: 'secrets.kv.v2.read_secret_version',
            kwargs: { path: 'variables/region', mount_point: 'secret' }
          },
          {
            op: 'call',
            method: 'auth.kubernetes.login',
            kwargs: { role: 'airflow', jwt: JWT, mount_point: 'k8s-prod' }
          },
          {
            op: 'call',
            method: 'auth.kubernetes.login',
            kwargs: { role: 'airflow', jwt: 'eyJ.other.sig' }
          },
          { op: 'call', method: 'auth.kubernetes.login', kwargs: { role: 'nobody', jwt: JWT } }
        ]
      )
      expect(login!.response).toMatchObject({
        auth: {
          client_token: expect.stringMatching(/^hvs\.kubernetes-/),
          metadata: { role: 'airflow' },
          renewable: true
        }
      })
      expect(read!.response).toMatchObject({ data: { data: { value: 'eu-west-1' } } })
      expect(custom!.response).toMatchObject({ auth: { client_token: expect.any(String) } })
      expect(badJwt!.error).toMatchObject({ code: 'Forbidden' })
      expect(badRole!.error).toMatchObject({ code: 'InvalidRequest' })
      expect(badRole!.error!.message).toMatch('invalid role name "nobody"')
      const hvacLogins = k8s.requests.filter((r) => r.operation === 'login')
      expect(hvacLogins.map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', 'auth/kubernetes/login', 200],
        ['POST', 'auth/k8s-prod/login', 200],
        ['POST', 'auth/kubernetes/login', 403],
        ['POST', 'auth/kubernetes/login', 400]
      ])

      const mark = k8s.requests.length
      const b = new VaultBackend({
        id: 'vault:k8s',
        backendKwargs: {
          url: k8s.url,
          auth_type: 'kubernetes',
          kubernetes_role: 'airflow',
          kubernetes_jwt_path: join(dir, 'token')
        }
      })
      opened.push(b)
      expect(await b.read({ kind: 'variable', id: 'region' })).toMatchObject({ value: 'eu-west-1' })
      const airlockLogin = k8s.requests.slice(mark).filter((r) => r.operation === 'login')
      expect(airlockLogin.map((r) => [r.method, r.path, r.status])).toEqual([
        ['POST', 'auth/kubernetes/login', 200]
      ])
    })
  }
)
