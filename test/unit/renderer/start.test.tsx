// The page's start (main.tsx → start.tsx): the first listing asked for before the app, and what
// wins when the server stops or the listing fails meanwhile.
import { act } from '@testing-library/react'
import { beforeAll, describe, expect, it } from 'vitest'
import type { EntriesDto, IpcResult } from '../../../src-main/contract/ipc'
import { fakeBridge } from '../../support/fake-bridge'
import type * as StartModule from '../../../src-renderer/start'

let m: typeof StartModule
beforeAll(async () => {
  document.body.innerHTML = '<div id="root"></div>'
  m = await import('../../../src-renderer/start')
})

const later = <T,>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms))
const LISTING: IpcResult<EntriesDto> = {
  ok: true,
  value: {
    storeId: 'demo:metadb',
    entries: [{ kind: 'variable', id: 'v1', fields: { value: '***' }, secretFields: ['value'] }],
    problems: []
  }
}

describe('start', () => {
  it('keeps "Airlock has stopped" when the server stops while the first listing is on its way', async () => {
    const bridge = fakeBridge({})
    await act(async () => {
      const started = m.start(bridge, later(60, LISTING))
      m.showStopped()
      await started
      await later(20, undefined)
    })
    expect(document.querySelector('[data-testid="app-stopped"]')).not.toBeNull()
    expect(document.querySelector('[data-screen="inventory"]')).toBeNull()
  })
})
