import { useEffect } from 'react'
import { useAppStore } from './store'

/** The shell of the app; screens arrive with the desktop-app work. */
export function App() {
  const info = useAppStore((s) => s.info)
  const status = useAppStore((s) => s.infoStatus)
  const loadInfo = useAppStore((s) => s.loadInfo)
  useEffect(() => {
    void loadInfo()
  }, [loadInfo])
  return (
    <main data-app-state={status}>
      <h1>Airlock</h1>
      {info && (
        <section data-testid="dialects">
          <p>Version {info.version}. Connection dialects modelled:</p>
          <ul>
            {info.dialects.map((d) => (
              <li key={d.id}>
                <code>{d.id}</code> — {d.label}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  )
}
