// One tab stop per grid (controls inside rows out of the tab order, reached with F2 or
// Enter), columns fitted to their content, and the list + detail layout's Escape and focus.
import { useState } from 'react'
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  FIT_SAMPLE,
  VirtualTable,
  columnTracks,
  type Column
} from '../../../src-renderer/components/VirtualTable'
import { ListDetail } from '../../../src-renderer/components/ListDetail'
import { useRowGrid } from '../../../src-renderer/components/row-grid'

afterEach(cleanup)

interface Row {
  id: string
  type: string
}
const rows: Row[] = Array.from({ length: 30 }, (_, i) => ({ id: `row_${i}`, type: 'http' }))

/** A cell with a button that adds a second one by itself (as a revealed value adds Hide). */
function Reveal(props: { id: string }) {
  const [shown, setShown] = useState(false)
  return (
    <span>
      <button type="button" onClick={() => setShown(true)}>
        reveal {props.id}
      </button>
      {shown && <button type="button">hide {props.id}</button>}
    </span>
  )
}

const columns: Column<Row>[] = [
  { key: 'id', label: 'ID', fit: { text: (r) => r.id, grow: true }, render: (r) => r.id },
  { key: 'type', label: 'Type', fit: { text: (r) => r.type }, render: (r) => r.type },
  { key: 'act', label: '', width: '120px', render: (r) => <Reveal id={r.id} /> },
  {
    key: 'copy',
    label: '',
    width: '60px',
    render: (r) => <button type="button">copy {r.id}</button>
  }
]

function grid(props: { onActivate?: (r: Row) => void; selectedKey?: string } = {}) {
  const view = render(
    <VirtualTable
      label="Entries"
      rows={rows}
      rowKey={(r) => r.id}
      columns={columns}
      onActivate={props.onActivate}
      selectedKey={props.selectedKey}
    />
  )
  const el = screen.getByRole('grid', { name: 'Entries' })
  const active = () => {
    const id = el.getAttribute('aria-activedescendant')
    return id ? document.getElementById(id)?.getAttribute('data-row-id') : undefined
  }
  return { el, active, view }
}

/** What Tab can reach inside an element, in the sense of the tab order (tabIndex ≥ 0). */
const tabbable = (root: Element) =>
  [root, ...root.querySelectorAll<HTMLElement>('*')].filter(
    (e) => e instanceof HTMLElement && e.tabIndex >= 0 && !e.hasAttribute('disabled')
  )

describe('one tab stop per grid', () => {
  it('keeps every control inside the rows out of the tab order: the grid is the only stop', () => {
    const { el } = grid()
    expect(screen.getAllByRole('button').length).toBeGreaterThan(20)
    expect(tabbable(el)).toEqual([el])
    expect(screen.getByText('copy row_3').getAttribute('tabindex')).toBe('-1')
  })

  it('also takes a control a cell adds later out of the tab order', async () => {
    const { el } = grid()
    fireEvent.click(screen.getByText('reveal row_2'))
    const hide = screen.getByText('hide row_2')
    await waitFor(() => expect(hide.getAttribute('tabindex')).toBe('-1'))
    expect(tabbable(el)).toEqual([el])
  })

  it('F2 moves focus into the active row, Left/Right between its controls, Escape back', () => {
    const { el, active } = grid()
    el.focus()
    fireEvent.focus(el)
    fireEvent.keyDown(el, { key: 'ArrowDown' })
    expect(active()).toBe('row_1')
    fireEvent.keyDown(el, { key: 'F2' })
    expect(document.activeElement).toBe(screen.getByText('reveal row_1'))
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' })
    expect(document.activeElement).toBe(screen.getByText('copy row_1'))
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' })
    expect(document.activeElement).toBe(screen.getByText('reveal row_1'))
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' })
    expect(document.activeElement).toBe(screen.getByText('copy row_1'))
    // arrows typed in a row's control do not move the active row
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowDown' })
    expect(active()).toBe('row_1')
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' })
    expect(document.activeElement).toBe(el)
    expect(active()).toBe('row_1')
  })

  it('Enter enters the row when the grid has no detail to open, opens it when it has', () => {
    const first = grid()
    first.el.focus()
    fireEvent.focus(first.el)
    fireEvent.keyDown(first.el, { key: 'Enter' })
    expect(document.activeElement).toBe(screen.getByText('reveal row_0'))
    first.view.unmount()
    const onActivate = vi.fn()
    const second = grid({ onActivate })
    second.el.focus()
    fireEvent.focus(second.el)
    fireEvent.keyDown(second.el, { key: 'ArrowDown' })
    fireEvent.keyDown(second.el, { key: 'Enter' })
    expect(onActivate).toHaveBeenCalledWith(rows[1])
    expect(document.activeElement).toBe(second.el)
  })

  it('makes the row of a focused control (a click) the active row, and follows selectedKey', () => {
    const { active, view } = grid()
    act(() => screen.getByText('copy row_4').focus())
    expect(active()).toBe('row_4')
    view.rerender(
      <VirtualTable
        label="Entries"
        rows={rows}
        rowKey={(r) => r.id}
        columns={columns}
        selectedKey="row_7"
      />
    )
    expect(active()).toBe('row_7')
  })
})

describe('columns fitted to their content', () => {
  const fit = (over: Partial<Column<Row>['fit']> = {}): Column<Row> => ({
    key: 'type',
    label: 'Type',
    fit: { text: (r) => r.type, ...over },
    render: (r) => r.type
  })

  it('fits a short column to its longest value (or its label), plus the cell padding', () => {
    const data = [
      { id: 'a', type: 'http' },
      { id: 'b', type: 'postgres' }
    ]
    expect(columnTracks([fit()], data)).toEqual(['10ch'])
    // the label is longer than every value
    expect(columnTracks([fit()], [{ id: 'a', type: 's3' }])).toEqual(['6ch'])
    expect(columnTracks([fit({ min: 9 })], [{ id: 'a', type: 's3' }])).toEqual(['11ch'])
  })

  it('caps a long column at max, and a growing one shares the rest by its length', () => {
    const long = [{ id: 'x'.repeat(90), type: 'y'.repeat(70) }]
    expect(columnTracks([fit({ max: 18 })], long)).toEqual(['20ch'])
    const id: Column<Row> = {
      key: 'id',
      label: 'ID',
      fit: { text: (r) => r.id, min: 12, max: 40, grow: true },
      render: (r) => r.id
    }
    expect(columnTracks([id], long)).toEqual(['minmax(22ch, 4.2fr)'])
    expect(columnTracks([id], [{ id: 'short_id', type: '' }])).toEqual(['minmax(14ch, 1.4fr)'])
    // a column that matters less may be cut sooner (its floor), never below its min
    const from = { ...id, fit: { ...id.fit!, min: 8, floor: 10 } }
    expect(columnTracks([from], long)).toEqual(['minmax(12ch, 4.2fr)'])
    expect(columnTracks([{ ...from, fit: { ...from.fit, min: 14 } }], long)).toEqual([
      'minmax(16ch, 4.2fr)'
    ])
    // fixed widths stay as given
    expect(columnTracks([{ key: 'n', label: 'N', width: '72px', render: () => '' }], long)).toEqual(
      ['72px']
    )
  })

  it('measures only the first FIT_SAMPLE rows', () => {
    const many = Array.from({ length: FIT_SAMPLE + 1 }, (_, i) => ({
      id: String(i),
      type: i === FIT_SAMPLE ? 'z'.repeat(30) : 'http'
    }))
    expect(columnTracks([fit()], many)).toEqual(['6ch'])
  })

  it('puts the whole value in a fitted cell’s tooltip, and keeps widths while rows update in place', () => {
    const data = [
      { id: 'a_rather_long_connection_id', type: 'http' },
      { id: 'b', type: 'ftp' }
    ]
    const view = (shown: Row[]) => (
      <VirtualTable label="Fitted" rows={shown} rowKey={(r) => r.id} columns={columns} />
    )
    const { rerender } = render(view(data))
    const g = screen.getByRole('grid', { name: 'Fitted' })
    const template = () =>
      (g.querySelector('.vtable-head') as HTMLElement).style.gridTemplateColumns
    const cell = document.querySelector(
      '[data-row-id="a_rather_long_connection_id"] [data-col="id"]'
    )
    expect(cell?.getAttribute('title')).toBe('a_rather_long_connection_id')
    const before = template()
    expect(before).toContain('2.9fr')
    // the same rows again (a running job's refresh): the same widths
    rerender(view(data.map((r) => ({ ...r }))))
    expect(template()).toBe(before)
  })
})

describe('list + detail', () => {
  function Screen() {
    const [open, setOpen] = useState<string | undefined>(undefined)
    return (
      <>
        <input aria-label="elsewhere" />
        <ListDetail
          onClose={() => setOpen(undefined)}
          list={
            <VirtualTable
              label="List"
              rows={rows.slice(0, 5)}
              rowKey={(r) => r.id}
              columns={columns.slice(0, 2)}
              onActivate={(r) => setOpen(r.id)}
              selectedKey={open}
            />
          }
          detail={
            open && (
              <aside aria-label="Detail">
                {open}
                <button type="button" onClick={() => setOpen(undefined)}>
                  close
                </button>
              </aside>
            )
          }
        />
      </>
    )
  }

  it('opens with Enter, closes with Escape, and focus goes back to the grid on its row', () => {
    render(<Screen />)
    const g = screen.getByRole('grid', { name: 'List' })
    g.focus()
    fireEvent.focus(g)
    fireEvent.keyDown(g, { key: 'ArrowDown' })
    fireEvent.keyDown(g, { key: 'ArrowDown' })
    fireEvent.keyDown(g, { key: 'Enter' })
    expect(screen.getByRole('complementary', { name: 'Detail' }).textContent).toContain('row_2')
    screen.getByText('close').focus()
    fireEvent.keyDown(screen.getByText('close'), { key: 'Escape' })
    expect(screen.queryByRole('complementary', { name: 'Detail' })).toBeNull()
    expect(document.activeElement).toBe(g)
    const id = g.getAttribute('aria-activedescendant')
    expect(document.getElementById(id!)?.getAttribute('data-row-id')).toBe('row_2')
  })

  it('gives focus back to the grid when the pane’s own close button closes it', () => {
    render(<Screen />)
    const g = screen.getByRole('grid', { name: 'List' })
    g.focus()
    fireEvent.focus(g)
    fireEvent.keyDown(g, { key: 'Enter' })
    const close = screen.getByText('close')
    close.focus()
    fireEvent.click(close)
    expect(screen.queryByRole('complementary', { name: 'Detail' })).toBeNull()
    expect(document.activeElement).toBe(g)
  })
})

describe('a plain table as one tab stop (Jobs, Profiles)', () => {
  function Jobs(props: { onActivate?: (key: string) => void }) {
    const keys = ['job-a', 'job-b', 'job-c']
    const g = useRowGrid({ keys, label: 'Jobs', onActivate: props.onActivate })
    return (
      <table {...g.grid}>
        <tbody>
          {keys.map((k) => (
            <tr key={k} {...g.row(k)}>
              <td>{k}</td>
              <td>
                <button type="button">details {k}</button>
                <button type="button">roll back {k}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )
  }
  const activeKey = (t: HTMLElement) => {
    const id = t.getAttribute('aria-activedescendant')
    return id ? document.getElementById(id)?.getAttribute('data-grid-key') : undefined
  }

  it('is the only tab stop; arrows move the active row, Enter opens it', async () => {
    const onActivate = vi.fn()
    render(<Jobs onActivate={onActivate} />)
    const t = screen.getByRole('grid', { name: 'Jobs' })
    await waitFor(() => expect(tabbable(t)).toEqual([t]))
    t.focus()
    fireEvent.focus(t)
    expect(activeKey(t)).toBe('job-a')
    fireEvent.keyDown(t, { key: 'ArrowDown' })
    fireEvent.keyDown(t, { key: 'ArrowDown' })
    fireEvent.keyDown(t, { key: 'ArrowDown' })
    expect(activeKey(t)).toBe('job-c')
    fireEvent.keyDown(t, { key: 'Home' })
    fireEvent.keyDown(t, { key: 'ArrowDown' })
    fireEvent.keyDown(t, { key: 'Enter' })
    expect(onActivate).toHaveBeenCalledWith('job-b')
  })

  it('F2 (or Enter with nothing to open) reaches the row’s buttons; Escape goes back', () => {
    render(<Jobs />)
    const t = screen.getByRole('grid', { name: 'Jobs' })
    t.focus()
    fireEvent.focus(t)
    fireEvent.keyDown(t, { key: 'ArrowDown' })
    fireEvent.keyDown(t, { key: 'Enter' })
    expect(document.activeElement).toBe(screen.getByText('details job-b'))
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowRight' })
    expect(document.activeElement).toBe(screen.getByText('roll back job-b'))
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' })
    expect(document.activeElement).toBe(t)
    fireEvent.keyDown(t, { key: 'ArrowUp' })
    fireEvent.keyDown(t, { key: 'F2' })
    expect(document.activeElement).toBe(screen.getByText('details job-a'))
  })
})
