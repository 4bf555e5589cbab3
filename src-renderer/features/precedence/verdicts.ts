import type { EffectiveDto, EffectiveItemDto, VerdictDto } from '../../../src-main/contract/ipc'

/**
 * How one layer stands for one id, as the view draws it: a shadowed layer splits in two,
 * one whose value differs from what Airflow reads (the risk) and one that holds the same.
 */
export type VerdictKind =
  'wins' | 'differs' | 'same' | 'absent' | 'unreadable' | 'failed' | 'not-inspected'

/** The kind of a verdict (shadowed: differs or same). */
export function verdictKind(v: VerdictDto): VerdictKind {
  if (v.status !== 'shadowed') return v.status
  return v.differs?.length ? 'differs' : 'same'
}

/** The names of the fields a shadowed layer holds differently from the winner. */
export function differingFields(v: VerdictDto): readonly string[] {
  return v.differs ?? []
}

/** A symbol and words for each kind, so no state is told by colour alone. */
export const VERDICT_TEXT: Record<VerdictKind, { icon: string; label: string }> = {
  wins: { icon: '▶', label: 'read from here' },
  differs: { icon: '✕', label: 'shadowed, differs' },
  same: { icon: '=', label: 'shadowed, same value' },
  absent: { icon: '', label: 'not here' },
  unreadable: { icon: '⚠', label: 'unreadable' },
  failed: { icon: '⚠', label: 'layer failed' },
  'not-inspected': { icon: '○', label: 'not inspected' }
}

/** One line saying what a verdict means for its id. */
export function verdictLine(v: VerdictDto): string {
  const kind = verdictKind(v)
  if (kind === 'differs') return `differs: ${differingFields(v).join(', ')}`
  if (kind === 'same') return 'same value'
  return VERDICT_TEXT[kind].label
}

/** Per layer: the ids it serves, the ids it holds shadowed with a difference or alike. */
export interface LayerCounts {
  serves: number
  differs: number
  same: number
  present: number
}

/** What the overview bar shows: per layer counts, the ids at risk, the ids found nowhere. */
export interface Overview {
  layers: LayerCounts[]
  /** Ids where some shadowed layer holds a different value than the one Airflow reads. */
  risk: number
  unresolved: number
  total: number
}

/** Counts every layer's part in one pass over the items (50 k ids: a few milliseconds). */
export function overviewOf(effective: EffectiveDto): Overview {
  const layers = effective.layers.map(() => ({ serves: 0, differs: 0, same: 0, present: 0 }))
  let risk = 0
  let unresolved = 0
  for (const it of effective.items) {
    if (it.winner === null) unresolved++
    else layers[it.winner]!.serves++
    let atRisk = false
    it.layers.forEach((v, i) => {
      const c = layers[i]!
      if (v.status === 'wins') c.present++
      else if (v.status === 'shadowed') {
        c.present++
        if (v.differs?.length) {
          c.differs++
          atRisk = true
        } else c.same++
      }
    })
    if (atRisk) risk++
  }
  return { layers, risk, unresolved, total: effective.items.length }
}

/** The filters of the view. */
export interface PrecedenceFilter {
  show: 'all' | 'shadowed' | 'differs'
  /** `served:N` (layer N answers), `present:N` (layer N holds the id), or '' (any). */
  layer: string
  kind: 'all' | 'connection' | 'variable'
  /** A substring, or a glob when it holds `*` or `?`; case-insensitive. */
  id: string
}

/** A test for ids: a glob (`*`, `?`) anchored at both ends, else a substring. */
export function idMatcher(query: string): (id: string) => boolean {
  const q = query.trim().toLowerCase()
  if (!q) return () => true
  if (!/[*?]/.test(q)) return (id) => id.toLowerCase().includes(q)
  const source = q
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  const re = new RegExp(`^${source}$`)
  return (id) => re.test(id.toLowerCase())
}

/** The items the filters leave, in their order. */
export function filterItems(
  items: readonly EffectiveItemDto[],
  f: PrecedenceFilter
): readonly EffectiveItemDto[] {
  const [how, at] = f.layer.split(':')
  const layer = at === undefined ? -1 : Number(at)
  const matches = idMatcher(f.id)
  const noFilter = f.show === 'all' && layer < 0 && f.kind === 'all' && !f.id.trim()
  if (noFilter) return items
  return items.filter((it) => {
    if (f.kind !== 'all' && it.kind !== f.kind) return false
    if (layer >= 0) {
      const v = it.layers[layer]
      if (how === 'served' && it.winner !== layer) return false
      if (how === 'present' && v?.status !== 'wins' && v?.status !== 'shadowed') return false
    }
    if (f.show === 'shadowed' && !it.layers.some((v) => v.status === 'shadowed')) return false
    if (f.show === 'differs' && !it.layers.some((v) => verdictKind(v) === 'differs')) return false
    return matches(it.id)
  })
}
