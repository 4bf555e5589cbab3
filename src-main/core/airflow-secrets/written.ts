/**
 * What Airflow reads back of a connection Airlock writes to a secrets service: the fields a
 * service's encoder (in that service's module) cannot carry through the service's decoder.
 * The pre-flight warns with these names; never with values.
 */
import { pyJsonDumps, pyJsonTryLoads } from '../codecs/py-json'
import { applyPasswordRule } from '../connection'
import { CodecError } from '../errors'
import { CONNECTION_SCALAR_FIELDS, type ConnectionFields, type Dialect } from '../model'

/** Whether two extra texts hold the same JSON (or are the same text). */
export function sameExtra(a: string | null, b: string | null): boolean {
  if (a === b) return true
  if (!a || !b) return !a && !b
  const x = pyJsonTryLoads(a)
  const y = pyJsonTryLoads(b)
  return x !== undefined && y !== undefined && pyJsonDumps(x) === pyJsonDumps(y)
}

/** The fields of `wanted` that `got` does not hold (extra compared as JSON). */
export function lostFields(wanted: ConnectionFields, got: ConnectionFields): string[] {
  const lost: string[] = CONNECTION_SCALAR_FIELDS.filter((k) => wanted[k] !== got[k])
  if (!sameExtra(wanted.extra, got.extra)) lost.push('extra')
  if ((wanted.team_name ?? null) !== (got.team_name ?? null)) lost.push('team_name')
  return lost
}

/**
 * The fields a written connection loses when Airflow reads it back: `readBack` decodes what
 * the backend writes for `fields`; a value Airflow cannot read back at all loses everything.
 */
export function writtenLoss(
  fields: ConnectionFields,
  dialect: Dialect,
  readBack: () => ConnectionFields
): string[] {
  const wanted = applyPasswordRule({ ...fields }, dialect)
  try {
    return lostFields(wanted, readBack())
  } catch (error) {
    if (error instanceof CodecError) return ['everything (Airflow cannot read the value back)']
    throw error
  }
}
