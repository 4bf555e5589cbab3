/** Errors of Airlock's own files (job snapshots and journals): what happened, in words. */
import { AirlockError } from '../core/errors'

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'input/output error'
}

/**
 * `Cannot write <what> <path> (ENOSPC: no space left on the device); <then>` — with the
 * system's code, so a person can search for it, and what to do next.
 */
export function storageError(what: string, path: string, error: unknown, then: string) {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const reason = code ? `${code}${REASONS[code] ? `: ${REASONS[code]}` : ''}` : 'error'
  return new AirlockError(
    'storage.unwritable',
    `Cannot write ${what} ${path} (${reason}); ${then}`,
    {
      cause: error
    }
  )
}
