// Sums the reports of every runner into one line: `N passed, N failed, N skipped`.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
let passed = 0
let failed = 0
let skipped = 0
let reports = 0

const vitest = join(dir, 'vitest.json')
if (existsSync(vitest)) {
  reports++
  const r = JSON.parse(readFileSync(vitest, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += r.numPendingTests + r.numTodoTests
  // a file that failed to load has no tests but is a failure
  for (const file of r.testResults ?? [])
    if (file.status === 'failed' && file.assertionResults.length === 0) failed++
}

const playwright = join(dir, 'playwright.json')
if (existsSync(playwright)) {
  reports++
  const s = JSON.parse(readFileSync(playwright, 'utf8')).stats
  passed += s.expected + s.flaky
  failed += s.unexpected
  skipped += s.skipped
}

if (reports === 0) failed++
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
