/**
 * `npm run bench -- process-list`: listing and Fernet decryption as users run them — whole
 * processes, `node bin/airlock.mjs …` (with the bin's own re-exec when `node` is older than
 * 22.13) — side by side with the whole anchor command in the same run: pairs alternate,
 * median of the pairs, spread, and peak RSS from the OS (GNU time's %M; for a pipeline, its
 * largest process). The in-process figures (bench core, metadb) stay as the breakdown.
 *
 *   airlock list metadb:postgresql://… --json --reveal   vs   psql \copy | python3 decrypt loop
 *   airlock fernet decrypt < tokens                       vs   python3 cryptography loop
 *
 * Python is /usr/bin/python3 with Debian's python3-cryptography, as in the other benches.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { airflowSchemaDdl } from '../src-main/backends/sql/airflow-schema'
import { openSql, type SqlTarget } from '../src-main/backends/sql/driver'
import { Fernet, MultiFernet } from '../src-main/core/codecs/fernet'
import type { BenchContext, BenchFigure } from './harness'
import { rng } from './harness'

const here = fileURLToPath(new URL('.', import.meta.url))
// AIRLOCK_BENCH_BIN: another checkout's bin/airlock.mjs, for before/after figures.
const BIN =
  process.env.AIRLOCK_BENCH_BIN ??
  (here.endsWith('/out/bench/')
    ? fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))
    : fileURLToPath(new URL('../bin/airlock.mjs', import.meta.url)))
const PYTHON = '/usr/bin/python3'
const TIME = '/usr/bin/time'
const PG: SqlTarget = { dialect: 'postgresql', host: '127.0.0.1', port: 5432, user: 'postgres' }

const PY_LIST = `import sys, csv, json
from cryptography.fernet import Fernet
f = Fernet(open(sys.argv[1]).read().strip().encode())
w = sys.stdout.write
for row in csv.reader(sys.stdin):
    w(json.dumps({"id": row[0], "password": f.decrypt(row[1].encode()).decode(), "extra": f.decrypt(row[2].encode()).decode()}, ensure_ascii=False) + "\\n")`

const PY_FERNET = `import sys, json
from cryptography.fernet import Fernet
f = Fernet(open(sys.argv[1]).read().strip().encode())
w = sys.stdout.write
for line in sys.stdin:
    w(json.dumps({"plaintext": f.decrypt(line.rstrip("\\n").encode()).decode()}) + "\\n")`

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`

interface Run {
  seconds: number
  rssMb: number
  /** User + system CPU seconds of every process of the command line. */
  cpu: number
}

/** One run of a shell command line: wall seconds, peak RSS (MB), CPU seconds. */
function runShell(command: string): Run {
  const timed = existsSync(TIME)
  const t0 = performance.now()
  const r = timed
    ? spawnSync(TIME, ['-f', '%M %U %S', 'sh', '-c', command], { encoding: 'utf8' })
    : spawnSync('sh', ['-c', command], { encoding: 'utf8' })
  const seconds = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`${command.slice(0, 80)}… exited ${r.status}: ${r.stderr}`)
  const [kb, user, system] = timed
    ? r.stderr.trim().split('\n').pop()!.split(' ').map(Number)
    : [NaN, NaN, NaN]
  return { seconds, rssMb: kb! / 1024, cpu: user! + system! }
}

function lineCount(path: string): number {
  const text = readFileSync(path, 'utf8')
  let n = 0
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++
  return n
}

interface Side {
  median: number
  spread: number
  rssMb: number
  /** Median CPU seconds. */
  cpu: number
}

/** `reps` alternating pairs (Airlock, anchor); each side's median and spread. */
function pairs(
  reps: number,
  airlock: () => Run,
  anchor: () => Run
): { airlock: Side; anchor: Side } {
  const a: Run[] = []
  const b: Run[] = []
  for (let i = 0; i < reps; i++) {
    a.push(airlock())
    b.push(anchor())
  }
  const side = (xs: Run[]): Side => {
    const s = xs.map((x) => x.seconds).sort((p, r) => p - r)
    const median = s[Math.floor(s.length / 2)]!
    return {
      median,
      spread: (s[s.length - 1]! - s[0]!) / median,
      rssMb: Math.max(...xs.map((x) => x.rssMb)),
      cpu: xs.map((x) => x.cpu).sort((p, r) => p - r)[Math.floor(xs.length / 2)]!
    }
  }
  return { airlock: side(a), anchor: side(b) }
}

function figure(
  name: string,
  anchorName: string,
  sides: { airlock: Side; anchor: Side },
  goal: string,
  pass: (ratio: number) => boolean
): BenchFigure[] {
  const ratio = sides.anchor.median / sides.airlock.median
  const rss = (s: Side) => (Number.isFinite(s.rssMb) ? `${Math.round(s.rssMb)} MB peak` : '')
  return [
    {
      name: `${name}, whole process`,
      airlock: { value: sides.airlock.median, unit: 's', spread: sides.airlock.spread },
      anchor: {
        name: `${anchorName} ${rss(sides.anchor)}`.trim(),
        value: sides.anchor.median,
        unit: 's',
        spread: sides.anchor.spread
      },
      ratio,
      goal,
      pass: pass(ratio)
    },
    {
      // On a busy machine wall time follows the scheduler; CPU time is the work done.
      name: `${name}, CPU time (user + sys)`,
      airlock: { value: sides.airlock.cpu, unit: 's CPU', spread: 0 },
      anchor: { name: anchorName, value: sides.anchor.cpu, unit: 's CPU', spread: 0 },
      ratio: sides.anchor.cpu / sides.airlock.cpu,
      goal: 'breakdown',
      pass: true
    },
    {
      name: `${name}, peak RSS`,
      airlock: { value: sides.airlock.rssMb, unit: 'MB', spread: 0 },
      goal: '≤ 300 MB',
      pass: !(sides.airlock.rssMb > 300)
    }
  ]
}

export async function benchProcessList(ctx: BenchContext): Promise<BenchFigure[]> {
  const n = ctx.smoke ? 2_000 : 100_000
  const reps = ctx.smoke ? 1 : 3
  const database = `airlock_bench_list_${randomBytes(4).toString('hex')}`
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-list-'))
  const key = Fernet.generateKey()
  const mf = MultiFernet.fromSetting(key)
  const keyFile = join(dir, 'key')
  writeFileSync(keyFile, key)
  chmodSync(keyFile, 0o600)
  const admin = await openSql({ ...PG, database: 'postgres' })
  await admin.query(`CREATE DATABASE ${database}`)
  const figures: BenchFigure[] = []
  try {
    const db = await openSql({ ...PG, database })
    try {
      for (const stmt of airflowSchemaDdl('3.2', 'postgresql')) await db.query(stmt)
      const rand = rng(5)
      const enc = new TextEncoder()
      for (let start = 0; start < n; start += 1000) {
        const values: unknown[] = []
        const rows: string[] = []
        for (let i = start; i < Math.min(n, start + 1000); i++) {
          const password = `pw-${i}-${Math.floor(rand() * 1e9).toString(36)}/?#@é`
          const extra = JSON.stringify({
            region_name: 'eu-west-1',
            timeout: String(i % 60),
            key_path: `/keys/${i}.json`,
            nested: { a: [1, 2, i] }
          })
          values.push(
            `conn_${i}`,
            'postgres',
            `host-${i % 500}.internal`,
            'etl',
            mf.encrypt(enc.encode(password)),
            5432,
            mf.encrypt(enc.encode(extra))
          )
          rows.push('(?, ?, ?, ?, ?, ?, true, true, ?)')
        }
        await db.query(
          `INSERT INTO connection (conn_id, conn_type, host, login, password, port, is_encrypted, is_extra_encrypted, extra) VALUES ${rows.join(', ')}`,
          values
        )
      }
      await db.query('ANALYZE connection')
    } finally {
      await db.close()
    }

    // list: the command a user types, and psql piped into Python.
    const listOut = join(dir, 'list.jsonl')
    const anchorOut = join(dir, 'anchor.jsonl')
    const locator = `metadb:postgresql://postgres@127.0.0.1:5432/${database}`
    const listCmd = `${q(process.execPath)} ${q(BIN)} list ${q(locator)} --json --reveal --key-file ${q(keyFile)} > ${q(listOut)}`
    const copy = `\\copy (SELECT conn_id, password, extra FROM connection) TO STDOUT WITH CSV`
    const anchorCmd = `psql -h 127.0.0.1 -U postgres -d ${database} -qc ${q(copy)} | ${PYTHON} -c ${q(PY_LIST)} ${q(keyFile)} > ${q(anchorOut)}`
    runShell(listCmd) // warm the file cache and the server, as any second run is
    const list = pairs(
      reps,
      () => runShell(listCmd),
      () => runShell(anchorCmd)
    )
    if (lineCount(listOut) !== n || lineCount(anchorOut) !== n)
      throw new Error(`list wrote ${lineCount(listOut)} lines, the anchor ${lineCount(anchorOut)}`)
    figures.push(
      ...figure(
        `airlock list metadb --json --reveal, ${n.toLocaleString('en')} connections`,
        'psql \\copy | Python decrypt loop',
        list,
        '≤ 0.35× anchor time',
        (ratio) => ratio >= 1 / 0.35
      )
    )

    // fernet decrypt: stdin to stdout, one JSON line per token.
    const tokens = join(dir, 'tokens')
    const rand = rng(6)
    const alphabet =
      'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%/:?= é日"\\'
    const lines: string[] = []
    for (let i = 0; i < n; i++) {
      const len = i % 10 === 0 ? 400 + Math.floor(rand() * 600) : 8 + Math.floor(rand() * 40)
      let s = ''
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(rand() * alphabet.length)]
      lines.push(mf.encrypt(new TextEncoder().encode(s)))
    }
    writeFileSync(tokens, lines.join('\n') + '\n')
    const fernetOut = join(dir, 'fernet.jsonl')
    const pyOut = join(dir, 'py.jsonl')
    const fernetCmd = `${q(process.execPath)} ${q(BIN)} fernet decrypt --key-file ${q(keyFile)} < ${q(tokens)} > ${q(fernetOut)}`
    const pyCmd = `${PYTHON} -c ${q(PY_FERNET)} ${q(keyFile)} < ${q(tokens)} > ${q(pyOut)}`
    const fernet = pairs(
      reps,
      () => runShell(fernetCmd),
      () => runShell(pyCmd)
    )
    if (readFileSync(fernetOut, 'utf8') !== readFileSync(pyOut, 'utf8'))
      throw new Error('airlock fernet decrypt and the Python loop wrote different bytes')
    figures.push(
      ...figure(
        `airlock fernet decrypt, ${n.toLocaleString('en')} tokens`,
        'Python cryptography loop',
        fernet,
        '≥ 3× faster than anchor',
        (ratio) => ratio >= 3
      )
    )
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined)
    await admin.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return figures
}
