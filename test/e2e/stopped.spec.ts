/**
 * When `airlock serve` stops (#18), the open page says "Airlock has stopped" and how to start
 * it again, instead of screens whose requests fail.
 */
import { rmSync } from 'node:fs'
import { test } from '@playwright/test'
import { AppPage } from './pages/app-page'
import { expect, start } from './support/serve'

test('the page says Airlock has stopped once serve is gone', async ({ page }) => {
  const { served, child } = await start()
  try {
    await page.emulateMedia({ colorScheme: 'light' })
    const app = new AppPage(page)
    await app.open(await served.link())
    await expect(page.getByTestId('app-stopped')).toHaveCount(0)
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    await expect(page.getByTestId('app-stopped')).toContainText('Airlock has stopped', {
      timeout: 15_000
    })
    await expect(page.getByTestId('app-stopped')).toContainText('npm start')
    await app.screenshot('app-stopped')
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(served.dir, { recursive: true, force: true })
  }
})
