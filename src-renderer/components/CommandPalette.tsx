import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { useAppStore } from '../store'
import type { Screen } from '../store/slices/app-slice'
import { otherTheme } from '../theme'
import { isShown, screenSearchBox } from './screen-search'
import type { ScreenEntry } from './SideNav'

/** One thing the palette offers. `run` changes the state; `focus`, after that, where to go. */
interface PaletteItem {
  key: string
  group: string
  label: string
  run: () => void
  focus?: () => HTMLElement | null | undefined
}

/** Most options listed at once (an inventory may hold 50 000 ids): type to narrow. */
export const PALETTE_LIMIT = 60

/** Every word typed appears in the option's group or label, in any order, any case. */
export function paletteMatch(query: string, text: string): boolean {
  return paletteRank(query, text) !== undefined
}

/** Where a word of an option begins: its start, or after a space, `_ - . : / (`. */
const WORD_BREAK = /[\s_\-.:/(]/

function startsAWord(hay: string, word: string): boolean {
  for (let at = hay.indexOf(word); at >= 0; at = hay.indexOf(word, at + 1))
    if (at === 0 || WORD_BREAK.test(hay[at - 1] ?? '')) return true
  return false
}

/**
 * How well an option matches what is typed, lower first: the number of typed words found only
 * inside a word (`po` in "Import") rather than at a word's start (`po` in "postgres_default").
 * Undefined when some typed word is not in the option at all.
 */
export function paletteRank(query: string, text: string): number | undefined {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  const hay = text.toLowerCase()
  let rank = 0
  for (const w of words) {
    if (!hay.includes(w)) return undefined
    if (!startsAWord(hay, w)) rank++
  }
  return rank
}

/**
 * The options shown for a query, at most `limit`: word-start matches before inside-a-word ones;
 * among equals, the list's order (screens, actions, profiles, ids).
 */
export function paletteOptions<T extends { group: string; label: string }>(
  items: readonly T[],
  query: string,
  limit = PALETTE_LIMIT
): T[] {
  const byRank: T[][] = []
  for (const item of items) {
    const rank = paletteRank(query, `${item.group} ${item.label}`)
    if (rank === undefined) continue
    const bucket = (byRank[rank] ??= [])
    bucket.push(item)
    // the best rank is full: nothing after it can be shown
    if (rank === 0 && bucket.length === limit) break
  }
  return byRank.flatMap((b) => b ?? []).slice(0, limit)
}

/** An element of the page by its test id (the screens' controls the palette reaches into). */
function byTestId(id: string, within?: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`${within ?? ''} [data-testid="${id}"]`)
}

/** Clicks it, once the screen it is on is shown; leaves focus where the click put it. */
function click(el: HTMLElement | null): HTMLElement | null {
  el?.click()
  return document.activeElement instanceof HTMLElement && document.activeElement !== document.body
    ? document.activeElement
    : el
}

/**
 * The command palette (Ctrl/Cmd+K): go to a screen, open a profile or use it as the Inventory
 * store, open an id of the loaded inventory, or run an action. A modal dialog holding a combobox
 * and its listbox (aria-activedescendant): type to filter, arrows to move, Enter to run, Escape
 * to close; focus goes back where it was, or to what the command opened.
 */
export function CommandPalette(props: { screens: readonly ScreenEntry[] }) {
  const setOpen = useAppStore((s) => s.setPaletteOpen)
  const setScreen = useAppStore((s) => s.setScreen)
  const profiles = useAppStore((s) => s.profiles)
  const inventory = useAppStore((s) => s.inventory)
  const loadInventory = useAppStore((s) => s.loadInventory)
  const requestSearch = useAppStore((s) => s.requestSearch)
  const theme = useAppStore((s) => s.theme)
  const setTheme = useAppStore((s) => s.setTheme)
  const [query, setQuery] = useState('')
  const [active, setActive] = useState(0)
  const input = useRef<HTMLInputElement>(null)
  const before = useRef<HTMLElement | null>(
    document.activeElement instanceof HTMLElement ? document.activeElement : null
  )
  const listId = useId()
  const titleId = useId()

  useEffect(() => {
    input.current?.focus()
  }, [])

  const items = useMemo<PaletteItem[]>(() => {
    const go = (screen: Screen) => () => setScreen(screen)
    const screens: PaletteItem[] = props.screens.map((s) => ({
      key: `screen:${s.id}`,
      group: 'Screen',
      label: `Go to ${s.label}`,
      run: go(s.id)
    }))
    const actions: PaletteItem[] = [
      {
        key: 'action:new-profile',
        group: 'Action',
        label: 'New profile',
        run: go('profiles'),
        focus: () => click(byTestId('profile-add'))
      },
      {
        key: 'action:import-profiles',
        group: 'Action',
        label: 'Import profiles from airflow.cfg',
        run: go('profiles'),
        focus: () => click(byTestId('profile-import'))
      },
      {
        key: 'action:compare',
        group: 'Action',
        label: 'Compare stores',
        run: go('compare'),
        focus: () => byTestId('compare-a')
      },
      {
        key: 'action:plan',
        group: 'Action',
        label: 'Plan migration',
        run: go('migrate'),
        focus: () => byTestId('plan-source')
      },
      {
        key: 'action:load-inventory',
        group: 'Action',
        label: 'Load a store into Inventory',
        run: go('inventory'),
        focus: () => byTestId('inventory-locator')
      },
      {
        key: 'action:theme',
        group: 'Action',
        label: `Toggle theme (to ${otherTheme(theme)})`,
        run: () => setTheme(otherTheme(theme))
      }
    ]
    const profileItems: PaletteItem[] = profiles.flatMap((p) => [
      {
        key: `profile-open:${p.name}`,
        group: 'Profile',
        label: `Open ${p.name} in Profiles`,
        run: go('profiles'),
        focus: () =>
          click(
            byTestId(
              'profile-edit',
              `[data-testid="profile-row"][data-name="${CSS.escape(p.name)}"]`
            )
          )
      },
      {
        key: `profile-use:${p.name}`,
        group: 'Profile',
        label: `Use ${p.name} as the Inventory store (${p.kind}:${p.name})`,
        run: () => {
          setScreen('inventory')
          void loadInventory(`${p.kind}:${p.name}`)
        }
      }
    ])
    const ids: PaletteItem[] = (inventory?.entries ?? []).map((e) => ({
      key: `id:${e.kind}:${e.id}`,
      group: e.kind === 'connection' ? 'Connection' : 'Variable',
      label: `Open ${e.id} in Inventory`,
      run: () => requestSearch('inventory', e.id),
      focus: () => screenSearchBox('inventory')
    }))
    return [...screens, ...actions, ...profileItems, ...ids]
  }, [props.screens, profiles, inventory, theme, setScreen, setTheme, loadInventory, requestSearch])

  const shown = useMemo(() => paletteOptions(items, query), [items, query])
  const current = Math.min(active, shown.length - 1)
  const optionId = (i: number) => `${listId}-option-${i}`

  useEffect(() => {
    if (current >= 0)
      document.getElementById(optionId(current))?.scrollIntoView({ block: 'nearest' })
  })

  /** Closes the palette; then focus goes to what the command opened, else back where it was. */
  const finish = (item?: PaletteItem) => {
    item?.run()
    setOpen(false)
    const previous = before.current
    // A screen shown for the first time loads its chunk and mounts first (App): its controls
    // are reached once it is there (polled; at most a few seconds).
    const started = Date.now()
    const settle = () => {
      const shown = document.querySelector('[data-screen]:not([hidden])')
      const loading = !shown?.childElementCount || shown.querySelector('[data-screen-loading]')
      if (loading && Date.now() - started < 5000) return void setTimeout(settle, 20)
      const target = item?.focus?.()
      if (target && isShown(target)) {
        if (document.activeElement !== target && !target.contains(document.activeElement))
          target.focus()
        return
      }
      if (previous && isShown(previous)) previous.focus()
      else document.getElementById('content')?.focus()
    }
    setTimeout(settle, 0)
  }

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      if (!shown.length) return
      const step = e.key === 'ArrowDown' ? 1 : -1
      setActive((current + step + shown.length) % shown.length)
    } else if (e.key === 'Enter') {
      e.preventDefault()
      const item = shown[current]
      if (item) finish(item)
    } else if (e.key === 'Escape' || ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k')) {
      e.preventDefault()
      e.stopPropagation()
      finish()
    } else if (e.key === 'Tab') {
      // the input is the dialog's one tab stop: focus stays in the modal
      e.preventDefault()
    }
  }

  return (
    <div
      className="modal-backdrop palette-backdrop"
      data-testid="palette-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) finish()
      }}
    >
      <div
        className="palette"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="palette"
      >
        <h2 id={titleId} className="visually-hidden">
          Command palette
        </h2>
        <input
          ref={input}
          className="palette-input"
          data-testid="palette-input"
          role="combobox"
          aria-label="Type a command, a screen, a profile or an id"
          aria-expanded={shown.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={current >= 0 ? optionId(current) : undefined}
          placeholder="Go to a screen, a profile, an id, or run a command…"
          autoComplete="off"
          spellCheck={false}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value)
            setActive(0)
          }}
          onKeyDown={onKeyDown}
        />
        {shown.length > 0 ? (
          <ul className="palette-list" role="listbox" id={listId} aria-label="Commands">
            {shown.map((item, i) => (
              <li
                key={item.key}
                id={optionId(i)}
                role="option"
                aria-selected={i === current}
                className={i === current ? 'palette-option active' : 'palette-option'}
                data-testid="palette-option"
                data-key={item.key}
                onMouseDown={(e) => e.preventDefault()}
                onMouseMove={() => i !== current && setActive(i)}
                onClick={() => finish(item)}
              >
                <span className="palette-group">{item.group}</span>
                <span className="palette-label">{item.label}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="palette-empty muted" data-testid="palette-empty">
            Nothing matches “{query}”.
          </p>
        )}
        <p className="palette-help small muted">
          <kbd>↑</kbd> <kbd>↓</kbd> move · <kbd>Enter</kbd> run · <kbd>Esc</kbd> close
        </p>
      </div>
    </div>
  )
}
