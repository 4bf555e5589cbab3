/**
 * The one handler table (STYLE §3): every channel's implementation, served by both
 * transports (Electron IPC and the loopback web mode) so they cannot drift apart.
 */
import { Channel, type InvokeMap } from '../../contract/ipc'
import { appInfo } from './app'

/** Implementations of every invoke channel. */
export type HandlerTable = {
  [C in keyof InvokeMap]: (
    ...args: Parameters<InvokeMap[C]>
  ) => Promise<ReturnType<InvokeMap[C]>> | ReturnType<InvokeMap[C]>
}

export const handlers: HandlerTable = {
  [Channel.appInfo]: appInfo
}
