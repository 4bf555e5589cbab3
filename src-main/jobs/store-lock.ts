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
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import type { SqlTarget } from '../backends/sql/driver'
import { openSql } from '../backends/sql/driver'
import { AirlockError } from '../core/errors'
import { storageError } from './storage-error'
import { tryLockFile } from '../platform/lock-file'

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

function lockedError(label: string, holder: string, then: string): AirlockError {
  return new AirlockError('job.conflict', `${label} is locked by ${holder}; ${then}`, {
    cliHint: '`airlock jobs` lists the running jobs.'
  })
}

/** Takes the lock file `path` for `holder`, or refuses naming who holds it. */
function lockFile(path: string, label: string, holder: LockHolder): StoreLock {
  let attempt
  try {
    attempt = tryLockFile(path, holder, (a, b) => a.jobId === b.jobId && a.pid === b.pid)
  } catch (error) {
    throw storageError('the lock', path, error, 'nothing was written.')
  }
  if (attempt.taken) {
    const { release } = attempt
    return { release: async () => release() }
  }
  if (attempt.holder === undefined)
    throw lockedError(
      label,
      `an unreadable lock file ${path}`,
      'if no Airlock job is running, remove that file and run again.'
    )
  throw lockedError(
    label,
    describe(attempt.holder),
    `wait for it to finish, or, if that process is gone, remove ${path}.`
  )
}

/** A 64-bit advisory lock key (signed, as PostgreSQL takes it) for a store identity. */
function advisoryKey(name: string): bigint {
  return createHash('sha256').update(`airlock:${name}`).digest().readBigInt64BE(0)
}

/**
 * The name a metadata DB's job lock is taken under, on the server itself: the database's name
 * only. PostgreSQL scopes advisory locks to the database connected to and MySQL's GET_LOCK to
 * the server, so the host a locator uses (`localhost`, `127.0.0.1`, a DNS alias) must not
 * enter it, or two jobs naming one server two ways would both hold "the" lock.
 */
function sqlLockName(target: SqlTarget): string {
  return `${target.dialect}/${target.database ?? ''}`
}

async function lockSql(target: SqlTarget, label: string, holder: LockHolder): Promise<StoreLock> {
  const name = sqlLockName(target)
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
        throw lockedError(label, who, 'wait for it to finish.')
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
        'wait for it to finish.'
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
  if (spec.kind === 'sql') return lockSql(spec.target, store.locator, full)
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
