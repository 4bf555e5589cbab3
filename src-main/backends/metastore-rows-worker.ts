/**
 * A worker thread's entry (built beside the CLI's: out/cli/metastore-rows-worker.mjs): lists
 * one SQLite metadata DB's rows and opens each page (its Fernet tokens decrypted and MACs
 * checked) while the main thread reads the other side of a `plan`/`diff`
 * (MetastoreBackend.loadRawRows with `ahead`). It posts each page — its rows' ids, teams and
 * texts, and its problems — and stops after a page with a problem, as loadRaw does; at most
 * ROWS_WORKER_WINDOW pages are posted ahead of those the main thread has taken. Any failure
 * ends the thread: the reader then lists the store again in its own thread, which reports it.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { MetastoreBackend, ROWS_WORKER_WINDOW, type RowsWorkerData } from './metastore'

async function run(): Promise<void> {
  const port = parentPort!
  const { options, scope } = workerData as RowsWorkerData
  let ahead = 0
  let more: (() => void) | undefined
  port.on('message', () => {
    ahead--
    more?.()
  })
  const store = new MetastoreBackend(options)
  try {
    for await (const page of store.openedRowPages(scope)) {
      port.postMessage(page)
      if (page.problems.length) break
      if (++ahead >= ROWS_WORKER_WINDOW)
        await new Promise<void>((resolve) => {
          more = resolve
        })
      more = undefined
    }
    port.postMessage(null)
  } finally {
    await store.close()
    port.unref()
  }
}

void run()
