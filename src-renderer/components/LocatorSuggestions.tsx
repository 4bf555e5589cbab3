import { useEffect } from 'react'
import { useAppStore } from '../store'

/** The id of the suggestions list: give it as `list` to any store locator field. */
export const LOCATOR_LIST_ID = 'store-locators'

/** A suggested locator and what it is. */
export interface StoreSuggestion {
  value: string
  label: string
}

/** The stores every locator field suggests: the demo and each saved profile as `kind:name`. */
export function useStoreSuggestions(): StoreSuggestion[] {
  const profiles = useAppStore((s) => s.profiles)
  const status = useAppStore((s) => s.profilesStatus)
  const loadProfiles = useAppStore((s) => s.loadProfiles)
  useEffect(() => {
    if (status === 'idle') void loadProfiles()
  }, [status, loadProfiles])
  return [
    { value: 'demo:', label: 'the bundled demo metadata DB' },
    { value: 'demo-env:', label: 'the demo .env' },
    ...profiles.map((p) => ({ value: `${p.kind}:${p.name}`, label: `profile ${p.name}` }))
  ]
}

/** Suggestions for a store locator field: the demo and each saved profile as `kind:name`. */
export function LocatorSuggestions() {
  const suggestions = useStoreSuggestions()
  return (
    <datalist id={LOCATOR_LIST_ID} data-testid="store-locators">
      {suggestions.map((s) => (
        <option key={s.value} value={s.value}>
          {s.label}
        </option>
      ))}
    </datalist>
  )
}
