import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PY_SPACE, pyLstrip, pyRstrip, pyStrip } from '../../../../../src-main/core/codecs/py-str'
import { runPython } from '../../../../support/python'

describe('Python str primitives', () => {
  it('strips an astral character as one code point, as str.rstrip does', () => {
    // python3 -c "print(repr('a😀'.rstrip('😀')), repr('a😀'.rstrip('\ude00')))" → 'a' 'a😀'
    expect(pyRstrip('a😀', '😀')).toBe('a')
    expect(pyRstrip('a😀', '\ude00')).toBe('a😀')
    expect(pyRstrip('a😀', '\ud83d')).toBe('a😀')
    expect(pyLstrip('😀a', '\ud83d')).toBe('😀a')
    expect(pyStrip('😀a😀', '😀')).toBe('a')
  })

  it('strips a lone surrogate half as its own code point', () => {
    // python3 -c "print(repr('a\ud83d'.rstrip('\ud83d')))" → 'a'
    expect(pyRstrip('a\ud83d', '\ud83d')).toBe('a')
    expect(pyLstrip('\ude00a', '\ude00')).toBe('a')
  })

  it('strips characters, not a suffix; empty chars strips nothing', () => {
    expect(pyRstrip('a/-/-', '-/')).toBe('a')
    expect(pyRstrip('abc', '')).toBe('abc')
    expect(pyStrip('abc', '')).toBe('abc')
  })

  it("strips Python's whitespace by default, not JavaScript's", () => {
    expect(pyStrip('\u3000\x85a b\x1c')).toBe('a b')
    expect(pyStrip('\ufeffa')).toBe('\ufeffa')
    expect(pyRstrip(`a${PY_SPACE}`)).toBe('a')
    expect(pyLstrip(`${PY_SPACE}a `)).toBe('a ')
  })

  it('agrees with CPython on random text', () => {
    const unit = fc.constantFrom('a', '-', ' ', '\u3000', '😀', '\ud83d', '\ude00', '\x85', '/')
    const text = fc.string({ unit, maxLength: 8 })
    const cases = fc.sample(fc.tuple(text, fc.option(text, { nil: undefined })), {
      numRuns: 400,
      seed: 16
    })
    const expected = runPython<[string, string, string][]>(
      `import json, sys
out = []
for s, c in json.load(sys.stdin):
    out.append([s.strip(c), s.lstrip(c), s.rstrip(c)])
print(json.dumps(out))`,
      cases.map(([s, c]) => [s, c ?? null])
    )
    const actual = cases.map(([s, c]) => [pyStrip(s, c), pyLstrip(s, c), pyRstrip(s, c)])
    expect(actual).toEqual(expected)
  })
})
