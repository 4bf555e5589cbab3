// `list --json`'s direct line encoder against the PyDict path it replaced (the reference),
// on shapes the metadata DB never hands over: lone surrogates, a port beyond 2^53, a team
// name field, a source with more keys. The Python side of the reference is py-json's tests.
import { describe, expect, it } from 'vitest'
import { entryLine, entryLineReference } from '../../../../src-main/cli/commands/stores'
import { emptyConnectionFields, type Entry } from '../../../../src-main/core/model'

const TEXTS = [
  'plain',
  '"q" \\b\\',
  '\u0000\u0001\u001f\u007f\b\f\n\r\t',
  'é日😀\u2028',
  'lone \ud800 high',
  'lone \udc00 low',
  '\udc00\ud800 reversed',
  ''
]

function entries(): Entry[] {
  const out: Entry[] = []
  TEXTS.forEach((t, i) => {
    out.push({
      kind: 'connection',
      id: `c${i}${t}`,
      fields: {
        ...emptyConnectionFields(),
        conn_type: t || null,
        description: t,
        host: i % 2 ? t : null,
        login: t,
        password: i % 3 ? t : null,
        schema: t,
        port: [null, 0, 5432, 65535, 2 ** 53 - 1, 2 ** 53, 1e21, 7][i]!,
        extra: i % 2 ? JSON.stringify({ k: t, n: [1, t] }) : t || null,
        ...(i % 4 === 0 ? { team_name: t } : {})
      },
      team: i % 2 ? t : undefined,
      source:
        i % 3 === 0
          ? undefined
          : { backendId: `b${t}`, path: t, fromKey: t, ...(i % 2 ? { extra: t } : {}) }
    } as Entry)
    out.push({
      kind: 'variable',
      key: `v${i}${t}`,
      value: t,
      description: i % 2 ? t : null,
      team: i % 3 ? t : null,
      source: { backendId: 'b', path: t, fromKey: t }
    })
  })
  return out
}

describe('list --json line encoder', () => {
  for (const reveal of [true, false])
    it(`writes the reference encoder's text for every entry (${reveal ? 'revealed' : 'masked'})`, () => {
      for (const e of entries()) expect(entryLine(e, reveal)).toBe(entryLineReference(e, reveal))
    })

  it('masks secrets unless revealed', () => {
    const e: Entry = {
      kind: 'connection',
      id: 'x',
      fields: { ...emptyConnectionFields(), password: 'hunter2', extra: '{"token": "s3cr3t"}' }
    }
    expect(entryLine(e, false)).not.toMatch(/hunter2|s3cr3t/)
    expect(entryLine(e, true)).toContain('hunter2')
  })
})
