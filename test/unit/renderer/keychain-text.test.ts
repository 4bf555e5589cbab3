// The app words main's "no keychain" warning without telling anyone to run a command (#20).
import { describe, expect, it } from 'vitest'
import { keychainWaysOut } from '../../../src-main/keychain/keychain'
import { appKeychainWarning } from '../../../src-renderer/components/keychain-text'

describe('the keychain warning in the app', () => {
  it.each(['linux', 'darwin', 'win32'] as const)(
    'keeps the reason and offers the passphrase field instead of a command (%s)',
    (platform) => {
      const reason = 'No OS keychain (no Secret Service on the session bus).'
      const shown = appKeychainWarning(`${reason}\n${keychainWaysOut(platform)}`)
      expect(shown.split('\n')[0]).toBe(reason)
      expect(shown).toMatch(/type a passphrase below to create a passphrase store/)
      expect(shown).not.toMatch(/airlock|AIRLOCK_|dbus-run-session|`/)
    }
  )

  it('names an existing passphrase store and asks for its passphrase in the field', () => {
    const shown = appKeychainWarning(
      "No OS keychain.\nA passphrase store exists at /home/me/keystore.airlock: to use it, set AIRLOCK_PASSPHRASE or enter its passphrase (at a terminal, or in the app's passphrase field)."
    )
    expect(shown).toBe(
      'No OS keychain.\nA passphrase store exists at /home/me/keystore.airlock: enter its passphrase below to use it.'
    )
  })
})
