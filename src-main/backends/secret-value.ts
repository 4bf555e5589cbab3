/**
 * A secret's text as Airflow reads it from a string-valued secrets backend (Azure Key Vault,
 * GCP Secret Manager, SSM): variables verbatim; connections through `deserialize_connection`
 * (first non-blank `{` → JSON, else a URI) in the backend's dialect.
 */
import { parseConnectionValue } from '../core/codecs/connection-json'
import { AirlockError, CodecError } from '../core/errors'
import type { Dialect, Entry } from '../core/model'
import type { EntryRef } from './backend'

/** The entry a secret holds; a connection that does not parse throws, naming the secret (never its value). */
export function entryFromSecretValue(
  backendId: string,
  ref: EntryRef,
  secretName: string,
  value: string,
  dialect: Dialect
): Entry {
  const source = { backendId, path: secretName, fromKey: ref.id }
  const team = ref.team ? { team: ref.team } : {}
  if (ref.kind === 'variable')
    return { kind: 'variable', key: ref.id, value, description: null, ...team, source }
  try {
    const fields = parseConnectionValue(value, dialect).value
    return { kind: 'connection', id: ref.id, fields, ...team, source }
  } catch (error) {
    if (!(error instanceof CodecError)) throw error
    throw new AirlockError(
      error.code,
      `${backendId}: connection ${JSON.stringify(ref.id)} (secret ${secretName}) does not parse: ${error.userMessage}`,
      { cause: error }
    )
  }
}
