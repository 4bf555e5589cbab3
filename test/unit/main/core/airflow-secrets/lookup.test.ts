// explain/decode rules per secrets backend. Each case names where it comes from in
// apache/airflow (provider source or test file and test name).
import { describe, expect, it } from 'vitest'
import {
  decodeOutcomeToPy,
  decodeStored,
  explainLookup,
  explanationToPy,
  type LookupBackend,
  type LookupKind,
  type LookupOptions
} from '../../../../../src-main/core/airflow-secrets'
import { AirlockError } from '../../../../../src-main/core/errors'
import { pyJsonDumps, pyJsonLoads } from '../../../../../src-main/core/codecs/py-json'

const TOKEN = { token: 't' }

function explain(
  backend: LookupBackend,
  kwargs: Record<string, unknown>,
  kind: LookupKind,
  key: string,
  options: LookupOptions = {}
): unknown {
  return JSON.parse(
    pyJsonDumps(explanationToPy(explainLookup(backend, kwargs, kind, key, options)))
  )
}

/** `stored` is the JSON text of what the service returns. */
function decode(
  backend: LookupBackend,
  kwargs: Record<string, unknown>,
  kind: LookupKind,
  key: string,
  stored: string,
  options: LookupOptions = {}
): unknown {
  const out = decodeStored(backend, kwargs, kind, key, pyJsonLoads(stored), options)
  return JSON.parse(pyJsonDumps(decodeOutcomeToPy(out)))
}

const conn = (fields: Record<string, unknown>) => ({
  conn_type: null,
  host: null,
  login: null,
  password: null,
  schema: null,
  port: null,
  extra: null,
  extra_dejson: {},
  ...fields
})

describe('explain: HashiCorp Vault (providers/hashicorp/.../secrets/vault.py)', () => {
  it('reads connections/<id> in mount secret over KV v2 (test_vault.py test_get_connection)', () => {
    expect(explain('vault', TOKEN, 'connection', 'test_postgres')).toEqual({
      name: 'connections/test_postgres',
      mount_point: 'secret',
      kv_engine_version: 2,
      http_method: 'GET',
      http_path: '/v1/secret/data/connections/test_postgres'
    })
  })
  it('KV v1 has no data/ segment (test_vault.py test_get_variable_value_engine_version_1)', () => {
    for (const [mount, path, key, expected] of [
      ['airflow', 'variables', 'hello', { mount_point: 'airflow', name: 'variables/hello' }],
      [
        'airflow',
        '',
        'path/to/variables/hello',
        { mount_point: 'airflow', name: 'path/to/variables/hello' }
      ],
      [null, 'variables', 'airflow/hello', { mount_point: 'airflow', name: 'variables/hello' }],
      [
        null,
        '',
        'airflow/path/to/variables/hello',
        { mount_point: 'airflow', name: 'path/to/variables/hello' }
      ]
    ] as const)
      expect(
        explain(
          'vault',
          { ...TOKEN, kv_engine_version: 1, mount_point: mount, variables_path: path },
          'variable',
          key
        )
      ).toMatchObject({ ...expected, http_path: `/v1/airflow/${expected.name}` })
  })
  it('mount_point null takes the mount from the id (#29734, test_get_connection_without_predefined_mount_point)', () => {
    expect(
      explain('vault', { ...TOKEN, mount_point: null }, 'connection', 'airflow/test_postgres')
    ).toMatchObject({ name: 'connections/test_postgres', mount_point: 'airflow' })
    expect(explain('vault', { ...TOKEN, mount_point: null }, 'connection', 'plain')).toMatchObject({
      disabled: true
    })
  })
  it('an empty path means the id alone (#29908, test_get_connection_with_empty_connections_path)', () => {
    expect(explain('vault', { ...TOKEN, connections_path: '' }, 'connection', 'c')).toMatchObject({
      name: 'c',
      http_path: '/v1/secret/data/c'
    })
  })
  it('a null path turns the kind off (test_connections_path_none_value)', () => {
    expect(explain('vault', { ...TOKEN, connections_path: null }, 'connection', 'c')).toMatchObject(
      { disabled: true }
    )
  })
  it('percent-encodes the path as hvac does (utils.format_url, quote safe="/")', () => {
    expect(explain('vault', TOKEN, 'connection', 'a b#c')).toMatchObject({
      http_path: '/v1/secret/data/connections/a%20b%23c'
    })
  })
  it('21: http_path is the path Vault receives: hvac collapses "//", strips a trailing "/", urllib3 removes "." and ".." (recorded with Debian python3-hvac 0.11.2)', () => {
    // Each expected path was recorded from the real stack (hvac → requests → urllib3) against
    // a local server that logs the request line.
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['../x', {}, '/v1/secret/data/x', 'secret/x'],
      ['a//b', {}, '/v1/secret/data/connections/a/b', 'secret/connections/a/b'],
      ['x/', {}, '/v1/secret/data/connections/x', ''],
      ['./x', {}, '/v1/secret/data/connections/x', ''],
      ['x/..', {}, '/v1/secret/data/connections/', 'leaves'],
      ['../../../../x', {}, '/x', 'leaves'],
      ['x/.', {}, '/v1/secret/data/connections/x/', 'leaves'],
      ['.../x', {}, '/v1/secret/data/connections/.../x', 'none'],
      ['/x', { kv_engine_version: 1 }, '/v1/secret/connections/x', '']
    ]
    for (const [id, kwargs, path, reads] of cases) {
      const out = explain('vault', { ...TOKEN, ...kwargs }, 'connection', id) as Record<
        string,
        unknown
      >
      expect(out.http_path, id).toBe(path)
      if (reads === 'none') expect(out, id).not.toHaveProperty('note')
      else if (reads === '') expect(out.note, id).toContain('reads the secret secret/connections/x')
      else if (reads === 'leaves') expect(out.note, id).toMatch(/leaves the secrets of mount/)
      else expect(out.note, id).toContain(`reads the secret ${reads}, not secret/connections/${id}`)
    }
    expect(explain('vault', TOKEN, 'connection', 'plain')).not.toHaveProperty('note')
  })
  it('21: a mount_point the stack rewrites (kv/, /kv, a//b, a/../b) still reads a secret of the mount the request reaches, not "nothing" (recorded with Debian python3-hvac 0.11.2)', () => {
    const cases: [string, 1 | 2, string, string][] = [
      ['kv/', 2, '/v1/kv/data/connections/x', 'kv/connections/x'],
      ['/kv', 2, '/v1/kv/data/connections/x', 'kv/connections/x'],
      ['kv/', 1, '/v1/kv/connections/x', 'kv/connections/x'],
      ['a//b', 2, '/v1/a/b/data/connections/x', 'a/b/connections/x'],
      ['a/../b', 2, '/v1/b/data/connections/x', 'b/connections/x']
    ]
    for (const [mount, version, path, reads] of cases) {
      const out = explain(
        'vault',
        { ...TOKEN, mount_point: mount, kv_engine_version: version },
        'connection',
        'x'
      ) as Record<string, unknown>
      expect(out.http_path, mount).toBe(path)
      expect(out.note, mount).toContain(
        `so Airflow reads the secret ${reads}, not ${mount}/connections/x`
      )
      expect(out.note, mount).not.toMatch(/reads nothing/)
    }
    // Nothing of the mount left under /v1/: the request leaves every mount.
    const gone = explain('vault', { ...TOKEN, mount_point: '..' }, 'connection', 'x') as Record<
      string,
      unknown
    >
    expect(gone.note).toMatch(/leaves the secrets of mount "\.\."/)
  })
  it('rejects what _VaultClient rejects (vault_client.py __init__)', () => {
    expect(() => explainLookup('vault', {}, 'connection', 'c')).toThrow(AirlockError)
    expect(() =>
      explainLookup('vault', { ...TOKEN, kv_engine_version: 3 }, 'connection', 'c')
    ).toThrow(/version is not supported/)
    expect(explain('vault', {}, 'connection', 'c', { env: { VAULT_TOKEN: 'x' } })).toMatchObject({
      name: 'connections/c'
    })
  })
})

describe('explain: AWS (providers/amazon/.../secrets/secrets_manager.py, systems_manager.py)', () => {
  it('Secrets Manager: prefix + sep + id (test_secrets_manager.py test_get_conn_value_full_url_mode)', () => {
    expect(explain('aws-secrets-manager', {}, 'connection', 'test_postgres')).toEqual({
      name: 'airflow/connections/test_postgres'
    })
    expect(explain('aws-secrets-manager', { variables_prefix: '' }, 'variable', 'v')).toEqual({
      name: 'v'
    })
  })
  it('lookup patterns, re.match case-insensitive (test_connection_lookup_pattern)', () => {
    for (const [pattern, looked] of [
      ['test', true],
      ['.*', true],
      ['T.*', true],
      ['dummy-pattern', false]
    ] as const)
      expect(
        'name' in
          (explain(
            'aws-secrets-manager',
            { connections_lookup_pattern: pattern },
            'connection',
            'test'
          ) as object)
      ).toBe(looked)
  })
  it('null prefix: no request (test_connection_prefix_none_value)', () => {
    expect(
      explain('aws-secrets-manager', { connections_prefix: null }, 'connection', 'x')
    ).toMatchObject({
      disabled: true
    })
  })
  it('SSM: leading slash ensured (systems_manager.py _ensure_leading_slash)', () => {
    expect(
      explain('aws-ssm', { connections_prefix: 'airflow/connections' }, 'connection', 'c')
    ).toEqual({
      name: '/airflow/connections/c'
    })
    expect(explain('aws-ssm', { variables_prefix: '' }, 'variable', 'v')).toEqual({ name: '/v' })
  })
  it('ids with -- are refused only in multi-team mode (#71078)', () => {
    expect(explain('aws-ssm', {}, 'connection', 'a--b')).toEqual({
      name: '/airflow/connections/a--b'
    })
    expect(explain('aws-ssm', {}, 'connection', 'a--b', { multiTeam: true })).toMatchObject({
      disabled: true
    })
  })
})

describe('explain: Azure Key Vault (providers/microsoft/azure/.../secrets/key_vault.py)', () => {
  it('every _ becomes sep (key_vault.py build_path)', () => {
    expect(explain('azure-key-vault', {}, 'connection', 'my_db')).toEqual({
      name: 'airflow-connections-my-db'
    })
  })
  it('an empty prefix adds no separator (build_path)', () => {
    expect(explain('azure-key-vault', { variables_prefix: '' }, 'variable', 'a_b')).toEqual({
      name: 'a-b'
    })
  })
  it('prefix rstrip(sep) and a null prefix (key_vault.py __init__, get_conn_value)', () => {
    expect(
      explain('azure-key-vault', { connections_prefix: 'x-', sep: '-' }, 'connection', 'c')
    ).toEqual({
      name: 'x-c'
    })
    expect(
      explain('azure-key-vault', { connections_prefix: null }, 'connection', 'c')
    ).toMatchObject({
      disabled: true
    })
  })
  it('21: a name Key Vault cannot hold is skipped without a request (#67157); --provider-version 12.10.3 still asks and gets BadParameter', () => {
    for (const id of ['my.app.setting', 'a/b', 'x'.repeat(120)]) {
      const out = explain('azure-key-vault', {}, 'variable', id) as Record<string, unknown>
      expect(out, id).toMatchObject({ disabled: true })
      expect(String(out.reason)).toMatch(/skips it without asking Key Vault/)
      expect(
        explain('azure-key-vault', {}, 'variable', id, { providerVersion: '12.10.3' }),
        id
      ).toMatchObject({ service_error: expect.stringMatching(/BadParameter/) })
    }
    // `_` → `-` happens first, so an id with `_` is valid; the multi-team lookup checks too
    expect(explain('azure-key-vault', {}, 'variable', 'my_var')).toEqual({
      name: 'airflow-variables-my-var'
    })
    expect(explain('azure-key-vault', {}, 'connection', 'a.b', { multiTeam: true })).toMatchObject({
      disabled: true
    })
    expect(
      decodeOutcomeToPy(
        decodeStored('azure-key-vault', {}, 'variable', 'my.app.setting', 'stored')
      ).get('not_found')
    ).toBe(true)
  })
  it('team-scoped-looking ids refused only with multi_team on (#65692, #71078)', () => {
    expect(explain('azure-key-vault', {}, 'connection', 'team--db')).toEqual({
      name: 'airflow-connections-team--db'
    })
    expect(
      explain('azure-key-vault', {}, 'connection', 'team__db', { multiTeam: true })
    ).toMatchObject({
      disabled: true
    })
  })
})

describe('explain: GCP Secret Manager (providers/google/.../secrets/secret_manager.py)', () => {
  const P = { project_id: 'example-project' }
  it('prefix + sep + id, nothing replaced (secret_manager.py build_path)', () => {
    expect(explain('gcp-secret-manager', P, 'connection', 'my_db')).toEqual({
      name: 'airflow-connections-my_db',
      gcp_secret_id_valid: true
    })
  })
  it('an empty prefix keeps the separator; invalid ids are flagged (#18789)', () => {
    expect(
      explain('gcp-secret-manager', { ...P, variables_prefix: '' }, 'variable', 'a.b')
    ).toEqual({
      name: '-a.b',
      gcp_secret_id_valid: false
    })
  })
  it('refuses prefixes outside ^[a-zA-Z0-9-_]*$ at construction (secret_manager.py _is_valid_prefix_and_sep)', () => {
    expect(() =>
      explainLookup('gcp-secret-manager', { ...P, connections_prefix: 'a.b' }, 'connection', 'c')
    ).toThrow(AirlockError)
  })
  it('takes the project from the credentials when project_id is absent; unknown kwargs fail (LoggingMixin.__init__ TypeError)', () => {
    expect(explain('gcp-secret-manager', {}, 'connection', 'c')).toEqual({
      name: 'airflow-connections-c',
      gcp_secret_id_valid: true
    })
    expect(() =>
      explainLookup('gcp-secret-manager', { ...P, secret_prefix: 'x' }, 'connection', 'c')
    ).toThrow(AirlockError)
  })
})

describe('explain: transcribed provider tables', () => {
  it('test_secret_manager.py test_get_conn_uri / test_get_variable: build_path(prefix, id, "-")', () => {
    for (const prefix of ['airflow-connections', 'connections', 'airflow'])
      expect(
        explain(
          'gcp-secret-manager',
          { project_id: 'test-project-id', connections_prefix: prefix },
          'connection',
          'test-postgres'
        )
      ).toEqual({ name: `${prefix}-test-postgres`, gcp_secret_id_valid: true })
    for (const prefix of ['airflow-variables', 'variables', 'airflow'])
      expect(
        explain(
          'gcp-secret-manager',
          { project_id: 'p', variables_prefix: prefix },
          'variable',
          'hello'
        )
      ).toEqual({ name: `${prefix}-hello`, gcp_secret_id_valid: true })
  })
  it('test_secret_manager.py test_raise_exception_with_invalid_prefix_sep and test_is_valid_prefix_and_sep', () => {
    for (const [prefix, sep] of [
      ['not:valid', ':'],
      ['not/valid', '/'],
      ['a b', ''],
      [' ', ''],
      ['', ' ']
    ])
      expect(() =>
        explainLookup(
          'gcp-secret-manager',
          { project_id: 'p', connections_prefix: prefix, sep },
          'connection',
          'c'
        )
      ).toThrow(AirlockError)
    for (const [prefix, sep] of [
      ['valid1', '-'],
      ['isValid', '_'],
      ['', '']
    ])
      expect(
        explain(
          'gcp-secret-manager',
          { project_id: 'p', connections_prefix: prefix, sep },
          'connection',
          'c'
        )
      ).toMatchObject({ name: `${prefix}${sep}c` })
  })
  it('test_secret_manager.py test_connections_prefix_none_value: no prefix check, no request', () => {
    expect(
      explain(
        'gcp-secret-manager',
        { project_id: 'p', connections_prefix: null, sep: ':' },
        'connection',
        'c'
      )
    ).toMatchObject({ disabled: true })
  })
  it('test_key_vault.py test_get_variable and test_get_secret_value', () => {
    expect(explain('azure-key-vault', {}, 'variable', 'hello')).toEqual({
      name: 'airflow-variables-hello'
    })
    expect(
      explain(
        'azure-key-vault',
        { connections_prefix: 'af-secrets' },
        'connection',
        'test_mysql_password'
      )
    ).toEqual({ name: 'af-secrets-test-mysql-password' })
  })
  it('test_key_vault.py test_variable_prefix_none_value', () => {
    expect(
      explain('azure-key-vault', { variables_prefix: null }, 'variable', 'hello')
    ).toMatchObject({
      disabled: true
    })
  })
  it('test_secrets_manager.py test_get_variable / test_variable_prefix_none_value', () => {
    expect(explain('aws-secrets-manager', {}, 'variable', 'hello')).toEqual({
      name: 'airflow/variables/hello'
    })
    expect(
      explain('aws-secrets-manager', { variables_prefix: null }, 'variable', 'hello')
    ).toMatchObject({
      disabled: true
    })
  })
})

describe('SSM, transcribed from test_systems_manager.py', () => {
  const expected = {
    conn_type: 'postgres',
    login: 'my-login',
    password: 'my-pass',
    host: 'my-host',
    port: 5432,
    schema: 'my-schema'
  }
  it('test_get_conn_value: the URI and the JSON parameter read the same', () => {
    const uri = 'postgres://my-login:my-pass@my-host:5432/my-schema?param1=val1&param2=val2'
    const json = JSON.stringify({
      conn_type: 'postgres',
      login: 'my-login',
      password: 'my-pass',
      host: 'my-host',
      port: 5432,
      schema: 'my-schema',
      extra: { param1: 'val1', param2: 'val2' }
    })
    expect(explain('aws-ssm', {}, 'connection', 'test_postgres')).toEqual({
      name: '/airflow/connections/test_postgres'
    })
    for (const stored of [uri, json])
      expect(
        decode('aws-ssm', {}, 'connection', 'test_postgres', JSON.stringify(stored))
      ).toMatchObject({
        ...expected,
        extra_dejson: { param1: 'val1', param2: 'val2' }
      })
  })
  it('test_ambiguous_id_resolves_when_multi_team_is_disabled / test_refusing_an_ambiguous_id_is_logged', () => {
    expect(explain('aws-ssm', {}, 'connection', 'prod--test_postgres')).toEqual({
      name: '/airflow/connections/prod--test_postgres'
    })
    expect(explain('aws-ssm', {}, 'variable', 'prod--hello', { multiTeam: true })).toMatchObject({
      disabled: true
    })
  })
  it('test_get_variable', () => {
    expect(explain('aws-ssm', {}, 'variable', 'hello')).toEqual({
      name: '/airflow/variables/hello'
    })
    expect(decode('aws-ssm', {}, 'variable', 'hello', '"world"')).toEqual({ value: 'world' })
  })
})

describe('decode: Vault', () => {
  it('conn_uri wins over the other keys (test_vault.py test_get_connection)', () => {
    expect(
      decode(
        'vault',
        TOKEN,
        'connection',
        'c',
        '{"conn_uri": "postgresql://airflow:airflow@host:5432/airflow?foo=bar&baz=taz", "login": "x"}'
      )
    ).toEqual(
      conn({
        conn_type: 'postgres',
        host: 'host',
        login: 'airflow',
        password: 'airflow',
        schema: 'airflow',
        port: 5432,
        extra: '{"foo": "bar", "baz": "taz"}',
        extra_dejson: { foo: 'bar', baz: 'taz' }
      })
    )
  })
  it('the fixture secret of test_vault.py test_get_connection', () => {
    const secret = JSON.stringify({
      conn_type: 'postgresql',
      login: 'airflow',
      password: 'airflow',
      host: 'host',
      port: '5432',
      schema: 'airflow',
      extra: '{"foo":"bar","baz":"taz"}'
    })
    expect(decode('vault', TOKEN, 'connection', 'test_postgres', secret)).toEqual(
      conn({
        conn_type: 'postgres',
        host: 'host',
        login: 'airflow',
        password: 'airflow',
        schema: 'airflow',
        port: 5432,
        extra: '{"foo":"bar","baz":"taz"}',
        extra_dejson: { foo: 'bar', baz: 'taz' }
      })
    )
  })
  it('a field map is json.dumps(secret) read as connection JSON (4.7.2+, #68305)', () => {
    expect(
      decode(
        'vault',
        TOKEN,
        'connection',
        'c',
        '{"conn_type": "postgresql", "port": "5432", "extra": {"a": 1}}'
      )
    ).toEqual(
      conn({ conn_type: 'postgres', port: 5432, extra: '{"a": 1}', extra_dejson: { a: 1 } })
    )
  })
  it('a JSON conn_uri is connection JSON since 4.7.2, a URI before (deserialize_connection vs Connection(uri=))', () => {
    const stored = '{"conn_uri": "{\\"conn_type\\": \\"x\\", \\"host\\": \\"h\\"}"}'
    expect(decode('vault', TOKEN, 'connection', 'c', stored)).toEqual(
      conn({ conn_type: 'x', host: 'h' })
    )
    // Connection(uri=…) reads the whole JSON text as a URI path: everything lands in schema.
    expect(decode('vault', TOKEN, 'connection', 'c', stored, { providerVersion: '4.7.1' })).toEqual(
      conn({ conn_type: '', host: '', schema: '"conn_type": "x", "host": "h"}' })
    )
  })
  it('before 4.7.2 the field map goes to Connection(**secret): port and conn_type as stored', () => {
    expect(
      decode(
        'vault',
        TOKEN,
        'connection',
        'c',
        '{"conn_type": "postgresql", "port": "5432", "extra": {"a": 1}}',
        {
          providerVersion: '4.7.1'
        }
      )
    ).toEqual(
      conn({ conn_type: 'postgresql', port: '5432', extra: '{"a": 1}', extra_dejson: { a: 1 } })
    )
  })
  it('unknown keys fail in both versions', () => {
    expect(() =>
      decode('vault', TOKEN, 'connection', 'c', '{"conn_type": "x", "dbname": "d"}')
    ).toThrow()
    expect(() =>
      decode('vault', TOKEN, 'connection', 'c', '{"conn_type": "x", "dbname": "d"}', {
        providerVersion: '4.0.0'
      })
    ).toThrow()
  })
  it('variables: the value key, else not found (test_get_variable_value, test_get_variable_does_not_contain_value_key)', () => {
    expect(decode('vault', TOKEN, 'variable', 'v', '{"value": "world"}')).toEqual({
      value: 'world'
    })
    expect(decode('vault', TOKEN, 'variable', 'v', '{"val": "world"}')).toEqual({ not_found: true })
    expect(decode('vault', TOKEN, 'variable', 'v', '{}')).toEqual({ not_found: true })
    expect(decode('vault', TOKEN, 'variable', 'v', 'null')).toEqual({ not_found: true })
    expect(decode('vault', TOKEN, 'connection', 'c', 'null')).toEqual({ not_found: true })
  })
})

describe('decode: AWS Secrets Manager (_standardize_secret_keys)', () => {
  const s = (o: unknown) => JSON.stringify(JSON.stringify(o))
  it('aliases, first key in the secret order wins, unknown keys dropped (secrets_manager.py _standardize_secret_keys)', () => {
    expect(
      decode(
        'aws-secrets-manager',
        {},
        'connection',
        'c',
        s({
          username: 'u2',
          user: 'u1',
          pass: 'p',
          engine: 'postgresql',
          dbname: 'x',
          database: 'dw',
          description: 'd'
        })
      )
    ).toEqual(conn({ conn_type: 'postgres', login: 'u2', password: 'p', schema: 'dw' }))
  })
  it('extra_conn_words add aliases, user means login (secrets_manager.py _standardize_secret_keys)', () => {
    expect(
      decode(
        'aws-secrets-manager',
        { extra_conn_words: { user: ['account'], schema: ['dbname'] } },
        'connection',
        'c',
        s({ account: 'a', dbname: 'x' })
      )
    ).toEqual(conn({ login: 'a', schema: 'x' }))
  })
  it('a URI secret is a URI; variables are verbatim (test_get_variable)', () => {
    expect(
      decode('aws-secrets-manager', {}, 'connection', 'c', '"scheme://user:pass@host:100"')
    ).toMatchObject({
      host: 'host',
      port: 100
    })
    expect(decode('aws-secrets-manager', {}, 'variable', 'hello', '" world "')).toEqual({
      value: ' world '
    })
  })
  it('are_secret_values_urlencoded unquotes values before amazon 9.0.0 only (8.x test_secrets_manager.py url-encoded JSON case; removed by #42450)', () => {
    const stored = s({ conn_type: 'x', login: 'is%20url%20encoded', host: 'not%2520idempotent' })
    const kwargs = { are_secret_values_urlencoded: true }
    expect(
      decode('aws-secrets-manager', kwargs, 'connection', 'c', stored, {
        providerVersion: '8.29.0'
      })
    ).toMatchObject({ login: 'is url encoded', host: 'not%20idempotent' })
    expect(decode('aws-secrets-manager', kwargs, 'connection', 'c', stored)).toMatchObject({
      login: 'is%20url%20encoded'
    })
  })
  it('21: a JSON field of another type than text is kept with its type (from_json → Connection(**kwargs), never flushed)', () => {
    const stored = s({ engine: 'postgresql', user: 1234, host: 5, database: true, password: 'p' })
    for (const dialect of ['airflow2', 'airflow3', 'task-sdk'] as const)
      expect(
        decode('aws-secrets-manager', {}, 'connection', 'c', stored, { dialect }),
        dialect
      ).toEqual(conn({ conn_type: 'postgres', login: 1234, host: 5, schema: true, password: 'p' }))
    // core's password setter runs bytes(value, "utf-8"): a truthy non-text password fails there,
    // a falsy one is ignored; the Task SDK keeps it
    expect(() => decode('aws-secrets-manager', {}, 'connection', 'c', s({ password: 12 }))).toThrow(
      /TypeError/
    )
    expect(decode('aws-secrets-manager', {}, 'connection', 'c', s({ password: 0 }))).toEqual(
      conn({})
    )
    expect(
      decode('aws-secrets-manager', {}, 'connection', 'c', s({ password: 12 }), {
        dialect: 'task-sdk'
      })
    ).toEqual(conn({ password: 12 }))
    // the same reading for every text-valued service and for Vault's field map
    expect(
      decode('gcp-secret-manager', { project_id: 'p' }, 'connection', 'c', s({ login: 7 }))
    ).toEqual(conn({ login: 7 }))
    expect(decode('vault', TOKEN, 'connection', 'c', '{"login": 7}')).toEqual(conn({ login: 7 }))
  })
  it('not asked → not found', () => {
    expect(
      decode('aws-secrets-manager', { connections_prefix: null }, 'connection', 'c', '"x://h"')
    ).toEqual({ not_found: true })
  })
})

describe('decode: SSM, Azure, GCP (BaseSecretsBackend.get_connection / deserialize_connection)', () => {
  it('JSON when the stripped value starts with {, else a URI', () => {
    expect(decode('aws-ssm', {}, 'connection', 'c', '" {\\"conn_type\\": \\"aws\\"} "')).toEqual(
      conn({ conn_type: 'aws' })
    )
    expect(decode('azure-key-vault', {}, 'connection', 'c', '"http://h:80"')).toMatchObject({
      conn_type: 'http',
      host: 'h',
      port: 80
    })
  })
  it('an empty value is not found; whitespace fails on value[0]', () => {
    expect(decode('azure-key-vault', {}, 'connection', 'c', '""')).toEqual({ not_found: true })
    expect(() => decode('azure-key-vault', {}, 'connection', 'c', '"  "')).toThrow()
  })
  it('the dialect decides query values (#59339)', () => {
    const P = { project_id: 'p' }
    expect(decode('gcp-secret-manager', P, 'connection', 'c', '"x://h/?t=5"')).toMatchObject({
      extra_dejson: { t: 5 }
    })
    expect(
      decode('gcp-secret-manager', P, 'connection', 'c', '"x://h/?t=5"', { dialect: 'airflow2' })
    ).toMatchObject({ extra_dejson: { t: '5' } })
  })
  it('GCP ids the service refuses are not found (InvalidArgument, #18789)', () => {
    expect(decode('gcp-secret-manager', { project_id: 'p' }, 'variable', 'a.b', '"v"')).toEqual({
      not_found: true
    })
  })
})
