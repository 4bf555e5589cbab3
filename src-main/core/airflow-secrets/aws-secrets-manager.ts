/**
 * How Airflow's `SecretsManagerBackend` names and reads secrets (reference §12.2), as pure
 * functions: given the provider's `backend_kwargs` and an id, the exact secret name Airflow
 * asks AWS Secrets Manager for — or why it asks for none — and how a JSON secret's keys are
 * aliased before Airflow builds a connection from them. Transcribed from
 * `providers/amazon/src/airflow/providers/amazon/aws/secrets/secrets_manager.py`
 * (`__init__`, `_get_secret`, `_standardize_secret_keys`, `get_conn_value`),
 * `BaseSecretsBackend.build_path` and the provider's tests
 * (`providers/amazon/tests/unit/amazon/aws/secrets/test_secrets_manager.py`).
 *
 * The rules, exactly:
 * - A truthy prefix is `rstrip`ped of the characters of `sep` (Python strips a *set* of
 *   characters); `""` stays `""`; `null` turns that kind of lookup off (no request at all).
 * - Name: `prefix + sep + id` when the prefix is truthy, else the id alone.
 * - `*_lookup_pattern`: when truthy, the id must satisfy Python
 *   `re.match(pattern, id, re.IGNORECASE)` (anchored at the start only) or Airflow answers
 *   "not found" without asking. The pattern is compiled by `compilePythonRegex` below, which
 *   reproduces Python's `re` syntax and matching on top of a JavaScript RegExp; what it
 *   cannot reproduce it refuses with a reason (see `PyRegexError`).
 * - JSON secrets (the value, stripped, starts with `{`): the secret's keys are mapped to
 *   connection fields by `standardizeSecretKeys`; every other key (description included) is
 *   dropped. `extra_conn_words` adds aliases; its `user` key means `login`.
 * - ResourceNotFound, InvalidParameter, InvalidRequest (a secret scheduled for deletion),
 *   DecryptionFailure and InternalServiceError read as not found; anything else (access
 *   denied, throttling that outlasts the retries) is an error.
 * - The AWS providers have no team-scoped names: a team's entry lives at the global name.
 *
 * The service's own rules (AWS API reference, CreateSecret): a name is 1–512 characters of
 * ASCII letters, digits and `/_+=.@-`; a name ending in a hyphen and six characters can be
 * mistaken for a partial ARN; `SecretString` holds at most 65 536 bytes.
 */
/**
 * Where Airflow's AWS Secrets Manager backend looks, and what it makes of a `SecretString`
 * (reference §12.2). Source: `providers/amazon/src/airflow/providers/amazon/aws/secrets/
 * secrets_manager.py` (`_get_secret`, `get_conn_value`, `_standardize_secret_keys`) and
 * `BaseSecretsBackend.get_connection` / `deserialize_connection`: a secret whose stripped
 * text starts with `{` is `json.loads`ed, each connection field takes the value of the
 * first key of the secret (in the secret's order) among its aliases (`extra_conn_words`
 * added), every other key is dropped, and the result is re-dumped and read as connection
 * JSON; any other text is a URI. Variables are returned verbatim.
 */
import { PY_SPACE, pyStrip } from '../codecs/py-str'
import { PyDict, type PyValue, pyJsonDumps, pyJsonLoads } from '../codecs/py-json'
import { AirlockError, CodecError } from '../errors'
import { unquote } from '../codecs/py-url'
import {
  kindPrefix,
  kwargTypeName,
  prefixKwargs,
  pyFormatSep,
  rstripSepWhenTruthy,
  sepKwarg,
  stringKwarg
} from './kwargs'
import {
  rawConnectionToPy,
  providerBefore,
  storedText,
  decodeAfterExplain,
  type DecodeFn,
  type DecodeOutcome,
  type ExplainFn,
  type Explanation,
  type LookupKind,
  type LookupOptions,
  TEAM_SEP
} from './types'
import type { Decoded } from '../connection'
import { connectionEnvValue } from '../codecs/connection-value'
import { writtenLoss } from './written'
import { RegexTimeLimitError, regexRunner } from '../regex-runner'
import { parseConnectionValue, parseConnectionValueRaw } from '../codecs/connection-json'
import type { ConnectionFields, Dialect } from '../model'

/** What a name is looked up for: the two entry kinds and Airflow's `get_config`. */
export type AwsLookupKind = 'connection' | 'variable' | 'config'

/** The provider's defaults for `backend_kwargs`. */
export const AWS_SECRETS_MANAGER_DEFAULTS = {
  connections_prefix: 'airflow/connections',
  variables_prefix: 'airflow/variables',
  config_prefix: 'airflow/config',
  sep: '/'
} as const

/** Largest `SecretString` Secrets Manager stores, in UTF-8 bytes. */
export const SM_MAX_SECRET_BYTES = 65_536

/** Longest secret name. */
export const SM_MAX_NAME_LENGTH = 512

/** A `*_lookup_pattern`, compiled (or why it cannot be). */
export interface LookupPattern {
  /** The pattern text as configured. */
  source: string
  regex?: PyRegex
  /** Set when Python rejects the pattern (`invalid`) or Airlock cannot reproduce it. */
  error?: PyRegexError
}

/** The connection fields `_standardize_secret_keys` fills, in its order. */
export const SM_CONNECTION_FIELDS = [
  'login',
  'password',
  'host',
  'port',
  'schema',
  'conn_type',
  'extra'
] as const
export type SmConnectionField = (typeof SM_CONNECTION_FIELDS)[number]

/** The aliases Airflow accepts for each field before `extra_conn_words` (in this order). */
export const SM_DEFAULT_CONN_WORDS: Readonly<Record<SmConnectionField, readonly string[]>> = {
  login: ['login', 'user', 'username', 'user_name'],
  password: ['password', 'pass', 'key'],
  host: ['host', 'remote_host', 'server'],
  port: ['port'],
  schema: ['database', 'schema'],
  conn_type: ['conn_type', 'conn_id', 'connection_type', 'engine'],
  extra: ['extra']
}

/** The naming part of `backend_kwargs`, as the backend's `__init__` leaves it. */
export interface AwsSecretsManagerNaming {
  /** After `rstrip(sep)`; `null` = connections are not looked up here. */
  connectionsPrefix: string | null
  variablesPrefix: string | null
  configPrefix: string | null
  sep: string
  /** `null` = every id is looked up. */
  patterns: Readonly<Record<AwsLookupKind, LookupPattern | null>>
  /** Aliases per field, `extra_conn_words` applied. */
  connWords: Readonly<Record<SmConnectionField, readonly string[]>>
  /**
   * Set when `extra_conn_words` makes Airflow raise while reading a JSON secret (a key that
   * is not a field → KeyError, a value that is not a list → TypeError). URI secrets and
   * variables are unaffected.
   */
  connWordsError?: string
}

/** What Airflow does for one lookup. */
export type AwsLookup =
  | { outcome: 'disabled'; reason: string }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'error'; reason: string }
  | { outcome: 'lookup'; name: string }

// ---------------------------------------------------------------------------------------
// backend_kwargs

/**
 * The three `*_lookup_pattern` kwargs. A falsy pattern (`null`, `""`) means "look every id
 * up"; one Python would reject, or that Airlock cannot reproduce, is kept with its error
 * (Airflow raises on every lookup of that kind, the backend construction itself succeeds).
 */
export function parseLookupPatterns(
  kwargs: Readonly<Record<string, unknown>>,
  service: string
): Record<AwsLookupKind, LookupPattern | null> {
  const one = (key: string): LookupPattern | null => {
    const source = stringKwarg(kwargs, key, null, service)
    if (!source) return null
    try {
      return { source, regex: compilePythonRegex(source, { ignoreCase: true }) }
    } catch (error) {
      if (error instanceof PyRegexError) return { source, error }
      throw error
    }
  }
  return {
    connection: one('connections_lookup_pattern'),
    variable: one('variables_lookup_pattern'),
    config: one('config_lookup_pattern')
  }
}

/** Why a lookup pattern keeps Airflow from asking for an id, or undefined when it asks. */
export function lookupPatternVerdict(
  pattern: LookupPattern | null,
  kind: AwsLookupKind,
  id: string
): { outcome: 'skipped' | 'error'; reason: string } | undefined {
  if (!pattern) return undefined
  const key = kind === 'connection' ? 'connections' : kind === 'variable' ? 'variables' : 'config'
  if (pattern.error)
    return {
      outcome: 'error',
      reason:
        pattern.error.problem === 'invalid'
          ? `${key}_lookup_pattern is not a valid Python regular expression (${pattern.error.message}); Airflow fails every ${kind} lookup with re.error.`
          : `${key}_lookup_pattern uses ${pattern.error.message}, which Airlock cannot evaluate exactly; simplify the pattern or leave it out.`
    }
  try {
    if (pattern.regex!.match(id)) return undefined
  } catch (error) {
    if (!(error instanceof RegexTimeLimitError)) throw error
    return {
      outcome: 'error',
      reason: `${key}_lookup_pattern took longer than ${error.limitMs} ms on id ${JSON.stringify(error.text)} and was stopped; simplify the pattern (nested repeats such as (a+)+ backtrack without end).`
    }
  }
  return {
    outcome: 'skipped',
    reason: `the id does not match ${key}_lookup_pattern ${JSON.stringify(pattern.source)} (Python re.match, case-insensitive), so Airflow never asks for it`
  }
}

/** Why every lookup of a kind fails (an unusable lookup pattern), or undefined. */
export function lookupPatternError(
  pattern: LookupPattern | null,
  kind: AwsLookupKind
): string | undefined {
  const verdict = pattern?.error ? lookupPatternVerdict(pattern, kind, '') : undefined
  return verdict?.reason
}

function parseConnWords(
  raw: unknown
): Pick<AwsSecretsManagerNaming, 'connWords' | 'connWordsError'> {
  const words: Record<SmConnectionField, string[]> = {
    login: [...SM_DEFAULT_CONN_WORDS.login],
    password: [...SM_DEFAULT_CONN_WORDS.password],
    host: [...SM_DEFAULT_CONN_WORDS.host],
    port: [...SM_DEFAULT_CONN_WORDS.port],
    schema: [...SM_DEFAULT_CONN_WORDS.schema],
    conn_type: [...SM_DEFAULT_CONN_WORDS.conn_type],
    extra: [...SM_DEFAULT_CONN_WORDS.extra]
  }
  // `extra_conn_words or {}`: any falsy value means none.
  if (
    raw === undefined ||
    raw === null ||
    raw === false ||
    raw === 0 ||
    raw === '' ||
    (Array.isArray(raw) && raw.length === 0)
  )
    return { connWords: words }
  if (typeof raw !== 'object' || Array.isArray(raw))
    return {
      connWords: words,
      connWordsError: `extra_conn_words must be an object of lists (Airflow fails every JSON connection secret with it); got ${kwargTypeName(raw)}.`
    }
  for (const [field, extra] of Object.entries(raw as Record<string, unknown>)) {
    const target = field === 'user' ? 'login' : field
    if (!Object.hasOwn(words, target))
      return {
        connWords: words,
        connWordsError: `extra_conn_words has the key ${JSON.stringify(field)}, which is not a connection field (login/user, password, host, port, schema, conn_type, extra); Airflow fails every JSON connection secret with KeyError.`
      }
    // list.extend(iterable): a string extends by its characters; a list by its items.
    if (typeof extra === 'string') words[target as SmConnectionField].push(...extra)
    else if (Array.isArray(extra))
      words[target as SmConnectionField].push(
        ...extra.filter((w): w is string => typeof w === 'string')
      )
    else
      return {
        connWords: words,
        connWordsError: `extra_conn_words.${field} must be a list of key names; Airflow fails every JSON connection secret with TypeError.`
      }
  }
  return { connWords: words }
}

/**
 * Reads `backend_kwargs` (parsed JSON) the way `SecretsManagerBackend.__init__` does.
 * Throws a `usage` error where Python would fail at construction (a prefix or `sep` that is
 * not text). AWS session kwargs (`region_name`, `endpoint_url`, …) are ignored here.
 */
export function parseAwsSecretsManagerKwargs(
  kwargs: Readonly<Record<string, unknown>> = {}
): AwsSecretsManagerNaming {
  const service = 'AWS Secrets Manager'
  const d = AWS_SECRETS_MANAGER_DEFAULTS
  const sep = sepKwarg(kwargs, d.sep, service)
  return {
    ...prefixKwargs(kwargs, d, service, rstripSepWhenTruthy(sep)),
    // `build_path`'s f-string: a null sep names secrets `<prefix>None<id>`.
    sep: pyFormatSep(sep),
    patterns: parseLookupPatterns(kwargs, service),
    ...parseConnWords(kwargs.extra_conn_words)
  }
}

/** What both AWS namings hold: a prefix per kind after `__init__` and the lookup patterns. */
export interface AwsPrefixes {
  connectionsPrefix: string | null
  variablesPrefix: string | null
  configPrefix: string | null
  patterns: Readonly<Record<AwsLookupKind, LookupPattern | null>>
}

/** The prefix configured for a kind in either AWS naming (`null` = off). */
export function awsPrefixOf(naming: AwsPrefixes, kind: AwsLookupKind): string | null {
  return kindPrefix(naming, kind)
}

/**
 * The guard both AWS backends' `_get_secret` callers share: no request for a null prefix
 * (the reason names `service`) or for an id the lookup pattern excludes (or a pattern Airflow
 * cannot use); otherwise the name `nameOf(prefix, id)` the service builds.
 */
export function awsLookup(
  naming: AwsPrefixes,
  kind: AwsLookupKind,
  id: string,
  service: string,
  nameOf: (prefix: string, id: string) => string
): AwsLookup {
  const prefix = awsPrefixOf(naming, kind)
  const key = kind === 'connection' ? 'connections' : kind === 'variable' ? 'variables' : 'config'
  if (prefix === null)
    return {
      outcome: 'disabled',
      reason: `${key}_prefix is null: Airflow never asks ${service} for a ${kind}`
    }
  const verdict = lookupPatternVerdict(naming.patterns[kind], kind, id)
  if (verdict) return verdict
  return { outcome: 'lookup', name: nameOf(prefix, id) }
}

/**
 * Maps a listed name back to the ids Airflow would answer from it, in either AWS naming: one
 * reading per enabled kind whose head (`headOf(prefix)`; an empty head starts every name)
 * starts it and whose lookup pattern lets the id through. More than one reading is an
 * ambiguity to report.
 */
export function awsIdsForName(
  naming: AwsPrefixes,
  name: string,
  headOf: (prefix: string) => string
): AwsNameReading[] {
  const out: AwsNameReading[] = []
  for (const kind of ['connection', 'variable', 'config'] as const) {
    const prefix = awsPrefixOf(naming, kind)
    if (prefix === null) continue
    const head = headOf(prefix)
    if (head && (!name.startsWith(head) || name.length === head.length)) continue
    const id = name.slice(head.length)
    if (lookupPatternVerdict(naming.patterns[kind], kind, id)?.outcome === 'skipped') continue
    out.push({ kind, id })
  }
  return out
}

/** The prefix configured for a kind (`null` = off). */
export function smPrefixOf(naming: AwsSecretsManagerNaming, kind: AwsLookupKind): string | null {
  return awsPrefixOf(naming, kind)
}

/** `_get_secret`'s path: `build_path(prefix, id, sep)` for a truthy prefix, else the id. */
export function smSecretName(prefix: string, id: string, sep: string): string {
  return prefix ? `${prefix}${sep}${id}` : id
}

/**
 * The secret `get_conn_value` / `get_variable` / `get_config` asks for, or why it asks for
 * none (a null prefix, an id the lookup pattern excludes, a pattern Airflow cannot use).
 */
export function smLookup(
  naming: AwsSecretsManagerNaming,
  kind: AwsLookupKind,
  id: string
): AwsLookup {
  return awsLookup(naming, kind, id, 'Secrets Manager', (prefix) =>
    smSecretName(prefix, id, naming.sep)
  )
}

/** One way Airflow reads a listed secret name. */
export interface AwsNameReading {
  kind: AwsLookupKind
  id: string
}

/**
 * Maps a listed secret name back to the ids Airflow would answer from it: one reading per
 * enabled kind whose `prefix + sep` starts it (every name, for an empty prefix) and whose
 * lookup pattern lets the id through. More than one reading is an ambiguity to report.
 */
export function smIdsForName(naming: AwsSecretsManagerNaming, name: string): AwsNameReading[] {
  return awsIdsForName(naming, name, (prefix) => (prefix ? prefix + naming.sep : ''))
}

/** Why Secrets Manager refuses a secret name (CreateSecret), or undefined when it is valid. */
export function smSecretNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the secret name is empty'
  if (name.length > SM_MAX_NAME_LENGTH)
    return `the secret name is ${name.length} characters long (Secrets Manager allows ${SM_MAX_NAME_LENGTH})`
  const bad = [...new Set(name.replace(/[A-Za-z0-9/_+=.@-]/g, ''))].map((c) => JSON.stringify(c))
  if (bad.length)
    return `the secret name holds ${bad.join(', ')} (Secrets Manager allows only ASCII letters, digits and / _ + = . @ -)`
  return undefined
}

/** A name AWS accepts but advises against (it reads like a partial ARN), or undefined. */
export function smSecretNameWarning(name: string): string | undefined {
  return /-[A-Za-z0-9]{6}$/.test(name)
    ? 'the secret name ends with a hyphen and six characters, which AWS can mistake for the random suffix of an ARN (AWS advises against such names)'
    : undefined
}

/**
 * `_standardize_secret_keys`: for each field (login, password, host, port, schema,
 * conn_type, extra), the value of the **first** key of the secret, in the secret's own key
 * order, that is one of the field's aliases; `None` when there is none. Every other key is
 * dropped. Throws where Airflow raises (a bad `extra_conn_words`).
 */
export function standardizeSecretKeys(secret: PyDict, naming: AwsSecretsManagerNaming): PyDict {
  if (naming.connWordsError) throw new AirlockError('usage', naming.connWordsError)
  const out = new PyDict()
  for (const field of SM_CONNECTION_FIELDS) {
    const words = naming.connWords[field]
    let value: PyValue = null
    for (const [k, v] of secret.entries())
      if (words.includes(k)) {
        value = v
        break
      }
    out.set(field, value)
  }
  return out
}

/** The keys of a JSON secret Airflow drops (no alias names them), in the secret's order. */
export function smDroppedKeys(secret: PyDict, naming: AwsSecretsManagerNaming): string[] {
  const known = new Set(SM_CONNECTION_FIELDS.flatMap((f) => naming.connWords[f]))
  return [...secret.keys()].filter((k) => !known.has(k))
}

// ---------------------------------------------------------------------------------------
// Python's `re`, reproduced on JavaScript RegExp

/**
 * Why a pattern cannot be used: `invalid` — Python's `re.compile` raises `re.error` with this
 * message; `unsupported` — Python accepts it but Airlock cannot match it exactly.
 */
export class PyRegexError extends Error {
  constructor(
    readonly problem: 'invalid' | 'unsupported',
    message: string,
    readonly position: number
  ) {
    super(message)
    this.name = 'PyRegexError'
  }
}

/** A compiled Python pattern: `match` is `re.match(pattern, s, flags) is not None`. */
export interface PyRegex {
  /** The JavaScript source it was translated to (flags `v`, `y`, and `i` when ignoring case). */
  readonly jsSource: string
  readonly jsFlags: string
  match(s: string): boolean
}

interface PyFlags {
  /** IGNORECASE */
  i: boolean
  /** DOTALL */
  s: boolean
  /** MULTILINE */
  m: boolean
  /** VERBOSE */
  x: boolean
  /** ASCII */
  a: boolean
}

type ClassItem =
  { t: 'lit'; cp: number } | { t: 'range'; lo: number; hi: number } | { t: 'cat'; k: Category }

type Category = 'd' | 'D' | 'w' | 'W' | 's' | 'S'

type PyNode =
  | { t: 'lit'; cp: number; f: PyFlags }
  | { t: 'any'; f: PyFlags }
  | { t: 'cat'; k: Category; f: PyFlags }
  | { t: 'class'; negated: boolean; items: ClassItem[]; f: PyFlags }
  | { t: 'at'; k: 'bol' | 'eol' | 'A' | 'Z' | 'b' | 'B'; f: PyFlags }
  | { t: 'group'; index: number | null; name?: string; body: PyNode[][]; i?: boolean }
  | { t: 'look'; behind: boolean; negative: boolean; body: PyNode[][] }
  | { t: 'ref'; index: number }
  | { t: 'repeat'; min: number; max: number; lazy: boolean; body: PyNode }

const FLAG_LETTERS = 'aiLmsuxt'
const WHITESPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f'])
const OCT = /^[0-7]$/
const DEC = /^[0-9]$/
const HEX = /^[0-9a-fA-F]$/
const ASCII_LETTER = /^[A-Za-z]$/
const MAXREPEAT = 4294967295
/** Code points Python's IGNORECASE equates that Unicode simple case folding does not. */
const I_FAMILY = [0x49, 0x69, 0x130, 0x131]

let modifiersSupported: boolean | undefined
function jsSupportsModifiers(): boolean {
  if (modifiersSupported === undefined) {
    try {
      new RegExp('(?-i:a)', 'iv')
      modifiersSupported = true
    } catch {
      modifiersSupported = false
    }
  }
  return modifiersSupported
}

class PyRegexParser {
  private readonly cps: string[]
  private pos = 0
  private groups = 0
  private readonly open = new Set<number>()
  private readonly names = new Map<string, number>()
  private readonly widths = new Map<number, [number, number]>()
  private lookbehindGroups: number | null = null
  flags: PyFlags

  constructor(pattern: string, ignoreCase: boolean) {
    this.cps = [...pattern]
    this.flags = { i: ignoreCase, s: false, m: false, x: false, a: false }
  }

  private fail(message: string, at = this.pos): never {
    throw new PyRegexError('invalid', message, at)
  }

  private unsupported(message: string, at = this.pos): never {
    throw new PyRegexError('unsupported', message, at)
  }

  private get next(): string | undefined {
    return this.cps[this.pos]
  }

  private get(): string | undefined {
    return this.cps[this.pos++]
  }

  private eat(c: string): boolean {
    if (this.cps[this.pos] !== c) return false
    this.pos++
    return true
  }

  parse(): PyNode[][] {
    const alt = this.parseAlt(this.flags, true)
    if (this.next !== undefined) this.fail('unbalanced parenthesis')
    return alt
  }

  private parseAlt(flags: PyFlags, top = false): PyNode[][] {
    const alt: PyNode[][] = []
    for (;;) {
      alt.push(this.parseSeq(flags, top && alt.length === 0))
      if (!this.eat('|')) break
    }
    return alt
  }

  private parseSeq(flagsIn: PyFlags, first: boolean): PyNode[] {
    let flags = flagsIn
    const seq: PyNode[] = []
    for (;;) {
      const c = this.next
      if (c === undefined || c === '|' || c === ')') break
      const start = this.pos
      this.pos++
      if (flags.x) {
        if (WHITESPACE.has(c)) continue
        if (c === '#') {
          while (this.next !== undefined && this.next !== '\n') this.pos++
          continue
        }
      }
      if (c === '\\') seq.push(this.escape(flags))
      else if (c === '[') seq.push(this.charClass(flags, start))
      else if (c === '*' || c === '+' || c === '?' || c === '{') {
        let min: number
        let max: number
        if (c === '?') [min, max] = [0, 1]
        else if (c === '*') [min, max] = [0, MAXREPEAT]
        else if (c === '+') [min, max] = [1, MAXREPEAT]
        else {
          const here = this.pos
          if (this.next === '}') {
            seq.push({ t: 'lit', cp: 0x7b, f: flags })
            continue
          }
          let lo = ''
          let hi = ''
          while (this.next !== undefined && DEC.test(this.next)) lo += this.get()
          if (this.eat(',')) while (this.next !== undefined && DEC.test(this.next)) hi += this.get()
          else hi = lo
          if (!this.eat('}')) {
            seq.push({ t: 'lit', cp: 0x7b, f: flags })
            this.pos = here
            continue
          }
          min = lo ? Number(lo) : 0
          max = hi ? Number(hi) : MAXREPEAT
          if ((lo && min >= MAXREPEAT) || (hi && max >= MAXREPEAT))
            this.fail('the repetition number is too large', here)
          if (max < min) this.fail('min repeat greater than max repeat', here)
        }
        const item = seq[seq.length - 1]
        if (!item || item.t === 'at') this.fail('nothing to repeat', start)
        if (item.t === 'repeat') this.fail('multiple repeat', start)
        let lazy = false
        if (this.eat('?')) lazy = true
        else if (this.next === '+')
          this.unsupported('a possessive quantifier (Python 3.11+), which JavaScript lacks', start)
        seq[seq.length - 1] = { t: 'repeat', min, max, lazy, body: item }
      } else if (c === '.') seq.push({ t: 'any', f: flags })
      else if (c === '^') seq.push({ t: 'at', k: 'bol', f: flags })
      else if (c === '$') seq.push({ t: 'at', k: 'eol', f: flags })
      else if (c === '(') {
        const node = this.group(flags, first && seq.length === 0, start)
        if (node === 'flags') {
          // Global inline flags at the start apply to the whole pattern.
          flags = this.flags
          continue
        }
        if (node) seq.push(node)
      } else seq.push({ t: 'lit', cp: c.codePointAt(0)!, f: flags })
    }
    return seq
  }

  private group(flags: PyFlags, atStart: boolean, start: number): PyNode | 'flags' | null {
    let index: number | null = null
    let name: string | undefined
    let scoped: PyFlags | undefined
    if (this.eat('?')) {
      const ch = this.get()
      if (ch === undefined) this.fail('unexpected end of pattern')
      if (ch === 'P') {
        if (this.eat('<')) {
          name = this.until('>', 'group name')
          if (!isPyIdentifier(name)) this.fail(`bad character in group name ${pyQuote(name)}`)
        } else if (this.eat('=')) {
          const ref = this.until(')', 'group name')
          if (!isPyIdentifier(ref)) this.fail(`bad character in group name ${pyQuote(ref)}`)
          const gid = this.names.get(ref)
          if (gid === undefined) this.fail(`unknown group name ${pyQuote(ref)}`)
          return this.reference(gid, start)
        } else {
          const c2 = this.get()
          if (c2 === undefined) this.fail('unexpected end of pattern')
          this.fail(`unknown extension ?P${c2}`, start + 1)
        }
      } else if (ch === ':') {
        // non-capturing
      } else if (ch === '#') {
        for (;;) {
          if (this.next === undefined) this.fail('missing ), unterminated comment', start)
          if (this.get() === ')') return null
        }
      } else if (ch === '=' || ch === '!' || ch === '<') {
        let behind = false
        let kind = ch
        if (ch === '<') {
          const c2 = this.get()
          if (c2 === undefined) this.fail('unexpected end of pattern')
          if (c2 !== '=' && c2 !== '!') this.fail(`unknown extension ?<${c2}`, start + 1)
          behind = true
          kind = c2
        }
        const outer = this.lookbehindGroups
        if (behind && outer === null) this.lookbehindGroups = this.groups + 1
        const body = this.parseAlt(flags)
        if (behind && outer === null) this.lookbehindGroups = null
        if (!this.eat(')')) this.fail('missing ), unterminated subpattern', start)
        if (behind) {
          const [lo, hi] = altWidth(body, this.widths)
          if (lo !== hi) this.fail('look-behind requires fixed-width pattern')
        }
        return { t: 'look', behind, negative: kind === '!', body }
      } else if (ch === '(') {
        this.unsupported('a conditional group (?(…)…|…), which JavaScript lacks', start)
      } else if (ch === '>') {
        this.unsupported('an atomic group (?>…) (Python 3.11+), which JavaScript lacks', start)
      } else if (FLAG_LETTERS.includes(ch) || ch === '-') {
        const parsed = this.inlineFlags(ch, flags)
        if (parsed === 'global') {
          if (!atStart)
            this.unsupported(
              'global inline flags not at the start of the pattern (Python 3.11+ rejects them, older versions apply them to the whole pattern)',
              start
            )
          return 'flags'
        }
        scoped = parsed
      } else this.fail(`unknown extension ?${ch}`, start + 1)
    }
    if (!scoped) {
      index = ++this.groups
      if (name !== undefined) {
        if (this.names.has(name))
          this.fail(
            `redefinition of group name ${pyQuote(name)} as group ${index}; was group ${this.names.get(name)}`
          )
        this.names.set(name, index)
      }
      this.open.add(index)
    }
    const inner = scoped ?? flags
    const body = this.parseAlt(inner)
    if (!this.eat(')')) this.fail('missing ), unterminated subpattern', start)
    if (index !== null) {
      this.open.delete(index)
      this.widths.set(index, altWidth(body, this.widths))
    }
    const node: PyNode = { t: 'group', index, body }
    if (name !== undefined) node.name = name
    if (scoped && scoped.i !== flags.i) node.i = scoped.i
    return node
  }

  private reference(gid: number, at: number): PyNode {
    if (this.open.has(gid)) this.fail('cannot refer to an open group', at)
    if (this.lookbehindGroups !== null && gid >= this.lookbehindGroups)
      this.fail('cannot refer to group defined in the same lookbehind subpattern', at)
    return { t: 'ref', index: gid }
  }

  private until(end: string, what: string): string {
    let out = ''
    for (;;) {
      const c = this.get()
      if (c === undefined) this.fail(`missing ${end}, unterminated name`)
      if (c === end) break
      out += c
    }
    if (!out) this.fail(`missing ${what}`)
    return out
  }

  /** `_parse_flags`: 'global' for `(?flags)`, else the flags inside `(?on-off:…)`. */
  private inlineFlags(first: string, flags: PyFlags): PyFlags | 'global' {
    let ch: string | undefined = first
    const on = new Set<string>()
    const off = new Set<string>()
    const typeFlags = (s: Set<string>) => ['a', 'u', 'L'].filter((f) => s.has(f)).length
    if (ch !== '-') {
      for (;;) {
        if (ch === 'L') this.fail("bad inline flags: cannot use 'L' flag with a str pattern")
        if (ch === 't')
          this.unsupported("the TEMPLATE flag 't' (deprecated in Python 3.11, removed in 3.13)")
        on.add(ch!)
        if (typeFlags(on) > 1)
          this.fail("bad inline flags: flags 'a', 'u' and 'L' are incompatible")
        ch = this.get()
        if (ch === undefined) this.fail('missing -, : or )')
        if (ch === ')' || ch === '-' || ch === ':') break
        if (!FLAG_LETTERS.includes(ch))
          this.fail(/\p{L}/u.test(ch) ? 'unknown flag' : 'missing -, : or )')
      }
    }
    if (ch === ')') {
      for (const f of on) this.applyFlag(this.flags, f, true)
      return 'global'
    }
    if (ch === '-') {
      ch = this.get()
      if (ch === undefined) this.fail('missing flag')
      if (!FLAG_LETTERS.includes(ch)) this.fail(/\p{L}/u.test(ch) ? 'unknown flag' : 'missing flag')
      for (;;) {
        if (ch === 'a' || ch === 'u' || ch === 'L')
          this.fail("bad inline flags: cannot turn off flags 'a', 'u' and 'L'")
        off.add(ch!)
        ch = this.get()
        if (ch === undefined) this.fail('missing :')
        if (ch === ':') break
        if (!FLAG_LETTERS.includes(ch)) this.fail(/\p{L}/u.test(ch) ? 'unknown flag' : 'missing :')
      }
    }
    for (const f of on) if (off.has(f)) this.fail('bad inline flags: flag turned on and off')
    const scoped = { ...flags }
    for (const f of on) this.applyFlag(scoped, f, true)
    for (const f of off) this.applyFlag(scoped, f, false)
    return scoped
  }

  private applyFlag(target: PyFlags, letter: string, value: boolean): void {
    if (letter === 'i' || letter === 's' || letter === 'm' || letter === 'x' || letter === 'a')
      target[letter] = value
  }

  /** `_escape` (outside a class). */
  private escape(flags: PyFlags): PyNode {
    const at = this.pos - 1
    const c = this.get()
    if (c === undefined) this.fail('bad escape (end of pattern)', at)
    switch (c) {
      case 'A':
        return { t: 'at', k: 'A', f: flags }
      case 'Z':
        return { t: 'at', k: 'Z', f: flags }
      case 'b':
        return { t: 'at', k: 'b', f: flags }
      case 'B':
        return { t: 'at', k: 'B', f: flags }
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        return { t: 'cat', k: c, f: flags }
    }
    if (c >= '1' && c <= '9') {
      let digits = c
      if (this.next !== undefined && DEC.test(this.next)) {
        digits += this.get()
        if (
          OCT.test(digits[0]!) &&
          OCT.test(digits[1]!) &&
          this.next !== undefined &&
          OCT.test(this.next)
        ) {
          digits += this.get()
          const cp = parseInt(digits, 8)
          if (cp > 0o377) this.fail(`octal escape value \\${digits} outside of range 0-0o377`, at)
          return { t: 'lit', cp, f: flags }
        }
      }
      const gid = Number(digits)
      if (gid <= this.groups) return this.reference(gid, at)
      this.fail(`invalid group reference ${gid}`, at + 1)
    }
    return { t: 'lit', cp: this.escapedCodePoint(c, at, false), f: flags }
  }

  /** The code point of a literal escape (shared by `_escape` and `_class_escape`). */
  private escapedCodePoint(c: string, at: number, inClass: boolean): number {
    const simple: Record<string, number> = {
      a: 7,
      f: 12,
      n: 10,
      r: 13,
      t: 9,
      v: 11,
      '\\': 0x5c
    }
    if (inClass && c === 'b') return 8
    if (Object.hasOwn(simple, c)) return simple[c]!
    const hexRun = (n: number, label: string): number => {
      let s = ''
      while (s.length < n && this.next !== undefined && HEX.test(this.next)) s += this.get()
      if (s.length !== n) this.fail(`incomplete escape \\${label}${s}`, at)
      return parseInt(s, 16)
    }
    if (c === 'x') return hexRun(2, 'x')
    if (c === 'u') return hexRun(4, 'u')
    if (c === 'U') {
      const cp = hexRun(8, 'U')
      if (cp > 0x10ffff) this.fail(`bad escape \\U${cp.toString(16).padStart(8, '0')}`, at)
      return cp
    }
    if (c === 'N') this.unsupported('a named character escape \\N{…}', at)
    if (c === '0' || (inClass && OCT.test(c))) {
      let s = c
      while (s.length < 3 && this.next !== undefined && OCT.test(this.next)) s += this.get()
      const cp = parseInt(s, 8)
      if (cp > 0o377) this.fail(`octal escape value \\${s} outside of range 0-0o377`, at)
      return cp
    }
    if (DEC.test(c) || ASCII_LETTER.test(c)) this.fail(`bad escape \\${c}`, at)
    return c.codePointAt(0)!
  }

  /** A `[...]` set (`_parse`'s "[" branch with `_class_escape`). */
  private charClass(flags: PyFlags, start: number): PyNode {
    const items: ClassItem[] = []
    const negated = this.eat('^')
    const classEscape = (): ClassItem => {
      const at = this.pos - 1
      const c = this.get()
      if (c === undefined) this.fail('bad escape (end of pattern)', at)
      if ('dDwWsS'.includes(c)) return { t: 'cat', k: c as Category }
      if ('ABZ'.includes(c)) this.fail(`bad escape \\${c}`, at)
      return { t: 'lit', cp: this.escapedCodePoint(c, at, true) }
    }
    for (;;) {
      const c = this.get()
      if (c === undefined) this.fail('unterminated character set', start)
      if (c === ']' && items.length) break
      const first: ClassItem = c === '\\' ? classEscape() : { t: 'lit', cp: c.codePointAt(0)! }
      if (this.eat('-')) {
        const that = this.get()
        if (that === undefined) this.fail('unterminated character set', start)
        if (that === ']') {
          items.push(first, { t: 'lit', cp: 0x2d })
          break
        }
        const second: ClassItem =
          that === '\\' ? classEscape() : { t: 'lit', cp: that.codePointAt(0)! }
        if (first.t !== 'lit' || second.t !== 'lit') this.fail('bad character range')
        if (second.cp < first.cp) this.fail('bad character range')
        items.push({ t: 'range', lo: first.cp, hi: second.cp })
      } else items.push(first)
    }
    return { t: 'class', negated, items, f: flags }
  }
}

function isPyIdentifier(s: string): boolean {
  return /^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(s)
}

function pyQuote(s: string): string {
  return `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

function seqWidth(seq: PyNode[], groups: Map<number, [number, number]>): [number, number] {
  let lo = 0
  let hi = 0
  for (const node of seq) {
    const [a, b] = nodeWidth(node, groups)
    lo += a
    hi += b
  }
  return [lo, hi]
}

function altWidth(alt: PyNode[][], groups: Map<number, [number, number]>): [number, number] {
  let lo = Infinity
  let hi = 0
  for (const seq of alt) {
    const [a, b] = seqWidth(seq, groups)
    lo = Math.min(lo, a)
    hi = Math.max(hi, b)
  }
  return [lo === Infinity ? 0 : lo, hi]
}

function nodeWidth(node: PyNode, groups: Map<number, [number, number]>): [number, number] {
  switch (node.t) {
    case 'lit':
    case 'any':
    case 'cat':
    case 'class':
      return [1, 1]
    case 'at':
    case 'look':
      return [0, 0]
    case 'group':
      return altWidth(node.body, groups)
    case 'ref':
      return groups.get(node.index) ?? [0, Infinity]
    case 'repeat': {
      const [a, b] = nodeWidth(node.body, groups)
      return [a * node.min, node.max >= MAXREPEAT ? (b === 0 ? 0 : Infinity) : b * node.max]
    }
  }
}

const hex = (cp: number) => `\\u{${cp.toString(16)}}`
const PY_SPACE_CLASS = [...PY_SPACE].map((c) => hex(c.codePointAt(0)!)).join('')
const ASCII_SPACE_CLASS = [9, 10, 11, 12, 13, 32].map(hex).join('')
const WORD_UNICODE = '\\p{L}\\p{N}_'
const WORD_ASCII = 'A-Za-z0-9_'

/** The members of a category inside a v-mode class (negated ones as nested classes). */
function categoryInClass(k: Category, ascii: boolean): string {
  const word = ascii ? WORD_ASCII : WORD_UNICODE
  const space = ascii ? ASCII_SPACE_CLASS : PY_SPACE_CLASS
  switch (k) {
    case 'd':
      return ascii ? '0-9' : '\\p{Nd}'
    case 'D':
      return ascii ? '[^0-9]' : '\\P{Nd}'
    case 'w':
      return word
    case 'W':
      return `[^${word}]`
    case 's':
      return space
    case 'S':
      return `[^${space}]`
  }
}

function literalInClass(cp: number, ignoreCase: boolean): string {
  if (ignoreCase && I_FAMILY.includes(cp)) return I_FAMILY.map(hex).join('')
  return hex(cp)
}

function emitAlt(alt: PyNode[][], ignoreCase: boolean): string {
  return alt.map((seq) => seq.map((n) => emitNode(n, ignoreCase)).join('')).join('|')
}

function emitNode(node: PyNode, ignoreCase: boolean): string {
  switch (node.t) {
    case 'lit': {
      const cp = node.cp
      if (ignoreCase && I_FAMILY.includes(cp)) return `[${literalInClass(cp, true)}]`
      return /[A-Za-z0-9]/.test(String.fromCodePoint(cp)) && cp < 0x80
        ? String.fromCodePoint(cp)
        : hex(cp)
    }
    case 'any':
      return node.f.s ? '[\\s\\S]' : '[^\\n]'
    case 'cat':
      return `[${categoryInClass(node.k, node.f.a)}]`
    case 'class': {
      const body = node.items
        .map((item) =>
          item.t === 'lit'
            ? literalInClass(item.cp, ignoreCase)
            : item.t === 'range'
              ? `${hex(item.lo)}-${hex(item.hi)}` +
                (ignoreCase && I_FAMILY.some((cp) => cp >= item.lo && cp <= item.hi)
                  ? I_FAMILY.map(hex).join('')
                  : '')
              : categoryInClass(item.k, node.f.a)
        )
        .join('')
      return `[${node.negated ? '^' : ''}${body}]`
    }
    case 'at': {
      const word = `[${node.f.a ? WORD_ASCII : WORD_UNICODE}]`
      switch (node.k) {
        case 'bol':
          return node.f.m ? '(?<![^\\n])' : '(?<![\\s\\S])'
        case 'eol':
          return node.f.m ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))'
        case 'A':
          return '(?<![\\s\\S])'
        case 'Z':
          return '(?![\\s\\S])'
        case 'b':
          return `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`
        case 'B':
          return `(?:(?<=${word})(?=${word})|(?<!${word})(?!${word}))`
      }
      break
    }
    case 'group': {
      const inner = node.i === undefined ? ignoreCase : node.i
      const body = emitAlt(node.body, inner)
      let out =
        node.index === null ? `(?:${body})` : node.name ? `(?<${node.name}>${body})` : `(${body})`
      if (node.i !== undefined && node.i !== ignoreCase) out = `(?${node.i ? '' : '-'}i:${out})`
      return out
    }
    case 'look':
      return `(?${node.behind ? '<' : ''}${node.negative ? '!' : '='}${emitAlt(node.body, ignoreCase)})`
    case 'ref':
      return `(?:\\${node.index})`
    case 'repeat': {
      const body = `(?:${emitNode(node.body, ignoreCase)})`
      const max = node.max >= MAXREPEAT ? '' : String(node.max)
      const q =
        node.min === 0 && max === ''
          ? '*'
          : node.min === 1 && max === ''
            ? '+'
            : node.min === 0 && node.max === 1
              ? '?'
              : node.min === node.max
                ? `{${node.min}}`
                : `{${node.min},${max}}`
      return body + q + (node.lazy ? '?' : '')
    }
  }
  return ''
}

function usesModifiers(alt: PyNode[][]): boolean {
  const visit = (n: PyNode): boolean =>
    n.t === 'group'
      ? n.i !== undefined || n.body.some((s) => s.some(visit))
      : n.t === 'look'
        ? n.body.some((s) => s.some(visit))
        : n.t === 'repeat'
          ? visit(n.body)
          : false
  return alt.some((s) => s.some(visit))
}

function asciiWithIgnoreCase(alt: PyNode[][], ignoreCase: boolean): boolean {
  // ASCII + IGNORECASE folds only ASCII letters in Python; JavaScript folds Unicode-wide
  // (`ſ` ~ `s`, Kelvin sign ~ `k`), so only patterns without letters are exact.
  const visit = (n: PyNode, i: boolean): boolean => {
    switch (n.t) {
      case 'lit':
        return i && n.f.a && /\p{L}/u.test(String.fromCodePoint(n.cp))
      case 'cat':
        return i && n.f.a && (n.k === 'w' || n.k === 'W')
      case 'class':
        return (
          i &&
          n.f.a &&
          n.items.some((item) =>
            item.t === 'lit'
              ? /\p{L}/u.test(String.fromCodePoint(item.cp))
              : item.t === 'range'
                ? item.hi > 0x7f || (item.lo <= 0x7a && item.hi >= 0x41)
                : item.k === 'w' || item.k === 'W'
          )
        )
      case 'group':
        return n.body.some((s) => s.some((c) => visit(c, n.i ?? i)))
      case 'look':
        return n.body.some((s) => s.some((c) => visit(c, i)))
      case 'repeat':
        return visit(n.body, i)
      default:
        return false
    }
  }
  return alt.some((s) => s.some((n) => visit(n, ignoreCase)))
}

/**
 * Compiles a Python `re` pattern so that `match(s)` answers `re.match(pattern, s, flags)`:
 * anchored at the start only; `.`, `^`, `$`, `\A`, `\Z`, `\b`, `\d`, `\w`, `\s` with Python's
 * Unicode meanings (`$` also before a final newline; `\s` is `str.isspace`); inline flags
 * `(?aimsux)` at the start and scoped `(?imsx-imsx:…)`; `(?P<name>…)`, `(?P=name)`, `\1`,
 * octal/hex/`\u`/`\U` escapes, `{,n}`, a `{` that is not a quantifier as a literal; and
 * Python's errors (bad escapes, bad ranges, unbalanced groups, variable-width look-behind).
 *
 * Throws PyRegexError: `invalid` where `re.compile` raises; `unsupported` for what JavaScript
 * cannot express — possessive quantifiers and atomic groups (3.11+), conditional groups,
 * `\N{name}`, global flags after the start, ASCII-only case folding of letters, and
 * `(?-i:…)` on a JavaScript engine without RegExp modifiers. Known approximations: `\w` is
 * `[\p{L}\p{N}_]` (Python: `str.isalnum()` or `_`); case folding is Unicode simple case
 * folding plus Python's `i`/`I`/`ı`/`İ` equivalence for literals (ranges do not get it); a
 * back-reference to a group that did not take part matches the empty string in JavaScript
 * but fails in Python.
 */
export function compilePythonRegex(
  pattern: string,
  options: { ignoreCase?: boolean } = {}
): PyRegex {
  const ignoreCase = options.ignoreCase ?? false
  const parser = new PyRegexParser(pattern, ignoreCase)
  // Global flags given at the start (`(?x)`) must be known before the rest is parsed.
  const alt = parser.parse()
  const globalI = parser.flags.i
  if (asciiWithIgnoreCase(alt, globalI))
    throw new PyRegexError(
      'unsupported',
      'the ASCII flag together with IGNORECASE on letters (Python then folds ASCII letters only)',
      0
    )
  if (usesModifiers(alt) && !jsSupportsModifiers())
    throw new PyRegexError(
      'unsupported',
      'a scoped case flag (?i:…)/(?-i:…), which this JavaScript engine cannot express',
      0
    )
  const jsSource = emitAlt(alt, globalI)
  const jsFlags = `v${globalI ? 'i' : ''}y`
  let re: RegExp
  try {
    re = new RegExp(jsSource, jsFlags)
  } catch (error) {
    throw new PyRegexError(
      'unsupported',
      `a construct JavaScript could not compile (${(error as Error).message})`,
      0
    )
  }
  return {
    jsSource,
    jsFlags,
    match(s: string): boolean {
      // A user's pattern may backtrack for minutes: run it where a time limit holds.
      const runner = regexRunner()
      if (runner) return runner(jsSource, jsFlags, s)
      re.lastIndex = 0
      return re.test(s)
    }
  }
}

/** The amazon provider release that removed `are_secret_values_urlencoded` (#42450). */
export const SM_URLENCODED_REMOVED_IN = '9.0.0'

/**
 * With `[core] multi_team` on, the newest amazon provider refuses ids holding `--` (they
 * spell a team-scoped name); with it off it looks them up (apache/airflow#71078).
 */
export function awsTeamRefusal(key: string, options: LookupOptions): Explanation | undefined {
  if (!options.multiTeam || !key.includes(TEAM_SEP)) return undefined
  return {
    disabled: `the id holds "${TEAM_SEP}", which separates team and id in multi-team mode; Airflow answers not found without asking`
  }
}

/** `SecretsManagerBackend(**kwargs)` asked for a connection id or variable key. */
export const explainAwsSecretsManager: ExplainFn = (kwargs, kind, key, options = {}) =>
  explainAwsLookup(smLookup(parseAwsSecretsManagerKwargs(kwargs), kind, key), key, options)

/** Both AWS backends: the name looked up, unless multi-team mode or the naming says no. */
export function explainAwsLookup(
  lookup: AwsLookup,
  key: string,
  options: LookupOptions
): Explanation {
  const verdict = awsTeamLookup(lookup, key, options)
  if (verdict.outcome === 'lookup') return { name: verdict.name, details: [] }
  if (verdict.outcome === 'error') throw new AirlockError('usage', verdict.reason)
  return { disabled: verdict.reason }
}

/**
 * The multi-team rule (`awsTeamRefusal`) applied to a lookup of either AWS backend: a name
 * the naming would ask for is not asked for when multi-team mode refuses the id; the naming's
 * own verdicts (null prefix, lookup pattern) come first. `explain` and both backends look up
 * through it, so the rule lives here once.
 */
export function awsTeamLookup(
  lookup: AwsLookup,
  key: string,
  options: Pick<LookupOptions, 'multiTeam'>
): AwsLookup {
  if (lookup.outcome !== 'lookup') return lookup
  const refusal = awsTeamRefusal(key, options)
  return refusal && 'disabled' in refusal
    ? { outcome: 'disabled', reason: refusal.disabled }
    : lookup
}

/** What `SecretsManagerBackend` returns for a `SecretString` (`decode`'s Python view). */
export const decodeAwsSecretsManager: DecodeFn = decodeAfterExplain(
  explainAwsSecretsManager,
  (stored, _found, kind, options, kwargs) => readSecretsManagerValue(stored, kind, options, kwargs)
)

function readSecretsManagerValue(
  stored: PyValue,
  kind: LookupKind,
  options: LookupOptions,
  kwargs: Readonly<Record<string, unknown>>
): DecodeOutcome {
  const text = storedText(stored, 'AWS Secrets Manager')
  if (kind === 'variable') return { variable: text }
  // deserialize_connection: a falsy value is "not found".
  if (text === '') return { notFound: true }
  const standardized = secretsManagerConnectionValue(text, parseAwsSecretsManagerKwargs(kwargs), {
    urlencoded:
      providerBefore(options, SM_URLENCODED_REMOVED_IN) &&
      Boolean(kwargs.are_secret_values_urlencoded)
  })
  // A field of another JSON type than text ("login": 1234) is kept as Python keeps it.
  return {
    connection: rawConnectionToPy(
      parseConnectionValueRaw(standardized.value, options.dialect ?? 'airflow3')
    )
  }
}

/**
 * `SecretsManagerBackend.get_conn_value`: the secret as is when its stripped text does not
 * start with `{`; else `json.loads`, the alias map (and, with `urlencoded`, the pre-9.0.0
 * unescaping), `json.dumps`. `droppedKeys` are the JSON keys no alias names.
 */
function secretsManagerConnectionValue(
  secret: string,
  naming: AwsSecretsManagerNaming,
  options: { urlencoded?: boolean }
): { value: string; shape: 'json' | 'uri'; droppedKeys: string[] } {
  if (!pyStrip(secret).startsWith('{')) return { value: secret, shape: 'uri', droppedKeys: [] }
  // json.loads(secret): the unstripped text (Python's json skips only ' \t\n\r').
  const dict = pyJsonLoads(secret)
  if (!(dict instanceof PyDict))
    throw new CodecError('The secret is JSON but not an object.', 'codec.invalid-json')
  let standardized = standardizeSecretKeys(dict, naming)
  if (options.urlencoded) standardized = removeEscaping(standardized)
  return {
    value: pyJsonDumps(standardized),
    shape: 'json',
    droppedKeys: smDroppedKeys(dict, naming)
  }
}

/** What Airflow makes of a connection secret, and which keys its alias map dropped. */
export interface SecretsManagerConnection extends Decoded<ConnectionFields> {
  /** `json` when the stripped value starts with `{`, else `uri`. */
  shape: 'json' | 'uri'
  /** The JSON keys no alias names (Airflow drops them), in the secret's order. */
  droppedKeys: string[]
}

/**
 * `SecretsManagerBackend.get_conn_value` + `deserialize_connection`, the one implementation
 * both `decode` and the backend read with: a value whose stripped form starts with `{` is
 * `json.loads`ed, its keys aliased (`_standardize_secret_keys`; with `urlencoded`, the
 * pre-9.0.0 `are_secret_values_urlencoded` unescaping) and re-dumped, then read as connection
 * JSON; anything else is a URI. Throws CodecError where Airflow raises (bad JSON, a field of
 * the wrong type, a bad URI) and a `usage` AirlockError for a bad `extra_conn_words`.
 */
export function decodeSecretsManagerConnection(
  secret: string,
  naming: AwsSecretsManagerNaming,
  dialect: Dialect,
  options: { urlencoded?: boolean } = {}
): SecretsManagerConnection {
  const { value, shape, droppedKeys } = secretsManagerConnectionValue(secret, naming, options)
  return { ...parseConnectionValue(value, dialect), shape, droppedKeys }
}

/**
 * The `SecretString` written for a connection: its URI when the dialect reads it back to the
 * same fields, else connection JSON (`as_json()`), whose keys all survive the alias map.
 * Neither shape can hold `description` (Airflow drops it), so it is left out.
 */
export function encodeSecretsManagerConnection(fields: ConnectionFields, dialect: Dialect): string {
  return connectionEnvValue({ ...fields, description: null }, dialect)
}

/** The fields a written connection loses when Airflow reads it back (`description`, …). */
export function secretsManagerLostFields(
  fields: ConnectionFields,
  naming: AwsSecretsManagerNaming,
  dialect: Dialect
): string[] {
  return writtenLoss(
    fields,
    dialect,
    () =>
      decodeSecretsManagerConnection(
        encodeSecretsManagerConnection(fields, dialect),
        naming,
        dialect
      ).value
  )
}

/**
 * `_remove_escaping_in_secret_dict` (amazon provider before 9.0.0, with
 * `are_secret_values_urlencoded`): every non-null value is `unquote`d, except an `extra` object.
 */
function removeEscaping(secret: PyDict): PyDict {
  const out = new PyDict()
  for (const [k, v] of secret.entries()) {
    if ((k === 'extra' && v instanceof PyDict) || v === null) out.set(k, v)
    else if (typeof v === 'string') out.set(k, unquote(v))
    else
      throw new CodecError(
        `"${k}" is not text; Airflow's unquote fails on it (TypeError) with are_secret_values_urlencoded.`,
        'codec.invalid-field'
      )
  }
  return out
}
