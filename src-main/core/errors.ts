import type { ErrorCode, ErrorDto } from '../contract/errors'

/**
 * An error with a message fit for the user: what happened and what to do, naming the
 * place (backend, file, line, key) — never a value, URI or extra.
 */
export class AirlockError extends Error {
  readonly code: ErrorCode
  readonly userMessage: string
  constructor(code: ErrorCode, userMessage: string, opts?: { cause?: unknown }) {
    super(userMessage, opts)
    this.code = code
    this.userMessage = userMessage
    this.name = 'AirlockError'
  }

  /** The boundary form: code and message only. */
  toDto(): ErrorDto {
    return { code: this.code, message: this.userMessage }
  }
}

/** A value that a codec cannot read or write; callers branch on it to report per item. */
export class CodecError extends AirlockError {
  constructor(message: string, code: ErrorCode = 'codec.parse', opts?: { cause?: unknown }) {
    super(code, message, opts)
    this.name = 'CodecError'
  }
}

/** Anything thrown, as a DTO: unknown errors become `internal` with a generic message. */
export function toErrorDto(error: unknown): ErrorDto {
  if (error instanceof AirlockError) return error.toDto()
  return { code: 'internal', message: 'An unexpected error occurred; details are in the log.' }
}

/**
 * A key name fit for an error message: shown when it looks like an identifier, else
 * described — a "key" in a malformed document can be a pasted secret.
 */
export function describeKey(key: string): string {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(key) ? JSON.stringify(key) : 'a key that is not a plain name'
}
