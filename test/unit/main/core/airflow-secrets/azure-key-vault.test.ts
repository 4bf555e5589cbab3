// Table tests transcribed from apache/airflow
// providers/microsoft/azure/tests/unit/microsoft/azure/secrets/test_key_vault.py and the
// behaviour of key_vault.py (build_path, rstrip of the prefixes, team-scoped names).
import { describe, expect, it } from 'vitest'
import {
  azureBuildPath,
  azureIdsForRest,
  azureLookup,
  azureNameProblem,
  azureReadName,
  azureSecretName,
  parseAzureKeyVaultKwargs
} from '../../../../../src-main/core/airflow-secrets/azure-key-vault'
import { pyRstrip } from '../../../../../src-main/core/codecs/py-str'

const defaults = parseAzureKeyVaultKwargs({})

describe('Azure Key Vault naming (key_vault.py)', () => {
  it('uses the provider defaults', () => {
    expect(defaults).toEqual({
      connectionsPrefix: 'airflow-connections',
      variablesPrefix: 'airflow-variables',
      configPrefix: 'airflow-config',
      sep: '-',
      vaultUrl: ''
    })
  })

  it.each([
    // [prefix, id, sep, name] — test_get_variable, test_get_secret_value, docstring examples
    ['airflow-variables', 'hello', '-', 'airflow-variables-hello'],
    ['af-secrets', 'test_mysql_password', '-', 'af-secrets-test-mysql-password'],
    ['airflow-connections', 'smtp-default', '-', 'airflow-connections-smtp-default'],
    ['airflow-connections', 'my_db', '-', 'airflow-connections-my-db'],
    ['airflow_connections', 'my_db', '-', 'airflow-connections-my-db'],
    ['', 'my_db', '-', 'my-db'],
    ['p', 'a_b', '_', 'p_a_b'],
    ['p', 'a_b', '', 'pab'],
    ['p', 'a_b', '--', 'p--a--b']
  ])('build_path(%j, %j, %j) = %j', (prefix, id, sep, name) => {
    expect(azureBuildPath(prefix, id, sep)).toBe(name)
  })

  it('rstrips the prefixes by the characters of sep, as Python does', () => {
    expect(pyRstrip('airflow-connections--', '-')).toBe('airflow-connections')
    expect(pyRstrip('a-_-', '-_')).toBe('a')
    expect(pyRstrip('abc', '')).toBe('abc')
    const n = parseAzureKeyVaultKwargs({ connections_prefix: 'conn-', variables_prefix: '---' })
    expect(n.connectionsPrefix).toBe('conn')
    expect(n.variablesPrefix).toBe('')
    expect(azureSecretName(n, 'variable', 'x_y')).toBe('x-y')
  })

  it('turns a kind off with a null prefix and never asks (test_variable_prefix_none_value)', () => {
    const n = parseAzureKeyVaultKwargs({ variables_prefix: null, config_prefix: null })
    expect(azureLookup(n, 'variable', 'hello').outcome).toBe('disabled')
    expect(azureLookup(n, 'config', 'test_mysql').outcome).toBe('disabled')
    expect(azureSecretName(n, 'variable', 'hello')).toBeUndefined()
  })

  it('asks for the team-scoped name first, then the global one', () => {
    expect(azureLookup(defaults, 'connection', 'my_db', 'team_a')).toEqual({
      outcome: 'lookup',
      steps: [
        { name: 'airflow-connections-team-a--my-db', scope: 'team' },
        { name: 'airflow-connections-my-db', scope: 'global' }
      ]
    })
    expect(azureLookup(defaults, 'variable', 'hello', 'team_a')).toEqual({
      outcome: 'lookup',
      steps: [
        { name: 'airflow-variables-team-a--hello', scope: 'team' },
        { name: 'airflow-variables-hello', scope: 'global' }
      ]
    })
  })

  it('refuses a team-scoped id asked for without a team', () => {
    expect(azureLookup(defaults, 'variable', 'teama--hello').outcome).toBe('refused')
    // a team part holding the separator does not match [^-]+--.+
    expect(azureLookup(defaults, 'variable', 'team-a--hello').outcome).toBe('lookup')
    expect(azureLookup(defaults, 'variable', 'team_a--hello').outcome).toBe('lookup')
    expect(azureLookup(defaults, 'config', 'teama--hello').outcome).toBe('lookup')
    expect(azureLookup(parseAzureKeyVaultKwargs({ sep: '' }), 'variable', 'x').outcome).toBe(
      'error'
    )
  })

  it('flags names Key Vault rejects (an error in Airflow, not a not-found)', () => {
    const lookup = azureLookup(defaults, 'connection', 'my.db')
    expect(lookup.outcome === 'lookup' && lookup.steps[0]!.problem).toMatch(/"\."/)
    expect(azureNameProblem('a'.repeat(128))).toMatch(/127/)
    expect(azureNameProblem('a'.repeat(127))).toBeUndefined()
    expect(azureNameProblem('')).toMatch(/empty/)
  })

  it('maps listed names back to every id that reaches them', () => {
    expect(azureIdsForRest('my-db', '-')).toEqual(['my-db', 'my_db'])
    expect(azureIdsForRest('plain', '-')).toEqual(['plain'])
    expect(azureIdsForRest('a_b', '-')).toEqual([])
    expect(azureIdsForRest('a_b', '_')).toEqual(['a_b'])
    expect(azureIdsForRest('a-b-c', '-')).toHaveLength(4)
    expect(azureReadName(defaults, 'airflow-connections-my-db')).toEqual([
      { kind: 'connection', ids: ['my-db', 'my_db'], teamScoped: false }
    ])
    expect(azureReadName(defaults, 'Airflow-Variables-Hello')).toEqual([
      { kind: 'variable', ids: ['Hello'], teamScoped: false }
    ])
    expect(azureReadName(defaults, 'airflow-variables-teama--x')[0]?.teamScoped).toBe(true)
    expect(azureReadName(defaults, 'something-else')).toEqual([])
    expect(azureReadName(defaults, 'airflow-connections-')).toEqual([])
  })

  it('reads a name under two overlapping prefixes once per kind', () => {
    const n = parseAzureKeyVaultKwargs({
      connections_prefix: 'airflow',
      variables_prefix: 'airflow-v'
    })
    expect(azureReadName(n, 'airflow-v-x').map((r) => [r.kind, r.ids])).toEqual([
      ['connection', ['v-x', 'v_x']],
      ['variable', ['x']]
    ])
  })

  it('refuses kwargs Python could not use', () => {
    expect(() => parseAzureKeyVaultKwargs({ connections_prefix: 3 })).toThrow(/must be text/)
    expect(() => parseAzureKeyVaultKwargs({ sep: null })).toThrow(/replace\(\) argument 2/)
  })
})
