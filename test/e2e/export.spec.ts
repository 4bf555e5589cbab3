/**
 * Export from the inventory: the rows the filters leave, as Airflow's `connections export`
 * writes an env file, with each item the format cannot hold named; then the same selection
 * as connection JSON, which keeps everything.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppPage } from './pages/app-page'
import { expect, test } from './support/serve'

test('export the filtered rows as id=URI lines, warned per lossy item, then as JSON', async ({
  page,
  served
}) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await expect(app.inventoryRow('connection', 'postgres_default')).toBeVisible()
  // Only the connections whose id starts with "s".
  await page.getByTestId('inventory-kind').selectOption('connection')
  await page.getByTestId('inventory-prefix').fill('s')
  await expect(page.getByTestId('inventory-count')).toContainText('4 of')
  await page.getByTestId('export').locator('summary').click()
  await expect(page.getByTestId('export-only-shown')).toBeChecked()
  await expect(page.getByTestId('export-only-shown').locator('..')).toContainText(
    'Only the 4 shown'
  )
  const file = join(served.dir, 'selected.env')
  await page.getByTestId('export-path').fill(file)
  await page.getByTestId('export-format').selectOption('uri')
  await page.getByTestId('export-serialization').selectOption('uri')
  await page.getByTestId('export-write').click()
  // said in a toast, with the warnings below the form
  await expect(app.toast(/^Wrote 4 connections to \S+ \(\d+ warned about below\)\.$/)).toBeVisible()
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n')
  expect(lines.map((l) => l.slice(0, l.indexOf('=')))).toEqual([
    'sftp_uploads',
    'slack_alerts',
    'snowflake_default',
    'spark_k8s'
  ])
  // slack_alerts has a description, which a URI cannot carry.
  await expect(page.getByTestId('export-warnings')).toContainText(
    'connection slack_alerts: description does not survive its URI'
  )
  await app.screenshot('export-selection')
  await page.getByTestId('export-serialization').selectOption('json')
  await page.getByTestId('export-write').click()
  // the file exists now: the app asks before replacing it (issue 19)
  await page.getByTestId('confirm-ok').click()
  await expect(app.toast(/^Wrote 4 connections to \S+\.$/)).toBeVisible()
  await expect(page.getByTestId('export-warnings')).toHaveCount(0)
  const json = readFileSync(file, 'utf8').trimEnd().split('\n')
  const slack = json.find((l) => l.startsWith('slack_alerts='))!
  expect(JSON.parse(slack.slice('slack_alerts='.length))).toHaveProperty('description')
  // The whole store, with the selection turned off.
  await page.getByTestId('export-only-shown').uncheck()
  await page.getByTestId('export-write').click()
  // the file exists now: the app asks before replacing it (issue 19)
  await page.getByTestId('confirm-ok').click()
  await expect(app.toast(/^Wrote 10 connections to \S+\.$/)).toBeVisible()
})
