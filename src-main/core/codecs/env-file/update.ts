/** Rewriting a `.env` file in place, checked by reading it back. */
import { envNameProblem } from '../../env-names'
import { CodecError } from '../../errors'
import { decodeEnvFile, resolveBindings, scanLoader } from './decode'
import { dedupe, encodeValue, valueWarnings } from './encode'
import {
  type Binding,
  COMPOSE_INLINE_SPACE,
  nameInMessage,
  PY_INLINE_SPACE_CLASS,
  type Scan
} from './scan'
import {
  type EncodedEnvFile,
  ENV_FILE_LOADER_LABEL,
  type EnvFileChange,
  type EnvFileLoader,
  type EnvFileWarning
} from './types'

function finalRaw(scan: Scan): Map<string, string | null> {
  const out = new Map<string, string | null>()
  for (const b of scan.bindings) out.set(b.name, b.raw)
  return out
}

const INLINE_BLANK = new RegExp(`^[${PY_INLINE_SPACE_CLASS}${COMPOSE_INLINE_SPACE}]*$`)
const TAIL_IS_COMMENT = new RegExp(
  `^[${PY_INLINE_SPACE_CLASS}${COMPOSE_INLINE_SPACE}]*(?:#[^\\n]*)?\\r?$`
)

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
  const label = ENV_FILE_LOADER_LABEL[loader]
  const scan = scanLoader(text, loader)
  if (scan.problems.length)
    throw new CodecError(
      `The file has ${scan.problems.length} line(s) ${label} cannot read (${scan.problems
        .map((p) => `line ${p.line}: ${p.message}`)
        .join(' ')}); fix them before writing to it.`,
      'codec.parse'
    )
  const wanted = new Map<string, string | null>()
  for (const c of changes) wanted.set(c.name, c.value)
  const edits: { start: number; end: number; text: string }[] = []
  const appended: string[] = []
  const warnings: EnvFileWarning[] = []
  // the bindings of each name, in file order: one pass, not one scan of the file per change
  const byName = new Map<string, Binding[]>()
  for (const b of scan.bindings) {
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
    if (envNameProblem(name)) warnings.push({ name, message: envNameProblem(name)! })
    warnings.push(...valueWarnings(name, value))
    const encoded = encodeValue(value, loader)
    const written = `${name}=${encoded}`
    const target = bindings.at(-1)
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
  // the kept spans and the edits in file order, joined once (linear in the file)
  edits.sort((a, b) => a.start - b.start)
  const pieces: string[] = []
  let at = 0
  for (const e of edits) {
    pieces.push(text.slice(at, e.start), e.text)
    at = e.end
  }
  pieces.push(text.slice(at))
  let out = pieces.join('')
  if (appended.length) {
    if (out !== '' && !out.endsWith('\n')) out += '\n'
    out += appended.join('')
  }
  verifyRewrite(out, wanted, scan, loader)
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
  return { text: out, warnings: dedupe(warnings) }
}

/** The span that removes a binding: its whole line(s) when nothing else shares them. */
function removal(text: string, b: Binding): { start: number; end: number; text: string } {
  const lineStart = text.lastIndexOf('\n', b.statementStart - 1) + 1
  const nl = text.indexOf('\n', b.end)
  const lineEnd = nl < 0 ? text.length : nl
  if (
    INLINE_BLANK.test(text.slice(lineStart, b.statementStart)) &&
    TAIL_IS_COMMENT.test(text.slice(b.end, lineEnd))
  )
    return { start: lineStart, end: nl < 0 ? text.length : nl + 1, text: '' }
  return { start: b.statementStart, end: b.end, text: '' }
}

function verifyRewrite(
  after: string,
  wanted: ReadonlyMap<string, string | null>,
  scanBefore: Scan,
  loader: EnvFileLoader
): void {
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
  const decoded = resolveBindings(scanAfter, loader, {})
  const values = new Map(decoded.value.map((v) => [v.name, v.value]))
  for (const [name, value] of wanted)
    if (value === null ? values.has(name) : values.get(name) !== value) fail(name)
  const rawBefore = finalRaw(scanBefore)
  const rawAfter = finalRaw(scanAfter)
  for (const [name, raw] of rawBefore)
    if (!wanted.has(name) && rawAfter.get(name) !== raw) fail(name)
  for (const name of rawAfter.keys()) if (!wanted.has(name) && !rawBefore.has(name)) fail(name)
}
