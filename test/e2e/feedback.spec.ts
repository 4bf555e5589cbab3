/**
 * Issue 20, "Layout, navigation, feedback": notifications are toasts that clear themselves
 * (held while pointed at, with a close button) instead of notes that stay and push the table
 * down; errors show one way — the message, then the code and details behind a disclosure —
 * with the store named once, never "(internal)" for an expected failure, and no command line
 * to type. axe in both themes; gallery pictures of a toast and of an open error.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppPage } from './pages/app-page'
import { axeViolations, expectNoHorizontalOverflow } from './support/checks'
import { expect, test } from './support/serve'

test.describe.configure({ mode: 'serial' })
// axe over the demo's tables takes a while on a busy machine
test.setTimeout(120_000)

test('copy says so in a toast that clears itself, holds while pointed at and closes on request', async ({
  page,
  context,
  served
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.origin })
  const app = new AppPage(page)
  await app.open(await served.link())
  await expect(page.getByRole('region', { name: 'Notifications' })).toHaveAttribute(
    'aria-live',
    'polite'
  )
  const table = page.getByTestId('inventory-table')
  const tableTop = (await table.boundingBox())!.y
  await app.inventoryRow('connection', 'postgres_default').getByTestId('copy').click()
  const toast = app.toast('Copied postgres_default as URI (airflow3)')
  await expect(toast).toBeVisible()
  // it floats over the page: the table did not move down
  expect((await table.boundingBox())!.y).toBe(tableTop)
  // and above the status bar, which stays readable
  const bar = (await page.getByTestId('statusbar').boundingBox())!
  const shown = (await toast.boundingBox())!
  expect(shown.y + shown.height, 'the toast ends above the status bar').toBeLessThanOrEqual(bar.y)
  await expect(page.getByTestId('copy-error')).toHaveCount(0)

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    // pointed at, it stays for the picture and for axe
    await toast.hover()
    expect(await axeViolations(page), `a toast in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
    await app.gallery(`feedback-toast-${scheme}`)
  }
  // let go of, it clears itself (6 s)
  await page.mouse.move(5, 5)
  await expect(toast).toHaveCount(0, { timeout: 15_000 })

  // the close button takes one away at once
  await app.inventoryRow('connection', 'postgres_default').getByTestId('copy').click()
  await expect(app.toasts()).toHaveCount(1)
  await app.toasts().getByRole('button', { name: 'Dismiss notification' }).click()
  await expect(app.toasts()).toHaveCount(0)
  await page.evaluate(() => navigator.clipboard.writeText(''))
})

test('an error shows its message once, the code behind a disclosure, never "(internal)"', async ({
  page,
  served
}) => {
  const app = new AppPage(page)
  await app.open(await served.link())

  // Inventory on a file that is not there
  const missing = join(served.dir, 'no-folder', 'missing.env')
  await page.getByTestId('inventory-locator').fill(`envfile:${missing}`)
  await page.getByTestId('inventory-load').click()
  const inv = app.errorNote()
  await expect(inv.message).toContainText(`${missing}: no such file`)
  await expect(inv.note).toHaveAttribute('data-code', 'backend.not-found')
  // the code waits behind "Details"
  await expect(inv.code).toBeHidden()
  await inv.disclosure.click()
  await expect(inv.code).toBeVisible()
  await expect(inv.code).toHaveText('backend.not-found')
  await expect(page.locator('body')).not.toContainText('(internal)')
  await expect(app.toasts()).toHaveCount(0)

  // a Vault profile nothing answers for
  await app.nav('profiles').click()
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('bad-vault')
  await page.getByTestId('profile-kind').selectOption('vault')
  await page.getByTestId('profile-url').fill('http://127.0.0.1:1')
  await page.getByTestId('profile-method').selectOption('token')
  await page.getByTestId('profile-secret-token').fill('not-a-real-token')
  await page.getByTestId('profile-save').click()
  // saved: a toast, and the row
  await expect(app.toast('Saved the profile bad-vault.')).toBeVisible()
  const row = page.getByTestId('profile-row').and(page.locator('[data-name="bad-vault"]'))
  await row.getByTestId('profile-test').click()
  const tested = row.getByTestId('profile-test-error')
  await expect(tested.locator('.error-message')).toContainText('did not answer (ECONNREFUSED)', {
    timeout: 30_000
  })
  await expect(tested.locator('.error-message')).not.toContainText('airlock ')
  await app.screenshot('feedback-profile-test-error')

  // a plan from it names the profile once
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill('vault:bad-vault')
  await page.getByTestId('plan-target').fill(`envfile:${join(served.dir, 'out.env')}`)
  await page.getByTestId('plan-make').click()
  const plan = app.errorNote('plan-error')
  await expect(plan.message).toContainText('did not answer (ECONNREFUSED)', { timeout: 30_000 })
  const text = (await plan.message.textContent()) ?? ''
  expect(text.match(/bad-vault/g), text).toHaveLength(1)
  expect(text).not.toMatch(/airlock |--[a-z]/)
  await expect(plan.note).toHaveAttribute('data-code', 'backend.unreachable')
  await plan.disclosure.click()
  await expect(plan.code).toHaveText('backend.unreachable')
  await expect(page.locator('body')).not.toContainText('(internal)')

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await plan.note.scrollIntoViewIfNeeded()
    expect(await axeViolations(page), `an open error in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
    await app.gallery(`feedback-error-${scheme}`)
  }
})

test('a copy from the Inventory drawer: done in a toast, failed in the drawer as one error note', async ({
  page,
  context,
  served
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.origin })
  const file = join(served.dir, 'drawer.env')
  writeFileSync(file, 'AIRFLOW_CONN_SMTP_ALERTS=smtp://mailer@smtp.internal:25\n')
  const app = new AppPage(page)
  await app.open(await served.link())
  await page.getByTestId('inventory-locator').fill(`envfile:${file}`)
  await page.getByTestId('inventory-load').click()
  await app.inventoryRow('connection', 'smtp_alerts').locator('.vtable-cell').first().click()
  const drawer = page.getByTestId('inventory-detail')
  await expect(drawer).toHaveAttribute('data-id', 'smtp_alerts')

  await drawer.getByTestId('inventory-detail-copy-json').click()
  await expect(app.toast(/^Copied smtp_alerts as JSON/)).toBeVisible()
  await page.evaluate(() => navigator.clipboard.writeText(''))

  // the file goes away: the copy fails beside the drawer's buttons, in the one error component
  rmSync(file)
  await drawer.getByTestId('inventory-detail-copy-uri').click()
  const failed = app.errorNote('inventory-detail-copy-error')
  await expect(failed.message).toContainText('drawer.env')
  await expect(failed.note).toHaveAttribute('data-code', /^backend\./)
  await expect(failed.note).not.toHaveAttribute('data-code', 'internal')
  await expect(app.toast(/^Copied smtp_alerts as URI/)).toHaveCount(0)
  // not also at the top of the screen, away from what failed
  await expect(page.getByTestId('copy-error')).toHaveCount(0)
  expect(await axeViolations(page), 'a failed copy in the drawer').toEqual([])
})
