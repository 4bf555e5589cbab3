import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-serve-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('airlock serve', () => {
  it('prints one-time links (a new one per line on stdin), never the token, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/airlock.mjs', 'serve', '--no-open'], {
      env: { ...process.env, AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'c') },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let stderr = ''
    let stdout = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    const links: string[] = []
    let waiting: ((url: string) => void) | undefined
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8')
      for (const m of stdout.matchAll(/served at (\S+)\n/g))
        if (!links.includes(m[1]!)) {
          links.push(m[1]!)
          waiting?.(m[1]!)
        }
    })
    const next = () =>
      new Promise<string>((resolve, reject) => {
        waiting = resolve
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
      })
    const url = links[0] ?? (await next())
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#code=[A-Za-z0-9_-]{32}$/)
    const origin = url.slice(0, url.indexOf('/#'))
    const trade = async (link: string) => {
      const r = await fetch(`${origin}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: link.slice(link.indexOf('#code=') + 6) })
      })
      return (await r.json()) as { ok: boolean; value?: { token: string } }
    }
    const first = await trade(url)
    expect(first.ok).toBe(true)
    const token = first.value!.token
    expect((await trade(url)).ok).toBe(false)
    // Enter: another link, which works once too.
    const secondLink = next()
    child.stdin.write('\n')
    const second = await secondLink
    expect(second).not.toBe(url)
    expect(await trade(second)).toEqual({ ok: true, value: { token } })
    const page = await fetch(`${origin}/`)
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/<div id="root">/)
    const info = await fetch(`${origin}/api/invoke/app:info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-airlock-token': token },
      body: '[]'
    })
    expect(await info.json()).toMatchObject({ ok: true, value: { mode: 'web' } })
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stderr).toMatch(/stopped serving/)
    // The token is in nothing the process printed.
    expect(stdout + stderr).not.toContain(token)
  }, 30_000)

  it('refuses a port that is not a number with exit 2', async () => {
    const child = spawn(process.execPath, ['bin/airlock.mjs', 'serve', '--port', 'http'], {
      stdio: ['ignore', 'ignore', 'pipe']
    })
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2)
  })
})
