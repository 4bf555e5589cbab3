// The Jobs screen shows what a running job meets: throttling, requests in flight, retries.
import { act, cleanup, render, screen } from '@testing-library/react'
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
})
