// Table tests transcribed from apache/airflow
// providers/google/tests/unit/google/cloud/secrets/test_secret_manager.py and the behaviour
// of secret_manager.py / secret_manager_client.py.
import { describe, expect, it } from 'vitest'
import {
  airflowValidSecretName,
  gcpBuildPath,
  gcpLookup,
  gcpReadSecretId,
  gcpSecretId,
  gcpSecretIdProblem,
  parseGcpSecretManagerKwargs
} from '../../../../../src-main/core/airflow-secrets/gcp-secret-manager'

const PROJECT = { project_id: 'test-project-id' }
const defaults = parseGcpSecretManagerKwargs(PROJECT)

describe('GCP Secret Manager naming (secret_manager.py)', () => {
  it('uses the provider defaults', () => {
    expect(defaults).toEqual({
      connectionsPrefix: 'airflow-connections',
      variablesPrefix: 'airflow-variables',
      configPrefix: 'airflow-config',
      sep: '-',
      projectId: 'test-project-id',
      multiTeam: false
    })
  })

  it.each([
    // test_get_conn_uri / test_get_variable / test_get_config parametrisations
    ['airflow-connections', 'test-postgres', 'airflow-connections-test-postgres'],
    ['connections', 'test-postgres', 'connections-test-postgres'],
    ['airflow', 'hello', 'airflow-hello'],
    ['airflow-config', 'sql_alchemy_conn', 'airflow-config-sql_alchemy_conn'],
    ['airflow-connections', 'smtp_default', 'airflow-connections-smtp_default'],
    ['', 'my_db', '-my_db']
  ])('build_path(%j, %j, "-") = %j', (prefix, id, name) => {
    expect(gcpBuildPath(prefix, id, '-')).toBe(name)
  })

  it.each([
    // test_is_valid_prefix_and_sep
    ['valid1', '-', true],
    ['isValid', '_', true],
    ['', '', true],
    ['', ' ', false],
    ['not:valid', ':', false],
    // test_raise_exception_with_invalid_prefix_sep
    ['not/valid', '/', false],
    ['a b', '', false],
    [' ', '', false],
    // Python's `$` matches before one final newline
    ['prefix', '\n', true],
    ['prefix', '\n\n', false]
  ])('connections_prefix %j + sep %j valid: %s', (prefix, sep, valid) => {
    expect(airflowValidSecretName(prefix + sep)).toBe(valid)
    const build = () => parseGcpSecretManagerKwargs({ ...PROJECT, connections_prefix: prefix, sep })
    if (valid) expect(build).not.toThrow()
    else expect(build).toThrow(/\^\[a-zA-Z0-9-_\]\*\$/)
  })

  it('does not check the prefix when connections are off (test_connections_prefix_none_value)', () => {
    const n = parseGcpSecretManagerKwargs({ ...PROJECT, connections_prefix: null, sep: ':' })
    expect(gcpLookup(n, 'connection', 'test-postgres').outcome).toBe('disabled')
    expect(gcpSecretId(n, 'variable', 'hello')).toBe('airflow-variables:hello')
  })

  it('turns variables and config off with null prefixes', () => {
    const n = parseGcpSecretManagerKwargs({
      ...PROJECT,
      variables_prefix: null,
      config_prefix: null
    })
    expect(gcpLookup(n, 'variable', 'hello').outcome).toBe('disabled')
    expect(gcpLookup(n, 'config', 'sql_alchemy_conn').outcome).toBe('disabled')
  })

  it('needs a project (test_init_raises_when_project_id_not_determined)', () => {
    expect(() => parseGcpSecretManagerKwargs({})).toThrow(/project/)
    expect(parseGcpSecretManagerKwargs({}, { credentialsProjectId: 'from-creds' }).projectId).toBe(
      'from-creds'
    )
    expect(
      parseGcpSecretManagerKwargs({ project_id: 'explicit-project' }, { credentialsProjectId: 'x' })
        .projectId
    ).toBe('explicit-project')
  })

  it('reads version latest of the secret', () => {
    expect(gcpLookup(defaults, 'connection', 'test-postgres')).toEqual({
      outcome: 'lookup',
      steps: [
        {
          secretId: 'airflow-connections-test-postgres',
          resource:
            'projects/test-project-id/secrets/airflow-connections-test-postgres/versions/latest',
          scope: 'global'
        }
      ]
    })
  })

  it('flags ids the service rejects (Airflow: InvalidArgument, read as not found)', () => {
    const lookup = gcpLookup(defaults, 'variable', 'my.key')
    expect(lookup.outcome === 'lookup' && lookup.steps[0]!.problem).toMatch(/"\."/)
    expect(gcpSecretIdProblem('a'.repeat(255))).toBeUndefined()
    expect(gcpSecretIdProblem('a'.repeat(256))).toMatch(/255/)
  })

  it('builds team-scoped ids with the id verbatim and refuses ids holding "--"', () => {
    const n = parseGcpSecretManagerKwargs({ ...PROJECT }, { multiTeam: true })
    const lookup = gcpLookup(n, 'connection', 'my_db', 'team_a')
    expect(lookup.outcome === 'lookup' && lookup.steps.map((s) => [s.secretId, s.scope])).toEqual([
      ['airflow-connections-team_a--my_db', 'team'],
      ['airflow-connections-my_db', 'global']
    ])
    expect(gcpLookup(n, 'connection', 'b--c').outcome).toBe('refused')
    expect(gcpLookup(n, 'connection', 'b--c', 'a').outcome).toBe('refused')
    expect(gcpLookup(defaults, 'connection', 'b--c').outcome).toBe('lookup')
  })

  it('maps listed secret ids back to entry ids', () => {
    expect(gcpReadSecretId(defaults, 'airflow-connections-my_db')).toEqual([
      { kind: 'connection', id: 'my_db', teamScoped: false }
    ])
    expect(gcpReadSecretId(defaults, 'Airflow-connections-my_db')).toEqual([])
    expect(gcpReadSecretId(defaults, 'airflow-connections-')).toEqual([])
    const n = parseGcpSecretManagerKwargs({ ...PROJECT }, { multiTeam: true })
    expect(gcpReadSecretId(n, 'airflow-variables-t--k')[0]?.teamScoped).toBe(true)
  })

  it('21: sep null: Python fails at start when connections are on (prefix + None), else names use "None"', () => {
    expect(() => parseGcpSecretManagerKwargs({ ...PROJECT, sep: null })).toThrow(
      /TypeError: can only concatenate str/
    )
    const n = parseGcpSecretManagerKwargs({ ...PROJECT, sep: null, connections_prefix: null })
    expect(gcpLookup(n, 'variable', 'k')).toMatchObject({
      outcome: 'lookup',
      steps: [{ secretId: 'airflow-variablesNonek' }]
    })
  })
})
