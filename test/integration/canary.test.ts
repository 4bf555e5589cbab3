// The leak canary (STYLE §8, issue #10): whole jobs run across CLI processes — plans, applies,
// diffs, listings, a rollback — from a metadata DB and a .env file into a .env file and a
// Vault emulator, with every secret carrying one marker. Afterwards every file Airlock wrote
// (home: jobs, journals, snapshots, audit log; config: settings; the plan) and everything it
// printed must be free of the marker, the Fernet key and the Vault token. Only the stores
// themselves may hold the secrets, and they are excluded by name.
import { reportFigure } from '../support/figures'
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { connectionEntry, variableEntry } from '../../src-main/core/model'
import { airlockAsync } from '../support/cli'
import { PG_ADMIN } from '../support/metadb'
import { startVaultEmulator } from '../support/emulators/vault'
import { tempDir } from '../support/temp-dir'

const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)
const MARKER = 'CanaryQ7x2Zsecret'

/** Every file below `dir`, as paths relative to `root`. */
function filesUnder(dir: string, root = dir): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, root))
    else out.push(relative(root, path))
  }
  return out
}

/** The names of `texts` that hold any of `needles` (never the text itself: it may be long). */
function holders(texts: Record<string, string>, needles: string[]): string[] {
  return Object.entries(texts)
    .filter(([, t]) => needles.some((n) => t.includes(n)))
    .map(([name]) => name)
}

describe.runIf(hasBus)('leak canary: no secret outside the stores', () => {
  let vault: Awaited<ReturnType<typeof startVaultEmulator>>
  const root = tempDir('airlock-canary-')
  const stores = join(root, 'stores')
  const key = Fernet.generateKey()
  const vaultToken = `hvs.${MARKER}-token`
  // what Airlock may write to: its home, its config, XDG dirs, the working dir (plans)
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
    NO_PROXY: '127.0.0.1,localhost',
    HOME: join(root, 'home'),
    XDG_CONFIG_HOME: join(root, 'xdg-config'),
    XDG_DATA_HOME: join(root, 'xdg-data'),
    XDG_STATE_HOME: join(root, 'xdg-state'),
    XDG_CACHE_HOME: join(root, 'xdg-cache'),
    AIRLOCK_HOME: join(root, 'airlock-home'),
    AIRLOCK_CONFIG_DIR: join(root, 'airlock-config'),
    AIRFLOW__CORE__FERNET_KEY: key
  }
  const printed: Record<string, string> = {}
  let step = 0
  const cli = async (args: string[], input = '') => {
    const r = await airlockAsync(args, input, env)
    printed[`${step++} ${args.slice(0, 2).join(' ')} stdout`] = r.out
    printed[`${step++} ${args.slice(0, 2).join(' ')} stderr`] = r.err
    return r
  }

  beforeAll(async () => {
    vault = await startVaultEmulator({ rootToken: vaultToken })
    for (const d of ['home', 'xdg-config', 'xdg-data', 'xdg-state', 'xdg-cache', 'stores', 'work'])
      mkdirSync(join(root, d), { recursive: true })
    // the source metadata DB (Fernet-encrypted) and a source .env, secrets everywhere
    const db = join(stores, 'source.db')
    const sql = await openSql({ dialect: 'sqlite', path: db })
    for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await sql.query(stmt)
    await sql.close()
    const source = new MetastoreBackend({ target: { dialect: 'sqlite', path: db }, fernetKey: key })
    await source.write([
      connectionEntry('pg_main', {
        conn_type: 'postgres',
        host: 'db.internal',
        login: 'etl',
        password: `${MARKER}-pw/with:odd@chars`,
        schema: 'dw',
        port: 5432,
        extra: JSON.stringify({ sslmode: 'require', api_token: `${MARKER}-extra`, note: 'plain' })
      }),
      connectionEntry('http_api', {
        conn_type: 'http',
        host: 'https://api.example.com',
        password: `${MARKER}-http`,
        extra: JSON.stringify({ headers: { Authorization: `Bearer ${MARKER}-bearer` } })
      }),
      variableEntry('api_secret', `${MARKER}-variable`, 'a variable holding a secret'),
      variableEntry('plain_var', 'nothing secret here')
    ])
    await source.close()
    writeFileSync(
      join(stores, 'source.env'),
      `AIRFLOW_CONN_FROM_ENV='{"conn_type": "redis", "password": "${MARKER}-redis"}'\nAIRFLOW_VAR_ENV_SECRET=${MARKER}-env-var\n`
    )
    writeFileSync(join(stores, 'target.env'), '# target\nAIRFLOW_VAR_PLAIN_VAR=old value\n')
    // values Airflow cannot read: the errors about them must not quote them
    writeFileSync(
      join(stores, 'broken.env'),
      [
        `AIRFLOW_CONN_BAD_PORT=postgres://u:${MARKER}/x@h:5432/db`,
        `AIRFLOW_CONN_BAD_JSON={"conn_type": "x", "password": "${MARKER}-json", "port": "${MARKER}"}`,
        `AIRFLOW_CONN_BAD_EXTRA=x://h/?__extra__=${MARKER}-not-json`,
        `AIRFLOW_VAR_UNSET_REF=pa$${MARKER}word`,
        ''
      ].join('\n')
    )
    writeFileSync(join(stores, 'broken-syntax.env'), `A=1\nAIRFLOW_VAR_QUOTE="${MARKER}-open\n`)
  })
  afterAll(async () => {
    await vault.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('plans, applies, diffs, lists and rolls back without a secret leaving the stores', async () => {
    const work = join(root, 'work')
    const metadb = `metadb:sqlite:///${join(stores, 'source.db')}`
    const sourceEnv = `envfile:${join(stores, 'source.env')}`
    const targetEnv = `envfile:${join(stores, 'target.env')}`

    // metadata DB → .env file
    const plan1 = join(work, 'to-env.json')
    expect((await cli(['plan', metadb, targetEnv, '--out', plan1])).code).toBe(0)
    const applied1 = await cli(['apply', plan1])
    expect(applied1.code, applied1.err).toBe(0)
    expect(JSON.parse(applied1.out)).toMatchObject({ applied: 4, failed: 0, refused: 0 })

    // .env file → Vault (a profile: its token goes to the keychain)
    const add = await cli(
      [
        'profile',
        'add',
        'prod',
        '--kind',
        'vault',
        '--url',
        vault.url,
        '--secret-stdin',
        '--kwargs',
        '{"mount_point": "secret", "connections_path": "conns", "variables_path": "vars"}'
      ],
      vaultToken
    )
    expect(add.code, add.err).toBe(0)
    const plan2 = join(work, 'to-vault.json')
    expect((await cli(['plan', sourceEnv, 'vault:prod', '--out', plan2])).code).toBe(0)
    const applied2 = await cli(['apply', plan2])
    expect(applied2.code, applied2.err).toBe(0)
    // metadata DB → Vault as well, then undone
    const plan3 = join(work, 'db-to-vault.json')
    expect((await cli(['plan', metadb, 'vault:prod', '--out', plan3])).code).toBe(0)
    const applied3 = await cli(['apply', plan3])
    expect(applied3.code, applied3.err).toBe(0)
    expect((await cli(['rollback', JSON.parse(applied3.out).job])).code).toBe(0)

    // a source Airflow cannot read: planning fails, naming ids and lines only
    const brokenEnv = `envfile:${join(stores, 'broken.env')}`
    const broken = await cli(['plan', brokenEnv, targetEnv, '--out', join(work, 'broken.json')])
    expect(broken.code).toBe(1)
    expect(broken.err).toMatch(/bad_port|BAD_PORT/i)
    expect((await cli(['list', brokenEnv])).code).toBe(1)
    expect((await cli(['diff', brokenEnv, targetEnv])).code).toBe(1)
    const syntax = `envfile:${join(stores, 'broken-syntax.env')}`
    expect((await cli(['plan', syntax, targetEnv])).code).toBe(1)
    expect((await cli(['list', syntax])).code).toBe(1)

    // the read-only views, without --reveal
    for (const args of [
      ['list', metadb],
      ['list', metadb, '--json'],
      ['list', targetEnv, '--json'],
      ['list', 'vault:prod'],
      ['diff', metadb, targetEnv],
      ['diff', metadb, targetEnv, '--json'],
      ['diff', sourceEnv, 'vault:prod'],
      ['effective', '--layer', `env=${targetEnv}`, '--layer', `metastore=${metadb}`],
      ['effective', '--layer', `env=${targetEnv}`, '--layer', `metastore=${metadb}`, '--json'],
      ['jobs'],
      ['jobs', '--json'],
      ['profile', 'list'],
      ['profile', 'show', 'prod'],
      ['profile', 'test', 'prod']
    ])
      expect((await cli(args)).code, args.join(' ')).toBe(0)

    // the secrets did travel: the target stores hold them (the canary is not vacuous)
    expect(readFileSync(join(stores, 'target.env'), 'utf8')).toContain(`${MARKER}-pw`)
    expect(JSON.stringify(vault.get('secret', 'vars/env_secret'))).toContain(`${MARKER}-env-var`)
    const revealed = await airlockAsync(['list', targetEnv, '--json', '--reveal'], '', env)
    expect(revealed.out).toContain(MARKER)

    // every file outside the stores, and everything printed
    const needles = [MARKER, key, vaultToken]
    const written = filesUnder(root).filter((f) => !f.startsWith('stores/'))
    expect(
      written.some((f) => f.endsWith('values.fernet')),
      written.join(' ')
    ).toBe(true)
    expect(written.some((f) => f.endsWith('journal.jsonl'))).toBe(true)
    expect(written).toContain('airlock-home/audit.jsonl')
    expect(written).toContain('airlock-config/settings.json')
    expect(written).toContain('work/to-env.json')
    const files = Object.fromEntries(written.map((f) => [f, readFileSync(join(root, f), 'latin1')]))
    expect(holders(files, needles)).toEqual([])
    expect(holders(printed, needles)).toEqual([])
    reportFigure({
      kind: 'canary',
      files: Object.keys(files).length,
      outputs: Object.keys(printed).length,
      hits: 0
    })
    // and the stores are only the ones named
    expect(readdirSync(stores).sort()).toEqual([
      'broken-syntax.env',
      'broken.env',
      'source.db',
      'source.env',
      'target.env'
    ])
  }, 300_000) // about 20 CLI processes, each seconds long on a loaded 2-core machine
})

// Issue #17.3: a metadata-DB password that SQLAlchemy reads whole (`[^@]*`) but that holds the
// characters a hand-written redaction regex stops at. PostgreSQL trusts local connections, so
// the password is sent and ignored: the job really runs.
describe.runIf(hasBus)('attack: secret hygiene', () => {
  it('17.3 a password containing / @ : # ? is redacted from a SQLAlchemy URL everywhere', async () => {
    const root = tempDir('airlock-canary-url-')
    const dbName = `airlock_t_${randomBytes(5).toString('hex')}`
    const admin = await openSql(PG_ADMIN)
    await admin.query(`CREATE DATABASE ${dbName}`)
    await admin.close()
    try {
      const db = await openSql({ ...PG_ADMIN, database: dbName })
      for (const stmt of airflowSchemaDdl('3.2', 'postgresql')) await db.query(stmt)
      await db.close()
      const password = `${MARKER}/pw@x:y#z?w`
      // only `@` must be encoded for SQLAlchemy; `/ : # ?` stay as typed
      const url = `postgresql://postgres:${password.replace('@', '%40')}@127.0.0.1:5432/${dbName}`
      const metadb = `metadb:${url}`
      for (const d of ['home', 'cfg', 'work', 'stores']) mkdirSync(join(root, d))
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
        HOME: join(root, 'home'),
        AIRLOCK_HOME: join(root, 'home', 'airlock'),
        AIRLOCK_CONFIG_DIR: join(root, 'cfg'),
        AIRFLOW__CORE__FERNET_KEY: Fernet.generateKey()
      }
      const printed: Record<string, string> = {}
      let step = 0
      const cli = async (args: string[]) => {
        const r = await airlockAsync(args, '', env)
        printed[`${step++} ${args.slice(0, 2).join(' ')} stdout`] = r.out
        printed[`${step++} ${args.slice(0, 2).join(' ')} stderr`] = r.err
        return r
      }
      const sourceEnv = join(root, 'stores', 'source.env')
      writeFileSync(sourceEnv, 'AIRFLOW_VAR_PLAIN=one\nAIRFLOW_CONN_WEB=http://h.example\n')
      const plan = join(root, 'work', 'plan.json')
      const planned = await cli(['plan', `envfile:${sourceEnv}`, metadb, '--out', plan])
      expect(planned.code, planned.err).toBe(0)
      const applied = await cli(['apply', plan])
      expect(applied.code, applied.err).toBe(0)
      const job = JSON.parse(applied.out).job as string
      // the other direction, a diff, a failing plan (stderr) and the job listings
      const back = join(root, 'work', 'back.json')
      const target = `envfile:${join(root, 'stores', 'target.env')}`
      expect((await cli(['plan', metadb, target, '--out', back])).code).toBe(0)
      expect((await cli(['apply', back])).code).toBe(0)
      expect((await cli(['diff', `envfile:${sourceEnv}`, metadb])).code).toBe(0)
      const missing = metadb.replace(dbName, `${dbName}_gone`)
      expect((await cli(['plan', `envfile:${sourceEnv}`, missing])).code).not.toBe(0)
      expect((await cli(['jobs'])).code).toBe(0)
      expect((await cli(['jobs', '--json'])).code).toBe(0)
      expect((await cli(['rollback', job])).code).toBe(0)

      const written = filesUnder(root).filter((f) => !f.startsWith('stores/'))
      expect(written).toContain('work/plan.json')
      expect(written).toContain('home/airlock/audit.jsonl')
      expect(written.some((f) => f.endsWith('journal.jsonl'))).toBe(true)
      const files = Object.fromEntries(
        written.map((f) => [f, readFileSync(join(root, f), 'latin1')])
      )
      // the job did name its store: the host and database, without the password
      expect(Object.values(files).some((t) => t.includes(`127.0.0.1:5432/${dbName}`))).toBe(true)
      const needles = [MARKER, 'pw@x', 'pw%40x', 'y#z?w']
      expect(holders(files, needles)).toEqual([])
      expect(holders(printed, needles)).toEqual([])
    } finally {
      rmSync(root, { recursive: true, force: true })
      const a = await openSql(PG_ADMIN)
      await a.query(`DROP DATABASE IF EXISTS ${dbName}`)
      await a.close()
    }
  }, 300_000)
})
