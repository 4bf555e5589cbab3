/** Locators of the app's screens (STYLE §9: they live here, not in the specs). */
import { mkdirSync } from 'node:fs'
import { expect, test, type Locator, type Page } from '@playwright/test'

export class AppPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url)
    await expect(this.page.locator('[data-app-state="ready"]')).toBeVisible()
  }

  /**
   * Skips the test, saying why, where no OS keychain holds secrets (jobs keep their key
   * there): outside scripts/with-keyring.sh. Leaves the Profiles screen open.
   */
  async requireOsKeychain(): Promise<void> {
    await this.nav('profiles').click()
    const keychain = await this.page.getByTestId('keychain-status').getAttribute('data-kind')
    test.skip(
      keychain !== 'os',
      'No OS keychain (run under scripts/with-keyring.sh, as npm test does): jobs keep their key there.'
    )
  }

  nav(
    screen: 'inventory' | 'precedence' | 'migrate' | 'compare' | 'jobs' | 'audit' | 'profiles'
  ): Locator {
    return this.page.getByTestId(`nav-${screen}`)
  }

  inventoryRow(kind: 'connection' | 'variable', id: string): Locator {
    return this.page.getByTestId('inventory-table').locator(`[data-row-id="${kind}:${id}"]`)
  }

  precedenceRow(id: string): Locator {
    return this.page.getByTestId('precedence-row').and(this.page.locator(`[data-id="${id}"]`))
  }

  planItem(id: string): Locator {
    return this.page.getByTestId('plan-item').and(this.page.locator(`[data-id="${id}"]`))
  }

  /** A row of the Compare list (`data-status`: only-a, only-b, differs, same). */
  compareItem(id: string): Locator {
    return this.page.getByTestId('compare-item').and(this.page.locator(`[data-id="${id}"]`))
  }

  /** The count of one Compare group, which is also its filter (`aria-pressed`). */
  compareGroup(status: 'only-a' | 'only-b' | 'differs' | 'same'): Locator {
    return this.page.getByTestId(`compare-count-${status}`)
  }

  /** The notifications shown now (toasts clear themselves; the newest is last). */
  toasts(): Locator {
    return this.page.getByTestId('toasts').getByTestId('toast')
  }

  /** The one toast saying `text`. */
  toast(text: string | RegExp): Locator {
    return this.toasts().filter({
      has: this.page.locator('.toast-message', { hasText: text })
    })
  }

  /**
   * An error as ErrorNote shows it (`testId`, default `error`): its message, and its code and
   * details behind the "Details" disclosure.
   */
  errorNote(testId = 'error'): {
    note: Locator
    message: Locator
    disclosure: Locator
    code: Locator
  } {
    const note = this.page.getByTestId(testId)
    return {
      note,
      message: note.locator('.error-message'),
      disclosure: note.locator('details > summary'),
      code: note.getByTestId('error-code')
    }
  }

  /** Where secrets are kept, as the Profiles screen says (`data-kind`: os, passphrase, memory). */
  keychainStatus(): Locator {
    return this.page.getByTestId('keychain-status')
  }

  /** Opens (or creates) the passphrase store from the Profiles screen. */
  async usePassphraseStore(passphrase: string): Promise<void> {
    await this.page.getByTestId('passphrase-input').fill(passphrase)
    await this.page.getByTestId('passphrase-unlock').click()
  }

  /**
   * A viewport picture for the README gallery: always in test-results/screenshots/, and in
   * docs/screenshots/ only when AIRLOCK_GALLERY=1 (`npm run gallery`), so a test run never
   * changes the tree.
   */
  async gallery(name: string): Promise<void> {
    await this.page.screenshot({ path: `test-results/screenshots/${name}.png` })
    if (process.env.AIRLOCK_GALLERY === '1') {
      mkdirSync('docs/screenshots', { recursive: true })
      await this.page.screenshot({ path: `docs/screenshots/${name}.png` })
    }
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true })
  }
}
