import { createCipheriv, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  Fernet,
  MultiFernet,
  readToken,
  urlsafeB64Decode
} from '../../../../../src-main/core/codecs/fernet'
import { runPython } from '../../../../support/python'

// The Fernet spec's published vector (github.com/fernet/spec, generate.json).
const SPEC = {
  key: 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=',
  token:
    'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==',
  at: 499162800,
  iv: Uint8Array.from({ length: 16 }, (_, i) => i),
  plaintext: 'hello'
}
const enc = new TextEncoder()
const PY_FERNET = `import json,sys,base64,binascii
from cryptography.fernet import Fernet, MultiFernet, InvalidToken
`

describe('fernet codec', () => {
  it('reproduces the spec vector byte for byte and decrypts it', () => {
    const f = new Fernet(SPEC.key)
    expect(f.encrypt(enc.encode(SPEC.plaintext), SPEC.at, SPEC.iv)).toBe(SPEC.token)
    expect(new MultiFernet([f]).decrypt(SPEC.token).toString()).toBe(SPEC.plaintext)
    expect(readToken(SPEC.token).timestamp).toBe(BigInt(SPEC.at))
  })

  it('decrypts tokens made by Python cryptography, and Python decrypts ours', () => {
    const key = Fernet.generateKey()
    const plaintexts = [
      '',
      'a',
      'p@ss/w:rd',
      'x'.repeat(16),
      'é日本😀',
      '{"extra": true}',
      'y'.repeat(1000)
    ]
    const fromPython = runPython<string[]>(
      PY_FERNET +
        'd=json.load(sys.stdin)\nf=Fernet(d["key"].encode())\nprint(json.dumps([f.encrypt(p.encode()).decode() for p in d["p"]]))',
      { key, p: plaintexts }
    )
    const mf = MultiFernet.fromSetting(key)
    fromPython.forEach((token, i) => expect(mf.decrypt(token).toString('utf8')).toBe(plaintexts[i]))
    const ours = plaintexts.map((p) => mf.encrypt(enc.encode(p)))
    const back = runPython<string[]>(
      PY_FERNET +
        'd=json.load(sys.stdin)\nf=Fernet(d["key"].encode())\nprint(json.dumps([f.decrypt(t.encode()).decode() for t in d["t"]]))',
      { key, t: ours }
    )
    expect(back).toEqual(plaintexts)
  })

  it('makes the very token Python makes for the same time and IV, small and large plaintexts alike', () => {
    const key = Fernet.generateKey()
    const iv = Uint8Array.from({ length: 16 }, (_, i) => i * 7)
    const at = 1_700_000_000
    // either side of the size from which one CBC context encrypts, and a megabyte snapshot
    const plaintexts = [
      '',
      'z'.repeat(1023),
      'z'.repeat(1024),
      'é'.repeat(700),
      'q'.repeat(1 << 20)
    ]
    const fromPython = runPython<string[]>(
      PY_FERNET +
        'd=json.load(sys.stdin)\nf=Fernet(d["key"].encode())\nprint(json.dumps([f._encrypt_from_parts(p.encode(), d["at"], bytes(d["iv"])).decode() for p in d["p"]]))',
      { key, p: plaintexts, at, iv: [...iv] }
    )
    const f = new Fernet(key)
    expect(plaintexts.map((p) => f.encrypt(enc.encode(p), at, iv))).toEqual(fromPython)
  })

  it('encryptMany makes tokens Python decrypts, each with its own IV, short and long mixed', () => {
    const key = Fernet.generateKey()
    const plaintexts = [
      'p@ss',
      '',
      'x'.repeat(16),
      'é日本😀'.repeat(9),
      'y'.repeat(1500),
      'z'.repeat(47),
      'a'
    ]
    const at = 1_700_000_123
    const tokens = MultiFernet.fromSetting(key).encryptMany(
      plaintexts.map((p) => enc.encode(p)),
      at
    )
    expect(new Set(tokens.map((t) => readToken(t).data.subarray(9, 25).toString('hex'))).size).toBe(
      plaintexts.length
    )
    tokens.forEach((t) => expect(readToken(t).timestamp).toBe(BigInt(at)))
    const back = runPython<string[]>(
      PY_FERNET +
        'd=json.load(sys.stdin)\nf=Fernet(d["key"].encode())\nprint(json.dumps([f.decrypt(t.encode()).decode() for t in d["t"]]))',
      { key, t: tokens }
    )
    expect(back).toEqual(plaintexts)
  })

  it('decryptMany gives what decrypt gives for each token: plaintexts, old keys, every refusal', () => {
    const [k1, k2, k3] = [Fernet.generateKey(), Fernet.generateKey(), Fernet.generateKey()]
    const mf = MultiFernet.fromSetting(`${k1},${k2}`)
    const raw = urlsafeB64Decode(enc.encode(k1))
    // A token whose MAC verifies but whose padding is not PKCS7 (or whose length is not
    // whole blocks): built by hand, as no Fernet writes one.
    const forged = (body: Buffer, cbc = true) => {
      const iv = Buffer.alloc(16, 7)
      const head = Buffer.concat([Buffer.from([0x80]), Buffer.alloc(8, 1), iv])
      const sealed = cbc
        ? createCipheriv('aes-128-cbc', raw.subarray(16), iv).setAutoPadding(false).update(body)
        : body
      const signed = Buffer.concat([head, sealed])
      const mac = createHmac('sha256', raw.subarray(0, 16)).update(signed).digest()
      return Buffer.concat([signed, mac]).toString('base64url')
    }
    const tokens = [
      ...['', 'a', 'x'.repeat(15), 'x'.repeat(16), 'é日本😀'.repeat(7), 'y'.repeat(1200)].map((p) =>
        new Fernet(k1).encrypt(enc.encode(p))
      ),
      new Fernet(k2).encrypt(enc.encode('old key')),
      new Fernet(k3).encrypt(enc.encode('unknown key')),
      'not base64 !',
      '',
      Buffer.from([0x81, 1, 2, 3, 4, 5, 6, 7, 8, 9]).toString('base64url'),
      Buffer.from([0x80, 1, 2]).toString('base64url'),
      forged(Buffer.concat([Buffer.from('abcdefghijklmno'), Buffer.from([0])])),
      forged(Buffer.concat([Buffer.from('abcdefghijklm'), Buffer.from([3, 2, 3])])),
      forged(Buffer.alloc(16, 17)),
      forged(Buffer.alloc(0)),
      forged(Buffer.alloc(20, 1), false),
      SPEC.token
    ]
    const one = (t: string) => {
      try {
        return mf.decrypt(t).toString('hex')
      } catch (error) {
        return String((error as Error).message)
      }
    }
    const many = mf
      .decryptMany(tokens)
      .map((r) => (r instanceof Error ? r.message : r.toString('hex')))
    expect(many).toEqual(tokens.map(one))
    expect(many.filter((m) => /^[0-9a-f]*$/.test(m))).toHaveLength(7)
  })

  it('decryptMany reads a token of whole quads as Python does, whatever its characters', () => {
    const k = Fernet.generateKey()
    const mf = MultiFernet.fromSetting(k)
    const sealed = Array.from({ length: 40 }, (_, i) =>
      new Fernet(k).encrypt(enc.encode(`secret ${i}`))
    )
    const at = (t: string, i: number, c: string) => t.slice(0, i) + c + t.slice(i + 1)
    // the last data character's spare bits set: Python's lenient decoder ignores them
    const spare = (t: string) => {
      const i = t.replace(/=+$/, '').length - 1
      return at(t, i, String.fromCharCode(t.charCodeAt(i) + 1))
    }
    const withA = sealed.find((t) => t.indexOf('A', 12) > 0)!
    const withQ = sealed.find((t) => t.indexOf('Q', 12) > 0)!
    const tokens = [
      // the other alphabet: the same bytes to both decoders
      ...sealed
        .filter((t) => /[-_]/.test(t))
        .map((t) => t.replaceAll('-', '+').replaceAll('_', '/')),
      ...sealed.filter((t) => t.endsWith('=')).map(spare),
      // characters Node's decoder reads as their low byte (Ł as A, ő as Q); Python skips them
      at(withA, withA.indexOf('A', 12), 'Ł'),
      at(withQ, withQ.indexOf('Q', 12), 'ő'),
      // skipped by both, the length kept
      at(withA, 20, ' '),
      at(withA, 20, 'é')
    ]
    const one = (t: string) => {
      try {
        return mf.decrypt(t).toString()
      } catch (error) {
        return String((error as Error).message)
      }
    }
    const many = mf.decryptMany(tokens).map((r) => (r instanceof Error ? r.message : r.toString()))
    expect(many).toEqual(tokens.map(one))
    expect(many.slice(0, -4).every((m) => m.startsWith('secret '))).toBe(true)
    expect(many.slice(-4).every((m) => m.startsWith('Invalid Fernet token'))).toBe(true)
    expect(tokens.length).toBeGreaterThan(20)
  })

  it('decryptMany opens a batch past its kept stream (over 1 MiB), and small ones after it', () => {
    const k = Fernet.generateKey()
    const f = new Fernet(k)
    const mf = MultiFernet.fromSetting(k)
    const big = Array.from({ length: 800 }, (_, i) => f.encrypt(Buffer.alloc(1500, i % 251)))
    const small = ['a', 'bb', ''].map((p) => f.encrypt(enc.encode(p)))
    for (const batch of [small, big, small, big.slice(0, 3)]) {
      const many = mf
        .decryptMany(batch)
        .map((r) => (r instanceof Error ? r.message : r.toString('hex')))
      expect(many).toEqual(batch.map((t) => mf.decrypt(t).toString('hex')))
    }
  })

  it('accepts and rejects exactly the keys Python accepts (via Airflow: UTF-8 bytes)', () => {
    const good = Fernet.generateKey()
    const keys = [
      good,
      good.slice(0, -1),
      good + '=',
      good + '==',
      ' ' + good,
      good + '\n',
      good.replaceAll('-', '+').replaceAll('_', '/'),
      good.slice(0, 20) + '!' + good.slice(20),
      good.slice(0, 20) + 'é' + good.slice(20),
      good.slice(0, 43),
      good.slice(0, 42) + '==',
      good.slice(0, 40),
      '',
      'short',
      good + good,
      good.slice(0, 43) + '=trailing',
      Buffer.alloc(31, 7).toString('base64url') + '=',
      Buffer.alloc(33, 7).toString('base64url')
    ]
    const py = runPython<boolean[]>(
      PY_FERNET +
        `out=[]
for k in json.load(sys.stdin):
    try: Fernet(k.encode("utf-8")); out.append(True)
    except ValueError: out.append(False)
print(json.dumps(out))`,
      keys
    )
    keys.forEach((k, i) => {
      let ok = true
      try {
        new Fernet(k)
      } catch {
        ok = false
      }
      expect(ok, JSON.stringify(k)).toBe(py[i])
    })
  })

  it('rejects exactly the tokens Python rejects', () => {
    const key = Fernet.generateKey()
    const other = Fernet.generateKey()
    const f = new Fernet(key)
    const token = f.encrypt(enc.encode('secret'))
    const raw = urlsafeB64Decode(enc.encode(token))
    const flip = (at: number) => {
      const copy = Buffer.from(raw)
      copy[at]! ^= 1
      return (
        copy.toString('base64url') + '='.repeat((4 - (copy.toString('base64url').length % 4)) % 4)
      )
    }
    const tokens = [
      token,
      token.slice(0, -4),
      token + '\n',
      ' ' + token,
      flip(0),
      flip(5),
      flip(20),
      flip(raw.length - 1),
      flip(raw.length - 40),
      new Fernet(other).encrypt(enc.encode('secret')),
      'gA==',
      '',
      'not a token',
      token.slice(0, 40),
      Buffer.concat([Buffer.from([0x80]), Buffer.alloc(8)]).toString('base64url')
    ]
    const py = runPython<(string | null)[]>(
      PY_FERNET +
        `d=json.load(sys.stdin)
f=Fernet(d["key"].encode())
out=[]
for t in d["t"]:
    try: out.append(f.decrypt(t.encode()).decode())
    except InvalidToken: out.append(None)
print(json.dumps(out))`,
      { key, t: tokens }
    )
    const mf = new MultiFernet([f])
    tokens.forEach((t, i) => {
      let got: string | null
      try {
        got = mf.decrypt(t).toString('utf8')
      } catch {
        got = null
      }
      expect(got, JSON.stringify(t)).toBe(py[i])
    })
  })

  it('MultiFernet: first key encrypts, any key decrypts, rotate keeps the timestamp (and Python agrees)', () => {
    const oldKey = Fernet.generateKey()
    const newKey = Fernet.generateKey()
    const oldToken = new Fernet(oldKey).encrypt(enc.encode('rotate me'), 1_000_000)
    const both = MultiFernet.fromSetting(`${newKey},${oldKey}`)
    expect(both.decrypt(oldToken).toString()).toBe('rotate me')
    const rotated = both.rotate(oldToken)
    expect(readToken(rotated).timestamp).toBe(1_000_000n)
    expect(MultiFernet.fromSetting(newKey).decrypt(rotated).toString()).toBe('rotate me')
    expect(() => MultiFernet.fromSetting(oldKey).decrypt(rotated)).toThrow(/cannot decrypt/)
    const py = runPython<{ plain: string; ts: number }>(
      PY_FERNET +
        `d=json.load(sys.stdin)
f=Fernet(d["new"].encode())
print(json.dumps({"plain": f.decrypt(d["t"].encode()).decode(), "ts": f.extract_timestamp(d["t"].encode())}))`,
      { new: newKey, t: rotated }
    )
    expect(py).toEqual({ plain: 'rotate me', ts: 1_000_000 })
    const pyRotated = runPython<string>(
      PY_FERNET +
        `d=json.load(sys.stdin)
m=MultiFernet([Fernet(k.encode()) for k in d["keys"]])
print(json.dumps(m.rotate(d["t"].encode()).decode()))`,
      { keys: [newKey, oldKey], t: oldToken }
    )
    expect(MultiFernet.fromSetting(newKey).decrypt(pyRotated).toString()).toBe('rotate me')
    expect(readToken(pyRotated).timestamp).toBe(1_000_000n)
  })

  it('names the bad key in a list without showing it', () => {
    const good = Fernet.generateKey()
    let message = ''
    try {
      MultiFernet.fromSetting(`${good},oops-not-a-key`)
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/Key 2 of 2/)
    expect(message).not.toContain('oops')
    expect(() => MultiFernet.fromSetting(`${good},`)).toThrow(/Key 2 of 2/)
  })
})
