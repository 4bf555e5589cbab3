import { useEffect, useRef, type ReactNode } from 'react'

/**
 * The list + detail layout of Precedence, Inventory and the plan review (after Lens and
 * Podman Desktop): the list (a VirtualTable) on the left, the open row's detail beside it on
 * the right. Escape anywhere inside closes the detail; when it closes, focus goes back to the
 * list's grid, whose active row is the one that was open (a closed pane leaves no focus behind).
 */
export function ListDetail(props: {
  /** The list: a VirtualTable (its grid takes the focus back). */
  list: ReactNode
  /** The detail of the open row, or nothing when none is open. */
  detail: ReactNode
  onClose: () => void
  /** More classes, e.g. a screen's own layout (`prec-body`, `plan-review`). */
  className?: string
  testId?: string
}) {
  const ref = useRef<HTMLDivElement>(null)
  const open = Boolean(props.detail)
  const wasOpen = useRef(open)
  useEffect(() => {
    const closed = wasOpen.current && !open
    wasOpen.current = open
    if (!closed) return
    const el = ref.current
    const focused = document.activeElement
    // only when the focus was in the pane (now gone) or inside this layout: never steal it
    // from a field elsewhere
    if (el && (!focused || focused === document.body || el.contains(focused)))
      el.querySelector<HTMLElement>('[role="grid"]')?.focus()
  }, [open])
  return (
    <div
      ref={ref}
      data-testid={props.testId}
      className={`list-detail${props.className ? ` ${props.className}` : ''}${open ? ' with-detail' : ''}`}
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !open || e.defaultPrevented) return
        e.preventDefault()
        props.onClose()
        ref.current?.querySelector<HTMLElement>('[role="grid"]')?.focus()
      }}
    >
      {props.list}
      {props.detail}
    </div>
  )
}

/** The head of a detail pane: the entry's kind above its id, and the close button. */
export function DetailHead(props: {
  className: string
  kind: string
  id: string
  closeTestId: string
  onClose: () => void
}) {
  return (
    <header className={props.className}>
      <div>
        <span className="muted small">{props.kind}</span>
        <h3 className="id">{props.id}</h3>
      </div>
      <button
        type="button"
        className="link"
        data-testid={props.closeTestId}
        aria-label="Close the details"
        onClick={props.onClose}
      >
        ✕ close
      </button>
    </header>
  )
}
