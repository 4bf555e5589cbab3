/**
 * The passphrase store (adr/0002-passphrase-store.md): secrets in one file, encrypted whole
 * with AES-256-GCM under a key derived from a passphrase with scrypt, for machines where no
 * OS keychain answers. Chosen explicitly (AIRLOCK_PASSPHRASE, `airlock keystore init`, the
 * app's passphrase field), never a silent fallback.
 *
 * The file: a first line `airlock-keystore 1` (the version), then one JSON line
 * `{ kdf: { name, N, r, p }, salt, iv, tag, ciphertext }` (bytes in base64). The plaintext is
 * the JSON map account → secret. The header line and the KDF parameters are bound as AAD, so
 * changing either fails authentication instead of being read another way. Every write draws
 * a fresh IV and replaces the file atomically, owner-only (0600).
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { AirlockError } from '../core/errors'
import { parseJson } from '../core/json-parse'
import { writeFileAtomic } from '../platform/atomic-write'
import { withLockFile } from '../platform/lock-file'
import type { Keychain } from './keychain'

/** The first line of every keystore file; the number is the format version. */
export const KEYSTORE_HEADER = 'airlock-keystore 1'

/** scrypt's cost: N=2^15, r=8, p=1 (32 MiB, ~0.1 s), as OWASP's guidance for scrypt. */
const KDF = { name: 'scrypt', N: 2 ** 15, r: 8, p: 1 } as const
/** scrypt needs 128·N·r bytes; Node's default limit (32 MiB) is exactly that, so give room. */
/** How long a change waits for another process's change of the same store. */
const LOCK_WAIT_MS = 15_000
const MAX_MEM = 64 * 1024 * 1024

interface KdfParams {
  name: 'scrypt'
  N: number
  r: number
  p: number
}

interface KeystoreBody {
  kdf: KdfParams
  salt: string
  iv: string
  tag: string
  ciphertext: string
}

/** The file as read: its salt and parameters, and the sealed map. */
interface Sealed {
  body: KeystoreBody
  salt: Buffer
}

function deriveKey(passphrase: string, salt: Buffer, kdf: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      32,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: MAX_MEM },
      (error, key) => (error ? reject(error) : resolve(key))
    )
  )
}

const aadOf = (kdf: KdfParams): Buffer =>
  Buffer.from(`${KEYSTORE_HEADER}\n${JSON.stringify([kdf.name, kdf.N, kdf.r, kdf.p])}`, 'utf8')

function isBody(value: unknown): value is KeystoreBody {
  if (!value || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  const kdf = v.kdf as Record<string, unknown> | undefined
  return (
    !!kdf &&
    kdf.name === 'scrypt' &&
    [kdf.N, kdf.r, kdf.p].every((n) => Number.isInteger(n) && (n as number) > 0) &&
    ['salt', 'iv', 'tag', 'ciphertext'].every((k) => typeof v[k] === 'string')
  )
}

/**
 * A Keychain kept in an encrypted file. The key is derived once per process (per salt); each
 * operation reads the file, so the CLI and the app see each other's writes. A file that does
 * not exist reads as empty and is created by the first `set` only.
 */
export class PassphraseKeychain implements Keychain {
  readonly kind = 'passphrase' as const
  readonly location: string
  private readonly passphrase: string
  private keys = new Map<string, Promise<Buffer>>()
  /** Writes from this process one at a time, so concurrent sets all land. */
  private queue: Promise<unknown> = Promise.resolve()

  /** `path` is the keystore file; nothing is read or written until the first operation. */
  constructor(path: string, passphrase: string) {
    this.location = path
    this.passphrase = passphrase
  }

  /**
   * Opens the store at `path`, checking the passphrase against an existing file at once (so
   * a wrong one fails here, not at the first secret). Throws `keychain.locked` on a wrong
   * passphrase or an altered file, `keychain.unreadable` on a file of another format.
   */
  static async open(path: string, passphrase: string): Promise<PassphraseKeychain> {
    const kc = new PassphraseKeychain(path, passphrase)
    await kc.readMap()
    return kc
  }

  /** Creates the file with no secrets if it does not exist yet; checks the passphrase if it does. */
  async init(): Promise<void> {
    await this.mutate(() => undefined)
  }

  async get(account: string): Promise<string | undefined> {
    await this.queue
    return (await this.readMap()).get(account)
  }

  async set(account: string, secret: string): Promise<void> {
    await this.mutate((map) => void map.set(account, secret))
  }

  async setIfAbsent(account: string, secret: string): Promise<string> {
    let held = secret
    await this.mutate((map) => {
      const now = map.get(account)
      if (now === undefined) return void map.set(account, secret)
      held = now
      return false
    })
    return held
  }

  async delete(account: string): Promise<boolean> {
    let removed = false
    await this.mutate((map) => {
      removed = map.delete(account)
      return removed
    })
    return removed
  }

  async list(): Promise<string[]> {
    await this.queue
    return [...(await this.readMap()).keys()]
  }

  /** Read, change, seal, replace — serialised; `change` returning false skips the write. */
  private mutate(change: (map: Map<string, string>) => boolean | void): Promise<void> {
    // Another process (the CLI beside the app, two plans at once) changes the same file: the
    // read and the write happen under its lock file, or one of two changes would be lost.
    const run = this.queue.then(async () => {
      // a change that writes nothing into a store that does not exist makes no folder either
      if (!existsSync(this.location) && change(new Map()) === false) return
      await this.ensureFolder()
      await this.locked(
        `${this.location}.lock`,
        { pid: process.pid, host: hostname() },
        async () => {
          const sealed = await this.readSealed()
          const map = sealed ? await this.open(sealed) : new Map<string, string>()
          if (change(map) === false) return
          const salt = sealed?.salt ?? randomBytes(16)
          await this.write(map, salt)
        },
        {
          waitMs: LOCK_WAIT_MS,
          timeout: (holder) =>
            new AirlockError(
              'storage.unwritable',
              `The passphrase store "${this.location}" is being changed by ${holder ? `process ${holder.pid} on ${holder.host}` : 'another process'} (its lock ${this.location}.lock stayed for ${LOCK_WAIT_MS / 1000} s); nothing was changed. If no Airlock is running, remove that lock file.`
            )
        }
      )
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  /** `withLockFile`, with a lock that cannot be made (a read-only folder) named as a write failure. */
  private async locked(
    ...args: Parameters<typeof withLockFile<void, { pid: number; host: string }>>
  ): Promise<void> {
    try {
      await withLockFile(...args)
    } catch (error) {
      if (error instanceof AirlockError) throw error
      throw this.unwritable(error)
    }
  }

  private async ensureFolder(): Promise<void> {
    try {
      await mkdir(dirname(this.location), { recursive: true, mode: 0o700 })
    } catch (error) {
      throw this.unwritable(error)
    }
  }

  private unwritable(error: unknown): AirlockError {
    return new AirlockError(
      'storage.unwritable',
      `Writing the passphrase store "${this.location}" failed (${(error as NodeJS.ErrnoException).code ?? 'error'}); it was left as it was.`,
      { cause: error }
    )
  }

  private async readMap(): Promise<Map<string, string>> {
    const sealed = await this.readSealed()
    return sealed ? this.open(sealed) : new Map()
  }

  private key(salt: Buffer, kdf: KdfParams): Promise<Buffer> {
    const id = `${salt.toString('base64')}/${kdf.N}/${kdf.r}/${kdf.p}`
    let key = this.keys.get(id)
    if (!key) {
      key = deriveKey(this.passphrase, salt, kdf)
      this.keys.set(id, key)
      key.catch(() => this.keys.delete(id))
    }
    return key
  }

  private unreadable(why: string, cause?: unknown): AirlockError {
    return new AirlockError(
      'keychain.unreadable',
      `The passphrase store "${this.location}" is not a keystore Airlock can read (${why}); nothing was changed.`,
      { cause }
    )
  }

  private async readSealed(): Promise<Sealed | undefined> {
    let text: string
    try {
      text = await readFile(this.location, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new AirlockError(
        'keychain.unavailable',
        `The passphrase store "${this.location}" could not be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
        { cause: error }
      )
    }
    const newline = text.indexOf('\n')
    const header = newline < 0 ? text : text.slice(0, newline)
    if (header !== KEYSTORE_HEADER) {
      const shown = /^airlock-keystore \S{1,16}$/.test(header)
        ? `version "${header.slice('airlock-keystore '.length)}" is not supported; this Airlock reads version 1`
        : 'no "airlock-keystore" header'
      throw this.unreadable(shown)
    }
    let body: unknown
    try {
      body = JSON.parse(text.slice(newline + 1))
    } catch (error) {
      throw this.unreadable('the body is not JSON', error)
    }
    if (!isBody(body)) throw this.unreadable('the body lacks kdf, salt, iv, tag or ciphertext')
    if (body.kdf.N > 2 ** 20 || body.kdf.r > 32 || body.kdf.p > 16)
      throw this.unreadable('its key-derivation cost is out of range')
    return { body, salt: Buffer.from(body.salt, 'base64') }
  }

  private async open({ body, salt }: Sealed): Promise<Map<string, string>> {
    const key = await this.key(salt, body.kdf)
    let plain: string
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(body.iv, 'base64'))
      decipher.setAAD(aadOf(body.kdf))
      decipher.setAuthTag(Buffer.from(body.tag, 'base64'))
      plain = Buffer.concat([
        decipher.update(Buffer.from(body.ciphertext, 'base64')),
        decipher.final()
      ]).toString('utf8')
    } catch (error) {
      throw new AirlockError(
        'keychain.locked',
        `The passphrase store "${this.location}" did not open: the passphrase is wrong or the file was altered. Nothing was written.`,
        { cause: error instanceof Error ? new Error(error.message) : undefined }
      )
    }
    let parsed: unknown
    try {
      parsed = parseJson(plain)
    } catch {
      throw this.unreadable('its content is not a map of secrets')
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw this.unreadable('its content is not a map of secrets')
    const map = new Map<string, string>()
    for (const [account, secret] of Object.entries(parsed as Record<string, unknown>))
      if (typeof secret === 'string') map.set(account, secret)
    return map
  }

  private async write(map: Map<string, string>, salt: Buffer): Promise<void> {
    const key = await this.key(salt, KDF)
    // A fresh IV per write: GCM must never see one (key, IV) pair twice.
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(aadOf(KDF))
    const ciphertext = Buffer.concat([
      cipher.update(JSON.stringify(Object.fromEntries(map)), 'utf8'),
      cipher.final()
    ])
    const body: KeystoreBody = {
      kdf: { ...KDF },
      salt: salt.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64')
    }
    try {
      await writeFileAtomic(this.location, `${KEYSTORE_HEADER}\n${JSON.stringify(body)}\n`, {
        mode: 0o600
      })
    } catch (error) {
      throw this.unwritable(error)
    }
  }
}
