// Jobs and history (issue #20), as a person runs them: `airlock audit` (filters, JSON Lines) and
// `airlock jobs show` over real jobs between .env files, run across CLI processes with the
// passphrase store (no session bus needed); the same records through the IPC handlers; and
// every secret of the source (one marker) absent from all of it. Then, in this process, a
// target that fails one item and makes another batch retry: the job's detail says which,
// why and how often.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { InMemoryBackend } from '../../src-main/backends/in-memory'
import { AirlockError } from '../../src-main/core/errors'
import { variableEntry } from '../../src-main/core/model'
import { applyPlan } from '../../src-main/jobs/run-job'
import { createHandlerContext, createHandlers } from '../../src-main/ipc/handlers'
import { jobDetail } from '../../src-main/operations/job-detail'
import { airlockAsync } from '../support/cli'
import { planBetween, storeLike } from '../support/jobs'
import { osLikeKeychain } from '../support/test-keychain'
import { tempDir } from '../support/temp-dir'

const MARK = 'HistCanary9Qz'
const TIMEOUT = 400_000

describe('airlock audit and airlock jobs show, across processes', () => {
  const dir = tempDir('airlock-history-')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    AIRLOCK_HOME: join(dir, 'airlock-home'),
    AIRLOCK_CONFIG_DIR: join(dir, 'cfg'),
    AIRLOCK_PASSPHRASE: 'history-test'
  }
  const printed: string[] = []
  const cli = async (args: string[]) => {
    const r = await airlockAsync(args, '', env)
    printed.push(r.out, r.err)
    return r
  }
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it(
    'lists who did what when, filtered, as text and JSON Lines, and shows a job in full',
    async () => {
      const src = join(dir, 'src.env')
      const tgt = join(dir, 'tgt.env')
      writeFileSync(
        src,
        [
          `AIRFLOW_VAR_ALPHA=${MARK}-alpha`,
          `AIRFLOW_VAR_BETA=${MARK}-beta`,
          `AIRFLOW_CONN_GAMMA=postgres://etl:${MARK}-pw@db.example.com:5432/dw`,
          ''
        ].join('\n')
      )
      writeFileSync(tgt, 'AIRFLOW_VAR_BETA=old\n')
      const planFile = join(dir, 'plan.json')
      const planned = await cli(['plan', `envfile:${src}`, `envfile:${tgt}`, '--out', planFile])
      expect(planned.code, planned.err).toBe(0)
      const planId = JSON.parse(readFileSync(planFile, 'utf8')).planId as string
      const applied = await cli(['apply', planFile])
      expect(applied.code, applied.err).toBe(0)
      const job = JSON.parse(applied.out.trim()).job as string

      // the job in full: outcomes, one run with its figures and samples, plan, snapshot
      const shown = await cli(['jobs', 'show', job, '--json'])
      expect(shown.code, shown.err).toBe(0)
      const detail = JSON.parse(shown.out)
      expect(detail).toMatchObject({
        jobId: job,
        state: 'finished',
        plan: { planId, dialect: 'airflow3', createdAt: expect.any(String) },
        counts: { applied: 3, failed: 0, refused: 0, skipped: 0, pending: 0 },
        snapshot: { present: true },
        rollback: { state: 'none', remaining: 3 }
      })
      expect(detail.items.map((i: { targetId: string; action: string }) => i.action)).toEqual([
        'create',
        'create',
        'update'
      ])
      expect(detail.runs).toHaveLength(1)
      const run = detail.runs[0]
      expect(run).toMatchObject({ kind: 'apply', ended: 'finished', applied: 3, failed: 0 })
      expect(run.durationMs).toBeGreaterThanOrEqual(0)
      expect(run.requests).toBeNull() // a file counts no requests
      expect(run.samples.at(-1)).toMatchObject({ done: 3, failed: 0 })
      // in seconds since the run began, to the millisecond: the last one at the run's end
      expect(run.samples[0].t).toBe(0)
      // (the recorder reads the clock twice at the end: a millisecond apart at most)
      expect(Math.abs(run.samples.at(-1).t - run.durationMs / 1000)).toBeLessThanOrEqual(0.0021)
      expect(detail.totals.durationMs).toBe(run.durationMs)
      // and `airlock jobs` keeps the duration and rate of the finished job
      const listed = JSON.parse((await cli(['jobs', '--json'])).out.trim())
      expect(listed).toMatchObject({ jobId: job, durationMs: run.durationMs, rate: run.rate })
      const text = await cli(['jobs', 'show', job])
      expect(text.out).toMatch(/3 applied, 0 failed, 0 refused, 0 skipped, 0 pending/)
      expect(text.out).toMatch(/snapshot: kept, encrypted/)

      const rolled = await cli(['rollback', job])
      expect(rolled.code, rolled.err).toBe(0)
      const after = JSON.parse((await cli(['jobs', 'show', job, '--json'])).out)
      expect(after.rollback).toMatchObject({ state: 'done', restored: 1, removed: 2, remaining: 0 })
      expect(after.items.every((i: { rollback: string }) => i.rollback !== null)).toBe(true)

      // audit: two records, oldest first, as JSON Lines and as text
      const json = await cli(['audit', '--json'])
      expect(json.code, json.err).toBe(0)
      const records = json.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(records.map((r) => [r.action, r.job])).toEqual([
        ['apply', job],
        ['rollback', job]
      ])
      expect(records[0]).toMatchObject({
        source: `envfile:${src}`,
        target: `envfile:${tgt}`,
        applied: 3,
        failed: 0
      })
      for (const r of records) {
        expect(Date.parse(r.at)).toBeGreaterThan(Date.now() - 600_000)
        expect(typeof r.user).toBe('string')
      }
      const lines = (await cli(['audit'])).out.trim().split('\n')
      expect(lines).toHaveLength(2)
      expect(lines[0]).toContain(`apply     ${job}  envfile:${src} → envfile:${tgt}`)
      expect(lines[1]).toContain(`rollback  ${job}  envfile:${tgt}`)

      // filters, each exact
      const only = async (...args: string[]) => {
        const r = await cli(['audit', '--json', ...args])
        expect(r.code, r.err).toBe(0)
        return r.out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { action: string }).action)
      }
      expect(await only('--action', 'rollback')).toEqual(['rollback'])
      expect(await only('--action', 'apply', '--action', 'rollback')).toEqual(['apply', 'rollback'])
      expect(await only('--store', `envfile:${src}`)).toEqual(['apply'])
      expect(await only('--store', `envfile:${tgt}`)).toEqual(['apply', 'rollback'])
      expect(await only('--store', 'envfile:/nowhere.env')).toEqual([])
      expect(await only('--job', job)).toEqual(['apply', 'rollback'])
      expect(await only('--job', 'nosuchjob')).toEqual([])
      expect(await only('--since', '1h')).toEqual(['apply', 'rollback'])
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
      expect(await only('--since', tomorrow)).toEqual([])

      // the same records through the app's channel
      const table = createHandlers(
        createHandlerContext({ mode: 'web', env, keychain: osLikeKeychain() })
      )
      expect(await table['audit:list']({})).toEqual(records)
      expect(await table['audit:list']({ actions: ['rollback'], jobId: job })).toEqual([records[1]])
      const viaIpc = await table['jobs:detail']({ jobId: job })
      expect(viaIpc).toEqual({ ...after, running: false })
      printed.push(JSON.stringify(viaIpc), JSON.stringify(await table['audit:list']({})))

      // usage errors exit 2: a bad time, a flag audit does not take, a missing job id
      for (const args of [
        ['audit', '--since', 'yesterday'],
        ['audit', '--out', 'x'],
        ['audit', 'extra'],
        ['jobs', 'show']
      ]) {
        const r = await cli(args)
        expect(r.code, args.join(' ')).toBe(2)
      }
      expect((await cli(['jobs', 'show', 'nosuchjob'])).code).toBe(1)

      // no secret of the source in anything printed or in the audit log
      const audit = readFileSync(join(env.AIRLOCK_HOME!, 'audit.jsonl'), 'utf8')
      for (const text of [...printed, audit]) expect(text).not.toContain(MARK)
    },
    TIMEOUT
  )
})

describe('job detail of a target that fails one item and throttles another', () => {
  const dir = tempDir('airlock-detail-')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('records each item outcome, its reason and its retries, and the run figures', async () => {
    const keychain = osLikeKeychain()
    const source = new InMemoryBackend({
      id: 'memory:source',
      entries: [
        variableEntry('fine', `${MARK}-fine`),
        variableEntry('bad', `${MARK}-bad`),
        variableEntry('flaky', `${MARK}-flaky`)
      ]
    })
    const inner = new InMemoryBackend({ id: 'memory:target', entries: [] })
    let flakyFailures = 2
    const target = storeLike(inner, {
      write: async (entries) => {
        const keys = entries.map((e) => (e.kind === 'variable' ? e.key : e.id))
        if (keys.includes('bad'))
          throw new AirlockError('codec.invalid', 'memory:target refuses the variable bad')
        if (keys.includes('flaky') && flakyFailures-- > 0)
          throw new AirlockError('backend.unreachable', 'memory:target did not answer')
        return inner.write(entries)
      }
    })
    const doc = await planBetween(source, target, keychain)
    const report = await applyPlan(doc, source, target, {
      dataDir: dir,
      keychain,
      batchSize: 1,
      backoffMs: 1
    })
    expect(report.applied).toBe(2)
    const d = jobDetail(dir, report.jobId)
    const byId = Object.fromEntries(d.items.map((i) => [i.targetId, i]))
    expect(byId.fine).toMatchObject({ outcome: 'applied', retries: 0, attempts: 1, code: null })
    expect(byId.flaky).toMatchObject({ outcome: 'applied', retries: 2, attempts: 1 })
    expect(byId.bad).toMatchObject({ outcome: 'failed', code: 'codec.invalid', retries: 0 })
    expect(byId.bad!.reason).toBe('memory:target refuses the variable bad')
    expect(d.counts).toMatchObject({ applied: 2, failed: 1 })
    expect(d.runs).toHaveLength(1)
    expect(d.runs[0]).toMatchObject({ applied: 2, failed: 1, retries: 2, ended: 'finished' })
    expect(d.totals.retries).toBe(2)
    expect(d.state).toBe('finished with failures')
    expect(JSON.stringify(d)).not.toContain(MARK)
  })
})
