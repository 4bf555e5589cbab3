import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Node flags Airlock's own processes start with (the `airlock` bin, `npm run airlock`, the
 * benchmark's child). V8's default young generation on 64-bit Node 24 lets semi-spaces grow
 * to tens of MB; loading 100 k metadata rows then peaks at ~335 MB RSS with ~110 MB live.
 * `--max-semi-space-size=2` keeps the same load at ~175 MB with no measurable time cost
 * (bench: metadb). The flag must be given at start-up: v8.setFlagsFromString is too late.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2']

/**
 * Heap growth between full collections for a job (`airlock apply`, `resume`, `rollback`):
 * +35 % of what the last full collection kept. V8 by default lets the old generation grow to
 * up to 4 × what was live at the last full collection before it collects again; a job of
 * 100 k items keeps some 100–150 MB live while it checks and writes, and its batches' garbage
 * (encryption, SQL, file rewrites) is promoted (the semi-spaces are small, NODE_FLAGS), so its
 * peak RSS reached 4 × that (540–650 MB), most of it garbage. At +50 % the peak stayed near
 * what is live (apply of 100 k: metadata DB ~620 → ~310 MB, `.env` ~700 → ~375 MB) at no
 * measured CPU cost; +35 % takes the metadata DB's to ~280 MB (every run under 300 MB) and
 * the `.env` job's worst runs from ~420 to ~370 MB for up to ~0.5 s more CPU (the peak comes
 * while the plan and every value to write are still live, before the batches let theirs
 * go); +25 % cost the `.env` job ~2 s of CPU (more full collections of the same live heap).
 * Unlike the semi-space size this V8 flag is read each time a collection sets the next limit,
 * so it takes effect when set at run time.
 */
export const JOB_HEAP_GROWING_PERCENT = 35

/** Makes this process collect its heap as a job should (see JOB_HEAP_GROWING_PERCENT). */
export function collectLikeAJob(): void {
  setFlagsFromString(`--heap-growing-percent=${JOB_HEAP_GROWING_PERCENT}`)
  reclaims = true
}

/** Whether {@link reclaimMemory} collects: only in a process that collects like a job. */
let reclaims = false
/** V8's `gc`, got the first time {@link reclaimMemory} collects. */
let gc: ((options: object) => void) | undefined

/**
 * In a process that collects like a job ({@link collectLikeAJob}: the CLI's `apply`, `resume`,
 * `rollback`; nothing in the app), a full collection that reduces memory: it also hands back to
 * the OS the pages V8 keeps pooled. V8 pools every page a collection frees and gives pooled
 * pages back only in a memory-reducing collection (its memory reducer runs one when the process
 * idles, which a job never does), while large objects (a whole file's text, the table of a
 * 100 k map) take pages of their own: a job's RSS holds the highest its heap ever reached plus
 * the large objects made since. Some 150 ms of CPU at 100 MB live (V8 collects until nothing
 * more is freed, twice here): for a few places in a large job (run-job.ts, reclaimBefore).
 */
export function reclaimMemory(): void {
  if (!reclaims) return
  if (!gc) {
    // V8 gives `gc` to the contexts made while the flag is on: one context, then the flag off
    // again, so no other context of this process has it
    setFlagsFromString('--expose-gc')
    try {
      gc = runInNewContext('gc') as (options: object) => void
    } finally {
      setFlagsFromString('--no-expose-gc')
    }
  }
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })
}
