/**
 * A gate for browser tests (`AIRLOCK_TEST_JOB_GATE=<file>`, honoured only together with
 * `AIRLOCK_TEST_HARNESS=1`): while the file exists and holds a number n, a run (an apply's, a
 * resume's or a rollback's batches) starts no more
 * than n batches and waits before the next one; a cancel ends the wait at once, and removing
 * the file (or a larger number) lets the run go on. A test can so see a job running, with
 * exactly n batches' progress, for as long as it needs, however fast the store is. Unset in
 * normal use; nothing else reads it. See adr/0002-test-job-gate.md.
 */
import { readFileSync } from 'node:fs'
import { abortableSleep } from '../backends/pacer'

const file = process.env.AIRLOCK_TEST_HARNESS === '1' ? process.env.AIRLOCK_TEST_JOB_GATE || '' : ''

/** How often a held run looks at the gate file again, in ms. */
const POLL_MS = 25

/** Batches the gate lets a run start now: the file's number, or any number without the file. */
function allowed(): number {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return Infinity
  }
  const n = Number.parseInt(text, 10)
  return Number.isFinite(n) && n >= 0 ? n : 0
}

/** Whether a gate is set (the runner skips the call otherwise). */
export const jobGateSet = file !== ''

/**
 * Resolves when the run may start a batch after `started` batches, or when `signal` aborts.
 */
export async function atJobGate(started: number, signal?: AbortSignal): Promise<void> {
  while (started >= allowed() && !signal?.aborted)
    await abortableSleep(POLL_MS, signal).catch(() => undefined)
}
