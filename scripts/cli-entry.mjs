// The CLI's entry (copied to out/cli/airlock.mjs by build-cli.mjs; bin/airlock.mjs imports
// it): runs the bundle out/cli/airlock.cjs with the V8 code cache made for it at build time.
//
// Why: a fresh process spent ~0.1 s of CPU parsing and compiling the CLI's modules (a diff of
// two one-line files: 0.14 s CPU, bare Node 0.03 s). Node's own compile cache holds only the
// code that runs when a module is loaded; a cache made by V8 *after* a representative run
// (`script.createCachedData()`) also holds the bytecode of every function that run compiled
// lazily. That needs a classic script (`vm.Script`): the bundle is CommonJS, wrapped here as
// Node wraps a CommonJS module, in strict mode as the ES modules it is built from.
//
// The cache is only ever read here, never written at run time (a read-only checkout, an empty
// HOME work as before). It is used only if its first line holds the CRC-32 of this very
// bundle's bytes and of the cached data after it (V8 checks the version, flags and source
// length of what it is given, not its bytes: a damaged cache it accepts stops the process, a
// cache of another bundle of the same length runs that bundle's functions) and V8 accepts it
// (same V8 version and flags); otherwise, silently, the bundle is compiled as any script is.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

/** The bundle. */
const BUNDLE = fileURLToPath(new URL('./airlock.cjs', import.meta.url))
/** The code cache: its first line (see {@link cacheLine}), then V8's cached data. */
const CODE_CACHE = `${BUNDLE}.cache`

/** `airlock-code-cache <CRC-32 of the bundle> <CRC-32 of the cached data>\n`, hex. */
function cacheLine(bundle, data) {
  const { crc32 } = process.getBuiltinModule('node:zlib')
  const hex = (bytes) => crc32(bytes).toString(16).padStart(8, '0')
  return `airlock-code-cache ${hex(bundle)} ${hex(data)}\n`
}
const CACHE_LINE_LENGTH = 37

/** V8's cached data made for `bundle`, or undefined (none, unreadable, another's, damaged). */
function cachedDataFor(bundle) {
  let cache
  try {
    cache = readFileSync(CODE_CACHE)
  } catch {
    return undefined
  }
  if (cache.length <= CACHE_LINE_LENGTH) return undefined
  const data = cache.subarray(CACHE_LINE_LENGTH)
  return cache.toString('latin1', 0, CACHE_LINE_LENGTH) === cacheLine(bundle, data)
    ? data
    : undefined
}

let loaded

/** Compiles and runs the bundle once: its exports, and the script (for its code cache). */
function load() {
  if (loaded) return loaded
  const bundle = readFileSync(BUNDLE)
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {'use strict';${bundle.toString()}\n})`,
    {
      filename: BUNDLE,
      cachedData: cachedDataFor(bundle)
      // no importModuleDynamically: it needs Node's experimental vm loader (a warning on
      // stderr); the bundle requires its packages (build-cli.mjs checks it holds no import())
    }
  )
  const module = { exports: {} }
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE))
  loaded = { exports: module.exports, script }
  return loaded
}

/** Runs the CLI (src-main/cli/airlock.ts `main`); resolves to the exit code. */
export function main(argv, io) {
  return load().exports.main(argv, io)
}

/**
 * The code cache file's content for this process's compilation of the bundle: build-cli.mjs
 * writes it after a representative run, so it holds what that run compiled.
 */
export function codeCache() {
  const data = load().script.createCachedData()
  return Buffer.concat([Buffer.from(cacheLine(readFileSync(BUNDLE), data), 'latin1'), data])
}

/** Whether V8 refused the cached data given (undefined: none was given). */
export function codeCacheRejected() {
  const { script } = load()
  return script.cachedDataRejected
}
