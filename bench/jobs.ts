/**
 * `npm run bench -- jobs`: whole jobs as users run them, each step a new process — `airlock
 * plan SOURCE TARGET --out P`, then `airlock apply P --yes` — timed whole with its peak RSS
 * and CPU seconds from GNU time (as bench/whole.ts does), beside an anchor that moves the
 * same items without a plan, snapshot, journal or read-back: `cp` of the source `.env`, and
 * the `sqlite3` shell running the same rows' INSERTs in one transaction (no encryption).
 * Every repetition starts from a fresh, empty target (every item a create); runs alternate
 * Airlock and anchor, the figure is the median. `AIRLOCK_BENCH_JOB_SIZES=10000,100000`
 * picks the sizes, `AIRLOCK_BENCH_JOB_TARGETS=env` (or `metadb`) one kind of target. The jobs run under the keyring the bench runs in (scripts/with-keyring.sh).
 * Besides: `airlock rollback JOB --yes` after each full apply, and `airlock resume JOB` after
 * an apply killed halfway (the `after-journal-append` failpoint, once half the batches are
 * journaled done), each a whole process with its peak RSS (issue #22: memory bounded by the
 * batch for resume and rollback too).
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { airflowSchemaDdl } from '../src-main/backends/sql/airflow-schema'
import { NODE_FLAGS } from '../src-main/platform/runtime'
import { benchDataset, envFileText } from './diff-fixtures'
import type { BenchContext, BenchFigure } from './harness'
import { BIN, runWhole, spread, summary, type Run } from './process-run'

const mb = (r: Run) =>
  r.peakMb === undefined
    ? 'peak RSS n/a'
    : `${Math.round(r.peakMb)} MB, CPU ${(r.cpu ?? NaN).toFixed(2)} s`

const sqlText = (v: string | number | null | undefined) =>
  v === null || v === undefined ? 'NULL' : `'${String(v).replaceAll("'", "''")}'`

/** An empty Airflow 3.2 metadata DB made with the sqlite3 shell (Airlock's own DDL). */
function emptyMetadb(path: string): void {
  const ddl = airflowSchemaDdl('3.2', 'sqlite').join(';\n') + ';\n'
  const out = spawnSync('sqlite3', [path], { input: ddl })
  if (out.status !== 0) throw new Error(`sqlite3: ${out.stderr.toString()}`)
}

export async function benchJobs(ctx: BenchContext): Promise<BenchFigure[]> {
  const sizes = ctx.smoke
    ? [300]
    : (process.env.AIRLOCK_BENCH_JOB_SIZES ?? '10000,100000').split(',').map(Number)
  // AIRLOCK_BENCH_JOB_TARGETS=env or =metadb runs one kind of target
  const targets = (process.env.AIRLOCK_BENCH_JOB_TARGETS ?? 'env,metadb').split(',')
  const reps = ctx.smoke ? 1 : Number(process.env.AIRLOCK_BENCH_JOB_REPS ?? 3)
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-jobs-'))
  const env = {
    ...process.env,
    AIRLOCK_HOME: join(dir, 'home'),
    AIRLOCK_CONFIG_DIR: join(dir, 'cfg')
  }
  const key = Fernet32()
  const airlock = (...args: string[]) =>
    runWhole([process.execPath, ...NODE_FLAGS, BIN, ...args], { env })
  // the newest job's id (`airlock jobs --json` prints a line per job, the newest first)
  const newestJob = () => {
    const out = spawnSync(process.execPath, [...NODE_FLAGS, BIN, 'jobs', '--json'], { env })
    return (JSON.parse(out.stdout.toString().split('\n')[0]!) as { jobId: string }).jobId
  }
  const figures: BenchFigure[] = []
  try {
    emptyMetadb(join(dir, 'empty.db'))
    for (const n of sizes) {
      const entries = benchDataset(n, 7)
      const source = join(dir, `source-${n}.env`)
      writeFileSync(source, envFileText(entries))
      // the anchor of the metadata DB: the same rows as INSERTs in one transaction
      const inserts = join(dir, `inserts-${n}.sql`)
      writeFileSync(
        inserts,
        'BEGIN;\n' +
          entries
            .map((e) =>
              e.kind === 'connection'
                ? `INSERT INTO connection (conn_id, conn_type, host, login, password, schema, port, extra, is_encrypted, is_extra_encrypted) VALUES (${[e.id, e.fields.conn_type, e.fields.host, e.fields.login, e.fields.password, e.fields.schema, e.fields.port, e.fields.extra].map(sqlText).join(', ')}, 1, 1);`
                : `INSERT INTO variable (key, val, is_encrypted) VALUES (${sqlText(e.key)}, ${sqlText(e.value)}, 1);`
            )
            .join('\n') +
          '\nCOMMIT;\n'
      )
      const size = `${n.toLocaleString('en')} items`
      for (const target of ['env', 'metadb'] as const) {
        if (!targets.includes(target)) continue
        const plans: Run[] = []
        const applies: Run[] = []
        const anchors: Run[] = []
        const rollbacks: Run[] = []
        const resumes: Run[] = []
        for (let i = 0; i < reps; i++) {
          const t = join(dir, `target-${n}-${i}.${target === 'env' ? 'env' : 'db'}`)
          const locator = target === 'env' ? `envfile:${t}` : `metadb:sqlite:///${t}`
          if (target === 'metadb') copyFileSync(join(dir, 'empty.db'), t)
          const keyArgs = target === 'metadb' ? ['--key', key] : []
          const plan = join(dir, `plan-${n}-${i}.json`)
          plans.push(airlock('plan', `envfile:${source}`, locator, '--out', plan, ...keyArgs))
          applies.push(airlock('apply', plan, '--yes', ...keyArgs))
          rollbacks.push(airlock('rollback', newestJob(), '--yes', ...keyArgs))
          rmSync(plan, { force: true })
          rmSync(t, { force: true })
          rmSync(env.AIRLOCK_HOME, { recursive: true, force: true })
          // an apply killed once half its batches are journaled done (`start`, then each
          // batch's `begin` and `done` records: the next batch's first `begin` is the kill),
          // then its resume; run-job.ts defaultBatchSize gives the batch
          if (target === 'metadb') copyFileSync(join(dir, 'empty.db'), t)
          airlock('plan', `envfile:${source}`, locator, '--out', plan, ...keyArgs)
          const batch =
            target === 'env'
              ? Math.max(500, Math.ceil(n / 4))
              : Math.min(2000, Math.max(25, Math.ceil(n / 50)))
          const halfway = Math.floor(Math.ceil(n / batch) / 2) * batch
          runWhole([process.execPath, ...NODE_FLAGS, BIN, 'apply', plan, '--yes', ...keyArgs], {
            env: { ...env, AIRLOCK_FAILPOINT: `after-journal-append:${2 + 2 * halfway}` },
            ok: [137]
          })
          resumes.push(airlock('resume', newestJob(), ...keyArgs))
          rmSync(plan, { force: true })
          rmSync(t, { force: true })
          rmSync(env.AIRLOCK_HOME, { recursive: true, force: true })
          const a = join(dir, `anchor-${i}`)
          if (target === 'env') anchors.push(runWhole(['cp', source, a], { env }))
          else {
            copyFileSync(join(dir, 'empty.db'), a)
            anchors.push(runWhole(['sh', '-c', `sqlite3 '${a}' < '${inserts}'`], { env }))
          }
          rmSync(a, { force: true })
        }
        const [p, a, anchor] = [summary(plans), summary(applies), summary(anchors)]
        const what = target === 'env' ? '.env → .env' : '.env → SQLite metadata DB'
        // the goals are set at 100 k and linear; below it, start-up (about 0.5 s) is allowed for
        const share = (at100k: number) => Math.max(1, at100k * (n / 100_000))
        const goalApply = share(target === 'env' ? 10 : 5)
        const goalPlan = target === 'env' ? Infinity : share(1)
        const anchorName =
          target === 'env' ? 'cp of the source .env' : 'sqlite3 shell: the INSERTs, one transaction'
        figures.push({
          name: `job ${what}, airlock plan --out (${size}), whole process`,
          airlock: {
            value: p.seconds,
            unit: `s, ${mb(p)}`,
            spread: spread(plans.map((r) => r.seconds))
          },
          goal: target === 'env' ? '≤ 300 MB' : `≤ ${goalPlan} s, ≤ 300 MB (100 k: ≤ 1 s, linear)`,
          pass: p.seconds <= goalPlan && (p.peakMb ?? Infinity) <= 300
        })
        figures.push({
          name: `job ${what}, airlock apply --yes (${size}), whole process`,
          airlock: {
            value: a.seconds,
            unit: `s, ${mb(a)}`,
            spread: spread(applies.map((r) => r.seconds))
          },
          anchor: {
            name: `${anchorName} (${mb(anchor)})`,
            value: anchor.seconds,
            unit: 's',
            spread: spread(anchors.map((r) => r.seconds))
          },
          ratio: anchor.seconds / a.seconds,
          goal: `≤ ${goalApply} s, ≤ 300 MB (100 k: ≤ ${target === 'env' ? 10 : 5} s, linear)`,
          pass: a.seconds <= goalApply && (a.peakMb ?? Infinity) <= 300
        })
        for (const [runs, how] of [
          [resumes, 'airlock resume JOB after a kill halfway'],
          [rollbacks, 'airlock rollback JOB --yes after a full apply']
        ] as const) {
          const r = summary(runs)
          figures.push({
            name: `job ${what}, ${how} (${size}), whole process`,
            airlock: {
              value: r.seconds,
              unit: `s, ${mb(r)}`,
              spread: spread(runs.map((x) => x.seconds))
            },
            goal: '≤ 300 MB',
            pass: (r.peakMb ?? Infinity) <= 300
          })
        }
      }
    }
    return figures
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A Fernet key (URL-safe base64 of 32 random bytes). */
function Fernet32(): string {
  return randomBytes(32).toString('base64url') + '='
}
