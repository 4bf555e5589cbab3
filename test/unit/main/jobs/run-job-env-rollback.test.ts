// A rollback on a `.env` file through the jobs layer, on real files: lines the job deleted go
// back where and as they were even when the rollback runs in many batches (each puts back what
// came first in the file first), under either loader, with CRLF line breaks; a job whose
// snapshot holds no places (made before they were recorded) still rolls back as it did.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Backend } from '../../../../src-main/backends/backend'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { InMemoryBackend } from '../../../../src-main/backends/in-memory'
import { decodeEnvFile, type EnvFileLoader } from '../../../../src-main/core/codecs/env-file'
import { variableEntry, type Entry } from '../../../../src-main/core/model'
import { applyPlan, rollbackJob } from '../../../../src-main/jobs/run-job'
import { readJob } from '../../../../src-main/jobs/job-store'
import { planBetween } from '../../../support/jobs'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-env-rollback-jobs-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

/** Applies the plan from `source` (deleting what it lacks) to a file holding `text`, then rolls back. */
async function applyAndRollBack(
  text: string,
  source: Entry[],
  options: { loader?: EnvFileLoader; batchSize?: number; target?: (file: Backend) => Backend } = {}
) {
  const keychain = osLikeKeychain()
  const path = join(dir, `t${n++}.env`)
  writeFileSync(path, text)
  const file = new EnvFileBackend({ path, loader: options.loader })
  const target = options.target?.(file) ?? file
  const src = new InMemoryBackend({ id: 'memory:source', entries: source })
  const doc = await planBetween(src, target, keychain, {
    onConflict: 'overwrite',
    deleteExtraneous: true
  })
  const ctx = { dataDir: join(dir, `home${n}`), keychain, batchSize: options.batchSize }
  const report = await applyPlan(doc, src, target, ctx)
  expect(report.failed).toEqual([])
  const applied = readFileSync(path, 'utf8')
  const job = await readJob(ctx.dataDir, keychain, report.jobId)
  const back = await rollbackJob(report.jobId, file, ctx)
  expect(back.failed).toEqual([])
  expect(back.skipped).toEqual([])
  return { applied, after: readFileSync(path, 'utf8'), job, file }
}

describe('rollback of a job on a .env file', () => {
  it('puts a block of deleted lines back in place when the rollback runs in batches of 3', async () => {
    const lines: string[] = ['# header', '']
    const source: Entry[] = []
    for (let i = 0; i < 30; i++) {
      const name = `AIRFLOW_VAR_V${String(i).padStart(2, '0')}`
      if (i % 10 === 0) lines.push(`# group ${i / 10}`, '')
      // every line deleted but the updates every 7th: the 3-item batches split runs of them
      if (i % 7 === 3) {
        lines.push(`export ${name}="old ${i}"  # was`)
        source.push(variableEntry(`v${String(i).padStart(2, '0')}`, `new ${i}`))
      } else lines.push(i % 2 ? `${name}='value ${i}'` : `export ${name}=\${AIRFLOW_VAR_V00}-${i}`)
    }
    lines.push('# end', '')
    const text = lines.join('\n')
    const { applied, after } = await applyAndRollBack(text, source, { batchSize: 3 })
    expect(applied).not.toMatch(/AIRFLOW_VAR_V01=/)
    expect(after).toBe(text)
  }, 60_000)

  it('gives a python-dotenv file with CRLF line breaks back byte for byte', async () => {
    const text = [
      "export AIRFLOW_VAR_A='1'",
      '',
      '# B reads A',
      'AIRFLOW_VAR_B="${AIRFLOW_VAR_A}/b"   # inline',
      'AIRFLOW_VAR_M="multi',
      'line"',
      'AIRFLOW_VAR_K=keep',
      ''
    ].join('\r\n')
    const { after } = await applyAndRollBack(text, [variableEntry('k', 'changed')], {
      loader: 'python-dotenv'
    })
    expect(after).toBe(text)
    expect(
      decodeEnvFile(after, 'python-dotenv').value.find((v) => v.name === 'AIRFLOW_VAR_B')
    ).toMatchObject({ value: '1/b' })
  }, 60_000)

  it('puts back the last line of a file without a final line break as it was, and its first line', async () => {
    const text = 'AIRFLOW_VAR_A=1\nAIRFLOW_VAR_B=2\n# c\nAIRFLOW_VAR_C="3"'
    const { applied, after } = await applyAndRollBack(text, [variableEntry('b', '2')])
    expect(applied).toBe('AIRFLOW_VAR_B=2\n# c\n')
    expect(after).toBe(text)
  }, 60_000)

  it('puts back a name set twice, both lines where they were', async () => {
    const text = 'AIRFLOW_VAR_D=first\n# x\nAIRFLOW_VAR_K=k\nAIRFLOW_VAR_D=second  # wins\n# y\n'
    const { applied, after } = await applyAndRollBack(text, [variableEntry('k', 'k')])
    expect(applied).toBe('# x\nAIRFLOW_VAR_K=k\n# y\n')
    expect(after).toBe(text)
  }, 60_000)

  it('rolls back a job whose snapshot holds no places as before: every value back, deleted lines at the end', async () => {
    const text = 'export AIRFLOW_VAR_A="1"\n# comment\nAIRFLOW_VAR_B=\'two words\'  # note\n'
    // a store that records no places: the snapshot is the one older versions sealed
    const { job, after, file } = await applyAndRollBack(text, [variableEntry('b', 'changed')], {
      target: (inner) =>
        new Proxy(inner, {
          get: (t, prop, receiver) =>
            prop === 'placesOf'
              ? undefined
              : (Reflect.get(t, prop, receiver) as unknown) instanceof Function
                ? (Reflect.get(t, prop, receiver) as (...a: unknown[]) => unknown).bind(t)
                : Reflect.get(t, prop, receiver)
        })
    })
    expect(job.places).toBeUndefined()
    expect(after).toBe("# comment\nAIRFLOW_VAR_B='two words'  # note\nAIRFLOW_VAR_A=1\n")
    expect(
      (await file.load({})).entries.map((e) => [e.kind, e.kind === 'variable' && e.value])
    ).toEqual([
      ['variable', 'two words'],
      ['variable', '1']
    ])
  }, 60_000)
})
