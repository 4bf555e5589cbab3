/**
 * Which store holds Airlock's secrets in this run, chosen explicitly (adr/0002): the passphrase
 * store when `AIRLOCK_PASSPHRASE` is set; else the OS keychain when it answers; else, when a
 * keystore file exists and a terminal can ask, the passphrase store unlocked at a hidden
 * prompt; else memory for this run, with a warning naming the ways out (keychain.ts words them).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PASSPHRASE_ENV, keychainWaysOut, type Keychain } from './keychain'
import { openKeychain as openOsKeychain } from './keytar-keychain'
import { MemoryKeychain } from './memory-keychain'
import { PassphraseKeychain } from './passphrase-keychain'

/** The passphrase store's file name, beside settings.json in the config dir. */
export const KEYSTORE_FILE = 'keystore.airlock'

/** The passphrase store's path in a config dir (platform/settings `configDir`). */
export function keystorePath(configDir: string): string {
  return join(configDir, KEYSTORE_FILE)
}

/** Which store a keychain is, after "secrets in": "the OS keychain", "the passphrase store (…)". */
export function describeKeychain(keychain: Pick<Keychain, 'kind' | 'location'>): string {
  if (keychain.kind === 'os') return 'the OS keychain'
  if (keychain.kind === 'passphrase') return `the passphrase store (${keychain.location ?? '?'})`
  return 'memory for this run only'
}

/** What {@link selectKeychain} needs to know. */
export interface KeychainChoice {
  env: Readonly<Record<string, string | undefined>>
  /** The passphrase store's file ({@link keystorePath}). */
  keystore: string
  /** Asks for the passphrase with echo off; absent where no terminal can ask. */
  prompt?: (question: string) => Promise<string>
  /** The OS keychain's probe (tests give their own); default: keytar-keychain's. */
  openOs?: () => Promise<Keychain>
}

/**
 * The keychain for this run (see the module comment). Throws `keychain.locked` when
 * `AIRLOCK_PASSPHRASE` (or the prompted passphrase) does not open an existing store.
 */
export async function selectKeychain(choice: KeychainChoice): Promise<Keychain> {
  const passphrase = choice.env[PASSPHRASE_ENV]
  if (passphrase) return PassphraseKeychain.open(choice.keystore, passphrase)
  const os = await (choice.openOs ?? openOsKeychain)()
  if (os.kind !== 'memory') return os
  const exists = existsSync(choice.keystore)
  if (exists && choice.prompt) {
    const typed = await choice.prompt(`Passphrase for ${choice.keystore} (input hidden): `)
    if (typed) return PassphraseKeychain.open(choice.keystore, typed)
  }
  const reason = os.warning ?? 'No OS keychain; secrets are kept in memory for this run only.'
  return new MemoryKeychain(
    exists
      ? `${reason}\nA passphrase store exists at ${choice.keystore}: to use it, set ${PASSPHRASE_ENV} or enter its passphrase (at a terminal, or in the app's passphrase field).`
      : `${reason}\n${keychainWaysOut()}`
  )
}
