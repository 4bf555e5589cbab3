import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AirflowExportBackend } from '../../../../src-main/backends/airflow-export'
import { AirlockError } from '../../../../src-main/core/errors'
import { emptyConnectionFields, type Entry } from '../../../../src-main/core/model'
import {
  SECRET_MARK,
  backendConformance,
  sampleEntries
} from '../../../support/backend-conformance'
import { runPython } from '../../../support/python'

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-export-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true })
})

backendConformance('airflow-export (json)', {
  create: async () => {
    const dir = await tempDir()
    return new AirflowExportBackend({
      connectionsPath: join(dir, 'connections.json'),
      variablesPath: join(dir, 'variables.json'),
      variableValues: 'lossless'
    })
  }
})

backendConformance('airflow-export (yaml)', {
  create: async () => {
    const dir = await tempDir()
    return new AirflowExportBackend({
      connectionsPath: join(dir, 'connections.yaml'),
      variablesPath: join(dir, 'variables.json'),
      variableValues: 'lossless'
    })
  }
})

// A URI has no description, and Airflow 3 core reads "10" in a query back as the number 10,
// so the .env suite uses the Airflow 2 rules (strings stay strings; variables export then
// writes no descriptions, as Airflow 2 does).
backendConformance('airflow-export (env)', {
  create: async () => {
    const dir = await tempDir()
    return new AirflowExportBackend({
      connectionsPath: join(dir, 'connections.env'),
      variablesPath: join(dir, 'variables.json'),
      dialect: 'airflow2',
      variableValues: 'lossless'
    })
  },
  lossy: ['description', 'schema', 'host', 'variable.description']
})

const conn = (
  id: string,
  f: Partial<typeof emptyConnectionFields extends () => infer T ? T : never>
): Entry => ({
  kind: 'connection',
  id,
  fields: { ...emptyConnectionFields(), ...f }
})

describe('airflow-export backend', () => {
  it('writes the bytes airflow variables export writes, and reads them as variables import does', async () => {
    const dir = await tempDir()
    const path = join(dir, 'vars.json')
    const b = new AirflowExportBackend({ path, kind: 'variables' })
    await b.write([
      { kind: 'variable', key: 'obj', value: '{"a": [1, 2]}', description: null },
      { kind: 'variable', key: 'text', value: 'plain', description: 'd' }
    ])
    const text = await readFile(path, 'utf8')
    // Python: json.dumps(..., sort_keys=True, indent=4) of the decoded values
    const expected = runPython<string>(
      'import json,sys; print(json.dumps(json.dumps({"obj": {"a": [1, 2]}, "text": {"value": "plain", "description": "d"}}, sort_keys=True, indent=4)))',
      null
    )
    expect(text).toBe(expected)
    // variables import stores a non-string value as json.dumps(value, indent=2)
    const back = (await b.read({ kind: 'variable', id: 'obj' })) as Entry & { value: string }
    expect(back.value).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}')
    expect(back.source).toEqual({ backendId: b.id, path, fromKey: 'obj' })
  })

  it('keeps such a value as raw text in lossless mode, which variables import stores unchanged', async () => {
    const dir = await tempDir()
    const path = join(dir, 'vars.json')
    const b = new AirflowExportBackend({ path, kind: 'variables', variableValues: 'lossless' })
    await b.write([
      { kind: 'variable', key: 'obj', value: '{"a": [1, 2]}', description: null },
      { kind: 'variable', key: 'n', value: '42', description: null }
    ])
    const text = await readFile(path, 'utf8')
    // what `airflow variables import` stores for each entry of the file
    const stored = runPython<Record<string, string>>(
      `import json,sys
d=json.loads(json.loads(sys.stdin.read()))
out={}
for k,v in d.items():
    if isinstance(v, dict) and "value" in v: v=v["value"]
    out[k]=v if isinstance(v,str) else json.dumps(v, indent=2)
print(json.dumps(out))`,
      text
    )
    expect(stored).toEqual({ n: '42', obj: '{"a": [1, 2]}' })
    expect(JSON.parse(text)).toEqual({ n: 42, obj: '{"a": [1, 2]}' })
    expect(((await b.read({ kind: 'variable', id: 'obj' })) as { value: string }).value).toBe(
      '{"a": [1, 2]}'
    )
  })

  it('writes connection exports byte for byte as airflow connections export (json)', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.json')
    const b = new AirflowExportBackend({ path, kind: 'connections' })
    await b.write([
      conn('b', { conn_type: 'http', host: 'h', port: 80 }),
      conn('a', { conn_type: 'postgres', password: 'p', extra: '{"x": "y"}' })
    ])
    const expected = runPython<string>(
      `import json
d={"a":{"conn_type":"postgres","description":None,"login":None,"password":"p","host":None,"port":None,"schema":None,"extra":"{\\"x\\": \\"y\\"}"},
   "b":{"conn_type":"http","description":None,"login":None,"password":None,"host":"h","port":80,"schema":None,"extra":None}}
print(json.dumps(json.dumps(d, indent=2)))`,
      null
    )
    expect(await readFile(path, 'utf8')).toBe(expected)
  })

  it('creates files readable by the owner only and keeps the mode of an existing one', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.env')
    const b = new AirflowExportBackend({ path, kind: 'connections' })
    await b.write([conn('x', { conn_type: 'http', host: 'h' })])
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readFile(path, 'utf8')).toBe('x=http://h\n')
  })

  it('reports every problem with its line and refuses to rewrite such a file', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.env')
    await writeFile(path, 'good=http://h\nno_equals_sign\n=x\ndup=a://b\ndup=a://c\n')
    const b = new AirflowExportBackend({ path, kind: 'connections' })
    const error = await b.list({}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AirlockError)
    expect((error as AirlockError).userMessage).toContain('line 2')
    expect((error as AirlockError).userMessage).toContain('line 3')
    await expect(b.write([conn('n', { conn_type: 'http' })])).rejects.toThrow(/Not writing/)
    expect(await readFile(path, 'utf8')).toContain('no_equals_sign')
  })

  it('returns the good entries and one problem per bad id from load', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.env')
    await writeFile(path, `good=http://h\ndup=a://b\ndup=a://c\nbad=x://u:p@h:99999\n`)
    const b = new AirflowExportBackend({ path, kind: 'connections' })
    const loaded = await b.load({})
    expect(loaded.entries.map((e) => (e.kind === 'connection' ? e.id : ''))).toEqual(['good'])
    expect(loaded.problems.map((p) => p.ref.id).sort()).toEqual(['bad', 'dup'])
    await expect(b.read({ kind: 'connection', id: 'dup' })).rejects.toThrow(/"dup"/)
  })

  it('never puts a value in a message', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.json')
    await writeFile(
      path,
      `{"a": {"password": "${SECRET_MARK}", "bogus": "${SECRET_MARK}"}, "b": "x://u:${SECRET_MARK}@h:port"}`
    )
    const b = new AirflowExportBackend({ path, kind: 'connections' })
    const loaded = await b.load({})
    expect(loaded.problems.length).toBe(2)
    for (const p of loaded.problems) expect(p.message).not.toContain(SECRET_MARK)
    await b.write([]).catch(() => undefined)
    const error = await b.write(sampleEntries()).catch((e: unknown) => e)
    expect(String((error as Error).message)).not.toContain(SECRET_MARK)
  })

  it('refuses writes it cannot make as Airflow would', async () => {
    const dir = await tempDir()
    const yamlVars = new AirflowExportBackend({ path: join(dir, 'v.yaml'), kind: 'variables' })
    expect(yamlVars.capabilities.write).toBe(false)
    await expect(
      yamlVars.write([{ kind: 'variable', key: 'k', value: 'v', description: null }])
    ).rejects.toThrow(/JSON only/)
    const connsOnly = new AirflowExportBackend({ path: join(dir, 'c.json'), kind: 'connections' })
    await expect(
      connsOnly.write([{ kind: 'variable', key: 'k', value: 'v', description: null }])
    ).rejects.toThrow(/no variables file/)
    expect(
      () => new AirflowExportBackend({ path: join(dir, 'c.txt'), kind: 'connections' })
    ).toThrow(/extension/)
  })

  it('reads variables from .yaml and .env as variables import accepts them', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'v.yaml'), 'a: text\nb: 5\nc:\n  value: x\n  description: d\n')
    await writeFile(join(dir, 'v.env'), 'a=text\n# comment\nb=5\n')
    const y = await new AirflowExportBackend({ path: join(dir, 'v.yaml'), kind: 'variables' }).load(
      {}
    )
    expect(
      y.entries.map((e) => (e.kind === 'variable' ? [e.key, e.value, e.description] : []))
    ).toEqual([
      ['a', 'text', null],
      ['b', '5', null],
      ['c', 'x', 'd']
    ])
    const e = await new AirflowExportBackend({ path: join(dir, 'v.env'), kind: 'variables' }).load(
      {}
    )
    expect(e.entries.map((x) => (x.kind === 'variable' ? x.value : ''))).toEqual(['text', '5'])
  })

  it('reads a .env export as the chosen Airflow does: core 3.1.6+ turns "10" in a query into 10', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.env')
    await writeFile(path, 'pg=postgres://h/db?connect_timeout=10\n')
    const read = async (dialect: 'airflow2' | 'airflow3') =>
      (
        (await new AirflowExportBackend({ path, kind: 'connections', dialect }).read({
          kind: 'connection',
          id: 'pg'
        })) as Entry & {
          fields: { extra: string }
        }
      ).fields.extra
    expect(await read('airflow2')).toBe('{"connect_timeout": "10"}')
    expect(await read('airflow3')).toBe('{"connect_timeout": 10}')
  })

  it('removes entries and rewrites an .env file even when it becomes empty', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.env')
    const b = new AirflowExportBackend({ path, kind: 'connections' })
    await b.write([conn('x', { conn_type: 'http', host: 'h' })])
    await b.remove([{ kind: 'connection', id: 'x' }])
    expect(await readFile(path, 'utf8')).toBe('')
    expect(await b.list({})).toEqual([])
  })
})

describe('airflow-export: a file rewritten in place', () => {
  it('is read anew after a same-size rewrite that kept its mtime (cp -p, tar, utimes)', async () => {
    const dir = await tempDir()
    const path = join(dir, 'connections.json')
    const text = (host: string) => `{"c": {"conn_type": "http", "host": "${host}"}}`
    const hostOf = (r: { entries: Entry[] }) =>
      r.entries[0]!.kind === 'connection' ? r.entries[0]!.fields.host : undefined
    const store = new AirflowExportBackend({ connectionsPath: path, variablesPath: null })
    await writeFile(path, text('aaaa'))
    await utimes(path, 1000, 1000)
    expect(hostOf(await store.load({}))).toBe('aaaa')
    await writeFile(path, text('bbbb'))
    await utimes(path, 1000, 1000)
    expect(hostOf(await store.load({}))).toBe('bbbb')
  })
})
