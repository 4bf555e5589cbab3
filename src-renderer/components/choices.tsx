/** The option lists several forms share (one list each, so a new dialect is added once). */
import type { CompareDto } from '../../src-main/contract/ipc'

/** The Airflow dialects a store is read or written in, the default first. */
export const DIALECTS: readonly CompareDto['dialect'][] = ['airflow3', 'airflow2', 'task-sdk']

/** `<option>`s of {@link DIALECTS}, for a `<select>` whose value is a dialect. */
export function DialectOptions() {
  return DIALECTS.map((d) => (
    <option key={d} value={d}>
      {d}
    </option>
  ))
}

/** `<option>`s of the kinds a form works on: both, or one of them. */
export function KindOptions() {
  return (
    <>
      <option value="both">Connections and variables</option>
      <option value="connection">Connections</option>
      <option value="variable">Variables</option>
    </>
  )
}
