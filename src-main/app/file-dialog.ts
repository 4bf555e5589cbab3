/** The desktop app's file chooser (`dialog:open-file`): Electron's open dialog over the window. */
import { dialog, type BrowserWindow } from 'electron'
import type { OpenFileRequest } from '../contract/ipc'

/** Opens the chooser (modal to `window` when there is one): the chosen file, or undefined. */
export async function chooseFile(
  window: BrowserWindow | undefined,
  request: OpenFileRequest
): Promise<string | undefined> {
  const options: Electron.OpenDialogOptions = {
    title: request.title ?? 'Choose a file',
    properties: ['openFile', 'showHiddenFiles'],
    ...(request.defaultPath ? { defaultPath: request.defaultPath } : {})
  }
  const result = window
    ? await dialog.showOpenDialog(window, options)
    : await dialog.showOpenDialog(options)
  return result.canceled ? undefined : result.filePaths[0]
}
