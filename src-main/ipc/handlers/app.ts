/** Handlers of the `app:*` and `keychain:*` channels. */
import type { AppInfoDto, KeychainStatusDto } from '../../contract/ipc'
import { DIALECTS } from '../../core/model'
import { DIALECT_RULES } from '../../core/dialect'
import { VERSION } from '../../platform/version'
import { profileKindsInfo } from '../../core/providers'
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

/** `keychain:status`: whether profile secrets are kept in the OS keychain or for this run only. */
export async function keychainStatus(ctx: HandlerContext): Promise<KeychainStatusDto> {
  const kc = await ctx.keychain()
  return { kind: kc.kind, warning: kc.warning ?? null }
}
