// The "Attacks tried" section of docs/reliability.md: every test titled after an issue finding
// (`17.4 …`) inside a `describe('attack: <category>', …)` block, one table per category, with
// the outcome vitest reported. Pure but for `attackFiles`, which finds the test files that hold
// such blocks (so a new file joins the run without being listed).
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

/** The categories in the order the page shows them; any other category follows, sorted. */
export const ATTACK_CATEGORIES = [
  'job integrity',
  'plan binding',
  'secret hygiene',
  'bad input',
  'limits',
  'build'
]

// At the start of a line: a test that only quotes one (as its own unit test does) is not taken.
// `describe(`, `describe.skipIf(…)(` or the title alone on its line (a long describe call).
const ATTACK_BLOCK = /^\s*(describe(\.\w+\(.*\))?\(\s*)?['"`]attack: /m

/**
 * @typedef {{ category: string, finding: string, title: string, file: string, outcome: 'passed' | 'failed' | 'skipped' }} AttackRow
 */

/** The test files under `dir` (relative to `root`, sorted) that hold a `describe('attack: …` block. */
export function attackFiles(root, dir = 'test') {
  const found = []
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(child)
      } else if (/\.test\.tsx?$/.test(entry.name) && ATTACK_BLOCK.test(readFileSync(child, 'utf8')))
        found.push(relative(root, child))
    }
  }
  walk(join(root, dir))
  return found.sort()
}

/** vitest's status in the words of the table (pending, todo and skipped read `skipped`). */
function outcome(status) {
  return status === 'passed' ? 'passed' : status === 'failed' ? 'failed' : 'skipped'
}

/**
 * The attack tests of a vitest JSON report (`--reporter=json`): those with an ancestor
 * `attack: <category>` describe block. The finding is the number the title starts with
 * (`17.4`), or `—` when the title names none. `root` is cut from the file names.
 * @returns {AttackRow[]}
 */
export function attackRows(report, root) {
  const rows = []
  for (const file of report?.testResults ?? []) {
    const name = String(file.name ?? '')
    const path = name.startsWith(`${root}/`) ? name.slice(root.length + 1) : name
    for (const test of file.assertionResults ?? []) {
      const block = (test.ancestorTitles ?? []).find((t) => /^attack: /.test(t))
      if (!block) continue
      const finding = /^(\d+(?:\.\d+)+)\b/.exec(test.title)?.[1] ?? '—'
      rows.push({
        category: block.slice('attack: '.length).trim(),
        finding,
        title: test.title,
        file: path,
        outcome: outcome(test.status)
      })
    }
  }
  return rows
}

/** Compares finding numbers part by part (`17.2` before `17.10`); `—` last. */
function byFinding(a, b) {
  if (a.finding !== b.finding) {
    if (a.finding === '—') return 1
    if (b.finding === '—') return -1
    const x = a.finding.split('.').map(Number)
    const y = b.finding.split('.').map(Number)
    for (let i = 0; i < Math.max(x.length, y.length); i++)
      if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1)
  }
  return a.title < b.title ? -1 : a.title > b.title ? 1 : 0
}

/** Text safe inside a markdown table cell. */
function cell(text) {
  return String(text)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
}

/**
 * The "Attacks tried" section: a count line, then per category (the known ones always, in
 * `ATTACK_CATEGORIES` order) a table of finding, test, file and outcome.
 */
export function renderAttackTables(rows) {
  const categories = [
    ...ATTACK_CATEGORIES,
    ...[...new Set(rows.map((r) => r.category))]
      .filter((c) => !ATTACK_CATEGORIES.includes(c))
      .sort()
  ]
  const count = (o) => rows.filter((r) => r.outcome === o).length
  const out = [
    '## Attacks tried',
    '',
    `Tests titled after an issue finding inside a \`describe('attack: <category>')\` block, found in` +
      ` every test file that has one: ${rows.length} attacks, ${count('passed')} passed,` +
      ` ${count('failed')} failed, ${count('skipped')} skipped.`
  ]
  for (const category of categories) {
    const here = rows.filter((r) => r.category === category).sort(byFinding)
    out.push('', `### ${category}`, '')
    if (!here.length) {
      out.push('No attack test in this category yet.')
      continue
    }
    out.push('| finding | test | file | outcome |', '| --- | --- | --- | --- |')
    for (const r of here)
      out.push(`| ${cell(r.finding)} | ${cell(r.title)} | \`${cell(r.file)}\` | ${r.outcome} |`)
  }
  return `${out.join('\n')}\n`
}
