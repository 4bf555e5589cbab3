/**
 * Airlock's model of what Airflow stores: connections and variables, each with where it
 * came from. Field values are exactly what Airflow's objects hold (`null` where Python
 * has `None`); `extra` is the stored extra *text*, never a re-serialised object.
 */

/** The URI/JSON behaviour of one family of Airflow versions (see dialect.ts). */
export type Dialect = 'airflow2' | 'airflow3' | 'task-sdk'

/** Every dialect, in the order the CLI and docs list them. */
export const DIALECTS: readonly Dialect[] = ['airflow2', 'airflow3', 'task-sdk']

/** The fields of an Airflow `Connection`, as the Python object holds them. */
export interface ConnectionFields {
  conn_type: string | null
  description: string | null
  host: string | null
  login: string | null
  password: string | null
  schema: string | null
  port: number | null
  /** The stored extra text (a JSON object as text, by convention), or null. */
  extra: string | null
  /** Airflow 3.2+ multi-team: the owning team's name (absent where the version has none). */
  team_name?: string | null
}

/** Where an entry was read from: the backend, the path or name inside it, the key. */
export interface EntrySource {
  backendId: string
  path: string
  fromKey: string
}

/** A connection with its id (and team, for Airflow 3.1+ multi-team). */
export interface ConnectionEntry {
  kind: 'connection'
  id: string
  fields: ConnectionFields
  team?: string | null
  source?: EntrySource
}

/** An Airflow variable: the stored text value and its description. */
export interface VariableEntry {
  kind: 'variable'
  key: string
  value: string
  description: string | null
  team?: string | null
  source?: EntrySource
}

/** Anything a backend holds. */
export type Entry = ConnectionEntry | VariableEntry

/** A connection with every field null, as `Connection()` starts. */
export function emptyConnectionFields(): ConnectionFields {
  return {
    conn_type: null,
    description: null,
    host: null,
    login: null,
    password: null,
    schema: null,
    port: null,
    extra: null
  }
}

/** The scalar fields of a connection in `as_json()` order (everything but `extra`). */
export const CONNECTION_SCALAR_FIELDS = [
  'conn_type',
  'description',
  'host',
  'login',
  'password',
  'schema',
  'port'
] as const

/** A connection entry from the fields given (the rest null). */
export function connectionEntry(
  id: string,
  fields: Partial<ConnectionFields> = {},
  team?: string | null
): ConnectionEntry {
  const entry: ConnectionEntry = {
    kind: 'connection',
    id,
    fields: { ...emptyConnectionFields(), ...fields }
  }
  if (team !== undefined) entry.team = team
  return entry
}

/** A variable entry. */
export function variableEntry(
  key: string,
  value: string,
  description: string | null = null,
  team?: string | null
): VariableEntry {
  const entry: VariableEntry = { kind: 'variable', key, value, description }
  if (team !== undefined) entry.team = team
  return entry
}

/** What an entry is. */
export type EntryKind = Entry['kind']

/** Names one entry in a backend: its kind, its id (conn_id or variable key), its team. */
export interface EntryRef {
  kind: EntryKind
  id: string
  team?: string | null
  source?: EntrySource
}

/** Which entries a listing or load covers; all kinds when `kinds` is absent. */
export interface Scope {
  kinds?: readonly EntryKind[]
  /**
   * Read once by the caller (a plan's source): a store may skip what it keeps for later reads
   * of the same data (a file's parse held for a read-back).
   */
  once?: boolean
}

/** The ref of an entry. */
export function refOf(entry: Entry): EntryRef {
  return entry.kind === 'connection'
    ? { kind: 'connection', id: entry.id, team: entry.team ?? null }
    : { kind: 'variable', id: entry.key, team: entry.team ?? null }
}

/** The id of an entry (conn_id or variable key). */
export function idOf(entry: Entry): string {
  return entry.kind === 'connection' ? entry.id : entry.key
}

/** Whether a scope includes a kind. */
export function inScope(scope: Scope, kind: EntryKind): boolean {
  return !scope.kinds || scope.kinds.includes(kind)
}
