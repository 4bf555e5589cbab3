import { setImmediate as tick } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { collectLikeAJob, reclaimMemory } from '../../../../src-main/platform/runtime'

/** A WeakRef to an object nothing else holds, made in a job of its own (then it may be collected). */
async function dropped(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: 'x'.repeat(1000) })
  await tick()
  return ref
}

describe('reclaimMemory', () => {
  it('collects fully in a process that collects like a job, without exposing gc to it', async () => {
    // not a job: nothing is collected (the app never pays for a full collection)
    const before = await dropped()
    reclaimMemory()
    expect(before.deref()).toBeDefined()
    collectLikeAJob()
    const after = await dropped()
    reclaimMemory()
    expect(after.deref()).toBeUndefined()
    // V8's gc was taken from a context of its own: this one did not get it
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined()
  })
})
