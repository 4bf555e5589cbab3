#!/usr/bin/env -S node --max-semi-space-size=2
// The `airlock` command: runs the bundled CLI (built by `npm ci` / `npm run build:cli`).
// The flag: see src-main/platform/runtime.ts. Airlock needs Node 22.13+ (node:sqlite); on an
// older `node` it re-runs itself with the Node 24 that `npm ci` installs beside it.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 13)) {
  // This platform's pinned Node package (package-lock.json holds its sha512); an install made
  // before the pin has it under the `node` wrapper package instead.
  const os = process.platform === 'win32' ? 'win' : process.platform
  const exe = process.platform === 'win32' ? 'bin/node.exe' : 'bin/node'
  const bundled = [
    `../node_modules/node-${os}-${process.arch}/${exe}`,
    '../node_modules/node/bin/node'
  ]
    .map((path) => fileURLToPath(new URL(path, import.meta.url)))
    .find((path) => existsSync(path))
  if (bundled) {
    // loaded only here: a run on a current Node never needs child_process
    const { spawn } = await import('node:child_process')
    // spawn, not spawnSync: this process must stay responsive to forward every signal, or a
    // killed `apply` keeps writing and an orphaned `serve` keeps answering.
    // The IPC channel is how the child notices this process is gone (even by SIGKILL, which
    // cannot be forwarded): it closes, and the child stops as on SIGTERM.
    const child = spawn(
      bundled,
      ['--max-semi-space-size=2', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
      { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] }
    )
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']
    for (const signal of signals) process.on(signal, () => child.kill(signal))
    child.on('error', () => process.exit(70))
    child.on('exit', (code, signal) => {
      if (signal) {
        // Die of the same signal so the caller sees what happened to the child.
        for (const s of signals) process.removeAllListeners(s)
        process.kill(process.pid, signal)
        return
      }
      process.exit(code ?? 70)
    })
    await new Promise(() => {})
  }
  process.stderr.write(
    `airlock: needs Node 22.13 or newer (this is ${process.versions.node}); run it with \`npm run -s airlock -- …\` or upgrade Node.\n`
  )
  process.exit(2)
}

// Re-run by an older Node's `airlock` (above): die with it. The channel must not keep this
// process alive by itself, and its closing means the parent is gone.
if (process.channel) {
  process.channel.unref()
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))
}

const entry = fileURLToPath(new URL('../out/cli/airlock.mjs', import.meta.url))
if (!existsSync(entry)) {
  process.stderr.write(
    'airlock: the CLI is not built yet; run `npm run build:cli` (or `bash scripts/setup.sh`).\n'
  )
  process.exit(2)
}
// A closed pipe (`airlock list … | head`) ends the command quietly, as Unix tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})
// as a URL: a path is read as one, and a checkout under `a#b` or `pct%41` would not be found
const { main } = await import(pathToFileURL(entry).href)
process.exitCode = await main(process.argv.slice(2))
