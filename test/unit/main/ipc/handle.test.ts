import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MAX_REQUEST_BYTES,
  type EntriesDto,
  type JobProgressDto,
  type PlanDto,
  type ProfileDto,
  type ProfileImportDto
} from '../../../../src-main/contract/ipc'
import { dispatch } from '../../../../src-main/ipc/handle'
import {
  createHandlerContext,
  createHandlers,
  type HandlerTable
} from '../../../../src-main/ipc/handlers'
import { MemoryKeychain } from '../../../../src-main/keychain/memory-keychain'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

const SECRET = 'hunter2-very-secret-value'
let dir: string
let table: HandlerTable
const events: JobProgressDto[] = []
const savedHome = process.env.AIRLOCK_HOME

beforeAll(() => {
  dir = tempDir('airlock-handle-')
  // The demo lives under AIRLOCK_HOME (read from the process environment).
  process.env.AIRLOCK_HOME = join(dir, 'home')
  table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
      keychain: osLikeKeychain(),
      emit: (_event, payload) => void events.push(payload)
    })
  )
})
afterAll(() => {
  if (savedHome === undefined) delete process.env.AIRLOCK_HOME
  else process.env.AIRLOCK_HOME = savedHome
  rmSync(dir, { recursive: true, force: true })
})

describe('ipc dispatch', () => {
  it('answers app:info in the envelope', async () => {
    const r = await dispatch(table, 'app:info', [])
    expect(r).toMatchObject({ ok: true, value: { mode: 'web' } })
  })

  it('refuses an unknown channel', async () => {
    const r = await dispatch(table, 'fs:read', ['/etc/passwd'])
    expect(r).toMatchObject({ ok: false, error: { code: 'usage' } })
    if (!r.ok) expect(r.error.message).toMatch(/Unknown channel/)
  })

  it('refuses unknown fields without echoing what was sent', async () => {
    const r = await dispatch(table, 'profiles:add', [
      {
        name: 'x',
        profile: {
          kind: 'metadb',
          url: null,
          region: null,
          airflowVersion: null,
          credential: { method: 'password', params: {} },
          backendKwargs: {}
        },
        secrets: { password: SECRET },
        [SECRET]: SECRET
      }
    ])
    expect(r.ok).toBe(false)
    expect(JSON.stringify(r)).not.toContain(SECRET)
    if (!r.ok) expect(r.error.message).toMatch(/field this channel does not take/)
  })

  it('refuses wrong types, missing and extra arguments', async () => {
    expect((await dispatch(table, 'entries:list', [{ locator: 42 }])).ok).toBe(false)
    expect((await dispatch(table, 'entries:list', [])).ok).toBe(false)
    expect((await dispatch(table, 'app:info', ['extra'])).ok).toBe(false)
    expect((await dispatch(table, 'app:info', { not: 'an array' })).ok).toBe(false)
  })

  it('refuses oversized requests before looking at them', async () => {
    const r = await dispatch(table, 'entries:list', [
      { locator: 'demo:', pad: 'x'.repeat(MAX_REQUEST_BYTES) }
    ])
    expect(r).toMatchObject({ ok: false, error: { code: 'usage' } })
    if (!r.ok) expect(r.error.message).toMatch(/larger than/)
  })

  it('turns handler failures into error DTOs without values', async () => {
    const r = await dispatch(table, 'entries:list', [
      { locator: `metadb:postgres://u:${SECRET}@h/db` }
    ])
    expect(r.ok).toBe(false)
    expect(JSON.stringify(r)).not.toContain(SECRET)
  })

  it('keeps profile secrets in the keychain and never returns them', async () => {
    const add = await dispatch(table, 'profiles:add', [
      {
        name: 'staging',
        profile: {
          kind: 'metadb',
          url: 'postgresql://airflow@db.invalid/airflow',
          region: null,
          airflowVersion: '3.2',
          credential: { method: 'password', params: {} },
          backendKwargs: {}
        },
        secrets: { password: SECRET }
      }
    ])
    expect(add).toMatchObject({
      ok: true,
      value: { name: 'staging', secrets: { password: 'stored', fernetKey: 'optional' } }
    })
    const list = await dispatch(table, 'profiles:list', [])
    expect(JSON.stringify(list)).not.toContain(SECRET)
    expect(readFileSync(join(dir, 'config', 'settings.json'), 'utf8')).not.toContain(SECRET)
    const edit = await dispatch(table, 'profiles:edit', [
      { name: 'staging', patch: { region: 'eu' }, secrets: {} }
    ])
    expect(edit).toMatchObject({
      ok: true,
      value: { region: 'eu', secrets: { password: 'stored' } }
    })
    expect(await dispatch(table, 'profiles:remove', [{ name: 'staging' }])).toMatchObject({
      ok: true
    })
  })

  it('lists the demo masked and reveals one field on request', async () => {
    const r = await dispatch(table, 'entries:list', [{ locator: 'demo:' }])
    if (!r.ok) throw new Error(r.error.message)
    const value = r.value as { entries: { id: string; fields: Record<string, unknown> }[] }
    const pg = value.entries.find((e) => e.id === 'postgres_default')!
    expect(pg.fields.password).toBe('***')
    expect(JSON.stringify(r)).not.toContain('demo-p@ss/word')
    const reveal = await dispatch(table, 'entries:reveal', [
      { locator: 'demo:', kind: 'connection', id: 'postgres_default', field: 'password' }
    ])
    expect(reveal).toEqual({ ok: true, value: { value: 'demo-p@ss/word' } })
  })

  it('lists entries without their empty parts (absent means null)', async () => {
    const r = await dispatch(table, 'entries:list', [{ locator: 'demo:' }])
    if (!r.ok) throw new Error(r.error.message)
    const entries = (r.value as EntriesDto).entries
    // nothing null travels: a null field, team, type or source key is left out
    expect(JSON.stringify(entries)).not.toContain('null')
    const variable = entries.find((e) => e.kind === 'variable')!
    expect(variable).not.toHaveProperty('type')
    expect(variable.secretFields).toEqual(['value'])
    expect(entries.some((e) => e.kind === 'connection' && !('description' in e.fields))).toBe(true)
    const pg = entries.find((e) => e.id === 'postgres_default')!
    expect(pg.type).toBe(pg.fields.conn_type)
  })

  it('shows demo-env shadowing the metadata DB, fields by name only', async () => {
    const r = await dispatch(table, 'effective:resolve', [{ runtime: 'demo' }])
    if (!r.ok) throw new Error(r.error.message)
    const { items, fields } = r.value as {
      fields: { connection: string[]; variable: string[] }
      items: { id: string; winner: number; layers: { status: string; differs?: string[] }[] }[]
    }
    const pg = items.find((i) => i.id === 'postgres_default')!
    expect(pg.winner).toBe(1)
    expect(pg.layers[2]!.status).toBe('shadowed')
    // the fields compared travel once; a shadowed layer names those that differ
    expect(fields.connection).toEqual([
      'conn_type',
      'description',
      'host',
      'login',
      'password',
      'schema',
      'port',
      'extra'
    ])
    expect(fields.variable).toEqual(['value', 'description'])
    expect(pg.layers[2]!.differs).toContain('password')
    // what is empty is left out of the answer (a third of its bytes at 50 000 ids)
    expect(pg.layers[0]).toEqual({ status: 'not-inspected' })
    expect(pg.layers[1]).toEqual({ status: 'wins', fromKey: 'AIRFLOW_CONN_POSTGRES_DEFAULT' })
  })

  it('narrows to the ids asked for and says what each layer asks for them (the Inventory drawer)', async () => {
    const r = await dispatch(table, 'effective:resolve', [
      { runtime: 'demo', ids: [{ kind: 'connection', id: 'postgres_default' }] }
    ])
    if (!r.ok) throw new Error(r.error.message)
    const { items, layers } = r.value as {
      layers: { role: string }[]
      items: { id: string; winner: number; lookups?: (Record<string, unknown> | null)[] }[]
    }
    expect(items.map((i) => i.id)).toEqual(['postgres_default'])
    expect(layers.map((l) => l.role)).toEqual(['custom-backend', 'env', 'metastore'])
    const [custom, env, metastore] = items[0]!.lookups!
    // no custom backend in the demo: nothing to ask there
    expect(custom).toBeNull()
    expect(env).toMatchObject({ name: 'AIRFLOW_CONN_POSTGRES_DEFAULT', store: 'demo-env:' })
    expect(metastore).toMatchObject({
      name: 'postgres_default',
      table: 'connection',
      column: 'conn_id'
    })
    // without ids: every id, and no lookups
    const all = await dispatch(table, 'effective:resolve', [{ runtime: 'demo' }])
    if (!all.ok) throw new Error(all.error.message)
    const every = (all.value as { items: { lookups?: unknown }[] }).items
    expect(every.length).toBeGreaterThan(1)
    expect(every.every((i) => i.lookups === undefined)).toBe(true)
    // a bad id list is refused by the contract, naming the field
    const bad = await dispatch(table, 'effective:resolve', [{ runtime: 'demo', ids: [] }])
    expect(bad.ok).toBe(false)
  })

  it('plans demo → an env file, applies it as a job with progress, and lists the job', async () => {
    const target = `envfile:${join(dir, 'target.env')}`
    const plan = await dispatch(table, 'jobs:plan', [
      { source: 'demo:', target, options: { kinds: ['connection'], exclude: ['aws_*'] } }
    ])
    if (!plan.ok) throw new Error(plan.error.message)
    const p = plan.value as {
      planId: string
      applicable: boolean
      summary: { create: number }
      items: { targetId: string }[]
    }
    expect(p.applicable).toBe(true)
    expect(p.summary.create).toBeGreaterThan(0)
    expect(p.items.some((i) => i.targetId === 'aws_default')).toBe(false)
    const apply = await dispatch(table, 'jobs:apply', [
      { planId: p.planId, skip: ['connection:http_api'] }
    ])
    if (!apply.ok) throw new Error(apply.error.message)
    const { jobId } = apply.value as { jobId: string }
    await expect
      .poll(() => events.find((e) => e.jobId === jobId && e.state !== 'running')?.state)
      .toBe('finished')
    const text = readFileSync(join(dir, 'target.env'), 'utf8')
    expect(text).toMatch(/AIRFLOW_CONN_POSTGRES_DEFAULT=/)
    expect(text).not.toMatch(/AIRFLOW_CONN_HTTP_API=/)
    const jobs = await dispatch(table, 'jobs:list', [])
    expect(jobs).toMatchObject({ ok: true, value: [{ jobId, state: 'finished', running: false }] })
    // Rolling back removes what the job created: it runs as a job, answering with its id, its
    // outcome on its last progress event.
    const rollback = await dispatch(table, 'jobs:rollback', [{ jobId }])
    expect(rollback).toEqual({ ok: true, value: { jobId } })
    await expect
      .poll(() => events.find((e) => e.run === 'rollback' && e.state !== 'running')?.state)
      .toBe('finished')
    expect(events.find((e) => e.run === 'rollback' && e.state === 'finished')).toMatchObject({
      jobId,
      rollback: { removed: p.summary.create - 1, failed: [], skipped: [], cancelled: false }
    })
    expect(readFileSync(join(dir, 'target.env'), 'utf8')).not.toMatch(
      /AIRFLOW_CONN_POSTGRES_DEFAULT=/
    )
    expect(await dispatch(table, 'jobs:list', [])).toMatchObject({
      ok: true,
      value: [{ jobId, state: 'rolled back' }]
    })
  })

  it('shows plain field values in a plan, and never a password, extra or variable value', async () => {
    const target = join(dir, 'older.env')
    writeFileSync(
      target,
      [
        `AIRFLOW_CONN_POSTGRES_DEFAULT='{"conn_type": "postgres", "host": "old.internal", "login": "etl", "password": "${SECRET}", "schema": "analytics", "port": 5432, "extra": {"sslmode": "disable"}}'`,
        `AIRFLOW_VAR_ENVIRONMENT=${SECRET}-var`,
        ''
      ].join('\n')
    )
    {
      const r = await dispatch(table, 'jobs:plan', [
        { source: 'demo:', target: `envfile:${target}`, options: {} }
      ])
      if (!r.ok) throw new Error(r.error.message)
      const dto = r.value as PlanDto
      const pg = dto.items.find((i) => i.targetId === 'postgres_default')!
      // only the fields that change travel; what is empty is left out
      const byField = Object.fromEntries((pg.fields ?? []).map((f) => [f.field, f]))
      expect(byField.host).toEqual({
        field: 'host',
        before: 'old.internal',
        after: 'warehouse.internal'
      })
      expect(byField.description).toMatchObject({ before: null, after: 'Main warehouse' })
      expect(byField.password).toEqual({ field: 'password' })
      expect(byField.extra).toEqual({ field: 'extra' })
      expect(pg).not.toHaveProperty('resolution')
      expect(pg).not.toHaveProperty('warnings')
      const variable = dto.items.find((i) => i.targetId === 'environment')!
      // a variable's value never travels; its description is plain, as in the inventory
      for (const f of (variable.fields ?? []).filter((f) => f.field !== 'description'))
        expect(f).not.toHaveProperty('before')
      expect(variable.fields?.find((f) => f.field === 'description')).toMatchObject({
        before: null,
        after: expect.stringMatching(/\S/)
      })
      const text = JSON.stringify(dto)
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain('demo-p@ss/word')
      expect(text).not.toContain('sslmode')
    }
  })

  it('refuses to read or diff a store file that does not exist (it would read as empty)', async () => {
    const typo = `envfile:${join(dir, 'typo.env')}`
    for (const [channel, args] of [
      ['entries:list', [{ locator: typo }]],
      ['stores:compare', [{ a: 'demo:', b: typo }]],
      [
        'export:write',
        [
          {
            locator: typo,
            to: join(dir, 'x.json'),
            format: 'json',
            kind: 'connection',
            dialect: 'airflow3'
          }
        ]
      ]
    ] as const) {
      const r = await dispatch(table, channel, args)
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'backend.not-found' } })
      if (!r.ok) expect(r.error.message).toMatch(/typo\.env: no such file/)
    }
    // A missing file is a fine target for a plan: the plan creates it.
    expect(
      await dispatch(table, 'jobs:plan', [{ source: 'demo:', target: typo, options: {} }])
    ).toMatchObject({ ok: true })
  })

  it('exports a selection, naming each item the format cannot hold, and only those', async () => {
    const to = join(dir, 'sel.env')
    const base = {
      locator: 'demo:',
      to,
      format: 'uri',
      kind: 'connection',
      dialect: 'airflow3',
      // exported twice to the same file: the second replaces it, confirmed
      overwrite: true
    } as const
    const r = await dispatch(table, 'export:write', [
      { ...base, ids: ['postgres_default', 'mysql_reporting', 'gone_since'] }
    ])
    expect(r).toMatchObject({ ok: true, value: { count: 2 } })
    if (!r.ok) return
    const { warnings } = r.value as { warnings: string[] }
    expect(warnings).toEqual([
      '1 of the selected ids are no longer in demo:metadb',
      'connection postgres_default: description does not survive its URI (JSON serialization, --serialization-format json, keeps it)'
    ])
    expect(readFileSync(to, 'utf8')).toMatch(
      /^mysql_reporting=mysql:\/\/.*\npostgres_default=postgres:\/\//
    )
    const json = await dispatch(table, 'export:write', [
      { ...base, serialization: 'json', ids: ['postgres_default'] }
    ])
    expect(json).toMatchObject({ ok: true, value: { count: 1, warnings: [] } })
    expect(readFileSync(to, 'utf8')).toMatch(
      /^postgres_default=\{"conn_type": "postgres", "description": "Main warehouse"/
    )
    // JSON serialization is for id=value lines only, as in Airflow.
    expect(
      await dispatch(table, 'export:write', [{ ...base, format: 'json', serialization: 'json' }])
    ).toMatchObject({ ok: false, error: { code: 'usage' } })
  })

  it('cancels a running job between batches, then resumes it to the end', async () => {
    const source = join(dir, 'many.env')
    writeFileSync(
      source,
      Array.from(
        { length: 500 },
        (_, i) => `AIRFLOW_VAR_V${String(i).padStart(4, '0')}=value-${i}\n`
      ).join('')
    )
    const target = join(dir, 'many-target.env')
    const plan = await dispatch(table, 'jobs:plan', [
      { source: `envfile:${source}`, target: `envfile:${target}`, options: {} }
    ])
    if (!plan.ok) throw new Error(plan.error.message)
    const { planId } = plan.value as { planId: string }
    const apply = await dispatch(table, 'jobs:apply', [{ planId }])
    if (!apply.ok) throw new Error(apply.error.message)
    const { jobId } = apply.value as { jobId: string }
    expect(await dispatch(table, 'jobs:cancel', [{ jobId }])).toEqual({
      ok: true,
      value: { cancelled: true }
    })
    await expect
      .poll(() => events.find((e) => e.jobId === jobId && e.state !== 'running')?.state, {
        timeout: 20_000
      })
      .toBe('cancelled')
    const listed = await dispatch(table, 'jobs:list', [])
    expect(
      listed.ok &&
        (listed.value as { jobId: string; state: string }[]).find((j) => j.jobId === jobId)?.state
    ).toBe('interrupted (resume it)')
    const resumed = await dispatch(table, 'jobs:resume', [{ jobId }])
    expect(resumed).toEqual({ ok: true, value: { jobId } })
    await expect
      .poll(() => events.filter((e) => e.jobId === jobId && e.state === 'finished').length, {
        timeout: 30_000
      })
      .toBe(1)
    expect(readFileSync(target, 'utf8').match(/^AIRFLOW_VAR_/gm)).toHaveLength(500)
  }, 60_000)

  it('copies one entry as a URI or JSON in the dialect asked for', async () => {
    const uri = await dispatch(table, 'entries:copy', [
      {
        locator: 'demo:',
        kind: 'connection',
        id: 'postgres_default',
        format: 'uri',
        dialect: 'airflow3'
      }
    ])
    expect(uri.ok && (uri.value as { text: string }).text).toMatch(/^postgres:\/\/etl:/)
    const json = await dispatch(table, 'entries:copy', [
      {
        locator: 'demo:',
        kind: 'connection',
        id: 'postgres_default',
        format: 'json',
        dialect: 'airflow3'
      }
    ])
    expect(json.ok && JSON.parse((json.value as { text: string }).text)).toMatchObject({
      conn_type: 'postgres',
      host: 'warehouse.internal'
    })
  })

  it('exports a store as airflow connections export writes it', async () => {
    const to = join(dir, 'connections.json')
    const r = await dispatch(table, 'export:write', [
      { locator: 'demo:', to, format: 'json', kind: 'connection', dialect: 'airflow3' }
    ])
    expect(r).toMatchObject({ ok: true, value: { path: to } })
    expect(JSON.parse(readFileSync(to, 'utf8'))).toHaveProperty(
      'postgres_default.conn_type',
      'postgres'
    )
  })

  it('refuses to apply a plan when no OS keychain holds its drift key', async () => {
    const memoryTable = createHandlers(
      createHandlerContext({
        mode: 'web',
        env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config2') },
        keychain: new MemoryKeychain('no keychain in this test')
      })
    )
    const plan = await dispatch(memoryTable, 'jobs:plan', [
      { source: 'demo:', target: `envfile:${join(dir, 't2.env')}`, options: {} }
    ])
    if (!plan.ok) throw new Error(plan.error.message)
    const { planId, applicable } = plan.value as { planId: string; applicable: boolean }
    expect(applicable).toBe(false)
    expect(await dispatch(memoryTable, 'jobs:apply', [{ planId }])).toMatchObject({
      ok: false,
      error: { code: 'keychain.unavailable' }
    })
  })

  it('imports profiles from an airflow.cfg, secrets to the keychain, and renames one', async () => {
    const kc = osLikeKeychain()
    const env = {
      AIRLOCK_HOME: join(dir, 'home'),
      AIRLOCK_CONFIG_DIR: join(dir, 'config-import')
    }
    const t = createHandlers(createHandlerContext({ mode: 'web', env, keychain: kc }))
    const cfg = join(dir, 'airflow.cfg')
    const fernet = 'lYBUQMvTS8ZylPwZkqM3JWxVz6gPyD0sV1aX3Zyi2Bs='
    writeFileSync(
      cfg,
      [
        '[database]',
        `sql_alchemy_conn = postgresql+psycopg2://airflow:${SECRET}@db.internal:5432/airflow`,
        '[core]',
        `fernet_key = ${fernet}`,
        '[secrets]',
        'backend = airflow.providers.hashicorp.secrets.vault.VaultBackend',
        `backend_kwargs = {"url": "http://vault.internal:8200", "token": "${SECRET}-vault", "mount_point": "airflow"}`,
        ''
      ].join('\n')
    )
    const r = await dispatch(t, 'profiles:import', [{ name: 'prod', path: cfg }])
    if (!r.ok) throw new Error(r.error.message)
    const imported = r.value as ProfileImportDto
    expect(imported.path).toBe(cfg)
    const made = Object.fromEntries(imported.profiles.map((p) => [p.name, p]))
    expect(Object.keys(made).sort()).toEqual(['prod-metadb', 'prod-vault'])
    expect(made['prod-metadb']).toMatchObject({
      kind: 'metadb',
      url: 'postgresql+psycopg2://airflow@db.internal:5432/airflow',
      secrets: { password: 'stored', fernetKey: 'stored' }
    })
    expect(made['prod-vault']).toMatchObject({
      kind: 'vault',
      url: 'http://vault.internal:8200',
      backendKwargs: { mount_point: 'airflow' },
      secrets: { token: 'stored' }
    })
    expect(JSON.stringify(r)).not.toContain(SECRET)
    expect(JSON.stringify(r)).not.toContain(fernet)
    for (const f of ['settings.json'])
      expect(readFileSync(join(env.AIRLOCK_CONFIG_DIR, f), 'utf8')).not.toContain(SECRET)
    // Importing again under the same prefix is refused, naming the profile.
    const again = await dispatch(t, 'profiles:import', [{ name: 'prod', path: cfg }])
    expect(again).toMatchObject({ ok: false, error: { code: 'usage' } })
    if (!again.ok) expect(again.error.message).toMatch(/prod-metadb/)
    // All or nothing: with prod-vault taken, importing as prod again makes no prod-metadb.
    await dispatch(t, 'profiles:remove', [{ name: 'prod-metadb' }])
    const clash = await dispatch(t, 'profiles:import', [{ name: 'prod', path: cfg }])
    expect(clash).toMatchObject({ ok: false, error: { code: 'usage' } })
    if (!clash.ok) expect(clash.error.message).toMatch(/"prod-vault" exists already/)
    const afterClash = await dispatch(t, 'profiles:list', [])
    expect((afterClash.ok ? (afterClash.value as ProfileDto[]) : []).map((p) => p.name)).toEqual([
      'prod-vault'
    ])
    await dispatch(t, 'profiles:remove', [{ name: 'prod-vault' }])
    expect(await dispatch(t, 'profiles:import', [{ name: 'prod', path: cfg }])).toMatchObject({
      ok: true
    })
    // Renaming carries the keychain item along; the old name is gone.
    const renamed = await dispatch(t, 'profiles:rename', [{ name: 'prod-metadb', to: 'warehouse' }])
    expect(renamed).toMatchObject({
      ok: true,
      value: { name: 'warehouse', secrets: { password: 'stored', fernetKey: 'stored' } }
    })
    const listed = await dispatch(t, 'profiles:list', [])
    if (!listed.ok) throw new Error(listed.error.message)
    const names = () => (listed.value as ProfileDto[]).map((p) => p.name).sort()
    expect(names()).toEqual(['prod-vault', 'warehouse'])
    expect(await kc.list()).not.toContainEqual(expect.stringContaining('prod-metadb'))
    // Onto a name in use, or from a name that does not exist: refused, nothing changes.
    expect(
      await dispatch(t, 'profiles:rename', [{ name: 'warehouse', to: 'prod-vault' }])
    ).toMatchObject({ ok: false, error: { code: 'usage' } })
    expect(await dispatch(t, 'profiles:rename', [{ name: 'nope', to: 'other' }])).toMatchObject({
      ok: false,
      error: { code: 'backend.not-found' }
    })
    // A file naming nothing to import is refused with its path.
    const empty = join(dir, 'empty.cfg')
    writeFileSync(empty, '[core]\nload_examples = False\n')
    const none = await dispatch(t, 'profiles:import', [{ name: 'x', path: empty }])
    expect(none).toMatchObject({ ok: false, error: { code: 'usage' } })
    if (!none.ok) expect(none.error.message).toContain(empty)
    // A named file that does not exist is refused with its path.
    const missing = await dispatch(t, 'profiles:import', [
      { name: 'y', path: join(dir, 'no-such.cfg') }
    ])
    expect(missing.ok).toBe(false)
    if (!missing.ok) expect(missing.error.message).toContain('no-such.cfg')
  })
})
