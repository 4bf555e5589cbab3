/**
 * The cutover preview in words, as issue 19 writes them: "Airflow will read the new value",
 * "no change: already equal", "shadowed: AIRFLOW_CONN_X in the workers' environment still
 * wins". Names and layers only, never a value.
 */
import type { CutoverItemDto } from '../../../src-main/contract/ipc'
import type { RuntimeModel } from './preview-request'

/** Each outcome's words, for the summary bar and the rows. */
export const OUTCOME_TEXT: Record<CutoverItemDto['outcome'], string> = {
  'reads-new': 'Airflow will read the new value',
  'already-equal': 'no change: already equal',
  shadowed: 'shadowed'
}

/** The runtimes the preview can model, as the plan form offers them. */
export const RUNTIME_MODEL_LABELS: Record<RuntimeModel, string> = {
  'airflow3-server': 'Airflow 3 server',
  'airflow3-worker': 'Airflow 3 worker',
  airflow2: 'Airflow 2',
  astro: 'Astro'
}

/**
 * The layer Airflow reads from, in words: "the workers' environment", "the API server's
 * environment", "the [secrets] backend"…; a role it does not know: the layer's own label.
 */
export function layerWords(winner: NonNullable<CutoverItemDto['winner']>, model: string): string {
  switch (winner.role) {
    case 'worker-env':
      return "the workers' environment"
    case 'worker-backend':
      return "the workers' secrets backend"
    case 'env':
      // a worker reaches it through the Execution API; the words stay short
      return model === 'airflow3-server' || model === 'airflow3-worker'
        ? "the API server's environment"
        : 'the environment'
    case 'custom-backend':
      return `the ${model === 'astro' ? 'secrets' : '[secrets]'} backend`
    case 'astro-environment-manager':
      return 'the Astro Environment Manager'
    case 'metastore':
      return 'the metadata DB'
    default:
      return winner.layer
  }
}

/** One item's outcome as a sentence. */
export function outcomeSentence(item: CutoverItemDto, model: string): string {
  if (item.outcome !== 'shadowed' || !item.winner) return OUTCOME_TEXT[item.outcome]
  return `shadowed: ${item.winner.name} in ${layerWords(item.winner, model)} still wins`
}

/** The warning above Apply: "3 items will stay shadowed after apply". */
export function shadowedWarning(count: number): string {
  return `${count} ${count === 1 ? 'item' : 'items'} will stay shadowed after apply`
}
