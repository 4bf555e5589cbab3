import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { CLIPBOARD_CLEAR_MS, CopyButton } from '../../../src-renderer/features/inventory/CopyButton'
import { fakeBridge } from '../../support/fake-bridge'

describe('copy button', () => {
  let clipboard: string
  beforeEach(() => {
    clipboard = 'before'
    // The system clipboard is outside the page: a stand-in that keeps the text.
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: {
        writeText: async (t: string) => void (clipboard = t),
        readText: async () => clipboard
      }
    })
    vi.useFakeTimers({ shouldAdvanceTime: true })
  })
  afterEach(() => {
    cleanup()
    vi.useRealTimers()
  })

  it('copies the entry in the chosen format and dialect, then clears the clipboard', async () => {
    const bridge = fakeBridge({
      'entries:copy': (r) => ({ ok: true, value: { text: `${r.format}:${r.dialect}:${r.id}` } })
    })
    const messages: string[] = []
    render(
      <StoreContext.Provider value={createAppStore(bridge)}>
        <CopyButton
          locator="demo:"
          kind="connection"
          id="pg"
          format="json"
          dialect="airflow2"
          onMessage={(m) => messages.push(m)}
        />
      </StoreContext.Provider>
    )
    await act(async () => {
      fireEvent.click(screen.getByTestId('copy'))
    })
    await vi.waitFor(() => expect(clipboard).toBe('json:airflow2:pg'))
    expect(messages.at(-1)).toMatch(/cleared in 30 s/)
    await act(async () => {
      await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_MS + 10)
    })
    expect(clipboard).toBe('')
  })

  it('says so when the store refuses', async () => {
    const bridge = fakeBridge({
      'entries:copy': () => ({ ok: false, error: { code: 'backend.not-found', message: 'gone' } })
    })
    const messages: string[] = []
    render(
      <StoreContext.Provider value={createAppStore(bridge)}>
        <CopyButton
          locator="demo:"
          kind="connection"
          id="pg"
          format="uri"
          dialect="airflow3"
          onMessage={(m) => messages.push(m)}
        />
      </StoreContext.Provider>
    )
    await act(async () => {
      fireEvent.click(screen.getByTestId('copy'))
    })
    await vi.waitFor(() => expect(messages).toEqual(['gone']))
    expect(clipboard).toBe('before')
  })
})
