/** The app: renders the shell around a store built on the page's bridge (main.tsx starts it). */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import type { AirlockBridge, EntriesDto, IpcResult } from '../src-main/contract/ipc'
import { App } from './App'
import { createAppStore, StoreContext } from './store'

const root = createRoot(document.getElementById('root')!)
/** Set once the page says it cannot go on (stopped, failed): the app is not drawn over that. */
let ended = false

/**
 * How long the first render waits for the first screen's store, asked for before the app
 * loaded: long enough that a quick answer is in the first render (one render, not two), short
 * enough that a slow store shows the shell and its "Loading" first.
 */
const FIRST_ROWS_WAIT_MS = 150

/** Builds the store around `bridge` and renders the app; `firstListing` is the Inventory's. */
export async function start(
  bridge: AirlockBridge,
  firstListing: Promise<IpcResult<EntriesDto>>
): Promise<void> {
  const store = createAppStore(bridge)
  const first = store.getState()
  const shown = first.loadInventory(first.inventoryLocator, firstListing)
  await Promise.race([
    shown.catch(() => undefined),
    new Promise((r) => setTimeout(r, FIRST_ROWS_WAIT_MS))
  ])
  // the server may have stopped while the listing was on its way
  if (ended) return
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>
  )
}

/** Web mode: the `airlock serve` behind the page is gone. */
export function showStopped(): void {
  ended = true
  root.render(
    <main data-app-state="stopped" className="fatal" data-testid="app-stopped">
      <h1>Airlock has stopped</h1>
      <p>
        The <code>airlock serve</code> behind this page is no longer running. Start it again with{' '}
        <code>npm start</code> (or <code>airlock serve</code>) and open the new link it prints.
      </p>
    </main>
  )
}

/** The page could not connect (no session, a used link): what to do instead. */
export function showFailed(error: unknown): void {
  ended = true
  root.render(
    <main data-app-state="failed" className="fatal">
      <h1>Airlock</h1>
      <p data-testid="fatal-message">{(error as Error).message}</p>
    </main>
  )
}
