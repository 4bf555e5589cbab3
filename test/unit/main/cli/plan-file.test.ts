import { describe, expect, it } from 'vitest'
import { planFileParts } from '../../../../src-main/cli/commands/engine'

const doc = (n: number) => ({
  version: 1,
  planId: 'p-1',
  summary: { create: n },
  items: Array.from({ length: n }, (_, i) => ({
    kind: 'connection',
    sourceId: `id_${i}`,
    targetId: `id_${i} "é"`,
    warnings: i % 7 ? [] : ['a\nwarning'],
    action: 'create',
    diff: []
  })),
  signature: 'hmac-sha256:00'
})

describe('the plan file', () => {
  it.each([0, 1, 5000])(
    'is its header on the first line, then one item per line (%i items), in pieces',
    (n) => {
      const d = doc(n)
      const parts = [...planFileParts(d)]
      const text = parts.join('')
      expect(JSON.parse(text)).toEqual(d)
      const lines = text.split('\n')
      const { items, ...head } = d
      expect(lines[0]).toBe(JSON.stringify({ ...head, items: [] }).slice(0, -2))
      expect(lines.slice(1, -2)).toEqual(
        n ? items.map((i, k) => JSON.stringify(i) + (k < n - 1 ? ',' : '')) : ['']
      )
      expect(lines.slice(-2)).toEqual([']}', ''])
      // never the whole file in one piece: about 64 KB each, the last the rest
      if (n === 5000) {
        expect(parts.length).toBeGreaterThan(5)
        for (const p of parts.slice(0, -1)) expect(p.length).toBeLessThan(65_536 + 1000)
      }
    }
  )
})
