// Finding 17.17, sizes: a 9 KB web-mode request with kwargs nested thousands deep once grew into
// a 40 MB settings file (JSON.stringify indents every level). Requests are bounded in depth at
// the one dispatch both transports use, backend_kwargs in depth and size wherever a profile is
// validated, and the settings file in size when read and when written.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MAX_KWARGS_DEPTH,
  MAX_REQUEST_BYTES,
  MAX_REQUEST_DEPTH
} from '../../../../src-main/contract/ipc'
import { dispatch } from '../../../../src-main/ipc/handle'
import { createHandlerContext, createHandlers } from '../../../../src-main/ipc/handlers'
import { startLoopbackServer, type LoopbackServer } from '../../../../src-main/ipc/http'
import { MemoryKeychain } from '../../../../src-main/keychain/memory-keychain'
import {
  MAX_SETTINGS_BYTES,
  SettingsStore,
  validateProfile
} from '../../../../src-main/platform/settings'
import { tempDir } from '../../../support/temp-dir'

let dir: string
let server: LoopbackServer
const config = () => join(dir, 'config')
const settingsFile = () => join(config(), 'settings.json')

/** `depth` arrays, one inside the other (`[[…]]`): 2 bytes of JSON a level. */
const nested = (depth: number): unknown => {
  let v: unknown = []
  for (let i = 1; i < depth; i++) v = [v]
  return v
}

const profile = (backendKwargs: Record<string, unknown>) => ({
  kind: 'aws-secrets-manager',
  url: null,
  region: 'eu-west-1',
  airflowVersion: null,
  credential: { method: 'default-chain', params: {} },
  backendKwargs
})

const table = () =>
  createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: config() },
      keychain: new MemoryKeychain()
    })
  )

beforeAll(async () => {
  dir = tempDir('airlock-limits-')
  for (const d of ['home', 'config']) mkdirSync(join(dir, d))
  server = await startLoopbackServer({ handlers: () => table() })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('attack: limits', () => {
  it('17.17 a 9 KB web-mode profiles:add with kwargs nested 4,000 deep is refused and writes no settings file', async () => {
    const body = JSON.stringify([{ name: 'deep', profile: profile({ sep: nested(4000) }) }])
    expect(body.length).toBeGreaterThan(8_000)
    expect(body.length).toBeLessThan(10_000)
    const r = await fetch(`${server.origin}/api/invoke/profiles:add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-airlock-token': server.token },
      body
    })
    const answer = (await r.json()) as { ok: boolean; error?: { code: string; message: string } }
    expect(answer.ok).toBe(false)
    expect(answer.error).toEqual({
      code: 'usage',
      message: `Refused profiles:add: the request nests objects or lists more than ${MAX_REQUEST_DEPTH} levels deep.`
    })
    expect(existsSync(settingsFile())).toBe(false)
  })

  it('17.17 the same depth bound holds on every channel of the shared dispatch (the Electron transport too)', async () => {
    const t = table()
    for (const [channel, args] of [
      ['profiles:edit', [{ name: 'p', patch: { backendKwargs: { a: nested(100_000) } } }]],
      ['jobs:plan', [{ source: 'demo:', target: 'demo-env:', options: { rename: nested(500) } }]],
      ['app:info', nested(MAX_REQUEST_DEPTH + 1)]
    ] as const) {
      const r = await dispatch(t, channel, args)
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'usage' } })
      if (!r.ok) expect(r.error.message).toMatch(/more than \d+ levels deep/)
    }
    expect(existsSync(settingsFile())).toBe(false)
  })

  it(`17.17 backend_kwargs deeper than ${MAX_KWARGS_DEPTH} levels are refused naming the place; ${MAX_KWARGS_DEPTH} levels are kept`, async () => {
    const t = table()
    // One level for the kwargs object itself: { sep: [[…]] } with 32 arrays is 33 levels.
    const tooDeep = await dispatch(t, 'profiles:add', [
      { name: 'deep', profile: profile({ sep: nested(MAX_KWARGS_DEPTH) }) }
    ])
    expect(tooDeep).toEqual({
      ok: false,
      error: {
        code: 'usage',
        message: `Profile backendKwargs nest objects or lists more than ${MAX_KWARGS_DEPTH} levels deep.`
      }
    })
    expect(existsSync(settingsFile())).toBe(false)
    const fits = await dispatch(t, 'profiles:add', [
      {
        name: 'fits',
        profile: profile({ extra_conn_words: { login: nested(MAX_KWARGS_DEPTH - 2) } })
      }
    ])
    expect(fits.ok).toBe(true)
    expect(statSync(settingsFile()).size).toBeLessThan(8 * 1024)
  })

  it('17.17 backend_kwargs over 64 KiB are refused, under the request limit', async () => {
    const big = 'x'.repeat(70 * 1024)
    expect(big.length).toBeLessThan(MAX_REQUEST_BYTES)
    const r = await dispatch(table(), 'profiles:add', [
      { name: 'big', profile: profile({ connections_prefix: big }) }
    ])
    expect(r).toMatchObject({ ok: false, error: { code: 'usage' } })
    if (!r.ok) {
      expect(r.error.message).toBe('Profile backendKwargs are larger than 64 KiB of JSON.')
      expect(r.error.message).not.toContain('xxxx')
    }
    expect(() =>
      validateProfile({
        name: 'p',
        ...profile({ a: nested(200) }),
        createdAt: 'now',
        updatedAt: 'now'
      })
    ).toThrow(/backendKwargs nest objects or lists more than 32 levels deep/)
  })

  it('17.17 a settings file over 4 MiB is not read (moved aside, named), and none that large is written', () => {
    const d = mkdtempSync(join(dir, 'settings-'))
    const store = new SettingsStore(d)
    writeFileSync(
      store.path,
      JSON.stringify({ version: 1, profiles: [], pad: 'x'.repeat(MAX_SETTINGS_BYTES) })
    )
    expect(() => store.load()).toThrow(
      new RegExp(
        `The settings file was invalid \\(it is larger than 4 MiB\\); it was moved to ${store.path}\\.corrupt-`
      )
    )
    expect(readdirSync(d).filter((f) => f.startsWith('settings.json.corrupt-'))).toHaveLength(1)
    expect(existsSync(store.path)).toBe(false)

    // 80 profiles of 60 KiB kwargs each: every one within its bounds, the file not.
    const now = new Date().toISOString()
    const profiles = Array.from({ length: 80 }, (_, i) =>
      validateProfile({
        name: `p${i}`,
        ...profile({ connections_prefix: 'y'.repeat(60 * 1024) }),
        createdAt: now,
        updatedAt: now
      })
    )
    expect(() => store.save({ version: 1, profiles })).toThrow(
      /Refusing to save settings: .*settings\.json would be larger than 4 MiB/
    )
    expect(existsSync(store.path)).toBe(false)
  })
})
