// The web-mode bridge notices a server that has stopped (#18: the page says "Airlock has
// stopped" instead of failing requests), and does not for a server that answers.
import { describe, expect, it, vi } from 'vitest'
import { createWebBridge } from '../../../src-renderer/bridge'

const refused = () => Promise.reject(new TypeError('Failed to fetch'))
const answering = () =>
  Promise.resolve(new Response(JSON.stringify({ ok: true, value: [] }), { status: 200 }))

describe('web bridge', () => {
  it('calls onStopped once when a request finds no server', async () => {
    const onStopped = vi.fn()
    const bridge = createWebBridge('t', refused as typeof fetch, onStopped)
    const first = await bridge.invoke('profiles:list')
    await bridge.invoke('profiles:list')
    expect(first.ok).toBe(false)
    expect(onStopped).toHaveBeenCalledTimes(1)
  })

  it('calls onStopped when the event stream cannot connect', async () => {
    const onStopped = vi.fn()
    const bridge = createWebBridge('t', refused as typeof fetch, onStopped)
    bridge.on('jobs:progress', () => undefined)
    await vi.waitFor(() => expect(onStopped).toHaveBeenCalledTimes(1))
  })

  it('does not call onStopped while the server answers', async () => {
    const onStopped = vi.fn()
    const bridge = createWebBridge('t', answering as typeof fetch, onStopped)
    const answer = await bridge.invoke('profiles:list')
    expect(answer).toEqual({ ok: true, value: [] })
    expect(onStopped).not.toHaveBeenCalled()
  })
})
