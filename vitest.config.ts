import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit-main',
          include: ['test/unit/main/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/network-guard.ts'],
          globalSetup: ['test/support/global-setup.ts']
        }
      },
      {
        test: {
          name: 'unit-renderer',
          include: ['test/unit/renderer/**/*.test.{ts,tsx}'],
          environment: 'jsdom'
        }
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/network-guard.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000
        }
      }
    ]
  }
})
