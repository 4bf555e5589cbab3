/**
 * Issue 19, plan review: the detail pane of a plan item. A plan with an update (a plain field
 * and the password change), a create and a delete; each detail shows every field before →
 * after with no secret in the page until "Reveal both", the name it is written under, and on
 * request the exact line the target file gets. Screenshots (before any reveal) in both themes.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { EnvFileBackend } from '../../src-main/backends/env-file'
import { AppPage } from './pages/app-page'
import { expectNoSecretsInDom, named } from './support/checks'
import { expect, test } from './support/serve'

const OLD_PW = 'old-pw-e2e-41c9'
const NEW_PW = 'new-pw-e2e-8b2f'
const OLD_TOKEN = 'tok-old-e2e-5d10'
const NEW_TOKEN = 'tok-new-e2e-a7e3'
const NEW_VALUE = 'flag-value-e2e-3f66'
const OLD_VALUE = 'legacy-value-e2e-90bd'
const SECRETS = [OLD_PW, NEW_PW, OLD_TOKEN, NEW_TOKEN, NEW_VALUE, OLD_VALUE]

const extra = (mode: string, token: string) =>
  encodeURIComponent(JSON.stringify({ sslmode: mode, api_token: token, region: 'eu-west-1' }))

/** A viewport picture for the README gallery (docs/screenshots/ under `npm run gallery`). */
async function docsScreenshot(page: Page, name: string): Promise<void> {
  await new AppPage(page).gallery(name)
}

test('19: the detail pane of a plan item: before → after, secrets masked until revealed, the text written', async ({
  page,
  served
}) => {
  test.setTimeout(120_000)
  const app = new AppPage(page)
  await app.open(await served.link())
  const source = join(served.dir, 'detail-source.env')
  const target = join(served.dir, 'detail-target.env')
  writeFileSync(
    source,
    `AIRFLOW_CONN_WAREHOUSE=postgres://etl:${NEW_PW}@new-db.internal:5432/analytics?__extra__=${extra('require', NEW_TOKEN)}\n` +
      `AIRFLOW_VAR_NEW_FLAG=${NEW_VALUE}\n`
  )
  writeFileSync(
    target,
    `AIRFLOW_CONN_WAREHOUSE=postgres://etl:${OLD_PW}@old-db.internal:5432/analytics?__extra__=${extra('prefer', OLD_TOKEN)}\n` +
      `AIRFLOW_VAR_OLD_FLAG=${OLD_VALUE}\n`
  )
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill(`envfile:${target}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByLabel('Delete what the source lacks').check()
  await page.getByTestId('plan-make').click()
  await expect(app.planItem('warehouse')).toHaveAttribute('data-action', 'update')
  await expect(page.getByTestId('plan-detail')).toHaveCount(0)

  // ---- the update: plain fields in clear, the password and the token as "changed" only
  await app.planItem('warehouse').locator('.id').click()
  const detail = page.getByTestId('plan-detail')
  await expect(detail).toHaveAttribute('data-id', 'warehouse')
  await expect(app.planItem('warehouse')).toHaveClass(/selected/)
  const field = (name: string) =>
    detail.locator(`[data-testid="plan-detail-field"][data-field="${name}"]`)
  await expect(field('host')).toHaveAttribute('data-change', 'changed')
  await expect(field('host').locator('td.before')).toHaveText('old-db.internal')
  await expect(field('host').locator('td.after')).toHaveText('new-db.internal')
  await expect(field('login')).toHaveAttribute('data-change', 'same')
  await expect(field('password')).toHaveAttribute('data-change', 'changed')
  await expect(field('password').getByTestId('masked')).toHaveCount(2)
  const key = (name: string) =>
    detail.locator(`[data-testid="plan-detail-extra-key"][data-key="${name}"]`)
  await expect(key('sslmode')).toHaveAttribute('data-change', 'changed')
  await expect(key('sslmode').locator('td.after')).toHaveText('"require"')
  await expect(key('region')).toHaveAttribute('data-change', 'same')
  await expect(key('api_token')).toHaveAttribute('data-change', 'changed')
  await expect(key('api_token').locator('td.after')).toHaveText('***')
  await expect(page.getByTestId('plan-detail-written-as')).toContainText(
    'Written as: AIRFLOW_CONN_WAREHOUSE'
  )
  await expectNoSecretsInDom(page, named(SECRETS))
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await detail.scrollIntoViewIfNeeded()
    await docsScreenshot(page, `plan-detail-update-${scheme}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })

  // "Reveal both": the two passwords, and nothing else
  await page.getByTestId('plan-detail-reveal-password').click()
  await expect(field('password').getByTestId('revealed')).toHaveText([OLD_PW, NEW_PW])
  const revealed = await page.content()
  expect(revealed).toContain(OLD_PW)
  for (const s of [OLD_TOKEN, NEW_TOKEN, NEW_VALUE, OLD_VALUE]) expect(revealed).not.toContain(s)

  // the text to be written: the very line the target's own write puts in the file
  await page.getByTestId('plan-detail-show-text').click()
  const fresh = join(served.dir, 'detail-fresh.env')
  const planned = await new EnvFileBackend({ path: source }).read({
    kind: 'connection',
    id: 'warehouse'
  })
  await new EnvFileBackend({ path: fresh }).write([planned!])
  await expect(page.getByTestId('plan-detail-text')).toHaveText(readFileSync(fresh, 'utf8').trim())
  await expect(page.getByTestId('plan-detail-text')).toContainText(
    `postgres://etl:${NEW_PW}@new-db.internal:5432/analytics`
  )

  // ---- the create: nothing before, the value "added" and masked; the revealed ones are gone
  await app.planItem('new_flag').locator('.id').click()
  await expect(detail).toHaveAttribute('data-id', 'new_flag')
  await expect(field('value')).toHaveAttribute('data-change', 'added')
  await expect(field('value').locator('td.before')).toHaveText('—')
  await expect(field('value').locator('td.after')).toHaveText('***')
  await expect(page.getByTestId('plan-detail-written-as')).toContainText(
    'Written as: AIRFLOW_VAR_NEW_FLAG'
  )
  await expectNoSecretsInDom(page, named(SECRETS))
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await detail.scrollIntoViewIfNeeded()
    await docsScreenshot(page, `plan-detail-create-${scheme}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })

  // ---- the delete: what will be removed, and from where; nothing is written
  await app.planItem('old_flag').locator('.id').click()
  await expect(detail).toHaveAttribute('data-id', 'old_flag')
  await expect(field('value')).toHaveAttribute('data-change', 'removed')
  await expect(field('value').locator('td.after')).toHaveText('—')
  await expect(page.getByTestId('plan-detail-written-as')).toContainText(
    'Removed from: AIRFLOW_VAR_OLD_FLAG'
  )
  await expect(page.getByTestId('plan-detail-show-text')).toHaveCount(0)
  await expectNoSecretsInDom(page, named(SECRETS))
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await detail.scrollIntoViewIfNeeded()
    await docsScreenshot(page, `plan-detail-delete-${scheme}`)
  }
  // a narrow window: the pane goes below the list
  await page.setViewportSize({ width: 1100, height: 860 })
  const list = await page.getByTestId('plan-table').boundingBox()
  const pane = await detail.boundingBox()
  expect(pane!.y).toBeGreaterThan(list!.y + list!.height - 1)
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await detail.scrollIntoViewIfNeeded()
    await docsScreenshot(page, `plan-detail-narrow-${scheme}`)
  }
  await page.setViewportSize({ width: 1360, height: 860 })
  await expectNoSecretsInDom(page, named(SECRETS))
  await page.getByTestId('plan-detail-reveal-value').click()
  await expect(field('value').getByTestId('revealed')).toHaveText(OLD_VALUE)
  await expect(field('value').locator('td.after')).toHaveText('—')
  await expectNoSecretsInDom(page, { 'the new value': NEW_VALUE })
})

test('19: a long id in the detail head is cut, its badge, kind and close stay whole on one line', async ({
  page,
  served
}) => {
  test.setTimeout(90_000)
  const app = new AppPage(page)
  await page.setViewportSize({ width: 1280, height: 800 })
  await app.open(await served.link())
  const longId = `warehouse_${'replica_'.repeat(20)}eu`
  const source = join(served.dir, 'long-source.env')
  writeFileSync(
    source,
    `AIRFLOW_CONN_${longId.toUpperCase()}=postgres://etl:${NEW_PW}@db.internal:5432/a\n`
  )
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill(`envfile:${join(served.dir, 'long-target.env')}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-make').click()
  await app.planItem(longId).click({ position: { x: 120, y: 10 } })
  const head = page.locator('.plan-detail-head')
  await expect(page.getByTestId('plan-detail')).toHaveAttribute('data-id', longId)
  const oneLine = async (name: string, box: { height: number } | null) => {
    expect(box, name).not.toBeNull()
    expect(box!.height, `${name} wraps`).toBeLessThan(30)
  }
  await oneLine('badge', await head.locator('.badge').boundingBox())
  await oneLine('kind', await head.getByText('connection', { exact: true }).boundingBox())
  await oneLine('close', await page.getByTestId('plan-detail-close').boundingBox())
  await oneLine('id', await head.locator('h3').boundingBox())
  await expectNoSecretsInDom(page, named(SECRETS))
})
