import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { App } from '../../../src-renderer/App'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import type { AirlockBridge } from '../../../src-main/contract/ipc'
import { appInfo } from '../../../src-main/ipc/handlers/app'

describe('app shell', () => {
  it('loads app info through the bridge and lists the dialects', async () => {
    const bridge: AirlockBridge = { appInfo: async () => ({ ok: true, value: appInfo() }) }
    const store = createAppStore(bridge)
    render(
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    )
    expect(await screen.findByText('airflow2')).toBeTruthy()
    expect(store.getState().infoStatus).toBe('ready')
    expect(screen.getByTestId('dialects').textContent).toMatch(/Task SDK/)
  })

  it('records a failed answer without throwing', async () => {
    const bridge: AirlockBridge = {
      appInfo: async () => ({ ok: false, error: { code: 'internal', message: 'nope' } })
    }
    const store = createAppStore(bridge)
    await store.getState().loadInfo()
    expect(store.getState()).toMatchObject({
      infoStatus: 'failed',
      infoError: { code: 'internal' }
    })
  })
})
