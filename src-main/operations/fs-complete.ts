/**
 * Completion of a path as the user types it (a locator's file, an export's destination): the
 * entries of the folder it names whose names start with what follows the last `/`. Only
 * directory listings are read, never a file's content.
 */
import { readdirSync, statSync, type Dirent } from 'node:fs'
import { resolve } from 'node:path'
import { MAX_PATH_COMPLETIONS, type PathCompletionDto } from '../contract/ipc'
import { AirlockError } from '../core/errors'

/**
 * Up to `limit` entries completing `prefix`: folders first, then files, each by name. The
 * paths keep the prefix's folder as typed (relative stays relative to `cwd`), and a folder's
 * path ends with `/` so that choosing it goes on into it. Hidden entries are offered only when
 * the typed name starts with a dot. Throws `backend.not-found` when the folder does not exist
 * or is a file, `backend.access-denied` when it cannot be listed.
 */
export function completePath(
  prefix: string,
  options: { cwd?: string; limit?: number } = {}
): PathCompletionDto[] {
  const limit = options.limit ?? MAX_PATH_COMPLETIONS
  const slash = prefix.lastIndexOf('/')
  const typedDir = slash < 0 ? '' : prefix.slice(0, slash + 1)
  const name = prefix.slice(slash + 1)
  const dir = resolve(options.cwd ?? process.cwd(), typedDir || '.')
  let entries: Dirent[]
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    throw listingError(typedDir || './', error)
  }
  const found: PathCompletionDto[] = []
  for (const e of entries) {
    if (!e.name.startsWith(name) || (e.name.startsWith('.') && !name.startsWith('.'))) continue
    found.push({ path: typedDir + e.name, dir: isFolder(e, dir) })
  }
  found.sort((a, b) => Number(b.dir) - Number(a.dir) || (a.path < b.path ? -1 : 1))
  return found.slice(0, limit).map((f) => (f.dir ? { ...f, path: `${f.path}/` } : f))
}

/** A folder, or a link to one (a symlinked home or data folder is a folder to the user). */
function isFolder(e: Dirent, dir: string): boolean {
  if (e.isDirectory()) return true
  if (!e.isSymbolicLink()) return false
  try {
    return statSync(resolve(dir, e.name)).isDirectory()
  } catch {
    return false // a dangling link
  }
}

function listingError(typed: string, error: unknown): AirlockError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error'
  const where = JSON.stringify(typed)
  if (code === 'ENOENT')
    return new AirlockError('backend.not-found', `No folder ${where} to complete the path in.`, {
      cause: error
    })
  if (code === 'ENOTDIR')
    return new AirlockError(
      'backend.not-found',
      `${where} is a file, not a folder: nothing to complete after its "/".`,
      { cause: error }
    )
  if (code === 'EACCES' || code === 'EPERM')
    return new AirlockError(
      'backend.access-denied',
      `The folder ${where} cannot be listed (${code}); check its permissions.`,
      { cause: error }
    )
  return new AirlockError(
    'backend.unreachable',
    `The folder ${where} cannot be listed (${code}).`,
    {
      cause: error
    }
  )
}
