/** The only reader of `window.airlock` (STYLE §1). */
import type { AirlockBridge } from '../src-main/contract/ipc'

declare global {
  interface Window {
    airlock?: AirlockBridge
  }
}

/** The bridge the preload exposed; throws where the page runs outside Airlock. */
export function getBridge(): AirlockBridge {
  if (!window.airlock) throw new Error('window.airlock is missing: open this page through Airlock.')
  return window.airlock
}
