// The keychain and profiles against a REAL Secret Service (gnome-keyring under
// dbus-run-session, started by scripts/with-keyring.sh around the test run), and the CLI
// where no keychain answers or the keychain is locked.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { openKeychain, KeytarKeychain } from '../../src-main/keychain/keytar-keychain'
import { Profiles } from '../../src-main/platform/profiles'
import { SettingsStore } from '../../src-main/platform/settings'
import { tempDir } from '../support/temp-dir'

const BIN = fileURLToPath(new URL('../../bin/airlock.mjs', import.meta.url))
const LOCKED = fileURLToPath(new URL('../support/locked-keyring.sh', import.meta.url))
const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)
const CANARY = 'kc-canary-5e1d-é😀'

beforeAll(() => {
  // CI must exercise the real keychain: a missing session bus there is a set-up failure.
  if (process.env.CI && !hasBus)
    throw new Error(
      'CI runs the tests under scripts/with-keyring.sh; no D-Bus session bus was found'
    )
})

describe.runIf(hasBus)('OS keychain (real Secret Service)', () => {
  it('is chosen when the Secret Service answers, and round-trips unicode for many accounts', async () => {
    const kc = await openKeychain('dev.airlock.test.' + process.pid)
    expect(kc.kind).toBe('os')
    for (let i = 0; i < 25; i++) await kc.set(`acct-${i}`, `${CANARY}-${i}`)
    expect(await kc.get('acct-7')).toBe(`${CANARY}-7`)
    expect((await kc.list()).filter((a) => a.startsWith('acct-'))).toHaveLength(25)
    expect(await kc.delete('acct-7')).toBe(true)
    expect(await kc.get('acct-7')).toBeUndefined()
    for (let i = 0; i < 25; i++) await kc.delete(`acct-${i}`)
  })

  it('keeps profile secrets in the keychain and never in the settings file', async () => {
    const dir = tempDir('airlock-profiles-')
    const kc = await openKeychain('dev.airlock.test.profiles.' + process.pid)
    expect(kc).not.toBeInstanceOf(KeytarKeychain) // the fallback wrapper around it
    const profiles = new Profiles(new SettingsStore(dir), kc)
    const base = {
      airflowVersion: '3.2.0',
      region: null,
      backendKwargs: { mount_point: 'secret' },
      credential: { method: 'token', params: {} }
    }
    await profiles.add(
      { ...base, name: 'prod', kind: 'vault', url: 'http://127.0.0.1:8200' },
      { token: CANARY }
    )
    await profiles.add(
      {
        ...base,
        name: 'db',
        kind: 'metadb',
        url: 'postgresql://airflow@db/airflow',
        backendKwargs: {},
        credential: { method: 'password', params: {} }
      },
      { password: CANARY + 'pw', fernetKey: CANARY + 'fk' }
    )
    expect(await profiles.secrets('prod')).toEqual({ token: CANARY })
    await profiles.rename('prod', 'production')
    expect(await profiles.secrets('production')).toEqual({ token: CANARY })
    expect(await profiles.secrets('prod')).toEqual({})
    await profiles.remove('db')
    expect(await kc.get('profile:db')).toBeUndefined()
    for (const f of readdirSync(dir))
      expect(readFileSync(join(dir, f), 'utf8')).not.toContain('kc-canary')
    await profiles.remove('production')
  })
})

function cli(args: string[], env: Record<string, string>, input = '', wrapper?: string) {
  const argv = wrapper ? [wrapper, process.execPath, BIN, ...args] : [BIN, ...args]
  const r = spawnSync(wrapper ? 'bash' : process.execPath, argv, {
    input,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      NODE: process.execPath,
      NODE_PATH: join(process.cwd(), 'node_modules'),
      ...env
    },
    timeout: 60_000
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('when no OS keychain answers', () => {
  it('says so plainly, keeps secrets in memory for the run, and writes none to disk', () => {
    const dir = tempDir('airlock-nokc-')
    const env = { AIRLOCK_CONFIG_DIR: dir, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }
    const r = cli(
      ['profile', 'add', 'x', '--kind', 'metadb', '--url', 'sqlite:////tmp/x.db', '--secret-stdin'],
      env,
      JSON.stringify({ password: CANARY })
    )
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/No OS keychain/)
    expect(r.err).toMatch(/in memory for this run only/)
    expect(r.out + r.err).not.toContain('kc-canary')
    for (const f of readdirSync(dir))
      expect(readFileSync(join(dir, f), 'utf8')).not.toContain('kc-canary')
    // the next run does not have the secret: it was never saved
    const show = cli(['profile', 'show', 'x'], env)
    expect(JSON.parse(show.out).secrets.password).toBe('missing')
  })
})

describe.runIf(existsSync('/usr/bin/dbus-run-session'))('when the keychain is locked', () => {
  it('warns that it is locked and keeps the secret in memory instead of failing or writing it anywhere', () => {
    const dir = tempDir('airlock-locked-')
    const r = cli(
      [
        'profile',
        'add',
        'y',
        '--kind',
        'vault',
        '--url',
        'http://127.0.0.1:8200',
        '--secret-stdin'
      ],
      { AIRLOCK_CONFIG_DIR: dir },
      CANARY,
      LOCKED
    )
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/locked/)
    expect(r.err).toMatch(/memory for this run only/)
    for (const f of readdirSync(dir))
      expect(readFileSync(join(dir, f), 'utf8')).not.toContain('kc-canary')
  })
})

describe('secrets on the command line', () => {
  it('are refused: argv is readable by every user through ps', () => {
    const env = {
      AIRLOCK_CONFIG_DIR: tempDir('airlock-argv-'),
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus'
    }
    const url = cli(
      ['profile', 'add', 'a', '--kind', 'metadb', '--url', 'postgresql://u:argv-pw-77@h/db'],
      env
    )
    expect(url.code).toBe(2)
    expect(url.err).toMatch(/--url holds a password/)
    expect(url.err).not.toContain('argv-pw-77')
    const kw = cli(
      ['profile', 'add', 'b', '--kind', 'vault', '--kwargs', '{"token": "argv-tok-77"}'],
      env
    )
    expect(kw.code).toBe(2)
    expect(kw.err).not.toContain('argv-tok-77')
  })
})

describe('settings file', () => {
  it('moves a corrupt file aside and names the problem', () => {
    const dir = tempDir('airlock-settings-')
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({ version: 1, profiles: [{ name: 'bad name!', kind: 'metadb' }] })
    )
    const store = new SettingsStore(dir)
    expect(() => store.load()).toThrow(/profiles\.0\.name/)
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true)
    expect(store.load()).toEqual({ version: 1, profiles: [] })
    writeFileSync(join(dir, 'settings.json'), '{not json')
    expect(() => store.load()).toThrow(/not valid JSON/)
  })

  it('refuses secrets in backend_kwargs or a password in a URL', async () => {
    const { validateProfile } = await import('../../src-main/platform/settings')
    const now = new Date().toISOString()
    const base = {
      name: 'v',
      kind: 'vault',
      airflowVersion: null,
      url: null,
      region: null,
      credential: { method: 'token', params: {} },
      createdAt: now,
      updatedAt: now
    }
    expect(() => validateProfile({ ...base, backendKwargs: { token: 'x' } })).toThrow(
      /backendKwargs\.token is a secret/
    )
    expect(() =>
      validateProfile({
        ...base,
        kind: 'metadb',
        credential: { method: 'password', params: {} },
        backendKwargs: {},
        url: 'postgresql://u:pw@h/db'
      })
    ).toThrow(/url holds a password/)
  })
})

describe.runIf(hasBus)('airlock profile (CLI, real keychain)', () => {
  it('adds, lists masked, tests, uses as a store, renames and removes a metadb profile', async () => {
    const { openSql } = await import('../../src-main/backends/sql/driver')
    const { airflowSchemaDdl } = await import('../../src-main/backends/sql/airflow-schema')
    const { MetastoreBackend } = await import('../../src-main/backends/metastore')
    const { Fernet } = await import('../../src-main/core/codecs/fernet')
    const { demoEntries } = await import('../../src-main/platform/demo')
    const { PG_ADMIN } = await import('../support/metadb')
    const db = `airlock_t_prof_${process.pid}`
    const admin = await openSql(PG_ADMIN)
    await admin.query(`CREATE DATABASE ${db}`)
    await admin.close()
    const key = Fernet.generateKey()
    try {
      const d = await openSql({ ...PG_ADMIN, database: db })
      for (const stmt of airflowSchemaDdl('3.0', 'postgresql')) await d.query(stmt)
      await d.close()
      const store = new MetastoreBackend({ target: { ...PG_ADMIN, database: db }, fernetKey: key })
      await store.write(demoEntries())
      await store.close()

      const dir = tempDir('airlock-cli-prof-')
      const env = {
        AIRLOCK_CONFIG_DIR: dir,
        DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS!,
        XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? ''
      }
      const secrets = JSON.stringify({ password: 'pw-' + CANARY, fernetKey: key })
      const add = cli(
        [
          'profile',
          'add',
          'staging',
          '--kind',
          'metadb',
          '--url',
          `postgresql+psycopg2://postgres@127.0.0.1:5432/${db}`,
          '--airflow-version',
          '3.0.6',
          '--secret-stdin'
        ],
        env,
        secrets
      )
      expect(add.code, add.err).toBe(0)
      expect(add.err).toMatch(/in the OS keychain/)
      const list = cli(['profile', 'list', '--json'], env)
      expect(JSON.parse(list.out.trim())).toMatchObject({
        name: 'staging',
        secrets: { password: 'stored', fernetKey: 'stored' }
      })
      expect(list.out + list.err).not.toContain(key)
      const test = cli(['profile', 'test', 'staging'], env)
      expect(JSON.parse(test.out.trim())).toEqual({
        profile: 'staging',
        ok: true,
        connections: 10,
        variables: 5
      })
      const used = cli(['list', 'metadb:staging', '--kind', 'var'], env)
      expect(used.code, used.err).toBe(0)
      expect(used.out.trim().split('\n')).toHaveLength(6)
      expect(cli(['profile', 'rename', 'staging', 'stage'], env).code).toBe(0)
      expect(cli(['list', 'profile:stage'], env).code).toBe(0)
      expect(cli(['profile', 'remove', 'stage'], env).code).toBe(0)
      expect(cli(['profile', 'show', 'stage'], env).code).toBe(1)
      for (const f of readdirSync(dir)) {
        const text = readFileSync(join(dir, f), 'utf8')
        expect(text).not.toContain(key)
        expect(text).not.toContain('kc-canary')
      }
    } finally {
      const a = await openSql(PG_ADMIN)
      await a.query(`DROP DATABASE IF EXISTS ${db}`)
      await a.close()
    }
  })

  it("imports profiles from Airflow's configuration, secrets to the keychain only", () => {
    const dir = tempDir('airlock-import-')
    const cfg = join(dir, 'airflow.cfg')
    writeFileSync(
      cfg,
      [
        '[core]',
        'fernet_key = ' + 'A'.repeat(43) + '=',
        '[database]',
        'sql_alchemy_conn = postgresql://airflow:db-' +
          CANARY.replace(/[^a-z0-9-]/g, '') +
          '@db.internal/airflow',
        '[secrets]',
        'backend = airflow.providers.hashicorp.secrets.vault.VaultBackend',
        `backend_kwargs = {"url": "http://vault:8200", "mount_point": "airflow", "token": "tok-${CANARY.replace(/[^a-z0-9-]/g, '')}"}`,
        ''
      ].join('\n')
    )
    const env = {
      AIRLOCK_CONFIG_DIR: join(dir, 'cfgdir'),
      DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS!,
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? ''
    }
    const r = cli(
      ['profile', 'import', 'prod', '--config', cfg, '--airflow-version', '2.10.5'],
      env
    )
    expect(r.code, r.err).toBe(0)
    const made = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(made.map((p) => [p.name, p.kind, p.url])).toEqual([
      ['prod-metadb', 'metadb', 'postgresql://airflow@db.internal/airflow'],
      ['prod-vault', 'vault', 'http://vault:8200']
    ])
    expect(made[0].secrets).toEqual({ password: 'stored', fernetKey: 'stored' })
    expect(made[1].secrets).toEqual({ token: 'stored' })
    const settings = readFileSync(join(dir, 'cfgdir', 'settings.json'), 'utf8')
    expect(settings).toContain('"mount_point": "airflow"')
    expect(settings).not.toMatch(/tok-|db-kc|AAAAAAAA/)
    for (const p of ['prod-metadb', 'prod-vault']) cli(['profile', 'remove', p], env)
  })
})
