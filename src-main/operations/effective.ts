/**
 * Which store stands behind each layer of a runtime, and which layer Airflow reads each id
 * from, for `airlock effective` and the app's Precedence screen alike: the demo, an Airflow
 * installation's airflow.cfg (its metadata DB, the environment Airlock runs in, Airflow 2 or
 * 3 by the file's version), then any layer given explicitly as `role=locator` on top.
 */
import type { EntryKind } from '../backends/backend'
import { LOOKUP_BACKENDS } from '../core/airflow-secrets'
import { isSecretsServiceKind } from '../contract/providers'
import { SECRETS_SERVICES } from '../core/providers'
import { explainLayer, type ConfiguredBackend } from '../core/airflow-secrets/runtime'
import { pyToPlain } from '../core/codecs/py-json'
import { AirlockError, toErrorDto } from '../core/errors'
import type { Dialect } from '../core/model'
import {
  RUNTIME_MODELS,
  resolveEffective,
  type LayerData,
  type LayerRole,
  type LayerSpec,
  type RuntimeModelId
} from '../core/precedence'
import { loadAirflowConfig } from '../platform/airflow-config-file'
import { openLocator, parseLocator, type LocatorOptions } from './open-store'
import { loadLayer } from './plan'

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

/** Each layer of a runtime loaded, and per id the layer Airflow reads it from. */
export interface EffectiveView {
  specs: readonly LayerSpec[]
  /** Per layer, in the model's order: its entries, or why it failed, or not inspected. */
  data: LayerData[]
  items: ReturnType<typeof resolveEffective>
}

/**
 * Loads every layer the resolved runtime names (each with its layer's dialect) and resolves
 * which layer answers each id; `ids` narrows the answer. A layer that fails is reported as
 * failed, as Airflow logs it and moves on; nothing here throws for one layer.
 */
export async function loadEffective(
  layers: Pick<RuntimeLayers, 'model' | 'locators'>,
  options: {
    kinds?: EntryKind[]
    ids?: readonly { kind: EntryKind; id: string }[]
    locatorOptions: LocatorOptions
  }
): Promise<EffectiveView> {
  const { specs, data } = await loadLayers(layers, options)
  // Both readers (the app, `airlock effective`) say only which fields differ (by name).
  const items = resolveEffective(layers.model, data, options.ids)
  return { specs, data, items }
}

/**
 * Every layer the resolved runtime names, loaded as {@link loadEffective} loads them: for a
 * reader that resolves them itself (`resolveEach`).
 */
export async function loadLayers(
  layers: Pick<RuntimeLayers, 'model' | 'locators'>,
  options: { kinds?: EntryKind[]; locatorOptions: LocatorOptions }
): Promise<Pick<EffectiveView, 'specs' | 'data'>> {
  const specs = RUNTIME_MODELS[layers.model].layers
  const data: LayerData[] = []
  for (const spec of specs) {
    const locator = layers.locators.get(spec.role)
    data.push(
      await loadLayer(
        locator
          ? await openLocator(locator, {
              ...options.locatorOptions,
              kinds: options.kinds,
              dialect: spec.dialect
            })
          : undefined,
        options.kinds,
        // each layer is listed once and closed (no parse kept for a read-back)
        { once: true }
      )
    )
  }
  return { specs, data }
}

/** What one layer asks its store for an id (the names `airlock explain --runtime` prints). */
export type LayerLookup = ((kind: EntryKind, id: string) => { lookup: unknown }) | undefined

/**
 * What each layer asks for an id: env and metadata DB layers always; a custom-backend layer
 * when its store is a secrets-backend profile or the runtime's airflow.cfg names the backend.
 */
export async function layerLookups(
  specs: readonly { role: LayerRole; dialect: Dialect }[],
  locators: ReadonlyMap<LayerRole, string>,
  configured: RuntimeLayers['configured'],
  options: LocatorOptions
): Promise<LayerLookup[]> {
  const out: LayerLookup[] = []
  for (const spec of specs) {
    const locator = locators.get(spec.role)
    let backend: ConfiguredBackend | null | undefined
    if (spec.role === 'custom-backend' || spec.role === 'worker-backend') {
      if (locator) {
        const { scheme, rest } = parseLocator(locator)
        if (
          (scheme === 'profile' || (LOOKUP_BACKENDS as readonly string[]).includes(scheme)) &&
          options.resolveProfile
        ) {
          try {
            const { profile, secrets } = await options.resolveProfile(rest)
            // Credentials only satisfy the constructor's checks; nothing here is printed.
            const service = isSecretsServiceKind(profile.kind)
              ? SECRETS_SERVICES[profile.kind]
              : undefined
            const { method, params } = profile.credential
            backend = service && {
              className: service.classPaths[0]!,
              kwargs:
                service.lookupKwargs?.(profile.backendKwargs, method, params, secrets) ??
                profile.backendKwargs
            }
          } catch {
            backend = undefined
          }
        }
      } else if (configured)
        backend = spec.role === 'worker-backend' ? configured.worker : configured.server
      if (backend === undefined) {
        out.push(undefined)
        continue
      }
    } else if (!locator) {
      out.push(undefined)
      continue
    }
    const stores = { env: locator ?? 'env:', metastore: locator ?? '' }
    out.push((kind, id) => {
      try {
        return {
          lookup: pyToPlain(
            explainLayer(
              spec.role,
              { kind, key: id },
              { dialect: spec.dialect, env: options.env },
              backend ?? null,
              stores
            )
          )
        }
      } catch (error) {
        return { lookup: { error: toErrorDto(error) } }
      }
    })
  }
  return out
}
