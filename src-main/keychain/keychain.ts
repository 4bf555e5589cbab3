/**
 * Where Airlock keeps secrets (STYLE §5): the OS keychain when one answers, else memory for
 * this run only — never a file. One service name for Airlock; one account per profile.
 */

/** The Secret Service / Keychain / Credential Manager service name. */
export const KEYCHAIN_SERVICE = 'dev.airlock.profiles'

/** What kind of store is behind a Keychain. */
export type KeychainKind = 'os' | 'memory'

/** A secret store keyed by account. `get` gives undefined for an account it does not hold. */
export interface Keychain {
  readonly kind: KeychainKind
  /** Why the OS keychain is not in use (memory mode), for the CLI and the app to show. */
  readonly warning?: string
  get(account: string): Promise<string | undefined>
  set(account: string, secret: string): Promise<void>
  delete(account: string): Promise<boolean>
  list(): Promise<string[]>
}
