// Bundles the Node entry points (the CLI; with `bench`, the benchmark runner) into single
// files so they start fast and run the same code a user runs (no TypeScript at run time),
// and builds the renderer (out/renderer) that `airlock serve` and the desktop app show.
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
// The CLI is one CommonJS bundle (out/cli/airlock.cjs) run by its entry out/cli/airlock.mjs
// (scripts/cli-entry.mjs) with a V8 code cache made here after a representative run; each
// command's SDKs are still required on first use (`packages: 'external'`).
const targets = {
  cli: { entry: 'src-main/cli/airlock.ts', outdir: 'out/cli', cjs: true },
  bench: { entry: 'bench/run.ts', outdir: 'out/bench' }
}
/** The Node flags Airlock's processes run with (src-main/platform/runtime.ts NODE_FLAGS). */
const NODE_FLAGS = ['--max-semi-space-size=2']
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
  if (target.cjs) {
    await buildCliBundle(target)
    continue
  }
  await build({
    absWorkingDir: root,
    entryPoints: [target.entry],
    outdir: target.outdir,
    entryNames: '[name]',
    outExtension: { '.js': '.mjs' },
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

/**
 * The Node that runs the CLI, as bin/airlock.mjs picks it: this one from 22.13 on, else the
 * Node 24 `npm ci` installs beside it (a cache is taken only by the V8 that made it).
 */
function cliNode() {
  const [major, minor] = process.versions.node.split('.').map(Number)
  if (major > 22 || (major === 22 && minor >= 13)) return process.execPath
  const os = process.platform === 'win32' ? 'win' : process.platform
  const exe = process.platform === 'win32' ? 'bin/node.exe' : 'bin/node'
  return (
    [`node_modules/node-${os}-${process.arch}/${exe}`, 'node_modules/node/bin/node']
      .map((path) => join(root, path))
      .find((path) => existsSync(path)) ?? process.execPath
  )
}

/**
 * out/cli: the bundle airlock.cjs, its entry airlock.mjs and the code cache airlock.cjs.cache
 * made by a representative run (scripts/cli-code-cache.mjs). A cache that cannot be made is
 * left out (the CLI compiles as any script then), with a warning.
 */
async function buildCliBundle(target) {
  const bundle = join(root, target.outdir, 'airlock.cjs')
  await build({
    absWorkingDir: root,
    entryPoints: [target.entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
    // import.meta.url: the bundle's own URL, as each module had its chunk's
    define: { 'import.meta.url': '__airlockModuleUrl' },
    banner: {
      js: "const __airlockModuleUrl = require('node:url').pathToFileURL(__filename).href;"
    }
  })
  // The bundle runs as a vm script (scripts/cli-entry.mjs), where an `import()` left in it (a
  // package esbuild keeps external) would throw: packages are required on first use instead.
  if (/\bimport\(/.test(readFileSync(bundle, 'utf8')))
    throw new Error(
      'build-cli: the CLI bundle holds an import(); require the package on first use (createRequire) instead'
    )
  const entry = join(root, target.outdir, 'airlock.mjs')
  copyFileSync(join(root, 'scripts/cli-entry.mjs'), entry)
  const made = spawnSync(
    cliNode(),
    [...NODE_FLAGS, join(root, 'scripts/cli-code-cache.mjs'), entry, `${bundle}.cache`],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' }
  )
  if (made.status !== 0) {
    rmSync(`${bundle}.cache`, { force: true })
    process.stderr.write(
      `build-cli: no code cache for the CLI (it runs without one): ${made.stderr.slice(-500)}\n`
    )
  }
}
