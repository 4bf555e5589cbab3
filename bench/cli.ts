/**
 * `npm run bench -- cli`: `airlock --help` cold start (a new Node process each time, as a
 * user runs it) side by side with `node -e 0` in the same run.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchContext, BenchFigure } from './harness'
import { measure } from './harness'

const here = fileURLToPath(new URL('.', import.meta.url))
const BIN = here.endsWith('/out/bench/')
  ? fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))
  : fileURLToPath(new URL('../bin/airlock.mjs', import.meta.url))

function run(args: string[]): number {
  const t0 = performance.now()
  const out = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`)
  return (performance.now() - t0) / 1000
}

export async function benchCli(ctx: BenchContext): Promise<BenchFigure[]> {
  const reps = ctx.smoke ? 3 : 15
  run([BIN, '--help']) // warm the file cache, as any second run is
  const airlock = measure(reps, () => run(['--max-semi-space-size=2', BIN, '--help']))
  const node = measure(reps, () => run(['-e', '0']))
  const ratio = airlock.median / node.median
  return [
    {
      name: 'airlock --help, cold start',
      airlock: { value: airlock.median * 1000, unit: 'ms', spread: airlock.spread },
      anchor: { name: 'node -e 0', value: node.median * 1000, unit: 'ms', spread: node.spread },
      ratio: 1 / ratio,
      goal: '≤ 3× node -e 0',
      pass: ratio <= 3
    }
  ]
}
