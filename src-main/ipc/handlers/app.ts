/** Handlers of the `app:*` and `keychain:*` channels. */
import type { AppInfoDto, KeychainStatusDto } from '../../contract/ipc'
import { DIALECTS } from '../../core/model'
import { DIALECT_RULES } from '../../core/dialect'
import { VERSION } from '../../platform/version'
import { secretsNeeded } from '../../platform/profiles'
import { CREDENTIAL_METHODS, PROFILE_KINDS } from '../../platform/settings'
import type { HandlerContext } from './context'

/** `app:info`: version, dialects and how the app is served. */
export function appInfo(mode: AppInfoDto['mode'] = 'electron'): AppInfoDto {
  return {
    version: VERSION,
    dialects: DIALECTS.map((id) => ({ id, label: DIALECT_RULES[id].label })),
    mode,
    profileKinds: PROFILE_KINDS.map((kind) => ({
      kind,
      methods: CREDENTIAL_METHODS[kind].map((method) => ({
        method,
        secrets: secretsNeeded(kind, method)
      }))
    }))
  }
}

/** `keychain:status`: whether profile secrets are kept in the OS keychain or for this run only. */
export async function keychainStatus(ctx: HandlerContext): Promise<KeychainStatusDto> {
  const kc = await ctx.keychain()
  return { kind: kc.kind, warning: kc.warning ?? null }
}
