/**
 * One whole process as users run it, timed by the OS: wall seconds, and with GNU time its peak
 * RSS and CPU seconds. Shared by the whole-command benchmarks (`whole`, `jobs`).
 */
import { spawnSync, type StdioOptions } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
/** The `airlock` bin, from the sources or from the built bench in out/bench. */
export const BIN = here.endsWith('/out/bench/')
  ? fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))
  : fileURLToPath(new URL('../bin/airlock.mjs', import.meta.url))
const TIME = '/usr/bin/time'

/** One whole process: wall seconds, peak RSS in MB and CPU seconds (undefined without GNU time). */
export interface Run {
  seconds: number
  peakMb: number | undefined
  /** User + system CPU seconds: what a loaded machine does not skew. */
  cpu: number | undefined
}

/**
 * Runs `argv` to its end; `ok` says which exit codes are its success (diff: 1, differences).
 * GNU time exits with the command's status (and says so on stderr before its figure).
 */
export function runWhole(
  argv: readonly string[],
  options: { ok?: readonly number[]; env?: NodeJS.ProcessEnv } = {}
): Run {
  const ok = options.ok ?? [0]
  const timed = existsSync(TIME)
  const stdio: StdioOptions = ['ignore', 'ignore', 'pipe']
  const t0 = performance.now()
  const out = timed
    ? spawnSync(TIME, ['-f', '%M %U %S', ...argv], { stdio, env: options.env })
    : spawnSync(argv[0]!, argv.slice(1), { stdio, env: options.env })
  const seconds = (performance.now() - t0) / 1000
  const stderr = out.stderr.toString()
  if (!ok.includes(out.status ?? -1))
    throw new Error(`${argv.join(' ')} exited ${out.status}: ${stderr.slice(-800)}`)
  const [kb, user, sys] = timed ? stderr.trim().split('\n').pop()!.split(' ').map(Number) : []
  return {
    seconds,
    peakMb: kb === undefined || !Number.isFinite(kb) ? undefined : kb / 1024,
    cpu: user === undefined || sys === undefined ? undefined : user + sys
  }
}

export const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
/** (max − min) / median. */
export const spread = (xs: readonly number[]) => (Math.max(...xs) - Math.min(...xs)) / median(xs)

/** The median run of several: each figure's median. */
export const summary = (runs: readonly Run[]): Run => ({
  seconds: median(runs.map((r) => r.seconds)),
  peakMb: runs[0]!.peakMb === undefined ? undefined : median(runs.map((r) => r.peakMb!)),
  cpu: runs[0]!.cpu === undefined ? undefined : median(runs.map((r) => r.cpu!))
})
