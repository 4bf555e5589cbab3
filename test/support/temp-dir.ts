/**
 * A test's temporary directory, removed after the test file's last test whatever became of
 * the test (failed, timed out, its child process killed with kill -9 halfway): a full run
 * left some 300 directories in the machine's temporary directory before. TMPDIR itself is
 * left as it is (a per-file TMPDIR was tried and reverted, see docs/performance.md).
 *
 * Import it from a test file (its afterAll joins that file's hooks): `tempDir('airlock-x-')`
 * where the test would have written `mkdtempSync(join(tmpdir(), 'airlock-x-'))`.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

const made: string[] = []

/** A fresh directory `<tmpdir>/<prefix>XXXXXX`, removed after the file's last test. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** Removes a directory and what is in it, even where a test took the write bit away. */
export function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  } catch {
    // a folder made read-only by a test (not a problem for root, which CI is not always)
    writable(dir)
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  }
}

function writable(path: string): void {
  try {
    if (!lstatSync(path).isDirectory()) return
    chmodSync(path, 0o700)
    for (const name of readdirSync(path)) writable(join(path, name))
  } catch {
    // gone already, or not ours: rmSync reports what is left
  }
}

afterAll(() => {
  for (const dir of made.splice(0)) removeTree(dir)
})
