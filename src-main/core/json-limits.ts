/**
 * Bounds on untrusted JSON-shaped values (request bodies, `backend_kwargs`): how deep objects
 * and arrays nest and how large the JSON is. Walked without recursion, so a value nested
 * thousands deep is measured, not a stack overflow.
 */
import { MAX_KWARGS_BYTES, MAX_KWARGS_DEPTH } from '../contract/kwargs-limits'
import { AirlockError } from './errors'

/**
 * True when `value` holds objects or arrays nested more than `maxDepth` levels (`{}` is one
 * level, `{"a": []}` two; a scalar none). Stops at the first place past the bound.
 */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth + 1 > maxDepth) return true
    const children = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v)
    for (const child of children) stack.push([child, depth + 1])
  }
  return false
}

/** The size of `value` as JSON in UTF-8 bytes, or undefined when it is not plain JSON. */
export function jsonBytes(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value)
    return text === undefined ? undefined : new TextEncoder().encode(text).length
  } catch {
    return undefined
  }
}

/**
 * Why `kwargs` are over the bounds (`MAX_KWARGS_DEPTH` levels, `MAX_KWARGS_BYTES` bytes), in
 * words that follow the place's name, or undefined when they are within them. Depth first:
 * measuring the size of a value nested too deep could itself overflow the stack.
 */
export function kwargsLimitProblem(kwargs: unknown): string | undefined {
  if (nestedDeeperThan(kwargs, MAX_KWARGS_DEPTH))
    return `nest objects or lists more than ${MAX_KWARGS_DEPTH} levels deep`
  const size = jsonBytes(kwargs)
  if (size === undefined) return 'are not plain JSON'
  if (size > MAX_KWARGS_BYTES) return `are larger than ${MAX_KWARGS_BYTES / 1024} KiB of JSON`
  return undefined
}

/** Throws a `usage` error naming `place` (e.g. `--kwargs`) when `kwargs` are over the bounds. */
export function checkKwargsLimits(kwargs: unknown, place: string): void {
  const problem = kwargsLimitProblem(kwargs)
  if (problem)
    throw new AirlockError(
      'usage',
      `${place} ${problem}; Airlock refuses them (no provider needs it).`
    )
}
