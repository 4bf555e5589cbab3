/**
 * The app in web mode (`airlock serve`) on the embedded demo, driven in Chromium. Screenshots
 * are taken of masked states only; the one reveal checks the value is hidden again.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppPage } from './pages/app-page'
import { expect, test } from './support/serve'

test.describe.configure({ mode: 'serial' })

test('inventory lists the demo with every secret masked', async ({ page, served }) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  // The launch code left the address bar (and history) once traded.
  expect(page.url()).not.toContain('code=')
  const row = app.inventoryRow('connection', 'postgres_default')
  await expect(row).toBeVisible()
  await expect(row.getByTestId('masked')).toHaveText('***')
  await expect(app.inventoryRow('variable', 'environment').getByTestId('masked')).toHaveText('***')
  await expect(page.getByTestId('inventory-count')).toContainText('values masked')
  await page.getByTestId('inventory-kind').selectOption('variable')
  await expect(app.inventoryRow('connection', 'postgres_default')).toHaveCount(0)
  await page.getByTestId('inventory-kind').selectOption('all')
  await page.getByTestId('inventory-search').fill('warehouse')
  await expect(page.getByTestId('row')).toHaveCount(1)
  await page.getByTestId('inventory-search').fill('')
  await page.getByTestId('export').locator('summary').click()
  await page.getByTestId('export-path').fill(join(served.dir, 'connections.yaml'))
  await page.getByTestId('export-format').selectOption('yaml')
  await page.getByTestId('export-write').click()
  await expect(app.toast(/^Wrote \d+ connections/)).toBeVisible()
  expect(readFileSync(join(served.dir, 'connections.yaml'), 'utf8')).toMatch(/^postgres_default:/m)
  await page.getByTestId('export').locator('summary').click()
  const demoKey = readFileSync(join(served.env.AIRLOCK_HOME, 'demo', 'fernet.key'), 'utf8').trim()
  const text = await page.locator('body').innerText()
  expect(text.includes(demoKey)).toBe(false)
  await app.gallery('inventory')
})

test('inventory stays fast at 50 000 rows', async ({ page, served }) => {
  const file = join(served.dir, 'big.env')
  writeFileSync(
    file,
    Array.from(
      { length: 50_000 },
      (_, i) => `AIRFLOW_VAR_BULK_${String(i).padStart(5, '0')}=value-${i}\n`
    ).join('')
  )
  const app = new AppPage(page)
  await app.open(await served.link())
  await page.getByTestId('inventory-locator').fill(`envfile:${file}`)
  await page.getByTestId('inventory-load').click()
  await expect(page.getByTestId('inventory-count')).toContainText('50000 of 50000 entries', {
    timeout: 20_000
  })
  // Only the rows in view are in the page.
  expect(await page.getByTestId('row').count()).toBeLessThan(80)
  const started = Date.now()
  await page.getByTestId('inventory-table').evaluate((el) => (el.scrollTop = el.scrollHeight))
  await expect(app.inventoryRow('variable', 'bulk_49999')).toBeVisible()
  await page.getByTestId('inventory-search').fill('bulk_4242')
  await expect(page.getByTestId('inventory-count')).toContainText('10 of 50000')
  await page.getByTestId('inventory-search').fill('')
  await page.getByTestId('inventory-prefix').fill('bulk_0000')
  await expect(page.getByTestId('inventory-count')).toContainText('10 of 50000')
  expect(Date.now() - started).toBeLessThan(3000)
})

test('reveal shows one field, then hides it again by itself', async ({ page, served }) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  const cell = app.inventoryRow('connection', 'postgres_default').getByTestId('secret-password')
  await cell.getByTestId('reveal').click()
  const revealed = cell.getByTestId('revealed')
  await expect(revealed).toBeVisible()
  expect(((await revealed.textContent()) ?? '').length).toBeGreaterThan(3)
  await expect(revealed).not.toHaveText('***')
  // Hidden again after the reveal delay, without anyone touching it.
  await expect(cell.getByTestId('masked')).toHaveText('***', { timeout: 15_000 })
  await expect(revealed).toHaveCount(0)
})

test('copy puts one entry on the clipboard as a URI in the chosen dialect', async ({
  page,
  context,
  served
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.origin })
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.inventoryRow('connection', 'postgres_default').getByTestId('copy').click()
  await expect(
    app.toast('Copied postgres_default as URI (airflow3); the clipboard is cleared in 30 s')
  ).toBeVisible()
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  // Compared without printing it: the value holds the demo password.
  expect(copied.startsWith('postgres://etl:')).toBe(true)
  expect(copied.includes('@warehouse.internal:5432/analytics')).toBe(true)
  await page.evaluate(() => navigator.clipboard.writeText(''))
})

test('precedence shows demo-env shadowing the metadata DB', async ({ page, served }) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.nav('precedence').click()
  const pg = app.precedenceRow('postgres_default')
  await expect(pg).toBeVisible()
  const cells = pg.locator('.verdict')
  await expect(cells.nth(0)).toHaveAttribute('data-testid', 'verdict-not-inspected')
  await expect(cells.nth(1)).toHaveAttribute('data-testid', 'verdict-wins')
  await expect(cells.nth(2)).toHaveAttribute('data-testid', 'verdict-shadowed')
  await expect(cells.nth(2)).toContainText('password')
  await pg.click()
  await expect(page.getByTestId('precedence-detail')).toContainText('differs')
  const all = await page.getByTestId('precedence-row').count()
  await page.getByTestId('precedence-show').selectOption('shadowed')
  await expect(page.getByTestId('precedence-row')).not.toHaveCount(all)
  const shadowed = await page.getByTestId('precedence-row').count()
  expect(shadowed).toBeGreaterThan(0)
  expect(shadowed).toBeLessThan(all)
  await page.getByTestId('precedence-show').selectOption('all')
  await app.screenshot('precedence')
  // With no store behind the metadata DB layer, it is "not inspected", never "empty".
  await page.getByTestId('layer-metastore').fill('')
  await page.getByTestId('precedence-resolve').click()
  await expect(pg.locator('.verdict').nth(2)).toHaveAttribute(
    'data-testid',
    'verdict-not-inspected'
  )
  await expect(app.precedenceRow('aws_default')).toHaveCount(0)
  // A store that cannot be reached is shown as failed, and resolution goes on past it, as
  // Airflow logs and falls through.
  await page.getByTestId('layer-metastore').fill('metadb:postgresql://airflow@127.0.0.1:9/airflow')
  await page.getByTestId('precedence-resolve').click()
  await expect(page.getByTestId('layer-head').nth(2)).toContainText('failed:')
  await expect(pg.locator('.verdict').nth(1)).toHaveAttribute('data-testid', 'verdict-wins')
  await expect(pg.locator('.verdict').nth(2)).toHaveAttribute('data-testid', 'verdict-failed')
  const text = await page.getByTestId('layer-head').nth(2).innerText()
  expect(text).not.toMatch(/password|secret/i)
})

test('plan demo → a new env file, apply it, and see the job finish', async ({ page, served }) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()
  const target = join(served.dir, 'target.env')
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill('demo:')
  await page.getByTestId('plan-target').fill(`envfile:${target}`)
  await page.getByTestId('plan-exclude').fill('aws_*')
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan')).toBeVisible()
  await expect(page.getByTestId('plan-count-create')).not.toHaveText(/^0 /)
  await expect(app.planItem('postgres_default')).toHaveAttribute('data-action', 'create')
  await expect(app.planItem('aws_default')).toHaveCount(0)
  // Leave one item out of this run.
  await app.planItem('http_api').getByRole('checkbox').uncheck()
  await page.getByTestId('plan-save-path').fill(join(served.dir, 'plan.json'))
  await page.getByTestId('plan-save').click()
  await app.screenshot('migrate')
  await page.getByTestId('plan-apply').click()
  await expect(page.getByTestId('jobs')).toBeVisible()
  const job = page.getByTestId('job-row').first()
  await expect(job).toHaveAttribute('data-state', 'finished')
  await app.screenshot('jobs')
  // The same stores compared now: only what was left out or excluded is only in A.
  await app.nav('migrate').click()
  await page.getByTestId('plan-compare').click()
  await expect(page.getByTestId('compare')).toHaveAttribute('data-state', 'ready')
  await expect(app.compareItem('http_api')).toHaveAttribute('data-status', 'only-a')
  await expect(app.compareItem('postgres_default')).toHaveCount(0)
  await expect(app.compareGroup('differs')).toHaveText(/^✓?0 differ$/)
  const written = readFileSync(target, 'utf8')
  expect(written).toMatch(/^AIRFLOW_CONN_POSTGRES_DEFAULT=/m)
  expect(written).not.toMatch(/AIRFLOW_CONN_HTTP_API=/)
  expect(JSON.parse(readFileSync(join(served.dir, 'plan.json'), 'utf8'))).toMatchObject({
    version: 1
  })
  // Roll the job back: what it created is removed again.
  await app.nav('jobs').click()
  await job.getByTestId('job-rollback').click()
  // a rollback asks first (issue 19)
  await page.getByTestId('confirm-ok').click()
  // the toast first: it clears itself after a few seconds, the row's state stays
  await expect(app.toast(/0 restored, 13 removed/)).toBeVisible()
  await expect(job).toHaveAttribute('data-state', 'rolled back')
  expect(readFileSync(target, 'utf8')).not.toMatch(/AIRFLOW_CONN_POSTGRES_DEFAULT=/)
})

/**
 * A job of four `.env` batches (500 items at least each); the server holds it after its first
 * (`served.holdJobs`), so it is running, at 500/2000, when Cancel is clicked.
 */
const MANY = 2_000
const FIRST_BATCH = 500

test('a running job shows live progress; cancel and resume it', async ({ page, served }) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()
  const source = join(served.dir, 'many.env')
  writeFileSync(
    source,
    Array.from({ length: MANY }, (_, i) => `AIRFLOW_VAR_MANY_${i}=v${i}\n`).join('')
  )
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill(`envfile:${join(served.dir, 'many-target.env')}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-make').click()
  await expect(page.getByTestId('plan-count-create')).toHaveText(`${MANY} create`)
  served.holdJobs(1)
  try {
    await page.getByTestId('plan-apply').click()
    const job = page.getByTestId('job-row').first()
    await expect(job).toHaveAttribute('data-state', 'running')
    await expect(job.getByTestId('job-progress')).toContainText(
      new RegExp(`^${FIRST_BATCH}/${MANY} · [\\d.]+/s · ETA`)
    )
    // The rate over time, drawn from the progress events.
    await expect(job.getByTestId('job-rate-chart')).toBeVisible()
    await app.screenshot('jobs-running')
    await job.getByTestId('job-cancel').click()
    await expect(job).toHaveAttribute('data-state', 'interrupted (resume it)')
    await expect(page.getByText(/Stopping .*; resume it to finish the rest\./)).toBeVisible()
    await app.screenshot('jobs-cancelled')
    await expect(job.getByTestId('job-progress')).toContainText(`${FIRST_BATCH}/${MANY}`)
    served.releaseJobs()
    await job.getByTestId('job-resume').click()
    await expect(job).toHaveAttribute('data-state', 'finished', { timeout: 30_000 })
    await expect(job.getByTestId('job-progress')).toContainText(`${MANY}/${MANY}`)
  } finally {
    served.releaseJobs()
  }
})

test('profiles: add with a secret, test, edit; the secret never comes back', async ({
  page,
  served
}) => {
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.nav('profiles').click()
  await expect(page.getByTestId('keychain-status')).toBeVisible()
  const demoKey = readFileSync(join(served.env.AIRLOCK_HOME, 'demo', 'fernet.key'), 'utf8').trim()
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('demo-copy')
  await page.getByTestId('profile-kind').selectOption('metadb')
  await page
    .getByTestId('profile-url')
    .fill(`sqlite:///${join(served.env.AIRLOCK_HOME, 'demo', 'airflow.db')}`)
  await page.getByTestId('profile-method').selectOption('none')
  await page.getByTestId('profile-secret-fernetKey').fill(demoKey)
  await page.getByTestId('profile-save').click()
  const row = page.getByTestId('profile-row').and(page.locator('[data-name="demo-copy"]'))
  await expect(row.getByTestId('profile-secrets')).toHaveText('fernetKey: stored')
  await row.getByTestId('profile-test').click()
  await expect(row.getByTestId('profile-test-result')).toContainText(/ok: \d+ connections/)
  await row.getByTestId('profile-edit').click()
  await expect(page.getByTestId('profile-secret-fernetKey')).toHaveValue('')
  await page.getByTestId('profile-save').click()
  // the save has ended when its form closes (the row read "stored" before it, too)
  await expect(page.getByTestId('profile-form')).toBeHidden()
  await expect(row.getByTestId('profile-secrets')).toHaveText('fernetKey: stored')
  expect((await page.content()).includes(demoKey)).toBe(false)
  const settings = readFileSync(join(served.env.AIRLOCK_CONFIG_DIR, 'settings.json'), 'utf8')
  expect(settings.includes(demoKey)).toBe(false)
  await app.gallery('profiles')

  // The same database with a key that decrypts nothing: each row it cannot read is shown
  // with its reason, in the inventory, and the rest is still listed.
  await page.getByTestId('profile-add').click()
  await page.getByTestId('profile-name').fill('demo-wrong-key')
  await page
    .getByTestId('profile-url')
    .fill(`sqlite:///${join(served.env.AIRLOCK_HOME, 'demo', 'airflow.db')}`)
  await page.getByTestId('profile-method').selectOption('none')
  await page
    .getByTestId('profile-secret-fernetKey')
    .fill(randomBytes(32).toString('base64url') + '=')
  await page.getByTestId('profile-save').click()
  await expect(
    page.getByTestId('profile-row').and(page.locator('[data-name="demo-wrong-key"]'))
  ).toBeVisible()
  await app.nav('inventory').click()
  await page.getByTestId('inventory-locator').fill('metadb:demo-wrong-key')
  await page.getByTestId('inventory-load').click()
  await expect(page.getByTestId('inventory-count')).toContainText('could not be read')
  await expect(page.getByTestId('problem').first()).toContainText(
    'no configured Fernet key decrypts it'
  )
  await app.screenshot('inventory-problems')
})

test('the API refuses calls without the token and from other origins', async ({
  request,
  served
}) => {
  const noToken = await request.post(`${served.origin}/api/invoke/app:info`, { data: [] })
  expect(noToken.status()).toBe(401)
  const foreign = await request.post(`${served.origin}/api/invoke/app:info`, {
    data: [],
    headers: { 'x-airlock-token': served.token, origin: 'http://evil.example' }
  })
  expect(foreign.status()).toBe(403)
  const ok = await request.post(`${served.origin}/api/invoke/app:info`, {
    data: [],
    headers: { 'x-airlock-token': served.token }
  })
  expect(ok.status()).toBe(200)
})

test('the token is in no address: links work once, and a used one is refused in a new browser', async ({
  browser,
  page,
  served
}) => {
  const requested: string[] = []
  page.on('request', (r) => requested.push(r.url()))
  const link = await served.link()
  const app = new AppPage(page)
  await app.open(link)
  await app.nav('jobs').click()
  await app.nav('inventory').click()
  expect(page.url()).not.toContain('#code=')
  expect(await page.evaluate(() => window.location.hash)).toBe('')
  // A reload keeps this tab's session (the code is gone, the token is in session storage).
  await page.reload()
  await expect(page.locator('[data-app-state="ready"]')).toBeVisible()
  // The same link in another browser context: refused, saying what to do.
  const other = await browser.newContext()
  const stranger = await other.newPage()
  await stranger.goto(link)
  await expect(stranger.getByTestId('fatal-message')).toContainText(
    'This link was already used or has expired. Press Enter in the terminal running `airlock serve`'
  )
  await other.close()
  // Neither any address the browser asked for nor anything airlock serve printed holds the token.
  expect(requested.length).toBeGreaterThan(3)
  for (const url of requested) expect(url).not.toContain(served.token)
  expect(served.output()).not.toContain(served.token)
  expect(served.output()).toContain(link)
})
