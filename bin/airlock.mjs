#!/usr/bin/env -S node --max-semi-space-size=2
// The `airlock` command: runs the bundled CLI (built by `npm ci` / `npm run build:cli`).
// The flag: see src-main/platform/runtime.ts. Airlock needs Node 22.13+ (node:sqlite); on an
// older `node` it re-runs itself with the Node 24 that `npm ci` installs beside it.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 13)) {
  const bundled = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url))
  if (existsSync(bundled)) {
    const r = spawnSync(
      bundled,
      ['--max-semi-space-size=2', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
      { stdio: 'inherit' }
    )
    process.exit(r.status ?? 70)
  }
  process.stderr.write(
    `airlock: needs Node 22.13 or newer (this is ${process.versions.node}); run it with \`npm run -s airlock -- …\` or upgrade Node.\n`
  )
  process.exit(2)
}

const entry = fileURLToPath(new URL('../out/cli/airlock.mjs', import.meta.url))
if (!existsSync(entry)) {
  process.stderr.write(
    'airlock: the CLI is not built yet; run `npm run build:cli` (or `bash scripts/setup.sh`).\n'
  )
  process.exit(2)
}
// A closed pipe (`airlock list … | head`) ends the command quietly, as Unix tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})
const { main } = await import(entry)
process.exitCode = await main(process.argv.slice(2))
