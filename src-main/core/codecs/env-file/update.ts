/** Rewriting a `.env` file in place, checked by reading it back. */
import { envNameProblem } from '../../env-names'
import { CodecError } from '../../errors'
import { decodeEnvFile, resolveBindings, scanLoader } from './decode'
import { type EnvFilePlace, placeInserts } from './place'
import { removal } from './removal'
import { dedupe, encodeValue, valueWarnings } from './encode'
import { type Binding, nameInMessage, type Scan } from './scan'
import {
  type EncodedEnvFile,
  ENV_FILE_LOADER_LABEL,
  type EnvFileChange,
  type EnvFileLoader,
  type EnvFileWarning
} from './types'

/**
 * The last raw value of each name a scan binds. Kept per scan while the scan lives: a scan
 * given back to the next rewrite (`RewriteEnvFileOptions.scan`) was this rewrite's "after",
 * and its map is that rewrite's "before".
 */
function finalRaw(scan: Scan): Map<string, string | null> {
  const known = FINAL_RAW.get(scan)
  if (known) return known
  const out = new Map<string, string | null>()
  for (const b of scan.bindings) out.set(b.name, b.raw)
  FINAL_RAW.set(scan, out)
  return out
}
const FINAL_RAW = new WeakMap<Scan, Map<string, string | null>>()

/**
 * Rewrites a `.env` file in place: sets or removes names and leaves every other byte —
 * comments, blank lines, unrelated assignments, `export` prefixes — as it was. A name set
 * in the file has its last assignment replaced (an inline comment after it stays); a new
 * name is appended; a removed name loses every assignment line. Values are written as
 * {@link encodeEnvFile} writes them (`prefer` = `loader`).
 *
 * Throws a CodecError, naming lines and names only, when the file has problems for `loader`
 * (fix them first) or when the result would not read back exactly: every changed name with
 * its new value (or gone), every other name with its text unchanged.
 *
 * @example updateEnvFile('# db\nA=1\n', [{ name: 'B', value: 'x y' }]).text // "# db\nA=1\nB='x y'\n"
 */
export function updateEnvFile(
  text: string,
  changes: readonly EnvFileChange[],
  loader: EnvFileLoader = 'compose'
): EncodedEnvFile {
  const { text: out, warnings } = rewriteEnvFile(text, changes, loader)
  return { text: out, warnings }
}

/** What {@link rewriteEnvFile} may be given besides the changes. */
export interface RewriteEnvFileOptions {
  /**
   * The loader's scan of exactly `text` (a `scan` an earlier rewrite returned for it): the text
   * is not scanned again. A caller that rewrites one file batch after batch scans it once per
   * batch instead of twice.
   */
  scan?: Scan
  /**
   * `false`: no warnings are made (none is returned), so the other loader does not read the
   * whole new text; for a caller that drops them (a store's write, whose pre-flight warned).
   * The rewrite and its check are the same.
   */
  warnings?: boolean
}

/** {@link updateEnvFile}'s text and warnings, with what its check read of the new text. */
export interface RewrittenEnvFile extends EncodedEnvFile {
  /** The loader's scan of the new text (give it to the next rewrite of that text). */
  scan: Scan
  /**
   * What the loader reads from the new text with no environment (name → value, in the
   * decoder's order), as `decodeEnvFile(text, loader)` gives it; `undefined` when that
   * reading has problems (the decoder would refuse the file).
   */
  values: Map<string, string> | undefined
}

/**
 * {@link updateEnvFile}, also returning the scan and the reading its check made of the new
 * text, so a store that rewrites a file batch by batch parses each version once (the check's
 * reading is the read-back's, the scan the next batch's `before`).
 */
export function rewriteEnvFile(
  text: string,
  changes: readonly EnvFileChange[],
  loader: EnvFileLoader = 'compose',
  options: RewriteEnvFileOptions = {}
): RewrittenEnvFile {
  const warn = options.warnings !== false
  const label = ENV_FILE_LOADER_LABEL[loader]
  const scan = options.scan ?? scanLoader(text, loader)
  if (scan.problems.length)
    throw new CodecError(
      `The file has ${scan.problems.length} line(s) ${label} cannot read (${scan.problems
        .map((p) => `line ${p.line}: ${p.message}`)
        .join(' ')}); fix them before writing to it.`,
      'codec.parse'
    )
  const wanted = new Map<string, string | null>()
  let places: Map<string, EnvFilePlace> | undefined
  for (const c of changes) {
    wanted.set(c.name, c.value)
    if (c.place && c.value !== null) (places ??= new Map()).set(c.name, c.place)
    else places?.delete(c.name)
  }
  const warnings: EnvFileWarning[] = []
  // made in a function of its own: its index of the old bindings, the edits and the appended
  // lines are gone before the new text is scanned (issue #22: a 100 k file's last batch)
  const { out, exact } = rewrittenText(
    text,
    scan,
    wanted,
    loader,
    warn ? warnings : undefined,
    places
  )
  const after = verifyRewrite(out, wanted, scan, loader, exact)
  if (!warn) return { text: out, warnings: [], ...after }
  const others: EnvFileLoader = loader === 'compose' ? 'python-dotenv' : 'compose'
  const changed = [...wanted].filter(([, v]) => v !== null) as [string, string][]
  const cross = new Map<string, string>()
  // the first binding of a name, as a search from the start finds it
  for (const v of decodeEnvFile(out, others).value)
    if (!cross.has(v.name)) cross.set(v.name, v.value)
  for (const [name, value] of changed) {
    if (cross.get(name) !== value)
      warnings.push({
        name,
        message: `${ENV_FILE_LOADER_LABEL[others]} would read ${nameInMessage(name)} differently from ${label}.`
      })
  }
  return { text: out, warnings: dedupe(warnings), ...after }
}

/**
 * `text` with `wanted` applied to the bindings of `scan` (its scan): each set name's last
 * binding replaced or its line appended, each removed name's bindings taken out. Pushes the
 * set names' own warnings (name, value) onto `warnings` when given.
 */
function rewrittenText(
  text: string,
  scan: Scan,
  wanted: ReadonlyMap<string, string | null>,
  loader: EnvFileLoader,
  warnings: EnvFileWarning[] | undefined,
  places?: ReadonlyMap<string, EnvFilePlace>
): { out: string; exact?: Map<string, EnvFilePlace> } {
  const edits: { start: number; end: number; text: string }[] = []
  // the names put back as they were written (place.ts), and the statements to put back
  let exact: Map<string, EnvFilePlace> | undefined
  const restores: [string, EnvFilePlace][] = []
  const appended: string[] = []
  // the bindings of each name written, in file order: one pass, not one scan of the file per
  // change (only those names: a job's batch appending new names indexes nothing)
  const byName = new Map<string, Binding[]>()
  for (const b of scan.bindings) {
    if (!wanted.has(b.name)) continue
    const list = byName.get(b.name)
    if (list) list.push(b)
    else byName.set(b.name, [b])
  }
  for (const [name, value] of wanted) {
    const bindings = byName.get(name) ?? []
    if (value === null) {
      for (const b of bindings) edits.push(removal(text, b))
      continue
    }
    const place = places?.get(name)
    const target = bindings.at(-1)
    if (place) {
      ;(exact ??= new Map()).set(name, place)
      if (!target) {
        restores.push([name, place])
        continue
      }
      // still set: its last statement's name and value as they were written, in place; a
      // space a write put between a bare value and what followed it goes too
      const last = place.spans.at(-1)!.text
      const was = last[place.to]
      const glued =
        was !== undefined &&
        !/\s/u.test(was) &&
        text[target.end] === ' ' &&
        text[target.end + 1] === was
      edits.push({
        start: target.start,
        end: target.end + (glued ? 1 : 0),
        text: last.slice(place.from, place.to)
      })
      continue
    }
    if (warnings) {
      if (envNameProblem(name)) warnings.push({ name, message: envNameProblem(name)! })
      warnings.push(...valueWarnings(name, value))
    }
    const encoded = encodeValue(value, loader)
    const written = `${name}=${encoded}`
    if (!target) {
      appended.push(`${written}\n`)
      continue
    }
    // a bare value followed by `#c` (once after a closing quote) would swallow the comment
    const next = text[target.end]
    const bare = !/^['"]/.test(encoded)
    const glue = bare && next !== undefined && !/\s/u.test(next) ? ' ' : ''
    edits.push({ start: target.start, end: target.end, text: written + glue })
  }
  // the statements put back, each at the start of a line (before an edit at the same offset)
  const inserts = restores.length ? placeInserts(text, scan, restores) : []
  for (const i of inserts) edits.push({ start: i.at, end: i.at, text: i.text })
  // the kept spans and the edits in file order, joined once (linear in the file); a stable
  // sort: the inserts at one offset stay in their order, before an edit starting there
  edits.sort(
    (a, b) => a.start - b.start || (a.end === a.start ? 0 : 1) - (b.end === b.start ? 0 : 1)
  )
  const pieces: string[] = []
  let at = 0
  // the last piece is a statement put back without a line break (the file's last line, as
  // it was): anything after it starts a line of its own
  let open = false
  const push = (piece: string, inserted: boolean) => {
    if (!piece) return
    const sofar = pieces.at(-1)
    if (inserted && sofar !== undefined && !sofar.endsWith('\n')) pieces.push('\n')
    else if (open) pieces.push('\n')
    pieces.push(piece)
    open = inserted && !piece.endsWith('\n')
  }
  for (const e of edits) {
    push(text.slice(at, e.start), false)
    push(e.text, e.start === e.end && e.text !== '')
    at = e.end
  }
  push(text.slice(at), false)
  if (appended.length) {
    // after a line break of its own, unless the text so far is empty or ends in one
    // (no piece is empty: `push` leaves them out)
    const last = pieces.at(-1)
    if (last !== undefined && !last.endsWith('\n')) pieces.push('\n')
    // one join, one flat string: not the text so far and the appended lines joined apart
    // and then copied again into the new text the first time it is scanned
    for (const line of appended) pieces.push(line)
  }
  return { out: pieces.join(''), exact }
}

function verifyRewrite(
  after: string,
  wanted: ReadonlyMap<string, string | null>,
  scanBefore: Scan,
  loader: EnvFileLoader,
  exact?: ReadonlyMap<string, EnvFilePlace>
): { scan: Scan; values: Map<string, string> | undefined } {
  const label = ENV_FILE_LOADER_LABEL[loader]
  const scanAfter = scanLoader(after, loader)
  const fail = (name: string): never => {
    throw new CodecError(
      `${nameInMessage(name)} cannot be written so that ${label} reads the file back as intended; nothing was changed.`,
      'codec.invalid'
    )
  }
  if (scanAfter.problems.length) {
    const line = scanAfter.problems[0]!.line
    const culprit = scanAfter.bindings.find((b) => b.line >= line && wanted.has(b.name))
    fail(culprit?.name ?? [...wanted.keys()][0] ?? '')
  }
  const { values, clean } = readValues(scanAfter, loader)
  const rawAfter = finalRaw(scanAfter)
  for (const [name, value] of wanted) {
    const place = exact?.get(name)
    // put back as written: its last statement reads as the one recorded did, whatever its
    // value comes to among the lines around it (the caller reads that back)
    if (place) {
      if (rawAfter.get(name) !== placedRaw(name, place, loader)) fail(name)
    } else if (value === null ? values.has(name) : values.get(name) !== value) fail(name)
  }
  const rawBefore = finalRaw(scanBefore)
  for (const [name, raw] of rawBefore)
    if (!wanted.has(name) && rawAfter.get(name) !== raw) fail(name)
  for (const name of rawAfter.keys()) if (!wanted.has(name) && !rawBefore.has(name)) fail(name)
  return { scan: scanAfter, values: clean ? values : undefined }
}

/** The raw value of `name`'s last statement as `place` recorded it (undefined: none reads). */
function placedRaw(
  name: string,
  place: EnvFilePlace,
  loader: EnvFileLoader
): string | null | undefined {
  const scan = scanLoader(place.spans.at(-1)!.text, loader)
  const b = scan.bindings.at(-1)
  return scan.problems.length || b?.name !== name ? undefined : b.raw
}

/**
 * What `loader` reads from a scan with no environment, name → value in the decoder's order,
 * and whether that reading has no problems. Its own function: the decoder's list of pairs is
 * gone before the caller goes on (a 100 k file's last batch held it through its check).
 *
 * The file this encoder writes (each name once, every value without `$` or not interpolated)
 * reads as its raw values: the scan's {@link finalRaw} map is that reading — the same pairs in
 * the same order (bindings are in line order, the decoder sorts by line) — and is returned
 * itself, not made again beside it with the decoder's lists (a 100 k file's last batch: 25 MB
 * of its peak, issue #22). Neither map is changed by anyone once made.
 */
function readValues(
  scan: Scan,
  loader: EnvFileLoader
): { values: Map<string, string>; clean: boolean } {
  const raw = finalRaw(scan)
  if (
    raw.size === scan.bindings.length &&
    scan.bindings.every((b) => b.raw !== null && (!b.interpolated || !b.raw.includes('$')))
  )
    return { values: raw as Map<string, string>, clean: true }
  const decoded = resolveBindings(scan, loader, {})
  const values = new Map(decoded.value.map((v) => [v.name, v.value]))
  return { values, clean: !decoded.problems.length }
}
