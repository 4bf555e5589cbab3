// The passphrase store end to end through the built CLI, on a machine with no session bus
// (no Secret Service): plan, apply, jobs and rollback with AIRLOCK_PASSPHRASE; the refusal
// without it names the ways out; a wrong passphrase writes nothing.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { airlock } from '../support/cli'
import { tempDir } from '../support/temp-dir'

/** A fresh machine: its own home, XDG dirs and Airlock dirs, and no DBUS_SESSION_BUS_ADDRESS. */
function machine(): { dir: string; env: Record<string, string> } {
  const dir = tempDir('airlock-nobus-')
  return {
    dir,
    env: {
      HOME: join(dir, 'user'),
      XDG_CONFIG_HOME: join(dir, 'xdg-config'),
      XDG_DATA_HOME: join(dir, 'xdg-data'),
      AIRLOCK_HOME: join(dir, 'home'),
      AIRLOCK_CONFIG_DIR: join(dir, 'cfg')
    }
  }
}

const WAYS_OUT = [
  /Secret Service/,
  /dbus-run-session/,
  /AIRLOCK_PASSPHRASE=/,
  /airlock keystore init/
]

beforeAll(() => {
  expect(existsSync('bin/airlock.mjs')).toBe(true)
})

describe('passphrase store without a session bus', () => {
  it('plans, applies, lists and rolls back with AIRLOCK_PASSPHRASE', () => {
    const { dir, env } = machine()
    const pw = { ...env, AIRLOCK_PASSPHRASE: 'ci-secret-passphrase' }
    const envFile = join(dir, '.env')
    const plan = airlock(
      ['plan', 'demo:', `envfile:${envFile}`, '--out', join(dir, 'plan.json')],
      '',
      pw
    )
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stderr).toContain(
      `secrets in the passphrase store (${join(dir, 'cfg', 'keystore.airlock')})`
    )
    expect(plan.stderr).not.toMatch(/cannot be applied/)

    const apply = airlock(['apply', join(dir, 'plan.json')], '', pw)
    expect(apply.code, apply.stderr).toBe(0)
    const job = JSON.parse(apply.lines.at(-1)!) as { job: string; applied: number; failed: number }
    expect(job.applied).toBeGreaterThan(0)
    expect(job.failed).toBe(0)
    expect(readFileSync(envFile, 'utf8')).toMatch(/^AIRFLOW_CONN_/m)

    const jobs = airlock(['jobs'], '', pw)
    expect(jobs.code).toBe(0)
    expect(jobs.stdout).toContain(job.job)
    expect(jobs.stdout).toContain('finished')

    const rollback = airlock(['rollback', job.job], '', pw)
    expect(rollback.code, rollback.stderr).toBe(0)
    expect(readFileSync(envFile, 'utf8')).not.toMatch(/AIRFLOW_(CONN|VAR)_/)

    const keystore = join(dir, 'cfg', 'keystore.airlock')
    expect(statSync(keystore).mode & 0o777).toBe(0o600)
    expect(readFileSync(keystore, 'utf8').split('\n')[0]).toBe('airlock-keystore 1')
    const status = airlock(['keystore', 'status'], '', pw)
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(`secrets in the passphrase store (${keystore})`)
  })

  it('without AIRLOCK_PASSPHRASE refuses to apply, names the ways out, and creates no .env', () => {
    const { dir, env } = machine()
    const envFile = join(dir, '.env')
    const plan = airlock(
      ['plan', 'demo:', `envfile:${envFile}`, '--out', join(dir, 'plan.json')],
      '',
      env
    )
    expect(plan.code).toBe(0)
    for (const way of WAYS_OUT) expect(plan.stderr).toMatch(way)
    const apply = airlock(['apply', join(dir, 'plan.json')], '', env)
    expect(apply.code).not.toBe(0)
    for (const way of WAYS_OUT) expect(apply.stderr).toMatch(way)
    expect(apply.stderr.split('\n').filter((l) => l.trim()).length).toBeLessThanOrEqual(3)
    expect(existsSync(envFile)).toBe(false)
    expect(existsSync(join(dir, 'cfg', 'keystore.airlock'))).toBe(false)
    const status = airlock(['keystore', 'status'], '', env)
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('secrets in memory for this run only')
  })

  it('refuses a wrong AIRLOCK_PASSPHRASE for an existing store, writing nothing', () => {
    const { dir, env } = machine()
    const init = airlock(['keystore', 'init'], '', { ...env, AIRLOCK_PASSPHRASE: 'right' })
    expect(init.code, init.stderr).toBe(0)
    const keystore = join(dir, 'cfg', 'keystore.airlock')
    const before = readFileSync(keystore)
    const envFile = join(dir, '.env')
    const wrong = { ...env, AIRLOCK_PASSPHRASE: 'wrong-passphrase' }
    const plan = airlock(
      ['plan', 'demo:', `envfile:${envFile}`, '--out', join(dir, 'plan.json')],
      '',
      wrong
    )
    expect(plan.code).not.toBe(0)
    expect(plan.stderr).toContain(`The passphrase store "${keystore}" did not open`)
    expect(plan.stderr + plan.stdout).not.toContain('wrong-passphrase')
    expect(existsSync(join(dir, 'plan.json'))).toBe(false)
    expect(readFileSync(keystore).equals(before)).toBe(true)
    expect(readdirSync(join(dir, 'cfg'))).toEqual(['keystore.airlock'])
    expect(existsSync(envFile)).toBe(false)
    // keystore init with another passphrase does not overwrite the store either
    const again = airlock(['keystore', 'init'], '', wrong)
    expect(again.code).not.toBe(0)
    expect(readFileSync(keystore).equals(before)).toBe(true)
  })

  it('keeps profile secrets there across runs, and nowhere in plaintext', () => {
    const { dir, env } = machine()
    const pw = { ...env, AIRLOCK_PASSPHRASE: 'profile-pass' }
    const canary = 'pp-canary-5d1e'
    const add = airlock(
      ['profile', 'add', 'x', '--kind', 'metadb', '--url', 'sqlite:////tmp/x.db', '--secret-stdin'],
      JSON.stringify({ password: canary }),
      pw
    )
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toContain('secrets in the passphrase store')
    const show = airlock(['profile', 'show', 'x'], '', pw)
    expect((JSON.parse(show.stdout) as { secrets: { password: string } }).secrets.password).toBe(
      'stored'
    )
    for (const f of readdirSync(join(dir, 'cfg')))
      expect(readFileSync(join(dir, 'cfg', f), 'utf8')).not.toContain(canary)
    expect(add.stdout + add.stderr + show.stdout + show.stderr).not.toContain(canary)
  })
})
