/**
 * What one layer of a runtime (core/precedence.ts) looks up for an id — the same answer
 * `airlock explain --runtime` prints and the precedence view shows: the custom backend's name
 * (via `explainLookup`), the `AIRFLOW_CONN_*` / `AIRFLOW_VAR_*` variable, or the metadata DB
 * row. Pure.
 */
import { PyDict } from '../codecs/py-json'
import { envNameFor } from '../env-names'
import { AirlockError } from '../errors'
import type { LayerRole } from '../precedence'
import { LOOKUP_BACKEND_CLASSES, explainLookup } from './index'
import { explanationToPy, type LookupKind, type LookupOptions } from './types'

/** A configured custom backend: its class path and kwargs (null when they were not read). */
export interface ConfiguredBackend {
  className: string
  kwargs: Record<string, unknown> | null
}

/** Where the env and metastore layers come from, as store locators. */
export interface LayerStores {
  env: string
  metastore: string
}

function disabled(reason: string): PyDict {
  return new PyDict([
    ['disabled', true],
    ['reason', reason]
  ])
}

/**
 * The lookup of `key` in one layer. Throws an AirlockError (`backend.invalid-kwargs`) where
 * the custom backend's kwargs make Airflow raise.
 */
export function explainLayer(
  role: LayerRole,
  target: { kind: LookupKind; key: string },
  options: LookupOptions,
  backend: ConfiguredBackend | null,
  stores: LayerStores
): PyDict {
  switch (role) {
    case 'worker-backend':
    case 'custom-backend': {
      if (!backend) return disabled('no custom secrets backend is configured')
      const kind = LOOKUP_BACKEND_CLASSES[backend.className]
      if (!kind) return disabled(`${backend.className} is not a backend Airlock can explain`)
      if (backend.kwargs === null)
        return disabled('its backend_kwargs come from a command or secret Airlock did not run')
      let out: PyDict
      try {
        out = explanationToPy(explainLookup(kind, backend.kwargs, target.kind, target.key, options))
      } catch (error) {
        if (error instanceof AirlockError && error.code === 'usage')
          throw new AirlockError('backend.invalid-kwargs', error.userMessage, { cause: error })
        throw error
      }
      return new PyDict([['backend', kind], ...out.entries()])
    }
    case 'env':
    case 'worker-env':
      return new PyDict([
        ['name', envNameFor(target.kind, target.key)],
        ['store', role === 'env' ? stores.env : 'env:']
      ])
    case 'metastore':
      return new PyDict([
        ['name', target.key],
        ['table', target.kind === 'connection' ? 'connection' : 'variable'],
        ['column', target.kind === 'connection' ? 'conn_id' : 'key'],
        ['store', stores.metastore]
      ])
    default:
      return disabled('Airlock does not model where this layer looks')
  }
}
