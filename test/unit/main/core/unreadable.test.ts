import { describe, expect, it } from 'vitest'
import { nameUnreadable, unreadableEntries } from '../../../../src-main/core/unreadable'

describe('unreadable entries', () => {
  it('names each entry once, in the order first seen, with its count of problems', () => {
    const entries = unreadableEntries([
      { kind: 'connection', id: 'c2' },
      { kind: 'connection', id: 'c1' },
      { kind: 'connection', id: 'c2' },
      { kind: 'variable', id: 'v' },
      { kind: 'connection', id: 'c2' }
    ])
    expect(entries).toHaveLength(3)
    expect(nameUnreadable(entries)).toBe('c2 (3 problems), c1, v')
  })

  it('says the kind of an id held by a connection and a variable both', () => {
    const entries = unreadableEntries([
      { kind: 'connection', id: 'x' },
      { kind: 'variable', id: 'x' },
      { kind: 'variable', id: 'y' }
    ])
    expect(nameUnreadable(entries)).toBe('connection x, variable x, y')
  })

  it('names the first few and counts the rest', () => {
    const entries = unreadableEntries(
      Array.from({ length: 8 }, (_, i) => ({ kind: 'variable' as const, id: `v${i}` }))
    )
    expect(nameUnreadable(entries, 3)).toBe('v0, v1, v2, and 5 more')
  })
})
