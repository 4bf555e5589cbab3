/**
 * The settings file: profiles' non-secret parts only (kind, name, URL, region, mount,
 * backend_kwargs without secrets, Airflow version, credential method). Versioned and
 * validated on load with an error naming the field; written atomically; a corrupt file is
 * moved aside and reported, never silently overwritten. Secrets live in the keychain.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { sqlAlchemyUrlPasswordText } from '../core/airflow-config'
import { AirlockError } from '../core/errors'
import { parseJson } from '../core/json-parse'
import { kwargsLimitProblem } from '../core/json-limits'
import {
  PROFILE_KIND_IDS,
  SECRET_KWARGS,
  credentialMethodNames,
  type ProfileKindId
} from '../core/providers'
import { writeFileAtomicSync } from './atomic-write'
import { configDir } from './paths'
import { AIRFLOW_SENSITIVE_FIELDS } from './redact'

/** The kinds of store a profile can point at (core/providers.ts). */
export const PROFILE_KINDS = PROFILE_KIND_IDS
export type ProfileKind = ProfileKindId

/** How each kind may authenticate (the secret parts of each live in the keychain). */
export const CREDENTIAL_METHODS: Readonly<Record<ProfileKind, readonly string[]>> =
  Object.fromEntries(PROFILE_KINDS.map((kind) => [kind, credentialMethodNames(kind)])) as Record<
    ProfileKind,
    readonly string[]
  >

/** backend_kwargs keys that hold secrets: they move to the keychain, never to the file. */
export { SECRET_KWARGS }

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

const ProfileSchema = z
  .object({
    name: z
      .string()
      .regex(
        NAME,
        'letters, digits, "_", "." and "-", at most 64, starting with a letter or digit'
      ),
    kind: z.enum(PROFILE_KINDS),
    airflowVersion: z
      .string()
      .regex(/^\d+\.\d+(\.\d+)?$/)
      .nullable()
      .default(null),
    /** metadb: the sql_alchemy_conn with no password; vault: url; azure: vault_url. */
    url: z.string().nullable().default(null),
    region: z.string().nullable().default(null),
    backendKwargs: z.record(z.string(), z.unknown()).default({}),
    credential: z
      .object({
        method: z.string(),
        /** Non-secret parts: AppRole role_id, AWS profile / role ARN / access key id, Azure tenant and client id. */
        params: z.record(z.string(), z.string()).default({})
      })
      .strict(),
    /**
     * Production: applying a plan to this store or rolling a job back in it asks for the
     * profile's name to be typed (the CLI: `--yes`, or the name at a prompt).
     */
    protected: z.boolean().optional(),
    createdAt: z.string(),
    updatedAt: z.string()
  })
  .strict()
  .superRefine((p, ctx) => {
    if (!CREDENTIAL_METHODS[p.kind].includes(p.credential.method))
      ctx.addIssue({
        code: 'custom',
        path: ['credential', 'method'],
        message: `must be one of ${CREDENTIAL_METHODS[p.kind].join(', ')} for ${p.kind}`
      })
    const tooBig = kwargsLimitProblem(p.backendKwargs)
    if (tooBig) ctx.addIssue({ code: 'custom', path: ['backendKwargs'], message: tooBig })
    for (const key of Object.keys(p.backendKwargs))
      if (SECRET_KWARGS.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['backendKwargs', key],
          message: 'is a secret and belongs in the keychain'
        })
    if (p.url && sqlAlchemyUrlPasswordText(p.url) !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'holds a password; it belongs in the keychain'
      })
  })

/** A profile as the settings file holds it. */
export type Profile = z.infer<typeof ProfileSchema>

const SettingsSchema = z
  .object({ version: z.literal(1), profiles: z.array(ProfileSchema) })
  .strict()

/** The settings file's content. */
export type Settings = z.infer<typeof SettingsSchema>

/** In platform/paths (zod-free, so the keychain opens without loading this module). */
export { configDir }

/** A secret found in a profile's non-secret fields: where, and why it is refused. */
export interface ProfileSecretIssue {
  /** `url`, `credential.params.<name>` or `backendKwargs.<name>[.<nested>…]`. */
  path: string[]
  message: string
}

/** A name compared without case or whitespace (` Client_SECRET ` is `client_secret`). */
function normalName(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase()
}

const SECRET_KWARG_NAMES = new Set([...SECRET_KWARGS].map(normalName))
/** What a credential parameter may not be called (the CLI's rule and Airflow's names). */
const SECRET_PARAM = /secret|password|token|private/

/** Whether a top-level backend kwarg holds a secret (its name without case or whitespace). */
export function isSecretKwarg(name: string): boolean {
  return SECRET_KWARG_NAMES.has(normalName(name))
}

function secretName(name: string, nested: boolean): boolean {
  const n = normalName(name)
  if (SECRET_KWARG_NAMES.has(n)) return true
  // top-level kwargs such as `token_path` or `are_secret_values_urlencoded` are not secrets;
  // nested ones are the provider's free-form kwargs, judged by Airflow's sensitive names
  return nested && AIRFLOW_SENSITIVE_FIELDS.some((f) => n.includes(f))
}

function secretKwargPaths(value: unknown, path: string[], nested: boolean): string[][] {
  if (Array.isArray(value))
    return value.flatMap((v, i) => secretKwargPaths(v, [...path, String(i)], true))
  if (!value || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([k, v]) =>
    secretName(k, nested) ? [[...path, k]] : secretKwargPaths(v, [...path, k], true)
  )
}

/**
 * Secrets in the fields of a profile that go to the settings file: a URL with a password (read
 * as SQLAlchemy reads it, so `/`, `:`, `#`, `?` in it change nothing), a credential parameter
 * with a secret's name, a backend kwarg named as a secret at any depth. Names are compared
 * without case or whitespace. The one check behind `airlock profile add/edit` and the app's
 * `profiles:add/edit`.
 */
export function profileSecretIssues(p: {
  url?: string | null
  credential?: { params?: Readonly<Record<string, unknown>> }
  backendKwargs?: Readonly<Record<string, unknown>>
}): ProfileSecretIssue[] {
  const issues: ProfileSecretIssue[] = []
  if (p.url && sqlAlchemyUrlPasswordText(p.url) !== undefined)
    issues.push({ path: ['url'], message: 'holds a password; it belongs in the keychain' })
  for (const key of Object.keys(p.credential?.params ?? {})) {
    const n = normalName(key)
    if (SECRET_PARAM.test(n) || AIRFLOW_SENSITIVE_FIELDS.some((f) => n.includes(f)))
      issues.push({
        path: ['credential', 'params', key],
        message: 'looks like a secret; it belongs in the keychain'
      })
  }
  for (const path of secretKwargPaths(p.backendKwargs ?? {}, ['backendKwargs'], false))
    issues.push({ path, message: 'is a secret and belongs in the keychain' })
  return issues
}

/** Validates profile fields (for add/edit) with the same rules as the file, and more. */
export function validateProfile(candidate: unknown): Profile {
  const r = ProfileSchema.safeParse(candidate)
  if (!r.success) {
    const issue = r.error.issues[0]!
    throw new AirlockError('usage', `Profile ${issue.path.join('.') || '(root)'} ${issue.message}.`)
  }
  // stricter than loading an existing file, which is never moved aside for these
  const secret = profileSecretIssues(r.data)[0]
  if (secret)
    throw new AirlockError(
      'usage',
      `Profile ${secret.path.map((k) => JSON.stringify(k).slice(1, -1)).join('.')} ${secret.message}.`
    )
  return r.data
}

/**
 * The largest settings file Airlock reads or writes. A profile is well under a kilobyte and its
 * kwargs are bounded (MAX_KWARGS_BYTES), so a file this large was not written by Airlock.
 */
export const MAX_SETTINGS_BYTES = 4 * 1024 * 1024

/** Reads and writes the settings file. */
export class SettingsStore {
  readonly path: string

  constructor(dir = configDir()) {
    this.path = join(dir, 'settings.json')
  }

  /** The settings; empty when there is no file. A file that fails validation is moved aside. */
  load(): Settings {
    if (!existsSync(this.path)) return { version: 1, profiles: [] }
    let problem: string
    try {
      if (statSync(this.path).size > MAX_SETTINGS_BYTES)
        problem = `it is larger than ${MAX_SETTINGS_BYTES / 1024 / 1024} MiB`
      else {
        const parsed = SettingsSchema.safeParse(parseJson(readFileSync(this.path, 'utf8')))
        if (parsed.success) return parsed.data
        const issue = parsed.error.issues[0]!
        problem = `field ${issue.path.join('.') || '(root)'}: ${issue.message}`
      }
    } catch (error) {
      if (error instanceof SyntaxError) problem = 'it is not valid JSON'
      else
        throw new AirlockError(
          'backend.access-denied',
          `Cannot read ${this.path}: check its permissions.`,
          { cause: error }
        )
    }
    const aside = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
    renameSync(this.path, aside)
    throw new AirlockError(
      'codec.invalid',
      `The settings file was invalid (${problem}); it was moved to ${aside} and Airlock starts with no profiles. Fix it and move it back, or re-add the profiles.`
    )
  }

  /** Writes atomically (platform/atomic-write). Refuses anything that fails validation. */
  save(settings: Settings): void {
    const valid = SettingsSchema.safeParse(settings)
    if (!valid.success) {
      const issue = valid.error.issues[0]!
      throw new AirlockError(
        'usage',
        `Refusing to save settings: ${issue.path.join('.')} ${issue.message}.`
      )
    }
    const text = JSON.stringify(valid.data, null, 2) + '\n'
    if (Buffer.byteLength(text) > MAX_SETTINGS_BYTES)
      throw new AirlockError(
        'usage',
        `Refusing to save settings: ${this.path} would be larger than ${MAX_SETTINGS_BYTES / 1024 / 1024} MiB; remove profiles you no longer use.`
      )
    try {
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 })
      writeFileAtomicSync(this.path, text)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const reason =
        code === 'ENOSPC'
          ? 'ENOSPC: no space left on the device'
          : code === 'EROFS'
            ? 'EROFS: read-only file system'
            : code === 'EACCES' || code === 'EPERM'
              ? `${code}: permission denied`
              : (code ?? 'error')
      throw new AirlockError(
        'storage.unwritable',
        `Cannot write ${this.path} (${reason}); the settings file was left as it was.`,
        { cause: error }
      )
    }
  }
}
