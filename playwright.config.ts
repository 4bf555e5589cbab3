/**
 * Browser tests (STYLE §9): the built renderer served by `airlock serve` on the demo, in
 * Debian's Chromium (no browser download); the Electron tier skips itself where no Electron
 * binary exists. `npm test` runs this with a JSON report that scripts/count-tests.mjs counts.
 */
import { execSync } from 'node:child_process'
import { defineConfig } from '@playwright/test'

function systemChromium(): string | undefined {
  try {
    return execSync('command -v chromium || command -v chromium-browser', { shell: '/bin/sh' })
      .toString()
      .trim()
  } catch {
    return undefined
  }
}

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: /.*\.spec\.ts/,
  globalSetup: './test/e2e/support/global-setup.ts',
  outputDir: 'test-results/e2e',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: 'list',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1360, height: 860 },
    screenshot: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: systemChromium(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  }
})
