import type { ProfileFieldSpec } from '../../../src-main/contract/providers'

/**
 * One labelled field of the profile form, drawn from its spec: a text, number, select or
 * password input, "(optional)" beside the label of an optional one, its help and its problem
 * under it. A password field is never filled from main: a stored secret says "stored".
 */
export function ProfileField(props: {
  spec: ProfileFieldSpec
  value: string
  stored: boolean
  error: string | undefined
  onChange: (value: string) => void
}) {
  const { spec, value, error } = props
  const inputId = `profile-field-${spec.id.replace(/\W/g, '-')}`
  const helpId = `${inputId}-help`
  const errorId = `${inputId}-error`
  const described = [spec.help || props.stored ? helpId : '', error ? errorId : '']
    .filter(Boolean)
    .join(' ')
  const testId =
    spec.store === 'url'
      ? 'profile-url'
      : spec.store === 'secret'
        ? `profile-secret-${spec.name}`
        : `profile-field-${spec.id}`
  const common = {
    id: inputId,
    'data-testid': testId,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': described || undefined,
    'aria-required': spec.required && !props.stored ? true : undefined
  }
  let input
  if (spec.type === 'select') {
    const options = spec.options ?? []
    const known = value === '' || options.some((o) => o.value === value)
    input = (
      <select {...common} value={value} onChange={(e) => props.onChange(e.target.value)}>
        {!spec.required && <option value="">Default</option>}
        {!known && <option value={value}>{value}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    )
  } else
    input = (
      <input
        {...common}
        type={spec.type === 'password' ? 'password' : spec.type === 'number' ? 'number' : 'text'}
        autoComplete={spec.type === 'password' ? 'new-password' : 'off'}
        spellCheck={false}
        min={spec.min}
        max={spec.max}
        placeholder={spec.placeholder}
        value={value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    )
  return (
    <div className="profile-field" data-field={spec.id}>
      <label htmlFor={inputId}>
        <span className="profile-field-label">
          {spec.label}
          {!spec.required && <span className="optional"> (optional)</span>}
        </span>
      </label>
      {input}
      {(spec.help || props.stored) && (
        <span className="profile-field-help small muted" id={helpId}>
          {props.stored ? 'Stored in the keychain; leave empty to keep it. ' : ''}
          {spec.help ?? ''}
        </span>
      )}
      {error && (
        <span className="profile-field-error error small" id={errorId}>
          {error}
        </span>
      )}
    </div>
  )
}
