import {
  useEffect,
  useId,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type RefObject
} from 'react'

/**
 * One tab stop per grid, shared by VirtualTable and the plain tables with buttons in their
 * rows (Jobs, Profiles): the controls inside rows are kept out of the tab order, F2 (or Enter
 * where a row opens nothing) moves into the active row's controls, Left/Right move between
 * them and Escape goes back to the grid.
 */

/** What can take focus inside a row. */
export const ROW_FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]'

/**
 * Keeps every control inside `rowSelector` rows of the element out of the tab order, also
 * those a cell adds later by itself (a revealed value's Hide button, a running job's Cancel).
 */
export function useRowControlsOutOfTabOrder(
  ref: RefObject<HTMLElement | null>,
  rowSelector: string
): void {
  useEffect(() => {
    const root = ref.current
    if (!root) return
    const selector = ROW_FOCUSABLE.split(', ')
      .map((s) => `${rowSelector} ${s}`)
      .join(', ')
    const untab = () => {
      for (const el of root.querySelectorAll<HTMLElement>(selector))
        if (el.getAttribute('tabindex') !== '-1') el.setAttribute('tabindex', '-1')
    }
    untab()
    const observer = new MutationObserver(untab)
    observer.observe(root, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ['tabindex']
    })
    return () => observer.disconnect()
  }, [ref, rowSelector])
}

/** The enabled controls of a row, in order. */
export function rowControls(row: Element | null): HTMLElement[] {
  return row
    ? [...row.querySelectorAll<HTMLElement>(ROW_FOCUSABLE)].filter((c) => !c.matches(':disabled'))
    : []
}

/**
 * A key typed on a control inside a row: Escape goes back to the grid, Left/Right move between
 * the row's controls (not inside a text field). Other keys stay the control's.
 */
export function rowControlKey(e: KeyboardEvent<HTMLElement>, row: Element | null): void {
  const target = e.target as HTMLElement
  const controls = rowControls(row)
  const at = controls.indexOf(target)
  const typing = target.matches('input:not([type=checkbox]):not([type=radio]), textarea, select')
  if (e.key === 'Escape') {
    e.preventDefault()
    e.stopPropagation()
    e.currentTarget.focus()
  } else if (!typing && at >= 0 && (e.key === 'ArrowRight' || e.key === 'ArrowLeft')) {
    e.preventDefault()
    const step = e.key === 'ArrowRight' ? 1 : controls.length - 1
    controls[(at + step) % controls.length]?.focus()
  }
}

/**
 * A plain `<table>` as a one-tab-stop ARIA grid: spread `grid` on the table and `row(key)` on
 * each body row. Up/Down/Home/End move the active row, Enter calls `onActivate` (or enters the
 * row without it), F2 enters the row. The active row is held by its key.
 */
export function useRowGrid(props: {
  keys: readonly string[]
  label: string
  onActivate?: (key: string) => void
}) {
  const id = useId()
  const ref = useRef<HTMLTableElement>(null)
  const [active, setActive] = useState<string | undefined>(undefined)
  useRowControlsOutOfTabOrder(ref, 'tbody tr')
  const current = active !== undefined && props.keys.includes(active) ? active : undefined
  const rowId = (key: string) => `${id}-row-${props.keys.indexOf(key)}`
  const rowEl = (key: string | undefined) =>
    key === undefined ? null : document.getElementById(rowId(key))
  const enterRow = () => rowControls(rowEl(current))[0]?.focus()
  const onKeyDown = (e: KeyboardEvent<HTMLTableElement>) => {
    if (e.target !== e.currentTarget) return rowControlKey(e, rowEl(current))
    const at = current === undefined ? -1 : props.keys.indexOf(current)
    const move = (i: number) =>
      props.keys.length && setActive(props.keys[Math.max(0, Math.min(props.keys.length - 1, i))])
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(at + 1),
      ArrowUp: () => move(at < 0 ? 0 : at - 1),
      Home: () => move(0),
      End: () => move(props.keys.length - 1),
      Enter: () => {
        if (current === undefined) return
        if (props.onActivate) props.onActivate(current)
        else enterRow()
      },
      F2: enterRow
    }
    const run = keys[e.key]
    if (!run) return
    e.preventDefault()
    run()
  }
  return {
    grid: {
      ref,
      role: 'grid',
      tabIndex: 0,
      'aria-label': props.label,
      'aria-activedescendant': current === undefined ? undefined : rowId(current),
      onKeyDown,
      onFocus: (e: FocusEvent<HTMLTableElement>) => {
        if (e.target === e.currentTarget) {
          if (current === undefined && props.keys.length) setActive(props.keys[0])
          return
        }
        const tr = (e.target as Element).closest('tr')
        const key = tr?.getAttribute('data-grid-key')
        if (key && key !== current) setActive(key)
      }
    },
    row: (key: string) => ({
      id: rowId(key),
      'data-grid-key': key,
      'data-active': key === current ? 'true' : undefined
    })
  }
}
