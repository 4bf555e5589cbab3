import { useState } from 'react'
import type { ErrorDto } from '../../../src-main/contract/errors'
import { useAppStore } from '../../store'
import { ErrorNote } from '../../components/ErrorNote'

/**
 * Where no OS keychain answers: set or enter the passphrase of the passphrase store, an
 * encrypted file beside the settings (created on first use), so secrets, drift keys and job
 * keys outlive this run. The passphrase lives in this component's state only, and is cleared
 * as soon as it has been sent.
 */
export function PassphraseUnlock() {
  const unlock = useAppStore((s) => s.unlockKeychain)
  const [passphrase, setPassphrase] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ErrorDto | undefined>(undefined)
  return (
    <form
      className="form-grid card"
      data-testid="passphrase-form"
      onSubmit={async (e) => {
        e.preventDefault()
        if (!passphrase) return
        setBusy(true)
        const err = await unlock(passphrase)
        setBusy(false)
        setError(err)
        if (!err) setPassphrase('')
      }}
    >
      <h3>Passphrase store</h3>
      <p className="small" style={{ gridColumn: '1 / -1', margin: 0 }}>
        Keep secrets in an encrypted file instead, unlocked with a passphrase (set it the first
        time; enter the same one afterwards, or start Airlock with AIRLOCK_PASSPHRASE).
      </p>
      <label>
        Passphrase
        <input
          type="password"
          autoComplete="current-password"
          data-testid="passphrase-input"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
          maxLength={1024}
          required
        />
      </label>
      <div className="actions">
        <button
          type="submit"
          className="primary"
          data-testid="passphrase-unlock"
          disabled={busy || !passphrase}
        >
          {busy ? 'Opening…' : 'Use passphrase store'}
        </button>
      </div>
      <ErrorNote error={error} testId="passphrase-error" />
    </form>
  )
}
