import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfirmDialog } from '../../../src-renderer/components/ConfirmDialog'

describe('19: confirm dialog', () => {
  afterEach(cleanup)

  function open(typeName?: string) {
    const calls: { confirmed: (string | undefined)[]; cancelled: number } = {
      confirmed: [],
      cancelled: 0
    }
    render(
      <ConfirmDialog
        title="Apply this plan?"
        sentence="delete 12 connections in vault:prod"
        confirmLabel="Apply"
        typeName={typeName}
        onConfirm={(typed) => calls.confirmed.push(typed)}
        onCancel={() => calls.cancelled++}
      />
    )
    return calls
  }

  it('19: names what will happen as an alertdialog, focuses Cancel, and Escape cancels', () => {
    const calls = open()
    const dialog = screen.getByRole('alertdialog', { name: 'Apply this plan?' })
    expect(dialog.getAttribute('aria-modal')).toBe('true')
    expect(screen.getByTestId('confirm-sentence').textContent).toBe(
      'This will delete 12 connections in vault:prod.'
    )
    expect(document.activeElement).toBe(screen.getByTestId('confirm-cancel'))
    fireEvent.keyDown(dialog, { key: 'Escape' })
    expect(calls).toEqual({ confirmed: [], cancelled: 1 })
  })

  it('19: Tab stays inside the dialog', () => {
    open()
    const dialog = screen.getByRole('alertdialog')
    screen.getByTestId('confirm-ok').focus()
    fireEvent.keyDown(dialog, { key: 'Tab' })
    expect(document.activeElement).toBe(screen.getByTestId('confirm-cancel'))
    fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true })
    expect(document.activeElement).toBe(screen.getByTestId('confirm-ok'))
  })

  it("19: a protected target's confirm button enables only once its name is typed exactly", () => {
    const calls = open('prod')
    const ok = screen.getByTestId('confirm-ok') as HTMLButtonElement
    expect(document.activeElement).toBe(screen.getByTestId('confirm-name'))
    expect(ok.disabled).toBe(true)
    fireEvent.change(screen.getByTestId('confirm-name'), { target: { value: 'Prod' } })
    expect(ok.disabled).toBe(true)
    fireEvent.click(ok)
    fireEvent.keyDown(screen.getByTestId('confirm-name'), { key: 'Enter' })
    expect(calls.confirmed).toEqual([])
    fireEvent.change(screen.getByTestId('confirm-name'), { target: { value: 'prod' } })
    expect(ok.disabled).toBe(false)
    fireEvent.click(ok)
    expect(calls.confirmed).toEqual(['prod'])
  })
})
