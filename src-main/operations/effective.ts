/**
 * Which store stands behind each layer of a runtime, for `airlock effective` and the app's
 * Precedence screen alike: the demo, an Airflow installation's airflow.cfg (its metadata DB,
 * the environment Airlock runs in, Airflow 2 or 3 by the file's version), then any layer
 * given explicitly as `role=locator` on top.
 */
import type { LocatorOptions } from './open-store'
import { AirlockError } from '../core/errors'
import type { ConfiguredBackend } from '../core/airflow-secrets/runtime'
import { RUNTIME_MODELS, type LayerRole, type RuntimeModelId } from '../core/precedence'
import { loadAirflowConfig } from '../platform/airflow-config-file'

/** What to resolve: a runtime, a model, layers by role; each optional. */
export interface RuntimeRequest {
  /** `demo` or `airflow-config:PATH` (an empty PATH: where Airflow looks). */
  runtime?: string
  /** The installation's Airflow version (an airflow.cfg does not say); 2.x reads as Airflow 2. */
  airflowVersion?: string
  model?: string
  /** role → locator; these override what the runtime put there. */
  layers?: Readonly<Record<string, string>>
}

/** The layers to load, and what the user should know about them. */
export interface RuntimeLayers {
  model: RuntimeModelId
  locators: Map<LayerRole, string>
  /** The secrets backends the configuration names (airflow-config only). */
  configured: { server: ConfiguredBackend | null; worker: ConfiguredBackend | null } | null
  notes: string[]
}

/** Resolves a runtime request; a usage error names what is wrong with it. */
export async function runtimeLayers(
  request: RuntimeRequest,
  options: Pick<LocatorOptions, 'env'>
): Promise<RuntimeLayers> {
  const locators = new Map<LayerRole, string>()
  let model: RuntimeModelId = 'airflow3-server'
  const notes: string[] = []
  let configured: RuntimeLayers['configured'] = null
  const runtime = request.runtime
  if (runtime === 'demo') {
    locators.set('env', 'demo-env:')
    locators.set('metastore', 'demo:')
  } else if (runtime?.startsWith('airflow-config:')) {
    const path = runtime.slice('airflow-config:'.length)
    const loaded = await loadAirflowConfig({
      env: options.env,
      path: path || undefined,
      airflowVersion: request.airflowVersion
    })
    const version = loaded.profile.airflowVersion
    if (version && Number(version.split('.')[0]) < 3) model = 'airflow2'
    locators.set('metastore', runtime)
    locators.set('env', 'env:')
    configured = { server: loaded.profile.serverBackend, worker: loaded.profile.workerBackend }
    notes.push(
      "env layer: Airlock's own environment; put the environment Airflow runs with behind it (envfile:…) to see that instead"
    )
    if (loaded.profile.serverBackend)
      notes.push(
        `custom backend ${loaded.profile.serverBackend.className}: not inspected here (save it as a profile, e.g. by importing this airflow.cfg, and put profile:NAME behind the custom-backend layer)`
      )
  } else if (runtime !== undefined)
    throw new AirlockError(
      'usage',
      'The runtime is demo or airflow-config:PATH (or give layers as role=store).'
    )
  if (request.model !== undefined) {
    if (!Object.hasOwn(RUNTIME_MODELS, request.model))
      throw new AirlockError(
        'usage',
        `The model is one of ${Object.keys(RUNTIME_MODELS).join(', ')}, not "${request.model}".`
      )
    model = request.model as RuntimeModelId
  }
  const specs = RUNTIME_MODELS[model].layers
  for (const [role, locator] of Object.entries(request.layers ?? {})) {
    if (!specs.some((s) => s.role === role))
      throw new AirlockError(
        'usage',
        `${model} has no layer "${role}" (layers: ${specs.map((s) => s.role).join(', ')}).`
      )
    locators.set(role as LayerRole, locator)
  }
  return { model, locators, configured, notes }
}
