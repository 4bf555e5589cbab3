// "Retry failed items" (issue #20) end to end: a .env file migrated into a Vault emulator that
// fails every write of two of the items (503s past the backend's retry budget) — the job ends
// with those two failed, each with its reason; the emulator recovers; a plan of just the failed
// items (`airlock plan --retry-failed JOB --out …`, and `jobs:retry-failed` in the app) is
// signed, reviewed and applied as any plan, and the target then holds what the source holds.
// Real processes for the CLI, the passphrase store for secrets (no session bus needed).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHandlerContext, createHandlers } from '../../src-main/ipc/handlers'
import { airlockAsync } from '../support/cli'
import { startVaultEmulator } from '../support/emulators/vault'
import { cliSandbox } from '../support/cli'

const MARK = 'RetryCanary4Kp'
const TIMEOUT = 400_000
const FLAKY = ['flaky_one', 'flaky_two']

describe('retry the failed items of a job', () => {
  let vault: Awaited<ReturnType<typeof startVaultEmulator>>
  const { dir, env: base } = cliSandbox('airlock-retry-')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    NO_PROXY: '127.0.0.1,localhost',
    AIRLOCK_HOME: base.AIRLOCK_HOME,
    AIRLOCK_CONFIG_DIR: base.AIRLOCK_CONFIG_DIR,
    AIRLOCK_PASSPHRASE: 'retry-test'
  }
  const printed: string[] = []
  const cli = async (args: string[], input = '') => {
    const r = await airlockAsync(args, input, env)
    printed.push(r.out, r.err)
    return r
  }
  beforeAll(async () => {
    vault = await startVaultEmulator({ rootToken: `hvs.${MARK}-token` })
    mkdirSync(join(dir, 'home'), { recursive: true })
  })
  afterAll(async () => {
    await vault.close()
  })

  /**
   * While `failing`, every write (POST or PUT) of a flaky item's secret is answered 503: the
   * fault is queued as the request arrives, before the emulator picks its answer. Reads (the
   * pre-flight, read-backs) are answered as usual.
   */
  let failing = false
  function failWritesOfFlakyItems(): void {
    const push = vault.requests.push.bind(vault.requests)
    vault.requests.push = (...records) => {
      for (const r of records) {
        const id = /^secret\/data\/airflow\/variables\/(.+)$/.exec(r.path)?.[1]
        if (failing && id && FLAKY.includes(id) && (r.method === 'POST' || r.method === 'PUT'))
          vault.inject({ kind: 'error', status: 503 }, 1, new RegExp(`^${r.path}$`))
      }
      return push(...records)
    }
  }

  it(
    'plans just the failed items again, and applying that plan completes the migration',
    async () => {
      const add = await cli(
        [
          'profile',
          'add',
          'prod',
          '--kind',
          'vault',
          '--url',
          vault.url,
          '--kwargs',
          '{"mount_point": "secret", "connections_path": "airflow/connections", "variables_path": "airflow/variables"}',
          '--secret-stdin'
        ],
        vault.rootToken
      )
      expect(add.code, add.err).toBe(0)
      const src = join(dir, 'src.env')
      const ids = ['steady_a', 'steady_b', 'steady_c', ...FLAKY]
      writeFileSync(
        src,
        ids.map((id) => `AIRFLOW_VAR_${id.toUpperCase()}=${MARK}-${id}\n`).join('') +
          `AIRFLOW_CONN_STEADY_CONN=postgres://etl:${MARK}-pw@db.example.com/dw\n`
      )
      const source = `envfile:${src}`
      const planFile = join(dir, 'plan.json')
      const planned = await cli(['plan', source, 'vault:prod', '--out', planFile])
      expect(planned.code, planned.err).toBe(0)

      // every write of the two flaky items fails with a 503 (each attempt of the retry budget)
      failWritesOfFlakyItems()
      failing = true
      const applied = await cli(['apply', planFile])
      expect(applied.code, applied.err + applied.out).toBe(1)
      const job = JSON.parse(applied.out.trim())
      expect(job).toMatchObject({ applied: 4, failed: 2, refused: 0 })
      for (const id of FLAKY) expect(applied.err).toContain(`${id}: failed (`)

      // the job's detail: which items failed, and why
      const shown = JSON.parse((await cli(['jobs', 'show', job.job, '--json'])).out)
      expect(shown.counts).toMatchObject({ applied: 4, failed: 2, pending: 0 })
      const failed = shown.items.filter((i: { outcome: string }) => i.outcome === 'failed')
      expect(failed.map((i: { targetId: string }) => i.targetId).sort()).toEqual(FLAKY)
      for (const f of failed) {
        expect(f.code).toBe('backend.unreachable')
        expect(f.reason).toMatch(/vault:prod/)
        expect(f.attempts).toBe(1)
      }
      expect(shown.runs[0].requests).toBeGreaterThan(0)
      expect(shown.runs[0].overloaded).toBeGreaterThan(0)
      const text = (await cli(['jobs', 'show', job.job])).out
      expect(text).toContain(`airlock plan --retry-failed ${job.job}`)

      // the service recovers
      failing = false

      // the app's channel: a held plan of just the two items, applicable
      const table = createHandlers(createHandlerContext({ mode: 'web', env }))
      const viaApp = await table['jobs:retry-failed']({ jobId: job.job })
      expect(viaApp.applicable).toBe(true)
      expect(viaApp.items.map((i) => [i.action, i.targetId])).toEqual(
        FLAKY.map((id) => ['create', id])
      )
      printed.push(JSON.stringify(viaApp))

      // the CLI: the same plan as a signed file, applied as any plan
      const retryFile = join(dir, 'retry.json')
      const retry = await cli(['plan', '--retry-failed', job.job, '--out', retryFile])
      expect(retry.code, retry.err).toBe(0)
      expect(retry.err).toMatch(/plan: 2 to create, 0 to update, 0 to delete, 0 unchanged/)
      const doc = JSON.parse(readFileSync(retryFile, 'utf8'))
      expect(doc.signature).toMatch(/^hmac-sha256:/)
      expect(doc.source).toBe(source)
      expect(doc.target).toBe('vault:prod')
      expect(doc.items.map((i: { targetId: string }) => i.targetId)).toEqual(FLAKY)
      const again = await cli(['apply', retryFile])
      expect(again.code, again.err).toBe(0)
      expect(JSON.parse(again.out.trim())).toMatchObject({ applied: 2, failed: 0 })
      expect((await cli(['diff', source, 'vault:prod'])).out.trim()).toBe('')

      // planned again now, the failed items are already in place: unchanged, nothing to write
      const settled = await table['jobs:retry-failed']({ jobId: job.job })
      expect(settled.summary).toMatchObject({ create: 0, update: 0, unchanged: 2 })

      // the retry plan shapes itself: plan-shaping flags, another store, an unknown job refused
      for (const args of [
        ['plan', '--retry-failed', job.job, '--include', 'x*'],
        ['plan', '--retry-failed', job.job, '--dialect', 'airflow2'],
        ['plan', '--retry-failed', job.job, source],
        ['diff', '--retry-failed', job.job]
      ])
        expect((await cli(args)).code, args.join(' ')).toBe(2)
      const other = await cli([
        'plan',
        '--retry-failed',
        job.job,
        'envfile:/elsewhere.env',
        'vault:prod'
      ])
      expect(other.code).toBe(2)
      expect(other.err).toMatch(/another store/)
      // a job without failures has nothing to retry
      const clean = JSON.parse(again.out.trim()).job
      const none = await cli(['plan', '--retry-failed', clean])
      expect(none.code).toBe(2)
      expect(none.err).toMatch(/no failed item/)

      // the audit log has both applies; the retry's job is its own
      const audit = (await cli(['audit', '--json', '--action', 'apply'])).out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(audit.map((r) => [r.job, r.failed])).toEqual([
        [job.job, 2],
        [clean, 0]
      ])

      for (const t of printed) {
        expect(t).not.toContain(MARK)
      }
      for (const f of [planFile, retryFile]) expect(readFileSync(f, 'utf8')).not.toContain(MARK)
    },
    TIMEOUT
  )
})
