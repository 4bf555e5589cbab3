/** Electron lifecycle: one hardened window over the renderer, IPC from the handler table. */
import { app, BrowserWindow, shell } from 'electron'
import { join } from 'node:path'
import { registerIpc } from '../ipc/electron-ipc'

let window: BrowserWindow | undefined

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Airlock',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.mjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false
    }
  })
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event) => event.preventDefault())
  if (process.env.ELECTRON_RENDERER_URL) void window.loadURL(process.env.ELECTRON_RENDERER_URL)
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'))
}

void app.whenReady().then(() => {
  registerIpc(() => window?.webContents)
  createWindow()
})
app.on('window-all-closed', () => app.quit())
