/**
 * Keeps secrets out of everything Airlock prints or logs (STYLE §8): values registered as
 * they are read are masked in any text, and extras are masked by key name the way Airflow's
 * secrets masker does (`password`, `secret`, `token`, `api_key`, `private_key`, …).
 */
import { PyDict, pyJsonDumps, pyJsonTryLoads, type PyValue } from '../core/codecs/py-json'

/** What masked values look like everywhere. */
export const MASK = '***'

/** Extra keys whose values are secrets (Airflow's DEFAULT_SENSITIVE_FIELDS and a few more). */
export const SENSITIVE_KEY =
  /(password|passwd|secret|token|api_?key|apikey|private_?key|keyfile_dict|keyfile_json|connection_string|access_?key|credential|authorization|auth_?token|sas|jwt)/i

/** Masks sensitive values inside a decoded extra, recursively. */
export function maskValue(value: PyValue, sensitive = false): PyValue {
  if (sensitive && value !== null && !(value instanceof PyDict) && !Array.isArray(value))
    return MASK
  if (value instanceof PyDict) {
    const out = new PyDict()
    for (const [k, v] of value.entries())
      out.set(k, maskValue(v, sensitive || SENSITIVE_KEY.test(k)))
    return out
  }
  if (Array.isArray(value)) return value.map((v) => maskValue(v, sensitive))
  return value
}

/** An extra text with its sensitive values masked; non-JSON extras are masked whole. */
export function maskExtra(extra: string | null): string | null {
  if (!extra) return extra
  const parsed = pyJsonTryLoads(extra)
  if (parsed === undefined) return MASK
  return pyJsonDumps(maskValue(parsed))
}

/** Remembers secret values and removes them from any text (log lines, error causes). */
export class Redactor {
  private readonly secrets = new Set<string>()

  /** Registers a value (and its URI-encoded form) the moment it is read. */
  register(value: string | null | undefined): void {
    if (!value || value.length < 3) return
    this.secrets.add(value)
    const encoded = encodeURIComponent(value)
    if (encoded !== value) this.secrets.add(encoded)
  }

  redact(text: string): string {
    let out = text
    // Longest first, so a secret containing another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length))
      out = out.split(s).join(MASK)
    return out
  }
}

/** The process-wide redactor used by logging and error reporting. */
export const redactor = new Redactor()
