// A job against a whole-file store (.env): one rewrite of the file per job, not one per batch;
// one bad item in that batch fails alone, found in halves rather than item by item.
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Entry } from '../../../../src-main/core/model'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { InMemoryBackend } from '../../../../src-main/backends/in-memory'
import { AirlockError } from '../../../../src-main/core/errors'
import { connectionEntry, variableEntry } from '../../../../src-main/core/model'
import {
  applyPlan,
  reclaimBefore,
  reclaimsBeforeBatches,
  rollbackJob
} from '../../../../src-main/jobs/run-job'
import { collectLikeAJob } from '../../../../src-main/platform/runtime'
import { osLikeKeychain } from '../../../support/test-keychain'
import { planBetween, storeLike } from '../../../support/jobs'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-whole-file-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const items = (count: number): Entry[] =>
  Array.from({ length: count }, (_, i) =>
    i % 2
      ? variableEntry(`var_${i}`, `value ${i}`)
      : connectionEntry(`conn_${i}`, { conn_type: 'postgres', host: `h${i}`, password: `pw-${i}` })
  )

/** A `.env` target holding one variable, whose writes are counted (`writes()`). */
async function countedEnvTarget() {
  const keychain = osLikeKeychain()
  const path = join(dir, `t${n++}.env`)
  const file = new EnvFileBackend({ path })
  await file.write([variableEntry('kept', 'before')])
  const original = readFileSync(path)
  let count = 0
  const target = storeLike(file, {
    write: async (entries) => {
      count++
      return file.write(entries)
    }
  })
  return { keychain, path, file, original, target, writes: () => count }
}

describe('jobs against a whole-file store', () => {
  it('rewrites a .env once for a job of 300 items (the default cut of a database: 12 batches), reads every item back, and rolls back byte for byte', async () => {
    const { keychain, path, file, original, target, writes } = await countedEnvTarget()
    const source = new InMemoryBackend({ id: 'memory:source', entries: items(300) })
    const doc = await planBetween(source, target, keychain)
    const dataDir = join(dir, `home${n}`)
    const report = await applyPlan(doc, source, target, { dataDir, keychain })
    expect(report.failed).toEqual([])
    expect(report.applied).toBe(300)
    expect(writes()).toBe(1)
    const text = readFileSync(path, 'utf8')
    expect(text).toMatch(/^AIRFLOW_VAR_KEPT=before$/m)
    expect(text).toMatch(/^AIRFLOW_VAR_VAR_299='value 299'$/m)
    expect((await file.load({})).entries).toHaveLength(301)
    const back = await rollbackJob(report.jobId, file, { dataDir, keychain })
    expect(back.failed).toEqual([])
    expect(readFileSync(path).equals(original)).toBe(true)
  }, 60_000)

  it('fails only the item the store refuses, with its own reason, in a few writes', async () => {
    const keychain = osLikeKeychain()
    const path = join(dir, `t${n++}.env`)
    const file = new EnvFileBackend({ path })
    let writes = 0
    const target = storeLike(file, {
      write: async (entries) => {
        writes++
        if (entries.some((e) => e.kind === 'variable' && e.key === 'var_77'))
          throw new AirlockError('codec.invalid', 'var_77 cannot be written')
        return file.write(entries)
      }
    })
    const source = new InMemoryBackend({ id: 'memory:source', entries: items(200) })
    const doc = await planBetween(source, target, keychain)
    const report = await applyPlan(doc, source, target, {
      dataDir: join(dir, `home${n}`),
      keychain
    })
    expect(report.failed).toEqual([
      { id: 'var_77', code: 'codec.invalid', message: 'var_77 cannot be written' }
    ])
    expect(report.applied).toBe(199)
    // the whole batch, then halves: about 2·log2(200) writes, not 200
    expect(writes).toBeLessThanOrEqual(2 + 2 * Math.ceil(Math.log2(200)))
    const held = (await file.load({})).entries
    expect(held).toHaveLength(199)
    expect(held.some((e) => e.kind === 'variable' && e.key === 'var_77')).toBe(false)
  }, 60_000)

  it('fails every item not yet written with a store-wide reason met while halving', async () => {
    const keychain = osLikeKeychain()
    const path = join(dir, `t${n++}.env`)
    const file = new EnvFileBackend({ path })
    let writes = 0
    const target = storeLike(file, {
      write: async () => {
        writes++
        if (writes === 1) throw new AirlockError('codec.invalid', 'one item is bad')
        throw new AirlockError('backend.access-denied', 'read-only file system')
      }
    })
    const source = new InMemoryBackend({ id: 'memory:source', entries: items(100) })
    const doc = await planBetween(source, target, keychain)
    const report = await applyPlan(doc, source, target, {
      dataDir: join(dir, `home${n}`),
      keychain,
      retries: 1
    })
    expect(report.applied).toBe(0)
    expect(report.failed).toHaveLength(100)
    expect(new Set(report.failed.map((f) => f.code))).toEqual(new Set(['backend.access-denied']))
    expect(writes).toBe(2)
  }, 60_000)

  it('reclaims memory once, halfway through a large job on a whole-file store only', () => {
    const env = { kind: 'env-file' } as const
    expect(reclaimBefore(100_000, 25_000, env)).toBe(2)
    expect(reclaimBefore(75_000, 25_000, env)).toBe(1)
    expect(reclaimBefore(10_000, 5_000, env)).toBe(1)
    expect(reclaimBefore(5_000, 5_000, env)).toBe(-1)
    expect(reclaimBefore(9_999, 2_500, env)).toBe(-1)
    expect(reclaimBefore(100_000, 25_000, { kind: 'airflow-export' })).toBe(2)
    expect(reclaimBefore(100_000, 2_000, { kind: 'metastore' })).toBe(-1)
    // and before the batches, when their values are read from the snapshot: the same jobs
    expect(reclaimsBeforeBatches(100_000, env)).toBe(true)
    expect(reclaimsBeforeBatches(20_000, env)).toBe(true)
    expect(reclaimsBeforeBatches(19_999, env)).toBe(false)
    expect(reclaimsBeforeBatches(100_000, { kind: 'airflow-export' })).toBe(true)
    expect(reclaimsBeforeBatches(100_000, { kind: 'metastore' })).toBe(false)
  })

  it('writes, reads back and rolls back a large job the same where it reclaims memory', async () => {
    // as the CLI's apply runs it: the collection between batches runs
    collectLikeAJob()
    const { keychain, path, file, original, target, writes } = await countedEnvTarget()
    const source = new InMemoryBackend({ id: 'memory:source', entries: items(20_000) })
    const doc = await planBetween(source, target, keychain)
    const dataDir = join(dir, `home${n}`)
    const report = await applyPlan(doc, source, target, { dataDir, keychain })
    expect(report.failed).toEqual([])
    expect(report.applied).toBe(20_000)
    expect(writes()).toBe(4)
    const written = await file.load({})
    expect(written.entries).toHaveLength(20_001)
    expect(written.entries).toContainEqual(
      expect.objectContaining({ kind: 'variable', key: 'var_19999', value: 'value 19999' })
    )
    const back = await rollbackJob(report.jobId, file, { dataDir, keychain })
    expect(back.failed).toEqual([])
    expect(readFileSync(path).equals(original)).toBe(true)
  }, 120_000)
})
