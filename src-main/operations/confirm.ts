/**
 * What a destructive write must confirm, decided once for the CLI and the app: the sentence
 * naming what will happen ("delete 12 connections and overwrite 3 variables in vault:prod":
 * counts, kinds and the target's redacted locator, never an id or a value), whether it deletes
 * or overwrites anything, and whether the target is a protected profile (production), whose
 * name must then be typed (the app) or `--yes` given (the CLI).
 */
import { AirlockError } from '../core/errors'
import type { EntryKind } from '../core/model'
import type { PlanItem } from '../core/plan'
import type { Profile } from '../platform/settings'
import { locatorProfileName, profileStoreIdentity } from './open-store'
import { redactLocator } from './plan'

/** What a write asks before it runs. */
export interface Confirmation {
  /** What will happen, in words: counts per kind and the target, no ids, no values. */
  sentence: string
  /** It deletes or overwrites something in the target (a create-only apply does not). */
  destructive: boolean
  /** The protected profile the target is (by name or by store identity); null when none. */
  protectedProfile: string | null
}

/** The parts of a plan item a confirmation counts. */
export type CountedItem = Pick<PlanItem, 'kind' | 'action' | 'resolution' | 'targetId'>

type PerKind = Record<EntryKind, number>

const none = (): PerKind => ({ connection: 0, variable: 0 })

function noun(kind: EntryKind, n: number): string {
  return `${n} ${kind}${n === 1 ? '' : 's'}`
}

function listing(parts: readonly string[]): string {
  return parts.length < 2
    ? (parts[0] ?? '')
    : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`
}

function total(counts: PerKind): number {
  return counts.connection + counts.variable
}

/** `verb 3 connections and 2 variables`, or undefined when both counts are 0. */
function phrase(verb: string, counts: PerKind, tail = ''): string | undefined {
  const parts = (['connection', 'variable'] as const)
    .filter((k) => counts[k] > 0)
    .map((k) => noun(k, counts[k]))
  return parts.length ? `${verb} ${parts.join(' and ')}${tail}` : undefined
}

/**
 * The protected profile a target is: the one its locator names (`vault:prod`, `profile:prod`,
 * `metadb:prod`), or one whose store has the target's identity (the URL a protected profile
 * holds is the same store, however it is named). `identity` is
 * operations/open-store.ts `storeIdentity(locator).identity`, when known.
 */
export function protectingProfile(
  locator: string,
  identity: string | undefined,
  profiles: readonly Profile[]
): Profile | undefined {
  let named: string | undefined
  try {
    named = locatorProfileName(locator)
  } catch {
    named = undefined
  }
  return profiles.find((p) => {
    if (!p.protected) return false
    if (p.name === named) return true
    if (identity === undefined) return false
    try {
      return profileStoreIdentity(p) === identity
    } catch {
      // a profile that cannot name its store (no URL) is no store to compare with
      return false
    }
  })
}

/**
 * What applying `items` (less those in `skip`, `kind:targetId`) writes to `target`: creates,
 * overwrites (updates and conflicts resolved by overwriting) and deletes, per kind.
 */
export function applyConfirmation(
  plan: { target: string; items: readonly CountedItem[] },
  protectedProfile: Profile | undefined,
  skip: ReadonlySet<string> = new Set()
): Confirmation {
  const create = none()
  const overwrite = none()
  const remove = none()
  for (const i of plan.items) {
    if (skip.has(`${i.kind}:${i.targetId}`)) continue
    if (i.action === 'create') create[i.kind]++
    else if (i.action === 'update') overwrite[i.kind]++
    else if (i.action === 'conflict' && i.resolution === 'overwrite') overwrite[i.kind]++
    else if (i.action === 'delete') remove[i.kind]++
  }
  const where = redactLocator(plan.target)
  const parts = [
    phrase('create', create),
    phrase('overwrite', overwrite),
    phrase('delete', remove)
  ].filter((p): p is string => p !== undefined)
  const destructive = total(overwrite) + total(remove) > 0
  return {
    sentence: parts.length ? `${listing(parts)} in ${where}` : `write nothing to ${where}`,
    destructive,
    protectedProfile: protectedProfile?.name ?? null
  }
}

/**
 * What rolling back job `jobId` does to its target: items it created are deleted, items it
 * overwrote or deleted are put back as they were. Always destructive.
 */
export function rollbackConfirmation(
  jobId: string,
  scope: { target: string; items: readonly CountedItem[] },
  protectedProfile: Profile | undefined
): Confirmation {
  const created = none()
  const restored = none()
  for (const i of scope.items) {
    if (i.action === 'create') created[i.kind]++
    else if (i.action !== 'unchanged') restored[i.kind]++
  }
  const where = redactLocator(scope.target)
  const parts = [
    phrase('delete', created, ' it created'),
    phrase('restore', restored, ' it overwrote or deleted')
  ].filter((p): p is string => p !== undefined)
  return {
    sentence: `roll back job ${jobId} in ${where}: ${parts.length ? listing(parts) : 'nothing left to put back'}`,
    destructive: true,
    protectedProfile: protectedProfile?.name ?? null
  }
}

/**
 * Refuses a write to a protected profile unless `given` is its name (the app's typed name, the
 * IPC request's `confirm`): the handler's gate, so the renderer's dialog is not the only one.
 */
export function requireTypedName(confirmation: Confirmation, given: string | undefined): void {
  const name = confirmation.protectedProfile
  if (name === null || given === name) return
  throw new AirlockError(
    'confirm.required',
    `The target is the protected profile "${name}": type its name to ${confirmation.sentence}. Nothing was written.`
  )
}
