/**
 * Issue 20, "profiles per backend": the form shows only the chosen kind's and credential
 * method's labelled fields (Vault token / AppRole / Kubernetes, AWS with its region list and an optional
 * session token), refuses what is missing by name; a test shows counts and latency, or the
 * error in red; rename; "used by N jobs"; a test result follows a job that wrote to the
 * profile. Both themes pass axe, nothing scrolls sideways at 1280×800, no secret is in the DOM.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { AppPage } from './pages/app-page'
import {
  axeViolations,
  expectNoHorizontalOverflow,
  expectNoSecretsInDom,
  named
} from './support/checks'
import { expect, test } from './support/serve'

const row = (page: Page, name: string) =>
  page.getByTestId('profile-row').and(page.locator(`[data-name="${name}"]`))

/** The labels of the fields the form shows now. */
const fieldLabels = (page: Page) =>
  page.getByTestId('profile-fields').locator('.profile-field-label').allTextContents()

test('20: the profile form shows each kind’s own labelled fields', async ({ page, served }) => {
  // many screenshots and four axe runs on a shared machine
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 1280, height: 800 })
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.nav('profiles').click()
  const secrets = named(['vault-secret-id-5d1c', 'aws-secret-key-8e2f', 'aws-session-token-7a9b'])

  // Vault: the token method asks for a token; AppRole for a role id and an optional secret id.
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('vault-team')
  await page.getByTestId('profile-kind').selectOption('vault')
  expect(await fieldLabels(page)).toEqual([
    'Vault URL',
    'Mount point (optional)',
    'KV version (optional)',
    'Vault token',
    'Namespace (optional)',
    'Connections path (optional)',
    'Variables path (optional)'
  ])
  await page.getByTestId('profile-method').selectOption('approle')
  expect(await fieldLabels(page)).toEqual([
    'Vault URL',
    'Mount point (optional)',
    'KV version (optional)',
    'Role ID',
    'Secret ID (optional)',
    'AppRole mount (optional)',
    'Namespace (optional)',
    'Connections path (optional)',
    'Variables path (optional)'
  ])
  // Kubernetes: a role, the service-account token file and the auth mount; no secret at all.
  await page.getByTestId('profile-method').selectOption('kubernetes')
  expect(await fieldLabels(page)).toEqual([
    'Vault URL',
    'Mount point (optional)',
    'KV version (optional)',
    'Kubernetes role',
    'Service-account token file (optional)',
    'Kubernetes auth mount (optional)',
    'Namespace (optional)',
    'Connections path (optional)',
    'Variables path (optional)'
  ])
  await expect(page.getByTestId('profile-fields').locator('input[type="password"]')).toHaveCount(0)
  await expect(page.getByLabel('Service-account token file')).toHaveAttribute(
    'placeholder',
    '/var/run/secrets/kubernetes.io/serviceaccount/token'
  )
  await expect(page.getByLabel('Kubernetes auth mount')).toHaveAttribute(
    'placeholder',
    'kubernetes'
  )
  await page.getByTestId('profile-save').click()
  await expect(page.getByTestId('profile-error')).toContainText(
    'Fix the fields marked below: Vault URL, Kubernetes role.'
  )
  await expect(page.getByLabel('Kubernetes role')).toHaveAttribute('aria-invalid', 'true')
  await page.getByTestId('profile-url').fill('https://vault.example.com:8200')
  await page.getByLabel('Kubernetes role').fill('airflow-worker')
  await page.getByLabel('Kubernetes auth mount').fill('k8s-prod')
  await expect(page.getByLabel('Kubernetes role')).not.toHaveAttribute('aria-invalid', 'true')
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `Kubernetes form in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
    await app.gallery(`profile-form-vault-kubernetes-${scheme}`)
  }
  await page.getByTestId('profile-url').fill('')
  await page.getByTestId('profile-method').selectOption('approle')
  // Nothing filled: each required field is named, and nothing is saved.
  await page.getByTestId('profile-save').click()
  await expect(page.getByTestId('profile-error')).toContainText(
    'Fix the fields marked below: Vault URL, Role ID.'
  )
  await expect(page.getByTestId('profile-url')).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByLabel('Role ID')).toHaveAttribute('aria-invalid', 'true')
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await app.gallery(`profile-form-vault-errors-${scheme}`)
  }
  // a port nothing listens on: the test fails, in red
  await page.getByTestId('profile-url').fill('http://127.0.0.1:9')
  await page.getByLabel('Role ID').fill('airflow-role')
  await page.getByTestId('profile-secret-secretId').fill(secrets['secret 1']!)
  await page.getByLabel('KV version').selectOption('1')
  await page.getByLabel('Mount point').fill('airflow')
  await page.getByLabel('Namespace').fill('team-a')
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await app.gallery(`profile-form-vault-${scheme}`)
  }
  await page.getByTestId('profile-save').click()
  const vault = row(page, 'vault-team')
  await expect(vault).toBeVisible()
  await expect(vault.getByTestId('profile-secrets')).toHaveText('secretId: stored')
  await vault.getByTestId('profile-test').click()
  const failed = vault.getByTestId('profile-test-error')
  await expect(failed.locator('.error-message')).toContainText('failed: ')
  await expect(failed).toHaveAttribute('role', 'alert')
  await expect(vault.getByTestId('profile-test-latency')).toContainText(/· \d+ ms/)
  // red: the theme's --bad colour
  const colour = await failed.evaluate((el) => getComputedStyle(el).color)
  expect(colour).toMatch(/^rgb\((1[5-9]\d|2\d\d), \d{1,2}, \d{1,2}\)$|^rgb\(255, 154, 144\)$/)
  // edit keeps what was saved in its fields; the advanced JSON holds the rest (nothing here)
  await vault.getByTestId('profile-edit').click()
  await expect(page.getByTestId('profile-method')).toHaveValue('approle')
  await expect(page.getByLabel('Role ID')).toHaveValue('airflow-role')
  await expect(page.getByLabel('KV version')).toHaveValue('1')
  await expect(page.getByTestId('profile-secret-secretId')).toHaveValue('')
  await expect(page.getByTestId('profile-kwargs')).toHaveValue('{}')
  await page.getByRole('button', { name: 'Cancel' }).click()

  // AWS: a region from the list, the access key id its own field, the session token optional.
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('aws-prod')
  await page.getByTestId('profile-kind').selectOption('aws-secrets-manager')
  expect(await fieldLabels(page)).toContain('Region (optional)')
  await page.getByTestId('profile-method').selectOption('static')
  expect(await fieldLabels(page)).toEqual(
    expect.arrayContaining([
      'Region (optional)',
      'Access key ID',
      'Secret access key',
      'Session token (optional)'
    ])
  )
  await expect(page.getByTestId('profile-field-region').locator('option')).toContainText([
    'eu-west-1 — Europe (Ireland)'
  ])
  await page.getByTestId('profile-field-region').selectOption('eu-west-1')
  await page.getByLabel('Access key ID').fill('AKIAEXAMPLE0001')
  await page.getByTestId('profile-secret-secretAccessKey').fill(secrets['secret 2']!)
  await expect(page.getByTestId('profile-secret-sessionToken')).toHaveAttribute('type', 'password')
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await app.gallery(`profile-form-aws-${scheme}`)
  }
  await page.getByTestId('profile-save').click()
  const aws = row(page, 'aws-prod')
  await expect(aws.getByTestId('profile-secrets')).toHaveText(
    'secretAccessKey: stored, sessionToken: not set (optional)'
  )
  await expect(aws).toContainText('eu-west-1')
  // the session token given later is kept too
  await aws.getByTestId('profile-edit').click()
  await expect(page.getByTestId('profile-field-region')).toHaveValue('eu-west-1')
  await page.getByTestId('profile-secret-sessionToken').fill(secrets['secret 3']!)
  await page.getByTestId('profile-save').click()
  await expect(aws.getByTestId('profile-secrets')).toHaveText(
    'secretAccessKey: stored, sessionToken: stored'
  )

  // The other kinds, each with its own fields.
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-kind').selectOption('azure-key-vault')
  expect(await fieldLabels(page)).toEqual([
    'Vault URL',
    'Tenant ID',
    'Client ID',
    'Client secret',
    'Connections prefix (optional)',
    'Variables prefix (optional)'
  ])
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await app.gallery(`profile-form-azure-${scheme}`)
  }
  await page.getByTestId('profile-kind').selectOption('gcp-secret-manager')
  expect(await fieldLabels(page)).toEqual([
    'Project ID (optional)',
    'Service account key (JSON)',
    'Connections prefix (optional)',
    'Variables prefix (optional)'
  ])
  await page.getByTestId('profile-method').selectOption('key-file')
  expect(await fieldLabels(page)).toContain('Key file')
  expect(await fieldLabels(page)).not.toContain('Service account key (JSON)')
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await app.gallery(`profile-form-gcp-${scheme}`)
  }
  await page.getByTestId('profile-kind').selectOption('metadb')
  expect(await fieldLabels(page)).toEqual([
    'Database URL',
    'Database password',
    'Fernet key (optional)'
  ])
  await page.getByTestId('profile-method').selectOption('none')
  expect(await fieldLabels(page)).toEqual(['Database URL', 'Fernet key (optional)'])

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `profile form in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
  }
  await page.getByRole('button', { name: 'Cancel' }).click()
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `profiles table in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
  }
  await expectNoSecretsInDom(page, secrets)
  const settings = readFileSync(join(served.env.AIRLOCK_CONFIG_DIR, 'settings.json'), 'utf8')
  for (const value of Object.values(secrets)) expect(settings.includes(value)).toBe(false)
})

test('20: a metadb profile: test counts and latency, rename, used by a job, test follows the job', async ({
  page,
  served
}) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 1280, height: 800 })
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()
  const demoKey = readFileSync(join(served.env.AIRLOCK_HOME, 'demo', 'fernet.key'), 'utf8').trim()
  // a copy of the demo database: the job below writes to it, and the worker's other specs count
  // on the demo as it ships
  const demoCopy = join(served.dir, 'profiles-demo.db')
  copyFileSync(join(served.env.AIRLOCK_HOME, 'demo', 'airflow.db'), demoCopy)
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('demo-db')
  await page.getByTestId('profile-kind').selectOption('metadb')
  await page.getByTestId('profile-method').selectOption('none')
  await page.getByTestId('profile-url').fill(`sqlite:///${demoCopy}`)
  await page.getByTestId('profile-secret-fernetKey').fill(demoKey)
  await page.getByTestId('profile-save').click()
  const db = row(page, 'demo-db')
  await expect(db.getByTestId('profile-secrets')).toHaveText('fernetKey: stored')
  await expect(db.getByTestId('profile-used-by')).toHaveText('used by 0 jobs')
  await db.getByTestId('profile-test').click()
  const ok = db.getByTestId('profile-test-ok')
  await expect(ok).toHaveText(/^ok: \d+ connections, \d+ variables · \d+ ms$/)
  const before = Number(/(\d+) variables/.exec((await ok.textContent()) ?? '')![1])

  // Rename keeps the test result and the secrets.
  await db.getByTestId('profile-rename').click()
  await page.getByTestId('profile-rename-to').fill('airflow-demo')
  await page.getByTestId('profile-rename-to').press('Enter')
  const renamed = row(page, 'airflow-demo')
  await expect(renamed.getByTestId('profile-secrets')).toHaveText('fernetKey: stored')
  await expect(renamed.getByTestId('profile-test-ok')).toHaveText(
    new RegExp(`, ${before} variables · \\d+ ms$`)
  )
  // A database that is not there: the test fails, and says why in red.
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('missing-db')
  await page.getByTestId('profile-kind').selectOption('metadb')
  await page.getByTestId('profile-method').selectOption('none')
  await page
    .getByTestId('profile-url')
    .fill(`sqlite:///${join(served.dir, 'nowhere', 'airflow.db')}`)
  await page.getByTestId('profile-save').click()
  const missing = row(page, 'missing-db')
  await missing.getByTestId('profile-test').click()
  await expect(missing.getByTestId('profile-test-error')).toHaveAttribute('role', 'alert')
  await expect(missing.getByTestId('profile-test-error').locator('.error-message')).toContainText(
    /^failed: .+/
  )
  await expect(missing.getByTestId('profile-test-latency')).toContainText(/^ · \d+ ms$/)

  // A job writes one new variable to it: the profile is used by 1 job, its test runs again.
  const source = join(served.dir, 'profiles-source.env')
  writeFileSync(source, 'AIRFLOW_VAR_PROFILES_E2E_NEW=1\n')
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill('metadb:airflow-demo')
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-make').click()
  await expect(app.planItem('profiles_e2e_new')).toBeVisible()
  await page.getByTestId('plan-apply').click()
  await expect(page.getByTestId('jobs')).toBeVisible()
  await expect(page.getByTestId('job-row').first()).toHaveAttribute('data-state', 'finished')
  await app.nav('profiles').click()
  await expect(renamed.getByTestId('profile-used-by')).toHaveText('used by 1 job')
  await expect(renamed.getByTestId('profile-test-ok')).toHaveText(
    new RegExp(`, ${before + 1} variables · \\d+ ms$`)
  )
  // beside the side nav at 1280 px the row buttons leave the URL room to be read (it wrapped
  // a few characters a line when the four buttons sat on one line)
  const url = renamed.locator('.profile-url-cell')
  expect((await url.boundingBox())!.width, 'the URL cell is wide enough').toBeGreaterThan(130)
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await app.gallery(`profiles-test-results-${scheme}`)
    expect(await axeViolations(page), `test results in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
  }
  await expectNoSecretsInDom(page, { 'fernet key': demoKey })
})
