import type { ErrorDto } from '../../src-main/contract/errors'

/** An error as the user reads it (the message never holds a secret). */
export function ErrorNote(props: { error: ErrorDto | undefined; testId?: string }) {
  if (!props.error) return null
  return (
    <p className="error" role="alert" data-testid={props.testId ?? 'error'}>
      {props.error.message} <span className="code">({props.error.code})</span>
    </p>
  )
}
