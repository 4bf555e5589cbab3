import { useEffect } from 'react'
import { useAppStore } from './store'
import type { Screen } from './store/slices/app-slice'
import { InventoryScreen } from './features/inventory/InventoryScreen'
import { JobsScreen } from './features/jobs/JobsScreen'
import { MigrateScreen } from './features/migrate/MigrateScreen'
import { CompareScreen } from './features/compare/CompareScreen'
import { LocatorSuggestions } from './components/LocatorSuggestions'
import { ThemePicker } from './components/ThemePicker'
import { PrecedenceScreen } from './features/precedence/PrecedenceScreen'
import { ProfilesScreen } from './features/profiles/ProfilesScreen'
import { AuditScreen } from './features/audit/AuditScreen'

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'inventory', label: 'Inventory' },
  { id: 'precedence', label: 'Precedence' },
  { id: 'migrate', label: 'Migrate' },
  { id: 'compare', label: 'Compare' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'audit', label: 'Audit' },
  { id: 'profiles', label: 'Profiles' }
]

/** The shell: navigation and the current screen. */
export function App() {
  const info = useAppStore((s) => s.info)
  const status = useAppStore((s) => s.infoStatus)
  const error = useAppStore((s) => s.infoError)
  const loadInfo = useAppStore((s) => s.loadInfo)
  const screen = useAppStore((s) => s.screen)
  const setScreen = useAppStore((s) => s.setScreen)
  const watchJobs = useAppStore((s) => s.watchJobs)
  useEffect(() => {
    void loadInfo()
  }, [loadInfo])
  useEffect(() => watchJobs(), [watchJobs])
  return (
    <div className="app" data-app-state={status}>
      <a className="skip-link" href="#content" data-testid="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <h1>Airlock</h1>
        <nav aria-label="Screens">
          {SCREENS.map((s) => (
            <button
              key={s.id}
              type="button"
              data-testid={`nav-${s.id}`}
              className={screen === s.id ? 'tab active' : 'tab'}
              aria-current={screen === s.id ? 'page' : undefined}
              onClick={() => setScreen(s.id)}
            >
              {s.label}
            </button>
          ))}
        </nav>
        {info && (
          <span className="meta" data-testid="app-meta">
            v{info.version} · {info.mode === 'web' ? 'web mode (this machine only)' : 'desktop'}
          </span>
        )}
        <ThemePicker />
      </header>
      {status === 'failed' && (
        <p className="error" role="alert">
          {error?.message}
        </p>
      )}
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
      {/* Screens stay mounted while hidden, so forms and filters survive switching tabs. */}
      <main className="content" id="content" tabIndex={-1}>
        {/* One list of store locators (the demo, each profile) for every locator field. */}
        <LocatorSuggestions />
        <div hidden={screen !== 'inventory'}>
          <InventoryScreen />
        </div>
        <div hidden={screen !== 'precedence'}>
          <PrecedenceScreen />
        </div>
        <div hidden={screen !== 'migrate'}>
          <MigrateScreen />
        </div>
        <div hidden={screen !== 'compare'}>
          <CompareScreen />
        </div>
        <div hidden={screen !== 'jobs'}>
          <JobsScreen />
        </div>
        <div hidden={screen !== 'audit'}>
          <AuditScreen />
        </div>
        <div hidden={screen !== 'profiles'}>
          <ProfilesScreen />
        </div>
      </main>
    </div>
  )
}
