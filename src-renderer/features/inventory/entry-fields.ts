/**
 * Reading an `entries:list` entry, whose answer leaves out what is empty (EntryDto): the
 * fields each kind shows, in order, whether the answer holds them or not.
 */
import type { EntryDto } from '../../../src-main/contract/ipc'

/** Every field of a kind, in the order the drawer shows them (an absent one shows "—"). */
export const ENTRY_FIELDS: Record<EntryDto['kind'], readonly string[]> = {
  connection: ['conn_type', 'description', 'host', 'login', 'password', 'schema', 'port', 'extra'],
  variable: ['value', 'description']
}

const NONE: readonly string[] = []

/** The fields `entries:reveal` can show (none when the answer leaves the list out). */
export const secretFieldsOf = (e: EntryDto): readonly string[] => e.secretFields ?? NONE

/** A field's value, null where the answer leaves it out. */
export const fieldOf = (e: EntryDto, field: string): string | number | null =>
  e.fields[field] ?? null
