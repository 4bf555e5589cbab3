// Issue 20: a job opens in full beside the list, and "Retry failed items" puts a plan of them
// in Migrate. The bridge is faked (the answers main gives); the slice and screen are real.
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobDetailDto, JobDto, PlanDto } from '../../../src-main/contract/ipc'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { JobsScreen } from '../../../src-renderer/features/jobs/JobsScreen'
import { RateOverTime } from '../../../src-renderer/features/jobs/JobDetail'
import { fakeBridge } from '../../support/fake-bridge'

afterEach(cleanup)

const JOB: JobDto = {
  jobId: 'j1',
  createdAt: '2026-11-24T00:00:00Z',
  source: 'envfile:/a.env',
  target: 'vault:prod',
  total: 3,
  done: 3,
  failed: 1,
  state: 'finished with failures',
  running: false,
  durationMs: 2000,
  rate: 15
}

const DETAIL: JobDetailDto = {
  ...JOB,
  plan: { planId: 'plan-77', createdAt: '2026-11-23T23:59:00Z', dialect: 'airflow3', options: {} },
  counts: { applied: 2, failed: 1, refused: 0, skipped: 0, pending: 0 },
  totals: { durationMs: 2000, requests: 41, retries: 2, throttled: 5, overloaded: 1 },
  runs: [
    {
      kind: 'apply',
      startedAt: '2026-11-24T00:00:00Z',
      endedAt: '2026-11-24T00:00:02Z',
      durationMs: 2000,
      ended: 'finished',
      applied: 2,
      failed: 1,
      refused: 0,
      retries: 2,
      throttled: 5,
      overloaded: 1,
      requests: 41,
      rate: 15,
      samples: [
        { t: 1, done: 10, failed: 0, throttled: 0 },
        { t: 2, done: 30, failed: 1, throttled: 5 }
      ]
    }
  ],
  items: [
    item('alpha', 'applied', null, 0),
    item('beta', 'applied', null, 0),
    item('gamma', 'failed', 'the service answered 503 after 2 retries', 2)
  ],
  snapshot: { present: true, bytes: 2048 },
  rollback: { state: 'none', restored: 0, removed: 0, failed: 0, skipped: 0, remaining: 3 }
}

function item(
  id: string,
  outcome: 'applied' | 'failed',
  reason: string | null,
  retries: number
): JobDetailDto['items'][number] {
  return {
    kind: 'variable',
    sourceId: id,
    targetId: id,
    action: 'create',
    outcome,
    code: outcome === 'failed' ? 'backend.unavailable' : null,
    reason,
    retries,
    attempts: 1,
    at: '2026-11-24T00:00:01Z',
    rollback: null
  }
}

const RETRY_PLAN: PlanDto = {
  planId: 'retry-1',
  source: 'envfile:/a.env',
  target: 'vault:prod',
  summary: { create: 1, update: 0, delete: 0, unchanged: 0, conflict: 0 },
  items: [],
  preflight: [],
  preflightErrors: 0,
  applicable: true
}

function setup(retryOk: boolean) {
  const bridge = fakeBridge({
    'jobs:list': () => ({ ok: true, value: [JOB] }),
    'jobs:detail': ({ jobId }) =>
      jobId === 'j1'
        ? { ok: true, value: DETAIL }
        : { ok: false, error: { code: 'backend.not-found', message: `No job ${jobId}.` } },
    'jobs:retry-failed': () =>
      retryOk
        ? { ok: true, value: RETRY_PLAN }
        : { ok: false, error: { code: 'usage', message: 'Job j1 has no failed item.' } }
  })
  const store = createAppStore(bridge)
  store.getState().setScreen('jobs')
  render(
    <StoreContext.Provider value={store}>
      <JobsScreen />
    </StoreContext.Provider>
  )
  return { bridge, store }
}

describe('job detail', () => {
  it('opens on a click on the row: outcomes, reasons, retries, figures, plan, snapshot, chart', async () => {
    const { store } = setup(true)
    const row = await screen.findByTestId('job-row')
    expect(screen.queryByTestId('job-detail')).toBeNull()
    fireEvent.click(row.querySelector('td')!)
    const detail = await screen.findByTestId('job-detail')
    await within(detail).findByTestId('job-items')
    expect(store.getState().selectedJob).toBe('j1')
    const gamma = detail.querySelector('[data-id="gamma"]')!
    expect(gamma.getAttribute('data-outcome')).toBe('failed')
    expect(gamma.textContent).toContain('2×')
    expect(gamma.textContent).toContain(
      'backend.unavailable: the service answered 503 after 2 retries'
    )
    expect(detail.querySelector('[data-id="alpha"]')!.getAttribute('data-outcome')).toBe('applied')
    const text = (id: string) => within(detail).getByTestId(id).textContent
    expect(text('job-count-applied')).toBe('2 applied')
    expect(text('job-count-failed')).toBe('1 failed')
    expect(text('job-duration')).toBe('2.0 s')
    expect(text('job-requests')).toBe('41')
    expect(text('job-throttled')).toBe('5')
    expect(text('job-overloaded')).toBe('1')
    expect(text('job-plan')).toBe('plan-77')
    expect(text('job-plan-dialect')).toBe('airflow3')
    expect(text('job-snapshot')).toBe('encrypted, 2.0 KB')
    expect(text('job-rollback-state')).toBe('not rolled back (3 to put back)')
    // the rate between samples: 10 items in the first second, 20 in the next
    const chart = within(detail).getByTestId('job-detail-chart')
    expect(chart.getAttribute('aria-label')).toBe(
      'Rate over time: up to 20.0 items per second over 2.0 seconds'
    )
    expect(chart.textContent).toContain('items/s')
    expect(chart.textContent).toContain('seconds since the job began')
    // one throttling mark, where the throttled count rose
    expect(chart.querySelectorAll('.job-rate-throttle')).toHaveLength(1)
    fireEvent.click(within(detail).getByTestId('job-detail-close'))
    expect(screen.queryByTestId('job-detail')).toBeNull()
  })

  it('"Retry failed items" puts the plan of them in Migrate, ready, and switches to it', async () => {
    const { store, bridge } = setup(true)
    fireEvent.click(await screen.findByTestId('job-open'))
    const button = await screen.findByTestId('job-retry-failed')
    await act(async () => fireEvent.click(button))
    expect(bridge.calls.filter((c) => c.channel === 'jobs:retry-failed')[0]!.args).toEqual([
      { jobId: 'j1' }
    ])
    const s = store.getState()
    expect(s.plan?.planId).toBe('retry-1')
    expect(s.planStatus).toBe('ready')
    expect(s.skipped).toEqual([])
    expect(s.screen).toBe('migrate')
  })

  it('a refused retry says why and leaves Migrate as it was', async () => {
    const { store } = setup(false)
    fireEvent.click(await screen.findByTestId('job-open'))
    await act(async () => fireEvent.click(await screen.findByTestId('job-retry-failed')))
    expect((await screen.findByTestId('job-retry-error')).textContent).toContain(
      'has no failed item'
    )
    expect(store.getState().plan).toBeUndefined()
    expect(store.getState().screen).toBe('jobs')
  })

  it('keeps only the detail of the job last opened', async () => {
    let release: () => void = () => undefined
    const slow = new Promise<void>((r) => (release = r))
    const bridge = fakeBridge({
      'jobs:detail': async ({ jobId }) => {
        if (jobId === 'old') await slow
        return { ok: true, value: { ...DETAIL, jobId } }
      }
    })
    const store = createAppStore(bridge)
    const first = store.getState().openJob('old')
    await store.getState().openJob('j1')
    release()
    await first
    expect(store.getState().jobDetail?.jobId).toBe('j1')
  })
})

describe('the rate chart of a fast job', () => {
  it('labels the rate in thousands and a job under a second in milliseconds, every label whole', () => {
    // 2,000 items in 92 ms (21.7 k items/s): the labels were "000000", cut at the margin
    // as jobs:detail gives it: seconds since the run began, to the millisecond
    const run = {
      ...DETAIL.runs[0]!,
      durationMs: 92,
      applied: 2000,
      rate: 21739.1,
      samples: [
        { t: 0, done: 0, failed: 0, throttled: 0 },
        { t: 0.092, done: 2000, failed: 0, throttled: 0 }
      ]
    }
    render(<RateOverTime runs={[run]} />)
    expect(screen.getByTestId('job-detail-chart').getAttribute('aria-label')).toBe(
      'Rate over time: up to 21739.1 items per second over 92 milliseconds'
    )
    const chart = screen.getByTestId('job-detail-chart')
    const labels = [...chart.querySelectorAll('.job-rate-axis text')].map((t) => t.textContent!)
    expect(labels).toEqual(expect.arrayContaining(['0', '10k', '20k', '30k']))
    expect(labels).toContain('milliseconds since the job began')
    expect(labels).toEqual(expect.arrayContaining(['0', '50', '100']))
    // nothing longer than the margin holds (44 px: about five characters)
    const ticks = labels.filter((l) => /^[\d.]+[kM]?$/.test(l))
    expect(ticks.length).toBeGreaterThanOrEqual(6)
    for (const l of ticks) expect(l.length).toBeLessThanOrEqual(5)
  })
})
