// A large plan's version fingerprints are made on a worker thread (issue #22): they must be the
// fingerprints this thread makes, whatever the worker does — a worker that cannot start, dies
// or answers wrongly is not waited for, and what it did not answer is made here.
import fc from 'fast-check'
import { FUZZ_SEED } from '../../../support/fuzz'
import { describe, expect, it } from 'vitest'
import { fingerprinter } from '../../../../src-main/core/fingerprint'
import { connectionEntry, variableEntry, type Entry } from '../../../../src-main/core/model'
import {
  entryDigest,
  planWritten,
  type PlanItem,
  type VersionsLater
} from '../../../../src-main/core/plan'
import { WorkerFingerprints } from '../../../../src-main/platform/fingerprint-worker'

const key = new Uint8Array(32).fill(7)
const fp = fingerprinter(key)

/** Variables whose digests hold non-ASCII text, lone surrogates, empty and long values. */
const entries = (values: readonly string[]): Entry[] =>
  values.map((v, i) => variableEntry(`v_${i}`, v))

const blank = (): PlanItem => ({
  kind: 'variable',
  sourceId: 'x',
  targetId: 'x',
  warnings: [],
  sourceVersion: null,
  targetVersion: null,
  action: 'create',
  diff: []
})

/** Hands every entry over, with `both` on every third; waits; the items filled in. */
async function versions(later: WorkerFingerprints, list: readonly Entry[]): Promise<PlanItem[]> {
  const items = list.map(() => blank())
  list.forEach((e, i) => later.add(e, entryDigest(e), items[i]!, i % 3 === 0))
  await later.done()
  return items
}

const expected = (list: readonly Entry[]) =>
  list.map((e, i) => {
    const version = fp(entryDigest(e))
    return { ...blank(), sourceVersion: version, targetVersion: i % 3 === 0 ? version : null }
  })

const values = Array.from(
  { length: 2500 },
  (_, i) => [`v${i}`, 'é\u2028"\\', '\ud800 lone', '', 'x'.repeat(i % 97), '😀'][i % 6]!
)

describe('WorkerFingerprints', { timeout: 30_000 }, () => {
  it('fills in the fingerprints this thread makes, over several batches', async () => {
    const list = entries(values)
    expect(await versions(new WorkerFingerprints(key, fp), list)).toEqual(expected(list))
  })

  it('makes the same fingerprints as core/fingerprint.ts for any text', async () => {
    // one worker for all (each starts a thread): 1500 texts of any code units, surrogates too
    const list = entries(
      fc.sample(fc.string({ unit: 'binary', maxLength: 60 }), { numRuns: 1500, seed: FUZZ_SEED })
    )
    expect(await versions(new WorkerFingerprints(key, fp), list)).toEqual(expected(list))
  })

  it.each([
    ['cannot start', 'throw new Error("no start")'],
    ['exits at once', 'process.exit(3)'],
    [
      'dies after its first answer',
      `const { parentPort } = require('node:worker_threads')
       let n = 0
       parentPort.on('message', (v) => { if (n++) throw new Error('dead'); parentPort.postMessage('0'.repeat(12 * v.length)) })`
    ],
    [
      'answers with the wrong length',
      `const { parentPort } = require('node:worker_threads')
       parentPort.on('message', () => parentPort.postMessage('abc'))`
    ],
    [
      'answers with no text',
      `const { parentPort } = require('node:worker_threads')
       parentPort.on('message', (v) => parentPort.postMessage(v))`
    ]
  ])('a worker that %s is not waited for: this thread makes what it did not', async (_, source) => {
    const list = entries(values)
    const items = await versions(new WorkerFingerprints(key, fp, source), list)
    const want = expected(list)
    // the first batch of the worker that died after answering is its (wrong) answer: what it
    // answered is taken; everything after is made here
    const from = source.includes('dead') ? 1024 : 0
    expect(items.slice(from)).toEqual(want.slice(from))
  })

  it('a worker that never answers is ended by close(), and done() is not needed', async () => {
    const later = new WorkerFingerprints(key, fp, `setInterval(() => {}, 1000)`)
    const item = blank()
    later.add(variableEntry('v', '1'), entryDigest(variableEntry('v', '1')), item, false)
    later.close()
    // closed: done() makes the rest here at once
    await later.done()
    expect(item.sourceVersion).toBe(fp(entryDigest(variableEntry('v', '1'))))
  })
})

describe(
  'WorkerFingerprints: what the worker holds, and a close while done waits',
  { timeout: 30_000 },
  () => {
    it('wakes a done() still waiting when close() ends a worker that never answers', async () => {
      const later = new WorkerFingerprints(key, fp, `setInterval(() => {}, 1000)`)
      const item = blank()
      const e = variableEntry('v', '1')
      later.add(e, entryDigest(e), item, true)
      const waiting = later.done()
      setTimeout(() => later.close(), 50)
      await waiting
      expect([item.sourceVersion, item.targetVersion]).toEqual([
        fp(entryDigest(e)),
        fp(entryDigest(e))
      ])
    })

    it('gives the worker no environment and the key as its own 32 bytes, not the pool it sits in', async () => {
      process.env.AIRLOCK_TEST_WORKER_MARK = 'x'
      try {
        // a key that is a view of Node's shared pool, as Buffer.from(hex) makes one
        const pooled = Buffer.from(Buffer.from(key).toString('hex'), 'hex')
        // the worker answers (zeros) only when what it was given is just that; else the answer
        // is refused and this thread makes the versions
        const source = `const { parentPort, workerData } = require('node:worker_threads')
        const k = workerData.key
        const ok = Object.keys(process.env).length === 0 && k.byteLength === 32 && k.buffer.byteLength === 32
        parentPort.on('message', (v) => parentPort.postMessage(ok ? '0'.repeat(12 * v.length) : ''))`
        const list = entries(['a', 'b'])
        const items = await versions(new WorkerFingerprints(pooled, fp, source), list)
        expect(items.map((i) => i.sourceVersion)).toEqual(['000000000000', '000000000000'])
      } finally {
        delete process.env.AIRLOCK_TEST_WORKER_MARK
      }
    })
  }
)

describe('planWritten with versions made later', { timeout: 30_000 }, () => {
  it('is planWritten with every version made at once, once they are filled in', () => {
    const source = [
      connectionEntry('new_one', { conn_type: 'http', extra: '{"b": 1, "a": 2}' }),
      connectionEntry('same', { conn_type: 'postgres', host: 'h', extra: '{"a": 1}' }),
      connectionEntry('respelled', { conn_type: 'postgres', extra: '{"a":1}' }),
      connectionEntry('changed', { conn_type: 'postgres', host: 'new', password: 'S3CRET-n' }),
      connectionEntry('a_conn', { conn_type: 'http' }),
      variableEntry('v', '1'),
      variableEntry('w', '2')
    ]
    const target = [
      connectionEntry('same', { conn_type: 'postgres', host: 'h', extra: '{"a": 1}' }),
      connectionEntry('respelled', { conn_type: 'postgres', extra: '{"a": 1}' }),
      connectionEntry('changed', { conn_type: 'postgres', host: 'old', password: 'S3CRET-o' }),
      connectionEntry('extraneous', { conn_type: 'x' }),
      variableEntry('v', '1'),
      variableEntry('w', '3')
    ]
    for (const options of [
      {},
      { deleteExtraneous: true, prefixMap: [['a_', 'renamed_']] as const },
      { onConflict: 'skip' as const }
    ]) {
      const handed: [Entry, string, PlanItem, boolean][] = []
      const later: VersionsLater = { add: (...args) => void handed.push(args) }
      const r = planWritten(source, target, options, fp, {}, later)
      // what was handed over: creates and items of one digest on both sides, each its entry's
      expect(handed.map(([, , item]) => item.targetId).sort()).toEqual(
        [
          'new_one',
          'same',
          'respelled',
          'v',
          ...(options.prefixMap ? ['renamed_conn'] : ['a_conn'])
        ].sort()
      )
      for (const [entry, digest, item, both] of handed) {
        expect(digest).toBe(entryDigest(entry))
        expect(item.sourceVersion).toBeNull()
        item.sourceVersion = fp(digest)
        if (both) item.targetVersion = item.sourceVersion
      }
      const whole = planWritten(source, target, options, fp)
      expect(JSON.stringify(r)).toBe(JSON.stringify(whole))
    }
  })
})
