/**
 * Electron lifecycle: one hardened window over the renderer, IPC from the handler table.
 * The renderer is isolated (contextIsolation, sandbox, no Node), served under a strict
 * Content-Security-Policy, may not navigate or open windows, and is granted no permission
 * but writing the clipboard (copy, cleared later by the renderer).
 */
import { app, BrowserWindow, session, shell } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { registerIpc } from '../ipc/electron-ipc'
import { CONTENT_SECURITY_POLICY } from '../ipc/http'
import { chooseFile } from './file-dialog'
import { externalLinkAllowed, isAppUrl, permissionAllowed } from './window-policy'

let window: BrowserWindow | undefined

const rendererIndex = join(import.meta.dirname, '../renderer/index.html')

/** Whether a URL is the app's own page (the dev server in development, else the built file). */
function appPage(url: string): boolean {
  const dev = process.env.ELECTRON_RENDERER_URL
  return dev ? isAppUrl(url, dev, true) : isAppUrl(url, pathToFileURL(rendererIndex).href, false)
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1360,
    height: 860,
    title: 'Airlock',
    show: false,
    // Written out here (not spread from a constant) so static checkers see every flag;
    // test/unit/main/app/window-policy.test.ts runs Electronegativity over it.
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // A middle click would otherwise open a link in a new window, around the open handler.
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false
    }
  })
  window.once('ready-to-show', () => window?.show())
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (externalLinkAllowed(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event, url) => {
    if (!appPage(url)) event.preventDefault()
  })
  window.webContents.on('will-attach-webview', (event) => event.preventDefault())
  window.webContents.on('will-redirect', (event, url) => {
    if (!appPage(url)) event.preventDefault()
  })
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void window.loadFile(rendererIndex)
}

void app.whenReady().then(() => {
  const ses = session.defaultSession
  ses.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permissionAllowed(permission))
  )
  ses.setPermissionCheckHandler((_contents, permission) => permissionAllowed(permission))
  if (!process.env.ELECTRON_RENDERER_URL)
    ses.webRequest.onHeadersReceived((details, callback) =>
      callback({
        responseHeaders: {
          ...details.responseHeaders,
          'Content-Security-Policy': [CONTENT_SECURITY_POLICY]
        }
      })
    )
  registerIpc(
    () => window?.webContents,
    (request) => chooseFile(window, request)
  )
  createWindow()
})
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
})
app.on('window-all-closed', () => app.quit())
