/**
 * What the CLI and the app share between "two stores" and "a plan a person can review":
 * loading each store as a layer, refusing to plan over unreadable entries, and annotating the
 * planned items with what the target cannot keep and with the target's own pre-flight.
 */
import { randomBytes } from 'node:crypto'
import type { Backend, EntryKind } from '../backends/backend'
import { requireStoreFile } from './open-store'
import { AirlockError, toErrorDto } from '../core/errors'
import { idOf, type Entry } from '../core/model'
import type { PlanDocument, PlanItem, PlanOptions, PlanSummary } from '../core/plan'
import type { Dialect } from '../core/model'
import type { LayerData } from '../core/precedence'

/** A store as a precedence layer: its entries and unreadable ids, or why it failed. */
export async function loadLayer(
  backend: Backend | undefined,
  kinds: readonly EntryKind[] | undefined,
  options: { keepOpen?: boolean } = {}
): Promise<LayerData> {
  if (!backend) return { state: 'not-inspected' }
  try {
    const r = await backend.load({ kinds })
    return {
      state: 'loaded',
      storeId: backend.id,
      entries: r.entries,
      problems: r.problems.map((p) => ({ id: p.ref.id, kind: p.ref.kind, message: p.message }))
    }
  } catch (error) {
    return { state: 'failed', storeId: backend.id, error: toErrorDto(error) }
  } finally {
    if (!options.keepOpen) await backend.close?.()
  }
}

/** A locator as it may be written down: the password of a `scheme://user:pw@host` URL dropped. */
export function redactLocator(locator: string): string {
  return locator.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1@')
}

/** `20261123T201430-cc3782`: sortable, unique enough for one person's plans and jobs. */
export function newPlanId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`
}

/**
 * The entries of both sides of a plan; a side that failed or holds unreadable entries stops
 * the plan (named, with up to five ids), since planning around them would delete or skip
 * them silently. `onProblem` sees each unreadable entry first (the CLI prints them).
 */
export function entriesForPlan(
  sides: readonly { name: string; data: LayerData }[],
  onProblem?: (message: string) => void
): Entry[][] {
  for (const { name, data } of sides) {
    const where = redactLocator(name)
    if (data.state === 'failed')
      throw new AirlockError(data.error.code, `${where}: ${data.error.message}`)
    if (data.state === 'loaded' && data.problems.length) {
      for (const p of data.problems) onProblem?.(p.message)
      throw new AirlockError(
        'job.conflict',
        `${where}: ${data.problems.length} entries could not be read (${data.problems
          .slice(0, 5)
          .map((p) => p.id)
          .join(', ')}); fix them (or exclude them) before planning.`
      )
    }
  }
  return sides.map(({ data }) => (data.state === 'loaded' ? [...data.entries] : []))
}

/** Refuses a plan whose source is a file that does not exist (it would read as empty). */
export function requireSource(locator: string): void {
  requireStoreFile(
    locator,
    'The source of a plan must exist (a missing file would read as an empty store, and with --delete-extraneous empty the target).'
  )
}

/** A plan as a document to save and apply; the locators are written without passwords. */
export function planDocument(fields: {
  planId: string
  source: string
  target: string
  dialect: Dialect
  options: PlanOptions
  result: { items: PlanItem[]; summary: PlanSummary }
}): PlanDocument {
  return {
    version: 1,
    planId: fields.planId,
    createdAt: new Date().toISOString(),
    source: redactLocator(fields.source),
    target: redactLocator(fields.target),
    dialect: fields.dialect,
    options: fields.options,
    summary: fields.result.summary,
    items: fields.result.items
  }
}

/** A pre-flight problem that concerns the whole store rather than one item. */
export interface StoreProblem {
  severity: 'error' | 'warning'
  message: string
}

/**
 * Adds to the planned items what a person should see before applying: fields the target
 * cannot keep, and (with `preflight`) every problem the target's own pre-flight finds on what
 * would be written. Returns the number of pre-flight errors and the store-wide problems.
 */
export async function annotatePlan(
  items: PlanItem[],
  source: readonly Entry[],
  target: Backend,
  options: { preflight: boolean }
): Promise<{ preflightErrors: number; storeProblems: StoreProblem[] }> {
  const sourceById = new Map(source.map((e) => [`${e.kind}:${idOf(e)}`, e]))
  const lossy = target.lossyFields ?? []
  const written = items.filter((i) => i.action === 'create' || i.action === 'update')
  for (const item of written) {
    const e = sourceById.get(`${item.kind}:${item.sourceId}`)
    const description = e?.kind === 'connection' ? e.fields.description : e?.description
    if (description && lossy.includes(`${item.kind}.description`))
      item.warnings.push(
        `${target.id} does not keep the ${item.kind} description (Airflow does not read it from there either); it will be dropped`
      )
  }
  const storeProblems: StoreProblem[] = []
  let preflightErrors = 0
  if (!options.preflight || !target.preflight) return { preflightErrors, storeProblems }
  const toWrite = written.flatMap((item) => {
    const e = sourceById.get(`${item.kind}:${item.sourceId}`)
    if (!e) return []
    return [e.kind === 'connection' ? { ...e, id: item.targetId } : { ...e, key: item.targetId }]
  })
  const found = await target.preflight(toWrite).catch((error: unknown) => [
    {
      ref: null,
      severity: 'error' as const,
      message: `pre-flight could not run: ${error instanceof AirlockError ? error.userMessage : 'unexpected error'}`
    }
  ])
  const byTarget = new Map(items.map((i) => [`${i.kind}:${i.targetId}`, i]))
  for (const p of found) {
    if (p.severity === 'error') preflightErrors++
    const item = p.ref && byTarget.get(`${p.ref.kind}:${p.ref.id}`)
    if (item) item.warnings.push(`pre-flight ${p.severity}: ${p.message}`)
    else storeProblems.push({ severity: p.severity, message: p.message })
  }
  return { preflightErrors, storeProblems }
}
