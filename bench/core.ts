/**
 * `npm run bench -- core`: Fernet decrypt/encrypt of N tokens, side by side with a Python
 * `cryptography` loop over the same tokens in the same run; and URI parse + serialize of N
 * varied connections (goal ≥ 300 k/s, issue #22). Data is generated here, seeded.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Fernet, MultiFernet } from '../src-main/core/codecs/fernet'
import { parseConnectionUri, serializeConnectionUri } from '../src-main/core/codecs/connection-uri'
import type { BenchFigure, BenchContext } from './harness'
import { measure, rng } from './harness'

const PYTHON = '/usr/bin/python3'

function pythonSeconds(script: string, dir: string): number {
  const out = execFileSync(PYTHON, ['-c', script, dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024
  })
  return Number(out.trim())
}

const PY_DECRYPT = `import sys,time,json
from cryptography.fernet import Fernet
d=sys.argv[1]
key=open(d+'/key').read().strip().encode()
tokens=[t.encode() for t in open(d+'/tokens').read().split()]
f=Fernet(key)
t0=time.perf_counter()
for t in tokens: f.decrypt(t)
print(time.perf_counter()-t0)`

const PY_ENCRYPT = `import sys,time,json
from cryptography.fernet import Fernet
d=sys.argv[1]
key=open(d+'/key').read().strip().encode()
plain=[p.encode() for p in json.load(open(d+'/plain'))]
f=Fernet(key)
t0=time.perf_counter()
for p in plain: f.encrypt(p)
print(time.perf_counter()-t0)`

function plaintexts(n: number): string[] {
  const rand = rng(1)
  const alphabet =
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()/:?= é日'
  return Array.from({ length: n }, (_, i) => {
    const len = i % 10 === 0 ? 400 + Math.floor(rand() * 600) : 8 + Math.floor(rand() * 40)
    let s = ''
    for (let k = 0; k < len; k++) s += alphabet[Math.floor(rand() * alphabet.length)]
    return s
  })
}

function connectionUris(n: number): string[] {
  const rand = rng(2)
  const types = ['postgres', 'mysql', 'google_cloud_platform', 'aws', 'http', 'spark', 'snowflake']
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
  const word = (len: number) =>
    Array.from({ length: len }, () => pick('abcXYZ019_-.@:/?#% +é'.split(''))).join('')
  return Array.from({ length: n }, (_, i) => {
    const extra =
      i % 3 === 0
        ? JSON.stringify({ sslmode: 'require', timeout: String(i % 60), region_name: word(6) })
        : i % 3 === 1
          ? JSON.stringify({ nested: { a: [1, 2, i] }, flag: true, key_path: word(12) })
          : null
    return serializeConnectionUri(
      {
        conn_type: pick(types),
        description: null,
        host: i % 7 === 0 ? 'k8s://10.0.0.' + (i % 255) : 'host-' + (i % 1000) + '.example.com',
        login: word(8),
        password: word(16),
        schema: i % 2 ? word(5) : null,
        port: i % 5 ? 1024 + (i % 50000) : null,
        extra
      },
      'airflow3'
    )
  })
}

export async function benchCore(ctx: BenchContext): Promise<BenchFigure[]> {
  const n = ctx.smoke ? 2_000 : 100_000
  const reps = ctx.smoke ? 1 : 3
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'))
  const figures: BenchFigure[] = []
  try {
    const key = Fernet.generateKey()
    const mf = MultiFernet.fromSetting(key)
    const plain = plaintexts(n)
    const enc = new TextEncoder()
    const tokens = plain.map((p) => mf.encrypt(enc.encode(p)))
    writeFileSync(join(dir, 'key'), key)
    writeFileSync(join(dir, 'tokens'), tokens.join('\n'))
    writeFileSync(join(dir, 'plain'), JSON.stringify(plain))

    const dec = measure(reps, () => {
      const t0 = performance.now()
      for (const t of tokens) mf.decrypt(t)
      return (performance.now() - t0) / 1000
    })
    const pyDec = measure(reps, () => pythonSeconds(PY_DECRYPT, dir))
    figures.push({
      name: `Fernet decrypt ${n.toLocaleString('en')}`,
      airlock: { value: n / dec.median, unit: 'tokens/s', spread: dec.spread },
      anchor: {
        name: 'Python cryptography loop',
        value: n / pyDec.median,
        unit: 'tokens/s',
        spread: pyDec.spread
      },
      ratio: pyDec.median / dec.median,
      goal: '≥ 1.0× anchor throughput',
      pass: pyDec.median / dec.median >= 1
    })

    const bytes = plain.map((p) => enc.encode(p))
    const encT = measure(reps, () => {
      const t0 = performance.now()
      for (const b of bytes) mf.encrypt(b)
      return (performance.now() - t0) / 1000
    })
    const pyEnc = measure(reps, () => pythonSeconds(PY_ENCRYPT, dir))
    figures.push({
      name: `Fernet encrypt ${n.toLocaleString('en')}`,
      airlock: { value: n / encT.median, unit: 'tokens/s', spread: encT.spread },
      anchor: {
        name: 'Python cryptography loop',
        value: n / pyEnc.median,
        unit: 'tokens/s',
        spread: pyEnc.spread
      },
      ratio: pyEnc.median / encT.median,
      goal: '≥ 1.0× anchor throughput',
      pass: pyEnc.median / encT.median >= 1
    })

    const uris = connectionUris(n)
    const uri = measure(reps, () => {
      const t0 = performance.now()
      for (const u of uris)
        serializeConnectionUri(parseConnectionUri(u, 'airflow3').value, 'airflow3')
      return (performance.now() - t0) / 1000
    })
    const rate = n / uri.median
    figures.push({
      name: `URI parse + serialize ${n.toLocaleString('en')}`,
      airlock: { value: rate, unit: 'URIs/s', spread: uri.spread },
      goal: '≥ 300,000 URIs/s',
      pass: rate >= 300_000
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return figures
}
