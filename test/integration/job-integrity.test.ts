// Issue #17, job integrity (17.1, 17.2, 17.10): a job acts only on its own target, one job at a
// time per target, an outside edit is never overwritten, and rollback leaves alone what changed
// since the job. Users' commands run as whole CLI processes (the passphrase store keeps the
// plan and job keys, so no session bus is needed); the outside-edit race runs the engine in
// this process, where the edit can be made at the exact moment it matters.
import { spawnSync } from 'node:child_process'
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EnvFileBackend } from '../../src-main/backends/env-file'
import { InMemoryBackend } from '../../src-main/backends/in-memory'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { Fernet } from '../../src-main/core/codecs/fernet'
import type { JobProgressDto } from '../../src-main/contract/ipc'
import { variableEntry } from '../../src-main/core/model'
import { listJobs } from '../../src-main/jobs/job-store'
import { applyPlan, resumeJob } from '../../src-main/jobs/run-job'
import { lockStore } from '../../src-main/jobs/store-lock'
import { storeIdentity } from '../../src-main/operations/open-store'
import { createHandlerContext } from '../../src-main/ipc/handlers'
import { rollbackHeldJob } from '../../src-main/ipc/handlers/jobs'
import { airlockAsync } from '../support/cli'
import { MY_ADMIN, PG_ADMIN } from '../support/metadb'
import { planBetween } from '../support/jobs'
import { osLikeKeychain } from '../support/test-keychain'
import { tempDir } from '../support/temp-dir'

/** A sandbox: its own home, config dir and passphrase store; `run` is one `airlock` process. */
function sandbox(prefix: string) {
  const dir = realpathSync(tempDir(prefix))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    AIRLOCK_HOME: join(dir, 'home'),
    AIRLOCK_CONFIG_DIR: join(dir, 'cfg'),
    AIRLOCK_PASSPHRASE: 'job-integrity-test'
  }
  const run = (args: string[], input = '') => airlockAsync(args, input, env)
  return { dir, env, run }
}

/** A .env of `AIRFLOW_VAR_<PREFIX><i>=<value><i>` lines. */
function envFile(path: string, prefix: string, n: number, value: string, head = ''): string {
  const lines = Array.from({ length: n }, (_, i) => `AIRFLOW_VAR_${prefix}${i}=${value}${i}`)
  writeFileSync(path, head + lines.join('\n') + '\n')
  return path
}

/** The AIRFLOW_VAR_* assignments of a .env file. */
function varsOf(path: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const eq = line.indexOf('=')
    if (line.startsWith('AIRFLOW_VAR_') && eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1))
  }
  return out
}

const jobOf = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>

// Each CLI process starts Node and opens the passphrase store: seconds each on a busy machine.
describe('attack: job integrity', { timeout: 240_000 }, () => {
  it('17.1 rollback and resume refuse a --target that names another store, naming both; the same file named another way is accepted', async () => {
    const { dir, run } = sandbox('airlock-17-1-')
    const src = envFile(join(dir, 'src.env'), 'K', 5, 'new-')
    const own = join(dir, 'own.env')
    writeFileSync(own, 'AIRFLOW_VAR_K0=old-0\n')
    const other = envFile(join(dir, 'other.env'), 'K', 5, 'other-')
    const otherBytes = readFileSync(other)
    const plan = join(dir, 'plan.json')
    const planned = await run(['plan', `envfile:${src}`, `envfile:${own}`, '--out', plan])
    expect(planned.code, planned.err).toBe(0)
    const applied = await run(['apply', plan])
    expect(applied.code, applied.err).toBe(0)
    const job = jobOf(applied.out).job as string

    for (const verb of ['rollback', 'resume']) {
      const refused = await run([verb, job, '--target', `envfile:${other}`])
      expect(refused.code, refused.err).not.toBe(0)
      expect(refused.err).toContain(`was made for envfile:${own} (envfile:${own})`)
      expect(refused.err).toContain(`envfile:${other} (envfile:${other}) is another store`)
      expect(readFileSync(other).equals(otherBytes), `${verb} wrote to the other store`).toBe(true)
    }
    const jobs = await run(['jobs', '--json'])
    expect(JSON.parse(jobs.out.trim()).state).toBe('finished')

    // the same file through a symlinked folder and `..`: one identity, so it is accepted
    symlinkSync(dir, join(dir, 'link'))
    mkdirSync(join(dir, 'sub'))
    const rolled = await run(['rollback', job, '--target', `envfile:${dir}/link/sub/../own.env`])
    expect(rolled.code, rolled.err).toBe(0)
    expect(readFileSync(own, 'utf8')).toBe('AIRFLOW_VAR_K0=old-0\n')
  })

  it('17.1 a metadata DB job rolls back through a profile holding its URL, and refuses another DB', async () => {
    const { dir, run } = sandbox('airlock-17-1-db-')
    const key = Fernet.generateKey()
    const db = async (name: string, value: string) => {
      const path = join(dir, name)
      const d = await openSql({ dialect: 'sqlite', path })
      for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await d.query(stmt)
      await d.close()
      const store = new MetastoreBackend({ target: { dialect: 'sqlite', path }, fernetKey: key })
      await store.write([variableEntry('k0', value)])
      await store.close()
      return path
    }
    const values = async (path: string) => {
      const store = new MetastoreBackend({ target: { dialect: 'sqlite', path }, fernetKey: key })
      const { entries } = await store.load({})
      await store.close()
      return entries.map((e) => (e.kind === 'variable' ? `${e.key}=${e.value}` : e.id)).sort()
    }
    const own = await db('own.db', 'old')
    const other = await db('other.db', 'other')
    const src = envFile(join(dir, 'src.env'), 'K', 3, 'new-')
    const plan = join(dir, 'plan.json')
    const planned = await run([
      'plan',
      `envfile:${src}`,
      `metadb:sqlite:///${own}`,
      '--out',
      plan,
      '--key',
      key
    ])
    expect(planned.code, planned.err).toBe(0)
    const applied = await run(['apply', plan, '--key', key])
    expect(applied.code, applied.err).toBe(0)
    const job = jobOf(applied.out).job as string
    const refused = await run([
      'rollback',
      job,
      '--target',
      `metadb:sqlite:///${other}`,
      '--key',
      key
    ])
    expect(refused.code).not.toBe(0)
    expect(refused.err).toContain(`(metadb:sqlite:${own}); metadb:sqlite:///${other}`)
    expect(await values(other)).toEqual(['k0=other'])
    const added = await run(
      ['profile', 'add', 'prod', '--kind', 'metadb', '--url', `sqlite:///${own}`, '--secret-stdin'],
      JSON.stringify({ fernetKey: key })
    )
    expect(added.code, added.err).toBe(0)
    const rolled = await run(['rollback', job, '--target', 'profile:prod'])
    expect(rolled.code, rolled.err).toBe(0)
    expect(await values(own)).toEqual(['k0=old'])
  })

  it('17.1 a job recorded without a store identity compares the locator text and says so', async () => {
    const { dir, env, run } = sandbox('airlock-17-1-old-')
    const src = envFile(join(dir, 'src.env'), 'K', 3, 'new-')
    const own = join(dir, 'own.env')
    writeFileSync(own, '')
    const other = envFile(join(dir, 'other.env'), 'K', 3, 'other-')
    const plan = join(dir, 'plan.json')
    expect((await run(['plan', `envfile:${src}`, `envfile:${own}`, '--out', plan])).code).toBe(0)
    const job = jobOf((await run(['apply', plan])).out).job as string
    // as an older Airlock wrote it: no identity in the job's meta
    const metaPath = join(env.AIRLOCK_HOME!, 'jobs', job, 'meta.json')
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>
    delete meta.targetIdentity
    delete meta.targetBackendId
    writeFileSync(metaPath, JSON.stringify(meta))
    const refused = await run(['rollback', job, '--target', `envfile:${other}`])
    expect(refused.code).not.toBe(0)
    expect(refused.err).toMatch(/no recorded store identity, so the locator text was compared/)
    expect(varsOf(other).size).toBe(3)
    const rolled = await run(['rollback', job])
    expect(rolled.code, rolled.err).toBe(0)
    expect(rolled.err).toMatch(/no recorded store identity .*checked by the locator text/)
    expect(readFileSync(own, 'utf8')).toBe('')
  })

  it('17.2 two applies into one .env: the second is refused naming the holder, and every item reported verified is in the file', async () => {
    const { dir, env, run } = sandbox('airlock-17-2-')
    const n = 3000
    const target = join(dir, 'airflow.env')
    writeFileSync(target, '# shared target\n')
    const plans: string[] = []
    for (const p of ['A', 'B']) {
      const src = envFile(join(dir, `src-${p}.env`), `${p}_`, n, `${p.toLowerCase()}-`)
      const plan = join(dir, `plan-${p}.json`)
      const r = await run(['plan', `envfile:${src}`, `envfile:${target}`, '--out', plan])
      expect(r.code, r.err).toBe(0)
      plans.push(plan)
    }
    // both at once: whichever takes the lock first holds it for its whole job. The test gate
    // (adr/0002) holds that job before its first batch until the other has ended, so the two
    // overlap however late the second process starts on a loaded machine (before, a job done
    // before the other took the lock let both succeed).
    const gate = join(dir, 'gate')
    writeFileSync(gate, '0')
    const gated = { ...env, AIRLOCK_TEST_HARNESS: '1', AIRLOCK_TEST_JOB_GATE: gate }
    const runs = plans.map((plan) => airlockAsync(['apply', plan], '', gated))
    await Promise.race(runs)
    rmSync(gate)
    const [a, b] = await Promise.all(runs)
    const [winner, loser, wp, lp] = a!.code === 0 ? [a!, b!, 'A', 'B'] : [b!, a!, 'B', 'A']
    expect(winner.code, winner.err).toBe(0)
    const won = jobOf(winner.out)
    expect(loser.code).not.toBe(0)
    expect(loser.err).toMatch(
      new RegExp(
        `${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is locked by job ${String(won.job)} \\(apply, pid \\d+ on ${hostname()}, since `
      )
    )
    // what each process reported verified is in the file, with its value
    const vars = varsOf(target)
    const present = (p: string) =>
      Array.from(
        { length: n },
        (_, i) => vars.get(`AIRFLOW_VAR_${p}_${i}`) === `${p.toLowerCase()}-${i}`
      ).filter(Boolean).length
    expect(won.applied).toBe(n)
    expect(present(wp)).toBe(n)
    expect(present(lp)).toBe(0)
    // the lock is gone with its job: the other plan now runs
    const again = await run(['apply', plans[wp === 'A' ? 1 : 0]!])
    expect(again.code, again.err).toBe(0)
    expect(varsOf(target).size).toBe(2 * n)
  })

  it('17.2 a lock left by a killed job on this host is stale and taken over', async () => {
    const { dir, run } = sandbox('airlock-17-2-stale-')
    const src = envFile(join(dir, 'src.env'), 'K', 3, 'v-')
    const target = join(dir, 'airflow.env')
    writeFileSync(target, '')
    const plan = join(dir, 'plan.json')
    expect((await run(['plan', `envfile:${src}`, `envfile:${target}`, '--out', plan])).code).toBe(0)
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8'
    })
    const holder = { jobId: 'gone', action: 'apply', pid: Number(dead.stdout), host: hostname() }
    writeFileSync(`${target}.airlock.lock`, JSON.stringify({ ...holder, startedAt: 'then' }))
    const applied = await run(['apply', plan])
    expect(applied.code, applied.err).toBe(0)
    expect(varsOf(target).size).toBe(3)
    expect(readdirSync(dir).filter((f) => f.includes('.lock'))).toEqual([])
  })

  it.each([
    ['PostgreSQL', PG_ADMIN, 'postgresql'],
    ['MySQL', MY_ADMIN, 'mysql']
  ] as const)(
    '17.2 a %s metadata DB is locked for the length of a job with an advisory lock; a second job is refused',
    async (_, admin, scheme) => {
      const dataDir = tempDir('airlock-17-2-sql-')
      // the same server and database named two ways: one identity, one lock
      const a = await storeIdentity(
        `metadb:${scheme}://${admin.user}@${admin.host}:${admin.port}/${admin.database}`
      )
      const b = await storeIdentity(
        `metadb:${scheme}://${admin.user}@${admin.host}/${admin.database}`
      )
      expect(b.identity).toBe(a.identity)
      expect(a.identity).toBe(`metadb:${scheme}://127.0.0.1:${admin.port}/test`)
      const held = await lockStore(a, dataDir, { jobId: 'job-one', action: 'apply' })
      try {
        const refused = lockStore(b, dataDir, { jobId: 'job-two', action: 'apply' })
        await expect(refused).rejects.toThrow(
          scheme === 'postgresql'
            ? /is locked by airlock job job-one \(apply, pid \d+/
            : /is locked by another Airlock job \(MySQL connection \d+\)/
        )
      } finally {
        await held.release()
      }
      const again = await lockStore(b, dataDir, { jobId: 'job-two', action: 'apply' })
      await again.release()
    }
  )

  it.each([
    ['PostgreSQL', PG_ADMIN, 'postgresql'],
    ['MySQL', MY_ADMIN, 'mysql']
  ] as const)(
    '17.2 a %s metadata DB named by two host names (localhost, 127.0.0.1) is still one lock',
    async (_, admin, scheme) => {
      const dataDir = tempDir('airlock-17-2-alias-')
      const at = (host: string) =>
        storeIdentity(`metadb:${scheme}://${admin.user}@${host}:${admin.port}/${admin.database}`)
      const [a, b] = [await at('127.0.0.1'), await at('localhost')]
      // identities differ (a rollback through the other name is refused, the safe way), but the
      // server is one: the lock must be too
      expect(b.identity).not.toBe(a.identity)
      const held = await lockStore(a, dataDir, { jobId: 'job-one', action: 'apply' })
      try {
        await expect(
          lockStore(b, dataDir, { jobId: 'job-two', action: 'apply' })
        ).rejects.toMatchObject({ code: 'job.conflict' })
      } finally {
        await held.release()
      }
      const again = await lockStore(b, dataDir, { jobId: 'job-two', action: 'apply' })
      await again.release()
    }
  )

  it('17.2 an edit by another process between a batch read and its rename fails the batch instead of being overwritten', async () => {
    const dir = tempDir('airlock-17-2-edit-')
    const dataDir = join(dir, 'home')
    const keychain = osLikeKeychain()
    const path = join(dir, 't.env')
    writeFileSync(path, '# mine\n')
    const source = new InMemoryBackend({
      id: 'memory:src',
      entries: Array.from({ length: 200 }, (_, i) => variableEntry(`v${i}`, `value-${i}`))
    })
    const target = new EnvFileBackend({ path })
    const doc = await planBetween(source, target, keychain)
    // the other process's edit lands once the job's temp file exists: after its read of the
    // file, before its rename
    let edited = false
    let running = true
    const watch = () => {
      if (!running || edited) return
      if (readdirSync(dir).some((f) => f.startsWith('.t.env.') && f.endsWith('.tmp'))) {
        appendFileSync(path, 'AIRFLOW_VAR_OUTSIDE=kept\n')
        edited = true
      } else setImmediate(watch)
    }
    setImmediate(watch)
    const report = await applyPlan(doc, source, target, { dataDir, keychain, batchSize: 20 })
    running = false
    expect(edited).toBe(true)
    expect(varsOf(path).get('AIRFLOW_VAR_OUTSIDE')).toBe('kept')
    expect(report.failed.length).toBe(20)
    expect(report.failed[0]!.message).toMatch(
      /changed by another process while Airlock was updating it/
    )
    expect(report.applied).toBe(180)
    // resume finishes the batch on the edited file, keeping the edit
    const resumed = await resumeJob(report.jobId, target, { dataDir, keychain })
    expect(resumed.failed).toEqual([])
    const vars = varsOf(path)
    expect(vars.size).toBe(201)
    expect(vars.get('AIRFLOW_VAR_OUTSIDE')).toBe('kept')
  })

  it('17.10 rollback skips and reports items changed since the job, restores them with --force', async () => {
    const { dir, env, run } = sandbox('airlock-17-10-')
    const src = envFile(join(dir, 'src.env'), 'K', 4, 'new-')
    const own = join(dir, 'own.env')
    writeFileSync(own, 'AIRFLOW_VAR_K0=old-0\nAIRFLOW_VAR_K1=old-1\n')
    const plan = join(dir, 'plan.json')
    expect((await run(['plan', `envfile:${src}`, `envfile:${own}`, '--out', plan])).code).toBe(0)
    const job = jobOf((await run(['apply', plan])).out).job as string
    // after the job: K1's token is rotated, K2 (created by the job) is edited by hand
    writeFileSync(
      own,
      readFileSync(own, 'utf8')
        .replace('AIRFLOW_VAR_K1=new-1', 'AIRFLOW_VAR_K1=rotated-token')
        .replace('AIRFLOW_VAR_K2=new-2', 'AIRFLOW_VAR_K2=edited')
    )
    const rolled = await run(['rollback', job])
    expect(rolled.code).toBe(1)
    expect(rolled.err).toMatch(/k1: skipped: changed since the job wrote it \(rollback --force/)
    expect(rolled.err).toMatch(/k2: skipped: changed since the job wrote it/)
    expect(rolled.out + rolled.err).not.toMatch(/rotated-token|edited/)
    expect(jobOf(rolled.out)).toMatchObject({ restored: 1, removed: 1, skipped: ['k2', 'k1'] })
    expect(varsOf(own)).toEqual(
      new Map([
        ['AIRFLOW_VAR_K0', 'old-0'],
        ['AIRFLOW_VAR_K1', 'rotated-token'],
        ['AIRFLOW_VAR_K2', 'edited']
      ])
    )
    expect(listJobs(env.AIRLOCK_HOME!)[0]!.state).toBe(
      'partly rolled back (2 changed since the job)'
    )
    // a second rollback, forced: only what the first one left alone
    const forced = await run(['rollback', job, '--force'])
    expect(forced.code, forced.err).toBe(0)
    expect(jobOf(forced.out)).toMatchObject({ restored: 1, removed: 1, skipped: [] })
    expect(varsOf(own)).toEqual(
      new Map([
        ['AIRFLOW_VAR_K0', 'old-0'],
        ['AIRFLOW_VAR_K1', 'old-1']
      ])
    )
    expect(listJobs(env.AIRLOCK_HOME!)[0]!.state).toBe('rolled back')
  })

  it('17.10 the app rollback skips items changed since the job, as the CLI does', async () => {
    const dir = tempDir('airlock-17-10-app-')
    const keychain = osLikeKeychain()
    const events: JobProgressDto[] = []
    const ctx = createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'cfg') },
      keychain,
      emit: (_event, payload) => void events.push(payload)
    })
    const path = join(dir, 't.env')
    writeFileSync(path, 'AIRFLOW_VAR_TOKEN=old\n')
    const source = new InMemoryBackend({
      id: 'memory:src',
      entries: [variableEntry('token', 'new'), variableEntry('other', 'x')]
    })
    const target = new EnvFileBackend({ path })
    const doc = await planBetween(source, target, keychain)
    const report = await applyPlan(doc, source, target, { dataDir: ctx.dataDir, keychain })
    expect(report.applied).toBe(2)
    writeFileSync(path, readFileSync(path, 'utf8').replace('TOKEN=new', 'TOKEN=rotated'))
    expect(await rollbackHeldJob(ctx, { jobId: report.jobId })).toEqual({ jobId: report.jobId })
    await expect.poll(() => events.find((e) => e.state !== 'running')?.state).toBe('finished')
    expect(events.at(-1)!.rollback).toEqual({
      restored: 0,
      removed: 1,
      failed: [],
      skipped: ['token'],
      cancelled: false
    })
    expect(varsOf(path)).toEqual(new Map([['AIRFLOW_VAR_TOKEN', 'rotated']]))
  })
})
