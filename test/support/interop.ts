// The interop suite's side of test/support/airflow_interop.py: runs Airflow's backend logic over
// Debian's real clients (hvac, boto3, azure-keyvault-secrets, awscli) against the emulators.
// Asynchronous on purpose: the emulators live in the test's own process and must keep answering.
import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { PYTHON } from './python'

const SCRIPT = fileURLToPath(new URL('./airflow_interop.py', import.meta.url))
const run = promisify(execFile)

/** Debian's awscli (v2, apt `awscli`), not whichever `aws` a PATH shim points at. */
export const AWS_CLI = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws'

/** Why a client cannot run here (to skip its checks with the reason), or undefined. */
export function missingClient(
  client: 'hvac' | 'boto3' | 'azure' | 'awscli' | 'curl'
): string | undefined {
  const probe: [string, string[], string] =
    client === 'awscli'
      ? [AWS_CLI, ['--version'], 'awscli (apt install awscli)']
      : client === 'curl'
        ? ['curl', ['--version'], 'curl (apt install curl)']
        : [
            PYTHON,
            [
              '-c',
              client === 'azure'
                ? 'import azure.keyvault.secrets, azure.identity'
                : `import ${client}`
            ],
            client === 'azure'
              ? 'python3-azure (apt install python3-azure)'
              : `python3-${client} (apt install python3-${client})`
          ]
  try {
    execFileSync(probe[0], probe[1], { stdio: 'ignore', timeout: 30_000 })
    return undefined
  } catch {
    return `${probe[2]} is not installed; scripts/setup.sh installs it`
  }
}

/** One operation for airflow_interop.py. */
export type InteropOp =
  | { op: 'get_connection'; id: string }
  | { op: 'get_variable'; id: string }
  | { op: 'call'; method: string; kwargs?: Record<string, unknown> }

/** Fields as Airflow's Connection holds them after deserialize_connection (extra parsed). */
export interface AirflowConnection {
  conn_type: string | null
  host: string | null
  schema: string | null
  login: string | null
  password: string | null
  port: number | null
  extra: Record<string, unknown> | null
}

/** What one op answered. */
export interface InteropResult {
  value?: string | null
  connection?: AirflowConnection | null
  response?: unknown
  error?: { code: string; status: number | null; message: string }
}

/** Runs `ops` through Airflow's backend for `service`, configured by `config`. */
export async function airflow(
  service: 'vault' | 'secretsmanager' | 'ssm' | 'azure',
  config: Record<string, unknown>,
  ops: InteropOp[]
): Promise<InteropResult[]> {
  const child = run(PYTHON, [SCRIPT], {
    encoding: 'utf8',
    timeout: 45_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' }
  })
  child.child.stdin!.end(JSON.stringify({ service, config, ops }))
  const { stdout } = await child
  return (JSON.parse(stdout) as { results: InteropResult[] }).results
}

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
export async function command(
  file: string,
  args: string[],
  env: Record<string, string> = {}
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, {
      encoding: 'utf8',
      timeout: 45_000,
      env: {
        ...process.env,
        NO_PROXY: '127.0.0.1,localhost',
        no_proxy: '127.0.0.1,localhost',
        ...env
      }
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    if (typeof e.code !== 'number') throw error
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
