import type { StateCreator } from 'zustand'
import type { AppState } from '../index'

/** How a notification reads: done as asked, for information, or done with a caveat. */
export type ToastTone = 'success' | 'info' | 'warning'

/** A notification that clears itself: what was done ("Copied…", "Rolled back…"), never an error. */
export interface Toast {
  id: number
  message: string
  tone: ToastTone
  /** How long it stays, in ms, unless the pointer or focus holds it. */
  timeoutMs: number
}

/** How long a toast stays by default; a warning stays longer, to be read. */
export const TOAST_MS = 6_000
export const WARNING_TOAST_MS = 12_000
/** The most toasts shown at once; a new one pushes out the oldest. */
export const MAX_TOASTS = 4

/** Notifications that clear themselves; errors stay where they happened (ErrorNote). */
export interface ToastsSlice {
  toasts: Toast[]
  /** Shows a notification; returns its id. */
  notify: (message: string, options?: { tone?: ToastTone; timeoutMs?: number }) => number
  dismissToast: (id: number) => void
  /** Holds every toast while the pointer or focus is on them (WCAG 2.2.1: timing adjustable). */
  pauseToasts: () => void
  /** Lets them clear again, each with the time it had left when held. */
  resumeToasts: () => void
}

export const createToastsSlice: StateCreator<AppState, [], [], ToastsSlice> = (set, get) => {
  let nextId = 1
  let paused = false
  /** Per toast: its running timer (none while paused), when that started and the time left. */
  const clocks = new Map<
    number,
    { timer: ReturnType<typeof setTimeout> | undefined; startedAt: number; leftMs: number }
  >()
  const start = (id: number) => {
    const clock = clocks.get(id)
    if (!clock) return
    clock.startedAt = Date.now()
    clock.timer = setTimeout(() => get().dismissToast(id), clock.leftMs)
  }
  return {
    toasts: [],
    notify: (message, options = {}) => {
      const tone = options.tone ?? 'success'
      const timeoutMs = options.timeoutMs ?? (tone === 'warning' ? WARNING_TOAST_MS : TOAST_MS)
      const id = nextId++
      const kept = get().toasts.slice(-(MAX_TOASTS - 1))
      for (const gone of get().toasts.filter((t) => !kept.includes(t))) {
        clearTimeout(clocks.get(gone.id)?.timer)
        clocks.delete(gone.id)
      }
      set({ toasts: [...kept, { id, message, tone, timeoutMs }] })
      clocks.set(id, { timer: undefined, startedAt: Date.now(), leftMs: timeoutMs })
      if (!paused) start(id)
      return id
    },
    dismissToast: (id) => {
      clearTimeout(clocks.get(id)?.timer)
      clocks.delete(id)
      set({ toasts: get().toasts.filter((t) => t.id !== id) })
    },
    pauseToasts: () => {
      if (paused) return
      paused = true
      const now = Date.now()
      for (const clock of clocks.values()) {
        clearTimeout(clock.timer)
        clock.timer = undefined
        clock.leftMs = Math.max(0, clock.leftMs - (now - clock.startedAt))
      }
    },
    resumeToasts: () => {
      if (!paused) return
      paused = false
      // a toast held to its last moment gets a second to be let go of
      for (const [id, clock] of clocks) {
        clock.leftMs = Math.max(clock.leftMs, 1_000)
        start(id)
      }
    }
  }
}
