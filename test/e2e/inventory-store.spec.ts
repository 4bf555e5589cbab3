/**
 * Issue 20, "the Inventory store box suggests stores like Migrate does; paths get completion
 * in web mode": the store field offers the demo, each profile and the file schemes, then the
 * entries of the folder typed after a scheme (fs:complete), all from the keyboard. The
 * desktop file chooser is not offered in web mode, and its channel says why.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppPage } from './pages/app-page'
import {
  axeViolations,
  expectNoHorizontalOverflow,
  expectNoSecretsInDom,
  named
} from './support/checks'
import { expect, test } from './support/serve'

const SECRET = 'PwCompleteCanary4t'

test('20: the Inventory store field suggests stores and completes paths', async ({
  page,
  served
}) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 1280, height: 800 })
  const app = new AppPage(page)
  await app.open(await served.link())
  const dir = join(served.dir, 'stores')
  mkdirSync(join(dir, 'envs'), { recursive: true })
  mkdirSync(join(dir, 'exports'))
  writeFileSync(
    join(dir, 'envs', 'prod.env'),
    `AIRFLOW_CONN_WAREHOUSE=postgres://etl:${SECRET}@wh:5432/dw\nAIRFLOW_VAR_REGION=eu\n`
  )
  writeFileSync(join(dir, 'envs', 'staging.env'), '')

  const field = page.getByTestId('inventory-locator')
  const options = page.getByTestId('inventory-locator-option')
  const values = () => options.evaluateAll((os) => os.map((o) => o.getAttribute('data-value')))
  await expect(page.getByTestId('inventory')).toHaveAttribute('data-state', 'ready')

  // Stores, as Migrate's fields suggest them, and the file schemes.
  await field.fill('')
  await expect(field).toHaveAttribute('aria-expanded', 'true')
  expect(await values()).toEqual(
    expect.arrayContaining([
      'demo:',
      'demo-env:',
      'envfile:',
      'airflow-export:',
      'metadb:sqlite:///'
    ])
  )
  await field.fill('demo-')
  await expect(options).toHaveCount(1)
  await page.keyboard.press('ArrowDown')
  await expect(options.first()).toHaveAttribute('aria-selected', 'true')
  await expect(field).toHaveAttribute('aria-activedescendant', /option-0$/)
  await page.keyboard.press('Enter')
  await expect(field).toHaveValue('demo-env:')
  await expect(field).toHaveAttribute('aria-expanded', 'false')

  // A path after a scheme: the folder's entries, folders first; a folder goes on into it.
  await field.fill(`envfile:${dir}/e`)
  await expect(options).toHaveCount(2)
  expect(await values()).toEqual([`envfile:${dir}/envs/`, `envfile:${dir}/exports/`])
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `axe in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
    await app.gallery(`inventory-completion-${scheme}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await expect(field).toHaveValue(`envfile:${dir}/envs/`)
  await expect(options).toHaveCount(2)
  expect(await values()).toEqual([
    `envfile:${dir}/envs/prod.env`,
    `envfile:${dir}/envs/staging.env`
  ])
  await field.pressSequentially('p')
  await expect(options).toHaveCount(1)
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await expect(field).toHaveValue(`envfile:${dir}/envs/prod.env`)
  await expect(field).toHaveAttribute('aria-expanded', 'false')
  // with no suggestion chosen, Enter loads the store
  await page.keyboard.press('Enter')
  await expect(app.inventoryRow('connection', 'warehouse')).toBeVisible()
  await expect(page.getByTestId('inventory-count')).toContainText('2 of 2 entries')
  await expectNoSecretsInDom(page, named([SECRET]))

  // Escape closes the suggestions; a mouse click takes one.
  await field.fill(`envfile:${dir}/envs/s`)
  await expect(options).toHaveCount(1)
  await page.keyboard.press('Escape')
  await expect(field).toHaveAttribute('aria-expanded', 'false')
  await field.fill(`envfile:${dir}/envs/`)
  await options.filter({ hasText: 'staging.env' }).click()
  await expect(field).toHaveValue(`envfile:${dir}/envs/staging.env`)
  await expect(field).toBeFocused()

  // A folder that is not there is named, not an empty list.
  await field.fill(`envfile:${dir}/nope/x`)
  await expect(page.getByTestId('inventory-locator-hint')).toHaveText(
    `No folder "${dir}/nope/" to complete the path in.`
  )
  await expect(options).toHaveCount(0)
  // the hint floats: it leaves the Load button where it was, so a click on Load (which blurs
  // the field and hides the hint) lands on Load
  const load = page.getByTestId('inventory-load')
  const withHint = await load.boundingBox()
  await field.blur()
  await expect(page.getByTestId('inventory-locator-hint')).toHaveCount(0)
  expect(await load.boundingBox()).toEqual(withHint)

  // No file chooser in web mode: the button is not there, and the channel says why.
  await expect(page.getByTestId('inventory-locator-choose')).toHaveCount(0)
  const answer = await fetch(`${served.origin}/api/invoke/dialog:open-file`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-airlock-token': served.token },
    body: JSON.stringify([{}])
  })
  expect(await answer.json()).toEqual({
    ok: false,
    error: {
      code: 'unsupported',
      message:
        'Choosing a file with a dialog needs the desktop app; in web mode type the path (it completes as you type).'
    }
  })
})
