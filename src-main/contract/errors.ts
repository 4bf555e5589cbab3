/**
 * Error codes shared by main, CLI and renderer. Each names a kind of failure a caller may
 * branch on; the human text travels beside it in `ErrorDto.message`.
 */
export type ErrorCode =
  | 'backend.unreachable'
  | 'backend.auth'
  | 'backend.access-denied'
  | 'backend.not-found'
  | 'backend.invalid-kwargs'
  | 'codec.parse'
  | 'codec.invalid'
  | 'codec.invalid-uri'
  | 'codec.invalid-port'
  | 'codec.invalid-extra'
  | 'codec.invalid-json'
  | 'codec.invalid-field'
  | 'codec.unknown-field'
  | 'codec.mixed-uri-and-fields'
  | 'fernet.invalid-key'
  | 'fernet.invalid-token'
  | 'fernet.no-key'
  | 'keychain.unavailable'
  /** The passphrase store would not open: a wrong passphrase, or the file was altered. */
  | 'keychain.locked'
  /** The passphrase store file is not one Airlock can read (unknown version, not a keystore). */
  | 'keychain.unreadable'
  | 'job.conflict'
  /**
   * A plan file cannot be trusted to be what was reviewed: it carries no signature (made by an
   * older Airlock), its signature does not match (edited since `airlock plan`), or the key that
   * signed it is not in this keychain. Plan again.
   */
  | 'plan.unverified'
  /**
   * A destructive write needs the user's confirmation first: the target is a protected profile
   * (its name must be given), or an export would replace an existing file. Nothing was written.
   */
  | 'confirm.required'
  /**
   * Files cannot be written for lack of room or a read-only disk, or Airlock's own files (jobs,
   * settings) cannot be written at all: disk full, read-only, denied.
   */
  | 'storage.unwritable'
  | 'usage'
  /** The channel exists, but not in this mode (the desktop app's file chooser in web mode). */
  | 'unsupported'
  | 'internal'

/** An error as it crosses a process or IPC boundary: a code and a message with no secret. */
export interface ErrorDto {
  code: ErrorCode
  /** What happened and what to do, fit for any surface (no command line to type). */
  message: string
  /**
   * The technical detail behind the message, for the curious and for bug reports: the system
   * error (`ENOENT`, `ECONNREFUSED`) and the call it came from. Never a value; absent when
   * there is nothing beyond the code.
   */
  details?: string
}
