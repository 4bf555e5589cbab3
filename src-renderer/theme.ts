/** The colour theme: the system's choice, or one picked in the app and remembered. */
export type Theme = 'system' | 'light' | 'dark'
const KEY = 'airlock-theme'

/** The theme picked before (this browser / app profile), else the system's. */
export function savedTheme(storage: Pick<Storage, 'getItem'> | undefined = globalStorage()): Theme {
  const t = storage?.getItem(KEY)
  return t === 'light' || t === 'dark' ? t : 'system'
}

/** Remembers the theme picked (`system`: forgets it). */
export function saveTheme(
  theme: Theme,
  storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined = globalStorage()
): void {
  if (theme === 'system') storage?.removeItem(KEY)
  else storage?.setItem(KEY, theme)
}

/** Sets the theme on the document (`html[data-theme]`; none follows the system). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === 'system') delete root.dataset.theme
  else root.dataset.theme = theme
}

/** The theme that is not the one shown now (`system` resolved through the media query). */
export function otherTheme(theme: Theme): 'light' | 'dark' {
  const dark =
    theme === 'dark' ||
    (theme === 'system' && window.matchMedia?.('(prefers-color-scheme: dark)').matches === true)
  return dark ? 'light' : 'dark'
}

function globalStorage(): Storage | undefined {
  return typeof window === 'undefined' ? undefined : window.localStorage
}
