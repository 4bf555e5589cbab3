/**
 * A rollback started from the job's detail runs as a job, as an apply does: the row says it is
 * rolling back, the detail shows its progress (four `.env` batches of 500; the server holds it
 * after its first, `served.holdJobs`) and a Cancel; cancelled, the job says what is left and
 * offers the rollback again, which finishes it; the detail then shows what it put back.
 * AIRLOCK_E2E_SHOTS=<prefix> also saves the detail during and after it (<prefix>-running.png…).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppPage } from './pages/app-page'
import { expect, test } from './support/serve'

const MANY = 2_000
const FIRST_BATCH = 500

test('a rollback from the job detail shows progress, stops at Cancel, and finishes when run again', async ({
  page,
  served
}) => {
  test.setTimeout(120_000)
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()
  const shots = process.env.AIRLOCK_E2E_SHOTS
  const shot = async (name: string) => {
    if (shots) await page.screenshot({ path: `${shots}-${name}.png` })
  }
  const source = join(served.dir, 'undo-source.env')
  const target = join(served.dir, 'undo-target.env')
  writeFileSync(
    source,
    Array.from({ length: MANY }, (_, i) => `AIRFLOW_VAR_UNDO_${i}=v${i}\n`).join('')
  )
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill(`envfile:${target}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan-count-create')).toHaveText(`${MANY} create`)
  await page.getByTestId('plan-apply').click()
  const row = page.getByTestId('job-row').first()
  await expect(row).toHaveAttribute('data-state', 'finished', { timeout: 30_000 })
  expect(readFileSync(target, 'utf8').match(/^AIRFLOW_VAR_UNDO_/gm)).toHaveLength(MANY)

  await row.locator('td').first().click()
  const detail = page.getByTestId('job-detail')
  await expect(detail).toHaveAttribute('data-state', 'ready')
  await expect(detail.getByTestId('job-rollback-state')).toContainText('not rolled back')
  served.holdJobs(1)
  try {
    await detail.getByTestId('job-detail-rollback').click()
    // the confirm dialog asks first, as from the list
    await page.getByTestId('confirm-ok').click()
    await expect(row).toHaveAttribute('data-state', 'rolling back')
    await expect(detail.locator('p.small').first()).toContainText('· rolling back')
    const run = detail.getByTestId('job-detail-run')
    await expect(run).toHaveAttribute('data-run', 'rollback')
    await expect(detail.getByTestId('job-detail-progress')).toContainText(
      new RegExp(`^${FIRST_BATCH}/${MANY} put back · [\\d.]+/s · ETA`)
    )
    await expect(row.getByTestId('job-progress')).toContainText(`${FIRST_BATCH}/${MANY} put back`)
    // no second rollback while one runs
    await expect(detail.getByTestId('job-detail-rollback')).toHaveCount(0)
    await expect(row.getByTestId('job-rollback')).toHaveCount(0)
    await shot('running')
    await app.gallery('job-rollback-running-light')

    await detail.getByTestId('job-detail-cancel').click()
    await expect(
      app.toast(/Stopped the rollback of .*: 0 restored, 500 removed; roll it back again/)
    ).toBeVisible()
    await expect(row).toHaveAttribute(
      'data-state',
      `partly rolled back (${MANY - FIRST_BATCH} left)`
    )
    // what it put back, at the top of the detail (and in its figures)
    const partial = `partial: 0 restored, ${FIRST_BATCH} removed, 0 failed, 0 left as changed, ${MANY - FIRST_BATCH} remaining`
    await expect(detail.getByTestId('job-detail-rollback-result')).toHaveText(`Rollback ${partial}`)
    await expect(detail.getByTestId('job-rollback-state')).toHaveText(partial)
    await expect(detail.getByTestId('job-detail-rollback')).toHaveText('Roll back the rest')
    await expect(detail.getByTestId('job-detail-cancel')).toHaveCount(0)
    expect(readFileSync(target, 'utf8').match(/^AIRFLOW_VAR_UNDO_/gm)).toHaveLength(
      MANY - FIRST_BATCH
    )
    await shot('cancelled')
    await app.gallery('job-rollback-partial-light')

    // run again, it finishes: only what the cancel left
    served.releaseJobs()
    await detail.getByTestId('job-detail-rollback').click()
    await page.getByTestId('confirm-ok').click()
    await expect(row).toHaveAttribute('data-state', 'rolled back', { timeout: 30_000 })
    await expect(
      app.toast(
        `Rolled back ${await row.getAttribute('data-job-id')}: 0 restored, ${MANY - FIRST_BATCH} removed.`
      )
    ).toBeVisible()
    const done = `done: 0 restored, ${MANY} removed, 0 failed, 0 left as changed`
    await expect(detail.getByTestId('job-detail-rollback-result')).toHaveText(`Rollback ${done}`)
    await expect(detail.getByTestId('job-rollback-state')).toHaveText(done)
    await expect(detail.getByTestId('job-detail-rollback')).toHaveCount(0)
    await expect(detail.getByTestId('job-detail-run')).toHaveCount(0)
    expect(readFileSync(target, 'utf8')).not.toMatch(/AIRFLOW_VAR_UNDO_/)
    await shot('finished')
  } finally {
    served.releaseJobs()
  }
})
