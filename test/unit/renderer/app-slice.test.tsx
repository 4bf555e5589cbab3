import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../../../src-renderer/App'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { appInfo } from '../../../src-main/ipc/handlers/app'
import { fakeBridge } from '../../support/fake-bridge'

describe('app shell', () => {
  it('loads app info through the bridge and lists the dialects', async () => {
    const bridge = fakeBridge({
      'app:info': () => ({ ok: true, value: appInfo('web') }),
      'keychain:status': () => ({ ok: true, value: { kind: 'memory', warning: 'no keychain' } }),
      'entries:list': () => ({
        ok: true,
        value: { storeId: 'demo:metadb', entries: [], problems: [] }
      })
    })
    const store = createAppStore(bridge)
    render(
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    )
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
