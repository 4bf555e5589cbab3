/**
 * The one handler table (STYLE §3): every channel's implementation, served by both
 * transports (Electron IPC and the loopback web mode) so they cannot drift apart.
 */
import { Channel, type InvokeMap } from '../../contract/ipc'
import { appInfo, keychainStatus, unlockKeychain } from './app'
import type { HandlerContext } from './context'
import { compareStores } from './compare'
import {
  makePlan,
  planItem,
  planItemReveal,
  planRetry,
  resolveEffectiveView,
  savePlan
} from './engine'
import { copyEntry, exportEntries, listEntries, revealEntry } from './entries'
import { completePaths, openFile } from './files'
import {
  applyHeldPlan,
  cancelJob,
  confirmationOf,
  detailOfJob,
  listAllJobs,
  listAudit,
  resumeHeldJob,
  rollbackHeldJob
} from './jobs'
import {
  addProfile,
  editProfile,
  importProfiles,
  listProfiles,
  removeProfile,
  renameProfile,
  testProfile
} from './profiles'

export { createHandlerContext, type HandlerContext } from './context'

/** Implementations of every invoke channel. */
export type HandlerTable = {
  [C in keyof InvokeMap]: (
    ...args: Parameters<InvokeMap[C]>
  ) => Promise<ReturnType<InvokeMap[C]>> | ReturnType<InvokeMap[C]>
}

/** The table bound to one context. */
export function createHandlers(ctx: HandlerContext): HandlerTable {
  return {
    [Channel.appInfo]: () => appInfo(ctx.mode),
    [Channel.keychainStatus]: () => keychainStatus(ctx),
    [Channel.keychainUnlock]: (r) => unlockKeychain(ctx, r),
    [Channel.profilesList]: () => listProfiles(ctx),
    [Channel.profilesAdd]: (r) => addProfile(ctx, r),
    [Channel.profilesEdit]: (r) => editProfile(ctx, r),
    [Channel.profilesTest]: (r) => testProfile(ctx, r),
    [Channel.profilesRemove]: (r) => removeProfile(ctx, r),
    [Channel.profilesRename]: (r) => renameProfile(ctx, r),
    [Channel.profilesImport]: (r) => importProfiles(ctx, r),
    [Channel.entriesList]: (r) => listEntries(ctx, r),
    [Channel.entriesReveal]: (r) => revealEntry(ctx, r),
    [Channel.entriesCopy]: (r) => copyEntry(ctx, r),
    [Channel.effectiveResolve]: (r) => resolveEffectiveView(ctx, r),
    [Channel.storesCompare]: (r) => compareStores(ctx, r),
    [Channel.jobsPlan]: (r) => makePlan(ctx, r),
    [Channel.jobsSavePlan]: (r) => savePlan(ctx, r),
    [Channel.jobsApply]: (r) => applyHeldPlan(ctx, r),
    [Channel.jobsList]: () => listAllJobs(ctx),
    [Channel.jobsCancel]: (r) => cancelJob(ctx, r),
    [Channel.jobsResume]: (r) => resumeHeldJob(ctx, r),
    [Channel.jobsRollback]: (r) => rollbackHeldJob(ctx, r),
    [Channel.jobsConfirmation]: (r) => confirmationOf(ctx, r),
    [Channel.jobsDetail]: (r) => detailOfJob(ctx, r),
    [Channel.jobsRetryFailed]: (r) => planRetry(ctx, r),
    [Channel.auditList]: (r) => listAudit(ctx, r),
    [Channel.jobsPlanItem]: (r) => planItem(ctx, r),
    [Channel.jobsPlanItemReveal]: (r) => planItemReveal(ctx, r),
    [Channel.exportWrite]: (r) => exportEntries(ctx, r),
    [Channel.fsComplete]: (r) => completePaths(r),
    [Channel.dialogOpenFile]: (r) => openFile(ctx, r)
  }
}
