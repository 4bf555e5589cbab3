// A whole-file apply reads each batch's values from the snapshot it sealed (issue #22): it must
// write what the path that holds every value writes, whatever the batches, parts, gaps in the
// item indexes (unchanged, conflict, refused items), renames and deletes; and a snapshot that
// is gone must stop the job, its resume and its rollback with a clear error, writing nothing.
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import * as store from '../../../../src-main/jobs/job-store'
import { Journal } from '../../../../src-main/jobs/journal'
import { applyPlan, resumeJob, rollbackJob } from '../../../../src-main/jobs/run-job'
import { osLikeKeychain } from '../../../support/test-keychain'
import { envTargetScenario, storeLike } from '../../../support/jobs'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-sealed-values-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let k = 0

const awkward = (i: number) => `v${i} "q" 'a' \\ $HOME \${X} é 😀 \t end`

function sourceEntries(n: number): Entry[] {
  const out: Entry[] = []
  for (let i = 0; i < n; i++)
    out.push(
      i % 2
        ? variableEntry(
            `var_${i}`,
            // a NUL: refused by the pre-flight (a gap in the items written)
            i % 97 === 1 ? `bad\0${i}` : i % 5 === 0 ? `${awkward(i)}\nline2` : awkward(i)
          )
        : connectionEntry(`conn_${i}`, {
            conn_type: 'postgres',
            host: `h${i}.example`,
            login: `u${i}`,
            password: `p@ss:/#?${i}"\\`,
            port: 5000 + (i % 1000),
            extra: i % 4 === 0 ? JSON.stringify({ '"': i, b: 'x\\y', nested: { k: [1, 2] } }) : null
          })
    )
  return out
}

/** A source, a target `.env` (some ids the same, some older, extraneous ones) and a plan into it. */
async function scenario(n: number) {
  const s = await envTargetScenario(sourceEntries(n), join(dir, `t${k++}.env`), 400)
  const { file } = s
  // drift after the plan: refusals scattered through the job
  const drift: Entry[] = []
  for (let i = 3; i < n; i += 211) drift.push(variableEntry(`var_${i}`, `drifted-${i}`))
  await file.write(drift)
  await file.remove([{ kind: 'variable', id: 'extra_17' }])
  return s
}

describe('a whole-file apply reading its values from the sealed snapshot', () => {
  it('writes byte for byte what the apply holding every value writes (batches across parts, gaps, renames, deletes, refusals, conflicts)', async () => {
    const s = await scenario(2650)
    const actions = new Set(s.doc.items.map((i) => i.action))
    expect([...actions].sort()).toEqual(['conflict', 'create', 'delete', 'unchanged', 'update'])
    const pathB = join(dir, `b${k++}.env`)
    copyFileSync(s.path, pathB)
    // the same store under another kind: its values are held in memory, not read back
    const held = storeLike(new EnvFileBackend({ path: pathB }), { kind: 'metastore' })
    const ctx = (name: string) => ({
      dataDir: join(dir, name),
      keychain: s.keychain,
      batchSize: 700
    })
    const a = await applyPlan(s.doc, s.source, s.file, ctx(`a${k++}`))
    const b = await applyPlan(s.doc, s.source, held, ctx(`b${k++}`))
    const same = ({ jobId: _j, ...r }: typeof a, path: string) =>
      JSON.stringify(r).replaceAll(path, 'P')
    expect(a.applied).toBeGreaterThan(1500)
    expect(a.refused.length).toBeGreaterThan(0)
    expect(same(a, s.path)).toBe(same(b, pathB))
    expect(readFileSync(s.path).equals(readFileSync(pathB))).toBe(true)
  }, 120_000)

  it('stops when the snapshot is gone, and refuses a resume and a rollback that could only guess', async () => {
    const s = await scenario(1200)
    const dataDir = join(dir, `r${k++}`)
    let writes = 0
    const target = storeLike(s.file, {
      write: async (entries) => {
        if (++writes === 1) {
          const jobs = join(dataDir, 'jobs')
          rmSync(join(jobs, readdirSync(jobs)[0]!, 'values.fernet'))
        }
        return s.file.write(entries)
      }
    })
    const ctx = { dataDir, keychain: s.keychain, batchSize: 500 }
    await expect(applyPlan(s.doc, s.source, target, ctx)).rejects.toMatchObject({
      code: 'job.conflict',
      message: expect.stringMatching(/snapshot of job .* could not be opened while the job ran/)
    })
    const id = readdirSync(join(dataDir, 'jobs'))[0]!
    const before = readFileSync(s.path)
    const refusal = {
      code: 'job.conflict',
      message: expect.stringMatching(
        /values\.fernet in its folder\) is missing although the job started: it can neither be resumed nor rolled back/
      )
    }
    // before the fix: the resume called the job finished with some 400 items never written,
    // and a forced rollback removed entries that were there before the job
    await expect(resumeJob(id, s.file, ctx)).rejects.toMatchObject(refusal)
    await expect(rollbackJob(id, s.file, ctx)).rejects.toMatchObject(refusal)
    await expect(rollbackJob(id, s.file, ctx, { force: true })).rejects.toMatchObject(refusal)
    expect(readFileSync(s.path).equals(before)).toBe(true)
    expect(store.jobSummary(dataDir, id).state).not.toBe('finished')
  }, 120_000)

  it('reads any ascending subset of sparse item indexes exactly, and refuses items out of order or in no part', async () => {
    const dataDir = mkdtempSync(join(dir, 'snap-'))
    const keychain = osLikeKeychain()
    const intended: Record<number, Entry> = {}
    const previous: Record<number, Entry | null> = {}
    for (let i = 0; i < 9000; i++) {
      if (i % 2 === 0) intended[i] = variableEntry(`v${i}`, `new-${i}`)
      if (i % 3 === 0) previous[i] = i % 4 ? null : variableEntry(`v${i}`, `old-${i}`)
    }
    const meta = {
      jobId: 'sparse',
      planId: 'p',
      source: 's',
      target: 't',
      createdAt: '',
      total: 0,
      items: []
    } as unknown as store.JobMeta
    const journal = new Journal(store.journalPath(dataDir, meta.jobId))
    const sealed = await store.createJob(dataDir, keychain, { meta, intended, previous }, journal, {
      t: 'begin',
      idx: 0,
      at: ''
    })
    journal.close()
    const all = [...new Set([...Object.keys(intended), ...Object.keys(previous)].map(Number))].sort(
      (x, y) => x - y
    )
    let seed = 7
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    for (let t = 0; t < 300; t++) {
      const p = rnd() * 0.2
      const items = all.filter(() => rnd() < p)
      const v = sealed.values(items)
      const want = { intended: {} as typeof intended, previous: {} as typeof previous }
      for (const i of items) {
        if (i in intended) want.intended[i] = intended[i]!
        if (i in previous) want.previous[i] = previous[i]!
      }
      expect(v).toEqual(want)
    }
    expect(() => sealed.values([4500, 600])).toThrow(/items out of order at 600/)
    expect(() => sealed.values([1])).toThrow(/item 1 is in no part/)
  }, 120_000)
})
