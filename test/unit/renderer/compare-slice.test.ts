// Issue 19, "compare two stores": the compare slice behind the Compare screen and Migrate's
// hand-off to it.
import { describe, expect, it } from 'vitest'
import type { CompareDto, CompareRequest } from '../../../src-main/contract/ipc'
import { createAppStore } from '../../../src-renderer/store'
import { fakeBridge } from '../../support/fake-bridge'

const answer = (request: CompareRequest): CompareDto => ({
  a: request.a,
  b: request.b,
  dialect: request.dialect ?? 'airflow3',
  counts: { onlyA: 1, onlyB: 0, differs: 0, same: 0 },
  items: []
})

describe('compare slice', () => {
  it('19: openCompare shows the Compare screen with A and B filled in and compares them', async () => {
    const asked: CompareRequest[] = []
    const store = createAppStore(
      fakeBridge({
        'stores:compare': (request) => {
          asked.push(request)
          return { ok: true, value: answer(request) }
        }
      })
    )
    await store.getState().openCompare({
      a: 'envfile:/a.env',
      b: 'metadb:prod',
      kinds: 'variable',
      dialect: 'airflow2'
    })
    const s = store.getState()
    expect(s.screen).toBe('compare')
    expect(s.compareForm).toEqual({
      a: 'envfile:/a.env',
      b: 'metadb:prod',
      kinds: 'variable',
      dialect: 'airflow2'
    })
    expect(asked).toEqual([
      { a: 'envfile:/a.env', b: 'metadb:prod', kinds: ['variable'], dialect: 'airflow2' }
    ])
    expect(s.compareStatus).toBe('ready')
    expect(s.comparison?.b).toBe('metadb:prod')
    // no plan is made on the way
    expect(s.plan).toBeUndefined()
  })

  it('19: keeps only the answer to the comparison last asked for', async () => {
    let release: () => void = () => undefined
    const slow = new Promise<void>((r) => (release = r))
    const store = createAppStore(
      fakeBridge({
        'stores:compare': async (request) => {
          if (request.b === 'slow:') await slow
          return { ok: true, value: answer(request) }
        }
      })
    )
    store.getState().setCompareForm({ b: 'slow:' })
    const first = store.getState().requestCompare()
    store.getState().setCompareForm({ b: 'demo-env:' })
    await store.getState().requestCompare()
    release()
    await first
    expect(store.getState().comparison?.b).toBe('demo-env:')
    expect(store.getState().compareStatus).toBe('ready')
  })

  it('19: a failed comparison says why and shows no stale result', async () => {
    let fail = false
    const store = createAppStore(
      fakeBridge({
        'stores:compare': (request) =>
          fail
            ? { ok: false, error: { code: 'backend.not-found', message: 'x.env: no such file' } }
            : { ok: true, value: answer(request) }
      })
    )
    await store.getState().openCompare({ a: 'demo:', b: 'demo-env:' })
    fail = true
    await store.getState().requestCompare()
    expect(store.getState()).toMatchObject({
      compareStatus: 'failed',
      comparison: undefined,
      compareError: { code: 'backend.not-found' }
    })
  })
})
