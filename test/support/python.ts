// Runs Python as an independent oracle (Python's own urllib/json, Debian's python3-cryptography).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Debian's interpreter, which has python3-cryptography from the set-up script. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'

/** Runs `script` with `input` as JSON on stdin; returns the JSON it prints. */
export function runPython<T>(script: string, input: unknown): T {
  const out = execFileSync(PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024
  })
  return JSON.parse(out) as T
}
