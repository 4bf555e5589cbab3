/**
 * Where the built worker that lists a SQLite metadata DB's rows off the main thread is
 * (backends/metastore-rows-worker.ts; MetastoreBackend.loadRawRows with `ahead`). The CLI,
 * whose build has it beside its entry, says so; unset, or where the file is not there (the
 * sources under test, the app), the rows are read and opened in this thread, as before.
 * Dependency-free, so the CLI's entry can set it without loading the metadata DB backend.
 */
let entry: URL | undefined

/** Sets (or, undefined, unsets) the worker's entry file. */
export function useRowsWorker(url: URL | undefined): void {
  entry = url
}

/** The worker's entry file, if one is set. */
export function rowsWorkerEntry(): URL | undefined {
  return entry
}
