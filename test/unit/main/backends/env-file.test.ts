import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EnvBackend } from '../../../../src-main/backends/env'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { connectionEnvValue } from '../../../../src-main/core/codecs/connection-value'
import { encodeEnvFile } from '../../../../src-main/core/codecs/env-file'
import { AirlockError } from '../../../../src-main/core/errors'
import {
  emptyConnectionFields,
  type ConnectionEntry,
  type ConnectionFields,
  type VariableEntry
} from '../../../../src-main/core/model'
import { backendConformance } from '../../../support/backend-conformance'

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-envfile-'))
  dirs.push(dir)
  return dir
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

async function fileWith(text: string | undefined, name = '.env'): Promise<string> {
  const path = join(await tempDir(), name)
  if (text !== undefined) await writeFile(path, text)
  return path
}

const conn = (id: string, f: Partial<ConnectionFields>): ConnectionEntry => ({
  kind: 'connection',
  id,
  fields: { ...emptyConnectionFields(), ...f }
})
const variable = (key: string, value: string, team?: string): VariableEntry => ({
  kind: 'variable',
  key,
  value,
  description: null,
  ...(team ? { team } : {})
})

for (const loader of ['compose', 'python-dotenv'] as const)
  backendConformance(`env-file (${loader})`, {
    create: async () => new EnvFileBackend({ path: await fileWith(undefined), loader }),
    lossy: ['variable.description'],
    caseSensitiveIds: false
  })

describe('EnvFileBackend', () => {
  it('keeps comments, blank lines and unrelated lines byte for byte', async () => {
    const before = [
      '# Local Airflow',
      'export AIRFLOW__CORE__LOAD_EXAMPLES=False # no examples',
      '',
      'AIRFLOW_VAR_REGION=us-east-1 # old region',
      "POSTGRES_PASSWORD='s3cr3t pw'",
      'AIRFLOW_CONN_OLD=postgres://db/old'
    ].join('\n')
    const path = await fileWith(before)
    const backend = new EnvFileBackend({ path })
    await backend.write([variable('region', 'eu-west-1'), variable('greeting', 'hello world')])
    await backend.remove([{ kind: 'connection', id: 'old' }])
    expect(await readFile(path, 'utf8')).toBe(
      [
        '# Local Airflow',
        'export AIRFLOW__CORE__LOAD_EXAMPLES=False # no examples',
        '',
        'AIRFLOW_VAR_REGION=eu-west-1 # old region',
        "POSTGRES_PASSWORD='s3cr3t pw'",
        "AIRFLOW_VAR_GREETING='hello world'",
        ''
      ].join('\n')
    )
    expect(await readdir(join(path, '..'))).toEqual(['.env'])
  })

  it('creates a missing file owner-only and keeps the mode of an existing one', async () => {
    const path = await fileWith(undefined)
    await new EnvFileBackend({ path }).write([variable('a', '1')])
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const shared = await fileWith('X=1\n')
    const { chmod } = await import('node:fs/promises')
    await chmod(shared, 0o640)
    await new EnvFileBackend({ path: shared }).write([variable('a', '1')])
    expect((await stat(shared)).mode & 0o777).toBe(0o640)
  })

  it('reports unreadable lines with their numbers, and refuses to write to such a file', async () => {
    const before = 'AIRFLOW_VAR_A=1\nNOT A NAME=2\nAIRFLOW_VAR_B="open\n'
    const path = await fileWith(before)
    const backend = new EnvFileBackend({ path })
    const failure = await backend.load({}).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(AirlockError)
    expect((failure as AirlockError).code).toBe('codec.parse')
    expect((failure as AirlockError).userMessage).toMatch(/line 2: .*space.* line 3: Unterminated/)
    await expect(backend.write([variable('c', '3')])).rejects.toThrow(/line 2/)
    expect(await readFile(path, 'utf8')).toBe(before)
  })

  it('loads the other entries when one connection value does not parse', async () => {
    const path = await fileWith(
      'AIRFLOW_CONN_GOOD=postgres://u:p@db:5432/x\nAIRFLOW_CONN_BAD={"conn_type": "x", "nope": 1}\nAIRFLOW_VAR_V=1\n'
    )
    const result = await new EnvFileBackend({ path }).load({})
    expect(
      result.entries.map((e) => `${e.kind}:${e.kind === 'connection' ? e.id : e.key}`)
    ).toEqual(['connection:good', 'variable:v'])
    expect(result.problems).toEqual([
      {
        ref: {
          kind: 'connection',
          id: 'bad',
          source: { backendId: `envfile:${path}`, path, fromKey: 'AIRFLOW_CONN_BAD' }
        },
        code: 'codec.unknown-field',
        message: expect.stringMatching(/^AIRFLOW_CONN_BAD: .*unknown key "nope"/)
      }
    ])
  })

  it('loads a file read once (a plan source) as it loads it otherwise, problems included', async () => {
    // the common file (values decoded one at a time from its bytes), a name Airflow never
    // reads, a value that does not parse, non-ASCII, an empty value, a team-scoped name
    const common =
      'AIRFLOW_CONN_GOOD=postgres://u:p@db:5432/x\nAIRFLOW_CONN_BAD={"conn_type": "x", "nope": 1}\n' +
      'AIRFLOW_VAR_lower=1\nAIRFLOW_VAR_V="héllo"\nAIRFLOW_VAR_EMPTY=\nAIRFLOW_VAR__T1___X=2\nOTHER=3\n'
    // and files the fast listing declines (a name twice, a quoted value with an escape)
    for (const text of [
      common,
      common + 'AIRFLOW_VAR_V=again\n',
      common + 'AIRFLOW_VAR_Q="a\\nb"\n'
    ]) {
      const path = await fileWith(text)
      for (const kinds of [undefined, ['variable'] as const]) {
        const once = await new EnvFileBackend({ path }).load({ kinds, once: true })
        const whole = await new EnvFileBackend({ path }).load({ kinds })
        expect(once).toEqual(whole)
        expect(JSON.stringify(once)).toBe(JSON.stringify(whole))
        expect(once.entries.length).toBeGreaterThan(1)
      }
    }
  })

  it('lists lower-cased ids and reads an entry by any case of its id, with its origin', async () => {
    const path = await fileWith('AIRFLOW_CONN_MY_DB=postgres://db/x\nAIRFLOW_VAR_Feature=on\n')
    const backend = new EnvFileBackend({ path, id: 'envfile:test' })
    expect(await backend.list({})).toEqual([{ kind: 'connection', id: 'my_db' }])
    const entry = await backend.read({ kind: 'connection', id: 'My_Db' })
    expect(entry).toMatchObject({
      kind: 'connection',
      id: 'my_db',
      fields: { conn_type: 'postgres', host: 'db', schema: 'x' },
      source: { backendId: 'envfile:test', path, fromKey: 'AIRFLOW_CONN_MY_DB' }
    })
    // AIRFLOW_VAR_Feature is not upper-case: Airflow never reads it
    expect(await backend.read({ kind: 'variable', id: 'feature' })).toBeUndefined()
    expect((await backend.load({})).problems).toEqual([
      expect.objectContaining({
        ref: expect.objectContaining({ kind: 'variable', id: 'feature' }),
        message: expect.stringMatching(/never read by Airflow.*AIRFLOW_VAR_FEATURE/)
      })
    ])
  })

  it('writes team-scoped names and reads them back with their team', async () => {
    const path = await fileWith(undefined)
    const backend = new EnvFileBackend({ path })
    await backend.write([variable('limit', '5', 'Analytics')])
    expect(await readFile(path, 'utf8')).toBe('AIRFLOW_VAR__ANALYTICS___LIMIT=5\n')
    expect(await backend.read({ kind: 'variable', id: 'limit', team: 'analytics' })).toMatchObject({
      key: 'limit',
      value: '5',
      team: 'analytics'
    })
    expect(await backend.read({ kind: 'variable', id: 'limit' })).toBeUndefined()
  })

  it('writes a connection as a URI when it reads back the same, else as one-line JSON', async () => {
    const path = await fileWith(undefined)
    const backend = new EnvFileBackend({ path })
    await backend.write([
      conn('pg', {
        conn_type: 'postgres',
        host: 'db',
        login: 'u',
        password: 'p w',
        port: 5432,
        schema: 'x'
      }),
      // a URI always has a schema ('' here), so a null schema needs JSON
      conn('noschema', { conn_type: 'postgres', host: 'db' }),
      conn('described', { conn_type: 'postgres', host: 'db', description: 'Main DB' }),
      conn('typed', { conn_type: 'http', host: 'h', extra: '{"timeout": "10"}' })
    ])
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n')
    expect(lines[0]).toBe('AIRFLOW_CONN_PG=postgres://u:p%20w@db:5432/x')
    expect(lines[1]).toBe(`AIRFLOW_CONN_NOSCHEMA='{"conn_type": "postgres", "host": "db"}'`)
    expect(lines[2]).toBe(
      `AIRFLOW_CONN_DESCRIBED='{"conn_type": "postgres", "description": "Main DB", "host": "db"}'`
    )
    // airflow3 reads ?timeout=10 back as a number, so the URI would change the extra
    expect(lines[3]).toMatch(/^AIRFLOW_CONN_TYPED='\{"conn_type": "http"/)
    expect(
      ((await backend.read({ kind: 'connection', id: 'typed' })) as ConnectionEntry).fields.extra
    ).toBe('{"timeout": "10"}')
  })

  it('chooses the URI per dialect', () => {
    const fields = {
      ...emptyConnectionFields(),
      conn_type: 'http',
      host: 'h',
      schema: '',
      extra: '{"t": "1"}'
    }
    expect(connectionEnvValue(fields, 'airflow2')).toBe('http://h/?t=1')
    expect(connectionEnvValue(fields, 'task-sdk')).toBe('http://h/?t=1')
    // core 3.1.6+ reads ?t=1 back as the number 1
    expect(connectionEnvValue(fields, 'airflow3')).toMatch(/^\{/)
  })

  it('refuses, writing nothing, an id whose name the loader cannot read back', async () => {
    const path = await fileWith('KEEP=1\n')
    const backend = new EnvFileBackend({ path })
    await expect(
      backend.write([variable('fine', '1'), variable('team/key', 'x')])
    ).rejects.toMatchObject({
      code: 'codec.invalid',
      userMessage: expect.stringMatching(/Nothing was written/)
    })
    expect(await readFile(path, 'utf8')).toBe('KEEP=1\n')
  })

  it('interpolates references from the given environment only', async () => {
    const path = await fileWith('AIRFLOW_CONN_DB=postgres://u:${PG_PASSWORD}@db/x\n')
    const bare = await new EnvFileBackend({ path }).read({ kind: 'connection', id: 'db' })
    expect((bare as ConnectionEntry).fields.password).toBeNull()
    const filled = await new EnvFileBackend({ path, environment: { PG_PASSWORD: 'pw' } }).read({
      kind: 'connection',
      id: 'db'
    })
    expect((filled as ConnectionEntry).fields.password).toBe('pw')
  })

  it('reads the file as python-dotenv does when told to', async () => {
    const path = await fileWith("AIRFLOW_VAR_A='${B}'\nB=1\nAIRFLOW_VAR_C=$B\n")
    const vars = async (loader: 'compose' | 'python-dotenv') =>
      (await new EnvFileBackend({ path, loader }).load({})).entries.map((e) =>
        e.kind === 'variable' ? [e.key, e.value] : []
      )
    expect(await vars('compose')).toEqual([
      ['a', '${B}'],
      ['c', '1']
    ])
    expect(await vars('python-dotenv')).toEqual([
      ['a', ''],
      ['c', '$B']
    ])
  })

  it('reads back each batch it writes from the reading its check made, as a fresh read does', async () => {
    const path = await fileWith('# kept\nAIRFLOW_VAR_REF=${PG}\nexport AIRFLOW_VAR_OLD="o"\n')
    const refs = ['ref', 'old', 'a', 'b', 'c'].map((id) => ({ kind: 'variable' as const, id }))
    const values = async (b: EnvFileBackend) =>
      (await b.readEach(refs)).map((e) => (e?.kind === 'variable' ? e.value : e))
    for (const environment of [undefined, { PG: 'pw' }]) {
      const backend = new EnvFileBackend({ path, environment })
      const held = backend as unknown as {
        varsCache?: { vars: WeakRef<Map<string, string>> }
        lastWrite?: { text: string }
      }
      for (const [key, value] of [
        ['a', 'one'],
        ['b', 'two words'],
        ['a', "it's"],
        ['c', 'x # y']
      ] as const) {
        await backend.write([variable(key, `${value} ${environment ? 'env' : ''}`)])
        // the check's reading is the read-back's, without an environment of the file's own
        expect(held.varsCache?.vars.deref() !== undefined).toBe(environment === undefined)
        expect(held.lastWrite?.text).toBe(await readFile(path, 'utf8'))
        expect(await values(backend)).toEqual(
          await values(new EnvFileBackend({ path, environment }))
        )
      }
      expect((await values(backend))[0]).toBe(environment ? 'pw' : '')
      await backend.remove(refs.slice(2))
    }
    expect(await readFile(path, 'utf8')).toBe(
      '# kept\nAIRFLOW_VAR_REF=${PG}\nexport AIRFLOW_VAR_OLD="o"\n'
    )
  })

  it('reads the file again when the parse it held was collected between two reads', async () => {
    // the parse is held weakly (a job's source would keep every value to the job's end):
    // here it is alive when the file's identity is checked and gone when it is used
    const path = await fileWith('AIRFLOW_VAR_A=1\nAIRFLOW_VAR_B=two\n')
    const backend = new EnvFileBackend({ path })
    const refs = [
      { kind: 'variable' as const, id: 'a' },
      { kind: 'variable' as const, id: 'b' }
    ]
    const values = async () =>
      (await backend.readEach(refs)).map((e) => (e?.kind === 'variable' ? e.value : e))
    expect(await values()).toEqual(['1', 'two'])
    const held = backend as unknown as {
      varsCache?: { vars: WeakRef<Map<string, string>> }
      textCache?: unknown
    }
    const parse = held.varsCache!.vars.deref()!
    held.textCache = undefined // the fast reading keeps no text; neither does this one
    let derefs = 0
    held.varsCache!.vars = { deref: () => (derefs++ === 0 ? parse : undefined) } as WeakRef<
      Map<string, string>
    >
    expect(await values()).toEqual(['1', 'two'])
    expect(derefs).toBeGreaterThan(1)
    expect(await backend.read({ kind: 'variable', id: 'b' })).toMatchObject({ value: 'two' })
  })
})

describe('EnvBackend', () => {
  const environment = {
    AIRFLOW_CONN_MY_DB: 'postgres://u:p@db:5432/x',
    AIRFLOW_CONN__ANALYTICS___WAREHOUSE: '{"conn_type": "snowflake", "login": "svc"}',
    AIRFLOW_VAR_REGION: 'eu-west-1',
    AIRFLOW_VAR__ANALYTICS___LIMIT: '5',
    AIRFLOW_VAR_lower: 'canary-lower-value',
    AIRFLOW_CONN_BROKEN: 'not a :// uri ://x ://y',
    PATH: '/usr/bin',
    UNSET: undefined
  }
  const backend = new EnvBackend({ environment, id: 'env:test' })

  it('is read-only', async () => {
    expect(backend.capabilities).toEqual({ list: true, write: false })
    await expect(backend.write([variable('a', '1')])).rejects.toMatchObject({ code: 'usage' })
    await expect(backend.remove([{ kind: 'variable', id: 'a' }])).rejects.toBeInstanceOf(
      AirlockError
    )
  })

  it('lists the names Airflow reads, team-scoped ones with their team', async () => {
    expect(await backend.list({})).toEqual([
      { kind: 'connection', id: 'my_db' },
      { kind: 'connection', id: 'warehouse', team: 'analytics' },
      { kind: 'variable', id: 'region' },
      { kind: 'variable', id: 'limit', team: 'analytics' },
      { kind: 'connection', id: 'broken' }
    ])
    expect(await backend.list({ kinds: ['variable'] })).toHaveLength(2)
  })

  it('loads entries with their origin and reports unreadable names and bad values', async () => {
    const { entries, problems } = await backend.load({})
    expect(entries).toHaveLength(4)
    expect(entries.find((e) => e.kind === 'connection' && e.id === 'warehouse')).toEqual({
      kind: 'connection',
      id: 'warehouse',
      team: 'analytics',
      fields: { ...emptyConnectionFields(), conn_type: 'snowflake', login: 'svc' },
      source: {
        backendId: 'env:test',
        path: 'process.env',
        fromKey: 'AIRFLOW_CONN__ANALYTICS___WAREHOUSE'
      }
    })
    expect(problems.map((p) => [p.ref.kind, p.ref.id, p.code])).toEqual([
      ['variable', 'lower', 'codec.invalid'],
      ['connection', 'broken', 'codec.invalid-uri']
    ])
    for (const p of problems) expect(p.message).not.toMatch(/canary|not a/)
  })

  it('reads by any case of an id, and throws for a value that does not parse', async () => {
    expect(await backend.read({ kind: 'variable', id: 'Region' })).toMatchObject({
      key: 'region',
      value: 'eu-west-1'
    })
    expect(await backend.read({ kind: 'variable', id: 'LIMIT', team: 'Analytics' })).toMatchObject({
      value: '5',
      team: 'analytics'
    })
    expect(await backend.read({ kind: 'variable', id: 'lower' })).toBeUndefined()
    await expect(backend.read({ kind: 'connection', id: 'broken' })).rejects.toBeInstanceOf(
      AirlockError
    )
  })

  it('reads process.env by default', async () => {
    const key = 'AIRFLOW_VAR_AIRLOCK_TEST_DEFAULT_ENV'
    process.env[key] = 'yes'
    try {
      expect(
        await new EnvBackend().read({ kind: 'variable', id: 'airlock_test_default_env' })
      ).toMatchObject({ value: 'yes', source: { path: 'process.env', fromKey: key } })
    } finally {
      delete process.env[key]
    }
  })
})

describe('EnvFileBackend pre-flight', () => {
  const entries = [
    variable('plain', 'eu-west-1'),
    variable('quoted', 'two words'),
    // python-dotenv expands ${…} in every value: only a read-back of the whole text finds it
    variable('expands', 'a ${HOME} b'),
    variable('nul', 'a\0b'),
    conn('db', { conn_type: 'postgres', host: 'db.example.com', password: "it's $x" }),
    variable('Plain', 'again')
  ]

  for (const loader of ['compose', 'python-dotenv'] as const)
    it(`warns as encodeEnvFile does for the values it writes (${loader})`, async () => {
      const file = new EnvFileBackend({ path: await fileWith(undefined), loader })
      const problems = await file.preflight(entries)
      const written = [entries[0]!, entries[1]!, entries[2]!, entries[4]!]
      const expected = encodeEnvFile(
        written.map((e) => ({
          name:
            e.kind === 'variable'
              ? `AIRFLOW_VAR_${e.key.toUpperCase()}`
              : `AIRFLOW_CONN_${e.id.toUpperCase()}`,
          value: e.kind === 'variable' ? e.value : connectionEnvValue(e.fields, 'airflow3')
        })),
        { prefer: loader }
      ).warnings
      expect(expected.map((w) => w.name)).toContain('AIRFLOW_VAR_EXPANDS')
      expect(problems.filter((p) => p.severity === 'warning')).toEqual(
        expected.map((w) => ({
          ref: expect.objectContaining({
            id: w.name.replace(/^AIRFLOW_(VAR|CONN)_/, '').toLowerCase()
          }),
          severity: 'warning',
          message: `${file.id}: ${w.message}`
        }))
      )
      expect(problems.filter((p) => p.severity === 'error').map((p) => p.ref?.id)).toEqual([
        'nul',
        'Plain'
      ])
    })

  it('has no warning when both loaders read every line as written', async () => {
    const file = new EnvFileBackend({ path: await fileWith(undefined) })
    expect(await file.preflight([entries[0]!, entries[1]!])).toEqual([])
  })
})
