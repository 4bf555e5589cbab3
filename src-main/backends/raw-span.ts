/**
 * A raw entry whose text stays in its store's bytes until asked for (`plan`/`diff` compare
 * the bytes of most entries and never decode them: a 20 MB file's values kept as strings were
 * most of a diff's memory and of its garbage collection). Each read of `text` decodes again;
 * nothing is kept but the range.
 */
import type { EntryKind } from '../core/model'
import type { RawEntry } from './backend'

export class SpanRawEntry implements RawEntry {
  constructor(
    readonly kind: EntryKind,
    readonly id: string,
    readonly team: string | undefined,
    readonly name: string,
    /** Valid UTF-8 (checked by the reader): `text` decodes `bytes[start, end)`. */
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
    /** Whether the range is all ASCII (decoded as latin1, the faster decoder). */
    readonly ascii: boolean
  ) {}

  get text(): string {
    return this.end > this.start
      ? this.bytes.toString(this.ascii ? 'latin1' : 'utf8', this.start, this.end)
      : ''
  }
}
