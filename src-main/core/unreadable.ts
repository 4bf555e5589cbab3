/**
 * Entries that could not be read, as a summary names them. A store reports a problem per field
 * it cannot read (a connection's password and its extra are two), so a summary that counted
 * or listed problems said "5 entries could not be read (c1, c1, c2, c2, v)"; it counts and
 * names entries instead, each once, in the order first seen.
 */
import type { EntryKind } from './model'

/** The entry a problem is about (a store's `EntryProblem.ref`, a layer's problem). */
export interface ProblemOf {
  kind: EntryKind
  id: string
}

/** One entry that could not be read and how many problems were reported for it. */
export interface UnreadableEntry extends ProblemOf {
  problems: number
}

/** The entries `problems` are about, each once, in the order first seen. */
export function unreadableEntries(problems: Iterable<ProblemOf>): UnreadableEntry[] {
  const byKey = new Map<string, UnreadableEntry>()
  for (const { kind, id } of problems) {
    const key = `${kind}:${id}`
    const seen = byKey.get(key)
    if (seen) seen.problems++
    else byKey.set(key, { kind, id, problems: 1 })
  }
  return [...byKey.values()]
}

/**
 * The first `max` of `entries` by id — "c1 (2 problems), c2, v, and 4 more" — the kind said
 * only when a connection and a variable of the same id are both among them.
 */
export function nameUnreadable(entries: readonly UnreadableEntry[], max = 5): string {
  const ids = new Map<string, number>()
  for (const e of entries) ids.set(e.id, (ids.get(e.id) ?? 0) + 1)
  const shown = entries
    .slice(0, max)
    .map(
      (e) =>
        `${ids.get(e.id)! > 1 ? `${e.kind} ` : ''}${e.id}${e.problems > 1 ? ` (${e.problems} problems)` : ''}`
    )
    .join(', ')
  return entries.length > max ? `${shown}, and ${entries.length - max} more` : shown
}
