/**
 * PyYAML as Airflow runs it, reproduced for byte equality.
 *
 * Airflow writes `connections export *.yaml` with `yaml.dump(data, Dumper=CSafeDumper)`
 * and reads connection/variable files with `yaml.load(text, Loader=CSafeLoader)`. Both go
 * through libyaml (the C emitter/parser) plus PyYAML's Python representer, resolver and
 * constructor. Where libyaml and PyYAML's pure-Python emitter disagree (line folding in
 * double quotes, the 128-byte simple-key limit, a root plain scalar's `...` end marker),
 * this module follows libyaml, because that is what Airflow's output contains.
 */
import type * as YamlLib from 'yaml'
import type { Document, ErrorCode as YamlErrorCode, Node as YamlNode, Scalar } from 'yaml'
import { CodecError } from '../errors'
import { PyDict, PyFloat, comparePyStrings, pyFloatRepr, type PyValue } from './py-json'
import { yaml } from './yaml-lib'

// ---------------------------------------------------------------------------------------
// Resolver: PyYAML's implicit tags for plain scalars (resolver.py), keyed by first char.
// ---------------------------------------------------------------------------------------

type ImplicitTag = 'bool' | 'float' | 'int' | 'merge' | 'null' | 'timestamp' | 'value' | 'yaml'

// PyYAML only tries the resolvers registered for a scalar's first character, in the order
// they were registered; reproducing that dispatch keeps e.g. `-.5` a string (no resolver
// whose first-char list holds `-` accepts it).
const IMPLICIT_RESOLVERS: readonly (readonly [ImplicitTag, RegExp, string])[] = [
  [
    'bool',
    /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
    'yYnNtTfFoO'
  ],
  [
    'float',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    '-+0123456789.'
  ],
  [
    'int',
    /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
    '-+0123456789'
  ],
  ['merge', /^(?:<<)$/, '<'],
  ['null', /^(?:~|null|Null|NULL|)$/, '~nN'],
  [
    'timestamp',
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
    '0123456789'
  ],
  ['value', /^(?:=)$/, '='],
  ['yaml', /^(?:!|&|\*)$/, '!&*']
]

/**
 * The tag PyYAML's resolver gives a plain scalar, or 'str' when none matches. (Python's `$`
 * also matches before a final newline; plain scalars never end in one, so JS `$` agrees.)
 */
function resolvePlain(value: string): ImplicitTag | 'str' {
  // The empty string is registered only under the null resolver.
  if (value === '') return 'null'
  const first = value[0]!
  for (const [tag, re, firsts] of IMPLICIT_RESOLVERS) {
    if (firsts.includes(first) && re.test(value)) return tag
  }
  return 'str'
}

// ---------------------------------------------------------------------------------------
// Dumper: SafeRepresenter + CEmitter's serializer + libyaml's emitter.c.
// ---------------------------------------------------------------------------------------

const BEST_WIDTH = 80
const BEST_INDENT = 2
/** libyaml measures a simple key in UTF-8 bytes and allows up to 128 (Python: < 128 chars). */
const MAX_SIMPLE_KEY_BYTES = 128

const isBreak = (c: number): boolean =>
  c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029

// libyaml reads one past the end of a scalar and finds the NUL terminator, which counts
// as whitespace; `undefined` plays that role here, and an embedded NUL does too.
const isBlankz = (c: number | undefined): boolean =>
  c === undefined || c === 0 || c === 0x20 || c === 0x09 || isBreak(c)

const utf8Length = (c: number): number => (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4)

/** What libyaml's analyze_scalar learns about a scalar (block context only: see below). */
interface ScalarAnalysis {
  readonly cps: readonly number[]
  readonly byteLength: number
  readonly multiline: boolean
  readonly plainAllowed: boolean
  readonly singleQuotedAllowed: boolean
}

const START_INDICATORS = new Set([...'#,[]{}&*!|>\'"%@`'].map((c) => c.charCodeAt(0)))

function codePoints(s: string): number[] {
  const cps: number[] = []
  for (const ch of s) {
    const c = ch.codePointAt(0)!
    // Python cannot UTF-8-encode a lone surrogate, so CSafeDumper raises on one.
    if (c >= 0xd800 && c <= 0xdfff)
      throw new CodecError('Cannot write YAML: a string contains a lone surrogate character.')
    cps.push(c)
  }
  return cps
}

/**
 * libyaml's scalar analysis. Only the block-context verdicts are kept: with
 * default_flow_style=False every non-empty collection is a block one, so no scalar is
 * ever written inside a flow collection.
 */
function analyzeScalar(value: string): ScalarAnalysis {
  const cps = codePoints(value)
  const n = cps.length
  let byteLength = 0
  for (const c of cps) byteLength += utf8Length(c)
  if (n === 0)
    return { cps, byteLength, multiline: false, plainAllowed: true, singleQuotedAllowed: true }

  let blockIndicators = value.startsWith('---') || value.startsWith('...')
  let lineBreaks = false
  let special = false
  let leadingSpace = false
  let leadingBreak = false
  let trailingSpace = false
  let trailingBreak = false
  let breakSpace = false
  let spaceBreak = false
  let precededByWhitespace = true
  let followedByWhitespace = isBlankz(cps[1])
  let previousSpace = false
  let previousBreak = false

  for (let i = 0; i < n; i++) {
    const c = cps[i]!
    if (i === 0) {
      if (START_INDICATORS.has(c)) blockIndicators = true
      if ((c === 0x3f || c === 0x3a) && followedByWhitespace) blockIndicators = true // ? :
      if (c === 0x2d && followedByWhitespace) blockIndicators = true // -
    } else {
      if (c === 0x3a && followedByWhitespace) blockIndicators = true // ': '
      if (c === 0x23 && precededByWhitespace) blockIndicators = true // ' #'
    }
    // allow_unicode=False: everything but LF and printable ASCII must be escaped.
    if (!(c === 0x0a || (c >= 0x20 && c <= 0x7e))) special = true
    if (isBreak(c)) lineBreaks = true
    if (c === 0x20) {
      if (i === 0) leadingSpace = true
      if (i === n - 1) trailingSpace = true
      if (previousBreak) breakSpace = true
      previousSpace = true
      previousBreak = false
    } else if (isBreak(c)) {
      if (i === 0) leadingBreak = true
      if (i === n - 1) trailingBreak = true
      if (previousSpace) spaceBreak = true
      previousSpace = false
      previousBreak = true
    } else {
      previousSpace = false
      previousBreak = false
    }
    precededByWhitespace = isBlankz(c)
    if (i + 1 < n) followedByWhitespace = isBlankz(cps[i + 2])
  }

  let plainAllowed = true
  let singleQuotedAllowed = true
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) plainAllowed = false
  if (breakSpace || spaceBreak || special) {
    plainAllowed = false
    singleQuotedAllowed = false
  }
  if (lineBreaks || blockIndicators) plainAllowed = false
  return { cps, byteLength, multiline: lineBreaks, plainAllowed, singleQuotedAllowed }
}

/** SafeRepresenter.represent_float, including the `1e17` → `1.0e+17` fix-up. */
function floatText(x: number): string {
  if (Number.isNaN(x)) return '.nan'
  if (x === Infinity) return '.inf'
  if (x === -Infinity) return '-.inf'
  const text = pyFloatRepr(x).toLowerCase()
  return !text.includes('.') && text.includes('e') ? text.replace('e', '.0e') : text
}

const DOUBLE_ESCAPES = new Map<number, string>([
  [0x00, '0'],
  [0x07, 'a'],
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0b, 'v'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [0x1b, 'e'],
  [0x22, '"'],
  [0x5c, '\\'],
  [0x85, 'N'],
  [0xa0, '_'],
  [0x2028, 'L'],
  [0x2029, 'P']
])

function doubleEscape(c: number): string {
  const named = DOUBLE_ESCAPES.get(c)
  if (named !== undefined) return '\\' + named
  const hex = c.toString(16).toUpperCase()
  if (c <= 0xff) return '\\x' + hex.padStart(2, '0')
  if (c <= 0xffff) return '\\u' + hex.padStart(4, '0')
  return '\\U' + hex.padStart(8, '0')
}

type Container = PyValue[] | PyDict

const isContainer = (v: PyValue): v is Container => Array.isArray(v) || v instanceof PyDict

/** The emitter's writing state, mirroring libyaml's column/whitespace/indention flags. */
class Emitter {
  private out = ''
  private column = 0
  private whitespace = true
  private indention = true
  private indent = -1
  private readonly indents: number[] = []
  private readonly sorted = new Map<PyDict, [string, PyValue][]>()
  private readonly anchors = new Map<Container, string | null>()
  private anchorCount = 0
  private readonly serialized = new Set<Container>()

  dump(root: PyValue): string {
    this.assignAnchors(root)
    this.emitNode(root, false, false)
    // DOCUMENT-END (implicit): ends the last line; no `...` for libyaml 0.2.5.
    this.writeIndent()
    return this.out
  }

  /** Python sorts dict items with sort_keys=True; str keys compare by code point. */
  private entries(d: PyDict): [string, PyValue][] {
    let e = this.sorted.get(d)
    if (!e) {
      e = [...d.entries()].sort(([a], [b]) => comparePyStrings(a, b))
      this.sorted.set(d, e)
    }
    return e
  }

  /**
   * CEmitter's anchor pass: a container object met twice (same identity, as Python's
   * represented_objects keys on id()) gets `idNNN`, numbered in order of second meeting.
   */
  private assignAnchors(v: PyValue): void {
    if (!isContainer(v)) return
    if (this.anchors.has(v)) {
      if (this.anchors.get(v) === null)
        this.anchors.set(v, `id${String(++this.anchorCount).padStart(3, '0')}`)
      return
    }
    this.anchors.set(v, null)
    if (Array.isArray(v)) for (const item of v) this.assignAnchors(item)
    else for (const [, item] of this.entries(v)) this.assignAnchors(item)
  }

  // -- low-level writers (emitter.c's PUT / WRITE / write_indent / write_indicator) --

  private put(text: string): void {
    this.out += text
    this.column += text.length
  }

  private putBreak(): void {
    this.out += '\n'
    this.column = 0
  }

  private writeBreak(c: number): void {
    if (c === 0x0a) this.putBreak()
    else {
      this.out += String.fromCodePoint(c)
      this.column = 0
    }
  }

  private writeIndent(): void {
    const indent = Math.max(this.indent, 0)
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.putBreak()
    while (this.column < indent) this.put(' ')
    this.whitespace = true
    this.indention = true
  }

  private writeIndicator(
    indicator: string,
    needWhitespace: boolean,
    isWhitespace: boolean,
    isIndention: boolean
  ): void {
    if (needWhitespace && !this.whitespace) this.put(' ')
    this.put(indicator)
    this.whitespace = isWhitespace
    this.indention = this.indention && isIndention
  }

  private increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent)
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0
    else if (!indentless) this.indent += BEST_INDENT
  }

  private popIndent(): void {
    this.indent = this.indents.pop()!
  }

  // -- nodes --

  private emitNode(v: PyValue, mappingContext: boolean, simpleKey: boolean): void {
    if (!isContainer(v)) {
      this.emitScalar(v, simpleKey, undefined)
      return
    }
    const anchor = this.anchors.get(v) ?? null
    if (this.serialized.has(v)) {
      // An alias; never a key here, since dict keys are strings.
      this.writeIndicator('*', true, false, false)
      this.writeAnchorName(anchor!)
      return
    }
    this.serialized.add(v)
    if (anchor !== null) {
      this.writeIndicator('&', true, false, false)
      this.writeAnchorName(anchor)
    }
    const isList = Array.isArray(v)
    if ((isList ? v.length : v.size) === 0) {
      // check_empty_sequence / check_empty_mapping: an empty flow collection.
      this.writeIndicator(isList ? '[' : '{', true, true, false)
      this.writeIndicator(isList ? ']' : '}', false, false, false)
      return
    }
    if (isList) {
      this.increaseIndent(false, mappingContext && !this.indention)
      for (const item of v) {
        this.writeIndent()
        this.writeIndicator('-', true, false, true)
        this.emitNode(item, false, false)
      }
      this.popIndent()
      return
    }
    this.increaseIndent(false, false)
    for (const [key, item] of this.entries(v)) {
      this.writeIndent()
      const analysis = analyzeScalar(key)
      if (!analysis.multiline && analysis.byteLength <= MAX_SIMPLE_KEY_BYTES) {
        this.emitScalar(key, true, analysis)
        this.writeIndicator(':', false, false, false)
      } else {
        this.writeIndicator('?', true, false, true)
        this.emitScalar(key, false, analysis)
        this.writeIndent()
        this.writeIndicator(':', true, false, true)
      }
      this.emitNode(item, true, false)
    }
    this.popIndent()
  }

  private writeAnchorName(name: string): void {
    this.put(name)
    this.whitespace = false
    this.indention = false
  }

  private emitScalar(v: PyValue, simpleKey: boolean, known: ScalarAnalysis | undefined): void {
    let text: string
    let plainImplicit = true
    if (typeof v === 'string') {
      text = v
      // A str whose plain form would resolve to another type must be quoted.
      plainImplicit = resolvePlain(v) === 'str'
    } else if (v === null) text = 'null'
    else if (v === true) text = 'true'
    else if (v === false) text = 'false'
    else if (typeof v === 'bigint') text = v.toString()
    else if (v instanceof PyFloat) text = floatText(v.value)
    else throw new CodecError(`Cannot write a value of type ${typeof v} as YAML.`)
    const a = known ?? analyzeScalar(text)

    // select_scalar_style, for a str (quoted_implicit) or a non-str whose plain form
    // always resolves back to its own tag (so no `!` tag is ever needed).
    let style: 'plain' | 'single' | 'double' = 'plain'
    if (simpleKey && a.multiline) style = 'double'
    if (style === 'plain') {
      if (!a.plainAllowed) style = 'single'
      if (a.byteLength === 0 && simpleKey) style = 'single'
      if (!plainImplicit) style = 'single'
    }
    if (style === 'single' && !a.singleQuotedAllowed) style = 'double'

    this.increaseIndent(true, false)
    const allowBreaks = !simpleKey
    if (style === 'plain') this.writePlain(a.cps, allowBreaks)
    else if (style === 'single') this.writeSingleQuoted(a.cps, allowBreaks)
    else this.writeDoubleQuoted(a.cps, allowBreaks)
    this.popIndent()
  }

  /** Plain scalars never hold a line break (analysis rules plain out), only spaces. */
  private writePlain(cps: readonly number[], allowBreaks: boolean): void {
    if (!this.whitespace && cps.length > 0) this.put(' ')
    let spaces = false
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i]!
      if (c === 0x20) {
        // libyaml folds only once the line is already past the width.
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && cps[i + 1] !== 0x20)
          this.writeIndent()
        else this.put(' ')
        spaces = true
      } else {
        this.put(String.fromCodePoint(c))
        this.indention = false
        spaces = false
      }
    }
    this.whitespace = false
    this.indention = false
  }

  private writeSingleQuoted(cps: readonly number[], allowBreaks: boolean): void {
    this.writeIndicator("'", true, false, false)
    const n = cps.length
    let spaces = false
    let breaks = false
    for (let i = 0; i < n; i++) {
      const c = cps[i]!
      if (c === 0x20) {
        if (
          allowBreaks &&
          !spaces &&
          this.column > BEST_WIDTH &&
          i !== 0 &&
          i !== n - 1 &&
          cps[i + 1] !== 0x20
        )
          this.writeIndent()
        else this.put(' ')
        spaces = true
      } else if (isBreak(c)) {
        // A lone LF would fold to a space when read back, so it is written twice.
        if (!breaks && c === 0x0a) this.putBreak()
        this.writeBreak(c)
        this.indention = true
        breaks = true
      } else {
        if (breaks) this.writeIndent()
        if (c === 0x27) this.put("'")
        this.put(String.fromCodePoint(c))
        this.indention = false
        spaces = false
        breaks = false
      }
    }
    if (breaks) this.writeIndent()
    this.writeIndicator("'", false, false, false)
    this.whitespace = false
    this.indention = false
  }

  private writeDoubleQuoted(cps: readonly number[], allowBreaks: boolean): void {
    this.writeIndicator('"', true, false, false)
    const n = cps.length
    let spaces = false
    for (let i = 0; i < n; i++) {
      const c = cps[i]!
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.put(doubleEscape(c))
        spaces = false
      } else if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== n - 1) {
          this.writeIndent()
          // The fold eats this space; a following space would be eaten as indentation
          // when read back, so it is escaped.
          if (cps[i + 1] === 0x20) this.put('\\')
        } else this.put(' ')
        spaces = true
      } else {
        this.put(String.fromCodePoint(c))
        spaces = false
      }
    }
    this.writeIndicator('"', false, false, false)
    this.whitespace = false
    this.indention = false
  }
}

/**
 * `yaml.dump(value, Dumper=yaml.CSafeDumper)` with default options, byte for byte: keys
 * sorted by code point, block style, width 80, indent 2, non-ASCII escaped.
 *
 * Like Python, a list or dict object reached twice (same JS identity) is written once with
 * an anchor (`&id001`) and then as an alias (`*id001`); build fresh objects for copies.
 * Throws CodecError on a lone surrogate (Python raises UnicodeEncodeError) or a value that
 * is not a PyValue.
 */
export function pyYamlDump(value: PyValue): string {
  return new Emitter().dump(value)
}

// ---------------------------------------------------------------------------------------
// Loader: the `yaml` package parses; PyYAML's resolver and SafeConstructor build values.
// ---------------------------------------------------------------------------------------

const TAG = 'tag:yaml.org,2002:'

/** Our own wording per parser error code: the package's messages quote the document. */
const SYNTAX_PROBLEMS: Partial<Record<YamlErrorCode, string>> = {
  ALIAS_PROPS: 'an alias cannot carry an anchor or a tag',
  BAD_ALIAS: 'invalid alias',
  BAD_DIRECTIVE: 'invalid directive',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'anchor and tag in the wrong place',
  BAD_SCALAR_START: 'a plain value cannot start with this character',
  BLOCK_AS_IMPLICIT_KEY: 'mapping values are not allowed here',
  BLOCK_IN_FLOW: 'a block collection cannot appear inside a flow collection',
  KEY_OVER_1024_CHARS: 'an implicit key is longer than 1024 characters',
  MISSING_CHAR: 'a closing quote or bracket is missing',
  MULTILINE_IMPLICIT_KEY: 'an implicit key must be on a single line',
  MULTIPLE_ANCHORS: 'a node has more than one anchor',
  MULTIPLE_DOCS: 'expected a single document in the stream',
  MULTIPLE_TAGS: 'a node has more than one tag',
  TAB_AS_INDENT: 'tabs cannot be used for indentation',
  UNEXPECTED_TOKEN: 'unexpected content'
}

/**
 * Thrown for a value PyYAML's SafeLoader reads but Airlock's model cannot hold (`!!binary`,
 * which Airflow gets as Python bytes): Airflow reads the file, Airlock refuses it.
 */
export class YamlNotModelledError extends CodecError {
  constructor(message: string) {
    super(message, 'codec.parse')
    this.name = 'YamlNotModelledError'
  }
}

/** Thrown for anything PyYAML would reject (YAMLError or a constructor's ValueError). */
function loadError(line: number, problem: string): CodecError {
  return new CodecError(`Invalid YAML on line ${line}: ${problem}.`)
}

/** Python's `int(text, base)` for the texts SafeConstructor hands it (underscores gone). */
function pyInt(text: string, base: 2 | 8 | 10 | 16): bigint | undefined {
  const m = /^\s*([-+]?)(.*?)\s*$/s.exec(text)!
  let digits = m[2]!
  // int() accepts the prefix of its own base (`int('0x1f', 16)`).
  const prefix = { 2: /^0[bB]/, 8: /^0[oO]/, 10: undefined, 16: /^0[xX]/ }[base]
  if (prefix?.test(digits)) digits = digits.slice(2)
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base]
  if (!valid.test(digits)) return undefined
  const n = BigInt({ 2: '0b', 8: '0o', 10: '', 16: '0x' }[base] + digits)
  return m[1] === '-' ? -n : n
}

/** Python's `float(text)` for the lower-cased, underscore-free texts it receives here. */
function pyFloatFromText(text: string): number | undefined {
  const t = text.trim()
  const m = /^([-+]?)(?:(inf|infinity|nan)|((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?))$/.exec(
    t
  )
  if (!m) return undefined
  const negative = m[1] === '-'
  const magnitude = m[2] === undefined ? Number(m[3]) : m[2] === 'nan' ? NaN : Infinity
  return negative ? -magnitude : magnitude
}

/** SafeConstructor.construct_yaml_int. */
function constructInt(raw: string): bigint | undefined {
  let value = raw.replaceAll('_', '')
  if (value === '') return undefined
  const negative = value[0] === '-'
  if (value[0] === '-' || value[0] === '+') value = value.slice(1)
  let n: bigint | undefined
  if (value === '0') n = 0n
  else if (value.startsWith('0b')) n = pyInt(value.slice(2), 2)
  else if (value.startsWith('0x')) n = pyInt(value.slice(2), 16)
  else if (value.startsWith('0')) n = pyInt(value, 8)
  else if (value.includes(':')) {
    const parts = value.split(':').map((p) => pyInt(p, 10))
    if (parts.some((p) => p === undefined)) return undefined
    n = 0n
    let base = 1n
    for (const digit of parts.reverse()) {
      n += digit! * base
      base *= 60n
    }
  } else n = pyInt(value, 10)
  if (n === undefined) return undefined
  return negative ? -n : n
}

/** SafeConstructor.construct_yaml_float (same arithmetic order, so the same doubles). */
function constructFloat(raw: string): number | undefined {
  let value = raw.replaceAll('_', '').toLowerCase()
  if (value === '') return undefined
  const sign = value[0] === '-' ? -1 : 1
  if (value[0] === '-' || value[0] === '+') value = value.slice(1)
  if (value === '.inf') return sign * Infinity
  if (value === '.nan') return NaN
  if (value.includes(':')) {
    const parts = value.split(':').map(pyFloatFromText)
    if (parts.some((p) => p === undefined)) return undefined
    let sum = 0
    let base = 1
    for (const digit of parts.reverse()) {
      sum += digit! * base
      base *= 60
    }
    return sign * sum
  }
  const x = pyFloatFromText(value)
  return x === undefined ? undefined : sign * x
}

const BOOL_VALUES: Record<string, boolean> = {
  yes: true,
  no: false,
  true: true,
  false: false,
  on: true,
  off: false
}

const TIMESTAMP_RE =
  /^([0-9][0-9][0-9][0-9])-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$/

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/**
 * SafeConstructor.construct_yaml_timestamp, returned as Python's `str()` of the result
 * (`2001-12-14`, `2001-12-14 21:59:43.100000-05:00`): PyValue has no datetime, and str()
 * is what Airflow shows when it formats such a value. Invalid dates are errors, as
 * Python's datetime raises ValueError on them.
 */
function constructTimestamp(raw: string): string | undefined {
  const m = TIMESTAMP_RE.exec(raw)
  if (!m) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > monthDays[month - 1]!)
    return undefined
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`
  if (m[4] === undefined) return date
  const hour = Number(m[4])
  const minute = Number(m[5])
  const second = Number(m[6])
  if (hour > 23 || minute > 59 || second > 59) return undefined
  let text = `${date} ${pad(hour)}:${pad(minute)}:${pad(second)}`
  const fraction = (m[7] ?? '').slice(0, 6).padEnd(6, '0')
  if (m[7] && Number(fraction) !== 0) text += '.' + fraction
  if (m[9] !== undefined) {
    const minutes = Number(m[10]) * 60 + Number(m[11] ?? 0)
    // datetime.timezone needs an offset strictly within a day.
    if (minutes >= 24 * 60) return undefined
    if (minutes === 0) text += '+00:00'
    else text += `${m[9] === '-' ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`
  } else if (m[8] === 'Z') text += '+00:00'
  return text
}

/** Python `str()` of a hashable key, and an identity under Python's `==` (1 == 1.0 == True). */
function keyForms(key: PyValue): [text: string, identity: string] | undefined {
  if (typeof key === 'string') return [key, 's:' + key]
  if (key === null) return ['None', 'none']
  if (typeof key === 'boolean') return [key ? 'True' : 'False', 'n:' + (key ? '1' : '0')]
  if (typeof key === 'bigint') return [key.toString(), 'n:' + key.toString()]
  if (key instanceof PyFloat) {
    const x = key.value
    const text = Number.isNaN(x)
      ? 'nan'
      : x === Infinity
        ? 'inf'
        : x === -Infinity
          ? '-inf'
          : pyFloatRepr(x)
    const identity = Number.isInteger(x) ? 'n:' + BigInt(x).toString() : 'f:' + text
    return [text, identity]
  }
  return undefined
}

/** Builds Python values from the parsed node tree the way SafeConstructor does. */
class Constructor {
  private readonly built = new Map<YamlNode, PyValue>()
  private readonly flattened = new Map<YamlNode, [YamlNode | null, YamlNode | null][]>()

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: YamlLib.LineCounter
  ) {}

  lineOf(node: YamlNode | null | undefined): number {
    const offset = node?.range?.[0] ?? 0
    return this.lines.linePos(offset).line
  }

  private deref(node: YamlNode): YamlNode {
    if (!yaml().isAlias(node)) return node
    const target = node.resolve(this.doc)
    if (!target) throw loadError(this.lineOf(node), 'found undefined alias')
    return target
  }

  build(node: YamlNode | null): PyValue {
    // A missing node (`key:` with nothing, `? key`) is an empty plain scalar: None.
    if (node === null) return null
    node = this.deref(node)
    const done = this.built.get(node)
    if (done !== undefined) return done
    const tag = node.tag
    if (yaml().isScalar(node)) {
      const value = this.scalar(node)
      this.built.set(node, value)
      return value
    }
    if (yaml().isSeq(node)) {
      if (tag === TAG + 'omap' || tag === TAG + 'pairs') throw this.notModelled(node, tag)
      if (tag !== undefined && tag !== '!' && tag !== TAG + 'seq')
        throw loadError(this.lineOf(node), 'unsupported tag on a sequence')
      const list: PyValue[] = []
      this.built.set(node, list)
      for (const item of node.items) list.push(this.build(item as YamlNode | null))
      return list
    }
    if (yaml().isMap(node)) {
      if (tag === TAG + 'set') throw this.notModelled(node, tag)
      if (tag !== undefined && tag !== '!' && tag !== TAG + 'map')
        throw loadError(this.lineOf(node), 'unsupported tag on a mapping')
      const dict = new PyDict()
      this.built.set(node, dict)
      const identities = new Map<string, string>()
      for (const [keyNode, valueNode] of this.flatten(node)) {
        const key = this.buildKey(keyNode)
        const forms = keyForms(key)
        if (!forms) throw loadError(this.lineOf(keyNode), 'found unhashable key')
        const [text, identity] = forms
        // Python keeps the first equal key and its position, with the last value.
        const existing = identities.get(identity)
        const value = this.build(valueNode)
        if (existing !== undefined) dict.set(existing, value)
        else {
          identities.set(identity, text)
          dict.set(text, value)
        }
      }
      return dict
    }
    throw loadError(this.lineOf(node), 'unsupported node')
  }

  /**
   * The tag PyYAML gives a scalar node. libyaml marks a `!`-tagged scalar plain-implicit
   * whatever its style, so `! "12"` is resolved like a plain `12` (an int).
   */
  private scalarKind(node: Scalar): string {
    const tag = node.tag
    if (tag === undefined) return node.type === 'PLAIN' ? resolvePlain(String(node.value)) : 'str'
    if (tag === '!') return resolvePlain(String(node.value))
    return tag.startsWith(TAG) ? tag.slice(TAG.length) : 'unknown'
  }

  private isMergeKey(key: YamlNode | null): boolean {
    if (key === null) return false
    const node = this.deref(key)
    return yaml().isScalar(node) && this.scalarKind(node) === 'merge'
  }

  /** flatten_mapping retags a `=` key as str; as a value `=` has no constructor. */
  private buildKey(key: YamlNode | null): PyValue {
    const node = key === null ? null : this.deref(key)
    if (node !== null && yaml().isScalar(node) && this.scalarKind(node) === 'value')
      return String(node.value)
    return this.build(node)
  }

  /** SafeConstructor.flatten_mapping: `<<` merges come first, own keys override them. */
  private flatten(node: YamlNode): [YamlNode | null, YamlNode | null][] {
    const done = this.flattened.get(node)
    if (done) return done
    if (!yaml().isMap(node)) throw loadError(this.lineOf(node), 'expected a mapping for merging')
    const own: [YamlNode | null, YamlNode | null][] = []
    const merged: [YamlNode | null, YamlNode | null][] = []
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null
      const value = pair.value as YamlNode | null
      if (!this.isMergeKey(key)) {
        own.push([key, value])
        continue
      }
      const source = value === null ? null : this.deref(value)
      if (source !== null && yaml().isMap(source)) merged.push(...this.flatten(source))
      else if (source !== null && yaml().isSeq(source)) {
        const parts: [YamlNode | null, YamlNode | null][][] = []
        for (const sub of source.items) {
          const target = sub === null ? null : this.deref(sub as YamlNode)
          if (target === null || !yaml().isMap(target))
            throw loadError(this.lineOf(key), 'expected a mapping for merging')
          parts.push(this.flatten(target))
        }
        for (const part of parts.reverse()) merged.push(...part)
      } else throw loadError(this.lineOf(key), 'expected a mapping or list of mappings for merging')
    }
    const result = [...merged, ...own]
    this.flattened.set(node, result)
    return result
  }

  /** SafeConstructor reads `!!set` (a set), `!!omap` and `!!pairs` (lists of tuples). */
  private notModelled(node: YamlNode, tag: string): YamlNotModelledError {
    const kind = tag.slice(TAG.length)
    return new YamlNotModelledError(
      `a !!${kind} value on line ${this.lineOf(node)}, which Airflow reads as a Python ${kind === 'set' ? 'set' : 'list of pairs'}: Airlock does not model it (give the value as a plain mapping or list to move it)`
    )
  }

  private scalar(node: Scalar): PyValue {
    const raw = String(node.value)
    const kind = this.scalarKind(node)
    const fail = (problem: string): never => {
      throw loadError(this.lineOf(node), problem)
    }
    switch (kind) {
      case 'str':
        return raw
      case 'null':
        return null
      case 'bool': {
        const b = BOOL_VALUES[raw.toLowerCase()]
        return b ?? fail('invalid boolean')
      }
      case 'int':
        return constructInt(raw) ?? fail('invalid integer')
      case 'float': {
        const x = constructFloat(raw)
        return x === undefined ? fail('invalid float') : new PyFloat(x)
      }
      case 'timestamp':
        return constructTimestamp(raw) ?? fail('invalid timestamp')
      case 'binary':
        // SafeConstructor.construct_yaml_binary: base64 → bytes. Airflow reads it; PyValue
        // has no bytes type, so Airlock refuses it without calling the file invalid.
        throw new YamlNotModelledError(
          `a !!binary value on line ${this.lineOf(node)}, which Airflow reads as Python bytes: Airlock does not model bytes (give the value as text to move it)`
        )
      default:
        // `=` (tag:yaml.org,2002:value), `!!python/...`, local tags: SafeLoader has no
        // constructor for them as values.
        return fail('could not determine a constructor for the tag')
    }
  }
}

/**
 * `yaml.load(text, Loader=CSafeLoader)` (what `airflow.utils.yaml.safe_load` runs) for the
 * contents of Airflow connection and variable files. Keys keep document order; ints are
 * bigint, floats PyFloat, and PyYAML's resolver (YAML 1.1: `yes`/`on`, `0755`, `1_000`,
 * `1:20`, `.5`; but not `y`, `1e5` or `0o7`) decides plain scalars.
 *
 * Mappings to note, since PyValue is narrower than Python:
 * - timestamps become `str(datetime)` / `str(date)` (see constructTimestamp);
 * - a non-str key becomes its `str()` (`1`, `True`, `None`, `1.5`); keys equal in Python
 *   (`1`, `1.0`, `true`) merge as Python merges them;
 * - `!!binary`, `!!set`, `!!omap` and `!!pairs` are refused with YamlNotModelledError
 *   (SafeLoader reads them as bytes, a set, lists of tuples, which PyValue cannot hold);
 *   unknown tags are rejected as SafeLoader rejects them.
 *
 * Known gaps: the `yaml` package, not libyaml, decides what is well-formed, so exotic
 * syntax (tabs around tokens, odd flow-key spacing, directives) may be accepted or
 * rejected where libyaml differs. Throws CodecError naming the 1-based line, never quoting
 * the document.
 */
export function pyYamlSafeLoad(text: string): PyValue {
  const lines = new (yaml().LineCounter)()
  const docs = yaml().parseAllDocuments(text, {
    version: '1.1',
    // Failsafe keeps every scalar a string, so PyYAML's own resolver decides the type.
    schema: 'failsafe',
    uniqueKeys: false,
    merge: false,
    prettyErrors: false,
    lineCounter: lines
  })
  if (!Array.isArray(docs)) return null
  for (const doc of docs) {
    const error = doc.errors[0]
    if (!error) continue
    // A `key: value` continued on a deeper-indented line is reported at its start, but
    // libyaml points at the offending `:`, which is where this error's range ends.
    const multiline = doc.errors.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY')
    if (multiline)
      throw loadError(lines.linePos(multiline.pos[1]).line, SYNTAX_PROBLEMS.BLOCK_AS_IMPLICIT_KEY!)
    throw loadError(
      lines.linePos(error.pos[0]).line,
      SYNTAX_PROBLEMS[error.code] ?? 'invalid syntax'
    )
  }
  if (docs.length === 0) return null
  if (docs.length > 1) {
    const start = docs[1]!.range[0]
    throw loadError(lines.linePos(start).line, 'expected a single document in the stream')
  }
  const doc = docs[0]!
  const value = new Constructor(doc, lines).build((doc.contents as YamlNode | null) ?? null)
  checkExpansion(value, PY_YAML_MAX_EXPANSION + 10 * text.length)
  return value
}

/**
 * How large a document may grow once its aliases are expanded (characters, roughly): this
 * much, plus ten times its own length, so large files without aliases are never refused.
 */
export const PY_YAML_MAX_EXPANSION = 10_000_000

/**
 * Aliases share one value, as in PyYAML, so a 1 KB document can stand for gigabytes
 * ("billion laughs") or contain itself (`&a [*a]`). Airflow would then exhaust memory, or
 * fail in json.dumps ("Circular reference detected"), when it stores the value; both are
 * refused here, before anything serialises the value.
 */
function checkExpansion(root: PyValue, limit: number): void {
  const sizes = new Map<object, number>()
  const open = new Set<object>()
  const size = (v: PyValue): number => {
    if (typeof v === 'string') return 1 + v.length
    if (v === null || typeof v !== 'object' || v instanceof PyFloat) return 1
    const known = sizes.get(v)
    if (known !== undefined) return known
    if (open.has(v))
      throw new CodecError(
        'Invalid YAML: an alias refers to a collection that contains it; Airflow cannot store such a value (json.dumps: "Circular reference detected").'
      )
    open.add(v)
    let n = 1
    for (const child of Array.isArray(v) ? v : v.map.values()) {
      n += size(child)
      if (n > limit)
        throw new CodecError(
          `Invalid YAML: its aliases expand it to more than ${limit} characters (a "billion laughs" document); Airflow would exhaust its memory on it.`
        )
    }
    open.delete(v)
    sizes.set(v, n)
    return n
  }
  size(root)
}
