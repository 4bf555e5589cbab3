// Bundles the Node entry points (the CLI; with `bench`, the benchmark runner) into single
// ESM files so they start fast and run the same code a user runs (no TypeScript at run time).
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const targets = {
  cli: { entry: 'src-main/cli/airlock.ts', out: 'out/cli/airlock.mjs' },
  bench: { entry: 'bench/run.ts', out: 'out/bench/run.mjs' }
}
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : ['cli']
for (const name of wanted) {
  const target = targets[name]
  if (!target) throw new Error(`unknown build target ${name}`)
  await build({
    absWorkingDir: root,
    entryPoints: [target.entry],
    outfile: target.out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    banner: {
      js: "import { createRequire as __airlockRequire } from 'node:module';const require = __airlockRequire(import.meta.url);"
    }
  })
}
