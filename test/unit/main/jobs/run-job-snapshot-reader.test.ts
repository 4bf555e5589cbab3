// Resume and rollback read a job's snapshot part by part (issue #22): an index of its items
// made in one streamed pass, then each batch's values from the parts holding them. They must
// do what reading every value did (same file, same journal records in the same order, across
// parts, sparse indexes, renames, deletes, a journal partly done), never hold the job's values
// whole, and refuse a snapshot whose parts are not as sealed.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import type { Backend } from '../../../../src-main/backends/backend'
import { entryDigest } from '../../../../src-main/core/plan'
import { connectionEntry, idOf, variableEntry, type Entry } from '../../../../src-main/core/model'
import * as store from '../../../../src-main/jobs/job-store'
import { Journal, type JournalRecord } from '../../../../src-main/jobs/journal'
import {
  applyPlan,
  resumeJob,
  rollbackJob,
  withTargetId,
  type JobContext
} from '../../../../src-main/jobs/run-job'
import { envTargetScenario, storeLike } from '../../../support/jobs'
import { tempDir } from '../../../support/temp-dir'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const dir = tempDir('airlock-snapshot-reader-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const restore: (() => void)[] = []
afterEach(() => {
  for (const r of restore.splice(0)) r()
})
let k = 0

/**
 * A source, a `.env` target (some ids the same, some older, extraneous ones deleted, some
 * renamed, some in conflict and left: gaps in the item indexes) and the plan into it.
 */
async function scenario(n: number) {
  const src: Entry[] = []
  for (let i = 0; i < n; i++)
    src.push(
      i % 2
        ? variableEntry(`var_${i}`, `new-${i} "q" é`)
        : connectionEntry(`conn_${i}`, { conn_type: 'http', host: `h${i}`, password: `p-${i}` })
    )
  return envTargetScenario(src, join(dir, `t${k++}.env`), 300)
}

/**
 * Counts the snapshot's values still alive: every entry of every part the job store parses is
 * watched (a WeakRef each), and every plan item of the job's meta; `live()` collects garbage
 * and counts those not collected.
 */
function watchSnapshotValues() {
  const refs: WeakRef<object>[] = []
  // and the plan items of the job's meta.json (the run needs only their kinds, ids, actions)
  const items: WeakRef<object>[] = []
  // a plain wrapper, not a spy: a spy keeps every result it returned
  const parse = JSON.parse
  JSON.parse = (text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    const out = parse(text, reviver) as unknown
    const part = out as { intended?: object; previous?: object }
    if (part && typeof part === 'object' && 'intended' in part && 'previous' in part)
      for (const map of [part.intended, part.previous])
        for (const e of Object.values(map ?? {}))
          if (e && typeof e === 'object') refs.push(new WeakRef(e as object))
    const meta = out as { jobId?: unknown; items?: unknown }
    if (meta && typeof meta === 'object' && 'jobId' in meta && Array.isArray(meta.items))
      for (const item of meta.items as object[]) items.push(new WeakRef(item))
    return out
  }
  restore.push(() => (JSON.parse = parse))
  return {
    // in a later task: a WeakRef keeps its target alive to the end of the task that made it
    live: async () => {
      await new Promise((resolve) => setImmediate(resolve))
      gc()
      return {
        values: refs.filter((r) => r.deref() !== undefined).length,
        items: items.filter((r) => r.deref() !== undefined).length
      }
    },
    watched: () => refs.length,
    watchedItems: () => items.length
  }
}

/** The job's rollback records as (idx, action, message), in journal order. */
function rollbackRecords(dataDir: string, jobId: string) {
  return Journal.read(store.journalPath(dataDir, jobId)).flatMap((r) =>
    r.t === 'rollback' ? [[r.idx, r.action, r.message ?? '']] : []
  )
}

/**
 * What a rollback journals, worked out as it was before the snapshot was read part by part:
 * every value read whole (readJob), each touched item (reverse of writing) compared with what
 * the target holds now; those to undo follow, in the same order, once the others are settled.
 */
async function rollbackAsBefore(
  dataDir: string,
  keychain: JobContext['keychain'],
  jobId: string,
  target: Backend
) {
  const files = await store.readJob(dataDir, keychain, jobId)
  const begun = Journal.read(store.journalPath(dataDir, jobId)).flatMap((r: JournalRecord) =>
    r.t === 'begin' ? [r.idx] : []
  )
  const touched = [...new Set(begun)].reverse()
  const loaded = await target.load({})
  const current = new Map(loaded.entries.map((e) => [`${e.kind}:${idOf(e)}`, e]))
  const digest = (e: Entry | null | undefined, id: string) =>
    e ? entryDigest(withTargetId(e, id)) : null
  const settled: (string | number)[][] = []
  const todo: (string | number)[][] = []
  for (const idx of touched) {
    const item = files.meta.items[idx]!
    const held = digest(current.get(`${item.kind}:${item.targetId}`), item.targetId)
    const before = digest(files.previous[idx], item.targetId)
    const wrote = digest(files.intended[idx], item.targetId)
    const action = files.previous[idx] ? 'restored' : 'removed'
    if (held === before) settled.push([idx, action, ''])
    else if (held === wrote) todo.push([idx, action, ''])
    else
      settled.push([
        idx,
        'skipped',
        held === null
          ? 'removed since the job wrote it'
          : wrote === null
            ? 'made again since the job removed it'
            : 'changed since the job wrote it'
      ])
  }
  return [...settled, ...todo]
}

/** `file` as a store that counts the snapshot's values alive when its first write comes. */
function watchedAtFirstWrite(file: Backend) {
  const watch = watchSnapshotValues()
  let live: { values: number; items: number } | undefined
  const watching = storeLike(file, {
    write: async (entries) => {
      live ??= await watch.live()
      return file.write(entries)
    }
  })
  return { watch, watching, liveAtFirstWrite: () => live }
}

/** Applies the scenario's plan, cancelled once `batches` batches are written. */
async function applyStopped(
  s: Awaited<ReturnType<typeof scenario>>,
  ctx: JobContext,
  batches: number
) {
  const stop = new AbortController()
  let writes = 0
  const stopping = storeLike(s.file, {
    write: async (entries) => {
      await s.file.write(entries)
      if (++writes === batches) stop.abort()
    }
  })
  return applyPlan(s.doc, s.source, stopping, { ...ctx, signal: stop.signal })
}

describe('resume and rollback reading the snapshot part by part', () => {
  it('a resume of a job stopped partway writes what an uninterrupted apply writes, holding a batch of values at most', async () => {
    const s = await scenario(4000)
    const pathB = join(dir, `b${k++}.env`)
    copyFileSync(s.path, pathB)
    const dataDir = join(dir, `r${k++}`)
    const ctx = { dataDir, keychain: s.keychain, batchSize: 600 }
    // the apply is cancelled once its second batch is written: a journal partly done
    const stopped = await applyStopped(s, ctx, 2)
    expect(stopped.applied).toBe(1200)
    const { watch, watching, liveAtFirstWrite } = watchedAtFirstWrite(s.file)
    const resumed = await resumeJob(stopped.jobId, watching, ctx)
    // the whole apply, on a copy of the target as it was
    const whole = await applyPlan(s.doc, s.source, new EnvFileBackend({ path: pathB }), {
      dataDir: join(dir, `w${k++}`),
      keychain: s.keychain,
      batchSize: 600
    })
    expect(resumed.applied).toBe(whole.applied)
    expect(resumed.failed).toEqual(whole.failed)
    expect(resumed.refused).toEqual(whole.refused)
    expect(readFileSync(s.path).equals(readFileSync(pathB))).toBe(true)
    // the index pass parsed every part; at the first write only this batch's values and the
    // part read last are alive, not the job's (before: every value, read whole)
    // (an entry to write and a previous one per item at most)
    expect(watch.watched()).toBeGreaterThan(4000)
    expect(liveAtFirstWrite()!.values).toBeLessThanOrEqual(2 * (600 + 1000))
    // and none of the plan items meta.json holds (a reviewer found them live through the run)
    expect(watch.watchedItems()).toBeGreaterThan(4000)
    expect(liveAtFirstWrite()!.items).toBe(0)
  }, 60_000)

  it('a rollback journals what it journaled reading every value, skipping items changed since, and holds a batch of values at most', async () => {
    const s = await scenario(4000)
    const original = new Map(
      (await s.file.load({})).entries.map((e) => [`${e.kind}:${idOf(e)}`, e])
    )
    const dataDir = join(dir, `rb${k++}`)
    const ctx = { dataDir, keychain: s.keychain, batchSize: 700 }
    const applied = await applyPlan(s.doc, s.source, s.file, ctx)
    expect(applied.failed).toEqual([])
    // changed since the job: a create edited, an update removed, a delete made again
    await s.file.write([variableEntry('var_5', 'edited by hand')])
    await s.file.remove([{ kind: 'variable', id: 'var_9' }])
    await s.file.write([variableEntry('extra_4', 'made again')])
    const expected = await rollbackAsBefore(dataDir, s.keychain, applied.jobId, s.file)
    const { watch, watching, liveAtFirstWrite } = watchedAtFirstWrite(s.file)
    const out = await rollbackJob(applied.jobId, watching, ctx)
    expect(rollbackRecords(dataDir, applied.jobId)).toEqual(expected)
    expect(out.skipped.map((x) => x.reason).sort()).toEqual([
      'changed since the job wrote it',
      'made again since the job removed it',
      'removed since the job wrote it'
    ])
    expect(out.restored + out.removed + out.skipped.length).toBe(expected.length)
    // every item but those skipped is back as it was
    const now = new Map((await s.file.load({})).entries.map((e) => [`${e.kind}:${idOf(e)}`, e]))
    const skipped = new Set(['variable:var_5', 'variable:var_9', 'variable:extra_4'])
    for (const key of new Set([...original.keys(), ...now.keys()]))
      if (!skipped.has(key)) expect([key, now.get(key)]).toEqual([key, original.get(key)])
    expect(watch.watched()).toBeGreaterThan(4000)
    expect(liveAtFirstWrite()!.values).toBeLessThanOrEqual(2 * (700 + 1000))
    expect(watch.watchedItems()).toBeGreaterThan(4000)
    expect(liveAtFirstWrite()!.items).toBe(0)
    // a second rollback touches nothing more
    const again = await rollbackJob(applied.jobId, s.file, ctx)
    expect(again).toMatchObject({ restored: 0, removed: 0, failed: [] })
  }, 60_000)

  it('refuses a snapshot with a part changed, moved, left out or cut off, for resume and rollback, writing nothing', async () => {
    const s = await scenario(2600)
    const dataDir = join(dir, `x${k++}`)
    const ctx = { dataDir, keychain: s.keychain, batchSize: 600 }
    const { jobId } = await applyStopped(s, ctx, 1)
    const values = join(dataDir, 'jobs', jobId, 'values.fernet')
    const sealed = readFileSync(values, 'latin1')
    const [head, a, b, c] = sealed.split('\n')
    expect(c).toBeTruthy()
    const flip = (t: string, at: number) =>
      t.slice(0, at) + (t[at] === 'A' ? 'B' : 'A') + t.slice(at + 1)
    const before = readFileSync(s.path)
    for (const text of [
      [head, a, flip(b!, 200), c, ''].join('\n'),
      [head, b, a, c, ''].join('\n'),
      [head, a, c, ''].join('\n'),
      [head, a, b, ''].join('\n'),
      [head, a, b, c, c, ''].join('\n'),
      // cut right after its header (before: read as a snapshot of nothing, the job "finished")
      `${head}\n`,
      sealed.slice(0, sealed.length - 100)
    ]) {
      writeFileSync(values, text, 'latin1')
      const refused = { code: 'job.conflict', message: expect.stringMatching(/snapshot of job/) }
      await expect(resumeJob(jobId, s.file, ctx)).rejects.toMatchObject(refused)
      await expect(rollbackJob(jobId, s.file, ctx)).rejects.toMatchObject(refused)
      await expect(rollbackJob(jobId, s.file, ctx, { force: true })).rejects.toMatchObject(refused)
      expect(readFileSync(s.path).equals(before)).toBe(true)
    }
    // a folder where the file was: refused by name, not an internal error
    rmSync(values)
    mkdirSync(values)
    const unreadable = {
      code: 'job.conflict',
      message: expect.stringMatching(/values\.fernet\) cannot be read \(EISDIR\)/)
    }
    await expect(resumeJob(jobId, s.file, ctx)).rejects.toMatchObject(unreadable)
    await expect(rollbackJob(jobId, s.file, ctx)).rejects.toMatchObject(unreadable)
    rmSync(values, { recursive: true })
    // as sealed (without its last newline too) it reads again, and the resume finishes the job
    writeFileSync(values, sealed.slice(0, -1), 'latin1')
    const resumed = await resumeJob(jobId, s.file, ctx)
    expect(resumed.failed).toEqual([])
    expect(store.jobSummary(dataDir, jobId).state).toBe('finished')
  }, 60_000)

  it('a rollback stopped by a snapshot changed mid-run is in the audit log with why it stopped, and a second one finishes it', async () => {
    const s = await scenario(2600)
    // what the target held (a rollback puts entries back, not the file's line order)
    const held = async () =>
      (await s.file.load({})).entries.map((e) => `${e.kind}:${idOf(e)}=${entryDigest(e)}`).sort()
    const original = await held()
    const dataDir = join(dir, `au${k++}`)
    const ctx = { dataDir, keychain: s.keychain, batchSize: 600 }
    const applied = await applyPlan(s.doc, s.source, s.file, ctx)
    const values = join(dataDir, 'jobs', applied.jobId, 'values.fernet')
    const sealed = readFileSync(values, 'latin1')
    const [head, a, b, c, ...rest] = sealed.split('\n')
    // after the first undo batch, two parts change places
    let writes = 0
    const swapping = storeLike(s.file, {
      write: async (entries) => {
        await s.file.write(entries)
        if (++writes === 1) writeFileSync(values, [head, a, c, b, ...rest].join('\n'), 'latin1')
      }
    })
    await expect(rollbackJob(applied.jobId, swapping, ctx)).rejects.toMatchObject({
      code: 'job.conflict'
    })
    const audit = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(audit.map((r) => [r.action, r.stopped])).toEqual([
      ['apply', undefined],
      ['rollback', 'job.conflict']
    ])
    expect(audit[1]!.restored).toBeGreaterThan(0)
    writeFileSync(values, sealed, 'latin1')
    const again = await rollbackJob(applied.jobId, s.file, ctx)
    expect(again.failed).toEqual([])
    expect(await held()).toEqual(original)
  }, 60_000)
})
