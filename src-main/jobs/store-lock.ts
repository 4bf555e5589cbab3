/**
 * One job at a time per target store (adr/0001-store-locks.md), as Terraform locks its state
 * and git its index: a job takes its target's lock before it reads the target for drift and
 * keeps it until its last write; a second job (apply, resume or rollback) into the same store
 * is refused with a message naming the holder.
 *
 * - A file (a `.env`, an export, LFS or Astro file, a SQLite metadata DB): a lock file beside
 *   it, `<file>.airlock.lock`, created whole with `link` (fails when it exists, like O_EXCL)
 *   and holding the holder's job id, pid, host, action and start time. A lock whose pid is dead
 *   on this host is stale (a killed job) and taken over.
 * - A PostgreSQL or MySQL metadata DB: a session advisory lock (`pg_try_advisory_lock`,
 *   `GET_LOCK`) on a connection of its own, released by the server if the process dies.
 * - A secrets service (and anything else): a lock file in the data dir, one per store identity
 *   — two jobs of this user on this machine exclude each other; other machines are not seen.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync
} from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import type { SqlTarget } from '../backends/sql/driver'
import { openSql } from '../backends/sql/driver'
import { AirlockError } from '../core/errors'
import { storageError } from './storage-error'

/** How a store is locked (from operations/open-store.ts `storeIdentity`). */
export type LockSpec =
  | { kind: 'file'; path: string }
  | { kind: 'sql'; target: SqlTarget; name: string }
  | { kind: 'local'; name: string }

/**
 * The store a job acts on, as the front end resolved it: the locator as given (redacted), a
 * canonical secret-free identity (the same store named two ways has one identity) and its lock.
 */
export interface TargetStore {
  locator: string
  identity: string
  lock: LockSpec
}

/** Who holds a lock. */
export interface LockHolder {
  jobId: string
  action: 'apply' | 'resume' | 'rollback'
  pid: number
  host: string
  startedAt: string
}

/** A lock taken; `release` gives it back (only if it is still this holder's). */
export interface StoreLock {
  release(): Promise<void>
}

/** The lock file beside a file store. */
export function lockFilePath(file: string): string {
  return `${file}.airlock.lock`
}

function describe(h: LockHolder): string {
  return `job ${h.jobId} (${h.action}, pid ${h.pid} on ${h.host}, since ${h.startedAt})`
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readHolder(path: string): LockHolder | undefined | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined
  }
}

function lockedError(label: string, holder: string, then: string): AirlockError {
  return new AirlockError('job.conflict', `${label} is locked by ${holder}; ${then}`)
}

/**
 * Creates `path` holding `holder`, whole or not at all: written to a private temp file, then
 * hard-linked into place (`link` fails with EEXIST when the lock exists, as O_EXCL does).
 */
function lockFile(path: string, label: string, holder: LockHolder): StoreLock {
  const text = JSON.stringify(holder) + '\n'
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
        release: async () => {
          const now = readHolder(path)
          if (now && now.jobId === holder.jobId && now.pid === holder.pid)
            rmSync(path, { force: true })
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3)
        throw storageError('the lock', path, error, 'nothing was written.')
      const other = readHolder(path)
      if (other === null) continue // released meanwhile
      if (other === undefined)
        throw lockedError(
          label,
          `an unreadable lock file ${path}`,
          'if no Airlock job is running, remove that file and run again.'
        )
      if (other.host === hostname() && !alive(other.pid)) {
        // a job killed on this machine (kill -9, power cut): its lock is stale
        try {
          unlinkSync(path)
        } catch {
          // taken over by another process already: the next attempt sees its lock
        }
        continue
      }
      throw lockedError(
        label,
        describe(other),
        `wait for it to finish (airlock jobs), or, if that process is gone, remove ${path}.`
      )
    } finally {
      rmSync(temp, { force: true })
    }
  }
}

/** A 64-bit advisory lock key (signed, as PostgreSQL takes it) for a store identity. */
function advisoryKey(name: string): bigint {
  return createHash('sha256').update(`airlock:${name}`).digest().readBigInt64BE(0)
}

async function lockSql(
  target: SqlTarget,
  name: string,
  label: string,
  holder: LockHolder
): Promise<StoreLock> {
  const driver = await openSql(target)
  try {
    if (target.dialect === 'postgresql') {
      const key = advisoryKey(name)
      const [row] = await driver.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(?::bigint) as ok',
        [key.toString()]
      )
      if (!row?.ok) {
        const held = await driver.query<{ application_name: string; pid: number }>(
          `select a.application_name, a.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
           where l.locktype = 'advisory' and l.granted and l.classid = ? and l.objid = ?`,
          [Number((BigInt.asUintN(64, key) >> 32n) & 0xffffffffn), Number(BigInt.asUintN(32, key))]
        )
        const who = held[0]?.application_name
          ? held[0].application_name
          : `PostgreSQL backend pid ${held[0]?.pid ?? '?'}`
        throw lockedError(label, who, 'wait for it to finish (airlock jobs).')
      }
      // names the holder to the next job that asks (pg_stat_activity.application_name)
      await driver.query("select set_config('application_name', ?, false)", [
        `airlock ${describe(holder)}`.slice(0, 63)
      ])
      return {
        release: async () => {
          await driver.query('select pg_advisory_unlock(?::bigint)', [key.toString()])
          await driver.close()
        }
      }
    }
    const lockName = `airlock-${createHash('sha256').update(name).digest('hex').slice(0, 48)}`
    const [row] = await driver.query<{ ok: number | null }>('select GET_LOCK(?, 0) as ok', [
      lockName
    ])
    if (Number(row?.ok) !== 1) {
      const [who] = await driver.query<{ id: number | null }>('select IS_USED_LOCK(?) as id', [
        lockName
      ])
      throw lockedError(
        label,
        `another Airlock job (MySQL connection ${who?.id ?? '?'})`,
        'wait for it to finish (airlock jobs).'
      )
    }
    return {
      release: async () => {
        await driver.query('select RELEASE_LOCK(?)', [lockName])
        await driver.close()
      }
    }
  } catch (error) {
    await driver.close().catch(() => undefined)
    throw error
  }
}

/**
 * Takes the lock of the store a job acts on, or throws `job.locked` naming the holder. The
 * lock is held until `release` (call it in a `finally`).
 */
export async function lockStore(
  store: TargetStore,
  dataDir: string,
  holder: Pick<LockHolder, 'jobId' | 'action'>
): Promise<StoreLock> {
  const full: LockHolder = {
    ...holder,
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString()
  }
  const spec = store.lock
  if (spec.kind === 'file') return lockFile(lockFilePath(spec.path), spec.path, full)
  if (spec.kind === 'sql') return lockSql(spec.target, spec.name, store.locator, full)
  const dir = join(dataDir, 'locks')
  const path = join(
    dir,
    `${createHash('sha256').update(spec.name).digest('hex').slice(0, 32)}.lock`
  )
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  } catch (error) {
    throw storageError('the lock folder', dir, error, 'nothing was written.')
  }
  return lockFile(path, store.locator, full)
}
