/**
 * Names held as byte ranges of a file (the `.env` column listing's variable names, a JSON
 * file's member keys): one hash table over them, so a file is listed without a string per name.
 * `cols` holds five numbers per name, the name's start and end first.
 */

/** FNV-1a of bytes `[start, end)`, as a signed 32-bit integer (as an Int32Array holds it). */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5
  for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193)
  return h | 0
}

/** Whether `a[as, ae)` and `b[bs, be)` are the same bytes (short ranges: names). */
export function sameBytes(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number
): boolean {
  const n = ae - as
  if (n !== be - bs) return false
  for (let k = 0; k < n; k++) if (a[as + k] !== b[bs + k]) return false
  return true
}

/** The index of the name `other[start, end)` among the listed ones, or -1. */
export type NameFinder = (other: Uint8Array, start: number, end: number) => number

/**
 * The finder over the `count` names of `cols` (ranges of `bytes`), or undefined where a name
 * is there twice (the exact path decides then). Open addressing, index + 1 per slot.
 */
export function indexNames(
  bytes: Uint8Array,
  cols: Int32Array,
  count: number
): NameFinder | undefined {
  let size = 16
  while (size < 2 * count) size *= 2
  const mask = size - 1
  const table = new Int32Array(size)
  // each slot's whole hash beside it: names met on the way (most share a long prefix, as
  // AIRFLOW_CONN_…) are compared byte by byte only when their hashes are the same
  const hashes = new Int32Array(size)
  for (let i = 0; i < count; i++) {
    const s = cols[5 * i]!
    const e = cols[5 * i + 1]!
    const h = hashBytes(bytes, s, e)
    let slot = h & mask
    for (;;) {
      const j = table[slot]! - 1
      if (j < 0) break
      if (hashes[slot] === h && sameBytes(bytes, s, e, bytes, cols[5 * j]!, cols[5 * j + 1]!))
        return undefined
      slot = (slot + 1) & mask
    }
    table[slot] = i + 1
    hashes[slot] = h
  }
  return (other, start, end) => {
    const h = hashBytes(other, start, end)
    let slot = h & mask
    for (;;) {
      const j = table[slot]! - 1
      if (j < 0) return -1
      if (hashes[slot] === h && sameBytes(other, start, end, bytes, cols[5 * j]!, cols[5 * j + 1]!))
        return j
      slot = (slot + 1) & mask
    }
  }
}
