/**
 * The only reader of `window.airlock` (STYLE §1). In the desktop app the preload exposes it;
 * under `airlock serve` the same AirlockBridge is implemented over the loopback API. The
 * address `airlock serve` printed carries a one-time launch code in its fragment (`#code=…`,
 * never sent with a page request); the page trades it once for the per-run token, keeps that in
 * this tab's session storage and removes the code from the address bar and history.
 */
import type { AirlockBridge, EventMap, InvokeChannel, IpcResult } from '../src-main/contract/ipc'

declare global {
  interface Window {
    airlock?: AirlockBridge
  }
}

const TOKEN_KEY = 'airlock-token'
const TOKEN_HEADER = 'x-airlock-token'

/** The launch code from `#code=…`, removed from the address bar (and so from history). */
export function takeLaunchCode(location: Location, history: History): string | null {
  const match = /(?:^#|&)code=([A-Za-z0-9_-]+)/.exec(location.hash)
  if (!match) return null
  history.replaceState(null, '', location.pathname + location.search)
  return match[1]!
}

/**
 * The token of this tab: a launch code in the address is traded for it (once: the server
 * forgets the code), else the one this tab saved. Throws with what to do when neither works.
 */
export async function sessionToken(
  location: Location,
  storage: Storage,
  history: History,
  fetchImpl: typeof fetch = fetch
): Promise<string> {
  const code = takeLaunchCode(location, history)
  if (code) {
    const res = await fetchImpl('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code })
    })
    const answer = (await res.json()) as IpcResult<{ token: string }>
    if (!answer.ok) {
      // a used link in a tab that has a session already: keep using that session
      const saved = storage.getItem(TOKEN_KEY)
      if (saved) return saved
      throw new Error(answer.error.message)
    }
    storage.setItem(TOKEN_KEY, answer.value.token)
    return answer.value.token
  }
  const saved = storage.getItem(TOKEN_KEY)
  if (saved) return saved
  throw new Error(
    'No session: open a link `airlock serve` printed (press Enter in its terminal for a new one).'
  )
}

/** Parses server-sent event frames out of a growing text buffer; returns what is left over. */
export function parseEventFrames(
  buffer: string,
  deliver: (event: string, data: string) => void
): string {
  let rest = buffer
  let end: number
  while ((end = rest.indexOf('\n\n')) >= 0) {
    const frame = rest.slice(0, end)
    rest = rest.slice(end + 2)
    let event = 'message'
    const data: string[] = []
    for (const line of frame.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7)
      else if (line.startsWith('data: ')) data.push(line.slice(6))
    }
    if (data.length) deliver(event, data.join('\n'))
  }
  return rest
}

/**
 * The AirlockBridge over the loopback API of `airlock serve`. `onStopped` is called once when
 * the server no longer answers at all (a request or the event stream fails to connect): it was
 * stopped, and a new one has another token, so the page says so instead of failing requests.
 */
export function createWebBridge(
  token: string,
  fetchImpl: typeof fetch = fetch,
  onStopped?: () => void
): AirlockBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let streaming = false
  let stopped = false
  const serverGone = () => {
    if (stopped) return
    stopped = true
    streaming = false
    onStopped?.()
  }

  const stream = async () => {
    streaming = true
    while (streaming) {
      let res: Response
      try {
        res = await fetchImpl('/api/events', { headers: { [TOKEN_HEADER]: token } })
      } catch {
        // nothing listens on the port any more: the server has stopped
        serverGone()
        break
      }
      try {
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`)
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer = parseEventFrames(buffer + value, (event, data) => {
            for (const l of listeners.get(event) ?? []) l(JSON.parse(data))
          })
        }
      } catch {
        // the server restarted or stopped: try again shortly
      }
      await new Promise((r) => setTimeout(r, 1000))
    }
  }

  return {
    invoke: async <C extends InvokeChannel>(channel: C, ...args: unknown[]) => {
      try {
        const res = await fetchImpl(`/api/invoke/${channel}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
          body: JSON.stringify(args)
        })
        return (await res.json()) as IpcResult<never>
      } catch {
        serverGone()
        return {
          ok: false,
          error: {
            code: 'backend.unreachable',
            message: 'Airlock is not answering: is `airlock serve` still running?'
          }
        }
      }
    },
    on: <E extends keyof EventMap>(event: E, listener: (payload: EventMap[E]) => void) => {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      const l = listener as (payload: unknown) => void
      set.add(l)
      if (!streaming && !stopped) void stream()
      return () => void set.delete(l)
    }
  } as AirlockBridge
}

/** The bridge of this page: the preload's in the desktop app, the loopback one in web mode. */
export async function connectBridge(onStopped?: () => void): Promise<AirlockBridge> {
  if (window.airlock) return window.airlock
  const token = await sessionToken(window.location, window.sessionStorage, window.history)
  return createWebBridge(token, fetch, onStopped)
}
