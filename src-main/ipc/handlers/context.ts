/**
 * What every handler may use: the environment, where jobs live, the keychain and profiles
 * (opened once), the event sink of the transport, and the runs in progress. One context per
 * served app: the Electron main process or one `airlock serve`.
 */
import type { EventMap } from '../../contract/ipc'
import type { LocatorOptions } from '../../operations/open-store'
import type { PlanDocument } from '../../core/plan'
import type { Keychain } from '../../keychain/keychain'
import { openKeychain } from '../../keychain/keytar-keychain'
import { dataDir } from '../../platform/paths'
import { Profiles } from '../../platform/profiles'
import { SettingsStore, configDir } from '../../platform/settings'

/** A plan made in this run, with the locators as given (the document keeps them redacted). */
export interface HeldPlan {
  doc: PlanDocument
  source: string
  target: string
  applicable: boolean
}

/** Everything the handlers share. */
export interface HandlerContext {
  mode: 'electron' | 'web'
  env: Readonly<Record<string, string | undefined>>
  dataDir: string
  keychain(): Promise<Keychain>
  profiles(): Promise<Profiles>
  locatorOptions(extra?: Partial<LocatorOptions>): LocatorOptions
  emit<E extends keyof EventMap>(event: E, payload: EventMap[E]): void
  plans: Map<string, HeldPlan>
  running: Map<string, AbortController>
}

/** Builds a context; `keychain` may be given (tests), else the OS keychain is probed once. */
export function createHandlerContext(options: {
  mode: 'electron' | 'web'
  env?: Readonly<Record<string, string | undefined>>
  emit?: HandlerContext['emit']
  keychain?: Keychain
}): HandlerContext {
  const env = options.env ?? process.env
  let keychain: Promise<Keychain> | undefined = options.keychain
    ? Promise.resolve(options.keychain)
    : undefined
  let profiles: Promise<Profiles> | undefined
  const ctx: HandlerContext = {
    mode: options.mode,
    env,
    dataDir: dataDir(env as NodeJS.ProcessEnv),
    keychain: () => (keychain ??= openKeychain()),
    profiles: () =>
      (profiles ??= ctx
        .keychain()
        .then((kc) => new Profiles(new SettingsStore(configDir(env)), kc))),
    locatorOptions: (extra) => ({
      env,
      resolveProfile: async (name) => {
        const p = await ctx.profiles()
        return { profile: p.get(name), secrets: await p.secrets(name) }
      },
      ...extra
    }),
    emit: options.emit ?? (() => undefined),
    plans: new Map(),
    running: new Map()
  }
  return ctx
}
