import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePlanDocument } from '../../../../src-main/core/plan'
import { dispatch } from '../../../../src-main/ipc/handle'
import { createHandlerContext, createHandlers } from '../../../../src-main/ipc/handlers'
import { verifyPlan } from '../../../../src-main/jobs/plan-signature'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

let dir: string
const savedHome = process.env.AIRLOCK_HOME

beforeAll(() => {
  dir = tempDir('airlock-save-plan-')
  // The demo lives under AIRLOCK_HOME (read from the process environment).
  process.env.AIRLOCK_HOME = join(dir, 'home')
})
afterAll(() => {
  if (savedHome === undefined) delete process.env.AIRLOCK_HOME
  else process.env.AIRLOCK_HOME = savedHome
  rmSync(dir, { recursive: true, force: true })
})

describe('attack: plan binding', () => {
  it("17.4 the app's save-plan writes a signed plan that apply checks, and an edited copy is refused", async () => {
    const keychain = osLikeKeychain()
    const table = createHandlers(
      createHandlerContext({
        mode: 'web',
        env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
        keychain
      })
    )
    const target = `envfile:${join(dir, 'target.env')}`
    const plan = await dispatch(table, 'jobs:plan', [
      { source: 'demo:', target, options: { kinds: ['connection'] } }
    ])
    if (!plan.ok) throw new Error(plan.error.message)
    const { planId } = plan.value as { planId: string }
    const path = join(dir, 'plan.json')
    const saved = await dispatch(table, 'jobs:save-plan', [{ planId, path }])
    expect(saved).toMatchObject({ ok: true })
    const doc = parsePlanDocument(readFileSync(path, 'utf8'), path)
    expect(doc.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/)
    await verifyPlan(doc, keychain, path)
    await expect(
      verifyPlan({ ...doc, target: `envfile:${join(dir, 'other.env')}` }, keychain, path)
    ).rejects.toMatchObject({ code: 'plan.unverified' })
  })
})
