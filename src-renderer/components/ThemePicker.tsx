import { useState } from 'react'

export type Theme = 'system' | 'light' | 'dark'
const KEY = 'airlock-theme'

/** The theme picked before (this browser / app profile), else the system's. */
export function savedTheme(storage: Pick<Storage, 'getItem'> = window.localStorage): Theme {
  const t = storage.getItem(KEY)
  return t === 'light' || t === 'dark' ? t : 'system'
}

/** Sets the theme on the document (`html[data-theme]`; none follows the system). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === 'system') delete root.dataset.theme
  else root.dataset.theme = theme
}

/** System / Light / Dark, remembered. */
export function ThemePicker() {
  const [theme, setTheme] = useState<Theme>(() => savedTheme())
  return (
    <label className="theme-picker small">
      Theme
      <select
        data-testid="theme"
        value={theme}
        onChange={(e) => {
          const t = e.target.value as Theme
          setTheme(t)
          applyTheme(t)
          if (t === 'system') window.localStorage.removeItem(KEY)
          else window.localStorage.setItem(KEY, t)
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  )
}
