import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Vitest's default runs cores - 1 files at once: on a 2-core machine one at a time,
    // leaving a core idle while an integration file waits on emulators, child processes,
    // retries and databases. At least two at once use both cores. (Three, on a
    // 2-core machine busy with other work, pushed timing-bound tests past their limits.)
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit-main',
          include: ['test/unit/main/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/support/network-guard.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // Many of these start processes (the CLI, Python oracles) or use the real databases:
          // 2-4 s on a quiet 2-core machine, past vitest's 5 s default when the machine is
          // busy (12 such timeouts in one loaded run, every one passing alone). The limit
          // only catches hangs.
          testTimeout: 20_000,
          hookTimeout: 20_000
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
