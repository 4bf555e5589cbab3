/**
 * The version fingerprints of a large plan made on a second thread (issue #22): an HMAC per
 * item was about a third of planning 100 k items, and this thread has the planning, the
 * pre-flight and the signing to do meanwhile. Items are handed over in batches as the planner
 * makes them (`add`); the worker answers each batch in order, and each answer fills in its
 * items' versions. `done` waits for the last answer. A worker that cannot start, fails or
 * answers wrongly is not waited for: what it did not answer is fingerprinted on this thread
 * with the same key, so the plan is the same either way. What crosses to the worker: the
 * key (its 32 bytes, copied) and each item's digest — the entry's values, secrets included,
 * as the HMAC needs them; the worker gets no environment (no passphrase, no Fernet key, no
 * AIRFLOW_CONN_*), and nothing it holds is logged or written.
 */
import type { Worker } from 'node:worker_threads'
import type { Fingerprinter } from '../core/fingerprint'
import type { Entry } from '../core/model'
import { entryDigest, type PlanItem, type VersionsLater } from '../core/plan'

/** Items per message: small enough to start the worker early, large enough to cost little. */
const BATCH = 1024

// Plain CommonJS evaluated in the worker: core/fingerprint.ts's fingerprinter (the same HMAC,
// the same 12 hex digits; a test holds the two together) over each batch, answered as one text.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHmac, createSecretKey } = require('node:crypto')
const secret = createSecretKey(workerData.key)
parentPort.on('message', (values) => {
  let out = ''
  for (let i = 0; i < values.length; i++)
    out += createHmac('sha256', secret).update(values[i], 'utf8').digest('hex').slice(0, 12)
  parentPort.postMessage(out)
})
`

/**
 * Items handed over in one message, their versions not yet filled in. The digests go with the
 * message and are not kept here (kept, 100 k of them outlived the young generation: more GC
 * than the HMACs saved); a failed worker's batches are digested again from their entries.
 */
interface Batch {
  digests: string[]
  entries: Entry[]
  items: PlanItem[]
  /** Whether the item's `targetVersion` is its `sourceVersion` too. */
  both: boolean[]
}

const emptyBatch = (): Batch => ({ digests: [], entries: [], items: [], both: [] })

function fill(batch: Batch, version: (i: number) => string | null): void {
  for (let i = 0; i < batch.items.length; i++) {
    const item = batch.items[i]!
    item.sourceVersion = version(i)
    if (batch.both[i]) item.targetVersion = item.sourceVersion
  }
}

/**
 * Versions made on a worker thread under `key`; `fp` is this thread's fingerprinter under the
 * same key (what fills in whatever the worker does not). `source` is the worker's code (tests).
 */
export class WorkerFingerprints implements VersionsLater {
  readonly #fp: Fingerprinter
  #worker: Worker | undefined
  #batch = emptyBatch()
  /** Batches sent, oldest first, each waiting for its answer. */
  #sent: Batch[] = []
  #failed = false
  #answered: (() => void) | undefined

  constructor(key: Uint8Array, fp: Fingerprinter, source = WORKER_SOURCE) {
    this.#fp = fp
    try {
      // loaded here, not at start-up: only a large plan has a worker (regex-worker.ts, issue #22)
      const { Worker } = process.getBuiltinModule('node:worker_threads')
      const worker: Worker = new Worker(source, {
        eval: true,
        // the key's own bytes (a Buffer may be a view of a shared 8 KB pool), no environment
        workerData: { key: new Uint8Array(key) },
        env: {}
      })
      worker.on('message', (text: unknown) => this.#answer(text))
      // an error is followed by 'exit'; 'exit' alone: the thread ended (or was ended)
      worker.on('error', () => this.#fail())
      worker.on('messageerror', () => this.#fail())
      worker.on('exit', () => this.#fail())
      this.#worker = worker
    } catch {
      this.#failed = true
    }
  }

  add(entry: Entry, digest: string, item: PlanItem, both: boolean): void {
    const batch = this.#batch
    batch.digests.push(digest)
    batch.entries.push(entry)
    batch.items.push(item)
    batch.both.push(both)
    if (batch.digests.length >= BATCH) this.#send()
  }

  /** Fills in every version handed over; the worker is ended. */
  async done(): Promise<void> {
    this.#send()
    if (this.#sent.length && !this.#failed)
      await new Promise<void>((resolve) => (this.#answered = resolve))
    // what a failed worker did not answer
    for (const batch of this.#sent) fill(batch, (i) => this.#fp(entryDigest(batch.entries[i]!)))
    this.#sent = []
    this.close()
  }

  /** Ends the worker (also when the plan stops before `done`). */
  close(): void {
    const worker = this.#worker
    this.#worker = undefined
    this.#failed = true
    void worker?.terminate()
    // a `done` still waiting fills in the rest itself
    this.#wake()
  }

  #send(): void {
    const batch = this.#batch
    if (!batch.digests.length) return
    this.#batch = emptyBatch()
    this.#sent.push(batch)
    if (!this.#failed) this.#worker?.postMessage(batch.digests)
    batch.digests = []
  }

  #answer(text: unknown): void {
    const batch = this.#sent[0]
    if (!batch || typeof text !== 'string' || text.length !== 12 * batch.items.length)
      return this.#fail()
    this.#sent.shift()
    fill(batch, (i) => text.slice(12 * i, 12 * i + 12))
    if (!this.#sent.length) this.#wake()
  }

  #fail(): void {
    if (this.#failed) return
    this.#failed = true
    void this.#worker?.terminate()
    this.#worker = undefined
    this.#wake()
  }

  #wake(): void {
    const answered = this.#answered
    this.#answered = undefined
    answered?.()
  }
}
