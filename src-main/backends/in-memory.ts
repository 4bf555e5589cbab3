/**
 * A backend held in memory: the reference implementation of the Backend contract, used by
 * unit tests and as the scratch target of dry runs.
 *
 * @example const store = new InMemoryBackend({ id: 'memory:test' })
 */
import type { Entry } from '../core/model'
import {
  idOf,
  inScope,
  refOf,
  type Backend,
  type EntryRef,
  type LoadResult,
  type Scope,
  type WrittenForm
} from './backend'

/** Options of the in-memory backend. */
export interface InMemoryOptions {
  id?: string
  entries?: readonly Entry[]
}

const keyOf = (kind: string, id: string): string => `${kind}\u0000${id}`

export class InMemoryBackend implements Backend {
  readonly kind = 'in-memory' as const
  readonly id: string
  readonly capabilities = { list: true, write: true }
  private readonly items = new Map<string, Entry>()

  constructor(options: InMemoryOptions = {}) {
    this.id = options.id ?? 'memory:default'
    for (const e of options.entries ?? [])
      this.items.set(keyOf(e.kind, idOf(e)), structuredClone(e))
  }

  async list(scope: Scope): Promise<EntryRef[]> {
    return [...this.items.values()].filter((e) => inScope(scope, e.kind)).map(refOf)
  }

  async read(ref: EntryRef): Promise<Entry | undefined> {
    const e = this.items.get(keyOf(ref.kind, ref.id))
    return e && this.withSource(e)
  }

  async load(scope: Scope): Promise<LoadResult> {
    const entries = [...this.items.values()]
      .filter((e) => inScope(scope, e.kind))
      .map((e) => this.withSource(e))
    return { entries, problems: [] }
  }

  /** The entry as this store keeps it (a copy without its origin), as JSON. */
  async written(entry: Entry): Promise<WrittenForm> {
    const copy = structuredClone(entry)
    delete copy.source
    return { name: idOf(entry), text: JSON.stringify(copy, null, 2), format: 'json' }
  }

  async write(entries: readonly Entry[]): Promise<void> {
    for (const e of entries) {
      const copy = structuredClone(e)
      delete copy.source
      this.items.set(keyOf(e.kind, idOf(e)), copy)
    }
  }

  async remove(refs: readonly EntryRef[]): Promise<void> {
    for (const r of refs) this.items.delete(keyOf(r.kind, r.id))
  }

  private withSource(e: Entry): Entry {
    const copy = structuredClone(e)
    copy.source = { backendId: this.id, path: '', fromKey: idOf(e) }
    return copy
  }
}
