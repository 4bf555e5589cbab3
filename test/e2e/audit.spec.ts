/**
 * Issue 20, "an audit history view": the audit log in the app — who ran which job action when,
 * never a value — filtered as `airlock audit` is, each job linking to its detail, exported as
 * the very JSON Lines `airlock audit --json` prints for the same filter.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AppPage } from './pages/app-page'
import {
  axeViolations,
  expectNoHorizontalOverflow,
  expectNoSecretsInDom,
  named
} from './support/checks'
import { expect, test, type Served } from './support/serve'

/** `airlock audit --json` with these flags, over the served app's data dir. */
function cliAudit(served: Served, flags: string[]): string {
  const r = spawnSync(process.execPath, ['bin/airlock.mjs', 'audit', '--json', ...flags], {
    env: { ...process.env, ...served.env },
    encoding: 'utf8'
  })
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
}

const SECRETS = ['AuditRegionCanary5k', 'PwAuditCanary8m']

test('20: the audit history: filters, a job link, the export as the CLI prints it', async ({
  page,
  served
}) => {
  test.setTimeout(180_000)
  await page.setViewportSize({ width: 1280, height: 800 })
  const app = new AppPage(page)
  await app.open(await served.link())
  await app.requireOsKeychain()

  // Before any job: the empty state says what the log records.
  await app.nav('audit').click()
  await expect(page.getByTestId('audit')).toHaveAttribute('data-state', 'ready')
  await expect(page.getByTestId('audit-empty')).toContainText('No job action in this time')
  await expect(page.getByTestId('audit-export')).toBeDisabled()
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `axe on the empty state in ${scheme}`).toEqual([])
    await app.gallery(`audit-empty-${scheme}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })

  // A small .env → .env job through the UI, then its rollback: two records.
  const source = join(served.dir, 'audit-source.env')
  const target = join(served.dir, 'audit-target.env')
  writeFileSync(
    source,
    `AIRFLOW_VAR_REGION=${SECRETS[0]}\nAIRFLOW_CONN_WAREHOUSE=postgres://etl:${SECRETS[1]}@wh:5432/dw\n`
  )
  writeFileSync(target, '')
  await app.nav('migrate').click()
  await page.getByTestId('plan-source').fill(`envfile:${source}`)
  await page.getByTestId('plan-target').fill(`envfile:${target}`)
  await page.getByTestId('plan-exclude').fill('')
  await page.getByTestId('plan-make').click()
  await expect(app.planItem('region')).toHaveAttribute('data-action', 'create')
  // only creates: applied without a confirmation
  await page.getByTestId('plan-apply').click()
  const job = page.getByTestId('job-row').first()
  await expect(job).toHaveAttribute('data-state', 'finished', { timeout: 60_000 })
  const jobId = (await job.getAttribute('data-job-id'))!

  // The audit screen, already open in the background, followed the job's end.
  await app.nav('audit').click()
  const rows = page.getByTestId('audit-row')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toHaveAttribute('data-action', 'apply')
  await expect(rows.first()).toHaveAttribute('data-job', jobId)
  await expect(rows.first()).toContainText(`envfile:${source} → envfile:${target}`)
  await expect(rows.first()).toContainText('applied 2')

  await app.nav('jobs').click()
  await job.getByTestId('job-rollback').click()
  await page.getByTestId('confirm-ok').click()
  await expect(job).toHaveAttribute('data-state', 'rolled back')
  await app.nav('audit').click()
  await expect(rows).toHaveCount(2)
  // newest first
  await expect(rows.first()).toHaveAttribute('data-action', 'rollback')
  await expect(page.getByTestId('audit-count')).toHaveText('2 of 2 records · newest first')

  // Who, what and when; never a value (the log holds none: the CLI's lines neither).
  await expectNoSecretsInDom(page, named(SECRETS))
  const all = cliAudit(served, [])
  for (const s of SECRETS) expect(all.includes(s), 'a value in the audit log').toBe(false)
  expect(all.trim().split('\n')).toHaveLength(2)

  // Filters as the CLI's: action, store, job, since (a preset and free text).
  await page.getByTestId('audit-action').selectOption('rollback')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toHaveAttribute('data-action', 'rollback')
  await page.getByTestId('audit-action').selectOption('')
  await expect(rows).toHaveCount(2)
  await page.getByTestId('audit-store').fill(`envfile:${source}`)
  await page.getByTestId('audit-apply').click()
  // only the apply names the source; the rollback names its target only
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toHaveAttribute('data-action', 'apply')
  await page.getByTestId('audit-store').fill('')
  await page.getByTestId('audit-job').fill('no-such-job')
  await page.getByTestId('audit-apply').click()
  await expect(page.getByTestId('audit-empty')).toHaveText('No record matches these filters.')
  await page.getByTestId('audit-job').fill(jobId)
  await page.getByTestId('audit-apply').click()
  await expect(rows).toHaveCount(2)
  await page.getByTestId('audit-job').fill('')
  await page.getByTestId('audit-since').selectOption('other')
  await page.getByTestId('audit-since-text').fill('yesterday')
  await page.getByTestId('audit-apply').click()
  await expect(page.getByTestId('audit-error')).toContainText('Since takes an ISO time')
  // the one error component: the message, the code behind Details
  await expect(page.getByTestId('audit-error')).toHaveAttribute('data-code', 'usage')
  await expect(page.getByTestId('audit-empty')).toHaveCount(0)
  await app.gallery('audit-error-light')
  await page.getByTestId('audit-since-text').fill('2w')
  await page.getByTestId('audit-apply').click()
  await expect(rows).toHaveCount(2)
  await expect(page.getByTestId('audit-error')).toHaveCount(0)
  await page.getByTestId('audit-since').selectOption('1h')
  await expect(rows).toHaveCount(2)

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    expect(await axeViolations(page), `axe in ${scheme}`).toEqual([])
    await expectNoHorizontalOverflow(page)
    await app.gallery(`audit-${scheme}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })

  // Export: the lines `airlock audit --json` prints for the same filter, as a download.
  const download = async () => {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('audit-export').click()
    ])
    expect(file.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.jsonl$/)
    expect(file.suggestedFilename()).toBe(`audit-${new Date().toISOString().slice(0, 10)}.jsonl`)
    return readFileSync((await file.path())!, 'utf8')
  }
  const exported = await download()
  expect(exported).toBe(cliAudit(served, ['--since', '1h']))
  // said in a toast (it clears itself), not in a line that pushes the table down
  await expect(app.toast(/^Exported 2 records as audit-[\d-]+\.jsonl\.$/)).toBeVisible()
  await page.getByTestId('audit-action').selectOption('apply')
  await expect(rows).toHaveCount(1)
  expect(await download()).toBe(cliAudit(served, ['--since', '1h', '--action', 'apply']))
  await page.getByTestId('audit-action').selectOption('')
  // the text filter narrows what is shown, and so what is exported
  await page.getByTestId('audit-text').fill('rollback')
  await expect(rows).toHaveCount(1)
  expect(await download()).toBe(cliAudit(served, ['--since', '1h', '--action', 'rollback']))
  await page.getByTestId('audit-text').fill('')

  // A job id opens that job's detail on the Jobs screen (from the grid: Enter on a row too).
  await rows.last().getByTestId('audit-job-link').click()
  await expect(page.getByTestId('jobs')).toBeVisible()
  await expect(page.getByTestId('job-detail')).toHaveAttribute('data-state', 'ready')
  await expect(page.getByTestId('job-detail').getByRole('heading', { level: 3 })).toHaveText(jobId)
  await page.getByTestId('job-detail-close').click()
  await app.nav('audit').click()
  await page.getByTestId('audit-table').focus()
  // one tab stop: Tab leaves the grid rather than entering a row's job link, Shift+Tab is back
  await page.keyboard.press('Tab')
  expect(
    await page.evaluate(
      () =>
        document.activeElement !== document.body &&
        !document.activeElement?.closest('[data-testid="audit-table"]')
    )
  ).toBe(true)
  await page.keyboard.press('Shift+Tab')
  await expect(page.getByTestId('audit-table')).toBeFocused()
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('job-detail').getByRole('heading', { level: 3 })).toHaveText(jobId)
})
