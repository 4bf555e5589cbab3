/**
 * The plan form's "Preview for runtime" as the fields of `jobs:plan` (the CLI's `--runtime`,
 * `--model`, `--layer ROLE=STORE`): the demo, an airflow.cfg, or only the layers given.
 */
import type { PlanRequest } from '../../../src-main/contract/ipc'

/** Which runtime the plan's cutover is previewed for; `none`: no preview. */
export type PreviewRuntime = 'none' | 'demo' | 'airflow-config' | 'layers'

const LAYER_ROLES =
  'worker-backend|worker-env|custom-backend|astro-environment-manager|env|metastore'
const SEPARATOR = new RegExp(`\\s*[;\\n]\\s*|\\s*,\\s*(?=(?:${LAYER_ROLES})=)`)

/**
 * `role=store` pairs, separated by `;`, a new line, or a comma before the next role (a
 * locator may hold commas); a part that is not `role=store` is an error naming it.
 */
export function parseLayers(text: string): Record<string, string> | string {
  const layers: Record<string, string> = {}
  const parts = text
    .split(SEPARATOR)
    .map((p) => p.trim())
    .filter(Boolean)
  for (const part of parts) {
    const at = part.indexOf('=')
    if (at <= 0 || at === part.length - 1)
      return `"${part}" is not role=store (e.g. worker-env=envfile:/srv/worker.env).`
    layers[part.slice(0, at).trim()] = part.slice(at + 1).trim()
  }
  return layers
}

/** A runtime model the preview can use. */
export type RuntimeModel = NonNullable<PlanRequest['model']>

type PreviewFields = Pick<PlanRequest, 'runtime' | 'model' | 'layers'>

/** The request's runtime fields, or why the form's layers cannot be read. */
export function previewFields(form: {
  runtime: PreviewRuntime
  model: RuntimeModel | ''
  cfgPath: string
  layers: string
}): { fields: PreviewFields } | { error: string } {
  if (form.runtime === 'none') return { fields: {} }
  const layers = parseLayers(form.layers)
  if (typeof layers === 'string') return { error: layers }
  const given = Object.keys(layers).length > 0
  return {
    fields: {
      ...(form.runtime === 'demo' ? { runtime: 'demo' } : {}),
      ...(form.runtime === 'airflow-config'
        ? { runtime: `airflow-config:${form.cfgPath.trim()}` }
        : {}),
      ...(form.model ? { model: form.model } : {}),
      ...(given || form.runtime === 'layers' ? { layers } : {})
    }
  }
}
