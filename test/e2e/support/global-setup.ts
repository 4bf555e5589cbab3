// Builds the CLI and the renderer once, so the tests drive the code of this checkout (unless
// scripts/test.sh has just built them: AIRLOCK_TEST_BUILT=1).
import { execFileSync } from 'node:child_process'

export default function setup(): void {
  if (process.env.AIRLOCK_TEST_BUILT === '1') return
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' })
}
