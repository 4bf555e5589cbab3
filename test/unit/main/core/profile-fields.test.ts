// The profile form's fields (core/profile-fields.ts), described once in main: they agree with
// the provider table, app:info carries them, and adding or editing a profile — the app and the
// CLI both go through Profiles — refuses a field that does not fit, by name, writing nothing.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AWS_REGIONS,
  METHOD_LABELS,
  PROFILE_FIELDS,
  fieldsOf,
  profileFieldProblems,
  secretIsOptional
} from '../../../../src-main/core/profile-fields'
import { PROFILE_KIND_IDS, PROFILE_PROVIDERS } from '../../../../src-main/core/providers'
import { appInfo } from '../../../../src-main/ipc/handlers/app'
import { MemoryKeychain } from '../../../../src-main/keychain/memory-keychain'
import { Profiles, type ProfileInput } from '../../../../src-main/platform/profiles'
import { SettingsStore } from '../../../../src-main/platform/settings'
import { loadAirflowConfig } from '../../../../src-main/platform/airflow-config-file'
import { vaultFromProfile } from '../../../../src-main/backends/vault'
import { tempDir } from '../../../support/temp-dir'

const methodOf = (kind: (typeof PROFILE_KIND_IDS)[number], method: string) =>
  PROFILE_PROVIDERS[kind].credentialMethods.find((m) => m.method === method)!

function problems(
  kind: (typeof PROFILE_KIND_IDS)[number],
  method: string,
  values: Partial<Parameters<typeof profileFieldProblems>[2]>
) {
  return profileFieldProblems(
    kind,
    method,
    { url: null, region: null, params: {}, backendKwargs: {}, ...values },
    methodOf(kind, method).params
  ).map((p) => p.message)
}

describe('profile fields', () => {
  it('cover every credential method: its params and secrets, each labelled, no other', () => {
    for (const kind of PROFILE_KIND_IDS)
      for (const m of PROFILE_PROVIDERS[kind].credentialMethods) {
        expect(METHOD_LABELS[kind][m.method], `${kind} ${m.method}`).toBeTruthy()
        const fields = fieldsOf(kind, m.method)
        const ids = fields.map((f) => f.id)
        expect(new Set(ids).size, `${kind} ${m.method}: ids unique`).toBe(ids.length)
        for (const f of fields) {
          expect(f.label.trim()).not.toBe('')
          if (f.store === 'param') expect(m.params).toContain(f.name)
          if (f.store === 'secret') expect(m.secrets as readonly string[]).toContain(f.name)
          expect(f.type === 'password').toBe(f.store === 'secret')
        }
        for (const s of m.secrets)
          expect(fields.some((f) => f.store === 'secret' && f.name === s)).toBe(true)
      }
  })

  it('are what app:info tells the form, with labelled kinds and methods', () => {
    for (const k of appInfo('web').profileKinds) {
      expect(k.label).toBe(PROFILE_PROVIDERS[k.kind].label)
      expect(k.fields).toEqual(PROFILE_FIELDS[k.kind])
      for (const m of k.methods) expect(m.label).toBe(METHOD_LABELS[k.kind][m.method])
    }
  })

  it('show only the chosen method’s fields (Vault token vs AppRole)', () => {
    const token = fieldsOf('vault', 'token').map((f) => f.id)
    const approle = fieldsOf('vault', 'approle').map((f) => f.id)
    expect(token).toContain('secret.token')
    expect(token).not.toContain('param.role_id')
    expect(approle).toEqual(expect.arrayContaining(['param.role_id', 'secret.secretId']))
    expect(approle).not.toContain('secret.token')
    for (const shared of ['url', 'kwarg.mount_point', 'kwarg.kv_engine_version', 'kwarg.namespace'])
      expect(token.includes(shared) && approle.includes(shared)).toBe(true)
  })

  it('give Vault Kubernetes auth a required role, an optional JWT path and mount, and no secret', () => {
    const k8s = fieldsOf('vault', 'kubernetes')
    const ids = k8s.map((f) => f.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'kwarg.kubernetes_role',
        'kwarg.kubernetes_jwt_path',
        'kwarg.auth_mount_point'
      ])
    )
    expect(k8s.filter((f) => f.store === 'secret')).toEqual([])
    expect(methodOf('vault', 'kubernetes').secrets).toEqual([])
    const byId = Object.fromEntries(k8s.map((f) => [f.id, f]))
    expect(byId['kwarg.kubernetes_role']!.required).toBe(true)
    expect(byId['kwarg.kubernetes_jwt_path']!.required).toBe(false)
    expect(byId['kwarg.kubernetes_jwt_path']!.placeholder).toBe(
      '/var/run/secrets/kubernetes.io/serviceaccount/token'
    )
    expect(byId['kwarg.auth_mount_point']!.placeholder).toBe('kubernetes')
    expect(
      fieldsOf('vault', 'approle').find((f) => f.id === 'kwarg.auth_mount_point')!.placeholder
    ).toBe('approle')
    expect(fieldsOf('vault', 'token').map((f) => f.id)).not.toContain('kwarg.kubernetes_role')
    expect(problems('vault', 'kubernetes', { url: 'http://v' })).toEqual([
      'Kubernetes role (backend_kwargs kubernetes_role) is required'
    ])
    expect(
      problems('vault', 'kubernetes', { url: 'http://v', backendKwargs: { kubernetes_role: 'r' } })
    ).toEqual([])
    expect(METHOD_LABELS.vault.kubernetes).toMatch('Kubernetes')
  })

  it('mark an AWS session token optional and the secret access key required for static keys', () => {
    expect(secretIsOptional('aws-ssm', 'static', 'sessionToken')).toBe(true)
    expect(secretIsOptional('aws-ssm', 'static', 'secretAccessKey')).toBe(false)
    expect(secretIsOptional('vault', 'token', 'token')).toBe(false)
    expect(secretIsOptional('metadb', 'none', 'fernetKey')).toBe(true)
    expect(AWS_REGIONS.map((r) => r.value)).toEqual(
      expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-southeast-2'])
    )
  })

  it('refuse a missing required field by its label and where the CLI takes it', () => {
    expect(problems('vault', 'token', {})).toEqual(['Vault URL (--url) is required'])
    expect(problems('vault', 'approle', { url: 'http://v' })).toEqual([
      'Role ID (--param role_id) is required'
    ])
    expect(problems('metadb', 'none', {})).toEqual(['Database URL (--url) is required'])
    expect(problems('azure-key-vault', 'client-secret', { url: 'https://x' })).toEqual([
      'Tenant ID (--param tenant_id) is required',
      'Client ID (--param client_id) is required'
    ])
    expect(problems('gcp-secret-manager', 'key-file', {})).toEqual([
      'Key file (backend_kwargs gcp_key_path) is required'
    ])
    expect(problems('aws-secrets-manager', 'static', {})).toEqual([
      'Access key ID (--param access_key_id) is required'
    ])
    // a kwarg Airflow takes for the same thing stands in for the field
    expect(problems('vault', 'token', { backendKwargs: { url: 'http://v' } })).toEqual([])
    expect(problems('aws-ssm', 'default-chain', {})).toEqual([])
  })

  it('refuse a choice not offered, a number out of range and a parameter the method lacks', () => {
    expect(
      problems('vault', 'token', { url: 'http://v', backendKwargs: { kv_engine_version: 3 } })
    ).toEqual(['KV version (backend_kwargs kv_engine_version) must be one of 2, 1'])
    expect(problems('aws-ssm', 'default-chain', { region: 'mars-1' })).toEqual([
      'Region (--region) is not a known one (e.g. us-east-1)'
    ])
    // a region AWS opened after this list is still taken when spelled like one
    expect(problems('aws-ssm', 'default-chain', { region: 'eu-east-7' })).toEqual([])
    expect(
      problems('aws-ssm', 'assume-role', {
        params: { role_arn: 'arn:aws:iam::123456789012:role/x', duration_seconds: '60' }
      })
    ).toEqual(['Session duration (seconds) (--param duration_seconds) must be from 900 to 43200'])
    expect(problems('aws-ssm', 'default-chain', { params: { role_arn: 'x' } })).toEqual([
      '--param role_arn: the default-chain credential method takes no parameters'
    ])
  })
})

describe('Profiles add and edit check the fields', () => {
  let dir: string
  let profiles: Profiles
  beforeEach(() => {
    dir = tempDir('airlock-fields-')
    profiles = new Profiles(new SettingsStore(dir), new MemoryKeychain())
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const vault: ProfileInput = {
    name: 'v',
    kind: 'vault',
    url: null,
    region: null,
    airflowVersion: null,
    backendKwargs: {},
    credential: { method: 'token', params: {} }
  }

  it('refuses a Vault profile without its URL, naming it, and writes nothing', async () => {
    await expect(profiles.add(vault, { token: 'tok-1' })).rejects.toThrow(
      'Profile "v": Vault URL (--url) is required. Nothing was saved.'
    )
    expect(existsSync(join(dir, 'settings.json'))).toBe(false)
    expect(await profiles.keychain.get('profile:v')).toBeUndefined()
  })

  it('reads back kwargs names holding escapes as written (Node 24 JSON.parse read the second as `\\`, ADR 0003)', async () => {
    const url = 'http://127.0.0.1:8200'
    await profiles.add(
      { ...vault, name: 'p1', url, backendKwargs: { mount_point: 'a', '\\': 'one' } },
      { token: 't' }
    )
    await profiles.add(
      { ...vault, name: 'p2', url, backendKwargs: { mount_point: 'a', '"': 'two' } },
      { token: 't' }
    )
    // a fresh read of the one settings file holding both
    const again = new Profiles(new SettingsStore(dir), new MemoryKeychain())
    expect(again.get('p1').backendKwargs).toEqual({ mount_point: 'a', '\\': 'one' })
    expect(again.get('p2').backendKwargs).toEqual({ mount_point: 'a', '"': 'two' })
  })

  it('refuses an edit that empties a required field and keeps the profile as it was', async () => {
    await profiles.add({ ...vault, url: 'http://127.0.0.1:8200' }, { token: 'tok-1' })
    const before = readFileSync(join(dir, 'settings.json'), 'utf8')
    await expect(
      profiles.edit('v', { credential: { method: 'approle', params: {} } })
    ).rejects.toThrow('Role ID (--param role_id) is required')
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).toBe(before)
  })

  it('imports airflow.cfg auth_type kubernetes as the Kubernetes method, its kwargs as Airflow names them', async () => {
    const cfg = join(dir, 'airflow.cfg')
    writeFileSync(
      cfg,
      [
        '[secrets]',
        'backend = airflow.providers.hashicorp.secrets.vault.VaultBackend',
        'backend_kwargs = {"url": "http://vault:8200", "mount_point": "airflow", "auth_type": "kubernetes", "kubernetes_role": "airflow-worker", "kubernetes_jwt_path": "/var/run/secrets/custom/token", "auth_mount_point": "k8s-prod"}',
        ''
      ].join('\n')
    )
    const loaded = await loadAirflowConfig({ env: {}, path: cfg, airflowVersion: '2.10.5' })
    const [made] = await profiles.importFromAirflow(loaded.profile, 'prod')
    expect(made!.kind).toBe('vault')
    expect(made!.credential).toEqual({ method: 'kubernetes', params: {} })
    expect(made!.backendKwargs).toMatchObject({
      auth_type: 'kubernetes',
      kubernetes_role: 'airflow-worker',
      kubernetes_jwt_path: '/var/run/secrets/custom/token',
      auth_mount_point: 'k8s-prod'
    })
    expect(await profiles.keychain.get('profile:prod-vault')).toBeUndefined()
    expect(await profiles.secretStatus('prod-vault')).toEqual({})
    const backend = vaultFromProfile({
      kind: 'vault',
      name: made!.name,
      id: `vault:${made!.name}`,
      url: made!.url,
      region: null,
      backendKwargs: made!.backendKwargs,
      method: made!.credential.method,
      params: made!.credential.params,
      secrets: {},
      dialect: 'airflow2'
    })
    expect(backend.settings).toMatchObject({
      authType: 'kubernetes',
      kubernetesRole: 'airflow-worker',
      kubernetesJwtPath: '/var/run/secrets/custom/token',
      authMountPoint: 'k8s-prod'
    })
    await backend.close()
  })

  it('imports airflow.cfg auth_type approle with role_id in backend_kwargs', async () => {
    const cfg = join(dir, 'airflow.cfg')
    writeFileSync(
      cfg,
      [
        '[secrets]',
        'backend = airflow.providers.hashicorp.secrets.vault.VaultBackend',
        'backend_kwargs = {"url": "http://vault:8200", "auth_type": "approle", "role_id": "r-1", "secret_id": "s-1"}',
        ''
      ].join('\n')
    )
    const loaded = await loadAirflowConfig({ env: {}, path: cfg, airflowVersion: '2.10.5' })
    const [made] = await profiles.importFromAirflow(loaded.profile, 'prod')
    expect(made!.credential.method).toBe('approle')
    expect(made!.backendKwargs).toMatchObject({ role_id: 'r-1' })
    expect(await profiles.secretStatus('prod-vault')).toEqual({ secretId: 'stored' })
  })

  it('says an optional secret not set is optional, a required one missing', async () => {
    await profiles.add(
      {
        ...vault,
        name: 'aws',
        kind: 'aws-ssm',
        region: 'eu-west-1',
        credential: { method: 'static', params: { access_key_id: 'AKIAEXAMPLE' } }
      },
      {}
    )
    expect(await profiles.secretStatus('aws')).toEqual({
      secretAccessKey: 'missing',
      sessionToken: 'optional'
    })
  })
})
