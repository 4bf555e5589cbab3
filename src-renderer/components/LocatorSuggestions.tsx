import { useEffect } from 'react'
import { useAppStore } from '../store'

/** The id of the suggestions list: give it as `list` to any store locator field. */
export const LOCATOR_LIST_ID = 'store-locators'

/** Suggestions for a store locator field: the demo and each saved profile as `kind:name`. */
export function LocatorSuggestions() {
  const profiles = useAppStore((s) => s.profiles)
  const status = useAppStore((s) => s.profilesStatus)
  const loadProfiles = useAppStore((s) => s.loadProfiles)
  useEffect(() => {
    if (status === 'idle') void loadProfiles()
  }, [status, loadProfiles])
  return (
    <datalist id={LOCATOR_LIST_ID} data-testid="store-locators">
      <option value="demo:">the bundled demo metadata DB</option>
      <option value="demo-env:">the demo .env</option>
      {profiles.map((p) => (
        <option key={p.name} value={`${p.kind}:${p.name}`}>
          profile {p.name}
        </option>
      ))}
    </datalist>
  )
}
