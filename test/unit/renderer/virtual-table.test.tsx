// The virtual table from the keyboard: one tab stop; arrows, Page keys, Home and End move
// the active row (kept rendered and named by aria-activedescendant); Enter activates it;
// keys typed into a row's own controls stay theirs.
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { VirtualTable } from '../../../src-renderer/components/VirtualTable'

afterEach(cleanup)

const rows = Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}` }))

function setup() {
  const onActivate = vi.fn()
  render(
    <VirtualTable
      testId="t"
      label="Rows"
      rows={rows}
      rowKey={(r) => r.id}
      columns={[
        { key: 'id', label: 'ID', width: '1fr', render: (r) => r.id },
        {
          key: 'b',
          label: 'Action',
          width: '80px',
          render: (r) => <button type="button">do {r.id}</button>
        }
      ]}
      onActivate={onActivate}
    />
  )
  const grid = screen.getByRole('grid', { name: 'Rows' })
  const active = () => {
    const id = grid.getAttribute('aria-activedescendant')
    return id ? document.getElementById(id)?.getAttribute('data-row-id') : undefined
  }
  return { grid, active, onActivate }
}

describe('virtual table keyboard', () => {
  it('is one tab stop whose focus makes the first row active', () => {
    const { grid, active } = setup()
    expect(grid.tabIndex).toBe(0)
    fireEvent.focus(grid)
    expect(active()).toBe('r0')
  })

  it('moves with arrows, pages, Home and End, and keeps the active row rendered', () => {
    const { grid, active } = setup()
    fireEvent.focus(grid)
    fireEvent.keyDown(grid, { key: 'ArrowDown' })
    fireEvent.keyDown(grid, { key: 'ArrowDown' })
    expect(active()).toBe('r2')
    fireEvent.keyDown(grid, { key: 'ArrowUp' })
    expect(active()).toBe('r1')
    fireEvent.keyDown(grid, { key: 'End' })
    // far below the first window of rows: rendered because it was scrolled to
    expect(active()).toBe('r999')
    expect(screen.queryByText('r0')).toBeNull()
    fireEvent.keyDown(grid, { key: 'ArrowDown' })
    expect(active()).toBe('r999')
    fireEvent.keyDown(grid, { key: 'PageUp' })
    const afterPage = Number(active()!.slice(1))
    expect(afterPage).toBeLessThan(999)
    expect(afterPage).toBeGreaterThan(980)
    fireEvent.keyDown(grid, { key: 'Home' })
    expect(active()).toBe('r0')
    expect(screen.getByText('r0')).toBeTruthy()
  })

  it('activates the active row on Enter, and leaves the keys of a row’s button alone', () => {
    const { grid, active, onActivate } = setup()
    fireEvent.focus(grid)
    fireEvent.keyDown(grid, { key: 'ArrowDown' })
    fireEvent.keyDown(grid, { key: 'Enter' })
    expect(onActivate).toHaveBeenCalledWith({ id: 'r1' })
    fireEvent.keyDown(screen.getByText('do r1'), { key: 'End' })
    expect(active()).toBe('r1')
    expect(onActivate).toHaveBeenCalledTimes(1)
  })
})

describe('virtual table: Space, clicks and the selected row', () => {
  function table(selectedKey?: string) {
    const onToggle = vi.fn()
    const onRowClick = vi.fn()
    const onActivate = vi.fn()
    render(
      <VirtualTable
        testId="s"
        label="Selectable"
        rows={rows.slice(0, 20)}
        rowKey={(r) => r.id}
        columns={[
          { key: 'id', label: 'ID', width: '1fr', render: (r) => r.id },
          {
            key: 'b',
            label: 'Action',
            width: '80px',
            render: (r) => <button type="button">do {r.id}</button>
          }
        ]}
        onActivate={onActivate}
        onToggle={onToggle}
        onRowClick={onRowClick}
        selectedKey={selectedKey}
      />
    )
    const grid = screen.getByRole('grid', { name: 'Selectable' })
    const active = () => {
      const id = grid.getAttribute('aria-activedescendant')
      return id ? document.getElementById(id)?.getAttribute('data-row-id') : undefined
    }
    return { grid, active, onToggle, onRowClick, onActivate }
  }

  it('calls onToggle for Space on the active row, not for Space in a row’s button', () => {
    const { grid, onToggle, onActivate } = table()
    fireEvent.focus(grid)
    fireEvent.keyDown(grid, { key: 'ArrowDown' })
    fireEvent.keyDown(grid, { key: ' ' })
    expect(onToggle).toHaveBeenCalledWith({ id: 'r1' })
    expect(onActivate).not.toHaveBeenCalled()
    fireEvent.keyDown(screen.getByText('do r1'), { key: ' ' })
    expect(onToggle).toHaveBeenCalledTimes(1)
  })

  it('makes a clicked row active and reports it; a click on its button is the button’s', () => {
    const { active, onRowClick } = table()
    fireEvent.click(screen.getByText('r5'))
    expect(onRowClick).toHaveBeenCalledWith({ id: 'r5' })
    expect(active()).toBe('r5')
    fireEvent.click(screen.getByText('do r7'))
    expect(onRowClick).toHaveBeenCalledTimes(1)
    expect(active()).toBe('r5')
  })

  it('marks the selected row (aria-selected) and no other', () => {
    table('r3')
    const selected = document.querySelectorAll('[aria-selected="true"]')
    expect([...selected].map((e) => e.getAttribute('data-row-id'))).toEqual(['r3'])
    expect(selected[0]!.className).toContain('selected')
    expect(document.querySelectorAll('[aria-selected="false"]').length).toBe(19)
  })

  it('leaves Space alone without onToggle (a page scroll, as before)', () => {
    const onActivate = vi.fn()
    render(
      <VirtualTable
        label="Plain"
        rows={rows.slice(0, 5)}
        rowKey={(r) => r.id}
        columns={[{ key: 'id', label: 'ID', width: '1fr', render: (r) => r.id }]}
        onActivate={onActivate}
      />
    )
    const grid = screen.getByRole('grid', { name: 'Plain' })
    fireEvent.focus(grid)
    const event = new KeyboardEvent('keydown', { key: ' ', bubbles: true, cancelable: true })
    grid.dispatchEvent(event)
    expect(event.defaultPrevented).toBe(false)
    expect(document.querySelector('[aria-selected]')).toBeNull()
  })
})

describe('virtual table clicks and selection', () => {
  function clickable(selectedKey?: string) {
    const onRowClick = vi.fn()
    const buttonClick = vi.fn()
    render(
      <VirtualTable
        label="Rows"
        rows={rows}
        rowKey={(r) => r.id}
        columns={[
          {
            key: 'id',
            label: 'ID',
            header: <span>ID of the row</span>,
            width: '1fr',
            render: (r) => r.id
          },
          {
            key: 'b',
            label: 'Action',
            width: '80px',
            render: (r) => (
              <button type="button" onClick={buttonClick}>
                do {r.id}
              </button>
            )
          }
        ]}
        onRowClick={onRowClick}
        selectedKey={selectedKey}
      />
    )
    const grid = screen.getByRole('grid', { name: 'Rows' })
    return { grid, onRowClick, buttonClick }
  }

  it('calls onRowClick for a click on a row, makes it active, and leaves its buttons alone', () => {
    const { grid, onRowClick, buttonClick } = clickable()
    fireEvent.click(screen.getByText('r3'))
    expect(onRowClick).toHaveBeenCalledWith({ id: 'r3' })
    const id = grid.getAttribute('aria-activedescendant')
    expect(document.getElementById(id!)?.getAttribute('data-row-id')).toBe('r3')
    fireEvent.click(screen.getByText('do r4'))
    expect(buttonClick).toHaveBeenCalledTimes(1)
    expect(onRowClick).toHaveBeenCalledTimes(1)
  })

  it('marks the selected row (aria-selected) and shows a header node, its label as the name', () => {
    clickable('r2')
    const row = (key: string) => document.querySelector(`[data-row-id="${key}"]`)!
    expect(row('r2').getAttribute('aria-selected')).toBe('true')
    expect(row('r1').getAttribute('aria-selected')).toBe('false')
    expect(screen.getByRole('columnheader', { name: 'ID' }).textContent).toBe('ID of the row')
  })

  it('has no aria-selected and no click handler where nothing is selectable', () => {
    setup()
    const row = document.querySelector('[data-row-id="r1"]')!
    expect(row.hasAttribute('aria-selected')).toBe(false)
    expect(row.className).not.toContain('clickable')
  })
})

describe('virtual table: the active row when the rows change', () => {
  const columns = [{ key: 'id', label: 'ID', width: '1fr', render: (r: { id: string }) => r.id }]
  function filtered() {
    const onToggle = vi.fn()
    const onActivate = vi.fn()
    const view = (shown: readonly { id: string }[]) => (
      <VirtualTable
        label="Filtered"
        rows={shown}
        rowKey={(r) => r.id}
        columns={columns}
        onToggle={onToggle}
        onActivate={onActivate}
      />
    )
    const all = rows.slice(0, 10)
    const { rerender } = render(view(all))
    const grid = screen.getByRole('grid', { name: 'Filtered' })
    const active = () => {
      const id = grid.getAttribute('aria-activedescendant')
      return id ? document.getElementById(id)?.getAttribute('data-row-id') : undefined
    }
    return { grid, active, onToggle, onActivate, rerender: (s: typeof all) => rerender(view(s)) }
  }

  it('stays on the same row when a filter moves it, so Space toggles the row that was active', () => {
    const { grid, active, onToggle, rerender } = filtered()
    fireEvent.focus(grid)
    for (let i = 0; i < 5; i++) fireEvent.keyDown(grid, { key: 'ArrowDown' })
    expect(active()).toBe('r5')
    // a filter leaves out r0..r3: r5 is now the second row
    rerender(rows.slice(4, 10))
    expect(active()).toBe('r5')
    fireEvent.keyDown(grid, { key: ' ' })
    expect(onToggle).toHaveBeenCalledWith({ id: 'r5' })
  })

  it('has no active row once its row is filtered out: Space and Enter act on nothing', () => {
    const { grid, active, onToggle, onActivate, rerender } = filtered()
    fireEvent.focus(grid)
    for (let i = 0; i < 3; i++) fireEvent.keyDown(grid, { key: 'ArrowDown' })
    expect(active()).toBe('r3')
    rerender([rows[0]!, rows[1]!, rows[2]!, rows[4]!, rows[5]!])
    expect(active()).toBeUndefined()
    fireEvent.keyDown(grid, { key: ' ' })
    fireEvent.keyDown(grid, { key: 'Enter' })
    expect(onToggle).not.toHaveBeenCalled()
    expect(onActivate).not.toHaveBeenCalled()
    fireEvent.keyDown(grid, { key: 'ArrowDown' })
    expect(active()).toBe('r0')
  })
})
