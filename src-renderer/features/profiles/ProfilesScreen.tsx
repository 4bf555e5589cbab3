import { useEffect, useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { ProfileDto, ProfileTestDto } from '../../../src-main/contract/ipc'
import { useAppStore } from '../../store'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorNote } from '../../components/ErrorNote'
import { useRowGrid } from '../../components/row-grid'
import { ProfileForm } from './ProfileForm'
import { appKeychainWarning } from '../../components/keychain-text'
import { ImportForm } from './ImportForm'
import { PassphraseUnlock } from './PassphraseUnlock'

/** The name cell; in rename mode a field that saves on Enter and gives up on Escape. */
function NameCell(props: { name: string; renaming: boolean; onDone: (err?: ErrorDto) => void }) {
  const rename = useAppStore((s) => s.renameProfile)
  const [to, setTo] = useState(props.name)
  if (!props.renaming) return <td className="id">{props.name}</td>
  return (
    <td className="id">
      <form
        onSubmit={async (e) => {
          e.preventDefault()
          if (to.trim() === props.name) return props.onDone()
          props.onDone(await rename(props.name, to.trim()))
        }}
      >
        <input
          data-testid="profile-rename-to"
          aria-label={`New name for ${props.name}`}
          value={to}
          autoFocus
          onChange={(e) => setTo(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') props.onDone()
          }}
        />
      </form>
    </td>
  )
}

/** Which secrets are stored; a missing optional one reads as optional, not as a problem. */
function SecretsCell(props: { secrets: ProfileDto['secrets'] }) {
  const entries = Object.entries(props.secrets)
  if (!entries.length) return <>none needed</>
  return (
    <>
      {entries.map(([k, v], i) => (
        <span key={k} className={`secret-status ${v}`}>
          {i > 0 ? ', ' : ''}
          {k}: {v === 'optional' ? 'not set (optional)' : v}
        </span>
      ))}
    </>
  )
}

/** What testing found: counts and latency, or the error in red (announced). */
function TestResult(props: { result: ProfileTestDto | 'testing' | undefined }) {
  const t = props.result
  if (t === undefined) return null
  if (t === 'testing') return <span className="muted">testing…</span>
  const ms = t.latencyMs === undefined ? '' : ` · ${t.latencyMs} ms`
  if (t.ok)
    return (
      <span className="test-ok" data-testid="profile-test-ok">
        ok: {t.connections} connections, {t.variables} variables
        <span className="muted" data-testid="profile-test-latency">
          {ms}
        </span>
      </span>
    )
  const error = t.error ?? { code: 'internal', message: 'unknown error' }
  return (
    <span className="test-failed">
      <ErrorNote
        error={{ ...error, message: `failed: ${error.message}` }}
        testId="profile-test-error"
        inline
      />
      <span className="muted" data-testid="profile-test-latency">
        {ms}
      </span>
    </span>
  )
}

/** Saved profiles, where their secrets are kept, and testing a connection. */
export function ProfilesScreen() {
  const profiles = useAppStore((s) => s.profiles)
  const status = useAppStore((s) => s.profilesStatus)
  const error = useAppStore((s) => s.profilesError)
  const tests = useAppStore((s) => s.profileTests)
  const keychain = useAppStore((s) => s.keychain)
  const load = useAppStore((s) => s.loadProfiles)
  const test = useAppStore((s) => s.testProfile)
  const remove = useAppStore((s) => s.removeProfile)
  const info = useAppStore((s) => s.info)
  const kindLabel = (p: ProfileDto) =>
    info?.profileKinds.find((k) => k.kind === p.kind)?.label ?? p.kind
  const methodLabel = (p: ProfileDto) =>
    info?.profileKinds
      .find((k) => k.kind === p.kind)
      ?.methods.find((m) => m.method === p.credential.method)?.label ?? p.credential.method
  const [form, setForm] = useState<{ editing: ProfileDto | undefined } | undefined>(undefined)
  const [importing, setImporting] = useState(false)
  const [renaming, setRenaming] = useState<string | undefined>(undefined)
  const [rowError, setRowError] = useState<ErrorDto | undefined>(undefined)
  /** The profile whose removal the confirm dialog asks about. */
  const [removing, setRemoving] = useState<ProfileDto | undefined>(undefined)
  useEffect(() => {
    void load()
  }, [load])
  // one tab stop: arrows move between profiles, Enter or F2 reaches the row's buttons
  const profileGrid = useRowGrid({
    keys: profiles.map((p) => p.name),
    label: 'Profiles; Enter reaches the active profile’s buttons'
  })
  return (
    <section data-testid="profiles" data-state={status}>
      <h2>Profiles</h2>
      <p
        className={keychain && keychain.kind !== 'memory' ? 'note' : 'warning'}
        data-testid="keychain-status"
        data-kind={keychain?.kind}
      >
        {keychain?.kind === 'os'
          ? 'Secrets are kept in the OS keychain.'
          : keychain?.kind === 'passphrase'
            ? `Secrets are kept in the passphrase store (${keychain.location ?? ''}).`
            : appKeychainWarning(
                keychain?.warning ?? 'No OS keychain: secrets are kept for this run only.'
              )}
      </p>
      {keychain?.kind === 'memory' && <PassphraseUnlock />}
      <ErrorNote error={error} />
      <ErrorNote error={rowError} />
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          data-testid="profile-add"
          onClick={() => setForm({ editing: undefined })}
        >
          Add profile
        </button>
        <button type="button" data-testid="profile-import" onClick={() => setImporting(true)}>
          Import from airflow.cfg
        </button>
      </div>
      {importing && <ImportForm onDone={() => setImporting(false)} />}
      {form && (
        <ProfileForm
          key={form.editing?.name ?? '(new)'}
          editing={form.editing}
          // only this form: a save that ends after another form was opened leaves that one open
          onDone={() => setForm((now) => (now === form ? undefined : now))}
        />
      )}
      {status === 'ready' && profiles.length === 0 && <p className="muted">No profiles yet.</p>}
      {profiles.length > 0 && (
        <table className="grid" data-testid="profiles-table" {...profileGrid.grid}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>URL or region</th>
              <th>Credential</th>
              <th>Secrets</th>
              <th>Jobs</th>
              <th>Test</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {profiles.map((p) => {
              const t = tests[p.name]
              return (
                <tr
                  key={p.name}
                  {...profileGrid.row(p.name)}
                  data-testid="profile-row"
                  data-name={p.name}
                >
                  <NameCell
                    name={p.name}
                    renaming={renaming === p.name}
                    onDone={(err) => {
                      setRowError(err)
                      setRenaming(undefined)
                    }}
                  />
                  <td>
                    {kindLabel(p)}
                    {p.protected && (
                      <>
                        {' '}
                        <span className="badge protected" data-testid="profile-protected-badge">
                          protected
                        </span>
                      </>
                    )}
                  </td>
                  <td className="small profile-url-cell">{p.url ?? p.region ?? ''}</td>
                  <td className="small">{methodLabel(p)}</td>
                  <td className="small" data-testid="profile-secrets">
                    <SecretsCell secrets={p.secrets} />
                  </td>
                  <td className="small num" data-testid="profile-used-by">
                    {p.usedByJobs === undefined
                      ? ''
                      : p.usedByJobs === 1
                        ? 'used by 1 job'
                        : `used by ${p.usedByJobs} jobs`}
                  </td>
                  <td className="small" data-testid="profile-test-result" aria-live="polite">
                    <TestResult result={t} />
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      data-testid="profile-test"
                      onClick={() => void test(p.name)}
                    >
                      Test
                    </button>
                    <button
                      type="button"
                      data-testid="profile-edit"
                      onClick={() => setForm({ editing: p })}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      data-testid="profile-rename"
                      onClick={() => setRenaming(p.name)}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      data-testid="profile-remove"
                      onClick={() => setRemoving(p)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {removing && (
        <ConfirmDialog
          title="Remove this profile?"
          sentence={`remove the profile ${removing.name}${removing.protected ? ' (protected)' : ''} and delete its secrets from the keychain; the store it points at is not changed`}
          confirmLabel="Remove profile"
          onCancel={() => setRemoving(undefined)}
          onConfirm={async () => {
            const name = removing.name
            setRemoving(undefined)
            setRowError(await remove(name))
          }}
        />
      )}
    </section>
  )
}
