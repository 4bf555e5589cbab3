/**
 * The app's rollback runs as a job, like apply and resume: `jobs:rollback` answers with the job's
 * id at once, its progress comes on `jobs:progress` (`run: 'rollback'`), `jobs:cancel` stops it —
 * into a secrets service at once (Vault's backend against the emulator, 2 s per answer) — with
 * no item failed by the cancel, and the rollback run again finishes what the cancel left.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobDto, JobProgressDto } from '../../src-main/contract/ipc'
import { dispatch } from '../../src-main/ipc/handle'
import {
  createHandlerContext,
  createHandlers,
  type HandlerTable
} from '../../src-main/ipc/handlers'
import { journalPath } from '../../src-main/jobs/job-store'
import { Journal } from '../../src-main/jobs/journal'
import { VaultBackend } from '../../src-main/backends/vault'
import type { VariableEntry } from '../../src-main/core/model'
import { startVaultEmulator, type VaultEmulator } from '../support/emulators/vault'
import { osLikeKeychain } from '../support/test-keychain'

const LATENCY_MS = 2000
const N = 40

describe('app: a rollback runs as a job', () => {
  let emu: VaultEmulator
  const dir = mkdtempSync(join(tmpdir(), 'airlock-app-rollback-'))
  const events: JobProgressDto[] = []
  let table: HandlerTable
  beforeAll(async () => {
    emu = await startVaultEmulator()
    table = createHandlers(
      createHandlerContext({
        mode: 'web',
        env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
        keychain: osLikeKeychain(),
        emit: (_event, payload) => void events.push(payload)
      })
    )
  })
  afterAll(async () => {
    await emu.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const call = async <T>(channel: string, ...args: unknown[]): Promise<T> => {
    const r = await dispatch(table, channel, args)
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`)
    return r.value as T
  }
  const ended = (jobId: string, run: JobProgressDto['run'], count = 1) =>
    expect
      .poll(
        () => events.filter((e) => e.jobId === jobId && e.run === run && e.state !== 'running'),
        { timeout: 40_000 }
      )
      .toHaveLength(count)
  const stateOf = async (jobId: string) =>
    (await call<JobDto[]>('jobs:list')).find((j) => j.jobId === jobId)!

  it('answers at once, shows progress, stops at a Cancel with nothing failed, and finishes when run again', async () => {
    // the job: N variables into Vault, a quarter of them there before (the rollback restores
    // those and removes the rest)
    for (let i = 0; i < N; i += 4) emu.put('secret', `variables/app_undo_${i}`, { value: 'old' })
    const source = join(dir, 'source.env')
    writeFileSync(
      source,
      Array.from({ length: N }, (_, i) => `AIRFLOW_VAR_APP_UNDO_${i}=value-${i}\n`).join('')
    )
    await call('profiles:add', {
      name: 'slow',
      profile: {
        kind: 'vault',
        url: emu.url,
        region: null,
        airflowVersion: null,
        credential: { method: 'token', params: {} },
        backendKwargs: {}
      },
      secrets: { token: emu.rootToken }
    })
    const plan = await call<{ planId: string }>('jobs:plan', {
      source: `envfile:${source}`,
      target: 'vault:slow',
      options: {}
    })
    const { jobId } = await call<{ jobId: string }>('jobs:apply', { planId: plan.planId })
    await expect
      .poll(() => events.find((e) => e.jobId === jobId && e.state !== 'running')?.state)
      .toBe('finished')
    expect((await stateOf(jobId)).state).toBe('finished')

    // every answer now takes 2 s: the comparison's reads, then the undo's writes
    const sent = emu.requests.length
    emu.setFaults({ latencyMs: LATENCY_MS })
    const asked = performance.now()
    expect(await call('jobs:rollback', { jobId })).toEqual({ jobId })
    // the answer does not wait for the rollback (the comparison alone takes seconds)
    expect(performance.now() - asked).toBeLessThan(LATENCY_MS)
    expect(await stateOf(jobId)).toMatchObject({ running: true })
    // a second rollback (or a resume) of a job rolling back is refused, naming it
    expect(await dispatch(table, 'jobs:rollback', [{ jobId }])).toMatchObject({
      ok: false,
      error: { code: 'job.conflict' }
    })
    // the undo's first writes reach the store: then Cancel
    const writing = () =>
      emu.requests
        .slice(sent)
        .some((r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'DELETE')
    await expect.poll(writing, { timeout: 30_000, interval: 5 }).toBe(true)
    await new Promise((r) => setTimeout(r, 300))
    const running = events.filter((e) => e.run === 'rollback' && e.state === 'running')
    expect(running.length).toBeGreaterThan(0)
    expect(running.at(-1)).toMatchObject({ jobId, total: N, failed: 0 })
    const cancelledAt = performance.now()
    expect(await call('jobs:cancel', { jobId })).toEqual({ cancelled: true })
    await ended(jobId, 'rollback')
    // at once: not the rest of the 2 s writes in flight
    const stopped = events.find((e) => e.run === 'rollback' && e.state !== 'running')!
    expect(performance.now() - cancelledAt).toBeLessThan(LATENCY_MS)
    expect(stopped).toMatchObject({
      jobId,
      state: 'cancelled',
      failed: 0,
      rollback: { failed: [], skipped: [], cancelled: true }
    })
    expect(stopped.done).toBeLessThan(N)
    const records = Journal.read(journalPath(join(dir, 'home'), jobId)).filter(
      (r) => r.t === 'rollback'
    )
    expect(records.filter((r) => (r as { action: string }).action === 'failed')).toEqual([])
    expect(records.length).toBeLessThan(N)
    // not "rolled back": the job says what is left, and offers the rollback again
    const partly = await stateOf(jobId)
    expect(partly.running).toBe(false)
    expect(partly.state).toMatch(/^(partly rolled back \(\d+ left\)|finished)$/)

    // the cut-short requests wait out their latency (some land), then the rollback runs again
    await new Promise((r) => setTimeout(r, LATENCY_MS + 300))
    emu.setFaults({ latencyMs: 0 })
    expect(await call('jobs:rollback', { jobId })).toEqual({ jobId })
    await ended(jobId, 'rollback', 2)
    const last = events.filter((e) => e.run === 'rollback' && e.state !== 'running').at(-1)!
    expect(last).toMatchObject({
      jobId,
      state: 'finished',
      done: N,
      total: N,
      failed: 0,
      rollback: { failed: [], skipped: [], cancelled: false }
    })
    expect(await stateOf(jobId)).toMatchObject({ state: 'rolled back', running: false })
    const held = await new VaultBackend({
      id: 'vault:check',
      backendKwargs: { url: emu.url, token: emu.rootToken }
    }).load({})
    const values = new Map(
      held.entries.map((e) => [(e as VariableEntry).key, (e as VariableEntry).value])
    )
    for (let i = 0; i < N; i++)
      expect(values.get(`app_undo_${i}`)).toBe(i % 4 === 0 ? 'old' : undefined)
  }, 90_000)
})
