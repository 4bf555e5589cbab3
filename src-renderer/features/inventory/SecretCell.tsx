import { useEffect, useRef, useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { ErrorNote } from '../../components/ErrorNote'
import { useAppStore } from '../../store'

/** How long a revealed value stays on screen. */
export const REVEAL_MS = 5000

/**
 * A masked field with a Reveal button: the value is fetched on request, kept in this
 * component's state only, and hidden again after REVEAL_MS (or when the row leaves view).
 */
export function SecretCell(props: {
  locator: string
  kind: 'connection' | 'variable'
  id: string
  field: 'password' | 'extra' | 'value'
  masked: string
  /** Shown before the value (when a row has several secret fields). */
  label?: string
}) {
  const bridge = useAppStore((s) => s.bridge)
  const [revealed, setRevealed] = useState<string | null | undefined>(undefined)
  const [failed, setFailed] = useState<ErrorDto | undefined>(undefined)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(timer.current), [])
  const reveal = async () => {
    const r = await bridge.invoke('entries:reveal', {
      locator: props.locator,
      kind: props.kind,
      id: props.id,
      field: props.field
    })
    if (!r.ok) return setFailed(r.error)
    setFailed(undefined)
    setRevealed(r.value.value)
    clearTimeout(timer.current)
    timer.current = setTimeout(() => setRevealed(undefined), REVEAL_MS)
  }
  const hide = () => {
    clearTimeout(timer.current)
    setRevealed(undefined)
  }
  return (
    <span className="secret" data-testid={`secret-${props.field}`}>
      {props.label && <span className="muted small label">{props.label}</span>}
      {revealed === undefined ? (
        <>
          <code className="masked" data-testid="masked" title={props.masked}>
            {props.masked}
          </code>
          <button
            type="button"
            className="link"
            data-testid="reveal"
            aria-label={`Reveal ${props.field} of ${props.id}`}
            onClick={() => void reveal()}
          >
            reveal
          </button>
          <ErrorNote error={failed} testId="reveal-error" inline />
        </>
      ) : (
        <>
          <code className="revealed" data-testid="revealed" title="hidden again in a few seconds">
            {revealed ?? '(none)'}
          </code>
          <button type="button" className="link" onClick={hide}>
            hide
          </button>
        </>
      )}
    </span>
  )
}
