/** A keychain that says it is the OS one, held in memory: stands in for the Secret Service where a test needs `kind: 'os'`. */
import type { Keychain } from '../../src-main/keychain/keychain'

export function osLikeKeychain(): Keychain {
  const items = new Map<string, string>()
  return {
    kind: 'os',
    get: async (a) => items.get(a),
    set: async (a, s) => void items.set(a, s),
    delete: async (a) => items.delete(a),
    list: async () => [...items.keys()]
  }
}
