/**
 * Issue 20, "keyboard" and "columns sized to their content": every grid is one tab stop (Tab
 * reaches it once and one more Tab leaves it), arrows and Enter open an Inventory entry's
 * drawer (all fields, secrets masked until a reveal, where it came from, copy as URI, where
 * Airflow looks for its id), Escape closes it with focus back on the row; short columns are
 * not cut at 1280×800 and nothing scrolls sideways; axe clean in both themes.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { AppPage } from './pages/app-page'
import {
  axeViolations,
  expectNoHorizontalOverflow,
  expectNoSecretsInDom,
  named
} from './support/checks'
import { expect, test } from './support/serve'

// Made-up values; none may reach the DOM before a reveal.
const PASSWORD = 'grid-pw-Canary4Tq'
const EXTRA_TOKEN = 'grid-extra-Canary8Wz'
const VAR_VALUE = 'grid-var-Canary2Ld'
const SECRETS = named([PASSWORD, EXTRA_TOKEN, VAR_VALUE])
const LONG_ID = `a_very_long_connection_id_${'x'.repeat(60)}_end`

function writeStore(dir: string): string {
  const file = join(dir, 'grids.env')
  writeFileSync(
    file,
    [
      `AIRFLOW_CONN_WAREHOUSE=postgres://etl:${PASSWORD}@db.internal:5432/dw`,
      `AIRFLOW_CONN_API='{"conn_type": "http", "host": "api.internal", "login": "svc_reader", "extra": {"token": "${EXTRA_TOKEN}"}}'`,
      `AIRFLOW_CONN_${LONG_ID.toUpperCase()}=ftp://ops@files.internal`,
      `AIRFLOW_VAR_REGION=${VAR_VALUE}`,
      ''
    ].join('\n')
  )
  return file
}

/** The elements Tab can reach, in document order (what a browser's sequential focus uses). */
function tabStops(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('*')]
      .filter(
        (e) =>
          e.tabIndex >= 0 &&
          !(e as HTMLButtonElement).disabled &&
          e.getClientRects().length > 0 &&
          getComputedStyle(e).visibility !== 'hidden'
      )
      .map((e) => e.dataset.testid ?? `${e.tagName.toLowerCase()}:${e.textContent?.slice(0, 20)}`)
  )
}

const focusedTestId = (page: Page) =>
  page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid ?? null)

const activeRowId = (grid: Locator) =>
  grid.evaluate((g) => {
    const id = g.getAttribute('aria-activedescendant')
    return id ? (document.getElementById(id)?.getAttribute('data-row-id') ?? null) : null
  })

test('20: the Inventory grid is one tab stop; arrows and Enter open the drawer, Escape closes it', async ({
  page,
  context,
  served
}) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 1280, height: 800 })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.origin })
  const app = new AppPage(page)
  await app.open(await served.link())
  const grid = page.getByTestId('inventory-table')
  await expect(app.inventoryRow('connection', 'postgres_default')).toBeVisible()

  // One stop: Tab from the control before the grid reaches it, one more Tab leaves it.
  const stops = await tabStops(page)
  const at = stops.indexOf('inventory-table')
  expect(at, 'the grid is in the tab order').toBeGreaterThan(0)
  expect(stops.filter((s) => s.startsWith('button:copy') || s === 'copy')).toEqual([])
  expect(stops.filter((s) => s === 'reveal')).toEqual([])
  await grid.focus()
  await page.keyboard.press('Shift+Tab')
  expect(await focusedTestId(page)).not.toBe('inventory-table')
  await page.keyboard.press('Tab')
  expect(await focusedTestId(page)).toBe('inventory-table')
  await page.keyboard.press('Tab')
  const after = await page.evaluate(() => {
    const g = document.querySelector('[data-testid="inventory-table"]')!
    return g.contains(document.activeElement)
  })
  expect(after, 'one Tab leaves the grid (nothing after it in the screen but the page end)').toBe(
    false
  )
  await grid.focus()

  // Arrows to postgres_default, Enter opens its drawer.
  await page.keyboard.press('Home')
  for (let i = 0; i < 30 && (await activeRowId(grid)) !== 'connection:postgres_default'; i++)
    await page.keyboard.press('ArrowDown')
  expect(await activeRowId(grid)).toBe('connection:postgres_default')
  await page.keyboard.press('Enter')
  const drawer = page.getByTestId('inventory-detail')
  await expect(drawer).toHaveAttribute('data-id', 'postgres_default')
  const field = (name: string) => drawer.locator(`[data-field="${name}"] dd`)
  await expect(field('login')).toHaveText('etl')
  await expect(field('host')).toHaveText('warehouse.internal')
  await expect(field('schema')).toHaveText('analytics')
  await expect(field('port')).toHaveText('5432')
  await expect(field('password').getByTestId('reveal')).toBeVisible()
  await expect(drawer.getByTestId('inventory-detail-origin')).toContainText('demo')
  // focus stayed on the grid: arrows still move the rows; one Tab goes on to the drawer
  expect(await focusedTestId(page)).toBe('inventory-table')
  await page.keyboard.press('Tab')
  expect(await focusedTestId(page)).toBe('inventory-detail-close')
  await page.keyboard.press('Shift+Tab')
  expect(await focusedTestId(page)).toBe('inventory-table')

  // Copy as URI, through entries:copy (compared without printing: it holds the demo password).
  await drawer.getByTestId('inventory-detail-copy-uri').click()
  await expect(app.toast(/^Copied postgres_default as URI/)).toBeVisible()
  await expect(drawer.getByTestId('inventory-detail-copy-error')).toHaveCount(0)
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  expect(copied.startsWith('postgres://etl:')).toBe(true)
  expect(copied.includes('@warehouse.internal:5432/analytics')).toBe(true)
  await page.evaluate(() => navigator.clipboard.writeText(''))

  // Where Airflow looks: the demo runtime's layers in Airflow 3's order; its env wins.
  await drawer.getByTestId('inventory-explain-run').click()
  const layers = drawer.getByTestId('inventory-explain-layer')
  await expect(layers).toHaveCount(3)
  expect(await layers.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-role')))).toEqual([
    'custom-backend',
    'env',
    'metastore'
  ])
  const layer = (role: string) =>
    drawer.locator(`[data-testid="inventory-explain-layer"][data-role="${role}"]`)
  await expect(layer('env')).toHaveClass(/wins/)
  await expect(layer('env').getByTestId('inventory-explain-lookup')).toContainText(
    'AIRFLOW_CONN_POSTGRES_DEFAULT'
  )
  await expect(layer('metastore').getByTestId('inventory-explain-lookup')).toContainText('conn_id')
  await expect(layer('metastore')).toContainText('differs')
  await expect(layer('custom-backend')).toContainText('not inspected')
  await expectNoHorizontalOverflow(page)

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `inventory drawer in ${scheme}`).toEqual([])
    await page.evaluate(() => window.scrollTo(0, 0))
    await app.gallery(`inventory-drawer-${scheme}`)
    // the explanation, further down the drawer (the page scrolls to it)
    await drawer
      .getByTestId('inventory-explain-layers')
      .evaluate((el) => el.scrollIntoView({ block: 'end' }))
    await app.gallery(`inventory-drawer-explain-${scheme}`)
  }

  // Escape closes it; focus is back on the grid, on the same row.
  await grid.focus()
  await page.keyboard.press('Escape')
  await expect(drawer).toHaveCount(0)
  expect(await focusedTestId(page)).toBe('inventory-table')
  expect(await activeRowId(grid)).toBe('connection:postgres_default')
  // a click opens it too
  await app.inventoryRow('variable', 'environment').locator('[data-col="id"]').click()
  await expect(drawer).toHaveAttribute('data-id', 'environment')
  await drawer.getByTestId('inventory-detail-close').click()
  await expect(drawer).toHaveCount(0)
  expect(await focusedTestId(page)).toBe('inventory-table')
})

test('20: beside the side nav at 1280×800 the demo Inventory shows every column, copy included', async ({
  page,
  served
}) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  const app = new AppPage(page)
  await app.open(await served.link())
  await expect(app.inventoryRow('connection', 'google_cloud_default')).toBeVisible()
  const grid = page.getByTestId('inventory-table')
  // nothing hidden past the grid's right edge (it clips sideways)
  const widths = await grid.evaluate((g) => ({ scroll: g.scrollWidth, client: g.clientWidth }))
  expect(widths.scroll, 'the columns fit the grid').toBeLessThanOrEqual(widths.client)
  const box = (await grid.boundingBox())!
  for (const id of ['google_cloud_default', 'snowflake_default', 'postgres_default']) {
    const copy = (await app.inventoryRow('connection', id).getByTestId('copy').boundingBox())!
    expect(copy.x + copy.width, `${id}'s copy button is inside the grid`).toBeLessThanOrEqual(
      box.x + box.width
    )
  }
  await expectNoHorizontalOverflow(page)
})

test('20: short columns fit, long ids are cut with a tooltip, no secret before a reveal', async ({
  page,
  served
}) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 1280, height: 800 })
  const app = new AppPage(page)
  await app.open(await served.link())
  const file = writeStore(served.dir)
  await page.getByTestId('inventory-locator').fill(`envfile:${file}`)
  await page.getByTestId('inventory-load').click()
  await expect(page.getByTestId('inventory-count')).toContainText('4 of 4 entries')
  await expectNoSecretsInDom(page, SECRETS)

  /** How wide a cell's text is against the room it has (cut when scrollWidth > clientWidth). */
  const fits = (row: Locator, col: string) =>
    row.locator(`[data-col="${col}"]`).evaluate((c) => ({
      text: c.textContent,
      cut: c.scrollWidth > c.clientWidth
    }))
  const api = app.inventoryRow('connection', 'api')
  const warehouse = app.inventoryRow('connection', 'warehouse')
  for (const [row, col, text] of [
    [api, 'type', 'http'],
    [api, 'login', 'svc_reader'],
    [api, 'from', 'AIRFLOW_CONN_API'],
    [warehouse, 'type', 'postgres'],
    [warehouse, 'login', 'etl'],
    [warehouse, 'from', 'AIRFLOW_CONN_WAREHOUSE']
  ] as const)
    expect(await fits(row, col), `${col} of ${text}`).toEqual({ text, cut: false })
  // the long id is cut, and its tooltip holds it whole
  const long = app.inventoryRow('connection', LONG_ID).locator('[data-col="id"]')
  expect(await long.evaluate((c) => c.scrollWidth > c.clientWidth)).toBe(true)
  await expect(long).toHaveAttribute('title', LONG_ID)
  await expectNoHorizontalOverflow(page)

  await app.gallery('inventory-columns-light')

  // The drawer of an entry with a password and a secret extra: both masked until revealed.
  await app.inventoryRow('connection', 'api').locator('[data-col="id"]').click()
  const drawer = page.getByTestId('inventory-detail')
  await expect(drawer).toHaveAttribute('data-id', 'api')
  await expect(drawer.getByTestId('inventory-detail-from')).toHaveText('AIRFLOW_CONN_API')
  await drawer.getByTestId('inventory-explain-run').click()
  await expect(drawer.getByTestId('inventory-explain-layer')).toHaveCount(3)
  await expect(
    drawer.locator('[data-testid="inventory-explain-layer"][data-role="env"]')
  ).toHaveClass(/wins/)
  await expectNoSecretsInDom(page, SECRETS)
  await expectNoHorizontalOverflow(page)
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `inventory with fitted columns in ${scheme}`).toEqual([])
  }
})

test('20: the grids of Precedence and the plan are one tab stop each', async ({ page, served }) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 1280, height: 800 })
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.nav('precedence').click()
  await expect(app.precedenceRow('postgres_default')).toBeVisible()
  const stops = await tabStops(page)
  expect(stops.filter((s) => s === 'precedence-table')).toHaveLength(1)
  // the id buttons inside rows are out of the tab order
  expect(
    await page
      .getByTestId('precedence-table')
      .locator('button')
      .evaluateAll((bs) => bs.filter((b) => (b as HTMLElement).tabIndex >= 0).length)
  ).toBe(0)
  await page.getByTestId('precedence-table').focus()
  await page.keyboard.press('Tab')
  expect(
    await page.evaluate(
      () =>
        !document
          .querySelector('[data-testid="precedence-table"]')!
          .contains(document.activeElement)
    )
  ).toBe(true)
})
