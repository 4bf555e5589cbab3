/**
 * Fernet and MultiFernet on node:crypto, interchangeable with Python's `cryptography`
 * as Airflow uses it (`airflow.models.crypto.get_fernet`, reference §10). Keys and tokens
 * are read the way Airflow hands them to cryptography: UTF-8 bytes through
 * `base64.urlsafe_b64decode`, whose non-strict decoder skips bytes outside the alphabet
 * and stops at a completed padding.
 */
import {
  createCipheriv,
  createDecipheriv,
  hash,
  randomBytes,
  type Cipheriv,
  type Decipheriv
} from 'node:crypto'
import { CodecError } from '../errors'

const VERSION = 0x80
const A2B = new Int8Array(256).fill(-1)
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  .split('')
  .forEach((c, i) => (A2B[c.charCodeAt(0)] = i))
const utf8 = new TextEncoder()
const CANONICAL_B64 = /^[A-Za-z0-9_-]*(?:[AEIMQUYcgkosw048]=|[AQgw]==)?$/

/** Random IVs drawn from a pooled CSPRNG buffer (one syscall per 1024 tokens). */
let ivPool = Buffer.alloc(0)
function freshIv(): Buffer {
  if (ivPool.length < 16) ivPool = randomBytes(16 * 1024)
  const iv = ivPool.subarray(0, 16)
  ivPool = ivPool.subarray(16)
  return iv
}

/** Why Python's binascii refused a base64 text (never includes the text itself). */
export class Base64Error extends Error {}

/**
 * `base64.urlsafe_b64decode(bytes)`: `-`/`_` read as `+`/`/`, other non-alphabet bytes
 * skipped, decoding stops once a quad is completed by padding; a dangling quad is an error.
 */
export function urlsafeB64Decode(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.ceil((input.length * 3) / 4))
  let n = 0
  let quadPos = 0
  let left = 0
  let pads = 0
  for (let i = 0; i < input.length; i++) {
    let ch = input[i]!
    if (ch === 0x3d) {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return out.subarray(0, n)
      continue
    }
    if (ch === 0x2d) ch = 0x2b
    else if (ch === 0x5f) ch = 0x2f
    const v = A2B[ch]!
    if (v < 0) continue
    pads = 0
    switch (quadPos) {
      case 0:
        quadPos = 1
        left = v
        break
      case 1:
        quadPos = 2
        out[n++] = ((left << 2) | (v >> 4)) & 0xff
        left = v & 0x0f
        break
      case 2:
        quadPos = 3
        out[n++] = ((left << 4) | (v >> 2)) & 0xff
        left = v & 0x03
        break
      default:
        quadPos = 0
        out[n++] = ((left << 6) | v) & 0xff
        left = 0
    }
  }
  if (quadPos === 1)
    throw new Base64Error(
      `Invalid base64-encoded string: number of data characters (${Math.floor(n / 3) * 4 + 1}) cannot be 1 more than a multiple of 4`
    )
  if (quadPos !== 0) throw new Base64Error('Incorrect padding')
  return out.subarray(0, n)
}

/** `base64.urlsafe_b64encode`: with `=` padding. */
export function urlsafeB64Encode(data: Uint8Array): string {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64url')
  return text.length % 4 ? text + '='.repeat(4 - (text.length % 4)) : text
}

/**
 * Plaintexts from this many bytes are encrypted by one AES-128-CBC context made for the token
 * (a job's sealed snapshot is megabytes: one native call per block cost seconds); shorter ones
 * by the kept ECB context, block by block, where making a context would cost more.
 */
const ONE_CONTEXT_FROM = 1024

/** The most bytes of openMany's stream a Fernet keeps between calls (1 MiB). */
const KEPT_STREAM = 1 << 20

/**
 * One Fernet key: 16 bytes of HMAC-SHA256 key, 16 of AES-128 key.
 *
 * Speed: creating an OpenSSL cipher context per token dominates on OpenSSL 3.x (Node 24,
 * Electron), so each key keeps one AES-128-ECB context per direction and chains CBC itself
 * (ECB with padding off is the bare block cipher and keeps no state between calls). HMAC-SHA256
 * is RFC 2104 over two one-shot `crypto.hash` calls with the padded keys prepared once: an
 * `Hmac` object per token cost twice as much.
 */
export class Fernet {
  /** The HMAC key XOR ipad (64 bytes), followed by room for the message. */
  private inner: Buffer
  /** The HMAC key XOR opad (64 bytes), followed by the inner digest (32). */
  private readonly outer: Buffer
  private readonly blockDecrypt: Decipheriv
  private readonly blockEncrypt: Cipheriv
  private readonly aesKey: Buffer

  /** Throws `fernet.invalid-key` exactly where `Fernet(key)` raises ValueError. */
  constructor(key: string | Uint8Array) {
    let raw: Buffer
    try {
      raw = urlsafeB64Decode(typeof key === 'string' ? utf8.encode(key) : key)
    } catch {
      raw = Buffer.alloc(0)
    }
    if (raw.length !== 32)
      throw new CodecError(
        'A Fernet key must be 32 url-safe base64-encoded bytes (44 characters ending in "=").',
        'fernet.invalid-key'
      )
    this.inner = Buffer.alloc(64 + 256, 0x36)
    this.outer = Buffer.alloc(64 + 32, 0x5c)
    for (let i = 0; i < 16; i++) {
      this.inner[i]! ^= raw[i]!
      this.outer[i]! ^= raw[i]!
    }
    const aesKey = raw.subarray(16)
    this.aesKey = aesKey
    this.blockDecrypt = createDecipheriv('aes-128-ecb', aesKey, null).setAutoPadding(false)
    this.blockEncrypt = createCipheriv('aes-128-ecb', aesKey, null).setAutoPadding(false)
  }

  /** Whether `other` is the same key (the same signing and encryption keys). */
  sameKey(other: Fernet): boolean {
    return (
      this === other ||
      (this.aesKey.equals(other.aesKey) &&
        this.inner.subarray(0, 64).equals(other.inner.subarray(0, 64)))
    )
  }

  /** HMAC-SHA256 of `data` under the signing key. */
  private mac(data: Uint8Array): Buffer {
    const at = this.room(data.length) // first: it may replace `inner`
    this.inner.set(data, at)
    this.outer.set(hash('sha256', this.innerOf(data.length), 'buffer'), 64)
    return hash('sha256', this.outer, 'buffer')
  }

  /** Makes room for a message of `length` bytes after the inner padded key; where it starts. */
  private room(length: number): number {
    const need = 64 + length
    if (this.inner.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.inner.length))
      this.inner.copy(grown, 0, 0, 64)
      this.inner = grown
      this.innerViews.clear()
    }
    return 64
  }

  /** The inner padded key and a message of `length` bytes: one view per length, kept. */
  private innerOf(length: number): Buffer {
    let view = this.innerViews.get(length)
    if (!view) {
      view = this.inner.subarray(0, 64 + length)
      this.innerViews.set(length, view)
    }
    return view
  }

  /** Views of `inner` by message length (a token's MAC needs one per length, not per token). */
  private readonly innerViews = new Map<number, Buffer>()

  /**
   * Whether a token's last 32 bytes are the HMAC of the bytes before them, compared in
   * constant time as `timingSafeEqual` does (the token copied after the inner padded key).
   */
  private verifies(data: Buffer): boolean {
    const at = this.room(data.length) // first: it may replace `inner`
    data.copy(this.inner, at)
    return this.verifiesInner(data.length)
  }

  /**
   * `verifies` of the token of `length` bytes already in `inner` after the padded key. The
   * digests are asked for as latin1 text ('binary'), not Buffers, and no view of the token is
   * made: a Buffer per digest and per view was most of what decrypting 300 k tokens allocated.
   */
  private verifiesInner(length: number): boolean {
    const end = length - 32
    const inner = this.inner
    this.outer.write(hash('sha256', this.innerOf(end), 'binary'), 64, 'latin1')
    const mac = hash('sha256', this.outer, 'binary')
    let differ = 0
    for (let k = 0; k < 32; k++) differ |= mac.charCodeAt(k) ^ inner[64 + end + k]!
    return differ === 0
  }

  /** A new random key, as `Fernet.generate_key()` makes it. */
  static generateKey(): string {
    return urlsafeB64Encode(randomBytes(32))
  }

  /** Encrypts bytes; `at` (Unix seconds) and `iv` are for tests and rotation. */
  encrypt(
    plaintext: Uint8Array,
    at: number | bigint = Math.floor(Date.now() / 1000),
    iv: Uint8Array = freshIv()
  ): string {
    const n = plaintext.length
    const padded = n + (16 - (n % 16))
    const token = Buffer.allocUnsafe(25 + padded + 32)
    token[0] = VERSION
    token.writeBigUInt64BE(BigInt(at), 1)
    token.set(iv, 9)
    if (n >= ONE_CONTEXT_FROM) {
      // the same CBC with PKCS7 padding, by OpenSSL in one pass
      const cbc = createCipheriv('aes-128-cbc', this.aesKey, iv)
      const head = cbc.update(plaintext)
      token.set(head, 25)
      token.set(cbc.final(), 25 + head.length)
      token.set(this.mac(token.subarray(0, 25 + padded)), 25 + padded)
      return urlsafeB64Encode(token)
    }
    // CBC with PKCS7: each block is XORed with the previous ciphertext block, then encrypted.
    const block = Buffer.allocUnsafe(16)
    for (let off = 0; off < padded; off += 16) {
      for (let k = 0; k < 16; k++) {
        const i = off + k
        block[k] = (i < n ? plaintext[i]! : padded - n) ^ token[9 + off + k]!
      }
      token.set(this.blockEncrypt.update(block), 25 + off)
    }
    token.set(this.mac(token.subarray(0, 25 + padded)), 25 + padded)
    return urlsafeB64Encode(token)
  }

  /**
   * `encrypt` of each plaintext (each its own IV), for many short values at once: CBC chains
   * within a token, not across tokens, so the n-th blocks of all tokens go through the ECB
   * context in one call (one native call per block position, not per block).
   */
  encryptMany(
    plaintexts: readonly Uint8Array[],
    at: number | bigint = Math.floor(Date.now() / 1000)
  ): string[] {
    const out: string[] = new Array<string>(plaintexts.length)
    const tokens: Buffer[] = []
    let live: number[] = []
    plaintexts.forEach((p, i) => {
      if (p.length >= ONE_CONTEXT_FROM) return void (out[i] = this.encrypt(p, at))
      const padded = p.length + (16 - (p.length % 16))
      const token = Buffer.allocUnsafe(25 + padded + 32)
      token[0] = VERSION
      token.writeBigUInt64BE(BigInt(at), 1)
      token.set(freshIv(), 9)
      tokens[i] = token
      live.push(i)
    })
    const done = live
    for (let off = 0; live.length; off += 16) {
      live = live.filter((i) => off < tokens[i]!.length - 57)
      if (live.length === 0) break
      const round = Buffer.allocUnsafe(16 * live.length)
      live.forEach((i, j) => {
        const p = plaintexts[i]!
        const token = tokens[i]!
        const n = p.length
        const pad = token.length - 57 - n
        for (let k = 0; k < 16; k++) {
          const x = off + k
          round[16 * j + k] = (x < n ? p[x]! : pad) ^ token[9 + off + k]!
        }
      })
      const sealed = this.blockEncrypt.update(round)
      live.forEach((i, j) => tokens[i]!.set(sealed.subarray(16 * j, 16 * j + 16), 25 + off))
    }
    for (const i of done) {
      const token = tokens[i]!
      token.set(this.mac(token.subarray(0, token.length - 32)), token.length - 32)
      out[i] = urlsafeB64Encode(token)
    }
    return out
  }

  /** Decrypts a verified token's bytes; undefined where cryptography raises InvalidToken. */
  decryptData(data: Buffer): Buffer | undefined {
    if (data.length < 32) return undefined
    if (!this.verifies(data)) return undefined
    const iv = data.subarray(9, 25)
    const ciphertext = data.subarray(25, -32)
    if (iv.length !== 16 || ciphertext.length % 16 !== 0 || ciphertext.length === 0)
      return undefined
    const plain = this.blockDecrypt.update(ciphertext)
    for (let i = plain.length - 1; i >= 0; i--) plain[i]! ^= i < 16 ? iv[i]! : ciphertext[i - 16]!
    // PKCS7, as cryptography's unpadder checks it: 1–16, all padding bytes equal.
    const pad = plain[plain.length - 1]!
    if (pad < 1 || pad > 16) return undefined
    for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) return undefined
    return plain.subarray(0, plain.length - pad)
  }

  /**
   * `decryptData(readTokenData(token))` of each token, for many at once, without a Buffer per
   * token: a token Node's decoder reads as Python's does (ASCII, whole quads, and every
   * character read: wholeBase64Length; every canonical token is one) is decoded straight into
   * the room after the inner padded key and its MAC checked there, with no pattern test of its
   * characters; another is read by readTokenData and checked as one. The IV and ciphertext
   * of each token that verifies are copied one after the other into one stream, opened by one
   * call of a kept AES-128-CBC context: in CBC a block is decrypted, then XORed with the
   * ciphertext block before it, so a token's first block is XORed with its IV, each other
   * with its own previous block, and what the IV's own block opens to (XORed with the token
   * before it, or the call before) is skipped. The plaintexts are views into one buffer.
   *
   * Into `out[i]`: the plaintext, or readTokenData's refusal; where this key does not open a
   * token that reads, nothing, and the token's index is in the answer.
   */
  openMany(tokens: readonly string[], out: (Buffer | CodecError)[]): number[] {
    const left: number[] = []
    // per token that verifies: its index, where its IV is in the stream, its ciphertext length
    const sealed: number[] = []
    let stream = this.stream
    let at = 0
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!
      let length = -1
      if (token.length % 4 === 0 && Buffer.byteLength(token, 'utf8') === token.length) {
        this.room((token.length / 4) * 3) // first: it may replace `inner`
        length = this.inner.write(token, 64, 'base64url')
        // every character read as 6 bits: what Python's lenient decoder reads (see below)
        if (length !== wholeBase64Length(token)) length = -1
      }
      if (length >= 0) {
        const refused = refusedTokenData(this.inner, 64, length)
        if (refused) {
          out[i] = refused
          continue
        }
        if (length < 32 || !this.verifiesInner(length)) {
          left.push(i)
          continue
        }
      } else {
        let data: Buffer
        try {
          data = readTokenData(token)
        } catch (error) {
          if (!(error instanceof CodecError)) throw error
          out[i] = error
          continue
        }
        length = data.length
        if (length < 32 || !this.verifies(data)) {
          left.push(i)
          continue
        }
      }
      // the token verified and is now in `inner` after the padded key
      const body = length - 57
      if (length < 25 + 32 || body % 16 !== 0 || body === 0) {
        left.push(i)
        continue
      }
      if (stream.length < at + 16 + body) {
        const grown = Buffer.allocUnsafe(Math.max(2 * stream.length, at + 16 + body, 4096))
        stream.copy(grown, 0, 0, at)
        stream = this.stream = grown
      }
      this.inner.copy(stream, at, 64 + 9, 64 + length - 32)
      sealed.push(i, at, body)
      at += 16 + body
    }
    if (at === 0) return left
    this.chained ??= createDecipheriv('aes-128-cbc', this.aesKey, Buffer.alloc(16)).setAutoPadding(
      false
    )
    const opened = this.chained.update(stream.subarray(0, at))
    // a stream grown past a page of ordinary values (a batch of large ones) is not kept
    if (stream.length > KEPT_STREAM) this.stream = Buffer.alloc(0)
    for (let s = 0; s < sealed.length; s += 3) {
      const i = sealed[s]!
      const from = sealed[s + 1]! + 16
      const end = from + sealed[s + 2]!
      // PKCS7, as cryptography's unpadder checks it: 1–16, all padding bytes equal
      const pad = opened[end - 1]!
      let padded = pad >= 1 && pad <= 16
      for (let k = end - pad; padded && k < end; k++) if (opened[k] !== pad) padded = false
      if (padded) out[i] = opened.subarray(from, end - pad)
      else left.push(i)
    }
    return left
  }

  /** Where openMany gathers IVs and ciphertexts (kept up to KEPT_STREAM bytes, grown as needed). */
  private stream = Buffer.alloc(0)
  /** AES-128-CBC decryption under this key, made on first use (openMany). */
  private chained: Decipheriv | undefined
}

/** A token's bytes and timestamp before any key is tried (`_get_unverified_token_data`). */
export function readToken(token: string): { data: Buffer; timestamp: bigint } {
  const data = readTokenData(token)
  return { data, timestamp: data.readBigUInt64BE(1) }
}

/** `readToken`'s bytes alone (no timestamp made: a bigint per token for those who need none). */
function readTokenData(token: string): Buffer {
  let data: Buffer
  try {
    // Canonical tokens (what every Fernet writes) decode identically with Node's decoder;
    // anything else goes through the byte-exact port of Python's lenient decoder.
    data = isCanonicalToken(token)
      ? Buffer.from(token, 'base64url')
      : urlsafeB64Decode(utf8.encode(token))
  } catch {
    throw invalidToken('it is not valid base64')
  }
  const refused = refusedTokenData(data, 0, data.length)
  if (refused) throw refused
  return data
}

/**
 * The bytes a text of whole quads of base64 (its length a multiple of 4, at most two `=` at its
 * end) decodes to when every other character is of the alphabet. Node's decoder reads `+`/`-`
 * and `/`/`_` alike, as Python's does after `urlsafe_b64decode`'s translation, and both drop
 * the last character's spare bits; a character either skips (whitespace, `=`, any other byte)
 * or stops at is 6 bits fewer, so fewer bytes. For an ASCII text, Node's decoder having
 * written exactly this many bytes is therefore Python's reading of it (a character above
 * U+00FF is read by Node as its low byte: `Ł` as `A`; an ASCII test comes first).
 */
function wholeBase64Length(token: string): number {
  const n = token.length
  const pads =
    n >= 2 && token.charCodeAt(n - 1) === 0x3d ? (token.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0
  return (n / 4) * 3 - pads
}

/**
 * Whether a token is canonical url-safe base64 (what every Fernet writes): decoded by Node's
 * decoder as by Python's lenient one.
 */
function isCanonicalToken(token: string): boolean {
  return token.length % 4 === 0 && CANONICAL_B64.test(token)
}

/** Why decoded token bytes (`length` of them from `at`) are no Fernet token, if they are not. */
function refusedTokenData(bytes: Uint8Array, at: number, length: number): CodecError | undefined {
  if (length === 0 || bytes[at] !== VERSION)
    return invalidToken('it is not a Fernet token (wrong version byte)')
  if (length < 9) return invalidToken('it is too short')
  return undefined
}

function invalidToken(why: string): CodecError {
  return new CodecError(`Invalid Fernet token: ${why}.`, 'fernet.invalid-token')
}

/**
 * Airflow's `[core] fernet_key`: comma-separated keys, the first encrypts, any decrypts.
 * `rotate` re-encrypts with the first key and keeps the token's timestamp.
 */
export class MultiFernet {
  readonly fernets: readonly Fernet[]

  constructor(fernets: readonly Fernet[]) {
    if (fernets.length === 0)
      throw new CodecError('MultiFernet requires at least one key.', 'fernet.invalid-key')
    this.fernets = fernets
  }

  /** Parses a `fernet_key` setting as Airflow does: `value.split(',')`, each a key. */
  static fromSetting(setting: string): MultiFernet {
    const parts = setting.split(',')
    return new MultiFernet(
      parts.map((part, index) => {
        try {
          return new Fernet(part)
        } catch (error) {
          if (error instanceof CodecError && parts.length > 1)
            throw new CodecError(
              `Key ${index + 1} of ${parts.length} in the list: ${error.userMessage}`,
              error.code
            )
          throw error
        }
      })
    )
  }

  /**
   * Whether `other` holds the same keys in the same order: a token then decrypts (or fails
   * to) the same with both.
   */
  sameKeys(other: MultiFernet): boolean {
    return (
      this.fernets.length === other.fernets.length &&
      this.fernets.every((f, i) => f.sameKey(other.fernets[i]!))
    )
  }

  encrypt(plaintext: Uint8Array, at?: number | bigint, iv?: Uint8Array): string {
    return this.fernets[0]!.encrypt(plaintext, at, iv)
  }

  /** `encrypt` of each plaintext with the first key (see Fernet.encryptMany). */
  encryptMany(plaintexts: readonly Uint8Array[], at?: number | bigint): string[] {
    return this.fernets[0]!.encryptMany(plaintexts, at)
  }

  /** Decrypts with the first key that verifies; throws `fernet.invalid-token` otherwise. */
  decrypt(token: string): Buffer {
    return this.decryptWithTimestamp(token).plaintext
  }

  decryptWithTimestamp(token: string): { plaintext: Buffer; timestamp: bigint } {
    const { data, timestamp } = readToken(token)
    for (const f of this.fernets) {
      const plaintext = f.decryptData(data)
      if (plaintext) return { plaintext, timestamp }
    }
    throw invalidToken(
      this.fernets.length > 1
        ? 'none of the configured keys can decrypt it (wrong key or corrupted token)'
        : 'the key cannot decrypt it (wrong key or corrupted token)'
    )
  }

  /**
   * `decrypt` of each token, for many at once: Fernet.openMany with the first key, then the
   * tokens it does not open with the next key, and so on (a key list mid-rotation opens most
   * tokens with its second key); each a plaintext, or the CodecError `decrypt` throws for it.
   */
  decryptMany(tokens: readonly string[]): (Buffer | CodecError)[] {
    const out = new Array<Buffer | CodecError>(tokens.length)
    let left = this.fernets[0]!.openMany(tokens, out)
    for (let k = 1; left.length && k < this.fernets.length; k++) {
      // every token left reads (readTokenData refused none of them): only opened or not
      const part = new Array<Buffer | CodecError>(left.length)
      const still = this.fernets[k]!.openMany(
        left.map((i) => tokens[i]!),
        part
      )
      const opened = left
      left = still.map((j) => opened[j]!)
      opened.forEach((i, j) => {
        if (part[j] !== undefined) out[i] = part[j]
      })
    }
    for (const i of left)
      out[i] = invalidToken(
        this.fernets.length > 1
          ? 'none of the configured keys can decrypt it (wrong key or corrupted token)'
          : 'the key cannot decrypt it (wrong key or corrupted token)'
      )
    return out
  }

  /**
   * Why a token does not decrypt, for reports: not a Fernet token at all, structurally
   * corrupt (lengths a Fernet never writes), or well-formed but no configured key verifies it.
   */
  diagnose(token: string): 'not-a-token' | 'corrupt' | 'wrong-key' | 'ok' {
    let data: Buffer
    try {
      data = readTokenData(token)
    } catch {
      return 'not-a-token'
    }
    if (data.length < 57 + 16 || (data.length - 57) % 16 !== 0) return 'corrupt'
    return this.fernets.some((f) => f.decryptData(data) !== undefined) ? 'ok' : 'wrong-key'
  }

  /** Whether the first key alone decrypts the token (it needs no rotation). */
  isCurrent(token: string): boolean {
    try {
      return this.fernets[0]!.decryptData(readTokenData(token)) !== undefined
    } catch {
      return false
    }
  }

  /** `MultiFernet.rotate`: decrypt with any key, re-encrypt with the first, same timestamp. */
  rotate(token: string, iv?: Uint8Array): string {
    const { plaintext, timestamp } = this.decryptWithTimestamp(token)
    return this.fernets[0]!.encrypt(plaintext, timestamp, iv)
  }
}
