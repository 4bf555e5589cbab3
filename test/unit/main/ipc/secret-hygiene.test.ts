// Issue #17, secret hygiene through the IPC handler table (the same dispatch serves Electron
// and web mode): what the app's profiles:add stores, and how export:write and jobs:save-plan
// write a file the user named.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from '../../../../src-main/ipc/handle'
import {
  createHandlerContext,
  createHandlers,
  type HandlerTable
} from '../../../../src-main/ipc/handlers'
import { airlock } from '../../../support/cli'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

const SECRET = 'Canary-hygiene-5d1c'
let dir: string
let table: HandlerTable

beforeAll(() => {
  dir = tempDir('airlock-hygiene-')
  for (const d of ['home', 'config', 'out']) mkdirSync(join(dir, d))
  table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
      keychain: osLikeKeychain()
    })
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const settingsText = () => {
  const path = join(dir, 'config', 'settings.json')
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}

function vaultProfile(
  name: string,
  params: Record<string, string>,
  backendKwargs: Record<string, unknown> = {}
) {
  return {
    name,
    profile: {
      kind: 'vault',
      url: 'http://127.0.0.1:8200',
      region: null,
      airflowVersion: null,
      credential: { method: 'approle', params: { role_id: 'r', ...params } },
      backendKwargs: { mount_point: 'secret', ...backendKwargs }
    }
  }
}

describe('attack: secret hygiene', () => {
  it('17.7 profiles:add refuses secret-named params and kwargs, whatever their case, spacing or depth', async () => {
    const refused: [string, ReturnType<typeof vaultProfile>][] = [
      ['a param named as a secret', vaultProfile('a', { client_secret: SECRET })],
      ['its name in capitals and padded', vaultProfile('b', { ' Secret_ID ': SECRET })],
      ['a param named like Airflow hides', vaultProfile('c', { Passphrase: SECRET })],
      ['a kwarg in capitals', vaultProfile('d', {}, { ' TOKEN': SECRET })],
      ['a nested kwarg', vaultProfile('e', {}, { auth: { options: { Password: SECRET } } })],
      ['a kwarg inside a list', vaultProfile('f', {}, { list: [{ secret_id: SECRET }] })]
    ]
    for (const [what, request] of refused) {
      const r = await dispatch(table, 'profiles:add', [request])
      expect(r, what).toMatchObject({ ok: false, error: { code: 'usage' } })
      if (!r.ok) {
        expect(r.error.message, what).toMatch(/secret|keychain/)
        expect(r.error.message, what).not.toContain(SECRET)
      }
    }
    expect(settingsText()).not.toContain(SECRET)
    // the same profile without the secret is taken, and plain kwargs that merely mention a
    // secret's name (`token_path`) stay allowed
    const ok = await dispatch(table, 'profiles:add', [
      vaultProfile('g', { role_id: 'r' }, { token_path: '/run/token' })
    ])
    expect(ok.ok).toBe(true)
    expect(settingsText()).toContain('token_path')
  })

  it('17.7 the CLI refuses a nested secret kwarg and a metadb URL whose password holds "/" by the same check', () => {
    const env = {
      AIRLOCK_HOME: join(dir, 'cli-home'),
      AIRLOCK_CONFIG_DIR: join(dir, 'cli-config')
    }
    const nested = airlock(
      [
        'profile',
        'add',
        'v',
        '--kind',
        'vault',
        '--url',
        'http://127.0.0.1:8200',
        '--kwargs',
        JSON.stringify({ auth: { ' Token ': SECRET } })
      ],
      '',
      env
    )
    expect(nested.code).toBe(2)
    expect(nested.stderr).toMatch(/--kwargs holds the secret "auth\. Token "/)
    const url = airlock(
      [
        'profile',
        'add',
        'm',
        '--kind',
        'metadb',
        '--url',
        `postgresql://u:${SECRET}/x@db.example.com/airflow`
      ],
      '',
      env
    )
    expect(url.code).toBe(2)
    expect(url.stderr).toMatch(/--url holds a password/)
    expect(nested.stderr + url.stderr).not.toContain(SECRET)
    expect(existsSync(join(dir, 'cli-config', 'settings.json'))).toBe(false)
  }, 60_000)

  describe('17.8 files the app writes', () => {
    let planId: string
    beforeAll(async () => {
      const r = await dispatch(table, 'jobs:plan', [
        { source: 'demo:', target: 'demo-env:', options: {} }
      ])
      if (!r.ok) throw new Error(r.error.message)
      planId = (r.value as { planId: string }).planId
    }, 60_000)

    const writers: [string, (to: string) => Promise<unknown>][] = [
      [
        'export:write',
        (to) =>
          dispatch(table, 'export:write', [
            {
              locator: 'demo:',
              to,
              format: 'json',
              kind: 'connection',
              dialect: 'airflow3',
              // the symlink test replaces a file that exists (confirmed, as the app does)
              overwrite: true
            }
          ])
      ],
      ['jobs:save-plan', (to) => dispatch(table, 'jobs:save-plan', [{ planId, path: to }])]
    ]

    for (const [channel, write] of writers) {
      it(`17.8 ${channel} updates the real file of a symlinked target and keeps the link`, async () => {
        const real = join(dir, 'out', `${channel.replace(':', '-')}-real.json`)
        const link = join(dir, 'out', `${channel.replace(':', '-')}-link.json`)
        writeFileSync(real, 'old\n')
        symlinkSync(real, link)
        expect(await write(link)).toMatchObject({ ok: true })
        expect(lstatSync(link).isSymbolicLink()).toBe(true)
        expect(readlinkSync(link)).toBe(real)
        expect(readFileSync(real, 'utf8')).not.toBe('old\n')
        JSON.parse(readFileSync(real, 'utf8'))
      })

      it(`17.8 ${channel} never writes through a planted <to>.tmp-<pid> symlink`, async () => {
        const to = join(dir, 'out', `${channel.replace(':', '-')}-planted.json`)
        const victim = join(dir, 'out', `${channel.replace(':', '-')}-victim.txt`)
        writeFileSync(victim, 'victim\n')
        const planted = `${to}.tmp-${process.pid}`
        symlinkSync(victim, planted)
        expect(await write(to)).toMatchObject({ ok: true })
        expect(readFileSync(victim, 'utf8')).toBe('victim\n')
        expect(lstatSync(planted).isSymbolicLink()).toBe(true)
        expect(lstatSync(to).isFile()).toBe(true)
        JSON.parse(readFileSync(to, 'utf8'))
      })
    }
  })
})
