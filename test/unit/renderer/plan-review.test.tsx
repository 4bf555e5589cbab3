// Issue 19's plan review and cutover preview in Migrate: the filters and their counts, the
// runtime fields sent with jobs:plan, the cutover's words, and the screen from the keyboard.
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { CutoverDto, PlanDto, PlanItemDto } from '../../../src-main/contract/ipc'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { MigrateScreen } from '../../../src-renderer/features/migrate/MigrateScreen'
import {
  idMatcher,
  reviewPlan,
  type PlanFilter
} from '../../../src-renderer/features/migrate/plan-filter'
import {
  layerWords,
  outcomeSentence,
  shadowedWarning
} from '../../../src-renderer/features/migrate/cutover-text'
import { parseLayers, previewFields } from '../../../src-renderer/features/migrate/preview-request'
import { fakeBridge } from '../../support/fake-bridge'

afterEach(cleanup)

const item = (
  kind: PlanItemDto['kind'],
  id: string,
  action: PlanItemDto['action'],
  sourceId: string | null = id
): PlanItemDto => ({
  kind,
  sourceId,
  targetId: id,
  action
  // as the answer carries it: no resolution, changed fields or warnings left out
})

const ITEMS: PlanItemDto[] = [
  item('connection', 'pg_main', 'update'),
  item('variable', 'old', 'delete', null),
  item('connection', 'aws_default', 'create'),
  item('variable', 'same', 'unchanged'),
  item('variable', 'fresh', 'create'),
  item('connection', 'clash', 'conflict')
]

const CUTOVER: CutoverDto = {
  runtime: 'demo',
  model: 'airflow3-worker',
  target: { layer: 'Execution API → metadata DB', role: 'metastore' },
  counts: { readsNew: 2, alreadyEqual: 1, shadowed: 2 },
  items: [
    {
      kind: 'connection',
      id: 'pg_main',
      action: 'update',
      outcome: 'shadowed',
      winner: { layer: 'env on the worker', role: 'worker-env', name: 'AIRFLOW_CONN_PG_MAIN' },
      differs: true
    },
    { kind: 'variable', id: 'old', action: 'delete', outcome: 'reads-new' },
    {
      kind: 'connection',
      id: 'aws_default',
      action: 'create',
      outcome: 'reads-new',
      winner: { layer: 'Execution API → metadata DB', role: 'metastore', name: 'aws_default' }
    },
    {
      kind: 'variable',
      id: 'same',
      action: 'unchanged',
      outcome: 'shadowed',
      winner: {
        layer: 'Execution API → env on the API server',
        role: 'env',
        name: 'AIRFLOW_VAR_SAME'
      },
      differs: false
    },
    {
      kind: 'variable',
      id: 'fresh',
      action: 'create',
      outcome: 'already-equal',
      winner: { layer: 'env on the worker', role: 'worker-env', name: 'AIRFLOW_VAR_FRESH' }
    }
  ],
  notes: ['layer 1. [workers] secrets_backend, else [secrets] backend: not inspected']
}

const PLAN: PlanDto = {
  planId: 'p-review',
  source: 'envfile:/tmp/source.env',
  target: 'demo:',
  summary: { create: 2, update: 1, delete: 1, unchanged: 1, conflict: 1 },
  items: ITEMS,
  preflight: [],
  preflightErrors: 0,
  applicable: true,
  cutover: CUTOVER
}

const ALL: PlanFilter = {
  actions: new Set(['create', 'update', 'delete', 'unchanged', 'conflict']),
  kind: 'both',
  ids: '',
  shadowedOnly: false
}

describe('plan filters', () => {
  it('matches comma-separated globs, ignoring case, with other characters taken literally', () => {
    const m = idMatcher(' PG_* , ?ws_default')
    expect(['pg_main', 'aws_default', 'xws_default', 'pg', 'my_pg_main'].map(m)).toEqual([
      true,
      true,
      true,
      false,
      false
    ])
    expect(idMatcher('a.b')('axb')).toBe(false)
    expect(idMatcher('a.b')('A.B')).toBe(true)
    expect(idMatcher('')('anything')).toBe(true)
  })

  it("groups rows in Terraform's order and counts every action under the other filters", () => {
    const all = reviewPlan(PLAN, ALL)
    expect(all.rows.map((r) => `${r.action}:${r.targetId}`)).toEqual([
      'create:aws_default',
      'create:fresh',
      'update:pg_main',
      'delete:old',
      'conflict:clash',
      'unchanged:same'
    ])
    expect(all.counts).toEqual({ create: 2, update: 1, delete: 1, unchanged: 1, conflict: 1 })
    // hiding an action hides its rows, not its count
    const noCreates = reviewPlan(PLAN, {
      ...ALL,
      actions: new Set(['update', 'delete', 'unchanged', 'conflict'])
    })
    expect(noCreates.rows.map((r) => r.targetId)).toEqual(['pg_main', 'old', 'clash', 'same'])
    expect(noCreates.counts.create).toBe(2)
    // kind and id narrow both
    const variables = reviewPlan(PLAN, { ...ALL, kind: 'variable' })
    expect(variables.counts).toEqual({ create: 1, update: 0, delete: 1, unchanged: 1, conflict: 0 })
    const ids = reviewPlan(PLAN, { ...ALL, ids: 'pg_*,clash' })
    expect(ids.rows.map((r) => r.targetId)).toEqual(['pg_main', 'clash'])
  })

  it('keeps only the shadowed items when asked', () => {
    const shadowed = reviewPlan(PLAN, { ...ALL, shadowedOnly: true })
    expect(shadowed.rows.map((r) => r.targetId)).toEqual(['pg_main', 'same'])
    expect(shadowed.counts).toEqual({ create: 0, update: 1, delete: 0, unchanged: 1, conflict: 0 })
  })
})

describe('the runtime sent with jobs:plan', () => {
  it('reads layers as role=store, keeping commas inside a locator', () => {
    expect(
      parseLayers('worker-env=envfile:/srv/a,b.env, metastore=metadb:prod;env=env:\n')
    ).toEqual({ 'worker-env': 'envfile:/srv/a,b.env', metastore: 'metadb:prod', env: 'env:' })
    expect(parseLayers('')).toEqual({})
    expect(parseLayers('envfile:/srv/w.env')).toMatch(/"envfile:\/srv\/w.env" is not role=store/)
    expect(parseLayers('env=')).toMatch(/is not role=store/)
  })

  it('sends nothing for None, and the runtime, model and layers otherwise', () => {
    const form = { model: '' as const, cfgPath: '', layers: 'env=envfile:/x.env' }
    expect(previewFields({ ...form, runtime: 'none' })).toEqual({ fields: {} })
    expect(previewFields({ ...form, runtime: 'demo', model: 'airflow3-worker' })).toEqual({
      fields: { runtime: 'demo', model: 'airflow3-worker', layers: { env: 'envfile:/x.env' } }
    })
    expect(
      previewFields({
        ...form,
        runtime: 'airflow-config',
        cfgPath: ' /srv/airflow.cfg ',
        layers: ''
      })
    ).toEqual({ fields: { runtime: 'airflow-config:/srv/airflow.cfg' } })
    expect(previewFields({ ...form, runtime: 'layers', layers: '' })).toEqual({
      fields: { layers: {} }
    })
    expect(previewFields({ ...form, runtime: 'demo', layers: 'nonsense' })).toHaveProperty('error')
  })
})

describe('the cutover in words', () => {
  it('reads like issue 19', () => {
    expect(outcomeSentence(CUTOVER.items[0]!, 'airflow3-worker')).toBe(
      "shadowed: AIRFLOW_CONN_PG_MAIN in the workers' environment still wins"
    )
    expect(outcomeSentence(CUTOVER.items[2]!, 'airflow3-worker')).toBe(
      'Airflow will read the new value'
    )
    expect(outcomeSentence(CUTOVER.items[4]!, 'airflow3-worker')).toBe('no change: already equal')
    expect(shadowedWarning(3)).toBe('3 items will stay shadowed after apply')
    expect(shadowedWarning(1)).toBe('1 item will stay shadowed after apply')
  })

  it('names each layer as the runtime has it', () => {
    const at = (role: string, layer = 'x') => ({ role, layer, name: 'N' })
    expect(layerWords(at('env'), 'airflow3-server')).toBe("the API server's environment")
    expect(layerWords(at('env'), 'airflow2')).toBe('the environment')
    expect(layerWords(at('custom-backend'), 'airflow2')).toBe('the [secrets] backend')
    expect(layerWords(at('custom-backend'), 'astro')).toBe('the secrets backend')
    expect(layerWords(at('astro-environment-manager'), 'astro')).toBe(
      'the Astro Environment Manager'
    )
    expect(layerWords(at('worker-backend'), 'airflow3-worker')).toBe("the workers' secrets backend")
    expect(layerWords(at('something-new', 'its own label'), 'astro')).toBe('its own label')
  })
})

describe('Migrate screen: plan review and cutover preview', () => {
  async function planned(answer: PlanDto = PLAN) {
    const bridge = fakeBridge({ 'jobs:plan': () => ({ ok: true, value: answer }) })
    const store = createAppStore(bridge)
    render(
      <StoreContext.Provider value={store}>
        <MigrateScreen />
      </StoreContext.Provider>
    )
    fireEvent.change(screen.getByTestId('plan-target'), { target: { value: 'demo:' } })
    fireEvent.change(screen.getByTestId('plan-runtime'), { target: { value: 'demo' } })
    fireEvent.change(screen.getByTestId('plan-model'), { target: { value: 'airflow3-worker' } })
    fireEvent.change(screen.getByTestId('plan-layers'), {
      target: { value: 'worker-env=envfile:/srv/worker.env' }
    })
    await act(async () => fireEvent.click(screen.getByTestId('plan-make')))
    return { bridge, store }
  }

  it('sends the runtime with the plan and shows the summary, the outcomes and the warning', async () => {
    const { bridge } = await planned()
    const call = bridge.calls.find((c) => c.channel === 'jobs:plan')!
    expect(call.args[0]).toMatchObject({
      source: 'demo:',
      target: 'demo:',
      runtime: 'demo',
      model: 'airflow3-worker',
      layers: { 'worker-env': 'envfile:/srv/worker.env' }
    })
    expect(screen.getByTestId('cutover-count-reads-new').textContent).toBe(
      'Airflow will read the new value: 2'
    )
    expect(screen.getByTestId('cutover-count-already-equal').textContent).toBe(
      'no change: already equal: 1'
    )
    expect(screen.getByTestId('cutover-count-shadowed').textContent).toBe('shadowed: 2')
    expect(screen.getByTestId('cutover-notes').textContent).toContain('not inspected')
    const row = document.querySelector('[data-id="pg_main"]')!
    expect(row.getAttribute('data-outcome')).toBe('shadowed')
    expect(within(row as HTMLElement).getByTestId('cutover-outcome').textContent).toBe(
      "⚠ shadowed: AIRFLOW_CONN_PG_MAIN in the workers' environment still wins (its value differs)"
    )
    // the unchanged item is hidden at first, yet it stays shadowed: it is counted
    expect(document.querySelector('[data-id="same"]')).toBeNull()
    expect(screen.getByTestId('apply-shadowed-warning').textContent).toContain(
      '2 items will stay shadowed after apply'
    )
    fireEvent.click(screen.getByTestId('apply-shadowed-show'))
    expect(
      [...document.querySelectorAll('[data-testid="plan-item"]')].map((e) =>
        e.getAttribute('data-id')
      )
    ).toEqual(['pg_main', 'same'])
  })

  it('Space includes or leaves out the active item, Enter opens its detail, Escape closes it', async () => {
    const { store } = await planned()
    const grid = screen.getByTestId('plan-table')
    const apply = screen.getByTestId('plan-apply')
    expect(apply.textContent).toBe('Apply 4 changes')
    fireEvent.focus(grid)
    // aws_default (create) is first
    fireEvent.keyDown(grid, { key: ' ' })
    expect(store.getState().skipped).toEqual(['connection:aws_default'])
    expect(apply.textContent).toBe('Apply 3 changes')
    expect(screen.getByTestId('apply-shadowed-warning').textContent).toContain(
      '2 items will stay shadowed'
    )
    fireEvent.keyDown(grid, { key: 'ArrowDown' })
    fireEvent.keyDown(grid, { key: 'ArrowDown' })
    fireEvent.keyDown(grid, { key: ' ' })
    // pg_main left out: its shadowing no longer counts
    expect(screen.getByTestId('apply-shadowed-warning').textContent).toContain(
      '1 item will stay shadowed after apply'
    )
    fireEvent.keyDown(grid, { key: 'Enter' })
    expect(store.getState().selectedItem).toBe('connection:pg_main')
    expect(screen.getByTestId('plan-detail').textContent).toContain('pg_main')
    fireEvent.keyDown(grid, { key: 'Escape' })
    expect(screen.queryByTestId('plan-detail')).toBeNull()
    expect(store.getState().selectedItem).toBeUndefined()
  })

  it('refuses layers that are not role=store without asking main', async () => {
    const bridge = fakeBridge({ 'jobs:plan': () => ({ ok: true, value: PLAN }) })
    render(
      <StoreContext.Provider value={createAppStore(bridge)}>
        <MigrateScreen />
      </StoreContext.Provider>
    )
    fireEvent.change(screen.getByTestId('plan-target'), { target: { value: 'demo:' } })
    fireEvent.change(screen.getByTestId('plan-runtime'), { target: { value: 'demo' } })
    fireEvent.change(screen.getByTestId('plan-layers'), { target: { value: '/srv/worker.env' } })
    await act(async () => fireEvent.click(screen.getByTestId('plan-make')))
    expect(screen.getByTestId('plan-form-error').textContent).toContain('is not role=store')
    // the store fields list the profiles to suggest; no plan is asked for
    expect(bridge.calls.filter((c) => c.channel !== 'profiles:list')).toEqual([])
  })

  it('a new plan closes the detail of the last one', async () => {
    const { store } = await planned()
    act(() => store.getState().selectItem('connection:pg_main'))
    expect(screen.getByTestId('plan-detail')).toBeTruthy()
    await act(() => store.getState().requestPlan({ source: 'demo:', target: 'demo:', options: {} }))
    expect(store.getState().selectedItem).toBeUndefined()
    expect(screen.queryByTestId('plan-detail')).toBeNull()
  })
})
