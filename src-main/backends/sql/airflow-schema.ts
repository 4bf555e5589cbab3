/**
 * DDL of Airflow's `connection` and `variable` tables (and what they reference) for each
 * schema generation Airlock models, per engine, written from the reference §9. Used to
 * create the embedded demo database and the test fixtures; never run against a user's DB.
 */
import type { SqlDialect } from './driver'

/** Schema generations: 2.3 (VARCHAR login/password), 2.8 (TEXT), 3.0, 3.1 (team_id), 3.2 (team_name, NOT NULL flags). */
export const SCHEMA_VERSIONS = ['2.3', '2.8', '3.0', '3.1', '3.2'] as const
export type SchemaVersion = (typeof SCHEMA_VERSIONS)[number]

/** The alembic head Airflow stamps for each release (airflow/utils/db.py `_REVISION_HEADS_MAP`). */
export const REVISION_HEADS: Readonly<Record<string, string>> = {
  '2.6.2': '4bc4d934e2bc',
  '2.7.0': '405de8318b3a',
  '2.8.0': '10b52ebd31f7',
  '2.8.1': '88344c1d9134',
  '2.9.0': '1949afb29106',
  '2.9.2': '686269002441',
  '2.10.0': '22ed7efa9da2',
  '2.10.3': '5f2621c13b39',
  '3.0.0': '29ce7909c52b',
  '3.0.3': 'fe199e1abd77',
  '3.1.0': 'cc92b33c6709',
  '3.2.0': '658517c60c7f'
}

const HEAD_FOR_SCHEMA: Record<SchemaVersion, string | null> = {
  '2.3': null,
  '2.8': REVISION_HEADS['2.8.0']!,
  '3.0': REVISION_HEADS['3.0.0']!,
  '3.1': REVISION_HEADS['3.1.0']!,
  '3.2': REVISION_HEADS['3.2.0']!
}

/** The Airflow release whose alembic head this is, if it is one. */
export function releaseForRevision(revision: string): string | undefined {
  return Object.entries(REVISION_HEADS).find(([, head]) => head === revision)?.[0]
}

/** CREATE statements for the two tables (and `team`, `alembic_version`) of a generation. */
export function airflowSchemaDdl(version: SchemaVersion, dialect: SqlDialect): string[] {
  const pg = dialect === 'postgresql'
  const my = dialect === 'mysql'
  const q = (n: string) => (my ? '`' + n + '`' : '"' + n + '"')
  const pk = pg
    ? 'SERIAL PRIMARY KEY'
    : my
      ? 'INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY'
      : 'INTEGER PRIMARY KEY AUTOINCREMENT'
  const bool = my ? 'TINYINT(1)' : 'BOOLEAN'
  const text = 'TEXT'
  const mediumText = my ? 'MEDIUMTEXT' : 'TEXT'
  const wide = version !== '2.3'
  const strict = version === '3.2'
  const flag = strict ? `${bool} NOT NULL` : bool
  const suffix = my ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci' : ''
  const ddl: string[] = []
  if (version === '3.1')
    ddl.push(
      `CREATE TABLE ${q('team')} (${q('id')} ${pg ? 'UUID' : 'VARCHAR(36)'} NOT NULL PRIMARY KEY, ${q('name')} VARCHAR(50) NOT NULL UNIQUE)${suffix}`
    )
  if (version === '3.2')
    ddl.push(`CREATE TABLE ${q('team')} (${q('name')} VARCHAR(50) NOT NULL PRIMARY KEY)${suffix}`)
  const team =
    version === '3.1'
      ? `, ${q('team_id')} ${pg ? 'UUID' : 'VARCHAR(36)'} REFERENCES ${q('team')} (${q('id')})`
      : version === '3.2'
        ? `, ${q('team_name')} VARCHAR(50) REFERENCES ${q('team')} (${q('name')}) ON DELETE SET NULL`
        : ''
  ddl.push(
    `CREATE TABLE ${q('connection')} (` +
      `${q('id')} ${pk}, ` +
      `${q('conn_id')} VARCHAR(250) NOT NULL, ` +
      `${q('conn_type')} VARCHAR(500) NOT NULL, ` +
      `${q('description')} ${dialect === 'sqlite' ? 'VARCHAR(5000)' : text}, ` +
      `${q('host')} VARCHAR(500), ` +
      `${q('schema')} VARCHAR(500), ` +
      `${q('login')} ${wide ? text : 'VARCHAR(500)'}, ` +
      `${q('password')} ${wide ? text : 'VARCHAR(5000)'}, ` +
      `${q('port')} INTEGER, ` +
      `${q('is_encrypted')} ${flag}, ` +
      `${q('is_extra_encrypted')} ${flag}, ` +
      `${q('extra')} ${text}${team}, ` +
      `CONSTRAINT ${q('connection_conn_id_uq')} UNIQUE (${q('conn_id')}))${suffix}`
  )
  ddl.push(
    `CREATE TABLE ${q('variable')} (` +
      `${q('id')} ${pk}, ` +
      `${q('key')} VARCHAR(250)${strict ? ' NOT NULL' : ''}, ` +
      `${q('val')} ${mediumText}${strict ? ' NOT NULL' : ''}, ` +
      `${q('description')} ${text}, ` +
      `${q('is_encrypted')} ${flag}${team}, ` +
      `CONSTRAINT ${q('variable_key_uq')} UNIQUE (${q('key')}))${suffix}`
  )
  const head = HEAD_FOR_SCHEMA[version]
  ddl.push(
    `CREATE TABLE ${q('alembic_version')} (${q('version_num')} VARCHAR(32) NOT NULL PRIMARY KEY)${suffix}`
  )
  if (head) ddl.push(`INSERT INTO ${q('alembic_version')} (${q('version_num')}) VALUES ('${head}')`)
  return ddl
}
