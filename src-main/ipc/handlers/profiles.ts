/** Handlers of the `profiles:*` channels: secrets go in with add/edit and never come out. */
import { MASKED } from '../../contract/ipc'
import type {
  ProfileAddRequest,
  ProfileDto,
  ProfileEditRequest,
  ProfileImportDto,
  ProfileImportRequest,
  ProfileTestDto
} from '../../contract/ipc'
import { openProfile } from '../../operations/open-store'
import { profileUsage, type ProfileUsage } from '../../operations/profile-usage'
import { AirlockError } from '../../core/errors'
import { loadAirflowConfig } from '../../platform/airflow-config-file'
import type { Profiles } from '../../platform/profiles'
import type { Profile } from '../../platform/settings'
import type { HandlerContext } from './context'

async function toDto(profiles: Profiles, p: Profile, usage?: ProfileUsage): Promise<ProfileDto> {
  return {
    name: p.name,
    kind: p.kind,
    url: p.url,
    region: p.region,
    airflowVersion: p.airflowVersion,
    credential: { method: p.credential.method, params: { ...p.credential.params } },
    backendKwargs: p.backendKwargs,
    secrets: await profiles.secretStatus(p.name),
    protected: Boolean(p.protected),
    ...(usage ? { usedByJobs: usage.jobs, targetJobIds: usage.targetJobIds } : {}),
    updatedAt: p.updatedAt
  }
}

/** `profiles:list`, each with the jobs that use it. */
export async function listProfiles(ctx: HandlerContext): Promise<ProfileDto[]> {
  const profiles = await ctx.profiles()
  const list = profiles.list()
  const usage = profileUsage(
    ctx.dataDir,
    list.map((p) => p.name)
  )
  return Promise.all(list.map((p) => toDto(profiles, p, usage[p.name])))
}

/** `profiles:add`: the secrets go to the keychain; the answer says only which are stored. */
export async function addProfile(
  ctx: HandlerContext,
  request: ProfileAddRequest
): Promise<ProfileDto> {
  const profiles = await ctx.profiles()
  const p = await profiles.add({ name: request.name, ...request.profile }, request.secrets ?? {})
  return toDto(profiles, p)
}

/** `profiles:edit`: secrets given replace those stored; absent ones are kept. */
export async function editProfile(
  ctx: HandlerContext,
  request: ProfileEditRequest
): Promise<ProfileDto> {
  const profiles = await ctx.profiles()
  // lifting protection is itself guarded, or it would be the way around the typed name
  if (
    request.patch.protected === false &&
    profiles.get(request.name).protected &&
    request.confirm !== request.name
  )
    throw new AirlockError(
      'confirm.required',
      `${request.name} is a protected profile: type its name to lift the protection. Nothing was changed.`
    )
  // An empty field, or one still masked, keeps the stored secret.
  const given = Object.fromEntries(
    Object.entries(request.secrets ?? {}).filter(([, v]) => v && v !== MASKED)
  )
  const secrets = Object.keys(given).length ? given : undefined
  const p = await profiles.edit(request.name, request.patch, secrets)
  return toDto(profiles, p)
}

/** `profiles:test`: connects and lists, writing nothing. */
export async function testProfile(
  ctx: HandlerContext,
  request: { name: string }
): Promise<ProfileTestDto> {
  const profiles = await ctx.profiles()
  const p = profiles.get(request.name)
  const secrets = await profiles.secrets(p.name)
  const testedAt = new Date().toISOString()
  const started = performance.now()
  const latencyMs = () => Math.round(performance.now() - started)
  let backend
  try {
    backend = await openProfile(p, secrets)
    const refs = await backend.list({})
    const connections = refs.filter((r) => r.kind === 'connection').length
    return {
      ok: true,
      connections,
      variables: refs.length - connections,
      error: null,
      latencyMs: latencyMs(),
      testedAt
    }
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error
    return {
      ok: false,
      connections: 0,
      variables: 0,
      error: error.toDto(),
      latencyMs: latencyMs(),
      testedAt
    }
  } finally {
    await backend?.close?.()
  }
}

/** `profiles:remove`: the settings entry and its keychain item. */
export async function removeProfile(
  ctx: HandlerContext,
  request: { name: string }
): Promise<{ removed: string }> {
  await (await ctx.profiles()).remove(request.name)
  return { removed: request.name }
}

/** `profiles:rename`: the settings entry and its keychain item move to the new name. */
export async function renameProfile(
  ctx: HandlerContext,
  request: { name: string; to: string }
): Promise<ProfileDto> {
  const profiles = await ctx.profiles()
  return toDto(profiles, await profiles.rename(request.name, request.to))
}

/**
 * `profiles:import`: reads airflow.cfg as Airflow would (the environment Airlock runs in
 * overrides the file, as it does for Airflow) and makes a metadata DB profile and one for the
 * configured secrets backend, their secrets in the keychain.
 */
export async function importProfiles(
  ctx: HandlerContext,
  request: ProfileImportRequest
): Promise<ProfileImportDto> {
  const loaded = await loadAirflowConfig({
    env: ctx.env,
    path: request.path,
    airflowVersion: request.airflowVersion
  })
  const problems = loaded.profile.problems.map((p) => p.message)
  const profiles = await ctx.profiles()
  const made = await profiles.importFromAirflow(loaded.profile, request.name)
  if (!made.length)
    throw new AirlockError(
      'usage',
      `${loaded.path} names no metadata DB or supported secrets backend to import` +
        (problems.length ? ` (${problems.join('; ')})` : '.')
    )
  return {
    path: loaded.path,
    profiles: await Promise.all(made.map((p) => toDto(profiles, p))),
    problems
  }
}
