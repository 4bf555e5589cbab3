// What `npm audit --json` (npm 7+, auditReportVersion 2) says about production dependencies,
// reduced to the advisories that fail the build: severity high or critical, not listed in
// audit-exceptions.json (or listed with a review-by date that has passed). Pure: the report and
// the exceptions in, the verdict out.

const FAILING = new Set(['high', 'critical'])

/**
 * @typedef {{ id: string, package: string, reason: string, reviewBy: string }} AuditException
 * @typedef {{ package: string, severity: string, id: string, title: string, url: string }} Finding
 */

/** An advisory's id as exceptions name it: its GHSA id when its URL has one, else its source number. */
export function advisoryId(via) {
  const ghsa = /GHSA-[\w-]+/i.exec(String(via.url ?? ''))
  return ghsa ? ghsa[0] : String(via.source)
}

/**
 * Reads npm's answer. `unreachable` when npm could not ask the registry (an error document
 * with a status code, as the audit endpoint's 405 here), `findings` otherwise.
 * @returns {{ unreachable: string } | { findings: Finding[] }}
 */
export function readAudit(report) {
  if (!report || typeof report !== 'object') return { unreachable: 'npm audit printed no JSON' }
  if (!report.vulnerabilities) {
    const what = report.message || report.error?.summary || 'no report'
    const status =
      report.statusCode && !String(what).startsWith(String(report.statusCode))
        ? `${report.statusCode} `
        : ''
    return { unreachable: `${status}${what}`.trim() }
  }
  /** @type {Finding[]} */
  const findings = []
  for (const [pkg, v] of Object.entries(report.vulnerabilities)) {
    for (const via of v.via ?? []) {
      // a string names another vulnerable package this one depends on: reported under it
      if (typeof via !== 'object' || via === null) continue
      findings.push({
        package: via.name ?? pkg,
        severity: via.severity ?? v.severity,
        id: advisoryId(via),
        title: via.title ?? '',
        url: via.url ?? ''
      })
    }
  }
  const seen = new Set()
  return {
    findings: findings.filter((f) => {
      const key = `${f.package}:${f.id}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
  }
}

/**
 * The findings that fail the build, and the exceptions that no longer hold (expired or
 * matching nothing), as of `today` (YYYY-MM-DD).
 * @param {Finding[]} findings
 * @param {AuditException[]} exceptions
 */
export function verdict(findings, exceptions, today) {
  const live = exceptions.filter((e) => e.reviewBy >= today)
  const failing = findings.filter(
    (f) => FAILING.has(f.severity) && !live.some((e) => e.id === f.id && e.package === f.package)
  )
  const stale = exceptions.filter(
    (e) => e.reviewBy < today || !findings.some((f) => f.id === e.id && f.package === e.package)
  )
  return { failing, stale }
}

/** Checks the exceptions file's shape; throws naming the entry and field. */
export function checkExceptions(list) {
  if (!Array.isArray(list)) throw new Error('audit-exceptions.json: must be a list')
  list.forEach((e, i) => {
    for (const field of ['id', 'package', 'reason', 'reviewBy'])
      if (typeof e?.[field] !== 'string' || !e[field])
        throw new Error(`audit-exceptions.json: entry ${i + 1} needs "${field}" (text)`)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(e.reviewBy))
      throw new Error(`audit-exceptions.json: entry ${i + 1} "reviewBy" must be YYYY-MM-DD`)
  })
  return list
}
