/**
 * A whole migration as a person does it in the app: an Airflow metadata DB on the real
 * PostgreSQL (Fernet-encrypted rows) imported as a profile from its airflow.cfg, a Vault
 * profile added by hand (the Vault emulator behind node-vault), the plan reviewed as a
 * diff, one item left out, applied while the progress is watched, checked in Vault itself,
 * then rolled back to what Vault held before.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { demoEntries } from '../../src-main/platform/demo'
import { startVaultEmulator, type VaultEmulator } from '../support/emulators/vault'
import { PG_ADMIN } from '../support/metadb'
import { AppPage } from './pages/app-page'
import { expect, test } from './support/serve'

const db = `airlock_e2e_${randomBytes(5).toString('hex')}`
const fernetKey = Fernet.generateKey()
let vault: VaultEmulator

test.beforeAll(async () => {
  const admin = await openSql(PG_ADMIN)
  await admin.query(`CREATE DATABASE ${db}`)
  await admin.close()
  const target = { ...PG_ADMIN, database: db }
  const conn = await openSql(target)
  for (const stmt of airflowSchemaDdl('3.1', 'postgresql')) await conn.query(stmt)
  await conn.close()
  const store = new MetastoreBackend({ target, fernetKey })
  await store.write(demoEntries())
  await store.close()
  vault = await startVaultEmulator()
  // What Vault holds before the cutover: an older postgres_default the plan will update.
  vault.put('secret', 'airflow/connections/postgres_default', {
    conn_type: 'postgres',
    host: 'old-warehouse.internal',
    login: 'etl',
    password: 'old-pass',
    schema: 'analytics',
    port: 5432
  })
})

test.afterAll(async () => {
  await vault?.close()
  const admin = await openSql(PG_ADMIN)
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  await admin.close()
})

test('PostgreSQL metadata DB → Vault: import, plan, leave one out, apply, watch, roll back', async ({
  page,
  served
}) => {
  test.setTimeout(90_000)
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()

  // The metadata DB, from the installation's airflow.cfg (URL, then the Fernet key).
  const cfg = join(served.dir, 'airflow.cfg')
  writeFileSync(
    cfg,
    `[core]\nfernet_key = ${fernetKey}\n\n[database]\nsql_alchemy_conn = postgresql://postgres@127.0.0.1:5432/${db}\n`
  )
  await page.getByTestId('profile-import').click()
  await page.getByTestId('import-path').fill(cfg)
  await page.getByTestId('import-name').fill('prod')
  await page.getByTestId('import-run').click()
  await expect(page.getByTestId('import-result')).toContainText('made prod-metadb')
  const imported = page.getByTestId('profile-row').and(page.locator('[data-name="prod-metadb"]'))
  await expect(imported.getByTestId('profile-secrets')).toContainText('fernetKey: stored')
  // A clearer name for the cutover.
  await imported.getByTestId('profile-rename').click()
  await page.getByTestId('profile-rename-to').fill('airflow-pg')
  await page.getByTestId('profile-rename-to').press('Enter')
  const pg = page.getByTestId('profile-row').and(page.locator('[data-name="airflow-pg"]'))
  await expect(pg).toBeVisible()
  await pg.getByTestId('profile-test').click()
  await expect(pg.getByTestId('profile-test-result')).toContainText(/ok: \d+ connections/)

  // The Vault target, by hand; its token goes to the keychain.
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('vault-prod')
  await page.getByTestId('profile-kind').selectOption('vault')
  await page.getByTestId('profile-url').fill(vault.url)
  await page.getByTestId('profile-method').selectOption('token')
  await page.getByLabel('Mount point').fill('secret')
  await page.getByLabel('Connections path').fill('airflow/connections')
  await page.getByLabel('Variables path').fill('airflow/variables')
  await page.getByTestId('profile-secret-token').fill(vault.rootToken)
  await page.getByTestId('profile-save').click()
  const vp = page.getByTestId('profile-row').and(page.locator('[data-name="vault-prod"]'))
  await vp.getByTestId('profile-test').click()
  await expect(vp.getByTestId('profile-test-result')).toContainText('ok: 1 connections')
  await app.screenshot('migrate-pg-vault-profiles')

  // The plan, reviewed as a diff.
  await app.nav('migrate').click()
  // the target field suggests the saved profile
  await page.getByTestId('plan-target').fill('vault:')
  await expect(
    page.getByTestId('plan-target-option').and(page.locator('[data-value="vault:vault-prod"]'))
  ).toHaveCount(1)
  await page.getByTestId('plan-source').fill('metadb:airflow-pg')
  await page.getByTestId('plan-target').fill('vault:vault-prod')
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan')).toBeVisible()
  const total = demoEntries().length
  await expect(page.getByTestId('plan-count-update')).toHaveText('1 update')
  await expect(page.getByTestId('plan-count-create')).toHaveText(`${total - 1} create`)
  const update = app.planItem('postgres_default')
  await expect(update).toHaveAttribute('data-action', 'update')
  // Which fields change, values masked.
  const changed = (await update.getByTestId('field-diff').allInnerTexts()).map((t) => t.trim())
  expect(changed.sort()).toEqual([
    'description: (none) → Main warehouse',
    'extra: *** → ***',
    'host: old-warehouse.internal → warehouse.internal',
    'password: *** → ***'
  ])
  expect(await update.innerText()).not.toMatch(/old-pass|demo-p@ss/)
  // Leave mysql_reporting out of this run.
  await app.planItem('mysql_reporting').getByRole('checkbox').uncheck()
  await expect(page.getByTestId('plan-apply')).toHaveText(`Apply ${total - 1} changes`)
  await app.screenshot('migrate-pg-vault-plan')

  // Apply, and watch it: Vault answers slowly, under a rate-limit quota, as a busy one does.
  vault.setFaults({ latencyMs: 200, rateLimit: { rate: 5 } })
  await page.getByTestId('plan-apply').click()
  // it overwrites postgres_default: the app asks first (issue 19)
  await page.getByTestId('confirm-ok').click()
  // First both stores are read again, to refuse whatever changed since the plan.
  await expect(page.getByTestId('apply-starting')).toBeVisible()
  await expect(page.getByTestId('jobs')).toBeVisible({ timeout: 30_000 })
  const job = page.getByTestId('job-row').first()
  await expect(job).toContainText('vault:vault-prod')
  await expect(job).toHaveAttribute('data-state', 'running')
  await expect(job.getByTestId('job-progress')).toContainText(/\d+\/\d+ · [\d.]+\/s · ETA/)
  await expect(job.getByTestId('job-progress')).toContainText(/throttled \d+×/)
  await app.gallery('migrate-pg-vault-running')
  await expect(job).toHaveAttribute('data-state', 'finished', { timeout: 60_000 })
  await expect(job.getByTestId('job-progress')).toContainText(`${total - 1}/${total - 1}`)
  vault.setFaults({})

  // In Vault itself: the new value, and nothing for the item left out.
  expect(vault.get('secret', 'airflow/connections/postgres_default')).toMatchObject({
    host: 'warehouse.internal',
    password: 'demo-p@ss/word'
  })
  expect(vault.get('secret', 'airflow/connections/mysql_reporting')).toBeUndefined()
  expect(vault.get('secret', 'airflow/connections/aws_default')).toBeDefined()

  // Before the cutover: what Airflow would read with Vault configured as its secrets backend.
  await app.nav('precedence').click()
  await page.getByTestId('precedence-runtime').selectOption('airflow-config')
  await page.getByTestId('precedence-cfg').fill(cfg)
  await page.getByTestId('precedence-load').click()
  await expect(page.getByTestId('layer-metastore')).toHaveValue(`airflow-config:${cfg}`)
  await expect(page.getByTestId('layer-env')).toHaveValue('env:')
  await page.getByTestId('layer-custom-backend').fill('vault:vault-prod')
  await page.getByTestId('precedence-resolve').click()
  const pgRow = app.precedenceRow('postgres_default')
  await expect(pgRow.locator('.verdict').nth(0)).toHaveAttribute('data-testid', 'verdict-wins')
  await expect(pgRow.locator('.verdict').nth(2)).toHaveAttribute('data-testid', 'verdict-shadowed')
  await expect(pgRow.locator('.verdict').nth(2)).toContainText('same value')
  const leftOut = app.precedenceRow('mysql_reporting')
  await expect(leftOut.locator('.verdict').nth(0)).toHaveAttribute('data-testid', 'verdict-absent')
  await expect(leftOut.locator('.verdict').nth(2)).toHaveAttribute('data-testid', 'verdict-wins')
  await app.gallery('migrate-pg-vault-precedence')

  // The two stores compared now: only the item left out is only in A.
  await app.nav('migrate').click()
  await page.getByTestId('plan-compare').click()
  await expect(app.compareGroup('only-a')).toHaveText(/^✓?1 only in A$/)
  await expect(app.compareItem('mysql_reporting')).toHaveAttribute('data-status', 'only-a')

  // Roll back: the old postgres_default is back, everything the job created is gone.
  await app.nav('jobs').click()
  await job.getByTestId('job-rollback').click()
  // a rollback asks first (issue 19)
  await page.getByTestId('confirm-ok').click()
  await expect(job).toHaveAttribute('data-state', 'rolled back')
  await expect(app.toast(`1 restored, ${total - 2} removed`)).toBeVisible()
  await app.screenshot('migrate-pg-vault-rolled-back')
  expect(vault.get('secret', 'airflow/connections/postgres_default')).toMatchObject({
    host: 'old-warehouse.internal',
    password: 'old-pass'
  })
  expect(vault.get('secret', 'airflow/connections/aws_default')).toBeUndefined()
  const html = await page.content()
  for (const secret of [fernetKey, vault.rootToken, 'demo-p@ss/word', 'old-pass'])
    expect(html.includes(secret)).toBe(false)
})
