import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { connectBridge } from './bridge'
import { applyTheme, savedTheme } from './theme'
import { createAppStore, StoreContext } from './store'
import './styles.css'

// The theme picked before, set before the first render (no flash of the other one).
applyTheme(savedTheme())
const root = createRoot(document.getElementById('root')!)
// Web mode: once `airlock serve` is gone, say so instead of leaving screens that fail.
const stopped = () =>
  root.render(
    <main data-app-state="stopped" className="fatal" data-testid="app-stopped">
      <h1>Airlock has stopped</h1>
      <p>
        The <code>airlock serve</code> behind this page is no longer running. Start it again with{' '}
        <code>npm start</code> (or <code>airlock serve</code>) and open the new link it prints.
      </p>
    </main>
  )
connectBridge(stopped).then(
  (bridge) => {
    const store = createAppStore(bridge)
    // The first screen's store is asked for now, so main reads it while React renders the
    // shell (the screen's own effect loads only a store not asked for yet).
    const first = store.getState()
    if (first.screen === 'inventory' && first.inventoryStatus === 'idle')
      void first.loadInventory(first.inventoryLocator)
    root.render(
      <StrictMode>
        <StoreContext.Provider value={store}>
          <App />
        </StoreContext.Provider>
      </StrictMode>
    )
  },
  (error: unknown) =>
    root.render(
      <main data-app-state="failed" className="fatal">
        <h1>Airlock</h1>
        <p data-testid="fatal-message">{(error as Error).message}</p>
      </main>
    )
)
