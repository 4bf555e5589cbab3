// What the app shows of a failure: the store named once, a proper code for an expected
// failure (never "internal"), and no command line to type.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IpcResult } from '../../../../src-main/contract/ipc'
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

beforeAll(async () => {
  dir = tempDir('airlock-error-surface-')
  process.env.AIRLOCK_HOME = join(dir, 'home')
  table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
      keychain: osLikeKeychain()
    })
  )
  // a Vault profile pointing at a port nothing listens on
  const added = await dispatch(table, 'profiles:add', [
    {
      name: 'bad-vault',
      profile: {
        kind: 'vault',
        url: 'http://127.0.0.1:1',
        region: null,
        airflowVersion: null,
        credential: { method: 'token', params: {} },
        backendKwargs: {}
      },
      secrets: { token: 'not-a-real-token' }
    }
  ])
  expect(added.ok).toBe(true)
})
afterAll(() => {
  if (savedHome === undefined) delete process.env.AIRLOCK_HOME
  else process.env.AIRLOCK_HOME = savedHome
  rmSync(dir, { recursive: true, force: true })
})

function failure(r: IpcResult<unknown>) {
  if (r.ok) throw new Error('expected a failure')
  return r.error
}

/** How often `needle` occurs in `text`. */
function count(text: string, needle: string): number {
  return text.split(needle).length - 1
}

describe('errors as the app gets them', () => {
  it('names a failing Vault profile once, in a plan from it, a plan to it and a compare', async () => {
    const out = `envfile:${join(dir, 'out.env')}`
    for (const [channel, args] of [
      ['jobs:plan', [{ source: 'vault:bad-vault', target: out, options: {} }]],
      ['jobs:plan', [{ source: 'demo:', target: 'vault:bad-vault', options: {} }]],
      ['stores:compare', [{ a: 'vault:bad-vault', b: 'demo:' }]],
      ['entries:list', [{ locator: 'vault:bad-vault' }]]
    ] as const) {
      const error = failure(await dispatch(table, channel, args))
      expect(error.code, channel).toBe('backend.unreachable')
      expect(error.message, channel).toMatch(/^vault:bad-vault: cannot /)
      expect(count(error.message, 'bad-vault'), `${channel}: ${error.message}`).toBe(1)
    }
    // through the profile: locator, the name is still said once
    const viaProfile = failure(
      await dispatch(table, 'jobs:plan', [
        { source: 'profile:bad-vault', target: out, options: {} }
      ])
    )
    expect(count(viaProfile.message, 'bad-vault'), viaProfile.message).toBe(1)
  }, 30_000)

  it('gives a missing file, a missing folder and a folder their own codes, never internal', async () => {
    const cases = [
      ['entries:list', [{ locator: `envfile:${join(dir, 'missing.env')}` }], 'backend.not-found'],
      [
        'entries:list',
        [{ locator: `envfile:${join(dir, 'no-folder', 'x.env')}` }],
        'backend.not-found'
      ],
      [
        'export:write',
        [
          {
            locator: 'demo:',
            to: join(dir, 'no-folder', 'c.json'),
            format: 'json',
            kind: 'connection',
            dialect: 'airflow3'
          }
        ],
        'backend.not-found'
      ],
      [
        'export:write',
        [
          {
            locator: 'demo:',
            to: dir,
            format: 'json',
            kind: 'connection',
            dialect: 'airflow3',
            overwrite: true
          }
        ],
        'usage'
      ]
    ] as const
    for (const [channel, args, code] of cases) {
      const error = failure(await dispatch(table, channel, args))
      expect(error.code, error.message).toBe(code)
      expect(error.message).not.toMatch(/internal|unexpected/i)
    }
  })

  it('never tells the app to run a command', async () => {
    const cases = [
      ['jobs:detail', [{ jobId: 'no-such-job' }]],
      ['jobs:rollback', [{ jobId: 'no-such-job' }]],
      ['jobs:retry-failed', [{ jobId: 'no-such-job' }]],
      ['profiles:test', [{ name: 'nobody' }]],
      [
        'profiles:add',
        [
          {
            name: 'bad-vault',
            profile: {
              kind: 'vault',
              url: 'http://127.0.0.1:1',
              region: null,
              airflowVersion: null,
              credential: { method: 'token', params: {} },
              backendKwargs: {}
            },
            secrets: {}
          }
        ]
      ],
      [
        'jobs:plan',
        [{ source: `envfile:${join(dir, 'missing.env')}`, target: 'memory:', options: {} }]
      ]
    ] as const
    for (const [channel, args] of cases) {
      const error = failure(await dispatch(table, channel, args))
      expect(error.message, channel).not.toMatch(/airlock |--[a-z]/)
    }
  })
})
