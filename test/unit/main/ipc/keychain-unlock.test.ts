// keychain:unlock through the real handler table: the passphrase store becomes the app's
// keychain for the run (plans become applicable), a wrong passphrase changes nothing.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JobProgressDto } from '../../../../src-main/contract/ipc'
import { dispatch } from '../../../../src-main/ipc/handle'
import { createHandlerContext, createHandlers } from '../../../../src-main/ipc/handlers'
import { MemoryKeychain } from '../../../../src-main/keychain/memory-keychain'
import { tempDir } from '../../../support/temp-dir'

function app() {
  const dir = tempDir('airlock-unlock-')
  const events: JobProgressDto[] = []
  const table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'cfg') },
      keychain: new MemoryKeychain('No OS keychain in this test.'),
      emit: (_e, p) => void events.push(p)
    })
  )
  return { dir, table, events, keystore: join(dir, 'cfg', 'keystore.airlock') }
}

describe('keychain:unlock', () => {
  it('creates the passphrase store, reports it, and makes plans applicable', async () => {
    const { dir, table, events, keystore } = app()
    const target = `envfile:${join(dir, 't.env')}`
    const before = await dispatch(table, 'jobs:plan', [{ source: 'demo:', target, options: {} }])
    if (!before.ok) throw new Error(before.error.message)
    expect(before.value).toMatchObject({ applicable: false })
    expect((before.value as { notApplicable?: string }).notApplicable).toMatch(
      /AIRLOCK_PASSPHRASE=.*keystore init/
    )
    const refused = await dispatch(table, 'jobs:apply', [
      { planId: (before.value as { planId: string }).planId }
    ])
    expect(refused).toMatchObject({ ok: false, error: { code: 'keychain.unavailable' } })
    expect(refused.ok || refused.error.message).toMatch(/Secret Service/)

    const unlocked = await dispatch(table, 'keychain:unlock', [{ passphrase: 'pw-one' }])
    expect(unlocked).toEqual({
      ok: true,
      value: { kind: 'passphrase', warning: null, location: keystore }
    })
    expect(existsSync(keystore)).toBe(true)
    expect(await dispatch(table, 'keychain:status', [])).toMatchObject({
      ok: true,
      value: { kind: 'passphrase', location: keystore }
    })

    const plan = await dispatch(table, 'jobs:plan', [{ source: 'demo:', target, options: {} }])
    if (!plan.ok) throw new Error(plan.error.message)
    expect(plan.value).toMatchObject({ applicable: true })
    const apply = await dispatch(table, 'jobs:apply', [
      { planId: (plan.value as { planId: string }).planId }
    ])
    if (!apply.ok) throw new Error(apply.error.message)
    const { jobId } = apply.value as { jobId: string }
    await expect
      .poll(() => events.find((e) => e.jobId === jobId && e.state !== 'running')?.state)
      .toBe('finished')
    expect(readFileSync(join(dir, 't.env'), 'utf8')).toMatch(/AIRFLOW_CONN_/)
    expect(readFileSync(keystore).includes(Buffer.from('pw-one'))).toBe(false)
  })

  it('refuses a wrong passphrase for an existing store and keeps the keychain in use', async () => {
    const { table, keystore } = app()
    expect((await dispatch(table, 'keychain:unlock', [{ passphrase: 'right' }])).ok).toBe(true)
    const bytes = readFileSync(keystore)
    // another run of the app over the same config dir
    const other = createHandlers(
      createHandlerContext({
        mode: 'web',
        env: {
          AIRLOCK_CONFIG_DIR: join(keystore, '..'),
          AIRLOCK_HOME: join(keystore, '..', '..', 'home')
        },
        keychain: new MemoryKeychain('none')
      })
    )
    const wrong = await dispatch(other, 'keychain:unlock', [{ passphrase: 'wrong-one' }])
    expect(wrong).toMatchObject({ ok: false, error: { code: 'keychain.locked' } })
    expect(wrong.ok || wrong.error.message).toContain(keystore)
    expect(wrong.ok || wrong.error.message).not.toContain('wrong-one')
    expect(readFileSync(keystore).equals(bytes)).toBe(true)
    expect(await dispatch(other, 'keychain:status', [])).toMatchObject({
      ok: true,
      value: { kind: 'memory' }
    })
  })
})
