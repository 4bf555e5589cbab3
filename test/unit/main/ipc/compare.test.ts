// Issue 19, "compare two stores": `stores:compare` through the app's handler table (both
// transports serve it): A and B per id and field, plain fields in the clear, secrets never.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CompareDto } from '../../../../src-main/contract/ipc'
import { dispatch } from '../../../../src-main/ipc/handle'
import {
  createHandlerContext,
  createHandlers,
  type HandlerTable
} from '../../../../src-main/ipc/handlers'
import { osLikeKeychain } from '../../../support/test-keychain'
import { tempDir } from '../../../support/temp-dir'

let dir: string
let table: HandlerTable
const SECRETS = [
  'secret-only-a-1f',
  'secret-pg-a-2e',
  'secret-pg-b-3d',
  'secret-pw-a-4c',
  'secret-pw-b-5b',
  'secret-same-6a',
  'secret-region-a-79',
  'secret-region-b-88',
  'secret-var-same-97',
  'secret-only-b-a6'
]

beforeAll(() => {
  dir = tempDir('airlock-compare-')
  table = createHandlers(
    createHandlerContext({
      mode: 'web',
      env: { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') },
      keychain: osLikeKeychain()
    })
  )
  const conn = (name: string, fields: Record<string, unknown>) =>
    `AIRFLOW_CONN_${name}='${JSON.stringify(fields)}'`
  writeFileSync(
    join(dir, 'a.env'),
    [
      conn('ONLY_A', { conn_type: 'postgres', host: 'a-only.internal', password: SECRETS[0] }),
      conn('PG', {
        conn_type: 'postgres',
        host: 'old.internal',
        login: 'etl',
        password: SECRETS[1],
        port: 5432,
        extra: { sslmode: 'disable' }
      }),
      conn('PW', { conn_type: 'http', host: 'api.internal', password: SECRETS[3] }),
      conn('SAME', {
        conn_type: 'http',
        host: 'same.internal',
        password: SECRETS[5],
        extra: { a: 1, b: 2 }
      }),
      `AIRFLOW_VAR_REGION=${SECRETS[6]}`,
      `AIRFLOW_VAR_SAME_VAR=${SECRETS[8]}`,
      ''
    ].join('\n')
  )
  writeFileSync(
    join(dir, 'b.env'),
    [
      conn('ONLY_B', { conn_type: 'mysql', host: 'b-only.internal', password: SECRETS[9] }),
      conn('PG', {
        conn_type: 'postgres',
        host: 'new.internal',
        login: 'etl',
        password: SECRETS[2],
        port: 5432,
        extra: { sslmode: 'require' }
      }),
      conn('PW', { conn_type: 'http', host: 'api.internal', password: SECRETS[4] }),
      // the same extra, keys in another order: equal as decoded JSON
      conn('SAME', {
        conn_type: 'http',
        host: 'same.internal',
        password: SECRETS[5],
        extra: { b: 2, a: 1 }
      }),
      `AIRFLOW_VAR_REGION=${SECRETS[7]}`,
      `AIRFLOW_VAR_SAME_VAR=${SECRETS[8]}`,
      ''
    ].join('\n')
  )
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function compare(): Promise<CompareDto> {
  const r = await dispatch(table, 'stores:compare', [
    { a: `envfile:${join(dir, 'a.env')}`, b: `envfile:${join(dir, 'b.env')}` }
  ])
  if (!r.ok) throw new Error(r.error.message)
  return r.value as CompareDto
}

const fieldsOf = (dto: CompareDto, id: string) =>
  Object.fromEntries(dto.items.find((i) => i.id === id)!.fields.map((f) => [f.field, f]))

describe('stores:compare', () => {
  it('19: sorts every id into only in A, only in B, differs and same', async () => {
    const dto = await compare()
    expect(dto.counts).toEqual({ onlyA: 1, onlyB: 1, differs: 3, same: 2 })
    expect(Object.fromEntries(dto.items.map((i) => [`${i.kind}:${i.id}`, i.status]))).toEqual({
      'connection:only_a': 'only-a',
      'connection:only_b': 'only-b',
      'connection:pg': 'differs',
      'connection:pw': 'differs',
      'connection:same': 'same',
      'variable:region': 'differs',
      'variable:same_var': 'same'
    })
  })

  it('19: gives plain fields of both sides in the clear and secret fields as *** or null', async () => {
    const dto = await compare()
    const pg = fieldsOf(dto, 'pg')
    expect(pg.host).toEqual({
      field: 'host',
      differs: true,
      a: 'old.internal',
      b: 'new.internal'
    })
    expect(pg.login).toEqual({ field: 'login', a: 'etl', b: 'etl' })
    expect(pg.port).toEqual({ field: 'port', a: 5432, b: 5432 })
    expect(pg.password).toEqual({
      field: 'password',
      secret: true,
      differs: true,
      a: '***',
      b: '***'
    })
    expect(pg.extra).toMatchObject({ secret: true, differs: true, a: '***', b: '***' })
    expect(pg.description).toEqual({ field: 'description', a: null, b: null })
    // only the password differs; the extra, empty on both sides, is null
    const pw = fieldsOf(dto, 'pw')
    expect(Object.values(pw).filter((f) => f.differs)).toEqual([pw.password])
    expect(pw.extra).toEqual({ field: 'extra', secret: true, a: null, b: null })
    expect(Object.values(fieldsOf(dto, 'same')).some((f) => f.differs)).toBe(false)
    const region = fieldsOf(dto, 'region')
    expect(region.value).toEqual({
      field: 'value',
      secret: true,
      differs: true,
      a: '***',
      b: '***'
    })
  })

  it('19: an id on one side has no value for the other', async () => {
    const dto = await compare()
    const onlyA = fieldsOf(dto, 'only_a')
    expect(onlyA.host).toEqual({
      field: 'host',
      a: 'a-only.internal'
    })
    expect(onlyA.password).not.toHaveProperty('b')
    const onlyB = fieldsOf(dto, 'only_b')
    expect(onlyB.conn_type).toEqual({
      field: 'conn_type',
      b: 'mysql'
    })
  })

  it("19: says what B cannot hold or read of an id, in A and B's terms", async () => {
    writeFileSync(
      join(dir, 'no-type.env'),
      `AIRFLOW_CONN_NO_TYPE='${JSON.stringify({ host: 'x.internal' })}'\n`
    )
    const r = await dispatch(table, 'stores:compare', [
      { a: `envfile:${join(dir, 'no-type.env')}`, b: `envfile:${join(dir, 'b.env')}` }
    ])
    if (!r.ok) throw new Error(r.error.message)
    const item = (r.value as CompareDto).items.find((i) => i.id === 'no_type')!
    expect(item.status).toBe('only-a')
    expect(item.notes).toEqual([
      'conn_type is empty: the metadata DB requires one and Airflow 3 needs it for most uses'
    ])
  })

  it('19: carries no secret value, extra or variable value', async () => {
    const text = JSON.stringify(await compare())
    for (const secret of SECRETS) expect(text).not.toContain(secret)
    expect(text).not.toContain('sslmode')
  })
})
