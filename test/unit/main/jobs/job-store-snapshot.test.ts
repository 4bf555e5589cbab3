import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { MultiFernet } from '../../../../src-main/core/codecs/fernet'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import type { PlanItem } from '../../../../src-main/core/plan'
import {
  createJob,
  jobDir,
  journalPath,
  readJob,
  type JobFiles,
  type JobMeta
} from '../../../../src-main/jobs/job-store'
import { Journal } from '../../../../src-main/jobs/journal'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A job of `n` items (every third a variable, every fifth a create), written by createJob. */
async function job(n: number) {
  const dataDir = tempDir('airlock-snapshot-')
  dirs.push(dataDir)
  const keychain = osLikeKeychain()
  const intended: Record<number, Entry> = {}
  const previous: Record<number, Entry | null> = {}
  for (let i = 0; i < n; i++) {
    intended[i] =
      i % 3
        ? connectionEntry(`c${i}`, { conn_type: 'http', password: `new-${i}` })
        : variableEntry(`v${i}`, `new-${i}`)
    previous[i] = i % 5 ? null : variableEntry(`v${i}`, `old-${i}`)
  }
  const meta = {
    jobId: `20261206T000000-${n}`,
    planId: 'p',
    source: 's',
    target: 't',
    createdAt: '',
    total: n,
    items: []
  } as JobMeta
  const journal = new Journal(journalPath(dataDir, meta.jobId))
  const sealed = await createJob(dataDir, keychain, { meta, intended, previous }, journal, {
    t: 'begin',
    idx: 0,
    at: ''
  })
  journal.close()
  return {
    dataDir,
    keychain,
    meta,
    intended,
    previous,
    sealed,
    values: join(jobDir(dataDir, meta.jobId), 'values.fernet')
  }
}

describe('a job snapshot sealed in parts', () => {
  it('reads back every item, across parts and in one part', async () => {
    for (const n of [0, 3, 2500]) {
      const j = await job(n)
      const text = readFileSync(j.values, 'utf8')
      expect(text.split('\n').filter(Boolean)).toHaveLength(1 + Math.max(1, Math.ceil(n / 1000)))
      expect(text).not.toContain('new-1')
      const back = await readJob(j.dataDir, j.keychain, j.meta.jobId)
      expect(back.intended).toEqual(j.intended)
      expect(back.previous).toEqual(j.previous)
    }
  })

  it('refuses a snapshot with a part left out, repeated or moved', async () => {
    const j = await job(2500)
    const [head, a, b, c] = readFileSync(j.values, 'utf8').split('\n')
    for (const parts of [
      [a, b],
      [a, c],
      [a, b, b, c],
      [b, a, c]
    ]) {
      writeFileSync(j.values, [head, ...parts, ''].join('\n'))
      await expect(readJob(j.dataDir, j.keychain, j.meta.jobId)).rejects.toMatchObject({
        code: 'job.conflict'
      })
    }
  })

  it('gives a batch of items its values, read from the parts holding them', async () => {
    const j = await job(2500)
    const pick = (items: number[]) => ({
      intended: Object.fromEntries(items.map((i) => [i, j.intended[i]])),
      previous: Object.fromEntries(items.map((i) => [i, j.previous[i]]))
    })
    // batches as a run takes them (ascending, sharing a part, across parts), one item, none
    for (const items of [
      [0, 1, 2],
      [3, 998, 999, 1000],
      [1001, 1999, 2000, 2499],
      [2499],
      [],
      Array.from({ length: 2500 }, (_, i) => i)
    ])
      expect(j.sealed.values(items)).toEqual(pick(items))
    // the values are new objects read from the file, not those it was sealed from
    expect(j.sealed.values([5]).intended[5]).not.toBe(j.intended[5])
  })

  it('refuses a part read back that is not the part sealed at its place', async () => {
    const j = await job(2500)
    const fernet = MultiFernet.fromSetting((await j.keychain.get(`job:${j.meta.jobId}`))!)
    const [head, a, b, c] = readFileSync(j.values, 'utf8').split('\n')
    const refused = (items: number[]) =>
      expect(() => j.sealed.values(items)).toThrow(
        expect.objectContaining({ code: 'job.conflict' }) as Error
      )
    // part 1 sealed again as long as part 0 (JSON allows the padding), put in part 0's place:
    // each part read is authenticated and must be the part sealed there
    const plain = fernet.decrypt(a!).toString('utf8')
    const other = JSON.stringify({ n: 1, last: false, intended: {}, previous: {} })
    const forged = fernet.encrypt(new TextEncoder().encode(other.padEnd(plain.length, ' ')))
    expect(forged.length).toBe(a!.length)
    writeFileSync(j.values, [head, forged, b, c, ''].join('\n'))
    refused([0])
    // parts moved (other lengths: the bytes read are no token), or the file cut off
    writeFileSync(j.values, [head, b, a, c, ''].join('\n'))
    refused([0])
    refused([1500])
    writeFileSync(j.values, [head, a, b, ''].join('\n'))
    refused([2400])
    // the parts as sealed read again
    writeFileSync(j.values, [head, a, b, c, ''].join('\n'))
    expect(j.sealed.values([2400]).intended[2400]).toEqual(j.intended[2400])
  })

  it("still reads an older job's snapshot sealed as one token", async () => {
    const j = await job(4)
    const key = (await j.keychain.get(`job:${j.meta.jobId}`))!
    const one = { intended: j.intended, previous: j.previous }
    writeFileSync(
      j.values,
      MultiFernet.fromSetting(key).encrypt(new TextEncoder().encode(JSON.stringify(one)))
    )
    expect(await readJob(j.dataDir, j.keychain, j.meta.jobId)).toMatchObject(one)
  })

  it("refuses an older job's single token changed since, as a job conflict naming the snapshot", async () => {
    const j = await job(4)
    const key = (await j.keychain.get(`job:${j.meta.jobId}`))!
    const token = MultiFernet.fromSetting(key).encrypt(
      new TextEncoder().encode(JSON.stringify({ intended: j.intended, previous: j.previous }))
    )
    const at = 120
    writeFileSync(
      j.values,
      token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
    )
    await expect(readJob(j.dataDir, j.keychain, j.meta.jobId)).rejects.toMatchObject({
      code: 'job.conflict',
      message: expect.stringMatching(/snapshot of job .* was changed since it was sealed/)
    })
  })

  it("lets the plan's items go once meta.json is written, before the snapshot is sealed", async () => {
    const dataDir = tempDir('airlock-snapshot-')
    dirs.push(dataDir)
    const inner = osLikeKeychain()
    // the job's key is stored in a later task: the WeakRef below no longer keeps its target
    const keychain = {
      ...inner,
      set: async (a: string, s: string) => {
        await new Promise((resolve) => setImmediate(resolve))
        return inner.set(a, s)
      }
    }
    const n = 2500
    const values: Record<number, Entry> = {}
    for (let i = 0; i < n; i++) values[i] = variableEntry(`v${i}`, `new-${i}`)
    let heldAtSeal: boolean | undefined
    // the sealing reads each value to write: the first read looks whether the items are held
    const intended = new Proxy(values, {
      get(target, key, receiver) {
        if (heldAtSeal === undefined) {
          gc()
          heldAtSeal = items.deref() !== undefined
        }
        return Reflect.get(target, key, receiver) as unknown
      }
    })
    const jobId = '20261207T000000-items'
    const files: JobFiles = {
      meta: {
        jobId,
        planId: 'p',
        source: 's',
        target: 't',
        createdAt: '',
        total: n,
        items: Array.from({ length: n }, (_, i) => ({
          kind: 'variable' as const,
          sourceId: `v${i}`,
          targetId: `v${i}`,
          warnings: [],
          sourceVersion: 'x',
          targetVersion: null,
          action: 'create' as const,
          diff: []
        }))
      },
      intended,
      previous: {}
    }
    const items: WeakRef<PlanItem[]> = new WeakRef(files.meta.items)
    const journal = new Journal(journalPath(dataDir, jobId))
    await createJob(dataDir, keychain, files, journal, { t: 'begin', idx: 0, at: '' })
    journal.close()
    expect(heldAtSeal).toBe(false)
    expect(files.meta.items).toEqual([])
    const meta = JSON.parse(
      readFileSync(join(jobDir(dataDir, jobId), 'meta.json'), 'utf8')
    ) as JobMeta
    expect(meta.items).toHaveLength(n)
    expect(meta.items[7]).toMatchObject({ targetId: 'v7', action: 'create' })
    const back = await readJob(dataDir, inner, jobId)
    expect(back.intended).toEqual(values)
  })
})
