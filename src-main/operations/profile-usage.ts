/**
 * Which jobs use each saved profile: those whose source or target names it (`vault:prod`,
 * `profile:prod`, `metadb:prod`), read from the job store. The profiles screen shows the
 * count ("used by 3 jobs") and refreshes a profile's test after a job wrote to it.
 */
import { listJobs, type JobSummary } from '../jobs/job-store'
import { locatorProfileName } from './open-store'

/** One profile's jobs. */
export interface ProfileUsage {
  /** Jobs whose source or target is the profile. */
  jobs: number
  /** Ids of the jobs that wrote to it (it is their target), newest first. */
  targetJobIds: string[]
}

function profileOf(locator: string): string | undefined {
  try {
    return locatorProfileName(locator)
  } catch {
    return undefined // a locator of a scheme this Airlock does not know names no profile
  }
}

/** The usage of each named profile among these jobs (newest first, as the job store lists). */
export function usageOfProfiles(
  names: readonly string[],
  jobs: readonly Pick<JobSummary, 'jobId' | 'source' | 'target'>[]
): Record<string, ProfileUsage> {
  const usage: Record<string, ProfileUsage> = Object.fromEntries(
    names.map((n) => [n, { jobs: 0, targetJobIds: [] }])
  )
  for (const job of jobs) {
    const source = profileOf(job.source)
    const target = profileOf(job.target)
    if (source !== undefined && Object.hasOwn(usage, source)) usage[source]!.jobs++
    if (target !== undefined && Object.hasOwn(usage, target)) {
      if (target !== source) usage[target]!.jobs++
      usage[target]!.targetJobIds.push(job.jobId)
    }
  }
  return usage
}

/** {@link usageOfProfiles} over the jobs kept under `dataDir`. */
export function profileUsage(
  dataDir: string,
  names: readonly string[]
): Record<string, ProfileUsage> {
  return usageOfProfiles(names, listJobs(dataDir))
}
