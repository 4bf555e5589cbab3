/**
 * `npm run emulators`: starts the loopback emulators the tests use (Vault, Azure Key Vault,
 * GCP Secret Manager; AWS when present) on 127.0.0.1 for demos and manual checks, prints how
 * to reach each (Airlock and real clients: curl, hvac, boto3, awscli, azure SecretClient), and
 * stops on Ctrl-C. They hold made-up data only and never leave loopback.
 */
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startVaultEmulator } from '../test/support/emulators/vault'
import { startAzureKeyVaultEmulator } from '../test/support/emulators/azure-key-vault'
import { startGcpSecretManagerEmulator } from '../test/support/emulators/gcp-secret-manager'
import { startAwsEmulator } from '../test/support/emulators/aws'

const vault = await startVaultEmulator()
const azure = await startAzureKeyVaultEmulator()
const gcp = await startGcpSecretManagerEmulator()
const aws = await startAwsEmulator()
const caPath = join(tmpdir(), `airlock-emulator-ca-${process.pid}.pem`)
writeFileSync(caPath, azure.ca)

const root = fileURLToPath(new URL('..', import.meta.url))

// Commands that work from a plain shell: no OS keychain is assumed. AIRLOCK_PASSPHRASE selects
// the passphrase-protected file store for profile and job secrets; a desktop session's keychain
// works without it, and scripts/with-keyring.sh gives a throw-away one.
process.stdout.write(`Airlock emulators (loopback only; Ctrl-C stops them)

Vault         ${vault.url}   token: ${vault.rootToken}   (KV v2 mount "secret")
Azure KV      ${azure.vaultUrl}   tenant ${azure.tenantId}, client ${azure.clientId}, authority ${azure.authorityHost}
  TLS CA: ${caPath} (self-signed; point NODE_EXTRA_CA_CERTS at it)
GCP SM        ${gcp.address.apiEndpoint}:${gcp.address.port} (gRPC, insecure)
AWS SM + SSM  ${aws.url} (region ${aws.region}, access key ${aws.credentials.accessKeyId}, secret key ${aws.credentials.secretAccessKey})
  Signature V4 is verified: sign with that key pair; each region has its own secrets.

Real clients work too (Debian: curl, python3-hvac, python3-boto3, awscli, python3-azure):
  curl -X LIST -H 'X-Vault-Token: ${vault.rootToken}' ${vault.url}/v1/secret/metadata/connections
  python3 -c "import hvac; print(hvac.Client(url='${vault.url}', token='${vault.rootToken}').secrets.kv.v2.list_secrets(path=''))"
  AWS_ACCESS_KEY_ID=${aws.credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${aws.credentials.secretAccessKey} AWS_DEFAULT_REGION=${aws.region} \\
    aws --endpoint-url ${aws.url} secretsmanager list-secrets
  Azure SecretClient(vault_url, ClientSecretCredential(tenant, client, '${azure.clientSecret}', authority='${azure.authorityHost}',
    instance_discovery=False (Debian's 1.13 beta; later: disable_instance_discovery=True), connection_verify='${caPath}'), verify_challenge_resource=False, connection_verify='${caPath}')

One migration into the Vault emulator, from another terminal (copy and paste it whole).
No OS keychain there? AIRLOCK_PASSPHRASE keeps profile and job secrets in a passphrase-protected
file instead (or first open a shell with a throw-away keyring: bash scripts/with-keyring.sh bash).

  cd ${root}
  export AIRLOCK_PASSPHRASE=choose-one
  airlock() { node bin/airlock.mjs "$@"; }
  airlock profile add demo-vault --kind vault --url ${vault.url} --secret-stdin <<< '${vault.rootToken}'
  airlock plan demo: vault:demo-vault --out plan.json
  job=$(airlock apply plan.json | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).job')
  airlock list vault:demo-vault
  airlock jobs
  airlock rollback "$job"
  airlock list vault:demo-vault

AWS SSM, the same way:
  airlock profile add demo-ssm --kind aws-ssm --url ${aws.url} --region ${aws.region} --auth static --param access_key_id=${aws.credentials.accessKeyId} --secret-stdin <<< '${aws.credentials.secretAccessKey}'
`)

const stop = async () => {
  await vault.close()
  await azure.stop()
  await gcp.stop()
  await aws.close()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
