/** Exposes `window.airlock` (the AirlockBridge) and nothing else. */
import { contextBridge, ipcRenderer } from 'electron'
import { Channel, type AirlockBridge } from '../contract/ipc'

const bridge: AirlockBridge = {
  appInfo: () => ipcRenderer.invoke(Channel.appInfo)
}

contextBridge.exposeInMainWorld('airlock', bridge)
