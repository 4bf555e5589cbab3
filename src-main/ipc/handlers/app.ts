/** Handlers of the `app:*` and `keychain:*` channels. */
import type { AppInfoDto, KeychainStatusDto } from '../../contract/ipc'
import { DIALECTS } from '../../core/model'
import { DIALECT_RULES } from '../../core/dialect'
import { VERSION } from '../../platform/version'
import { profileKindsInfo } from '../../core/providers'
import { keystorePath } from '../../keychain/open-keychain'
import { PassphraseKeychain } from '../../keychain/passphrase-keychain'
import { configDir } from '../../platform/settings'
import type { HandlerContext } from './context'

/** `app:info`: version, dialects and how the app is served. */
export function appInfo(mode: AppInfoDto['mode'] = 'electron'): AppInfoDto {
  return {
    version: VERSION,
    dialects: DIALECTS.map((id) => ({ id, label: DIALECT_RULES[id].label })),
    mode,
    profileKinds: profileKindsInfo()
  }
}

/** `keychain:status`: which store keeps secrets — the OS keychain, the passphrase store, memory. */
export async function keychainStatus(ctx: HandlerContext): Promise<KeychainStatusDto> {
  const kc = await ctx.keychain()
  return {
    kind: kc.kind,
    warning: kc.warning ?? null,
    ...(kc.location ? { location: kc.location } : {})
  }
}

/**
 * `keychain:unlock`: the passphrase store (created on first use) becomes this run's keychain.
 * A wrong passphrase throws `keychain.locked` and leaves the keychain in use as it was.
 */
export async function unlockKeychain(
  ctx: HandlerContext,
  request: { passphrase: string }
): Promise<KeychainStatusDto> {
  const kc = await PassphraseKeychain.open(keystorePath(configDir(ctx.env)), request.passphrase)
  // Create the file now, so the screen's "passphrase store (path)" names a file that exists.
  await kc.init()
  ctx.useKeychain(kc)
  return keychainStatus(ctx)
}
