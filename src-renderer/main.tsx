import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { connectBridge } from './bridge'
import { applyTheme, savedTheme } from './components/ThemePicker'
import { createAppStore, StoreContext } from './store'
import './styles.css'

// The theme picked before, set before the first render (no flash of the other one).
applyTheme(savedTheme())
const root = createRoot(document.getElementById('root')!)
connectBridge().then(
  (bridge) => {
    const store = createAppStore(bridge)
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
