import type { ErrorCode, ErrorDto } from '../contract/errors'

/**
 * An error with a message fit for the user: what happened and what to do, naming the
 * place (backend, file, line, key) — never a value, URI or extra.
 */
export class AirlockError extends Error {
  readonly code: ErrorCode
  /** Fit for every surface: it never tells the user to type a command. */
  readonly userMessage: string
  /**
   * What to type at the command line about it (`airlock jobs lists the jobs.`): printed by the
   * CLI after the message, never sent to the app, which has its own buttons for the same.
   */
  readonly cliHint: string | undefined
  /** The technical detail carried over from an ErrorDto (`ErrorDto.details`). */
  private readonly details: string | undefined
  constructor(
    code: ErrorCode,
    userMessage: string,
    opts?: { cause?: unknown; cliHint?: string; details?: string }
  ) {
    super(userMessage, opts?.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.userMessage = userMessage
    this.cliHint = opts?.cliHint
    this.details = opts?.details
    this.name = 'AirlockError'
  }

  /** The boundary form: code, message and the system error behind it (no CLI hint). */
  toDto(): ErrorDto {
    const system = systemErrorOf(this.cause)
    const details = this.details ?? (system ? describeSystemDetails(system) : undefined)
    return details === undefined
      ? { code: this.code, message: this.userMessage }
      : { code: this.code, message: this.userMessage, details }
  }

  /** The message as the command line prints it: with the CLI hint, when there is one. */
  get cliMessage(): string {
    return this.cliHint ? `${this.userMessage} ${this.cliHint}` : this.userMessage
  }
}

/** A value that a codec cannot read or write; callers branch on it to report per item. */
export class CodecError extends AirlockError {
  constructor(message: string, code: ErrorCode = 'codec.parse', opts?: { cause?: unknown }) {
    super(code, message, opts)
    this.name = 'CodecError'
  }
}

/** What a Node system error (`fs`, `net`) says about itself: its code and where it happened. */
export interface SystemErrorInfo {
  /** `ENOENT`, `EACCES`, `ECONNREFUSED`, … */
  code: string
  /** The call that failed: `open`, `mkdir`, `connect`, `getaddrinfo`. */
  syscall?: string
  /** The file or folder, for file system errors. */
  path?: string
  /** The host or address (and port), for network errors. */
  address?: string
}

/**
 * The system errors that are expected failures — a missing file or folder, permission
 * denied, a service not listening — and the code each is reported under. Anything else
 * stays `internal`.
 */
const SYSTEM_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  ENOENT: 'backend.not-found',
  ENOTDIR: 'backend.not-found',
  EACCES: 'backend.access-denied',
  EPERM: 'backend.access-denied',
  EROFS: 'storage.unwritable',
  ENOSPC: 'storage.unwritable',
  EDQUOT: 'storage.unwritable',
  EISDIR: 'usage',
  ECONNREFUSED: 'backend.unreachable',
  ECONNRESET: 'backend.unreachable',
  ETIMEDOUT: 'backend.unreachable',
  EHOSTUNREACH: 'backend.unreachable',
  ENETUNREACH: 'backend.unreachable',
  ENOTFOUND: 'backend.unreachable',
  EAI_AGAIN: 'backend.unreachable',
  EPIPE: 'backend.unreachable'
}

/** The system error an error is, or was caused by (up to five causes deep); else undefined. */
export function systemErrorOf(error: unknown): SystemErrorInfo | undefined {
  let e = error
  for (let depth = 0; depth < 6 && e !== null && typeof e === 'object'; depth++) {
    const x = e as {
      code?: unknown
      syscall?: unknown
      path?: unknown
      address?: unknown
      port?: unknown
      hostname?: unknown
      cause?: unknown
    }
    if (typeof x.code === 'string' && /^E[A-Z_]+$/.test(x.code) && !(e instanceof AirlockError)) {
      const host = typeof x.hostname === 'string' ? x.hostname : x.address
      return {
        code: x.code,
        ...(typeof x.syscall === 'string' ? { syscall: x.syscall } : {}),
        ...(typeof x.path === 'string' ? { path: x.path } : {}),
        ...(typeof host === 'string'
          ? { address: typeof x.port === 'number' ? `${host}:${x.port}` : host }
          : {})
      }
    }
    e = x.cause
  }
  return undefined
}

/** `ENOENT (open)`: the technical line behind a message. */
function describeSystemDetails(info: SystemErrorInfo): string {
  return `system error ${info.code}${info.syscall ? ` (${info.syscall})` : ''}`
}

/** The sentence for an expected system error: what happened, where, what to do. */
function describeSystemError(info: SystemErrorInfo): string {
  const path = info.path ? `"${info.path}"` : undefined
  const address = info.address ?? 'The service'
  switch (info.code) {
    case 'ENOENT':
      return `${path ?? 'A file or folder'} does not exist; check the path (and that its folder exists).`
    case 'ENOTDIR':
      return `${path ?? 'A path'} does not exist: a part of it is a file, not a folder.`
    case 'EACCES':
    case 'EPERM':
      return `Permission denied for ${path ?? 'a file or folder'}; check its permissions.`
    case 'EROFS':
      return `${path ?? 'The file'} is on a read-only disk; nothing was written.`
    case 'ENOSPC':
    case 'EDQUOT':
      return `No space left${path ? ` for ${path}` : ''}; nothing was written.`
    case 'EISDIR':
      return path
        ? `${path} is a folder; name a file.`
        : 'A folder was given where a file is needed; name a file.'
    case 'ECONNREFUSED':
      return `${address} refused the connection; is the service running and listening there?`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${info.address ? `The host ${info.address}` : 'A host'} could not be found; check the name.`
    default:
      return `${address} did not answer (${info.code}); is it running and reachable?`
  }
}

/**
 * An expected system failure as an AirlockError with its proper code (a missing file is
 * `backend.not-found`, not `internal`); undefined for anything else.
 */
export function fromSystemError(error: unknown): AirlockError | undefined {
  const info = systemErrorOf(error)
  const code = info && SYSTEM_ERROR_CODES[info.code]
  if (!info || !code) return undefined
  return new AirlockError(code, describeSystemError(info), { cause: error })
}

/**
 * Anything thrown, as a DTO: an AirlockError as it is, an expected system failure (missing
 * file, permission denied, connection refused) under its own code, anything else `internal`
 * with a generic message (the detail goes to the log).
 */
export function toErrorDto(error: unknown): ErrorDto {
  if (error instanceof AirlockError) return error.toDto()
  const system = fromSystemError(error)
  if (system) return system.toDto()
  return { code: 'internal', message: 'An unexpected error occurred; details are in the log.' }
}

/**
 * `message` about the store `place`, naming it once: the message is prefixed with `place`
 * unless it already starts with that name or one of `aliases` (a backend's own id, which
 * its errors start with: `vault:prod: cannot read …`).
 */
export function nameOnce(place: string, message: string, aliases: readonly string[] = []): string {
  for (const name of [place, ...aliases])
    if (
      name &&
      (message === name || message.startsWith(`${name}:`) || message.startsWith(`${name} `))
    )
      return message
  return `${place}: ${message}`
}

/**
 * A key name fit for an error message: shown when it looks like an identifier, else
 * described — a "key" in a malformed document can be a pasted secret.
 */
export function describeKey(key: string): string {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(key) ? JSON.stringify(key) : 'a key that is not a plain name'
}
