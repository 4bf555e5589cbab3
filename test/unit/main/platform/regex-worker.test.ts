// Finding 17.17, time: a lookup pattern comes from the user's backend_kwargs, and `(a+)+$` on a
// 40-character id backtracks for longer than anyone waits. Patterns run in a worker thread
// with a time limit; what exceeds it is stopped and reported naming the pattern and the id.
// Also the kwargs bounds where the CLI and an airflow.cfg take kwargs.
import { describe, expect, it } from 'vitest'
import { compilePythonRegex } from '../../../../src-main/core/airflow-secrets/aws-secrets-manager'
import { readAirflowConfig } from '../../../../src-main/core/airflow-config/runtime-profile'
import { RegexTimeLimitError } from '../../../../src-main/core/regex-runner'
import { createRegexWorkerRunner } from '../../../../src-main/platform/regex-worker'
import { airlock } from '../../../support/cli'

const SLOW_ID = `${'a'.repeat(40)}!`
const deepJson = (levels: number) => `{"sep": ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`

describe('attack: limits', () => {
  it('17.17 a pattern that backtracks without end is stopped at the time limit; others still run', () => {
    const run = createRegexWorkerRunner(200)
    const slow = compilePythonRegex('(a+)+$', { ignoreCase: true })
    const quick = compilePythonRegex('prod_', { ignoreCase: true })
    // Python re.match: anchored at the start only, case-insensitive.
    expect(run(quick.jsSource, quick.jsFlags, 'PROD_db')).toBe(true)
    expect(run(quick.jsSource, quick.jsFlags, 'x_prod_db')).toBe(false)

    let started = performance.now()
    let error: unknown
    try {
      run(slow.jsSource, slow.jsFlags, SLOW_ID)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(RegexTimeLimitError)
    expect(error).toMatchObject({ limitMs: 200, text: SLOW_ID })
    // The limit, plus a generous margin for a loaded machine; in-thread it would not return.
    expect(performance.now() - started).toBeLessThan(3_000)

    // Once too slow, the pattern is refused at once (a listing does not stall per id).
    started = performance.now()
    expect(() => run(slow.jsSource, slow.jsFlags, 'a'.repeat(30))).toThrow(RegexTimeLimitError)
    expect(performance.now() - started).toBeLessThan(50)
    // A fresh worker answers the next pattern.
    expect(run(quick.jsSource, quick.jsFlags, 'prod_x')).toBe(true)
    expect(run(slow.jsSource, slow.jsFlags.replace('i', ''), 'aaa')).toBe(true)
  })

  it('17.17 explain with connections_lookup_pattern (a+)+$ on a long id answers in seconds, naming pattern and id', () => {
    const started = performance.now()
    const r = airlock([
      'explain',
      '--backend',
      'aws-secrets-manager',
      '--kwargs',
      '{"connections_lookup_pattern": "(a+)+$"}',
      '--conn',
      SLOW_ID
    ])
    expect(performance.now() - started).toBeLessThan(20_000)
    expect(r.code).toBe(1)
    expect(JSON.parse(r.lines[0]!)).toEqual({
      error: {
        code: 'backend.invalid-kwargs',
        message: `connections_lookup_pattern took longer than 250 ms on id "${SLOW_ID}" and was stopped; simplify the pattern (nested repeats such as (a+)+ backtrack without end).`
      }
    })
    // A pattern that runs in time keeps Python's re.match meaning.
    const ok = airlock([
      'explain',
      '--backend',
      'aws-ssm',
      '--kwargs',
      '{"variables_lookup_pattern": "^(a+)+b"}',
      '--var',
      'aab'
    ])
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.lines[0]!)).toEqual({ name: '/airflow/variables/aab' })
  }, 30_000)

  it('17.17 --kwargs nested deeper than 32 levels is refused by explain and profile add, naming --kwargs', () => {
    const explain = airlock([
      'explain',
      '--backend',
      'aws-secrets-manager',
      '--kwargs',
      deepJson(40),
      '--conn',
      'c'
    ])
    expect(explain.code).toBe(2)
    expect(explain.stderr).toMatch(/--kwargs nest objects or lists more than 32 levels deep/)
    const add = airlock(
      [
        'profile',
        'add',
        'deep',
        '--kind',
        'aws-secrets-manager',
        '--auth',
        'default-chain',
        '--kwargs',
        deepJson(5000)
      ],
      '',
      {
        AIRLOCK_CONFIG_DIR: '/nonexistent/airlock-limits',
        AIRLOCK_HOME: '/nonexistent/airlock-limits'
      }
    )
    expect(add.code).toBe(2)
    expect(add.stderr).toMatch(/--kwargs nest objects or lists more than 32 levels deep/)
  }, 30_000)

  it('17.17 [secrets] backend_kwargs in airflow.cfg nested too deep is an error naming its line', () => {
    const text = [
      '[secrets]',
      'backend = airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend',
      `backend_kwargs = ${deepJson(100)}`
    ].join('\n')
    const p = readAirflowConfig(text, {})
    expect(p.secretsBackendKwargs.value).toEqual({})
    expect(p.problems).toContainEqual(
      expect.objectContaining({
        line: 3,
        severity: 'error',
        message:
          '[secrets] backend_kwargs nest objects or lists more than 32 levels deep; Airlock refuses them and reads the backend with no kwargs.'
      })
    )
  })
})
