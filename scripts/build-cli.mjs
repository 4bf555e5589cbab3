// Bundles the CLI into one ESM file so `airlock` starts fast (no TypeScript at run time).
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
await build({
  absWorkingDir: root,
  entryPoints: ['src-main/cli/airlock.ts'],
  outfile: 'out/cli/airlock.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __airlockRequire } from 'node:module';const require = __airlockRequire(import.meta.url);"
  }
})
