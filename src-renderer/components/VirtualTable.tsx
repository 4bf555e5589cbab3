import {
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type FocusEvent,
  type KeyboardEvent,
  type ReactNode
} from 'react'
import { rowControlKey, rowControls, useRowControlsOutOfTabOrder } from './row-grid'

/**
 * How a column sizes itself from its content: `text` is what a cell holds as plain text (also
 * its tooltip, so a cut value can be read whole). The longest text over the rows (the first
 * FIT_SAMPLE of them), in `ch`, between `min` and `max`, is the column's width; a `grow`
 * column keeps its content whole up to 20ch (or `min`), and shares the free space in
 * proportion to its length (in tens of ch: 2fr at 20ch beside columns given as `1fr`).
 */
export interface ColumnFit<T> {
  text: (row: T) => string
  /** Narrowest, in ch (default 4). */
  min?: number
  /** Widest, in ch (default 40): longer values are cut with an ellipsis. */
  max?: number
  /** Shares the free space (weight: its content length) instead of a fixed width. */
  grow?: boolean
  /**
   * A growing column's content is whole up to this many ch (default 20); past it, it may be cut
   * when the window is narrow. A column that matters less than its neighbours takes a lower one.
   */
  floor?: number
}

/** A column of a VirtualTable: a fixed `width` (any CSS grid track), or `fit` to its content. */
export interface Column<T> {
  key: string
  label: string
  /** A grid track, e.g. `90px` or `minmax(120px, 1fr)`; ignored when `fit` is given. */
  width?: string
  fit?: ColumnFit<T>
  render: (row: T) => ReactNode
  /** What the column head shows, when more than `label` (e.g. a layer and its store). */
  header?: ReactNode
}

/** How many rows a fitted column measures (enough for the rows a user reads; bounded work). */
export const FIT_SAMPLE = 2000
/** Up to this many ch, a growing column's content is never cut (longer content may be). */
const GROW_FLOOR = 20
/** A cell's padding (8px each side) in ch, added to the measured text. */
const CELL_PAD_CH = 2

/** Each column's grid track: fixed widths as given, fitted ones from the longest text. */
export function columnTracks<T>(columns: readonly Column<T>[], rows: readonly T[]): string[] {
  const sample = rows.length > FIT_SAMPLE ? rows.slice(0, FIT_SAMPLE) : rows
  return columns.map((c) => {
    if (!c.fit) return c.width ?? 'minmax(0, 1fr)'
    const min = c.fit.min ?? 4
    const max = Math.max(min, c.fit.max ?? 40)
    let longest = c.label.length
    for (const row of sample) {
      const n = c.fit.text(row).length
      if (n > longest) longest = n
    }
    const ch = Math.min(max, Math.max(min, longest)) + CELL_PAD_CH
    // a growing column weighs its length in tens of ch (a 20ch id is 2fr beside a 1fr
    // column); it never gets narrower than its content up to GROW_FLOOR ch (or its min)
    const floor = Math.min(ch, Math.max(min, c.fit.floor ?? GROW_FLOOR) + CELL_PAD_CH)
    return c.fit.grow ? `minmax(${floor}ch, ${ch / 10}fr)` : `${ch}ch`
  })
}

// Per rows array and column set, the grid template: measured once, not on every render or scroll.
const templates = new WeakMap<readonly unknown[], Map<string, string>>()
function fittedTemplate<T>(columns: readonly Column<T>[], rows: readonly T[], key: string): string {
  let byColumns = templates.get(rows)
  if (!byColumns) templates.set(rows, (byColumns = new Map()))
  let template = byColumns.get(key)
  if (template === undefined) byColumns.set(key, (template = columnTracks(columns, rows).join(' ')))
  return template
}

/**
 * A table that renders only the rows in view (plus a few), so 50 000 rows scroll as fast as
 * 50. Rows have one fixed height; the grid template sizes the columns. From the keyboard it is
 * one tab stop (an ARIA grid, itself the scrolling region): arrows, Page Up/Down, Home and End
 * move the active row (kept in view, announced through aria-activedescendant), Enter calls
 * `onActivate`, Space `onToggle`. The buttons and fields inside rows are out of the tab order
 * (tabindex -1), so one Tab leaves the grid: F2 (or Enter, when there is no `onActivate`) moves
 * focus into the active row's controls, Left/Right move between them, Escape returns to the
 * grid. A `selectedKey` given from outside also becomes the active row. The active row is held by its key:
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
  const headRef = useRef<HTMLDivElement>(null)
  const [headHeight, setHeadHeight] = useState(0)
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
  // fitted widths follow the rows, not the scroll position or a re-render: stable while a
  // list updates in place (e.g. a running job)
  const columnsKey = props.columns
    .map(
      (c) => `${c.key}:${c.width ?? ''}:${c.fit ? `${c.fit.min}-${c.fit.max}-${c.fit.grow}` : ''}`
    )
    .join('|')
  const template = fittedTemplate(props.columns, rows, columnsKey)
  const current = (() => {
    if (!active) return -1
    // where it was last: a scroll re-renders without a search through 50 000 rows
    const at = rows[active.index]
    if (at !== undefined && rowKey(at) === active.key) return active.index
    return rows.findIndex((r) => rowKey(r) === active.key)
  })()
  // a row selected from outside (a click, a detail opened) is the active one too, so focus
  // that comes back to the grid comes back to it
  const [seenSelected, setSeenSelected] = useState(props.selectedKey)
  if (props.selectedKey !== seenSelected) {
    setSeenSelected(props.selectedKey)
    if (props.selectedKey !== undefined && props.selectedKey !== active?.key) {
      const index = rows.findIndex((r) => rowKey(r) === props.selectedKey)
      if (index >= 0) setActiveRow({ key: props.selectedKey, index })
    }
  }
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
    // the head stays on top of the scrolled rows: a row is in view below it
    let scroll = body.scrollTop
    if (top < scroll) scroll = top
    else if (top + rowHeight > scroll + height) scroll = top + rowHeight - height
    if (scroll !== body.scrollTop) {
      body.scrollTop = scroll
      setScrollTop(scroll)
    }
  }
  const page = Math.max(1, Math.floor(height / rowHeight) - 1)
  const controlsOf = (index: number): HTMLElement[] =>
    rowControls(index < 0 ? null : document.getElementById(rowId(index)))
  const enterRow = () => controlsOf(current)[0]?.focus()
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    // keys typed into a row's own field or button are theirs, but for the way back out
    if (e.target !== e.currentTarget)
      return rowControlKey(e, current < 0 ? null : document.getElementById(rowId(current)))
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
        if (row === undefined) return
        if (props.onActivate) props.onActivate(row)
        else enterRow()
      },
      F2: enterRow
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
  // Controls inside rows stay out of the tab order, also those a cell adds later by itself
  // (a revealed value's Hide button): the grid is one tab stop.
  useRowControlsOutOfTabOrder(bodyRef, '.vtable-row')
  // the rows scroll under the head: the scroll area is the rows' height plus the head's
  // measured after every render (a head's content may change its height); it settles at once
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useLayoutEffect(() => {
    const h = headRef.current?.offsetHeight ?? 0
    if (h !== headHeight) setHeadHeight(h)
  })
  const onFocus = (e: FocusEvent<HTMLDivElement>) => {
    if (e.target === e.currentTarget) {
      if (current < 0 && props.rows.length) setActive(0)
      return
    }
    // focus that lands on a row's control (a click, F2) makes that row the active one
    const row = (e.target as Element).closest<HTMLElement>('.vtable-row')
    const index = row ? Number(row.dataset.index) : NaN
    if (Number.isInteger(index) && index !== current) setActive(index)
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
      onFocus={onFocus}
      ref={bodyRef}
      style={{ height: height + headHeight }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div
        className="vtable-head"
        ref={headRef}
        role="row"
        aria-rowindex={1}
        style={{ gridTemplateColumns: template }}
      >
        {props.columns.map((c) => (
          <div
            key={c.key}
            role="columnheader"
            data-col={c.key}
            aria-label={c.header ? c.label : undefined}
          >
            {c.header ?? c.label}
          </div>
        ))}
      </div>
      <div className="vtable-body" data-testid={props.testId && `${props.testId}-scroll`}>
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
              data-index={first + i}
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
                      <div
                        key={c.key}
                        role="gridcell"
                        className="vtable-cell"
                        data-col={c.key}
                        title={c.fit ? c.fit.text(row) || undefined : undefined}
                      >
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
