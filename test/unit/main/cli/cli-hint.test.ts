// The CLI prints an error's command-line hint after its message; the app never gets it
// (test/unit/main/core/errors.test.ts): one message, two surfaces.
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { airlock } from '../../../support/cli'
import { tempDir } from '../../../support/temp-dir'

const dir = tempDir('airlock-cli-hint-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const env = { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'config') }

describe('airlock CLI: hints', () => {
  it('says which command lists the profiles after "no profile"', () => {
    const r = airlock(['profile', 'show', 'nope'], '', env)
    expect(r.code).toBe(1)
    // (after a keychain warning where no OS keychain answers)
    expect(r.stderr).toMatch(
      /^airlock: No profile named "nope"\. `airlock profile list` lists the profiles\.$/m
    )
  })

  it('says which command lists the jobs after "no job"', () => {
    const r = airlock(['jobs', 'show', 'nope'], '', env)
    expect(r.stderr).toContain('No job nope. `airlock jobs` lists the jobs.')
  })
})
