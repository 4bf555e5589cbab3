import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LfsBackend } from '../../../../src-main/backends/lfs'
import { AirlockError } from '../../../../src-main/core/errors'
import {
  emptyConnectionFields,
  type ConnectionFields,
  type Entry
} from '../../../../src-main/core/model'
import { SECRET_MARK, backendConformance } from '../../../support/backend-conformance'
import { runPython } from '../../../support/python'

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-lfs-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true })
})

for (const ext of ['json', 'yaml', 'yml'] as const)
  backendConformance(`lfs (${ext})`, {
    create: async () => {
      const dir = await tempDir()
      return new LfsBackend({
        connectionsFilePath: join(dir, `connections.${ext}`),
        variablesFilePath: join(dir, `variables.${ext}`)
      })
    },
    lossy: ['variable.description']
  })

// URIs hold no description, give '' for an absent host or schema, and Airflow 3 core reads
// "10" in a query back as 10: the .env suite reads with the Airflow 2 rules.
backendConformance('lfs (env)', {
  create: async () => {
    const dir = await tempDir()
    return new LfsBackend({
      connectionsFilePath: join(dir, 'connections.env'),
      variablesFilePath: join(dir, 'variables.env'),
      dialect: 'airflow2'
    })
  },
  lossy: ['description', 'schema', 'host', 'variable.description']
})

const conn = (id: string, f: Partial<ConnectionFields>, team?: string): Entry => ({
  kind: 'connection',
  id,
  fields: { ...emptyConnectionFields(), ...f },
  ...(team ? { team } : {})
})
const variable = (key: string, value: string, team?: string): Entry => ({
  kind: 'variable',
  key,
  value,
  description: null,
  ...(team ? { team } : {})
})

/** What Airflow's own parsers (local_filesystem.py, reproduced) make of an .env file. */
const PY_ENV = `import json,re,sys
content=json.loads(sys.stdin.read())
secrets={}; errors=[]
for n,line in enumerate(content.splitlines(),1):
    if not line or re.match(r"\\s*#", line): continue
    k,sep,v=line.partition("=")
    if not sep: errors.append(n); continue
    if not k or not v: errors.append(n); continue
    secrets.setdefault(k,[]).append(v)
print(json.dumps({"secrets": secrets, "errors": errors}))`

describe('lfs backend', () => {
  it('reads .env files with the grammar of local_filesystem.py', async () => {
    const dir = await tempDir()
    const text = 'a=1\n  # comment\n\nb = 2 \nc=x=y\nbroken\n=v\nd=\n'
    const py = runPython<{ secrets: Record<string, string[]>; errors: number[] }>(PY_ENV, text)
    await writeFile(join(dir, 'v.env'), text)
    const b = new LfsBackend({ variablesFilePath: join(dir, 'v.env') })
    const error = (await b.list({}).catch((e: unknown) => e)) as AirlockError
    expect(error).toBeInstanceOf(AirlockError)
    expect(py.errors).toEqual([6, 7, 8])
    expect(error.userMessage).toContain('line 6')
    expect(error.userMessage).toContain('line 7')
    // an empty value is pinned to its key: the other entries still load, with a problem for it
    await writeFile(join(dir, 'v.env'), 'a=1\nd=\n')
    expect((await b.load({})).problems).toMatchObject([{ ref: { kind: 'variable', id: 'd' } }])
    await writeFile(join(dir, 'v.env'), 'a=1\n  # comment\n\nb = 2 \nc=x=y\n')
    const ok = await b.load({})
    const pyOk = runPython<{ secrets: Record<string, string[]> }>(
      PY_ENV,
      'a=1\n  # comment\n\nb = 2 \nc=x=y\n'
    )
    expect(
      Object.fromEntries(
        ok.entries.map((e) => [
          e.kind === 'variable' ? e.key : '',
          e.kind === 'variable' ? e.value : ''
        ])
      )
    ).toEqual(Object.fromEntries(Object.entries(pyOk.secrets).map(([k, v]) => [k, v[0]])))
  })

  it('edits .env files in place, keeping comments, order and untouched lines', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.env')
    await writeFile(path, '# production\nb=postgres://u:p@db/x\n\na=http://h\n')
    const b = new LfsBackend({ connectionsFilePath: path })
    await b.write([
      conn('a', { conn_type: 'http', host: 'other' }),
      conn('c', { conn_type: 'redis', host: 'r', port: 6379 })
    ])
    expect(await readFile(path, 'utf8')).toBe(
      '# production\nb=postgres://u:p@db/x\n\na=http://other\nc=redis://r:6379\n'
    )
    await b.remove([{ kind: 'connection', id: 'b' }])
    expect(await readFile(path, 'utf8')).toBe('# production\n\na=http://other\nc=redis://r:6379\n')
  })

  it('refuses a variable Airflow could not read back from a .env line', async () => {
    const dir = await tempDir()
    const b = new LfsBackend({ variablesFilePath: join(dir, 'v.env') })
    await expect(b.write([variable('k', 'two\nlines')])).rejects.toThrow(/line break/)
    await expect(b.write([variable('k', 'a\u2028b')])).rejects.toThrow(/line break/)
    await expect(b.write([variable('k', '')])).rejects.toThrow(/empty/)
  })

  it('returns JSON/YAML variable values as found (no value/description unpacking)', async () => {
    const dir = await tempDir()
    const path = join(dir, 'v.yaml')
    await writeFile(path, 'text: hello\nport: 5432\nobj:\n  value: x\n  description: d\n')
    const b = new LfsBackend({ variablesFilePath: path })
    const loaded = await b.load({})
    expect(
      loaded.entries.map((e) => (e.kind === 'variable' ? [e.key, e.value, e.description] : []))
    ).toEqual([
      ['text', 'hello', null],
      ['port', '5432', null],
      ['obj', '{"value": "x", "description": "d"}', null]
    ])
    const [diag] = await b.diagnose()
    expect(diag!.warnings.map((w) => w.key)).toEqual(['port', 'obj'])
    // writing one variable leaves the others exactly as they were (5432 stays a number)
    await b.write([variable('text', 'bye')])
    expect(await readFile(path, 'utf8')).toBe(
      'obj:\n  description: d\n  value: x\nport: 5432\ntext: bye\n'
    )
  })

  it('reads and writes team-scoped keys <team>___<id> in multi-team mode', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.json')
    const b = new LfsBackend({ connectionsFilePath: path, multiTeam: true })
    await b.write([
      conn('db', { conn_type: 'postgres', host: 'global' }),
      conn('db', { conn_type: 'postgres', host: 'team' }, 'analytics')
    ])
    const data = JSON.parse(await readFile(path, 'utf8')) as Record<string, { host: string }>
    expect(Object.keys(data).sort()).toEqual(['analytics___db', 'db'])
    expect(data.analytics___db!.host).toBe('team')
    const refs = await b.list({})
    expect(refs).toContainEqual({ kind: 'connection', id: 'db', team: 'analytics' })
    const teamEntry = await b.read({ kind: 'connection', id: 'db', team: 'analytics' })
    expect(teamEntry?.kind === 'connection' && teamEntry.fields.host).toBe('team')
    expect(teamEntry?.source?.fromKey).toBe('analytics___db')
    await expect(b.write([conn('a___b', { conn_type: 'x' })])).rejects.toThrow(/___/)
    const plain = new LfsBackend({ connectionsFilePath: path })
    expect((await plain.list({})).map((r) => r.id).sort()).toEqual(['analytics___db', 'db'])
    await expect(plain.write([conn('x', { conn_type: 'x' }, 'analytics')])).rejects.toThrow(
      /multi-team/
    )
  })

  it('reports a bad connection by id, never its value, and refuses to rewrite the file', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.json')
    const original = `{"ok": "http://h", "bad": {"conn_type": "x", "pasword": "${SECRET_MARK}"}, "worse": "x://u:${SECRET_MARK}@h:notaport"}`
    await writeFile(path, original)
    const b = new LfsBackend({ connectionsFilePath: path })
    const loaded = await b.load({})
    expect(loaded.entries.map((e) => (e.kind === 'connection' ? e.id : ''))).toEqual(['ok'])
    expect(loaded.problems.map((p) => p.ref.id).sort()).toEqual(['bad', 'worse'])
    for (const p of loaded.problems) expect(p.message).not.toContain(SECRET_MARK)
    const error = (await b.write([conn('n', { conn_type: 'x' })]).catch((e: unknown) => e)) as Error
    expect(error.message).toMatch(/Not writing/)
    expect(error.message).not.toContain(SECRET_MARK)
    expect(await readFile(path, 'utf8')).toBe(original)
  })

  it('treats a missing file as empty and an empty JSON file as Airflow does', async () => {
    const dir = await tempDir()
    const path = join(dir, 'c.json')
    const b = new LfsBackend({ connectionsFilePath: path })
    expect(await b.list({})).toEqual([])
    await writeFile(path, '')
    await expect(b.list({})).rejects.toThrow(/The file is empty/)
  })

  it('has nothing of a kind whose file is not configured', async () => {
    const dir = await tempDir()
    const b = new LfsBackend({ connectionsFilePath: join(dir, 'c.env'), variablesFilePath: null })
    expect(await b.read({ kind: 'variable', id: 'x' })).toBeUndefined()
    await expect(b.write([variable('x', 'y')])).rejects.toThrow(/no variables file/)
  })
})

describe('lfs ids', () => {
  it('reads keys the import command would refuse, as LocalFilesystemBackend does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-lfs-ids-'))
    try {
      const path = join(dir, 'connections.json')
      await writeFile(path, JSON.stringify({ 'team/db with space': 'postgres://h/db' }))
      const loaded = await new LfsBackend({ connectionsFilePath: path }).load({})
      expect(loaded.problems).toEqual([])
      expect(loaded.entries.map((e) => (e.kind === 'connection' ? e.id : e.key))).toEqual([
        'team/db with space'
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
