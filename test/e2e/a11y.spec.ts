/**
 * Readable in light and dark, usable from the keyboard: axe (WCAG 2 A/AA rules, colour
 * contrast among them) on every screen in both themes — the system's choice and the one picked
 * at the foot of the side navigation — with screenshots of each; then a keyboard-only walk through the app.
 */
import { AppPage } from './pages/app-page'
import { axeViolations } from './support/checks'
import { expect, test } from './support/serve'

const SCREENS = [
  'inventory',
  'precedence',
  'migrate',
  'compare',
  'jobs',
  'audit',
  'profiles'
] as const

for (const scheme of ['light', 'dark'] as const)
  test(`every screen passes axe in the ${scheme} theme (the system's choice)`, async ({
    page,
    served
  }) => {
    // axe over every screen: tens of seconds when the machine is busy
    test.setTimeout(120_000)
    await page.emulateMedia({ colorScheme: scheme })
    const app = new AppPage(page)
    await app.open(await served.link())
    // The demo's plan, so Migrate shows a plan table and badges.
    await app.nav('migrate').click()
    await page.getByTestId('plan-target').fill('demo-env:')
    await page.getByTestId('plan-make').click()
    await expect(page.getByTestId('plan')).toBeVisible()
    // The same stores compared, one id open, so Compare shows its list, badges and detail.
    await page.getByTestId('plan-compare').click()
    await expect(page.getByTestId('comparison')).toBeVisible()
    await page.getByTestId('compare-open').first().click()
    await expect(page.getByTestId('compare-field').first()).toBeVisible()
    for (const screen of SCREENS) {
      await app.nav(screen).click()
      await expect(page.getByTestId(screen)).toBeVisible()
      if (screen === 'precedence') await expect(app.precedenceRow('postgres_default')).toBeVisible()
      if (screen === 'inventory')
        await expect(app.inventoryRow('connection', 'postgres_default')).toBeVisible()
      expect(await axeViolations(page), `${screen} in ${scheme}`).toEqual([])
      await app.screenshot(`theme-${scheme}-${screen}`)
    }
    // The check can fail: text too faint for this theme is found.
    await page.evaluate(() => {
      const p = document.createElement('p')
      p.id = 'too-faint'
      p.textContent = 'too faint to read'
      // grey a little lighter or darker than the page: about 1.5:1
      p.style.color =
        document.documentElement.dataset.theme === 'dark' ||
        matchMedia('(prefers-color-scheme: dark)').matches
          ? '#3a3f48'
          : '#d0d0d0'
      document.getElementById('content')!.prepend(p)
    })
    expect((await axeViolations(page)).join('\n')).toMatch(/color-contrast \(serious\): #too-faint/)
    await page.evaluate(() => document.getElementById('too-faint')!.remove())
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(background).toBe(scheme === 'dark' ? 'rgb(20, 24, 31)' : 'rgb(255, 255, 255)')
  })

test('the theme picked in the side navigation wins over the system and is remembered', async ({
  page,
  served
}) => {
  await page.emulateMedia({ colorScheme: 'light' })
  const app = new AppPage(page)
  await app.open(await served.link())
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  expect(await bg()).toBe('rgb(255, 255, 255)')
  await page.getByTestId('theme').selectOption('dark')
  expect(await bg()).toBe('rgb(20, 24, 31)')
  expect(await axeViolations(page)).toEqual([])
  await page.reload()
  await expect(page.locator('[data-app-state="ready"]')).toBeVisible()
  expect(await bg()).toBe('rgb(20, 24, 31)')
  await expect(page.getByTestId('theme')).toHaveValue('dark')
  await page.emulateMedia({ colorScheme: 'dark' })
  await page.getByTestId('theme').selectOption('light')
  expect(await bg()).toBe('rgb(255, 255, 255)')
  await page.getByTestId('theme').selectOption('system')
  expect(await bg()).toBe('rgb(20, 24, 31)')
})

test('keyboard only: skip link, the screens, the inventory grid, reveal, a plan item', async ({
  page,
  served
}) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      return el?.dataset.testid ?? el?.getAttribute('aria-label') ?? el?.tagName ?? ''
    })
  // The first Tab reaches the skip link, which it shows; Enter moves focus to the content.
  await page.keyboard.press('Tab')
  expect(await focused()).toBe('skip-link')
  await expect(page.getByTestId('skip-link')).toBeInViewport()
  await page.keyboard.press('Enter')
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('content')
  // The screens are buttons in a labelled nav; the current one says so.
  await app.nav('precedence').focus()
  await page.keyboard.press('Enter')
  await expect(app.nav('precedence')).toHaveAttribute('aria-current', 'page')
  await expect(page.getByTestId('precedence')).toBeVisible()
  await app.nav('inventory').focus()
  await page.keyboard.press('Enter')
  // The inventory grid: one tab stop, arrows move the active row.
  const grid = page.getByTestId('inventory-table')
  await grid.focus()
  await expect(grid).toHaveAttribute('aria-activedescendant', /row-0$/)
  await page.keyboard.press('End')
  const last = await grid.getAttribute('aria-activedescendant')
  await expect(page.locator(`[id="${last}"]`)).toBeVisible()
  await page.keyboard.press('Home')
  await page.keyboard.press('ArrowDown')
  const second = page.locator(`[id="${await grid.getAttribute('aria-activedescendant')}"]`)
  await expect(second).toHaveClass(/active/)
  // Tab from the grid reaches the controls of the rows in view: reveal a field with Enter.
  const reveal = app.inventoryRow('connection', 'postgres_default').getByRole('button', {
    name: /reveal/i
  })
  await reveal.focus()
  await page.keyboard.press('Enter')
  await expect(app.inventoryRow('connection', 'postgres_default')).toContainText('demo-p@ss/word')
  // Migrate: plan with the keyboard, leave an item out with Space on its checkbox.
  await app.nav('migrate').focus()
  await page.keyboard.press('Enter')
  await page.getByTestId('plan-target').focus()
  await page.keyboard.type('demo-env:')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('plan')).toBeVisible()
  const box = page.getByRole('checkbox', { name: 'Apply postgres_default' })
  await box.focus()
  await page.keyboard.press('Space')
  await expect(box).not.toBeChecked()
  // ... and back with Space on the plan grid's active row; Enter opens its detail.
  const planGrid = page.getByTestId('plan-table')
  await planGrid.focus()
  const rows = await page
    .getByTestId('plan-item')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))
  // (the checkbox's row became the active one when it had focus: Home starts from the top)
  await page.keyboard.press('Home')
  for (let i = 0; i < rows.indexOf('postgres_default'); i++) await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Space')
  await expect(box).toBeChecked()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('plan-detail')).toContainText('postgres_default')
  await app.screenshot('keyboard-migrate')
})
