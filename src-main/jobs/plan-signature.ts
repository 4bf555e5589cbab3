/**
 * Binds a plan to what was reviewed (as Terraform binds a saved plan to its configuration): a
 * plan is signed when it is made, with HMAC-SHA256 under the plan-signing key kept in the
 * keychain, over a canonical serialisation of everything in it — planId, stores, dialect,
 * options, summary and items with their fingerprints (a plan holds no values, so neither
 * does what is signed). `applyPlan` checks the signature before anything else: an edited
 * target, an `unchanged` turned into a `delete`, a dropped `--exclude` or a plan without a
 * signature (older versions) is refused, and the person plans again.
 *
 * The key is made on first use and kept under its own account in whichever keychain holds
 * Airlock's secrets (OS, passphrase store or memory). A plan is therefore checked with the
 * keychain it was made with; one made while secrets were kept in memory only can be applied
 * by that same process only (the key ends with it).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { AirlockError } from '../core/errors'
import type { PlanDocument } from '../core/plan'
import type { Keychain } from '../keychain/keychain'
import { replaceFileParts } from '../platform/atomic-write'

/** The keychain account of the plan-signing key (32 random bytes, hex). */
export const PLAN_SIGNING_ACCOUNT = 'plan-signing-key'

/** How to plan again at the command line (the app has its Plan button). */
export const PLAN_AGAIN_CLI_HINT = '(`airlock plan … --out FILE` makes a signed plan to apply.)'

const PREFIX = 'hmac-sha256:'
/** Separates this use of the key from any other, and names the serialisation's version. */
const DOMAIN = 'airlock plan signature 1\n'
const KEY_HEX = /^[0-9a-f]{64}$/

/**
 * The plan as signed: JSON with every object's keys sorted and absent (`undefined`) fields
 * left out, so a plan reads back from its file to the same text; `signature` is not part of it.
 */
export function canonicalPlan(doc: PlanDocument): string {
  const parts: string[] = []
  writeCanonicalPlan(doc, (text) => parts.push(text))
  return parts.join('')
}

/**
 * {@link canonicalPlan} handed out in pieces of about 64 KB, in order: a plan of 100 k items is
 * hashed without its whole text (tens of MB) and every nested level's copy of it in memory.
 */
function writeCanonicalPlan(doc: PlanDocument, sink: (text: string) => void): void {
  const { before, items, after } = canonicalAround(doc)
  let pending = before
  for (let n = 0; n < items.length; n++) {
    pending += (n ? ',' : '') + canonicalItemText(items[n])
    if (pending.length >= 65_536) {
      sink(pending)
      pending = ''
    }
  }
  sink(pending + after)
}

/**
 * The signed text of a plan but its items: what comes before the first item and after the last
 * (the document's fields sorted by name, `items` among them; `signature` is not signed). Items
 * that are not a list are written in `before` like any other field, and `items` is empty.
 */
function canonicalAround(doc: PlanDocument): {
  before: string
  items: readonly unknown[]
  after: string
} {
  const { signature: _signature, items, ...head } = doc
  const fields = Object.entries({ ...head, items })
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  let before = DOMAIN + '{'
  let after = ''
  let list: readonly unknown[] = []
  let seen = false
  fields.forEach(([k, v], i) => {
    const name = `${i ? ',' : ''}${JSON.stringify(k)}:`
    if (k === 'items' && Array.isArray(v)) {
      seen = true
      list = v
      before += name + '['
      after = ']'
    } else if (seen) after += name + canonicalValue(v)
    else before += name + canonicalValue(v)
  })
  return { before, items: list, after: after + '}' }
}

/** A plan item's fields as {@link canonicalJson} orders them (sorted by name). */
const ITEM_FIELDS = [
  'action',
  'diff',
  'kind',
  'resolution',
  'sourceId',
  'sourceVersion',
  'targetId',
  'targetVersion',
  'warnings'
] as const
const ITEM_NAMES = ITEM_FIELDS.map((k) => `${JSON.stringify(k)}:`)

/**
 * One item as {@link canonicalJson} writes it, as one text: a plain object holding only the
 * fields of a plan item is written without sorting its entries (most of signing 100 k items);
 * anything else (another prototype, another field) is written by canonicalJson itself.
 */
function canonicalItemText(item: unknown): string {
  if (item === null || typeof item !== 'object' || Object.getPrototypeOf(item) !== Object.prototype)
    return item === undefined ? 'null' : canonicalValue(item)
  const fields = item as Record<string, unknown>
  // most items: JSON.stringify of the fields in canonical order writes the same text ~3× as
  // fast in a fresh process (a 100 k plan: the one loop below, run once, is never optimised)
  if (isPlainItem(fields))
    return JSON.stringify({
      action: fields.action,
      diff: fields.diff,
      kind: fields.kind,
      resolution: fields.resolution,
      sourceId: fields.sourceId,
      sourceVersion: fields.sourceVersion,
      targetId: fields.targetId,
      targetVersion: fields.targetVersion,
      warnings: fields.warnings
    })
  let text = '{'
  let present = 0
  for (let f = 0; f < ITEM_FIELDS.length; f++) {
    const v = fields[ITEM_FIELDS[f]!]
    if (v === undefined) continue
    text += (present++ ? ',' : '') + ITEM_NAMES[f]! + canonicalValue(v)
  }
  // an own field the list does not name (or one that is undefined): the general walk decides
  if (Object.keys(fields).length !== present) return canonicalValue(item)
  return text + '}'
}

/** The fields of a plan item other than `diff` and `warnings`, each a string or null. */
const SCALAR_FIELDS = ITEM_FIELDS.filter((k) => k !== 'diff' && k !== 'warnings')

/**
 * Whether JSON.stringify writes `fields` as canonicalItemText's loop does: only a plan item's
 * fields, each a string or null but `diff` (empty) and `warnings` (strings, no holes); an
 * undefined field is left out by both.
 */
function isPlainItem(fields: Record<string, unknown>): boolean {
  let present = 0
  for (const k of SCALAR_FIELDS) {
    const v = fields[k]
    if (v === undefined) continue
    if (v !== null && typeof v !== 'string') return false
    present++
  }
  const { diff, warnings } = fields
  if (diff !== undefined) {
    if (!Array.isArray(diff) || diff.length !== 0) return false
    present++
  }
  if (warnings !== undefined) {
    if (!Array.isArray(warnings)) return false
    for (let i = 0; i < warnings.length; i++) if (typeof warnings[i] !== 'string') return false
    present++
  }
  return Object.keys(fields).length === present
}

/** A value as canonicalJson writes it, as one text. */
function canonicalValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v)
  if (v === null) return 'null'
  if (Array.isArray(v) && v.length === 0) return '[]'
  let text = ''
  canonicalJson(v, (t) => (text += t))
  return text
}

function canonicalJson(value: unknown, put: (text: string) => void): void {
  if (Array.isArray(value)) {
    put('[')
    // every index, holes too (as null, as JSON.stringify writes them: forEach skips them)
    for (let i = 0; i < value.length; i++) {
      if (i) put(',')
      const v: unknown = value[i]
      if (v === undefined) put('null')
      else canonicalJson(v, put)
    }
    put(']')
    return
  }
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    put('{')
    fields.forEach(([k, v], i) => {
      put(`${i ? ',' : ''}${JSON.stringify(k)}:`)
      canonicalJson(v, put)
    })
    put('}')
    return
  }
  put(JSON.stringify(value) ?? 'null')
}

/** Which store a keychain is (open-keychain's wording, without loading the OS keychain here). */
function storeName(keychain: Keychain): string {
  if (keychain.kind === 'os') return 'the OS keychain'
  if (keychain.kind === 'passphrase') return `the passphrase store (${keychain.location ?? '?'})`
  return "this run's memory (no OS keychain or passphrase store is in use)"
}

function parseKey(hex: string): Buffer {
  if (!KEY_HEX.test(hex))
    throw new AirlockError(
      'plan.unverified',
      `The plan-signing key in the keychain (account ${PLAN_SIGNING_ACCOUNT}) is not one Airlock made; remove that entry and plan again.`
    )
  return Buffer.from(hex, 'hex')
}

/** The plan-signing key, made and stored on first use. */
async function signingKey(keychain: Keychain): Promise<Buffer> {
  const stored = await keychain.get(PLAN_SIGNING_ACCOUNT)
  if (stored !== undefined) return parseKey(stored)
  const made = randomBytes(32).toString('hex')
  // Two plans making the first key at once (two processes): the one stored first is kept and
  // both sign with it; a later set would replace the key the other plan was signed with.
  if (keychain.setIfAbsent) return parseKey(await keychain.setIfAbsent(PLAN_SIGNING_ACCOUNT, made))
  await keychain.set(PLAN_SIGNING_ACCOUNT, made)
  return parseKey((await keychain.get(PLAN_SIGNING_ACCOUNT)) ?? '')
}

function mac(key: Buffer, doc: PlanDocument): Buffer {
  const hmac = createHmac('sha256', key)
  writeCanonicalPlan(doc, (text) => hmac.update(text, 'utf8'))
  return hmac.digest()
}

/** `doc` with its signature (any earlier one replaced), under the keychain's plan-signing key. */
export async function signPlan(doc: PlanDocument, keychain: Keychain): Promise<PlanDocument> {
  const key = await signingKey(keychain)
  return { ...doc, signature: PREFIX + mac(key, doc).toString('hex') }
}

/**
 * A plan's file: its header on the first line, then one item per line (compact JSON), so it is
 * read and grepped item by item without the pretty-printer's indentation, which made the file
 * about twice the size and cost a fifth of a 100 k `plan` (issue #22). Made in pieces of about
 * 64 KB, in order, each as it is written: never one string of the whole file. An item is
 * written as it is signed (its fields sorted by name).
 */
export function planFileParts(doc: object & { items: readonly unknown[] }): Generator<string> {
  const { items, ...rest } = doc
  return fileParts(fileHead(rest), items)
}

/**
 * {@link planFileParts} after `head`: each item's canonical text, and `each` told of it (a
 * signer hashes the same text), in the order written.
 */
function* fileParts(
  head: string,
  items: readonly unknown[],
  each?: (text: string, i: number) => void
): Generator<string> {
  let part = head
  for (let i = 0; i < items.length; i++) {
    const text = canonicalItemText(items[i])
    each?.(text, i)
    part += (i ? ',\n' : '') + text
    if (part.length >= 65_536) {
      yield part
      part = ''
    }
  }
  yield `${part}\n]}\n`
}

/** The first line of a plan's file and the `[` of its items. */
function fileHead(rest: object): string {
  const head = JSON.stringify({ ...rest, items: [] })
  return `${head.slice(0, -'[]}'.length)}[\n`
}

/** What the signature's 64 hex digits stand for in a plan file's header until they are known. */
const UNSIGNED = '0'.repeat(64)

/**
 * Signs `doc` and writes it to `path` as {@link planFileParts} writes the signed document:
 * each item's text is made once, hashed for the signature and written (a 100 k plan made it
 * twice: ~10 % of `plan --out`, issue #22). The header goes first with zeros where the
 * signature goes, written over once the last item is hashed (atomic-write's `patch`): no item
 * is held until the signature is known. Throws as replaceFileParts throws.
 */
export async function writeSignedPlan(
  path: string,
  doc: PlanDocument,
  keychain: Keychain
): Promise<void> {
  // a document without its list of items would be written as one that never verifies
  if (!Array.isArray(doc.items)) throw new TypeError('a plan to write has no list of items')
  const hmac = createHmac('sha256', await signingKey(keychain))
  const { before, items, after } = canonicalAround(doc)
  const { signature: _signature, items: _items, ...head } = doc
  const header = fileHead({ ...head, signature: PREFIX + UNSIGNED })
  // the digits end the header's last field: `…"signature":"hmac-sha256:000…0","items":[\n`
  const offset = Buffer.byteLength(header) - '","items":[\n'.length - UNSIGNED.length
  // the signed text of the items, hashed in pieces of about 64 KB as the file is written
  hmac.update(before, 'utf8')
  let signed = ''
  const parts = fileParts(header, items, (text, i) => {
    signed += i ? ',' + text : text
    if (signed.length >= 65_536) {
      hmac.update(signed, 'utf8')
      signed = ''
    }
  })
  replaceFileParts(path, parts, {
    // asked for once every part is written: the last items' text is hashed by then
    patch: () => [
      { offset, bytes: Buffer.from(hmac.update(signed + after, 'utf8').digest('hex'), 'latin1') }
    ]
  })
}

/**
 * Throws `plan.unverified` unless `doc` carries the signature its content has under the
 * keychain's plan-signing key. `where` names the plan for the message (its file, or
 * "plan <id>" in the app). Never makes a key.
 */
export async function verifyPlan(
  doc: PlanDocument,
  keychain: Keychain,
  where: string
): Promise<void> {
  const again = 'Plan again and review the new plan.'
  const hint = { cliHint: PLAN_AGAIN_CLI_HINT }
  if (doc.signature === undefined)
    throw new AirlockError(
      'plan.unverified',
      `${where} is not signed (plans of older Airlock versions and a plan's JSON output are not), so nothing shows it is the plan that was reviewed; nothing was applied. ${again}`,
      hint
    )
  const stored = await keychain.get(PLAN_SIGNING_ACCOUNT)
  if (stored === undefined)
    throw new AirlockError(
      'plan.unverified',
      `${where} cannot be checked: the key that signs plans is not in ${storeName(keychain)}. A plan is applied with the secrets store it was made with, on the same machine; one made while secrets were kept in memory only can be applied only by the process that made it. Nothing was applied. ${again}`,
      hint
    )
  // exactly the 64 hex digits signPlan writes: Buffer.from(…, 'hex') would stop at the first
  // other character and take a signature with anything appended
  const hex = doc.signature.startsWith(PREFIX) ? doc.signature.slice(PREFIX.length) : ''
  const given = KEY_HEX.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0)
  const expected = mac(parseKey(stored), doc)
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new AirlockError(
      'plan.unverified',
      `${where} was changed since it was planned (its signature does not match its stores, options or items), or it was signed with another key; nothing was applied. ${again}`,
      hint
    )
}
