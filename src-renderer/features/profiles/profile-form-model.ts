/**
 * The profile form's model, from the field specs main sends (`app:info`, core/profile-fields.ts):
 * which fields a kind and method show, a saved profile split into those fields and the other
 * backend_kwargs, and the check before saving. Main checks the saved profile again by the same
 * specs; this one marks the fields in the form before anything is sent.
 */
import type { AppInfoDto, ProfileDto } from '../../../src-main/contract/ipc'
import type { ProfileFieldSpec } from '../../../src-main/contract/providers'

type KindInfo = AppInfoDto['profileKinds'][number]

/** The typed text of each plain field, by field id. */
export type FieldValues = Record<string, string>

/** The fields a kind shows for a credential method, in form order. */
export function kindFields(kind: KindInfo | undefined, method: string): ProfileFieldSpec[] {
  return (kind?.fields ?? []).filter((f) => !f.methods || f.methods.includes(method))
}

/** A saved profile's plain fields as form text, and every other kwarg as the advanced JSON. */
export function splitProfile(
  p: ProfileDto | undefined,
  kind: KindInfo | undefined
): { values: FieldValues; advanced: string } {
  if (!p) return { values: {}, advanced: '{}' }
  const values: FieldValues = {}
  const rest: Record<string, unknown> = { ...p.backendKwargs }
  if (p.url) values.url = p.url
  if (p.region) values.region = p.region
  for (const [k, v] of Object.entries(p.credential.params)) values[`param.${k}`] = v
  for (const f of kind?.fields ?? []) {
    if (f.store !== 'kwarg' || !Object.hasOwn(rest, f.name)) continue
    const v = rest[f.name]
    // only plain values fit a field; a null (that kind turned off) or an object stays in the JSON
    if (typeof v === 'string' || typeof v === 'number') {
      values[f.id] = String(v)
      delete rest[f.name]
    }
  }
  return { values, advanced: JSON.stringify(rest) }
}

/** What the check found: the profile's parts to send, or each field's problem. */
export interface FieldCheck {
  ok: boolean
  errors: Record<string, string>
  advancedError?: string
  url: string | null
  region: string | null
  params: Record<string, string>
  backendKwargs: Record<string, unknown>
}

/**
 * Checks the shown fields (required ones filled, numbers in range, a stored secret counts as
 * given) and builds the profile's url, region, params and backend_kwargs: the advanced JSON,
 * then the filled kwarg fields over it.
 */
export function checkFields(
  fields: readonly ProfileFieldSpec[],
  values: FieldValues,
  secrets: Readonly<Record<string, string>>,
  advancedText: string,
  stored: Readonly<Record<string, string>>
): FieldCheck {
  const errors: Record<string, string> = {}
  let backendKwargs: Record<string, unknown> = {}
  let advancedError: string | undefined
  try {
    const parsed: unknown = JSON.parse(advancedText.trim() || '{}')
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('not an object')
    backendKwargs = parsed as Record<string, unknown>
  } catch {
    advancedError = 'Advanced backend_kwargs must be a JSON object, e.g. {"sep": "-"}.'
    errors.advanced = advancedError
  }
  const params: Record<string, string> = {}
  let url: string | null = null
  let region: string | null = null
  for (const f of fields) {
    const text = (f.store === 'secret' ? secrets[f.name] : values[f.id])?.trim() ?? ''
    const standIn = (f.orKwargs ?? []).some((k) => Object.hasOwn(backendKwargs, k))
    if (!text) {
      const have = f.store === 'secret' && stored[f.name] === 'stored'
      if (f.required && !have && !standIn) errors[f.id] = `${f.label} is required.`
      continue
    }
    if (f.type === 'number' || f.numeric) {
      const n = Number(text)
      if (!Number.isInteger(n)) {
        errors[f.id] = `${f.label} must be a whole number.`
        continue
      }
      if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) {
        errors[f.id] = `${f.label} must be from ${f.min ?? '…'} to ${f.max ?? '…'}.`
        continue
      }
    }
    if (f.store === 'url') url = text
    else if (f.store === 'region') region = text
    else if (f.store === 'param') params[f.name] = text
    else if (f.store === 'kwarg') backendKwargs[f.name] = f.numeric ? Number(text) : text
  }
  return {
    ok: Object.keys(errors).length === 0,
    errors,
    ...(advancedError ? { advancedError } : {}),
    url,
    region,
    params,
    backendKwargs
  }
}
