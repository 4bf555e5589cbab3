// `airlock plan … --runtime R`: the cutover preview, through the built CLI as a user runs it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { airlock } from '../support/cli'
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

const NEW_PASSWORD = 'cutover-n3w-pw'

describe('airlock plan --runtime', () => {
  it('19: on the demo, prints the counts per outcome and names the env var that still shadows', () => {
    const src = join(work, 'demo-src.env')
    writeFileSync(
      src,
      `AIRFLOW_CONN_POSTGRES_DEFAULT=postgres://app:${NEW_PASSWORD}@new-db:5432/app\nAIRFLOW_CONN_BRAND_NEW=http://brand-new\n`
    )
    const r = run(['plan', `envfile:${src}`, 'demo:', '--runtime', 'demo'])
    expect(r.code).toBe(0)
    expect(r.lines).toContain(
      'cutover (Airflow 3 server side (API server, scheduler, DAG processor, CLI); the target is the layer metadata DB): 1 will read the new value, 0 no change (already equal), 1 shadowed'
    )
    expect(r.lines).toContain(
      '  shadowed conn postgres_default: AIRFLOW_CONN_POSTGRES_DEFAULT in env on the API server still wins (its value differs)'
    )
    const json = run(['plan', `envfile:${src}`, 'demo:', '--runtime', 'demo', '--json'])
    expect(json.code).toBe(0)
    const doc = JSON.parse(json.lines[0]!)
    expect(doc.cutover).toMatchObject({
      runtime: 'demo',
      model: 'airflow3-server',
      counts: { readsNew: 1, alreadyEqual: 0, shadowed: 1 }
    })
    expect(doc.cutover.items).toEqual([
      {
        kind: 'connection',
        id: 'brand_new',
        action: 'create',
        outcome: 'reads-new',
        winner: { layer: 'metadata DB', role: 'metastore', name: 'brand_new' }
      },
      {
        kind: 'connection',
        id: 'postgres_default',
        action: 'update',
        outcome: 'shadowed',
        winner: {
          layer: 'env on the API server',
          role: 'env',
          name: 'AIRFLOW_CONN_POSTGRES_DEFAULT'
        },
        differs: true
      }
    ])
    for (const out of [r, json]) {
      expect(out.stdout + out.stderr).not.toContain(NEW_PASSWORD)
      expect(out.stdout + out.stderr).not.toContain('demo-p@ss')
    }
  })

  it('19: on an airflow.cfg, an AIRFLOW_CONN_X in the environment is caught shadowing the metadata DB it names', async () => {
    const dir = mkdtempSync(join(work, 'cfg-'))
    const dbPath = join(dir, 'airflow.db')
    const key = Fernet.generateKey()
    const d = await openSql({ dialect: 'sqlite', path: dbPath })
    for (const stmt of airflowSchemaDdl('2.8', 'sqlite')) await d.query(stmt)
    await d.close()
    const cfg = join(dir, 'airflow.cfg')
    writeFileSync(
      cfg,
      `[core]\nfernet_key = ${key}\n\n[database]\nsql_alchemy_conn = sqlite:///${dbPath}\n`
    )
    const src = join(dir, 'src.env')
    writeFileSync(
      src,
      `AIRFLOW_CONN_WAREHOUSE=postgres://etl:${NEW_PASSWORD}@wh:5432/dw\nAIRFLOW_VAR_REGION=eu\n`
    )
    const shadow = 'old-env-pw-123'
    const env = {
      AIRFLOW__CORE__FERNET_KEY: key,
      AIRFLOW_CONN_WAREHOUSE: `postgres://etl:${shadow}@old-wh:5432/dw`
    }
    // the target named by its URL is the metadata DB the airflow.cfg names
    const args = [
      'plan',
      `envfile:${src}`,
      `metadb:sqlite:///${dbPath}`,
      '--runtime',
      `airflow-config:${cfg}`,
      '--model',
      'airflow2'
    ]
    const r = run([...args, '--json'], env)
    expect(r.stderr).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    const cutover = JSON.parse(r.lines[0]!).cutover
    expect(cutover.model).toBe('airflow2')
    expect(cutover.target).toEqual({ layer: 'metadata DB', role: 'metastore' })
    expect(cutover.counts).toEqual({ readsNew: 1, alreadyEqual: 0, shadowed: 1 })
    expect(cutover.items.find((i: { id: string }) => i.id === 'warehouse')).toMatchObject({
      outcome: 'shadowed',
      winner: { role: 'env', name: 'AIRFLOW_CONN_WAREHOUSE' },
      differs: true
    })
    expect(r.stdout + r.stderr).not.toContain(shadow)
    expect(r.stdout + r.stderr).not.toContain(NEW_PASSWORD)

    // --out: the signed plan file holds no cutover; the preview is printed
    const out = join(dir, 'plan.json')
    const saved = run([...args, '--out', out], env)
    expect(saved.code).toBe(0)
    expect(
      saved.lines.some((l) => l.startsWith('  shadowed conn warehouse: AIRFLOW_CONN_WAREHOUSE'))
    ).toBe(true)

    // a target that is none of the runtime's layers is refused, naming it and the layers
    const elsewhere = join(dir, 'elsewhere.env')
    writeFileSync(elsewhere, '')
    const refused = run(
      ['plan', `envfile:${src}`, `envfile:${elsewhere}`, '--runtime', `airflow-config:${cfg}`],
      env
    )
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(
      `The plan's target envfile:${elsewhere} is not a layer of the runtime airflow-config:${cfg}`
    )
    expect(refused.stderr).toContain(`metadata DB [metastore] = airflow-config:${cfg}`)
    expect(refused.stdout).toBe('')
    // refused before planning: no plan summary
    expect(refused.stderr).not.toContain('to create')
  })

  it('19: the runtime flags belong to plan; diff refuses them and a bad --runtime is named', () => {
    const src = join(work, 'flags.env')
    writeFileSync(src, 'AIRFLOW_VAR_X=1\n')
    const diff = run(['diff', `envfile:${src}`, 'demo:', '--runtime', 'demo'])
    expect(diff.code).toBe(2)
    expect(diff.stderr).toContain('diff does not take it')
    const bad = run(['plan', `envfile:${src}`, 'demo:', '--runtime', 'prod'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--runtime takes demo or airflow-config:PATH')
  })
})
