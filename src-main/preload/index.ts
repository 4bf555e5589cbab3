/** Exposes `window.airlock` (the AirlockBridge) and nothing else. */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { EventChannel, type AirlockBridge } from '../contract/ipc'

const EVENTS = new Set<string>(Object.values(EventChannel))

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
