// The Jobs screen shows what a running job meets: throttling, requests in flight, retries.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import type { JobProgressDto } from '../../../src-main/contract/ipc'
import { afterEach, describe, expect, it } from 'vitest'
import { createAppStore, StoreContext } from '../../../src-renderer/store'
import { JobsScreen } from '../../../src-renderer/features/jobs/JobsScreen'
import { fakeBridge } from '../../support/fake-bridge'

afterEach(cleanup)

describe('jobs screen', () => {
  it('shows progress, rate, throttling, requests in flight and retries of a running job', async () => {
    const bridge = fakeBridge({
      'jobs:list': () => ({
        ok: true,
        value: [
          {
            jobId: 'j1',
            createdAt: '2026-11-24T00:00:00Z',
            source: 'demo:',
            target: 'vault:prod',
            total: 100,
            done: 0,
            failed: 0,
            state: 'running',
            running: true
          }
        ]
      })
    })
    const store = createAppStore(bridge)
    const stop = store.getState().watchJobs()
    render(
      <StoreContext.Provider value={store}>
        <JobsScreen />
      </StoreContext.Provider>
    )
    const progress = await screen.findByTestId('job-progress')
    act(() =>
      bridge.push('jobs:progress', {
        jobId: 'j1',
        state: 'running',
        done: 40,
        total: 100,
        failed: 0,
        refused: 0,
        retries: 3,
        throttled: 7,
        concurrency: 4,
        rate: 20,
        etaSeconds: 3,
        error: null
      })
    )
    expect(progress.textContent).toBe(
      '40/100 · 20.0/s · ETA 3 s · throttled 7×, 4 in flight · 3 retries'
    )
    stop()
  })

  it("shows a rollback's progress and Cancel in the row and the detail, then its outcome", async () => {
    const job = {
      jobId: 'j2',
      createdAt: '2026-11-24T00:00:00Z',
      source: 'demo:',
      target: 'vault:prod',
      total: 100,
      done: 100,
      failed: 0,
      state: 'finished',
      running: false
    }
    const bridge = fakeBridge({
      'jobs:list': () => ({ ok: true, value: [job] }),
      'jobs:detail': () => ({
        ok: true,
        value: {
          ...job,
          plan: { planId: 'p', createdAt: null, dialect: null, options: null },
          counts: { applied: 100, failed: 0, refused: 0, skipped: 0, pending: 0 },
          totals: { durationMs: null, requests: null, retries: 0, throttled: 0, overloaded: 0 },
          runs: [],
          items: [],
          snapshot: { present: true, bytes: 10 },
          rollback: {
            state: 'none',
            restored: 0,
            removed: 0,
            failed: 0,
            skipped: 0,
            remaining: 100
          }
        }
      }),
      'jobs:cancel': () => ({ ok: true, value: { cancelled: true } })
    })
    const store = createAppStore(bridge)
    const stop = store.getState().watchJobs()
    render(
      <StoreContext.Provider value={store}>
        <JobsScreen />
      </StoreContext.Provider>
    )
    const row = await screen.findByTestId('job-row')
    fireEvent.click(row.querySelector('td')!)
    const detail = await screen.findByTestId('job-detail')
    await within(detail).findByTestId('job-detail-rollback')
    const progress = (p: Partial<JobProgressDto>) =>
      act(() =>
        bridge.push('jobs:progress', {
          jobId: 'j2',
          state: 'running',
          done: 30,
          total: 100,
          failed: 0,
          refused: 0,
          retries: 0,
          throttled: 0,
          concurrency: null,
          rate: 10,
          etaSeconds: 7,
          error: null,
          run: 'rollback',
          ...p
        })
      )
    progress({})
    expect(row.getAttribute('data-state')).toBe('rolling back')
    expect(within(row).getByTestId('job-progress').textContent).toBe(
      '30/100 put back · 10.0/s · ETA 7 s'
    )
    expect(within(detail).getByTestId('job-detail-progress').textContent).toBe(
      '30/100 put back · 10.0/s · ETA 7 s'
    )
    expect(within(detail).queryByTestId('job-detail-rollback')).toBeNull()
    fireEvent.click(within(detail).getByTestId('job-detail-cancel'))
    const said = () => store.getState().toasts.map((t) => `${t.tone}: ${t.message}`)
    await waitFor(() =>
      expect(said()).toContain(
        'success: Stopping the rollback of j2; roll it back again to finish the rest.'
      )
    )
    expect(bridge.calls.filter((c) => c.channel === 'jobs:cancel')).toEqual([
      { channel: 'jobs:cancel', args: [{ jobId: 'j2' }] }
    ])
    progress({
      state: 'cancelled',
      rollback: { restored: 10, removed: 20, failed: ['pg'], skipped: [], cancelled: true }
    })
    expect(said()).toContain(
      'warning: Stopped the rollback of j2: 10 restored, 20 removed, failed: pg; roll it back again to finish the rest.'
    )
    expect(row.getAttribute('data-state')).toBe('finished')
    expect(within(detail).queryByTestId('job-detail-cancel')).toBeNull()
    stop()
  })
})
