/**
 * Issue 19, "confirm what is destructive": applying a plan that deletes asks first, naming
 * what will happen, and Cancel writes nothing; a protected profile's apply and rollback need
 * its name typed before the confirm button enables. The dialog in both themes is saved as
 * screenshots.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { idOf, variableEntry } from '../../src-main/core/model'
import { AppPage } from './pages/app-page'
import { expect, test } from './support/serve'

test('19: applying a plan with a delete asks first, and Cancel writes nothing', async ({
  page,
  served
}) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()
  // other specs in this worker may have run jobs already: Cancel must add none
  const jobsDir = join(served.env.AIRLOCK_HOME, 'jobs')
  const jobsBefore = existsSync(jobsDir) ? readdirSync(jobsDir).sort() : []
  const source = join(served.dir, 'confirm-source.env')
  const target = join(served.dir, 'confirm-target.env')
  writeFileSync(source, 'AIRFLOW_VAR_KEEP=1\n')
  const before = 'AIRFLOW_VAR_KEEP=1\nAIRFLOW_VAR_GONE=precious\n'
  writeFileSync(target, before)
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill(`envfile:${target}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByLabel('Delete what the source lacks').check()
  await page.getByTestId('plan-make').click()
  await expect(app.planItem('gone')).toHaveAttribute('data-action', 'delete')

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await page.getByTestId('plan-apply').click()
    const dialog = page.getByRole('alertdialog', { name: 'Apply this plan?' })
    await expect(dialog).toBeVisible()
    await expect(page.getByTestId('confirm-sentence')).toHaveText(
      `This will delete 1 variable in envfile:${target}.`
    )
    await expect(page.getByTestId('confirm-cancel')).toBeFocused()
    await app.gallery(`confirm-apply-delete-${scheme}`)
    // Cancel in light, Escape in dark: both leave the target as it was
    if (scheme === 'light') await page.getByTestId('confirm-cancel').click()
    else await page.keyboard.press('Escape')
    await expect(dialog).toHaveCount(0)
    await expect(page.getByTestId('plan-apply')).toBeFocused()
  }
  expect(readFileSync(target, 'utf8')).toBe(before)
  expect(existsSync(jobsDir) ? readdirSync(jobsDir).sort() : []).toEqual(jobsBefore)

  // Confirmed, it runs.
  await page.getByTestId('plan-apply').click()
  await page.getByTestId('confirm-ok').click()
  await expect(page.getByTestId('jobs')).toBeVisible()
  await expect(page.getByTestId('job-row').first()).toHaveAttribute('data-state', 'finished')
  expect(readFileSync(target, 'utf8')).not.toContain('GONE')
})

test("19: a protected profile's apply and rollback need its name typed", async ({
  page,
  served
}) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()
  const key = Fernet.generateKey()
  const db = join(served.dir, 'prod-airflow.db')
  const sql = await openSql({ dialect: 'sqlite', path: db })
  for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await sql.query(stmt)
  await sql.close()
  const store = () =>
    new MetastoreBackend({ target: { dialect: 'sqlite', path: db }, fernetKey: key })
  const seed = store()
  await seed.write([variableEntry('KEEP', 'precious')])
  await seed.close()
  const variables = async () => {
    const s = store()
    try {
      return (await s.load({ kinds: ['variable'] })).entries.map(idOf).sort()
    } finally {
      await s.close()
    }
  }

  // A metadata DB profile marked protected, from the Profiles screen.
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('prod')
  await page.getByTestId('profile-kind').selectOption('metadb')
  await page.getByTestId('profile-url').fill(`sqlite:///${db}`)
  await page.getByTestId('profile-method').selectOption('none')
  await page.getByTestId('profile-secret-fernetKey').fill(key)
  await page.getByTestId('profile-protected').check()
  await page.getByTestId('profile-save').click()
  const row = page.getByTestId('profile-row').and(page.locator('[data-name="prod"]'))
  await expect(row.getByTestId('profile-protected-badge')).toHaveText('protected')

  const source = join(served.dir, 'prod-source.env')
  writeFileSync(source, 'AIRFLOW_VAR_KEEP=changed\n')
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill('metadb:prod')
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-make').click()
  await expect(app.planItem('keep')).toBeVisible()
  await page.getByTestId('plan-apply').click()
  await expect(page.getByTestId('confirm-name')).toBeFocused()
  await expect(page.getByTestId('confirm-ok')).toBeDisabled()
  await page.getByTestId('confirm-name').fill('prod')
  await page.getByTestId('confirm-ok').click()
  await expect(page.getByTestId('jobs')).toBeVisible()
  const job = page.getByTestId('job-row').first()
  await expect(job).toHaveAttribute('data-state', 'finished')
  expect(await variables()).toEqual(['KEEP', 'keep'])

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await job.getByTestId('job-rollback').click()
    const dialog = page.getByRole('alertdialog', { name: 'Roll back this job?' })
    await expect(dialog).toBeVisible()
    await expect(page.getByTestId('confirm-sentence')).toContainText(
      'in metadb:prod: delete 1 variable it created'
    )
    await expect(page.getByTestId('confirm-ok')).toBeDisabled()
    await page.getByTestId('confirm-name').fill('Prod')
    await expect(page.getByTestId('confirm-ok')).toBeDisabled()
    await app.gallery(`confirm-rollback-protected-${scheme}`)
    await page.keyboard.press('Escape')
    await expect(dialog).toHaveCount(0)
  }
  expect(await variables()).toEqual(['KEEP', 'keep'])

  await job.getByTestId('job-rollback').click()
  await page.getByTestId('confirm-name').fill('prod')
  await page.getByTestId('confirm-ok').click()
  await expect(job).toHaveAttribute('data-state', 'rolled back')
  expect(await variables()).toEqual(['KEEP'])
})
