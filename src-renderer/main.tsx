import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { getBridge } from './bridge'
import { createAppStore, StoreContext } from './store'
import './styles.css'

const root = createRoot(document.getElementById('root')!)
try {
  const store = createAppStore(getBridge())
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>
  )
} catch (error) {
  root.render(
    <main data-app-state="failed" className="fatal">
      <h1>Airlock</h1>
      <p>{(error as Error).message}</p>
    </main>
  )
}
