/**
 * Short keyed fingerprints of secret values, so diffs and plans can say "changed" or "same"
 * without carrying values: HMAC-SHA256 under a key that never leaves the process (or the
 * plan's own key), first 12 hex digits. The same value under the same key gives the same
 * fingerprint; without the key a fingerprint reveals nothing practical about the value.
 */
import { createHmac, createSecretKey, randomBytes } from 'node:crypto'

/** A fingerprinting function bound to one key. */
export type Fingerprinter = (value: string | null) => string | null

/** A fingerprinter under `key` (a fresh random key when absent). */
export function fingerprinter(key: Uint8Array = randomBytes(32)): Fingerprinter {
  // A key object made once: given raw bytes, every HMAC would prepare the key anew (most of
  // its cost on short values).
  const secret = createSecretKey(key)
  return (value) =>
    value === null
      ? null
      : createHmac('sha256', secret).update(value, 'utf8').digest('hex').slice(0, 12)
}

/**
 * No fingerprints (every one `null`): for views that say only whether a field differs, where
 * an HMAC per compared field would be most of the time spent (50 k ids: seconds).
 */
export const noFingerprints: Fingerprinter = () => null
