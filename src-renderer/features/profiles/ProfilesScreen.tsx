import { useEffect, useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { ProfileDto } from '../../../src-main/contract/ipc'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'
import { ProfileForm } from './ProfileForm'

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
  const [form, setForm] = useState<{ editing: ProfileDto | undefined } | undefined>(undefined)
  const [removeError, setRemoveError] = useState<ErrorDto | undefined>(undefined)
  useEffect(() => {
    void load()
  }, [load])
  return (
    <section data-testid="profiles" data-state={status}>
      <h2>Profiles</h2>
      <p
        className={keychain?.kind === 'os' ? 'note' : 'warning'}
        data-testid="keychain-status"
        data-kind={keychain?.kind}
      >
        {keychain?.kind === 'os'
          ? 'Secrets are kept in the OS keychain.'
          : (keychain?.warning ?? 'No OS keychain: secrets are kept for this run only.')}
      </p>
      <ErrorNote error={error} />
      <ErrorNote error={removeError} />
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          data-testid="profile-add"
          onClick={() => setForm({ editing: undefined })}
        >
          Add profile
        </button>
      </div>
      {form && (
        <ProfileForm
          key={form.editing?.name ?? '(new)'}
          editing={form.editing}
          onDone={() => setForm(undefined)}
        />
      )}
      {status === 'ready' && profiles.length === 0 && <p className="muted">No profiles yet.</p>}
      {profiles.length > 0 && (
        <table className="grid" data-testid="profiles-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>URL</th>
              <th>Credential</th>
              <th>Secrets</th>
              <th>Test</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {profiles.map((p) => {
              const t = tests[p.name]
              return (
                <tr key={p.name} data-testid="profile-row" data-name={p.name}>
                  <td className="id">{p.name}</td>
                  <td>{p.kind}</td>
                  <td className="small">{p.url}</td>
                  <td>{p.credential.method}</td>
                  <td className="small" data-testid="profile-secrets">
                    {Object.entries(p.secrets)
                      .map(([k, v]) => `${k}: ${v}`)
                      .join(', ') || 'none needed'}
                  </td>
                  <td className="small" data-testid="profile-test-result">
                    {t === 'testing'
                      ? 'testing…'
                      : t?.ok
                        ? `ok: ${t.connections} connections, ${t.variables} variables`
                        : t?.error
                          ? `failed: ${t.error.message}`
                          : ''}
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
                      data-testid="profile-remove"
                      onClick={async () => setRemoveError(await remove(p.name))}
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
    </section>
  )
}
