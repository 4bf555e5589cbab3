import type { Screen } from '../store/slices/app-slice'
import { useAppStore } from '../store'
import { ThemePicker } from './ThemePicker'

/** One screen of the app as the navigation lists it. */
export interface ScreenEntry {
  id: Screen
  label: string
}

/** The key that opens the command palette, as this platform writes it. */
export function paletteShortcut(): string {
  return /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘K' : 'Ctrl+K'
}

/**
 * The side navigation: the screens (`nav-<id>`, the current one `aria-current="page"`), the
 * command palette and the theme picker, always in view whatever the window's height.
 */
export function SideNav(props: { screens: readonly ScreenEntry[] }) {
  const screen = useAppStore((s) => s.screen)
  const setScreen = useAppStore((s) => s.setScreen)
  const setPaletteOpen = useAppStore((s) => s.setPaletteOpen)
  return (
    <aside className="sidenav" data-testid="sidenav">
      <h1>Airlock</h1>
      <nav aria-label="Screens">
        <ul>
          {props.screens.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                data-testid={`nav-${s.id}`}
                className={screen === s.id ? 'nav-item active' : 'nav-item'}
                aria-current={screen === s.id ? 'page' : undefined}
                onClick={() => setScreen(s.id)}
              >
                {s.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidenav-foot">
        <button
          type="button"
          className="palette-open"
          data-testid="palette-open"
          aria-keyshortcuts="Control+K Meta+K"
          onClick={() => setPaletteOpen(true)}
        >
          Commands <kbd>{paletteShortcut()}</kbd>
        </button>
        <p className="small muted shortcut-hint">
          <kbd>/</kbd> search this screen
        </p>
        <ThemePicker />
      </div>
    </aside>
  )
}
