import { appendFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeAudit } from '../../../../src-main/jobs/audit'
import { auditHistory, parseSince } from '../../../../src-main/operations/audit'
import { tempDir } from '../../../support/temp-dir'

describe('audit history', () => {
  const dir = tempDir('airlock-audit-unit-')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads --since as an ISO time or a duration back from now, and refuses the rest', () => {
    const now = Date.parse('2026-12-06T12:00:00Z')
    expect(parseSince('90s', now).toISOString()).toBe('2026-12-06T11:58:30.000Z')
    expect(parseSince('30m', now).toISOString()).toBe('2026-12-06T11:30:00.000Z')
    expect(parseSince('24h', now).toISOString()).toBe('2026-12-05T12:00:00.000Z')
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-29T12:00:00.000Z')
    expect(parseSince('2w', now).toISOString()).toBe('2026-11-22T12:00:00.000Z')
    expect(parseSince('2026-12-01', now).toISOString()).toBe('2026-12-01T00:00:00.000Z')
    expect(parseSince('2026-12-01T08:00:00Z', now).toISOString()).toBe('2026-12-01T08:00:00.000Z')
    for (const bad of ['yesterday', '7', '-1d', '1y', '2026-13-45', '12/01/2026', ''])
      expect(() => parseSince(bad, now), bad).toThrow(/--since takes/)
    // the app names its own field, not the CLI's flag
    expect(() => parseSince('yesterday', now, 'Since')).toThrow(/^Since takes an ISO time/)
  })

  it('filters by time, action, store and job, and skips a torn last line', () => {
    writeAudit(dir, { job: 'j1', action: 'apply', source: 'envfile:a.env', target: 'vault:prod' })
    writeAudit(dir, { job: 'j1', action: 'rollback', target: 'vault:prod' })
    writeAudit(dir, {
      job: 'j2',
      action: 'apply',
      source: 'metadb:postgresql://etl@db/airflow',
      target: 'envfile:b.env'
    })
    appendFileSync(join(dir, 'audit.jsonl'), '{"at": "2026-12-0')
    const jobs = (q: Parameters<typeof auditHistory>[1]) =>
      auditHistory(dir, q).map((r) => `${r.job} ${r.action}`)
    expect(jobs({})).toEqual(['j1 apply', 'j1 rollback', 'j2 apply'])
    expect(jobs({ actions: ['apply'] })).toEqual(['j1 apply', 'j2 apply'])
    expect(jobs({ store: 'vault:prod' })).toEqual(['j1 apply', 'j1 rollback'])
    expect(jobs({ jobId: 'j2' })).toEqual(['j2 apply'])
    // a store named with its password matches the record, which has none
    expect(jobs({ store: 'metadb:postgresql://etl:s3cret@db/airflow' })).toEqual(['j2 apply'])
    expect(jobs({ since: '1h' })).toHaveLength(3)
    expect(auditHistory(dir, { since: '1h' }, Date.now() + 7_200_000)).toEqual([])
    for (const r of auditHistory(dir, {})) expect(r).toHaveProperty('user')
  })
})
