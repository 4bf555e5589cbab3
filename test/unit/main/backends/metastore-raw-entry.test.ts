// A metadata DB's raw entry (MetastoreRawEntry): its plaintexts kept as bytes, its text made
// when asked. `sameAs` is held to the texts it stands for (true only where they are the same,
// false only where they differ), and the values read without the text to what JSON.parse of
// the text gives.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MetastoreRawEntry } from '../../../../src-main/backends/metastore'
import { fuzzParams, FUZZ_TIMEOUT } from '../../../support/fuzz'

const BOM = '\uFEFF'
const enc = new TextEncoder()
const BOM_BYTES = Buffer.from([0xef, 0xbb, 0xbf])
// few characters, so that two values are often the same; a BOM, quotes, escapes, non-ASCII
const text = fc
  .array(fc.constantFrom('a', 'b', 'é', '"', '\\', '\n', '😀', BOM), { maxLength: 4 })
  .map((cs) => cs.join(''))
const value = fc.oneof(
  text,
  fc.constant(null),
  fc.constantFrom(0, 5432, 1.5, 1e21),
  fc.constantFrom('-0', 'NaN', '5432'),
  // a plaintext as bytes: the UTF-8 of a text, sometimes after a BOM's bytes
  fc.tuple(text, fc.boolean()).map(([t, bom]) => Buffer.from(enc.encode((bom ? BOM : '') + t)))
)
const values = fc.array(value, { minLength: 2, maxLength: 2 })

describe('MetastoreRawEntry', () => {
  it(
    'says the same or not the same only where the texts say so, and reads as its text',
    () => {
      let told = 0
      fc.assert(
        fc.property(values, values, fc.constantFrom('copy', 'bom', 'other'), (va, vb, how) => {
          // B: A's values (bytes copied: not the same Buffer), A's with a BOM's bytes put
          // before or taken from each plaintext (the same text), or values of its own
          const vs =
            how === 'other'
              ? vb
              : va.map((v) =>
                  !Buffer.isBuffer(v)
                    ? v
                    : how === 'copy'
                      ? Buffer.from(v)
                      : v.subarray(0, 3).equals(BOM_BYTES)
                        ? v.subarray(3)
                        : Buffer.concat([BOM_BYTES, v])
                )
          const a = new MetastoreRawEntry('variable', 'v', null, va)
          const b = new MetastoreRawEntry('variable', 'v', null, vs)
          const quick = a.sameAs(b)
          const decoded = [a.decoded(), b.decoded()]
          const same = a.text === b.text
          if (quick !== undefined) {
            told++
            expect(quick).toBe(same)
          }
          expect(decoded[0]).toEqual(JSON.parse(a.text))
          expect(decoded[1]).toEqual(JSON.parse(b.text))
          // once the text is made, the values are let go: it cannot tell any more
          expect(a.sameAs(b)).toBeUndefined()
        }),
        fuzzParams(3000)
      )
      expect(told).toBeGreaterThan(1000)
    },
    FUZZ_TIMEOUT
  )
})
