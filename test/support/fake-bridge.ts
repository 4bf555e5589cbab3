/**
 * A bridge for renderer tests: answers each channel from a table of functions the test
 * gives (anything not given answers an `internal` error), records every call, and lets the
 * test push events.
 */
import type {
  AirlockBridge,
  EventMap,
  InvokeChannel,
  InvokeMap,
  IpcResult
} from '../../src-main/contract/ipc'

type Answers = {
  [C in InvokeChannel]?: (
    ...args: Parameters<InvokeMap[C]>
  ) => IpcResult<ReturnType<InvokeMap[C]>> | Promise<IpcResult<ReturnType<InvokeMap[C]>>>
}

export interface FakeBridge extends AirlockBridge {
  calls: { channel: InvokeChannel; args: unknown[] }[]
  push<E extends keyof EventMap>(event: E, payload: EventMap[E]): void
}

export function fakeBridge(answers: Answers): FakeBridge {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const calls: FakeBridge['calls'] = []
  return {
    calls,
    invoke: (async (channel: InvokeChannel, ...args: unknown[]) => {
      calls.push({ channel, args })
      const answer = answers[channel] as ((...a: unknown[]) => unknown) | undefined
      if (!answer)
        return { ok: false, error: { code: 'internal', message: `no answer for ${channel}` } }
      return answer(...args)
    }) as AirlockBridge['invoke'],
    on: (event, listener) => {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      set.add(listener as (p: unknown) => void)
      return () => void set.delete(listener as (p: unknown) => void)
    },
    push: (event, payload) => {
      for (const l of listeners.get(event) ?? []) l(payload)
    }
  }
}
