import { useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { ProfileImportDto } from '../../../src-main/contract/ipc'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'

/**
 * Makes profiles from an airflow.cfg: the metadata DB (`sql_alchemy_conn`, its password and
 * the Fernet key go to the keychain) and the configured secrets backend, read as Airflow
 * reads them (the environment Airlock runs in overrides the file).
 */
export function ImportForm(props: { onDone: () => void }) {
  const importProfiles = useAppStore((s) => s.importProfiles)
  const [path, setPath] = useState('')
  const [name, setName] = useState('airflow')
  const [version, setVersion] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ErrorDto | undefined>(undefined)
  const [made, setMade] = useState<ProfileImportDto | undefined>(undefined)
  return (
    <form
      className="form-grid card"
      data-testid="import-form"
      onKeyDown={(e) => {
        // Escape closes the form, as it would a dialog
        if (e.key === 'Escape') props.onDone()
      }}
      onSubmit={async (e) => {
        e.preventDefault()
        setBusy(true)
        const r = await importProfiles({
          name: name.trim(),
          path: path.trim() || undefined,
          airflowVersion: version.trim() || undefined
        })
        setBusy(false)
        setError(r.ok ? undefined : r.error)
        setMade(r.ok ? r.value : undefined)
      }}
    >
      <h3>Import from airflow.cfg</h3>
      <label>
        airflow.cfg
        <input
          data-testid="import-path"
          value={path}
          onChange={(e) => setPath(e.target.value)}
          placeholder="$AIRFLOW_CONFIG, else $AIRFLOW_HOME/airflow.cfg"
        />
      </label>
      <label>
        Name prefix
        <input
          data-testid="import-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
      </label>
      <label>
        Airflow version
        <input
          value={version}
          onChange={(e) => setVersion(e.target.value)}
          placeholder="from the file, else 3.2"
        />
      </label>
      <div className="actions">
        <button type="submit" className="primary" data-testid="import-run" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
        <button type="button" onClick={props.onDone}>
          Close
        </button>
      </div>
      <ErrorNote error={error} testId="import-error" />
      {made && (
        <div className="note" data-testid="import-result" role="status">
          From <code>{made.path}</code>: made {made.profiles.map((p) => p.name).join(', ')}.
          {made.problems.length > 0 && (
            <ul className="warning small">
              {made.problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  )
}
