// Interop: Debian's python3-boto3 and awscli against the AWS emulator, beside Airlock's
// Secrets Manager and Parameter Store backends. Each side reads what the other wrote; on the
// Python side Airflow's SecretsManagerBackend and SystemsManagerParameterStoreBackend rules
// (test/support/airflow_interop.py) turn values into connections and variables. Every check
// names the AWS documentation page it follows.
import { SignatureV4 } from '@smithy/signature-v4'
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AwsSecretsManagerBackend } from '../../../src-main/backends/aws-secrets-manager'
import { AwsSsmBackend } from '../../../src-main/backends/aws-ssm'
import { connectionEntry, variableEntry, type ConnectionEntry } from '../../../src-main/core/model'
import { startAwsEmulator, type AwsEmulator } from '../../support/emulators/aws'
import { airflow, AWS_CLI, command, missingClient } from '../../support/interop'

const noBoto3 = missingClient('boto3')
const noCli = missingClient('awscli')

let aws: AwsEmulator
const opened: { close(): Promise<void> }[] = []

beforeAll(async () => {
  aws = await startAwsEmulator({ seed: 21 })
})
afterAll(async () => {
  for (const b of opened) await b.close()
  await aws.close()
})
beforeEach(() => {
  aws.reset()
  aws.setPageSize(undefined)
})

function secretsManager(region = aws.region) {
  const b = new AwsSecretsManagerBackend({
    id: 'aws-sm:interop',
    endpoint: aws.url,
    region,
    credentials: aws.credentials
  })
  opened.push(b)
  return b
}

function parameterStore(region = aws.region) {
  const b = new AwsSsmBackend({
    id: 'aws-ssm:interop',
    endpoint: aws.url,
    region,
    credentials: aws.credentials
  })
  opened.push(b)
  return b
}

const config = (over: Record<string, unknown> = {}) => ({
  url: aws.url,
  region: aws.region,
  access_key_id: aws.credentials.accessKeyId,
  secret_access_key: aws.credentials.secretAccessKey,
  ...over
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
const DB_AS_AIRFLOW = {
  conn_type: 'postgres',
  host: 'db.internal',
  login: 'airflow',
  password: 'p@ss/word:1',
  schema: 'analytics',
  port: 5432,
  extra: { sslmode: 'require' }
}

describe.skipIf(noBoto3)(
  noBoto3
    ? `21: boto3 interop (skipped: ${noBoto3})`
    : '21: boto3 ↔ Airlock on the Secrets Manager emulator',
  () => {
    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
    // and Airflow's SecretsManagerBackend.get_conn_value / get_variable.
    it("21: Airflow's SecretsManagerBackend (boto3) reads what Airlock wrote", async () => {
      await secretsManager().write([DB, variableEntry('region', 'eu-west-1')])
      const [db, region, absent] = await airflow('secretsmanager', config(), [
        { op: 'get_connection', id: 'warehouse_db' },
        { op: 'get_variable', id: 'region' },
        { op: 'get_variable', id: 'absent' }
      ])
      expect(db!.connection).toEqual(DB_AS_AIRFLOW)
      expect(region!.value).toBe('eu-west-1')
      expect(absent).toEqual({ value: null })
    })

    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html and
    // Airflow's key aliases (user, pass, engine, database …; first key in the secret's order).
    it('21: Airlock reads secrets boto3 created (key aliases, conn_uri text) as Airflow does', async () => {
      const seeds: [string, string][] = [
        [
          'airflow/connections/aliased',
          JSON.stringify({
            engine: 'mysql',
            server: 'mysql.internal',
            user_name: 'etl',
            pass: 'pw',
            database: 'app',
            port: 3306
          })
        ],
        ['airflow/connections/as_uri', 'redis://:secret@cache.internal:6379/0'],
        ['airflow/variables/plain', 'text with spaces']
      ]
      await airflow(
        'secretsmanager',
        config(),
        seeds.map(([Name, SecretString]) => ({
          op: 'call',
          method: 'create_secret',
          kwargs: { Name, SecretString }
        }))
      )
      const [aliased, asUri, plain] = await airflow('secretsmanager', config(), [
        { op: 'get_connection', id: 'aliased' },
        { op: 'get_connection', id: 'as_uri' },
        { op: 'get_variable', id: 'plain' }
      ])
      const b = secretsManager()
      for (const [id, python] of [
        ['aliased', aliased!],
        ['as_uri', asUri!]
      ] as const) {
        const entry = (await b.read({ kind: 'connection', id })) as ConnectionEntry
        const { conn_type, host, login, password, schema, port, extra } = entry.fields
        expect({ conn_type, host, login, password, schema, port }).toEqual({
          ...python.connection,
          extra: undefined
        } as unknown as Record<string, unknown>)
        expect(extra === null ? null : JSON.parse(extra)).toEqual(python.connection!.extra)
      }
      expect(aliased!.connection).toMatchObject({ conn_type: 'mysql', login: 'etl', port: 3306 })
      expect(await b.read({ kind: 'variable', id: 'plain' })).toMatchObject({
        value: plain!.value
      })
      expect((await b.list({})).map((r) => r.id).sort()).toEqual(['aliased', 'as_uri', 'plain'])
    })

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html and
    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html
    it('21: a wrong secret key is InvalidSignatureException, an unknown access key UnrecognizedClientException', async () => {
      aws.putSecret('airflow/variables/region', 'eu-west-1')
      const [wrongSecret] = await airflow(
        'secretsmanager',
        config({ secret_access_key: 'not-the-secret' }),
        [
          {
            op: 'call',
            method: 'get_secret_value',
            kwargs: { SecretId: 'airflow/variables/region' }
          }
        ]
      )
      expect(wrongSecret!.error).toMatchObject({ code: 'InvalidSignatureException', status: 400 })
      expect(wrongSecret!.error!.message).toMatch(/signature we calculated does not match/)
      const [unknownKey] = await airflow(
        'secretsmanager',
        config({ access_key_id: 'AKIDNOBODY' }),
        [
          {
            op: 'call',
            method: 'get_secret_value',
            kwargs: { SecretId: 'airflow/variables/region' }
          }
        ]
      )
      expect(unknownKey!.error).toMatchObject({
        code: 'UnrecognizedClientException',
        status: 400,
        message: 'The security token included in the request is invalid.'
      })
      // Airflow's backend does not swallow these: only not-found-like errors read as None.
      const [asAirflow] = await airflow('secretsmanager', config({ secret_access_key: 'x' }), [
        { op: 'get_variable', id: 'region' }
      ])
      expect(asAirflow!.error).toMatchObject({ code: 'InvalidSignatureException' })
      // Airlock's SDK with the wrong secret is refused too.
      const wrong = new AwsSecretsManagerBackend({
        endpoint: aws.url,
        region: aws.region,
        credentials: { accessKeyId: aws.credentials.accessKeyId, secretAccessKey: 'x' },
        maxAttempts: 1
      })
      opened.push(wrong)
      await expect(wrong.read({ kind: 'variable', id: 'region' })).rejects.toThrow(
        /InvalidSignatureException/
      )
    })

    // https://docs.aws.amazon.com/general/latest/gr/rande.html (each Region is separate) —
    // the credential scope's region picks the store.
    it('21: each region keeps its own secrets', async () => {
      await secretsManager().write([variableEntry('region', 'us-east-1 value')])
      await airflow('secretsmanager', config({ region: 'eu-west-1' }), [
        {
          op: 'call',
          method: 'create_secret',
          kwargs: { Name: 'airflow/variables/region', SecretString: 'eu-west-1 value' }
        }
      ])
      const [home, eu, ap] = await Promise.all(
        [aws.region, 'eu-west-1', 'ap-south-1'].map((region) =>
          airflow('secretsmanager', config({ region }), [{ op: 'get_variable', id: 'region' }])
        )
      )
      expect(home![0]!.value).toBe('us-east-1 value')
      expect(eu![0]!.value).toBe('eu-west-1 value')
      expect(ap![0]!.value).toBeNull()
      expect(
        await secretsManager('eu-west-1').read({ kind: 'variable', id: 'region' })
      ).toMatchObject({ value: 'eu-west-1 value' })
    })

    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecretVersionIds.html
    // https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html#term_version
    it('21: ListSecretVersionIds shows the versions Airlock wrote, deprecated ones on request', async () => {
      const b = secretsManager()
      for (const value of ['one', 'two', 'three']) {
        await b.read({ kind: 'variable', id: 'rotating' })
        await b.write([variableEntry('rotating', value)])
      }
      const id = 'airflow/variables/rotating'
      const [staged, all] = await airflow('secretsmanager', config(), [
        { op: 'call', method: 'list_secret_version_ids', kwargs: { SecretId: id } },
        {
          op: 'call',
          method: 'list_secret_version_ids',
          kwargs: { SecretId: id, IncludeDeprecated: true }
        }
      ])
      type Versions = { Name: string; Versions: { VersionId: string; VersionStages: string[] }[] }
      const stagedVersions = (staged!.response as Versions).Versions
      expect((staged!.response as Versions).Name).toBe(id)
      expect(stagedVersions.map((v) => v.VersionStages).sort()).toEqual([
        ['AWSCURRENT'],
        ['AWSPREVIOUS']
      ])
      const allVersions = (all!.response as Versions).Versions
      expect(allVersions).toHaveLength(3)
      const deprecated = allVersions.find((v) => v.VersionStages.length === 0)!
      // A deprecated version is still readable by its id.
      const [old] = await airflow('secretsmanager', config(), [
        {
          op: 'call',
          method: 'get_secret_value',
          kwargs: { SecretId: id, VersionId: deprecated.VersionId }
        }
      ])
      expect(old!.response).toMatchObject({ SecretString: 'one', VersionStages: [] })
    })

    // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecrets.html
    // (NextToken pagination; boto3's paginator follows it).
    it('21: boto3 pages through 160 secrets Airlock wrote; Airlock lists what boto3 wrote', async () => {
      aws.setPageSize(40)
      await secretsManager().write(
        Array.from({ length: 160 }, (_, k) =>
          variableEntry(`v${String(k).padStart(3, '0')}`, `${k}`)
        )
      )
      const [pages] = await airflow('secretsmanager', config(), [
        { op: 'call', method: 'paginate:list_secrets', kwargs: {} }
      ])
      const names = (pages!.response as { SecretList: { Name: string }[] }[]).flatMap((p) =>
        p.SecretList.map((s) => s.Name)
      )
      expect(names).toHaveLength(160)
      expect(new Set(names).size).toBe(160)
      expect((pages!.response as unknown[]).length).toBe(4)
    })
  }
)

describe.skipIf(noBoto3)(
  noBoto3
    ? `21: boto3 SSM interop (skipped: ${noBoto3})`
    : '21: boto3 ↔ Airlock on the Parameter Store emulator',
  () => {
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html and
    // Airflow's SystemsManagerParameterStoreBackend (WithDecryption=True).
    it("21: Airflow's Parameter Store backend (boto3) reads what Airlock wrote; Airlock reads boto3's", async () => {
      await parameterStore().write([DB, variableEntry('region', 'eu-west-1')])
      await airflow('ssm', config(), [
        {
          op: 'call',
          method: 'put_parameter',
          kwargs: {
            Name: '/airflow/connections/from_boto3',
            Value: 'http://svc:s%40cret@api.internal:8080/v1',
            Type: 'SecureString'
          }
        },
        {
          op: 'call',
          method: 'put_parameter',
          kwargs: { Name: '/airflow/variables/from_boto3', Value: 'hello', Type: 'String' }
        }
      ])
      const [db, region, fromBoto3] = await airflow('ssm', config(), [
        { op: 'get_connection', id: 'warehouse_db' },
        { op: 'get_variable', id: 'region' },
        { op: 'get_connection', id: 'from_boto3' }
      ])
      expect(db!.connection).toEqual(DB_AS_AIRFLOW)
      expect(region!.value).toBe('eu-west-1')
      const entry = (await parameterStore().read({
        kind: 'connection',
        id: 'from_boto3'
      })) as ConnectionEntry
      expect(entry.fields).toMatchObject({
        conn_type: fromBoto3!.connection!.conn_type,
        host: fromBoto3!.connection!.host,
        login: 'svc',
        password: 's@cret',
        schema: 'v1',
        port: 8080
      })
      expect(fromBoto3!.connection).toMatchObject({ login: 'svc', password: 's@cret', port: 8080 })
      expect(await parameterStore().read({ kind: 'variable', id: 'from_boto3' })).toMatchObject({
        value: 'hello'
      })
    })

    // https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-versions.html
    // (GetParameter with name:version) and …/sysman-paramstore-labels.html (name:label).
    it('21: GetParameter selectors: name:version, name:label, and ParameterVersionNotFound', async () => {
      const b = parameterStore()
      for (const value of ['one', 'two', 'three']) {
        await b.read({ kind: 'variable', id: 'p' })
        await b.write([variableEntry('p', value)])
      }
      const name = '/airflow/variables/p'
      const [v1, latest, v9, labelled, byLabel, history, many] = await airflow('ssm', config(), [
        {
          op: 'call',
          method: 'get_parameter',
          kwargs: { Name: `${name}:1`, WithDecryption: true }
        },
        { op: 'call', method: 'get_parameter', kwargs: { Name: name, WithDecryption: true } },
        { op: 'call', method: 'get_parameter', kwargs: { Name: `${name}:9` } },
        {
          op: 'call',
          method: 'label_parameter_version',
          kwargs: { Name: name, ParameterVersion: 2, Labels: ['stable', '9lives'] }
        },
        {
          op: 'call',
          method: 'get_parameter',
          kwargs: { Name: `${name}:stable`, WithDecryption: true }
        },
        { op: 'call', method: 'get_parameter_history', kwargs: { Name: name } },
        {
          op: 'call',
          method: 'get_parameters',
          kwargs: {
            Names: [`${name}:3`, `${name}:4`, '/airflow/variables/none'],
            WithDecryption: true
          }
        }
      ])
      expect(v1!.response).toMatchObject({
        Parameter: { Name: name, Value: 'one', Version: 1, Selector: ':1' }
      })
      expect(latest!.response).toMatchObject({ Parameter: { Value: 'three', Version: 3 } })
      expect(v9!.error).toMatchObject({ code: 'ParameterVersionNotFound', status: 400 })
      // A label may not start with a digit: answered back as invalid, not refused.
      expect(labelled!.response).toEqual({ InvalidLabels: ['9lives'], ParameterVersion: 2 })
      expect(byLabel!.response).toMatchObject({
        Parameter: { Value: 'two', Version: 2, Selector: ':stable' }
      })
      const versions = (
        history!.response as { Parameters: { Version: number; Labels: string[] }[] }
      ).Parameters
      expect(versions.map((v) => [v.Version, v.Labels])).toEqual([
        [1, []],
        [2, ['stable']],
        [3, []]
      ])
      expect(many!.response).toMatchObject({
        Parameters: [{ Name: name, Value: 'three', Selector: ':3' }],
        InvalidParameters: [`${name}:4`, '/airflow/variables/none']
      })
    })

    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/CommonErrors.html
    it('21: Parameter Store refuses a wrong secret key and an unknown access key', async () => {
      aws.putParameter('/airflow/variables/region', 'eu-west-1')
      const [wrongSecret] = await airflow('ssm', config({ secret_access_key: 'nope' }), [
        { op: 'get_variable', id: 'region' }
      ])
      const [unknownKey] = await airflow('ssm', config({ access_key_id: 'AKIDNOBODY' }), [
        { op: 'get_variable', id: 'region' }
      ])
      expect(wrongSecret!.error).toMatchObject({ code: 'InvalidSignatureException', status: 400 })
      expect(unknownKey!.error).toMatchObject({ code: 'UnrecognizedClientException', status: 400 })
    })
  }
)

describe.skipIf(noCli)(
  noCli ? `21: awscli interop (skipped: ${noCli})` : '21: awscli ↔ Airlock on the AWS emulator',
  () => {
    const cli = (args: string[], over: Record<string, string> = {}) =>
      command(AWS_CLI, [...args, '--endpoint-url', aws.url, '--output', 'json'], {
        AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
        AWS_DEFAULT_REGION: aws.region,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_PAGER: '',
        ...over
      })

    // https://docs.aws.amazon.com/cli/latest/reference/secretsmanager/get-secret-value.html
    // https://docs.aws.amazon.com/cli/latest/reference/ssm/get-parameters-by-path.html
    it('21: aws secretsmanager / ssm read what Airlock wrote', async () => {
      await secretsManager().write([variableEntry('region', 'eu-west-1')])
      await parameterStore().write([variableEntry('a', '1'), variableEntry('b', '2')])
      const secret = await cli([
        'secretsmanager',
        'get-secret-value',
        '--secret-id',
        'airflow/variables/region'
      ])
      expect(secret.code).toBe(0)
      expect(JSON.parse(secret.stdout)).toMatchObject({
        Name: 'airflow/variables/region',
        SecretString: 'eu-west-1',
        VersionStages: ['AWSCURRENT']
      })
      const params = await cli([
        'ssm',
        'get-parameters-by-path',
        '--path',
        '/airflow/variables',
        '--recursive',
        '--with-decryption'
      ])
      expect(params.code).toBe(0)
      const found = (JSON.parse(params.stdout) as { Parameters: { Name: string; Value: string }[] })
        .Parameters
      expect(found.map((p) => [p.Name, p.Value])).toEqual([
        ['/airflow/variables/a', '1'],
        ['/airflow/variables/b', '2']
      ])
    })

    // https://docs.aws.amazon.com/cli/latest/reference/secretsmanager/create-secret.html
    it('21: Airlock reads a secret aws secretsmanager create-secret made', async () => {
      const made = await cli([
        'secretsmanager',
        'create-secret',
        '--name',
        'airflow/connections/cli_made',
        '--secret-string',
        '{"conn_type": "ftp", "host": "files.internal", "login": "u", "password": "p"}'
      ])
      expect(made.code).toBe(0)
      const entry = (await secretsManager().read({
        kind: 'connection',
        id: 'cli_made'
      })) as ConnectionEntry
      expect(entry.fields).toMatchObject({
        conn_type: 'ftp',
        host: 'files.internal',
        login: 'u',
        password: 'p'
      })
    })

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
    it('21: the CLI with a wrong secret key or an unknown access key is refused', async () => {
      aws.putSecret('airflow/variables/region', 'eu-west-1')
      const args = ['secretsmanager', 'get-secret-value', '--secret-id', 'airflow/variables/region']
      const wrong = await cli(args, { AWS_SECRET_ACCESS_KEY: 'wrong' })
      const unknown = await cli(args, { AWS_ACCESS_KEY_ID: 'AKIDNOBODY' })
      expect(wrong.code).not.toBe(0)
      expect(wrong.stderr).toMatch(/InvalidSignatureException/)
      expect(unknown.code).not.toBe(0)
      expect(unknown.stderr).toMatch(/UnrecognizedClientException/)
      expect(wrong.stdout + wrong.stderr).not.toContain('eu-west-1')
    })
  }
)

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data)

/** SHA-256 for the SDK's signer, from node:crypto (what @smithy/hash-node does). */
class Sha256 {
  private readonly hash: Hash | Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret))
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data))
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()))
  }
}

// The AWS SDK for JavaScript's own signer (@smithy/signature-v4), driving the requests a client
// library never sends: bytes changed after signing, a clock off by ten minutes.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html ("the request
// reaches AWS within five minutes of the time stamp") and
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html
describe('21: the AWS SDK signer on the Secrets Manager emulator', () => {
  async function send(opts: { tamper?: boolean; signingDate?: Date }) {
    const url = new URL(aws.url)
    const body = JSON.stringify({ SecretId: 'airflow/variables/region' })
    const signer = new SignatureV4({
      service: 'secretsmanager',
      region: aws.region,
      credentials: aws.credentials,
      sha256: Sha256
    })
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        query: {},
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'secretsmanager.GetSecretValue'
        },
        body
      },
      opts.signingDate ? { signingDate: opts.signingDate } : {}
    )
    const { host: _host, ...headers } = signed.headers
    const res = await fetch(aws.url, {
      method: 'POST',
      headers,
      body: opts.tamper ? body.replace('region', 'regiom') : body
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

  it('21: bytes changed after signing and a stale signature are InvalidSignatureException', async () => {
    aws.putSecret('airflow/variables/region', 'eu-west-1')
    expect(await send({})).toMatchObject({ status: 200, body: { SecretString: 'eu-west-1' } })
    const tampered = await send({ tamper: true })
    expect(tampered).toMatchObject({
      status: 400,
      body: { __type: 'InvalidSignatureException' }
    })
    expect(tampered.body.message).toMatch(/signature we calculated does not match/)
    const stale = await send({ signingDate: new Date(Date.now() - 10 * 60_000) })
    expect(stale).toMatchObject({ status: 400, body: { __type: 'InvalidSignatureException' } })
    expect(stale.body.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/)
  })
})
