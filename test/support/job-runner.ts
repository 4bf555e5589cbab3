// The child side of job-process.ts: runs one job command with the parent's keychain.
import { readFileSync } from 'node:fs'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { parsePlanDocument } from '../../src-main/core/plan'
import { applyPlan, resumeJob, rollbackJob } from '../../src-main/jobs/run-job'
import type { Keychain } from '../../src-main/keychain/keychain'
import type { JobCommand, JobStores, KeychainRequest } from './job-process'

const { command, stores } = JSON.parse(process.argv[2]!) as {
  command: JobCommand
  stores: JobStores
}

let next = 0
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
process.on('message', (m: { id: number; value?: unknown; error?: string }) => {
  const p = pending.get(m.id)
  pending.delete(m.id)
  if (m.error !== undefined) p?.reject(new Error(m.error))
  else p?.resolve(m.value)
})
function ask<T>(method: KeychainRequest['method'], ...args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const id = next++
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
    process.send!({ id, method, args } satisfies KeychainRequest)
  })
}
const keychain: Keychain = {
  kind: 'os',
  get: (a) => ask('get', a),
  set: (a, s) => ask('set', a, s),
  delete: (a) => ask('delete', a),
  list: () => ask('list')
}

const store = (path: string, id: string) =>
  new MetastoreBackend({ id, target: { dialect: 'sqlite', path }, fernetKey: stores.fernetKey })
const source = store(stores.source, `metadb:sqlite:///${stores.source}`)
const target = store(stores.target, `metadb:sqlite:///${stores.target}`)
const ctx = { dataDir: stores.dataDir, keychain }
try {
  const result =
    command.op === 'apply'
      ? await applyPlan(
          parsePlanDocument(readFileSync(command.plan, 'utf8'), command.plan),
          source,
          target,
          ctx
        )
      : command.op === 'resume'
        ? await resumeJob(command.jobId, target, ctx)
        : await rollbackJob(command.jobId, target, ctx)
  process.stdout.write(JSON.stringify(result) + '\n')
} finally {
  await source.close()
  await target.close()
  process.disconnect()
}
