/**
 * Failpoints for crash tests (`AIRLOCK_FAILPOINT=name:N`): the N-th time the named point is
 * reached, the process kills itself with SIGKILL, as a power cut or `kill -9` would. Unset in
 * normal use; nothing else reads it.
 */
const spec = process.env.AIRLOCK_FAILPOINT
const [name, nth] = spec ? (spec.split(':') as [string, string | undefined]) : ['', undefined]
let count = 0

/** Whether this call is the one to fail at; with `kill`, dies right here instead of answering. */
export function failpoint(point: string, kill = false): boolean {
  if (!spec || point !== name) return false
  count++
  if (count !== Number(nth ?? 1)) return false
  if (kill) process.kill(process.pid, 'SIGKILL')
  return true
}
