// AWS SSM Parameter Store through the real @aws-sdk/client-ssm, against the loopback AWS JSON
// 1.1 emulator (test/support/emulators/aws.ts).
import { ConfiguredRetryStrategy } from '@smithy/core/retry'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AwsSsmBackend, type AwsSsmOptions } from '../../../src-main/backends/aws-ssm'
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
import { abortWhen, settle } from '../../support/abort'
import { backendConformance, SECRET_MARK } from '../../support/backend-conformance'
import { startAwsEmulator, type AwsEmulator } from '../../support/emulators/aws'

let aws: AwsEmulator
const open: AwsSsmBackend[] = []
const EMPTY_PAGE_EVERY = 9

beforeAll(async () => {
  aws = await startAwsEmulator({
    seed: 23,
    kmsKeyIds: ['alias/airflow'],
    // AWS documents that GetParametersByPath may answer a page with no items and a NextToken.
    emptyPageEvery: EMPTY_PAGE_EVERY
  })
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
function backend(options: Partial<AwsSsmOptions> = {}): AwsSsmBackend {
  const b = new AwsSsmBackend({
    id: 'aws-ssm:test',
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

backendConformance('aws-ssm', {
  create: async () => {
    fresh()
    return backend()
  },
  // A variable is the parameter's value only; connection JSON keeps the description.
  lossy: ['variable.description']
})

describe('aws-ssm: reading as Airflow reads', () => {
  beforeEach(fresh)

  it('reads URI and JSON connections and raw variables, decrypting SecureStrings', async () => {
    // test_get_conn_value: the same connection as JSON and as a URI
    const json = JSON.stringify({
      conn_type: 'postgres',
      login: 'my-login',
      password: 'my-pass',
      host: 'my-host',
      port: 5432,
      schema: 'my-schema',
      extra: { param1: 'val1', param2: 'val2' },
      description: 'kept in JSON'
    })
    aws.putParameter('/airflow/connections/json', json, { type: 'SecureString' })
    aws.putParameter(
      '/airflow/connections/uri',
      'postgres://my-login:my-pass@my-host:5432/my-schema?param1=val1&param2=val2'
    )
    aws.putParameter('/airflow/variables/list', 'a,b,c', { type: 'StringList' })
    aws.putParameter('/airflow/variables/secure', `  ${SECRET_MARK}\n`, { type: 'SecureString' })
    const b = backend()
    const fromJson = await b.read({ kind: 'connection', id: 'json' })
    expect(fields(fromJson)).toEqual({
      conn_type: 'postgres',
      description: 'kept in JSON',
      host: 'my-host',
      login: 'my-login',
      password: 'my-pass',
      schema: 'my-schema',
      port: 5432,
      extra: '{"param1": "val1", "param2": "val2"}'
    })
    expect(fromJson?.source).toEqual({
      backendId: 'aws-ssm:test',
      path: '/airflow/connections/json',
      fromKey: 'Value'
    })
    expect({
      ...fields(await b.read({ kind: 'connection', id: 'uri' })),
      description: 'kept in JSON'
    }).toEqual(fields(fromJson))
    expect(value(await b.read({ kind: 'variable', id: 'list' }))).toBe('a,b,c')
    expect(value(await b.read({ kind: 'variable', id: 'secure' }))).toBe(`  ${SECRET_MARK}\n`)
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(value(loaded.entries.find((e) => e.kind === 'variable' && e.key === 'secure'))).toBe(
      `  ${SECRET_MARK}\n`
    )
    expect(aws.requests.filter((r) => r.action === 'GetParametersByPath')).not.toHaveLength(0)
  })

  it('reads ParameterNotFound as not found, and any other refusal as an error (as Airflow)', async () => {
    const b = backend()
    expect(await b.read({ kind: 'variable', id: 'missing' })).toBeUndefined()
    const error = await failure(b.read({ kind: 'variable', id: 'has space' }))
    expect(error.code).toBe('codec.invalid')
    expect(error.userMessage).toBe(
      'aws-ssm:test: AWS refused reading variable "has space" (/airflow/variables/has space) (ValidationException).'
    )
  })

  it('adds the leading slash, honours lookup patterns and null prefixes, asking nothing when Airflow would not', async () => {
    aws.putParameter('/airflow/connections/prod_db', 'postgres://h')
    aws.putParameter('/airflow/connections/dev_db', 'postgres://h')
    aws.putParameter('/top', 'at the root')
    const b = backend({
      backendKwargs: {
        connections_prefix: 'airflow/connections',
        connections_lookup_pattern: 'PROD',
        variables_prefix: ''
      }
    })
    aws.clearRequests()
    expect(await b.read({ kind: 'connection', id: 'dev_db' })).toBeUndefined()
    expect(aws.count()).toBe(0)
    expect(await b.read({ kind: 'connection', id: 'prod_db' })).toBeDefined()
    expect(value(await b.read({ kind: 'variable', id: 'top' }))).toBe('at the root')
    // With an empty variables prefix every parameter reads as a variable too.
    const listing = await b.listNames({})
    expect(listing.refs).toEqual([
      { kind: 'variable', id: 'airflow/connections/dev_db' },
      { kind: 'variable', id: 'top' }
    ])
    expect(listing.ambiguous).toEqual([
      {
        target: '/airflow/connections/prod_db',
        readsAs: [
          { kind: 'connection', id: 'prod_db' },
          { kind: 'variable', id: 'airflow/connections/prod_db' }
        ]
      }
    ])
    const loaded = await b.load({})
    expect(loaded.problems).toMatchObject([{ code: 'codec.invalid', ref: { id: 'prod_db' } }])
  })

  it('multi-team rule (awsTeamLookup, apache/airflow#71078): ids holding -- are refused only with multiTeam on', async () => {
    aws.putParameter('/airflow/variables/team--v', 'x')
    expect(value(await backend().read({ kind: 'variable', id: 'team--v' }))).toBe('x')
    const b = backend({ multiTeam: true })
    aws.clearRequests()
    expect(await b.read({ kind: 'variable', id: 'team--v' })).toBeUndefined()
    expect(aws.count()).toBe(0)
    const problems = await b.preflight([variableEntry('a--b', 'x')])
    expect(problems).toMatchObject([{ severity: 'error', code: 'usage' }])
    expect(problems[0]!.message).toMatch(/multi-team mode; Airflow answers not found/)
    expect((await failure(b.write([variableEntry('a--b', 'x')]))).code).toBe('usage')
  })
})

describe('aws-ssm: values and tiers', () => {
  beforeEach(fresh)

  const tricky: Entry[] = [
    variableEntry('unicode', 'héllo wörld ✓ 日本語 \u{1f600}'),
    variableEntry('newlines', 'line 1\nline 2\r\n\ttabbed\n'),
    variableEntry('percent', '100% %20 %zz'),
    variableEntry('at-slash', 'user@host/path?q=1#frag'),
    variableEntry('json-looking', '{"looks": "like json", "n": {"deep": true}}'),
    variableEntry('standard_max', 'x'.repeat(4096)),
    variableEntry('advanced', 'é'.repeat(4000) + SECRET_MARK),
    variableEntry('team/nested/id', 'slashes in the id'),
    connectionEntry('tricky_conn', {
      conn_type: 'postgres',
      host: 'Db.Example.com',
      login: 'us@er/ü',
      password: `p@ss/w:rd?#%+ ${SECRET_MARK}\n`,
      schema: 'dw/2024',
      port: 5432,
      extra: '{"a": "1", "nested": {"b": [1, 2]}, "unicode": "ü"}',
      description: 'kept: SSM reads connection JSON with from_json'
    }),
    connectionEntry('uri_safe', {
      conn_type: 'redis',
      host: 'cache',
      port: 6379,
      schema: '',
      login: 'u',
      password: 'p'
    }),
    connectionEntry('port_zero', { conn_type: 'redis', host: 'h', port: 0 })
  ]

  for (const dialect of ['airflow2', 'airflow3', 'task-sdk'] as Dialect[])
    it(`round-trips tricky values (${dialect})`, async () => {
      const b = backend({ dialect })
      // written(): the name and the value write stores, said before writing (the same encoder)
      const forms = await Promise.all(tricky.map((e) => b.written(e)))
      await b.write(tricky)
      for (const f of forms) expect(aws.parameter(f.name)?.value).toBe(f.text)
      const loaded = await b.load({})
      expect(loaded.problems).toEqual([])
      expect(loaded.entries).toHaveLength(tricky.length)
      for (const e of tricky) {
        const ref =
          e.kind === 'connection' ? { kind: e.kind, id: e.id } : { kind: e.kind, id: e.key }
        const back = await b.read(ref)
        if (e.kind === 'variable') expect(value(back)).toBe(e.value)
        else {
          const want: ConnectionFields = { ...e.fields }
          if (dialect !== 'task-sdk' && want.port === 0) want.port = null
          const got = fields(back)
          expect({ ...got, extra: got.extra && JSON.parse(got.extra) }).toEqual({
            ...want,
            extra: want.extra && JSON.parse(want.extra)
          })
        }
      }
      expect(aws.parameter('/airflow/connections/uri_safe')?.value).toBe('redis://u:p@cache:6379')
      expect(aws.parameter('/airflow/variables/standard_max')?.tier).toBe('Standard')
      expect(aws.parameter('/airflow/variables/advanced')?.tier).toBe('Advanced')
      expect(aws.parameter('/airflow/variables/unicode')).toMatchObject({
        type: 'SecureString',
        keyId: 'alias/aws/ssm',
        tags: { 'airlock:managed-by': 'airlock' }
      })
    })

  it('refuses values Parameter Store cannot hold, before writing anything', async () => {
    const b = backend()
    for (const [entry, message] of [
      [variableEntry('empty', ''), /cannot hold an empty value/],
      [variableEntry('jinja', 'select {{ ds }}'), /\{\{…\}\}/],
      [variableEntry('huge', 'x'.repeat(8193)), /8193 bytes, over the 8192-byte limit/]
    ] as const) {
      const error = await failure(b.write([variableEntry('fine', 'ok'), entry]))
      expect(error.code).toBe('codec.invalid')
      expect(error.userMessage).toMatch(message)
      expect(error.userMessage).toMatch(/nothing was written/)
    }
    expect(aws.parameterNames()).toEqual([])
  })

  it('uses the KMS key and parameter type asked for; an unknown key is a typed error', async () => {
    await backend({ kmsKeyId: 'alias/airflow' }).write([variableEntry('a', '1')])
    expect(aws.parameter('/airflow/variables/a')).toMatchObject({
      type: 'SecureString',
      keyId: 'alias/airflow'
    })
    await backend({ parameterType: 'String' }).write([variableEntry('b', '2')])
    expect(aws.parameter('/airflow/variables/b')?.type).toBe('String')
    const error = await failure(
      backend({ kmsKeyId: 'alias/unknown' }).write([variableEntry('c', '3')])
    )
    expect(error.code).toBe('codec.invalid')
    expect(error.userMessage).toMatch(/InvalidKeyId/)
  })

  it('overwrites existing parameters (Overwrite, no tags) and never downgrades an Advanced one', async () => {
    aws.putParameter('/airflow/variables/big', 'x'.repeat(5000), {
      tier: 'Advanced',
      tags: { owner: 'ops' }
    })
    const b = backend()
    await b.write([variableEntry('big', 'now small')])
    expect(aws.parameter('/airflow/variables/big')).toMatchObject({
      value: 'now small',
      tier: 'Advanced',
      version: 2,
      tags: { owner: 'ops' }
    })
    const puts = aws.requests.filter((r) => r.action === 'PutParameter')
    expect(puts.map((r) => r.error ?? 'ok')).toEqual(['ParameterAlreadyExists', 'ok'])
    // tier "Standard" cannot keep it: pre-flight says so, and the write fails typed.
    const standard = backend({ tier: 'Standard' })
    const problems = await standard.preflight([variableEntry('big', 'small again')])
    expect(problems).toMatchObject([
      { severity: 'error', code: 'codec.invalid', target: '/airflow/variables/big' }
    ])
    expect(problems[0]!.message).toMatch(/Advanced parameter and tier is set to Standard/)
    expect((await failure(standard.write([variableEntry('big', 'small again')]))).code).toBe(
      'codec.invalid'
    )
  })

  it('removes with DeleteParameters, 10 names a request; a missing name is no error', async () => {
    const b = backend()
    const entries = Array.from({ length: 25 }, (_, k) => variableEntry(`v${k}`, String(k)))
    await b.write(entries)
    aws.clearRequests()
    await b.remove([
      ...entries.map((e) => ({ kind: 'variable' as const, id: e.key })),
      { kind: 'variable', id: 'absent' }
    ])
    expect(aws.count('DeleteParameters')).toBe(3)
    expect(aws.parameterNames()).toEqual([])
  })
})

describe('aws-ssm: batch reads', () => {
  beforeEach(fresh)

  it('reads many refs with GetParameters, 10 a request', async () => {
    for (let k = 0; k < 18; k++)
      aws.putParameter(`/airflow/variables/v${k}`, `value ${k}`, { type: 'SecureString' })
    const refs = Array.from({ length: 25 }, (_, k) => ({ kind: 'variable' as const, id: `v${k}` }))
    aws.clearRequests()
    const got = await backend().readMany(refs)
    expect(got.problems).toEqual([])
    expect(got.entries.map((e) => value(e)).sort()).toEqual(
      Array.from({ length: 18 }, (_, k) => `value ${k}`).sort()
    )
    expect(aws.count('GetParameters')).toBe(3)
    expect(aws.count()).toBe(3)
  })

  it('loads by listing when GetParametersByPath is denied, and reads a denied name alone', async () => {
    for (let k = 0; k < 12; k++) aws.putParameter(`/airflow/connections/c${k}`, `http://h${k}`)
    aws.setDeny([
      { action: 'GetParametersByPath' },
      { action: 'GetParameters', name: '/airflow/connections/c3' },
      { action: 'GetParameter', name: '/airflow/connections/c3' }
    ])
    const loaded = await backend().load({})
    expect(loaded.entries).toHaveLength(11)
    expect(loaded.problems).toMatchObject([{ ref: { id: 'c3' }, code: 'backend.access-denied' }])
    expect(aws.count('DescribeParameters')).toBeGreaterThan(0)
    expect(aws.count('GetParameters')).toBe(2)
    expect(aws.count('GetParameter')).toBe(10)
  })
})

describe('aws-ssm: listing and loading at scale', () => {
  beforeEach(fresh)

  it('pages 2,500 parameters with GetParametersByPath (≤10) and DescribeParameters (≤50)', async () => {
    const n = 2500
    for (let k = 0; k < n; k++)
      if (k % 5 === 0)
        aws.putParameter(`/airflow/variables/var_${k}`, `value ${k}`, { type: 'SecureString' })
      else
        aws.putParameter(
          `/airflow/connections/team${k % 3}/conn_${k}`,
          `postgres://u:p@h${k}:5432/db`
        )
    aws.putParameter('/unrelated/x', 'not airflow')
    const b = backend()
    aws.clearRequests()
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(n)
    const pages = aws.count('GetParametersByPath')
    // Two paths; ≤ 10 per page, plus the empty pages the service may interleave.
    const bound =
      Math.ceil(
        (Math.ceil(n / 5 / 10) + Math.ceil((n * 4) / 5 / 10)) *
          (EMPTY_PAGE_EVERY / (EMPTY_PAGE_EVERY - 1))
      ) + 2
    expect(pages).toBeLessThanOrEqual(bound)
    expect(aws.count()).toBe(pages)
    expect(aws.count() / n).toBeLessThanOrEqual(0.12)
    aws.clearRequests()
    const refs = await b.list({})
    expect(refs).toHaveLength(n)
    expect(aws.count('DescribeParameters')).toBeLessThanOrEqual(
      Math.ceil(n / 5 / 50) + Math.ceil((n * 4) / 5 / 50)
    )
    expect(aws.count()).toBe(aws.count('DescribeParameters'))
    aws.setPageSize(3)
    expect(new Set((await b.list({ kinds: ['variable'] })).map((r) => r.id)).size).toBe(n / 5)
  })
})

describe('aws-ssm: retries', () => {
  beforeEach(fresh)

  it('recovers from throttling, 5xx and dropped connections with a fast retry strategy', async () => {
    aws.setFaults({ throttleRate: 0.12, errorRate: 0.04, dropRate: 0.04, dropAfterApplyRate: 0.04 })
    const b = backend({ retryStrategy: new ConfiguredRetryStrategy(12, () => 1) })
    const entries = Array.from({ length: 150 }, (_, k) =>
      k % 2
        ? variableEntry(`v${k}`, `value ${k}`)
        : connectionEntry(`c${k}`, { conn_type: 'http', host: `h${k}` })
    )
    await b.write(entries)
    await b.write(entries.slice(0, 30))
    const loaded = await b.load({})
    expect(loaded.problems).toEqual([])
    expect(loaded.entries).toHaveLength(150)
    const faults = aws.requests.filter((r) => r.fault)
    expect(new Set(faults.map((f) => f.fault))).toEqual(
      new Set(['throttle', 'error', 'drop', 'drop-after-apply'])
    )
    expect(faults.find((f) => f.fault === 'throttle')?.error).toBe('ThrottlingException')
    expect(faults.find((f) => f.fault === 'error')?.error).toBe('InternalServerError')
  })

  it('recovers from ThrottlingException in the pacer, keeping the SDK’s retries for other errors', async () => {
    aws.putParameter('/airflow/variables/slow', 'eventually')
    const b = backend({ retryStrategy: undefined, throttleAttempts: undefined })
    aws.inject({ kind: 'throttle' }, 4, /^GetParameter$/)
    aws.inject({ kind: 'error', status: 500 }, 1, /^GetParameter$/)
    expect(value(await b.read({ kind: 'variable', id: 'slow' }))).toBe('eventually')
    // Throttled attempts are sent again inside one SDK attempt (its 3 are not spent on them).
    expect(aws.requests.map((r) => `${r.attempt}:${r.error ?? 'ok'}`)).toEqual([
      'attempt=1; max=3:ThrottlingException',
      'attempt=1; max=3:ThrottlingException',
      'attempt=1; max=3:ThrottlingException',
      'attempt=1; max=3:ThrottlingException',
      'attempt=1; max=3:InternalServerError',
      'attempt=2; max=3:ok'
    ])
    expect(b.pacer.stats()).toMatchObject({ throttled: 4, throttleRetries: 4, overloaded: 1 })
  }, 15_000)
})

describe('aws-ssm: pre-flight', () => {
  beforeEach(fresh)

  it('checks names, tiers, values, collisions and lost fields', async () => {
    const b = backend({
      backendKwargs: { connections_prefix: '', variables_lookup_pattern: '^(?!tmp_)' }
    })
    const entries: Entry[] = [
      connectionEntry('conn:1', { conn_type: 'http' }),
      connectionEntry('aws_default', { conn_type: 'aws' }),
      connectionEntry('a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p', { conn_type: 'http' }),
      connectionEntry('airflow/variables/dup', { conn_type: 'http' }),
      variableEntry('dup', 'x'),
      variableEntry('large', 'x'.repeat(5000)),
      variableEntry('templated', '{{ var.value.x }}'),
      variableEntry('tmp_x', 'skipped by the pattern'),
      variableEntry('described', 'x', 'a description'),
      connectionEntry('zero', { conn_type: 'redis', host: 'h', port: 0 })
    ]
    aws.clearRequests()
    const problems = await b.preflight(entries)
    expect(problems.map((p) => `${p.ref.id}|${p.severity}|${p.code}|${p.target}`)).toEqual([
      'conn:1|error|codec.invalid|/conn:1',
      'aws_default|error|codec.invalid|/aws_default',
      'a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p|error|codec.invalid|/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p',
      'airflow/variables/dup|warning|job.conflict|/airflow/variables/dup',
      'dup|error|job.conflict|/airflow/variables/dup',
      'large|warning|codec.invalid|/airflow/variables/large',
      'large|warning|job.conflict|/airflow/variables/large',
      'templated|error|codec.invalid|/airflow/variables/templated',
      'tmp_x|error|usage|',
      'described|warning|job.conflict|/airflow/variables/described',
      'described|warning|codec.invalid|/airflow/variables/described',
      'zero|warning|codec.invalid|/zero'
    ])
    expect(
      problems.find((p) => p.ref.id === 'large' && p.code === 'codec.invalid')!.message
    ).toMatch(/5000 bytes, over the Standard tier's 4 KB; it needs the Advanced tier/)
    expect(problems.find((p) => p.ref.id === 'zero')!.message).toMatch(/will not read back port/)
    expect(problems.find((p) => p.ref.id === 'tmp_x')!.message).toMatch(/variables_lookup_pattern/)
    // DescribeParameters and the probes (which store nothing): no parameter exists afterwards.
    expect(new Set(aws.requests.map((r) => r.action))).toEqual(
      new Set(['DescribeParameters', 'PutParameter'])
    )
    expect(aws.requests.filter((r) => r.action === 'PutParameter').map((r) => r.error)).toEqual(
      aws.requests
        .filter((r) => r.action === 'PutParameter')
        .map(() => 'ParameterPatternMismatchException')
    )
    expect(aws.parameterNames()).toEqual([])
  })

  it('probes write access without writing, and reports a denied one', async () => {
    aws.putParameter('/airflow/variables/existing', 'keep')
    aws.setDeny([{ action: 'PutParameter', name: '/airflow/connections/' }])
    const b = backend()
    const problems = await b.preflight([
      variableEntry('existing', 'new'),
      connectionEntry('locked', { conn_type: 'http', host: 'h' })
    ])
    expect(problems.filter((p) => p.severity === 'error')).toMatchObject([
      { code: 'backend.access-denied', target: '/airflow/connections/locked' }
    ])
    expect(problems.find((p) => p.severity === 'error')!.message).toMatch(
      /AWS denied probing write access to \/airflow\/connections\/locked \(PutParameter that stores nothing\)/
    )
    expect(aws.parameter('/airflow/variables/existing')).toMatchObject({
      value: 'keep',
      version: 1
    })
    expect(aws.parameterNames()).toEqual(['/airflow/variables/existing'])
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
      const problems = await make('AKIDBAD').preflight([variableEntry('v', 'x')])
      expect(problems).toMatchObject([{ severity: 'error', code: 'backend.auth' }])
    } finally {
      await strict.close()
    }
  })
})

describe('aws-ssm: errors', () => {
  beforeEach(fresh)

  it('propagates access denied with the backend, operation and key named and no value', async () => {
    aws.putParameter('/airflow/variables/locked', `secret ${SECRET_MARK}`)
    aws.setDeny([{ action: 'GetParameter', name: '/airflow/variables/locked' }])
    const error = await failure(backend().read({ kind: 'variable', id: 'locked' }))
    expect(error.code).toBe('backend.access-denied')
    expect(error.userMessage).toBe(
      'aws-ssm:test: AWS denied reading variable "locked" (/airflow/variables/locked) (AccessDeniedException); grant the IAM permission or use other credentials.'
    )
  })

  it('says when throttling outlasts the retries, naming what was being done', async () => {
    aws.setFaults({ throttleRate: 1 })
    const error = await failure(backend().load({}))
    expect(error.code).toBe('backend.unreachable')
    expect(error.userMessage).toMatch(
      /AWS kept throttling while reading parameters under \/airflow\/connections after 6 attempts/
    )
  })

  it('says when AWS cannot be reached', async () => {
    const b = backend({
      endpoint: 'http://127.0.0.1:9',
      retryStrategy: new ConfiguredRetryStrategy(2, () => 1)
    })
    const error = await failure(b.read({ kind: 'variable', id: 'x' }))
    expect(error.code).toBe('backend.unreachable')
    expect(error.userMessage).toMatch(
      /^aws-ssm:test: Could not reach AWS while reading variable "x"/
    )
  })

  it('reports a parameter Airflow cannot read, loading the others', async () => {
    aws.putParameter(
      '/airflow/connections/bad',
      '{"conn_type": "http", "port": "eighty", "password": "' + SECRET_MARK + '"}'
    )
    aws.putParameter('/airflow/connections/good', 'http://h')
    const loaded = await backend().load({})
    expect(loaded.entries.map((e) => (e.kind === 'connection' ? e.id : e.key))).toEqual(['good'])
    expect(loaded.problems).toMatchObject([
      { ref: { kind: 'connection', id: 'bad' }, code: 'codec.invalid-port' }
    ])
    expect(JSON.stringify(loaded.problems)).not.toContain(SECRET_MARK)
  })
})

describe('aws-ssm: cancelling', () => {
  beforeEach(fresh)

  it('an abort ends a request on the wire, or the wait for a Retry-After, at once', async () => {
    const b = backend()
    await b.write([variableEntry('slow', 'before')]) // the SDK loaded, a connection open
    const aborted = async (latencyMs: number, throttle: boolean) => {
      aws.clearRequests()
      aws.setFaults({ latencyMs })
      if (throttle) aws.inject({ kind: 'throttle', retryAfterSeconds: 5 })
      const aborting = new AbortController()
      const calling = settle(b.write([variableEntry('slow', 'x')], aborting.signal))
      const abortedAt = await abortWhen(aborting, () =>
        aws.requests.some((r) => (throttle ? r.status === 400 : true))
      )
      const { error, at } = await calling
      expect((error as Error).name).toBe('AbortError')
      return at - abortedAt
    }
    expect(await aborted(2000, false)).toBeLessThan(500) // not the rest of the emulator's 2 s
    fresh()
    expect(await aborted(0, true)).toBeLessThan(500) // not the rest of the 5 s AWS asked for
    expect(aws.count()).toBe(1) // the throttled one; nothing after the abort
    fresh()
    await b.write([variableEntry('slow', 'again')])
    expect(value(await b.read({ kind: 'variable', id: 'slow' }))).toBe('again')
  }, 15_000)
})
