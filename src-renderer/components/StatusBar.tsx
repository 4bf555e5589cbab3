import { useMemo } from 'react'
import { useAppStore } from '../store'
import { appKeychainWarning } from './keychain-text'
import type { AppState } from '../store'

/**
 * The ids of the jobs running now: those the last `jobs:list` called running, updated by the
 * progress events seen since (a job that reported an end is no longer running).
 */
export function runningJobIds(state: Pick<AppState, 'jobs' | 'progress'>): string[] {
  const running = new Set(state.jobs.filter((j) => j.running).map((j) => j.jobId))
  for (const p of Object.values(state.progress)) {
    if (p.state === 'running') running.add(p.jobId)
    else running.delete(p.jobId)
  }
  return [...running].sort()
}

/**
 * Where secrets are kept, in a few words, and whether the passphrase store is locked. Before
 * main has answered (the first screen's rows can come first) it says so, rather than "unknown",
 * which is kept for a main that could not tell.
 */
function storeWords(keychain: AppState['keychain'], infoStatus: AppState['infoStatus']): string {
  if (!keychain) {
    return infoStatus === 'idle' || infoStatus === 'loading'
      ? 'Secret store: checking…'
      : 'Secret store: unknown'
  }
  if (keychain.kind === 'os') return 'OS keychain'
  if (keychain.kind === 'passphrase') return 'Passphrase store · unlocked'
  return 'No keychain · this run only (passphrase store locked)'
}

/**
 * The bottom bar: the secret store in use (opens Profiles, where the passphrase store is
 * unlocked), web or desktop mode, the version, and the jobs running now (opens Jobs).
 */
export function StatusBar() {
  const info = useAppStore((s) => s.info)
  const keychain = useAppStore((s) => s.keychain)
  const infoStatus = useAppStore((s) => s.infoStatus)
  const jobs = useAppStore((s) => s.jobs)
  const progress = useAppStore((s) => s.progress)
  const setScreen = useAppStore((s) => s.setScreen)
  const running = useMemo(() => runningJobIds({ jobs, progress }), [jobs, progress])
  // One running job: how far it got; several: their count only.
  const only = running.length === 1 ? progress[running[0]!] : undefined
  return (
    <footer className="statusbar" data-testid="statusbar">
      <button
        type="button"
        className={
          !keychain
            ? 'status-item unknown'
            : keychain.kind === 'memory'
              ? 'status-item warn'
              : 'status-item'
        }
        data-testid="status-store"
        data-kind={keychain?.kind}
        title={
          keychain?.warning
            ? appKeychainWarning(keychain.warning)
            : (keychain?.location ?? undefined)
        }
        onClick={() => setScreen('profiles')}
      >
        <span className="status-dot" aria-hidden="true" />
        {storeWords(keychain, infoStatus)}
      </button>
      {info && (
        <span className="status-item" data-testid="app-meta">
          <span data-testid="status-mode" data-mode={info.mode}>
            {info.mode === 'web' ? 'web mode (this machine only)' : 'desktop'}
          </span>{' '}
          · <span data-testid="status-version">v{info.version}</span>
        </span>
      )}
      <span className="spacer" />
      <button
        type="button"
        className={running.length ? 'status-item busy' : 'status-item'}
        data-testid="status-jobs"
        data-count={running.length}
        onClick={() => setScreen('jobs')}
      >
        {running.length === 0
          ? 'No job running'
          : `${running.length} job${running.length === 1 ? '' : 's'} running`}
        {only && ` · ${only.done}/${only.total}`}
      </button>
    </footer>
  )
}
