// Builds the CLI once before any test file runs (files run in parallel; rebuilding from
// several of them at once would replace the bundle under a running test).
import { execFileSync } from 'node:child_process'

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' })
}
