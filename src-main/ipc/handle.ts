/** Runs a handler and wraps the outcome in the IpcResult envelope (no secret, no stack). */
import type { IpcResult } from '../contract/ipc'
import { toErrorDto } from '../core/errors'

export async function invoke<T>(run: () => Promise<T> | T): Promise<IpcResult<T>> {
  try {
    return { ok: true, value: await run() }
  } catch (error) {
    return { ok: false, error: toErrorDto(error) }
  }
}
