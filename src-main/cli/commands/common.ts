import { CodecError, type AirlockError } from '../../core/errors'
import {
  PyDict,
  PyJsonDecodeError,
  pyJsonDumps,
  pyJsonLoads,
  type PyValue
} from '../../core/codecs/py-json'

/** `{"error": {"code": …, "message": …}}` — the per-item failure line of every command. */
export function errorLine(error: AirlockError): string {
  const inner = new PyDict([
    ['code', error.code],
    ['message', error.userMessage]
  ])
  return pyJsonDumps(new PyDict([['error', inner]]))
}

/** One input line as a JSON object, parsed as Python's json does; `notObject` is the refusal. */
export function readJsonObjectLine(line: string, notObject: string): PyDict {
  let obj: PyValue
  try {
    obj = pyJsonLoads(line)
  } catch (error) {
    if (error instanceof PyJsonDecodeError)
      throw new CodecError(`Input is not JSON: ${error.userMessage}.`, 'codec.invalid-json')
    throw error
  }
  if (!(obj instanceof PyDict)) throw new CodecError(notObject, 'codec.invalid-json')
  return obj
}
