// Property-based tests of Fernet keys and tokens: any key text and any token text give a
// typed error or a result, never a crash; encrypt/decrypt and rotate round-trip; messages
// never hold the key, the token or the plaintext. Sizes and seed: test/support/fuzz.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Fernet, MultiFernet, urlsafeB64Encode } from '../../../../src-main/core/codecs/fernet'
import {
  FUZZ_TIMEOUT,
  MARKER,
  assertNoMarker,
  fuzzParams,
  nastyText,
  typedOutcome
} from '../../../support/fuzz'

const keyBytes = fc.uint8Array({ minLength: 32, maxLength: 32 })
const key = keyBytes.map((b) => urlsafeB64Encode(b))
const plaintext = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  nastyText({ maxLength: 40 }).map((t) => new TextEncoder().encode(t + MARKER))
)

/** A valid token with some bytes flipped, cut or extended: what corruption looks like. */
const damagedToken = fc
  .tuple(
    key,
    plaintext,
    fc.nat(),
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom('flip', 'cut', 'grow', 'pad')
  )
  .map(([k, p, at, byte, how]) => {
    const token = new Fernet(k).encrypt(p)
    const i = at % token.length
    if (how === 'cut') return token.slice(0, i)
    if (how === 'grow') return token + String.fromCharCode(byte)
    if (how === 'pad') return token.slice(0, i) + '=' + token.slice(i)
    return token.slice(0, i) + String.fromCharCode(byte) + token.slice(i + 1)
  })

describe('fuzz: Fernet', () => {
  it(
    'reads any key setting as keys or a typed error that never repeats it',
    () => {
      const setting = fc.oneof(
        nastyText({ maxLength: 60, loneSurrogates: true }).map((t) => t + MARKER),
        fc
          .array(
            fc.oneof(
              key,
              key.map((k) => k.slice(1) + MARKER)
            ),
            { minLength: 1, maxLength: 3 }
          )
          .map((ks) => ks.join(',')),
        key.map((k) => `${k}${MARKER}`)
      )
      fc.assert(
        fc.property(setting, (s) => {
          typedOutcome(() => MultiFernet.fromSetting(s))
        }),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'decrypts any text to plaintext or a typed error that never repeats the token or the plaintext',
    () => {
      fc.assert(
        fc.property(
          key,
          fc.oneof(nastyText({ maxLength: 120, loneSurrogates: true }), damagedToken),
          (k, token) => {
            const f = MultiFernet.fromSetting(k)
            const out = typedOutcome(() => f.decrypt(token))
            if (out.error) {
              expect(out.error.code).toBe('fernet.invalid-token')
              if (token.length > 8) expect(out.error.userMessage).not.toContain(token)
            }
            // the diagnosis agrees with decrypt: 'ok' exactly when it decrypts
            expect(f.diagnose(token) === 'ok').toBe(out.error === undefined)
            expect(f.isCurrent(token)).toBe(out.error === undefined)
          }
        ),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'decryptMany gives what decrypt gives for each token, batch after batch of any size',
    () => {
      // one MultiFernet for the whole run: its kept contexts and buffers carry over batches
      const keys = [Fernet.generateKey(), Fernet.generateKey(), Fernet.generateKey()]
      const f = MultiFernet.fromSetting(`${keys[0]},${keys[1]}`)
      const single = MultiFernet.fromSetting(keys[0]!)
      const token = fc.oneof(
        fc
          .tuple(
            fc.constantFrom(...keys),
            fc.oneof(plaintext, fc.uint8Array({ minLength: 1000, maxLength: 1500 }))
          )
          .map(([k, p]) => new Fernet(k).encrypt(p)),
        // a token that still decrypts but is not canonical base64 (Python's lenient reading)
        fc
          .tuple(plaintext, fc.nat(), fc.constantFrom(' ', '\n', '*', '=='))
          .map(([p, at, junk]) => {
            const t = new Fernet(keys[0]!).encrypt(p)
            const i = at % t.length
            return t.slice(0, i) + junk + t.slice(i)
          }),
        // one character replaced, the length kept: the other alphabet (`+`, `/`: still read),
        // the last character's spare bits, or a character Node's decoder would misread (`Ł`
        // is `A` to it, `Ā` NUL; Python skips both) or skip
        fc
          .tuple(
            plaintext,
            fc.nat(),
            fc.constantFrom('+', '/', 'B', 'Ł', 'Ł'.repeat(4), 'Ā', 'Á', '=', ' ', '\u0000')
          )
          .map(([p, at, other]) => {
            const t = new Fernet(keys[0]!).encrypt(p)
            const i = at % t.replace(/=+$/, '').length
            return t.slice(0, i) + other + t.slice(i + other.length)
          }),
        damagedToken,
        nastyText({ maxLength: 60, loneSurrogates: true })
      )
      const outcome = (m: MultiFernet, t: string) => {
        try {
          return m.decrypt(t).toString('hex')
        } catch (error) {
          return (error as Error).message
        }
      }
      fc.assert(
        fc.property(
          fc.array(fc.array(token, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
          (batches) => {
            for (const m of [f, single])
              for (const batch of batches)
                expect(
                  m
                    .decryptMany(batch)
                    .map((r) => (r instanceof Error ? r.message : r.toString('hex')))
                ).toEqual(batch.map((t) => outcome(m, t)))
          }
        ),
        fuzzParams(500)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'decrypts what it encrypts, with any of its keys, and rotation keeps plaintext and timestamp',
    () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(keyBytes, { minLength: 2, maxLength: 3, selector: (b) => b.join() }),
          plaintext,
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          (keys, p, at) => {
            const [newest, ...older] = keys.map((b) => urlsafeB64Encode(b))
            const old = MultiFernet.fromSetting(older.join(','))
            const token = old.encrypt(p, at)
            expect(Buffer.from(old.decrypt(token))).toEqual(Buffer.from(p))
            const both = MultiFernet.fromSetting([newest, ...older].join(','))
            expect(both.isCurrent(token)).toBe(false)
            const rotated = both.rotate(token)
            expect(both.isCurrent(rotated)).toBe(true)
            const back = both.decryptWithTimestamp(rotated)
            expect(Buffer.from(back.plaintext)).toEqual(Buffer.from(p))
            expect(back.timestamp).toBe(at)
            // the new key alone reads it; the old keys alone no longer do
            expect(Buffer.from(MultiFernet.fromSetting(newest!).decrypt(rotated))).toEqual(
              Buffer.from(p)
            )
            const stale = typedOutcome(() => old.decrypt(rotated))
            expect(stale.error?.code).toBe('fernet.invalid-token')
            assertNoMarker([stale.error?.userMessage])
          }
        ),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )
})
