/**
 * Issue 22, part of `npm run bench -- ui`: the Precedence view and the Compare view (a plan of
 * A against B) at 50 k ids, in the same Chromium and `airlock serve` as the Inventory figures.
 * Each time is taken in the page, from the user's event (click, key, typed text) to the frame
 * after the awaited element is in the DOM; the server's part is told apart by the resource
 * timing of the answer (`effective:resolve`, `stores:compare`) and, for resolve, also timed
 * from node over the same loopback API beside the anchor: the inventory's reading of the same
 * two files (`entries:list`). Goal ≤ 1 s each; the DOM's row count shows the list is virtual.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { writeBigRuntime } from '../test/e2e/support/big-runtime'
import type { BenchFigure } from './harness'

/** What the figures need of the served app. */
export interface Served {
  link: () => Promise<string>
  origin: string
  token: string
  dir: string
  /** Where to write screenshots (1280×800), if anywhere. */
  shots?: string
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const spread = (xs: number[]) => (Math.max(...xs) - Math.min(...xs)) / median(xs)
const fig = (xs: number[], unit = 'ms') => ({ value: median(xs), unit, spread: spread(xs) })

/**
 * Arms a timer in the page: it starts at the next user event (capture phase) and stops on the
 * frame after `selector` (with `text` in it, if given) is in the DOM. `done()` waits for it.
 */
export async function arm(
  page: Page,
  selector: string,
  text?: string
): Promise<{ done: () => Promise<{ start: number; end: number }> }> {
  await page.evaluate(
    ({ selector, text }) => {
      const w = window as unknown as { benchTimer?: { start?: number; end?: number } }
      const t: { start?: number; end?: number } = {}
      w.benchTimer = t
      const begin = (e: Event) => {
        t.start ??= e.timeStamp
      }
      for (const type of ['click', 'keydown', 'input', 'change'])
        document.addEventListener(type, begin, { capture: true, once: true })
      const found = () => {
        const el = document.querySelector(selector)
        return el !== null && (text === undefined || (el.textContent ?? '').includes(text))
      }
      const observer = new MutationObserver(() => {
        if (t.start === undefined || !found()) return
        observer.disconnect()
        // the frame that shows it: after the next animation frame has been drawn
        requestAnimationFrame(() => setTimeout(() => (t.end = performance.now())))
      })
      observer.observe(document.body, {
        childList: true,
        subtree: true,
        attributes: true,
        characterData: true
      })
    },
    { selector, text }
  )
  return {
    done: async () => {
      await page.waitForFunction(
        () => (window as unknown as { benchTimer: { end?: number } }).benchTimer.end !== undefined,
        undefined,
        { timeout: 120_000, polling: 50 }
      )
      return page.evaluate(
        () => (window as unknown as { benchTimer: { start: number; end: number } }).benchTimer
      )
    }
  }
}

/** The last answer of `channel` in the page's resource timings: when it started and ended. */
export function answerTiming(
  page: Page,
  channel: string
): Promise<{ start: number; end: number; bytes: number }> {
  return page.evaluate((channel) => {
    const e = performance
      .getEntriesByType('resource')
      .filter((r) => r.name.includes(`/api/invoke/${channel}`))
      .pop() as PerformanceResourceTiming
    return { start: e.startTime, end: e.responseEnd, bytes: e.decodedBodySize }
  }, channel)
}

async function openScreen(
  browser: Browser,
  served: Served,
  screen: string
): Promise<{ page: Page; close: () => Promise<void> }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await page.goto(await served.link())
  await page.locator('[data-app-state="ready"]').waitFor({ timeout: 60_000 })
  await page.getByTestId(`nav-${screen}`).click()
  return { page, close: () => page.close() }
}

const rowsInDom = (page: Page, testId: string) =>
  page.evaluate((t) => document.querySelectorAll(`[data-testid="${t}"]`).length, testId)

/** The Precedence view: N ids over two layers (an env file and a connections export). */
export async function precedenceFigures(
  browser: Browser,
  served: Served,
  n: number,
  reps: number
): Promise<BenchFigure[]> {
  const big = writeBigRuntime(served.dir, n)
  const layers = { env: `envfile:${big.envFile}`, metastore: `airflow-export:${big.exportFile}` }
  const invoke = async (channel: string, request: object): Promise<number> => {
    const started = performance.now()
    const answer = await fetch(`${served.origin}/api/invoke/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-airlock-token': served.token },
      body: JSON.stringify([request])
    })
    const body = (await answer.json()) as { ok: boolean }
    if (!body.ok) throw new Error(`${channel} failed: ${JSON.stringify(body).slice(0, 300)}`)
    return performance.now() - started
  }
  // main's part alone, beside the inventory reading the same two files (alternated)
  const resolves: number[] = []
  const reads: number[] = []
  for (let r = 0; r < reps; r++) {
    reads.push(
      (await invoke('entries:list', { locator: layers.env })) +
        (await invoke('entries:list', { locator: layers.metastore }))
    )
    resolves.push(await invoke('effective:resolve', { layers }))
  }
  const shown: number[] = []
  const answered: number[] = []
  const renders: number[] = []
  const filters: number[] = []
  const scrolls: number[] = []
  let domRows = 0
  let bytes = 0
  const lastVar = `var_${String(Math.floor(n / 5) - 1).padStart(6, '0')}`
  for (let r = 0; r < reps; r++) {
    const { page, close } = await openScreen(browser, served, 'precedence')
    await page.locator('[data-testid="precedence-row"][data-id="postgres_default"]').waitFor()
    for (const [role, locator] of Object.entries(layers))
      await page.getByTestId(`layer-${role}`).fill(locator)
    let timer = await arm(page, '[data-testid="precedence-row"][data-id="conn_000000"]')
    await page.getByTestId('precedence-resolve').click()
    const t = await timer.done()
    const answer = await answerTiming(page, 'effective:resolve')
    shown.push(t.end - t.start)
    answered.push(answer.end - answer.start)
    renders.push(t.end - answer.end)
    bytes = answer.bytes
    await page
      .locator(`[data-testid="precedence-count"][data-count="${n}"]`)
      .waitFor({ timeout: 60_000 })
    domRows = Math.max(domRows, await rowsInDom(page, 'precedence-row'))
    if (r === 0 && served.shots)
      await page.screenshot({ path: join(served.shots, 'precedence-50k.png') })
    timer = await arm(page, `[data-testid="precedence-count"][data-count="${big.differs}"]`)
    await page.getByTestId('precedence-show').selectOption('differs')
    filters.push(await timer.done().then((x) => x.end - x.start))
    await page.getByTestId('precedence-show').selectOption('all')
    await page.locator(`[data-testid="precedence-count"][data-count="${n}"]`).waitFor()
    await page.getByTestId('precedence-table').focus()
    timer = await arm(page, `[data-testid="precedence-row"][data-id="${lastVar}"]`)
    await page.keyboard.press('End')
    scrolls.push(await timer.done().then((x) => x.end - x.start))
    domRows = Math.max(domRows, await rowsInDom(page, 'precedence-row'))
    await close()
  }
  const size = n.toLocaleString('en')
  return [
    {
      name: `ui: precedence, resolve ${size} ids × 2 layers (effective:resolve, main side)`,
      airlock: fig(resolves),
      anchor: { name: 'entries:list of the same two files', ...fig(reads) },
      ratio: median(reads) / median(resolves),
      goal: '≤ 1000 ms',
      pass: median(resolves) <= 1000
    },
    {
      name: `ui: precedence, ${size} ids: click Resolve → first rows painted`,
      airlock: fig(shown),
      goal: `≤ 1000 ms (answer ${Math.round(median(answered))} ms, ${(bytes / 2 ** 20).toFixed(1)} MiB)`,
      pass: median(shown) <= 1000
    },
    {
      name: `ui: precedence, ${size} ids: render (answer received → first rows painted)`,
      airlock: fig(renders),
      goal: `≤ 1000 ms; rows in the DOM ≤ 60 (${domRows})`,
      pass: median(renders) <= 1000 && domRows <= 60
    },
    {
      name: `ui: precedence, ${size} ids: filter (shadowed, differs) / scroll to the end`,
      airlock: fig(filters),
      anchor: { name: 'End key → last row painted', ...fig(scrolls) },
      goal: '≤ 1000 ms each',
      pass: median(filters) <= 1000 && median(scrolls) <= 1000
    }
  ]
}

/** Two env files of N ids each, the same ids, every value different: N ids to review. */
function writeComparePair(dir: string, n: number): { a: string; b: string } {
  const line = (i: number, side: string) =>
    i % 5 === 4
      ? `AIRFLOW_VAR_CMP_${String(i).padStart(6, '0')}=value-${side}-${i}\n`
      : `AIRFLOW_CONN_CMP_${String(i).padStart(6, '0')}=postgres://etl:pw-${side}-${i}@db${i % 97}.internal:5432/a\n`
  const a = join(dir, 'compare-a.env')
  const b = join(dir, 'compare-b.env')
  writeFileSync(a, Array.from({ length: n }, (_, i) => line(i, 'a')).join(''))
  writeFileSync(b, Array.from({ length: n }, (_, i) => line(i, 'b')).join(''))
  return { a, b }
}

/** A view that shows the plan of store A against store B: its screen and test ids. */
interface PairView {
  screen: string
  /** The two store fields, the button that asks, and the IPC channel that answers. */
  a: string
  b: string
  run: string
  channel: string
  /** A row, the "N of M shown" line (and its wording after the count), the id filter. */
  item: string
  shown: string
  shownText: string
  filter: string
  table: string
  /** Names in the figures: the view, what is clicked, what the rows are, the answer. */
  label: string
  click: string
  rows: string
  answer: string
}

const COMPARE_VIEW: PairView = {
  screen: 'compare',
  a: 'compare-a',
  b: 'compare-b',
  run: 'compare-run',
  channel: 'stores:compare',
  item: 'compare-item',
  shown: 'compare-shown',
  shownText: 'ids shown',
  filter: 'compare-id',
  table: 'compare-table',
  label: 'compare',
  click: 'Compare',
  rows: 'ids',
  answer: 'answer'
}

const MIGRATE_VIEW: PairView = {
  screen: 'migrate',
  a: 'plan-source',
  b: 'plan-target',
  run: 'plan-make',
  channel: 'jobs:plan',
  item: 'plan-item',
  shown: 'plan-shown',
  shownText: 'shown',
  filter: 'plan-filter-id',
  table: 'plan-table',
  label: 'migrate plan',
  click: 'Plan',
  rows: 'items',
  answer: 'plan'
}

/** One plan view over the same N differing ids: answer, render, filter and scroll. */
async function pairViewFigures(
  browser: Browser,
  served: Served,
  n: number,
  reps: number,
  view: PairView
): Promise<BenchFigure[]> {
  const { a, b } = writeComparePair(served.dir, n)
  const shown: number[] = []
  const answered: number[] = []
  const renders: number[] = []
  const filters: number[] = []
  const scrolls: number[] = []
  let domRows = 0
  let bytes = 0
  const last = `cmp_${String(n - 1).padStart(6, '0')}`
  for (let r = 0; r < reps; r++) {
    const { page, close } = await openScreen(browser, served, view.screen)
    await page.getByTestId(view.a).fill(`envfile:${a}`)
    await page.getByTestId(view.b).fill(`envfile:${b}`)
    let timer = await arm(page, `[data-testid="${view.item}"][data-id="cmp_000000"]`)
    await page.getByTestId(view.run).click()
    const t = await timer.done()
    const answer = await answerTiming(page, view.channel)
    shown.push(t.end - t.start)
    answered.push(answer.end - answer.start)
    renders.push(t.end - answer.end)
    bytes = answer.bytes
    domRows = Math.max(domRows, await rowsInDom(page, view.item))
    if (r === 0 && served.shots)
      await page.screenshot({ path: join(served.shots, `${view.screen}-50k.png`) })
    timer = await arm(page, `[data-testid="${view.shown}"]`, `1 of ${n} ${view.shownText}`)
    await page.getByTestId(view.filter).fill(last)
    filters.push(await timer.done().then((x) => x.end - x.start))
    timer = await arm(page, `[data-testid="${view.shown}"]`, `${n} of ${n} ${view.shownText}`)
    await page.getByTestId(view.filter).fill('')
    await timer.done()
    await page.getByTestId(view.table).focus()
    timer = await arm(page, `[data-testid="${view.item}"][data-id="${last}"]`)
    await page.keyboard.press('End')
    scrolls.push(await timer.done().then((x) => x.end - x.start))
    domRows = Math.max(domRows, await rowsInDom(page, view.item))
    await close()
  }
  const size = n.toLocaleString('en')
  const what = view.screen === 'compare' ? 'ids differ' : 'updates'
  return [
    {
      name: `ui: ${view.label}, ${size} ${what}: click ${view.click} → first rows painted`,
      airlock: fig(shown),
      goal: `— (answer ${Math.round(median(answered))} ms, ${(bytes / 2 ** 20).toFixed(1)} MiB)`,
      pass: true
    },
    {
      name: `ui: ${view.label}, ${size} ${view.rows}: render (${view.answer} received → first rows painted)`,
      airlock: fig(renders),
      goal: `≤ 1000 ms; rows in the DOM ≤ 60 (${domRows})`,
      pass: median(renders) <= 1000 && domRows <= 60
    },
    {
      name: `ui: ${view.label}, ${size} ${view.rows}: filter by id / scroll to the end`,
      airlock: fig(filters),
      anchor: { name: 'End key → last row painted', ...fig(scrolls) },
      goal: '≤ 1000 ms each',
      pass: median(filters) <= 1000 && median(scrolls) <= 1000
    }
  ]
}

/** The Compare view (the plan of A against B): N ids that differ. */
export function compareFigures(
  browser: Browser,
  served: Served,
  n: number,
  reps: number
): Promise<BenchFigure[]> {
  return pairViewFigures(browser, served, n, reps, COMPARE_VIEW)
}

/** The Migrate view's plan of A → B: N items to update (the same pair as Compare's). */
export function migrateFigures(
  browser: Browser,
  served: Served,
  n: number,
  reps: number
): Promise<BenchFigure[]> {
  return pairViewFigures(browser, served, n, reps, MIGRATE_VIEW)
}
