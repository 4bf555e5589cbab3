/** A keychain that says it is the OS one, held in memory: stands in for the Secret Service where a test needs `kind: 'os'`. */
import type { Keychain } from '../../src-main/keychain/keychain'
import { MemoryKeychain } from '../../src-main/keychain/memory-keychain'

export function osLikeKeychain(): Keychain {
  const memory = new MemoryKeychain()
  return {
    kind: 'os',
    get: (a) => memory.get(a),
    set: (a, s) => memory.set(a, s),
    delete: (a) => memory.delete(a),
    list: () => memory.list()
  }
}
