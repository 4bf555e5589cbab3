/**
 * The embedded demo: a SQLite Airflow 3.2 metadata database (Fernet-encrypted, as a real
 * one is) and a `.env` that shadows some of its ids, created on first use so Airlock shows
 * real data with no server. Everything in it is made up; its Fernet key lives beside it
 * because it protects nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { MetastoreBackend } from '../backends/metastore'
import { airflowSchemaDdl } from '../backends/sql/airflow-schema'
import { openSql } from '../backends/sql/driver'
import { Fernet } from '../core/codecs/fernet'
import { connectionEntry, variableEntry, type Entry } from '../core/model'
import { writeFileAtomicSync } from './atomic-write'
import { dataDir } from './paths'

/** Where the demo lives and the key that opens it. */
export interface Demo {
  dir: string
  dbPath: string
  envFile: string
  fernetKey: string
}

const conn = connectionEntry
const variable = variableEntry

/** The demo's rows: the mix a real deployment has (URIs with special characters, JSON extras, keys). */
export function demoEntries(): Entry[] {
  return [
    conn('postgres_default', {
      conn_type: 'postgres',
      host: 'warehouse.internal',
      login: 'etl',
      password: 'demo-p@ss/word',
      schema: 'analytics',
      port: 5432,
      extra: '{"sslmode": "require"}',
      description: 'Main warehouse'
    }),
    conn('mysql_reporting', {
      conn_type: 'mysql',
      host: 'reporting.db.internal',
      login: 'report',
      password: 'demo#pass',
      schema: 'reports',
      port: 3306,
      extra: '{"charset": "utf8mb4"}'
    }),
    conn('aws_default', {
      conn_type: 'aws',
      login: 'AKIADEMO0000EXAMPLE',
      password: 'demo/secret+key',
      extra: '{"region_name": "eu-west-1", "role_arn": "arn:aws:iam::123456789012:role/airflow"}'
    }),
    conn('google_cloud_default', {
      conn_type: 'google_cloud_platform',
      extra:
        '{"project": "demo-project", "keyfile_dict": {"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nDEMO\\n-----END PRIVATE KEY-----\\n"}}'
    }),
    conn('snowflake_default', {
      conn_type: 'snowflake',
      login: 'AIRFLOW',
      password: 'demo-pass',
      schema: 'PUBLIC',
      extra:
        '{"account": "demo-account", "warehouse": "COMPUTE_WH", "database": "RAW", "role": "LOADER"}'
    }),
    conn('http_api', {
      conn_type: 'http',
      host: 'https://api.example.com',
      extra: '{"Authorization": "Bearer demo-token"}'
    }),
    conn('spark_k8s', {
      conn_type: 'spark',
      host: 'k8s://10.0.0.1',
      port: 443,
      extra: '{"deploy-mode": "cluster", "namespace": "spark"}'
    }),
    conn('sftp_uploads', {
      conn_type: 'sftp',
      host: 'files.partner.example',
      login: 'upload',
      password: 'demo pass with spaces',
      port: 22
    }),
    conn('redis_cache', {
      conn_type: 'redis',
      host: 'cache.internal',
      port: 6379,
      extra: '{"db": 0}'
    }),
    conn('slack_alerts', {
      conn_type: 'slack',
      password: 'xoxb-demo-token',
      description: 'Alerts channel'
    }),
    variable('environment', 'production', 'Which deployment this is'),
    variable('s3_landing_bucket', 's3://demo-landing/raw/'),
    variable('retention_days', '30'),
    variable(
      'feature_flags',
      '{\n  "new_loader": true,\n  "backfill_limit": 7\n}',
      'Toggles read by DAGs'
    ),
    variable('alert_emails', '["oncall@example.com", "data@example.com"]')
  ]
}

/** The demo `.env`: it shadows two database ids and adds one of its own. */
export const DEMO_ENV = [
  '# Airlock demo: environment overrides, as a deployment might set them',
  'AIRFLOW_CONN_POSTGRES_DEFAULT=postgres://etl:env-override@warehouse-replica.internal:5432/analytics?sslmode=require',
  'AIRFLOW_VAR_ENVIRONMENT=staging',
  'AIRFLOW_CONN_METRICS_API=\'{"conn_type": "http", "host": "https://metrics.example.com", "password": "demo-metrics-token"}\'',
  ''
].join('\n')

/** Creates the demo on first use (idempotent); returns where it is. */
export async function ensureDemo(dir = join(dataDir(), 'demo')): Promise<Demo> {
  const dbPath = join(dir, 'airflow.db')
  const envFile = join(dir, '.env')
  const keyFile = join(dir, 'fernet.key')
  if (existsSync(dbPath) && existsSync(keyFile))
    return { dir, dbPath, envFile, fernetKey: readFileSync(keyFile, 'utf8').trim() }
  mkdirSync(dir, { recursive: true })
  const fernetKey = Fernet.generateKey()
  // Built aside, in a folder of this run's own, and put in place whole: a demo half made (a
  // crash, a second process making it too) is never the one opened.
  const build = mkdtempSync(join(dir, '.build-'))
  try {
    const tmp = join(build, 'airflow.db')
    const db = await openSql({ dialect: 'sqlite', path: tmp })
    try {
      for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await db.query(stmt)
    } finally {
      await db.close()
    }
    const store = new MetastoreBackend({
      id: 'metastore:demo',
      target: { dialect: 'sqlite', path: tmp },
      fernetKey
    })
    await store.write(demoEntries())
    await store.close()
    writeFileAtomicSync(keyFile, fernetKey + '\n')
    writeFileAtomicSync(envFile, DEMO_ENV, { mode: 0o644 })
    writeFileAtomicSync(dbPath, readFileSync(tmp))
  } finally {
    rmSync(build, { recursive: true, force: true })
  }
  return { dir, dbPath, envFile, fernetKey }
}
