/**
 * `explain` and `decode` for every secrets backend: one entry point dispatching through the
 * provider table (core/providers.ts) to the backend's module (one module per backend, each
 * naming its Airflow sources).
 */
import { SECRETS_SERVICE_CLASSES, SECRETS_SERVICES } from '../providers'
import type { DecodeFn, DecodeOutcome, ExplainFn, Explanation, LookupBackend } from './types'

export * from './types'

/** The class path of each backend in `[secrets] backend`. */
export const LOOKUP_BACKEND_CLASSES: Readonly<Record<string, LookupBackend>> =
  SECRETS_SERVICE_CLASSES

/** Where Airflow's `backend`, built with `kwargs`, looks for `key`. Throws where Airflow raises. */
export function explainLookup(backend: LookupBackend, ...args: Parameters<ExplainFn>): Explanation {
  return SECRETS_SERVICES[backend].lookup.explain(...args)
}

/** What Airflow's `backend` returns for `key` when the service holds `stored`. */
export function decodeStored(backend: LookupBackend, ...args: Parameters<DecodeFn>): DecodeOutcome {
  return SECRETS_SERVICES[backend].lookup.decode(...args)
}
