/**
 * The shell as a daily tool: the side navigation, the status bar (secret store, mode, version,
 * running jobs), the command palette (Ctrl+K) and `/` for the screen's search box; every screen
 * fits a 1280×800 window without sideways scrolling and passes axe in both themes.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { AppPage } from './pages/app-page'
import { axeViolations, expectNoHorizontalOverflow } from './support/checks'
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

/**
 * Items in the job the status bar watches: a `.env` job runs in batches of 500 at least, so
 * 2,000 are four; the server holds the job after its first (`served.holdJobs`), so it is still
 * running, at 500/2000, when cancelled, however fast the store is.
 */
const MANY = 2_000
const FIRST_BATCH = 500

/** The element that has focus, by test id (else its tag). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    return el?.dataset.testid ?? el?.tagName ?? ''
  })

test('the side nav switches screens; the status bar says where secrets go and what runs', async ({
  page,
  served
}) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  const nav = page.getByRole('navigation', { name: 'Screens' })
  await expect(nav.getByRole('button')).toHaveText(SCREENS.map((s) => new RegExp(s, 'i')))
  for (const screen of SCREENS) {
    await app.nav(screen).click()
    await expect(app.nav(screen)).toHaveAttribute('aria-current', 'page')
    await expect(page.getByTestId(screen)).toBeVisible()
    for (const other of SCREENS.filter((s) => s !== screen)) {
      await expect(app.nav(other)).not.toHaveAttribute('aria-current', /.*/)
      await expect(page.getByTestId(other)).toBeHidden()
    }
  }
  // The store the status bar names is the one the Profiles screen names.
  const kind = await app.keychainStatus().getAttribute('data-kind')
  const store = page.getByTestId('status-store')
  await expect(store).toHaveAttribute('data-kind', kind ?? '')
  await expect(store).toHaveText(
    kind === 'os' ? 'OS keychain' : kind === 'passphrase' ? /Passphrase store · unlocked/ : /locked/
  )
  await expect(page.getByTestId('status-mode')).toHaveText('web mode (this machine only)')
  await expect(page.getByTestId('status-version')).toHaveText(/^v\d+\.\d+\.\d+/)
  const jobs = page.getByTestId('status-jobs')
  await expect(jobs).toHaveText('No job running')
  await expect(jobs).toHaveAttribute('data-count', '0')
  // The store item opens Profiles (where the passphrase store is unlocked).
  await app.nav('inventory').click()
  await store.click()
  await expect(app.nav('profiles')).toHaveAttribute('aria-current', 'page')

  // A job running: counted, with its progress; the item opens Jobs.
  await app.requireOsKeychain()
  const source = join(served.dir, 'shell-running.env')
  writeFileSync(
    source,
    Array.from({ length: MANY }, (_, i) => `AIRFLOW_VAR_MANY_${i}=v${i}\n`).join('')
  )
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page
    .getByTestId('plan-target')
    .fill(`envfile:${join(served.dir, 'shell-running-target.env')}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan-count-create')).toHaveText(`${MANY} create`)
  served.holdJobs(1)
  try {
    await page.getByTestId('plan-apply').click()
    const row = page.getByTestId('job-row').first()
    await expect(row).toHaveAttribute('data-state', 'running')
    await expect(jobs).toHaveAttribute('data-count', '1')
    await expect(jobs).toHaveText(`1 job running · ${FIRST_BATCH}/${MANY}`)
    await app.nav('inventory').click()
    await jobs.click()
    await expect(app.nav('jobs')).toHaveAttribute('aria-current', 'page')
    await row.getByTestId('job-cancel').click()
    await expect(row).toHaveAttribute('data-state', 'interrupted (resume it)')
    await expect(jobs).toHaveText('No job running')
    await expect(row.getByTestId('job-progress')).toContainText(`${FIRST_BATCH}/${MANY}`)
  } finally {
    served.releaseJobs()
  }
})

test('the command palette: Ctrl+K, filter, arrows, Enter, Escape, focus back', async ({
  page,
  served
}) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await expect(app.inventoryRow('connection', 'postgres_default')).toBeVisible()
  const palette = page.getByRole('dialog', { name: 'Command palette' })
  const input = palette.getByRole('combobox')
  const options = palette.getByRole('option')

  // Opened from the keyboard on a nav button: the combobox has focus, the first option is active.
  await app.nav('inventory').focus()
  await page.keyboard.press('Control+K')
  await expect(palette).toBeVisible()
  await expect(palette).toHaveAttribute('aria-modal', 'true')
  await expect.poll(() => focused(page)).toBe('palette-input')
  await expect(options.first()).toHaveText(/Go to Inventory/)
  const listbox = palette.getByRole('listbox')
  await expect(input).toHaveAttribute('aria-controls', (await listbox.getAttribute('id'))!)
  await expect(input).toHaveAttribute(
    'aria-activedescendant',
    (await options.first().getAttribute('id'))!
  )
  await expect(options.first()).toHaveAttribute('aria-selected', 'true')
  // Screens, actions, the loaded inventory's ids are all there.
  await expect(page.locator('[data-key="action:new-profile"]')).toHaveCount(1)
  await input.fill('postgres_def')
  await expect(options).toHaveText([/Connection\s*Open postgres_default in Inventory/])
  // A word's start ranks first: "po" starts postgres_default but is inside "Import".
  await input.fill('po')
  await expect(options.first()).toHaveText(/Connection\s*Open po/)
  await expect(options.filter({ hasText: 'Import profiles' })).toHaveCount(1)

  // Type to filter; arrows move (and wrap); Enter goes there; focus back on the nav button.
  await input.fill('screen go to')
  await expect(options).toHaveCount(SCREENS.length)
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('ArrowDown')
  await expect(options.nth(2)).toHaveAttribute('aria-selected', 'true')
  await expect(input).toHaveAttribute(
    'aria-activedescendant',
    (await options.nth(2).getAttribute('id'))!
  )
  await expect(options.nth(2)).toHaveText(/Go to Migrate/)
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('ArrowUp')
  await expect(options.last()).toHaveAttribute('aria-selected', 'true')
  await input.fill('migr')
  await expect(options.first()).toHaveText(/Go to Migrate/)
  await page.keyboard.press('Enter')
  await expect(palette).toBeHidden()
  await expect(app.nav('migrate')).toHaveAttribute('aria-current', 'page')
  await expect.poll(() => focused(page)).toBe('nav-inventory')

  // Escape closes and puts focus back where it was; Ctrl+K again also closes.
  await page.getByTestId('plan-target').focus()
  await page.keyboard.press('Control+K')
  await expect(palette).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(palette).toBeHidden()
  await expect.poll(() => focused(page)).toBe('plan-target')
  await page.keyboard.press('Control+K')
  await page.keyboard.press('Control+K')
  await expect(palette).toBeHidden()
  await expect.poll(() => focused(page)).toBe('plan-target')

  // Nothing matches: said, and Enter does nothing.
  await page.keyboard.press('Control+K')
  await input.fill('zzz-no-such-thing')
  await expect(page.getByTestId('palette-empty')).toContainText('Nothing matches')
  await expect(input).toHaveAttribute('aria-expanded', 'false')
  await page.keyboard.press('Enter')
  await expect(palette).toBeVisible()

  // An id of the inventory: Inventory opens filtered to it, focus in its search box.
  await input.fill('open postgres_default')
  await page.keyboard.press('Enter')
  await expect(app.nav('inventory')).toHaveAttribute('aria-current', 'page')
  await expect(page.getByTestId('inventory-search')).toHaveValue('postgres_default')
  await expect(app.inventoryRow('connection', 'postgres_default')).toBeVisible()
  await expect(app.inventoryRow('variable', 'environment')).toHaveCount(0)
  await expect.poll(() => focused(page)).toBe('inventory-search')

  // Actions: toggle the theme (the picker follows), a new profile.
  await page.emulateMedia({ colorScheme: 'light' })
  await page.keyboard.press('Control+K')
  await input.fill('toggle theme')
  await expect(options).toHaveText([/Toggle theme \(to dark\)/])
  await page.keyboard.press('Enter')
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
  await expect(page.getByTestId('theme')).toHaveValue('dark')
  await page.keyboard.press('Control+K')
  await input.fill('new profile')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('profile-form')).toBeVisible()
  await expect(app.nav('profiles')).toHaveAttribute('aria-current', 'page')

  // The mouse: the button in the side nav opens it, a click on an option runs it.
  await page.getByTestId('palette-open').click()
  await expect(palette).toBeVisible()
  await options.filter({ hasText: 'Go to Compare' }).click()
  await expect(app.nav('compare')).toHaveAttribute('aria-current', 'page')
  await expect(palette).toBeHidden()
})

test('/ focuses the search box of the screen shown', async ({ page, served }) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await expect(app.inventoryRow('connection', 'postgres_default')).toBeVisible()
  const slash = async () => {
    await page.locator('h2:visible').first().click()
    await page.keyboard.press('/')
  }
  await slash()
  await expect.poll(() => focused(page)).toBe('inventory-search')
  // In a text field `/` is text.
  await page.keyboard.type('a/b')
  await expect(page.getByTestId('inventory-search')).toHaveValue('a/b')
  await page.getByTestId('inventory-search').fill('')

  await app.nav('precedence').click()
  await expect(app.precedenceRow('postgres_default')).toBeVisible()
  await slash()
  await expect.poll(() => focused(page)).toBe('precedence-id')

  // Migrate before a plan has nothing to filter: `/` opens the palette instead.
  await app.nav('migrate').click()
  await slash()
  await expect(page.getByRole('dialog', { name: 'Command palette' })).toBeVisible()
  await page.keyboard.press('Escape')
  await page.getByTestId('plan-target').fill('demo-env:')
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan')).toBeVisible()
  await slash()
  await expect.poll(() => focused(page)).toBe('plan-filter-id')

  await page.getByTestId('plan-compare').click()
  await expect(page.getByTestId('comparison')).toBeVisible()
  await slash()
  await expect.poll(() => focused(page)).toBe('compare-id')

  // Audit: its text filter, even before any job has been run.
  await app.nav('audit').click()
  await expect(page.getByTestId('audit')).toHaveAttribute('data-state', 'ready')
  await slash()
  await expect.poll(() => focused(page)).toBe('audit-text')
})

for (const theme of ['light', 'dark'] as const)
  test(`every screen fits 1280×800 and passes axe in the ${theme} theme`, async ({
    page,
    served
  }) => {
    test.setTimeout(300_000)
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.emulateMedia({ colorScheme: theme })
    const app = new AppPage(page)
    await app.open(await served.link())
    // Each screen with its content: a plan, a comparison with one id open, layers resolved.
    await app.nav('migrate').click()
    await page.getByTestId('plan-target').fill('demo-env:')
    await page.getByTestId('plan-make').click()
    await expect(page.getByTestId('plan')).toBeVisible()
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
      await expectNoHorizontalOverflow(page)
      // The theme picker and the status bar are in the window, not clipped.
      await expect(page.getByTestId('theme')).toBeInViewport({ ratio: 1 })
      await expect(page.getByTestId('status-jobs')).toBeInViewport({ ratio: 1 })
      expect(await axeViolations(page), `${screen} in ${theme}`).toEqual([])
    }
    // The profile form open: it fits, and its last control scrolls clear of the status bar.
    await app.nav('profiles').click()
    await page.getByTestId('profile-add').click()
    await expect(page.getByTestId('profile-form')).toBeVisible()
    await expectNoHorizontalOverflow(page)
    const save = page.getByTestId('profile-save')
    await save.focus()
    await expect(save).toBeInViewport({ ratio: 1 })
    const bar = await page.getByTestId('statusbar').boundingBox()
    const box = await save.boundingBox()
    expect(box && bar && box.y + box.height <= bar.y, 'Save is above the status bar').toBe(true)
    expect(await axeViolations(page), `profile form in ${theme}`).toEqual([])
    await app.gallery(`shell-profile-form-${theme}`)
    await app.nav('inventory').click()
    await app.gallery(`shell-${theme}`)
    await page.keyboard.press('Control+K')
    await page.getByTestId('palette-input').fill('po')
    await expect(page.getByTestId('palette-option').first()).toBeVisible()
    expect(await axeViolations(page), `palette in ${theme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
    await app.gallery(`palette-${theme}`)
  })
