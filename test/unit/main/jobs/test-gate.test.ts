// The browser tests' job gate (jobs/test-gate.ts, adr/0002): with both variables set, a run
// holds before its next batch while the gate file names the batches it has started, a cancel
// ends the hold, and removing the file lets the run finish; either variable alone does nothing.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import type { Entry } from '../../../../src-main/core/model'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { InMemoryBackend } from '../../../../src-main/backends/in-memory'
import { variableEntry } from '../../../../src-main/core/model'
import type { JobProgress } from '../../../../src-main/jobs/run-job'
import { osLikeKeychain } from '../../../support/test-keychain'
import { AdaptivePacer } from '../../../../src-main/backends/pacer'
import { planBetween, storeLike } from '../../../support/jobs'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-test-gate-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(() => {
  vi.unstubAllEnvs()
  vi.resetModules()
})
let n = 0

/** 1,000 items: a .env job of two batches of 500. */
const ITEMS: Entry[] = Array.from({ length: 1000 }, (_, i) => variableEntry(`v_${i}`, `x${i}`))

/** The job runner as loaded with `env` (the gate is read once, when the module loads). */
async function runnerWith(env: Record<string, string>) {
  vi.resetModules()
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
  return import('../../../../src-main/jobs/run-job')
}

async function setUp() {
  const keychain = osLikeKeychain()
  const path = join(dir, `t${n}.env`)
  const gate = join(dir, `gate${n}`)
  const dataDir = join(dir, `home${n++}`)
  const source = new InMemoryBackend({ id: 'memory:source', entries: ITEMS })
  const target = new EnvFileBackend({ path })
  const doc = await planBetween(source, target, keychain)
  return { keychain, path, gate, dataDir, source, target, doc }
}

const written = (path: string) =>
  existsSync(path) ? (readFileSync(path, 'utf8').match(/^AIRFLOW_VAR_/gm) ?? []).length : 0

describe('the test job gate', () => {
  it('holds a run after the batches the file names; a cancel ends the hold, resume after release finishes', async () => {
    const s = await setUp()
    const { applyPlan, resumeJob } = await runnerWith({
      AIRLOCK_TEST_HARNESS: '1',
      AIRLOCK_TEST_JOB_GATE: s.gate
    })
    writeFileSync(s.gate, '1')
    const controller = new AbortController()
    const seen: JobProgress[] = []
    let held!: () => void
    const firstBatch = new Promise<void>((resolve) => (held = resolve))
    const run = applyPlan(s.doc, s.source, s.target, {
      dataDir: s.dataDir,
      keychain: s.keychain,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p)
        if (p.done === 500) held()
      }
    })
    await firstBatch
    // held: several polls of the gate later, still one batch written
    await new Promise((r) => setTimeout(r, 200))
    expect(seen.at(-1)!.done).toBe(500)
    expect(written(s.path)).toBe(500)
    controller.abort()
    const report = await run
    expect(report.applied).toBe(500)
    expect(written(s.path)).toBe(500)
    rmSync(s.gate)
    const resumed = await resumeJob(report.jobId, s.target, {
      dataDir: s.dataDir,
      keychain: s.keychain
    })
    expect(resumed.applied).toBe(1000)
    expect(written(s.path)).toBe(1000)
  }, 60_000)

  it('does nothing without AIRLOCK_TEST_HARNESS=1', async () => {
    const s = await setUp()
    // (unset here even where the runner of this test runs under a harness)
    const { applyPlan } = await runnerWith({
      AIRLOCK_TEST_HARNESS: '',
      AIRLOCK_TEST_JOB_GATE: s.gate
    })
    writeFileSync(s.gate, '0')
    const report = await applyPlan(s.doc, s.source, s.target, {
      dataDir: s.dataDir,
      keychain: s.keychain
    })
    expect(report.applied).toBe(1000)
    expect(written(s.path)).toBe(1000)
  }, 60_000)

  it('lets n batches through, not one per lane, when batches run side by side (a paced target)', async () => {
    const gate = join(dir, `gate${n++}`)
    const { applyPlan } = await runnerWith({
      AIRLOCK_TEST_HARNESS: '1',
      AIRLOCK_TEST_JOB_GATE: gate
    })
    writeFileSync(gate, '1')
    const keychain = osLikeKeychain()
    const items = ITEMS.slice(0, 100)
    const source = new InMemoryBackend({ id: 'memory:source', entries: items })
    // a paced store runs four batches at a time
    const pacer = new AdaptivePacer({ maxConcurrency: 4 })
    const target = storeLike(new InMemoryBackend({ id: 'ssm:target' }), { kind: 'aws-ssm', pacer })
    const doc = await planBetween(source, target, keychain)
    const controller = new AbortController()
    const seen: JobProgress[] = []
    const run = applyPlan(doc, source, target, {
      dataDir: join(dir, `home${n++}`),
      keychain,
      batchSize: 10,
      signal: controller.signal,
      onProgress: (p) => seen.push(p)
    })
    await new Promise((r) => setTimeout(r, 300))
    const held = seen.at(-1)?.done
    controller.abort()
    const report = await run
    expect(held).toBe(10)
    expect(report.applied).toBe(10)
  }, 60_000)
})
