// Every IPC channel (the same dispatch serves Electron and web mode) with wrong types, an
// unknown field and an oversized payload: a typed usage error that echoes nothing it was
// sent, and nothing written anywhere. A channel added to the contract must be added here:
// the table's type makes the compiler say so.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MAX_REQUEST_BYTES,
  RequestSchemas,
  type InvokeChannel
} from '../../../../src-main/contract/ipc'
import { dispatch } from '../../../../src-main/ipc/handle'
import {
  createHandlerContext,
  createHandlers,
  type HandlerTable
} from '../../../../src-main/ipc/handlers'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

const MARK = 'canary-7f3e1b'
let dir: string
let table: HandlerTable

/** One well-formed request per channel (to add an unknown field to, or to pad). */
const VALID = {
  'app:info': [],
  'keychain:status': [],
  'keychain:unlock': [{ passphrase: 'p' }],
  'profiles:list': [],
  'profiles:add': [
    {
      name: 'p',
      profile: {
        kind: 'metadb',
        url: null,
        region: null,
        airflowVersion: null,
        credential: { method: 'none', params: {} },
        backendKwargs: {}
      }
    }
  ],
  'profiles:edit': [{ name: 'p', patch: {} }],
  'profiles:test': [{ name: 'p' }],
  'profiles:remove': [{ name: 'p' }],
  'profiles:rename': [{ name: 'p', to: 'q' }],
  'profiles:import': [{ name: 'p' }],
  'entries:list': [{ locator: 'demo:' }],
  'entries:reveal': [{ locator: 'demo:', kind: 'connection', id: 'x', field: 'password' }],
  'entries:copy': [
    { locator: 'demo:', kind: 'connection', id: 'x', format: 'uri', dialect: 'airflow3' }
  ],
  'effective:resolve': [{ runtime: 'demo' }],
  'stores:compare': [{ a: 'demo:', b: 'demo-env:' }],
  'jobs:plan': [{ source: 'demo:', target: 'demo-env:', options: {} }],
  'jobs:save-plan': [{ planId: 'x', path: '/tmp/x.json' }],
  'jobs:apply': [{ planId: 'x' }],
  'jobs:list': [],
  'jobs:cancel': [{ jobId: 'x' }],
  'jobs:resume': [{ jobId: 'x' }],
  'jobs:rollback': [{ jobId: 'x' }],
  'jobs:confirmation': [{ planId: 'x' }],
  'jobs:detail': [{ jobId: 'x' }],
  'jobs:retry-failed': [{ jobId: 'x' }],
  'audit:list': [{ since: '24h', actions: ['apply'], store: 'demo:', jobId: 'x' }],
  'jobs:plan-item': [{ planId: 'x', kind: 'connection', targetId: 'x' }],
  'jobs:plan-item-reveal': [{ planId: 'x', kind: 'connection', targetId: 'x', part: 'password' }],
  'export:write': [
    { locator: 'demo:', to: '/tmp/x.json', format: 'json', kind: 'connection', dialect: 'airflow3' }
  ],
  'fs:complete': [{ prefix: '/tmp/' }],
  'dialog:open-file': [{ title: 'x' }]
} satisfies Record<InvokeChannel, unknown[]>

const CHANNELS = Object.keys(RequestSchemas) as InvokeChannel[]

/** Every file under the test's directories, with size and content: to prove nothing changed. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out[p] = readFileSync(p, 'utf8')
    }
  }
  walk(dir)
  return out
}

beforeAll(() => {
  dir = tempDir('airlock-every-channel-')
  for (const d of ['home', 'config']) mkdirSync(join(dir, d))
  table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
      keychain: osLikeKeychain()
    })
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('every IPC channel refuses bad requests, writing nothing', () => {
  it('covers every channel of the contract', () => {
    expect(Object.keys(VALID).sort()).toEqual([...CHANNELS].sort())
    for (const c of CHANNELS) expect(RequestSchemas[c].safeParse(VALID[c]).success, c).toBe(true)
  })

  const bad: [string, (c: InvokeChannel) => unknown, RegExp][] = [
    ['a number instead of the arguments', () => 42, /arguments should be a list/],
    ['one argument too many', (c) => [...VALID[c], MARK], /has a field|not valid|too/],
    [
      'a wrong type in the first argument',
      (c) => (VALID[c].length ? [MARK.length] : [MARK]),
      /should be|not valid|too/
    ],
    [
      'an unknown field',
      (c) => (VALID[c].length ? [{ ...(VALID[c][0] as object), [MARK]: MARK }] : [{ [MARK]: 1 }]),
      /has a field this channel does not take|not valid|too/
    ],
    [
      'an oversized payload',
      (c) =>
        VALID[c].length
          ? [{ ...(VALID[c][0] as object), pad: 'x'.repeat(MAX_REQUEST_BYTES) }]
          : ['x'.repeat(MAX_REQUEST_BYTES)],
      /larger than \d+ bytes/
    ],
    ['a value that is not JSON', (c) => (VALID[c].length ? [{ n: 10n }] : [10n]), /not plain JSON/]
  ]

  for (const [what, make, message] of bad)
    it(`answers ${what} with a usage error on every channel`, async () => {
      const before = snapshot()
      for (const c of CHANNELS) {
        const r = await dispatch(table, c, make(c))
        expect(r, `${c}: ${what}`).toMatchObject({ ok: false, error: { code: 'usage' } })
        if (r.ok) continue
        expect(r.error.message, c).toMatch(message)
        expect(r.error.message, c).toMatch(new RegExp(`^Refused ${c}:`))
        expect(r.error.message, c).not.toContain(MARK)
      }
      expect(snapshot()).toEqual(before)
    })
})
