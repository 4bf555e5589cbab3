/** Serves the handler table over Electron IPC, refusing senders other than our main frame. */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import type { EventMap } from '../contract/ipc'
import type { HandlerContext } from './handlers/context'
import { createHandlerContext, createHandlers } from './handlers'
import { dispatch } from './handle'

/** `openFileDialog`: the app's file chooser (app/file-dialog.ts), for `dialog:open-file`. */
export function registerIpc(
  trusted: () => WebContents | undefined,
  openFileDialog?: HandlerContext['openFileDialog']
): void {
  // A closed window's contents are destroyed: an event for it (a job's progress, from a
  // timer) has nowhere to go, and sending would throw outside any handler.
  const send = <E extends keyof EventMap>(event: E, payload: EventMap[E]) => {
    const contents = trusted()
    if (contents && !contents.isDestroyed()) contents.send(event, payload)
  }
  const handlers = createHandlers(
    createHandlerContext({ mode: 'electron', emit: send, openFileDialog })
  )
  ipcMain.handle('airlock:invoke', (event: IpcMainInvokeEvent, channel: unknown, args: unknown) => {
    const main = trusted()
    if (!main || event.sender !== main || event.senderFrame !== main.mainFrame)
      return {
        ok: false,
        error: {
          code: 'internal',
          message: 'Refused: the request did not come from the Airlock window.'
        }
      }
    return dispatch(handlers, String(channel), args)
  })
}
