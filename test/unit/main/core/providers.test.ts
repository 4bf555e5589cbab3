// The provider table (core/providers.ts) and every list derived from it agree: a sixth
// secrets service added as one record shows up everywhere, and nothing lists kinds on its own.
import { describe, expect, it } from 'vitest'
import {
  BACKEND_KINDS,
  LOCAL_STORE_KINDS,
  PROFILE_KIND_IDS,
  PROFILE_PROVIDERS,
  SECRETS_SERVICES,
  SECRETS_SERVICE_KINDS,
  SECRET_KWARGS,
  SECRET_LABELS,
  credentialMethodNames,
  profileKindsInfo,
  secretsServiceOfClass
} from '../../../../src-main/core/providers'
import { PROFILE_SECRET_FIELDS } from '../../../../src-main/contract/providers'
import { PROFILE_KIND_IDS as IPC_PROFILE_KIND_IDS } from '../../../../src-main/contract/ipc'
import {
  LOOKUP_BACKENDS,
  LOOKUP_BACKEND_CLASSES,
  decodeStored,
  explainLookup
} from '../../../../src-main/core/airflow-secrets'
import { explainVault, decodeVault } from '../../../../src-main/core/airflow-secrets/vault'
import { CREDENTIAL_METHODS, PROFILE_KINDS } from '../../../../src-main/platform/settings'
import { secretsNeeded } from '../../../../src-main/platform/profiles'
import { LOCATOR_SCHEMES } from '../../../../src-main/operations/open-store'
import { appInfo } from '../../../../src-main/ipc/handlers/app'

describe('provider table', () => {
  it('has one record per profile kind, each under its own kind', () => {
    expect(Object.keys(PROFILE_PROVIDERS).sort()).toEqual([...PROFILE_KIND_IDS].sort())
    for (const [key, record] of Object.entries(PROFILE_PROVIDERS)) expect(record.kind).toBe(key)
    expect(Object.keys(SECRETS_SERVICES).sort()).toEqual([...SECRETS_SERVICE_KINDS].sort())
    expect(PROFILE_KIND_IDS).toEqual(['metadb', ...SECRETS_SERVICE_KINDS])
  })

  it('gives every kind a label, credential methods and a locator scheme the registry opens', () => {
    for (const record of Object.values(PROFILE_PROVIDERS)) {
      expect(record.label.trim()).not.toBe('')
      expect(record.credentialMethods.length).toBeGreaterThan(0)
      const names = record.credentialMethods.map((m) => m.method)
      expect(new Set(names).size).toBe(names.length)
      expect(LOCATOR_SCHEMES as readonly string[]).toContain(record.locatorScheme)
    }
    const schemes = Object.values(PROFILE_PROVIDERS).map((r) => r.locatorScheme)
    expect(new Set(schemes).size).toBe(schemes.length)
  })

  it('labels every secret a credential method asks for, and no param looks like a secret', () => {
    expect(Object.keys(SECRET_LABELS).sort()).toEqual([...PROFILE_SECRET_FIELDS].sort())
    for (const record of Object.values(PROFILE_PROVIDERS))
      for (const m of record.credentialMethods) {
        for (const s of m.secrets) expect(SECRET_LABELS[s]).toBeTruthy()
        // the CLI refuses --param names like these: they would never reach the profile
        for (const p of m.params) expect(p).not.toMatch(/secret|password|token|private/i)
      }
  })

  it('gives every secrets service a class path, a lookup module and only its own classes', () => {
    const seen = new Set<string>()
    for (const kind of SECRETS_SERVICE_KINDS) {
      const record = SECRETS_SERVICES[kind]
      expect(record.classPaths.length).toBeGreaterThan(0)
      for (const path of record.classPaths) {
        expect(seen.has(path)).toBe(false)
        seen.add(path)
        expect(secretsServiceOfClass(path)).toBe(kind)
      }
      expect(typeof record.lookup.explain).toBe('function')
      expect(typeof record.lookup.decode).toBe('function')
      expect(record.secretKwargs.length).toBeGreaterThan(0)
    }
    expect(secretsServiceOfClass('airflow.secrets.local_filesystem.LocalFilesystemBackend')).toBe(
      undefined
    )
    expect(secretsServiceOfClass('constructor')).toBe(undefined)
  })

  it('has the imported credential method be one of the kind’s methods', () => {
    const samples: Record<string, unknown>[] = [
      {},
      { auth_type: 'approle', role_id: 'r' },
      { auth_type: 'kubernetes', kubernetes_role: 'r' },
      { client_id: 'c', tenant_id: 't' }
    ]
    for (const kind of SECRETS_SERVICE_KINDS)
      for (const kwargs of samples)
        for (const secretKwargs of [{}, { gcp_keyfile_dict: '{}' }])
          expect(credentialMethodNames(kind)).toContain(
            SECRETS_SERVICES[kind].importedMethod(kwargs, secretKwargs)
          )
  })

  it('lists every secrets service among the backend kinds, once', () => {
    expect(new Set(BACKEND_KINDS).size).toBe(BACKEND_KINDS.length)
    for (const kind of SECRETS_SERVICE_KINDS) expect(BACKEND_KINDS).toContain(kind)
    for (const kind of LOCAL_STORE_KINDS) expect(BACKEND_KINDS).toContain(kind)
  })
})

describe('lists derived from the provider table', () => {
  it('explain and decode know exactly the secrets services', () => {
    expect(LOOKUP_BACKENDS).toEqual(SECRETS_SERVICE_KINDS)
    expect(Object.values(LOOKUP_BACKEND_CLASSES).sort()).toEqual([...SECRETS_SERVICE_KINDS].sort())
    for (const [path, kind] of Object.entries(LOOKUP_BACKEND_CLASSES))
      expect(SECRETS_SERVICES[kind].classPaths).toContain(path)
  })

  it('dispatches explain and decode to the service’s own module', () => {
    const kwargs = { token: 't' }
    expect(explainLookup('vault', kwargs, 'variable', 'k')).toEqual(
      explainVault(kwargs, 'variable', 'k')
    )
    expect(SECRETS_SERVICES.vault.lookup.explain).toBe(explainVault)
    expect(SECRETS_SERVICES.vault.lookup.decode).toBe(decodeVault)
    expect(decodeStored('vault', kwargs, 'variable', 'k', null)).toEqual(
      decodeVault(kwargs, 'variable', 'k', null)
    )
  })

  it('the settings schema, the IPC contract and the profile kinds agree', () => {
    expect(PROFILE_KINDS).toEqual(PROFILE_KIND_IDS)
    expect(IPC_PROFILE_KIND_IDS).toEqual(PROFILE_KIND_IDS)
    for (const kind of PROFILE_KIND_IDS)
      expect(CREDENTIAL_METHODS[kind]).toEqual(credentialMethodNames(kind))
  })

  it('keeps the credential methods, their secrets and the secret kwargs Airlock had', () => {
    expect(CREDENTIAL_METHODS).toEqual({
      metadb: ['password', 'none'],
      vault: ['token', 'approle', 'kubernetes'],
      'aws-secrets-manager': ['default-chain', 'profile', 'static', 'assume-role'],
      'aws-ssm': ['default-chain', 'profile', 'static', 'assume-role'],
      'azure-key-vault': ['client-secret', 'default'],
      'gcp-secret-manager': ['service-account-key', 'key-file', 'adc']
    })
    const needed = Object.fromEntries(
      PROFILE_KIND_IDS.map((kind) => [
        kind,
        Object.fromEntries(CREDENTIAL_METHODS[kind].map((m) => [m, secretsNeeded(kind, m)]))
      ])
    )
    const aws = {
      'default-chain': [],
      profile: [],
      static: ['secretAccessKey', 'sessionToken'],
      'assume-role': ['secretAccessKey', 'sessionToken']
    }
    expect(needed).toEqual({
      metadb: { password: ['password', 'fernetKey'], none: ['fernetKey'] },
      vault: { token: ['token'], approle: ['secretId'], kubernetes: [] },
      'aws-secrets-manager': aws,
      'aws-ssm': aws,
      'azure-key-vault': { 'client-secret': ['clientSecret'], default: [] },
      'gcp-secret-manager': {
        'service-account-key': ['serviceAccountKey'],
        'key-file': [],
        adc: []
      }
    })
    expect([...SECRET_KWARGS].sort()).toEqual(
      [
        'token',
        'secret_id',
        'password',
        'client_secret',
        'gcp_keyfile_dict',
        'aws_secret_access_key',
        'aws_session_token',
        'radius_secret',
        'jwt_token'
      ].sort()
    )
  })

  it('app:info tells the profile form every kind, its methods and its secrets’ labels', () => {
    const info = appInfo('web').profileKinds
    expect(info).toEqual(profileKindsInfo())
    expect(info.map((k) => k.kind)).toEqual([...PROFILE_KIND_IDS])
    for (const k of info) {
      expect(k.methods.map((m) => m.method)).toEqual(credentialMethodNames(k.kind))
      for (const m of k.methods)
        for (const s of m.secrets) expect(k.secretLabels[s]).toBe(SECRET_LABELS[s as never])
    }
  })
})
