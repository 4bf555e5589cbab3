/**
 * The page's first script, kept small: it sets the theme, trades the launch code for this tab's
 * session and asks for the first screen's store while the app itself (React, the store, the
 * screens: start.tsx) is still being fetched and compiled, so the first rows are usually there
 * by the time the app first renders (issue #22: first inventory row).
 */
import type { AirlockBridge } from '../src-main/contract/ipc'
import { connectBridge } from './bridge'
import { FIRST_INVENTORY_LOCATOR } from './store/slices/inventory-slice'
import { applyTheme, savedTheme } from './theme'
import './styles.css'

// The theme picked before, set before the first render (no flash of the other one).
applyTheme(savedTheme())
const app = import('./start')
// The app's script could not be fetched (the server stopped meanwhile): say so without it.
app.catch(() => {
  const note = document.createElement('main')
  note.className = 'fatal'
  note.dataset.appState = 'stopped'
  note.textContent =
    'Airlock could not load: is `airlock serve` still running? Start it again and open the new link it prints.'
  document.getElementById('root')!.replaceChildren(note)
})
const withApp = (use: (m: Awaited<typeof app>) => unknown) => void app.then(use, () => undefined)
// Web mode: once `airlock serve` is gone, the app says so instead of leaving screens that fail.
connectBridge(() => withApp((m) => m.showStopped())).then(
  (bridge: AirlockBridge) => {
    const firstListing = bridge.invoke('entries:list', { locator: FIRST_INVENTORY_LOCATOR })
    withApp((m) => m.start(bridge, firstListing))
  },
  (error: unknown) => withApp((m) => m.showFailed(error))
)
