import type { ErrorDto } from '../../src-main/contract/errors'

/**
 * The one way an error shows: the user message first, then its code and the technical
 * details behind a disclosure. It stays beside what failed until that is tried again (errors
 * are never toasts). The message never holds a secret. `inline` fits it in a table cell.
 */
export function ErrorNote(props: {
  error: ErrorDto | undefined
  testId?: string
  inline?: boolean
}) {
  if (!props.error) return null
  const { code, message, details } = props.error
  // inline: phrasing elements, to sit in a table cell or a line of text
  const Box = props.inline ? 'span' : 'div'
  const Message = props.inline ? 'span' : 'p'
  return (
    <Box
      className={props.inline ? 'error-note inline' : 'error-note'}
      role="alert"
      data-testid={props.testId ?? 'error'}
      data-code={code}
    >
      <Message className="error-message">{message}</Message>
      <details className="error-details">
        <summary>Details</summary>
        <dl>
          <dt>Code</dt>
          <dd>
            <code data-testid="error-code">{code}</code>
          </dd>
          {details && (
            <>
              <dt>Cause</dt>
              <dd>
                <code>{details}</code>
              </dd>
            </>
          )}
        </dl>
      </details>
    </Box>
  )
}
