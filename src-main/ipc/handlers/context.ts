/**
 * What every handler may use: the environment, where jobs live, the keychain and profiles
 * (opened once), the event sink of the transport, and the runs in progress. One context per
 * served app: the Electron main process or one `airlock serve`.
 */
import { installRegexTimeLimit } from '../../platform/regex-worker'
import type { EventMap, OpenFileRequest } from '../../contract/ipc'
import type { LocatorOptions } from '../../operations/open-store'
import type { PlanDocument } from '../../core/plan'
import type { Entry } from '../../core/model'
import { AirlockError } from '../../core/errors'
import type { Keychain } from '../../keychain/keychain'
import { MemoryKeychain } from '../../keychain/memory-keychain'
import { keystorePath, selectKeychain } from '../../keychain/open-keychain'
import { dataDir } from '../../platform/paths'
import { Profiles } from '../../platform/profiles'
import { SettingsStore, configDir } from '../../platform/settings'

/** A plan made in this run, with the locators as given (the document keeps them redacted). */
export interface HeldPlan {
  doc: PlanDocument
  source: string
  target: string
  applicable: boolean
  /** Planned while secrets were kept in memory only: its drift key did not outlive the plan. */
  keychainless?: boolean
  /**
   * Both sides as they were loaded for the plan, for the detail of an item (what the plan was
   * made from, not the stores as they are by now); kept for the newest plans only
   * (HELD_PLAN_SIDES), dropped from older ones.
   */
  sides?: { source: Entry[]; target: Entry[] }
}

/**
 * How many of the newest plans keep their sides in memory. Re-reading the stores instead would
 * show values that may have drifted since the plan (the detail must show what the plan will
 * write); keeping every plan's values would grow without bound in a long session.
 */
export const HELD_PLAN_SIDES = 3

/** Holds a plan made in this run; only the newest HELD_PLAN_SIDES keep their sides. */
export function holdPlan(plans: Map<string, HeldPlan>, held: HeldPlan): void {
  plans.set(held.doc.planId, held)
  let newer = 0
  for (const p of [...plans.values()].reverse())
    if (p.sides && ++newer > HELD_PLAN_SIDES) delete p.sides
}

/** Everything the handlers share. */
export interface HandlerContext {
  mode: 'electron' | 'web'
  env: Readonly<Record<string, string | undefined>>
  dataDir: string
  keychain(): Promise<Keychain>
  /** Makes `keychain` the store for the rest of this run (the app's passphrase field). */
  useKeychain(keychain: Keychain): void
  profiles(): Promise<Profiles>
  locatorOptions(extra?: Partial<LocatorOptions>): LocatorOptions
  emit<E extends keyof EventMap>(event: E, payload: EventMap[E]): void
  plans: Map<string, HeldPlan>
  running: Map<string, AbortController>
  /** The desktop app's file chooser: the chosen path, undefined when cancelled; absent in web mode. */
  openFileDialog?: (request: OpenFileRequest) => Promise<string | undefined>
}

/**
 * Builds a context; `keychain` may be given (tests), else it is chosen once as the CLI does
 * (AIRLOCK_PASSPHRASE, the OS keychain, else memory; no prompt: the app has its own field).
 */
export function createHandlerContext(options: {
  mode: 'electron' | 'web'
  env?: Readonly<Record<string, string | undefined>>
  emit?: HandlerContext['emit']
  keychain?: Keychain
  openFileDialog?: HandlerContext['openFileDialog']
}): HandlerContext {
  const env = options.env ?? process.env
  // Both transports: a user's lookup pattern never runs in the thread that serves requests.
  installRegexTimeLimit()
  let keychain: Promise<Keychain> | undefined = options.keychain
    ? Promise.resolve(options.keychain)
    : undefined
  let profiles: Promise<Profiles> | undefined
  const ctx: HandlerContext = {
    mode: options.mode,
    env,
    dataDir: dataDir(env as NodeJS.ProcessEnv),
    keychain: () =>
      (keychain ??= selectKeychain({ env, keystore: keystorePath(configDir(env)) }).catch(
        (error: unknown) => {
          // A wrong AIRLOCK_PASSPHRASE: the app still opens, says why, and offers the field.
          if (!(error instanceof AirlockError)) throw error
          return new MemoryKeychain(
            `${error.userMessage} Secrets are kept in memory for this run only until the passphrase store is unlocked.`
          )
        }
      )),
    useKeychain: (kc) => {
      keychain = Promise.resolve(kc)
      // Profiles hold the keychain they were opened with.
      profiles = undefined
    },
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
    running: new Map(),
    openFileDialog: options.openFileDialog
  }
  return ctx
}
