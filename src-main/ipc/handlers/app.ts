/** Handlers of the `app:*` channels. */
import type { AppInfoDto } from '../../contract/ipc'
import { DIALECTS } from '../../core/model'
import { DIALECT_RULES } from '../../core/dialect'
import { VERSION } from '../../cli/version'

/** `app:info`: version and dialects. */
export function appInfo(): AppInfoDto {
  return {
    version: VERSION,
    dialects: DIALECTS.map((id) => ({ id, label: DIALECT_RULES[id].label }))
  }
}
