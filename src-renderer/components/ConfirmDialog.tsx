import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'

/**
 * Asks before a destructive action, naming what will happen ("delete 12 connections from
 * vault:prod"). A modal alertdialog: focus moves into it and stays there (Tab wraps), Escape
 * cancels, focus goes back where it was. For a protected target (`typeName`) the confirm button
 * enables only once that name is typed exactly. The main process checks the name again: this
 * dialog is a question, not the gate.
 */
export function ConfirmDialog(props: {
  title: string
  /** What will happen, in words (counts and the target; never a value). */
  sentence: string
  confirmLabel: string
  /** The protected profile's name, to be typed before confirming; null/undefined: none. */
  typeName?: string | null
  /** Called with the typed name (when one was asked for). */
  onConfirm: (typed: string | undefined) => void
  onCancel: () => void
}) {
  const titleId = useId()
  const textId = useId()
  const dialog = useRef<HTMLDivElement>(null)
  const first = useRef<HTMLInputElement | HTMLButtonElement | null>(null)
  const [typed, setTyped] = useState('')
  const needsName = Boolean(props.typeName)
  const ready = !needsName || typed === props.typeName
  const confirm = () => props.onConfirm(needsName ? typed : undefined)

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null
    first.current?.focus()
    return () => before?.focus?.()
  }, [])

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      props.onCancel()
      return
    }
    if (e.key !== 'Tab' || !dialog.current) return
    const focusable = [
      ...dialog.current.querySelectorAll<HTMLElement>('input, button:not([disabled])')
    ]
    if (!focusable.length) return
    const firstEl = focusable[0]!
    const lastEl = focusable[focusable.length - 1]!
    if (e.shiftKey && document.activeElement === firstEl) {
      e.preventDefault()
      lastEl.focus()
    } else if (!e.shiftKey && document.activeElement === lastEl) {
      e.preventDefault()
      firstEl.focus()
    }
  }

  return (
    <div className="modal-backdrop" data-testid="confirm-backdrop">
      <div
        ref={dialog}
        className="modal card"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={textId}
        data-testid="confirm-dialog"
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{props.title}</h2>
        <p id={textId} data-testid="confirm-sentence">
          This will {props.sentence}.
        </p>
        {/* no <form>: the dialog may open inside another form (the profile form) */}
        <div>
          {needsName && (
            <label className="field">
              <span>
                <strong>{props.typeName}</strong> is a protected profile. Type its name to continue:
              </span>
              <input
                ref={(el) => {
                  first.current = el
                }}
                data-testid="confirm-name"
                autoComplete="off"
                spellCheck={false}
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key !== 'Enter') return
                  e.preventDefault()
                  if (ready) confirm()
                }}
              />
            </label>
          )}
          <div className="toolbar modal-actions">
            <button
              type="button"
              data-testid="confirm-cancel"
              ref={(el) => {
                if (!needsName) first.current = el
              }}
              onClick={props.onCancel}
            >
              Cancel
            </button>
            <button
              type="button"
              className="danger"
              data-testid="confirm-ok"
              disabled={!ready}
              onClick={confirm}
            >
              {props.confirmLabel}
            </button>
          </div>
        </div>
      </div>
    </div>
  )
}
