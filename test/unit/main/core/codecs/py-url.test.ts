import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  parseQsl,
  quote,
  quotePlus,
  unquote,
  urlencode,
  urlsplit
} from '../../../../../src-main/core/codecs/py-url'
import { runPython } from '../../../../support/python'

const tricky = fc.string({
  unit: fc.constantFrom(
    'a',
    'Z',
    '0',
    '_',
    '.',
    '-',
    '~',
    ' ',
    '+',
    '%',
    '%2',
    '%2F',
    '%zz',
    '%C3%A9',
    '%e2%82',
    // a BOM's bytes (Python keeps a leading one), before a bad byte too
    '%EF%BB%BF',
    '%FF',
    '\ufeff',
    '@',
    ':',
    '/',
    '?',
    '#',
    '&',
    '=',
    '!',
    "'",
    '(',
    ')',
    '*',
    'é',
    '日',
    '😀',
    '[',
    ']',
    '\\',
    '"',
    ';',
    ',',
    '$'
  ),
  maxLength: 24
})

describe('python urllib.parse port', () => {
  it('matches Python quote/quote_plus/unquote/parse_qsl on tricky text', () => {
    const samples = fc.sample(tricky, { numRuns: 400, seed: 42 })
    const py = runPython<{ q: string; qp: string; u: string; qs: [string, string][] }[]>(
      `import json,sys
from urllib.parse import quote, quote_plus, unquote, parse_qsl
out=[]
for s in json.load(sys.stdin):
    out.append({"q": quote(s, safe=""), "qp": quote_plus(s), "u": unquote(s), "qs": parse_qsl(s, keep_blank_values=True)})
print(json.dumps(out))`,
      samples
    )
    samples.forEach((s, i) => {
      expect(quote(s, ''), s).toBe(py[i]!.q)
      expect(quotePlus(s), s).toBe(py[i]!.qp)
      expect(unquote(s), s).toBe(py[i]!.u)
      expect(parseQsl(s, true), s).toEqual(py[i]!.qs)
    })
  })

  it('matches Python urlsplit and its hostname/port/username/password', () => {
    const part = fc.string({
      unit: fc.constantFrom(
        'a',
        'B',
        '1',
        ':',
        '@',
        '/',
        '?',
        '#',
        '%41',
        '%2F',
        '.',
        '-',
        '+',
        ' ',
        'é',
        '//',
        '://'
      ),
      maxLength: 12
    })
    const urls = fc
      .sample(
        fc.tuple(
          fc.constantFrom(
            '',
            'http:',
            'Spark:',
            'my-db:',
            'x+y:',
            '1a:',
            '//',
            'a://',
            'postgres://'
          ),
          part,
          part
        ),
        { numRuns: 400, seed: 7 }
      )
      .map(([a, b, c]) => a + b + c)
    type Py = { ok: boolean; r?: (string | number | null)[]; port?: number | null | 'error' }
    const py = runPython<Py[]>(
      `import json,sys
from urllib.parse import urlsplit
out=[]
for u in json.load(sys.stdin):
    try:
        p=urlsplit(u)
    except ValueError:
        out.append({"ok": False}); continue
    try: port=p.port
    except ValueError: port="error"
    out.append({"ok": True, "r": [p.scheme,p.netloc,p.path,p.query,p.fragment,p.hostname,p.username,p.password], "port": port})
print(json.dumps(out))`,
      urls
    )
    urls.forEach((u, i) => {
      const expected = py[i]!
      if (!expected.ok) {
        expect(() => urlsplit(u), u).toThrow()
        return
      }
      const p = urlsplit(u)
      expect(
        [p.scheme, p.netloc, p.path, p.query, p.fragment, p.hostname, p.username, p.password],
        u
      ).toEqual(expected.r)
      if (expected.port === 'error') expect(() => p.port, u).toThrow()
      else expect(p.port, u).toBe(expected.port)
    })
  })

  it('keeps the case of a hostname after its first % (zone ids)', () => {
    expect(urlsplit('x://My%2Fhost').hostname).toBe('my%2Fhost')
    expect(urlsplit('x://[fe80::1%25EtH0]:80').hostname).toBe('fe80::1%25EtH0')
  })

  it('rejects what Python rejects in brackets and ports', () => {
    expect(() => urlsplit('x://[::1')).toThrow('Invalid IPv6 URL')
    expect(() => urlsplit('x://[1.2.3.4]/')).toThrow('IPv4')
    expect(() => urlsplit('x://[zz]/')).toThrow()
    expect(urlsplit('x://[::1]:5432').hostname).toBe('::1')
    expect(() => urlsplit('x://h:65536').port).toThrow('out of range')
    expect(() => urlsplit('x://h:+1').port).toThrow('cast')
    expect(urlsplit('x://h:').port).toBeNull()
  })

  it('urlencode + parse_qsl round-trips string pairs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 5 }), (pairs) => {
        const clean = pairs.map(
          ([k, v]) =>
            [k.replace(/[\uD800-\uDFFF]/g, ''), v.replace(/[\uD800-\uDFFF]/g, '')] as [
              string,
              string
            ]
        )
        const back = parseQsl(urlencode(clean), true)
        expect(back).toEqual(clean)
      }),
      { seed: 3, numRuns: 300 }
    )
  })
})
