/** The span a removal of a statement takes out of a `.env` file (update.ts, place.ts). */
import { type Binding, COMPOSE_INLINE_SPACE, PY_INLINE_SPACE_CLASS } from './scan'

const INLINE_BLANK = new RegExp(`^[${PY_INLINE_SPACE_CLASS}${COMPOSE_INLINE_SPACE}]*$`)
const TAIL_IS_COMMENT = new RegExp(
  `^[${PY_INLINE_SPACE_CLASS}${COMPOSE_INLINE_SPACE}]*(?:#[^\\n]*)?\\r?$`
)

/** The span that removes a binding: its whole line(s) when nothing else shares them. */
export function removal(text: string, b: Binding): { start: number; end: number; text: string } {
  const lineStart = text.lastIndexOf('\n', b.statementStart - 1) + 1
  const nl = text.indexOf('\n', b.end)
  const lineEnd = nl < 0 ? text.length : nl
  if (
    INLINE_BLANK.test(text.slice(lineStart, b.statementStart)) &&
    TAIL_IS_COMMENT.test(text.slice(b.end, lineEnd))
  )
    return { start: lineStart, end: nl < 0 ? text.length : nl + 1, text: '' }
  return { start: b.statementStart, end: b.end, text: '' }
}
