import { act, fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { EntryDto, JobDto, PlanDto } from '../../../src-main/contract/ipc'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { InventoryScreen } from '../../../src-renderer/features/inventory/InventoryScreen'
import { InventoryDetail } from '../../../src-renderer/features/inventory/InventoryDetail'
import { parseEventFrames, sessionToken } from '../../../src-renderer/bridge'
import { fakeBridge } from '../../support/fake-bridge'

function entry(i: number): EntryDto {
  const variable = i % 10 === 0
  return {
    kind: variable ? 'variable' : 'connection',
    id: `conn_${String(i).padStart(5, '0')}`,
    ...(!variable && { type: i % 2 ? 'postgres' : 'http' }),
    fields: variable
      ? { value: '***', description: `h${i}.internal` }
      : { host: `h${i}.internal`, password: '***', login: 'u' },
    secretFields: [variable ? 'value' : 'password']
  }
}

const PLAN: PlanDto = {
  planId: 'p1',
  source: 'demo:',
  target: 'envfile:/tmp/x.env',
  summary: { create: 2, update: 0, delete: 0, unchanged: 1, conflict: 0 },
  items: [],
  preflight: [],
  preflightErrors: 0,
  applicable: true
}

describe('inventory slice and screen', () => {
  it('keeps only the answer for the store last asked for', async () => {
    let release: () => void = () => undefined
    const slow = new Promise<void>((r) => (release = r))
    const bridge = fakeBridge({
      'entries:list': async ({ locator }) => {
        if (locator === 'slow:') await slow
        return { ok: true, value: { storeId: locator, entries: [], problems: [] } }
      }
    })
    const store = createAppStore(bridge)
    const first = store.getState().loadInventory('slow:')
    await store.getState().loadInventory('demo:')
    release()
    await first
    expect(store.getState().inventory?.storeId).toBe('demo:')
  })

  it('shows a listing asked for before the store existed, without asking again', async () => {
    let asked = 0
    const bridge = fakeBridge({
      'entries:list': ({ locator }) => {
        asked++
        return { ok: true, value: { storeId: locator, entries: [entry(1)], problems: [] } }
      }
    })
    // what main.tsx does: the listing is asked for first, the store made around it later
    const early = bridge.invoke('entries:list', { locator: 'demo:' })
    const store = createAppStore(bridge)
    await store.getState().loadInventory('demo:', early)
    expect(asked).toBe(1)
    expect(store.getState().inventoryStatus).toBe('ready')
    expect(store.getState().inventory?.entries.map((e) => e.id)).toEqual(['conn_00001'])
    // and the early answer is still dropped if another store was asked for meanwhile
    let release: () => void = () => undefined
    const held = new Promise<void>((r) => (release = r))
    const late = held.then(() => early)
    const first = store.getState().loadInventory('demo:', late)
    await store.getState().loadInventory('other:')
    release()
    await first
    expect(store.getState().inventory?.storeId).toBe('other:')
  })

  it('shows a listing that rejects (a bridge that throws) as failed, not loading for ever', async () => {
    const store = createAppStore(fakeBridge({}))
    await store.getState().loadInventory('demo:', Promise.reject(new Error('handler threw')))
    expect(store.getState().inventoryStatus).toBe('failed')
    expect(store.getState().inventoryError?.message).not.toContain('handler threw')
  })

  it('renders 50 000 rows as a window of a few dozen, and filters them', async () => {
    const entries = Array.from({ length: 50_000 }, (_, i) => entry(i))
    const bridge = fakeBridge({
      'entries:list': () => ({
        ok: true,
        value: {
          storeId: 'big',
          entries,
          problems: [
            {
              kind: 'connection',
              id: 'broken',
              code: 'fernet.invalid-token',
              message: 'broken: no key decrypts it'
            }
          ]
        }
      })
    })
    const store = createAppStore(bridge)
    render(
      <StoreContext.Provider value={store}>
        <InventoryScreen />
      </StoreContext.Provider>
    )
    await screen.findByText('conn_00001')
    expect(screen.getAllByTestId('row').length).toBeLessThan(60)
    expect(screen.getByTestId('inventory-count').textContent).toMatch(
      /50000 of 50000 entries · 1 could not be read/
    )
    expect(screen.getByTestId('problem').textContent).toMatch(/no key decrypts/)
    fireEvent.change(screen.getByTestId('inventory-kind'), { target: { value: 'variable' } })
    expect(screen.getByTestId('inventory-count').textContent).toMatch(/^5000 of 50000/)
    fireEvent.change(screen.getByTestId('inventory-search'), { target: { value: 'h49990.' } })
    expect(screen.getAllByTestId('row').map((r) => r.getAttribute('data-row-id'))).toEqual([
      'variable:conn_49990'
    ])
    expect(screen.queryByText(/\*\*\*/)).toBeTruthy()
  })
  it('shows every field of an entry whose answer left the empty ones out, "—" for those', () => {
    // (entries:list leaves out null fields, team, type, source key and empty secret lists)
    const bare: EntryDto = { kind: 'connection', id: 'bare', fields: { host: 'h', port: 5432 } }
    const store = createAppStore(fakeBridge({}))
    render(
      <StoreContext.Provider value={store}>
        <InventoryDetail
          entry={bare}
          locator="demo:"
          storeId="demo"
          dialect="airflow3"
          onClose={() => undefined}
        />
      </StoreContext.Provider>
    )
    const rows = [
      ...screen.getByTestId('inventory-detail-fields').querySelectorAll('.inv-field')
    ].map((r) => [r.getAttribute('data-field'), r.querySelector('dd')!.textContent])
    expect(rows).toEqual([
      ['conn_type', '—'],
      ['description', '—'],
      ['host', 'h'],
      ['login', '—'],
      ['password', '—'],
      ['schema', '—'],
      ['port', '5432'],
      ['extra', '—']
    ])
    expect(screen.getByTestId('inventory-detail-from').textContent).toBe('—')
  })
})

describe('migrate and jobs slices', () => {
  it('applies the plan without the items left out, then lists the job', async () => {
    const job: JobDto = {
      jobId: 'j1',
      createdAt: '2026-11-23T20:00:00Z',
      source: 'demo:',
      target: 'envfile:/tmp/x.env',
      total: 1,
      done: 0,
      failed: 0,
      state: 'interrupted (resume it)',
      running: true
    }
    const bridge = fakeBridge({
      'jobs:plan': () => ({ ok: true, value: PLAN }),
      'jobs:apply': () => ({ ok: true, value: { jobId: 'j1' } }),
      'jobs:list': () => ({ ok: true, value: [job] })
    })
    const store = createAppStore(bridge)
    await store
      .getState()
      .requestPlan({ source: 'demo:', target: 'envfile:/tmp/x.env', options: {} })
    expect(store.getState().planStatus).toBe('ready')
    store.getState().toggleSkipped('connection:a')
    store.getState().toggleSkipped('connection:b')
    store.getState().toggleSkipped('connection:a')
    expect(await store.getState().applyPlan()).toBe('j1')
    expect(bridge.calls.find((c) => c.channel === 'jobs:apply')?.args).toEqual([
      { planId: 'p1', skip: ['connection:b'] }
    ])
    expect(store.getState().jobs).toEqual([job])
  })

  it('records a refused plan as failed', async () => {
    const store = createAppStore(
      fakeBridge({
        'jobs:plan': () => ({ ok: false, error: { code: 'usage', message: 'Unknown store "x"' } })
      })
    )
    await store.getState().requestPlan({ source: 'x', target: 'y:', options: {} })
    expect(store.getState()).toMatchObject({
      planStatus: 'failed',
      planError: { code: 'usage' },
      plan: undefined
    })
  })

  it('follows progress events and reloads the list when a job ends', async () => {
    const bridge = fakeBridge({ 'jobs:list': () => ({ ok: true, value: [] }) })
    const store = createAppStore(bridge)
    const stop = store.getState().watchJobs()
    const base = {
      jobId: 'j1',
      done: 1,
      total: 4,
      failed: 0,
      refused: 0,
      retries: 0,
      throttled: 0,
      concurrency: null,
      rate: 2,
      etaSeconds: 1.5,
      error: null
    }
    act(() => bridge.push('jobs:progress', { ...base, state: 'running' }))
    expect(store.getState().progress.j1?.done).toBe(1)
    // Each event adds a rate sample for the job's chart.
    act(() => bridge.push('jobs:progress', { ...base, rate: 7, state: 'running' }))
    expect(store.getState().rateHistory.j1?.slice(-2)).toEqual([base.rate, 7])
    expect(bridge.calls.filter((c) => c.channel === 'jobs:list')).toHaveLength(0)
    act(() => bridge.push('jobs:progress', { ...base, done: 4, state: 'finished' }))
    expect(store.getState().progress.j1?.state).toBe('finished')
    expect(bridge.calls.filter((c) => c.channel === 'jobs:list')).toHaveLength(1)
    stop()
    act(() => bridge.push('jobs:progress', { ...base, done: 2, state: 'running' }))
    expect(store.getState().progress.j1?.done).toBe(4)
  })

  it('adds a profile, reporting a refusal beside the form', async () => {
    const bridge = fakeBridge({
      'profiles:add': ({ name }) =>
        name === 'bad'
          ? { ok: false, error: { code: 'usage', message: 'Profile name letters, digits…' } }
          : {
              ok: true,
              value: {
                name,
                kind: 'metadb',
                url: null,
                region: null,
                airflowVersion: null,
                credential: { method: 'password', params: {} },
                backendKwargs: {},
                secrets: { password: 'stored' },
                updatedAt: ''
              }
            },
      'profiles:list': () => ({ ok: true, value: [] })
    })
    const store = createAppStore(bridge)
    const profile = {
      kind: 'metadb' as const,
      url: null,
      region: null,
      airflowVersion: null,
      credential: { method: 'password', params: {} },
      backendKwargs: {}
    }
    expect(await store.getState().addProfile({ name: 'bad', profile })).toMatchObject({
      code: 'usage'
    })
    expect(
      await store.getState().addProfile({ name: 'ok', profile, secrets: { password: 'p' } })
    ).toBeUndefined()
    expect(store.getState().profilesStatus).toBe('ready')
  })
})

describe('web bridge helpers', () => {
  it('trades the launch code for the token once, removes it from the address, then uses the tab’s session', async () => {
    const codes = new Set(['code_ABC-123'])
    const sent: unknown[] = []
    const server = (async (url: string, init: RequestInit) => {
      const { code } = JSON.parse(String(init.body)) as { code: string }
      sent.push({ url, code })
      const ok = codes.delete(code)
      return new Response(
        JSON.stringify(
          ok
            ? { ok: true, value: { token: 'the-token' } }
            : {
                ok: false,
                error: { code: 'backend.access-denied', message: 'This link was already used' }
              }
        )
      )
    }) as unknown as typeof fetch
    window.sessionStorage.clear()
    window.history.replaceState(null, '', '/#code=code_ABC-123')
    expect(await sessionToken(window.location, window.sessionStorage, window.history, server)).toBe(
      'the-token'
    )
    expect(window.location.hash).toBe('')
    expect(sent).toEqual([{ url: '/api/session', code: 'code_ABC-123' }])
    // A reload: no code any more, the tab's session goes on.
    expect(await sessionToken(window.location, window.sessionStorage, window.history, server)).toBe(
      'the-token'
    )
    // The used link in a new tab (no session): refused with the server's words.
    window.sessionStorage.clear()
    window.history.replaceState(null, '', '/#code=code_ABC-123')
    await expect(
      sessionToken(window.location, window.sessionStorage, window.history, server)
    ).rejects.toThrow('This link was already used')
    await expect(
      sessionToken(window.location, window.sessionStorage, window.history, server)
    ).rejects.toThrow(/open a link `airlock serve` printed/)
  })

  it('parses server-sent event frames across chunk boundaries', () => {
    const got: [string, string][] = []
    const rest = parseEventFrames(
      ': hi\n\nevent: jobs:progress\ndata: {"a":1}\n\nevent: x\nda',
      (e, d) => got.push([e, d])
    )
    expect(got).toEqual([['jobs:progress', '{"a":1}']])
    expect(rest).toBe('event: x\nda')
  })
})
