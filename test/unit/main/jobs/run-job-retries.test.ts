import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { InMemoryBackend } from '../../../../src-main/backends/in-memory'
import { AdaptivePacer } from '../../../../src-main/backends/pacer'
import { AirlockError } from '../../../../src-main/core/errors'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import { applyPlan, batchAttempts } from '../../../../src-main/jobs/run-job'
import { osLikeKeychain } from '../../../support/test-keychain'
import { planBetween, storeLike } from '../../../support/jobs'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-retries-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const dataDir = () => join(dir, `job${n++}`)

const entries: Entry[] = [
  connectionEntry('conn_a', { conn_type: 'postgres', host: 'a', password: 'pw-a' }),
  variableEntry('var_b', 'b')
]
const unreachable = () => new AirlockError('backend.unreachable', 'The store did not answer.')

describe('job retry budget', () => {
  it('retries a batch against a store without retries of its own, up to ctx.retries', async () => {
    const keychain = osLikeKeychain()
    const source = new InMemoryBackend({ id: 'memory:source', entries })
    let sends = 0
    const target = storeLike(new InMemoryBackend({ id: 'memory:target' }), {
      write: async () => {
        sends++
        throw unreachable()
      }
    })
    const doc = await planBetween(source, target, keychain)
    const report = await applyPlan(doc, source, target, {
      dataDir: dataDir(),
      keychain,
      retries: 4,
      backoffMs: 1
    })
    expect(sends).toBe(4)
    expect(batchAttempts(target, 4)).toBe(4)
    expect(report.failed.map((f) => f.code)).toEqual(['backend.unreachable', 'backend.unreachable'])
  })

  it('bounds a permanently throttled batch by the store’s own budget, not a product of layers', async () => {
    const keychain = osLikeKeychain()
    const source = new InMemoryBackend({ id: 'memory:source', entries })
    // The store's own layer: a pacer that sends a throttled request 1 + 3 times.
    const pacer = new AdaptivePacer({
      maxConcurrency: 4,
      maxThrottleRetries: 3,
      clock: { now: () => performance.now(), sleep: async () => undefined }
    })
    let sends = 0
    const target = storeLike(new InMemoryBackend({ id: 'ssm:target' }), {
      kind: 'aws-ssm',
      pacer,
      write: async () => {
        try {
          await pacer.run(
            async () => {
              sends++
              throw new Error('ThrottlingException')
            },
            () => ({ kind: 'throttled' })
          )
        } catch {
          throw unreachable()
        }
      }
    })
    const doc = await planBetween(source, target, keychain)
    const report = await applyPlan(doc, source, target, {
      dataDir: dataDir(),
      keychain,
      batchSize: 2,
      backoffMs: 1
    })
    // One batch of two items: one write request, sent 4 times in all: the pacer's budget, the job adds none (not 4 × 5).
    expect(batchAttempts(target)).toBe(1)
    expect(sends).toBe(4)
    expect(report.applied).toBe(0)
    expect(report.failed).toHaveLength(2)
  })

  it('stops retrying the moment the job is cancelled', async () => {
    const keychain = osLikeKeychain()
    const source = new InMemoryBackend({ id: 'memory:source', entries })
    const controller = new AbortController()
    let sends = 0
    const target = storeLike(new InMemoryBackend({ id: 'memory:target' }), {
      write: async () => {
        sends++
        // cancelled while the batch fails: the job is about to wait a minute before retrying
        setTimeout(() => controller.abort(), 20)
        throw unreachable()
      }
    })
    const doc = await planBetween(source, target, keychain)
    const started = Date.now()
    const report = await applyPlan(doc, source, target, {
      dataDir: dataDir(),
      keychain,
      signal: controller.signal,
      retries: 5,
      backoffMs: 60_000
    })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(sends).toBe(1)
    expect(report.failed.map((f) => f.code)).toEqual(['backend.unreachable', 'backend.unreachable'])
  })

  it('makes no attempt after a cancel that came before the failure', async () => {
    const keychain = osLikeKeychain()
    const source = new InMemoryBackend({ id: 'memory:source', entries })
    const controller = new AbortController()
    let sends = 0
    const target = storeLike(new InMemoryBackend({ id: 'memory:target' }), {
      write: async () => {
        sends++
        controller.abort()
        throw unreachable()
      }
    })
    const doc = await planBetween(source, target, keychain)
    await applyPlan(doc, source, target, {
      dataDir: dataDir(),
      keychain,
      signal: controller.signal,
      backoffMs: 60_000
    })
    expect(sends).toBe(1)
  })
})
