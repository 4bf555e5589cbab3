/**
 * A worker-scoped `airlock serve` on the demo, with its own AIRLOCK_HOME, config and XDG
 * dirs, started from the built CLI exactly as a user starts it, and stopped after the tests.
 * Its links work once: `link()` presses Enter in its terminal for a fresh one, as a person
 * would; `token` is had the way the page has it, by trading a link's code.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from '@playwright/test'

export interface Served {
  /** A fresh one-time link (`#code=…`). */
  link(): Promise<string>
  origin: string
  token: string
  /** Everything the process printed so far. */
  output(): string
  dir: string
  env: { AIRLOCK_HOME: string; AIRLOCK_CONFIG_DIR: string; [name: string]: string }
  /**
   * Holds every job this server runs after its first `batches` batches (src-main/jobs/test-gate.ts),
   * until `releaseJobs()` or a cancel: a test sees it running however fast the store is.
   */
  holdJobs(batches: number): void
  releaseJobs(): void
}

/**
 * Starts one `airlock serve`. `withoutSessionBus`: the session bus variables are left out of
 * its environment, so no OS keychain answers (a server, a container, an SSH session).
 * `configDir`: another server's AIRLOCK_CONFIG_DIR, for a second run over the same settings.
 */
export async function start(
  options: { withoutSessionBus?: boolean; configDir?: string } = {}
): Promise<{ served: Served; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-e2e-'))
  const env: Served['env'] = {
    AIRLOCK_HOME: join(dir, 'home'),
    AIRLOCK_CONFIG_DIR: options.configDir ?? join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_CACHE_HOME: join(dir, 'cache')
  }
  for (const d of Object.values(env)) mkdirSync(d, { recursive: true })
  const inherited = { ...process.env }
  if (options.withoutSessionBus) {
    delete inherited.DBUS_SESSION_BUS_ADDRESS
    delete inherited.AIRLOCK_PASSPHRASE
  }
  const gate = join(dir, 'job-gate')
  const child = spawn(process.execPath, ['bin/airlock.mjs', 'serve', '--no-open'], {
    env: {
      ...inherited,
      ...env,
      CI: 'true',
      AIRLOCK_TEST_HARNESS: '1',
      AIRLOCK_TEST_JOB_GATE: gate
    },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let out = ''
  let seen = 0
  const waiters: ((url: string) => void)[] = []
  const links: string[] = []
  const scan = () => {
    const found = [
      ...out.matchAll(/served at (http:\/\/127\.0\.0\.1:\d+\/#code=[A-Za-z0-9_-]+)\n/g)
    ]
    for (const m of found.slice(seen)) {
      const w = waiters.shift()
      if (w) w(m[1]!)
      else links.push(m[1]!)
    }
    seen = found.length
  }
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
    scan()
  })
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  const nextLink = () =>
    new Promise<string>((resolve, reject) => {
      const queued = links.shift()
      if (queued) return resolve(queued)
      const timer = setTimeout(() => reject(new Error('airlock serve printed no link')), 20_000)
      waiters.push((url) => {
        clearTimeout(timer)
        resolve(url)
      })
    })
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`airlock serve exited with ${code}: ${out}`)))
  )
  exited.catch(() => undefined)
  const first = await Promise.race([nextLink(), exited])
  const origin = first.slice(0, first.indexOf('/#'))
  // The token, had as the page has it: one link's code traded once.
  const traded = await fetch(`${origin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: first.slice(first.indexOf('#code=') + 6) })
  })
  const token = ((await traded.json()) as { value: { token: string } }).value.token
  const link = async () => {
    const next = nextLink()
    child.stdin!.write('\n')
    return next
  }
  return {
    served: {
      link,
      origin,
      token,
      output: () => out,
      dir,
      env,
      holdJobs: (batches) => writeFileSync(gate, String(batches)),
      releaseJobs: () => rmSync(gate, { force: true })
    },
    child
  }
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
