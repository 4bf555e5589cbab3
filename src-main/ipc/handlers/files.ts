/**
 * Handlers of `fs:complete` (a path as it is typed: operations/fs-complete.ts) and
 * `dialog:open-file` (the desktop app's file chooser, given by the Electron transport).
 */
import type { OpenFileRequest, PathCompletionDto } from '../../contract/ipc'
import { AirlockError } from '../../core/errors'
import { completePath } from '../../operations/fs-complete'
import type { HandlerContext } from './context'

/** `fs:complete`: entries of the prefix's folder, relative paths from the app's working folder. */
export function completePaths(request: { prefix: string }): PathCompletionDto[] {
  return completePath(request.prefix)
}

/** `dialog:open-file`: the chosen path, `null` when cancelled; `unsupported` in web mode. */
export async function openFile(
  ctx: HandlerContext,
  request: OpenFileRequest
): Promise<{ path: string | null }> {
  if (!ctx.openFileDialog)
    throw new AirlockError(
      'unsupported',
      'Choosing a file with a dialog needs the desktop app; in web mode type the path (it completes as you type).'
    )
  return { path: (await ctx.openFileDialog(request)) ?? null }
}
