// Apply, drift, rollback and crash-resume, in two tiers. The engine tier runs anywhere: the
// engine in this process (crash tests in a child process killed with SIGKILL at seeded
// failpoints) with an in-memory keychain, and with the real OS keychain too when a session
// bus is there. The CLI tier, as a person runs it (real processes, the real keychain), needs
// the session bus.
import { reportFigure } from '../support/figures'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Backend } from '../../src-main/backends/backend'
import { EnvFileBackend } from '../../src-main/backends/env-file'
import { InMemoryBackend } from '../../src-main/backends/in-memory'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { connectionEntry, variableEntry, type Entry } from '../../src-main/core/model'
import { plan } from '../../src-main/core/plan'
import { fingerprinter } from '../../src-main/core/fingerprint'
import { listJobs } from '../../src-main/jobs/job-store'
import { Journal } from '../../src-main/jobs/journal'
import { applyPlan, rollbackJob } from '../../src-main/jobs/run-job'
import type { Keychain } from '../../src-main/keychain/keychain'
import { openKeychain } from '../../src-main/keychain/keytar-keychain'
import { demoEntries } from '../../src-main/platform/demo'
import { runJobProcess, type JobStores } from '../support/job-process'
import { planBetween } from '../support/jobs'
import { osLikeKeychain } from '../support/test-keychain'
import { tempDir } from '../support/temp-dir'

const BIN = fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))
const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000
  })
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr }
}

async function sqliteDb(dir: string, name: string, key: string, entries: Entry[]): Promise<string> {
  const path = join(dir, name)
  const d = await openSql({ dialect: 'sqlite', path })
  for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await d.query(stmt)
  await d.close()
  const store = new MetastoreBackend({ target: { dialect: 'sqlite', path }, fernetKey: key })
  await store.write(entries)
  await store.close()
  return path
}

async function dump(path: string, key: string): Promise<string[]> {
  const store = new MetastoreBackend({ target: { dialect: 'sqlite', path }, fernetKey: key })
  const { entries } = await store.load({})
  await store.close()
  return entries.map((e) => JSON.stringify({ ...e, source: undefined })).sort()
}

const sourceEntries = (n: number): Entry[] => [
  ...Array.from({ length: n }, (_, i) =>
    connectionEntry(`conn_${String(i).padStart(3, '0')}`, {
      conn_type: 'postgres',
      host: `h${i}`,
      password: `pw-${i}/é`,
      extra: `{"i": "${i}"}`
    })
  ),
  variableEntry('shared', 'from-source', 'desc')
]

const metastore = (path: string, key: string) =>
  new MetastoreBackend({
    id: `metadb:sqlite:///${path}`,
    target: { dialect: 'sqlite', path },
    fernetKey: key
  })

/** The ids a fresh plan from `source` to `target` would still change. */
async function pending(source: Backend, target: Backend): Promise<string[]> {
  const fp = fingerprinter(new Uint8Array(32))
  const [s, t] = [await source.load({}), await target.load({})]
  return plan(s.entries, t.entries, { onConflict: 'overwrite' }, fp)
    .items.filter((i) => i.action !== 'unchanged')
    .map((i) => `${i.action} ${i.kind} ${i.targetId}`)
}

// 22 seeded crash points: after each of the first journal appends, mid-write of a journal
// line, and mid-write of the snapshot. After each crash `resume` finishes the job.
const points = [
  ...Array.from({ length: 18 }, (_, i) => `after-journal-append:${1 + i * 7}`),
  'journal-torn-write:3',
  'journal-torn-write:40',
  'journal-torn-write:90',
  'snapshot-write:1'
]

// The keychain tiers of the engine tests: memory everywhere; the Secret Service when there is
// a session bus (its crash tests a focused subset of the points: the CLI tier runs them all).
const tiers: { name: string; keychain: () => Promise<Keychain>; points: string[] }[] = [
  { name: 'in-memory keychain', keychain: async () => osLikeKeychain(), points },
  ...(hasBus
    ? [
        {
          name: 'OS keychain',
          keychain: openKeychain,
          points: ['after-journal-append:1', 'journal-torn-write:40', 'snapshot-write:1']
        }
      ]
    : [])
]

describe.each(tiers)('apply jobs in the engine, $name', (tier) => {
  it('applies a plan, refuses items that drifted since the plan, and rolls back to what was there', async () => {
    const dir = tempDir('airlock-jobs-')
    const dataDir = join(dir, 'home')
    const keychain = await tier.keychain()
    const key = Fernet.generateKey()
    const src = await sqliteDb(dir, 'src.db', key, sourceEntries(5))
    const tgt = await sqliteDb(dir, 'tgt.db', key, [
      connectionEntry('conn_000', { conn_type: 'postgres', host: 'old' }),
      connectionEntry('conn_004', { conn_type: 'x' }),
      variableEntry('shared', 'old')
    ])
    const before = await dump(tgt, key)
    const source = metastore(src, key)
    const target = metastore(tgt, key)
    try {
      const doc = await planBetween(source, target, keychain)
      expect(JSON.stringify(doc)).not.toMatch(/pw-\d/)
      // drift: conn_004 changes in the target after the plan was made
      const drift = metastore(tgt, key)
      await drift.write([connectionEntry('conn_004', { conn_type: 'changed' })])
      await drift.close()
      const driftedBefore = await dump(tgt, key)
      const report = await applyPlan(doc, source, target, { dataDir, keychain })
      expect(report.refused).toEqual([
        { id: 'conn_004', reason: 'the target value changed since the plan' }
      ])
      expect(report).toMatchObject({ applied: 5, failed: [] })
      expect(await pending(source, target)).toEqual(['update connection conn_004'])
      const rolled = await rollbackJob(report.jobId, target, { dataDir, keychain })
      expect(rolled.failed).toEqual([])
      expect(await dump(tgt, key)).toEqual(driftedBefore)
      expect(driftedBefore).not.toEqual(before)
      const audit = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8')
      expect(audit).toMatch(/"action":"apply"/)
      expect(audit).toMatch(/"action":"rollback"/)
      expect(audit).not.toMatch(/pw-\d/)
      expect(listJobs(dataDir)[0]).toMatchObject({ jobId: report.jobId, state: 'rolled back' })
    } finally {
      await source.close()
      await target.close()
    }
  })

  it('restores a .env target byte for byte on rollback', async () => {
    const dir = tempDir('airlock-jobs-env-')
    const dataDir = join(dir, 'home')
    const keychain = await tier.keychain()
    const path = join(dir, 'airflow.env')
    writeFileSync(
      path,
      '# keep me\nAIRFLOW_CONN_KEEP=postgres://u:p@h/db\nAIRFLOW_VAR_ENVIRONMENT=old # inline comment\n'
    )
    const original = readFileSync(path)
    const source = new InMemoryBackend({ id: 'demo:', entries: demoEntries() })
    const target = new EnvFileBackend({ path })
    const doc = await planBetween(source, target, keychain, {
      kinds: ['connection'],
      onConflict: 'overwrite'
    })
    const report = await applyPlan(doc, source, target, { dataDir, keychain })
    expect(report.failed).toEqual([])
    expect(report.refused).toEqual([])
    expect(readFileSync(path, 'utf8')).toMatch(/AIRFLOW_CONN_POSTGRES_DEFAULT=/)
    expect((await rollbackJob(report.jobId, target, { dataDir, keychain })).failed).toEqual([])
    expect(readFileSync(path).equals(original)).toBe(true)
  })

  it.each(tier.points)(
    'finishes after kill -9 at %s, with every item written once with the planned value',
    async (point) => {
      const dir = tempDir('airlock-crash-')
      const keychain = await tier.keychain()
      const key = Fernet.generateKey()
      const stores: JobStores = {
        dataDir: join(dir, 'home'),
        source: await sqliteDb(dir, 'src.db', key, sourceEntries(60)),
        target: await sqliteDb(dir, 'tgt.db', key, [variableEntry('shared', 'old')]),
        fernetKey: key
      }
      copyFileSync(stores.target, join(dir, 'tgt-original.db'))
      const [source, target] = [metastore(stores.source, key), metastore(stores.target, key)]
      const doc = await planBetween(source, target, keychain)
      await source.close()
      await target.close()
      const planFile = join(dir, 'plan.json')
      writeFileSync(planFile, JSON.stringify(doc))
      const crashed = await runJobProcess({ op: 'apply', plan: planFile }, stores, keychain, {
        AIRLOCK_FAILPOINT: point
      })
      expect(crashed.signal, crashed.err).toBe('SIGKILL')
      const jobs = listJobs(stores.dataDir)
      if (point.startsWith('snapshot-write')) {
        // killed before the job started: nothing was written, and resume says so
        expect(await dump(stores.target, key)).toEqual(
          await dump(join(dir, 'tgt-original.db'), key)
        )
        expect(jobs[0]!.state).toBe('never started')
      } else expect(jobs[0]!.state).toBe('interrupted (resume it)')
      const resumed = await runJobProcess({ op: 'resume', jobId: jobs[0]!.jobId }, stores, keychain)
      expect(resumed.code, resumed.err).toBe(0)
      if (!point.startsWith('snapshot-write')) {
        expect(await dump(stores.target, key)).toEqual(await dump(stores.source, key))
        const records = Journal.read(join(stores.dataDir, 'jobs', jobs[0]!.jobId, 'journal.jsonl'))
        expect(records.at(-1)!.t).toBe('end')
        expect(
          new Set(records.filter((r) => r.t === 'done').map((r) => (r as { idx: number }).idx)).size
        ).toBe(61)
      } else
        expect(existsSync(join(stores.dataDir, 'jobs', jobs[0]!.jobId, 'values.fernet'))).toBe(
          false
        )
    }
  )
})

describe.runIf(hasBus)('apply jobs', () => {
  it('applies a plan, refuses items that drifted since the plan, and rolls back to what was there', async () => {
    const dir = tempDir('airlock-jobs-')
    const env = { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'cfg') }
    const key = Fernet.generateKey()
    const src = await sqliteDb(dir, 'src.db', key, sourceEntries(5))
    const tgt = await sqliteDb(dir, 'tgt.db', key, [
      connectionEntry('conn_000', { conn_type: 'postgres', host: 'old' }),
      connectionEntry('conn_004', { conn_type: 'x' }),
      variableEntry('shared', 'old')
    ])
    const before = await dump(tgt, key)
    const S = `metadb:sqlite:///${src}`
    const T = `metadb:sqlite:///${tgt}`
    const plan = join(dir, 'plan.json')
    expect(cli(['plan', S, T, '--out', plan, '--key', key], env).code).toBe(0)
    expect(readFileSync(plan, 'utf8')).not.toMatch(/pw-\d/)
    // drift: conn_004 changes in the target after the plan was made
    const drift = new MetastoreBackend({ target: { dialect: 'sqlite', path: tgt }, fernetKey: key })
    await drift.write([connectionEntry('conn_004', { conn_type: 'changed' })])
    await drift.close()
    const driftedBefore = await dump(tgt, key)
    const applied = cli(['apply', plan, '--key', key], env)
    expect(applied.code).toBe(1)
    expect(applied.err).toMatch(/conn_004: refused: the target value changed since the plan/)
    const result = JSON.parse(applied.out.trim())
    expect(result).toMatchObject({ applied: 5, failed: 0, refused: 1 })
    expect(
      cli(['diff', S, T, '--key', key], env)
        .out.trim()
        .split('\n')
        .filter((l) => !l.startsWith(' '))
    ).toEqual(['~ conn conn_004 (conn_type, host, password, extra)'])
    const rollback = cli(['rollback', result.job, '--key', key], env)
    expect(rollback.code).toBe(0)
    expect(await dump(tgt, key)).toEqual(driftedBefore)
    expect(driftedBefore).not.toEqual(before)
    const audit = readFileSync(join(env.AIRLOCK_HOME, 'audit.jsonl'), 'utf8')
    expect(audit).toMatch(/"action":"apply"/)
    expect(audit).toMatch(/"action":"rollback"/)
    expect(audit).not.toMatch(/pw-\d/)
  })

  it('restores a .env target byte for byte on rollback', () => {
    const dir = tempDir('airlock-jobs-env-')
    const env = { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'cfg') }
    const target = join(dir, 'airflow.env')
    writeFileSync(
      target,
      '# keep me\nAIRFLOW_CONN_KEEP=postgres://u:p@h/db\nAIRFLOW_VAR_ENVIRONMENT=old # inline comment\n'
    )
    const original = readFileSync(target)
    const plan = join(dir, 'plan.json')
    expect(
      cli(['plan', 'demo:', `envfile:${target}`, '--kind', 'conn', '--out', plan], env).code
    ).toBe(0)
    const applied = cli(['apply', plan], env)
    expect(applied.code, applied.err).toBe(0)
    expect(readFileSync(target, 'utf8')).toMatch(/AIRFLOW_CONN_POSTGRES_DEFAULT=/)
    expect(cli(['rollback', JSON.parse(applied.out.trim()).job], env).code).toBe(0)
    expect(readFileSync(target).equals(original)).toBe(true)
  })

  it.each(points)(
    'finishes after kill -9 at %s, with every item written once with the planned value',
    async (point) => {
      const dir = tempDir('airlock-crash-')
      const env = { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'cfg') }
      const key = Fernet.generateKey()
      const src = await sqliteDb(dir, 'src.db', key, sourceEntries(60))
      const tgt = await sqliteDb(dir, 'tgt.db', key, [variableEntry('shared', 'old')])
      copyFileSync(tgt, join(dir, 'tgt-original.db'))
      const S = `metadb:sqlite:///${src}`
      const T = `metadb:sqlite:///${tgt}`
      const plan = join(dir, 'plan.json')
      expect(cli(['plan', S, T, '--out', plan, '--key', key], env).code).toBe(0)
      const crashed = cli(['apply', plan, '--key', key], { ...env, AIRLOCK_FAILPOINT: point })
      expect(crashed.signal).toBe('SIGKILL')
      const jobs = cli(['jobs', '--json'], env)
        .out.trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
      if (point.startsWith('snapshot-write')) {
        // killed before the job started: nothing was written, and resume says so
        expect(await dump(tgt, key)).toEqual(await dump(join(dir, 'tgt-original.db'), key))
        expect(jobs[0].state).toBe('never started')
      } else expect(jobs[0].state).toBe('interrupted (resume it)')
      const resumed = cli(['resume', jobs[0].jobId, '--key', key], env)
      expect(resumed.code, resumed.err).toBe(0)
      reportFigure({ kind: 'kill', point })
      if (!point.startsWith('snapshot-write')) {
        expect(await dump(tgt, key)).toEqual(await dump(src, key))
        const records = Journal.read(join(env.AIRLOCK_HOME, 'jobs', jobs[0].jobId, 'journal.jsonl'))
        expect(records.at(-1)!.t).toBe('end')
        expect(
          new Set(records.filter((r) => r.t === 'done').map((r) => (r as { idx: number }).idx)).size
        ).toBe(61)
      }
    }
  )
})
