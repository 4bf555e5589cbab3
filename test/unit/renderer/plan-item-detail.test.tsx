import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type {
  CutoverItemDto,
  PlanDto,
  PlanItemDetailDto,
  PlanItemDto
} from '../../../src-main/contract/ipc'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { PlanItemDetail } from '../../../src-renderer/features/migrate/PlanItemDetail'
import { REVEAL_MS } from '../../../src-renderer/features/inventory/SecretCell'
import { fakeBridge } from '../../support/fake-bridge'

type PlanItemDetailProps = Parameters<typeof PlanItemDetail>[0]

const OLD_PW = 'old-pw-unit-1'
const NEW_PW = 'new-pw-unit-2'

const plan: PlanDto = {
  planId: 'p1',
  source: 'envfile:a.env',
  target: 'envfile:b.env',
  summary: { create: 1, update: 1, delete: 0, unchanged: 0, conflict: 0 },
  items: [],
  preflight: [],
  preflightErrors: 0,
  applicable: true
}
const item = (targetId: string, kind: PlanItemDto['kind']): PlanItemDto => ({
  kind,
  sourceId: targetId,
  targetId,
  action: kind === 'connection' ? 'update' : 'create'
  // as the answer carries it: no resolution, changed fields or warnings left out
})

const detail = (targetId: string): PlanItemDetailDto => ({
  kind: 'connection',
  sourceId: targetId,
  targetId,
  action: 'update',
  resolution: null,
  sides: { before: true, after: true },
  fields: [
    { field: 'host', change: 'changed', secret: false, before: 'old', after: 'new' },
    { field: 'password', change: 'changed', secret: true }
  ],
  extra: [{ key: 'token', change: 'same', secret: true }],
  extraNote: null,
  writtenAs: { name: 'AIRFLOW_CONN_DB', store: 'envfile:b.env', verb: 'written' },
  writtenAsProblem: null,
  writtenAsNote: null,
  problems: [{ severity: 'error', message: 'two ids on one name' }],
  warnings: ['description dropped'],
  textAvailable: true
})

function setup() {
  const bridge = fakeBridge({
    'jobs:plan-item': (r) => ({ ok: true, value: detail(r.targetId) }),
    'jobs:plan-item-reveal': (r) => ({
      ok: true,
      value:
        r.part === 'text'
          ? {
              part: 'text',
              name: 'AIRFLOW_CONN_DB',
              text: `x://u:${NEW_PW}@h`,
              format: 'uri',
              note: null
            }
          : { part: 'password', before: OLD_PW, after: NEW_PW }
    })
  })
  const store = createAppStore(bridge)
  const view = (it: PlanItemDto, cutover?: PlanItemDetailProps['cutover']) => (
    <StoreContext.Provider value={store}>
      <PlanItemDetail plan={plan} item={it} cutover={cutover} />
    </StoreContext.Provider>
  )
  return { bridge, view }
}

describe('plan item detail', () => {
  beforeEach(() => void vi.useFakeTimers({ shouldAdvanceTime: true }))
  afterEach(() => {
    cleanup()
    vi.useRealTimers()
  })

  it('shows plain fields in clear and secrets masked until "Reveal both", then hides them again', async () => {
    const { bridge, view } = setup()
    const { container } = render(view(item('db', 'connection')))
    const pane = await screen.findByTestId('plan-detail')
    await within(pane).findByText('AIRFLOW_CONN_DB')
    expect(within(pane).getByText('old')).toBeTruthy()
    expect(within(pane).getByText('pre-flight error: two ids on one name')).toBeTruthy()
    expect(within(pane).getByText('description dropped')).toBeTruthy()
    expect(container.innerHTML).not.toContain(OLD_PW)
    expect(bridge.calls.map((c) => c.channel)).toEqual(['jobs:plan-item'])

    await act(async () => fireEvent.click(screen.getByTestId('plan-detail-reveal-password')))
    const revealed = await screen.findAllByTestId('revealed')
    expect(revealed.map((e) => e.textContent)).toEqual([OLD_PW, NEW_PW])
    expect(bridge.calls.at(-1)).toEqual({
      channel: 'jobs:plan-item-reveal',
      args: [{ planId: 'p1', kind: 'connection', targetId: 'db', part: 'password' }]
    })
    await act(async () => {
      await vi.advanceTimersByTimeAsync(REVEAL_MS + 10)
    })
    expect(container.innerHTML).not.toContain(OLD_PW)
  })

  it('forgets what was revealed when another item is shown', async () => {
    const { view } = setup()
    const { container, rerender } = render(view(item('db', 'connection')))
    const button = await screen.findByTestId('plan-detail-reveal-password')
    await act(async () => fireEvent.click(button))
    await screen.findAllByTestId('revealed')
    await act(async () => fireEvent.click(screen.getByTestId('plan-detail-show-text')))
    expect((await screen.findByTestId('plan-detail-text')).textContent).toContain(NEW_PW)
    rerender(view(item('other', 'connection')))
    await screen.findByTestId('plan-detail-reveal-password')
    expect(screen.getByTestId('plan-detail').getAttribute('data-id')).toBe('other')
    expect(container.innerHTML).not.toContain(NEW_PW)
    expect(container.innerHTML).not.toContain(OLD_PW)
  })

  it('hides the text to be written again after the reveal time, as a revealed field', async () => {
    const { view } = setup()
    const { container } = render(view(item('db', 'connection')))
    const button = await screen.findByTestId('plan-detail-show-text')
    await act(async () => fireEvent.click(button))
    expect((await screen.findByTestId('plan-detail-text')).textContent).toContain(NEW_PW)
    await act(async () => {
      await vi.advanceTimersByTimeAsync(REVEAL_MS + 10)
    })
    expect(container.innerHTML).not.toContain(NEW_PW)
    expect(screen.getByTestId('plan-detail-show-text')).toBeTruthy()
  })
})

describe('plan item detail with a cutover preview', () => {
  afterEach(cleanup)
  const shadowed: CutoverItemDto = {
    kind: 'connection',
    id: 'db',
    action: 'update',
    outcome: 'shadowed',
    winner: { layer: 'worker-env', role: 'worker-env', name: 'AIRFLOW_CONN_DB' },
    differs: true
  }

  it('says what Airflow reads after apply for this item, a shadowed one with the winning name', async () => {
    const { view } = setup()
    render(view(item('db', 'connection'), { model: 'airflow3-worker', item: shadowed }))
    const line = await screen.findByTestId('plan-detail-cutover')
    expect(line.getAttribute('data-outcome')).toBe('shadowed')
    expect(line.textContent).toContain(
      "shadowed: AIRFLOW_CONN_DB in the workers' environment still wins"
    )
    expect(line.textContent).toContain('its value differs')
  })

  it('says a conflict is not written, and says nothing without a preview', async () => {
    const { view } = setup()
    const { rerender } = render(
      view(item('db', 'connection'), { model: 'airflow2', item: undefined })
    )
    const line = await screen.findByTestId('plan-detail-cutover')
    expect(line.getAttribute('data-outcome')).toBe('not-written')
    rerender(view(item('db', 'connection')))
    await screen.findByTestId('plan-detail-fields')
    expect(screen.queryByTestId('plan-detail-cutover')).toBeNull()
  })
})
