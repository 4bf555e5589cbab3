import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, describe, expect, it } from 'vitest'
import { InMemoryBackend } from '../../../../src-main/backends/in-memory'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import type { PlanDocument } from '../../../../src-main/core/plan'
import { jobDir, readJob } from '../../../../src-main/jobs/job-store'
import { applyPlan, PlanHandover, rollbackJob } from '../../../../src-main/jobs/run-job'
import { osLikeKeychain } from '../../../support/test-keychain'
import { planBetween, storeLike } from '../../../support/jobs'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-handover-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const dataDir = () => join(dir, `job${n++}`)

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const entries = (count: number): Entry[] =>
  Array.from({ length: count }, (_, i) =>
    i % 3
      ? connectionEntry(`conn_${i}`, { conn_type: 'http', host: `h${i}`, password: `pw-${i}` })
      : variableEntry(`var_${i}`, `v${i}`)
  )

describe('a plan handed over to applyPlan', () => {
  it('is let go once the job is written, before its batches run', async () => {
    const keychain = osLikeKeychain()
    const source = new InMemoryBackend({ id: 'memory:source', entries: entries(30) })
    const inner = new InMemoryBackend({ id: 'memory:target' })
    const heldAtWrite: boolean[] = []
    const target = storeLike(inner, {
      write: async (batch) => {
        // what every write of the job sees: the plan document is garbage by then
        await new Promise((resolve) => setImmediate(resolve))
        gc()
        heldAtWrite.push(plan.deref() !== undefined)
        return inner.write(batch)
      }
    })
    const handover = new PlanHandover(await planBetween(source, target, keychain))
    const plan: WeakRef<PlanDocument> = new WeakRef(handover.plan!)
    const planId = handover.plan!.planId
    const report = await applyPlan(handover, source, target, {
      dataDir: dataDir(),
      keychain,
      batchSize: 10
    })
    expect(handover.plan).toBeUndefined()
    expect(report.applied).toBe(30)
    expect(report.failed).toEqual([])
    expect(heldAtWrite).toEqual([false, false, false])
    expect(planId).toMatch(/^test-/)
  })

  it("holds no batch's values but its own when the store is rewritten whole", async () => {
    const keychain = osLikeKeychain()
    const source = new InMemoryBackend({ id: 'memory:source', entries: entries(30) })
    const inner = new InMemoryBackend({ id: 'memory:target' })
    // the pre-flight sees every value to write: the objects the job made of the source
    let made: WeakRef<Entry>[] = []
    const heldAtWrite: number[] = []
    const target = storeLike(inner, {
      kind: 'env-file',
      preflight: async (values) => {
        made = values.map((e) => new WeakRef(e))
        return []
      },
      write: async (batch) => {
        await new Promise((resolve) => setImmediate(resolve))
        gc()
        heldAtWrite.push(made.filter((r) => r.deref() !== undefined).length)
        return inner.write(batch)
      }
    })
    const handover = new PlanHandover(await planBetween(source, target, keychain))
    const report = await applyPlan(handover, source, target, {
      dataDir: dataDir(),
      keychain,
      batchSize: 10
    })
    expect(report.applied).toBe(30)
    expect(report.failed).toEqual([])
    // each batch's values are read from the sealed snapshot: none of the 30 is held by then
    // (they were all held through the first batch, 20 through the second, 10 through the last)
    expect(heldAtWrite).toEqual([0, 0, 0])
    expect(made).toHaveLength(30)
    expect((await inner.load({})).entries).toHaveLength(30)
  })

  it('writes the same job files, audit and report as a plan given as is', async () => {
    const keychain = osLikeKeychain()
    const items = entries(2500)
    const runs = []
    for (const handed of [false, true]) {
      const source = new InMemoryBackend({ id: 'memory:source', entries: items })
      // the target holds a third of them with other values, and one id the source lacks
      const target = new InMemoryBackend({
        id: 'memory:target',
        entries: [
          ...items
            .filter((_, i) => i % 3 === 1)
            .map((e) =>
              e.kind === 'variable'
                ? { ...e, value: 'old' }
                : { ...e, fields: { ...e.fields, host: 'old' } }
            ),
          variableEntry('extra_only_in_target', 'x')
        ]
      })
      const doc = await planBetween(source, target, keychain, {
        onConflict: 'overwrite',
        deleteExtraneous: true
      })
      const data = dataDir()
      const report = await applyPlan(handed ? new PlanHandover(doc) : doc, source, target, {
        dataDir: data,
        keychain
      })
      const files = await readJob(data, keychain, report.jobId)
      const meta = readFileSync(join(jobDir(data, report.jobId), 'meta.json'), 'utf8')
      runs.push({ doc, data, report, files, meta, target })
    }
    const [given, handed] = runs
    expect(handed!.report.applied).toBe(given!.report.applied)
    expect(handed!.report.applied).toBe(2501)
    expect(handed!.files.intended).toEqual(given!.files.intended)
    expect(handed!.files.previous).toEqual(given!.files.previous)
    // meta.json is JSON.stringify of the meta, its items those of the plan
    for (const run of runs) {
      expect(run.meta).toBe(JSON.stringify(run.files.meta))
      expect(run.files.meta.items).toEqual(run.doc.items)
    }
    // rollback reads what the handed-over job wrote
    const back = await rollbackJob(handed!.report.jobId, handed!.target, {
      dataDir: handed!.data,
      keychain
    })
    expect(back.failed).toEqual([])
    expect(back.restored + back.removed).toBe(2501)
  })

  it('is told from a document by its class, not its shape: a document with a `plan` key is a document', async () => {
    const keychain = osLikeKeychain()
    const source = new InMemoryBackend({ id: 'memory:source', entries: entries(3) })
    const target = new InMemoryBackend({ id: 'memory:target' })
    const doc = await planBetween(source, target, keychain)
    // a key added after signing: the signature covers it, so the plan is refused as edited
    const edited = { ...doc, plan: null } as unknown as PlanDocument
    await expect(
      applyPlan(edited, source, target, { dataDir: dataDir(), keychain })
    ).rejects.toMatchObject({ code: 'plan.unverified' })
    expect((await target.load({})).entries).toEqual([])
  })
})
