// Cancelling a backend call at a known moment: once its request has reached the emulator.

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
