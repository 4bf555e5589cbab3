import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { PlanDto } from '../../../../src-main/contract/ipc'
import { dispatch } from '../../../../src-main/ipc/handle'
import { createHandlerContext, createHandlers } from '../../../../src-main/ipc/handlers'
import type { Entry } from '../../../../src-main/core/model'
import type { PlanItem } from '../../../../src-main/core/plan'
import type { LayerData } from '../../../../src-main/core/precedence'
import type { RuntimeRequest } from '../../../../src-main/operations/effective'
import {
  placeTarget,
  previewCutover,
  resolveCutover
} from '../../../../src-main/operations/cutover'
import { planStores } from '../../../../src-main/operations/plan'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-cutover-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
function envFile(text: string): string {
  const path = join(dir, `f${n++}.env`)
  writeFileSync(path, text)
  return path
}

const SECRET = 'env-shadow-s3cret'

/** Plans SOURCE → TARGET and previews the cutover against `runtime`, with `env` as the environment. */
async function preview(
  source: string,
  target: string,
  runtime: RuntimeRequest,
  env: Record<string, string> = {},
  deleteExtraneous = false
) {
  const locatorOptions = { env }
  const placement = await placeTarget(target, runtime, locatorOptions)
  const planned = await planStores({
    source,
    target,
    dialect: 'airflow2',
    locatorOptions,
    plan: { deleteExtraneous }
  })
  return previewCutover(planned, placement, locatorOptions)
}

describe('cutover preview', () => {
  it('19: an AIRFLOW_CONN_X in the runtime environment is caught shadowing the planned value', async () => {
    const src = envFile(
      'AIRFLOW_CONN_BILLING_DB=postgres://u:new@newhost:5432/billing\nAIRFLOW_CONN_FRESH=http://fresh\n'
    )
    const tgt = envFile('AIRFLOW_CONN_BILLING_DB=postgres://u:old@oldhost:5432/billing\n')
    const view = await preview(
      `envfile:${src}`,
      `envfile:${tgt}`,
      { model: 'airflow2', layers: { env: 'env:', metastore: `envfile:${tgt}` } },
      { AIRFLOW_CONN_BILLING_DB: `postgres://u:${SECRET}@oldhost:5432/billing` }
    )
    expect(view.model).toBe('airflow2')
    expect(view.target).toEqual({ layer: 'metadata DB', role: 'metastore' })
    expect(view.counts).toEqual({ readsNew: 1, alreadyEqual: 0, shadowed: 1 })
    expect(view.items).toEqual([
      {
        kind: 'connection',
        id: 'billing_db',
        action: 'update',
        outcome: 'shadowed',
        winner: {
          layer: 'AIRFLOW_CONN_* / AIRFLOW_VAR_*',
          role: 'env',
          name: 'AIRFLOW_CONN_BILLING_DB'
        },
        differs: true
      },
      {
        kind: 'connection',
        id: 'fresh',
        action: 'create',
        outcome: 'reads-new',
        winner: { layer: 'metadata DB', role: 'metastore', name: 'fresh' }
      }
    ])
    expect(JSON.stringify(view)).not.toContain(SECRET)
    expect(JSON.stringify(view)).not.toContain('newhost')
  })

  it('19: a shadowing value equal to the planned one is shadowed without a difference; an unchanged item reads as already equal', async () => {
    const src = envFile('AIRFLOW_CONN_SAME=http://h:1\nAIRFLOW_VAR_LEVEL=3\n')
    const tgt = envFile('AIRFLOW_VAR_LEVEL=3\n')
    const view = await preview(
      `envfile:${src}`,
      `envfile:${tgt}`,
      { model: 'airflow2', layers: { env: 'env:', metastore: `envfile:${tgt}` } },
      { AIRFLOW_CONN_SAME: 'http://h:1' }
    )
    expect(view.counts).toEqual({ readsNew: 0, alreadyEqual: 1, shadowed: 1 })
    expect(view.items.find((i) => i.id === 'same')).toMatchObject({
      outcome: 'shadowed',
      differs: false
    })
    expect(view.items.find((i) => i.id === 'level')).toMatchObject({
      action: 'unchanged',
      outcome: 'already-equal'
    })
  })

  it('19: a create whose value a lower layer already serves is already equal; a different one reads new', async () => {
    const src = envFile('AIRFLOW_VAR_A=1\nAIRFLOW_VAR_B=2\n')
    const tgt = envFile('')
    const below = envFile('AIRFLOW_VAR_A=1\nAIRFLOW_VAR_B=old\n')
    // the target is the env layer; the metadata DB below it already has both ids
    const view = await preview(`envfile:${src}`, `envfile:${tgt}`, {
      model: 'airflow3-server',
      layers: { env: `envfile:${tgt}`, metastore: `envfile:${below}` }
    })
    expect(view.target.role).toBe('env')
    expect(view.items.map((i) => [i.id, i.outcome, i.winner?.name])).toEqual([
      ['a', 'already-equal', 'AIRFLOW_VAR_A'],
      ['b', 'reads-new', 'AIRFLOW_VAR_B']
    ])
  })

  it('19: a delete reads the next layer down, or not found', async () => {
    const src = envFile('AIRFLOW_VAR_KEEP=1\n')
    const tgt = envFile('AIRFLOW_VAR_KEEP=1\nAIRFLOW_VAR_GONE=x\nAIRFLOW_VAR_FALLS=new\n')
    const below = envFile('AIRFLOW_VAR_FALLS=old\n')
    const view = await preview(
      `envfile:${src}`,
      `envfile:${tgt}`,
      { model: 'airflow2', layers: { env: `envfile:${tgt}`, metastore: `envfile:${below}` } },
      {},
      true
    )
    expect(view.items.map((i) => [i.id, i.action, i.outcome, i.winner?.role ?? null])).toEqual([
      ['falls', 'delete', 'reads-new', 'metastore'],
      ['gone', 'delete', 'reads-new', null],
      ['keep', 'unchanged', 'already-equal', 'env']
    ])
  })

  it('19: the target is found among the layers by store identity, not by spelling', async () => {
    const src = envFile('AIRFLOW_VAR_V=1\n')
    const tgt = envFile('')
    const sameFile = join(dir, '.', '..', dir.split('/').pop()!, tgt.split('/').pop()!)
    const view = await preview(`envfile:${src}`, `envfile:${tgt}`, {
      model: 'airflow2',
      layers: { metastore: `envfile:${sameFile}` }
    })
    expect(view.target.role).toBe('metastore')
    expect(view.counts.readsNew).toBe(1)
  })

  it('19: a planned id the environment holds but cannot be read is named in the notes, never its value', async () => {
    const src = envFile('AIRFLOW_CONN_BROKEN=http://fine\n')
    const tgt = envFile('')
    const view = await preview(
      `envfile:${src}`,
      `envfile:${tgt}`,
      { model: 'airflow2', layers: { env: 'env:', metastore: `envfile:${tgt}` } },
      { AIRFLOW_CONN_BROKEN: `{"conn_type": "http", "password": "${SECRET}"` }
    )
    expect(view.items).toMatchObject([{ id: 'broken', outcome: 'reads-new' }])
    expect(view.notes).toEqual([
      expect.stringMatching(
        /^layer 2\. AIRFLOW_CONN_\* \/ AIRFLOW_VAR_\* holds 1 planned id\(s\) it cannot read \(broken\)/
      )
    ])
    expect(JSON.stringify(view)).not.toContain(SECRET)
  })

  it('19: a target that is none of the runtime layers is refused, naming it and listing the layers', async () => {
    const src = envFile('AIRFLOW_VAR_V=1\n')
    const tgt = envFile('')
    const other = envFile('')
    await expect(
      preview(`envfile:${src}`, `envfile:${tgt}`, {
        model: 'airflow2',
        layers: { env: 'env:', metastore: `envfile:${other}` }
      })
    ).rejects.toMatchObject({
      code: 'usage',
      message: expect.stringMatching(
        new RegExp(
          `target envfile:${tgt} is not a layer of the runtime .*1\\. \\[secrets\\] backend \\[custom-backend\\] = \\(none\\); 2\\. .* \\[env\\] = env:; 3\\. metadata DB \\[metastore\\] = envfile:${other}`
        )
      )
    })
  })
})

describe('cutover preview in the app', () => {
  it('19: jobs:plan with a runtime answers the cutover beside the plan, outside the saved plan file', async () => {
    const src = envFile('AIRFLOW_CONN_BILLING_DB=postgres://u:new@newhost/billing\n')
    const tgt = envFile('')
    const table = createHandlers(
      createHandlerContext({
        mode: 'web',
        env: {
          AIRLOCK_HOME: join(dir, 'home'),
          AIRLOCK_CONFIG_DIR: join(dir, 'config'),
          AIRFLOW_CONN_BILLING_DB: `postgres://u:${SECRET}@oldhost/billing`
        },
        keychain: osLikeKeychain()
      })
    )
    const r = await dispatch(table, 'jobs:plan', [
      {
        source: `envfile:${src}`,
        target: `envfile:${tgt}`,
        options: {},
        model: 'airflow2',
        layers: { env: 'env:', metastore: `envfile:${tgt}` }
      }
    ])
    expect(r.ok).toBe(true)
    const plan = (r as { value: PlanDto }).value
    expect(plan.cutover).toEqual({
      runtime: 'layers',
      model: 'airflow2',
      target: { layer: 'metadata DB', role: 'metastore' },
      counts: { readsNew: 0, alreadyEqual: 0, shadowed: 1 },
      items: [
        {
          kind: 'connection',
          id: 'billing_db',
          action: 'create',
          outcome: 'shadowed',
          winner: {
            layer: 'AIRFLOW_CONN_* / AIRFLOW_VAR_*',
            role: 'env',
            name: 'AIRFLOW_CONN_BILLING_DB'
          },
          differs: true
        }
      ],
      notes: []
    })
    expect(JSON.stringify(plan)).not.toContain(SECRET)
    const out = join(dir, 'saved-plan.json')
    const saved = await dispatch(table, 'jobs:save-plan', [{ planId: plan.planId, path: out }])
    expect(saved.ok).toBe(true)
    expect(Object.keys(JSON.parse(readFileSync(out, 'utf8')))).not.toContain('cutover')
    // a plan without a runtime has no cutover
    const bare = await dispatch(table, 'jobs:plan', [
      { source: `envfile:${src}`, target: `envfile:${tgt}`, options: {} }
    ])
    expect((bare as { value: PlanDto }).value.cutover).toBeUndefined()
    // a target that is none of the runtime's layers: a usage error, no plan made
    const refused = await dispatch(table, 'jobs:plan', [
      { source: `envfile:${src}`, target: `envfile:${tgt}`, options: {}, runtime: 'demo' }
    ])
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'usage',
        message: expect.stringContaining(`The plan's target envfile:${tgt} is not a layer`)
      }
    })
  })
})

describe('cutover resolution (pure)', () => {
  const conn = (id: string, host: string, fromKey = id): Entry => ({
    kind: 'connection',
    id,
    fields: {
      conn_type: 'http',
      description: null,
      host,
      login: null,
      password: null,
      schema: null,
      port: null,
      extra: null
    },
    source: { backendId: 'x', path: '', fromKey }
  })
  const item = (id: string, action: PlanItem['action']): PlanItem => ({
    kind: 'connection',
    sourceId: action === 'delete' ? null : id,
    targetId: id,
    action,
    diff: [],
    warnings: [],
    sourceVersion: action === 'delete' ? null : 'v',
    targetVersion: action === 'create' ? null : 'w'
  })

  it('19: a connection in the worker environment shadows a write into the Execution API layers; conflicts are left out', () => {
    const worker: LayerData = {
      state: 'loaded',
      storeId: 'env:',
      entries: [conn('api', 'worker-host', 'AIRFLOW_CONN_API')],
      problems: []
    }
    const layers: LayerData[] = [
      { state: 'not-inspected' },
      worker,
      { state: 'not-inspected' },
      { state: 'not-inspected' },
      { state: 'not-inspected' }
    ]
    const { items, counts } = resolveCutover(
      'airflow3-worker',
      layers,
      [4],
      {
        result: { items: [item('api', 'update'), item('skip_me', 'conflict')] },
        source: [conn('api', 'new-host'), conn('skip_me', 'a')],
        target: [conn('api', 'old-host'), conn('skip_me', 'b')]
      },
      'memory:db'
    )
    expect(counts).toEqual({ readsNew: 0, alreadyEqual: 0, shadowed: 1 })
    expect(items).toEqual([
      {
        kind: 'connection',
        id: 'api',
        action: 'update',
        outcome: 'shadowed',
        winner: { layer: 'env on the worker', role: 'worker-env', name: 'AIRFLOW_CONN_API' },
        differs: true
      }
    ])
  })
})
