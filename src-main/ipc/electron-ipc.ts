/** Serves the handler table over Electron IPC, refusing senders other than our main frame. */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { handlers } from './handlers'
import { invoke } from './handle'

export function registerIpc(trusted: () => WebContents | undefined): void {
  for (const [channel, handler] of Object.entries(handlers)) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      const main = trusted()
      if (!main || event.sender !== main || event.senderFrame !== main.mainFrame)
        return {
          ok: false,
          error: {
            code: 'internal',
            message: 'Refused: the request did not come from the Airlock window.'
          }
        }
      return invoke(() => (handler as (...a: unknown[]) => unknown)(...args))
    })
  }
}
