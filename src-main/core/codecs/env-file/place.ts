/**
 * Where a name is written in a `.env` file, recorded before a change so that a rollback puts
 * it back as it was: the exact text of each of its statements (`export`, quoting, inline
 * comment, a multi-line value's lines) and the line that came before each.
 *
 * Why the place matters and not only the text: both loaders fill `$NAME` / `${NAME}` from the
 * environment and from the names set on the file's EARLIER lines only (compose-go's
 * `GetEnvFromFile` looks up the values parsed so far; python-dotenv's `resolve_variables`
 * walks the statements in order with the values resolved so far). A line put back below a line
 * that refers to it, or above one it refers to, changes what Airflow reads.
 *
 * The rule a restore follows (rewriteEnvFile, a change with a `place`):
 * - a name the file still sets (the job updated it): its last statement's name and value are
 *   replaced by the text they had, in place (its `export` and comment were never touched);
 * - a name the file no longer sets (the job deleted it): each statement goes back after the
 *   line that preceded it — the statement of a name (the nth statement of that name: a name
 *   updated, untouched, or put back in this same rewrite or an earlier one), or a line that
 *   holds no statement (a comment, a blank line: the nth such line with that text), or the
 *   file's start. Restores run in the order of the places' lines, so a line that came before
 *   is back before the line after it. Where that line is gone (edited since the job), the
 *   statement goes at the end of the file, still as it was written (what a write does with a
 *   new name); a caller that finds the name then reads differently writes its value instead.
 * - a statement that shared its line with another statement cannot be put back in its line:
 *   such a name is written as a write writes it (no place kept for it).
 */
import type { Binding, Scan } from './scan'
import { removal } from './removal'

/** What came before a statement: the nth statement of `name`, or the nth statement-free line `line`. */
export type EnvFileAnchor = { name: string; nth: number } | { line: string; nth: number }

/** One statement of a name as removing it takes it out. */
export interface EnvFileSpan {
  /** Its whole line(s), with the line break after them when there was one. */
  text: string
  /** The line before it; null at the file's start. */
  after: EnvFileAnchor | null
}

/** Where and how a name was written (see the module comment); holds its value. */
export interface EnvFilePlace {
  /** The 1-based line of its first statement: restores run in this order. */
  line: number
  /** Each of its statements, in file order. */
  spans: EnvFileSpan[]
  /** In the last span, the name and value as written: what a write of the name replaces. */
  from: number
  to: number
}

/** Where a line starts that holds `offset`, by `\n` (as a removal takes whole lines). */
function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

/**
 * The start offsets of the lines of `text` that hold no statement of `scan`, for each wanted
 * line text (without its `\n`), ascending. One pass over the lines and the bindings.
 */
export function statementFreeLines(
  text: string,
  scan: Scan,
  wanted: ReadonlySet<string>
): Map<string, number[]> {
  const out = new Map<string, number[]>()
  if (!wanted.size) return out
  const { bindings } = scan
  let b = 0
  for (let start = 0; start <= text.length;) {
    const nl = text.indexOf('\n', start)
    const end = nl < 0 ? text.length : nl
    // bindings wholly before this line are passed; one that reaches into it covers it
    while (b < bindings.length && bindings[b]!.end < start) b++
    const covered = b < bindings.length && bindings[b]!.statementStart <= end
    if (!covered) {
      const line = text.slice(start, end)
      if (wanted.has(line)) {
        const list = out.get(line)
        if (list) list.push(start)
        else out.set(line, [start])
      }
    }
    if (nl < 0) break
    start = nl + 1
  }
  return out
}

/**
 * The span a removal of `b` takes out (update.ts `removal`) when that is its whole line(s);
 * undefined when the statement shares its line.
 */
function wholeLines(text: string, b: Binding): { start: number; end: number } | undefined {
  const span = removal(text, b)
  const nl = text.indexOf('\n', b.end)
  return span.end === (nl < 0 ? text.length : nl + 1) ? span : undefined
}

/**
 * The place of each of `names` (by its index there) that `text` (scanned as `scan`, without
 * problems) sets, where every statement of it has its line(s) to itself; undefined for the
 * others. Each place is made when asked for: until then only offsets into `text` are held (a
 * few numbers per statement, not an object and a string each: a job's 100 k places are asked
 * for a part at a time, as its snapshot is sealed).
 */
export function placesOfNames(
  text: string,
  scan: Scan,
  names: readonly string[]
): (i: number) => EnvFilePlace | undefined {
  // made apart from the pass that indexes them: a closure keeps every variable its function's
  // closures use (the scan, the name maps), and this one holds only the text and the offsets
  return placeLookup(text, indexPlaces(text, scan, names))
}

/** What {@link placesOfNames} keeps: per name head/tail statement, per statement offsets. */
interface PlaceIndex {
  head: Int32Array
  refused: Uint8Array
  start: Int32Array
  end: Int32Array
  from: Int32Array
  to: Int32Array
  line: Int32Array
  next: Int32Array
  kind: Int32Array
  a: Int32Array
  b: Int32Array
  nth: Int32Array
}

function indexPlaces(text: string, scan: Scan, names: readonly string[]): PlaceIndex {
  const wanted = new Map<string, number>()
  names.forEach((name, i) => wanted.set(name, i))
  const head = new Int32Array(names.length).fill(-1)
  const tail = new Int32Array(names.length).fill(-1)
  const refused = new Uint8Array(names.length)
  // per statement kept, in file order: its span, its name and value, its line, the next
  // statement of its name, and what came before it (kind 0 the file's start, 1 the statement
  // of a name at [a, b), 2 the statement-free line starting at a; its nth)
  const n = scan.bindings.length
  const ints = () => new Int32Array(n)
  const [start, end, from, to, line, next] = [ints(), ints(), ints(), ints(), ints(), ints()]
  const [kind, a, b, nth] = [ints(), ints(), ints(), ints()]
  let count = 0
  // each binding's nth among the bindings of its name
  const seen = new Map<string, number>()
  const nths = new Int32Array(n)
  // line anchors wait for the statement-free lines' count: [statement, line start]
  const byLine: number[] = []
  scan.bindings.forEach((bd, i) => {
    const k = seen.get(bd.name) ?? 0
    seen.set(bd.name, k + 1)
    nths[i] = k
    const r = wanted.get(bd.name)
    if (r === undefined || refused[r]) return
    const span = wholeLines(text, bd)
    if (!span) return void (refused[r] = 1)
    const s = count++
    start[s] = span.start
    end[s] = span.end
    from[s] = bd.start
    to[s] = bd.end
    line[s] = bd.line
    next[s] = -1
    kind[s] = 0
    if (span.start > 0) {
      const prevStart = lineStartOf(text, span.start - 1)
      const prev = i > 0 ? scan.bindings[i - 1]! : undefined
      // a statement ends on the line before: that statement (found by name wherever it is,
      // its name as written at its offset); otherwise the line, by its text (nth counted below)
      if (prev && prev.end >= prevStart) {
        if (!text.startsWith(prev.name, prev.start)) return void (refused[r] = 1)
        kind[s] = 1
        a[s] = prev.start
        b[s] = prev.start + prev.name.length
        nth[s] = nths[i - 1]!
      } else {
        kind[s] = 2
        a[s] = prevStart
        byLine.push(s)
      }
    }
    if (head[r]! < 0) head[r] = s
    else next[tail[r]!] = s
    tail[r] = s
  })
  if (byLine.length) {
    const lineText = (at: number) => lineAt(text, at)
    const free = statementFreeLines(text, scan, new Set(byLine.map((s) => lineText(a[s]!))))
    for (const s of byLine) nth[s] = Math.max(0, lowerBound(free.get(lineText(a[s]!)) ?? [], a[s]!))
  }
  return { head, refused, start, end, from, to, line, next, kind, a, b, nth }
}

/** The text of the line starting at `at`, without its line break. */
function lineAt(text: string, at: number): string {
  const nl = text.indexOf('\n', at)
  return text.slice(at, nl < 0 ? text.length : nl)
}

function placeLookup(text: string, index: PlaceIndex): (i: number) => EnvFilePlace | undefined {
  const { head, refused, start, end, from, to, line, next, kind, a, b, nth } = index
  return (i) => {
    if (refused[i] || head[i]! < 0) return undefined
    const spans: EnvFileSpan[] = []
    let last = -1
    for (let s = head[i]!; s >= 0; s = next[s]!) {
      const after: EnvFileAnchor | null =
        kind[s] === 1
          ? { name: text.slice(a[s], b[s]), nth: nth[s]! }
          : kind[s] === 2
            ? { line: lineAt(text, a[s]!), nth: nth[s]! }
            : null
      spans.push({ text: text.slice(start[s], end[s]), after })
      last = s
    }
    return {
      line: line[head[i]!]!,
      spans,
      from: from[last]! - start[last]!,
      to: to[last]! - start[last]!
    }
  }
}

/** The index of the first of ascending `list` that is at least `x`. */
function lowerBound(list: readonly number[], x: number): number {
  let [lo, hi] = [0, list.length]
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (list[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** One statement put back: where, in what order among those at the same offset, and its text. */
export interface Insert {
  at: number
  seq: number
  text: string
}

/**
 * Where the statements of names the file no longer sets go back (the module comment's rule):
 * `restores` in the order of their places' lines; `byName` the current bindings of every name
 * an anchor names (at least).
 */
export function placeInserts(
  text: string,
  scan: Scan,
  restores: readonly [string, EnvFilePlace][]
): Insert[] {
  const ordered = [...restores].sort((a, b) => a[1].line - b[1].line)
  const anchorNames = new Set<string>()
  const anchorLines = new Set<string>()
  for (const [, place] of ordered)
    for (const s of place.spans)
      if (s.after && 'name' in s.after) anchorNames.add(s.after.name)
      else if (s.after) anchorLines.add(s.after.line)
  const current = new Map<string, Binding[]>()
  for (const b of scan.bindings) {
    if (!anchorNames.has(b.name)) continue
    const list = current.get(b.name)
    if (list) list.push(b)
    else current.set(b.name, [b])
  }
  const free = statementFreeLines(text, scan, anchorLines)
  // the line end after `offset`: where a line after it starts
  const afterLineOf = (offset: number) => {
    const nl = text.indexOf('\n', offset)
    return nl < 0 ? text.length : nl + 1
  }
  const inserted = new Map<string, Insert[]>()
  const out: Insert[] = []
  let seq = 0
  for (const [name, place] of ordered) {
    const mine: Insert[] = []
    for (const span of place.spans) {
      const a = span.after
      let at: number | undefined
      let order = seq++
      if (a === null) at = 0
      else if ('name' in a) {
        const back = a.name === name ? mine : inserted.get(a.name)
        const prev = back?.[a.nth] ?? back?.at(-1)
        if (prev) {
          at = prev.at
          order = seq++
        } else {
          const bindings = current.get(a.name)
          const b = bindings?.[a.nth] ?? bindings?.at(-1)
          if (b) at = afterLineOf(b.end)
        }
      } else {
        const starts = free.get(a.line)
        const start = starts?.[a.nth] ?? starts?.at(-1)
        if (start !== undefined) at = afterLineOf(start)
      }
      const ins: Insert = { at: at ?? text.length, seq: order, text: span.text }
      mine.push(ins)
      out.push(ins)
    }
    // kept only for a name a later statement comes after
    if (anchorNames.has(name)) inserted.set(name, mine)
  }
  return out.sort((a, b) => a.at - b.at || a.seq - b.seq)
}
