import { setFlagsFromString } from 'node:v8'

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
}
