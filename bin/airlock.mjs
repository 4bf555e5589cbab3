#!/usr/bin/env -S node --max-semi-space-size=2
// (the flag: see src-main/platform/runtime.ts)
// The `airlock` command: runs the bundled CLI (built by `npm ci` / `npm run build:cli`).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../out/cli/airlock.mjs', import.meta.url))
if (!existsSync(entry)) {
  process.stderr.write(
    'airlock: the CLI is not built yet; run `npm run build:cli` (or `bash scripts/setup.sh`).\n'
  )
  process.exit(2)
}
const { main } = await import(entry)
process.exitCode = await main(process.argv.slice(2))
