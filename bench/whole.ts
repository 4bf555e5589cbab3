/**
 * `npm run bench -- whole`: commands as users run them, each a new process (`node
 * bin/airlock.mjs …`, as the `airlock` bin runs), timed whole with its peak RSS as the OS
 * counts it (GNU time's maximum resident set size), beside the whole anchor command in the
 * same run: runs alternate Airlock, anchor, Airlock, anchor… and the figure is the median, its
 * spread the (max − min) / median. The in-process figures of the other benchmarks are the
 * breakdown of these.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NODE_FLAGS } from '../src-main/platform/runtime'
import { writeDiffFixtures } from './diff-fixtures'
import type { BenchContext, BenchFigure } from './harness'
import { BIN, runWhole, spread, summary, type Run } from './process-run'

/** Alternating runs of both commands; medians and spreads of each. */
function sideBySide(
  reps: number,
  airlock: () => Run,
  anchor: () => Run
): { airlock: Run; airlockSpread: number; anchor: Run; anchorSpread: number } {
  const a: Run[] = []
  const b: Run[] = []
  for (let i = 0; i < reps; i++) {
    a.push(airlock())
    b.push(anchor())
  }
  return {
    airlock: summary(a),
    airlockSpread: spread(a.map((r) => r.seconds)),
    anchor: summary(b),
    anchorSpread: spread(b.map((r) => r.seconds))
  }
}

const mb = (r: Run) =>
  r.peakMb === undefined
    ? 'peak RSS n/a'
    : `peak RSS ${Math.round(r.peakMb)} MB, CPU ${(r.cpu ?? NaN).toFixed(2)} s`

export async function benchWhole(ctx: BenchContext): Promise<BenchFigure[]> {
  const n = ctx.smoke ? 2_000 : Number(process.env.AIRLOCK_BENCH_ITEMS ?? 100_000)
  const reps = ctx.smoke ? 1 : 3
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-whole-'))
  try {
    writeDiffFixtures(dir, n)
    const airlock =
      (...args: string[]) =>
      () =>
        runWhole([process.execPath, ...NODE_FLAGS, BIN, ...args])
    const gnuDiff = () =>
      runWhole(['diff', join(dir, 'a.sorted'), join(dir, 'b.sorted')], { ok: [1] })
    const size = `${n.toLocaleString('en')} vs ${(n * 1.02).toLocaleString('en')} items, 10 % differ`
    const figures: BenchFigure[] = []
    for (const [what, a, b] of [
      ['.env files', `envfile:${join(dir, 'a.env')}`, `envfile:${join(dir, 'b.env')}`],
      [
        'connections export files',
        `airflow-export:${join(dir, 'a.json')}`,
        `airflow-export:${join(dir, 'b.json')}`
      ]
    ] as const) {
      const r = sideBySide(reps, airlock('diff', a, b), gnuDiff)
      const pass = r.airlock.seconds <= 0.5 && (r.airlock.peakMb ?? Infinity) <= 200
      figures.push({
        name: `airlock diff, ${what} (${size}), whole process`,
        airlock: {
          value: r.airlock.seconds,
          unit: `s, ${mb(r.airlock)}`,
          spread: r.airlockSpread
        },
        anchor: {
          name: `GNU diff of the sorted .env files (${mb(r.anchor)})`,
          value: r.anchor.seconds,
          unit: 's',
          spread: r.anchorSpread
        },
        ratio: r.anchor.seconds / r.airlock.seconds,
        goal: '≤ 0.5 s and ≤ 200 MB',
        pass
      })
    }
    return figures
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
