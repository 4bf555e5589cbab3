/**
 * Keeps secrets out of everything Airlock prints or logs (STYLE §8): values registered as
 * they are read are masked in any text, and extras are masked by key name the way Airflow's
 * secrets masker does (`should_hide_value_for_key`: `password`, `passphrase`,
 * `service_account`, …, plus `[core] sensitive_var_conn_names`). Variable values are masked
 * in every display whatever their name (stricter than Airflow, which hides only sensitive
 * names); `--reveal` / `entries:reveal` shows them on request.
 */
import { PyDict, pyJsonDumps, pyJsonTryLoads, type PyValue } from '../core/codecs/py-json'
import { pyStrip } from '../core/codecs/py-str'

/** What masked values look like everywhere. */
export const MASK = '***'

/**
 * Airflow's `DEFAULT_SENSITIVE_FIELDS` (`airflow/utils/log/secrets_masker.py`, the same twelve
 * in Airflow 2.6+ and 3.x): a Connection extra key or Variable name containing one of them is
 * hidden.
 */
export const AIRFLOW_SENSITIVE_FIELDS: readonly string[] = [
  'access_token',
  'api_key',
  'apikey',
  'authorization',
  'passphrase',
  'passwd',
  'password',
  'private_key',
  'secret',
  'token',
  'keyfile_dict',
  'service_account'
]

/**
 * Names Airlock hides beyond Airflow's, because hiding too much in a display is harmless and
 * hiding too little is not: Azure and generic connection strings and SAS tokens, AWS access
 * keys, credentials, GCP key JSON, JWTs, and the ones Airflow's newer masker added
 * (`auth_header`, `bearer`, `dsn`, `proxy`, `service_key`, `webhook_url`).
 */
export const AIRLOCK_SENSITIVE_FIELDS: readonly string[] = [
  'connection_string',
  'access_key',
  'accesskey',
  'privatekey',
  'credential',
  'keyfile_json',
  'jwt',
  'sas',
  'auth_header',
  'bearer',
  'dsn',
  'proxy',
  'service_key',
  'webhook_url'
]

/** `[core] sensitive_var_conn_names` of every airflow.cfg (or environment) loaded so far. */
const configuredFields = new Set<string>()

/**
 * Adds `[core] sensitive_var_conn_names` (comma-separated) to the hidden names, as Airflow's
 * `get_sensitive_variables_fields` does: each name stripped, not lower-cased (so, as in
 * Airflow, a name with capitals matches nothing), an empty value adds nothing. Names are
 * only ever added: a process that read two installations hides both lists.
 */
export function addSensitiveVarConnNames(value: string | null | undefined): void {
  if (!value) return
  for (const name of value.split(',')) configuredFields.add(pyStrip(name))
}

/**
 * Airflow's `should_hide_value_for_key`: the name stripped and lower-cased contains one of
 * the sensitive fields (Airflow's defaults, Airlock's additions, the configured ones).
 */
export function shouldHideValueForKey(name: string): boolean {
  const key = pyStrip(name).toLowerCase()
  for (const list of [AIRFLOW_SENSITIVE_FIELDS, AIRLOCK_SENSITIVE_FIELDS, configuredFields])
    for (const field of list) if (key.includes(field)) return true
  return false
}

/** Masks sensitive values inside a decoded extra, recursively. */
export function maskValue(value: PyValue, sensitive = false): PyValue {
  if (sensitive && value !== null && !(value instanceof PyDict) && !Array.isArray(value))
    return MASK
  if (value instanceof PyDict) {
    const out = new PyDict()
    for (const [k, v] of value.entries())
      out.set(k, maskValue(v, sensitive || shouldHideValueForKey(k)))
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
