import type { Screen } from '../store/slices/app-slice'

/**
 * The one mechanism behind `/`: a screen marks its search or filter box with `data-search`,
 * and the shell (which wraps each screen in `[data-screen="<id>"]`) finds the first one in view.
 */
export function screenSearchBox(screen: Screen): HTMLElement | undefined {
  const boxes = document.querySelectorAll<HTMLElement>(`[data-screen="${screen}"] [data-search]`)
  return [...boxes].find(isShown)
}

/** Laid out and not hidden (a hidden screen, a closed panel). */
export function isShown(el: Element): boolean {
  return el.isConnected && el.getClientRects().length > 0
}

/** Where typing goes to the element itself, so `/` and other single keys are text there. */
export function isTextField(el: EventTarget | null): boolean {
  if (!(el instanceof HTMLElement)) return false
  if (el.isContentEditable || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)
    return true
  if (!(el instanceof HTMLInputElement)) return false
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(
    el.type
  )
}
