import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'

/** A column of a VirtualTable. */
export interface Column<T> {
  key: string
  label: string
  width: string
  render: (row: T) => ReactNode
  /** What the column head shows, when more than `label` (e.g. a layer and its store). */
  header?: ReactNode
}

/**
 * A table that renders only the rows in view (plus a few), so 50 000 rows scroll as fast as
 * 50. Rows have one fixed height; the grid template sizes the columns. From the keyboard it is
 * one tab stop (an ARIA grid): arrows, Page Up/Down, Home and End move the active row (kept in
 * view, announced through aria-activedescendant), Enter calls `onActivate`, Space `onToggle`;
 * Tab goes on to the buttons and fields of the rows in view. The active row is held by its key:
 * when the rows change it stays on its row, or there is none if that row is gone. A click on a row (not on one of
 * its controls) makes it the active one and calls `onRowClick`; the row whose key is `selectedKey` is marked selected.
 */
export function VirtualTable<T>(props: {
  rows: readonly T[]
  columns: readonly Column<T>[]
  rowKey: (row: T) => string
  rowHeight?: number
  height?: number
  rowClass?: (row: T) => string
  /** A row whose cells after the first `wideAfter` are one wide cell (e.g. a problem's reason). */
  wide?: { after: number; render: (row: T) => ReactNode | undefined }
  testId?: string
  /** The test id of each row (default `row`). */
  rowTestId?: string
  /** More attributes of a row (`data-*`), e.g. for tests and styles. */
  rowAttributes?: (row: T) => Record<`data-${string}`, string>
  /** Shrink to the rows when they need less than `height`. */
  fit?: boolean
  /** Enter on the active row. */
  onActivate?: (row: T) => void
  /** Space on the active row (e.g. include or leave out an item). */
  onToggle?: (row: T) => void
  /** A click on a row, not on its own controls (it also becomes the active row). */
  onRowClick?: (row: T) => void
  /** The key (`rowKey`) of the selected row, e.g. the one a detail pane shows. */
  selectedKey?: string
  /** What the grid is, for screen readers. */
  label?: string
}) {
  const gridId = useId()
  const bodyRef = useRef<HTMLDivElement>(null)
  // the active row by its key, so a filter that moves or drops it never leaves another row
  // active in its place (Space would toggle a row the user did not point at)
  const [active, setActiveRow] = useState<{ key: string; index: number } | undefined>(undefined)
  const { rows, rowKey } = props
  const rowHeight = props.rowHeight ?? 32
  const height = props.fit
    ? Math.min(props.height ?? 520, Math.max(1, props.rows.length) * rowHeight + 2)
    : (props.height ?? 520)
  const [scrollTop, setScrollTop] = useState(0)
  const overscan = 8
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan)
  const count = Math.ceil(height / rowHeight) + overscan * 2
  const visible = props.rows.slice(first, first + count)
  const template = props.columns.map((c) => c.width).join(' ')
  const current = (() => {
    if (!active) return -1
    // where it was last: a scroll re-renders without a search through 50 000 rows
    const at = rows[active.index]
    if (at !== undefined && rowKey(at) === active.key) return active.index
    return rows.findIndex((r) => rowKey(r) === active.key)
  })()
  const setActive = (index: number) => {
    const row = rows[index]
    setActiveRow(row === undefined ? undefined : { key: rowKey(row), index })
  }
  const rowId = (index: number) => `${gridId}-row-${index}`
  const moveTo = (index: number) => {
    if (!props.rows.length) return
    const next = Math.max(0, Math.min(props.rows.length - 1, index))
    setActive(next)
    // keep it in view (rendered, so aria-activedescendant names an element that exists)
    const body = bodyRef.current
    if (!body) return
    const top = next * rowHeight
    let scroll = body.scrollTop
    if (top < scroll) scroll = top
    else if (top + rowHeight > scroll + height) scroll = top + rowHeight - height
    if (scroll !== body.scrollTop) {
      body.scrollTop = scroll
      setScrollTop(scroll)
    }
  }
  const page = Math.max(1, Math.floor(height / rowHeight) - 1)
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // keys typed into a row's own field or button are theirs
    if (e.target !== e.currentTarget) return
    const at = current < 0 ? -1 : current
    const keys: Record<string, () => void> = {
      ArrowDown: () => moveTo(at + 1),
      ArrowUp: () => moveTo(at < 0 ? 0 : at - 1),
      PageDown: () => moveTo(at + page),
      PageUp: () => moveTo(at - page),
      Home: () => moveTo(0),
      End: () => moveTo(props.rows.length - 1),
      Enter: () => {
        const row = props.rows[current]
        if (row !== undefined) props.onActivate?.(row)
      }
    }
    if (props.onToggle)
      keys[' '] = () => {
        const row = props.rows[current]
        if (row !== undefined) props.onToggle?.(row)
      }
    const run = keys[e.key]
    if (!run) return
    e.preventDefault()
    run()
  }
  return (
    <div
      className="vtable"
      data-testid={props.testId}
      role="grid"
      aria-label={props.label}
      aria-rowcount={props.rows.length + 1}
      tabIndex={0}
      aria-activedescendant={current >= 0 && props.rows.length ? rowId(current) : undefined}
      onKeyDown={onKeyDown}
      onFocus={(e) => {
        if (e.target === e.currentTarget && current < 0 && props.rows.length) setActive(0)
      }}
    >
      <div
        className="vtable-head"
        role="row"
        aria-rowindex={1}
        style={{ gridTemplateColumns: template }}
      >
        {props.columns.map((c) => (
          <div key={c.key} role="columnheader" aria-label={c.header ? c.label : undefined}>
            {c.header ?? c.label}
          </div>
        ))}
      </div>
      <div
        className="vtable-body"
        ref={bodyRef}
        style={{ height }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        data-testid={props.testId && `${props.testId}-scroll`}
      >
        <div style={{ height: props.rows.length * rowHeight, position: 'relative' }}>
          {visible.map((row, i) => (
            <div
              key={props.rowKey(row)}
              id={rowId(first + i)}
              role="row"
              aria-rowindex={first + i + 2}
              aria-selected={
                props.selectedKey === undefined
                  ? undefined
                  : props.rowKey(row) === props.selectedKey
              }
              className={`vtable-row ${props.rowClass?.(row) ?? ''}${first + i === current ? ' active' : ''}${props.onRowClick ? ' clickable' : ''}${props.selectedKey !== undefined && props.rowKey(row) === props.selectedKey ? ' selected' : ''}`}
              data-testid={props.rowTestId ?? 'row'}
              data-row-id={props.rowKey(row)}
              {...props.rowAttributes?.(row)}
              onClick={
                props.onRowClick
                  ? (e) => {
                      // a click on the row's own checkbox or button is theirs
                      if ((e.target as Element).closest('input, button, a, select, textarea'))
                        return
                      setActive(first + i)
                      props.onRowClick?.(row)
                    }
                  : undefined
              }
              style={{
                gridTemplateColumns: template,
                height: rowHeight,
                transform: `translateY(${(first + i) * rowHeight}px)`
              }}
            >
              {(() => {
                const wide = props.wide?.render(row)
                const columns =
                  wide === undefined ? props.columns : props.columns.slice(0, props.wide!.after)
                return (
                  <>
                    {columns.map((c) => (
                      <div key={c.key} role="gridcell" className="vtable-cell">
                        {c.render(row)}
                      </div>
                    ))}
                    {wide !== undefined && (
                      <div
                        role="gridcell"
                        className="vtable-cell wide"
                        style={{ gridColumn: `${props.wide!.after + 1} / -1` }}
                      >
                        {wide}
                      </div>
                    )}
                  </>
                )
              })()}
            </div>
          ))}
        </div>
      </div>
    </div>
  )
}
