/**
 * The app in web mode on a machine where no OS keychain answers (`airlock serve` started
 * without the session bus variables): the Profiles screen offers the passphrase store; a
 * wrong passphrase is refused; once it is in use a plan of the demo into an env file can be
 * applied, finishes, and rolls back.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from '@playwright/test'
import { AppPage } from './pages/app-page'
import { expect, start, type Served } from './support/serve'

const test = base.extend<object, { served: Served }>({
  served: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { served, child } = await start({ withoutSessionBus: true })
      await use(served)
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(served.dir, { recursive: true, force: true })
    },
    { scope: 'worker' }
  ]
})

test('without an OS keychain: unlock the passphrase store, apply a plan, roll it back', async ({
  page,
  served
}) => {
  await page.emulateMedia({ colorScheme: 'light' })
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.nav('profiles').click()
  await expect(app.keychainStatus()).toHaveAttribute('data-kind', 'memory')
  await expect(app.keychainStatus()).toContainText('passphrase store')
  await app.screenshot('passphrase-store-before')

  // Before: a plan is shown but cannot be applied, saying how to get out.
  const target = join(served.dir, 'target.env')
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill('demo:')
  await page.getByTestId('plan-target').fill(`envfile:${target}`)
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan-not-applicable')).toContainText('AIRLOCK_PASSPHRASE=')
  await expect(page.getByTestId('plan-apply')).toBeDisabled()

  // Set the passphrase (the store is created), then a second app run would need the same one.
  await app.nav('profiles').click()
  await app.usePassphraseStore('e2e passphrase, long enough')
  const keystore = join(served.env.AIRLOCK_CONFIG_DIR, 'keystore.airlock')
  await expect(app.keychainStatus()).toHaveAttribute('data-kind', 'passphrase')
  await expect(app.keychainStatus()).toHaveText(
    `Secrets are kept in the passphrase store (${keystore}).`
  )
  await expect(page.getByTestId('passphrase-form')).toHaveCount(0)
  expect(existsSync(keystore)).toBe(true)
  expect(readFileSync(keystore, 'utf8')).not.toContain('e2e passphrase')
  await app.screenshot('passphrase-store-after')

  await app.nav('migrate').click()
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan-count-create')).not.toHaveText(/^0 /)
  await expect(page.getByTestId('plan-not-applicable')).toHaveCount(0)
  await page.getByTestId('plan-apply').click()
  await expect(page.getByTestId('jobs')).toBeVisible()
  const job = page.getByTestId('job-row').first()
  await expect(job).toHaveAttribute('data-state', 'finished')
  expect(readFileSync(target, 'utf8')).toMatch(/^AIRFLOW_CONN_POSTGRES_DEFAULT=/m)

  await job.getByTestId('job-rollback').click()
  // a rollback asks first (issue 19)
  await page.getByTestId('confirm-ok').click()
  await expect(job).toHaveAttribute('data-state', 'rolled back')
  expect(readFileSync(target, 'utf8')).not.toMatch(/AIRFLOW_CONN_POSTGRES_DEFAULT=/)
})

test('a wrong passphrase for an existing store is refused and changes nothing', async ({
  page
}) => {
  // Its own store, made the way a person makes one before starting the app
  // (`airlock keystore init`), so this test does not depend on the one above.
  const configDir = mkdtempSync(join(tmpdir(), 'airlock-e2e-keystore-'))
  const init = spawnSync(process.execPath, ['bin/airlock.mjs', 'keystore', 'init'], {
    env: {
      ...process.env,
      AIRLOCK_CONFIG_DIR: configDir,
      AIRLOCK_PASSPHRASE: 'the right passphrase, long enough'
    },
    encoding: 'utf8'
  })
  expect(init.status, init.stderr).toBe(0)
  const keystore = join(configDir, 'keystore.airlock')
  expect(existsSync(keystore)).toBe(true)
  const second = await start({ withoutSessionBus: true, configDir })
  try {
    const app = new AppPage(page)
    await app.open(await second.served.link())
    await app.nav('profiles').click()
    await expect(app.keychainStatus()).toHaveAttribute('data-kind', 'memory')
    await expect(app.keychainStatus()).toContainText(`A passphrase store exists at ${keystore}`)
    const before = readFileSync(keystore)
    await app.usePassphraseStore('not the passphrase')
    await expect(page.getByTestId('passphrase-error')).toContainText('did not open')
    await expect(app.keychainStatus()).toHaveAttribute('data-kind', 'memory')
    expect(readFileSync(keystore).equals(before)).toBe(true)
    await app.screenshot('passphrase-store-wrong')
  } finally {
    second.child.kill('SIGTERM')
    await new Promise((r) => second.child.once('exit', r))
    rmSync(second.served.dir, { recursive: true, force: true })
    rmSync(configDir, { recursive: true, force: true })
  }
})
