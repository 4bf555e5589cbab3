import { useState, type ReactNode } from 'react'

/** A column of a VirtualTable. */
export interface Column<T> {
  key: string
  label: string
  width: string
  render: (row: T) => ReactNode
}

/**
 * A table that renders only the rows in view (plus a few), so 50 000 rows scroll as fast as
 * 50. Rows have one fixed height; the grid template sizes the columns.
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
}) {
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
  return (
    <div className="vtable" data-testid={props.testId} role="table">
      <div className="vtable-head" role="row" style={{ gridTemplateColumns: template }}>
        {props.columns.map((c) => (
          <div key={c.key} role="columnheader">
            {c.label}
          </div>
        ))}
      </div>
      <div
        className="vtable-body"
        style={{ height }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        data-testid={props.testId && `${props.testId}-scroll`}
      >
        <div style={{ height: props.rows.length * rowHeight, position: 'relative' }}>
          {visible.map((row, i) => (
            <div
              key={props.rowKey(row)}
              role="row"
              className={`vtable-row ${props.rowClass?.(row) ?? ''}`}
              data-testid={props.rowTestId ?? 'row'}
              data-row-id={props.rowKey(row)}
              {...props.rowAttributes?.(row)}
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
                      <div key={c.key} role="cell" className="vtable-cell">
                        {c.render(row)}
                      </div>
                    ))}
                    {wide !== undefined && (
                      <div
                        role="cell"
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
