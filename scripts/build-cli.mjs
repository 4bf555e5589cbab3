// Bundles the Node entry points (the CLI; with `bench`, the benchmark runner) into single
// ESM files so they start fast and run the same code a user runs (no TypeScript at run time),
// and builds the renderer (out/renderer) that `airlock serve` and the desktop app show.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const targets = {
  cli: { entry: 'src-main/cli/airlock.ts', out: 'out/cli/airlock.mjs' },
  bench: { entry: 'bench/run.ts', out: 'out/bench/run.mjs' }
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
