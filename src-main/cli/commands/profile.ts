/** `airlock profile add|list|show|edit|rename|remove|test|import`: connections to stores, secrets in the keychain. */
import { AirlockError } from '../../core/errors'
import { kwargsLimitProblem } from '../../core/json-limits'
import { parseJson } from '../../core/json-parse'
import { PyDict, pyJsonDumps } from '../../core/codecs/py-json'
import { describeKeychain } from '../../keychain/open-keychain'
import type { Keychain } from '../../keychain/keychain'
import { loadAirflowConfig } from '../../platform/airflow-config-file'
import { credentialMethodNames } from '../../core/providers'
import { secretIsOptional } from '../../core/profile-fields'
import {
  Profiles,
  secretsNeeded,
  type ProfileInput,
  type ProfileSecrets
} from '../../platform/profiles'
import {
  CREDENTIAL_METHODS,
  PROFILE_KINDS,
  SettingsStore,
  profileSecretIssues,
  configDir,
  type Profile,
  type ProfileKind
} from '../../platform/settings'
import { openProfile } from '../../operations/open-store'
import { openCliKeychain, promptHidden } from './keystore'
import { EXIT_ITEMS_FAILED, EXIT_OK, UsageError, readLines, writeLine, type CliIo } from '../io'

/** The flags `profile` commands take. */
export interface ProfileFlags {
  kind?: string
  url?: string
  region?: string
  kwargs?: string
  auth?: string
  param?: string[]
  'airflow-version'?: string
  'secret-stdin'?: boolean
  config?: string
  protected?: boolean
  'no-protected'?: boolean
  json?: boolean
}

/** `--protected` / `--no-protected`: undefined when neither is given. */
function protectedFlag(flags: ProfileFlags): boolean | undefined {
  if (flags.protected && flags['no-protected'])
    throw new UsageError('--protected and --no-protected contradict each other; give one')
  return flags.protected ? true : flags['no-protected'] ? false : undefined
}

/** Opens settings and keychain, telling the user when secrets cannot be kept. */
export async function openProfiles(io: CliIo, keychain?: Keychain): Promise<Profiles> {
  const kc = keychain ?? (await openCliKeychain(io))
  if (kc.warning) io.stderr.write(`airlock: warning: ${kc.warning}\n`)
  return new Profiles(new SettingsStore(configDir(io.env)), kc)
}

async function readSecretsFromStdin(
  io: CliIo,
  needed: readonly (keyof ProfileSecrets)[]
): Promise<ProfileSecrets> {
  let text = ''
  for await (const line of readLines(io.stdin)) text += (text ? '\n' : '') + line
  text = text.trim()
  if (!text) return {}
  if (text.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = parseJson(text)
    } catch {
      throw new UsageError('--secret-stdin: stdin starts with "{" but is not JSON')
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new UsageError('--secret-stdin: expected a JSON object of secrets')
    return parsed as ProfileSecrets
  }
  if (!needed[0]) throw new UsageError('--secret-stdin: this credential method needs no secret')
  return { [needed[0]]: text }
}

/** Asks for each secret with echo off (a terminal only). */
async function promptSecrets(
  io: CliIo,
  needed: readonly (keyof ProfileSecrets)[],
  kind: ProfileKind,
  method: string
): Promise<ProfileSecrets> {
  const out: ProfileSecrets = {}
  for (const key of needed) {
    // the same "optional" the app's form shows (core/profile-fields.ts)
    const optional = secretIsOptional(kind, method, key) ? 'optional, ' : ''
    const answer = await promptHidden(io, `${key} (${optional}input hidden, empty to skip): `)
    if (answer) (out as Record<string, string>)[key] = answer
  }
  return out
}

async function gatherSecrets(
  io: CliIo,
  flags: ProfileFlags,
  kind: ProfileKind,
  method: string
): Promise<ProfileSecrets> {
  // An unknown method is refused by the profile's validation, with the methods it takes.
  if (!credentialMethodNames(kind).includes(method)) return {}
  const needed = secretsNeeded(kind, method)
  if (flags['secret-stdin']) return readSecretsFromStdin(io, needed)
  if ((io.stdin as { isTTY?: boolean }).isTTY && needed.length)
    return promptSecrets(io, needed, kind, method)
  return {}
}

function parseKwargs(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  let v: unknown
  try {
    v = parseJson(text)
  } catch {
    throw new UsageError('--kwargs must be a JSON object (backend_kwargs as Airflow takes them)')
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new UsageError('--kwargs must be a JSON object')
  const tooBig = kwargsLimitProblem(v)
  if (tooBig) throw new UsageError(`--kwargs ${tooBig}`)
  return v as Record<string, unknown>
}

function parseParams(list: string[] | undefined): Record<string, string> | undefined {
  if (!list) return undefined
  return Object.fromEntries(
    list.map((kv) => {
      const eq = kv.indexOf('=')
      if (eq <= 0) throw new UsageError(`--param takes key=value (got ${JSON.stringify(kv)})`)
      return [kv.slice(0, eq), kv.slice(eq + 1)]
    })
  )
}

/**
 * Secrets never come from argv (any user can read it with ps): refuse them there, by the same
 * check the settings file's profiles pass (platform/settings.ts `profileSecretIssues`).
 */
function refuseArgvSecrets(flags: ProfileFlags, kwargs: Record<string, unknown> | undefined): void {
  const params = Object.fromEntries(
    (flags.param ?? []).map((kv) => [kv.slice(0, Math.max(0, kv.indexOf('='))), ''])
  )
  const issue = profileSecretIssues({
    url: flags.url,
    credential: { params },
    backendKwargs: kwargs
  })[0]
  if (!issue) return
  const [field, ...rest] = issue.path
  if (field === 'url')
    throw new UsageError(
      '--url holds a password; give the URL without it and the password on stdin (--secret-stdin) or at the prompt'
    )
  if (field === 'credential')
    throw new UsageError(
      `--param ${rest[1]} looks like a secret; give it on stdin (--secret-stdin) or at the prompt`
    )
  const key = rest.join('.')
  throw new UsageError(
    `--kwargs holds the secret "${key}"; pass it on stdin as {"kwargs": {"${rest[0]}": …}} with --secret-stdin, or at the prompt`
  )
}

function profileLine(p: Profile, status: Record<string, string>): string {
  const out = new PyDict([
    ['name', p.name],
    ['kind', p.kind],
    ['url', p.url],
    ['region', p.region],
    ['airflow_version', p.airflowVersion],
    ['credential', p.credential.method],
    ['credential_params', new PyDict(Object.entries(p.credential.params))],
    ['secrets', new PyDict(Object.entries(status))],
    ['backend_kwargs', JSON.stringify(p.backendKwargs)],
    ['protected', Boolean(p.protected)]
  ])
  return pyJsonDumps(out, { ensureAscii: false })
}

/** Runs one `profile` subcommand. */
export async function profileCommand(
  io: CliIo,
  sub: string | undefined,
  args: string[],
  flags: ProfileFlags,
  keychain?: Keychain
): Promise<number> {
  const profiles = await openProfiles(io, keychain)
  const warnedAtStart = profiles.keychain.warning
  try {
    return await profileSubcommand(io, profiles, sub, args, flags)
  } finally {
    // The keychain may refuse only when first written to (e.g. locked): say so then.
    const warning = profiles.keychain.warning
    if (warning && warning !== warnedAtStart) io.stderr.write(`airlock: warning: ${warning}\n`)
  }
}

async function profileSubcommand(
  io: CliIo,
  profiles: Profiles,
  sub: string | undefined,
  args: string[],
  flags: ProfileFlags
): Promise<number> {
  const name = args[0]
  const need = (what: string) => {
    if (!name) throw new UsageError(`profile ${sub} needs a profile name`)
    if (args.length > (what === 'two' ? 2 : 1))
      throw new UsageError(`unexpected argument ${JSON.stringify(args[what === 'two' ? 2 : 1])}`)
    return name
  }
  switch (sub) {
    case 'list': {
      for (const p of profiles.list()) {
        const status = await profiles.secretStatus(p.name)
        if (flags.json) await writeLine(io.stdout, profileLine(p, status))
        else
          await writeLine(
            io.stdout,
            `${p.name.padEnd(20)} ${p.kind.padEnd(20)} ${(p.url ?? '').padEnd(40)} ${p.credential.method} (${
              Object.entries(status)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ') || 'no secrets'
            })${p.protected ? ' [protected]' : ''}`
          )
      }
      io.stderr.write(`keychain: ${describeKeychain(profiles.keychain)}\n`)
      return EXIT_OK
    }
    case 'show': {
      const p = profiles.get(need('one'))
      await writeLine(io.stdout, profileLine(p, await profiles.secretStatus(p.name)))
      return EXIT_OK
    }
    case 'add': {
      need('one')
      const isProtected = protectedFlag(flags)
      const kind = flags.kind as ProfileKind | undefined
      if (!kind || !PROFILE_KINDS.includes(kind))
        throw new UsageError(`profile add needs --kind (${PROFILE_KINDS.join(', ')})`)
      const method = flags.auth ?? CREDENTIAL_METHODS[kind][0]!
      const kwargs = parseKwargs(flags.kwargs)
      refuseArgvSecrets(flags, kwargs)
      const input: ProfileInput = {
        name: name!,
        kind,
        airflowVersion: flags['airflow-version'] ?? null,
        url: flags.url ?? null,
        region: flags.region ?? null,
        backendKwargs: kwargs ?? {},
        credential: { method, params: parseParams(flags.param) ?? {} },
        ...(isProtected ? { protected: true } : {})
      }
      const secrets = await gatherSecrets(io, flags, kind, method)
      await profiles.add(input, secrets)
      io.stderr.write(
        `added profile ${name} (${kind}); secrets in ${describeKeychain(profiles.keychain)}\n`
      )
      return EXIT_OK
    }
    case 'edit': {
      const p = profiles.get(need('one'))
      const kwargsPatch = parseKwargs(flags.kwargs)
      refuseArgvSecrets(flags, kwargsPatch)
      const patch: Partial<ProfileInput> = {}
      const isProtected = protectedFlag(flags)
      if (isProtected !== undefined) patch.protected = isProtected
      if (flags.url !== undefined) patch.url = flags.url
      if (flags.region !== undefined) patch.region = flags.region
      if (flags['airflow-version'] !== undefined) patch.airflowVersion = flags['airflow-version']
      if (kwargsPatch) patch.backendKwargs = kwargsPatch
      if (flags.auth || flags.param)
        patch.credential = {
          method: flags.auth ?? p.credential.method,
          params: parseParams(flags.param) ?? p.credential.params
        }
      const method = patch.credential?.method ?? p.credential.method
      const secrets = flags['secret-stdin']
        ? await gatherSecrets(io, flags, p.kind, method)
        : undefined
      await profiles.edit(p.name, patch, secrets)
      io.stderr.write(
        `updated profile ${p.name}${isProtected === undefined ? '' : isProtected ? ' (protected)' : ' (not protected)'}\n`
      )
      return EXIT_OK
    }
    case 'rename': {
      need('two')
      if (!args[1]) throw new UsageError('profile rename needs the old and the new name')
      await profiles.rename(name!, args[1])
      io.stderr.write(`renamed profile ${name} to ${args[1]}\n`)
      return EXIT_OK
    }
    case 'remove': {
      await profiles.remove(need('one'))
      io.stderr.write(`removed profile ${name} and its keychain entry\n`)
      return EXIT_OK
    }
    case 'test': {
      const p = profiles.get(need('one'))
      const backend = await openProfile(p, await profiles.secrets(p.name))
      try {
        const refs = await backend.list({})
        const conns = refs.filter((r) => r.kind === 'connection').length
        await writeLine(
          io.stdout,
          pyJsonDumps(
            new PyDict([
              ['profile', p.name],
              ['ok', true],
              ['connections', BigInt(conns)],
              ['variables', BigInt(refs.length - conns)]
            ])
          )
        )
        return EXIT_OK
      } catch (error) {
        if (!(error instanceof AirlockError)) throw error
        await writeLine(
          io.stdout,
          pyJsonDumps(
            new PyDict([
              ['profile', p.name],
              ['ok', false],
              [
                'error',
                new PyDict([
                  ['code', error.code],
                  ['message', error.userMessage]
                ])
              ]
            ])
          )
        )
        return EXIT_ITEMS_FAILED
      } finally {
        await backend.close?.()
      }
    }
    case 'import': {
      need('one')
      const loaded = await loadAirflowConfig({
        env: io.env,
        path: flags.config,
        airflowVersion: flags['airflow-version']
      })
      for (const problem of loaded.profile.problems)
        io.stderr.write(`airlock: ${loaded.path}: ${problem.message}\n`)
      const made = await profiles.importFromAirflow(loaded.profile, name!)
      for (const p of made)
        await writeLine(io.stdout, profileLine(p, await profiles.secretStatus(p.name)))
      if (!made.length)
        io.stderr.write(
          `airlock: ${loaded.path} names no metadata DB or supported secrets backend to import\n`
        )
      return made.length ? EXIT_OK : EXIT_ITEMS_FAILED
    }
    default:
      throw new UsageError(
        `unknown profile command ${JSON.stringify(sub ?? '')} (add, list, show, edit, rename, remove, test, import)`
      )
  }
}
