// AWS Secrets Manager through the real @aws-sdk/client-secrets-manager, against the loopback
// AWS JSON 1.1 emulator (test/support/emulators/aws.ts).
import { getEventListeners } from 'node:events'
import { ConfiguredRetryStrategy } from '@smithy/core/retry'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  AwsSecretsManagerBackend,
  type AwsSecretsManagerOptions
} from '../../../src-main/backends/aws-secrets-manager'
import {
  encodeSecretsManagerConnection,
  secretsManagerLostFields
} from '../../../src-main/core/airflow-secrets/aws-secrets-manager'
import { AirlockError } from '../../../src-main/core/errors'
import {
  connectionEntry,
  variableEntry,
  type ConnectionEntry,
  type ConnectionFields,
  type Dialect,
  type Entry,
  type VariableEntry
} from '../../../src-main/core/model'
import {
  decodeSecretsManagerConnection,
  parseAwsSecretsManagerKwargs
} from '../../../src-main/core/airflow-secrets/aws-secrets-manager'
import {
  abortWhen,
  expectEachCallEndsOnAbort,
  expectNoAbortListenerLeft,
  settle
} from '../../support/abort'
import { backendConformance, SECRET_MARK } from '../../support/backend-conformance'
import { startAwsEmulator, type AwsEmulator } from '../../support/emulators/aws'

let aws: AwsEmulator
const open: AwsSecretsManagerBackend[] = []

beforeAll(async () => {
  aws = await startAwsEmulator({ seed: 11 })
})
afterAll(async () => {
  for (const b of open) await b.close()
  await aws.close()
})

function fresh(): void {
  aws.reset()
  aws.setFaults({})
  aws.setDeny([])
  aws.setPageSize(undefined)
  aws.clearRequests()
}

/** A backend on the emulator with a fast retry strategy (1 ms between attempts). */
function backend(options: Partial<AwsSecretsManagerOptions> = {}): AwsSecretsManagerBackend {
  const b = new AwsSecretsManagerBackend({
    id: 'aws-sm:test',
    endpoint: aws.url,
    region: aws.region,
    credentials: aws.credentials,
    retryStrategy: new ConfiguredRetryStrategy(6, () => 1),
    throttleAttempts: 6,
    ...options
  })
  open.push(b)
  return b
}

async function failure(promise: Promise<unknown>): Promise<AirlockError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError)
    return error as AirlockError
  }
  throw new Error('expected a failure')
}

const fields = (e: Entry | undefined) => (e as ConnectionEntry).fields
const value = (e: Entry | undefined) => (e as VariableEntry).value

backendConformance('aws-secrets-manager', {
  create: async () => {
    fresh()
    return backend()
  },
  // Airflow's alias map keeps no description; a variable is the secret's value only.
  lossy: ['description', 'variable.description']
})

describe('aws-secrets-manager: reading as Airflow reads', () => {
  beforeEach(fresh)

  it('aliases JSON keys (first match in the secret’s order) and drops the rest', async () => {
    aws.putSecret(
      'airflow/connections/aliased',
      JSON.stringify({
        engine: 'postgresql',
        username: 'first',
        login: 'second',
        key: `k ${SECRET_MARK}`,
        password: 'not used',
        server: 'db.internal',
        port: '5432',
        database: 'dw',
        description: 'dropped by Airflow',
        dbClusterIdentifier: 'dropped too',
        extra: { sslmode: 'require' }
      })
    )
    const read = await backend().read({ kind: 'connection', id: 'aliased' })
    expect(fields(read)).toEqual({
      conn_type: 'postgres',
      description: null,
      host: 'db.internal',
      login: 'first',
      password: `k ${SECRET_MARK}`,
      schema: 'dw',
      port: 5432,
      extra: '{"sslmode": "require"}'
    })
    expect(read?.source).toEqual({
      backendId: 'aws-sm:test',
      path: 'airflow/connections/aliased',
      fromKey: 'SecretString'
    })
  })

  it('reads extra_conn_words, URIs, url-encoded JSON values verbatim, and variables verbatim', async () => {
    aws.putSecret('airflow/connections/words', '{"usuario": "u", "conn_type": "http"}')
    aws.putSecret('airflow/connections/uri', '  postgresql://user:p%40ss@host:5432/db  ')
    aws.putSecret(
      'airflow/connections/encoded',
      '{"conn_type": "http", "user": "is%20url%20encoded"}'
    )
    aws.putSecret('airflow/variables/spaced', '  keep me  \n')
    const b = backend({ backendKwargs: { extra_conn_words: { user: ['usuario'] } } })
    expect(fields(await b.read({ kind: 'connection', id: 'words' })).login).toBe('u')
    expect(fields(await b.read({ kind: 'connection', id: 'uri' }))).toMatchObject({
      conn_type: 'postgres',
      login: 'user',
      password: 'p@ss',
      host: 'host',
      schema: 'db'
    })
    // Current providers no longer unquote JSON values (apache/airflow#25432).
    expect(fields(await b.read({ kind: 'connection', id: 'encoded' })).login).toBe(
      'is%20url%20encoded'
    )
    expect(value(await b.read({ kind: 'variable', id: 'spaced' }))).toBe('  keep me  \n')
  })

  it('reads binary-only, missing and scheduled-for-deletion secrets as not found', async () => {
    aws.putSecret('airflow/variables/binary', undefined)
    aws.putSecret('airflow/variables/doomed', 'x')
    aws.scheduleDeletion('airflow/variables/doomed')
    const b = backend()
    expect(await b.read({ kind: 'variable', id: 'binary' })).toBeUndefined()
    expect(await b.read({ kind: 'variable', id: 'missing' })).toBeUndefined()
    expect(await b.read({ kind: 'variable', id: 'doomed' })).toBeUndefined()
    // ListSecrets cannot tell a binary secret from a string one; loading can.
    expect(await b.list({})).toEqual([{ kind: 'variable', id: 'binary' }])
    expect(await b.load({})).toEqual({ entries: [], problems: [] })
  })

  it('asks nothing for a null prefix or an id the lookup pattern excludes', async () => {
    aws.putSecret('airflow/connections/dev_db', 'postgres://h')
    aws.putSecret('airflow/connections/PROD_db', 'postgres://h')
    aws.putSecret('airflow/variables/v', 'x')
    const b = backend({
      backendKwargs: { connections_lookup_pattern: '^prod_', variables_prefix: null }
    })
    aws.clearRequests()
    expect(await b.read({ kind: 'connection', id: 'dev_db' })).toBeUndefined()
    expect(await b.read({ kind: 'variable', id: 'v' })).toBeUndefined()
    expect(aws.count()).toBe(0)
    expect(await b.read({ kind: 'connection', id: 'PROD_db' })).toBeDefined()
    expect(await b.list({})).toEqual([{ kind: 'connection', id: 'PROD_db' }])
  })

  it('multi-team rule (awsTeamLookup, apache/airflow#71078): ids holding -- are refused only with multiTeam on', async () => {
    aws.putSecret('airflow/connections/team--db', 'postgres://h')
    expect(await backend().read({ kind: 'connection', id: 'team--db' })).toBeDefined()
    const b = backend({ multiTeam: true })
    aws.clearRequests()
    expect(await b.read({ kind: 'connection', id: 'team--db' })).toBeUndefined()
    expect(aws.count()).toBe(0)
    expect(await b.read({ kind: 'connection', id: 'team_db' })).toBeUndefined()
    const problems = await b.preflight([variableEntry('a--b', 'x')])
    expect(problems).toMatchObject([{ severity: 'error', code: 'usage' }])
    expect(problems[0]!.message).toMatch(/multi-team mode; Airflow answers not found/)
    expect((await failure(b.write([variableEntry('a--b', 'x')]))).code).toBe('usage')
  })

  it('reports names that read as two ids and loads the rest; a bad secret is a problem, not a failure', async () => {
    aws.putSecret('airflow/variables/x', 'variable x')
    aws.putSecret('airflow/good', 'postgres://h')
    aws.putSecret('airflow/broken', '{"conn_type": "http", "port": "eighty"}')
    const b = backend({ backendKwargs: { connections_prefix: 'airflow' } })
    const listing = await b.listNames({})
    expect(listing.ambiguous).toEqual([
      {
        target: 'airflow/variables/x',
        readsAs: [
          { kind: 'connection', id: 'variables/x' },
          { kind: 'variable', id: 'x' }
        ]
      }
    ])
    const loaded = await b.load({})
    expect(
      loaded.entries.map((e) => `${e.kind}:${e.kind === 'connection' ? e.id : e.key}`)
    ).toEqual(['connection:good'])
    expect(loaded.problems.map((p) => p.code).sort()).toEqual([
      'codec.invalid',
      'codec.invalid-port'
    ])
    expect(JSON.stringify(loaded.problems)).not.toContain('eighty')
  })
})

describe('aws-secrets-manager: values', () => {
  beforeEach(fresh)

  const tricky: Entry[] = [
    variableEntry('unicode', 'héllo wörld ✓ 日本語 \u{1f600}'),
    variableEntry('newlines', 'line 1\nline 2\r\n\ttabbed\n'),
    variableEntry('percent', '100% %20 %zz'),
    variableEntry('at-slash', 'user@host/path?q=1#frag'),
    variableEntry('json-looking', '{"looks": "like json", "n": 1}'),
    variableEntry('empty', ''),
    variableEntry('very_long', 'x'.repeat(60_000) + SECRET_MARK),
    variableEntry('team/nested/id', 'slashes in the id'),
    connectionEntry('tricky_conn', {
      conn_type: 'postgres',
      host: 'Db.Example.com',
      login: 'us@er/ü',
      password: `p@ss/w:rd?#%+ ${SECRET_MARK}\n`,
      schema: 'dw/2024',
      port: 5432,
      extra: '{"a": "1", "nested": {"b": [1, 2]}, "unicode": "ü"}'
    }),
    connectionEntry('uri_safe', {
      conn_type: 'redis',
      host: 'cache',
      port: 6379,
      schema: '',
      login: 'u',
      password: 'p'
    }),
    connectionEntry('json_extra_strings', {
      conn_type: 'http',
      host: 'api',
      extra: '{"timeout": "10", "flag": "true"}'
    }),
    connectionEntry('port_zero', { conn_type: 'redis', host: 'h', port: 0 })
  ]

  for (const dialect of ['airflow2', 'airflow3', 'task-sdk'] as Dialect[])
    it(`round-trips tricky values (${dialect})`, async () => {
      const b = backend({ dialect })
      // written(): the name and the value write stores, said before writing (the same encoder)
      const forms = await Promise.all(tricky.map((e) => b.written(e)))
      await b.write(tricky)
      for (const f of forms) expect(aws.secret(f.name)?.value).toBe(f.text)
      const loaded = await b.load({})
      expect(loaded.problems).toEqual([])
      for (const e of tricky) {
        const ref =
          e.kind === 'connection' ? { kind: e.kind, id: e.id } : { kind: e.kind, id: e.key }
        const back = await b.read(ref)
        const fromLoad = loaded.entries.find(
          (x) => x.kind === e.kind && (x.kind === 'connection' ? x.id : x.key) === ref.id
        )
        if (e.kind === 'variable') {
          expect(value(back)).toBe(e.value)
          expect(value(fromLoad)).toBe(e.value)
        } else {
          const want: ConnectionFields = { ...e.fields }
          // The Airflow 2 and 3 core constructors drop a falsy port from JSON (reference §6).
          if (dialect !== 'task-sdk' && want.port === 0) want.port = null
          const got = fields(back)
          expect({ ...got, extra: got.extra && JSON.parse(got.extra) }).toEqual({
            ...want,
            extra: want.extra && JSON.parse(want.extra)
          })
          expect(fields(fromLoad)).toEqual(got)
        }
      }
    })

  it('writes JSON whose every field survives the alias map, except description', () => {
    const naming = parseAwsSecretsManagerKwargs({})
    const all: ConnectionFields = {
      conn_type: 'postgres',
      description: 'dropped by Airflow',
      host: 'Host.Example',
      login: 'user',
      password: 'pass',
      schema: 'db',
      port: 5432,
      extra: '{"a": 1}'
    }
    const json = encodeSecretsManagerConnection(all, 'airflow3')
    expect(JSON.parse(json)).toEqual({
      conn_type: 'postgres',
      host: 'Host.Example',
      login: 'user',
      password: 'pass',
      schema: 'db',
      port: 5432,
      extra: { a: 1 }
    })
    expect(secretsManagerLostFields(all, naming, 'airflow3')).toEqual(['description'])
    expect(decodeSecretsManagerConnection(json, naming, 'airflow3').value).toEqual({
      ...all,
      description: null
    })
    // With extra_conn_words that alias a field's key to another field, fields can be lost.
    const odd = parseAwsSecretsManagerKwargs({ extra_conn_words: { login: ['password'] } })
    expect(secretsManagerLostFields({ ...all, login: null }, odd, 'airflow3')).toEqual([
      'description',
      'login'
    ])
  })

  it('writes a URI when it reads back unchanged, JSON (through the alias map) otherwise', () => {
    const naming = parseAwsSecretsManagerKwargs({})
    const plain = connectionEntry('a', {
      conn_type: 'redis',
      host: 'cache',
      port: 6379,
      schema: ''
    }).fields
    expect(encodeSecretsManagerConnection(plain, 'airflow3')).toBe('redis://cache:6379')
    const described = { ...plain, description: 'kept nowhere' }
    expect(encodeSecretsManagerConnection(described, 'airflow3')).toBe('redis://cache:6379')
    const cased = { ...plain, host: 'Cache' }
    const json = encodeSecretsManagerConnection(cased, 'airflow3')
    expect(json.startsWith('{')).toBe(true)
    expect(decodeSecretsManagerConnection(json, naming, 'airflow3').value).toEqual(cased)
    expect(decodeSecretsManagerConnection(json, naming, 'airflow3').droppedKeys).toEqual([])
  })
})

describe('aws-secrets-manager: batch reads', () => {
  beforeEach(fresh)

  it('reads many refs with BatchGetSecretValue, 20 a request', async () => {
    for (let k = 0; k < 30; k++) aws.putSecret(`airflow/variables/v${k}`, `value ${k}`)
    const refs = Array.from({ length: 45 }, (_, k) => ({ kind: 'variable' as const, id: `v${k}` }))
    const b = backend()
    aws.clearRequests()
    const got = await b.readMany(refs)
    expect(got.problems).toEqual([])
    expect(got.entries).toHaveLength(30)
    expect(aws.count('BatchGetSecretValue')).toBe(3)
    expect(aws.count()).toBe(3)
  })

  it('falls back to GetSecretValue when the credentials may not call BatchGetSecretValue', async () => {
    for (let k = 0; k < 45; k++) aws.putSecret(`airflow/connections/c${k}`, `http://h${k}`)
    aws.setDeny([
      { action: 'BatchGetSecretValue' },
      { action: 'GetSecretValue', name: 'airflow/connections/c7' }
    ])
    const loaded = await backend().load({})
    expect(loaded.entries).toHaveLength(44)
    expect(loaded.problems).toMatchObject([{ ref: { id: 'c7' }, code: 'backend.access-denied' }])
    expect(aws.count('BatchGetSecretValue')).toBeLessThanOrEqual(3)
    expect(aws.count('GetSecretValue')).toBe(45)
  })

  it('stops waiting when the caller aborts', async () => {
    aws.putSecret('airflow/variables/slow', 'x')
    aws.setFaults({ latencyMs: 2_000 })
    const error = await backend()
      .read({ kind: 'variable', id: 'slow' }, AbortSignal.timeout(50))
      .then(
        () => undefined,
        (e: unknown) => e
      )
    expect((error as Error).name).toBe('AbortError')
  })

  it('(the emulator) drops a request still delayed when a test resets it: a later test keeps its injected faults', async () => {
    aws.putSecret('airflow/variables/slow', 'x')
    aws.setFaults({ latencyMs: 300 })
    await backend()
      .read({ kind: 'variable', id: 'slow' }, AbortSignal.timeout(50))
      .catch(() => undefined)
    fresh()
    aws.putSecret('airflow/variables/slow', 'again')
    aws.inject({ kind: 'throttle' }, 1, /^GetSecretValue$/)
    await new Promise((r) => setTimeout(r, 400)) // the aborted request's delay ends
    const b = backend({ retryStrategy: undefined, throttleAttempts: undefined })
    expect(value(await b.read({ kind: 'variable', id: 'slow' }))).toBe('again')
    const attempts = aws.requests.filter((r) => r.action === 'GetSecretValue')
    expect(attempts.map((r) => r.error ?? 'ok')).toEqual(['ThrottlingException', 'ok'])
  })
})

describe('aws-secrets-manager: listing and loading at scale', () => {
  beforeEach(fresh)

  it('pages 2,500 secrets with ListSecrets (≤100) and BatchGetSecretValue (≤20)', async () => {
    const n = 2500
    for (let k = 0; k < n; k++)
      if (k % 5 === 0) aws.putSecret(`airflow/variables/var_${k}`, `value ${k}`)
      else aws.putSecret(`airflow/connections/conn_${k}`, `postgres://u:p@h${k}:5432/db`)
    aws.putSecret('unrelated/secret', 'not airflow')
    aws.putSecret('airflow/variables/doomed', 'x')
    aws.scheduleDeletion('airflow/variables/doomed')
    const b = backend()
    aws.clearRequests()
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(n)
    const lists = aws.count('ListSecrets')
    const batches = aws.count('BatchGetSecretValue')
    expect(lists).toBeLessThanOrEqual(Math.ceil(n / 100))
    expect(batches).toBeLessThanOrEqual(Math.ceil(n / 20))
    expect(aws.count()).toBe(lists + batches)
    expect(aws.count() / n).toBeLessThanOrEqual(0.06)
    // A small page size still lists everything, once.
    aws.setPageSize(7)
    const refs = await b.list({ kinds: ['variable'] })
    expect(refs).toHaveLength(n / 5)
    expect(new Set(refs.map((r) => r.id)).size).toBe(n / 5)
  })
})

describe('aws-secrets-manager: retries', () => {
  beforeEach(fresh)

  it('recovers from throttling, 5xx and dropped connections with a fast retry strategy, applying each write once', async () => {
    aws.setFaults({
      throttleRate: 0.12,
      throttleError: 'ThrottledException',
      errorRate: 0.04,
      dropRate: 0.04,
      dropAfterApplyRate: 0.04
    })
    const b = backend({ retryStrategy: new ConfiguredRetryStrategy(12, () => 1) })
    const entries = Array.from({ length: 200 }, (_, k) =>
      k % 2
        ? variableEntry(`v${k}`, `value ${k}`)
        : connectionEntry(`c${k}`, { conn_type: 'http', host: `h${k}` })
    )
    await b.write(entries)
    const changed = entries
      .slice(0, 40)
      .flatMap((e) => (e.kind === 'variable' ? [{ ...e, value: e.value + '!' }] : []))
    await b.write(changed)
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(200)
    const faults = aws.requests.filter((r) => r.fault)
    expect(new Set(faults.map((f) => f.fault))).toEqual(
      new Set(['throttle', 'error', 'drop', 'drop-after-apply'])
    )
    expect(faults.find((f) => f.fault === 'throttle')?.error).toBe('ThrottledException')
    // ClientRequestToken made each retried create/put idempotent: one version per write.
    for (let k = 0; k < 200; k += 2)
      expect(aws.secret(`airflow/connections/c${k}`)?.versionIds).toHaveLength(1)
    expect(aws.secret('airflow/variables/v1')?.value).toBe('value 1!')
    expect(aws.secret('airflow/variables/v1')?.versionIds).toHaveLength(2)
  })

  it('applies a create or put once when the answer is lost after it took effect', async () => {
    const b = backend()
    aws.inject({ kind: 'drop', afterApply: true }, 1, /^CreateSecret$/)
    await b.write([variableEntry('once', 'a')])
    aws.inject({ kind: 'drop', afterApply: true }, 1, /^PutSecretValue$/)
    await b.write([variableEntry('once', 'b')])
    const actions = aws.requests.map((r) => `${r.action}${r.fault ? ':' + r.fault : ''}`)
    expect(actions).toEqual([
      'CreateSecret:drop-after-apply',
      'CreateSecret',
      'CreateSecret',
      'PutSecretValue:drop-after-apply',
      'PutSecretValue',
      'TagResource'
    ])
    expect(aws.secret('airflow/variables/once')).toMatchObject({ value: 'b' })
    expect(aws.secret('airflow/variables/once')!.versionIds).toHaveLength(2)
  })

  it('recovers from ThrottlingException in the pacer, keeping the SDK’s retries for other errors', async () => {
    aws.putSecret('airflow/variables/slow', 'eventually')
    const b = backend({ retryStrategy: undefined, throttleAttempts: undefined })
    aws.inject({ kind: 'throttle' }, 2, /^GetSecretValue$/)
    aws.inject({ kind: 'error', status: 500 }, 1, /^GetSecretValue$/)
    const started = Date.now()
    expect(value(await b.read({ kind: 'variable', id: 'slow' }))).toBe('eventually')
    const attempts = aws.requests.filter((r) => r.action === 'GetSecretValue')
    expect(attempts.map((r) => r.error ?? 'ok')).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      'InternalServiceError',
      'ok'
    ])
    // Throttled attempts are sent again inside one SDK attempt; the 500 spends one of its 3.
    expect(attempts.map((r) => r.attempt)).toEqual([
      'attempt=1; max=3',
      'attempt=1; max=3',
      'attempt=1; max=3',
      'attempt=2; max=3'
    ])
    expect(Date.now() - started).toBeLessThan(10_000)
  }, 15_000)

  it('gives up with a typed error when throttling outlasts the retries', async () => {
    aws.setFaults({ throttleRate: 1 })
    const error = await failure(backend().write([variableEntry('v', `secret ${SECRET_MARK}`)]))
    expect(error.code).toBe('backend.unreachable')
    expect(error.userMessage).toMatch(
      /aws-sm:test: AWS kept throttling while writing variable "v" \(airflow\/variables\/v\) after 6 attempts/
    )
    expect(error.userMessage).not.toContain(SECRET_MARK)
  })
})

describe('aws-secrets-manager: scheduled deletion', () => {
  beforeEach(fresh)

  it('is found in pre-flight, blocks the write with a clear error, and restore() brings the secret back', async () => {
    const b = backend()
    await b.write([variableEntry('x', 'old value')])
    await b.remove([{ kind: 'variable', id: 'x' }])
    expect(aws.secret('airflow/variables/x')?.deletedDate).toBeInstanceOf(Date)
    expect(await b.read({ kind: 'variable', id: 'x' })).toBeUndefined()
    expect(await b.list({})).toEqual([])
    const pending = await b.pendingDeletion([{ kind: 'variable', id: 'x' }])
    expect(pending).toMatchObject([
      { name: 'airflow/variables/x', readsAs: [{ kind: 'variable', id: 'x' }] }
    ])

    const problems = await b.preflight([variableEntry('x', 'new value')])
    expect(problems).toMatchObject([
      { severity: 'error', code: 'job.conflict', target: 'airflow/variables/x' }
    ])
    expect(problems[0]!.message).toMatch(/scheduled for deletion.*Restore it first/)

    const error = await failure(b.write([variableEntry('x', 'new value')]))
    expect(error.code).toBe('job.conflict')
    expect(error.userMessage).toMatch(/airflow\/variables\/x is scheduled for deletion/)
    expect(error.userMessage).not.toContain('new value')

    expect(
      await b.restore([
        { kind: 'variable', id: 'x' },
        { kind: 'variable', id: 'never' }
      ])
    ).toEqual(['airflow/variables/x'])
    expect(value(await b.read({ kind: 'variable', id: 'x' }))).toBe('old value')
    await b.write([variableEntry('x', 'new value')])
    expect(value(await b.read({ kind: 'variable', id: 'x' }))).toBe('new value')
  })

  it('removes at once with removeMode "force", and a missing ref is no error', async () => {
    const b = backend({ removeMode: 'force' })
    await b.write([variableEntry('x', '1')])
    await b.remove([
      { kind: 'variable', id: 'x' },
      { kind: 'variable', id: 'absent' }
    ])
    expect(aws.secret('airflow/variables/x')).toBeUndefined()
    await b.write([variableEntry('x', '2')])
    expect(value(await b.read({ kind: 'variable', id: 'x' }))).toBe('2')
  })
})

describe('aws-secrets-manager: tags and pre-flight', () => {
  beforeEach(fresh)

  it('tags what it creates, and points out existing secrets it did not', async () => {
    const b = backend({ tags: { team: 'data' } })
    await b.write([variableEntry('mine', '1')])
    expect(aws.secret('airflow/variables/mine')?.tags).toEqual({
      'airlock:managed-by': 'airlock',
      team: 'data'
    })
    aws.putSecret('airflow/variables/theirs', 'by hand')
    const problems = await b.preflight([variableEntry('mine', '2'), variableEntry('theirs', '2')])
    expect(problems.map((p) => [p.ref.id, p.severity, p.code])).toEqual([
      ['theirs', 'warning', 'job.conflict']
    ])
    expect(problems[0]!.message).toMatch(/not created by Airlock/)
    await b.write([variableEntry('theirs', '2')])
    expect(aws.secret('airflow/variables/theirs')?.tags['airlock:managed-by']).toBe('airlock')
  })

  it('reports ids that collide after mapping, and names that read as two ids', async () => {
    const b = backend({ backendKwargs: { connections_prefix: 'airflow' } })
    const problems = await b.preflight([
      connectionEntry('variables/clash', { conn_type: 'http' }),
      variableEntry('clash', 'x')
    ])
    expect(problems.map((p) => `${p.ref.id}|${p.severity}|${p.code}|${p.target}`)).toEqual([
      'variables/clash|warning|job.conflict|airflow/variables/clash',
      'clash|error|job.conflict|airflow/variables/clash'
    ])
    expect(problems[1]!.message).toMatch(
      /variable "clash" and connection "variables\/clash" both map to airflow\/variables\/clash/
    )
  })

  it('checks names, sizes, lost fields and lookup rules, writing nothing', async () => {
    const b = backend({ backendKwargs: { variables_lookup_pattern: '^(?!tmp_)' } })
    aws.putSecret('airflow/variables/existing', 'keep', {
      tags: { 'airlock:managed-by': 'airlock' }
    })
    const before = aws.secret('airflow/variables/existing')!.versionIds
    const entries: Entry[] = [
      connectionEntry('bad name', { conn_type: 'http' }),
      variableEntry('big', 'x'.repeat(70_000)),
      connectionEntry('described', { conn_type: 'http', host: 'h', description: 'lost' }),
      variableEntry('tmp_skip', 'x'),
      variableEntry('key-abcdef', 'x'),
      variableEntry('existing', `new ${SECRET_MARK}`),
      { ...variableEntry('teamed', 'x'), team: 'blue' }
    ]
    aws.clearRequests()
    const problems = await b.preflight(entries)
    expect(problems.map((p) => `${p.ref.id}|${p.severity}|${p.code}`)).toEqual([
      'bad name|error|codec.invalid',
      'big|error|codec.invalid',
      'described|warning|codec.invalid',
      'tmp_skip|error|usage',
      'key-abcdef|warning|codec.invalid',
      'teamed|warning|codec.invalid'
    ])
    expect(problems.find((p) => p.ref.id === 'described')!.message).toMatch(
      /will not read back description/
    )
    expect(problems.find((p) => p.ref.id === 'big')!.message).toMatch(
      /70000 bytes, over Secrets Manager's 65536-byte limit/
    )
    expect(problems.find((p) => p.ref.id === 'tmp_skip')!.message).toMatch(
      /variables_lookup_pattern/
    )
    expect(JSON.stringify(problems)).not.toContain(SECRET_MARK)
    // Listing, and the no-op probe on the existing secret: nothing created or changed.
    expect(aws.requests.map((r) => r.action).sort()).toEqual([
      'GetSecretValue',
      'ListSecrets',
      'PutSecretValue'
    ])
    expect(aws.secretNames()).toEqual(['airflow/variables/existing'])
    expect(aws.secret('airflow/variables/existing')!.versionIds).toEqual(before)
    expect(aws.secret('airflow/variables/existing')!.value).toBe('keep')
  })

  it('reports credentials that may not write, probed without writing', async () => {
    aws.putSecret('airflow/variables/locked', 'keep')
    aws.setDeny([{ action: 'PutSecretValue', name: 'airflow/variables/' }])
    const problems = await backend().preflight([variableEntry('locked', 'new')])
    expect(problems.filter((p) => p.severity === 'error')).toMatchObject([
      { severity: 'error', code: 'backend.access-denied', target: 'airflow/variables/locked' }
    ])
    expect(problems.find((p) => p.severity === 'error')!.message).toMatch(
      /AWS denied probing write access to airflow\/variables\/locked/
    )
    expect(aws.secret('airflow/variables/locked')!.value).toBe('keep')
  })

  it('checks the credentials themselves', async () => {
    const strict = await startAwsEmulator({ accessKeyIds: ['AKIDGOOD'] })
    try {
      const make = (accessKeyId: string) =>
        backend({
          endpoint: strict.url,
          credentials: { accessKeyId, secretAccessKey: strict.credentials.secretAccessKey }
        })
      await make('AKIDGOOD').probeCredentials()
      expect(await make('AKIDGOOD').preflight([])).toEqual([])
      expect(await make('AKIDBAD').preflight([])).toMatchObject([
        { severity: 'error', code: 'backend.auth' }
      ])
      const error = await failure(make('AKIDBAD').probeCredentials())
      expect(error.code).toBe('backend.auth')
      expect(error.userMessage).toMatch(/UnrecognizedClientException/)
      const problems = await make('AKIDBAD').preflight([variableEntry('v', 'x')])
      expect(problems).toMatchObject([{ severity: 'error', code: 'backend.auth' }])
    } finally {
      await strict.close()
    }
  })
})

describe('aws-secrets-manager: errors', () => {
  beforeEach(fresh)

  it('propagates access denied with the backend, operation and key named and no value', async () => {
    aws.putSecret('airflow/variables/locked', `secret ${SECRET_MARK}`)
    aws.putSecret('airflow/variables/open', 'fine')
    aws.setDeny([{ action: 'GetSecretValue', name: 'airflow/variables/locked' }])
    const b = backend()
    const error = await failure(b.read({ kind: 'variable', id: 'locked' }))
    expect(error.code).toBe('backend.access-denied')
    expect(error.userMessage).toBe(
      'aws-sm:test: AWS denied reading variable "locked" (airflow/variables/locked) (AccessDeniedException); grant the IAM permission or use other credentials.'
    )
    const loaded = await b.load({})
    expect(loaded.entries.map((e) => (e.kind === 'variable' ? e.key : e.id))).toEqual(['open'])
    expect(loaded.problems).toMatchObject([
      { ref: { kind: 'variable', id: 'locked' }, code: 'backend.access-denied' }
    ])
    expect(JSON.stringify(loaded.problems)).not.toContain(SECRET_MARK)
  })

  it('reads an InternalServiceError that outlasts the retries as not found, as Airflow does', async () => {
    aws.putSecret('airflow/variables/flaky', 'x')
    // more faults than the 6 attempts, so a request of another test still in flight cannot use one up
    aws.inject({ kind: 'error', status: 500 }, 12, /^GetSecretValue$/)
    expect(await backend().read({ kind: 'variable', id: 'flaky' })).toBeUndefined()
  })

  it('says when AWS cannot be reached', async () => {
    const b = backend({
      endpoint: 'http://127.0.0.1:9',
      retryStrategy: new ConfiguredRetryStrategy(2, () => 1)
    })
    const error = await failure(b.list({}))
    expect(error.code).toBe('backend.unreachable')
    expect(error.userMessage).toMatch(/^aws-sm:test: Could not reach AWS while listing secrets/)
  })

  it('refuses to write ids Airflow would never read, or names AWS refuses, before writing anything', async () => {
    const b = backend({ backendKwargs: { variables_prefix: null } })
    const error = await failure(
      b.write([connectionEntry('ok', { conn_type: 'http' }), variableEntry('v', 'x')])
    )
    expect(error.code).toBe('usage')
    expect(error.userMessage).toMatch(/variables_prefix is null/)
    const bad = await failure(b.write([connectionEntry('a:b', { conn_type: 'http' })]))
    expect(bad.code).toBe('codec.invalid')
    expect(aws.secretNames()).toEqual([])
  })

  it('fails every lookup of a kind whose pattern Python rejects', async () => {
    const b = backend({ backendKwargs: { connections_lookup_pattern: '[unclosed' } })
    const error = await failure(b.read({ kind: 'connection', id: 'x' }))
    expect(error.code).toBe('usage')
    expect(error.userMessage).toMatch(/unterminated character set/)
    await expect(b.list({ kinds: ['variable'] })).resolves.toEqual([])
  })
})

describe('aws-secrets-manager: cancelling', () => {
  beforeEach(fresh)

  it('an abort ends a request on the wire at once with the abort error, and leaves the emulator to the next test', async () => {
    const b = backend()
    await b.write([variableEntry('slow', 'before')])
    aws.setFaults({ latencyMs: 2000 })
    await expectEachCallEndsOnAbort(b, () => aws.requests.length)
    // the next test: the aborted requests are dropped, the same backend works on
    fresh()
    aws.putSecret('airflow/variables/slow', 'again')
    expect(await b.read({ kind: 'variable', id: 'slow' })).toMatchObject({ value: 'again' })
    await new Promise((r) => setTimeout(r, 2100)) // past the aborted requests' latency
    expect(aws.secret('airflow/variables/slow')?.value).toBe('again')
    expect(aws.requests.map((r) => r.action)).toEqual(['GetSecretValue'])
  }, 15_000)

  it('an abort ends the wait for a Retry-After at once', async () => {
    const b = backend()
    aws.inject({ kind: 'throttle', retryAfterSeconds: 5 })
    const aborting = new AbortController()
    const calling = settle(b.write([variableEntry('paused', 'x')], aborting.signal))
    const abortedAt = await abortWhen(aborting, () => aws.requests.some((r) => r.status === 400))
    const { error, at } = await calling
    expect((error as Error).name).toBe('AbortError')
    expect(at - abortedAt).toBeLessThan(500) // not the rest of the 5 s AWS asked for
    expect(aws.count()).toBe(1) // the throttled one; nothing after the abort
    expect(getEventListeners(aborting.signal, 'abort')).toHaveLength(0)
  })

  it('leaves no abort listener behind on a signal that many requests went through', async () => {
    await expectNoAbortListenerLeft(backend({ concurrency: 8 }))
  })
})
