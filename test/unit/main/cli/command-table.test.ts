import { describe, expect, it } from 'vitest'
import {
  ALL_OPTIONS,
  COMMANDS,
  HELP_SECTIONS,
  commandsHelp
} from '../../../../src-main/cli/command-table'

describe('airlock command table', () => {
  const commands = HELP_SECTIONS.flatMap((s) => s.commands)

  it('answers to every command the CLI has', () => {
    expect([...COMMANDS.keys()].sort()).toEqual(
      [
        'apply',
        'audit',
        'conn',
        'decode',
        'diff',
        'effective',
        'explain',
        'export',
        'fernet',
        'jobs',
        'list',
        'keystore',
        'plan',
        'profile',
        'resume',
        'rollback',
        'rotate-fernet-key',
        'serve'
      ].sort()
    )
  })

  it('parses with the union of the options the commands own, one type per flag', () => {
    const owned = new Map<string, string>()
    for (const c of commands)
      for (const [name, spec] of Object.entries(c.options)) {
        expect(owned.get(name) ?? spec.type, name).toBe(spec.type)
        owned.set(name, spec.type)
      }
    const global = ['help', 'version']
    expect(Object.keys(ALL_OPTIONS).sort()).toEqual([...global, ...owned.keys()].sort())
  })

  it('lists every command and every flag of a command in the help', () => {
    const help = commandsHelp()
    for (const name of COMMANDS.keys())
      expect(help, name).toMatch(new RegExp(`(^  | \\| )${name} `, 'm'))
    for (const c of commands)
      for (const flag of Object.keys(c.options))
        expect(help, `--${flag} of ${c.names[0]}`).toContain(`--${flag}`)
  })
})
