/**
 * Figures the reliability tests report for docs/reliability.md (`npm run reliability`): when
 * AIRLOCK_RELIABILITY_OUT names a file, each test appends one JSON line of what it did. No
 * values, ever: counts and names only.
 */
import { appendFileSync } from 'node:fs'

export function reportFigure(figure: Record<string, string | number | boolean>): void {
  const out = process.env.AIRLOCK_RELIABILITY_OUT
  if (out) appendFileSync(out, JSON.stringify(figure) + '\n')
}
