/**
 * The desktop app through Playwright's Electron driver. Electron's binary is fetched lazily
 * by the electron package and cannot be downloaded on every machine (not on the CI machines
 * of this project): without it this tier reports itself skipped, saying why.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'

function electronBinary(): string | undefined {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
    const pathFile = join(dir, 'path.txt')
    if (!existsSync(pathFile)) return undefined
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(binary) ? binary : undefined
  } catch {
    return undefined
  }
}

const binary = electronBinary()

test('the desktop window opens on the inventory, masked', async () => {
  test.skip(
    !binary,
    'No Electron binary: node_modules/electron/dist is absent and Electron cannot be downloaded here; the same screens are tested in web mode (web.spec.ts).'
  )
  test.skip(!existsSync('out/main/index.js'), 'Run `npm run build` first (out/main is missing).')
  const app = await electron.launch({ executablePath: binary, args: ['.'] })
  try {
    const window = await app.firstWindow()
    await expect(window.locator('[data-app-state="ready"]')).toBeVisible()
    await expect(window.getByTestId('app-meta')).toContainText('desktop')
  } finally {
    await app.close()
  }
})
