/**
 * `airlock serve [--port N] [--no-open]`: the app in a browser, through the same handler table
 * as the desktop app, on 127.0.0.1 with a per-run token (see ipc/http.ts). The printed link
 * holds a one-time launch code, never the token; Enter prints (and opens) a fresh one. Runs
 * until Ctrl-C / SIGTERM / SIGHUP.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHandlerContext, createHandlers } from '../../ipc/handlers'
import { startLoopbackServer } from '../../ipc/http'
import { EXIT_OK, UsageError, type CliIo } from '../io'

/**
 * Where the built renderer is: `out/renderer` beside the bundled CLI (its entry or one of its
 * chunks), else in the checkout this module runs from, else `$AIRLOCK_RENDERER_DIR`.
 */
export function findRendererDir(env: CliIo['env']): string | undefined {
  const candidates: string[] = env.AIRLOCK_RENDERER_DIR ? [env.AIRLOCK_RENDERER_DIR] : []
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    candidates.push(join(dir, 'renderer'), join(dir, 'out', 'renderer'))
    if (dirname(dir) === dir) break
  }
  return candidates.find((d) => existsSync(join(d, 'index.html')))
}

function openInBrowser(url: string): void {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  try {
    const child = spawn(command, [url], { detached: true, stdio: 'ignore' })
    child.on('error', () => undefined)
    child.unref()
  } catch {
    // no opener: the printed address is enough
  }
}

/** Runs the server until a signal; resolves to the exit code. */
export async function serveCommand(
  io: CliIo,
  flags: { port?: string; 'no-open'?: boolean },
  stop?: Promise<void>
): Promise<number> {
  const port = flags.port === undefined ? 0 : Number(flags.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError('--port takes a port number (0 picks a free one)')
  const rendererDir = findRendererDir(io.env)
  if (!rendererDir)
    io.stderr.write(
      'airlock: warning: the app is not built (out/renderer); run `npm run build:cli`. Serving the API only.\n'
    )
  const server = await startLoopbackServer({
    port,
    rendererDir,
    handlers: (emit) => createHandlers(createHandlerContext({ mode: 'web', env: io.env, emit }))
  })
  const open = !flags['no-open'] && !io.env.CI
  io.stdout.write(`Airlock is served at ${server.url}\n`)
  io.stderr.write(
    'Only this machine can reach it. The link works once (within 2 minutes); press Enter for another. Ctrl-C stops it.\n'
  )
  if (open) openInBrowser(server.url)
  // Each line on stdin (Enter in a terminal): a fresh one-time link, for another tab or browser.
  const lines = createInterface({ input: io.stdin, terminal: false })
  lines.on('line', () => {
    const url = server.launchUrl()
    io.stdout.write(`Airlock is served at ${url}\n`)
    if (open) openInBrowser(url)
  })
  lines.on('error', () => undefined)
  await (stop ??
    new Promise<void>((resolveStop) => {
      // SIGHUP too: a closed terminal must not leave a server answering with nobody watching.
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
        process.once(signal, () => resolveStop())
    }))
  lines.close()
  await server.close()
  io.stderr.write('airlock: stopped serving\n')
  return EXIT_OK
}
