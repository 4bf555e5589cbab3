// Sums the reports of every runner into one line: `N passed, N failed, N skipped`.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
let passed = 0
let failed = 0
let skipped = 0
let reports = 0
/** Each skipped test, with its reason where the runner keeps one: skips are said, not hidden. */
const skips = []
/**
 * Each failed test with the first line of its failure, printed just above the closing line so
 * that the tail of a CI log names what failed (runners print failures far above it).
 */
const failures = []
/** Playwright tests that failed and then passed on a retry (counted as passed, but said). */
const flaky = []
const firstLine = (text) =>
  String(text ?? '')
    // eslint-disable-next-line no-control-regex -- the colour codes runners put in messages
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '')
    ?.slice(0, 300) ?? ''

const vitest = join(dir, 'vitest.json')
if (existsSync(vitest)) {
  reports++
  const r = JSON.parse(readFileSync(vitest, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += r.numPendingTests + r.numTodoTests
  // a file that failed to load has no tests but is a failure
  for (const file of r.testResults ?? []) {
    if (file.status === 'failed' && file.assertionResults.length === 0) {
      failed++
      failures.push(`${file.name} (did not load) — ${firstLine(file.message)}`)
    }
    for (const a of file.assertionResults ?? []) {
      if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo')
        skips.push(`${a.fullName ?? a.title}${a.meta?.skipReason ? ` — ${a.meta.skipReason}` : ''}`)
      if (a.status === 'failed')
        failures.push(
          `${file.name} › ${a.fullName ?? a.title} (${Math.round(a.duration ?? 0)} ms) — ${firstLine(a.failureMessages?.[0])}`
        )
    }
  }
}

const playwright = join(dir, 'playwright.json')
if (existsSync(playwright)) {
  reports++
  const report = JSON.parse(readFileSync(playwright, 'utf8'))
  const s = report.stats
  passed += s.expected + s.flaky
  failed += s.unexpected
  skipped += s.skipped
  const walk = (suite) => {
    for (const spec of suite.specs ?? [])
      for (const t of spec.tests ?? []) {
        if (t.status === 'unexpected' || t.status === 'flaky') {
          const error = (t.results ?? []).find((r) => r.error)?.error
          const line = `${spec.file ?? ''}:${spec.line ?? ''} › ${spec.title} — ${firstLine(error?.message)}`
          if (t.status === 'flaky') flaky.push(line)
          else failures.push(line)
        }
        if (t.status === 'skipped') {
          const why = (t.annotations ?? []).find((a) => a.type === 'skip')?.description
          skips.push(`${spec.title}${why ? ` — ${why}` : ''}`)
        }
      }
    for (const child of suite.suites ?? []) walk(child)
  }
  for (const suite of report.suites ?? []) walk(suite)
}

if (reports === 0) failed++
for (const skip of skips) console.log(`skipped: ${skip}`)
for (const line of flaky) console.log(`flaky (passed on a retry): ${line}`)
for (const failure of failures) console.log(`failed: ${failure}`)
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
