// A writer killed between its temp file and its rename (kill -9 at the failpoint
// `atomic-write-before-rename`) leaves the temp beside the target — a `.env`'s holding its
// secrets in plaintext; the next write of that target by any Airlock process removes it, and
// never the temp of a writer that still runs (platform/adr/0004-leftover-temp-files.md).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFileAtomicPartsSync } from '../../src-main/platform/atomic-write'

const BIN = fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))
/** The demo's postgres_default password: what a leftover temp of a `.env` holds in plaintext. */
const DEMO_PASSWORD = 'demo-p@ss/word'

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, AIRLOCK_FAILPOINT: '', ...env },
    timeout: 60_000
  })
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr }
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
function sandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-leftover-'))
  dirs.push(dir)
  return { dir, env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'cfg') } }
}
/** The temp files beside `dir/name`. */
const tempsOf = (dir: string, name: string) =>
  readdirSync(dir).filter((f) => f.startsWith(`.${name}.`) && f.endsWith('.tmp'))

describe('temp files a killed writer left', () => {
  it('an apply killed before its rename leaves a plaintext temp beside the .env; resume removes it', () => {
    // the n-th atomic write of the apply is the target's (the job's own files come first):
    // the first n whose kill leaves a temp beside the target
    let found: { dir: string; env: Record<string, string>; target: string } | undefined
    for (let n = 1; n <= 8 && !found; n++) {
      const { dir, env } = sandbox()
      const target = join(dir, 'airflow.env')
      writeFileSync(target, '# mine\n')
      const plan = join(dir, 'plan.json')
      const planned = cli(
        ['plan', 'demo:', `envfile:${target}`, '--kind', 'conn', '--out', plan],
        env
      )
      expect(planned.code, planned.err).toBe(0)
      const crashed = cli(['apply', plan], {
        ...env,
        AIRLOCK_FAILPOINT: `atomic-write-before-rename:${n}`
      })
      if (crashed.signal !== 'SIGKILL') break
      if (tempsOf(dir, 'airflow.env').length) found = { dir, env, target }
    }
    expect(found, 'no kill left a temp beside the target').toBeDefined()
    const { dir, env, target } = found!
    const [temp] = tempsOf(dir, 'airflow.env')
    // what the defect leaked: the secrets, in plaintext, beside the target
    expect(readFileSync(join(dir, temp!), 'utf8').includes(DEMO_PASSWORD)).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe('# mine\n')

    const jobs = cli(['jobs', '--json'], env)
      .out.trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { jobId: string; state: string })
    expect(jobs[0]!.state).toBe('interrupted (resume it)')
    const resumed = cli(['resume', jobs[0]!.jobId], env)
    expect(resumed.code, resumed.err).toBe(0)
    expect(tempsOf(dir, 'airflow.env')).toEqual([])
    expect(readFileSync(target, 'utf8')).toMatch(/AIRFLOW_CONN_POSTGRES_DEFAULT=/)
  })

  it('an export killed before its rename leaves a temp; the next export of that file removes it', () => {
    const { dir, env } = sandbox()
    const to = join(dir, 'conns.json')
    expect(cli(['export', 'demo:', '--to', to], env).code).toBe(0)
    const crashed = cli(['export', 'demo:', '--to', to], {
      ...env,
      AIRLOCK_FAILPOINT: 'atomic-write-before-rename:1'
    })
    expect(crashed.signal).toBe('SIGKILL')
    expect(tempsOf(dir, 'conns.json')).toHaveLength(1)
    const again = cli(['export', 'demo:', '--to', to], env)
    expect(again.code, again.err).toBe(0)
    expect(tempsOf(dir, 'conns.json')).toEqual([])
  })

  it('never removes the temp of a writer that still runs: an export meanwhile leaves it, and its rename lands', () => {
    const { dir, env } = sandbox()
    const to = join(dir, 'conns.json')
    let seen: string[] = []
    let other: ReturnType<typeof cli> | undefined
    // this process writes `to`; between two parts (its temp file open, half written), another
    // Airlock process writes the same file
    writeFileAtomicPartsSync(
      to,
      (function* () {
        yield '{"mine": '
        other = cli(['export', 'demo:', '--to', to], env)
        seen = tempsOf(dir, 'conns.json')
        yield 'true}\n'
      })()
    )
    expect(other!.code, other!.err).toBe(0)
    expect(seen).toHaveLength(1)
    expect(readFileSync(to, 'utf8')).toBe('{"mine": true}\n')
    expect(tempsOf(dir, 'conns.json')).toEqual([])
  })
})
