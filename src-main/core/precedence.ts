/**
 * Where Airflow reads each connection and variable from, as data (STYLE §4, reference §11):
 * each runtime's layers in order; the first layer holding an id wins; a layer that fails is
 * logged by Airflow and skipped; a layer with no store behind it is "not inspected", never
 * "empty". `resolveEffective` is pure: it takes what each layer holds, listed once.
 */
import type { ErrorDto } from '../contract/errors'
import { pyEquals, pyJsonTryLoads } from './codecs/py-json'
import type { Fingerprinter } from './fingerprint'
import {
  CONNECTION_SCALAR_FIELDS,
  idOf,
  type ConnectionFields,
  type Dialect,
  type Entry
} from './model'

/** What a layer is in Airflow's search path. */
export type LayerRole =
  | 'worker-backend'
  | 'worker-env'
  | 'custom-backend'
  | 'astro-environment-manager'
  | 'env'
  | 'metastore'

/** One layer of a runtime. */
export interface LayerSpec {
  role: LayerRole
  label: string
  /** Whose connection code reads this layer's values. */
  dialect: Dialect
  /** Reached through the Execution API from a worker (Airflow 3): connection ids with `/` fail there (#57864). */
  viaExecutionApi?: boolean
}

/** The runtimes Airlock models. */
export type RuntimeModelId = 'airflow2' | 'airflow3-server' | 'airflow3-worker' | 'astro'

/** Each runtime's search order (the only place it is written down). */
export const RUNTIME_MODELS: Readonly<
  Record<RuntimeModelId, { label: string; layers: readonly LayerSpec[] }>
> = {
  airflow2: {
    label: 'Airflow 2.x (scheduler, webserver, workers, CLI)',
    layers: [
      { role: 'custom-backend', label: '[secrets] backend', dialect: 'airflow2' },
      { role: 'env', label: 'AIRFLOW_CONN_* / AIRFLOW_VAR_*', dialect: 'airflow2' },
      { role: 'metastore', label: 'metadata DB', dialect: 'airflow2' }
    ]
  },
  'airflow3-server': {
    label: 'Airflow 3 server side (API server, scheduler, DAG processor, CLI)',
    layers: [
      { role: 'custom-backend', label: '[secrets] backend', dialect: 'airflow3' },
      { role: 'env', label: 'env on the API server', dialect: 'airflow3' },
      { role: 'metastore', label: 'metadata DB', dialect: 'airflow3' }
    ]
  },
  'airflow3-worker': {
    label: 'Airflow 3 task on a worker (Task SDK)',
    layers: [
      {
        role: 'worker-backend',
        label: '[workers] secrets_backend, else [secrets] backend',
        dialect: 'task-sdk'
      },
      { role: 'worker-env', label: 'env on the worker', dialect: 'task-sdk' },
      {
        role: 'custom-backend',
        label: 'Execution API → [secrets] backend',
        dialect: 'airflow3',
        viaExecutionApi: true
      },
      {
        role: 'env',
        label: 'Execution API → env on the API server',
        dialect: 'airflow3',
        viaExecutionApi: true
      },
      {
        role: 'metastore',
        label: 'Execution API → metadata DB',
        dialect: 'airflow3',
        viaExecutionApi: true
      }
    ]
  },
  astro: {
    label: 'Astro (Astronomer docs order)',
    layers: [
      { role: 'custom-backend', label: 'secrets backend', dialect: 'airflow3' },
      {
        role: 'astro-environment-manager',
        label: 'Astro Environment Manager',
        dialect: 'airflow3'
      },
      { role: 'env', label: 'environment variables', dialect: 'airflow3' },
      { role: 'metastore', label: 'metadata DB', dialect: 'airflow3' }
    ]
  }
}

/** What was learned about one layer: its entries, its failure, or nothing (not inspected). */
export type LayerData =
  | {
      state: 'loaded'
      storeId: string
      entries: readonly Entry[]
      problems: readonly { id: string; kind: Entry['kind']; message: string }[]
    }
  | { state: 'failed'; storeId: string; error: ErrorDto }
  | { state: 'not-inspected' }

/** One layer's answer for one id. */
export type LayerVerdict =
  | { status: 'wins'; storeId: string; fromKey: string }
  /** `differs`: the fields whose values differ from the winner's, by name (`COMPARED_FIELDS` order). */
  | { status: 'shadowed'; storeId: string; fromKey: string; differs: string[] }
  | { status: 'absent'; storeId: string }
  | { status: 'unreadable'; storeId: string; message: string }
  | { status: 'failed'; storeId: string; message: string }
  | { status: 'not-inspected' }

/** How one field of a shadowed value compares with the winner: never the values themselves. */
export interface FieldDiff {
  field: string
  change: 'same' | 'changed'
  /** Keyed fingerprints (see fingerprint.ts), for telling values apart across runs. */
  winner: string | null
  shadowed: string | null
}

/** Everything about one id. */
export interface EffectiveItem {
  kind: Entry['kind']
  id: string
  /** The index of the winning layer, or null when no inspected layer has it. */
  winner: number | null
  layers: LayerVerdict[]
  notes: string[]
}

/** The fields a shadowed layer is compared on with the winner, per kind, in order. */
export const COMPARED_FIELDS: Readonly<Record<Entry['kind'], readonly string[]>> = {
  connection: [...CONNECTION_SCALAR_FIELDS, 'extra'],
  variable: ['value', 'description']
}

function valueOf(e: Entry, field: string): string | null {
  if (e.kind === 'variable') return field === 'value' ? e.value : e.description
  const v = e.fields[field as keyof ConnectionFields]
  return v === null || v === undefined ? null : String(v)
}

/** Whether every field is the same, as `compareEntries` judges it (no fingerprints made). */
export function sameFields(a: Entry, b: Entry): boolean {
  if (a.kind !== b.kind) return false
  for (const field of COMPARED_FIELDS[a.kind]) {
    const x = valueOf(a, field)
    const y = valueOf(b, field)
    if (!sameField(field, x, y)) return false
  }
  return true
}

/** Field-level comparison; extras compare as decoded JSON (key order and spacing do not matter). */
export function compareEntries(a: Entry, b: Entry, fp: Fingerprinter): FieldDiff[] {
  const fields = COMPARED_FIELDS[a.kind]
  return fields.map((field) => {
    const x = valueOf(a, field)
    const y = valueOf(b, field)
    const winner = fp(x)
    const change = sameField(field, x, y) ? 'same' : 'changed'
    return { field, change, winner, shadowed: x === y ? winner : fp(y) }
  })
}

/**
 * The names of the fields `compareEntries` finds changed, in its order: what the precedence
 * views show, without a FieldDiff (or a fingerprint) per compared field. At 50 000 ids that
 * was ~108 k objects, made and then mapped again into the answer.
 */
export function changedFields(a: Entry, b: Entry): string[] {
  const fields = COMPARED_FIELDS[a.kind]
  const out: string[] = []
  for (const field of fields)
    if (!sameField(field, valueOf(a, field), valueOf(b, field))) out.push(field)
  return out
}

/**
 * One field of two entries as `compareEntries` judges it: extras that are JSON as decoded
 * JSON. The same text is the same value (an extra that is a bare `NaN` is not `==` to itself
 * in Python, but two layers holding the same text hold the same extra). An extra that is no
 * JSON is its text: `extra_dejson` reads every such extra as `{}`, but the connection holds the
 * text (`conn.extra`), so two different ones differ (the digests say so too).
 */
function sameField(field: string, x: string | null, y: string | null): boolean {
  if (x === y) return true
  if (field !== 'extra' || !x || !y) return false
  const a = pyJsonTryLoads(x)
  const b = a === undefined ? undefined : pyJsonTryLoads(y)
  return b !== undefined && pyEquals(a!, b)
}

/** Airflow looks env vars up by `id.upper()`; every other layer by the exact id. */
function lookupKey(role: LayerRole, id: string): string {
  return isEnvRole(role) ? id.toUpperCase() : id
}

function isEnvRole(role: LayerRole): boolean {
  return role === 'env' || role === 'worker-env'
}

/**
 * Resolves every id found in any layer (or only `ids`) for a runtime: which layer wins,
 * which are shadowed (with the names of the fields that differ; never values nor their
 * fingerprints), which failed or were not inspected.
 */
export function resolveEffective(
  model: RuntimeModelId,
  layers: readonly LayerData[],
  ids?: readonly { kind: Entry['kind']; id: string }[]
): EffectiveItem[] {
  const items: EffectiveItem[] = []
  resolveEach(model, layers, ids, (item) => items.push(item))
  return items
}

/**
 * {@link resolveEffective}, each item handed to `visit` as it is made, in the same order: a
 * reader that turns items into something else (the app's answer) drops each at once instead
 * of holding 50 000 of them, and their verdicts, until the last is made.
 */
export function resolveEach(
  model: RuntimeModelId,
  layers: readonly LayerData[],
  ids: readonly { kind: Entry['kind']; id: string }[] | undefined,
  visit: (item: EffectiveItem) => void
): void {
  const specs = RUNTIME_MODELS[model].layers
  // per layer and kind, keyed by what the layer is asked for (no `kind:id` string per lookup:
  // at 50 000 ids building and hashing those keys was a third of the resolve)
  const index = layers.map((l, i) => {
    const entries: ByKind<Entry> = { connection: new Map(), variable: new Map() }
    const unreadable: ByKind<string> = { connection: new Map(), variable: new Map() }
    if (l.state === 'loaded') {
      const role = specs[i]!.role
      for (const e of l.entries) entries[e.kind].set(lookupKey(role, idOf(e)), e)
      for (const p of l.problems) unreadable[p.kind].set(lookupKey(role, p.id), p.message)
    }
    // the verdicts that say nothing of the id are one object per layer, shared by every id
    // (read only: at 50 000 ids most verdicts are these)
    const same: LayerVerdict | undefined =
      l.state === 'not-inspected'
        ? NOT_INSPECTED
        : l.state === 'failed'
          ? Object.freeze({ status: 'failed', storeId: l.storeId, message: l.error.message })
          : undefined
    const absent: LayerVerdict = Object.freeze({
      status: 'absent',
      storeId: l.state === 'not-inspected' ? '' : l.storeId
    })
    return { entries, unreadable, upper: isEnvRole(specs[i]!.role), same, absent }
  })
  const wanted = { connection: new Set<string>(), variable: new Set<string>() }
  if (ids) for (const r of ids) wanted[r.kind].add(r.id)
  else
    layers.forEach((l, i) => {
      if (l.state !== 'loaded') return
      for (const e of l.entries) {
        const id = idOf(e)
        const isEnv = e.source?.fromKey?.startsWith('AIRFLOW_') ?? false
        wanted[e.kind].add(isEnv ? id.toLowerCase() : id)
      }
      // an id a layer holds but cannot read is listed too (its verdict says so), not left out
      const env = isEnvRole(specs[i]!.role)
      for (const p of l.problems) wanted[p.kind].add(env ? p.id.toLowerCase() : p.id)
    })
  // connections first, each kind by id in UTF-16 code units (`sort()`'s own order for strings,
  // as `<` compares, without a comparator called per pair)
  for (const kind of ['connection', 'variable'] as const)
    for (const id of [...wanted[kind]].sort()) {
      const verdicts: LayerVerdict[] = []
      const notes: string[] = []
      let winner: number | null = null
      let winning: Entry | undefined
      let upper: string | undefined
      for (let i = 0; i < layers.length; i++) {
        const l = layers[i]!
        const at = index[i]!
        if (l.state !== 'loaded') {
          verdicts.push(at.same!)
          continue
        }
        const key = at.upper ? (upper ??= id.toUpperCase()) : id
        const unreadable = at.unreadable[kind]
        const bad = unreadable.size ? unreadable.get(key) : undefined
        if (bad !== undefined) {
          verdicts.push({ status: 'unreadable', storeId: l.storeId, message: bad })
          continue
        }
        const e = at.entries[kind].get(key)
        if (!e) {
          verdicts.push(at.absent)
          continue
        }
        const fromKey = e.source?.fromKey ?? id
        if (winner === null) {
          winner = i
          winning = e
          if (specs[i]!.viaExecutionApi && kind === 'connection' && id.includes('/'))
            notes.push(
              'Connection ids containing "/" fail through the Execution API in Airflow 3.1 (apache/airflow#57864).'
            )
          verdicts.push({ status: 'wins', storeId: l.storeId, fromKey })
          continue
        }
        verdicts.push({
          status: 'shadowed',
          storeId: l.storeId,
          fromKey,
          differs: changedFields(winning!, e)
        })
      }
      visit({ kind, id, winner, layers: verdicts, notes })
    }
}

type ByKind<T> = Record<Entry['kind'], Map<string, T>>

const NOT_INSPECTED: LayerVerdict = Object.freeze({ status: 'not-inspected' })
