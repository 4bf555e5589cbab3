import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../../src-main/ipc/handle'
import { createHandlerContext, createHandlers } from '../../../../src-main/ipc/handlers'
import { diffStores } from '../../../../src-main/operations/diff'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import { planWritten } from '../../../../src-main/core/plan'
import { planStores } from '../../../../src-main/operations/plan'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

let dir: string
let source: string
let target: string

beforeAll(() => {
  dir = tempDir('airlock-operations-')
  writeFileSync(
    join(dir, 'source.env'),
    'AIRFLOW_CONN_OLD_DB=postgres://h/db\nAIRFLOW_CONN_OLD_API=http://api\nAIRFLOW_VAR_LIMIT=5\n'
  )
  writeFileSync(join(dir, 'target.env'), 'AIRFLOW_VAR_LIMIT=6\n')
  source = `envfile:${join(dir, 'source.env')}`
  target = `envfile:${join(dir, 'target.env')}`
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const ids = (items: readonly { action: string; kind: string; targetId: string }[]) =>
  items.map((i) => `${i.action} ${i.kind} ${i.targetId}`).sort()

describe('operations: a large plan', () => {
  it('has the versions planWritten makes at once, though a worker thread made them', async () => {
    // above the count from which the versions are made on a worker thread (operations/plan.ts)
    const n = 6000
    const lines = Array.from({ length: n }, (_, i) =>
      i % 2
        ? `AIRFLOW_VAR_V_${i}=value é ${i}`
        : `AIRFLOW_CONN_C_${i}='postgres://u:S3CRET-${i}@h${i}/db?a=${i}'`
    )
    writeFileSync(join(dir, 'large.env'), lines.join('\n') + '\n')
    // a target holding a third of them, every other one changed: creates, unchanged, updates
    writeFileSync(
      join(dir, 'large-target.env'),
      lines
        .filter((_, i) => i % 3 === 0)
        .map((l, i) => (i % 2 ? l : l.replace('=', '=x')))
        .join('\n') + '\n'
    )
    const key = new Uint8Array(32).fill(3)
    const planned = await planStores({
      source: `envfile:${join(dir, 'large.env')}`,
      target: `envfile:${join(dir, 'large-target.env')}`,
      dialect: 'airflow3',
      locatorOptions: { env: {} },
      plan: {},
      planKey: async () => key
    })
    expect(planned.result.summary).toMatchObject({ create: 4000, unchanged: 1000, update: 1000 })
    const atOnce = planWritten(planned.source, planned.target, planned.options, fingerprinter(key))
    expect(JSON.stringify(planned.result.items)).toBe(JSON.stringify(atOnce.items))
    expect(planned.result.items.every((i) => i.sourceVersion !== null)).toBe(true)
  })
})

describe('operations: plan and diff', () => {
  it('plans with renames, then prefix mappings', async () => {
    const planned = await planStores({
      source,
      target,
      dialect: 'airflow3',
      locatorOptions: { env: {} },
      plan: { rename: { old_db: 'warehouse' }, prefixMap: [['old_', 'new_']] }
    })
    expect(ids(planned.result.items)).toEqual([
      'create connection new_api',
      'create connection warehouse',
      'update variable limit'
    ])
    expect(planned.document.options.targetDialect).toBe('airflow3')
    expect(planned.preflightErrors).toBe(0)
  })

  it('diffs in the dialect asked for, unchanged items included', async () => {
    const diff = await diffStores({ source, target, dialect: 'airflow2', locatorOptions: {} })
    expect(diff.document.dialect).toBe('airflow2')
    expect(diff.options).toMatchObject({ onConflict: 'overwrite', deleteExtraneous: true })
    expect(ids(diff.result.items)).toEqual([
      'create connection old_api',
      'create connection old_db',
      'update variable limit'
    ])
  })

  it('diffs without fingerprints for a view: the same items and field changes, no HMACs', async () => {
    const keyed = await diffStores({ source, target, dialect: 'airflow3', locatorOptions: {} })
    const bare = await diffStores({
      source,
      target,
      dialect: 'airflow3',
      locatorOptions: {},
      fingerprints: false
    })
    const changes = (d: typeof keyed) =>
      d.result.items.map((i) => [i.action, i.targetId, i.diff.map((f) => `${f.field}:${f.change}`)])
    expect(changes(bare)).toEqual(changes(keyed))
    expect(keyed.result.items.every((i) => i.sourceVersion !== null)).toBe(true)
    const fingerprints = bare.result.items.flatMap((i) => [
      i.sourceVersion,
      i.targetVersion,
      ...i.diff.flatMap((f) => [f.winner, f.shadowed])
    ])
    expect(fingerprints.every((f) => f === null)).toBe(true)
  })

  it('refuses a source file that does not exist', async () => {
    await expect(
      planStores({
        source: `envfile:${join(dir, 'missing.env')}`,
        target,
        dialect: 'airflow3',
        locatorOptions: {},
        plan: {}
      })
    ).rejects.toMatchObject({ code: 'backend.not-found' })
  })

  it('the app plans with rename and prefix as the CLI does', async () => {
    const table = createHandlers(
      createHandlerContext({
        mode: 'web',
        env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
        keychain: osLikeKeychain()
      })
    )
    const r = await dispatch(table, 'jobs:plan', [
      {
        source,
        target,
        options: {
          kinds: ['connection'],
          rename: { old_db: 'warehouse' },
          prefix: [['old_', 'new_']]
        }
      }
    ])
    expect(r.ok).toBe(true)
    const plan = (r as { value: { items: { action: string; kind: string; targetId: string }[] } })
      .value
    expect(ids(plan.items)).toEqual(['create connection new_api', 'create connection warehouse'])
  })
})
