import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ErrorDto } from '../../../src-main/contract/errors'
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
    const errors: (ErrorDto | undefined)[] = []
    const store = createAppStore(bridge)
    render(
      <StoreContext.Provider value={store}>
        <CopyButton
          locator="demo:"
          kind="connection"
          id="pg"
          format="json"
          dialect="airflow2"
          onError={(e) => errors.push(e)}
        />
      </StoreContext.Provider>
    )
    await act(async () => {
      fireEvent.click(screen.getByTestId('copy'))
    })
    await vi.waitFor(() => expect(clipboard).toBe('json:airflow2:pg'))
    // said in a toast, not as an error
    expect(store.getState().toasts.map((t) => t.message)).toEqual([
      'Copied pg as JSON (airflow2); the clipboard is cleared in 30 s.'
    ])
    expect(errors.filter(Boolean)).toEqual([])
    await act(async () => {
      await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_MS + 10)
    })
    expect(clipboard).toBe('')
  })

  it('says so when the store refuses', async () => {
    const bridge = fakeBridge({
      'entries:copy': () => ({ ok: false, error: { code: 'backend.not-found', message: 'gone' } })
    })
    const errors: (ErrorDto | undefined)[] = []
    const store = createAppStore(bridge)
    render(
      <StoreContext.Provider value={store}>
        <CopyButton
          locator="demo:"
          kind="connection"
          id="pg"
          format="uri"
          dialect="airflow3"
          onError={(e) => errors.push(e)}
        />
      </StoreContext.Provider>
    )
    await act(async () => {
      fireEvent.click(screen.getByTestId('copy'))
    })
    // an error, whole (code and all), for ErrorNote; never a toast
    await vi.waitFor(() =>
      expect(errors.at(-1)).toEqual({ code: 'backend.not-found', message: 'gone' })
    )
    expect(store.getState().toasts).toEqual([])
    expect(clipboard).toBe('before')
  })
})
