// Issue 21, "silent wrong answers", through the app's handler table (both transports serve it).
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../../src-main/ipc/handle'
import {
  createHandlerContext,
  createHandlers,
  type HandlerTable
} from '../../../../src-main/ipc/handlers'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

let dir: string
let table: HandlerTable
const savedHome = process.env.AIRLOCK_HOME

beforeAll(() => {
  dir = tempDir('airlock-silent-')
  process.env.AIRLOCK_HOME = join(dir, 'home')
  table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
      keychain: osLikeKeychain()
    })
  )
})
afterAll(() => {
  if (savedHome === undefined) delete process.env.AIRLOCK_HOME
  else process.env.AIRLOCK_HOME = savedHome
  rmSync(dir, { recursive: true, force: true })
})

describe('21: the app answers as the CLI does', () => {
  it('21: an export to a missing folder names the file and the folder, not "internal"', async () => {
    const to = join(dir, 'no-such-folder', 'connections.json')
    const r = await dispatch(table, 'export:write', [
      { locator: 'demo:', to, format: 'json', kind: 'connection', dialect: 'airflow3' }
    ])
    // the system error goes behind the message, as its details
    expect(r).toMatchObject({
      ok: false,
      error: { code: 'backend.not-found', details: 'system error ENOENT (open)' }
    })
    if (!r.ok)
      expect(r.error.message).toBe(
        `Cannot write "${to}": the folder "${join(dir, 'no-such-folder')}" does not exist. Nothing was written.`
      )
  })

  it('21: plan and diff of a variables file with kinds [variable] plan its variables; a file that cannot tell is refused', async () => {
    const vars = join(dir, 'exported.json')
    writeFileSync(vars, '{"region": "eu-west-1", "n": 1}\n')
    const plan = await dispatch(table, 'jobs:plan', [
      { source: `airflow-export:${vars}`, target: 'memory:', options: { kinds: ['variable'] } }
    ])
    expect(plan).toMatchObject({ ok: true, value: { summary: { create: 2 } } })
    const diff = await dispatch(table, 'stores:compare', [
      { a: `lfs:${vars}`, b: 'memory:', kinds: ['variable'] }
    ])
    expect(diff).toMatchObject({ ok: true, value: { counts: { onlyA: 2 } } })
    const env = join(dir, 'secrets.env')
    writeFileSync(env, 'region=eu-west-1\n')
    for (const [channel, args] of [
      ['entries:list', [{ locator: `lfs:${env}` }]],
      ['jobs:plan', [{ source: `lfs:${env}`, target: 'memory:', options: {} }]],
      ['stores:compare', [{ a: 'memory:', b: `lfs:${env}` }]],
      ['effective:resolve', [{ layers: { 'custom-backend': `lfs:${env}` } }]]
    ] as const) {
      const r = await dispatch(table, channel, args)
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'usage' } })
      if (!r.ok)
        expect(r.error.message).toMatch(
          /cannot tell whether the file holds connections or variables/
        )
    }
  })
})
