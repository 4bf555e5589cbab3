/**
 * The `airlock` commands as a table: each command owns its options, its help and its run;
 * `airlock --help` and the option parser are built from the table. Command modules load on
 * first use (the build splits them into chunks), so `--help` and `conn` do not pay for the
 * SDKs of every backend: a cold start stays close to Node's own.
 */
import type { parseArgs } from 'node:util'
import { PROFILE_KIND_IDS, SECRETS_SERVICE_KINDS } from '../contract/providers'
import type { EntryKind } from '../backends/backend'
import type { LocatorOptions } from '../operations/open-store'
import { connParse, connSerialize, dialectOption } from './commands/conn'
import { UsageError, type CliIo } from './io'
import { keyFromFlags } from './key-source'

/** One option as node:util parseArgs takes it. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
}

/** What a command is run with: the words after its name and every parsed flag. */
export interface CommandInput {
  io: CliIo
  /** The name it was called by (`apply`, `resume` and `rollback` share one command). */
  name: string
  /** The word after the name: a subcommand or the first argument. */
  sub: string | undefined
  rest: string[]
  values: OptionValues
  /** Looks up a saved profile (its secrets from the keychain) for `profile:NAME` locators. */
  resolveProfile: NonNullable<LocatorOptions['resolveProfile']>
}

/** A command of the table. */
export interface Command {
  /** The names it answers to. */
  names: readonly string[]
  /** Its lines of `airlock --help` (usage and summary), each ending in a newline. */
  help: string
  /** The flags it reads. */
  options: Readonly<Record<string, OptionSpec>>
  run(input: CommandInput): Promise<number>
}

/** A titled group of commands in `airlock --help`. */
export interface HelpSection {
  title: string
  commands: readonly Command[]
  /** Lines after the section's commands. */
  note?: string
}

const dialect = { dialect: { type: 'string' } } as const
const key = {
  key: { type: 'string' },
  'key-file': { type: 'string' },
  'key-stdin': { type: 'boolean' }
} as const
const kind = { kind: { type: 'string' } } as const
const json = { json: { type: 'boolean' } } as const

const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' }
} as const
const CONN_OPTIONS = { ...dialect } as const
const FERNET_OPTIONS = { ...key } as const
const LIST_OPTIONS = { ...kind, ...json, reveal: { type: 'boolean' }, ...dialect, ...key } as const
const EXPORT_OPTIONS = {
  to: { type: 'string' },
  format: { type: 'string' },
  'file-format': { type: 'string' },
  'serialization-format': { type: 'string' },
  ...kind,
  ...dialect,
  ...key
} as const
const ROTATE_OPTIONS = { ...key, ...kind, ...dialect } as const
const LOOKUP_OPTIONS = {
  backend: { type: 'string' },
  kwargs: { type: 'string' },
  conn: { type: 'string' },
  var: { type: 'string' },
  'provider-version': { type: 'string' },
  'multi-team': { type: 'boolean' },
  runtime: { type: 'string' },
  model: { type: 'string' },
  ...dialect
} as const
const EFFECTIVE_OPTIONS = {
  runtime: { type: 'string' },
  model: { type: 'string' },
  layer: { type: 'string', multiple: true },
  id: { type: 'string', multiple: true },
  ...kind,
  ...json,
  ...key
} as const
const DIFF_OPTIONS = {
  include: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  rename: { type: 'string', multiple: true },
  prefix: { type: 'string', multiple: true },
  ...kind,
  ...json,
  ...dialect,
  ...key
} as const
const PLAN_OPTIONS = {
  out: { type: 'string' },
  runtime: { type: 'string' },
  model: { type: 'string' },
  layer: { type: 'string', multiple: true },
  'on-conflict': { type: 'string' },
  'delete-extraneous': { type: 'boolean' },
  'retry-failed': { type: 'string' },
  ...DIFF_OPTIONS
} as const
const APPLY_OPTIONS = {
  source: { type: 'string' },
  target: { type: 'string' },
  force: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  ...dialect,
  ...key
} as const
const JOBS_OPTIONS = { ...json } as const
const AUDIT_OPTIONS = {
  since: { type: 'string' },
  action: { type: 'string', multiple: true },
  store: { type: 'string' },
  job: { type: 'string' },
  ...json
} as const
const PROFILE_OPTIONS = {
  kind: { type: 'string' },
  url: { type: 'string' },
  region: { type: 'string' },
  kwargs: { type: 'string' },
  auth: { type: 'string' },
  param: { type: 'string', multiple: true },
  'airflow-version': { type: 'string' },
  'secret-stdin': { type: 'boolean' },
  config: { type: 'string' },
  protected: { type: 'boolean' },
  'no-protected': { type: 'boolean' },
  ...json
} as const
const SERVE_OPTIONS = { port: { type: 'string' }, 'no-open': { type: 'boolean' } } as const

/**
 * Every flag of every command: what the command line is parsed with (so a flag's value is
 * never taken for a word). Each command then takes only the flags it declares
 * ({@link checkOptions}): another command's flag is a usage error naming who takes it, never
 * silently ignored.
 */
export const ALL_OPTIONS = {
  ...GLOBAL_OPTIONS,
  ...CONN_OPTIONS,
  ...FERNET_OPTIONS,
  ...LIST_OPTIONS,
  ...EXPORT_OPTIONS,
  ...ROTATE_OPTIONS,
  ...LOOKUP_OPTIONS,
  ...EFFECTIVE_OPTIONS,
  ...DIFF_OPTIONS,
  ...PLAN_OPTIONS,
  ...APPLY_OPTIONS,
  ...JOBS_OPTIONS,
  ...AUDIT_OPTIONS,
  ...PROFILE_OPTIONS,
  ...SERVE_OPTIONS
} as const

/** The parsed flags, typed by ALL_OPTIONS. */
export type OptionValues = ReturnType<
  typeof parseArgs<{ options: typeof ALL_OPTIONS; allowPositionals: true; strict: true }>
>['values']

const load = {
  fernet: () => import('./commands/fernet'),
  profile: () => import('./commands/profile'),
  engine: () => import('./commands/engine'),
  explain: () => import('./commands/explain'),
  jobs: () => import('./commands/jobs'),
  stores: () => import('./commands/stores'),
  openStore: () => import('../operations/open-store'),
  serve: () => import('./commands/serve'),
  keystore: () => import('./commands/keystore')
}

/**
 * `--kind conn|var` (both when absent). Here, not beside `list`: `plan`, `diff` and `effective`
 * take it without loading the `list`/`export` command module (issue #22).
 */
function kindOption(value: string | undefined): EntryKind[] | undefined {
  if (value === undefined) return undefined
  if (value === 'conn' || value === 'connection' || value === 'connections') return ['connection']
  if (value === 'var' || value === 'variable' || value === 'variables') return ['variable']
  throw new UsageError(`--kind must be conn or var (got ${JSON.stringify(value)})`)
}

function noSub(sub: string | undefined): void {
  if (sub !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(sub)}`)
}

function noMore(rest: readonly string[], max: number): void {
  if (rest.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(rest[max])}`)
}

const conn: Command = {
  names: ['conn'],
  help: `  conn parse [--dialect D] [VALUE]   parse a URI or connection JSON (an AIRFLOW_CONN_* value);
                                     without VALUE, one value per stdin line
  conn uri   [--dialect D]           stdin: JSON fields per line; stdout: get_uri() per line
  conn json  [--dialect D]           stdin: JSON fields per line; stdout: as_json() per line
`,
  options: CONN_OPTIONS,
  run: async ({ io, sub, rest, values }) => {
    const d = dialectOption(values.dialect)
    if (sub === 'parse') {
      noMore(rest, 1)
      return connParse(io, d, rest[0])
    }
    if (sub === 'uri' || sub === 'json') {
      noMore(rest, 0)
      return connSerialize(io, d, sub)
    }
    throw new UsageError(`unknown conn command ${JSON.stringify(sub ?? '')} (parse, uri, json)`)
  }
}

const fernet: Command = {
  names: ['fernet'],
  help: `  fernet generate-key                print a new key
  fernet encrypt [--key-file F]      stdin: one JSON string (plaintext) per line; stdout: tokens
  fernet decrypt [--key-file F]      stdin: one token per line; stdout: {"plaintext": …} or {"error": …}
  fernet rotate  [--key-file F]      stdin: tokens; stdout: tokens re-encrypted with the first key
`,
  options: FERNET_OPTIONS,
  run: async ({ io, sub, rest, values }) => {
    noMore(rest, 0)
    if (sub === undefined)
      throw new UsageError('fernet needs a command (generate-key, encrypt, decrypt, rotate)')
    const given =
      sub === 'generate-key' ? undefined : await keyFromFlags(io, values, `fernet ${sub}`)
    return (await load.fernet()).fernetCommand(io, sub, given)
  }
}

/** `list`, `export`, `rotate-fernet-key`: one store, opened by its locator. */
async function runOnStore(input: CommandInput): Promise<number> {
  const { io, name, sub: locator, rest, values } = input
  const { LOCATOR_SCHEMES, withStore } = await load.openStore()
  const { exportCommand, listCommand, rotateCommand } = await load.stores()
  if (!locator)
    throw new UsageError(
      `${name} needs a store, e.g. ${name} demo: (stores: ${LOCATOR_SCHEMES.map((x) => x + ':').join(' ')})`
    )
  noMore(rest, 0)
  const kinds = kindOption(values.kind)
  const d = dialectOption(values.dialect)
  const options = {
    dialect: d,
    dialectGiven: values.dialect !== undefined,
    kinds,
    fernetKey: (await keyFromFlags(io, values))?.setting,
    env: io.env,
    resolveProfile: input.resolveProfile,
    // rotate works on a metadata DB only, never on one of the file stores checked here.
    ...(name === 'rotate-fernet-key'
      ? {}
      : { mustExist: `${name} reads it (a missing file would read as an empty store).` })
  }
  return withStore(locator, options, async (backend) => {
    if (name === 'list')
      return listCommand(io, backend, kinds, Boolean(values.json), Boolean(values.reveal))
    if (name === 'export') {
      if (!values.to) throw new UsageError('export needs --to FILE')
      return exportCommand(io, backend, {
        to: values.to,
        format: values.format,
        kind: kinds,
        dialect: d,
        airflow: {
          fileFormat: values['file-format'],
          serializationFormat: values['serialization-format']
        }
      })
    }
    return rotateCommand(io, backend)
  })
}

const list: Command = {
  names: ['list'],
  help: `  list <store> [--kind conn|var] [--json] [--reveal]   what the store holds (values masked)
`,
  options: LIST_OPTIONS,
  run: runOnStore
}

const exportStore: Command = {
  names: ['export'],
  help: `  export <store> --to FILE [--format json|yaml|uri|env] [--kind conn|var] [--dialect D]
                                     write it as Airflow's export files (json, yaml, uri = id=URI
                                     lines) or as AIRFLOW_CONN_*/AIRFLOW_VAR_* lines (env)
  export <store> --to FILE [--file-format json|yaml|env] [--serialization-format uri|json]
                                     the same with Airflow's own flags: byte-identical to
                                     airflow connections export / variables export (--kind var)
`,
  options: EXPORT_OPTIONS,
  run: runOnStore
}

const rotateFernetKey: Command = {
  names: ['rotate-fernet-key'],
  help: `  rotate-fernet-key <store> --key-file F   re-encrypt a metadata DB with the first key (F: NEW,OLD)
`,
  options: ROTATE_OPTIONS,
  run: runOnStore
}

const explain: Command = {
  names: ['explain'],
  help: `  explain --backend B [--kwargs JSON] (--conn ID | --var KEY) [--multi-team]
                                     the name Airflow asks the service for, {"disabled": …} or
                                     {"error": …}; without --conn/--var, stdin JSON Lines
                                     {"backend", "kwargs", "kind", "key"}
  explain --runtime demo|airflow-config:PATH [--model M] (--conn ID | --var KEY)
                                     every layer of that runtime, in order
`,
  options: LOOKUP_OPTIONS,
  run: async ({ io, sub, values }) => {
    noSub(sub)
    return (await load.explain()).explainCommand(io, values)
  }
}

const decode: Command = {
  names: ['decode'],
  help: `  decode --backend B [--kwargs JSON] (--conn ID | --var KEY) [--dialect D]
                                     stdin: the stored value as JSON per line (Vault: the data
                                     object); stdout: what Airflow returns (fields, {"value"},
                                     {"not_found": true}); batch: {"backend", …, "stored"} lines
`,
  options: LOOKUP_OPTIONS,
  run: async ({ io, sub, values }) => {
    noSub(sub)
    return (await load.explain()).decodeCommand(io, values)
  }
}

const effective: Command = {
  names: ['effective'],
  help: `  effective --runtime demo|airflow-config:PATH [--model airflow2|airflow3-server|airflow3-worker|astro]
            [--layer ROLE=STORE]… [--id ID]… [--kind conn|var] [--json]
                                     which layer Airflow reads each id from, and what it shadows
`,
  options: EFFECTIVE_OPTIONS,
  run: async ({ io, sub, values, resolveProfile }) => {
    noSub(sub)
    const fernetKey = (await keyFromFlags(io, values))?.setting
    return (await load.engine()).effectiveCommand(io, values, kindOption(values.kind), {
      fernetKey,
      env: io.env,
      resolveProfile
    })
  }
}

/** `plan` and `diff`: two stores (`plan --retry-failed JOB`: the job's own, or none). */
async function runOnPair(input: CommandInput): Promise<number> {
  const { io, name, sub, rest, values } = input
  const [target, ...more] = rest
  const retry = values['retry-failed']
  if (retry !== undefined) {
    if (sub !== undefined && target === undefined)
      throw new UsageError(
        'plan --retry-failed JOB takes both the source and the target, or neither'
      )
    if (more.length) throw new UsageError(`unexpected argument ${JSON.stringify(more[0])}`)
    for (const flag of [...RETRY_SHAPED, 'dialect'] as const)
      if (values[flag] !== undefined)
        throw new UsageError(
          `--${flag} is not for plan --retry-failed: the retry plan maps each failed item as the job did, in its dialect`
        )
    const { retryPlanCommand } = await load.engine()
    return retryPlanCommand(io, retry, sub, target, values, {
      fernetKey: (await keyFromFlags(io, values))?.setting,
      env: io.env,
      resolveProfile: input.resolveProfile
    })
  }
  if (!sub || !target) throw new UsageError(`${name} needs a source and a target store`)
  if (more.length) throw new UsageError(`unexpected argument ${JSON.stringify(more[0])}`)
  const d = dialectOption(values.dialect)
  const { planCommand } = await load.engine()
  const fernetKey = (await keyFromFlags(io, values))?.setting
  return planCommand(io, name as 'plan' | 'diff', sub, target, values, kindOption(values.kind), d, {
    dialect: d,
    fernetKey,
    dialectGiven: values.dialect !== undefined,
    env: io.env,
    resolveProfile: input.resolveProfile
  })
}

/** The flags that shape a plan, which a retry plan takes from the job instead. */
const RETRY_SHAPED = [
  'include',
  'exclude',
  'rename',
  'prefix',
  'on-conflict',
  'delete-extraneous',
  'kind',
  'runtime',
  'model',
  'layer'
] as const

const planStores: Command = {
  names: ['plan'],
  help: `  plan SOURCE TARGET [--out plan.json] [--include GLOB]… [--exclude GLOB]… [--rename OLD=NEW]…
       [--prefix OLD=NEW]… [--on-conflict skip|overwrite|fail] [--delete-extraneous] [--dialect D]
       [--runtime demo|airflow-config:PATH [--model M] [--layer ROLE=STORE]…]
                                     --runtime: the cutover preview, what Airflow reads after the
                                     apply (new value, already equal, or shadowed by a layer above)
  plan --retry-failed JOB [SOURCE TARGET] [--out plan.json] [--json]
                                     a plan of just the items JOB failed, made again against its
                                     stores as they are now; apply it as any plan. SOURCE TARGET:
                                     the job's own stores (with the password its record leaves out)
`,
  options: PLAN_OPTIONS,
  run: runOnPair
}

const diff: Command = {
  names: ['diff'],
  help: `  diff A B [--kind conn|var] [--json]   + only in A, - only in B, ~ differs (fields named, never values)
`,
  options: DIFF_OPTIONS,
  run: runOnPair
}

const apply: Command = {
  names: ['apply', 'resume', 'rollback'],
  help: `  apply plan.json [--source S] [--target T] [--yes]   refuses a plan edited since airlock plan
                                     signed it, and items that changed since the plan
  resume JOB [--target T] | jobs [--json]   --target: the job's own store, named another way
  rollback JOB [--target T] [--force] [--yes]   skips items changed since the job (--force restores them)
                                     a protected profile's store asks for its name at a terminal;
                                     --yes confirms (without a terminal it is required: exit 2)
`,
  options: APPLY_OPTIONS,
  run: async ({ io, name, sub, rest, values, resolveProfile }) => {
    if (!sub)
      throw new UsageError(
        name === 'apply' ? 'apply needs a plan file' : `${name} needs a job id (see airlock jobs)`
      )
    if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`)
    if (name === 'resume' && values.yes)
      throw new UsageError(
        '--yes is for airlock apply and rollback; resume finishes a confirmed job'
      )
    if (name !== 'apply' && values.source !== undefined)
      throw new UsageError(`--source is for airlock apply; ${name} works on the job's target only`)
    const options = {
      dialect: dialectOption(values.dialect),
      fernetKey: (await keyFromFlags(io, values))?.setting,
      env: io.env,
      resolveProfile
    }
    const { applyCommand, jobCommand } = await load.jobs()
    return name === 'apply'
      ? applyCommand(io, sub, values, options)
      : jobCommand(io, name as 'resume' | 'rollback', sub, values, options)
  }
}

const jobs: Command = {
  names: ['jobs'],
  // `jobs [--json]` is listed on the line of resume.
  help: `  jobs show JOB [--json]             one job: every item's outcome (applied, failed with its reason,
                                     refused, skipped, pending; retries), each run's duration, rate
                                     over time, requests, throttling; its plan, snapshot, rollback
`,
  options: JOBS_OPTIONS,
  run: async ({ io, sub, rest, values }) => {
    if (sub === 'show') {
      if (!rest[0]) throw new UsageError('jobs show needs a job id (see airlock jobs)')
      noMore(rest, 1)
      return (await load.jobs()).jobShowCommand(io, rest[0], Boolean(values.json))
    }
    noSub(sub)
    return (await load.jobs()).jobsCommand(io, Boolean(values.json))
  }
}

const audit: Command = {
  names: ['audit'],
  help: `  audit [--since TIME|24h|7d] [--action A]… [--store S] [--job ID] [--json]
                                     the audit log, oldest first: who ran which job action when, on
                                     which stores, with counts and ids (never a value); --json: JSON
                                     Lines, one record each (what the app exports)
`,
  options: AUDIT_OPTIONS,
  run: async ({ io, sub, values }) => {
    noSub(sub)
    return (await load.jobs()).auditCommand(io, values)
  }
}

const profile: Command = {
  names: ['profile'],
  help: `  profile add NAME --kind ${PROFILE_KIND_IDS.join('|')}
              [--url U] [--region R] [--kwargs JSON] [--auth METHOD] [--param k=v]... [--airflow-version V]
              [--secret-stdin]   secrets from stdin (one value, or a JSON object); else a hidden prompt
              [--protected]      production: apply and rollback into it ask for its name (or --yes)
  profile list [--json] | show NAME | edit NAME [flags] [--protected|--no-protected] | rename OLD NEW | remove NAME
  profile test NAME                  connect and list (writes nothing)
  profile import PREFIX [--config airflow.cfg]   profiles from what Airflow's configuration uses
`,
  options: PROFILE_OPTIONS,
  run: async ({ io, sub, rest, values }) =>
    (await load.profile()).profileCommand(io, sub, rest, values)
}

const serve: Command = {
  names: ['serve'],
  help: `  serve [--port N] [--no-open]       print a one-time link (http://127.0.0.1:PORT/#code=…; Enter: another) and serve
`,
  options: SERVE_OPTIONS,
  run: async ({ io, sub, values }) => {
    noSub(sub)
    return (await load.serve()).serveCommand(io, values)
  }
}

const keystore: Command = {
  names: ['keystore'],
  help: `  keystore init                      create the passphrase store (hidden prompt twice, or AIRLOCK_PASSPHRASE)
  keystore status                    which store holds secrets in this run, and the store's file
`,
  options: {},
  run: async ({ io, sub, rest }) => {
    noMore(rest, 0)
    return (await load.keystore()).keystoreCommand(io, sub)
  }
}

/** The commands by section, in the order `airlock --help` lists them. */
export const HELP_SECTIONS: readonly HelpSection[] = [
  {
    title: `Connections (Airflow's own codecs; --dialect airflow2 | airflow3 (default) | task-sdk):`,
    commands: [conn]
  },
  {
    title: `Fernet (key from --key-file PATH (owner-only), --key-stdin (not with encrypt/decrypt/rotate: stdin is
        their input), else AIRFLOW__CORE__FERNET_KEY; a comma-separated list, first encrypts;
        --key K is deprecated: the key shows in ps and shell history):`,
    commands: [fernet]
  },
  {
    title: `Stores (a locator names one: metadb:postgresql://user:pw@host/airflow, metadb:sqlite:////abs/airflow.db,
        airflow-config:./airflow.cfg, env:, envfile:./.env, airflow-export:./connections.json,
        lfs:./connections.yaml, astro:./airflow_settings.yaml, demo:, demo-env:):`,
    commands: [list, exportStore, rotateFernetKey],
    note: `  A metadata DB's Fernet key list comes from --key-file PATH or --key-stdin (a hidden prompt at a
  terminal), else the store (a metadb: profile's key in the keychain, airflow-config:'s fernet_key),
  else AIRFLOW__CORE__FERNET_KEY; list, export, effective, plan, diff, apply, resume and rollback take them.
`
  },
  {
    title: `Where Airflow looks, and what it reads (--provider-version V picks an older provider's rules;
        backends: ${SECRETS_SERVICE_KINDS.join(', ')}):`,
    commands: [explain, decode]
  },
  { title: 'Precedence and migration previews:', commands: [effective, planStores, diff] },
  {
    title: `Applying plans (journaled; the target's previous values are snapshotted, encrypted, key in the keychain):`,
    commands: [apply, jobs, audit]
  },
  {
    title: `Profiles (settings in ~/.config/airlock/settings.json, secrets in the OS keychain; usable as
metadb:NAME or profile:NAME wherever a store is asked for):`,
    commands: [profile]
  },
  {
    title: `Where secrets are kept (the OS keychain; else, chosen with AIRLOCK_PASSPHRASE or at a prompt, an
encrypted passphrase store beside settings.json; else memory for this run only):`,
    commands: [keystore]
  },
  {
    title: `The app in a browser (loopback only, per-run token; the desktop app serves the same screens):`,
    commands: [serve]
  }
]

/** Every command, by each of its names. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  HELP_SECTIONS.flatMap((s) => s.commands.flatMap((c) => c.names.map((n) => [n, c] as const)))
)

/** The sections of `airlock --help`, generated from the table. */
export function commandsHelp(): string {
  return HELP_SECTIONS.map(
    (s) => `${s.title}\n${s.commands.map((c) => c.help).join('')}${s.note ?? ''}`
  ).join('\n')
}

/**
 * The flags that shape a plan. The plan file holds what they were when it was made (and is
 * signed over it), so `apply` cannot take them: they would be ignored.
 */
const PLAN_SHAPING: ReadonlySet<string> = new Set([
  'include',
  'exclude',
  'rename',
  'prefix',
  'on-conflict',
  'delete-extraneous',
  'kind'
])

/**
 * Refuses (usage error, exit 2) any flag `command` does not declare, naming the commands that
 * take it; a plan-shaping flag given to apply/resume/rollback says it belongs to `plan`.
 * `given` are the flags parsed (without their dashes); `name` is the name it was called by.
 */
export function checkOptions(command: Command, name: string, given: Iterable<string>): void {
  for (const flag of given) {
    // --dialect is resume's and rollback's (the store reopened), but apply's plan holds its own
    const shapes =
      command === apply && (PLAN_SHAPING.has(flag) || (name === 'apply' && flag === 'dialect'))
    if (!shapes && (Object.hasOwn(GLOBAL_OPTIONS, flag) || Object.hasOwn(command.options, flag)))
      continue
    if (shapes)
      throw new UsageError(
        `--${flag} shapes a plan: it is for airlock plan, not ${name} (a plan file is applied as it was made; make the plan again with --${flag})`
      )
    const owners = HELP_SECTIONS.flatMap((s) => s.commands)
      .filter((c) => Object.hasOwn(c.options, flag))
      .flatMap((c) => c.names)
    throw new UsageError(`--${flag} is for airlock ${owners.join(', ')}; ${name} does not take it`)
  }
}
