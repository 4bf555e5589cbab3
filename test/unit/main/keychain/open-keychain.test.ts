// Which store a run uses: AIRLOCK_PASSPHRASE chooses the passphrase store; else the OS
// keychain when it answers; else a prompt for an existing store; else memory, saying why.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { noKeychainMessage } from '../../../../src-main/keychain/keychain'
import { MemoryKeychain } from '../../../../src-main/keychain/memory-keychain'
import {
  describeKeychain,
  keystorePath,
  selectKeychain
} from '../../../../src-main/keychain/open-keychain'
import { PassphraseKeychain } from '../../../../src-main/keychain/passphrase-keychain'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

const noOs = async () =>
  new MemoryKeychain('No OS keychain (no Secret Service on the session bus).')
const fresh = () => keystorePath(join(tempDir('airlock-open-kc-'), 'cfg'))

describe('selectKeychain', () => {
  it('uses the passphrase store when AIRLOCK_PASSPHRASE is set, even where an OS keychain answers', async () => {
    const keystore = fresh()
    let probed = false
    const kc = await selectKeychain({
      env: { AIRLOCK_PASSPHRASE: 'pw' },
      keystore,
      openOs: async () => ((probed = true), osLikeKeychain())
    })
    expect(kc.kind).toBe('passphrase')
    expect(describeKeychain(kc)).toBe(`the passphrase store (${keystore})`)
    expect(probed).toBe(false)
    expect(existsSync(keystore)).toBe(false)
  })

  it('uses the OS keychain when it answers and never prompts', async () => {
    const keystore = fresh()
    await new PassphraseKeychain(keystore, 'pw').init()
    const kc = await selectKeychain({
      env: {},
      keystore,
      openOs: async () => osLikeKeychain(),
      prompt: async () => {
        throw new Error('no prompt expected')
      }
    })
    expect(kc.kind).toBe('os')
  })

  it('asks for the passphrase of an existing store when no OS keychain answers', async () => {
    const keystore = fresh()
    await new PassphraseKeychain(keystore, 'pw').set('a', 'b')
    const asked: string[] = []
    const kc = await selectKeychain({
      env: {},
      keystore,
      openOs: noOs,
      prompt: async (q) => (asked.push(q), 'pw')
    })
    expect(asked[0]).toContain(keystore)
    expect(kc.kind).toBe('passphrase')
    expect(await kc.get('a')).toBe('b')
    await expect(
      selectKeychain({ env: {}, keystore, openOs: noOs, prompt: async () => 'nope' })
    ).rejects.toMatchObject({ code: 'keychain.locked' })
  })

  it('falls to memory without a prompt, naming the store that exists or the ways out', async () => {
    const keystore = fresh()
    const none = await selectKeychain({ env: {}, keystore, openOs: noOs })
    expect(none.kind).toBe('memory')
    expect(none.warning).toMatch(/Secret Service/)
    expect(none.warning).toMatch(/AIRLOCK_PASSPHRASE=/)
    expect(none.warning).toMatch(/airlock keystore init/)
    expect(existsSync(keystore)).toBe(false)
    await new PassphraseKeychain(keystore, 'pw').init()
    const exists = await selectKeychain({ env: {}, keystore, openOs: noOs })
    expect(exists.kind).toBe('memory')
    expect(exists.warning).toContain(`A passphrase store exists at ${keystore}`)
  })
})

describe('noKeychainMessage', () => {
  it('says what cannot be done and the ways out on this OS, in at most two lines', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const text = noKeychainMessage('a job keeps its snapshot key there', platform)
      expect(text.split('\n').length).toBeLessThanOrEqual(2)
      expect(text).toContain('a job keeps its snapshot key there')
      expect(text).toContain('AIRLOCK_PASSPHRASE=')
    }
    expect(noKeychainMessage('x', 'linux')).toMatch(
      /dbus-run-session .*gnome-keyring-daemon --unlock/
    )
    expect(noKeychainMessage('x', 'darwin')).toMatch(/login Keychain/)
  })
})
