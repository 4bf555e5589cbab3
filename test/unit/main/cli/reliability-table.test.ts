// The "Attacks tried" tables of docs/reliability.md, rendered from a small vitest JSON report
// written by hand in vitest's shape (testResults[].assertionResults[] with ancestorTitles,
// title, status), and the discovery of the files that hold attack blocks.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  attackFiles,
  attackRows,
  renderAttackTables
} from '../../../../scripts/reliability-table.mjs'
import { tempDir } from '../../../support/temp-dir'

const root = '/repo'
const report = {
  numTotalTests: 6,
  testResults: [
    {
      name: '/repo/test/integration/jobs.test.ts',
      status: 'failed',
      assertionResults: [
        {
          ancestorTitles: ['jobs', 'attack: job integrity'],
          title: '17.10 rollback skips an item changed since the job',
          status: 'passed'
        },
        {
          ancestorTitles: ['attack: job integrity'],
          title: '17.2 a second apply into one .env is refused | naming the holder',
          status: 'failed'
        },
        {
          ancestorTitles: ['jobs'],
          title: 'resumes after kill -9',
          status: 'passed'
        }
      ]
    },
    {
      name: '/repo/test/unit/main/ipc/limits.test.ts',
      status: 'passed',
      assertionResults: [
        {
          ancestorTitles: ['attack: limits'],
          title: '17.17 a request nested 1,000 deep is refused',
          status: 'passed'
        },
        {
          ancestorTitles: ['attack: limits'],
          title: '17.17 a slow lookup pattern times out',
          status: 'skipped'
        },
        {
          ancestorTitles: ['attack: timing'],
          title: 'a category the page does not list yet',
          status: 'pending'
        }
      ]
    }
  ]
}

describe('reliability: attacks tried', () => {
  it('keeps only the tests inside an attack block, with finding, file and outcome', () => {
    const rows = attackRows(report, root)
    expect(rows).toHaveLength(5)
    expect(rows[0]).toEqual({
      category: 'job integrity',
      finding: '17.10',
      title: '17.10 rollback skips an item changed since the job',
      file: 'test/integration/jobs.test.ts',
      outcome: 'passed'
    })
    expect(rows.map((r) => r.outcome)).toEqual(['passed', 'failed', 'passed', 'skipped', 'skipped'])
    expect(rows[4]).toMatchObject({ category: 'timing', finding: '—' })
  })

  it('renders one table per category, findings in numeric order, every category listed', () => {
    const md = renderAttackTables(attackRows(report, root))
    expect(md).toContain('## Attacks tried')
    expect(md).toContain('5 attacks, 2 passed, 1 failed, 2 skipped')
    const integrity = md.slice(md.indexOf('### job integrity'), md.indexOf('### plan binding'))
    // 17.2 before 17.10; a | in a title is escaped so the table keeps its columns.
    expect(integrity.indexOf('| 17.2 |')).toBeLessThan(integrity.indexOf('| 17.10 |'))
    expect(integrity).toContain(
      '| 17.2 | 17.2 a second apply into one .env is refused \\| naming the holder | `test/integration/jobs.test.ts` | failed |'
    )
    expect(md).toContain(
      '| 17.17 | 17.17 a request nested 1,000 deep is refused | `test/unit/main/ipc/limits.test.ts` | passed |'
    )
    // Categories without a test still get a heading; an unknown one comes after the known ones.
    expect(md).toMatch(/### secret hygiene\n\nNo attack test in this category yet\./)
    expect(md.indexOf('### timing')).toBeGreaterThan(md.indexOf('### build'))
    expect(md).not.toContain('resumes after kill -9')
  })

  it('an empty report still renders every category', () => {
    const md = renderAttackTables(attackRows({ testResults: [] }, root))
    expect(md).toContain('0 attacks, 0 passed, 0 failed, 0 skipped')
    expect(md.match(/No attack test in this category yet\./g)).toHaveLength(6)
  })
})

describe('reliability: attack files', () => {
  let dir: string | undefined
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('finds the test files that hold an attack block, wherever they are under test/', () => {
    dir = tempDir('airlock-attacks-')
    mkdirSync(join(dir, 'test/unit/deep'), { recursive: true })
    mkdirSync(join(dir, 'test/integration'), { recursive: true })
    writeFileSync(
      join(dir, 'test/unit/deep/a.test.ts'),
      "describe('attack: limits', () => { it('17.17 x', () => {}) })\n"
    )
    writeFileSync(join(dir, 'test/integration/b.test.ts'), "describe('jobs', () => {})\n")
    writeFileSync(join(dir, 'test/integration/c.test.ts'), "describe('attack: build', () => {})\n")
    writeFileSync(join(dir, 'test/integration/helper.ts'), "describe('attack: build'\n")
    writeFileSync(
      join(dir, 'test/integration/d.test.ts'),
      `const fixture = "describe('attack: build'"\n`
    )
    expect(attackFiles(dir)).toEqual(['test/integration/c.test.ts', 'test/unit/deep/a.test.ts'])
  })
})
