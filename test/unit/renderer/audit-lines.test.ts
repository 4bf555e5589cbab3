import { describe, expect, it } from 'vitest'
import {
  auditDetails,
  auditFileName,
  auditJsonLines,
  auditMatches
} from '../../../src-renderer/features/audit/audit-lines'
import { splitPathLocator } from '../../../src-renderer/components/LocatorField'

const apply = {
  at: '2026-12-06T08:00:00.000Z',
  user: 'ana',
  job: '20261206T080000-a1b2c3',
  action: 'apply',
  source: 'envfile:/srv/a.env',
  target: 'vault:prod',
  applied: 2,
  failed: 0,
  ids: ['warehouse', 'region']
}

describe('audit lines', () => {
  it('writes one JSON object a line, as airlock audit --json prints them', () => {
    const rollback = { at: '2026-12-06T09:00:00.000Z', user: 'ana', job: 'j', action: 'rollback' }
    expect(auditJsonLines([apply, rollback])).toBe(
      `${JSON.stringify(apply)}\n${JSON.stringify(rollback)}\n`
    )
    expect(auditJsonLines([])).toBe('')
  })

  it('names the file by the UTC date', () => {
    expect(auditFileName(new Date('2026-12-06T23:59:59Z'))).toBe('audit-2026-12-06.jsonl')
  })

  it('sums up counts and id lists, and matches text in any field or id', () => {
    expect(auditDetails(apply)).toBe('applied 2, failed 0, ids 2')
    expect(auditMatches(apply, 'region')).toBe(true)
    expect(auditMatches(apply, 'vault:')).toBe(true)
    expect(auditMatches(apply, 'rollback')).toBe(false)
  })
})

describe('locator paths', () => {
  it('splits the file schemes and a SQLite metadata DB from the path typed after them', () => {
    expect(splitPathLocator('envfile:./a/b')).toEqual({ head: 'envfile:', path: './a/b' })
    expect(splitPathLocator('airflow-export:/x/')).toEqual({ head: 'airflow-export:', path: '/x/' })
    expect(splitPathLocator('metadb:sqlite:////srv/airflow.db')).toEqual({
      head: 'metadb:sqlite:///',
      path: '/srv/airflow.db'
    })
    for (const other of ['demo:', 'metadb:prod', 'vault:prod', 'env', 'metadb:postgresql://h/db'])
      expect(splitPathLocator(other), other).toBeUndefined()
  })
})
