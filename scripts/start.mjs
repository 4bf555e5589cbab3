// `npm start`: the desktop app where an Electron binary exists; otherwise (Electron cannot be
// downloaded on every machine) says so and serves the same app in the browser on the demo
// (`airlock serve`). Under CI (no display, nobody to open the page) it prints the demo's
// precedence view and exits instead of serving forever.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const node = process.execPath
const airlock = join(root, 'bin/airlock.mjs')

function electronBinary() {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
    const pathFile = join(dir, 'path.txt')
    if (!existsSync(pathFile)) return undefined
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(binary) ? binary : undefined
  } catch {
    return undefined
  }
}

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', cwd: root }).status ?? 1

// The long-running child (Electron or `airlock serve`) stops with this process: every stop
// signal is passed on (package.json's `exec` makes npm's own forwarding of SIGINT/SIGTERM reach
// this process, not a shell that holds them back), and when npm itself dies (it does not pass
// SIGHUP on) this process is re-parented, which the poll notices. Exits as the child did.
function supervise(cmd, args) {
  const child = spawn(cmd, args, { stdio: 'inherit', cwd: root })
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of signals) process.on(signal, () => child.kill(signal))
  const parent = process.ppid
  const orphanPoll = setInterval(() => {
    if (process.ppid !== parent) child.kill('SIGTERM')
  }, 500)
  orphanPoll.unref()
  child.on('error', () => process.exit(1))
  child.on('exit', (code, signal) => {
    clearInterval(orphanPoll)
    if (signal) {
      for (const s of signals) process.removeAllListeners(s)
      process.kill(process.pid, signal)
      return
    }
    process.exit(code ?? 1)
  })
}

const binary = electronBinary()
if (binary) {
  const built = run(node, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'])
  if (built !== 0) process.exit(built)
  supervise(binary, [root])
} else {
  process.stderr.write(
    'airlock: no Electron binary (node_modules/electron/dist is absent; Electron is downloaded on\n' +
      'first use and cannot be downloaded here). Starting the same app in your browser instead:\n' +
      '`airlock serve` on the embedded demo, reachable from this machine only.\n\n'
  )
  if (process.env.CI) {
    process.stderr.write('CI is set: not serving. The demo, as Airflow reads it:\n\n')
    process.exit(run(node, [airlock, 'effective', '--runtime', 'demo']))
  }
  supervise(node, [airlock, 'serve', ...process.argv.slice(2)])
}
