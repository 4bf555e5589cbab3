// A rollback on a .env file gives the file back as it was, as a person runs it: `airlock plan`,
// `apply`, `rollback` across CLI processes (passphrase store) on real files — the lines the job
// deleted back where they were and as they were written (`export`, quotes, inline comment,
// a multi-line value), so `git diff` shows nothing; a `${NAME}` line keeps its meaning; a file
// edited since the job keeps the edits and reports the entries changed since.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeEnvFile } from '../../src-main/core/codecs/env-file'
import { airlock } from '../support/cli'
import { tempDir } from '../support/temp-dir'

const dir = tempDir('airlock-env-rollback-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

/** A sandbox of its own (home, config dir) and the source and target files, written. */
function sandbox(target: string, source: string) {
  const at = join(dir, `s${n++}`)
  const env = {
    HOME: join(at, 'home'),
    AIRLOCK_HOME: join(at, 'airlock-home'),
    AIRLOCK_CONFIG_DIR: join(at, 'cfg'),
    AIRLOCK_PASSPHRASE: 'env-rollback-test'
  }
  const paths = { target: join(dir, `t${n}.env`), source: join(dir, `s${n}.env`) }
  writeFileSync(paths.target, target)
  writeFileSync(paths.source, source)
  // a rollback that skips entries changed since the job exits 1
  const cli = (args: string[], ok = [0]) => {
    const r = airlock(args, '', env)
    if (!ok.includes(r.code)) throw new Error(`airlock ${args[0]} exited ${r.code}: ${r.stderr}`)
    return r
  }
  /** plan (deleting what the source lacks) and apply; the job's id. */
  const apply = (): string => {
    const plan = join(at, 'plan.json')
    cli([
      'plan',
      `envfile:${paths.source}`,
      `envfile:${paths.target}`,
      '--delete-extraneous',
      '--out',
      plan
    ])
    const out = JSON.parse(cli(['apply', plan, '--yes']).lines.at(-1)!) as { job: string }
    return out.job
  }
  const rollback = (job: string) =>
    JSON.parse(cli(['rollback', job, '--yes'], [0, 1]).lines.at(-1)!) as {
      restored: number
      removed: number
      failed: number
      skipped: string[]
    }
  return { paths, apply, rollback, read: () => readFileSync(paths.target, 'utf8') }
}

const TARGET = [
  'export AIRFLOW_VAR_A="1"',
  '# comment',
  "AIRFLOW_VAR_B='two words'  # note",
  'AIRFLOW_VAR_C=3',
  'AIRFLOW_VAR_X=${AIRFLOW_VAR_A}-x',
  '',
  '# the pem',
  'AIRFLOW_VAR_PEM="-----BEGIN-----',
  'line two',
  '-----END-----"',
  '',
  'AIRFLOW_CONN_DB=postgres://u:p@h:5432/db',
  'AIRFLOW_VAR_Q="a \\"quoted\\" #not comment"  # trailing',
  ''
].join('\n')

describe('airlock rollback of a job on a .env file', () => {
  it('gives the file back byte for byte after deletes, updates and creates', () => {
    // B and X updated, A, PEM and Q deleted (Q the last entry), D created; C and DB unchanged
    const s = sandbox(
      TARGET,
      'AIRFLOW_VAR_B=22\nAIRFLOW_VAR_C=3\nAIRFLOW_VAR_X=other\nAIRFLOW_VAR_D=new\nAIRFLOW_CONN_DB=postgres://u:p@h:5432/db\n'
    )
    const job = s.apply()
    const applied = s.read()
    expect(applied).not.toMatch(/AIRFLOW_VAR_A=|AIRFLOW_VAR_PEM=|AIRFLOW_VAR_Q=/)
    expect(applied).toMatch(/^AIRFLOW_VAR_D=new$/m)
    const report = s.rollback(job)
    expect(report).toMatchObject({ restored: 5, removed: 1, failed: 0, skipped: [] })
    expect(s.read()).toBe(TARGET)
  }, 60_000)

  it('puts a deleted line back above the ${NAME} line that reads it, so the value is the same', () => {
    // only A is deleted: put back at the end, X (below it in the file) would read A as unset
    const target = '# vars\nexport AIRFLOW_VAR_A="1"\nAIRFLOW_VAR_X=${AIRFLOW_VAR_A}-x\n'
    // X reads the same in both (the plan compares what the loader reads): left as it is
    const s = sandbox(target, 'AIRFLOW_VAR_X=1-x\n')
    const job = s.apply()
    expect(s.read()).toBe('# vars\nAIRFLOW_VAR_X=${AIRFLOW_VAR_A}-x\n')
    s.rollback(job)
    expect(s.read()).toBe(target)
    for (const loader of ['compose', 'python-dotenv'] as const)
      expect(decodeEnvFile(s.read(), loader).value).toContainEqual({
        name: 'AIRFLOW_VAR_X',
        value: '1-x',
        line: 3
      })
  }, 60_000)

  it('keeps what was edited since the job and reports the entries changed since', () => {
    const target = [
      'AIRFLOW_VAR_FIRST=1',
      '# about A',
      'export AIRFLOW_VAR_A="alpha"',
      '# about B',
      "AIRFLOW_VAR_B='bravo'  # kept",
      'AIRFLOW_VAR_C=charlie',
      'AIRFLOW_VAR_R=${AIRFLOW_VAR_FIRST}-r',
      ''
    ].join('\n')
    // the job deletes A, B, C and R
    const s = sandbox(target, 'AIRFLOW_VAR_FIRST=1\n')
    const job = s.apply()
    expect(s.read()).toBe('AIRFLOW_VAR_FIRST=1\n# about A\n# about B\n')
    // since: someone sets C again, rewrites the comment above B, removes FIRST (R reads it) and
    // adds a line of their own
    writeFileSync(
      s.paths.target,
      '# about A\n# B, rewritten\nAIRFLOW_VAR_C=mine\nAIRFLOW_VAR_MINE=m\n'
    )
    const report = s.rollback(job)
    expect(report.skipped).toEqual(['c'])
    expect(report).toMatchObject({ restored: 3, failed: 0 })
    expect(s.read()).toBe(
      [
        '# about A',
        // after its line, as written
        'export AIRFLOW_VAR_A="alpha"',
        '# B, rewritten',
        'AIRFLOW_VAR_C=mine',
        // after the line of C (whoever wrote it); as written, R would read FIRST (removed
        // since) as unset: its value is written instead
        'AIRFLOW_VAR_R=1-r',
        'AIRFLOW_VAR_MINE=m',
        // the line before it is gone: at the end, as written
        "AIRFLOW_VAR_B='bravo'  # kept",
        ''
      ].join('\n')
    )
  }, 60_000)
})
