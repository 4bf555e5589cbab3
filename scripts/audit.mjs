// `npm run audit`: npm audit of the production dependencies; exits 1 on a high or critical
// advisory that audit-exceptions.json does not excuse (each exception: the advisory's GHSA id,
// the package, why it cannot be fixed yet, and a review-by date after which it fails again).
// Exits 3, saying so, when the registry's audit endpoint cannot be reached (on this project's
// machines it answers 405), so a missing audit is never mistaken for a clean one.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { checkExceptions, readAudit, verdict } from './audit-filter.mjs'

const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
  encoding: 'utf8',
  timeout: 60_000,
  maxBuffer: 64 * 1024 * 1024
})
let report
try {
  report = JSON.parse(run.stdout)
} catch {
  report = undefined
}
const read = readAudit(report)
if ('unreachable' in read) {
  process.stdout.write(
    `audit: NOT RUN — the registry's audit endpoint could not be used (${read.unreachable}).\n`
  )
  process.exit(3)
}
const exceptions = checkExceptions(JSON.parse(readFileSync('audit-exceptions.json', 'utf8')))
const today = new Date().toISOString().slice(0, 10)
const { failing, stale } = verdict(read.findings, exceptions, today)
for (const e of stale)
  process.stdout.write(
    `audit: exception ${e.id} (${e.package}) no longer applies (expired ${e.reviewBy} or nothing matches): remove or renew it\n`
  )
for (const f of failing)
  process.stdout.write(`audit: ${f.severity} ${f.package} ${f.id} ${f.title} ${f.url}\n`)
process.stdout.write(
  `audit: ${read.findings.length} advisories in production dependencies, ${failing.length} failing (high or critical, not excepted)\n`
)
process.exit(failing.length ? 1 : 0)
