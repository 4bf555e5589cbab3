import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { useAppStore } from '../store'
import { useStoreSuggestions, type StoreSuggestion } from './LocatorSuggestions'

/**
 * Locator heads followed by a file's path, as src-main/operations/open-store.ts reads them
 * (its file schemes, `airflow-config:`, and a metadata DB in a SQLite file, SQLAlchemy's
 * `sqlite:///` then the path). The longest head is tried first.
 */
const PATH_HEADS = [
  'metadb:sqlite:///',
  'airflow-export:',
  'airflow-config:',
  'envfile:',
  'astro:',
  'lfs:'
] as const

/** What each path head is, when the field is empty or a scheme is being typed. */
const HEAD_LABELS: Record<(typeof PATH_HEADS)[number], string> = {
  'envfile:': 'a .env file (type its path)',
  'airflow-export:': "Airflow's connections/variables export (JSON, YAML or .env)",
  'lfs:': "Airflow's local filesystem secrets file",
  'astro:': "Astro's airflow_settings.yaml",
  'airflow-config:': 'an airflow.cfg (the stores it names)',
  'metadb:sqlite:///': 'a metadata DB in a SQLite file'
}

/** The locator's head and the path typed after it, when it names a file. */
export function splitPathLocator(value: string): { head: string; path: string } | undefined {
  const head = PATH_HEADS.find((h) => value.startsWith(h))
  return head ? { head, path: value.slice(head.length) } : undefined
}

const COMPLETE_DELAY_MS = 120

/**
 * A store locator field: suggests the demo, each profile and the file schemes; after a file
 * scheme it completes the path from the folder typed (`fs:complete`), and in the desktop app
 * a button chooses the file with the system dialog. From the keyboard: arrows move through the
 * suggestions, Enter takes one (a folder goes on into it), Escape closes them.
 */
export function LocatorField(props: {
  label: string
  value: string
  onChange: (value: string) => void
  testId: string
  placeholder?: string
  /** The title of the desktop file chooser. */
  chooseTitle?: string
  required?: boolean
}) {
  const { value, onChange, testId } = props
  const bridge = useAppStore((s) => s.bridge)
  const desktop = useAppStore((s) => s.info?.mode === 'electron')
  const stores = useStoreSuggestions()
  const listId = useId()
  const inputRef = useRef<HTMLInputElement>(null)
  const [focused, setFocused] = useState(false)
  const [dismissed, setDismissed] = useState(false)
  const [active, setActive] = useState(-1)
  const [paths, setPaths] = useState<{ for: string; options: StoreSuggestion[] }>({
    for: '',
    options: []
  })
  const [pathError, setPathError] = useState<string | undefined>(undefined)
  const [chooseError, setChooseError] = useState<string | undefined>(undefined)
  const split = splitPathLocator(value)

  // the folder's entries, asked a moment after the last key (an older answer is dropped)
  useEffect(() => {
    if (!split || !focused) return
    let stale = false
    const timer = setTimeout(() => {
      void bridge.invoke('fs:complete', { prefix: split.path }).then((r) => {
        if (stale) return
        setPathError(r.ok ? undefined : r.error.message)
        setPaths({
          for: value,
          options: r.ok
            ? r.value.map((e) => ({
                value: split.head + e.path,
                label: e.dir ? 'folder' : 'file'
              }))
            : []
        })
      })
    }, COMPLETE_DELAY_MS)
    return () => {
      stale = true
      clearTimeout(timer)
    }
    // split is derived from value
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value, focused, bridge])

  const typed = value.trim()
  const suggestions: StoreSuggestion[] = split
    ? paths.for === value
      ? paths.options.filter((o) => o.value !== value)
      : []
    : [...stores, ...PATH_HEADS.map((h) => ({ value: h, label: HEAD_LABELS[h] }))].filter(
        (s) => s.value.startsWith(typed) && s.value !== typed
      )
  const open = focused && !dismissed && suggestions.length > 0
  const optionId = (i: number) => `${listId}-option-${i}`

  const take = (s: StoreSuggestion) => {
    onChange(s.value)
    setActive(-1)
    // a folder or a scheme goes on: its entries are the next suggestions
    setDismissed(!(s.value.endsWith('/') || s.value.endsWith(':')))
    inputRef.current?.focus()
  }
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!suggestions.length) return
      e.preventDefault()
      setDismissed(false)
      const step = e.key === 'ArrowDown' ? 1 : -1
      const n = suggestions.length
      setActive((a) => (!open || a < 0 ? (step > 0 ? 0 : n - 1) : (a + step + n) % n))
    } else if (e.key === 'Enter' && open && active >= 0 && suggestions[active]) {
      e.preventDefault()
      take(suggestions[active])
    } else if (e.key === 'Escape' && open) {
      e.preventDefault()
      setDismissed(true)
      setActive(-1)
    }
  }

  const choose = async () => {
    setChooseError(undefined)
    const r = await bridge.invoke('dialog:open-file', {
      title: props.chooseTitle ?? `Choose the file for ${props.label}`
    })
    if (!r.ok) return setChooseError(r.error.message)
    if (r.value.path !== null) onChange((split?.head ?? 'envfile:') + r.value.path)
  }

  return (
    <span className="locator-field">
      <label>
        {props.label}
        <span className="locator-combo">
          <input
            ref={inputRef}
            data-testid={testId}
            role="combobox"
            aria-expanded={open}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
            autoComplete="off"
            spellCheck={false}
            value={value}
            placeholder={props.placeholder}
            required={props.required}
            onChange={(e) => {
              onChange(e.target.value)
              setActive(-1)
              setDismissed(false)
            }}
            onKeyDown={onKeyDown}
            onFocus={() => setFocused(true)}
            onBlur={() => {
              setFocused(false)
              setActive(-1)
            }}
          />
          <ul
            id={listId}
            role="listbox"
            className="locator-options"
            data-testid={`${testId}-options`}
            aria-label={split ? 'Paths' : 'Stores'}
            hidden={!open}
          >
            {open &&
              suggestions.map((s, i) => (
                <li
                  key={s.value}
                  id={optionId(i)}
                  role="option"
                  aria-selected={i === active}
                  className={i === active ? 'active' : undefined}
                  data-testid={`${testId}-option`}
                  data-value={s.value}
                  // mousedown, not click: the field keeps its focus
                  onMouseDown={(e) => {
                    e.preventDefault()
                    take(s)
                  }}
                >
                  <span className="locator-option-value">{s.value}</span>
                  <span className="muted">{s.label}</span>
                </li>
              ))}
          </ul>
        </span>
      </label>
      {desktop && (
        <button type="button" data-testid={`${testId}-choose`} onClick={() => void choose()}>
          Choose file…
        </button>
      )}
      {focused && split && pathError && (
        <span className="locator-hint" data-testid={`${testId}-hint`} role="status">
          {pathError}
        </span>
      )}
      {chooseError && (
        <span className="locator-hint error" data-testid={`${testId}-choose-error`} role="alert">
          {chooseError}
        </span>
      )}
    </span>
  )
}
