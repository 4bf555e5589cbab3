// Builds the CLI once before any test file runs (files run in parallel; rebuilding from
// several of them at once would replace the bundle under a running test), unless
// scripts/test.sh has just built it (AIRLOCK_TEST_BUILT=1; the next project of this run finds
// the flag too). And the crash tests' job runner (test/support/job-runner.ts), bundled as the
// CLI is: a child started with `--import tsx` compiles the engine again in every process.
import { build } from 'esbuild'
import { execFileSync } from 'node:child_process'

export default async function setup(): Promise<void> {
  if (process.env.AIRLOCK_TEST_BUILT !== '1') {
    execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' })
    process.env.AIRLOCK_TEST_BUILT = '1'
  }
  await build({
    entryPoints: ['test/support/job-runner.ts'],
    outfile: 'out/test/job-runner.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __airlockRequire } from 'node:module';const require = __airlockRequire(import.meta.url);"
    }
  })
}
