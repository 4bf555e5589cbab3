// The Profiles screen where no OS keychain answers: the passphrase field opens (or creates)
// the passphrase store, a wrong passphrase shows main's error, and the passphrase is kept
// nowhere in the store.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { KeychainStatusDto } from '../../../src-main/contract/ipc'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { ProfilesScreen } from '../../../src-renderer/features/profiles/ProfilesScreen'
import { fakeBridge } from '../../support/fake-bridge'

const PATH = '/home/me/.config/airlock/keystore.airlock'

function setup() {
  let status: KeychainStatusDto = {
    kind: 'memory',
    warning: 'No OS keychain (no Secret Service on the session bus). Ways out: …'
  }
  const bridge = fakeBridge({
    'app:info': () => ({
      ok: true,
      value: { version: '0', dialects: [], mode: 'web', profileKinds: [] }
    }),
    'keychain:status': () => ({ ok: true, value: status }),
    'keychain:unlock': ({ passphrase }) => {
      if (passphrase !== 'right horse')
        return {
          ok: false,
          error: {
            code: 'keychain.locked',
            message: `The passphrase store "${PATH}" did not open: the passphrase is wrong or the file was altered. Nothing was written.`
          }
        }
      status = { kind: 'passphrase', warning: null, location: PATH }
      return { ok: true, value: status }
    },
    'profiles:list': () => ({ ok: true, value: [] })
  })
  const store = createAppStore(bridge)
  render(
    <StoreContext.Provider value={store}>
      <ProfilesScreen />
    </StoreContext.Provider>
  )
  return { bridge, store }
}

afterEach(cleanup)

describe('passphrase store on the Profiles screen', () => {
  it('offers the field in memory mode, shows a wrong passphrase, then uses the store', async () => {
    const { store, bridge } = setup()
    await store.getState().loadInfo()
    await waitFor(() =>
      expect(screen.getByTestId('keychain-status').getAttribute('data-kind')).toBe('memory')
    )
    const input = screen.getByTestId('passphrase-input') as HTMLInputElement
    expect(input.type).toBe('password')

    fireEvent.change(input, { target: { value: 'wrong' } })
    fireEvent.click(screen.getByTestId('passphrase-unlock'))
    expect(await screen.findByText(/passphrase is wrong/)).toBeTruthy()
    expect(screen.getByTestId('keychain-status').getAttribute('data-kind')).toBe('memory')

    fireEvent.change(input, { target: { value: 'right horse' } })
    fireEvent.click(screen.getByTestId('passphrase-unlock'))
    await waitFor(() =>
      expect(screen.getByTestId('keychain-status').textContent).toBe(
        `Secrets are kept in the passphrase store (${PATH}).`
      )
    )
    expect(screen.queryByTestId('passphrase-form')).toBeNull()
    expect(bridge.calls.filter((c) => c.channel === 'keychain:unlock')).toHaveLength(2)
    // the store holds no passphrase (the bridge it was built with records calls: left out)
    const { bridge: _recorded, ...state } = store.getState()
    const text = JSON.stringify(state, (_k, v: unknown) =>
      typeof v === 'function' ? undefined : v
    )
    expect(text).not.toContain('right horse')
    expect(text).not.toContain('wrong')
  })
})
