// The `explain` / `decode` CLI contract: one JSON object per item, exit 0/1/2.
// Rules come from the provider sources named in test/unit/main/core/airflow-secrets.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { airlock } from '../../../support/cli'
import { tempDir } from '../../../support/temp-dir'

const SECRET = 'S3cr3t-canary-7f1e'

describe('airlock explain', () => {
  it('prints the Vault request for a connection (hashicorp vault.py, hvac kv_v2)', () => {
    const r = airlock([
      'explain',
      '--backend',
      'vault',
      '--kwargs',
      '{"token": "t"}',
      '--conn',
      'my_db'
    ])
    expect(r.code).toBe(0)
    expect(r.lines).toEqual([
      '{"name": "connections/my_db", "mount_point": "secret", "kv_engine_version": 2, "http_method": "GET", "http_path": "/v1/secret/data/connections/my_db"}'
    ])
  })
  it("names Azure's secret with _ turned into - (key_vault.py build_path)", () => {
    const r = airlock(['explain', '--backend', 'azure-key-vault', '--conn', 'my_db'])
    expect(r.lines).toEqual(['{"name": "airflow-connections-my-db"}'])
  })
  it('reports a disabled lookup and a rejected kwarg (exit 1), never echoing secrets', () => {
    const off = airlock([
      'explain',
      '--backend',
      'aws-secrets-manager',
      '--kwargs',
      '{"variables_prefix": null}',
      '--var',
      'v'
    ])
    expect(off.code).toBe(0)
    expect(JSON.parse(off.lines[0]!)).toMatchObject({ disabled: true })
    const bad = airlock([
      'explain',
      '--backend',
      'vault',
      '--kwargs',
      `{"token": "${SECRET}", "kv_engine_version": 3}`,
      '--conn',
      'c'
    ])
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.lines[0]!).error.code).toBe('backend.invalid-kwargs')
    expect(bad.stdout + bad.stderr).not.toContain(SECRET)
  })
  it('reads JSON Lines in batch form, one answer per line in order', () => {
    const input = [
      '{"backend": "aws-ssm", "kwargs": {}, "kind": "connection", "key": "c"}',
      '{"backend": "gcp-secret-manager", "kwargs": {"project_id": "p"}, "kind": "variable", "key": "a.b"}',
      '{"backend": "nope", "kind": "variable", "key": "x"}',
      '{"backend": "gcp-secret-manager", "kwargs": {"bogus": 1}, "kind": "variable", "key": "x"}'
    ].join('\n')
    const r = airlock(['explain'], input + '\n')
    expect(r.code).toBe(1)
    expect(r.lines.slice(0, 2)).toEqual([
      '{"name": "/airflow/connections/c"}',
      '{"name": "airflow-variables-a.b", "gcp_secret_id_valid": false}'
    ])
    expect(JSON.parse(r.lines[2]!).error).toBeDefined()
    expect(JSON.parse(r.lines[3]!).error).toBeDefined()
  })
  it('usage errors exit 2', () => {
    expect(airlock(['explain', '--backend', 'x', '--conn', 'c']).code).toBe(2)
    expect(airlock(['explain', '--backend', 'vault', '--conn', 'c', '--var', 'v']).code).toBe(2)
    expect(airlock(['explain', '--backend', 'vault', '--kwargs', '[1]', '--conn', 'c']).code).toBe(
      2
    )
  })
  it('--runtime explains every layer in order', () => {
    const r = airlock(['explain', '--runtime', 'demo', '--conn', 'my_db'], '', {
      AIRLOCK_HOME: '/nonexistent-airlock-home'
    })
    expect(r.code).toBe(0)
    const layers = r.lines.map((l) => JSON.parse(l))
    expect(layers.map((l) => l.role)).toEqual(['custom-backend', 'env', 'metastore'])
    expect(layers[1]).toMatchObject({ name: 'AIRFLOW_CONN_MY_DB' })
    expect(layers[2]).toMatchObject({ name: 'my_db', table: 'connection' })
  })
})

describe('airlock explain --runtime airflow-config:', () => {
  it('explains [secrets] backend with its backend_kwargs, then env, then the metadata DB', () => {
    const dir = tempDir('airlock-explain-')
    try {
      const cfg = join(dir, 'airflow.cfg')
      writeFileSync(
        cfg,
        [
          '[database]',
          `sql_alchemy_conn = sqlite:///${join(dir, 'airflow.db')}`,
          '[secrets]',
          'backend = airflow.providers.amazon.aws.secrets.secrets_manager.SecretsManagerBackend',
          'backend_kwargs = {"connections_prefix": "prod/conns", "variables_prefix": null}',
          ''
        ].join('\n')
      )
      const conn = airlock(['explain', '--runtime', `airflow-config:${cfg}`, '--conn', 'my_db'])
      expect(conn.code).toBe(0)
      expect(conn.lines.map((l) => JSON.parse(l))).toMatchObject([
        {
          layer: 1,
          role: 'custom-backend',
          backend: 'aws-secrets-manager',
          name: 'prod/conns/my_db'
        },
        { layer: 2, role: 'env', name: 'AIRFLOW_CONN_MY_DB' },
        { layer: 3, role: 'metastore', name: 'my_db', table: 'connection' }
      ])
      const worker = airlock([
        'explain',
        '--runtime',
        `airflow-config:${cfg}`,
        '--model',
        'airflow3-worker',
        '--var',
        'v'
      ])
      const layers = worker.lines.map((l) => JSON.parse(l))
      expect(layers.map((l) => l.role)).toEqual([
        'worker-backend',
        'worker-env',
        'custom-backend',
        'env',
        'metastore'
      ])
      expect(layers[0]).toMatchObject({ disabled: true })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('airlock decode', () => {
  it("applies Secrets Manager's aliases (secrets_manager.py _standardize_secret_keys)", () => {
    const stored = JSON.stringify(
      JSON.stringify({
        user: 'u',
        dbname: 'ignored',
        database: 'dw',
        engine: 'postgresql',
        key: SECRET
      })
    )
    const r = airlock(['decode', '--backend', 'aws-secrets-manager', '--conn', 'c'], stored + '\n')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.lines[0]!)).toEqual({
      conn_type: 'postgres',
      host: null,
      login: 'u',
      password: SECRET,
      schema: 'dw',
      port: null,
      extra: null,
      extra_dejson: {}
    })
  })
  it('Vault variables: value, else not found (vault.py get_variable)', () => {
    const r = airlock(
      ['decode', '--backend', 'vault', '--kwargs', '{"token": "t"}', '--var', 'v'],
      '{"value": "x"}\n{"other": 1}\n'
    )
    expect(r.lines).toEqual(['{"value": "x"}', '{"not_found": true}'])
  })
  it('--provider-version selects the pre-4.7.2 Vault reading', () => {
    const args = ['decode', '--backend', 'vault', '--kwargs', '{"token": "t"}', '--conn', 'c']
    const input = '{"conn_type": "postgresql", "port": "5432"}\n'
    expect(JSON.parse(airlock(args, input).lines[0]!)).toMatchObject({
      conn_type: 'postgres',
      port: 5432
    })
    expect(
      JSON.parse(airlock([...args, '--provider-version', '4.7.1'], input).lines[0]!)
    ).toMatchObject({
      conn_type: 'postgresql',
      port: '5432'
    })
  })
  it('batch form with "stored"; errors never contain the value', () => {
    const input = [
      JSON.stringify({ backend: 'aws-ssm', kwargs: {}, kind: 'variable', key: 'v', stored: ' x ' }),
      JSON.stringify({
        backend: 'azure-key-vault',
        kind: 'connection',
        key: 'c',
        stored: `{"password": "${SECRET}", "bogus": 1}`
      })
    ].join('\n')
    const r = airlock(['decode'], input + '\n')
    expect(r.code).toBe(1)
    expect(r.lines[0]).toBe('{"value": " x "}')
    expect(JSON.parse(r.lines[1]!).error.code).toBe('codec.unknown-field')
    expect(r.stdout + r.stderr).not.toContain(SECRET)
  })
})
