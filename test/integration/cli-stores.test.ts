// The store commands as a user runs them: a real process, real files and databases.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { demoEntries } from '../../src-main/platform/demo'
import { airlock, hasNode24, packagesLoadedBy } from '../support/cli'
import { PG_ADMIN } from '../support/metadb'
import { runPython } from '../support/python'
import { tempDir } from '../support/temp-dir'

let home: string
let work: string
beforeAll(() => {
  home = tempDir('airlock-home-')
  work = tempDir('airlock-work-')
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})
const run = (args: string[], env: Record<string, string> = {}) =>
  airlock(args, '', { AIRLOCK_HOME: home, ...env })

describe('airlock list / export on the demo', () => {
  it('lists the demo metadata DB with values masked, and reveals on request', () => {
    const r = run(['list', 'demo:'])
    expect(r.code).toBe(0)
    expect(r.lines[0]).toMatch(/^KIND\s+ID/)
    expect(r.lines).toHaveLength(16)
    expect(r.stdout).not.toContain('demo-p@ss/word')
    const revealed = run(['list', 'demo:', '--kind', 'conn', '--json', '--reveal'])
    const pg = revealed.lines.map((l) => JSON.parse(l)).find((e) => e.id === 'postgres_default')
    expect(pg.fields.password).toBe('demo-p@ss/word')
    expect(pg.source).toEqual({
      backendId: 'demo:metadb',
      path: 'connection',
      fromKey: 'postgres_default'
    })
  })

  it('exports json, yaml and uri exactly as airflow connections export writes them', () => {
    for (const format of ['json', 'yaml', 'uri'] as const) {
      const to = join(work, `connections.${format === 'uri' ? 'env' : format}`)
      expect(run(['export', 'demo:', '--to', to, '--format', format]).code).toBe(0)
    }
    const rows = demoEntries().filter((e) => e.kind === 'connection')
    const py = runPython<{ json: string; yaml: string }>(
      `import json,sys,yaml
d={}
for r in sorted(json.load(sys.stdin), key=lambda r: r["id"]):
    f=r["fields"]
    d[r["id"]]={k: f[k] for k in ["conn_type","description","login","password","host","port","schema","extra"]}
print(json.dumps({"json": json.dumps(d, indent=2), "yaml": yaml.dump(d, Dumper=yaml.CSafeDumper)}))`,
      rows
    )
    expect(readFileSync(join(work, 'connections.json'), 'utf8')).toBe(py.json)
    expect(readFileSync(join(work, 'connections.yaml'), 'utf8')).toBe(py.yaml)
    const uri = readFileSync(join(work, 'connections.env'), 'utf8')
    expect(uri).toMatch(
      /^postgres_default=postgres:\/\/etl:demo-p%40ss%2Fword@warehouse.internal:5432\/analytics\?sslmode=require$/m
    )
    // and every file reads back as the same connections
    for (const file of ['connections.json', 'connections.yaml'])
      expect(
        run(['list', `airflow-export:${join(work, file)}`, '--json', '--reveal']).lines
      ).toHaveLength(10)
  })

  it("takes Airflow's own --file-format / --serialization-format flags (connection_command.py connections_export)", () => {
    const rows = demoEntries().filter((e) => e.kind === 'connection')
    const py = runPython<{ json: string; yaml: string; envJson: string }>(
      `import json,sys,yaml
d={}
for r in sorted(json.load(sys.stdin), key=lambda r: r["id"]):
    f=r["fields"]
    d[r["id"]]={k: f[k] for k in ["conn_type","description","login","password","host","port","schema","extra"]}
env="".join(f"{k}={json.dumps(v)}\\n" for k, v in d.items())
print(json.dumps({"json": json.dumps(d, indent=2), "yaml": yaml.dump(d), "envJson": env}))`,
      rows
    )
    const out = (name: string) => join(work, name)
    expect(run(['export', 'demo:', '--to', out('a.txt'), '--file-format', 'json']).code).toBe(0)
    expect(readFileSync(out('a.txt'), 'utf8')).toBe(py.json)
    expect(run(['export', 'demo:', '--to', out('b.out'), '--file-format', 'YAML']).code).toBe(0)
    expect(readFileSync(out('b.out'), 'utf8')).toBe(py.yaml)
    expect(
      run(['export', 'demo:', '--to', out('c.env'), '--serialization-format', 'json']).code
    ).toBe(0)
    expect(readFileSync(out('c.env'), 'utf8')).toBe(py.envJson)
    // Airflow's refusals: serialization with json/yaml, --format with --file-format, unknown suffix
    expect(
      run(['export', 'demo:', '--to', out('d.json'), '--serialization-format', 'uri']).code
    ).toBe(2)
    expect(
      run(['export', 'demo:', '--to', out('e.json'), '--format', 'json', '--file-format', 'json'])
        .code
    ).toBe(2)
    expect(
      run(['export', 'demo:', '--to', out('f.yml'), '--serialization-format', 'uri']).code
    ).toBe(2)
  })

  it('exports variables as airflow variables export does (variable_command.py variables_export)', () => {
    const rows = demoEntries().filter((e) => e.kind === 'variable')
    const py = runPython<{ text: string }>(
      `import json,sys
d={}
for r in json.load(sys.stdin):
    try:
        val=json.JSONDecoder().decode(r["value"])
    except Exception:
        val=r["value"]
    else:
        if isinstance(val, str):
            val=r["value"]
    if r["description"] or (isinstance(val, dict) and "value" in val):
        d[r["key"]]={"value": val, "description": r["description"]}
    else:
        d[r["key"]]=val
print(json.dumps({"text": json.dumps(d, sort_keys=True, indent=4)}))`,
      rows
    )
    const to = join(work, 'variables.json')
    expect(
      run(['export', 'demo:', '--kind', 'var', '--to', to, '--file-format', 'json']).code
    ).toBe(0)
    expect(readFileSync(to, 'utf8')).toBe(py.text)
    expect(run(['export', 'demo:', '--kind', 'var', '--to', to, '--file-format', 'env']).code).toBe(
      2
    )
  })

  it('exports an env file that lists back identically', () => {
    const to = join(work, 'airflow.env')
    expect(run(['export', 'demo:', '--to', to, '--format', 'env']).code).toBe(0)
    const original = run(['list', 'demo:', '--kind', 'conn', '--json', '--reveal']).lines.map((l) =>
      JSON.parse(l)
    )
    const back = run(['list', `envfile:${to}`, '--kind', 'conn', '--json', '--reveal']).lines.map(
      (l) => JSON.parse(l)
    )
    const fields = (xs: { id: string; fields: Record<string, unknown> }[]) =>
      Object.fromEntries(
        xs.map((x) => [
          x.id,
          { ...x.fields, extra: x.fields.extra && JSON.parse(x.fields.extra as string) }
        ])
      )
    expect(fields(back)).toEqual(fields(original))
  })

  it('reports unknown stores and missing options as usage errors (exit 2)', () => {
    expect(run(['list', 'nosuch:x']).code).toBe(2)
    expect(run(['list']).code).toBe(2)
    expect(run(['export', 'demo:']).code).toBe(2)
    expect(run(['list', 'demo:', '--kind', 'bogus']).code).toBe(2)
    const bad = run(['list', 'metadb:postgres://u:hunter2@127.0.0.1/x'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).not.toContain('hunter2')
  })
})

describe('airlock on a PostgreSQL metadata database', () => {
  const db = `airlock_t_cli_${process.pid}`
  const url = `postgresql+psycopg2://postgres@127.0.0.1:5432/${db}`
  const oldKey = Fernet.generateKey()
  beforeAll(async () => {
    const admin = await openSql(PG_ADMIN)
    await admin.query(`CREATE DATABASE ${db}`)
    await admin.close()
    const target = { ...PG_ADMIN, database: db }
    const d = await openSql(target)
    for (const stmt of airflowSchemaDdl('2.8', 'postgresql')) await d.query(stmt)
    await d.close()
    const store = new MetastoreBackend({ target, fernetKey: oldKey })
    await store.write(demoEntries())
    await store.close()
  })
  afterAll(async () => {
    const admin = await openSql(PG_ADMIN)
    await admin.query(`DROP DATABASE IF EXISTS ${db}`)
    await admin.close()
  })

  it('lists by sql_alchemy_conn with the key from AIRFLOW__CORE__FERNET_KEY, and reports rows a wrong key cannot read', () => {
    const ok = run(['list', `metadb:${url}`], { AIRFLOW__CORE__FERNET_KEY: oldKey })
    expect(ok.code).toBe(0)
    expect(ok.lines).toHaveLength(16)
    const wrong = run(['list', `metadb:${url}`, '--key', Fernet.generateKey()])
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(
      /connection "postgres_default" password cannot be decrypted: no configured Fernet key/
    )
  })

  it('rotates the Fernet key in place, resumably', () => {
    const newKey = Fernet.generateKey()
    const first = run(['rotate-fernet-key', `metadb:${url}`, '--key', `${newKey},${oldKey}`])
    expect(first.code).toBe(0)
    expect(JSON.parse(first.lines[0]!)).toMatchObject({ rotated: expect.any(Number), failed: 0 })
    expect(JSON.parse(first.lines[0]!).rotated).toBeGreaterThan(10)
    const again = run(['rotate-fernet-key', `metadb:${url}`, '--key', `${newKey},${oldKey}`])
    expect(JSON.parse(again.lines[0]!).rotated).toBe(0)
    expect(run(['list', `metadb:${url}`, '--key', newKey]).code).toBe(0)
  })
})

describe('airlock on an airflow.cfg', () => {
  it('finds the metadata DB and Fernet key the configuration names', async () => {
    const dir = mkdtempSync(join(work, 'cfg-'))
    const dbPath = join(dir, 'airflow.db')
    const key = Fernet.generateKey()
    const d = await openSql({ dialect: 'sqlite', path: dbPath })
    for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await d.query(stmt)
    await d.close()
    const store = new MetastoreBackend({
      target: { dialect: 'sqlite', path: dbPath },
      fernetKey: key
    })
    await store.write(demoEntries().slice(0, 3))
    await store.close()
    writeFileSync(
      join(dir, 'airflow.cfg'),
      `[core]\nfernet_key = ${key}\n\n[database]\nsql_alchemy_conn = sqlite:///${dbPath}\n`
    )
    const r = run(['list', `airflow-config:${join(dir, 'airflow.cfg')}`])
    expect(r.code).toBe(0)
    expect(r.lines).toHaveLength(4)
    expect(r.stdout + r.stderr).not.toContain(key)
  })
})

describe('airlock effective / diff / plan on the demo', () => {
  it('shows which layer wins for each id and what it shadows, without values', () => {
    const r = run(['effective', '--runtime', 'demo', '--json'])
    expect(r.code).toBe(0)
    const items = r.lines.map((l) => JSON.parse(l))
    const pg = items.find((i) => i.id === 'postgres_default')
    expect(pg.winner.role).toBe('env')
    expect(pg.layers.map((l: { status: string }) => l.status)).toEqual([
      'not-inspected',
      'wins',
      'shadowed'
    ])
    expect(pg.layers[2].differs).toEqual(['description', 'host', 'password'])
    // the same names `airlock explain --runtime demo` prints
    expect(pg.layers[1].lookup).toEqual({
      name: 'AIRFLOW_CONN_POSTGRES_DEFAULT',
      store: 'demo-env:'
    })
    expect(pg.layers[2].lookup).toMatchObject({ name: 'postgres_default', table: 'connection' })
    expect(items.find((i) => i.id === 'metrics_api').winner.role).toBe('env')
    expect(r.stdout).not.toContain('env-override')
    expect(r.stdout).not.toContain('demo-p@ss')
  })

  it('diffs two stores and writes a reviewable plan with fingerprints only', () => {
    const d = run(['diff', 'demo-env:', 'demo:', '--kind', 'var'])
    expect(d.lines).toContain('~ var  environment (value, description)')
    const out = join(work, 'plan.json')
    const p = run([
      'plan',
      'demo:',
      'demo-env:',
      '--kind',
      'conn',
      '--out',
      out,
      '--on-conflict',
      'fail'
    ])
    expect(p.code).toBe(1) // postgres_default differs and the policy is fail
    const doc = JSON.parse(readFileSync(out, 'utf8'))
    expect(doc.summary).toMatchObject({ create: 9, conflict: 1 })
    expect(readFileSync(out, 'utf8')).not.toContain('demo-p@ss')
  })
})

describe('airlock start-up', () => {
  it.runIf(hasNode24)(
    'loads neither yaml nor zod to diff two .env files (issue #22: ~0.1 s of start-up)',
    () => {
      const a = join(work, 'startup-a.env')
      const b = join(work, 'startup-b.env')
      writeFileSync(a, 'AIRFLOW_VAR_ONE=1\n')
      writeFileSync(b, 'AIRFLOW_VAR_ONE=2\n')
      const r = packagesLoadedBy(['diff', `envfile:${a}`, `envfile:${b}`], work, {
        AIRLOCK_HOME: home
      })
      expect(r.stderr).toContain('1 to update')
      expect(r.status).toBe(0)
      // yaml (only YAML files need it: core/adr/0001) and zod (settings and IPC schemas)
      expect(r.packages).not.toContain('yaml')
      expect(r.packages).not.toContain('zod')
      // the registry loads a backend's module when its kind is opened (issue #22): no
      // metastore, SQL schema or YAML file stores for two .env files
      expect(r.sources).toContain('backends/env-file.ts')
      for (const absent of ['metastore', 'sql/airflow-schema', 'lfs', 'astro', 'airflow-export'])
        expect(r.sources).not.toContain(`backends/${absent}.ts`)
    },
    120_000
  )
})
