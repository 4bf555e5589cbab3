/**
 * Loads airflow.cfg from disk into an Airflow runtime profile (core/airflow-config.ts).
 * Finds the file as Airflow does (`AIRFLOW_CONFIG`, else `$AIRFLOW_HOME/airflow.cfg`,
 * `AIRFLOW_HOME` defaulting to `~/airflow`) and, only when the caller allows it, runs the
 * `_cmd` commands the way Airflow's `run_command` does: split with `shlex.split`, no
 * shell, standard output decoded as UTF-8. By default no command is run.
 *
 * @example
 * const { profile } = await loadAirflowConfig({ env: process.env, airflowVersion: '3.1.0' })
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  expandEnvVar,
  readAirflowConfig,
  type AirflowRuntimeProfile,
  type CommandRunner
} from '../core/airflow-config'
import { AirlockError } from '../core/errors'
import { addSensitiveVarConnNames } from './redact'
import { decodeUtf8File } from '../core/codecs/utf8'

/** Options of `loadAirflowConfig`. */
export interface AirflowConfigFileOptions {
  /** The environment Airflow would see; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
  /** The airflow.cfg to read; default as Airflow finds it from the environment. */
  path?: string
  /** The Airflow version the profile is for, when known. */
  airflowVersion?: string | null
  /** Run `_cmd` commands (off by default: they are reported as not read). */
  allowCommands?: boolean
  /** How long one command may run; default 30 s. */
  commandTimeoutMs?: number
}

/** The profile and the file it came from. */
export interface LoadedAirflowConfig {
  path: string
  /** False when the file does not exist (Airflow would then write one from its defaults). */
  exists: boolean
  profile: AirflowRuntimeProfile
}

/** Airflow's `get_airflow_config(get_airflow_home())`. */
export function resolveAirflowConfigPath(
  env: Readonly<Record<string, string | undefined>>
): string {
  if (env.AIRFLOW_CONFIG !== undefined) return expandEnvVar(env.AIRFLOW_CONFIG, env).value
  const home = expandEnvVar(env.AIRFLOW_HOME ?? '~/airflow', env).value
  return join(home, 'airflow.cfg')
}

/** Python's `shlex.split(s)` (POSIX mode, no comments). Throws on an unclosed quote. */
export function shlexSplit(s: string): string[] {
  const tokens: string[] = []
  let token = ''
  let inToken = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quote === "'") {
      if (c === "'") quote = null
      else token += c
    } else if (quote === '"') {
      if (c === '"') quote = null
      else if (c === '\\' && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === '\\')) {
        token += s[++i]
      } else if (c === '\\' && i + 1 >= s.length) throw new Error('No closing quotation')
      else token += c
    } else if (c === "'" || c === '"') {
      quote = c
      inToken = true
    } else if (c === '\\') {
      if (i + 1 >= s.length) throw new Error('No escaped character')
      token += s[++i]
      inToken = true
    } else if (' \t\r\n'.includes(c)) {
      if (inToken) tokens.push(token)
      token = ''
      inToken = false
    } else {
      token += c
      inToken = true
    }
  }
  if (quote) throw new Error('No closing quotation')
  if (inToken) tokens.push(token)
  return tokens
}

/** A runner that executes a command as Airflow's `run_command` does. */
export function commandRunner(timeoutMs = 30_000): CommandRunner {
  return (command) => {
    const argv = shlexSplit(command)
    if (!argv.length) throw new Error('empty command')
    // child_process is loaded where a command runs (`_cmd` options): every read of the config
    // loads this module, and loading it was ~4 ms of each start (issue #22)
    const { execFileSync } = process.getBuiltinModule('node:child_process')
    const out = execFileSync(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024
    })
    // Python decodes with errors='ignore': undecodable bytes are dropped.
    return new TextDecoder('utf-8', { fatal: false }).decode(out).replace(/\uFFFD/g, '')
  }
}

/** Reads airflow.cfg (if any) and the environment into a runtime profile. */
export async function loadAirflowConfig(
  options: AirflowConfigFileOptions = {}
): Promise<LoadedAirflowConfig> {
  const env = options.env ?? process.env
  const path = options.path ?? resolveAirflowConfigPath(env)
  let text: string | null = null
  try {
    text = decodeUtf8File(await readFile(path), `The Airflow configuration file "${path}"`)
  } catch (error) {
    if (error instanceof AirlockError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM')
      throw new AirlockError(
        'backend.access-denied',
        `Airlock may not read the Airflow configuration file "${path}"; check its permissions.`,
        { cause: error }
      )
    if (code === 'EISDIR')
      throw new AirlockError(
        'usage',
        `"${path}" is a directory; point AIRFLOW_CONFIG (or the path) at the airflow.cfg file.`,
        { cause: error }
      )
    if (code !== 'ENOENT')
      throw new AirlockError(
        'backend.unreachable',
        `Reading the Airflow configuration file "${path}" failed (${code ?? 'error'}).`,
        { cause: error }
      )
    // a path the user named must exist; Airflow's own default location may not (Airflow
    // then writes a default airflow.cfg and runs with the defaults)
    if (options.path !== undefined)
      throw new AirlockError('usage', `The Airflow configuration file "${path}" does not exist.`, {
        cause: error
      })
  }
  const profile = readAirflowConfig(text, env, {
    airflowVersion: options.airflowVersion ?? null,
    fileName: path,
    ...(options.allowCommands ? { runCommand: commandRunner(options.commandTimeoutMs) } : {})
  })
  // Airflow hides these names in every display once its configuration is read; so do we.
  addSensitiveVarConnNames(profile.sensitiveVarConnNames.value)
  return { path, exists: text !== null, profile }
}
