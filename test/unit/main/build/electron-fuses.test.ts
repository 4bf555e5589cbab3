// The packaged app's Electron fuses (electron-builder.yml `electronFuses`, flipped in the binary
// by @electron/fuses at package time): every fuse that matters is set as docs/build-security.md
// says, and every key is one the installed electron-builder knows (a misspelt key would be
// refused by its schema only when someone packages; here it fails at once).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const root = join(import.meta.dirname, '../../../..')
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as {
  electronFuses?: Record<string, unknown>
}
const schema = JSON.parse(
  readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8')
) as {
  definitions: { FuseOptionsV1: { properties: Record<string, unknown> } }
  properties: { electronFuses: unknown }
}

const EXPECTED = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true
}

describe('attack: build', () => {
  it('17.18 the packaged app runs with RunAsNode, NODE_OPTIONS and --inspect off, asar integrity on and code only from the asar', () => {
    const fuses = config.electronFuses
    expect(fuses, 'electron-builder.yml has no electronFuses').toBeDefined()
    for (const [fuse, value] of Object.entries(EXPECTED))
      expect(fuses?.[fuse], `electronFuses.${fuse}`).toBe(value)
  })

  it('17.18 every electronFuses key is one the installed electron-builder flips', () => {
    expect(schema.properties.electronFuses).toBeDefined()
    const known = Object.keys(schema.definitions.FuseOptionsV1.properties)
    expect(Object.keys(config.electronFuses ?? {}).filter((k) => !known.includes(k))).toEqual([])
    for (const fuse of Object.keys(EXPECTED)) expect(known).toContain(fuse)
    // The app's code must be inside the asar for onlyLoadAppFromAsar: packaging into one is
    // electron-builder's default, so the config must not turn it off.
    expect((config as { asar?: unknown }).asar ?? true).not.toBe(false)
  })
})
