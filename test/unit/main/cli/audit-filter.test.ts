// The audit gate's reading of `npm audit --json` (npm 7+ report format, written here by hand
// from npm's documented shape) and its exceptions: what fails the build and what does not.
import { describe, expect, it } from 'vitest'
import {
  checkExceptions,
  readAudit,
  verdict,
  type AuditException
} from '../../../../scripts/audit-filter.mjs'

const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'tar-fs': {
      name: 'tar-fs',
      severity: 'high',
      isDirect: false,
      via: [
        {
          source: 1104672,
          name: 'tar-fs',
          dependency: 'tar-fs',
          title: 'tar-fs can extract outside the specified dir',
          url: 'https://github.com/advisories/GHSA-8cj5-5rvv-wf4v',
          severity: 'high',
          range: '<2.1.2'
        }
      ],
      effects: ['prebuild-install'],
      range: '<2.1.2',
      nodes: ['node_modules/tar-fs'],
      fixAvailable: true
    },
    'prebuild-install': {
      name: 'prebuild-install',
      severity: 'high',
      isDirect: false,
      via: ['tar-fs'],
      effects: ['keytar'],
      range: '*',
      nodes: ['node_modules/prebuild-install'],
      fixAvailable: false
    },
    cookie: {
      name: 'cookie',
      severity: 'low',
      isDirect: false,
      via: [
        {
          source: 1103907,
          name: 'cookie',
          title: 'cookie accepts out of bounds characters',
          url: 'https://github.com/advisories/GHSA-pxg6-pf52-xh8x',
          severity: 'low',
          range: '<0.7.0'
        }
      ],
      effects: [],
      range: '<0.7.0',
      nodes: ['node_modules/cookie'],
      fixAvailable: true
    },
    ws: {
      name: 'ws',
      severity: 'critical',
      isDirect: true,
      via: [
        { source: 9001, name: 'ws', title: 'a crash', url: '', severity: 'critical', range: '<8' },
        { source: 9001, name: 'ws', title: 'a crash', url: '', severity: 'critical', range: '<8' }
      ],
      effects: [],
      range: '<8',
      nodes: ['node_modules/ws'],
      fixAvailable: { name: 'ws', version: '8.0.0', isSemVerMajor: true }
    }
  },
  metadata: {
    vulnerabilities: { info: 0, low: 1, moderate: 0, high: 2, critical: 1, total: 4 }
  }
}

describe('audit gate', () => {
  it('finds each advisory once, under the package it is about, by GHSA id or source', () => {
    const read = readAudit(report)
    if (!('findings' in read)) throw new Error('expected findings')
    expect(read.findings.map((f) => [f.package, f.severity, f.id])).toEqual([
      ['tar-fs', 'high', 'GHSA-8cj5-5rvv-wf4v'],
      ['cookie', 'low', 'GHSA-pxg6-pf52-xh8x'],
      ['ws', 'critical', '9001']
    ])
  })

  it('fails on high and critical that no live exception excuses, and names stale exceptions', () => {
    const read = readAudit(report)
    if (!('findings' in read)) throw new Error('expected findings')
    const exceptions: AuditException[] = [
      {
        id: 'GHSA-8cj5-5rvv-wf4v',
        package: 'tar-fs',
        reason: 'only at install time, through keytar; no fixed keytar yet',
        reviewBy: '2026-12-31'
      },
      { id: 'GHSA-0000-0000-0000', package: 'left-pad', reason: 'gone', reviewBy: '2027-01-01' }
    ]
    const now = verdict(read.findings, exceptions, '2026-11-24')
    expect(now.failing.map((f) => f.package)).toEqual(['ws'])
    expect(now.stale.map((e) => e.package)).toEqual(['left-pad'])
    // After its review-by date an exception excuses nothing.
    const later = verdict(read.findings, exceptions, '2027-01-02')
    expect(later.failing.map((f) => f.package)).toEqual(['tar-fs', 'ws'])
    expect(later.stale.map((e) => e.package)).toEqual(['tar-fs', 'left-pad'])
    // A clean report passes.
    expect(verdict([], [], '2026-11-24')).toEqual({ failing: [], stale: [] })
  })

  it('tells an unreachable audit endpoint from a clean report', () => {
    expect(
      readAudit({
        message:
          '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
        statusCode: 405,
        error: { summary: '', detail: '' }
      })
    ).toEqual({
      unreachable:
        '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk'
    })
    expect(readAudit(undefined)).toEqual({ unreachable: 'npm audit printed no JSON' })
    expect(readAudit({ auditReportVersion: 2, vulnerabilities: {} })).toEqual({ findings: [] })
  })

  it('refuses a malformed exceptions file, naming the entry and field', () => {
    expect(() => checkExceptions({})).toThrow('must be a list')
    expect(() => checkExceptions([{ id: 'x', package: 'p', reason: 'r' }])).toThrow(
      'entry 1 needs "reviewBy"'
    )
    expect(() =>
      checkExceptions([{ id: 'x', package: 'p', reason: 'r', reviewBy: 'soon' }])
    ).toThrow('entry 1 "reviewBy" must be YYYY-MM-DD')
  })
})
