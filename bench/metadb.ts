/**
 * `npm run bench -- metadb`: read + decrypt N connection rows from PostgreSQL through the
 * metadata-DB backend, side by side with `psql \copy` of the same rows plus a Python
 * `cryptography` decrypt loop (the anchor), and Airlock's peak memory. The Airlock read runs
 * in a child process so its peak RSS is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { MetastoreBackend } from '../src-main/backends/metastore'
import { airflowSchemaDdl } from '../src-main/backends/sql/airflow-schema'
import { openSql, type SqlTarget } from '../src-main/backends/sql/driver'
import { Fernet, MultiFernet } from '../src-main/core/codecs/fernet'
import { NODE_FLAGS } from '../src-main/platform/runtime'
import type { BenchContext, BenchFigure } from './harness'
import { measure, rng } from './harness'

const PG: SqlTarget = {
  dialect: 'postgresql',
  host: '127.0.0.1',
  port: 5432,
  user: 'postgres',
  database: 'test'
}

/** Child mode: load every connection and print seconds and peak RSS. */
export async function metadbChild(schema: string, key: string): Promise<void> {
  const t0 = performance.now()
  const store = new MetastoreBackend({
    id: 'metastore:bench',
    target: { ...PG, schema },
    fernetKey: key
  })
  const { entries, problems } = await store.load({ kinds: ['connection'] })
  const seconds = (performance.now() - t0) / 1000
  await store.close()
  if (process.env.AIRLOCK_BENCH_DEBUG) {
    const m = process.memoryUsage()
    console.error(
      `child: heapUsed ${Math.round(m.heapUsed / 2 ** 20)} MB, external ${Math.round(m.external / 2 ** 20)} MB, rss ${Math.round(m.rss / 2 ** 20)} MB`
    )
  }
  process.stdout.write(
    JSON.stringify({
      seconds,
      rows: entries.length,
      problems: problems.length,
      maxRssMb: process.resourceUsage().maxRSS / 1024
    }) + '\n'
  )
}

const PY_DECRYPT = `import sys,time,csv
from cryptography.fernet import Fernet
f=Fernet(sys.argv[2].encode())
t0=time.perf_counter()
n=0
with open(sys.argv[1], newline='') as fh:
    for row in csv.reader(fh):
        f.decrypt(row[1].encode()); f.decrypt(row[2].encode()); n+=1
print(time.perf_counter()-t0)`

export async function benchMetadb(ctx: BenchContext): Promise<BenchFigure[]> {
  const n = ctx.smoke ? 2_000 : 100_000
  const reps = ctx.smoke ? 1 : 3
  const schema = `airlock_bench_${randomBytes(4).toString('hex')}`
  const key = Fernet.generateKey()
  const mf = MultiFernet.fromSetting(key)
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'))
  const admin = await openSql(PG)
  try {
    await admin.query(`CREATE SCHEMA ${schema}`)
    await admin.query(`SET search_path TO ${schema}`)
    for (const stmt of airflowSchemaDdl('3.2', 'postgresql')) await admin.query(stmt)
    const rand = rng(3)
    const enc = new TextEncoder()
    for (let start = 0; start < n; start += 1000) {
      const values: unknown[] = []
      const rows: string[] = []
      for (let i = start; i < Math.min(n, start + 1000); i++) {
        const password = `pw-${i}-${Math.floor(rand() * 1e9).toString(36)}/?#@`
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
      await admin.query(
        `INSERT INTO connection (conn_id, conn_type, host, login, password, port, is_encrypted, is_extra_encrypted, extra) VALUES ${rows.join(', ')}`,
        values
      )
    }
    const self = fileURLToPath(import.meta.url)
    let lastRss = 0
    const child = measure(reps, () => {
      // the same flags the airlock command starts with
      const flags = [
        ...NODE_FLAGS,
        ...(process.env.AIRLOCK_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)
      ]
      const r = spawnSync(process.execPath, [...flags, self, '--metadb-child', schema, key], {
        encoding: 'utf8',
        maxBuffer: 1 << 26
      })
      if (process.env.AIRLOCK_BENCH_DEBUG) process.stderr.write(r.stderr)
      if (r.status !== 0) throw new Error(`metadb child failed: ${r.stderr}`)
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        seconds: number
        rows: number
        maxRssMb: number
      }
      if (out.rows !== n) throw new Error(`metadb child read ${out.rows} rows, expected ${n}`)
      lastRss = out.maxRssMb
      return out.seconds
    })
    const csvPath = join(dir, 'rows.csv')
    const anchor = measure(reps, () => {
      const t0 = performance.now()
      execFileSync('psql', [
        '-h',
        '127.0.0.1',
        '-U',
        'postgres',
        '-d',
        'test',
        '-qc',
        `\\copy (SELECT conn_id, password, extra FROM ${schema}.connection) TO '${csvPath}' WITH CSV`
      ])
      const copySeconds = (performance.now() - t0) / 1000
      const py = Number(
        execFileSync('/usr/bin/python3', ['-c', PY_DECRYPT, csvPath, key], {
          encoding: 'utf8'
        }).trim()
      )
      return copySeconds + py
    })
    return [
      {
        name: `metadb read + decrypt ${n.toLocaleString('en')} rows (PostgreSQL)`,
        airlock: { value: child.median, unit: 's', spread: child.spread },
        anchor: {
          name: 'psql \\copy + Python decrypt',
          value: anchor.median,
          unit: 's',
          spread: anchor.spread
        },
        ratio: anchor.median / child.median,
        goal: '≤ 1.5× anchor time',
        pass: child.median <= 1.5 * anchor.median
      },
      {
        name: 'metadb peak memory',
        airlock: { value: lastRss, unit: 'MB RSS', spread: 0 },
        goal: '≤ 300 MB',
        pass: lastRss <= 300
      }
    ]
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined)
    await admin.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
