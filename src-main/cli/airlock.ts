/**
 * The `airlock` command line: the same core the app uses, for scripts and terminals.
 * Exit codes: 0 ok, 1 some items failed (each reported on its line), 2 usage error.
 */
import { installRegexTimeLimit } from '../platform/regex-worker'
import { parseArgs } from 'node:util'
import { AirlockError } from '../core/errors'
import { addSensitiveVarConnNames, redactor } from '../platform/redact'
import { VERSION } from '../platform/version'
import { ALL_OPTIONS, COMMANDS, checkOptions, commandsHelp, type OptionSpec } from './command-table'
import { EXIT_ITEMS_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io'

export { VERSION }

export const HELP = `airlock ${VERSION} — move Airflow connections and variables, exactly as Airflow reads them

Usage: airlock <command> [options]

${commandsHelp()}
Options: -h, --help   this text;  -V, --version   the version
Exit codes: 0 ok, 1 some items failed (details on their lines), 2 usage error
Dialects: airflow2 = Airflow 2.3–2.11 and core 3.0.0–3.1.5; airflow3 = core 3.1.6+ / 3.2+;
          task-sdk = Airflow 3 workers.
`

function defaultIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }
}

/**
 * `--key -AbC…=`: a value that starts with "-" (1 Fernet key in 64 does) is taken as the
 * value of the string option before it, as `--key=-AbC…=` would be, unless it is itself one
 * of our options. Node's parseArgs would call it ambiguous.
 */
function joinDashValues(
  argv: readonly string[],
  options: Readonly<Record<string, OptionSpec>>
): string[] {
  const out: string[] = []
  const known = new Set(
    Object.entries(options).flatMap(([name, o]) => [
      `--${name}`,
      ...(o.short ? [`-${o.short}`] : [])
    ])
  )
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const next = argv[i + 1]
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    if (
      name &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      next.startsWith('-') &&
      !known.has(next.split('=')[0]!)
    ) {
      out.push(`${arg}=${next}`)
      i++
    } else out.push(arg)
  }
  return out
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: joinDashValues(argv, ALL_OPTIONS),
    allowPositionals: true,
    strict: true,
    options: ALL_OPTIONS
  })
  const [name, sub, ...rest] = positionals
  if (values.version) {
    io.stdout.write(`${VERSION}\n`)
    return EXIT_OK
  }
  if (values.help || name === undefined || name === 'help') {
    io.stdout.write(HELP)
    return EXIT_OK
  }
  const command = COMMANDS.get(name)
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`)
  checkOptions(command, name, Object.keys(values))
  const resolveProfile = async (profileName: string) => {
    const profiles = await (await import('./commands/profile')).openProfiles(io)
    return { profile: profiles.get(profileName), secrets: await profiles.secrets(profileName) }
  }
  return command.run({ io, name, sub, rest, values, resolveProfile })
}

/** Runs the CLI; resolves to the exit code. Never throws for bad input. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  // Lookup patterns from the user's kwargs run in a worker with a time limit (`serve` too).
  installRegexTimeLimit()
  // Airflow reads [core] sensitive_var_conn_names from the environment as well as airflow.cfg
  addSensitiveVarConnNames(io.env.AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES)
  try {
    return await dispatch(argv, io)
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError &&
        'code' in error &&
        String(error.code).startsWith('ERR_PARSE_ARGS'))
    if (error instanceof AirlockError) {
      io.stderr.write(`airlock: ${redactor.redact(error.cliMessage)}\n`)
      return error.code === 'usage' ? EXIT_USAGE : EXIT_ITEMS_FAILED
    }
    if (usage) {
      io.stderr.write(
        `airlock: ${redactor.redact((error as Error).message)}\nRun 'airlock --help' for usage.\n`
      )
      return EXIT_USAGE
    }
    io.stderr.write('airlock: internal error; please report it.\n')
    if (io.env.AIRLOCK_DEBUG)
      io.stderr.write(`${redactor.redact((error as Error).stack ?? String(error))}\n`)
    return 70
  }
}
