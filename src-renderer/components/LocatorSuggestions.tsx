import { useEffect } from 'react'
import { useAppStore } from '../store'

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
