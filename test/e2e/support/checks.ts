/**
 * Checks the e2e specs share: axe's serious and critical findings, no sideways scrolling, and
 * no secret in the page. A failure names what was found, never a secret's value.
 */
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'

/**
 * Serious or critical WCAG 2.1 A/AA findings (contrast among them), each with 3 places. In
 * axe's legacy mode (`axe.run` in the page): the same rules over the same DOM, without the
 * default's blank page opened per call to merge the frames' partial results (the app has no
 * frames), which took about half of each call's time.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .setLegacyMode(true)
    .analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`
    )
}

/** Nothing is wider than the window (no horizontal scroll bar). */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const sideways = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth
  )
  expect(sideways, 'the page scrolls sideways by this many pixels').toBeLessThanOrEqual(0)
}

/**
 * None of these values is in the page's HTML. `secrets` maps a name to each value; a failure
 * lists the names found, so that no value reaches the test output.
 */
export async function expectNoSecretsInDom(
  page: Page,
  secrets: Readonly<Record<string, string>>
): Promise<void> {
  const html = await page.content()
  const found = Object.entries(secrets)
    .filter(([, value]) => html.includes(value))
    .map(([name]) => name)
  expect(found, 'secrets in the DOM (by name)').toEqual([])
}

/** Names the values of a list (`secret 1`, `secret 2`, …) for `expectNoSecretsInDom`. */
export function named(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((v, i) => [`secret ${i + 1}`, v]))
}
