/**
 * `explain` and `decode` for every secrets backend: one entry point dispatching through the
 * provider table (core/providers.ts) to the backend's module (one module per backend, each
 * naming its Airflow sources).
 */
import type { PyValue } from '../codecs/py-json'
import { SECRETS_SERVICE_CLASSES, SECRETS_SERVICES } from '../providers'
import type { DecodeOutcome, Explanation, LookupBackend, LookupKind, LookupOptions } from './types'

export * from './types'

/** The class path of each backend in `[secrets] backend`. */
export const LOOKUP_BACKEND_CLASSES: Readonly<Record<string, LookupBackend>> =
  SECRETS_SERVICE_CLASSES

/** Where Airflow's `backend`, built with `kwargs`, looks for `key`. Throws where Airflow raises. */
export function explainLookup(
  backend: LookupBackend,
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  options: LookupOptions = {}
): Explanation {
  return SECRETS_SERVICES[backend].lookup.explain(kwargs, kind, key, options)
}

/** What Airflow's `backend` returns for `key` when the service holds `stored`. */
export function decodeStored(
  backend: LookupBackend,
  kwargs: Readonly<Record<string, unknown>>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options: LookupOptions = {}
): DecodeOutcome {
  return SECRETS_SERVICES[backend].lookup.decode(kwargs, kind, key, stored, options)
}
