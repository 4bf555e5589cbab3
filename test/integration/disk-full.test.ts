// A full disk under Airlock's own files, for real: a small tmpfs mounted under the job and
// settings directories (root only; skipped, saying so, elsewhere). The job that cannot write
// its snapshot leaves nothing behind and writes nothing to the target; the job whose journal
// fills the disk mid-run stops with a clear error, keeps a readable journal, and resumes to the
// end once there is room; a settings file on a full disk stays as it was. The job cases run
// through the engine with an in-memory keychain (no session bus needed), and all cases
// through the CLI with the real keychain when a session bus is there.
import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EnvFileBackend } from '../../src-main/backends/env-file'
import { listJobs } from '../../src-main/jobs/job-store'
import { applyPlan, resumeJob, rollbackJob } from '../../src-main/jobs/run-job'
import { reportFigure } from '../support/figures'
import { planBetween } from '../support/jobs'
import { osLikeKeychain } from '../support/test-keychain'
import { tempDir } from '../support/temp-dir'

const BIN = fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))
const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)
const dir = tempDir('airlock-disk-full-')
const mounted: string[] = []

/** Mounts a tmpfs of `bytes` at `at`; false where this process may not mount (not root). */
function mountTmpfs(at: string, bytes: number): boolean {
  mkdirSync(at, { recursive: true })
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', at])
  if (r.status === 0) mounted.push(at)
  return r.status === 0
}

function resize(at: string, bytes: number): void {
  const r = spawnSync('mount', ['-o', `remount,size=${bytes}`, at], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`remount ${at}: ${r.stderr}`)
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return false
  const probe = join(dir, 'probe')
  if (!mountTmpfs(probe, 65536)) return false
  spawnSync('umount', [probe])
  mounted.pop()
  return true
})()

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** Every file under `root`, with its size. */
function files(root: string): Record<string, number> {
  const out: Record<string, number> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else out[p.slice(root.length + 1)] = statSync(p).size
    }
  }
  if (existsSync(root)) walk(root)
  return out
}

const N = 2000
const source = join(dir, 'source.env')

beforeAll(() => {
  writeFileSync(
    source,
    Array.from(
      { length: N },
      (_, i) => `AIRFLOW_VAR_MANY_${i}=value-${i}-${'x'.repeat(40)}\n`
    ).join('')
  )
})

afterAll(() => {
  for (const m of mounted.reverse()) spawnSync('umount', [m])
  rmSync(dir, { recursive: true, force: true })
})

describe('a full disk under Airlock’s own files, in the engine (in-memory keychain)', () => {
  const keychain = osLikeKeychain()
  const sourceStore = () => new EnvFileBackend({ path: source })

  it.skipIf(!canMount)(
    'a job that cannot write its snapshot writes nothing and leaves nothing behind',
    async () => {
      const home = join(dir, 'engine-full-home')
      expect(mountTmpfs(home, 256 * 1024)).toBe(true)
      const targetPath = join(dir, 'engine-target-a.env')
      const target = new EnvFileBackend({ path: targetPath })
      const doc = await planBetween(sourceStore(), target, keychain)
      const applying = applyPlan(doc, sourceStore(), target, { dataDir: home, keychain })
      await expect(applying).rejects.toMatchObject({
        code: 'storage.unwritable',
        userMessage: expect.stringMatching(
          /^Cannot write the snapshot of job \S+ \(ENOSPC: no space left on the device\); nothing was written to the target\./
        )
      })
      expect(existsSync(targetPath)).toBe(false)
      // No half-written job, no temp file: the jobs folder is as it was.
      expect(files(home)).toEqual({})
      expect(listJobs(home)).toEqual([])
    }
  )

  it.skipIf(!canMount)(
    'a journal that fills the disk mid-run stops the job readable; it resumes once there is room, and rolls back',
    async () => {
      // How much a whole job takes, measured on an ordinary disk first.
      const probeHome = join(dir, 'engine-probe-home')
      const probeTarget = new EnvFileBackend({ path: join(dir, 'engine-probe.env') })
      const probe = await planBetween(sourceStore(), probeTarget, keychain)
      const probed = await applyPlan(probe, sourceStore(), probeTarget, {
        dataDir: probeHome,
        keychain
      })
      expect(probed.applied).toBe(N)
      const sizes = files(join(probeHome, 'jobs'))
      const sizeOf = (suffix: string) => Object.entries(sizes).find(([k]) => k.endsWith(suffix))![1]
      // Room for the snapshot and about half of the journal.
      const room =
        Math.ceil(
          (sizeOf('meta.json') + sizeOf('values.fernet') + sizeOf('journal.jsonl') / 2) / 4096
        ) * 4096
      const home = join(dir, 'engine-half-home')
      expect(mountTmpfs(home, room)).toBe(true)
      const targetPath = join(dir, 'engine-target-b.env')
      const target = new EnvFileBackend({ path: targetPath })
      const doc = await planBetween(sourceStore(), target, keychain)
      await expect(
        applyPlan(doc, sourceStore(), target, { dataDir: home, keychain })
      ).rejects.toMatchObject({
        code: 'storage.unwritable',
        userMessage: expect.stringMatching(
          /^Cannot write the journal \S+journal\.jsonl \(ENOSPC: no space left on the device\); the job stopped/
        )
      })
      const jobId = readdirSync(join(home, 'jobs'))[0]!
      const journalPath = join(home, 'jobs', jobId, 'journal.jsonl')
      // Every line of the journal is a whole record: the failed append was undone.
      const text = readFileSync(journalPath, 'utf8')
      expect(text.endsWith('\n')).toBe(true)
      const records = text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { t: string; idx?: number })
      const done = records.filter((r) => r.t === 'done').length
      expect(done).toBeGreaterThan(0)
      expect(done).toBeLessThan(N)
      expect(listJobs(home)[0]).toMatchObject({ jobId, state: 'interrupted (resume it)' })
      // Room again: the job resumes to the end, each item written once with its value.
      resize(home, room * 4)
      const resumed = await resumeJob(jobId, target, { dataDir: home, keychain })
      expect(resumed.failed).toEqual([])
      const written = readFileSync(targetPath, 'utf8')
      for (const i of [0, 1, N / 2, N - 1])
        expect(written).toMatch(
          new RegExp(`^AIRFLOW_VAR_MANY_${i}='?value-${i}-${'x'.repeat(40)}'?$`, 'm')
        )
      expect(written.trimEnd().split('\n')).toHaveLength(N)
      const after = readFileSync(journalPath, 'utf8')
      for (const line of after.trimEnd().split('\n')) JSON.parse(line)
      expect((await rollbackJob(jobId, target, { dataDir: home, keychain })).failed).toEqual([])
      expect(readFileSync(targetPath, 'utf8').trim()).toBe('')
    },
    240_000 // whole jobs on a tmpfs, filled and resumed; minutes on a loaded 2-core machine
  )
})

describe.runIf(hasBus)('a full disk under Airlock’s own files', () => {
  it.skipIf(!canMount)(
    'a job that cannot write its snapshot writes nothing and leaves nothing behind',
    () => {
      const home = join(dir, 'full-home')
      expect(mountTmpfs(home, 256 * 1024)).toBe(true)
      const env = { AIRLOCK_HOME: home, AIRLOCK_CONFIG_DIR: join(dir, 'cfg-a') }
      const target = join(dir, 'target-a.env')
      const plan = join(dir, 'plan-a.json')
      expect(cli(['plan', `envfile:${source}`, `envfile:${target}`, '--out', plan], env).code).toBe(
        0
      )
      const applied = cli(['apply', plan], env)
      expect(applied.code, applied.err).toBe(1)
      expect(applied.err).toMatch(
        /Cannot write the snapshot of job \S+ \(ENOSPC: no space left on the device\); nothing was written to the target\./
      )
      expect(applied.err).not.toMatch(/internal error/)
      expect(existsSync(target)).toBe(false)
      // No half-written job, no temp file: the jobs folder is as it was.
      expect(files(home)).toEqual({})
      expect(cli(['jobs'], env)).toMatchObject({ code: 0, out: '' })
    }
  )

  it.skipIf(!canMount)(
    'a journal that fills the disk mid-run stops the job readable; it resumes once there is room, and rolls back',
    () => {
      // How much a whole job takes, measured on an ordinary disk first.
      const probeEnv = {
        AIRLOCK_HOME: join(dir, 'probe-home'),
        AIRLOCK_CONFIG_DIR: join(dir, 'cfg-p')
      }
      const probePlan = join(dir, 'plan-p.json')
      cli(
        ['plan', `envfile:${source}`, `envfile:${join(dir, 'probe.env')}`, '--out', probePlan],
        probeEnv
      )
      expect(cli(['apply', probePlan], probeEnv).code).toBe(0)
      const sizes = files(join(dir, 'probe-home', 'jobs'))
      const sizeOf = (suffix: string) => Object.entries(sizes).find(([k]) => k.endsWith(suffix))![1]
      // Room for the snapshot and about half of the journal.
      const room =
        Math.ceil(
          (sizeOf('meta.json') + sizeOf('values.fernet') + sizeOf('journal.jsonl') / 2) / 4096
        ) * 4096
      const home = join(dir, 'half-home')
      expect(mountTmpfs(home, room)).toBe(true)
      const env = { AIRLOCK_HOME: home, AIRLOCK_CONFIG_DIR: join(dir, 'cfg-b') }
      const target = join(dir, 'target-b.env')
      const plan = join(dir, 'plan-b.json')
      expect(cli(['plan', `envfile:${source}`, `envfile:${target}`, '--out', plan], env).code).toBe(
        0
      )
      const applied = cli(['apply', plan], env)
      expect(applied.code, applied.err).toBe(1)
      expect(applied.err).toMatch(
        /Cannot write the journal \S+journal\.jsonl \(ENOSPC: no space left on the device\); the job stopped/
      )
      const jobId = readdirSync(join(home, 'jobs'))[0]!
      const journalPath = join(home, 'jobs', jobId, 'journal.jsonl')
      // Every line of the journal is a whole record: the failed append was undone.
      const text = readFileSync(journalPath, 'utf8')
      expect(text.endsWith('\n')).toBe(true)
      const records = text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { t: string; idx?: number })
      const done = records.filter((r) => r.t === 'done').length
      expect(done).toBeGreaterThan(0)
      expect(done).toBeLessThan(N)
      const listed = cli(['jobs'], env)
      expect(listed.out).toMatch(new RegExp(`${jobId}\\s+interrupted`))
      // Room again: the job resumes to the end, each item written once with its value.
      resize(home, room * 4)
      const resumed = cli(['resume', jobId], env)
      expect(resumed.code, resumed.err).toBe(0)
      const written = readFileSync(target, 'utf8')
      for (const i of [0, 1, N / 2, N - 1])
        expect(written).toMatch(
          new RegExp(`^AIRFLOW_VAR_MANY_${i}='?value-${i}-${'x'.repeat(40)}'?$`, 'm')
        )
      expect(written.trimEnd().split('\n')).toHaveLength(N)
      const after = readFileSync(journalPath, 'utf8')
      for (const line of after.trimEnd().split('\n')) JSON.parse(line)
      expect(cli(['rollback', jobId], env).code).toBe(0)
      expect(readFileSync(target, 'utf8').trim()).toBe('')
      reportFigure({
        kind: 'disk-full',
        items: N,
        tmpfsBytes: room,
        doneBeforeFull: done,
        resumed: true
      })
    },
    240_000 // whole jobs on a tmpfs, filled and resumed; minutes on a loaded 2-core machine
  )

  it.skipIf(!canMount)('a settings file on a full disk stays as it was', () => {
    const cfg = join(dir, 'full-cfg')
    expect(mountTmpfs(cfg, 16 * 1024)).toBe(true)
    const env = { AIRLOCK_HOME: join(dir, 'home-c'), AIRLOCK_CONFIG_DIR: cfg }
    const add = (name: string) =>
      cli(
        [
          'profile',
          'add',
          name,
          '--kind',
          'metadb',
          '--auth',
          'none',
          '--url',
          'sqlite:////tmp/x.db'
        ],
        env
      )
    expect(add('first').code).toBe(0)
    const before = readFileSync(join(cfg, 'settings.json'), 'utf8')
    // Fill what is left.
    writeFileSync(join(cfg, 'filler'), Buffer.alloc(0))
    for (let i = 0; ; i++) {
      try {
        writeFileSync(join(cfg, `filler-${i}`), Buffer.alloc(1024))
      } catch {
        break
      }
    }
    const second = add('second')
    expect(second.code).toBe(1)
    expect(second.err).toMatch(
      /Cannot write \S+settings\.json \(ENOSPC: no space left on the device\); the settings file was left as it was/
    )
    expect(readFileSync(join(cfg, 'settings.json'), 'utf8')).toBe(before)
    expect(readdirSync(cfg).filter((f) => f.includes('.tmp'))).toEqual([])
    expect(cli(['profile', 'list'], env).out).toMatch(/first/)
  })
})
