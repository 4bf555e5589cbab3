import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../../../src-renderer/App'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { appInfo } from '../../../src-main/ipc/handlers/app'
import { fakeBridge } from '../../support/fake-bridge'
import type { EntriesDto, IpcResult } from '../../../src-main/contract/ipc'

/** The demo's listing, empty: what the first screen asks for. */
const emptyListing = (): IpcResult<EntriesDto> => ({
  ok: true,
  value: { storeId: 'demo:metadb', entries: [], problems: [] }
})

const renderApp = (store: ReturnType<typeof createAppStore>) =>
  render(
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  )

describe('app shell', () => {
  it('loads app info through the bridge and lists the dialects', async () => {
    const bridge = fakeBridge({
      'app:info': () => ({ ok: true, value: appInfo('web') }),
      'keychain:status': () => ({ ok: true, value: { kind: 'memory', warning: 'no keychain' } }),
      'entries:list': emptyListing
    })
    const store = createAppStore(bridge)
    renderApp(store)
    expect(await within(await screen.findByTestId('dialects')).findByText('airflow2')).toBeTruthy()
    expect(store.getState().infoStatus).toBe('ready')
    expect(screen.getByTestId('dialects').textContent).toMatch(/Task SDK/)
    expect(screen.getByTestId('app-meta').textContent).toMatch(/web mode/)
    expect(store.getState().keychain).toEqual({ kind: 'memory', warning: 'no keychain' })
  })

  it('records a failed answer without throwing', async () => {
    const store = createAppStore(fakeBridge({}))
    await store.getState().loadInfo()
    expect(store.getState()).toMatchObject({
      infoStatus: 'failed',
      infoError: { code: 'internal' }
    })
  })
})

describe('status bar: the secret store', () => {
  it('says it is checking until main answers, then names the store', async () => {
    cleanup()
    let answerInfo: () => void = () => undefined
    const infoAnswered = new Promise<void>((resolve) => (answerInfo = resolve))
    const bridge = fakeBridge({
      'app:info': async () => {
        await infoAnswered
        return { ok: true, value: appInfo('web') }
      },
      'keychain:status': () => ({ ok: true, value: { kind: 'os', warning: null } }),
      'entries:list': emptyListing
    })
    const store = createAppStore(bridge)
    renderApp(store)
    await screen.findByTestId('inventory-count')
    // both asked at once: the keychain's answer does not wait for app:info's
    expect(bridge.calls.map((c) => c.channel)).toEqual(
      expect.arrayContaining(['app:info', 'keychain:status'])
    )
    expect(screen.getByTestId('status-store').textContent).toBe('Secret store: checking…')
    // no colour that says "fine" before main has said anything
    expect(screen.getByTestId('status-store').className).toBe('status-item unknown')
    answerInfo()
    await waitFor(() => expect(screen.getByTestId('status-store').textContent).toBe('OS keychain'))
    expect(screen.getByTestId('status-store').className).toBe('status-item')
  })

  it('says unknown when main could not tell', async () => {
    cleanup()
    const store = createAppStore(
      fakeBridge({
        'app:info': () => ({ ok: true, value: appInfo('web') }),
        'entries:list': emptyListing
      })
    )
    renderApp(store)
    await waitFor(() =>
      expect(screen.getByTestId('status-store').textContent).toBe('Secret store: unknown')
    )
    expect(store.getState().infoStatus).toBe('ready')
  })
})

describe('app shell: screens mount when first shown', () => {
  it('asks main only for what the first screen shows, and keeps a shown screen mounted', async () => {
    cleanup()
    const bridge = fakeBridge({
      'app:info': () => ({ ok: true, value: appInfo('web') }),
      'keychain:status': () => ({ ok: true, value: { kind: 'memory', warning: 'no keychain' } }),
      'entries:list': emptyListing,
      'profiles:list': () => ({ ok: true, value: [] })
    })
    const store = createAppStore(bridge)
    renderApp(store)
    await screen.findByTestId('inventory-count')
    await within(await screen.findByTestId('dialects')).findByText('airflow2')
    // the hidden screens have neither rendered nor asked for anything (the profiles are the
    // store field's suggestions)
    expect(new Set(bridge.calls.map((c) => c.channel))).toEqual(
      new Set(['app:info', 'keychain:status', 'entries:list', 'profiles:list'])
    )
    expect(screen.queryByTestId('precedence')).toBeNull()
    expect(screen.queryByTestId('jobs')).toBeNull()

    fireEvent.click(screen.getByTestId('nav-precedence'))
    await screen.findByTestId('precedence')
    await waitFor(() =>
      expect(bridge.calls.some((c) => c.channel === 'effective:resolve')).toBe(true)
    )
    // back on the inventory, the precedence screen stays mounted (hidden), its state kept
    fireEvent.click(screen.getByTestId('nav-inventory'))
    expect(screen.getByTestId('precedence').closest('[data-screen]')?.hasAttribute('hidden')).toBe(
      true
    )
    expect(bridge.calls.filter((c) => c.channel === 'entries:list')).toHaveLength(1)
  })
})
