/**
 * Issue 19, plan review and cutover preview in Migrate: the plan grouped by action with a
 * count per group, filtered by action, kind and id glob; from the keyboard, arrows move,
 * Space includes or leaves out the active item and Enter opens its detail; and a cutover
 * preview that catches the classic failed cutover, an `AIRFLOW_CONN_*` in the workers'
 * environment that still wins over the metadata DB the plan writes. No secret reaches the
 * DOM; the layout fits 1280×800 without a horizontal scroll bar. Screenshots of each state in
 * both themes go to docs/screenshots/.
 */
import { writeFileSync } from 'node:fs'
import type { Page } from '@playwright/test'
import { join } from 'node:path'
import { AppPage } from './pages/app-page'
import { axeViolations, expectNoHorizontalOverflow, expectNoSecretsInDom } from './support/checks'
import { expect, test } from './support/serve'

const SECRET = 'pl4n-review-s3cret'
const WORKER_SECRET = 'w0rker-env-s3cret'

/** A viewport screenshot for the README gallery. */
async function gallery(page: Page, name: string): Promise<void> {
  await new AppPage(page).gallery(name)
}

test.use({ viewport: { width: 1280, height: 800 } })

test('19: the plan is grouped by action, filtered with counts, and driven from the keyboard', async ({
  page,
  served
}) => {
  test.setTimeout(90_000)
  const app = new AppPage(page)
  await app.open(await served.link())
  const source = join(served.dir, 'review-source.env')
  const target = join(served.dir, 'review-target.env')
  writeFileSync(
    source,
    [
      'AIRFLOW_VAR_SAME=1',
      'AIRFLOW_VAR_CHANGED=new',
      'AIRFLOW_VAR_FRESH=3',
      `AIRFLOW_CONN_PG_MAIN=postgres://etl:${SECRET}@warehouse.internal:5432/analytics`,
      `AIRFLOW_CONN_PG_REPLICA=postgres://etl:${SECRET}@replica.internal:5432/analytics`,
      ''
    ].join('\n')
  )
  writeFileSync(
    target,
    [
      'AIRFLOW_VAR_SAME=1',
      'AIRFLOW_VAR_CHANGED=old',
      'AIRFLOW_VAR_GONE=bye',
      `AIRFLOW_CONN_PG_REPLICA=postgres://etl:${SECRET}@old-replica.internal:5432/analytics`,
      'AIRFLOW_CONN_PG_LEGACY=postgres://legacy.internal/db',
      ''
    ].join('\n')
  )
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill(`envfile:${target}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByLabel('Delete what the source lacks').check()
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan')).toBeVisible()

  // A count per group; what stays unchanged is hidden at first, the rest grouped by action.
  const chip = (a: string) => page.getByTestId(`plan-count-${a}`)
  await expect(chip('create')).toHaveText('2 create')
  await expect(chip('update')).toHaveText('2 update')
  await expect(chip('delete')).toHaveText('2 delete')
  await expect(chip('unchanged')).toHaveText('1 unchanged')
  await expect(chip('conflict')).toHaveText('0 conflict')
  await expect(chip('unchanged')).toHaveAttribute('aria-pressed', 'false')
  const shownActions = () =>
    page
      .getByTestId('plan-item')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))
  expect(await shownActions()).toEqual(['create', 'create', 'update', 'update', 'delete', 'delete'])
  await expect(page.getByTestId('plan-shown')).toHaveText('6 of 7 shown')

  // Toggle groups: unchanged shown (last), creates hidden.
  await chip('unchanged').click()
  await chip('create').click()
  await expect(chip('create')).toHaveAttribute('aria-pressed', 'false')
  expect(await shownActions()).toEqual(['update', 'update', 'delete', 'delete', 'unchanged'])
  await chip('create').click()

  // By kind: the counts follow the filter.
  await page.getByTestId('plan-filter-kind').selectOption('variable')
  await expect(chip('create')).toHaveText('1 create')
  await expect(chip('update')).toHaveText('1 update')
  await expect(chip('delete')).toHaveText('1 delete')
  await expect(page.getByTestId('plan-shown')).toHaveText('4 of 7 shown')
  await page.getByTestId('plan-filter-kind').selectOption('both')

  // By id glob (case-insensitive, comma-separated).
  await page.getByTestId('plan-filter-id').fill('PG_*')
  await expect(chip('create')).toHaveText('1 create')
  await expect(chip('update')).toHaveText('1 update')
  await expect(chip('delete')).toHaveText('1 delete')
  await expect(chip('unchanged')).toHaveText('0 unchanged')
  const ids = () =>
    page.getByTestId('plan-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))
  expect(await ids()).toEqual(['pg_main', 'pg_replica', 'pg_legacy'])
  await page.getByTestId('plan-filter-id').fill('pg_main, changed')
  expect(await ids()).toEqual(['pg_main', 'changed'])
  await page.getByTestId('plan-filter-id').fill('nothing_like_this')
  await expect(page.getByTestId('plan-empty')).toBeVisible()
  await page.getByTestId('plan-filter-id').fill('')
  await expect(page.getByTestId('plan-shown')).toHaveText('7 of 7 shown')

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await expectNoHorizontalOverflow(page)
    await page.getByTestId('plan-filters').scrollIntoViewIfNeeded()
    expect(await axeViolations(page), scheme).toEqual([])
    await gallery(page, `plan-review-filters-${scheme}`)
  }

  // Keyboard: arrows move the active row, Space leaves it out (and in again), Enter opens it.
  const apply = page.getByTestId('plan-apply')
  await expect(apply).toHaveText('Apply 6 changes')
  const grid = page.getByTestId('plan-table')
  await grid.focus()
  const activeId = async () => {
    const id = await grid.getAttribute('aria-activedescendant')
    return page.locator(`[id="${id}"]`).getAttribute('data-id')
  }
  // connections before variables within a group: pg_main, fresh, pg_replica, changed, …
  expect(await activeId()).toBe('pg_main')
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown')
  expect(await activeId()).toBe('changed')
  await page.keyboard.press('Space')
  await expect(page.getByRole('checkbox', { name: 'Apply changed' })).not.toBeChecked()
  await expect(apply).toHaveText('Apply 5 changes')
  await expect(grid).toBeFocused()
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp')
  await page.keyboard.press('Enter')
  const detail = page.getByTestId('plan-detail')
  await expect(detail).toBeVisible()
  await expect(detail).toContainText('pg_main')
  await expect(app.planItem('pg_main')).toHaveAttribute('aria-selected', 'true')
  await expect(grid).toBeFocused()
  // Space again puts `changed` back in; on an unchanged item it does nothing (nothing to apply).
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown')
  await page.keyboard.press('Space')
  await expect(page.getByRole('checkbox', { name: 'Apply changed' })).toBeChecked()
  await expect(apply).toHaveText('Apply 6 changes')
  await page.keyboard.press('End')
  expect(await activeId()).toBe('same')
  await page.keyboard.press('Space')
  await expect(apply).toHaveText('Apply 6 changes')
  await page.keyboard.press('Enter')
  await expect(detail).toContainText('same')
  await expect(app.planItem('same')).toHaveAttribute('aria-selected', 'true')
  await expect(app.planItem('pg_main')).toHaveAttribute('aria-selected', 'false')
  // A click selects too; Escape closes the detail.
  await app.planItem('pg_replica').locator('.id').click()
  await expect(detail).toContainText('pg_replica')
  await expect(detail).toContainText('old-replica.internal')
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await expectNoHorizontalOverflow(page)
    expect(await axeViolations(page), scheme).toEqual([])
    await gallery(page, `plan-review-detail-${scheme}`)
  }
  await grid.focus()
  await page.keyboard.press('Escape')
  await expect(detail).toHaveCount(0)

  // The active row follows its item through a filter: Space toggles it, not the row that now
  // sits at its old place (pg_legacy), and Enter opens it.
  await page.getByTestId('plan-filter-id').fill('pg_*')
  await expect(page.getByTestId('plan-shown')).toHaveText('3 of 7 shown')
  await grid.focus()
  expect(await activeId()).toBe('pg_replica')
  await page.keyboard.press('Space')
  await expect(page.getByRole('checkbox', { name: 'Apply pg_replica' })).not.toBeChecked()
  await expect(page.getByRole('checkbox', { name: 'Apply pg_legacy' })).toBeChecked()
  await page.keyboard.press('Enter')
  await expect(detail).toContainText('pg_replica')
  await page.keyboard.press('Space')
  await expect(page.getByRole('checkbox', { name: 'Apply pg_replica' })).toBeChecked()
  await page.keyboard.press('Escape')
  await page.getByTestId('plan-filter-id').fill('')

  // No secret anywhere in the page.
  await expectNoSecretsInDom(page, { 'the source secret': SECRET })
})

test("19: the cutover preview catches an AIRFLOW_CONN_* in the workers' environment that still wins", async ({
  page,
  served
}) => {
  test.setTimeout(90_000)
  const app = new AppPage(page)
  await app.open(await served.link())
  // The source: a changed postgres_default, a new variable, one already equal, one shadowed
  // by the demo's own .env (the API server's environment).
  const source = join(served.dir, 'cutover-source.env')
  writeFileSync(
    source,
    [
      `AIRFLOW_CONN_POSTGRES_DEFAULT=postgres://etl:${SECRET}@warehouse-v2.internal:5432/analytics`,
      'AIRFLOW_VAR_CUTOVER_NEW=fresh',
      'AIRFLOW_VAR_RETENTION_DAYS=30',
      'AIRFLOW_VAR_ENVIRONMENT=production',
      ''
    ].join('\n')
  )
  // The workers still carry the old connection in their environment.
  const worker = join(served.dir, 'worker.env')
  writeFileSync(
    worker,
    `AIRFLOW_CONN_POSTGRES_DEFAULT=postgres://etl:${WORKER_SECRET}@warehouse.internal:5432/analytics\n`
  )
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill('demo:')
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-runtime').selectOption('demo')
  await page.getByTestId('plan-model').selectOption('airflow3-worker')
  await page.getByTestId('plan-layers').fill(`worker-env=envfile:${worker}`)
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan')).toBeVisible()

  // The summary at the top counts each outcome.
  const summary = page.getByTestId('cutover-summary')
  await expect(summary).toContainText('Airflow 3 worker')
  await expect(page.getByTestId('cutover-count-reads-new')).toHaveText(
    'Airflow will read the new value: 1'
  )
  await expect(page.getByTestId('cutover-count-already-equal')).toHaveText(
    'no change: already equal: 1'
  )
  await expect(page.getByTestId('cutover-count-shadowed')).toHaveText('shadowed: 2')

  // Per row: the outcome; the shadowed one names the key and the layer that still wins.
  const outcome = (id: string) => app.planItem(id).getByTestId('cutover-outcome')
  await expect(app.planItem('postgres_default')).toHaveAttribute('data-outcome', 'shadowed')
  await expect(outcome('postgres_default')).toContainText(
    "shadowed: AIRFLOW_CONN_POSTGRES_DEFAULT in the workers' environment still wins"
  )
  await expect(outcome('postgres_default')).toContainText('its value differs')
  await expect(outcome('cutover_new')).toHaveText('Airflow will read the new value')

  // Before Apply: the warning counts what stays shadowed; "Show them" lists exactly those.
  const warning = page.getByTestId('apply-shadowed-warning')
  await expect(warning).toContainText('2 items will stay shadowed after apply')
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await expectNoHorizontalOverflow(page)
    await summary.scrollIntoViewIfNeeded()
    expect(await axeViolations(page), scheme).toEqual([])
    await gallery(page, `cutover-${scheme}`)
  }
  await page.getByTestId('apply-shadowed-show').click()
  await expect(page.getByTestId('plan-shadowed-only')).toBeChecked()
  const ids = () =>
    page.getByTestId('plan-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))
  expect(await ids()).toEqual(['postgres_default', 'environment'])
  await expect(outcome('environment')).toContainText(
    "shadowed: AIRFLOW_VAR_ENVIRONMENT in the API server's environment still wins"
  )
  // the already-equal one, shown with the unchanged group
  await page.getByTestId('plan-shadowed-only').uncheck()
  await expect(outcome('retention_days')).toHaveText('no change: already equal')
  await page.getByTestId('plan-shadowed-only').check()
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await expectNoHorizontalOverflow(page)
    await page.getByTestId('plan-table').scrollIntoViewIfNeeded()
    await gallery(page, `cutover-shadowed-only-${scheme}`)
  }
  // The detail beside the list still fits 1280 px, the outcome column kept.
  await app.planItem('postgres_default').locator('.id').click()
  await expect(page.getByTestId('plan-detail')).toContainText('postgres_default')
  await expect(outcome('postgres_default')).toBeVisible()
  // The detail says it too: the item's cutover outcome, with the name that still wins.
  await expect(page.getByTestId('plan-detail-cutover')).toHaveAttribute('data-outcome', 'shadowed')
  await expect(page.getByTestId('plan-detail-cutover')).toContainText(
    "shadowed: AIRFLOW_CONN_POSTGRES_DEFAULT in the workers' environment still wins"
  )
  await expectNoHorizontalOverflow(page)
  await page.getByTestId('plan-detail-close').click()
  await expect(page.getByTestId('plan-detail')).toHaveCount(0)
  // Leaving the shadowed update out of the apply: one stays shadowed (the unchanged one).
  await page.getByRole('checkbox', { name: 'Apply postgres_default' }).uncheck()
  await expect(warning).toContainText('1 item will stay shadowed after apply')

  // Without a runtime there is no preview.
  await page.getByTestId('plan-runtime').selectOption('none')
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan-shadowed-only')).toHaveCount(0)
  await expect(page.getByTestId('cutover-summary')).toHaveCount(0)

  await expectNoSecretsInDom(page, {
    'the source secret': SECRET,
    'the worker secret': WORKER_SECRET
  })
})
