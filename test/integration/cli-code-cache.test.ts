// The CLI's V8 code cache (scripts/cli-entry.mjs, made by scripts/build-cli.mjs): the build
// makes one that V8 accepts, and a cache that is damaged, cut short, made for another bundle or
// not there at all leaves the CLI running as before — the same output, nothing on stderr —
// where a damaged cache V8 was given would stop the process.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = process.cwd()
let dir: string
let files: string[]

beforeAll(() => {
  // inside the checkout, so the bundle's packages resolve from its node_modules
  mkdirSync(join(root, 'out/test'), { recursive: true })
  dir = mkdtempSync(join(root, 'out/test/code-cache-'))
  const a = join(dir, 'a.env')
  const b = join(dir, 'b.env')
  writeFileSync(
    a,
    "AIRFLOW_CONN_DB='postgres://u:p%40ss@db.example.com:5432/s?x=1'\nAIRFLOW_VAR_V=1\nAIRFLOW_VAR_W=é\n"
  )
  writeFileSync(
    b,
    "AIRFLOW_CONN_DB='postgres://u:changed@db.example.com:5432/s?x=1'\nAIRFLOW_VAR_V=1\n"
  )
  files = [`envfile:${a}`, `envfile:${b}`]
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A copy of the built CLI in `name` (its entry, bundle and cache), the cache as `cache` makes it. */
function copyOfCli(name: string, cache: (built: Buffer) => Buffer | undefined): string {
  const to = join(dir, name)
  mkdirSync(to)
  for (const file of ['airlock.mjs', 'airlock.cjs'])
    copyFileSync(join(root, 'out/cli', file), join(to, file))
  const made = cache(readFileSync(join(root, 'out/cli/airlock.cjs.cache')))
  if (made) writeFileSync(join(to, 'airlock.cjs.cache'), made)
  return join(to, 'airlock.mjs')
}

/** `airlock diff A B` through `entry`, and whether V8 refused the cache it was given. */
function diffThrough(entry: string, args: string[] = []) {
  const script = `
    const cli = await import(${JSON.stringify(entry)})
    process.exitCode = await cli.main(process.argv.slice(1))
    process.stderr.write('rejected: ' + cli.codeCacheRejected() + '\\n')`
  const r = spawnSync(
    process.execPath,
    ['--max-semi-space-size=2', '--input-type=module', '-e', script, 'diff', ...args, ...files],
    { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: '' } }
  )
  const rejected = /rejected: (\w+)\n$/.exec(r.stderr)?.[1]
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr.replace(/rejected: \w+\n$/, ''),
    rejected
  }
}

const flip = (at: (length: number) => number) => (built: Buffer) => {
  const copy = Buffer.from(built)
  copy[at(copy.length)]! ^= 0x01
  return copy
}

describe('the CLI code cache', () => {
  it('is made by the build and taken by V8', () => {
    const r = diffThrough(join(root, 'out/cli/airlock.mjs'))
    expect(r.rejected).toBe('false')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^~ conn db \(password\)$/m)
    expect(r.stderr).toBe(
      'diff: 1 to create, 1 to update, 0 to delete, 1 unchanged, 0 in conflict\n'
    )
  })

  it.each([
    ['damaged in its data', flip((n) => Math.floor(n / 2))],
    ['damaged in its last byte', flip((n) => n - 1)],
    ['damaged in its first line', flip(() => 20)],
    ['cut short', (built: Buffer) => built.subarray(0, built.length >> 1)],
    ['empty', () => Buffer.alloc(0)],
    ['missing', () => undefined]
  ])('%s: is not used, and the CLI answers as with it', (name, cache) => {
    for (const args of [[], ['--json'], ['--kind', 'variable']]) {
      const expected = diffThrough(join(root, 'out/cli/airlock.mjs'), args)
      const r = diffThrough(copyOfCli(`${name}${args.join('')}`, cache), args)
      expect(r.rejected).toBe('undefined')
      expect(r.stderr).toBe(expected.stderr)
      expect(r.code).toBe(expected.code)
      expect(normalised(r.stdout)).toBe(normalised(expected.stdout))
    }
  })

  it('made for another bundle of the same length: is not used; the bundle runs as it is', () => {
    const entry = copyOfCli('edited', (built) => built)
    const bundle = join(entry, '../airlock.cjs')
    const text = readFileSync(bundle, 'utf8')
    expect(text).toContain(' to update, ')
    writeFileSync(bundle, text.replace(' to update, ', ' to UPDATE, '))
    const r = diffThrough(entry)
    expect(r.rejected).toBe('undefined')
    expect(r.stderr).toMatch(/ to UPDATE, /)
  })
})

/** `--json` output without what differs from run to run (plan id, time, keyed fingerprints). */
function normalised(stdout: string): string {
  return stdout
    .replace(/"(planId|createdAt)":"[^"]*"/g, '"$1":"…"')
    .replace(/"[0-9a-f]{12}"/g, '"…"')
}
