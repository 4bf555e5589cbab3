// Cancelling a backend call at a known moment: once its request has reached the emulator.
import { getEventListeners } from 'node:events'
import { expect } from 'vitest'
import type { Backend } from '../../src-main/backends/backend'
import { variableEntry } from '../../src-main/core/model'

/** What a call settled to (its rejection, or undefined) and when (performance.now()). */
export interface Settled {
  error: unknown
  at: number
}

/** `promise` settled, never rejecting: its error (undefined when it resolved) and when. */
export function settle(promise: Promise<unknown>): Promise<Settled> {
  return promise.then(
    () => ({ error: undefined, at: performance.now() }),
    (error: unknown) => ({ error, at: performance.now() })
  )
}

/**
 * Aborts `controller` once `ready()` holds (polled every 5 ms; e.g. the emulator has the
 * request), `afterMs` later; resolves to when it aborted. Fails after `timeoutMs` unready.
 */
export async function abortWhen(
  controller: AbortController,
  ready: () => boolean,
  { afterMs = 20, timeoutMs = 5000 } = {}
): Promise<number> {
  const until = performance.now() + timeoutMs
  while (!ready()) {
    if (performance.now() > until) throw new Error('the request never reached the emulator')
    await new Promise((r) => setTimeout(r, 5))
  }
  await new Promise((r) => setTimeout(r, afterMs))
  controller.abort()
  return performance.now()
}

/**
 * Each of a backend's calls on variable "slow" (write, read, remove, list), aborted once its
 * request has reached the emulator (`arrivals()` grew; the emulator's latency holds it there),
 * rejects at once with an AbortError (with `sameReason`, the signal's own reason), sends nothing
 * after it (no retry) and leaves no listener on the signal.
 */
export async function expectEachCallEndsOnAbort(
  b: Backend,
  arrivals: () => number,
  { sameReason = false } = {}
): Promise<void> {
  for (const call of [
    (signal: AbortSignal) => b.write([variableEntry('slow', 'aborted')], signal),
    (signal: AbortSignal) => b.read({ kind: 'variable', id: 'slow' }, signal),
    (signal: AbortSignal) => b.remove([{ kind: 'variable', id: 'slow' }], signal),
    (signal: AbortSignal) => b.list({}, signal)
  ]) {
    const aborting = new AbortController()
    const sent = arrivals()
    const calling = settle(call(aborting.signal))
    const abortedAt = await abortWhen(aborting, () => arrivals() > sent)
    const { error, at } = await calling
    if (sameReason) expect(error).toBe(aborting.signal.reason)
    expect((error as Error).name).toBe('AbortError')
    expect(at - abortedAt).toBeLessThan(500) // not the rest of the emulator's latency
    await new Promise((r) => setTimeout(r, 50))
    expect(arrivals()).toBe(sent + 1) // the one request; no retry after it
    expect(getEventListeners(aborting.signal, 'abort')).toHaveLength(0)
  }
}

/** Many requests through one signal (a write and a load of 60 entries) leave no listener on it. */
export async function expectNoAbortListenerLeft(b: Backend): Promise<void> {
  const signal = new AbortController().signal
  const entries = Array.from({ length: 60 }, (_, i) => variableEntry(`v${i}`, String(i)))
  await b.write(entries, signal)
  expect((await b.load({}, signal)).entries).toHaveLength(60)
  expect(getEventListeners(signal, 'abort')).toHaveLength(0)
}
