/**
 * `npm run bench -- whole`: commands as users run them, each a new process (`node
 * bin/airlock.mjs …`, as the `airlock` bin runs), timed whole with its peak RSS as the OS
 * counts it (GNU time's maximum resident set size), beside the whole anchor command in the
 * same run: runs alternate Airlock, anchor, Airlock, anchor… and the figure is the median, its
 * spread the (max − min) / median. The in-process figures of the other benchmarks are the
 * breakdown of these.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { airflowSchemaDdl } from '../src-main/backends/sql/airflow-schema'
import { Fernet } from '../src-main/core/codecs/fernet'
import type { Entry } from '../src-main/core/model'
import { NODE_FLAGS } from '../src-main/platform/runtime'
import { diffPair, writeDiffFixtures } from './diff-fixtures'
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

const sqlText = (v: string | number | null | undefined) =>
  v === null || v === undefined ? 'NULL' : `'${String(v).replaceAll("'", "''")}'`

/**
 * Two Airflow 3.2 SQLite metadata DBs holding the entries of {@link diffPair} as Airflow
 * keeps them (passwords, extras and values Fernet-encrypted under `key`), made with the
 * sqlite3 shell. Returns their paths.
 */
export function writeMetadbPair(dir: string, n: number, key: string): [string, string] {
  const fernet = new Fernet(key)
  const enc = (v: string | null) => (v === null ? null : fernet.encrypt(Buffer.from(v)))
  const { a, b } = diffPair(n)
  const ddl = airflowSchemaDdl('3.2', 'sqlite').join(';\n') + ';\n'
  const write = (name: string, entries: readonly Entry[]): string => {
    const path = join(dir, name)
    const rows = entries.map((e) =>
      e.kind === 'connection'
        ? `INSERT INTO connection (conn_id, conn_type, description, host, login, password, schema, port, extra, is_encrypted, is_extra_encrypted) VALUES (${[e.id, e.fields.conn_type, e.fields.description, e.fields.host, e.fields.login, enc(e.fields.password), e.fields.schema, e.fields.port, enc(e.fields.extra)].map(sqlText).join(', ')}, 1, 1);`
        : `INSERT INTO variable (key, val, is_encrypted) VALUES (${sqlText(e.key)}, ${sqlText(enc(e.value))}, 1);`
    )
    const sql = join(dir, `${name}.sql`)
    writeFileSync(sql, `${ddl}BEGIN;\n${rows.join('\n')}\nCOMMIT;\n`)
    const out = spawnSync('sh', ['-c', `sqlite3 '${path}' < '${sql}'`])
    if (out.status !== 0) throw new Error(`sqlite3: ${out.stderr.toString()}`)
    rmSync(sql)
    return path
  }
  return [write('a.db', a), write('b.db', b)]
}

/**
 * A clone of the metadata DB at `path` (the same file: the same ciphertexts, as a staging DB
 * restored from production's), then changed in place with the sqlite3 shell: 10 % of its rows
 * altered in a column stored in plaintext, 1 % of connections deleted and 2 % more variables
 * (copies of others' stored values under new keys). Returns its path.
 */
export function writeMetadbClone(dir: string, path: string): string {
  const clone = join(dir, 'clone.db')
  copyFileSync(path, clone)
  const sql = [
    `UPDATE connection SET host = coalesce(host, '') || '.staging' WHERE id % 10 = 0;`,
    `UPDATE variable SET description = 'staging' WHERE id % 10 = 0;`,
    `DELETE FROM connection WHERE id % 100 = 1;`,
    `INSERT INTO variable (key, val, is_encrypted) SELECT key || '_staging', val, is_encrypted FROM variable WHERE id % 50 = 2;`
  ].join('\n')
  const out = spawnSync('sqlite3', [clone], { input: sql })
  if (out.status !== 0) throw new Error(`sqlite3: ${out.stderr.toString()}`)
  return clone
}

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
    // two metadata DBs (SQLite files): the same items, as Airflow keeps them; no anchor (GNU
    // diff of the sorted .env files is the text diff's, above, and sqlite3 cannot decrypt)
    const key = Fernet.generateKey()
    const [dbA, dbB] = writeMetadbPair(dir, n, key)
    const dbC = writeMetadbClone(dir, dbA)
    for (const [what, a, b] of [
      [`two SQLite metadata DBs (${size})`, dbA, dbB],
      [
        `a SQLite metadata DB and its clone, 10 % of rows changed (${n.toLocaleString('en')} items)`,
        dbA,
        dbC
      ]
    ] as const) {
      const dbRuns: Run[] = []
      for (let i = 0; i < reps; i++)
        dbRuns.push(
          runWhole(
            [
              process.execPath,
              ...NODE_FLAGS,
              BIN,
              'diff',
              `metadb:sqlite:///${a}`,
              `metadb:sqlite:///${b}`
            ],
            { env: { ...process.env, AIRFLOW__CORE__FERNET_KEY: key } }
          )
        )
      const db = summary(dbRuns)
      figures.push({
        name: `airlock diff, ${what}, whole process`,
        airlock: {
          value: db.seconds,
          unit: `s, ${mb(db)}`,
          spread: spread(dbRuns.map((r) => r.seconds))
        },
        goal: '≤ 1 s',
        pass: db.seconds <= 1
      })
    }
    return figures
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
