// Airflow's Vault naming, transcribed from
// providers/hashicorp/tests/unit/hashicorp/secrets/test_vault.py and the provider source.
import { describe, expect, it } from 'vitest'
import {
  decodeVault,
  decodeVaultConnection,
  decodeVaultVariable,
  encodeVaultConnection,
  encodeVaultVariable,
  resolveVaultKwargs,
  unsupportedVaultAuth,
  vaultApiPath,
  vaultIdsForPath,
  vaultListRoots,
  vaultLookups,
  vaultOverlappingKinds,
  vaultPathProblem,
  vaultWriteLookup,
  VAULT_AUTH_TYPES,
  type VaultLookup,
  type VaultSecretKind
} from '../../../../../src-main/core/airflow-secrets/vault'
import { PyDict, plainToPy } from '../../../../../src-main/core/codecs/py-json'
import { AirlockError, CodecError } from '../../../../../src-main/core/errors'
import { variableEntry } from '../../../../../src-main/core/model'

const TOKEN = {
  auth_type: 'token',
  url: 'http://127.0.0.1:8200',
  token: 's.7AU0I51yv1Q1lxOIg1F3ZRAS'
}
const settings = (kwargs: Record<string, unknown> = {}) =>
  resolveVaultKwargs({ ...TOKEN, ...kwargs })
const read = (mount: string, path: string, scope: 'team' | 'global' = 'global'): VaultLookup => ({
  status: 'read',
  mount,
  path,
  scope
})

describe('Vault backend_kwargs', () => {
  it("applies Airflow's defaults", () => {
    const s = settings()
    expect(s).toMatchObject({
      connectionsPath: 'connections',
      variablesPath: 'variables',
      configPath: 'config',
      mountPoint: 'secret',
      kvEngineVersion: 2,
      authType: 'token',
      useTeamSecretsPath: true,
      globalSecretsPath: null,
      namespace: null,
      verify: true,
      timeoutSeconds: 30
    })
  })

  it('strips trailing slashes from paths, keeps null (disabled) and empty (the id alone)', () => {
    const s = settings({ connections_path: 'conns/', variables_path: '/', config_path: null })
    expect([s.connectionsPath, s.variablesPath, s.configPath]).toEqual(['conns', '', null])
  })

  it('treats mount_point null and "" alike (both falsy in Python)', () => {
    expect(settings({ mount_point: null }).mountPoint).toBeNull()
    expect(settings({ mount_point: '' }).mountPoint).toBeNull()
  })

  it("refuses what Airflow's _VaultClient refuses, with its messages", () => {
    const err = (kwargs: Record<string, unknown>, env = {}) => {
      try {
        resolveVaultKwargs(kwargs, env)
      } catch (e) {
        expect(e).toBeInstanceOf(AirlockError)
        return (e as AirlockError).userMessage
      }
      return undefined
    }
    expect(err({ ...TOKEN, kv_engine_version: 3 })).toMatch(
      'The version is not supported: 3. It should be one of [1, 2]'
    )
    expect(err({ ...TOKEN, kv_engine_version: '2' })).toMatch('The version is not supported: "2"')
    expect(err({ ...TOKEN, auth_type: 'kerberos' })).toMatch(
      'The auth_type is not supported: kerberos'
    )
    expect(err({ url: 'x' })).toMatch(
      "The 'token' authentication type requires 'token' or 'token_path'"
    )
    expect(err({ url: 'x' }, { VAULT_TOKEN: 't' })).toBeUndefined()
    expect(err({ auth_type: 'approle' })).toMatch(
      "'approle' authentication type requires 'role_id'"
    )
    expect(err({ auth_type: 'kubernetes' })).toMatch("requires 'kubernetes_role'")
    expect(err({ auth_type: 'jwt', jwt_role: 'r' })).toMatch(
      "requires 'jwt_token' or 'jwt_token_path'"
    )
    expect(err({ auth_type: 'gcp', gcp_scopes: 's' })).toMatch(
      "'gcp' authentication type requires 'role_id'"
    )
    expect(err({ ...TOKEN, connections_path: 5 })).toMatch(
      '"connections_path" must be text or null'
    )
    // hvac.Client hands unknown kwargs to its adapter, which raises TypeError.
    expect(err({ ...TOKEN, configs_path: 'configurations' })).toMatch('unknown key "configs_path"')
  })

  it('reads kv_engine_version as Python does (falsy → 2, True == 1)', () => {
    expect(settings({ kv_engine_version: 0 }).kvEngineVersion).toBe(2)
    expect(settings({ kv_engine_version: null }).kvEngineVersion).toBe(2)
    expect(settings({ kv_engine_version: 1 }).kvEngineVersion).toBe(1)
    expect(settings({ kv_engine_version: true }).kvEngineVersion).toBe(1)
  })

  it('accepts hvac client kwargs and reports those Airlock does not use', () => {
    const s = settings({ namespace: 'team-a', verify: false, username: 'u', proxies: {} })
    expect(s.namespace).toBe('team-a')
    expect(s.verify).toBe(false)
    expect(s.unused.sort()).toEqual(['proxies', 'username'])
  })

  it('lists every auth type Airflow supports but Airlock does not, clearly', () => {
    for (const authType of VAULT_AUTH_TYPES) {
      const s = { ...settings(), authType }
      if (authType === 'token' || authType === 'approle' || authType === 'kubernetes')
        expect(unsupportedVaultAuth(s)).toBeUndefined()
      else expect(unsupportedVaultAuth(s)).toMatch(`auth_type "${authType}"`)
    }
  })
})

describe('Vault lookups (what Airflow asks hvac for)', () => {
  it('test_get_connection: mount airflow, connections/<id>', () => {
    expect(
      vaultLookups(settings({ mount_point: 'airflow' }), 'connection', 'test_postgres')
    ).toEqual([read('airflow', 'connections/test_postgres')])
  })

  it.each([
    ['team_conn', {}, ['connections/foo/test_postgres'], 'foo'],
    ['conn_no_team', {}, ['connections/test_postgres'], null],
    [
      'team_conn_no_separation',
      { use_team_secrets_path: false },
      ['connections/test_postgres'],
      'foo'
    ],
    [
      'fallback_global_conn',
      { global_secrets_path: 'global' },
      ['connections/foo/test_postgres', 'connections/global/test_postgres'],
      'foo'
    ],
    [
      'global_conn_no_team',
      { global_secrets_path: 'global' },
      ['connections/global/test_postgres'],
      null
    ]
  ] as const)('multi-team %s', (_name, extra, paths, team) => {
    const got = vaultLookups(
      settings({ mount_point: 'airflow', ...extra }),
      'connection',
      'test_postgres',
      {
        team,
        multiTeam: true
      }
    )
    // Airflow calls these in order until one answers; the fixtures answer at the last one.
    expect(
      got.slice(0, paths.length).map((l) => (l.status === 'read' ? l.path : l.status))
    ).toEqual(paths)
    const vars = vaultLookups(settings({ mount_point: 'airflow', ...extra }), 'variable', 'hello', {
      team,
      multiTeam: true
    })
    expect(
      vars.slice(0, paths.length).map((l) => (l.status === 'read' ? l.path : l.status))
    ).toEqual(
      paths.map((p) => p.replace('connections', 'variables').replace('test_postgres', 'hello'))
    )
  })

  it('ignores teams unless [core] multi_team is on', () => {
    expect(
      vaultLookups(settings({ global_secrets_path: 'g' }), 'connection', 'c', { team: 'foo' })
    ).toEqual([read('secret', 'connections/c')])
  })

  it('test_get_connection_without_predefined_mount_point: the id carries the mount (#29734)', () => {
    const s = settings({ mount_point: null })
    expect(vaultLookups(s, 'connection', 'airflow/test_postgres')).toEqual([
      read('airflow', 'connections/test_postgres')
    ])
    // No "/" in the id: Airflow returns None and never calls Vault.
    expect(vaultLookups(s, 'connection', 'simple_id')[0]!.status).toBe('no-mount')
    expect(vaultLookups(s, 'connection', 'kv/team/db')).toEqual([read('kv', 'connections/team/db')])
  })

  it.each([
    ['airflow', 'variables', 'hello', 'airflow', 'variables/hello'],
    ['airflow', '', 'path/to/variables/hello', 'airflow', 'path/to/variables/hello'],
    [null, 'variables', 'airflow/hello', 'airflow', 'variables/hello'],
    [null, '', 'airflow/path/to/variables/hello', 'airflow', 'path/to/variables/hello']
  ])(
    'test_get_variable_value_engine_version_1: mount %s, path %j, key %s',
    (mount, variablesPath, key, expectMount, expectPath) => {
      const s = settings({
        mount_point: mount,
        variables_path: variablesPath,
        kv_engine_version: 1
      })
      expect(vaultLookups(s, 'variable', key)).toEqual([read(expectMount, expectPath)])
      expect(vaultApiPath(1, expectMount, expectPath)).toBe(`${expectMount}/${expectPath}`)
    }
  )

  it('test_get_config_value(_without_predefined_mount_point)', () => {
    expect(vaultLookups(settings(), 'config', 'sql_alchemy_conn')).toEqual([
      read('secret', 'config/sql_alchemy_conn')
    ])
    expect(
      vaultLookups(settings({ mount_point: null }), 'config', 'airflow/sql_alchemy_conn')
    ).toEqual([read('airflow', 'config/sql_alchemy_conn')])
  })

  it('test_*_path_none_value: a null path never calls Vault', () => {
    const kinds: [VaultSecretKind, string][] = [
      ['connection', 'connections_path'],
      ['variable', 'variables_path'],
      ['config', 'config_path']
    ]
    for (const [kind, key] of kinds)
      expect(vaultLookups(settings({ [key]: null }), kind, 'test')[0]).toMatchObject({
        status: 'disabled'
      })
  })

  it('test_get_connection_with_empty_connections_path: the id alone', () => {
    expect(
      vaultLookups(
        settings({ mount_point: 'airflow', connections_path: '' }),
        'connection',
        'my_conn'
      )
    ).toEqual([read('airflow', 'my_conn')])
  })

  it('writes where Airflow looks first', () => {
    const s = settings({ global_secrets_path: 'global' })
    expect(vaultWriteLookup(s, 'connection', 'c', { team: 't', multiTeam: true })).toEqual(
      read('secret', 'connections/t/c', 'team')
    )
    expect(vaultWriteLookup(s, 'connection', 'c', { multiTeam: true })).toEqual(
      read('secret', 'connections/global/c')
    )
  })
})

describe('Vault HTTP paths (hvac: /v1/{mount}/data/{path}, quote safe "/")', () => {
  it('adds data/ for KV v2 and percent-encodes as urllib.parse.quote', () => {
    expect(vaultApiPath(2, 'secret', 'connections/my_db')).toBe('secret/data/connections/my_db')
    expect(vaultApiPath(2, 'secret', 'connections/my_db', 'metadata')).toBe(
      'secret/metadata/connections/my_db'
    )
    expect(vaultApiPath(2, 'secret', "connections/a b/ü?#%!'~")).toBe(
      'secret/data/connections/a%20b/%C3%BC%3F%23%25%21%27~'
    )
  })
})

describe('Vault reverse mapping (listing)', () => {
  const configs: Record<string, unknown>[] = [
    {},
    { mount_point: 'airflow', connections_path: 'a/b', variables_path: 'v' },
    { mount_point: null },
    { mount_point: null, connections_path: '', variables_path: null },
    { connections_path: 'conns', variables_path: '' }
  ]
  const ids = ['db', 'team/db', 'kv/x', 'a b', 'ü/%?#', 'deep/er/still']

  it('maps every path Airflow reads back to the id that reads it', () => {
    for (const kwargs of configs) {
      const s = settings(kwargs)
      for (const kind of ['connection', 'variable'] as const)
        for (const id of ids) {
          const lookup = vaultLookups(s, kind, id)[0]!
          if (lookup.status !== 'read') continue
          expect(vaultIdsForPath(s, lookup.mount, lookup.path)).toContainEqual({ kind, id })
        }
    }
  })

  it('reports names two kinds read (overlapping paths) instead of guessing', () => {
    const s = settings({ connections_path: '' })
    expect(vaultOverlappingKinds(s)).toEqual([
      ['connection', 'variable'],
      ['connection', 'config']
    ])
    expect(vaultIdsForPath(s, 'secret', 'variables/x')).toEqual([
      { kind: 'connection', id: 'variables/x' },
      { kind: 'variable', id: 'x' }
    ])
    expect(vaultIdsForPath(settings(), 'secret', 'variables/x')).toEqual([
      { kind: 'variable', id: 'x' }
    ])
    expect(vaultOverlappingKinds(settings())).toEqual([])
    expect(vaultOverlappingKinds(settings({ variables_path: 'connections/vars' }))).toEqual([
      ['connection', 'variable']
    ])
  })

  it('ignores paths outside a kind, other mounts, and mount names with "/" (null mount_point)', () => {
    expect(vaultIdsForPath(settings(), 'secret', 'elsewhere/x')).toEqual([])
    expect(vaultIdsForPath(settings(), 'other', 'connections/x')).toEqual([])
    expect(vaultIdsForPath(settings({ mount_point: null }), 'a/b', 'connections/x')).toEqual([])
  })

  it('walks the kind folder of the mount, or of every KV mount when ids carry it', () => {
    expect(vaultListRoots(settings(), 'connection')).toEqual([
      { kind: 'connection', mount: 'secret', prefix: 'connections' }
    ])
    expect(
      vaultListRoots(settings({ mount_point: null }), 'variable', ['kv', 'a/b', 'secret'])
    ).toEqual([
      { kind: 'variable', mount: 'kv', prefix: 'variables' },
      { kind: 'variable', mount: 'secret', prefix: 'variables' }
    ])
    expect(vaultListRoots(settings({ variables_path: null }), 'variable')).toEqual([])
  })
})

describe('Vault path checks (writing)', () => {
  it.each([
    ['connections/db', undefined],
    ['', 'is empty'],
    ['/x', 'begins with'],
    ['x/', 'folder'],
    ['a//b', 'empty segment'],
    ['a/../b', '".."'],
    ['./a', '"."']
  ])('%j', (path, problem) => {
    const got = vaultPathProblem(path)
    if (problem === undefined) expect(got).toBeUndefined()
    else expect(got).toMatch(problem)
  })
})

describe('Vault values (what Airflow reads, what Airlock writes)', () => {
  const decode = (kind: 'connection' | 'variable', stored: Record<string, unknown>) =>
    decodeVault(TOKEN, kind, 'id', plainToPy(stored))

  it('reads a connection the same for `decode` and for the backend: conn_uri first, else the fields', () => {
    for (const stored of [
      { conn_uri: 'postgres://u:p@h:5432/db', host: 'ignored' },
      { conn_type: 'postgres', host: 'h', port: 5432, extra: { sslmode: 'require' } }
    ]) {
      const airflow = decode('connection', stored)
      const model = decodeVaultConnection(stored, 'airflow3')
      expect(model.fromKey).toBe('conn_uri' in stored ? 'conn_uri' : 'fields')
      expect('connection' in airflow && (airflow.connection as PyDict).get('host')).toBe(
        model.value.host
      )
      expect('connection' in airflow && (airflow.connection as PyDict).get('port')).toBe(
        BigInt(model.value.port!)
      )
    }
    expect(() => decodeVaultConnection({ conn_uri: 5 }, 'airflow3')).toThrow(CodecError)
    expect(() => decode('connection', { conn_uri: 5 })).toThrow(/"conn_uri" holds a number/)
  })

  it("reads a variable's value; where Airflow answers None, so do both", () => {
    for (const stored of [{}, { other: 'x' }, { value: null }]) {
      expect(decode('variable', stored)).toEqual({ notFound: true })
      expect(decodeVaultVariable(stored)).toBeUndefined()
    }
    expect(decode('variable', { value: 'v' })).toEqual({ variable: 'v' })
    expect(decodeVaultVariable({ value: 'v', description: 'd' })).toEqual({
      value: 'v',
      description: 'd'
    })
    // Airflow hands a JSON object to the task; Airlock's text model refuses it.
    expect(decode('variable', { value: { a: 1 } })).toEqual({
      variable: new PyDict([['a', 1n]])
    })
    expect(() => decodeVaultVariable({ value: { a: 1 } })).toThrow(/"value" holds a object/)
  })

  it('writes the field map, or conn_uri when given a URI, and reads it back', () => {
    const fields = {
      conn_type: 'postgres',
      description: null,
      host: 'h',
      login: null,
      password: null,
      schema: null,
      port: 5432,
      extra: '{"a": 1}'
    }
    expect(encodeVaultConnection(fields, 'airflow3')).toEqual({
      conn_type: 'postgres',
      host: 'h',
      port: 5432,
      extra: { a: 1 }
    })
    expect(encodeVaultConnection(fields, 'airflow3', 'postgres://h:5432')).toEqual({
      conn_uri: 'postgres://h:5432'
    })
    // Connection JSON is never put in conn_uri: the field map holds it.
    expect(encodeVaultConnection(fields, 'airflow3', '{"conn_type": "postgres"}')).toHaveProperty(
      'host',
      'h'
    )
    expect(
      decodeVaultConnection(encodeVaultConnection(fields, 'airflow3'), 'airflow3').value
    ).toEqual(fields)
    expect(encodeVaultVariable(variableEntry('k', 'v'))).toEqual({ value: 'v' })
    expect(encodeVaultVariable(variableEntry('k', 'v', 'd'))).toEqual({
      value: 'v',
      description: 'd'
    })
  })
})
