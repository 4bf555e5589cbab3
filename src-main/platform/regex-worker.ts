/**
 * Runs user-given patterns (lookup patterns from `backend_kwargs`) in a worker thread with a
 * time limit, so a pattern that backtracks without end (`(a+)+$` on a long id) is stopped
 * instead of freezing the process that serves the app. The call stays synchronous for core:
 * this thread posts the job and waits on a shared flag (`Atomics.wait`) for at most the limit;
 * on time-out the worker is terminated and the next pattern starts a fresh one. A pattern that
 * ran out of time once is refused at once afterwards, so a listing of thousands of ids stalls
 * this thread for one time limit, not one per id.
 */
import type { MessagePort, Worker } from 'node:worker_threads'
import { RegexTimeLimitError, useRegexRunner, type RegexRunner } from '../core/regex-runner'

// worker_threads is loaded when the first pattern runs: most commands run none, and every CLI
// process installs the runner at start-up (loading it was ~2.5 ms of each start: issue #22)
const threads = () => process.getBuiltinModule('node:worker_threads')

/** How long one pattern may run on one id. */
export const REGEX_TIME_LIMIT_MS = 250

/** How long a new worker may take to start (a loaded machine is slow to start threads). */
const START_LIMIT_MS = 15_000

// Plain CommonJS evaluated in the worker: compiles each pattern once, answers each job on the
// port, then raises the flag this thread waits on.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads')
const { port, flag } = workerData
const state = new Int32Array(flag)
const compiled = new Map()
port.on('message', ({ source, flags, text }) => {
  let answer
  try {
    let re = compiled.get(flags + '/' + source)
    if (!re) compiled.set(flags + '/' + source, (re = new RegExp(source, flags)))
    re.lastIndex = 0
    answer = { matched: re.test(text) }
  } catch (error) {
    answer = { error: String(error && error.message) }
  }
  port.postMessage(answer)
  Atomics.store(state, 0, 1)
  Atomics.notify(state, 0)
})
Atomics.store(state, 0, 1)
Atomics.notify(state, 0)
`

/**
 * Waits until the worker raises the flag or `ms` pass; false on time-out. Where the thread may
 * not block in `Atomics.wait` (an embedder can forbid it on its main thread), it polls the flag.
 */
function waitForFlag(state: Int32Array, ms: number): boolean {
  try {
    return Atomics.wait(state, 0, 0, ms) !== 'timed-out'
  } catch {
    const until = performance.now() + ms
    while (Atomics.load(state, 0) === 0) if (performance.now() > until) return false
    return true
  }
}

interface Running {
  worker: Worker
  port: MessagePort
  state: Int32Array
}

/** A runner that stops any pattern running longer than `limitMs` on one text. */
export function createRegexWorkerRunner(limitMs = REGEX_TIME_LIMIT_MS): RegexRunner {
  let running: Running | undefined
  /** Patterns (flags/source) that ran out of time, with the text they ran on. */
  const tooSlow = new Map<string, string>()

  const start = (): Running => {
    const flag = new SharedArrayBuffer(4)
    const state = new Int32Array(flag)
    const { MessageChannel, Worker } = threads()
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, flag },
      transferList: [port2]
    })
    // Neither the thread nor its port keeps a finished CLI alive.
    worker.unref()
    port1.unref()
    if (!waitForFlag(state, START_LIMIT_MS)) {
      void worker.terminate()
      throw new Error('The pattern worker did not start.')
    }
    return { worker, port: port1, state }
  }

  return (source, flags, text) => {
    const key = `${flags}/${source}`
    const slowOn = tooSlow.get(key)
    if (slowOn !== undefined) throw new RegexTimeLimitError(limitMs, slowOn)
    running ??= start()
    const { worker, port, state } = running
    Atomics.store(state, 0, 0)
    port.postMessage({ source, flags, text })
    if (!waitForFlag(state, limitMs)) {
      // The worker is busy in the pattern: stop it; the next pattern gets a new one.
      running = undefined
      port.close()
      void worker.terminate()
      if (tooSlow.size < 1000) tooSlow.set(key, text)
      throw new RegexTimeLimitError(limitMs, text)
    }
    const reply = threads().receiveMessageOnPort(port)?.message as
      { matched: boolean; error?: undefined } | { error: string } | undefined
    if (!reply) throw new Error('The pattern worker gave no answer.')
    if (reply.error !== undefined) throw new Error(`The pattern did not run: ${reply.error}`)
    return reply.matched
  }
}

let installedRunner: RegexRunner | undefined

/**
 * Installs the worker runner for this process (idempotent): the CLI, `serve` and the app's
 * main process call it at startup, before any lookup pattern runs.
 */
export function installRegexTimeLimit(limitMs = REGEX_TIME_LIMIT_MS): void {
  installedRunner ??= createRegexWorkerRunner(limitMs)
  useRegexRunner(installedRunner)
}
