/**
 * The fast path of `plan` and `diff` over stores whose entries are texts (`.env` files, the
 * process environment): equal raw text is equal meaning. Both sides are listed unread; an id
 * whose text is the same on both sides is an `unchanged` item whose warnings and version
 * fingerprints are computed only when something reads them (`--json`, a saved plan), and only
 * the entries whose text differs are planned by core/plan.ts. The result is the plan
 * core/plan.ts makes from both sides read whole, item for item.
 *
 * It declines (returns undefined, and the caller reads both sides whole) whenever the answer
 * could differ or an error must be reported as the full read reports it: a store without raw
 * entries, stores of different formats, renames, an id twice on one side, entries the store
 * reports as problems or that do not read.
 */
import type {
  Backend,
  EntryKind,
  RawColumns,
  RawEntry,
  RawLoadResult,
  RawRowListing,
  RawRowPage
} from '../backends/backend'
import { sameBytes } from '../core/codecs/byte-columns'
import type { Fingerprinter } from '../core/fingerprint'
import type { Entry } from '../core/model'
import {
  entryDigest,
  finishPlan,
  finishPlanWritten,
  plan,
  planSelector,
  planWritten,
  warningsFor,
  type PlanItem,
  type PlanOptions,
  type PlanSummary,
  type TargetLimits
} from '../core/plan'

/** A plan made on the fast path, and the entries it read (those whose text differs). */
export interface RawPlan {
  result: { items: PlanItem[]; summary: PlanSummary }
  /**
   * The entry each item writes, beside it (core/plan.ts planWritten; none for an unchanged);
   * undefined where the caller said it needs none (`written: false`).
   */
  written: (Entry | undefined)[] | undefined
  source: Entry[]
  target: Entry[]
}

async function loadRaw(
  backend: Backend,
  kinds: readonly EntryKind[] | undefined
): Promise<RawLoadResult | undefined> {
  if (!backend.loadRaw) return undefined
  try {
    const raw = await backend.loadRaw({ kinds })
    return raw.problems.length ? undefined : raw
  } catch {
    return undefined // the full read reports it, as it always has
  }
}

function read(side: Pick<RawLoadResult, 'read'>, raw: RawEntry): Entry | undefined {
  try {
    return side.read(raw)
  } catch {
    return undefined
  }
}

/**
 * Whether `a[as, ae)` and `b[bs, be)` are the same bytes: lengths first, then compared natively
 * (values are long; byte-columns' sameBytes loops, for short names).
 */
function sameRange(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): boolean {
  return ae - as === be - bs && a.compare(b, bs, be, as, ae) === 0
}

/**
 * Whether two raw entries hold the same text: by their bytes where both have them, else by
 * the store's quicker test (RawEntry.sameAs), else by the texts.
 */
function sameText(a: RawEntry, b: RawEntry): boolean {
  if (a.bytes && b.bytes) return sameRange(a.bytes, a.start!, a.end!, b.bytes, b.start!, b.end!)
  return a.sameAs?.(b) ?? a.text === b.text
}

/** What the unchanged items of one plan share. */
interface UnchangedContext {
  side: Pick<RawLoadResult, 'read'>
  options: PlanOptions
  fp: Fingerprinter
}

/**
 * An `unchanged` item for an id whose text is the same on both sides: what core/plan.ts makes
 * for it, its warnings and fingerprints made when first read. It writes itself as JSON with
 * the same fields in the same order (toJSON), and holds a few words, not the entry.
 */
class UnchangedItem implements PlanItem {
  readonly action = 'unchanged' as const
  readonly diff = []
  readonly sourceId: string
  readonly targetId: string
  readonly kind: EntryKind
  #facts: { warnings: string[]; version: string | null } | undefined
  readonly #raw: RawEntry
  readonly #context: UnchangedContext

  constructor(raw: RawEntry, context: UnchangedContext) {
    this.kind = raw.kind
    this.sourceId = raw.id
    this.targetId = raw.id
    this.#raw = raw
    this.#context = context
  }

  #known(): { warnings: string[]; version: string | null } {
    if (!this.#facts) {
      const { side, options, fp } = this.#context
      // it read once already, before it was judged unchanged: it reads again
      const e = side.read(this.#raw)
      this.#facts = { warnings: warningsFor(e, options.targetDialect), version: fp(entryDigest(e)) }
    }
    return this.#facts
  }

  get warnings(): string[] {
    return this.#known().warnings
  }

  get sourceVersion(): string | null {
    return this.#known().version
  }

  /** The same text under the same id: the same digest, so the same fingerprint. */
  get targetVersion(): string | null {
    return this.#known().version
  }

  toJSON(): PlanItem {
    return {
      kind: this.kind,
      sourceId: this.sourceId,
      targetId: this.targetId,
      warnings: this.warnings,
      sourceVersion: this.sourceVersion,
      targetVersion: this.targetVersion,
      action: this.action,
      diff: this.diff
    }
  }
}

/**
 * Plans `source` → `target` comparing raw texts first (see the file doc); `kinds` are the
 * kinds both sides are read in; `fingerprints` is asked for once both sides have read (a
 * plan's key is made only for a plan that can be made). Undefined when the fast path does
 * not apply. Its unchanged items are not plain objects (they serialize as plan items through
 * toJSON, and are not for spreading) unless `lazy` is false: what is signed or stored is
 * walked field by field. With `unchanged` false, the unchanged items of the same text are
 * only counted (in the summary), not listed: for a caller that shows only what differs. With
 * `written` false, the entry each item writes is not paired with it (a diff writes nothing).
 */
export async function planRaw(
  source: Backend,
  target: Backend,
  kinds: readonly EntryKind[] | undefined,
  options: PlanOptions,
  fingerprints: () => Promise<Fingerprinter>,
  limits: TargetLimits,
  {
    lazy = true,
    unchanged: listUnchanged = true,
    written: pairWritten = true
  }: { lazy?: boolean; unchanged?: boolean; written?: boolean } = {}
): Promise<RawPlan | undefined> {
  if (Object.keys(options.rename ?? {}).length || (options.prefixMap ?? []).length) return undefined
  if (source.rawFamily !== target.rawFamily) return undefined // listings that cannot match
  const selects = planSelector(options)
  // two listings of rows sorted alike pair as they come (a merge join), or step aside
  const merged = await mergeRows(source, target, kinds, selects, listUnchanged)
  if (merged === 'declined') return undefined
  let paired: Paired | undefined
  let s: Pick<RawLoadResult, 'read'>
  if (merged) {
    paired = merged
    s = merged.sourceSide
  } else {
    // both sides at once: one file is read (by the thread pool) while the other is parsed
    const [sl, tl] = await Promise.all([loadRaw(source, kinds), loadRaw(target, kinds)])
    if (!sl || !tl || sl.format !== tl.format) return undefined
    // without include/exclude patterns, an id is selected by its kind alone
    const byKind = !options.include?.length && !options.exclude?.length
    // a listing as columns on both sides pairs with no object per entry
    paired =
      sl.columns && tl.columns
        ? pairColumns(sl, tl, sl.columns, tl.columns, selects, byKind, listUnchanged)
        : pairEntries(sl, tl, selects, listUnchanged)
    s = sl
  }
  if (!paired) return undefined
  const { unchanged, unchangedCount, sourceEntries, targetEntries } = paired
  const fp = await fingerprints()
  const context: UnchangedContext = { side: s, options, fp }
  const unchangedItems = unchanged.map((r) => {
    const item = new UnchangedItem(r, context)
    return lazy ? item : item.toJSON()
  })
  if (!pairWritten) {
    // the same items in the same order, without the entries each writes
    const differing = plan(sourceEntries, targetEntries, options, fp, limits)
    const result = finishPlan([...unchangedItems, ...differing.items])
    result.summary.unchanged += unchangedCount
    return { result, written: undefined, source: sourceEntries, target: targetEntries }
  }
  const differing = planWritten(sourceEntries, targetEntries, options, fp, limits)
  const { written, ...result } = finishPlanWritten(
    [...unchangedItems, ...differing.items],
    // an unchanged item writes nothing
    [...new Array<undefined>(unchanged.length), ...differing.written]
  )
  result.summary.unchanged += unchangedCount
  return { result, written, source: sourceEntries, target: targetEntries }
}

/** Both sides paired by id: the unchanged (listed, or counted) and the entries read. */
interface Paired {
  unchanged: RawEntry[]
  unchangedCount: number
  sourceEntries: Entry[]
  targetEntries: Entry[]
}

/** The pairing of {@link planRaw} over raw entries; undefined where it declines. */
function pairEntries(
  s: RawLoadResult,
  t: RawLoadResult,
  selects: (kind: EntryKind, id: string) => boolean,
  listUnchanged: boolean
): Paired | undefined {
  const te = t.entries
  // per kind, by id, the index of each target entry not paired by place (below): the ids
  // themselves are the keys (no key strings are made)
  const targets = { connection: new Map<string, number>(), variable: new Map<string, number>() }
  // Two files written in the same order (an export, a file and its edited copy) hold most ids
  // at the same place: where each side's ids are known unique, those pair without a lookup
  // (a hash of every id was most of the time left). At: source i is paired with target i.
  const unique = s.uniqueIds === true && t.uniqueIds === true
  const at = new Uint8Array(s.entries.length)
  if (unique)
    for (let i = 0; i < s.entries.length && i < te.length; i++) {
      const r = s.entries[i]!
      const o = te[i]!
      if (o.kind === r.kind && o.id === r.id) at[i] = 1
    }
  // an id twice (the map did not grow) declines; one hash lookup per id, not two
  for (let j = 0; j < te.length; j++) {
    if (j < at.length && at[j]) continue
    const r = te[j]!
    const byId = targets[r.kind]
    const size = byId.size
    byId.set(r.id, j)
    if (byId.size === size && !t.uniqueIds) return undefined
  }
  const seen = { connection: new Set<string>(), variable: new Set<string>() }
  const unchanged: RawEntry[] = []
  let unchangedCount = 0
  const sourceEntries: Entry[] = []
  // the target entries unchanged in the source: not read
  const same = new Uint8Array(te.length)
  for (let i = 0; i < s.entries.length; i++) {
    const r = s.entries[i]!
    if (!s.uniqueIds) {
      const ids = seen[r.kind]
      const size = ids.size
      ids.add(r.id)
      if (ids.size === size) return undefined
    }
    // every source entry must read (one that does not stops the plan, as it always has): an
    // unchanged one the store vouches for is not read, another is read and dropped at once
    const j = at[i] ? i : (targets[r.kind].get(r.id) ?? -1)
    const other = j >= 0 ? te[j] : undefined
    if (other && other.team === r.team && sameText(other, r)) {
      if (!s.surelyReads?.(r) && !read(s, r)) return undefined
      same[j] = 1
      if (!selects(r.kind, r.id)) continue
      if (listUnchanged) unchanged.push(r)
      else unchangedCount++
    } else {
      const entry = read(s, r)
      if (!entry) return undefined
      sourceEntries.push(entry)
    }
  }
  // a target entry with the source's text reads as the source's did: only the others are read
  const targetEntries: Entry[] = []
  for (let j = 0; j < te.length; j++) {
    if (same[j]) continue
    const entry = read(t, te[j]!)
    if (!entry) return undefined
    targetEntries.push(entry)
  }
  return { unchanged, unchangedCount, sourceEntries, targetEntries }
}

/**
 * The pairing of {@link planRaw} over two listings as columns: an entry at the same place
 * under the same name on both sides pairs by place, another through the target's table of
 * names; a raw entry is made only for an entry read or listed unchanged.
 */
function pairColumns(
  s: RawLoadResult,
  t: RawLoadResult,
  sc: RawColumns,
  tc: RawColumns,
  selects: (kind: EntryKind, id: string) => boolean,
  byKind: boolean,
  listUnchanged: boolean
): Paired | undefined {
  const { bytes: sb, cols: scol, listed: sl } = sc
  const { bytes: tb, cols: tcol, listed: tl } = tc
  const unchanged: RawEntry[] = []
  let unchangedCount = 0
  const sourceEntries: Entry[] = []
  // the target entries unchanged in the source: not read
  const same = new Uint8Array(tc.count)
  for (let i = 0; i < sc.count; i++) {
    if (!sl[i]) continue
    const ns = scol[5 * i]!
    const ne = scol[5 * i + 1]!
    const j =
      i < tc.count && sameBytes(sb, ns, ne, tb, tcol[5 * i]!, tcol[5 * i + 1]!)
        ? i
        : tc.find(sb, ns, ne)
    if (
      j >= 0 &&
      tl[j] &&
      sameRange(sb, scol[5 * i + 2]!, scol[5 * i + 3]!, tb, tcol[5 * j + 2]!, tcol[5 * j + 3]!)
    ) {
      // every source entry must read (as in pairEntries)
      if (!sc.surelyReads(i) && !read(s, sc.entry(i))) return undefined
      same[j] = 1
      const kind = sl[i] === 1 ? 'connection' : 'variable'
      if (!listUnchanged && byKind) {
        // no id filter: whether it is selected is told by its kind, no id made to ask
        if (selects(kind, '')) unchangedCount++
        continue
      }
      const r = sc.entry(i)
      if (!selects(r.kind, r.id)) continue
      if (listUnchanged) unchanged.push(r)
      else unchangedCount++
    } else {
      const entry = read(s, sc.entry(i))
      if (!entry) return undefined
      sourceEntries.push(entry)
    }
  }
  // a target entry with the source's text reads as the source's did: only the others are read
  const targetEntries: Entry[] = []
  for (let j = 0; j < tc.count; j++) {
    if (!tl[j] || same[j]) continue
    const entry = read(t, tc.entry(j))
    if (!entry) return undefined
    targetEntries.push(entry)
  }
  return { unchanged, unchangedCount, sourceEntries, targetEntries }
}

/** One side of {@link mergeRows}: its listing, the page being walked, and the order so far. */
class RowCursor {
  page: RawRowPage | undefined
  /** The page's rows opened (the source's, each opened as its page comes). */
  opened: (RawEntry | undefined)[] | undefined
  at = 0
  /** The kind (0 connections, 1 variables) and id of the last row, for the order check. */
  private lastRank = -1
  private lastId = ''
  readonly #pages: AsyncIterator<RawRowPage>

  constructor(readonly listing: RawRowListing) {
    this.#pages = listing.pages[Symbol.asyncIterator]()
  }

  /** Turns to the next page that has rows (false: none left). */
  async next(): Promise<boolean> {
    for (;;) {
      const r = await this.#pages.next()
      if (r.done) {
        this.page = undefined
        return false
      }
      this.page = r.value
      this.opened = undefined
      this.at = 0
      if (r.value.count) return true
    }
  }

  /** Stops the listing early (its next page asked for ahead finishes first). */
  async stop(): Promise<void> {
    await this.#pages.return?.()
  }

  /** Whether the row (`rank`, `id`) comes strictly after the last row checked (then it is last). */
  ordered(rank: number, id: string): boolean {
    if (rank < this.lastRank || (rank === this.lastRank && id <= this.lastId)) return false
    this.lastRank = rank
    this.lastId = id
    return true
  }
}

const rankOf = (kind: EntryKind): number => (kind === 'connection' ? 0 : 1)

/**
 * The pairing of {@link planRaw} over two row listings sorted alike (RawRowListing.sortedById),
 * as a merge join: both are walked in step, a page at a time, and a row is dropped once it is
 * compared (a side's unchanged texts are not held until the end, nor promoted by the
 * collections the listing causes). Every row of the source is opened (every source entry must
 * read, as in pairEntries); a target row the source stores the same (RawRowListing.sameStored:
 * the same ciphertexts under the same keys, a cloned DB) is the same text and is not opened,
 * and the others of a target page are opened at once. Undefined where neither side lists
 * rows; 'declined' where the plan cannot be made fast (a row that does not open); undefined
 * too, after stopping both listings, where a side is out of order (the caller then pairs
 * whole listings by id).
 */
async function mergeRows(
  source: Backend,
  target: Backend,
  kinds: readonly EntryKind[] | undefined,
  selects: (kind: EntryKind, id: string) => boolean,
  listUnchanged: boolean
): Promise<(Paired & { sourceSide: RawRowListing }) | 'declined' | undefined> {
  if (!source.loadRawRows || !target.loadRawRows) return undefined
  let sl: RawRowListing
  let tl: RawRowListing
  try {
    ;[sl, tl] = await Promise.all([source.loadRawRows({ kinds }), target.loadRawRows({ kinds })])
  } catch {
    return 'declined' // the full read reports it, as it always has
  }
  if (sl.format !== tl.format) return 'declined'
  if (!sl.sortedById || !tl.sortedById) return undefined
  const s = new RowCursor(sl)
  const t = new RowCursor(tl)
  try {
    const paired = await mergeCursors(s, t, sl, tl, selects, listUnchanged)
    if (paired === 'unsorted') return undefined
    return paired === 'declined' ? paired : { ...paired, sourceSide: sl }
  } catch {
    return 'declined'
  } finally {
    await Promise.all([s.stop(), t.stop()]).catch(() => undefined)
  }
}

async function mergeCursors(
  s: RowCursor,
  t: RowCursor,
  sl: RawRowListing,
  tl: RawRowListing,
  selects: (kind: EntryKind, id: string) => boolean,
  listUnchanged: boolean
): Promise<Paired | 'declined' | 'unsorted'> {
  const unchanged: RawEntry[] = []
  let unchangedCount = 0
  const sourceEntries: Entry[] = []
  const targetEntries: Entry[] = []
  const same = sl.sameStored

  // the source's current row, opened with its page; false where it does not open
  const sourceRow = (): RawEntry | false => {
    if (!s.opened) {
      const { entries, problems } = s.page!.open()
      if (problems.length) return false
      s.opened = entries
    }
    return s.opened[s.at] ?? false
  }
  // a source row with no target row: read, and an entry
  const sourceOnly = (r: RawEntry): boolean => {
    const entry = read(sl, r)
    if (!entry) return false
    sourceEntries.push(entry)
    return true
  }
  const unchangedRow = (r: RawEntry) => {
    if (!selects(r.kind, r.id)) return
    // a listed row is held to the end: as its text (a store may make it only when asked, from
    // values that take more room)
    if (!listUnchanged) return void unchangedCount++
    void r.text
    unchanged.push(r)
  }

  let sourceLeft = await s.next()
  while (await t.next()) {
    const tp = t.page!
    // Walk the target page against the source; what each target row pairs with is noted,
    // then the rows to open are opened at once and the notes taken in order.
    // per target row: the source row it pairs with (undefined: none), and whether it is
    // stored the same (not opened)
    // (`before`: the source rows before it, without a pair; absent where none, as most are)
    const notes: { before: RawEntry[] | undefined; pair: RawEntry | undefined; same: boolean }[] =
      []
    const open: number[] = []
    for (let j = 0; j < tp.count; j++) {
      const tRank = rankOf(tp.kind(j))
      const tId = tp.id(j)
      if (!t.ordered(tRank, tId)) return 'unsorted'
      let before: RawEntry[] | undefined
      let pair: RawEntry | undefined
      let stored = false
      while (sourceLeft) {
        const sp = s.page!
        const sRank = rankOf(sp.kind(s.at))
        const sId = sp.id(s.at)
        if (sRank > tRank || (sRank === tRank && sId > tId)) break
        // the source row is at or before the target row: it is checked in order once
        if (!s.ordered(sRank, sId)) return 'unsorted'
        const r = sourceRow()
        if (!r) return 'declined'
        if (sRank === tRank && sId === tId) {
          pair = r
          stored = same !== undefined && tp.team(j) === r.team && same(sp, s.at, tp, j)
        } else (before ??= []).push(r)
        if (++s.at >= sp.count) sourceLeft = await s.next()
        if (pair) break
      }
      notes.push({ before, pair, same: stored })
      if (!stored) open.push(j)
    }
    const opened = open.length ? tp.open(open) : undefined
    if (opened?.problems.length) return 'declined'
    let k = 0
    for (let j = 0; j < notes.length; j++) {
      const { before, pair, same: stored } = notes[j]!
      if (before) for (const r of before) if (!sourceOnly(r)) return 'declined'
      if (stored) {
        unchangedRow(pair!)
        continue
      }
      const o = opened!.entries[k++]!
      if (pair && pair.team === o.team && sameText(pair, o)) {
        unchangedRow(pair)
        continue
      }
      if (pair && !sourceOnly(pair)) return 'declined'
      const entry = read(tl, o)
      if (!entry) return 'declined'
      targetEntries.push(entry)
    }
  }
  // the source rows after the target's last
  while (sourceLeft) {
    const sp = s.page!
    if (!s.ordered(rankOf(sp.kind(s.at)), sp.id(s.at))) return 'unsorted'
    const r = sourceRow()
    if (!r || !sourceOnly(r)) return 'declined'
    if (++s.at >= sp.count) sourceLeft = await s.next()
  }
  return { unchanged, unchangedCount, sourceEntries, targetEntries }
}
