/**
 * `npm run bench [-- <name>…] [-- --smoke]`: runs the benchmarks side by side with their
 * anchors, prints a table and writes bench/results/<date>.json. Never part of the tests'
 * assertions; `--smoke` runs tiny sizes to keep the bench from rotting.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { benchCore } from './core'
import { benchMetadb, metadbChild } from './metadb'
import { benchBackends } from './backends'
import { benchEngine } from './engine'
import { benchCli } from './cli'
import { benchWhole } from './whole'
import { benchJobs } from './jobs'
import { benchUi } from './ui'
import { benchProcessList } from './process-list'
import { renderReport } from './report'
import type { BenchContext, BenchFigure } from './harness'

// Results live in bench/results whether this runs from source or bundled in out/bench.
const here = new URL('.', import.meta.url)
const RESULTS = here.pathname.endsWith('/out/bench/')
  ? new URL('../../bench/results/', here)
  : new URL('./results/', here)

const BENCHES: Record<string, (ctx: BenchContext) => Promise<BenchFigure[]>> = {
  core: benchCore,
  metadb: benchMetadb,
  engine: benchEngine,
  backends: benchBackends,
  ui: benchUi,
  cli: benchCli,
  whole: benchWhole,
  // whole jobs: airlock plan --out, then airlock apply (bench/jobs.ts)
  jobs: benchJobs,
  // whole processes: list and fernet decrypt (bench/process-list.ts)
  'process-list': benchProcessList
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3))

async function main(argv: string[]): Promise<number> {
  const smoke = argv.includes('--smoke')
  const names = argv.filter((a) => !a.startsWith('--'))
  const unknown = names.filter((n) => !BENCHES[n])
  if (unknown.length) {
    process.stderr.write(
      `bench: unknown benchmark ${unknown.join(', ')} (have: ${Object.keys(BENCHES).join(', ')})\n`
    )
    return 2
  }
  const chosen = names.length ? names : Object.keys(BENCHES)
  const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
  const results: Record<string, BenchFigure[]> = {}
  for (const name of chosen) results[name] = await BENCHES[name]!({ smoke })
  const rows = [['benchmark', 'Airlock', 'anchor', 'ratio', 'goal', 'result']]
  for (const [, figures] of Object.entries(results))
    for (const f of figures)
      rows.push([
        f.name,
        `${fmt(f.airlock.value)} ${f.airlock.unit} (±${(f.airlock.spread * 50).toFixed(0)}%)`,
        f.anchor ? `${fmt(f.anchor.value)} ${f.anchor.unit} ${f.anchor.name}` : '—',
        f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`,
        f.goal,
        f.pass ? 'pass' : 'short'
      ])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows)
    process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n')
  process.stdout.write(
    `machine: ${machine}${smoke ? ' (smoke sizes: figures are not meaningful)' : ''}\n`
  )
  if (!smoke) {
    mkdirSync(RESULTS, { recursive: true })
    const file = new URL(`${new Date().toISOString().slice(0, 10)}.json`, RESULTS)
    // One file per day: benchmarks run separately on the same day add to it.
    const earlier = existsSync(file)
      ? ((JSON.parse(readFileSync(file, 'utf8')) as { results?: object }).results ?? {})
      : {}
    const merged = { ...earlier, ...results }
    const date = new Date().toISOString()
    writeFileSync(file, JSON.stringify({ date, machine, results: merged }, null, 2) + '\n')
    writeFileSync(new URL('report.html', RESULTS), renderReport(date, machine, merged))
    process.stdout.write(
      `written: bench/results/${new Date().toISOString().slice(0, 10)}.json and bench/results/report.html\n`
    )
  }
  return 0
}

const argv = process.argv.slice(2)
if (argv[0] === '--metadb-child') await metadbChild(argv[1]!, argv[2]!)
else process.exitCode = await main(argv)
