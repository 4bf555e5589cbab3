import { realpathSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { storeIdentity } from '../../../../src-main/operations/open-store'
import type { Profile } from '../../../../src-main/platform/settings'
import { tempDir } from '../../../support/temp-dir'

const vault = (name: string, kwargs: Record<string, unknown>, method = 'token'): Profile => ({
  name,
  kind: 'vault',
  airflowVersion: null,
  url: 'https://vault.example:8200',
  region: null,
  backendKwargs: kwargs,
  credential: { method, params: {} },
  createdAt: 'then',
  updatedAt: 'then'
})

describe('store identity', () => {
  it('is one for two names of one store and another for another store, without secrets', async () => {
    const profiles: Record<string, Profile> = {
      a: vault('a', { mount_point: 'airflow', connections_path: 'connections' }),
      b: vault('b', { connections_path: 'connections', mount_point: 'airflow' }, 'approle'),
      c: vault('c', { mount_point: 'other', connections_path: 'connections' })
    }
    const options = {
      resolveProfile: async (name: string) => ({
        profile: profiles[name]!,
        secrets: { token: 's3cr3t-token', kwargs: { token: 's3cr3t-token' } }
      })
    }
    const [a, b, c] = await Promise.all(
      ['vault:a', 'profile:b', 'vault:c'].map((l) => storeIdentity(l, options))
    )
    expect(a!.identity).toBe(b!.identity)
    expect(c!.identity).not.toBe(a!.identity)
    expect(JSON.stringify([a, b, c])).not.toContain('s3cr3t')

    const pg = (url: string) => storeIdentity(`metadb:${url}`)
    const one = await pg('postgresql://airflow:pw-1@DB.example/airflow')
    expect(one.identity).toBe('metadb:postgresql://db.example:5432/airflow')
    expect((await pg('postgresql+psycopg2://other@db.example:5432/airflow')).identity).toBe(
      one.identity
    )
    expect((await pg('postgresql://airflow@db.example/staging')).identity).not.toBe(one.identity)
    expect(one.locator).not.toContain('pw-1')

    const dir = realpathSync(tempDir('airlock-identity-'))
    writeFileSync(join(dir, 'a.env'), '')
    const abs = await storeIdentity(`envfile:${join(dir, 'a.env')}`)
    const rel = await storeIdentity(`envfile:${relative(process.cwd(), join(dir, 'a.env'))}`)
    expect(rel.identity).toBe(abs.identity)
    expect(abs.lock).toEqual({ kind: 'file', path: join(dir, 'a.env') })
    expect((await storeIdentity(`lfs:${join(dir, 'a.env')}`)).identity).not.toBe(abs.identity)
  })
})
