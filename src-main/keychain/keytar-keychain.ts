/**
 * The OS keychain through the keytar API (libsecret's Secret Service on Linux, Keychain on
 * macOS, Credential Manager on Windows). The only file that loads keytar, a native addon kept
 * out of the bundle. `openKeychain` probes it and falls back to memory, saying why.
 */
import { createRequire } from 'node:module'
import { AirlockError } from '../core/errors'
import { KEYCHAIN_SERVICE, keychainWaysOut, type Keychain, type KeychainKind } from './keychain'
import { MemoryKeychain } from './memory-keychain'

interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
  findCredentials(service: string): Promise<{ account: string; password: string }[]>
}

function keychainError(operation: string, cause: unknown): AirlockError {
  return new AirlockError(
    'keychain.unavailable',
    `The OS keychain refused to ${operation} (${describe(cause)}).`,
    { cause }
  )
}

/** A short reason from a keytar/libsecret error, which never carries the secret itself. */
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  if (/DISPLAY|autolaunch|dbus|D-Bus|org\.freedesktop/i.test(text))
    return 'no Secret Service on the session bus'
  if (/locked|prompt|dismissed/i.test(text)) return 'the keychain is locked'
  if (/denied|not allowed|permission/i.test(text)) return 'access was denied'
  return 'it did not answer'
}

export class KeytarKeychain implements Keychain {
  readonly kind = 'os' as const
  private readonly keytar: KeytarApi
  private readonly service: string

  constructor(keytar: KeytarApi, service = KEYCHAIN_SERVICE) {
    this.keytar = keytar
    this.service = service
  }

  async get(account: string): Promise<string | undefined> {
    try {
      return (await this.keytar.getPassword(this.service, account)) ?? undefined
    } catch (error) {
      throw keychainError('read a secret', error)
    }
  }

  async set(account: string, secret: string): Promise<void> {
    try {
      await this.keytar.setPassword(this.service, account, secret)
    } catch (error) {
      throw keychainError('store a secret', error)
    }
  }

  async delete(account: string): Promise<boolean> {
    try {
      return await this.keytar.deletePassword(this.service, account)
    } catch (error) {
      throw keychainError('delete a secret', error)
    }
  }

  async list(): Promise<string[]> {
    try {
      return (await this.keytar.findCredentials(this.service)).map((c) => c.account)
    } catch (error) {
      throw keychainError('list secrets', error)
    }
  }
}

/**
 * The OS keychain, degrading to memory for the rest of the run the first time it refuses
 * (a locked collection refuses writes but answers reads with nothing), with a warning.
 */
export class FallbackKeychain implements Keychain {
  private memory?: MemoryKeychain
  constructor(private readonly os: KeytarKeychain) {}

  get kind(): KeychainKind {
    return this.memory ? 'memory' : 'os'
  }

  get warning(): string | undefined {
    return this.memory?.warning
  }

  private async attempt<T>(fn: (k: Keychain) => Promise<T>): Promise<T> {
    if (this.memory) return fn(this.memory)
    try {
      return await fn(this.os)
    } catch (error) {
      if (!(error instanceof AirlockError) || error.code !== 'keychain.unavailable') throw error
      this.memory = new MemoryKeychain(
        `${error.userMessage} Secrets are kept in memory for this run only and are not saved.\n${keychainWaysOut()}`
      )
      return fn(this.memory)
    }
  }

  get(account: string): Promise<string | undefined> {
    return this.attempt((k) => k.get(account))
  }

  set(account: string, secret: string): Promise<void> {
    return this.attempt((k) => k.set(account, secret))
  }

  delete(account: string): Promise<boolean> {
    return this.attempt((k) => k.delete(account))
  }

  list(): Promise<string[]> {
    return this.attempt((k) => k.list())
  }
}

/**
 * The OS keychain if it answers a probe (reading an account that does not exist: changes
 * nothing, and unlike a listing does not crash libsecret on a locked collection), else a
 * memory keychain whose `warning` says why — the caller shows it. Never a file.
 */
export async function openKeychain(service = KEYCHAIN_SERVICE): Promise<Keychain> {
  let keytar: KeytarApi
  try {
    keytar = createRequire(import.meta.url)('keytar') as KeytarApi
  } catch (error) {
    return new MemoryKeychain(
      `No OS keychain: the keytar module could not load (${describe(error)}); secrets are kept in memory for this run only.`
    )
  }
  try {
    await Promise.race([
      keytar.getPassword(service, '__airlock_probe__'),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('timed out: the keychain did not answer')), 5000).unref()
      )
    ])
  } catch (error) {
    return new MemoryKeychain(
      `No OS keychain (${describe(error)}); secrets are kept in memory for this run only and are not saved.`
    )
  }
  return new FallbackKeychain(new KeytarKeychain(keytar, service))
}
