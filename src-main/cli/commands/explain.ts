/**
 * `airlock explain` — where Airflow's secrets backend looks for an id — and `airlock
 * decode` — what it makes of the value stored there. The rules live in
 * core/airflow-secrets; this file reads arguments and stdin and prints one JSON object per
 * item, as `conn parse` does.
 */
import { explainLayer } from '../../core/airflow-secrets/runtime'
import { AirlockError, CodecError } from '../../core/errors'
import { kwargsLimitProblem } from '../../core/json-limits'
import {
  LOOKUP_BACKENDS,
  decodeOutcomeToPy,
  decodeStored,
  explainLookup,
  explanationToPy,
  type LookupBackend,
  type LookupKind,
  type LookupOptions
} from '../../core/airflow-secrets'
import {
  PyDict,
  PyJsonDecodeError,
  pyJsonDumps,
  pyJsonLoads,
  pyToPlain,
  type PyValue
} from '../../core/codecs/py-json'
import { parseDialect } from '../../core/dialect'
import type { Dialect } from '../../core/model'
import { RUNTIME_MODELS, type RuntimeModelId } from '../../core/precedence'
import { loadAirflowConfig } from '../../platform/airflow-config-file'
import { EXIT_ITEMS_FAILED, EXIT_OK, UsageError, readLines, writeLine, type CliIo } from '../io'
import { errorLine, readJsonObjectLine } from './common'

/** The flags of `explain` and `decode`. */
export interface LookupFlags {
  backend?: string
  kwargs?: string
  conn?: string
  var?: string
  dialect?: string
  'provider-version'?: string
  'multi-team'?: boolean
  runtime?: string
  model?: string
}

function backendOption(value: string): LookupBackend {
  if ((LOOKUP_BACKENDS as readonly string[]).includes(value)) return value as LookupBackend
  throw new UsageError(`--backend must be one of ${LOOKUP_BACKENDS.join(', ')}`)
}

function kwargsObject(value: PyValue): Record<string, unknown> {
  if (value === null) return {}
  if (!(value instanceof PyDict))
    throw new CodecError('backend_kwargs must be a JSON object.', 'codec.invalid-json')
  return pyToPlain(value) as Record<string, unknown>
}

function kwargsOption(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {}
  let kwargs: Record<string, unknown>
  try {
    kwargs = kwargsObject(pyJsonLoads(text))
  } catch (error) {
    if (error instanceof AirlockError)
      throw new UsageError(`--kwargs must be a JSON object (${error.userMessage})`)
    throw error
  }
  const tooBig = kwargsLimitProblem(kwargs)
  if (tooBig) throw new UsageError(`--kwargs ${tooBig}`)
  return kwargs
}

/** `--conn ID` / `--var KEY`, or undefined for the batch form. */
function targetOption(flags: LookupFlags): { kind: LookupKind; key: string } | undefined {
  if (flags.conn !== undefined && flags.var !== undefined)
    throw new UsageError('give --conn ID or --var KEY, not both')
  if (flags.conn !== undefined) return { kind: 'connection', key: flags.conn }
  if (flags.var !== undefined) return { kind: 'variable', key: flags.var }
  return undefined
}

function optionsFrom(flags: LookupFlags, io: CliIo): LookupOptions {
  let dialect: Dialect = 'airflow3'
  if (flags.dialect !== undefined) {
    const d = parseDialect(flags.dialect)
    if (!d) throw new UsageError('--dialect must be airflow2, airflow3 or task-sdk')
    dialect = d
  }
  const options: LookupOptions = { dialect, env: io.env, multiTeam: Boolean(flags['multi-team']) }
  if (flags['provider-version'] !== undefined) {
    if (!/^\d+(\.\d+)*$/.test(flags['provider-version']))
      throw new UsageError('--provider-version takes a release number such as 4.7.1')
    options.providerVersion = flags['provider-version']
  }
  return options
}

/** One item of the batch form: `{"backend", "kwargs", "kind", "key"[, "stored"]}`. */
interface BatchItem {
  backend: LookupBackend
  kwargs: Record<string, unknown>
  kind: LookupKind
  key: string
  stored?: PyValue
  options: LookupOptions
}

function readBatchItem(line: string, base: LookupOptions, withStored: boolean): BatchItem {
  const obj = readJsonObjectLine(line, 'Each input line must be a JSON object.')
  const backend = obj.get('backend')
  if (typeof backend !== 'string' || !(LOOKUP_BACKENDS as readonly string[]).includes(backend))
    throw new CodecError(
      `"backend" must be one of ${LOOKUP_BACKENDS.join(', ')}.`,
      'codec.invalid-field'
    )
  const kind = obj.get('kind')
  if (kind !== 'connection' && kind !== 'variable')
    throw new CodecError('"kind" must be "connection" or "variable".', 'codec.invalid-field')
  const key = obj.get('key')
  if (typeof key !== 'string') throw new CodecError('"key" must be text.', 'codec.invalid-field')
  const options = { ...base }
  const dialect = obj.get('dialect')
  if (dialect !== undefined && dialect !== null) {
    const d = typeof dialect === 'string' ? parseDialect(dialect) : undefined
    if (!d)
      throw new CodecError(
        '"dialect" must be airflow2, airflow3 or task-sdk.',
        'codec.invalid-field'
      )
    options.dialect = d
  }
  const version = obj.get('provider_version')
  if (typeof version === 'string') options.providerVersion = version
  const multiTeam = obj.get('multi_team')
  if (typeof multiTeam === 'boolean') options.multiTeam = multiTeam
  const item: BatchItem = {
    backend: backend as LookupBackend,
    kwargs: kwargsObject(obj.get('kwargs') ?? null),
    kind,
    key,
    options
  }
  if (withStored) {
    if (!obj.has('stored'))
      throw new CodecError(
        '"stored" is missing: the value as the service returns it.',
        'codec.invalid-field'
      )
    item.stored = obj.get('stored')!
  }
  return item
}

async function eachLine(
  io: CliIo,
  handle: (line: string) => PyDict | Promise<PyDict>
): Promise<number> {
  let failed = 0
  for await (const line of readLines(io.stdin)) {
    let out: PyDict
    try {
      out = await handle(line)
    } catch (error) {
      if (!(error instanceof AirlockError)) throw error
      failed++
      await writeLine(io.stdout, errorLine(error))
      continue
    }
    await writeLine(io.stdout, pyJsonDumps(out))
  }
  return failed ? EXIT_ITEMS_FAILED : EXIT_OK
}

async function one(io: CliIo, run: () => PyDict | Promise<PyDict>): Promise<number> {
  try {
    await writeLine(io.stdout, pyJsonDumps(await run()))
    return EXIT_OK
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error
    await writeLine(io.stdout, errorLine(error))
    return EXIT_ITEMS_FAILED
  }
}

/** Errors Airflow raises while building the backend are item errors here, not usage errors. */
function asItemError(error: unknown): never {
  if (error instanceof AirlockError && error.code === 'usage')
    throw new AirlockError('backend.invalid-kwargs', error.userMessage, { cause: error })
  throw error
}

function explainPy(
  backend: LookupBackend,
  kwargs: Record<string, unknown>,
  kind: LookupKind,
  key: string,
  options: LookupOptions
): PyDict {
  try {
    return explanationToPy(explainLookup(backend, kwargs, kind, key, options))
  } catch (error) {
    return asItemError(error)
  }
}

function decodePy(
  backend: LookupBackend,
  kwargs: Record<string, unknown>,
  kind: LookupKind,
  key: string,
  stored: PyValue,
  options: LookupOptions
): PyDict {
  try {
    return decodeOutcomeToPy(decodeStored(backend, kwargs, kind, key, stored, options))
  } catch (error) {
    return asItemError(error)
  }
}

/** `airlock explain …`. */
export async function explainCommand(io: CliIo, flags: LookupFlags): Promise<number> {
  const options = optionsFrom(flags, io)
  const target = targetOption(flags)
  if (flags.runtime !== undefined) {
    if (!target) throw new UsageError('explain --runtime needs --conn ID or --var KEY')
    if (flags.backend !== undefined || flags.kwargs !== undefined)
      throw new UsageError('--runtime takes the backend and its kwargs from the runtime')
    return explainRuntime(io, flags, target, options)
  }
  if (flags.model !== undefined) throw new UsageError('--model goes with --runtime')
  if (!target) {
    if (flags.backend !== undefined || flags.kwargs !== undefined)
      throw new UsageError('--backend and --kwargs go with --conn ID or --var KEY')
    return eachLine(io, (line) => {
      const item = readBatchItem(line, options, false)
      return explainPy(item.backend, item.kwargs, item.kind, item.key, item.options)
    })
  }
  if (flags.backend === undefined) throw new UsageError('explain needs --backend (or --runtime)')
  const backend = backendOption(flags.backend)
  const kwargs = kwargsOption(flags.kwargs)
  return one(io, () => explainPy(backend, kwargs, target.kind, target.key, options))
}

/** `airlock decode …`. */
export async function decodeCommand(io: CliIo, flags: LookupFlags): Promise<number> {
  if (flags.runtime !== undefined || flags.model !== undefined)
    throw new UsageError('--runtime and --model are for explain')
  const options = optionsFrom(flags, io)
  const target = targetOption(flags)
  if (!target) {
    if (flags.backend !== undefined || flags.kwargs !== undefined)
      throw new UsageError('--backend and --kwargs go with --conn ID or --var KEY')
    return eachLine(io, (line) => {
      const item = readBatchItem(line, options, true)
      return decodePy(item.backend, item.kwargs, item.kind, item.key, item.stored!, item.options)
    })
  }
  if (flags.backend === undefined) throw new UsageError('decode needs --backend')
  const backend = backendOption(flags.backend)
  const kwargs = kwargsOption(flags.kwargs)
  return eachLine(io, (line) => {
    let stored: PyValue
    try {
      stored = pyJsonLoads(line)
    } catch (error) {
      if (error instanceof PyJsonDecodeError)
        throw new CodecError(
          `Each stdin line must be the stored value as JSON (a JSON string; for Vault the secret's data object): ${error.userMessage}.`,
          'codec.invalid-json'
        )
      throw error
    }
    return decodePy(backend, kwargs, target.kind, target.key, stored, options)
  })
}

/** `explain --runtime demo|airflow-config:PATH [--model M] (--conn|--var)`: every layer, in order. */
async function explainRuntime(
  io: CliIo,
  flags: LookupFlags,
  target: { kind: LookupKind; key: string },
  options: LookupOptions
): Promise<number> {
  let model: RuntimeModelId = 'airflow3-server'
  let server: { className: string; kwargs: Record<string, unknown> | null } | null = null
  let worker: { className: string; kwargs: Record<string, unknown> | null } | null = null
  let stores: { env: string; metastore: string }
  if (flags.runtime === 'demo') stores = { env: 'demo-env:', metastore: 'demo:' }
  else if (flags.runtime!.startsWith('airflow-config:')) {
    const path = flags.runtime!.slice('airflow-config:'.length)
    const loaded = await loadAirflowConfig({ env: io.env, path: path || undefined })
    const version = loaded.profile.airflowVersion
    if (version && Number(version.split('.')[0]) < 3) model = 'airflow2'
    server = loaded.profile.serverBackend
    worker = loaded.profile.workerBackend
    stores = { env: 'env:', metastore: flags.runtime! }
  } else throw new UsageError('--runtime takes demo or airflow-config:PATH')
  if (flags.model !== undefined) {
    if (!Object.hasOwn(RUNTIME_MODELS, flags.model))
      throw new UsageError(`--model must be one of ${Object.keys(RUNTIME_MODELS).join(', ')}`)
    model = flags.model as RuntimeModelId
  }
  let failed = 0
  let position = 0
  for (const spec of RUNTIME_MODELS[model].layers) {
    const head = new PyDict([
      ['layer', BigInt(++position)],
      ['role', spec.role],
      ['label', spec.label]
    ])
    let body: PyDict
    try {
      body = explainLayer(
        spec.role,
        target,
        {
          ...options,
          dialect: spec.dialect
        },
        spec.role === 'worker-backend' ? worker : server,
        stores
      )
    } catch (error) {
      if (!(error instanceof AirlockError)) throw error
      failed++
      body = new PyDict([
        [
          'error',
          new PyDict([
            ['code', error.code],
            ['message', error.userMessage]
          ])
        ]
      ])
    }
    for (const [k, v] of body.entries()) head.set(k, v)
    await writeLine(io.stdout, pyJsonDumps(head))
  }
  return failed ? EXIT_ITEMS_FAILED : EXIT_OK
}
