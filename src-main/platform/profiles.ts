/**
 * Profiles: a named connection to one metadata DB or secrets backend. The non-secret part
 * lives in the settings file, every secret in the keychain under `profile:<name>` as one JSON
 * object — never in the file, never in a log.
 */
import { redactSqlAlchemyUrl, type AirflowRuntimeProfile } from '../core/airflow-config'
import { AirlockError } from '../core/errors'
import { parseJson } from '../core/json-parse'
import { profileFieldProblems, secretIsOptional } from '../core/profile-fields'
import {
  PROFILE_PROVIDERS,
  SECRETS_SERVICES,
  secretsOfMethod,
  secretsServiceOfClass,
  type ProfileSecretField
} from '../core/providers'
import type { Keychain } from '../keychain/keychain'
import { redactor } from './redact'
import {
  isSecretKwarg,
  validateProfile,
  type Profile,
  type ProfileKind,
  type SettingsStore
} from './settings'

/**
 * Every secret a profile may hold (contract/providers.ts names them); which ones depends on its
 * kind and credential method.
 */
export type ProfileSecrets = { [K in ProfileSecretField]?: string } & {
  /** Secret backend_kwargs (e.g. Vault `token`), by kwarg name. */
  kwargs?: Record<string, unknown>
}

/** The secrets each kind and method needs (for prompts and `show`). */
export function secretsNeeded(kind: ProfileKind, method: string): (keyof ProfileSecrets)[] {
  return secretsOfMethod(kind, method)
}

/**
 * Refuses a profile whose plain fields do not fit its kind and credential method
 * (core/profile-fields.ts), naming each field; the app and the CLI both add and edit through
 * here, so they refuse the same input.
 */
export function checkProfileFields(p: Profile): void {
  const method = PROFILE_PROVIDERS[p.kind].credentialMethods.find(
    (m) => m.method === p.credential.method
  )
  if (!method) return // validateProfile names the methods the kind takes
  const problems = profileFieldProblems(
    p.kind,
    method.method,
    {
      url: p.url,
      region: p.region,
      params: p.credential.params,
      backendKwargs: p.backendKwargs
    },
    method.params
  )
  if (problems.length)
    throw new AirlockError(
      'usage',
      `Profile "${p.name}": ${problems.map((x) => x.message).join('; ')}. Nothing was saved.`
    )
}

/** The fields a user gives to add or edit a profile. */
export type ProfileInput = Omit<Profile, 'createdAt' | 'updatedAt'>

const account = (name: string) => `profile:${name}`

export class Profiles {
  constructor(
    readonly settings: SettingsStore,
    readonly keychain: Keychain
  ) {}

  list(): Profile[] {
    return this.settings.load().profiles
  }

  get(name: string): Profile {
    const p = this.list().find((x) => x.name === name)
    if (!p)
      throw new AirlockError('backend.not-found', `No profile named "${name}".`, {
        cliHint: '`airlock profile list` lists the profiles.'
      })
    return p
  }

  async secrets(name: string): Promise<ProfileSecrets> {
    const text = await this.keychain.get(account(name))
    if (!text) return {}
    const secrets = parseJson(text) as ProfileSecrets
    for (const v of Object.values(secrets)) if (typeof v === 'string') redactor.register(v)
    return secrets
  }

  /** Which of the secrets the profile needs are stored (values never leave this method). */
  async secretStatus(name: string): Promise<Record<string, 'stored' | 'missing' | 'optional'>> {
    const p = this.get(name)
    const s = await this.secrets(name)
    const method = p.credential.method
    return Object.fromEntries(
      secretsNeeded(p.kind, method).map((k) => [
        k,
        s[k] ? 'stored' : secretIsOptional(p.kind, method, k) ? 'optional' : 'missing'
      ])
    )
  }

  async add(input: ProfileInput, secrets: ProfileSecrets = {}): Promise<Profile> {
    const settings = this.settings.load()
    if (settings.profiles.some((p) => p.name === input.name))
      throw new AirlockError(
        'usage',
        `A profile named "${input.name}" exists already; edit it, or choose another name.`,
        { cliHint: '`airlock profile edit` changes it.' }
      )
    const now = new Date().toISOString()
    const profile = validateProfile({ ...input, createdAt: now, updatedAt: now })
    checkProfileFields(profile)
    await this.storeSecrets(profile.name, secrets)
    this.settings.save({ ...settings, profiles: [...settings.profiles, profile] })
    return profile
  }

  async edit(
    name: string,
    patch: Partial<ProfileInput>,
    secrets?: ProfileSecrets
  ): Promise<Profile> {
    const settings = this.settings.load()
    const current = settings.profiles.find((p) => p.name === name)
    if (!current) throw new AirlockError('backend.not-found', `No profile named "${name}".`)
    const updated = validateProfile({
      ...current,
      ...patch,
      name,
      updatedAt: new Date().toISOString()
    })
    checkProfileFields(updated)
    if (secrets) await this.storeSecrets(name, { ...(await this.secrets(name)), ...secrets })
    this.settings.save({
      ...settings,
      profiles: settings.profiles.map((p) => (p.name === name ? updated : p))
    })
    return updated
  }

  async rename(from: string, to: string): Promise<Profile> {
    const settings = this.settings.load()
    const current = settings.profiles.find((p) => p.name === from)
    if (!current) throw new AirlockError('backend.not-found', `No profile named "${from}".`)
    if (settings.profiles.some((p) => p.name === to))
      throw new AirlockError('usage', `A profile named "${to}" exists already.`)
    const renamed = validateProfile({ ...current, name: to, updatedAt: new Date().toISOString() })
    const secret = await this.keychain.get(account(from))
    if (secret !== undefined) await this.keychain.set(account(to), secret)
    this.settings.save({
      ...settings,
      profiles: settings.profiles.map((p) => (p.name === from ? renamed : p))
    })
    if (secret !== undefined) await this.keychain.delete(account(from))
    return renamed
  }

  async remove(name: string): Promise<void> {
    const settings = this.settings.load()
    if (!settings.profiles.some((p) => p.name === name))
      throw new AirlockError('backend.not-found', `No profile named "${name}".`)
    this.settings.save({ ...settings, profiles: settings.profiles.filter((p) => p.name !== name) })
    await this.keychain.delete(account(name))
  }

  /**
   * Profiles from an Airflow installation's configuration: its metadata DB (password and
   * Fernet key to the keychain) and its secrets backend (secret kwargs to the keychain).
   */
  async importFromAirflow(config: AirflowRuntimeProfile, prefix: string): Promise<Profile[]> {
    const pending: [ProfileInput, ProfileSecrets][] = []
    const url = config.sqlAlchemyUrl
    if (url && config.sqlAlchemyConn.value) {
      const withoutPassword = redactSqlAlchemyUrl(config.sqlAlchemyConn.value, '')
      pending.push([
        {
          name: `${prefix}-metadb`,
          kind: 'metadb',
          airflowVersion: config.airflowVersion,
          url: withoutPassword,
          region: null,
          backendKwargs: {},
          credential: { method: url.password ? 'password' : 'none', params: {} }
        },
        { password: url.password ?? undefined, fernetKey: config.fernetKey.value || undefined }
      ])
    }
    const backend = config.serverBackend
    const kind = backend && secretsServiceOfClass(backend.className)
    if (backend && kind) {
      const kwargs: Record<string, unknown> = {}
      const secretKwargs: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(backend.kwargs ?? {}))
        (isSecretKwarg(k) ? secretKwargs : kwargs)[k] = v
      const method = SECRETS_SERVICES[kind].importedMethod(kwargs, secretKwargs)
      pending.push([
        {
          name: `${prefix}-${kind}`,
          kind,
          airflowVersion: config.airflowVersion,
          url:
            (kwargs.url as string | undefined) ?? (kwargs.vault_url as string | undefined) ?? null,
          region: (kwargs.region_name as string | undefined) ?? null,
          backendKwargs: kwargs,
          credential: { method, params: {} }
        },
        {
          kwargs: secretKwargs,
          token: secretKwargs.token as string | undefined,
          secretId: secretKwargs.secret_id as string | undefined,
          clientSecret: secretKwargs.client_secret as string | undefined
        }
      ])
    }
    // all or nothing: a name in use refuses the import before anything is written
    const taken = new Set(this.settings.load().profiles.map((p) => p.name))
    const clash = pending.find(([p]) => taken.has(p.name))
    if (clash)
      throw new AirlockError(
        'usage',
        `A profile named "${clash[0].name}" exists already; import under another name, or rename or remove it first.`
      )
    const made: Profile[] = []
    for (const [input, secrets] of pending) made.push(await this.add(input, secrets))
    return made
  }

  private async storeSecrets(name: string, secrets: ProfileSecrets): Promise<void> {
    const clean = Object.fromEntries(
      Object.entries(secrets).filter(
        ([, v]) =>
          v !== undefined &&
          v !== '' &&
          !(typeof v === 'object' && Object.keys(v as object).length === 0)
      )
    )
    for (const v of Object.values(clean)) if (typeof v === 'string') redactor.register(v)
    if (Object.keys(clean).length) await this.keychain.set(account(name), JSON.stringify(clean))
  }
}
