/**
 * Lock files, the way git takes `index.lock`: a file created whole beside what it guards,
 * present only while its holder works. Used for a job's target store (jobs/store-lock.ts) and
 * for the passphrase store's read-change-write (keychain/passphrase-keychain.ts).
 *
 * The lock is written to a private temp file and hard-linked into place: `link` fails with
 * EEXIST when a lock exists (as O_EXCL does), so a reader never sees a half-written holder. A
 * lock whose pid is dead on this host is stale (a killed process) and is taken over.
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync
} from 'node:fs'
import { hostname } from 'node:os'

/** Who holds a lock: at least a pid and a host, so a stale lock can be told. */
export interface LockOwner {
  pid: number
  host: string
}

/** The outcome of one try: the lock, or who holds it (`undefined`: an unreadable lock file). */
export type LockAttempt<T> =
  { taken: true; release(): void } | { taken: false; holder: T | undefined }

/** Whether process `pid` of this host runs (EPERM: it does, as another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The holder written in a lock file; null when there is none, undefined when unreadable. */
export function readLockOwner<T extends LockOwner>(path: string): T | undefined | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined
  }
}

/**
 * Tries once to create the lock file `path` holding `owner`. A stale lock (its pid dead on
 * this host) is removed and the try repeated; a lock released meanwhile likewise. Errors other
 * than "exists" (a missing folder, a full disk) are thrown as they are, for the caller to name.
 * `release` removes the lock only while it is still `owner`'s (`same` tells).
 */
export function tryLockFile<T extends LockOwner>(
  path: string,
  owner: T,
  same: (a: T, b: T) => boolean = (a, b) => a.pid === b.pid && a.host === b.host
): LockAttempt<T> {
  const text = JSON.stringify(owner) + '\n'
  for (let attempt = 0; ; attempt++) {
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`
    try {
      const fd = openSync(temp, 'wx', 0o600)
      try {
        writeSync(fd, text)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      linkSync(temp, path)
      return {
        taken: true,
        release: () => {
          const now = readLockOwner<T>(path)
          if (now && same(now, owner)) rmSync(path, { force: true })
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error
      const other = readLockOwner<T>(path)
      if (other === null) continue // released meanwhile
      if (other === undefined) return { taken: false, holder: undefined }
      if (other.host === hostname() && !alive(other.pid)) {
        try {
          unlinkSync(path)
        } catch {
          // taken over by another process already: the next try sees its lock
        }
        continue
      }
      return { taken: false, holder: other }
    } finally {
      rmSync(temp, { force: true })
    }
  }
}

/**
 * Runs `work` holding the lock file `path`, waiting up to `waitMs` for another holder to let
 * go (for short critical sections, such as one read-change-write of a small file). Throws
 * `timeout(holder)`'s error when the wait runs out.
 */
export async function withLockFile<R, T extends LockOwner>(
  path: string,
  owner: T,
  work: () => Promise<R>,
  options: { waitMs: number; timeout: (holder: T | undefined) => Error }
): Promise<R> {
  const deadline = Date.now() + options.waitMs
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const attempt = tryLockFile(path, owner)
    if (attempt.taken) {
      try {
        return await work()
      } finally {
        attempt.release()
      }
    }
    if (Date.now() >= deadline) throw options.timeout(attempt.holder)
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay))
  }
}
