// Every temporary file a test file makes — through tmpdir(), and in the processes it starts,
// which inherit TMPDIR — goes into one directory of its own, removed after the file's last
// test: a test that fails, times out or kills a child halfway leaves nothing behind in the
// machine's temporary directory (a full run left some 300 directories there before).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

const base = (process.env.AIRLOCK_TEST_TMP_BASE ??= tmpdir())
const root = mkdtempSync(join(base, 'airlock-test-'))
// as reachable as the machine's own temporary directory: the tests that run the CLI as
// another user (nobody) make their directories below it
chmodSync(root, 0o755)
process.env.TMPDIR = root

// registered before the file's own hooks, so it runs after them (after hooks run in reverse)
afterAll(() => {
  process.env.TMPDIR = base
  rmSync(root, { recursive: true, force: true, maxRetries: 3 })
})
