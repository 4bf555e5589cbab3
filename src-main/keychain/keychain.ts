/**
 * Where Airlock keeps secrets (STYLE §5): the OS keychain when one answers; the passphrase
 * store (an encrypted file, adr/0002) when the user chose it; else memory for this run only —
 * never a plaintext file. One service name for Airlock; one account per profile.
 */

/** The Secret Service / Keychain / Credential Manager service name. */
export const KEYCHAIN_SERVICE = 'dev.airlock.profiles'

/**
 * What kind of store is behind a Keychain. `os` and `passphrase` persist across runs;
 * `memory` does not (see {@link isPersistent}).
 */
export type KeychainKind = 'os' | 'passphrase' | 'memory'

/** A secret store keyed by account. `get` gives undefined for an account it does not hold. */
export interface Keychain {
  readonly kind: KeychainKind
  /** Why the OS keychain is not in use (memory mode), for the CLI and the app to show. */
  readonly warning?: string
  /** The file behind a passphrase store, for status lines; undefined for the others. */
  readonly location?: string
  get(account: string): Promise<string | undefined>
  set(account: string, secret: string): Promise<void>
  delete(account: string): Promise<boolean>
  list(): Promise<string[]>
  /**
   * Stores `secret` under `account` unless it holds one already, in one step that other
   * processes cannot split (the passphrase store's lock); returns what `account` holds then.
   * Stores without it are written with `set` and read back.
   */
  setIfAbsent?(account: string, secret: string): Promise<string>
}

/** Whether secrets put in this keychain outlive the run (drift keys, job snapshot keys). */
export function isPersistent(keychain: Pick<Keychain, 'kind'>): boolean {
  return keychain.kind !== 'memory'
}

/** The environment variable whose presence chooses the passphrase store (CI secrets). */
export const PASSPHRASE_ENV = 'AIRLOCK_PASSPHRASE'

/**
 * The ways out of "no keychain" on this OS, in one line: the one wording the CLI, the jobs,
 * the app and the keychains' own warnings share.
 */
export function keychainWaysOut(platform: NodeJS.Platform = process.platform): string {
  const passphrase = `or use the passphrase store: ${PASSPHRASE_ENV}=… airlock … (or \`airlock keystore init\`, or the app's passphrase field)`
  if (platform === 'darwin') return `Ways out: unlock the login Keychain, ${passphrase}.`
  if (platform === 'win32') return `Ways out: sign in so Credential Manager answers, ${passphrase}.`
  return `Ways out: start or unlock the Secret Service (e.g. \`dbus-run-session -- sh -c 'printf %s "$PW" | gnome-keyring-daemon --unlock --components=secrets; airlock …'\`), ${passphrase}.`
}

/**
 * The message for "no persistent keychain": what cannot be done (`what`, e.g. "a job keeps
 * its snapshot key there") and the ways out, in two lines at most.
 */
export function noKeychainMessage(what: string, platform?: NodeJS.Platform): string {
  return `No OS keychain answers and no passphrase store is in use: ${what}.\n${keychainWaysOut(platform)}`
}
