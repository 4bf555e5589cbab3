import { lazy, Suspense, useEffect, useState, type ComponentType } from 'react'
import { useAppStore } from './store'
import type { Screen } from './store/slices/app-slice'
import { InventoryScreen } from './features/inventory/InventoryScreen'
import { CommandPalette } from './components/CommandPalette'
import { ErrorNote } from './components/ErrorNote'
import { Toasts } from './components/Toasts'
import { isTextField, screenSearchBox } from './components/screen-search'
import { SideNav } from './components/SideNav'
import { StatusBar } from './components/StatusBar'

// The first screen is in the page's script; the others are chunks fetched the first time
// they are shown, so the first row waits for less script to load and run.
const PrecedenceScreen = lazy(() =>
  import('./features/precedence/PrecedenceScreen').then((m) => ({ default: m.PrecedenceScreen }))
)
const MigrateScreen = lazy(() =>
  import('./features/migrate/MigrateScreen').then((m) => ({ default: m.MigrateScreen }))
)
const CompareScreen = lazy(() =>
  import('./features/compare/CompareScreen').then((m) => ({ default: m.CompareScreen }))
)
const JobsScreen = lazy(() =>
  import('./features/jobs/JobsScreen').then((m) => ({ default: m.JobsScreen }))
)
const AuditScreen = lazy(() =>
  import('./features/audit/AuditScreen').then((m) => ({ default: m.AuditScreen }))
)
const ProfilesScreen = lazy(() =>
  import('./features/profiles/ProfilesScreen').then((m) => ({ default: m.ProfilesScreen }))
)

/** The screens, in the side navigation's order: one line each (the palette lists them too). */
const SCREENS: { id: Screen; label: string; Component: ComponentType }[] = [
  { id: 'inventory', label: 'Inventory', Component: InventoryScreen },
  { id: 'precedence', label: 'Precedence', Component: PrecedenceScreen },
  { id: 'migrate', label: 'Migrate', Component: MigrateScreen },
  { id: 'compare', label: 'Compare', Component: CompareScreen },
  { id: 'jobs', label: 'Jobs', Component: JobsScreen },
  { id: 'audit', label: 'Audit', Component: AuditScreen },
  { id: 'profiles', label: 'Profiles', Component: ProfilesScreen }
]

/** App-wide keys: Ctrl/Cmd+K opens (or closes) the palette, `/` the screen's search box. */
function useShellKeys() {
  const setPaletteOpen = useAppStore((s) => s.setPaletteOpen)
  const paletteOpen = useAppStore((s) => s.paletteOpen)
  const screen = useAppStore((s) => s.screen)
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return
      // another modal (a confirm dialog) owns the keyboard while it is open
      const otherModal = document.querySelector('[aria-modal="true"]:not([data-testid="palette"])')
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        if (otherModal) return
        e.preventDefault()
        setPaletteOpen(!paletteOpen)
        return
      }
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return
      if (paletteOpen || otherModal || isTextField(e.target)) return
      e.preventDefault()
      const box = screenSearchBox(screen)
      if (!box) {
        // a screen with nothing to filter (yet): the palette is the search there
        setPaletteOpen(true)
        return
      }
      box.focus()
      if (box instanceof HTMLInputElement) box.select()
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [setPaletteOpen, paletteOpen, screen])
}

/** The shell: side navigation, the current screen, the status bar and the command palette. */
export function App() {
  const info = useAppStore((s) => s.info)
  const status = useAppStore((s) => s.infoStatus)
  const error = useAppStore((s) => s.infoError)
  const loadInfo = useAppStore((s) => s.loadInfo)
  const screen = useAppStore((s) => s.screen)
  const watchJobs = useAppStore((s) => s.watchJobs)
  const paletteOpen = useAppStore((s) => s.paletteOpen)
  useEffect(() => {
    void loadInfo()
  }, [loadInfo])
  useEffect(() => watchJobs(), [watchJobs])
  useShellKeys()
  // A screen is mounted the first time it is shown (its loads and first render wait until
  // then, so the first screen's rows are not queued behind six hidden screens' work), and
  // stays mounted after, so forms and filters survive switching screens.
  const [visited, setVisited] = useState<ReadonlySet<Screen>>(() => new Set([screen]))
  if (!visited.has(screen)) setVisited(new Set([...visited, screen]))
  return (
    <div className="app" data-app-state={status}>
      <a className="skip-link" href="#content" data-testid="skip-link">
        Skip to content
      </a>
      <SideNav screens={SCREENS} />
      {/* Screens stay mounted while hidden, so forms and filters survive switching screens. */}
      <main className="content" id="content" tabIndex={-1}>
        {status === 'failed' && <ErrorNote error={error} testId="app-error" />}
        {info && (
          <section data-testid="dialects" className="dialects" hidden>
            <ul>
              {info.dialects.map((d) => (
                <li key={d.id}>
                  <code>{d.id}</code> — {d.label}
                </li>
              ))}
            </ul>
          </section>
        )}
        {SCREENS.map(({ id, Component }) => (
          <div key={id} data-screen={id} hidden={screen !== id}>
            {visited.has(id) && (
              <Suspense
                fallback={
                  <p className="muted" data-screen-loading>
                    Loading…
                  </p>
                }
              >
                <Component />
              </Suspense>
            )}
          </div>
        ))}
      </main>
      <Toasts />
      <StatusBar />
      {paletteOpen && <CommandPalette screens={SCREENS} />}
    </div>
  )
}
