/**
 * A worker-scoped `airlock serve` on the demo, with its own AIRLOCK_HOME, config and XDG
 * dirs, started from the built CLI exactly as a user starts it, and stopped after the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from '@playwright/test'

export interface Served {
  url: string
  origin: string
  token: string
  dir: string
  env: { AIRLOCK_HOME: string; AIRLOCK_CONFIG_DIR: string; [name: string]: string }
}

async function start(): Promise<{ served: Served; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-e2e-'))
  const env: Served['env'] = {
    AIRLOCK_HOME: join(dir, 'home'),
    AIRLOCK_CONFIG_DIR: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_CACHE_HOME: join(dir, 'cache')
  }
  for (const d of Object.values(env)) mkdirSync(d, { recursive: true })
  const child = spawn(process.execPath, ['bin/airlock.mjs', 'serve', '--no-open'], {
    env: { ...process.env, ...env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(
      () => reject(new Error('airlock serve did not print its address')),
      20_000
    )
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const m = /served at (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.once('exit', (code) => reject(new Error(`airlock serve exited with ${code}`)))
  })
  const origin = url.slice(0, url.indexOf('/#'))
  return { served: { url, origin, token: url.slice(url.indexOf('=') + 1), dir, env }, child }
}

export const test = base.extend<object, { served: Served }>({
  served: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { served, child } = await start()
      await use(served)
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(served.dir, { recursive: true, force: true })
    },
    { scope: 'worker' }
  ]
})

export { expect } from '@playwright/test'
