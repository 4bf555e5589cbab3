/**
 * Issue 20, "jobs and history": a job opens in full beside the list — each item's outcome, the
 * job's duration, requests, throttling, its rate over time (with axes and units), the plan it
 * came from, its snapshot and rollback state — axe clean in both themes, saved as screenshots.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppPage } from './pages/app-page'
import {
  axeViolations,
  expectNoHorizontalOverflow,
  expectNoSecretsInDom,
  named
} from './support/checks'
import { expect, test } from './support/serve'

test('20: a job opens in full beside the list', async ({ page, served }) => {
  test.setTimeout(180_000)
  await page.setViewportSize({ width: 1360, height: 860 })
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()
  const source = join(served.dir, 'detail-source.env')
  const target = join(served.dir, 'detail-target.env')
  writeFileSync(
    source,
    'AIRFLOW_VAR_REGION=RegionCanary7q\nAIRFLOW_VAR_BATCH_SIZE=500\nAIRFLOW_VAR_SAME=1\n' +
      'AIRFLOW_CONN_WAREHOUSE=postgres://etl:PwDetailCanary3x@warehouse-host:5432/dw\n'
  )
  writeFileSync(target, 'AIRFLOW_VAR_SAME=1\nAIRFLOW_VAR_BATCH_SIZE=100\n')
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill(`envfile:${target}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-make').click()
  await expect(app.planItem('region')).toHaveAttribute('data-action', 'create')
  await page.getByTestId('plan-apply').click()
  await page.getByTestId('confirm-ok').click()
  await expect(page.getByTestId('jobs')).toBeVisible()
  const row = page.getByTestId('job-row').first()
  await expect(row).toHaveAttribute('data-state', 'finished', { timeout: 60_000 })
  expect(readFileSync(target, 'utf8')).toContain('AIRFLOW_VAR_REGION=RegionCanary7q')

  // A click on the row opens it.
  await expect(page.getByTestId('job-detail')).toHaveCount(0)
  await row.locator('td').first().click()
  const detail = page.getByTestId('job-detail')
  await expect(detail).toHaveAttribute('data-state', 'ready')
  const jobId = await row.getAttribute('data-job-id')
  await expect(detail.getByRole('heading', { level: 3 })).toHaveText(jobId!)
  await expect(row.getByTestId('job-open')).toHaveAttribute('aria-expanded', 'true')

  // Each item and how it ended: three written, the unchanged one left as it was.
  const item = (id: string) => detail.getByTestId('job-item').and(page.locator(`[data-id="${id}"]`))
  for (const id of ['region', 'batch_size', 'warehouse'])
    await expect(item(id)).toHaveAttribute('data-outcome', 'applied')
  await expect(item('same')).toHaveAttribute('data-outcome', 'skipped')
  await expect(detail.getByTestId('job-count-applied')).toHaveText('3 applied')
  await expect(detail.getByTestId('job-count-failed')).toHaveText('0 failed')
  await expect(detail.getByTestId('job-count-skipped')).toHaveText('1 skipped')
  // none failed: nothing to retry
  await expect(detail.getByTestId('job-retry-failed')).toHaveCount(0)

  // Its figures: a file has no request count; nothing throttled or retried; one run.
  await expect(detail.getByTestId('job-duration')).toHaveText(/^\d+(\.\d)? m?s$/)
  await expect(detail.getByTestId('job-requests')).toHaveText('—')
  await expect(detail.getByTestId('job-throttled')).toHaveText('0')
  await expect(detail.getByTestId('job-retries')).toHaveText('0')
  await expect(detail.getByTestId('job-runs')).toHaveText('1')
  await expect(detail.getByTestId('job-plan')).not.toHaveText('—')
  await expect(detail.getByTestId('job-snapshot')).toHaveText(/^encrypted, [\d.]+ KB$/)
  await expect(detail.getByTestId('job-rollback-state')).toContainText('not rolled back')
  // the rate chart, with its axes' units
  const chart = detail.getByTestId('job-detail-chart')
  await expect(chart).toBeVisible()
  await expect(chart).toContainText('items/s')
  await expect(chart).toContainText('seconds since the job began')
  // no value of the source is in the page
  await expectNoSecretsInDom(page, named(['RegionCanary7q', 'PwDetailCanary3x']))

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `axe in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
    await app.gallery(`job-detail-${scheme}`)
  }

  // Rolled back from the list, the open detail follows.
  await row.getByTestId('job-rollback').click()
  await page.getByTestId('confirm-ok').click()
  await expect(row).toHaveAttribute('data-state', 'rolled back')
  await expect(detail.getByTestId('job-rollback-state')).toContainText('done: ')

  await detail.getByTestId('job-detail-close').click()
  await expect(page.getByTestId('job-detail')).toHaveCount(0)
})
