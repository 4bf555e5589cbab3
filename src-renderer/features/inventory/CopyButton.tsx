import { useEffect, useRef, useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { useAppStore } from '../../store'

/** How long a copied value stays on the clipboard. */
export const CLIPBOARD_CLEAR_MS = 30_000

/**
 * Copies one entry as a URI or connection JSON in a dialect; clears the clipboard later. Says
 * so in a toast; a failure goes to `onError` (cleared on the next try), to show beside the table.
 */
export function CopyButton(props: {
  locator: string
  kind: 'connection' | 'variable'
  id: string
  format: 'uri' | 'json'
  dialect: 'airflow2' | 'airflow3' | 'task-sdk'
  onError: (error: ErrorDto | undefined) => void
  /** The button's text (default `copy`) and test id (default `copy`). */
  label?: string
  testId?: string
}) {
  const bridge = useAppStore((s) => s.bridge)
  const notify = useAppStore((s) => s.notify)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  useEffect(() => () => clearTimeout(timer.current), [])
  const copy = async () => {
    setBusy(true)
    props.onError(undefined)
    const r = await bridge.invoke('entries:copy', {
      locator: props.locator,
      kind: props.kind,
      id: props.id,
      format: props.format,
      dialect: props.dialect
    })
    setBusy(false)
    if (!r.ok) return props.onError(r.error)
    try {
      await navigator.clipboard.writeText(r.value.text)
    } catch {
      return props.onError({
        code: 'usage',
        message: 'The clipboard is not available here; nothing was copied.'
      })
    }
    notify(
      `Copied ${props.id} as ${props.format.toUpperCase()} (${props.dialect}); the clipboard is cleared in ${CLIPBOARD_CLEAR_MS / 1000} s.`
    )
    clearTimeout(timer.current)
    timer.current = setTimeout(
      () => void navigator.clipboard.writeText('').catch(() => undefined),
      CLIPBOARD_CLEAR_MS
    )
  }
  return (
    <button
      type="button"
      className="link"
      data-testid={props.testId ?? 'copy'}
      disabled={busy}
      onClick={() => void copy()}
    >
      {props.label ?? 'copy'}
    </button>
  )
}
