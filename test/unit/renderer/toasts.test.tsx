// Toasts: notifications that clear themselves, hold while pointed at or focused, and close on
// request; errors show in ErrorNote, message first and the code behind a disclosure.
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import {
  MAX_TOASTS,
  TOAST_MS,
  WARNING_TOAST_MS
} from '../../../src-renderer/store/slices/toasts-slice'
import { Toasts } from '../../../src-renderer/components/Toasts'
import { ErrorNote } from '../../../src-renderer/components/ErrorNote'
import { fakeBridge } from '../../support/fake-bridge'

function store() {
  return createAppStore(fakeBridge({}))
}
const messages = (s: ReturnType<typeof store>) => s.getState().toasts.map((t) => t.message)

describe('toasts slice', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('clears a toast after its time, and not before', () => {
    const s = store()
    s.getState().notify('Copied pg.')
    vi.advanceTimersByTime(TOAST_MS - 1)
    expect(messages(s)).toEqual(['Copied pg.'])
    vi.advanceTimersByTime(1)
    expect(messages(s)).toEqual([])
  })

  it('keeps a warning longer', () => {
    const s = store()
    s.getState().notify('Rolled back j1: 1 restored, failed: pg.', { tone: 'warning' })
    vi.advanceTimersByTime(TOAST_MS)
    expect(messages(s)).toHaveLength(1)
    vi.advanceTimersByTime(WARNING_TOAST_MS - TOAST_MS)
    expect(messages(s)).toEqual([])
  })

  it('holds every toast while paused and gives each the time it had left', () => {
    const s = store()
    s.getState().notify('first')
    vi.advanceTimersByTime(TOAST_MS - 2_000)
    s.getState().pauseToasts()
    vi.advanceTimersByTime(60_000)
    expect(messages(s)).toEqual(['first'])
    s.getState().resumeToasts()
    vi.advanceTimersByTime(1_999)
    expect(messages(s)).toEqual(['first'])
    vi.advanceTimersByTime(1)
    expect(messages(s)).toEqual([])
  })

  it('a toast added while paused waits for the resume', () => {
    const s = store()
    s.getState().pauseToasts()
    s.getState().notify('while held')
    vi.advanceTimersByTime(TOAST_MS * 3)
    expect(messages(s)).toEqual(['while held'])
    s.getState().resumeToasts()
    vi.advanceTimersByTime(TOAST_MS)
    expect(messages(s)).toEqual([])
  })

  it('closes on request, and its timer then does nothing', () => {
    const s = store()
    const a = s.getState().notify('a')
    s.getState().notify('b')
    s.getState().dismissToast(a)
    expect(messages(s)).toEqual(['b'])
    vi.advanceTimersByTime(TOAST_MS)
    expect(messages(s)).toEqual([])
  })

  it(`shows at most ${MAX_TOASTS}, dropping the oldest`, () => {
    const s = store()
    for (let i = 1; i <= MAX_TOASTS + 2; i++) s.getState().notify(`n${i}`)
    expect(messages(s)).toEqual(['n3', 'n4', 'n5', 'n6'])
  })
})

describe('Toasts region', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => {
    cleanup()
    vi.useRealTimers()
  })

  it('is a polite live region that holds on hover and focus, with a close button', () => {
    const s = store()
    render(
      <StoreContext.Provider value={s}>
        <Toasts />
      </StoreContext.Provider>
    )
    const region = screen.getByRole('region', { name: 'Notifications' })
    expect(region.getAttribute('aria-live')).toBe('polite')
    act(() => void s.getState().notify('Saved the plan.'))
    expect(within(region).getByTestId('toast').textContent).toContain('Saved the plan.')
    fireEvent.mouseEnter(region)
    act(() => void vi.advanceTimersByTime(TOAST_MS * 2))
    expect(screen.queryByTestId('toast')).not.toBeNull()
    fireEvent.mouseLeave(region)
    act(() => void vi.advanceTimersByTime(TOAST_MS))
    expect(screen.queryByTestId('toast')).toBeNull()
    // keyboard: focus on the close button holds it; the button closes it
    act(() => void s.getState().notify('Removed the profile x.'))
    const close = screen.getByRole('button', { name: 'Dismiss notification' })
    act(() => close.focus())
    act(() => void vi.advanceTimersByTime(TOAST_MS * 2))
    expect(screen.queryByTestId('toast')).not.toBeNull()
    fireEvent.click(close)
    expect(screen.queryByTestId('toast')).toBeNull()
  })
})

describe('ErrorNote', () => {
  afterEach(cleanup)

  it('shows the message first and the code and details behind a disclosure', () => {
    render(
      <ErrorNote
        error={{
          code: 'backend.not-found',
          message: '"/x/missing.env" does not exist.',
          details: 'system error ENOENT (open)'
        }}
      />
    )
    const note = screen.getByRole('alert')
    expect(note.firstElementChild?.textContent).toBe('"/x/missing.env" does not exist.')
    const details = note.querySelector('details')!
    expect(details.open).toBe(false)
    expect(details.querySelector('summary')?.textContent).toBe('Details')
    expect(within(details).getByTestId('error-code').textContent).toBe('backend.not-found')
    expect(details.textContent).toContain('system error ENOENT (open)')
    // the code is not part of the message line (no "(backend.not-found)" after it)
    expect(note.firstElementChild?.textContent).not.toContain('backend.not-found')
  })

  it('shows nothing without an error', () => {
    const { container } = render(<ErrorNote error={undefined} />)
    expect(container.innerHTML).toBe('')
  })
})
