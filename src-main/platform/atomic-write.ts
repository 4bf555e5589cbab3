/**
 * Replacing a file whole or not at all — the one way Airlock writes its own files (settings,
 * job snapshots, the demo) and the files it manages for the user (.env, Airflow exports,
 * local filesystem secrets), so a file written by the app and one written by the CLI come out
 * the same. Used by `backends/` too: see adr/0001-atomic-write.md.
 *
 * The steps: resolve a symlinked target to the file it points at; create a temp file with a
 * random name beside it, exclusively (`O_EXCL`: never an existing file, never a file another
 * writer is filling) and owner-only; write all of it (short writes continue where they
 * stopped); give it the target's mode (owner-only for a new file); fsync it; rename it over
 * the target (with `expect`: only if the target is still the version the caller read); fsync
 * the directory where the platform allows it. Any failure removes the temp file and rethrows
 * the system's error as it is, so each caller keeps its own message.
 *
 * A writer killed between the create and the rename (kill -9, a power cut) cannot remove its
 * temp file, and a `.env`'s holds its secrets in plaintext. The temp's name carries its
 * writer's pid and host, and each write of a file first removes the temps of that file whose
 * writer is dead: adr/0004-leftover-temp-files.md.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync
} from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { AirlockError } from '../core/errors'
import { failpoint } from './failpoint'
import { alive } from './lock-file'

/** How to write. */
export interface AtomicWriteOptions {
  /**
   * The mode of a file that does not exist yet (default 0o600: Airlock's files hold
   * secrets). An existing file keeps its own mode. Applied as given, not filtered by the umask.
   */
  mode?: number
  /**
   * The file as the caller read it ({@link fileIdentity}; `null`: it did not exist). Checked
   * just before the rename: when the file changed since (another process edited, replaced or
   * created it), nothing is replaced and a `job.conflict` AirlockError says so — the other
   * writer's edit is kept, never overwritten with a stale read-modify-write (git refuses to
   * clobber the same way).
   */
  expect?: FileIdentity | null
  /**
   * Bytes written over the file at their offsets once every part is written, before it is
   * made durable: a header whose content depends on what follows it (a signed plan's
   * signature, jobs/plan-signature.ts), so the parts after it need not be held until it is known.
   */
  patch?: () => readonly { offset: number; bytes: Uint8Array }[]
}

/**
 * What tells one version of a file from another: device, inode, size, and mtime and ctime in
 * ns. The ctime too: an in-place rewrite of the same size can keep its mtime (`cp -p`, `tar`,
 * `touch -r`, `utimes`), but every write and rename sets the ctime, which nothing can set back.
 */
export type FileIdentity = string

/** A file's identity from its `stat(…, { bigint: true })`: the key of caches by version too. */
export function identityOf(st: {
  dev: bigint
  ino: bigint
  size: bigint
  mtimeNs: bigint
  ctimeNs: bigint
}): FileIdentity {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
}

/** The identity of the file at `path` now (symlinks followed), or null when there is none. */
export function fileIdentitySync(path: string): FileIdentity | null {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false })
  return st ? identityOf(st) : null
}

/** Throws when the file is no longer the one the caller read (see `expect`). */
function checkUnchanged(file: string, options: AtomicWriteOptions | undefined): void {
  if (options?.expect === undefined) return
  if (fileIdentitySync(file) !== options.expect)
    throw new AirlockError(
      'job.conflict',
      `${file} was changed by another process while Airlock was updating it; it was left as that process wrote it (nothing of this write was saved). Run again to include its change.`
    )
}

/** Where the bytes go, the mode they get and the temp file they pass through. */
interface Destination {
  file: string
  mode: number
  temp: string
}

/**
 * The file to replace: a symlink is followed to its real file (a link that points nowhere yet
 * to the path it names), so the link stays a link and its target changes — never the link
 * replaced by a regular file.
 */
function realTarget(path: string): string {
  let isLink = false
  try {
    isLink = lstatSync(path).isSymbolicLink()
  } catch {
    return path // nothing there yet
  }
  if (!isLink) return path
  try {
    return realpathSync(path)
  } catch (error) {
    // a loop of links has no file to replace: the link it would replace is not the target
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw error
    return resolve(dirname(path), readlinkSync(path))
  }
}

/**
 * Throws (code `ENOTREG`) when `path` names something that is not a regular file — a device
 * (`/dev/null`, a terminal), a pipe (`/dev/stdout` in a pipeline), a socket: a write replaces a
 * file whole by renaming over it, which would put a regular file in place of the node.
 */
function requireRegular(path: string): void {
  const st = statSync(path, { throwIfNoEntry: false })
  if (st && !st.isFile() && !st.isDirectory())
    throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREG' })
}

/** This host, as a temp file's name tells it: a pid means something only on its own host. */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)

/** A temp file's name after `.<file>.`: its writer's pid and host, and 12 random hex digits. */
const TEMP_OF_WRITER = /^(\d{1,10})-([0-9a-f]{8})-[0-9a-f]{12}$/
/** The same, as Airlock named them before they named their writer: random hex only. */
const TEMP_OF_UNKNOWN_WRITER = /^[0-9a-f]{12}$/

/**
 * How old a temp file of an unknown writer must be to be taken for a dead writer's: no write
 * of Airlock's lasts an hour (adr/0004-leftover-temp-files.md).
 */
export const UNKNOWN_WRITER_TEMP_AGE_MS = 60 * 60 * 1000

/**
 * Removes the temp files beside `file` that writers of it left when they died before their
 * rename (kill -9, a power cut): those naming a pid of this host that no longer runs, and
 * those of an unknown writer (named before temps named theirs) untouched for
 * {@link UNKNOWN_WRITER_TEMP_AGE_MS}. Only regular files of this user: a symlink (planted, or
 * anything else by that name) is neither followed nor removed, and a temp of a running writer,
 * or of another host's, is left alone. Best effort: what cannot be removed stays, silently.
 */
export function removeLeftoverTemps(file: string): void {
  const dir = dirname(file)
  const prefix = `.${basename(file)}.`
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  const uid = process.getuid?.()
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    const tail = name.slice(prefix.length, -'.tmp'.length)
    const writer = TEMP_OF_WRITER.exec(tail)
    const unknown = !writer && TEMP_OF_UNKNOWN_WRITER.test(tail)
    if (!writer && !unknown) continue
    if (writer && (writer[2] !== HOST_TAG || alive(Number(writer[1])))) continue
    const temp = join(dir, name)
    try {
      const st = lstatSync(temp)
      if (!st.isFile() || (uid !== undefined && st.uid !== uid)) continue
      if (unknown && Date.now() - st.mtimeMs < UNKNOWN_WRITER_TEMP_AGE_MS) continue
      // unlink never follows a link: had a symlink replaced the file since, only it would go
      unlinkSync(temp)
    } catch {
      // removed meanwhile, or not ours to remove
    }
  }
}

function destination(path: string, options: AtomicWriteOptions | undefined): Destination {
  requireRegular(path)
  const file = realTarget(path)
  let mode = options?.mode ?? 0o600
  try {
    mode = statSync(file).mode & 0o7777
  } catch {
    // a new file
  }
  removeLeftoverTemps(file)
  return { file, mode, temp: tempPath(file) }
}

/**
 * A new temp file's path for `file`, written by process `pid` of this host. Random and
 * exclusive: two writers (the app and the CLI, two lanes of a job) never share or clobber a
 * temp file, and nobody can plant one for us to write through. The writer's pid and host in
 * the name tell a dead writer's temp from a running one's.
 */
export function tempPath(file: string, pid = process.pid): string {
  return join(
    dirname(file),
    `.${basename(file)}.${pid}-${HOST_TAG}-${randomBytes(6).toString('hex')}.tmp`
  )
}

/** UTF-16 code units of a text encoded per write (at most 768 KiB of UTF-8). */
const TEXT_CHUNK = 1 << 18

/**
 * The UTF-8 bytes of `parts` (`Buffer.from`'s: a lone surrogate as U+FFFD), a text encoded a
 * piece at a time into one buffer made for the write and reused for every piece (never cut
 * between the halves of a surrogate pair); each yielded view is good until the next is asked
 * for, so the caller writes it first. No buffer per part or piece is left for the collector:
 * a job's snapshot (100 parts of ~0.5 MB at 100 k items) and each of its rewrites of a 20 MB
 * `.env` left 20–50 MB of them waiting for one (issue #22), and a buffer of the whole file,
 * freed, raises glibc's mmap threshold so the next batches' buffers stay in its heap.
 */
function* bytesThrough(parts: Iterable<string | Uint8Array>): Generator<Uint8Array> {
  let buffer: Buffer | undefined
  for (const part of parts) {
    if (typeof part !== 'string') {
      yield part
      continue
    }
    for (let at = 0; at < part.length;) {
      let end = Math.min(part.length, at + TEXT_CHUNK)
      const last = part.charCodeAt(end - 1)
      if (end < part.length && last >= 0xd800 && last <= 0xdbff) end--
      // at most 3 bytes per UTF-16 code unit: the piece always fits whole
      const need = 3 * (end - at)
      if (!buffer || buffer.length < need)
        buffer = Buffer.allocUnsafeSlow(3 * Math.min(TEXT_CHUNK, Math.max(part.length, 1024)))
      const { written } = UTF8.encodeInto(
        at === 0 && end === part.length ? part : part.slice(at, end),
        buffer
      )
      yield buffer.subarray(0, written)
      at = end
    }
  }
}
const UTF8 = new TextEncoder()

const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL

/** Makes the rename durable: fsync the directory. Not every platform opens directories (Windows). */
function syncDirectory(dir: string): void {
  let fd: number | undefined
  try {
    fd = openSync(dir, constants.O_RDONLY)
    fsyncSync(fd)
  } catch {
    // the rename stands; only its durability across a power cut is left to the OS
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * Replaces `path` with `data` atomically (see the module comment): readers see the old file
 * or the new one, never a part. A symlink at `path` is kept and the file it points at is
 * replaced. Throws the system's error (`ENOSPC`, `EACCES`, …) and then leaves no temp file.
 */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options?: AtomicWriteOptions
): void {
  writeFileAtomicPartsSync(path, [data], options)
}

/**
 * {@link writeFileAtomicSync} of the concatenation of `parts`, each produced as it is written:
 * a large file (a job's snapshot) is never one string in memory.
 */
export function writeFileAtomicPartsSync(
  path: string,
  parts: Iterable<string | Uint8Array>,
  options?: AtomicWriteOptions
): void {
  const { file, mode, temp } = destination(path, options)
  let fd: number | undefined
  try {
    fd = openSync(temp, EXCLUSIVE, 0o600)
    let size = 0
    for (const bytes of bytesThrough(parts)) {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at)
      size += bytes.length
    }
    for (const { offset, bytes } of options?.patch?.() ?? []) {
      // over bytes already written, never past the end (a gap would be NUL bytes)
      if (!(Number.isSafeInteger(offset) && offset >= 0 && offset + bytes.length <= size))
        throw new Error(
          `a patch at ${offset} (+${bytes.length}) is outside the ${size} bytes written`
        )
      for (let at = 0; at < bytes.length;)
        at += writeSync(fd, bytes, at, bytes.length - at, offset + at)
    }
    fchmodSync(fd, mode)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    failpoint('atomic-write-before-rename', true)
    checkUnchanged(file, options)
    renameSync(temp, file)
  } catch (error) {
    try {
      if (fd !== undefined) closeSync(fd)
      rmSync(temp, { force: true })
    } catch {
      // the original failure is the one to report
    }
    throw error
  }
  syncDirectory(dirname(file))
}

/** {@link writeFileAtomicSync} without blocking the event loop on the write. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options?: Omit<AtomicWriteOptions, 'patch'>
): Promise<void> {
  const { file, mode, temp } = destination(path, options)
  let handle: Awaited<ReturnType<typeof open>> | undefined
  try {
    handle = await open(temp, EXCLUSIVE, 0o600)
    for (const bytes of bytesThrough([data]))
      for (let at = 0; at < bytes.length;)
        at += (await handle.write(bytes, at, bytes.length - at)).bytesWritten
    await handle.chmod(mode)
    await handle.sync()
    await handle.close()
    handle = undefined
    failpoint('atomic-write-before-rename', true)
    checkUnchanged(file, options)
    await rename(temp, file)
  } catch (error) {
    await handle?.close().catch(() => undefined)
    await rm(temp, { force: true }).catch(() => undefined)
    throw error
  }
  syncDirectory(dirname(file))
}

/**
 * {@link writeFileAtomic} for a file the user named (an export, a plan, a store file): a
 * failure is an AirlockError naming the file and the system error, and the file is left as it
 * was. The one write path of the CLI, the app and the file-backed stores.
 */
export async function replaceFile(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, data)
  } catch (error) {
    throw writeFailure(path, error)
  }
}

/**
 * {@link replaceFile} of the concatenation of `parts`, each produced as it is written (a plan
 * of 100 k items is never one string, nor one buffer, in memory); written synchronously.
 */
export function replaceFileParts(
  path: string,
  parts: Iterable<string | Uint8Array>,
  options?: Pick<AtomicWriteOptions, 'patch'>
): void {
  try {
    writeFileAtomicPartsSync(path, parts, options)
  } catch (error) {
    throw writeFailure(path, error)
  }
}

/** The path a write of `path` goes to (a link followed), or `path` when that cannot be told. */
function linkedPath(path: string): string {
  try {
    return realTarget(path)
  } catch {
    return path
  }
}

/**
 * The file that stands where `path` needs a folder: the path itself when written as a folder
 * (`adir/`), else the nearest part above it that exists and is not a folder.
 */
function fileOnThePath(path: string): string | undefined {
  let at = resolve(path)
  if (!/[\\/]$/.test(path)) at = dirname(at)
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) return at
    } catch {
      // missing, or under a file itself: look further up
    }
    const up = dirname(at)
    if (up === at) return undefined
    at = up
  }
}

/** Why writing a file the user named failed, as the user reads it; the file is left as it was. */
function writeFailure(path: string, error: unknown): AirlockError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOTREG')
    return new AirlockError(
      'usage',
      `Cannot write "${path}": it is not a regular file (a device, a pipe or a socket); Airlock replaces a file whole, so name a file. Nothing was written.`,
      { cause: error }
    )
  if (code === 'ELOOP')
    return new AirlockError(
      'usage',
      `Cannot write "${path}": its symbolic links lead back to themselves (a loop); fix or remove the link. Nothing was written.`,
      { cause: error }
    )
  if (code === 'ENOENT')
    return new AirlockError(
      'backend.not-found',
      `Cannot write "${path}": the folder "${dirname(linkedPath(path))}" does not exist. Nothing was written.`,
      { cause: error }
    )
  if (code === 'ENOTDIR') {
    const file = fileOnThePath(path)
    return new AirlockError(
      'backend.not-found',
      file === undefined
        ? `Cannot write "${path}": a part of that path is a file, not a folder. Nothing was written.`
        : `Cannot write "${path}": "${file}" is not a folder (it is a file). Nothing was written.`,
      { cause: error }
    )
  }
  if (code === 'EISDIR')
    return new AirlockError('usage', `Cannot write "${path}": it is a folder; name a file.`, {
      cause: error
    })
  if (code === 'EACCES' || code === 'EPERM')
    return new AirlockError(
      'backend.access-denied',
      `Cannot write "${path}": permission denied; the file was left as it was.`,
      { cause: error }
    )
  if (code === 'EROFS' || code === 'ENOSPC' || code === 'EDQUOT')
    return new AirlockError(
      'storage.unwritable',
      `Cannot write "${path}": ${code === 'EROFS' ? 'the disk is read-only' : 'no space left'}; the file was left as it was.`,
      { cause: error }
    )
  return new AirlockError(
    'backend.unreachable',
    `Writing "${path}" failed (${code ?? 'error'}); the file was left as it was.`,
    { cause: error }
  )
}
