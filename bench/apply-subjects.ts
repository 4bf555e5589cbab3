/**
 * More services for the apply-under-a-quota figure (bench/engine.ts's `benchApply`): SSM
 * Parameter Store (ThrottlingException, no Retry-After), Azure Key Vault (429 `Throttled`
 * with Retry-After) and GCP Secret Manager (RESOURCE_EXHAUSTED), each on its emulator under a
 * request quota of Q per second, each with the naive sequential loop a hand-written migration
 * makes through the same SDK (its default retries).
 */
import * as grpc from '@grpc/grpc-js'
import { SecretManagerServiceClient } from '@google-cloud/secret-manager'
import { OAuth2Client } from 'google-auth-library'
import { GcpSecretManagerBackend } from '../src-main/backends/gcp-secret-manager'
import { startGcpSecretManagerEmulator } from '../test/support/emulators/gcp-secret-manager'
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm'
import { ClientSecretCredential } from '@azure/identity'
import { SecretClient } from '@azure/keyvault-secrets'
import { AwsSsmBackend } from '../src-main/backends/aws-ssm'
import { AzureKeyVaultBackend } from '../src-main/backends/azure-key-vault'
import { serializeConnectionUri } from '../src-main/core/codecs/connection-uri'
import type { Entry } from '../src-main/core/model'
import { startAwsEmulator } from '../test/support/emulators/aws'
import { startAzureKeyVaultEmulator } from '../test/support/emulators/azure-key-vault'
import type { ApplySubject } from './engine'
import { quotaLog } from './quota-share'

const idOf = (e: Entry) => (e.kind === 'connection' ? e.id : e.key)
const valueOf = (e: Entry) =>
  e.kind === 'connection' ? serializeConnectionUri(e.fields, 'airflow3') : e.value

export async function ssmSubject(quota: number): Promise<ApplySubject> {
  const { rateLimit, takes } = quotaLog(quota)
  const emu = await startAwsEmulator({ rateLimit })
  const client = new SSMClient({
    endpoint: emu.url,
    region: emu.region,
    credentials: emu.credentials
  })
  return {
    name: 'AWS SSM Parameter Store (ThrottlingException)',
    quota,
    takes,
    target: new AwsSsmBackend({
      id: 'aws-ssm:bench',
      backendKwargs: {},
      endpoint: emu.url,
      region: emu.region,
      credentials: emu.credentials,
      concurrency: 16
    }),
    accepted: () => emu.requests.filter((r) => !r.fault).length,
    throttled: () => emu.requests.filter((r) => r.fault === 'throttle').length,
    // The SDK's default retry strategy (3 attempts, backoff) handles throttling here.
    naiveWrite: async (e) => {
      await client.send(
        new PutParameterCommand({
          Name: `/naive/${idOf(e)}`,
          Value: valueOf(e),
          Type: 'SecureString',
          Overwrite: true
        })
      )
    },
    stop: async () => {
      client.destroy()
      await emu.close()
    }
  }
}

export async function azureSubject(quota: number): Promise<ApplySubject> {
  const { rateLimit, takes } = quotaLog(quota)
  const emu = await startAzureKeyVaultEmulator({ rateLimit })
  const credential = () =>
    new ClientSecretCredential(emu.tenantId, emu.clientId, emu.clientSecret, {
      authorityHost: emu.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: emu.ca }
    })
  const clientOptions = {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emu.ca }
  }
  const client = new SecretClient(emu.vaultUrl, credential(), clientOptions)
  const operations = () => [...emu.requests.values()].reduce((a, b) => a + b, 0)
  return {
    name: 'Azure Key Vault (429 Throttled + Retry-After)',
    quota,
    takes,
    target: new AzureKeyVaultBackend({
      id: 'azure:bench',
      backendKwargs: { vault_url: emu.vaultUrl },
      credential: credential(),
      clientOptions,
      concurrency: 16
    }),
    accepted: operations,
    throttled: () => emu.events.get('throttled') ?? 0,
    // The SDK's default policies wait out Retry-After (3 retries).
    naiveWrite: async (e) => {
      await client.setSecret(`naive-${idOf(e).replace(/[^0-9A-Za-z-]/g, '-')}`, valueOf(e))
    },
    stop: () => emu.stop()
  }
}

export async function gcpSubject(quota: number): Promise<ApplySubject> {
  process.env.METADATA_SERVER_DETECTION = 'none'
  const { rateLimit, takes } = quotaLog(quota)
  const emu = await startGcpSecretManagerEmulator({ rateLimit })
  const clientOptions = {
    ...emu.address,
    sslCreds: grpc.credentials.createInsecure(),
    authClient: new OAuth2Client(),
    universeDomain: 'googleapis.com'
  }
  const client = new SecretManagerServiceClient(clientOptions)
  const calls = () => [...emu.requests.values()].reduce((a, b) => a + b, 0)
  const throttled = () => emu.events.get('throttled') ?? 0
  const parent = `projects/${emu.projectId}`
  return {
    name: 'GCP Secret Manager (RESOURCE_EXHAUSTED)',
    quota,
    takes,
    target: new GcpSecretManagerBackend({
      id: 'gcp:bench',
      backendKwargs: { project_id: emu.projectId },
      clientOptions,
      concurrency: 16
    }),
    accepted: () => calls() - throttled(),
    throttled,
    // The SDK's defaults: these calls are not retried on RESOURCE_EXHAUSTED.
    naiveWrite: async (e) => {
      const secretId = `naive-${idOf(e).replace(/[^0-9A-Za-z_-]/g, '-')}`
      try {
        await client.createSecret({
          parent,
          secretId,
          secret: { replication: { automatic: {} } }
        })
      } catch (error) {
        if ((error as { code?: number }).code !== grpc.status.ALREADY_EXISTS) throw error
      }
      await client.addSecretVersion({
        parent: `${parent}/secrets/${secretId}`,
        payload: { data: Buffer.from(valueOf(e), 'utf8') }
      })
    },
    stop: async () => {
      await client.close()
      await emu.stop()
    }
  }
}
