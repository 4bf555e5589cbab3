// The handlers are the gate, not the confirm dialog: apply and rollback into a protected
// profile's store are refused without `confirm: <its name>`, and an export does not replace
// an existing file without `overwrite`; nothing is written when they refuse.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConfirmationDto, JobProgressDto, PlanDto } from '../../../../src-main/contract/ipc'
import { MetastoreBackend } from '../../../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../../../src-main/backends/sql/driver'
import { Fernet } from '../../../../src-main/core/codecs/fernet'
import { idOf, variableEntry } from '../../../../src-main/core/model'
import { dispatch } from '../../../../src-main/ipc/handle'
import {
  createHandlerContext,
  createHandlers,
  type HandlerTable
} from '../../../../src-main/ipc/handlers'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

let dir: string
let db: string
let key: string
let table: HandlerTable
const events: JobProgressDto[] = []

async function variables(): Promise<string[]> {
  const s = new MetastoreBackend({ target: { dialect: 'sqlite', path: db }, fernetKey: key })
  try {
    return (await s.load({ kinds: ['variable'] })).entries.map(idOf).sort()
  } finally {
    await s.close()
  }
}

beforeAll(async () => {
  dir = tempDir('airlock-confirm-')
  key = Fernet.generateKey()
  db = join(dir, 'airflow.db')
  const sql = await openSql({ dialect: 'sqlite', path: db })
  for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await sql.query(stmt)
  await sql.close()
  const store = new MetastoreBackend({ target: { dialect: 'sqlite', path: db }, fernetKey: key })
  await store.write([variableEntry('KEEP', 'precious')])
  await store.close()
  writeFileSync(join(dir, 'source.env'), 'AIRFLOW_VAR_NEW=2\n')
  table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
      keychain: osLikeKeychain(),
      emit: (_event, payload) => void events.push(payload)
    })
  )
  const added = await dispatch(table, 'profiles:add', [
    {
      name: 'prod',
      profile: {
        kind: 'metadb',
        url: `sqlite:///${db}`,
        region: null,
        airflowVersion: null,
        credential: { method: 'none', params: {} },
        backendKwargs: {},
        protected: true
      },
      secrets: { fernetKey: key }
    }
  ])
  expect(added).toMatchObject({ ok: true, value: { name: 'prod', protected: true } })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('19: confirm what is destructive (handlers)', () => {
  it('19: jobs:apply and jobs:rollback into a protected profile need its name; without it nothing is written', async () => {
    const plan = await dispatch(table, 'jobs:plan', [
      {
        source: `envfile:${join(dir, 'source.env')}`,
        target: 'metadb:prod',
        options: { deleteExtraneous: true }
      }
    ])
    if (!plan.ok) throw new Error(plan.error.message)
    const { planId } = plan.value as PlanDto
    const asked = await dispatch(table, 'jobs:confirmation', [{ planId }])
    expect(asked).toEqual({
      ok: true,
      value: {
        sentence: 'create 1 variable and delete 1 variable in metadb:prod',
        destructive: true,
        protectedProfile: 'prod'
      } satisfies ConfirmationDto
    })
    for (const confirm of [undefined, 'Prod', 'staging']) {
      const refused = await dispatch(table, 'jobs:apply', [
        confirm === undefined ? { planId } : { planId, confirm }
      ])
      expect(refused).toMatchObject({ ok: false, error: { code: 'confirm.required' } })
      if (!refused.ok) expect(refused.error.message).toContain('protected profile "prod"')
    }
    expect(await variables()).toEqual(['KEEP'])
    expect(existsSync(join(dir, 'home', 'jobs'))).toBe(false)

    const applied = await dispatch(table, 'jobs:apply', [{ planId, confirm: 'prod' }])
    if (!applied.ok) throw new Error(applied.error.message)
    const { jobId } = applied.value as { jobId: string }
    await expect
      .poll(() => events.find((e) => e.jobId === jobId && e.state !== 'running')?.state)
      .toBe('finished')
    expect(await variables()).toEqual(['new'])

    const rollbackAsked = await dispatch(table, 'jobs:confirmation', [{ rollback: jobId }])
    expect(rollbackAsked).toMatchObject({
      ok: true,
      value: {
        sentence: `roll back job ${jobId} in metadb:prod: delete 1 variable it created and restore 1 variable it overwrote or deleted`,
        protectedProfile: 'prod'
      }
    })
    const refused = await dispatch(table, 'jobs:rollback', [{ jobId }])
    expect(refused).toMatchObject({ ok: false, error: { code: 'confirm.required' } })
    expect(await variables()).toEqual(['new'])
    const rolled = await dispatch(table, 'jobs:rollback', [{ jobId, confirm: 'prod' }])
    expect(rolled).toEqual({ ok: true, value: { jobId } })
    await expect
      .poll(() => events.find((e) => e.run === 'rollback' && e.state !== 'running'))
      .toMatchObject({ jobId, state: 'finished', rollback: { restored: 1, removed: 1 } })
    expect(await variables()).toEqual(['KEEP'])
  })

  it('19: profiles:edit lifts a protection only with the profile name typed', async () => {
    const lift = { name: 'prod', patch: { protected: false } }
    const refused = await dispatch(table, 'profiles:edit', [lift])
    expect(refused).toMatchObject({ ok: false, error: { code: 'confirm.required' } })
    const still = await dispatch(table, 'profiles:list', [])
    expect(still).toMatchObject({ ok: true, value: [{ name: 'prod', protected: true }] })
    // other edits of a protected profile need no name
    expect(
      await dispatch(table, 'profiles:edit', [{ name: 'prod', patch: { region: null } }])
    ).toMatchObject({ ok: true })
    const lifted = await dispatch(table, 'profiles:edit', [{ ...lift, confirm: 'prod' }])
    expect(lifted).toMatchObject({ ok: true, value: { name: 'prod', protected: false } })
    const again = await dispatch(table, 'profiles:edit', [
      { name: 'prod', patch: { protected: true } }
    ])
    expect(again).toMatchObject({ ok: true, value: { protected: true } })
  })

  it('19: export:write does not replace an existing file without overwrite', async () => {
    const to = join(dir, 'existing.json')
    writeFileSync(to, 'mine\n')
    const request = {
      locator: 'demo:',
      to,
      format: 'json',
      kind: 'variable',
      dialect: 'airflow3'
    } as const
    const refused = await dispatch(table, 'export:write', [request])
    expect(refused).toMatchObject({ ok: false, error: { code: 'confirm.required' } })
    expect(readFileSync(to, 'utf8')).toBe('mine\n')
    const written = await dispatch(table, 'export:write', [{ ...request, overwrite: true }])
    expect(written).toMatchObject({ ok: true, value: { path: to } })
    expect(readFileSync(to, 'utf8')).not.toBe('mine\n')
  })
})
