// Interop: Debian's python3-azure (azure.keyvault.secrets.SecretClient, the client Airflow's
// AzureKeyVaultBackend uses, with azure.identity's ClientSecretCredential) against the Azure Key
// Vault emulator over HTTPS, beside Airlock's backend. Each side reads what the other wrote; on
// the Python side Airflow's naming (`_` → `-`, names Key Vault cannot hold are never read) is
// applied. Every check names the Azure documentation page it follows.
import { ClientSecretCredential } from '@azure/identity'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AzureKeyVaultBackend } from '../../../src-main/backends/azure-key-vault'
import { connectionEntry, variableEntry, type ConnectionEntry } from '../../../src-main/core/model'
import {
  startAzureKeyVaultEmulator,
  type AzureKeyVaultEmulator
} from '../../support/emulators/azure-key-vault'
import { airflow, missingClient } from '../../support/interop'
import { tempDir } from '../../support/temp-dir'

const noAzure = missingClient('azure')

let emulator: AzureKeyVaultEmulator
let dir: string
let caPath: string

beforeAll(async () => {
  emulator = await startAzureKeyVaultEmulator()
  dir = tempDir('airlock-interop-')
  caPath = join(dir, 'emulator-ca.pem')
  // Python's TLS stack trusts the emulator's self-signed certificate through this file
  // (azure-core's `connection_verify`), as Node's SDK does through `tlsOptions.ca`.
  await writeFile(caPath, emulator.ca)
})
afterAll(async () => {
  await emulator.stop()
  await rm(dir, { recursive: true, force: true })
})

function airlock(): AzureKeyVaultBackend {
  const b = new AzureKeyVaultBackend({
    id: 'azure-key-vault:interop',
    backendKwargs: { vault_url: emulator.vaultUrl },
    credential: new ClientSecretCredential(
      emulator.tenantId,
      emulator.clientId,
      emulator.clientSecret,
      {
        authorityHost: emulator.authorityHost,
        disableInstanceDiscovery: true,
        tlsOptions: { ca: emulator.ca }
      }
    ),
    clientOptions: { disableChallengeResourceVerification: true, tlsOptions: { ca: emulator.ca } },
    pollIntervalMs: 5
  })
  return b
}

const config = () => ({
  vault_url: emulator.vaultUrl,
  tenant_id: emulator.tenantId,
  client_id: emulator.clientId,
  client_secret: emulator.clientSecret,
  authority_host: emulator.authorityHost,
  ca_path: caPath
})

describe.skipIf(noAzure)(
  noAzure
    ? `21: azure SecretClient interop (skipped: ${noAzure})`
    : '21: azure SecretClient ↔ Airlock on the Key Vault emulator',
  () => {
    // https://learn.microsoft.com/en-us/rest/api/keyvault/secrets/get-secret/get-secret and
    // Airflow's AzureKeyVaultBackend.get_conn_value / get_variable (name: prefix-sep-id, `_` → `-`).
    it("21: Airflow's Key Vault backend (SecretClient) reads what Airlock wrote", async () => {
      await airlock().write([
        connectionEntry('warehouse_db', {
          conn_type: 'postgres',
          host: 'db.internal',
          login: 'airflow',
          password: 'p@ss/word:1',
          schema: 'analytics',
          port: 5432,
          extra: '{"sslmode": "require"}'
        }),
        variableEntry('deploy_region', 'eu-west-1')
      ])
      const [db, region, names] = await airflow('azure', config(), [
        { op: 'get_connection', id: 'warehouse_db' },
        { op: 'get_variable', id: 'deploy_region' },
        { op: 'call', method: 'list_properties_of_secrets' }
      ])
      expect(db!.connection).toEqual({
        conn_type: 'postgres',
        host: 'db.internal',
        login: 'airflow',
        password: 'p@ss/word:1',
        schema: 'analytics',
        port: 5432,
        extra: { sslmode: 'require' }
      })
      expect(region!.value).toBe('eu-west-1')
      expect((names!.response as { name: string }[]).map((n) => n.name).sort()).toEqual([
        'airflow-connections-warehouse-db',
        'airflow-variables-deploy-region'
      ])
    })

    // https://learn.microsoft.com/en-us/rest/api/keyvault/secrets/set-secret/set-secret
    it('21: Airlock reads secrets SecretClient.set_secret wrote, under their Airflow names', async () => {
      const [a, b] = await airflow('azure', config(), [
        {
          op: 'call',
          method: 'set_secret',
          kwargs: {
            name: 'airflow-connections-api',
            value: 'https://svc:s%3Acret@api.internal:8443/v1'
          }
        },
        {
          op: 'call',
          method: 'set_secret',
          kwargs: { name: 'airflow-variables-feature-flag', value: 'on' }
        }
      ])
      expect(a!.error ?? b!.error).toBeUndefined()
      const backend = airlock()
      const api = (await backend.read({ kind: 'connection', id: 'api' })) as ConnectionEntry
      expect(api.fields).toMatchObject({
        conn_type: 'https',
        host: 'api.internal',
        login: 'svc',
        password: 's:cret',
        schema: 'v1',
        port: 8443
      })
      // `feature_flag` and `feature-flag` name the same secret, for Airflow and for Airlock.
      expect(await backend.read({ kind: 'variable', id: 'feature_flag' })).toMatchObject({
        value: 'on'
      })
      const [pyApi, pyFlag] = await airflow('azure', config(), [
        { op: 'get_connection', id: 'api' },
        { op: 'get_variable', id: 'feature_flag' }
      ])
      expect(pyApi!.connection).toMatchObject({ host: 'api.internal', password: 's:cret' })
      expect(pyFlag!.value).toBe('on')
    })

    // https://learn.microsoft.com/en-us/azure/key-vault/general/about-keys-secrets-certificates#object-identifiers
    // (names: 1-127 of 0-9a-zA-Z-); a missing secret is 404 SecretNotFound.
    it('21: SecretClient gets SecretNotFound for a missing secret; Airflow reads None', async () => {
      const [raw, asAirflow, dotted] = await airflow('azure', config(), [
        { op: 'call', method: 'get_secret', kwargs: { name: 'airflow-variables-nothing' } },
        { op: 'get_variable', id: 'nothing' },
        { op: 'get_variable', id: 'has.dot' }
      ])
      expect(raw!.error).toMatchObject({ code: 'ResourceNotFoundError', status: 404 })
      expect(raw!.error!.message).toMatch(/SecretNotFound|not found/i)
      expect(asAirflow).toEqual({ value: null })
      expect(dotted).toEqual({ value: null })
    })
  }
)
