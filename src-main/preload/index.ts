/**
 * Exposes `window.airlock` (the AirlockBridge) and nothing else. A sandboxed preload can
 * require only `electron`: it imports the contract's types, never its runtime (zod).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { AirlockBridge, EventMap } from '../contract/ipc'

const EVENTS: ReadonlySet<string> = new Set<keyof EventMap>(['jobs:progress'])

const bridge: AirlockBridge = {
  invoke: (channel, ...args) => ipcRenderer.invoke('airlock:invoke', channel, args),
  on: (event, listener) => {
    if (!EVENTS.has(event)) return () => undefined
    const wrapped = (_e: IpcRendererEvent, payload: unknown) =>
      listener(payload as Parameters<typeof listener>[0])
    ipcRenderer.on(event, wrapped)
    return () => void ipcRenderer.removeListener(event, wrapped)
  }
}

contextBridge.exposeInMainWorld('airlock', bridge)
