// A job in a process of its own, for crash tests (SIGKILL at a failpoint), without the CLI
// and without a session bus: the child runs the engine; the keychain lives in the parent, in
// memory (src-main/keychain/memory-keychain.ts), and the child reaches it over the IPC
// channel — as a real keychain outlives the process that was killed.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Keychain } from '../../src-main/keychain/keychain'

// job-runner.ts as global-setup.ts bundles it (no TypeScript to compile in each child).
const RUNNER = fileURLToPath(new URL('../../out/test/job-runner.mjs', import.meta.url))

/** What the runner is asked to do: apply a plan file, or resume / roll back a job, between two SQLite metadata DBs. */
export type JobCommand =
  | { op: 'apply'; plan: string }
  | { op: 'resume'; jobId: string }
  | { op: 'rollback'; jobId: string }

export interface JobStores {
  dataDir: string
  source: string
  target: string
  fernetKey: string
}

export interface KeychainRequest {
  id: number
  method: 'get' | 'set' | 'delete' | 'list'
  args: string[]
}

/**
 * Runs `command` in a child process with `keychain` (held here) as its OS keychain; resolves
 * with the child's exit and its JSON answer (undefined when it was killed).
 */
export function runJobProcess(
  command: JobCommand,
  stores: JobStores,
  keychain: Keychain,
  env: Record<string, string> = {}
): Promise<{ code: number | null; signal: NodeJS.Signals | null; result?: unknown; err: string }> {
  return new Promise((resolve, reject) => {
    const child = fork(RUNNER, [JSON.stringify({ command, stores })], {
      execArgv: [],
      env: { ...process.env, AIRLOCK_FAILPOINT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc']
    })
    let out = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => (out += d))
    child.stderr!.on('data', (d: Buffer) => (err += d))
    child.on('message', (message: KeychainRequest) => {
      const { id, method, args } = message
      const call =
        method === 'get'
          ? keychain.get(args[0]!)
          : method === 'set'
            ? keychain.set(args[0]!, args[1]!)
            : method === 'delete'
              ? keychain.delete(args[0]!)
              : keychain.list()
      void call.then(
        (value) => child.connected && child.send({ id, value }),
        (error: unknown) => child.connected && child.send({ id, error: String(error) })
      )
    })
    child.on('error', reject)
    child.on('close', (code, signal) =>
      resolve({ code, signal, result: out.trim() ? JSON.parse(out.trim()) : undefined, err })
    )
  })
}
