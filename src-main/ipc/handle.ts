/**
 * The one entry into the handler table for both transports: checks the channel, the size and
 * the shape of the arguments (the channel's zod schema; unknown fields refused), runs the
 * handler and always answers an IpcResult — never a secret, a stack or a received value.
 */
import {
  MAX_REQUEST_BYTES,
  MAX_REQUEST_DEPTH,
  RequestSchemas,
  isInvokeChannel,
  type IpcResult
} from '../contract/ipc'
import { toErrorDto } from '../core/errors'
import { nestedDeeperThan } from '../core/json-limits'
import { redactor } from '../platform/redact'
import type { HandlerTable } from './handlers'

/** Runs a function and wraps the outcome in the IpcResult envelope. */
export async function invoke<T>(run: () => Promise<T> | T): Promise<IpcResult<T>> {
  try {
    return { ok: true, value: await run() }
  } catch (error) {
    const dto = toErrorDto(error)
    // a secret read on the way (a URL's password, a profile's token) never travels in a message
    return { ok: false, error: { ...dto, message: redactor.redact(dto.message) } }
  }
}

function usage(message: string): IpcResult<never> {
  return { ok: false, error: { code: 'usage', message } }
}

/** The JSON size of a request, or undefined when it is not plain JSON. */
function jsonSize(args: unknown): number | undefined {
  try {
    const text = JSON.stringify(args)
    return text === undefined ? undefined : Buffer.byteLength(text)
  } catch {
    return undefined
  }
}

/** zod's name of a type, in the words of the message. */
function expectedName(expected: unknown): string {
  if (expected === 'tuple' || expected === 'array') return 'a list'
  if (expected === 'object') return 'an object'
  return typeof expected === 'string' ? `a ${expected}` : 'something else'
}

/**
 * Validates and runs one request. `args` is whatever the transport received (an array of
 * arguments); nothing of it is echoed back in an error, only paths and what was expected.
 */
export async function dispatch(
  table: HandlerTable,
  channel: string,
  args: unknown
): Promise<IpcResult<unknown>> {
  if (typeof channel !== 'string' || !isInvokeChannel(channel))
    return usage('Unknown channel: nothing is served under that name.')
  // Depth before size: JSON.stringify of a value nested thousands deep can overflow the stack,
  // and a small deep request must not reach a handler that stores and indents it.
  if (nestedDeeperThan(args, MAX_REQUEST_DEPTH))
    return usage(
      `Refused ${channel}: the request nests objects or lists more than ${MAX_REQUEST_DEPTH} levels deep.`
    )
  const size = jsonSize(args)
  if (size === undefined) return usage(`Refused ${channel}: the request is not plain JSON.`)
  if (size > MAX_REQUEST_BYTES)
    return usage(`Refused ${channel}: the request is larger than ${MAX_REQUEST_BYTES} bytes.`)
  const parsed = RequestSchemas[channel].safeParse(args)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length ? issue.path.slice(1).join('.') || 'request' : 'arguments'
    const what =
      issue.code === 'unrecognized_keys'
        ? 'has a field this channel does not take'
        : issue.code === 'too_big'
          ? 'is too long'
          : issue.code === 'invalid_type'
            ? `should be ${expectedName((issue as { expected?: unknown }).expected)}`
            : 'is not valid here'
    return usage(`Refused ${channel}: ${where} ${what}.`)
  }
  const handler = table[channel] as (...a: unknown[]) => unknown
  return invoke(() => handler(...(parsed.data as unknown[])))
}
