import { useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import type { AppInfoDto, ProfileDto, ProfileKindDto } from '../../../src-main/contract/ipc'
import type { ProfileFieldSpec } from '../../../src-main/contract/providers'
import { useAppStore } from '../../store'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorNote } from '../../components/ErrorNote'
import { ProfileField } from './ProfileField'
import { checkFields, kindFields, splitProfile, type FieldValues } from './profile-form-model'

type KindInfo = AppInfoDto['profileKinds'][number]

/**
 * Adds a profile or edits one. It shows the labelled fields of the chosen kind and credential
 * method only (main describes them, `app:info`), with an "Advanced" disclosure for any other
 * backend_kwargs. Secrets are typed into password fields, sent once with the save and cleared;
 * an empty secret field on edit keeps the stored one.
 */
export function ProfileForm(props: { editing: ProfileDto | undefined; onDone: () => void }) {
  const info = useAppStore((s) => s.info)
  const addProfile = useAppStore((s) => s.addProfile)
  const editProfile = useAppStore((s) => s.editProfile)
  const p = props.editing
  const kinds = info?.profileKinds ?? []
  const [name, setName] = useState(p?.name ?? '')
  const [kind, setKind] = useState<ProfileKindDto>(p?.kind ?? 'metadb')
  const kindInfo: KindInfo | undefined = kinds.find((k) => k.kind === kind)
  const [version, setVersion] = useState(p?.airflowVersion ?? '')
  const [method, setMethod] = useState(p?.credential.method ?? kindInfo?.methods[0]?.method ?? '')
  const initial = splitProfile(p, kindInfo)
  const [values, setValues] = useState<FieldValues>(initial.values)
  const [advanced, setAdvanced] = useState(initial.advanced)
  const [isProtected, setProtected] = useState(Boolean(p?.protected))
  const [secrets, setSecrets] = useState<Record<string, string>>({})
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<ErrorDto | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const fields = kindFields(kindInfo, method)

  /** Lifting a profile's protection asks for its name, as applying to it does. */
  const [lifting, setLifting] = useState(false)
  const submit = async (confirm?: string) => {
    const checked = checkFields(fields, values, secrets, advanced, p?.secrets ?? {})
    setFieldErrors(checked.errors)
    if (!checked.ok) {
      return setError({
        code: 'usage',
        message: checked.advancedError
          ? checked.advancedError
          : `Fix the fields marked below: ${fields
              .filter((f) => checked.errors[f.id])
              .map((f) => f.label)
              .join(', ')}.`
      })
    }
    const filled = Object.fromEntries(
      Object.entries(secrets).filter(
        ([k, v]) => v && fields.some((f) => f.store === 'secret' && f.name === k)
      )
    )
    const profile = {
      kind,
      url: checked.url,
      region: checked.region,
      airflowVersion: version.trim() || null,
      credential: { method, params: checked.params },
      backendKwargs: checked.backendKwargs,
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
      : await addProfile({ name: name.trim(), profile, secrets: filled })
    setBusy(false)
    setSecrets({})
    if (err) return setError(err)
    props.onDone()
  }

  return (
    <form
      className="form-grid card profile-form"
      data-testid="profile-form"
      data-kind={kind}
      data-method={method}
      noValidate
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
            setMethod(kinds.find((x) => x.kind === k)?.methods[0]?.method ?? '')
            setValues({})
            setSecrets({})
            setFieldErrors({})
            setError(undefined)
          }}
        >
          {kinds.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Credential method
        <select
          data-testid="profile-method"
          value={method}
          onChange={(e) => {
            setMethod(e.target.value)
            setFieldErrors({})
          }}
        >
          {kindInfo?.methods.map((m) => (
            <option key={m.method} value={m.method}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>
          Airflow version <span className="optional">(optional)</span>
        </span>
        <input
          data-testid="profile-version"
          value={version}
          onChange={(e) => setVersion(e.target.value)}
          placeholder="3.2"
        />
      </label>
      <fieldset className="profile-fields" data-testid="profile-fields">
        <legend>{kindInfo?.label ?? kind}</legend>
        {fields.map((f: ProfileFieldSpec) => (
          <ProfileField
            key={`${f.id}:${method}`}
            spec={f}
            value={f.store === 'secret' ? (secrets[f.name] ?? '') : (values[f.id] ?? '')}
            stored={f.store === 'secret' && p?.secrets[f.name] === 'stored'}
            error={fieldErrors[f.id]}
            onChange={(v) => {
              if (f.store === 'secret') setSecrets({ ...secrets, [f.name]: v })
              else setValues({ ...values, [f.id]: v })
              // a field's problem goes once it is edited; main checks again on save
              if (fieldErrors[f.id]) {
                const { [f.id]: _fixed, ...rest } = fieldErrors
                setFieldErrors(rest)
                // the summary named only these fields: it goes with the last of them
                if (Object.keys(rest).length === 0) setError(undefined)
              }
            }}
          />
        ))}
      </fieldset>
      <details className="profile-advanced" open={initial.advanced.trim() !== '{}'}>
        <summary>Advanced: other backend_kwargs</summary>
        <label>
          backend_kwargs (JSON, no secrets; the fields above win)
          <textarea
            rows={3}
            data-testid="profile-kwargs"
            value={advanced}
            aria-invalid={fieldErrors.advanced ? true : undefined}
            onChange={(e) => setAdvanced(e.target.value)}
          />
        </label>
      </details>
      <label className="check profile-protected">
        <input
          type="checkbox"
          data-testid="profile-protected"
          checked={isProtected}
          onChange={(e) => setProtected(e.target.checked)}
        />
        Protected (production): applying to it or rolling back in it asks to type its name
      </label>
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
