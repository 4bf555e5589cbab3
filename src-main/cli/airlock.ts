/**
 * The `airlock` command line: the same core the app uses, for scripts and terminals.
 * Exit codes: 0 ok, 1 some items failed (each reported on its line), 2 usage error.
 */
import { parseArgs } from 'node:util'
import { connParse, connSerialize, dialectOption } from './commands/conn'
import { AirlockError } from '../core/errors'
import { EXIT_ITEMS_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliIo } from './io'
import { VERSION } from '../platform/version'

export { VERSION }

/**
 * Command modules load on first use (the build splits them into chunks), so `--help` and
 * `conn` do not pay for the SDKs of every backend: a cold start stays close to Node's own.
 */
const load = {
  fernet: () => import('./commands/fernet'),
  profile: () => import('./commands/profile'),
  engine: () => import('./commands/engine'),
  explain: () => import('./commands/explain'),
  jobs: () => import('./commands/jobs'),
  stores: () => import('./commands/stores'),
  openStore: () => import('../operations/open-store'),
  serve: () => import('./commands/serve')
}

export const HELP = `airlock ${VERSION} — move Airflow connections and variables, exactly as Airflow reads them

Usage: airlock <command> [options]

Connections (Airflow's own codecs; --dialect airflow2 | airflow3 (default) | task-sdk):
  conn parse [--dialect D] [VALUE]   parse a URI or connection JSON (an AIRFLOW_CONN_* value);
                                     without VALUE, one value per stdin line
  conn uri   [--dialect D]           stdin: JSON fields per line; stdout: get_uri() per line
  conn json  [--dialect D]           stdin: JSON fields per line; stdout: as_json() per line

Fernet (key from --key or AIRFLOW__CORE__FERNET_KEY; a comma-separated list, first encrypts):
  fernet generate-key                print a new key
  fernet encrypt [--key K]           stdin: one JSON string (plaintext) per line; stdout: tokens
  fernet decrypt [--key K]           stdin: one token per line; stdout: {"plaintext": …} or {"error": …}
  fernet rotate  [--key K]           stdin: tokens; stdout: tokens re-encrypted with the first key

Stores (a locator names one: metadb:postgresql://user:pw@host/airflow, metadb:sqlite:////abs/airflow.db,
        airflow-config:./airflow.cfg, env:, envfile:./.env, airflow-export:./connections.json,
        lfs:./connections.yaml, astro:./airflow_settings.yaml, demo:, demo-env:):
  list <store> [--kind conn|var] [--json] [--reveal]   what the store holds (values masked)
  export <store> --to FILE [--format json|yaml|uri|env] [--kind conn|var] [--dialect D]
                                     write it as Airflow's export files (json, yaml, uri = id=URI
                                     lines) or as AIRFLOW_CONN_*/AIRFLOW_VAR_* lines (env)
  export <store> --to FILE [--file-format json|yaml|env] [--serialization-format uri|json]
                                     the same with Airflow's own flags: byte-identical to
                                     airflow connections export / variables export (--kind var)
  rotate-fernet-key <store> --key NEW,OLD   re-encrypt a metadata DB with the first key
  A metadata DB's Fernet key list comes from --key, else AIRFLOW__CORE__FERNET_KEY.

Where Airflow looks, and what it reads (backends: vault, aws-secrets-manager, aws-ssm,
        azure-key-vault, gcp-secret-manager; --provider-version V picks an older provider's rules):
  explain --backend B [--kwargs JSON] (--conn ID | --var KEY) [--multi-team]
                                     the name Airflow asks the service for, {"disabled": …} or
                                     {"error": …}; without --conn/--var, stdin JSON Lines
                                     {"backend", "kwargs", "kind", "key"}
  explain --runtime demo|airflow-config:PATH [--model M] (--conn ID | --var KEY)
                                     every layer of that runtime, in order
  decode --backend B [--kwargs JSON] (--conn ID | --var KEY) [--dialect D]
                                     stdin: the stored value as JSON per line (Vault: the data
                                     object); stdout: what Airflow returns (fields, {"value"},
                                     {"not_found": true}); batch: {"backend", …, "stored"} lines

Precedence and migration previews:
  effective --runtime demo|airflow-config:PATH [--model airflow2|airflow3-server|airflow3-worker|astro]
            [--layer ROLE=STORE]… [--id ID]… [--kind conn|var] [--json]
                                     which layer Airflow reads each id from, and what it shadows
  plan SOURCE TARGET [--out plan.json] [--include GLOB]… [--exclude GLOB]… [--rename OLD=NEW]…
       [--prefix OLD=NEW]… [--on-conflict skip|overwrite|fail] [--delete-extraneous] [--dialect D]
  diff A B [--kind conn|var] [--json]   + only in A, - only in B, ~ differs (fields named, never values)

Applying plans (journaled; the target's previous values are snapshotted, encrypted, key in the keychain):
  apply plan.json [--source S] [--target T]   refuses items that changed since the plan
  resume JOB | rollback JOB | jobs [--json]

Profiles (settings in ~/.config/airlock/settings.json, secrets in the OS keychain; usable as
metadb:NAME or profile:NAME wherever a store is asked for):
  profile add NAME --kind metadb|vault|aws-secrets-manager|aws-ssm|azure-key-vault|gcp-secret-manager
              [--url U] [--region R] [--kwargs JSON] [--auth METHOD] [--param k=v]... [--airflow-version V]
              [--secret-stdin]   secrets from stdin (one value, or a JSON object); else a hidden prompt
  profile list [--json] | show NAME | edit NAME [flags] | rename OLD NEW | remove NAME
  profile test NAME                  connect and list (writes nothing)
  profile import PREFIX [--config airflow.cfg]   profiles from what Airflow's configuration uses

The app in a browser (loopback only, per-run token; the desktop app serves the same screens):
  serve [--port N] [--no-open]       print a one-time link (http://127.0.0.1:PORT/#code=…; Enter: another) and serve

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
  options: Record<string, { type: string; short?: string }>
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
  const options = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'V' },
    dialect: { type: 'string' },
    key: { type: 'string' },
    kind: { type: 'string' },
    json: { type: 'boolean' },
    reveal: { type: 'boolean' },
    to: { type: 'string' },
    format: { type: 'string' },
    url: { type: 'string' },
    region: { type: 'string' },
    kwargs: { type: 'string' },
    auth: { type: 'string' },
    param: { type: 'string', multiple: true },
    'airflow-version': { type: 'string' },
    'secret-stdin': { type: 'boolean' },
    config: { type: 'string' },
    runtime: { type: 'string' },
    model: { type: 'string' },
    layer: { type: 'string', multiple: true },
    id: { type: 'string', multiple: true },
    out: { type: 'string' },
    include: { type: 'string', multiple: true },
    exclude: { type: 'string', multiple: true },
    rename: { type: 'string', multiple: true },
    prefix: { type: 'string', multiple: true },
    'on-conflict': { type: 'string' },
    'delete-extraneous': { type: 'boolean' },
    source: { type: 'string' },
    target: { type: 'string' },
    backend: { type: 'string' },
    conn: { type: 'string' },
    var: { type: 'string' },
    'provider-version': { type: 'string' },
    'multi-team': { type: 'boolean' },
    'file-format': { type: 'string' },
    'serialization-format': { type: 'string' },
    port: { type: 'string' },
    'no-open': { type: 'boolean' }
  } as const
  const { values, positionals } = parseArgs({
    args: joinDashValues(argv, options),
    allowPositionals: true,
    strict: true,
    options
  })
  const [group, sub, ...rest] = positionals
  if (values.version) {
    io.stdout.write(`${VERSION}\n`)
    return EXIT_OK
  }
  if (values.help || group === undefined || group === 'help') {
    io.stdout.write(HELP)
    return EXIT_OK
  }
  const noMore = (max: number): void => {
    if (rest.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(rest[max])}`)
  }
  if (group === 'conn') {
    if (values.key !== undefined) throw new UsageError('--key is for fernet commands')
    const dialect = dialectOption(values.dialect)
    if (sub === 'parse') {
      noMore(1)
      return connParse(io, dialect, rest[0])
    }
    if (sub === 'uri' || sub === 'json') {
      noMore(0)
      return connSerialize(io, dialect, sub)
    }
    throw new UsageError(`unknown conn command ${JSON.stringify(sub ?? '')} (parse, uri, json)`)
  }
  if (group === 'fernet') {
    if (values.dialect !== undefined) throw new UsageError('--dialect is for conn commands')
    noMore(0)
    if (sub === undefined)
      throw new UsageError('fernet needs a command (generate-key, encrypt, decrypt, rotate)')
    return (await load.fernet()).fernetCommand(io, sub, values.key)
  }
  if (group === 'profile') return (await load.profile()).profileCommand(io, sub, rest, values)
  if (group === 'explain' || group === 'decode') {
    if (sub !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(sub)}`)
    const { decodeCommand, explainCommand } = await load.explain()
    return group === 'explain' ? explainCommand(io, values) : decodeCommand(io, values)
  }
  const resolveProfile = async (name: string) => {
    const profiles = await (await load.profile()).openProfiles(io)
    return { profile: profiles.get(name), secrets: await profiles.secrets(name) }
  }
  const { kindOption } = await load.stores()
  if (group === 'effective') {
    if (sub !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(sub)}`)
    return (await load.engine()).effectiveCommand(io, values, kindOption(values.kind), {
      fernetKey: values.key,
      env: io.env,
      resolveProfile
    })
  }
  if (group === 'apply' || group === 'resume' || group === 'rollback') {
    if (!sub)
      throw new UsageError(
        group === 'apply' ? 'apply needs a plan file' : `${group} needs a job id (see airlock jobs)`
      )
    if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`)
    const options = {
      dialect: dialectOption(values.dialect),
      fernetKey: values.key,
      env: io.env,
      resolveProfile
    }
    const { applyCommand, jobCommand } = await load.jobs()
    return group === 'apply'
      ? applyCommand(io, sub, values, options)
      : jobCommand(io, group, sub, values, options)
  }
  if (group === 'jobs') {
    if (sub !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(sub)}`)
    return (await load.jobs()).jobsCommand(io, Boolean(values.json))
  }
  if (group === 'serve') {
    if (sub !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(sub)}`)
    return (await load.serve()).serveCommand(io, values)
  }
  if (group === 'plan' || group === 'diff') {
    const [target, ...more] = rest
    if (!sub || !target) throw new UsageError(`${group} needs a source and a target store`)
    if (more.length) throw new UsageError(`unexpected argument ${JSON.stringify(more[0])}`)
    const dialect = dialectOption(values.dialect)
    const { planCommand } = await load.engine()
    return planCommand(io, group, sub, target, values, kindOption(values.kind), dialect, {
      dialect,
      fernetKey: values.key,
      env: io.env,
      resolveProfile
    })
  }
  if (group === 'list' || group === 'export' || group === 'rotate-fernet-key') {
    const locator = sub
    const { LOCATOR_SCHEMES, openLocator, requireStoreFile } = await load.openStore()
    const { exportCommand, listCommand, rotateCommand } = await load.stores()
    if (!locator)
      throw new UsageError(
        `${group} needs a store, e.g. ${group} demo: (stores: ${LOCATOR_SCHEMES.map((x) => x + ':').join(' ')})`
      )
    if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`)
    const kinds = kindOption(values.kind)
    const dialect = dialectOption(values.dialect)
    if (group !== 'rotate-fernet-key')
      requireStoreFile(locator, `${group} reads it (a missing file would read as an empty store).`)
    const backend = await openLocator(locator, {
      dialect,
      kinds,
      fernetKey: values.key,
      env: io.env,
      resolveProfile
    })
    try {
      if (group === 'list')
        return await listCommand(io, backend, kinds, Boolean(values.json), Boolean(values.reveal))
      if (group === 'export') {
        if (!values.to) throw new UsageError('export needs --to FILE')
        return await exportCommand(io, backend, {
          to: values.to,
          format: values.format,
          kind: kinds,
          dialect,
          airflow: {
            fileFormat: values['file-format'],
            serializationFormat: values['serialization-format']
          }
        })
      }
      return await rotateCommand(io, backend)
    } finally {
      await backend.close?.()
    }
  }
  throw new UsageError(`unknown command ${JSON.stringify(group)}`)
}

/** Runs the CLI; resolves to the exit code. Never throws for bad input. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  try {
    return await dispatch(argv, io)
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      (error instanceof TypeError &&
        'code' in error &&
        String(error.code).startsWith('ERR_PARSE_ARGS'))
    if (error instanceof AirlockError) {
      io.stderr.write(`airlock: ${error.userMessage}\n`)
      return error.code === 'usage' ? EXIT_USAGE : EXIT_ITEMS_FAILED
    }
    if (usage) {
      io.stderr.write(`airlock: ${(error as Error).message}\nRun 'airlock --help' for usage.\n`)
      return EXIT_USAGE
    }
    io.stderr.write('airlock: internal error; please report it.\n')
    if (io.env.AIRLOCK_DEBUG) io.stderr.write(`${(error as Error).stack ?? String(error)}\n`)
    return 70
  }
}
