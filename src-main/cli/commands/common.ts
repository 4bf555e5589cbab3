import type { AirlockError } from '../../core/errors'
import { PyDict, pyJsonDumps } from '../../core/codecs/py-json'

/** `{"error": {"code": …, "message": …}}` — the per-item failure line of every command. */
export function errorLine(error: AirlockError): string {
  const inner = new PyDict([
    ['code', error.code],
    ['message', error.userMessage]
  ])
  return pyJsonDumps(new PyDict([['error', inner]]))
}
