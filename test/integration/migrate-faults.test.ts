/**
 * Whole migrations into service emulators that fail 20 % of requests (throttling with and
 * without Retry-After, 5xx, connections dropped before or after the write took effect) and
 * enforce a request quota: every item ends applied or failed with a reason, applying a fresh
 * plan again converges, and the target then holds exactly what the source holds.
 * Every backend: Vault, both AWS services, Azure Key Vault and GCP Secret Manager.
 * Size: 400 items per backend in CI; AIRLOCK_FAULT_ITEMS=2000 for the full run.
 */
import * as grpc from '@grpc/grpc-js'
import { ClientSecretCredential } from '@azure/identity'
import { OAuth2Client } from 'google-auth-library'
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { AwsSecretsManagerBackend } from '../../src-main/backends/aws-secrets-manager'
import { AwsSsmBackend } from '../../src-main/backends/aws-ssm'
import { AzureKeyVaultBackend } from '../../src-main/backends/azure-key-vault'
import { GcpSecretManagerBackend } from '../../src-main/backends/gcp-secret-manager'
import type { Backend } from '../../src-main/backends/backend'
import { InMemoryBackend } from '../../src-main/backends/in-memory'
import { VaultBackend } from '../../src-main/backends/vault'
import { fingerprinter } from '../../src-main/core/fingerprint'
import { connectionEntry, variableEntry, type Entry } from '../../src-main/core/model'
import { entryDigest, plan } from '../../src-main/core/plan'
import { planDocument } from '../../src-main/operations/plan'
import { applyPlan, newPlanKey, signPlan, type JobReport } from '../../src-main/jobs/run-job'
import { openKeychain } from '../../src-main/keychain/keytar-keychain'
import { startAwsEmulator } from '../support/emulators/aws'
import { startVaultEmulator } from '../support/emulators/vault'
import { startAzureKeyVaultEmulator } from '../support/emulators/azure-key-vault'
import { startGcpSecretManagerEmulator } from '../support/emulators/gcp-secret-manager'
import { seededRandom } from '../support/seeded-random'
import { reportFigure } from '../support/figures'
import { osLikeKeychain } from '../support/test-keychain'
import { tempDir } from '../support/temp-dir'

const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)
const N = Number(process.env.AIRLOCK_FAULT_ITEMS ?? 400)
const MARK = 'FAULTCANARY'

function entries(n: number): Entry[] {
  const rand = seededRandom(42)
  const word = () => Math.floor(rand() * 1e9).toString(36)
  return Array.from({ length: n }, (_, i) =>
    i % 2
      ? variableEntry(`fault_var_${i}`, `${MARK}-${word()} /é?#%`)
      : connectionEntry(`fault_conn_${i}`, {
          conn_type: 'postgres',
          host: `db${i}.example.com`,
          login: 'etl',
          password: `${MARK}:${word()}@/`,
          schema: 'dw',
          port: 5432,
          extra: i % 4 === 0 ? JSON.stringify({ sslmode: 'require', n: i }) : null
        })
  )
}

/** What a target can keep of an entry (secrets backends drop descriptions). */
function comparable(e: Entry): string {
  return e.kind === 'variable'
    ? entryDigest({ ...e, description: null, source: undefined })
    : entryDigest({ ...e, fields: { ...e.fields, description: null }, source: undefined })
}

// The real keychain where a session bus is there; else the in-memory one (all a job needs).
const memoryKeychain = osLikeKeychain()

async function migrate(source: Backend, target: Backend, dataDir: string): Promise<JobReport> {
  const keychain = hasBus ? await openKeychain() : memoryKeychain
  const planId = `faults-${Date.now()}-${Math.random().toString(36).slice(2)}`
  const fp = fingerprinter(await newPlanKey(keychain, planId))
  const [s, t] = [await source.load({}), await target.load({})]
  const result = plan(s.entries, t.entries, { onConflict: 'overwrite' }, fp)
  const doc = planDocument({
    planId,
    source: source.id,
    target: target.id,
    dialect: 'airflow3',
    options: { onConflict: 'overwrite' },
    result
  })
  return applyPlan(await signPlan(doc, keychain), source, target, {
    dataDir,
    keychain,
    backoffMs: 20
  })
}

interface Subject {
  name: string
  target: () => Backend
  faultsOff: () => void
  faultCount: () => number
  stop: () => Promise<void>
}

const FAULTS = { throttleRate: 0.08, errorRate: 0.06, dropRate: 0.06 }

async function vaultSubject(): Promise<Subject> {
  // The seeded 429s carry no Retry-After (as from a proxy); the quota's 429s carry it.
  const emu = await startVaultEmulator({
    seed: 7,
    ...FAULTS,
    retryAfterSeconds: null,
    rateLimit: { rate: 400 }
  })
  return {
    name: 'Vault (429 with Retry-After, 503, drops, a 400 req/s quota)',
    target: () =>
      new VaultBackend({
        id: 'vault:faults',
        backendKwargs: { url: emu.url, token: emu.rootToken },
        retry: { attempts: 6, baseDelayMs: 10, maxDelayMs: 200 }
      }),
    faultsOff: () =>
      emu.setFaults({ throttleRate: 0, errorRate: 0, dropRate: 0, rateLimit: undefined }),
    faultCount: () => emu.requests.filter((r) => r.fault).length,
    stop: () => emu.close()
  }
}

async function awsSubject(service: 'sm' | 'ssm'): Promise<Subject> {
  const emu = await startAwsEmulator({
    seed: service === 'sm' ? 9 : 10,
    throttleRate: 0.08,
    errorRate: 0.06,
    dropRate: 0.03,
    dropAfterApplyRate: 0.03,
    rateLimit: { rate: 400 }
  })
  const common = {
    backendKwargs: {},
    endpoint: emu.url,
    region: emu.region,
    credentials: emu.credentials,
    maxAttempts: 6,
    requestTimeoutMs: 5_000
  }
  return {
    name:
      service === 'sm'
        ? 'AWS Secrets Manager (ThrottlingException, 5xx, drops before and after applying)'
        : 'AWS SSM Parameter Store (the same faults)',
    target: () =>
      service === 'sm'
        ? new AwsSecretsManagerBackend({ id: 'aws-sm:faults', ...common })
        : new AwsSsmBackend({ id: 'aws-ssm:faults', ...common }),
    faultsOff: () => emu.setFaults({}),
    faultCount: () => emu.requests.filter((r) => r.fault).length,
    stop: () => emu.close()
  }
}

/** Throttling, errors and drops counted by the Azure and GCP emulators. */
function faultEvents(events: ReadonlyMap<string, number>): number {
  return ['throttled', 'fault', 'dropped'].reduce((n, k) => n + (events.get(k) ?? 0), 0)
}

async function azureSubject(): Promise<Subject> {
  // 429s without Retry-After (as from a gateway): the SDK does not retry them; the pacer and
  // the job's own retries do. 503s and drops the SDK retries itself.
  const emu = await startAzureKeyVaultEmulator({ seed: 11, ...FAULTS, retryAfterSeconds: null })
  return {
    name: 'Azure Key Vault (429, 503, drops)',
    target: () =>
      new AzureKeyVaultBackend({
        id: 'azure-key-vault:faults',
        backendKwargs: { vault_url: emu.vaultUrl },
        credential: new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
          authorityHost: emu.authorityHost,
          disableInstanceDiscovery: true,
          tlsOptions: { ca: emu.ca }
        }),
        clientOptions: {
          disableChallengeResourceVerification: true,
          tlsOptions: { ca: emu.ca },
          retryOptions: { retryDelayInMs: 2, maxRetryDelayInMs: 20, maxRetries: 6 }
        },
        pollIntervalMs: 5,
        concurrency: 16
      }),
    faultsOff: () =>
      (emu.options = { ...emu.options, ...{ throttleRate: 0, errorRate: 0, dropRate: 0 } }),
    faultCount: () => faultEvents(emu.events),
    stop: () => emu.stop()
  }
}

async function gcpSubject(): Promise<Subject> {
  const emu = await startGcpSecretManagerEmulator({ seed: 12, ...FAULTS })
  return {
    name: 'GCP Secret Manager (RESOURCE_EXHAUSTED, UNAVAILABLE, dropped connections)',
    target: () =>
      new GcpSecretManagerBackend({
        id: 'gcp-secret-manager:faults',
        backendKwargs: { project_id: emu.projectId },
        clientOptions: {
          ...emu.address,
          sslCreds: grpc.credentials.createInsecure(),
          authClient: new OAuth2Client(),
          universeDomain: 'googleapis.com'
        },
        retry: { initialDelayMs: 2, maxDelayMs: 20, multiplier: 1.5, maxRetries: 8 },
        concurrency: 16
      }),
    faultsOff: () => emu.configure({ throttleRate: 0, errorRate: 0, dropRate: 0 }),
    faultCount: () => faultEvents(emu.events),
    stop: () => emu.stop()
  }
}

describe('migrations under 20 % injected faults', async () => {
  const subjects = [
    await vaultSubject(),
    await awsSubject('sm'),
    await awsSubject('ssm'),
    await azureSubject(),
    await gcpSubject()
  ]
  const dataDir = tempDir('airlock-faults-')
  afterAll(async () => {
    for (const s of subjects) await s.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  for (const subject of subjects)
    it(`${subject.name}: every item applied or failed with a reason; re-applying converges`, async () => {
      const data = entries(N)
      const source = new InMemoryBackend({ id: 'memory:faults', entries: data })
      const target = subject.target()
      try {
        const first = await migrate(source, target, dataDir)
        expect(first.applied + first.failed.length).toBe(N)
        for (const f of first.failed) {
          expect(f.code).toMatch(/^(backend|job)\./)
          expect(f.message.length).toBeGreaterThan(10)
          expect(f.message).not.toContain(MARK)
        }
        expect(subject.faultCount()).toBeGreaterThan(N * 0.1)
        reportFigure({
          kind: 'faults',
          backend: subject.name,
          items: N,
          faults: subject.faultCount(),
          failedFirst: first.failed.length
        })
        // Apply fresh plans until nothing is left (faults still on): it converges.
        let rounds = 0
        for (let last = first; last.failed.length && rounds < 4; rounds++)
          last = await migrate(source, target, dataDir)
        subject.faultsOff()
        const after = await target.load({})
        expect(after.problems).toEqual([])
        const want = new Map(data.map((e) => [comparable(e), true]))
        const got = after.entries.map(comparable)
        expect(got.length).toBe(N)
        expect(got.filter((g) => !want.has(g))).toEqual([])
        // And the plan from here is empty.
        const final = await migrate(source, target, dataDir)
        expect(final.applied + final.failed.length).toBe(0)
      } finally {
        await target.close?.()
      }
    }, 240_000)
})
