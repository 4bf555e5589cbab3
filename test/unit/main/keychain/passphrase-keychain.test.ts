import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AirlockError } from '../../../../src-main/core/errors'
import {
  KEYSTORE_HEADER,
  PassphraseKeychain
} from '../../../../src-main/keychain/passphrase-keychain'
import { tempDir } from '../../../support/temp-dir'

const fresh = () => join(tempDir('airlock-keystore-'), 'cfg', 'keystore.airlock')
const SECRET = 'hunter2-s3cr3t-value'

async function failure(p: Promise<unknown>): Promise<AirlockError> {
  try {
    await p
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError)
    return error as AirlockError
  }
  throw new Error('expected a failure')
}

describe('passphrase keychain', () => {
  it('round-trips secrets across instances (a new process reads what the last one wrote)', async () => {
    const path = fresh()
    const a = new PassphraseKeychain(path, 'correct horse')
    await a.set('profile:vault', SECRET)
    await a.set('plan:1', 'k1')
    expect(await a.get('profile:vault')).toBe(SECRET)
    const b = await PassphraseKeychain.open(path, 'correct horse')
    expect(b.kind).toBe('passphrase')
    expect(b.location).toBe(path)
    expect(await b.get('profile:vault')).toBe(SECRET)
    expect((await b.list()).sort()).toEqual(['plan:1', 'profile:vault'])
    expect(await b.delete('plan:1')).toBe(true)
    expect(await b.delete('plan:1')).toBe(false)
    expect(await a.list()).toEqual(['profile:vault'])
    expect(await a.get('missing')).toBeUndefined()
  })

  it('keeps an account whose name is written with an escape (V8 misread, core/adr/0003)', async () => {
    // Node 24's JSON.parse would read the account `"` as the account `\` parsed earlier
    JSON.parse(String.raw`{"profile:p5":"x","\\":"y"}`)
    const path = fresh()
    await new PassphraseKeychain(path, 'pw').set('profile:p5', SECRET)
    await new PassphraseKeychain(path, 'pw').set('"', 'quote')
    const b = await PassphraseKeychain.open(path, 'pw')
    expect((await b.list()).sort()).toEqual(['"', 'profile:p5'])
    expect(await b.get('"')).toBe('quote')
  })

  it('writes an owner-only file with the version header and no secret in its bytes', async () => {
    const path = fresh()
    await new PassphraseKeychain(path, 'pw').set('profile:aws', SECRET)
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600)
    const bytes = readFileSync(path)
    expect(bytes.toString('utf8').split('\n')[0]).toBe(KEYSTORE_HEADER)
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false)
    expect(bytes.includes(Buffer.from('profile:aws'))).toBe(false)
    expect(bytes.includes(Buffer.from(Buffer.from(SECRET).toString('base64')))).toBe(false)
    // no temp file left beside it
    expect(readdirSync(join(path, '..'))).toEqual(['keystore.airlock'])
  })

  it('refuses a wrong passphrase clearly, names the file, and writes nothing', async () => {
    const path = fresh()
    await new PassphraseKeychain(path, 'right').set('a', SECRET)
    const before = readFileSync(path)
    const wrong = new PassphraseKeychain(path, 'wrong')
    const e = await failure(wrong.set('b', 'other'))
    expect(e.code).toBe('keychain.locked')
    expect(e.userMessage).toContain(path)
    expect(e.userMessage).toMatch(/passphrase is wrong/)
    expect(e.userMessage).not.toContain('wrong"')
    expect((await failure(wrong.get('a'))).code).toBe('keychain.locked')
    expect((await failure(PassphraseKeychain.open(path, 'wrong'))).code).toBe('keychain.locked')
    expect((await failure(wrong.delete('a'))).code).toBe('keychain.locked')
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('refuses a tampered ciphertext, tag or KDF parameter', async () => {
    const path = fresh()
    await new PassphraseKeychain(path, 'pw').set('a', SECRET)
    const [header, body] = readFileSync(path, 'utf8').split('\n')
    const parsed = JSON.parse(body!) as Record<string, unknown>
    const ct = Buffer.from(parsed.ciphertext as string, 'base64')
    ct[0]! ^= 1
    writeFileSync(
      path,
      `${header}\n${JSON.stringify({ ...parsed, ciphertext: ct.toString('base64') })}\n`
    )
    expect((await failure(PassphraseKeychain.open(path, 'pw'))).code).toBe('keychain.locked')
    const tag = Buffer.from(parsed.tag as string, 'base64')
    tag[3]! ^= 0x80
    writeFileSync(
      path,
      `${header}\n${JSON.stringify({ ...parsed, tag: tag.toString('base64') })}\n`
    )
    expect((await failure(PassphraseKeychain.open(path, 'pw'))).code).toBe('keychain.locked')
    const kdf = { ...(parsed.kdf as object), p: 2 }
    writeFileSync(path, `${header}\n${JSON.stringify({ ...parsed, kdf })}\n`)
    expect((await failure(PassphraseKeychain.open(path, 'pw'))).code).toBe('keychain.locked')
  })

  it('refuses an unknown version header, naming it', async () => {
    const path = fresh()
    await new PassphraseKeychain(path, 'pw').set('a', SECRET)
    const text = readFileSync(path, 'utf8').replace(KEYSTORE_HEADER, 'airlock-keystore 7')
    writeFileSync(path, text)
    const e = await failure(PassphraseKeychain.open(path, 'pw'))
    expect(e.code).toBe('keychain.unreadable')
    expect(e.userMessage).toContain('version "7"')
    expect(e.userMessage).toContain(path)
    writeFileSync(path, 'KEY=value\n')
    expect((await failure(PassphraseKeychain.open(path, 'pw'))).userMessage).toMatch(
      /no "airlock-keystore" header/
    )
    expect(readFileSync(path, 'utf8')).toBe('KEY=value\n')
  })

  it('creates nothing on get, list, delete or open of a missing file', async () => {
    const path = fresh()
    const kc = await PassphraseKeychain.open(path, 'pw')
    expect(await kc.get('a')).toBeUndefined()
    expect(await kc.list()).toEqual([])
    expect(await kc.delete('a')).toBe(false)
    expect(existsSync(path)).toBe(false)
    expect(existsSync(join(path, '..'))).toBe(false)
    await kc.init()
    expect(existsSync(path)).toBe(true)
    expect(await kc.list()).toEqual([])
  })

  it('keeps every one of many concurrent sets from one process', async () => {
    const path = fresh()
    const kc = new PassphraseKeychain(path, 'pw')
    await Promise.all(Array.from({ length: 20 }, (_, i) => kc.set(`acct-${i}`, `v${i}`)))
    const again = await PassphraseKeychain.open(path, 'pw')
    expect((await again.list()).length).toBe(20)
    for (let i = 0; i < 20; i++) expect(await again.get(`acct-${i}`)).toBe(`v${i}`)
  })

  it('keeps every set when two stores over one file change it at once (another process: the CLI beside the app)', async () => {
    // Two instances have two in-process queues, as two processes do: only the lock file
    // beside the store keeps one's read-change-write from overwriting the other's.
    const path = fresh()
    await new PassphraseKeychain(path, 'pw').init()
    const [a, b] = [new PassphraseKeychain(path, 'pw'), new PassphraseKeychain(path, 'pw')]
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => [
        a.set(`a-${i}`, `v${i}`),
        b.set(`b-${i}`, `w${i}`)
      ]).flat()
    )
    const again = await PassphraseKeychain.open(path, 'pw')
    expect((await again.list()).length).toBe(24)
    expect(await again.get('a-11')).toBe('v11')
    expect(await again.get('b-11')).toBe('w11')
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('takes over a lock left by a process that died on this machine', async () => {
    const path = fresh()
    const kc = new PassphraseKeychain(path, 'pw')
    await kc.init()
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: dead, host: hostname() }))
    await kc.set('after', 'x')
    expect(await kc.get('after')).toBe('x')
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('writes a fresh IV on every write', async () => {
    const path = fresh()
    const kc = new PassphraseKeychain(path, 'pw')
    await kc.set('a', '1')
    const iv1 = (JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!) as { iv: string }).iv
    await kc.set('a', '1')
    const iv2 = (JSON.parse(readFileSync(path, 'utf8').split('\n')[1]!) as { iv: string }).iv
    expect(iv1).not.toBe(iv2)
  })
})
