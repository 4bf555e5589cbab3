/**
 * Issue 19, "compare two stores": a screen of its own with A and B side by side — counts that
 * filter, kind and id filters, a detail pane with every field of A beside B — which never shows
 * a secret and offers nothing to apply; Migrate's "Compare these stores" opens it on the
 * plan's source and target. Both themes are saved as screenshots (docs/screenshots).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { AppPage } from './pages/app-page'
import { expectNoHorizontalOverflow, expectNoSecretsInDom } from './support/checks'
import { expect, test } from './support/serve'

const SECRETS = {
  onlyA: 'cmp-only-a-pass-61f0',
  onlyB: 'cmp-only-b-pass-52e1',
  pgA: 'cmp-pg-a-pass-43d2',
  pgB: 'cmp-pg-b-pass-34c3',
  pwA: 'cmp-pw-a-pass-25b4',
  pwB: 'cmp-pw-b-pass-16a5',
  same: 'cmp-same-pass-0796',
  regionA: 'cmp-region-a-value-f887',
  regionB: 'cmp-region-b-value-e978',
  sameVar: 'cmp-same-var-value-da69',
  extraA: 'cmp-extra-a-token-cb5a',
  extraB: 'cmp-extra-b-token-bc4b'
}

/** Two env files: one id only in each, a plain and secret difference, a secret-only one, equals. */
function writeStores(dir: string): { a: string; b: string } {
  const conn = (name: string, fields: Record<string, unknown>) =>
    `AIRFLOW_CONN_${name}='${JSON.stringify(fields)}'`
  const a = join(dir, 'compare-a.env')
  const b = join(dir, 'compare-b.env')
  writeFileSync(
    a,
    [
      conn('ONLY_A', { conn_type: 'postgres', host: 'a-only.internal', password: SECRETS.onlyA }),
      conn('PG', {
        conn_type: 'postgres',
        host: 'old-warehouse.internal',
        login: 'etl',
        password: SECRETS.pgA,
        port: 5432,
        schema: 'analytics',
        extra: { api_token: SECRETS.extraA }
      }),
      conn('PW', { conn_type: 'http', host: 'api.internal', password: SECRETS.pwA }),
      conn('SAME', { conn_type: 'http', host: 'same.internal', password: SECRETS.same }),
      `AIRFLOW_VAR_REGION=${SECRETS.regionA}`,
      `AIRFLOW_VAR_SAME_VAR=${SECRETS.sameVar}`,
      ''
    ].join('\n')
  )
  writeFileSync(
    b,
    [
      conn('ONLY_B', { conn_type: 'mysql', host: 'b-only.internal', password: SECRETS.onlyB }),
      conn('PG', {
        conn_type: 'postgres',
        host: 'new-warehouse.internal',
        login: 'etl',
        password: SECRETS.pgB,
        port: 5432,
        schema: 'analytics',
        extra: { api_token: SECRETS.extraB }
      }),
      conn('PW', { conn_type: 'http', host: 'api.internal', password: SECRETS.pwB }),
      conn('SAME', { conn_type: 'http', host: 'same.internal', password: SECRETS.same }),
      `AIRFLOW_VAR_REGION=${SECRETS.regionB}`,
      `AIRFLOW_VAR_SAME_VAR=${SECRETS.sameVar}`,
      ''
    ].join('\n')
  )
  return { a, b }
}

/** The ids the Compare list shows, in order. */
function shownIds(page: Page): Promise<(string | null)[]> {
  return page.getByTestId('compare-item').evaluateAll((rows) => rows.map((r) => r.dataset.id!))
}

test('19: Compare shows A and B side by side: counts, filters, detail; no secret, nothing to apply', async ({
  page,
  served
}) => {
  test.setTimeout(120_000)
  const app = new AppPage(page)
  await app.open(await served.link())
  const { a, b } = writeStores(served.dir)
  await app.nav('compare').click()
  await expect(app.nav('compare')).toHaveAttribute('aria-current', 'page')
  await page.getByTestId('compare-a').fill(`envfile:${a}`)
  await page.getByTestId('compare-b').fill(`envfile:${b}`)
  await page.getByTestId('compare-run').click()
  await expect(page.getByTestId('compare')).toHaveAttribute('data-state', 'ready')
  await expect(page.getByTestId('compare-store-a')).toHaveText(`envfile:${a}`)
  await expect(page.getByTestId('compare-store-b')).toHaveText(`envfile:${b}`)

  // Counts per group; each is also the group's filter (the same ids start hidden).
  await expect(app.compareGroup('only-a')).toHaveText(/^✓?1 only in A$/)
  await expect(app.compareGroup('only-b')).toHaveText(/^✓?1 only in B$/)
  await expect(app.compareGroup('differs')).toHaveText(/^✓?3 differ$/)
  await expect(app.compareGroup('same')).toHaveText(/^✓?2 same$/)
  await expect(app.compareGroup('same')).toHaveAttribute('aria-pressed', 'false')
  expect(await shownIds(page)).toEqual(['only_a', 'only_b', 'pg', 'pw', 'region'])
  await expect(page.getByTestId('compare-shown')).toHaveText('5 of 7 ids shown')
  await expect(app.compareItem('only_a')).toHaveAttribute('data-status', 'only-a')
  await expect(app.compareItem('only_b')).toHaveAttribute('data-status', 'only-b')
  await expect(app.compareItem('pg')).toHaveAttribute('data-status', 'differs')

  // A and B side by side in the list: plain fields in the clear, the side that lacks an id said.
  await expect(app.compareItem('pg')).toContainText('etl@old-warehouse.internal:5432/analytics')
  await expect(app.compareItem('pg')).toContainText('etl@new-warehouse.internal:5432/analytics')
  await expect(app.compareItem('pg')).toContainText('host, password, extra')
  await expect(app.compareItem('pw')).toContainText(/password$/)
  await expect(app.compareItem('only_a')).toContainText('a-only.internal')
  await expect(app.compareItem('only_a')).toContainText('not in B')
  await expect(app.compareItem('only_b')).toContainText('not in A')
  await expect(app.compareItem('region')).toContainText('value ***')
  await expect(app.compareItem('region')).toContainText(/value$/)

  // Filters: the groups, kind, id glob.
  await app.compareGroup('same').click()
  await expect(app.compareGroup('same')).toHaveAttribute('aria-pressed', 'true')
  expect(await shownIds(page)).toEqual([
    'only_a',
    'only_b',
    'pg',
    'pw',
    'same',
    'region',
    'same_var'
  ])
  await app.compareGroup('only-a').click()
  await app.compareGroup('only-b').click()
  expect(await shownIds(page)).toEqual(['pg', 'pw', 'same', 'region', 'same_var'])
  await page.getByTestId('compare-kind').selectOption('variable')
  expect(await shownIds(page)).toEqual(['region', 'same_var'])
  await page.getByTestId('compare-kind').selectOption('all')
  await page.getByTestId('compare-id').fill('p*')
  expect(await shownIds(page)).toEqual(['pg', 'pw'])
  await page.getByTestId('compare-id').fill('*_var, only_*')
  expect(await shownIds(page)).toEqual(['same_var'])
  await page.getByTestId('compare-id').fill('')
  await app.compareGroup('only-a').click()
  await app.compareGroup('only-b').click()
  await app.compareGroup('same').click()
  await expect(page.getByTestId('compare-shown')).toHaveText('5 of 7 ids shown')

  // The detail pane: every field, A beside B, what differs marked; secrets as differs/same only.
  const detail = page.getByTestId('compare-detail')
  await app.compareItem('pg').getByTestId('compare-open').click()
  await expect(detail).toHaveAttribute('data-id', 'pg')
  await expect(page.getByTestId('compare-detail-status')).toHaveText('differs')
  const field = (name: string) =>
    detail.locator(`[data-testid="compare-field"][data-field="${name}"]`)
  await expect(field('host')).toHaveAttribute('data-differs', 'true')
  await expect(field('host').locator('td').nth(0)).toHaveText('old-warehouse.internal')
  await expect(field('host').locator('td').nth(1)).toHaveText('new-warehouse.internal')
  await expect(field('host').locator('td').nth(2)).toHaveText('≠ differs')
  await expect(field('login')).toHaveAttribute('data-differs', 'false')
  await expect(field('login').locator('td').nth(2)).toHaveText('same')
  for (const secret of ['password', 'extra']) {
    await expect(field(secret)).toHaveAttribute('data-differs', 'true')
    await expect(field(secret).locator('td').nth(0)).toHaveText('set (masked)')
    await expect(field(secret).locator('td').nth(1)).toHaveText('set (masked)')
  }
  await expect(detail.locator('tr.cmp-differs')).toHaveCount(3)
  await expect(detail.getByRole('button')).toHaveCount(0)
  // the secret-only difference: only the password row is marked
  await app.compareItem('pw').getByTestId('compare-open').click()
  await expect(detail).toHaveAttribute('data-id', 'pw')
  await expect(detail.locator('tr.cmp-differs')).toHaveCount(1)
  await expect(field('password')).toHaveAttribute('data-differs', 'true')
  // from the keyboard: arrows in the list, Enter opens the active id
  await page.getByTestId('compare-table').focus()
  await page.keyboard.press('Home')
  await page.keyboard.press('Enter')
  await expect(detail).toHaveAttribute('data-id', 'only_a')
  await expect(field('host').locator('td').nth(0)).toHaveText('a-only.internal')
  await expect(field('host').locator('td').nth(1)).toHaveText('—')
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Enter')
  await expect(detail).toHaveAttribute('data-id', 'pg')

  // Read only: nothing on this screen applies, saves, writes or deletes.
  const screen = page.getByTestId('compare')
  await expect(
    screen.getByRole('button', { name: /apply|save|write|delete|create|update|plan/i })
  ).toHaveCount(0)
  await expect(screen.getByRole('checkbox')).toHaveCount(0)
  await expect(screen.getByText(/not applicable/i)).toHaveCount(0)
  await expectNoSecretsInDom(page, SECRETS)

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    // no focus ring of the last key press in the picture
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await app.gallery(`compare-${scheme}`)
  }
  await expectNoSecretsInDom(page, SECRETS)
})

test('19: Migrate\'s "Compare these stores" opens Compare on the source and target', async ({
  page,
  served
}) => {
  test.setTimeout(120_000)
  const app = new AppPage(page)
  await app.open(await served.link())
  const { a, b } = writeStores(served.dir)
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${a}`)
  await page.getByTestId('plan-target').fill(`envfile:${b}`)
  await expect(page.getByTestId('plan-compare')).toHaveText('Compare these stores')
  await page.getByTestId('plan-compare').click()
  await expect(page.getByTestId('compare')).toBeVisible()
  await expect(app.nav('compare')).toHaveAttribute('aria-current', 'page')
  await expect(page.getByTestId('compare-a')).toHaveValue(`envfile:${a}`)
  await expect(page.getByTestId('compare-b')).toHaveValue(`envfile:${b}`)
  await expect(page.getByTestId('compare')).toHaveAttribute('data-state', 'ready')
  await expect(app.compareGroup('differs')).toHaveText(/^✓?3 differ$/)
  await expect(app.compareItem('only_a')).toHaveAttribute('data-status', 'only-a')
  // no plan was made on the way
  await app.nav('migrate').click()
  await expect(page.getByTestId('plan')).toHaveCount(0)
  await expectNoSecretsInDom(page, SECRETS)
})

test('19: a long id in the Compare detail wraps inside the pane: the page does not scroll sideways', async ({
  page,
  served
}) => {
  test.setTimeout(90_000)
  const app = new AppPage(page)
  await page.setViewportSize({ width: 1280, height: 800 })
  await app.open(await served.link())
  const longId = `warehouse_${'replica_'.repeat(20)}eu`
  const a = join(served.dir, 'long-a.env')
  const b = join(served.dir, 'long-b.env')
  writeFileSync(a, `AIRFLOW_CONN_${longId.toUpperCase()}=postgres://etl@db.internal:5432/a\n`)
  writeFileSync(b, '')
  await app.nav('compare').click()
  await page.getByTestId('compare-a').fill(`envfile:${a}`)
  await page.getByTestId('compare-b').fill(`envfile:${b}`)
  await page.getByTestId('compare-run').click()
  await expect(page.getByTestId('compare-shown')).toContainText('1 of 1')
  await page.getByTestId('compare-table').focus()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('compare-detail')).toHaveAttribute('data-id', longId)
  await expectNoHorizontalOverflow(page)
  const pane = await page.getByTestId('compare-detail').boundingBox()
  const id = await page.getByTestId('compare-detail').locator('h3 code').boundingBox()
  expect(id!.x + id!.width).toBeLessThanOrEqual(pane!.x + pane!.width)
})
