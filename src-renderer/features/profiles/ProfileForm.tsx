import { useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { ProfileDto, ProfileKindDto } from '../../../src-main/contract/ipc'
import { useAppStore } from '../../store'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorNote } from '../../components/ErrorNote'

function parseParams(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
      .filter(([k]) => k)
  )
}

/**
 * Adds a profile or edits one. Secrets are typed into password fields, sent once with the
 * save and cleared; an empty secret field on edit keeps the stored one.
 */
export function ProfileForm(props: { editing: ProfileDto | undefined; onDone: () => void }) {
  const info = useAppStore((s) => s.info)
  const addProfile = useAppStore((s) => s.addProfile)
  const editProfile = useAppStore((s) => s.editProfile)
  const p = props.editing
  const [name, setName] = useState(p?.name ?? '')
  const [kind, setKind] = useState<ProfileKindDto>(p?.kind ?? 'metadb')
  const [url, setUrl] = useState(p?.url ?? '')
  const [region, setRegion] = useState(p?.region ?? '')
  const [version, setVersion] = useState(p?.airflowVersion ?? '')
  const kindInfo = info?.profileKinds.find((k) => k.kind === kind)
  const methods = kindInfo?.methods ?? []
  const [method, setMethod] = useState(p?.credential.method ?? methods[0]?.method ?? '')
  const [params, setParams] = useState(
    Object.entries(p?.credential.params ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')
  )
  const [kwargs, setKwargs] = useState(p ? JSON.stringify(p.backendKwargs) : '{}')
  const [isProtected, setProtected] = useState(Boolean(p?.protected))
  const [secrets, setSecrets] = useState<Record<string, string>>({})
  const [error, setError] = useState<ErrorDto | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const needed = methods.find((m) => m.method === method)?.secrets ?? []

  /** Lifting a profile's protection asks for its name, as applying to it does. */
  const [lifting, setLifting] = useState(false)
  const submit = async (confirm?: string) => {
    let backendKwargs: Record<string, unknown>
    try {
      backendKwargs = JSON.parse(kwargs || '{}') as Record<string, unknown>
    } catch {
      return setError({ code: 'usage', message: 'backend_kwargs must be a JSON object.' })
    }
    const filled = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v))
    const profile = {
      kind,
      url: url || null,
      region: region || null,
      airflowVersion: version || null,
      credential: { method, params: parseParams(params) },
      backendKwargs,
      protected: isProtected
    }
    if (p?.protected && !isProtected && confirm === undefined) return setLifting(true)
    setBusy(true)
    const err = p
      ? await editProfile({
          name: p.name,
          patch: profile,
          secrets: filled,
          ...(confirm !== undefined ? { confirm } : {})
        })
      : await addProfile({ name, profile, secrets: filled })
    setBusy(false)
    setSecrets({})
    if (err) return setError(err)
    props.onDone()
  }

  return (
    <form
      className="form-grid card"
      data-testid="profile-form"
      onKeyDown={(e) => {
        // Escape closes the form, as it would a dialog
        if (e.key === 'Escape') props.onDone()
      }}
      onSubmit={(e) => {
        e.preventDefault()
        void submit()
      }}
    >
      <h3>{p ? `Edit ${p.name}` : 'Add a profile'}</h3>
      <label>
        Name
        <input
          data-testid="profile-name"
          value={name}
          disabled={Boolean(p)}
          onChange={(e) => setName(e.target.value)}
          required
        />
      </label>
      <label>
        Kind
        <select
          data-testid="profile-kind"
          value={kind}
          disabled={Boolean(p)}
          onChange={(e) => {
            const k = e.target.value as ProfileKindDto
            setKind(k)
            setMethod(info?.profileKinds.find((x) => x.kind === k)?.methods[0]?.method ?? '')
          }}
        >
          {info?.profileKinds.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.kind}
            </option>
          ))}
        </select>
      </label>
      <label>
        URL
        <input
          data-testid="profile-url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder={
            kind === 'metadb' ? 'postgresql://airflow@db/airflow (no password)' : 'https://…'
          }
        />
      </label>
      <label>
        Region
        <input value={region} onChange={(e) => setRegion(e.target.value)} />
      </label>
      <label>
        Airflow version
        <input value={version} onChange={(e) => setVersion(e.target.value)} placeholder="3.2" />
      </label>
      <label>
        Credential
        <select
          data-testid="profile-method"
          value={method}
          onChange={(e) => setMethod(e.target.value)}
        >
          {methods.map((m) => (
            <option key={m.method} value={m.method}>
              {m.method}
            </option>
          ))}
        </select>
      </label>
      <label>
        Parameters (key=value per line, no secrets)
        <textarea rows={2} value={params} onChange={(e) => setParams(e.target.value)} />
      </label>
      <label>
        backend_kwargs (JSON, no secrets)
        <textarea
          rows={2}
          data-testid="profile-kwargs"
          value={kwargs}
          onChange={(e) => setKwargs(e.target.value)}
        />
      </label>
      <label className="check">
        <input
          type="checkbox"
          data-testid="profile-protected"
          checked={isProtected}
          onChange={(e) => setProtected(e.target.checked)}
        />
        Protected (production): applying to it or rolling back in it asks to type its name
      </label>
      {needed.map((s) => (
        <label key={s}>
          {kindInfo?.secretLabels[s] ?? s}
          {p?.secrets[s] === 'stored' && (
            <span className="muted small"> (stored; leave empty to keep)</span>
          )}
          <input
            type="password"
            autoComplete="off"
            data-testid={`profile-secret-${s}`}
            value={secrets[s] ?? ''}
            onChange={(e) => setSecrets({ ...secrets, [s]: e.target.value })}
          />
        </label>
      ))}
      <ErrorNote error={error} testId="profile-error" />
      {lifting && p && (
        <ConfirmDialog
          title="Lift the protection?"
          sentence={`let apply and rollback write to ${p.name} without typing its name`}
          confirmLabel="Lift protection"
          typeName={p.name}
          onCancel={() => setLifting(false)}
          onConfirm={(typed) => {
            setLifting(false)
            void submit(typed)
          }}
        />
      )}
      <div className="actions">
        <button type="submit" className="primary" data-testid="profile-save" disabled={busy}>
          {p ? 'Save changes' : 'Add profile'}
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}
