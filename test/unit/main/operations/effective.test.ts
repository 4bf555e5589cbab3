import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runtimeLayers } from '../../../../src-main/operations/effective'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-runtime-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function cfg(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe('runtime layers', () => {
  it('puts the demo metadata DB and the demo .env behind an Airflow 3 server', async () => {
    const r = await runtimeLayers({ runtime: 'demo' }, { env: {} })
    expect(r.model).toBe('airflow3-server')
    expect(Object.fromEntries(r.locators)).toEqual({ env: 'demo-env:', metastore: 'demo:' })
    expect(r.notes).toEqual([])
  })

  it('reads an airflow.cfg: its metadata DB, this environment, its secrets backend named in a note', async () => {
    const path = cfg(
      'a3.cfg',
      '[database]\nsql_alchemy_conn = postgresql://airflow@db/airflow\n[secrets]\nbackend = airflow.providers.hashicorp.secrets.vault.VaultBackend\nbackend_kwargs = {"url": "http://vault:8200"}\n'
    )
    const r = await runtimeLayers({ runtime: `airflow-config:${path}` }, { env: {} })
    expect(r.model).toBe('airflow3-server')
    expect(Object.fromEntries(r.locators)).toEqual({
      env: 'env:',
      metastore: `airflow-config:${path}`
    })
    expect(r.configured?.server?.className).toBe(
      'airflow.providers.hashicorp.secrets.vault.VaultBackend'
    )
    expect(r.notes.join('\n')).toMatch(/custom backend .*VaultBackend: not inspected here/)
  })

  it('reads an Airflow 2 installation as Airflow 2 unless a model is asked for', async () => {
    const path = cfg(
      'a2.cfg',
      '[core]\nsql_alchemy_conn = sqlite:////tmp/airflow.db\n[database]\nsql_alchemy_conn = sqlite:////tmp/airflow.db\n'
    )
    const runtime = `airflow-config:${path}`
    expect((await runtimeLayers({ runtime }, { env: {} })).model).toBe('airflow3-server')
    expect((await runtimeLayers({ runtime, airflowVersion: '2.10.5' }, { env: {} })).model).toBe(
      'airflow2'
    )
    const asked = await runtimeLayers(
      { runtime, airflowVersion: '2.10.5', model: 'astro' },
      { env: {} }
    )
    expect(asked.model).toBe('astro')
  })

  it('lets explicit layers override the runtime, and names a layer the model lacks', async () => {
    const r = await runtimeLayers(
      { runtime: 'demo', layers: { 'custom-backend': 'vault:prod', metastore: 'metadb:other' } },
      { env: {} }
    )
    expect(Object.fromEntries(r.locators)).toEqual({
      env: 'demo-env:',
      metastore: 'metadb:other',
      'custom-backend': 'vault:prod'
    })
    await expect(
      runtimeLayers({ runtime: 'demo', layers: { 'worker-env': 'env:' } }, { env: {} })
    ).rejects.toThrow(/airflow3-server has no layer "worker-env" \(layers: /)
    await expect(runtimeLayers({ runtime: 'bogus' }, { env: {} })).rejects.toThrow(
      /demo or airflow-config:PATH/
    )
    await expect(runtimeLayers({ model: 'airflow1' }, { env: {} })).rejects.toThrow(
      /not "airflow1"/
    )
    // Neither a runtime nor layers: nothing is inspected.
    expect((await runtimeLayers({}, { env: {} })).locators.size).toBe(0)
  })

  it('names a missing airflow.cfg by its path', async () => {
    await expect(
      runtimeLayers({ runtime: `airflow-config:${join(dir, 'none.cfg')}` }, { env: {} })
    ).rejects.toThrow(/none\.cfg/)
  })
})
