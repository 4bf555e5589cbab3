// "Used by N jobs": the jobs in the job store whose source or target names a profile, however
// the locator names it (`vault:prod`, `profile:prod`, `metadb:prod`), and which of them wrote to it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { profileUsage, usageOfProfiles } from '../../../../src-main/operations/profile-usage'
import { tempDir } from '../../../support/temp-dir'

let dataDir: string
beforeEach(() => {
  dataDir = tempDir('airlock-usage-')
})
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

/** A job as the job store keeps it (jobs/<id>/meta.json). */
function storeJob(jobId: string, source: string, target: string, createdAt: string) {
  mkdirSync(join(dataDir, 'jobs', jobId), { recursive: true })
  writeFileSync(
    join(dataDir, 'jobs', jobId, 'meta.json'),
    JSON.stringify({ jobId, planId: `p-${jobId}`, source, target, createdAt, total: 0, items: [] })
  )
}

describe('profile usage', () => {
  it('counts the jobs whose source or target is each profile, and lists those that wrote to it', () => {
    storeJob('a', 'demo:', 'vault:prod', '2026-01-01T00:00:00Z')
    storeJob('b', 'metadb:staging', 'profile:prod', '2026-01-02T00:00:00Z')
    storeJob('c', 'metadb:sqlite:////tmp/staging.db', 'envfile:./out.env', '2026-01-03T00:00:00Z')
    storeJob('d', 'profile:staging', 'metadb:staging', '2026-01-04T00:00:00Z')
    expect(profileUsage(dataDir, ['prod', 'staging', 'unused'])).toEqual({
      prod: { jobs: 2, targetJobIds: ['b', 'a'] },
      // d reads and writes staging: one job; c names a database by URL, not the profile
      staging: { jobs: 2, targetJobIds: ['d'] },
      unused: { jobs: 0, targetJobIds: [] }
    })
  })

  it('is zero for every profile when no job was kept, and skips locators it cannot read', () => {
    expect(profileUsage(dataDir, ['prod'])).toEqual({ prod: { jobs: 0, targetJobIds: [] } })
    expect(
      usageOfProfiles(['prod'], [{ jobId: 'x', source: 'nonsense', target: 'weird:prod' }])
    ).toEqual({ prod: { jobs: 0, targetJobIds: [] } })
  })
})
