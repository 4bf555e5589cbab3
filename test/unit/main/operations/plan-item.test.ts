// Issue 19, plan review: the detail of one plan item through the handler table (the app's
// channels) over real stores — .env files and a SQLite metadata DB. Secrets travel only as
// "changed" / "same" until an explicit reveal; the text shown as "to be written" is the very
// text the target's write stores.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  PlanDto,
  PlanItemDetailDto,
  PlanItemRevealDto
} from '../../../../src-main/contract/ipc'
import { AirflowExportBackend } from '../../../../src-main/backends/airflow-export'
import { AstroSettingsBackend } from '../../../../src-main/backends/astro'
import { EnvFileBackend } from '../../../../src-main/backends/env-file'
import { LfsBackend } from '../../../../src-main/backends/lfs'
import { MetastoreBackend } from '../../../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../../../src-main/backends/sql/driver'
import { Fernet } from '../../../../src-main/core/codecs/fernet'
import { dispatch } from '../../../../src-main/ipc/handle'
import {
  createHandlerContext,
  createHandlers,
  type HandlerTable
} from '../../../../src-main/ipc/handlers'
import { HELD_PLAN_SIDES } from '../../../../src-main/ipc/handlers/context'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

const OLD_PW = 'old-pw-5c1e'
const NEW_PW = 'new-pw-9a7d'
const OLD_TOKEN = 'tok-old-33b2'
const NEW_TOKEN = 'tok-new-81f0'
const NEW_VALUE = 'var-secret-4d2a'
const GONE_VALUE = 'gone-secret-7e61'
const SECRETS = [OLD_PW, NEW_PW, OLD_TOKEN, NEW_TOKEN, NEW_VALUE, GONE_VALUE]

let dir: string
let table: HandlerTable

const extra = (token: string, region: string) =>
  encodeURIComponent(JSON.stringify({ region, api_token: token, nested: { password: token } }))

async function call<T>(channel: string, request: unknown): Promise<T> {
  const r = await dispatch(table, channel, [request])
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`)
  return r.value as T
}

async function planEnv(source: string, target: string): Promise<PlanDto> {
  return call<PlanDto>('jobs:plan', {
    source: `envfile:${source}`,
    target: `envfile:${target}`,
    options: { deleteExtraneous: true }
  })
}

beforeAll(() => {
  dir = tempDir('airlock-plan-item-')
  writeFileSync(
    join(dir, 'source.env'),
    `AIRFLOW_CONN_DB=postgres://app:${NEW_PW}@new-host:5432/prod?__extra__=${extra(NEW_TOKEN, 'eu')}\n` +
      `AIRFLOW_VAR_NEW=${NEW_VALUE}\n`
  )
  writeFileSync(
    join(dir, 'target.env'),
    `AIRFLOW_CONN_DB=postgres://app:${OLD_PW}@old-host:5432/prod?__extra__=${extra(OLD_TOKEN, 'us')}\n` +
      `AIRFLOW_VAR_GONE=${GONE_VALUE}\n`
  )
  table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
      keychain: osLikeKeychain()
    })
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('19: the detail of a plan item (jobs:plan-item, jobs:plan-item-reveal)', () => {
  it('shows an update field by field: plain fields in clear, secrets as their change only', async () => {
    const plan = await planEnv(join(dir, 'source.env'), join(dir, 'target.env'))
    const d = await call<PlanItemDetailDto>('jobs:plan-item', {
      planId: plan.planId,
      kind: 'connection',
      targetId: 'db'
    })
    expect(d.action).toBe('update')
    const field = (name: string) => d.fields.find((f) => f.field === name)
    expect(field('host')).toEqual({
      field: 'host',
      change: 'changed',
      secret: false,
      before: 'old-host',
      after: 'new-host'
    })
    expect(field('login')).toMatchObject({ change: 'same', before: 'app', after: 'app' })
    expect(field('port')).toMatchObject({ change: 'same', before: 5432, after: 5432 })
    expect(field('password')).toEqual({ field: 'password', change: 'changed', secret: true })
    expect(field('extra')).toEqual({ field: 'extra', change: 'changed', secret: true })
    expect(d.extra).toEqual([
      { key: 'region', change: 'changed', secret: false, before: '"us"', after: '"eu"' },
      { key: 'api_token', change: 'changed', secret: true },
      {
        key: 'nested',
        change: 'changed',
        secret: false,
        before: '{"password": "***"}',
        after: '{"password": "***"}'
      }
    ])
    expect(d.writtenAs).toEqual({
      name: 'AIRFLOW_CONN_DB',
      store: `envfile:${join(dir, 'target.env')}`,
      verb: 'written'
    })
    expect(d.textAvailable).toBe(true)
    const text = JSON.stringify(d)
    for (const s of SECRETS) expect(text).not.toContain(s)
  })

  it('reveals both sides of one secret field, and only that field', async () => {
    const plan = await planEnv(join(dir, 'source.env'), join(dir, 'target.env'))
    const ref = { planId: plan.planId, kind: 'connection', targetId: 'db' }
    const pw = await call<PlanItemRevealDto>('jobs:plan-item-reveal', { ...ref, part: 'password' })
    expect(pw).toEqual({ part: 'password', before: OLD_PW, after: NEW_PW })
    const ex = await call<PlanItemRevealDto>('jobs:plan-item-reveal', { ...ref, part: 'extra' })
    expect(ex.part === 'extra' && ex.after).toContain(NEW_TOKEN)
    expect(ex.part === 'extra' && ex.before).toContain(OLD_TOKEN)
    const wrong = await dispatch(table, 'jobs:plan-item-reveal', [{ ...ref, part: 'value' }])
    expect(wrong).toMatchObject({ ok: false, error: { code: 'usage' } })
  })

  it('shows as "to be written" the exact text the target stores on apply', async () => {
    const plan = await planEnv(join(dir, 'source.env'), join(dir, 'target.env'))
    const shown = await call<PlanItemRevealDto>('jobs:plan-item-reveal', {
      planId: plan.planId,
      kind: 'connection',
      targetId: 'db',
      part: 'text'
    })
    expect(shown).toMatchObject({ part: 'text', name: 'AIRFLOW_CONN_DB', format: 'env-line' })
    // the source's entry written by the target's own backend into an empty file
    const fresh = join(dir, 'fresh.env')
    const src = new EnvFileBackend({ path: join(dir, 'source.env') })
    const entry = await src.read({ kind: 'connection', id: 'db' })
    await new EnvFileBackend({ path: fresh }).write([entry!])
    expect(shown.part === 'text' && shown.text + '\n').toBe(readFileSync(fresh, 'utf8'))
    expect(shown.part === 'text' && shown.text).toContain(encodeURIComponent(NEW_PW))
  })

  it('shows a create with no "before" and a delete with no "after"', async () => {
    const plan = await planEnv(join(dir, 'source.env'), join(dir, 'target.env'))
    const created = await call<PlanItemDetailDto>('jobs:plan-item', {
      planId: plan.planId,
      kind: 'variable',
      targetId: 'new'
    })
    expect(created).toMatchObject({
      action: 'create',
      sides: { before: false, after: true },
      fields: [
        { field: 'value', change: 'added', secret: true },
        { field: 'description', change: 'same', secret: false, before: null, after: null }
      ],
      writtenAs: { name: 'AIRFLOW_VAR_NEW', verb: 'written' }
    })
    const deleted = await call<PlanItemDetailDto>('jobs:plan-item', {
      planId: plan.planId,
      kind: 'variable',
      targetId: 'gone'
    })
    expect(deleted).toMatchObject({
      action: 'delete',
      sides: { before: true, after: false },
      fields: [{ field: 'value', change: 'removed', secret: true }, { field: 'description' }],
      writtenAs: { name: 'AIRFLOW_VAR_GONE', verb: 'removed' },
      textAvailable: false
    })
    for (const s of SECRETS) expect(JSON.stringify([created, deleted])).not.toContain(s)
    const ref = { planId: plan.planId, kind: 'variable', targetId: 'gone' }
    expect(
      await call<PlanItemRevealDto>('jobs:plan-item-reveal', { ...ref, part: 'value' })
    ).toEqual({ part: 'value', before: GONE_VALUE, after: null })
    expect(
      await dispatch(table, 'jobs:plan-item-reveal', [{ ...ref, part: 'text' }])
    ).toMatchObject({ ok: false, error: { code: 'usage' } })
  })

  it('names a metadata DB row and shows its sealed columns as the text sealed', async () => {
    const key = Fernet.generateKey()
    const db = join(dir, 'airflow.db')
    const sql = await openSql({ dialect: 'sqlite', path: db })
    for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await sql.query(stmt)
    await sql.close()
    const plan = await call<PlanDto>('jobs:plan', {
      source: `envfile:${join(dir, 'source.env')}`,
      target: `metadb:sqlite:///${db}`,
      options: {}
    })
    expect(plan.items.map((i) => i.action).sort()).toEqual(['create', 'create'])
    // the plan resolves the key from the environment the context was built with: none here,
    // so the row is written unencrypted (what Airflow does without a fernet_key)
    const ref = { planId: plan.planId, kind: 'connection', targetId: 'db' }
    const d = await call<PlanItemDetailDto>('jobs:plan-item', ref)
    expect(d.writtenAs).toMatchObject({ name: 'connection.conn_id = "db"', verb: 'written' })
    const shown = await call<PlanItemRevealDto>('jobs:plan-item-reveal', { ...ref, part: 'text' })
    expect(shown).toMatchObject({ part: 'text', format: 'row' })
    const row = JSON.parse(shown.part === 'text' ? shown.text : '{}') as Record<string, unknown>
    expect(row).toMatchObject({ conn_id: 'db', host: 'new-host', password: NEW_PW, port: 5432 })
    // with a key, the same builder seals the columns; the text shows what is sealed
    const sealed = new MetastoreBackend({ target: { dialect: 'sqlite', path: db }, fernetKey: key })
    try {
      const form = await sealed.written({
        kind: 'variable',
        key: 'new',
        value: NEW_VALUE,
        description: null
      })
      expect(JSON.parse(form.text)).toMatchObject({
        key: 'new',
        val: NEW_VALUE,
        is_encrypted: true
      })
      expect(form.note).toMatch(/val stored Fernet-encrypted/)
    } finally {
      await sealed.close()
    }
  })

  it('shows for export, LocalFilesystemBackend and Astro settings files the part write stores for the item', async () => {
    for (const [scheme, name] of [
      ['airflow-export', 'conns.json'],
      ['airflow-export', 'conns.env'],
      ['lfs', 'lfs.yaml'],
      ['lfs', 'lfs.env'],
      ['astro', 'airflow_settings.yaml']
    ] as const) {
      const file = join(dir, `${scheme}-${name}`)
      const plan = await call<PlanDto>('jobs:plan', {
        source: `envfile:${join(dir, 'source.env')}`,
        target: `${scheme}:${file}`,
        options: { kinds: ['connection'] }
      })
      const ref = { planId: plan.planId, kind: 'connection', targetId: 'db' }
      const d = await call<PlanItemDetailDto>('jobs:plan-item', ref)
      expect(d.writtenAs).toMatchObject({
        name: scheme === 'astro' ? 'airflow.connections[conn_id=db]' : 'db',
        verb: 'written'
      })
      const shown = await call<PlanItemRevealDto>('jobs:plan-item-reveal', { ...ref, part: 'text' })
      // the file a write of the item alone makes, by the target's own backend
      const entry = await new EnvFileBackend({ path: join(dir, 'source.env') }).read({
        kind: 'connection',
        id: 'db'
      })
      const freshPath = join(dir, `fresh-${name}`)
      const fresh =
        scheme === 'lfs'
          ? new LfsBackend({ connectionsFilePath: freshPath })
          : scheme === 'astro'
            ? new AstroSettingsBackend({ path: freshPath })
            : new AirflowExportBackend({ path: freshPath, kind: 'connections' })
      await fresh.write([entry!])
      expect(shown.part === 'text' && shown.text.trimEnd()).toBe(
        readFileSync(freshPath, 'utf8').trimEnd()
      )
      expect(shown).toMatchObject({
        format: name.endsWith('.env') ? 'env-line' : name.endsWith('.yaml') ? 'yaml' : 'json'
      })
    }
  })

  it("lists the target's pre-flight problems for the item", async () => {
    const file = join(dir, 'connections.json')
    writeFileSync(
      file,
      JSON.stringify({ Dup: { conn_type: 'http' }, dup: { conn_type: 'http', host: 'h' } })
    )
    const plan = await call<PlanDto>('jobs:plan', {
      source: `airflow-export:${file}`,
      target: `envfile:${join(dir, 'dup-target.env')}`,
      options: { kinds: ['connection'] }
    })
    expect(plan.preflightErrors).toBe(1)
    const details = await Promise.all(
      ['Dup', 'dup'].map((targetId) =>
        call<PlanItemDetailDto>('jobs:plan-item', {
          planId: plan.planId,
          kind: 'connection',
          targetId
        })
      )
    )
    const problems = details.flatMap((d) => d.problems)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ severity: 'error' })
    expect(problems[0]!.message).toMatch(/both written as AIRFLOW_CONN_DUP/)
    // the problem is the item's, not repeated among its other warnings
    expect(details.flatMap((d) => d.warnings).join()).not.toMatch(/pre-flight/)
  })

  it(`keeps the values of the newest ${HELD_PLAN_SIDES} plans only`, async () => {
    const first = await planEnv(join(dir, 'source.env'), join(dir, 'target.env'))
    const ref = { planId: first.planId, kind: 'variable', targetId: 'new' }
    expect(await dispatch(table, 'jobs:plan-item', [ref])).toMatchObject({ ok: true })
    for (let i = 0; i < HELD_PLAN_SIDES; i++)
      await planEnv(join(dir, 'source.env'), join(dir, 'target.env'))
    const gone = await dispatch(table, 'jobs:plan-item', [ref])
    expect(gone).toMatchObject({ ok: false, error: { code: 'backend.not-found' } })
    expect(!gone.ok && gone.error.message).toMatch(/no longer held.*plan again/)
    // the plan itself is still held (save-plan and apply keep working)
    const unknown = await dispatch(table, 'jobs:plan-item', [{ ...ref, targetId: 'nope' }])
    expect(!unknown.ok && unknown.error.message).toMatch(/no longer held/)
  })
})
