// Bundles the Node entry points (the CLI; with `bench`, the benchmark runner) into single
// ESM files so they start fast and run the same code a user runs (no TypeScript at run time),
// and builds the renderer (out/renderer) that `airlock serve` and the desktop app show.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// The CLI is split: its entry holds what `--help` and `conn` need, and each command module
// (with the SDKs it imports) is a chunk loaded on first use.
const targets = {
  cli: { entry: 'src-main/cli/airlock.ts', outdir: 'out/cli', split: true },
  bench: { entry: 'bench/run.ts', outdir: 'out/bench', split: false }
}
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : ['cli', 'renderer']
for (const name of wanted) {
  if (name === 'renderer') {
    // The same renderer electron-vite builds (electron.vite.config.ts), with relative asset
    // paths so it loads from file:// (Electron) and from the loopback server alike.
    const { build: viteBuild } = await import('vite')
    const { default: react } = await import('@vitejs/plugin-react')
    await viteBuild({
      configFile: false,
      root: `${root}src-renderer`,
      base: './',
      plugins: [react()],
      logLevel: 'warn',
      build: { outDir: `${root}out/renderer`, emptyOutDir: true, sourcemap: false }
    })
    continue
  }
  const target = targets[name]
  if (!target) throw new Error(`unknown build target ${name}`)
  // What an earlier build left would stay: chunks under old hashes, entries no longer built.
  rmSync(join(root, target.outdir), { recursive: true, force: true })
  await build({
    absWorkingDir: root,
    entryPoints: [target.entry],
    outdir: target.outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    splitting: target.split,
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
