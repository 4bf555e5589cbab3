/**
 * The contract between main and renderer (STYLE §3): channel names, what each takes and
 * returns, and the result envelope. Shared by Electron IPC and the loopback web mode.
 */
import type { ErrorDto } from './errors'

/** Every invoke channel, `area:verb`. */
export const Channel = {
  appInfo: 'app:info'
} as const

/** What the running Airlock reports about itself. */
export interface AppInfoDto {
  version: string
  /** The connection dialects Airlock models, with the Airflow versions each stands for. */
  dialects: { id: string; label: string }[]
}

/** Each channel's request and answer. */
export interface InvokeMap {
  [Channel.appInfo]: () => AppInfoDto
}

/** Every answer crosses the boundary in this envelope: a value, or an error without secrets. */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorDto }

/** What `window.airlock` offers the renderer. */
export interface AirlockBridge {
  appInfo(): Promise<IpcResult<AppInfoDto>>
}
