// A newcomer's first run: a fresh clone, scripts/setup.sh with an empty HOME, no user npm
// config and no session bus, then a plan, an apply (passphrase store), resume and rollback into
// a .env file; without AIRLOCK_PASSPHRASE (and no bus) apply refuses and writes nothing.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/temp-dir'

const TEN_MINUTES = 600_000
let dir: string
let clone: string
let env: Record<string, string>

beforeAll(() => {
  dir = tempDir('airlock-newcomer-')
  clone = join(dir, 'clone')
  execFileSync('git', ['clone', '-q', process.cwd(), clone])
  const cache = execFileSync('npm', ['config', 'get', 'cache']).toString().trim()
  env = {
    PATH: '/usr/bin:/bin',
    CI: 'true',
    HOME: mkdtempSync(join(dir, 'home-')),
    npm_config_cache: cache
  }
}, TEN_MINUTES)
afterAll(() => rmSync(dir, { recursive: true, force: true }), TEN_MINUTES) // a whole npm install tree

const airlock = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync('node', ['bin/airlock.mjs', ...args], {
    cwd: clone,
    env: { ...env, AIRLOCK_HOME: join(dir, 'airlock-home'), ...extra }
  })

describe('from a fresh clone to a first applied migration', () => {
  it(
    'sets up, plans, applies, resumes and rolls back; without a passphrase apply refuses',
    () => {
      const setup = spawnSync('bash', ['scripts/setup.sh'], { cwd: clone, env })
      expect(setup.status, setup.stderr.toString()).toBe(0)
      expect(airlock(['--version']).status).toBe(0)

      const envFile = join(dir, '.env')
      const plan = airlock(['plan', 'demo:', `envfile:${envFile}`, '--out', 'plan.json'])
      expect(plan.status, plan.stderr.toString()).toBe(0)

      // No keychain, no passphrase: refused, naming the ways out, nothing written.
      const refused = airlock(['apply', 'plan.json'])
      expect(refused.status).not.toBe(0)
      expect(refused.stderr.toString()).toMatch(/AIRLOCK_PASSPHRASE/)
      expect(existsSync(envFile) ? readFileSync(envFile, 'utf8') : '').toBe('')

      // With the passphrase store for the whole session: the plan's drift key is kept there
      // too (a plan made with keys in memory only cannot be checked later: plan again).
      const pass = { AIRLOCK_PASSPHRASE: 'newcomer-test' }
      const planned = airlock(['plan', 'demo:', `envfile:${envFile}`, '--out', 'plan.json'], pass)
      expect(planned.status, planned.stderr.toString()).toBe(0)
      const applied = airlock(['apply', 'plan.json'], pass)
      expect(applied.status, applied.stderr.toString()).toBe(0)
      expect(readFileSync(envFile, 'utf8')).toMatch(/^AIRFLOW_CONN_POSTGRES_DEFAULT=/m)
      const job = JSON.parse(applied.stdout.toString()).job as string

      const resumed = airlock(['resume', job], pass)
      expect(resumed.status, resumed.stderr.toString()).toBe(0)

      const rolledBack = airlock(['rollback', job], pass)
      expect(rolledBack.status, rolledBack.stderr.toString()).toBe(0)
      expect(existsSync(envFile) ? readFileSync(envFile, 'utf8').trim() : '').toBe('')
    },
    TEN_MINUTES
  )
})
