import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'airlock-serve-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('airlock serve', () => {
  it('prints a loopback address with a token, answers with it, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/airlock.mjs', 'serve', '--no-open'], {
      env: { ...process.env, AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'c') },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString('utf8')
        const m = /served at (\S+)/.exec(out)
        if (m) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)))
    })
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/)
    const origin = url.slice(0, url.indexOf('/#'))
    const token = url.slice(url.indexOf('=') + 1)
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
  }, 30_000)

  it('refuses a port that is not a number with exit 2', async () => {
    const child = spawn(process.execPath, ['bin/airlock.mjs', 'serve', '--port', 'http'], {
      stdio: ['ignore', 'ignore', 'pipe']
    })
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(2)
  })
})
