import { useAppStore } from '../store'
import type { Theme } from '../theme'

/** System / Light / Dark, remembered (the palette's "Toggle theme" changes the same setting). */
export function ThemePicker() {
  const theme = useAppStore((s) => s.theme)
  const setTheme = useAppStore((s) => s.setTheme)
  return (
    <label className="theme-picker small">
      Theme
      <select data-testid="theme" value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  )
}
