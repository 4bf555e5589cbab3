/**
 * Where user-given patterns run. A lookup pattern comes from the user's `backend_kwargs`, and a
 * pattern such as `(a+)+$` backtracks for minutes on a long id: run in the thread that serves
 * the app, it would freeze `airlock serve` and every window. Core cannot start a thread (no
 * Node built-ins), so the process installs a runner with a time limit at startup
 * (`platform/regex-worker.ts`); without one, patterns run here, unbounded (core's own tests).
 */

/**
 * Runs `new RegExp(source, flags)` once from `lastIndex` 0 on `text` and answers `test`.
 * Throws `RegexTimeLimitError` when the run takes longer than the runner allows.
 */
export type RegexRunner = (source: string, flags: string, text: string) => boolean

/**
 * A pattern that did not finish within the runner's time limit on `text` (it was stopped; a
 * runner may refuse the same pattern at once afterwards, still naming that first text).
 */
export class RegexTimeLimitError extends Error {
  constructor(
    readonly limitMs: number,
    readonly text: string
  ) {
    super(`The pattern took longer than ${limitMs} ms.`)
    this.name = 'RegexTimeLimitError'
  }
}

let installed: RegexRunner | undefined

/** Makes `runner` run every user-given pattern from now on (`undefined`: run them here). */
export function useRegexRunner(runner: RegexRunner | undefined): void {
  installed = runner
}

/** The runner in use, or undefined when patterns run in this thread. */
export function regexRunner(): RegexRunner | undefined {
  return installed
}
