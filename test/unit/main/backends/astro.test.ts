import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AstroSettingsBackend } from '../../../../src-main/backends/astro'
import { AirlockError } from '../../../../src-main/core/errors'
import {
  emptyConnectionFields,
  type ConnectionEntry,
  type ConnectionFields,
  type Entry
} from '../../../../src-main/core/model'
import { SECRET_MARK, backendConformance } from '../../../support/backend-conformance'

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-astro-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true })
})

backendConformance('astro', {
  create: async () =>
    new AstroSettingsBackend({ path: join(await tempDir(), 'airflow_settings.yaml') }),
  lossy: ['description', 'variable.description']
})

const conn = (id: string, f: Partial<ConnectionFields>): Entry => ({
  kind: 'connection',
  id,
  fields: { ...emptyConnectionFields(), ...f }
})

async function backendWith(text: string): Promise<{ b: AstroSettingsBackend; path: string }> {
  const path = join(await tempDir(), 'airflow_settings.yaml')
  await writeFile(path, text)
  return { b: new AstroSettingsBackend({ path }), path }
}

async function fields(b: AstroSettingsBackend, id: string): Promise<ConnectionFields | undefined> {
  return ((await b.read({ kind: 'connection', id })) as ConnectionEntry | undefined)?.fields
}

describe('astro settings backend', () => {
  it("reads astro-cli's own test settings file as astro loads it", async () => {
    // settings/testfiles/airflow_settings.yaml in astronomer/astro-cli
    const { b } = await backendWith(`airflow:
  connections:
    - conn_id: 'local_postgres'
      conn_type: 'postgres'
      conn_host: 'postres.host'
      conn_schema: 'postges.schema'
      conn_login: 'postgres.login'
      conn_password: 'postgres.pass'
      conn_port: 5432
      conn_extra:
        database: test
        account: test
  pools:
    - pool_name: 'pool_name'
      pool_slot: 3
      pool_description: 'pool_desc'
  variables:
    - variable_name: 'email_list'
      variable_value: 'test@test.com'
`)
    expect(await fields(b, 'local_postgres')).toEqual({
      conn_type: 'postgres',
      description: null,
      host: 'postres.host',
      login: 'postgres.login',
      password: 'postgres.pass',
      schema: 'postges.schema',
      port: 5432,
      // Go's json.Marshal of the map: keys sorted, compact
      extra: '{"account":"test","database":"test"}'
    })
    expect(await b.read({ kind: 'variable', id: 'email_list' })).toMatchObject({
      value: 'test@test.com',
      description: null
    })
  })

  it('decodes loosely typed values as viper and mapstructure do', async () => {
    const { b } = await backendWith(`airflow:
  connections:
    - conn_id: c
      conn_type: generic
      conn_password: 0123
      conn_login: true
      conn_schema: 1_000
      conn_host: 1.50
      conn_port: "0x10"
      conn_extra: '{"raw": "text kept"}'
  variables:
    - variable_name: n
      variable_value: 1e3
`)
    expect(await fields(b, 'c')).toMatchObject({
      password: '83',
      login: '1',
      schema: '1000',
      host: '1.5',
      port: 16,
      extra: '{"raw": "text kept"}'
    })
    expect(await b.read({ kind: 'variable', id: 'n' })).toMatchObject({ value: '1000' })
  })

  it('parses a conn_uri with Go net/url only when no field is set', async () => {
    const { b } = await backendWith(`airflow:
  connections:
    - conn_id: from_uri
      conn_uri: postgresql://u:p%40ss@Db.Example:5432/dw?sslmode=require&app=a+b
    - conn_id: fields_win
      conn_type: http
      conn_uri: mysql://ignored
`)
    expect(await fields(b, 'from_uri')).toEqual({
      conn_type: 'postgresql',
      description: null,
      host: 'Db.Example',
      login: 'u',
      password: 'p@ss',
      schema: 'dw',
      port: 5432,
      extra: '{"app": "a b", "sslmode": "require"}'
    })
    expect((await fields(b, 'fields_win'))?.conn_type).toBe('http')
    const diag = await b.diagnose()
    expect(diag.warnings.map((w) => w.message).join(' ')).toContain('conn_uri is ignored')
  })

  it('lower-cases conn_extra keys at every depth as viper 1.19 does, and says Airflow would not', async () => {
    // spf13/viper v1.19.0 util.go insensitiviseMap / insensitiveArray (astro-cli go.mod pins
    // viper v1.19.0); astronomer/astro-cli settings/settings.go jsonString: json.Marshal.
    const { b } = await backendWith(`airflow:
  connections:
    - Conn_Id: c
      conn_type: aws
      conn_extra:
        Region_Name: eu-west-1
        region_name: shadowed
        Nested: {Inner_Key: [{Deep_Key: 1}]}
        1: one
        true: yes
`)
    expect((await fields(b, 'c'))?.extra).toBe(
      '{"1":"one","nested":{"inner_key":[{"deep_key":1}]},"region_name":"eu-west-1","true":"yes"}'
    )
    const diag = await b.diagnose()
    expect(diag.warnings.map((w) => w.message).join(' ')).toContain(
      'lower-cases the keys of conn_extra'
    )
  })

  it("writes conn_uri's query as astro's queryToJSONPairs does (%q quoting, not JSON)", async () => {
    // astronomer/astro-cli settings/settings.go parseConnectionURI + queryToJSONPairs
    const { b } = await backendWith(`airflow:
  connections:
    - conn_id: q
      conn_uri: http://h/?a=%3Cb%3E%26c
`)
    expect((await fields(b, 'q'))?.extra).toBe('{"a": "<b>&c"}')
  })

  it('skips what astro skips', async () => {
    const { b } = await backendWith(`airflow:
  connections:
    - conn_type: http
    - conn_id: no_type
      conn_host: h
  variables:
    - variable_name: empty
      variable_value: ''
    - variable_value: orphan
`)
    expect(await b.list({})).toEqual([])
    expect((await b.diagnose()).warnings).toHaveLength(4)
  })

  it('loads nothing when viper cannot decode the file, naming the line', async () => {
    const { b } = await backendWith(`airflow:
  connections:
    - conn_id: a
      conn_type: http
      conn_port: not-a-port
`)
    const error = (await b.list({}).catch((e: unknown) => e)) as AirlockError
    expect(error).toBeInstanceOf(AirlockError)
    expect(error.userMessage).toContain('line 5')
    expect(error.userMessage).not.toContain('not-a-port')
    await expect(b.write([conn('x', { conn_type: 'http' })])).rejects.toThrow(/Not writing/)
  })

  it('reports a connection Airflow refuses by its id, never its value', async () => {
    const { b } = await backendWith(`airflow:
  connections:
    - conn_id: bad uri
      conn_uri: x://u:${SECRET_MARK}@h:port
    - conn_id: good
      conn_type: http
`)
    const loaded = await b.load({})
    expect(loaded.entries.map((e) => (e.kind === 'connection' ? e.id : ''))).toEqual(['good'])
    expect(loaded.problems).toHaveLength(1)
    expect(loaded.problems[0]!.message).toContain('the 1 after it are not added')
    expect(loaded.problems[0]!.message).not.toContain(SECRET_MARK)
  })

  it('keeps comments, pools and unknown keys when writing', async () => {
    const original = `# project settings
airflow:
  connections:
    - conn_id: keep # a comment on the id
      conn_type: http
      conn_host: old
      owner_team: data # not an astro key
  pools:
    - pool_name: etl
      pool_slot: 4
      pool_description: ETL
  variables: []
`
    const { b, path } = await backendWith(original)
    await b.write([
      conn('keep', { conn_type: 'http', host: 'new', password: '0123', extra: '{"a": 1}' }),
      { kind: 'variable', key: 'flag', value: 'true', description: null }
    ])
    const text = await readFile(path, 'utf8')
    expect(text).toContain('# project settings')
    expect(text).toContain('# a comment on the id')
    expect(text).toContain('owner_team: data')
    expect(text).toContain('pool_name: etl')
    // strings yaml.v3 would read as numbers or booleans are quoted
    expect(text).toContain("conn_password: '0123'")
    expect(text).toContain("variable_value: 'true'")
    expect(await fields(b, 'keep')).toMatchObject({
      host: 'new',
      password: '0123',
      extra: '{"a": 1}'
    })
    await b.remove([{ kind: 'connection', id: 'keep' }])
    expect(await readFile(path, 'utf8')).toContain('pool_name: etl')
    expect(await b.list({ kinds: ['connection'] })).toEqual([])
  })

  it('refuses entries astro would skip or Airflow would refuse', async () => {
    const { b } = await backendWith('airflow: {}\n')
    await expect(b.write([conn('x', {})])).rejects.toThrow(/conn_type/)
    await expect(b.write([conn('bad id', { conn_type: 'http' })])).rejects.toThrow(/refuses/)
    await expect(
      b.write([{ kind: 'variable', key: 'v', value: '', description: null }])
    ).rejects.toThrow(/empty/)
  })

  // Found by fuzzing (test/unit/main/fuzz/airflow-files.test.ts): a "billion laughs" extra
  // hung the reader (gigabytes of JSON) and a self-containing one overflowed the stack;
  // yaml.v3, which astro's viper uses, refuses both.
  it('refuses documents yaml.v3 refuses for their aliases', async () => {
    const laughs =
      'x-0: &a0 {k0: lol, k1: lol, k2: lol, k3: lol, k4: lol, k5: lol, k6: lol, k7: lol, k8: lol}\n' +
      Array.from(
        { length: 8 },
        (_, i) =>
          `x-${i + 1}: &a${i + 1} {${Array.from({ length: 9 }, (_, j) => `k${j}: *a${i}`).join(', ')}}\n`
      ).join('') +
      'airflow:\n  connections:\n    - conn_id: x\n      conn_type: y\n      conn_extra: *a8\n'
    for (const text of [
      laughs,
      'airflow:\n  connections:\n    - conn_id: x\n      conn_type: y\n      conn_extra: &a {k: *a}\n'
    ]) {
      const { b } = await backendWith(text)
      await expect(b.load({})).rejects.toThrow(
        /YAML aliases: (the document contains excessive aliasing|an anchor's value contains an alias to itself)/
      )
    }
    // a few aliases are fine
    const { b } = await backendWith(
      'x: &t {conn_type: http}\nairflow:\n  connections:\n    - conn_id: a\n      conn_type: http\n      conn_extra: &e {k: v}\n    - conn_id: b\n      conn_type: http\n      conn_extra: *e\n'
    )
    expect((await b.load({})).entries).toHaveLength(2)
  })
})
