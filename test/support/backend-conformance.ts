/**
 * The Backend contract every store must keep (STYLE §4), as one reusable suite. A store
 * that cannot hold a field (an env var has no description) names it in `lossy`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Backend } from '../../src-main/backends/backend'
import type { ConnectionFields, Entry, VariableEntry } from '../../src-main/core/model'
import { connectionEntry, variableEntry } from '../../src-main/core/model'

export interface ConformanceOptions {
  /** Builds a fresh, empty, writable backend; called before each test. */
  create: () => Promise<Backend>
  /** Fields the store cannot keep (compared as if absent). */
  lossy?: readonly (keyof ConnectionFields | 'variable.description')[]
  /** Whether ids differing only by case are distinct (not in env vars or MySQL). */
  caseSensitiveIds?: boolean
}

export const SECRET_MARK = 'canary-7f3a9c'

export function sampleEntries(): Entry[] {
  const conn = connectionEntry
  const variable = variableEntry
  return [
    conn('pg_main', {
      conn_type: 'postgres',
      host: 'db.internal',
      login: 'svc',
      password: `p@ss/w:rd?#%+ ${SECRET_MARK}`,
      schema: 'warehouse',
      port: 5432,
      extra: '{"sslmode": "require", "connect_timeout": "10"}',
      description: 'Main warehouse'
    }),
    conn('http_api', {
      conn_type: 'http',
      host: 'api.example.com',
      extra: `{"token": "${SECRET_MARK}"}`
    }),
    conn('bare', { conn_type: 'generic' }),
    variable('plain_var', `value ${SECRET_MARK}`),
    variable('json_var', '{"a": [1, 2], "b": "é"}', 'a JSON variable')
  ]
}

function normalise(e: Entry, lossy: ConformanceOptions['lossy'] = []): unknown {
  const copy = structuredClone(e)
  delete copy.source
  delete copy.team
  if (copy.kind === 'connection') {
    for (const f of lossy)
      if (f in copy.fields) (copy.fields as unknown as Record<string, unknown>)[f] = null
    copy.fields.extra = copy.fields.extra ? JSON.stringify(JSON.parse(copy.fields.extra)) : null
  } else if (lossy.includes('variable.description')) copy.description = null
  return copy
}

/** Registers the suite for one backend. */
export function backendConformance(name: string, options: ConformanceOptions): void {
  describe(`${name}: backend conformance`, () => {
    let backend: Backend
    beforeEach(async () => {
      backend = await options.create()
    })
    afterEach(async () => {
      await backend.close?.()
    })

    it('starts empty', async () => {
      expect(await backend.list({})).toEqual([])
      expect((await backend.load({})).entries).toEqual([])
    })

    it('reads back what it wrote, with its origin', async () => {
      const entries = sampleEntries()
      await backend.write(entries)
      for (const e of entries) {
        const ref =
          e.kind === 'connection' ? { kind: e.kind, id: e.id } : { kind: e.kind, id: e.key }
        const back = await backend.read(ref)
        expect(back, `${e.kind} ${ref.id}`).toBeDefined()
        expect(normalise(back!, options.lossy)).toEqual(normalise(e, options.lossy))
        expect(back!.source?.backendId).toBe(backend.id)
      }
    })

    it('lists and loads exactly what is there, by kind', async () => {
      await backend.write(sampleEntries())
      const ids = (refs: { kind: string; id: string }[]) =>
        refs.map((r) => `${r.kind}:${r.id}`).sort()
      expect(ids(await backend.list({}))).toEqual([
        'connection:bare',
        'connection:http_api',
        'connection:pg_main',
        'variable:json_var',
        'variable:plain_var'
      ])
      expect(ids(await backend.list({ kinds: ['variable'] }))).toEqual([
        'variable:json_var',
        'variable:plain_var'
      ])
      const loaded = await backend.load({ kinds: ['connection'] })
      expect(loaded.problems).toEqual([])
      expect(loaded.entries.map((e) => (e.kind === 'connection' ? e.id : e.key)).sort()).toEqual([
        'bare',
        'http_api',
        'pg_main'
      ])
    })

    it('overwrites an existing id and removes ids (a missing one is no error)', async () => {
      await backend.write(sampleEntries())
      const updated: VariableEntry = {
        kind: 'variable',
        key: 'plain_var',
        value: 'new',
        description: null
      }
      await backend.write([updated])
      expect(
        normalise((await backend.read({ kind: 'variable', id: 'plain_var' }))!, options.lossy)
      ).toEqual(normalise(updated, options.lossy))
      await backend.remove([
        { kind: 'variable', id: 'plain_var' },
        { kind: 'connection', id: 'does_not_exist' }
      ])
      expect(await backend.read({ kind: 'variable', id: 'plain_var' })).toBeUndefined()
      expect(await backend.read({ kind: 'connection', id: 'pg_main' })).toBeDefined()
    })

    it('answers undefined for an id it does not hold', async () => {
      expect(await backend.read({ kind: 'connection', id: 'nope' })).toBeUndefined()
      expect(await backend.read({ kind: 'variable', id: 'nope' })).toBeUndefined()
    })

    if (options.caseSensitiveIds !== false)
      it('keeps ids that differ only by case apart', async () => {
        await backend.write([
          { kind: 'variable', key: 'Case', value: '1', description: null },
          { kind: 'variable', key: 'case', value: '2', description: null }
        ])
        expect((await backend.read({ kind: 'variable', id: 'Case' }))?.kind === 'variable').toBe(
          true
        )
        const a = (await backend.read({ kind: 'variable', id: 'Case' })) as VariableEntry
        const b = (await backend.read({ kind: 'variable', id: 'case' })) as VariableEntry
        expect([a.value, b.value]).toEqual(['1', '2'])
      })
  })
}
