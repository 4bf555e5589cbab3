/**
 * Cancelling a job ends the batch in flight, not only the next one: the job's signal reaches
 * the store's requests (Vault's backend against the emulator, 3 s per answer), so a Cancel
 * into a slow service returns at once. The items of the batches it cut short may or may not
 * have reached the store: they stay begun without an outcome (none failed), as after a crash,
 * and resume writes them again and reads them back.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InMemoryBackend } from '../../src-main/backends/in-memory'
import { VaultBackend } from '../../src-main/backends/vault'
import { variableEntry, type Entry, type VariableEntry } from '../../src-main/core/model'
import { readAudit } from '../../src-main/jobs/audit'
import { journalPath, jobSummary } from '../../src-main/jobs/job-store'
import { Journal } from '../../src-main/jobs/journal'
import { applyPlan, resumeJob, rollbackJob } from '../../src-main/jobs/run-job'
import { abortWhen, settle } from '../support/abort'
import { startVaultEmulator, type VaultEmulator } from '../support/emulators/vault'
import { planBetween } from '../support/jobs'
import { osLikeKeychain } from '../support/test-keychain'

const LATENCY_MS = 3000
const N = 40

describe('job: cancel', () => {
  let emu: VaultEmulator
  const dir = mkdtempSync(join(tmpdir(), 'airlock-job-cancel-'))
  beforeAll(async () => {
    emu = await startVaultEmulator()
  })
  afterAll(async () => {
    await emu.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const vault = () =>
    new VaultBackend({
      id: 'vault:cancel',
      backendKwargs: { url: emu.url, token: emu.rootToken }
    })

  /** A job that applied N variables `<prefix>_var_i` into Vault, to roll back. */
  const appliedJob = async (prefix: string) => {
    const data: Entry[] = Array.from({ length: N }, (_, i) =>
      variableEntry(`${prefix}_var_${i}`, `value-${i}`)
    )
    const source = new InMemoryBackend({ id: `memory:${prefix}`, entries: data })
    const keychain = osLikeKeychain()
    const dataDir = join(dir, `${prefix}-data`)
    const doc = await planBetween(source, vault(), keychain)
    const applied = await applyPlan(doc, source, vault(), { dataDir, keychain })
    expect(applied.failed).toEqual([])
    return { keychain, dataDir, jobId: applied.jobId }
  }

  it('a cancel ends the batches in flight at once, leaves their items begun without an outcome, and resume completes them', async () => {
    const data: Entry[] = Array.from({ length: N }, (_, i) =>
      variableEntry(`cancel_var_${i}`, `value-${i}`)
    )
    // a quarter of them already there with older values: the job updates those
    for (let i = 0; i < N; i += 4) emu.put('secret', `variables/cancel_var_${i}`, { value: 'old' })
    const source = new InMemoryBackend({ id: 'memory:cancel', entries: data })
    const keychain = osLikeKeychain()
    const dataDir = join(dir, 'data')
    const target = vault()
    const doc = await planBetween(source, target, keychain)
    const controller = new AbortController()
    let slowed = false
    const ctx = {
      dataDir,
      keychain,
      signal: controller.signal,
      batchSize: 5,
      // the stores read, the job under way: from its first batch every answer takes 3 s
      onProgress: () => {
        if (!slowed) emu.setFaults({ latencyMs: LATENCY_MS })
        slowed = true
      }
    }
    const applying = settle(applyPlan(doc, source, target, ctx))
    const abortedAt = await abortWhen(controller, () => slowed && emu.inFlight.now > 0, {
      afterMs: 300
    })
    const { error, at } = await applying
    expect(error).toBeUndefined()
    // not the rest of the 3 s write, nor the 3 s read-back after it
    expect(at - abortedAt).toBeLessThan(1000)

    // the apply's report and journal: nothing failed, nothing done, the batches begun
    const jobs = readAudit(dataDir).filter((r) => r.action === 'apply')
    expect(jobs).toHaveLength(1)
    const jobId = String(jobs[0]!.job)
    expect(jobs[0]).toMatchObject({ applied: 0, failed: 0 })
    const records = Journal.read(journalPath(dataDir, jobId))
    const begun = records.filter((r) => r.t === 'begin')
    // 4 batches in flight at once (the pipeline), 5 items each
    expect(begun.length).toBe(20)
    expect(records.filter((r) => r.t === 'failed')).toEqual([])
    expect(records.filter((r) => r.t === 'done')).toEqual([])
    expect(records.filter((r) => r.t === 'end')).toEqual([])
    expect(records.filter((r) => r.t === 'stats')).toHaveLength(1)
    expect(records.at(-1)).toMatchObject({ t: 'stats', cancelled: true })
    const summary = jobSummary(dataDir, jobId)
    expect(summary).toMatchObject({ state: 'interrupted (resume it)', done: 0, failed: 0 })

    // the writes the cancel cut short wait out their latency in the emulator (some land, as
    // a request already sent may): then resume, as the CLI and the app do, on the store opened
    // anew
    await new Promise((r) => setTimeout(r, LATENCY_MS + 300))
    emu.setFaults({ latencyMs: 0 })
    const report = await resumeJob(jobId, vault(), { dataDir, keychain })
    expect(report.failed).toEqual([])
    expect(report.applied).toBe(N)
    const after = Journal.read(journalPath(dataDir, jobId))
    const done = after.filter((r) => r.t === 'done')
    expect(new Set(done.map((r) => (r as { idx: number }).idx)).size).toBe(N)
    expect(done.every((r) => (r as { verified: boolean }).verified)).toBe(true)
    expect(after.filter((r) => r.t === 'failed')).toEqual([])
    expect(after.at(-1)).toMatchObject({ t: 'end', counts: { applied: N, failed: 0 } })
    expect(jobSummary(dataDir, jobId)).toMatchObject({ state: 'finished', done: N, failed: 0 })
    const resumed = readAudit(dataDir).filter((r) => r.action === 'resume')
    expect(resumed).toHaveLength(1)
    expect(resumed[0]).toMatchObject({ job: jobId, applied: N, failed: 0 })

    // the target holds every value of the source
    const held = await vault().load({})
    expect(held.problems).toEqual([])
    const values = new Map(
      held.entries.map((e) => [(e as VariableEntry).key, (e as VariableEntry).value])
    )
    for (let i = 0; i < N; i++) expect(values.get(`cancel_var_${i}`)).toBe(`value-${i}`)
  }, 60_000)

  // The batch: a_big, b_0…b_6. Written whole (a_big refused), then in halves: [a_big, b_0,
  // b_1, b_2] (refused), [a_big, b_0] (refused), [a_big] (failed), [b_0], [b_1, b_2], then
  // [b_3…b_6]. Cancelled in the first half's write (b_2's second write), nothing is settled;
  // cancelled in the second half's (b_6's second), a_big has failed with its own reason.
  for (const { at: cutAt, settled } of [
    { at: 'b_2', settled: [] as string[] },
    { at: 'b_6', settled: ['a_big'] }
  ])
    it(`a cancel while a failed batch is halved (at ${cutAt}'s second write) keeps what the halving settled and leaves the rest begun, not failed with the bad item’s reason`, async () => {
      // Vault refuses a request over 2,000 bytes (413, codec.invalid: an item's own failure),
      // so the batch is written again in halves to find the item
      const small = await startVaultEmulator({ maxRequestBytes: 2000 })
      try {
        const data: Entry[] = [
          variableEntry('a_big', 'x'.repeat(3000)),
          ...Array.from({ length: 7 }, (_, i) => variableEntry(`b_${i}`, `value-${i}`))
        ]
        const source = new InMemoryBackend({ id: 'memory:halves', entries: data })
        const keychain = osLikeKeychain()
        const dataDir = join(dir, `halves-${cutAt}`)
        const store = () =>
          new VaultBackend({
            id: 'vault:halves',
            backendKwargs: { url: small.url, token: small.rootToken }
          })
        const target = store()
        const doc = await planBetween(source, target, keychain)
        const controller = new AbortController()
        const writesOf = (id: string) =>
          small.requests.filter(
            (r) => r.path === `secret/data/variables/${id}` && r.method !== 'GET'
          ).length
        const applying = settle(
          applyPlan(doc, source, target, {
            dataDir,
            keychain,
            signal: controller.signal,
            batchSize: 8,
            onProgress: () => small.setFaults({ latencyMs: 500 })
          })
        )
        // the whole batch once (a_big refused), then its first half again: cancelled there
        const abortedAt = await abortWhen(controller, () => writesOf(cutAt) >= 2, {
          afterMs: 100
        })
        const { error, at } = await applying
        expect(error).toBeUndefined()
        expect(at - abortedAt).toBeLessThan(1000)
        const jobId = String(readAudit(dataDir).find((r) => r.action === 'apply')!.job)
        const records = Journal.read(journalPath(dataDir, jobId))
        expect(records.filter((r) => r.t === 'begin')).toHaveLength(8)
        // only what the halving settled before the cancel failed, with its own reason (none
        // with a_big's); the items written are not verified yet: no outcome either
        const failed = records.flatMap((r) => (r.t === 'failed' ? [r] : []))
        expect(failed.map((r) => doc.items[r.idx]!.targetId)).toEqual(settled)
        for (const r of failed) expect(r.code).toBe('codec.invalid')
        expect(records.filter((r) => r.t === 'done')).toEqual([])
        expect(jobSummary(dataDir, jobId)).toMatchObject({ state: 'interrupted (resume it)' })

        await new Promise((r) => setTimeout(r, 700)) // the cut-short requests' latency
        small.setFaults({ latencyMs: 0 })
        const report = await resumeJob(jobId, store(), { dataDir, keychain })
        expect(report.applied).toBe(7)
        expect(report.failed).toEqual([
          expect.objectContaining({ id: 'a_big', code: 'codec.invalid' })
        ])
        const held = await store().load({})
        const values = new Map(
          held.entries.map((e) => [(e as VariableEntry).key, (e as VariableEntry).value])
        )
        for (let i = 0; i < 7; i++) expect(values.get(`b_${i}`)).toBe(`value-${i}`)
        expect(values.has('a_big')).toBe(false)
      } finally {
        await small.close()
      }
    }, 60_000)

  it('a cancel ends a rollback in flight at once, records nothing for what it cut short, and the rollback run again finishes it', async () => {
    // a quarter there before the job (the rollback restores them), the rest made by it
    for (let i = 0; i < N; i += 4) emu.put('secret', `variables/undo_var_${i}`, { value: 'old' })
    const { keychain, dataDir, jobId } = await appliedJob('undo')

    const controller = new AbortController()
    const sent = emu.requests.length
    emu.setFaults({ latencyMs: LATENCY_MS })
    const rolling = settle(
      rollbackJob(jobId, vault(), { dataDir, keychain, signal: controller.signal, batchSize: 5 })
    )
    // the target read and compared (3 s a request), then the undo's first writes in flight
    const abortedAt = await abortWhen(
      controller,
      () =>
        emu.requests
          .slice(sent)
          .some((r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'DELETE'),
      { afterMs: 300, timeoutMs: 30_000 }
    )
    const { error, at } = await rolling
    expect(error).toBeUndefined()
    expect(at - abortedAt).toBeLessThan(1000) // not the rest of the 3 s writes
    const first = readAudit(dataDir).filter((r) => r.action === 'rollback')
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({ job: jobId, failed: 0, stopped: 'cancelled' })
    const undoRecords = Journal.read(journalPath(dataDir, jobId)).filter((r) => r.t === 'rollback')
    expect(undoRecords.filter((r) => (r as { action: string }).action === 'failed')).toEqual([])
    expect(undoRecords.length).toBeLessThan(N)

    // the cut-short requests wait out their latency (some land), then the rollback runs again
    await new Promise((r) => setTimeout(r, LATENCY_MS + 300))
    emu.setFaults({ latencyMs: 0 })
    const again = await rollbackJob(jobId, vault(), { dataDir, keychain })
    expect(again.cancelled).toBeUndefined()
    expect(again.failed).toEqual([])
    expect(again.skipped).toEqual([])
    const records = Journal.read(journalPath(dataDir, jobId)).filter((r) => r.t === 'rollback')
    const actions = new Map(
      records.map((r) => [(r as { idx: number }).idx, (r as { action: string }).action])
    )
    expect(actions.size).toBe(N)
    expect([...actions.values()].every((a) => a === 'restored' || a === 'removed')).toBe(true)
    const held = await vault().load({})
    const values = new Map(
      held.entries.map((e) => [(e as VariableEntry).key, (e as VariableEntry).value])
    )
    for (let i = 0; i < N; i++)
      expect(values.get(`undo_var_${i}`)).toBe(i % 4 === 0 ? 'old' : undefined)
  }, 60_000)

  it('a cancel while a rollback reads the target to compare ends the read at once, writes and records nothing, and says how many items are left', async () => {
    const { keychain, dataDir, jobId } = await appliedJob('cmp')

    const controller = new AbortController()
    const sent = emu.requests.length
    emu.setFaults({ latencyMs: LATENCY_MS })
    const rolling = rollbackJob(jobId, vault(), { dataDir, keychain, signal: controller.signal })
    // the comparison's first read of the target in flight (3 s an answer): then cancel
    const abortedAt = await abortWhen(controller, () => emu.requests.length > sent, {
      afterMs: 100
    })
    const out = await rolling
    expect(performance.now() - abortedAt).toBeLessThan(1000)
    expect(out).toMatchObject({ restored: 0, removed: 0, failed: [], skipped: [], cancelled: true })
    expect(out.notes).toEqual([
      `stopped by a cancel: ${N} items not rolled back yet; run the rollback again to finish it`
    ])
    const records = Journal.read(journalPath(dataDir, jobId))
    expect(records.filter((r) => r.t === 'rollback')).toEqual([])
    expect(
      emu.requests.slice(sent).filter((r) => r.method !== 'GET' && r.method !== 'LIST')
    ).toEqual([])
    expect(readAudit(dataDir).filter((r) => r.action === 'rollback')).toEqual([
      expect.objectContaining({ job: jobId, restored: 0, removed: 0, stopped: 'cancelled' })
    ])

    await new Promise((r) => setTimeout(r, LATENCY_MS + 300))
    emu.setFaults({ latencyMs: 0 })
    const again = await rollbackJob(jobId, vault(), { dataDir, keychain })
    expect(again).toMatchObject({ removed: N, failed: [], skipped: [] })
    expect(again.cancelled).toBeUndefined()
  }, 60_000)
})
