import { describe, expect, it } from 'vitest'
import type { JobDto, JobProgressDto } from '../../../src-main/contract/ipc'
import { paletteMatch } from '../../../src-renderer/components/CommandPalette'
import { runningJobIds } from '../../../src-renderer/components/StatusBar'
import { isTextField } from '../../../src-renderer/components/screen-search'

const job = (jobId: string, running: boolean): JobDto => ({
  jobId,
  createdAt: '2026-01-01T00:00:00.000Z',
  source: 'demo:',
  target: 'demo-env:',
  total: 10,
  done: 0,
  failed: 0,
  state: running ? 'running' : 'finished',
  running
})
const progress = (jobId: string, state: JobProgressDto['state']): JobProgressDto => ({
  jobId,
  state,
  done: 1,
  total: 10,
  failed: 0,
  refused: 0,
  retries: 0,
  throttled: 0,
  concurrency: null,
  rate: 1,
  etaSeconds: null,
  error: null
})

describe('status bar: running jobs', () => {
  it('counts the listed running jobs, updated by the progress seen since', () => {
    expect(runningJobIds({ jobs: [job('a', true), job('b', false)], progress: {} })).toEqual(['a'])
    // a job started after the list, and one that ended since
    expect(
      runningJobIds({
        jobs: [job('a', true), job('b', false)],
        progress: { a: progress('a', 'finished'), c: progress('c', 'running') }
      })
    ).toEqual(['c'])
    expect(runningJobIds({ jobs: [], progress: {} })).toEqual([])
  })
})

describe('command palette: filter', () => {
  it('keeps an option when every word typed is in it, any order, any case', () => {
    expect(paletteMatch('', 'Screen Go to Migrate')).toBe(true)
    expect(paletteMatch('migr', 'Screen Go to Migrate')).toBe(true)
    expect(paletteMatch('MIGRATE go', 'Screen Go to Migrate')).toBe(true)
    expect(paletteMatch('migrate jobs', 'Screen Go to Migrate')).toBe(false)
    expect(
      paletteMatch('  postgres_default ', 'Connection Open postgres_default in Inventory')
    ).toBe(true)
  })
})

describe('/ outside text fields', () => {
  it('tells text fields from other controls', () => {
    const input = (type: string) => Object.assign(document.createElement('input'), { type })
    expect(isTextField(input('text'))).toBe(true)
    expect(isTextField(input('search'))).toBe(true)
    expect(isTextField(input('password'))).toBe(true)
    expect(isTextField(document.createElement('textarea'))).toBe(true)
    expect(isTextField(document.createElement('select'))).toBe(true)
    expect(isTextField(input('checkbox'))).toBe(false)
    expect(isTextField(document.createElement('button'))).toBe(false)
    expect(isTextField(document.body)).toBe(false)
    expect(isTextField(null)).toBe(false)
  })
})
