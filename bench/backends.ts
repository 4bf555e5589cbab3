/**
 * `npm run bench -- backends`: read N items from each service emulator through its official
 * SDK — Airlock's load (listing pages, batch reads) side by side with the naive anchor (one
 * read request per item after the listing) — printing requests per item and items per second.
 */
import * as grpc from '@grpc/grpc-js'
import { ClientSecretCredential } from '@azure/identity'
import { OAuth2Client } from 'google-auth-library'
import type { Backend } from '../src-main/backends/backend'
import { AzureKeyVaultBackend } from '../src-main/backends/azure-key-vault'
import { GcpSecretManagerBackend } from '../src-main/backends/gcp-secret-manager'
import { VaultBackend } from '../src-main/backends/vault'
import { AwsSecretsManagerBackend } from '../src-main/backends/aws-secrets-manager'
import { AwsSsmBackend } from '../src-main/backends/aws-ssm'
import { startAwsEmulator } from '../test/support/emulators/aws'
import { variableEntry } from '../src-main/core/model'
import { startAzureKeyVaultEmulator } from '../test/support/emulators/azure-key-vault'
import { startGcpSecretManagerEmulator } from '../test/support/emulators/gcp-secret-manager'
import { startVaultEmulator } from '../test/support/emulators/vault'
import type { BenchContext, BenchFigure } from './harness'

interface Subject {
  name: string
  backend: Backend
  requests: () => number
  bound: string
  stop: () => Promise<void>
}

async function subjects(): Promise<Subject[]> {
  process.env.METADATA_SERVER_DETECTION = 'none'
  const vault = await startVaultEmulator()
  const azure = await startAzureKeyVaultEmulator()
  const gcp = await startGcpSecretManagerEmulator()
  const aws = await startAwsEmulator()
  const awsOptions = {
    endpoint: aws.url,
    region: aws.region,
    credentials: aws.credentials,
    concurrency: 16
  }
  let awsStopped = false
  const stopAws = async () => {
    if (!awsStopped) await aws.close()
    awsStopped = true
  }
  const sum = (m: Map<unknown, number>) => [...m.values()].reduce((a, b) => a + b, 0)
  return [
    {
      name: 'Vault KV v2',
      backend: new VaultBackend({
        id: 'vault:bench',
        backendKwargs: { url: vault.url, token: vault.rootToken }
      }),
      requests: () => vault.requests.length,
      bound: 'LIST per folder + 1 GET per secret (Vault has no batch read)',
      stop: () => vault.close()
    },
    {
      name: 'Azure Key Vault',
      backend: new AzureKeyVaultBackend({
        id: 'azure:bench',
        backendKwargs: { vault_url: azure.vaultUrl },
        credential: new ClientSecretCredential(azure.tenantId, azure.clientId, azure.clientSecret, {
          authorityHost: azure.authorityHost,
          disableInstanceDiscovery: true,
          tlsOptions: { ca: azure.ca }
        }),
        clientOptions: { disableChallengeResourceVerification: true, tlsOptions: { ca: azure.ca } },
        concurrency: 16
      }),
      requests: () => azure.requestCount,
      bound: '1 list page per 25 + 1 GET per secret (no batch read)',
      stop: () => azure.stop()
    },
    {
      name: 'GCP Secret Manager',
      backend: new GcpSecretManagerBackend({
        id: 'gcp:bench',
        backendKwargs: { project_id: gcp.projectId },
        clientOptions: {
          ...gcp.address,
          sslCreds: grpc.credentials.createInsecure(),
          authClient: new OAuth2Client(),
          universeDomain: 'googleapis.com'
        },
        concurrency: 16
      }),
      requests: () => sum(gcp.requests as Map<unknown, number>),
      bound: '1 list page per 25 000 + 1 access per secret (no batch read)',
      stop: () => gcp.stop()
    },
    {
      name: 'AWS Secrets Manager',
      backend: new AwsSecretsManagerBackend({
        id: 'aws-sm:bench',
        backendKwargs: {},
        ...awsOptions
      }),
      requests: () => aws.requests.filter((r) => r.service === 'secretsmanager').length,
      bound: 'ListSecrets pages of 100 + BatchGetSecretValue of 20',
      stop: async () => undefined
    },
    {
      name: 'AWS SSM Parameter Store',
      backend: new AwsSsmBackend({ id: 'aws-ssm:bench', backendKwargs: {}, ...awsOptions }),
      requests: () => aws.requests.filter((r) => r.service === 'ssm').length,
      bound: 'GetParametersByPath pages of 10',
      stop: stopAws
    }
  ]
}

export async function benchBackends(ctx: BenchContext): Promise<BenchFigure[]> {
  const n = ctx.smoke ? 200 : 5_000
  const figures: BenchFigure[] = []
  for (const s of await subjects()) {
    try {
      const entries = Array.from({ length: n }, (_, i) =>
        variableEntry(`bench_var_${i}`, `value ${i} with spaces/é`)
      )
      for (let i = 0; i < n; i += 500) await s.backend.write(entries.slice(i, i + 500))
      let before = s.requests()
      let t0 = performance.now()
      const loaded = await s.backend.load({})
      const airlockSeconds = (performance.now() - t0) / 1000
      const airlockRequests = s.requests() - before
      if (loaded.entries.length !== n)
        throw new Error(`${s.name}: loaded ${loaded.entries.length} of ${n}`)
      before = s.requests()
      t0 = performance.now()
      const refs = await s.backend.list({})
      for (const ref of refs) await s.backend.read(ref)
      const naiveSeconds = (performance.now() - t0) / 1000
      const naiveRequests = s.requests() - before
      figures.push({
        name: `${s.name}: read ${n.toLocaleString('en')} items`,
        airlock: {
          value: n / airlockSeconds,
          unit: `items/s, ${(airlockRequests / n).toFixed(2)} req/item`,
          spread: 0
        },
        anchor: {
          name: `one read per item (${(naiveRequests / n).toFixed(2)} req/item)`,
          value: n / naiveSeconds,
          unit: 'items/s',
          spread: 0
        },
        ratio: naiveSeconds / airlockSeconds,
        goal: `requests/item within the API bound: ${s.bound}`,
        pass: airlockRequests / n <= 1.1
      })
    } finally {
      await s.backend.close?.()
      await s.stop()
    }
  }
  return figures
}
