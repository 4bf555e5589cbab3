/**
 * The bounds of one `backend_kwargs`, apart from ipc.ts (which re-exports them) so that code
 * outside the IPC layer (core/json-limits.ts, on the CLI's path to every store) reads two
 * numbers without loading ipc.ts's zod schemas (about 0.1 s of start-up).
 */

/**
 * The deepest nesting of objects and arrays in one `backend_kwargs` (the settings file, a
 * profile from the app or `--kwargs`, an airflow.cfg's kwargs). No provider's kwargs nest past
 * three; a bound keeps a small request from growing into a huge indented settings file.
 */
export const MAX_KWARGS_DEPTH = 32

/** The largest `backend_kwargs`, in bytes of JSON. */
export const MAX_KWARGS_BYTES = 64 * 1024
