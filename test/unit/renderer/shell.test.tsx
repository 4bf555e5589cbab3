import { describe, expect, it } from 'vitest'
import type { JobDto, JobProgressDto } from '../../../src-main/contract/ipc'
import { paletteMatch, paletteOptions } from '../../../src-renderer/components/CommandPalette'
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

describe('command palette: ranking', () => {
  // the palette's own order: screens, actions, profiles, then the inventory's ids
  const items = [
    { group: 'Screen', label: 'Go to Compare' },
    { group: 'Action', label: 'Import profiles from airflow.cfg' },
    { group: 'Action', label: 'Plan migration' },
    { group: 'Profile', label: 'Open vault-prod in Profiles' },
    { group: 'Connection', label: 'Open postgres_default in Inventory' },
    { group: 'Connection', label: 'Open mysql_default in Inventory' }
  ]
  const labels = (query: string, limit?: number) =>
    paletteOptions(items, query, limit).map((i) => i.label)

  it('lists matches at a word start before matches inside a word, else in list order', () => {
    // "po" is inside "Import" but starts "postgres_default"
    expect(labels('po')).toEqual([
      'Open postgres_default in Inventory',
      'Import profiles from airflow.cfg'
    ])
    // after _ - : / a word starts too
    expect(labels('def')).toEqual([
      'Open postgres_default in Inventory',
      'Open mysql_default in Inventory'
    ])
    expect(labels('prod')).toEqual(['Open vault-prod in Profiles'])
    // every word typed counts; equal ranks keep the list's order
    expect(labels('open in')).toEqual([
      'Open vault-prod in Profiles',
      'Open postgres_default in Inventory',
      'Open mysql_default in Inventory'
    ])
    expect(labels('')).toEqual(items.map((i) => i.label))
  })

  it('keeps the best matches within the limit', () => {
    expect(labels('po', 1)).toEqual(['Open postgres_default in Inventory'])
    expect(labels('o', 2)).toEqual([
      'Open vault-prod in Profiles',
      'Open postgres_default in Inventory'
    ])
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
