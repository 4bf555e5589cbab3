// Table tests transcribed from apache/airflow
// providers/amazon/tests/unit/amazon/aws/secrets/test_systems_manager.py and the behaviour of
// providers/amazon/src/airflow/providers/amazon/aws/secrets/systems_manager.py, plus
// Parameter Store's documented naming and size rules (PutParameter, "Parameter Store quotas").
import { describe, expect, it } from 'vitest'
import {
  parseAwsSsmKwargs,
  ssmIdsForName,
  ssmListPath,
  ssmLookup,
  ssmParameterName,
  ssmParameterNameProblem,
  ssmTierFor,
  ssmValueProblem,
  utf8Length
} from '../../../../../src-main/core/airflow-secrets/aws-ssm'

const defaults = parseAwsSsmKwargs({})

describe('AWS SSM Parameter Store naming (systems_manager.py)', () => {
  it('uses the provider defaults', () => {
    expect(defaults).toMatchObject({
      connectionsPrefix: '/airflow/connections',
      variablesPrefix: '/airflow/variables',
      configPrefix: '/airflow/config'
    })
  })

  it.each([
    // test_get_conn_value, test_get_variable, test_get_config
    [{}, 'connection', 'test_postgres', '/airflow/connections/test_postgres'],
    [{}, 'variable', 'hello', '/airflow/variables/hello'],
    [{}, 'config', 'sql_alchemy_conn', '/airflow/config/sql_alchemy_conn'],
    // test_*_prefix_with_no_leading_slash
    [
      { connections_prefix: 'airflow/connections' },
      'connection',
      'test_mysql',
      '/airflow/connections/test_mysql'
    ],
    [{ variables_prefix: 'airflow/variables' }, 'variable', 'hello', '/airflow/variables/hello'],
    [{ config_prefix: 'airflow/config' }, 'config', 'config', '/airflow/config/config'],
    // rstrip("/"), and an empty prefix still gets the separator and the leading slash
    [
      { connections_prefix: '/airflow/connections///' },
      'connection',
      'db',
      '/airflow/connections/db'
    ],
    [{ connections_prefix: '' }, 'connection', 'db', '/db'],
    [{ connections_prefix: '/' }, 'connection', 'db', '/db'],
    [{}, 'connection', 'team/db', '/airflow/connections/team/db'],
    [{}, 'connection', '/db', '/airflow/connections//db']
  ] as const)('%j %s %j → %j', (kwargs, kind, id, name) => {
    expect(ssmLookup(parseAwsSsmKwargs(kwargs), kind, id)).toEqual({ outcome: 'lookup', name })
  })

  it.each(['connection', 'variable', 'config'] as const)(
    'a null %s prefix turns that lookup off',
    (kind) => {
      const key =
        kind === 'connection'
          ? 'connections_prefix'
          : kind === 'variable'
            ? 'variables_prefix'
            : 'config_prefix'
      expect(ssmLookup(parseAwsSsmKwargs({ [key]: null }), kind, 'x').outcome).toBe('disabled')
    }
  )

  describe.each(['connection', 'variable', 'config'] as const)('%s lookup pattern', (kind) => {
    const key =
      kind === 'connection'
        ? 'connections_lookup_pattern'
        : kind === 'variable'
          ? 'variables_lookup_pattern'
          : 'config_lookup_pattern'
    it.each([
      ['test', 'test', 1],
      ['test', '.*', 1],
      ['test', 'T.*', 1],
      ['test', 'dummy-pattern', 0],
      ['test', null, 1]
    ] as const)('id %j with pattern %j asks %i times', (id, pattern, calls) => {
      const naming = parseAwsSsmKwargs({ [key]: pattern })
      expect(ssmLookup(naming, kind, id).outcome === 'lookup' ? 1 : 0).toBe(calls)
    })
  })

  it('maps listed names back to ids, and lists each kind by its path', () => {
    expect(ssmIdsForName(defaults, '/airflow/connections/a/b')).toEqual([
      { kind: 'connection', id: 'a/b' }
    ])
    expect(ssmIdsForName(defaults, '/airflow/connections/')).toEqual([])
    expect(ssmIdsForName(defaults, 'airflow/connections/x')).toEqual([])
    const empty = parseAwsSsmKwargs({ variables_prefix: '' })
    expect(ssmIdsForName(empty, '/airflow/connections/c')).toEqual([
      { kind: 'connection', id: 'c' },
      { kind: 'variable', id: 'airflow/connections/c' }
    ])
    expect(ssmListPath('/airflow/connections')).toBe('/airflow/connections')
    expect(ssmListPath('airflow/connections')).toBe('/airflow/connections')
    expect(ssmListPath('')).toBe('/')
    expect(ssmParameterName('', 'x')).toBe('/x')
  })
})

describe('Parameter Store limits', () => {
  it.each([
    ['/airflow/connections/my_db', undefined],
    ['/airflow/connections/my-db.v2', undefined],
    ['/airflow/connections/my:db', /":"/],
    ['/airflow/connections/my db', /" "/],
    ['/airflow/connections/é', /"é"/],
    ['airflow/connections/x', /fully qualified/],
    ['/airflow//x', /empty level/],
    ['/airflow/x/', /empty level/],
    ['/aws_default', /"aws" or "ssm"/],
    ['/SSM/x', /"aws" or "ssm"/],
    ['/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o', undefined],
    ['/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p', /16 levels/],
    ['/' + 'x'.repeat(1010), undefined],
    ['/' + 'x'.repeat(1011), /1012 characters/]
  ])('%j → %s', (name, problem) => {
    const got = ssmParameterNameProblem(name)
    if (problem === undefined) expect(got).toBeUndefined()
    else expect(got).toMatch(problem)
  })

  it('counts the ARN when asked to', () => {
    const arn = 'arn:aws:ssm:eu-west-1:123456789012:parameter'
    expect(ssmParameterNameProblem('/' + 'x'.repeat(1000), arn)).toMatch(/with its ARN/)
  })

  it.each([
    ['x', 'Standard'],
    ['x'.repeat(4096), 'Standard'],
    ['x'.repeat(4097), 'Advanced'],
    ['é'.repeat(2048), 'Standard'],
    ['é'.repeat(2049), 'Advanced'],
    ['x'.repeat(8192), 'Advanced'],
    ['x'.repeat(8193), null],
    ['', null]
  ])('a value of %#: tier %s', (value, tier) => {
    expect(ssmTierFor(value).tier).toBe(tier)
  })

  it('refuses values Parameter Store cannot hold', () => {
    expect(ssmValueProblem('')).toMatch(/empty/)
    expect(ssmValueProblem('{{ ds }}')).toMatch(/\{\{…\}\}/)
    expect(ssmValueProblem('{"a": {"b": 1}}')).toBeUndefined()
    expect(ssmValueProblem('{{ only opens')).toBeUndefined()
    expect(utf8Length('a\u00e9\u20ac\u{1f600}')).toBe(10)
  })
})
