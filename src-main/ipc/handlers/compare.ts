/**
 * Handler of `stores:compare`: stores A and B side by side, read only. The comparison is
 * operations/diff.ts's (the diff the CLI prints); this only lays it out per id and field, with
 * plain fields in the clear and secret fields as `'***'` or null.
 */
import {
  MASKED,
  type CompareDto,
  type CompareFieldDto,
  type CompareItemDto,
  type CompareRequest
} from '../../contract/ipc'
import { idOf, type Entry } from '../../core/model'
import type { PlanAction } from '../../core/plan'
import { compareEntries } from '../../core/precedence'
import { diffStores } from '../../operations/diff'
import { redactLocator } from '../../operations/plan'
import type { HandlerContext } from './context'

/** Each kind's fields in the order the app shows them, and whether each is secret. */
const FIELDS: Record<Entry['kind'], readonly (readonly [string, boolean])[]> = {
  connection: [
    ['conn_type', false],
    ['host', false],
    ['port', false],
    ['schema', false],
    ['login', false],
    ['password', true],
    ['extra', true],
    ['description', false]
  ],
  variable: [
    ['value', true],
    ['description', false]
  ]
}

const STATUS: Record<PlanAction, CompareItemDto['status']> = {
  create: 'only-a',
  delete: 'only-b',
  update: 'differs',
  conflict: 'differs',
  unchanged: 'same'
}

function valueOf(e: Entry, field: string): string | number | null {
  if (e.kind === 'variable') return field === 'value' ? e.value : e.description
  return (e.fields as unknown as Record<string, string | number | null | undefined>)[field] ?? null
}

/** A side's value as it may travel: a secret only as whether it is set. */
function shown(e: Entry | undefined, field: string, secret: boolean) {
  if (!e) return undefined
  const v = valueOf(e, field)
  return secret ? (v === null ? null : MASKED) : v
}

/** `stores:compare`: every id of A and B, only in A, only in B, differing or the same. */
export async function compareStores(
  ctx: HandlerContext,
  request: CompareRequest
): Promise<CompareDto> {
  const dialect = request.dialect ?? 'airflow3'
  const diff = await diffStores({
    source: request.a,
    target: request.b,
    dialect,
    locatorOptions: ctx.locatorOptions(),
    kinds: request.kinds,
    // the view names the fields that differ, never compares fingerprints
    fingerprints: false
  })
  const index = (entries: readonly Entry[]) =>
    new Map(entries.map((e) => [`${e.kind}:${idOf(e)}`, e]))
  const inA = index(diff.source)
  const inB = index(diff.target)
  const counts = { onlyA: 0, onlyB: 0, differs: 0, same: 0 }
  const items = diff.result.items.map((item): CompareItemDto => {
    const status = STATUS[item.action]
    const a = item.sourceId === null ? undefined : inA.get(`${item.kind}:${item.sourceId}`)
    const b = status === 'only-a' ? undefined : inB.get(`${item.kind}:${item.targetId}`)
    // The diff names what differs for an update; for the same ids, what the plan let pass
    // (a field B cannot hold) is named too, by the same comparison, so nothing reads as equal
    // that is not.
    const changed = new Set(
      (item.diff.length || !a || !b ? item.diff : compareEntries(b, a, () => null))
        .filter((d) => d.change === 'changed')
        .map((d) => d.field)
    )
    const one = status === 'only-a' || status === 'only-b'
    const fields = FIELDS[item.kind].map(([field, secret]): CompareFieldDto => {
      // what is false is left out (CompareFieldDto)
      const f: CompareFieldDto = { field }
      if (secret) f.secret = true
      if (!one && changed.has(field)) f.differs = true
      const av = shown(a, field, secret)
      const bv = shown(b, field, secret)
      if (av !== undefined) f.a = av
      if (bv !== undefined) f.b = bv
      return f
    })
    counts[status === 'only-a' ? 'onlyA' : status === 'only-b' ? 'onlyB' : status]++
    return {
      kind: item.kind,
      id: item.sourceId ?? item.targetId,
      status,
      fields,
      // the engine words its notes for a plan: here the target is B
      notes: item.warnings.map((w) =>
        w.replaceAll('the target', 'B').replaceAll('this target', 'B')
      )
    }
  })
  return {
    a: redactLocator(request.a),
    b: redactLocator(request.b),
    dialect,
    counts,
    items
  }
}
