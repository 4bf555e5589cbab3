// The fast paths of the connection URI codec (connection-uri-fast.ts) against the exact
// general path (the port of Python's urlsplit/unquote/parse_qsl and get_uri step for step):
// on generated URIs and connections they give the same fields, warnings, bytes and errors.
// The general path itself is held to Airflow by airflow-oracle.test.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  parseConnectionUri,
  parseConnectionUriGeneral,
  serializeConnectionUri,
  serializeConnectionUriGeneral
} from '../../../../../src-main/core/codecs/connection-uri'
import {
  EXTRA_NOT_FLAT,
  EXTRA_UNSURE,
  flatExtraMembers,
  parseUriFast,
  serializeUriFast,
  uriSurelyReads
} from '../../../../../src-main/core/codecs/connection-uri-fast'
import { parseConnectionValue } from '../../../../../src-main/core/codecs/connection-json'
import { pyJsonFlatStringObject } from '../../../../../src-main/core/codecs/py-json'
import { urlencode } from '../../../../../src-main/core/codecs/py-url'
import { CodecError } from '../../../../../src-main/core/errors'
import { DIALECTS, type ConnectionFields } from '../../../../../src-main/core/model'
import { FUZZ_TIMEOUT, fuzzParams, nastyText } from '../../../../support/fuzz'

/** What a codec call gave: its value, or its error's message and code. */
function outcome<T>(fn: () => T): { value?: T; error?: { message: string; code: string } } {
  try {
    return { value: fn() }
  } catch (error) {
    if (!(error instanceof CodecError)) throw error
    return { error: { message: error.message, code: error.code } }
  }
}

/** Text for URI parts: percent escapes (good, bad, non-ASCII), '+', delimiters, non-ASCII. */
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-zA-Z0-9_.~-]{0,8}$/) },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.constantFrom(
          ..."abcXYZ019_-.~!$&'()*+,;=:@/?#%[] é日".split(''),
          '%20',
          '%2B',
          '%2F',
          '%40',
          '%3A',
          '%C3%A9',
          '%e6%97%a5',
          '%F0%9F%98%80',
          '%C3',
          '%ED%A0%80',
          '%FF',
          '%zz',
          '%4',
          '+',
          '://',
          '__extra__',
          'HOST'
        ),
        { maxLength: 10 }
      )
      .map((xs) => xs.join(''))
  },
  { weight: 1, arbitrary: nastyText({ maxLength: 10 }) }
)

/** Mostly what get_uri writes (percent-encoded, so the fast path takes it), sometimes raw. */
const part = fc.oneof(
  { weight: 3, arbitrary: piece.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, ''))) },
  { weight: 1, arbitrary: piece }
)

const scheme = fc.constantFrom(
  'postgres',
  'postgres',
  'mysql',
  'postgres',
  'postgresql',
  'mysql',
  'google-cloud-platform',
  'aws',
  'a+b.c-d',
  'x1',
  'Postgres',
  'HTTP',
  '1x',
  '',
  'k8s'
)

const host = fc.oneof(
  part,
  fc.constantFrom(
    'db.example.com',
    'DB.Example.COM',
    '10.0.0.1',
    '[::1]',
    '[fe80::1%25eth0]',
    '[FE80::A%25Eth0]',
    '[v1.x]',
    '[10.0.0.1]',
    '[::1',
    '::1]',
    'k8s://10.0.0.1',
    'HOST%2Fpath',
    'h%C3%A9st',
    'HÉST'
  )
)

const port = fc.constantFrom(
  '',
  '',
  ':1',
  ':',
  ':5432',
  ':0',
  ':00080',
  ':65535',
  ':65536',
  ':-1',
  ':+1',
  ':1a',
  ':99999999999999999999'
)

const queryPair = fc.oneof(
  fc.tuple(part, part).map(([k, v]) => `${k}=${v}`),
  piece,
  fc.constantFrom(
    'a=1',
    'a=2',
    'a=',
    '=b',
    '',
    'a=%7B%7D',
    'timeout=30',
    'n=0',
    'n=-0',
    'n=-12',
    'n=007',
    'n=123456789012345',
    'n=1234567890123456789',
    'n=-',
    'n=1+',
    'n=+1',
    'n=%201',
    'n=1.',
    'n=1e',
    'n=0x1',
    'n=1%20',
    'n=1%0A%09',
    'n=1.5e3%0A',
    'n=12ab',
    'n=1e5',
    'n=1E-2',
    'n=0.5+x',
    'flag=true',
    'n=null',
    'f=1.5e3',
    's=%22quoted%22',
    'o=%7B%22x%22%3A+%5B1%2C+2%5D%7D',
    'k+ey=va+lue',
    '__extra__=%7B%22a%22%3A+%22b%22%7D',
    '__extra__=%5B1%5D',
    '__extra__=not+json',
    '__extra__=',
    '__extra__=%7B%22a%22%3A+1%7D'
  )
)

const encoded = piece.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '')))

/** URIs from parts: `clean` ones as get_uri writes them, the others anything. */
function uriOf(clean: boolean): fc.Arbitrary<string> {
  const p = clean ? encoded : part
  return fc
    .record({
      scheme: clean
        ? fc.constantFrom('postgres', 'mysql', 'google-cloud-platform', 'a+b.c-d', 'x1')
        : scheme,
      sep: clean ? fc.constant('://') : fc.constantFrom('://', '://', '://', ':/', ':', ''),
      protocol: clean
        ? fc.constantFrom('', '', '', 'k8s://', 'a.b+c://', 'postgres://', 'xmysql://')
        : fc.constantFrom('', '', '', 'https://', 'k8s://'),
      user: fc.option(p),
      password: fc.option(p),
      host: clean
        ? fc.oneof(
            encoded,
            fc.constantFrom('DB.Example.COM', 'HOST%2Fpath', 'h%C3%A9st', '10.0.0.1')
          )
        : host,
      port: clean ? fc.constantFrom('', ':', ':1', ':5432', ':00080', ':65535', ':65536') : port,
      path: fc.option(p),
      query: fc.option(
        fc.array(
          clean
            ? fc.oneof(
                fc.tuple(encoded, encoded).map(([k, v]) => `${k}=${v}`),
                queryPair
              )
            : queryPair,
          { maxLength: 5 }
        )
      ),
      fragment: fc.option(p)
    })
    .map((x) => {
      let s = x.scheme + x.sep + x.protocol
      if (x.user !== null || x.password !== null)
        s += (x.user ?? '') + (x.password !== null ? ':' + x.password : '') + '@'
      s += x.host + x.port
      if (x.path !== null) s += '/' + x.path
      if (x.query !== null) s += '?' + x.query.join('&')
      if (x.fragment !== null) s += '#' + x.fragment
      return s
    })
}

const uri = fc.oneof(uriOf(true), uriOf(false))

/** What uriSurelyReads vouches for: the decoder and the fast parser read it in every dialect. */
function expectReadsInEveryDialect(text: string): void {
  for (const dialect of DIALECTS) {
    expect(outcome(() => parseConnectionValue(text, dialect)).error).toBeUndefined()
    expect(parseUriFast(text, dialect)).toBeDefined()
  }
}

describe('connection URI fast path', () => {
  it(
    'parses every generated URI as the general path does (fields, warnings, errors)',
    () => {
      let fast = 0
      let total = 0
      fc.assert(
        fc.property(uri, fc.constantFrom(...DIALECTS), (text, dialect) => {
          total++
          if (outcome(() => parseUriFast(text, dialect)).value !== undefined) fast++
          expect(outcome(() => parseConnectionUri(text, dialect))).toEqual(
            outcome(() => parseConnectionUriGeneral(text, dialect))
          )
        }),
        fuzzParams(4000)
      )
      // the comparison means something only if the fast path takes a good share of the inputs
      expect(fast / total).toBeGreaterThan(0.2)
    },
    FUZZ_TIMEOUT
  )

  it(
    'unquotes every escape in the login, password, path and query as the general path does',
    () => {
      // what the fast parser decodes at once (ASCII, and UTF-8 of U+0080–U+00FF) among what
      // it must leave to unquote field by field: any byte escaped in either case, lead bytes
      // around C2/C3 with any next byte, escapes cut short by a field's end, '+'
      const hexByte = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([b, lower]) => {
        const h = b.toString(16).padStart(2, '0')
        return '%' + (lower ? h : h.toUpperCase())
      })
      const lead = fc.constantFrom('%C1', '%c2', '%C2', '%C3', '%c3', '%C4', '%C5', '%D0', '%E2')
      const next = fc.oneof(
        hexByte,
        fc.constantFrom(
          '%80',
          '%A9',
          '%bf',
          '%BF',
          '%C0',
          '%7F',
          '%3A',
          '%',
          '%8',
          '+',
          'a',
          'A9a',
          ''
        )
      )
      const token = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('a', 'Z', '9', '-', '.', '_', '~', '+', '%2B') },
        { weight: 3, arbitrary: hexByte },
        { weight: 3, arbitrary: fc.tuple(lead, next).map(([l, x]) => l + x) },
        { weight: 1, arbitrary: fc.constantFrom('%', '%4', '%G1', '%%', '%C3%', '%C3%A') }
      )
      const text = fc.array(token, { maxLength: 6 }).map((xs) => xs.join(''))
      const pair = fc.tuple(text, fc.option(text)).map(([k, v]) => (v === null ? k : `${k}=${v}`))
      const uriText = fc
        .record({
          user: fc.option(text),
          password: fc.option(text),
          path: fc.option(text),
          query: fc.option(fc.array(pair, { maxLength: 4 })),
          fragment: fc.option(text)
        })
        .map((x) => {
          let s = 'postgres://'
          if (x.user !== null || x.password !== null)
            s += (x.user ?? '') + (x.password !== null ? ':' + x.password : '') + '@'
          s += 'db.example.com:5432'
          if (x.path !== null) s += '/' + x.path
          if (x.query !== null) s += '?' + x.query.join('&')
          if (x.fragment !== null) s += '#' + x.fragment
          return s
        })
      let fast = 0
      let total = 0
      fc.assert(
        fc.property(uriText, fc.constantFrom(...DIALECTS), (text, dialect) => {
          total++
          if (outcome(() => parseUriFast(text, dialect)).value !== undefined) fast++
          expect(outcome(() => parseConnectionUri(text, dialect))).toEqual(
            outcome(() => parseConnectionUriGeneral(text, dialect))
          )
        }),
        fuzzParams(4000)
      )
      expect(fast / total).toBeGreaterThan(0.5)
    },
    FUZZ_TIMEOUT
  )

  it('parses URIs longer than the buffers it keeps, with more fields than it has room for', () => {
    const many = Array.from({ length: 70 }, (_, i) => `k${i % 50}=v%C3%A9+${i}`).join('&')
    const long = encodeURIComponent('pé /:@'.repeat(700))
    const huge = encodeURIComponent('pé /:@'.repeat(5000))
    const manyMore = Array.from({ length: 2000 }, (_, i) => `k${i}=v%C3%A9+${i}`).join('&')
    const cases = [
      `postgres://u%40:p%2B@h:1/s?${many}`,
      `postgres://${huge}@h/?${manyMore}`,
      // right after one beyond the size the buffers are kept at
      'mysql://a:b%C3%A9@h/short?x=1',
      `postgres://${long}:${long}@h/${long}?a=${long}`,
      `postgres://u:p@h/?${many}&__extra__=%7B%22a%22%3A+%22${long}%22%7D`,
      'mysql://a:b@h/short?x=1'
    ]
    for (const text of cases)
      for (const dialect of DIALECTS) {
        expect(parseUriFast(text, dialect)).toBeDefined()
        expect(parseConnectionUri(text, dialect)).toEqual(parseConnectionUriGeneral(text, dialect))
      }
  })

  it('parses hand-picked URIs as the general path does', () => {
    const cases = [
      'postgres://user:pass@host:5432/schema?a=1&a=2&b=%7B%22x%22%3A+1%7D',
      'postgres://u%2Bser:p%20a+ss@HOST.Example.com:1/s%C3%A9?k+1=v+1#frag?x=1',
      'mysql://:@h',
      'mysql://@h',
      'mysql://u@h/',
      'mysql://h?',
      'mysql://h?&&',
      'mysql://h?x',
      'mysql://h/?__extra__=%7B%7D&__extra__=%5B%5D',
      'mysql://h#?a=1',
      'mysql://h%2Fx',
      'mysql://h:80:90',
      'mysql://HOST%41B:1',
      'mysql://h/%ZZ/%C3',
      'a://b',
      'http://h?q=%ED%A0%80'
    ]
    for (const dialect of DIALECTS)
      for (const text of cases) {
        expect(
          outcome(() => parseConnectionUri(text, dialect)),
          text
        ).toEqual(outcome(() => parseConnectionUriGeneral(text, dialect)))
      }
    // these are the fast path's
    expect(parseUriFast(cases[0]!, 'airflow3')).toBeDefined()
    expect(parseUriFast(cases[1]!, 'airflow2')).toBeDefined()
  })

  const EMPTY: ConnectionFields = {
    conn_type: null,
    description: null,
    host: null,
    login: null,
    password: null,
    schema: null,
    port: null,
    extra: null
  }

  /** Extras as texts: flat objects of plain strings, escapes, duplicates, other JSON, not JSON. */
  const jsonString = fc.oneof(
    piece.map((s) => JSON.stringify(s)),
    piece.map((s) => `"${s.replaceAll('"', '').replaceAll('\\', '')}"`),
    fc.constantFrom('"a\\"b"', '"\\u00e9"', '"\\ud800"', '"tab\there"', '"a\\/b"', '"unterminated')
  )
  const member = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(jsonString, jsonString) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        jsonString,
        fc.constantFrom('1', 'true', 'null', '[1, 2]', '{"a": "b"}', '1.5', 'NaN', 'x')
      )
    },
    { weight: 1, arbitrary: fc.constant(['"dup"', '"first"'] as [string, string]) },
    { weight: 1, arbitrary: fc.constant(['"dup"', '"second"'] as [string, string]) }
  )
  const space = fc.constantFrom('', '', ' ', '\n  ', '\t', '\r\n', '\u00a0')
  const extra = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(
          space,
          fc.array(fc.tuple(member, space, space), { maxLength: 5 }),
          space,
          fc.constantFrom('}', '}', '} x', ',}', '')
        )
        .map(
          ([s0, members, s1, close]) =>
            s0 +
            '{' +
            members.map(([[k, v], a, b]) => `${a}${k}${b}:${a}${v}${b}`).join(',') +
            s1 +
            close
        )
    },
    { weight: 1, arbitrary: piece },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{}',
        '[]',
        '"s"',
        '1',
        '{"a": "b"} ',
        ' {"a":"b"}',
        '{"a": "b",}',
        '{"a" "b"}'
      )
    }
  )

  /** Field text: pieces, lone surrogates, and long texts that outgrow the writer's buffer. */
  const text = fc.oneof(
    { weight: 6, arbitrary: piece },
    { weight: 1, arbitrary: nastyText({ maxLength: 6, loneSurrogates: true }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('é'.repeat(400), '日😀'.repeat(300), 'a b+'.repeat(600))
    }
  )
  const fields = fc.record({
    conn_type: fc.option(fc.oneof(scheme, piece, fc.constantFrom('Pöstgres', 'A_B', 'x😀'))),
    description: fc.constant(null),
    host: fc.option(
      fc.oneof(
        host,
        text,
        fc.constantFrom('é://h', '://h', 'postgres://h', 'POSTGRES://h', 'x://', 'k8s://a://b')
      )
    ),
    login: fc.option(text),
    password: fc.option(text),
    schema: fc.option(text),
    port: fc.option(fc.constantFrom(0, -0, 1, 5432, 65535, 70000, -1, 1.5, 2 ** 53, 1e21)),
    extra: fc.option(
      fc.oneof(
        { weight: 8, arbitrary: extra },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            `{${Array.from({ length: 70 }, (_, k) => `"k${k}": "v ${k}"`).join(', ')}}`,
            `{${Array.from({ length: 64 }, (_, k) => `"k${k}": "v ${k}"`).join(', ')}}`,
            '{"a": "\\u00e9", "b": 1}',
            '{"a": "\\x", "b": "c"}',
            '{"a": "\\u12", "b": "c"}',
            '{"a": "\\ud800\\uzzzz"}',
            '{"a": "\\ud800\\u0041"}',
            '{"a": "x\u0001"}',
            JSON.stringify({ a: 'é'.repeat(300), b: '\ud800' }),
            JSON.stringify({ a: '\ud800' })
          )
        }
      )
    )
  }) as fc.Arbitrary<ConnectionFields>

  it(
    'tells flat extras as the port of json.loads does',
    () => {
      fc.assert(
        fc.property(extra, (text) => {
          const members = flatExtraMembers(text)
          const dict = pyJsonFlatStringObject(text)
          if (members === EXTRA_NOT_FLAT) expect(dict === undefined || dict.size === 0).toBe(true)
          else if (members !== EXTRA_UNSURE) {
            expect(dict?.size).toBe(members)
            expect(serializeConnectionUri({ ...EMPTY, extra: text }, 'airflow3')).toBe(
              '///?' + urlencode([...dict!.entries()] as [string, string][])
            )
          }
        }),
        fuzzParams(4000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'serializes every generated connection as the general path does, and parses it back alike',
    () => {
      let decided = 0
      let total = 0
      let written = 0
      let serialized = 0
      fc.assert(
        fc.property(fields, fc.constantFrom(...DIALECTS), (c, dialect) => {
          serialized++
          if (serializeUriFast(c, dialect) !== undefined) written++
          if (c.extra) {
            total++
            if (flatExtraMembers(c.extra) !== EXTRA_UNSURE) decided++
          }
          const got = outcome(() => serializeConnectionUri(c, dialect))
          expect(got).toEqual(outcome(() => serializeConnectionUriGeneral(c, dialect)))
          if (got.value !== undefined)
            expect(outcome(() => parseConnectionUri(got.value!, dialect))).toEqual(
              outcome(() => parseConnectionUriGeneral(got.value!, dialect))
            )
        }),
        fuzzParams(4000)
      )
      expect(decided / total).toBeGreaterThan(0.5)
      // the rest are the nasty cases the generator leans on (non-ASCII types, escaped extras)
      expect(written / serialized).toBeGreaterThan(0.3)
    },
    FUZZ_TIMEOUT
  )

  /**
   * One character of every class the quoting loop tells apart: each ASCII code (unreserved,
   * space, everything else), the ends of the two- and three-byte UTF-8 ranges, the BOM,
   * characters beyond U+FFFF, and lone or misordered surrogates (Python's encode raises).
   */
  const QUOTE_CLASSES: readonly string[] = [
    ...Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c)),
    ...[0x80, 0xa0, 0xe9, 0xff, 0x100, 0x3b1, 0x7ff, 0x800, 0x65e5, 0xd7ff, 0xe000, 0xfeff]
      .concat([0xfffd, 0xffff])
      .map((c) => String.fromCharCode(c)),
    ...[0x10000, 0x1f600, 0x10ffff].map((c) => String.fromCodePoint(c)),
    '\ud800',
    '\udbff',
    '\udc00',
    '\udfff',
    '\udc00\ud800'
  ]

  /** A connection with `text` in one field: the login, password, host, schema, or an extra. */
  function withText(field: number, text: string): ConnectionFields {
    const c: ConnectionFields = { ...EMPTY, conn_type: 'postgres', host: 'h' }
    if (field === 0) c.login = text
    else if (field === 1) c.password = text
    else if (field === 2) c.host = text
    else if (field === 3) c.schema = text
    // a flat extra's key and value (`quote_plus`), and a nested one written as `__extra__`
    else if (field === 4) c.extra = JSON.stringify({ [text]: 'v', k: text })
    else c.extra = JSON.stringify({ k: [text] })
    return c
  }

  it(
    'quotes every character class in every field as the general path does',
    () => {
      let fast = 0
      let total = 0
      const check = (c: ConnectionFields): void => {
        for (const dialect of DIALECTS) {
          total++
          if (outcome(() => serializeUriFast(c, dialect)).value !== undefined) fast++
          expect(outcome(() => serializeConnectionUri(c, dialect))).toEqual(
            outcome(() => serializeConnectionUriGeneral(c, dialect))
          )
        }
      }
      // each class alone, between others, and repeated (the buffer's end: at most nine bytes a
      // code unit, and each store writes four)
      for (const ch of QUOTE_CLASSES)
        for (let field = 0; field < 6; field++)
          for (const text of [ch, `a${ch}~`, `${ch} %${ch}`, ch.repeat(130)])
            check(withText(field, text))
      // a field that fills a fresh buffer exactly (nine bytes a code unit, after a text larger
      // than the buffer kept, which leaves a small one for the next)
      for (const ch of ['\u65e5', '\uffff', '\u00e9', '\ud83d\ude00', '%'])
        for (let field = 0; field < 6; field++) {
          check(withText(1, 'x'.repeat(70_000)))
          check(withText(field, ch.repeat(300)))
        }
      // mixed: any classes in any order, in every field at once
      const mixed = fc
        .array(fc.constantFrom(...QUOTE_CLASSES), { maxLength: 12 })
        .map((xs) => xs.join(''))
      fc.assert(
        fc.property(
          fc.tuple(mixed, mixed, mixed, mixed, mixed),
          fc.integer({ min: 4, max: 5 }),
          ([login, password, host, schema, extra], extraField) => {
            check({
              ...withText(extraField, extra),
              login,
              password,
              host,
              schema,
              port: 5432
            })
          }
        ),
        fuzzParams(3000)
      )
      // the comparison means something only where the fast serializer writes the URI
      expect(fast / total).toBeGreaterThan(0.6)
    },
    FUZZ_TIMEOUT
  )

  it('writes texts larger than the buffer it keeps, and the next URI after them', () => {
    const c: ConnectionFields = {
      ...EMPTY,
      conn_type: 'postgres',
      host: 'h',
      password: 'é'.repeat(20_000),
      extra: JSON.stringify({ k: 'v '.repeat(30_000) })
    }
    for (const dialect of DIALECTS) {
      expect(serializeConnectionUri(c, dialect)).toBe(serializeConnectionUriGeneral(c, dialect))
      const small = { ...EMPTY, conn_type: 'mysql', host: 'x', login: 'u' }
      expect(serializeConnectionUri(small, dialect)).toBe('mysql://u@x')
    }
  })

  it('does not change the fields it is given', () => {
    const c: ConnectionFields = {
      conn_type: 'postgres',
      description: null,
      host: 'h',
      login: 'u',
      password: '',
      schema: null,
      port: null,
      extra: '{"a": "b"}'
    }
    const copy = { ...c }
    expect(serializeConnectionUri(c, 'airflow3')).toBe('postgres://u@h/?a=b')
    expect(c).toEqual(copy)
  })
})

describe('uriSurelyReads: whether a connection value reads, from its bytes', () => {
  /** Its answer for `text` inside other bytes (the range, not the whole buffer, is read). */
  const surely = (text: string): boolean => {
    const bytes = Buffer.from(`x=${text}\n`)
    return uriSurelyReads(bytes, 2, bytes.length - 1)
  }

  it(
    'says yes only for values that read in every dialect, through the fast path',
    () => {
      let yes = 0
      let total = 0
      // plain URIs (ports out of range among them), then the generated ones, then others
      const plain = fc.stringMatching(
        /^[a-z][a-z0-9+.-]{0,5}:\/\/([a-z0-9_.~-]{0,6}(:[a-z0-9_.~%-]{0,6})?@)?[a-zA-Z0-9.%-]{0,8}(:[0-9]{0,6})?(\/[a-z0-9%_.:@-]{0,6})?(\?[a-z_%+]{0,9}=[a-z0-9%+:/]{0,5}(&[a-z_]{0,9}(=[a-z0-9{}]{0,5})?)?)?(#[a-z?&=]{0,4})?$/
      )
      const value = fc.oneof(
        { weight: 4, arbitrary: plain },
        { weight: 4, arbitrary: uri },
        { weight: 1, arbitrary: nastyText({ maxLength: 12 }) },
        { weight: 1, arbitrary: uri.map((u) => ` ${u}`) }
      )
      fc.assert(
        fc.property(value, (text) => {
          total++
          if (!surely(text)) return
          yes++
          expectReadsInEveryDialect(text)
        }),
        fuzzParams(4000)
      )
      // the check means something only if it says yes for a good share of the values
      expect(yes / total).toBeGreaterThan(0.1)
    },
    FUZZ_TIMEOUT
  )

  it(
    'says yes for an extra verbatim only where it is a JSON object in every dialect',
    () => {
      // JSON texts (objects mostly), broken ones, and their bytes encoded every which way
      const json = fc.oneof(
        { weight: 4, arbitrary: fc.json({ maxDepth: 3 }) },
        {
          weight: 3,
          arbitrary: fc
            .tuple(
              fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), {
                maxKeys: 4
              }),
              fc.constantFrom(0, 1, '\t')
            )
            .map(([o, indent]) => JSON.stringify(o, null, indent))
        },
        { weight: 1, arbitrary: nastyText({ maxLength: 12 }).map((t) => `{"k": "${t}"}`) }
      )
      const mangled = fc
        .tuple(json, fc.nat(), fc.constantFrom('', '}', ',', ']', ' x', '\u0000'))
        .map(([t, at, extra]) =>
          at % 4 === 0 ? t.slice(0, at % (t.length + 1)) + extra : at % 4 === 1 ? t + extra : t
        )
      const encoded = fc
        .tuple(mangled, fc.constantFrom('uri', 'plus', 'raw', 'lower', 'bad'))
        .map(([text, how]) => {
          const t = text.replace(/[\uD800-\uDFFF]/g, '')
          const e = encodeURIComponent(t)
          if (how === 'plus') return e.replaceAll('%20', '+')
          if (how === 'raw')
            return t.replace(/[^\x21-\x7e]|[#&%+[\]]/gu, (ch) => encodeURIComponent(ch))
          if (how === 'lower') return e.replace(/%[0-9A-F]{2}/g, (x) => x.toLowerCase())
          if (how === 'bad') return e.replace('%22', '%2').replace('%7D', '%FF')
          return e
        })
      let yes = 0
      let total = 0
      fc.assert(
        fc.property(encoded, fc.boolean(), (value, twice) => {
          const text = `postgres://u:p@h:5432/db?a=1&__extra__=${value}${twice ? '&__extra__=%7B%7D' : ''}`
          total++
          if (!surely(text)) return
          yes++
          expectReadsInEveryDialect(text)
        }),
        fuzzParams(4000)
      )
      expect(yes / total).toBeGreaterThan(0.2)
    },
    FUZZ_TIMEOUT
  )

  it('says no where a value does not read, or where it cannot tell without reading', () => {
    const cases: [string, boolean][] = [
      ['postgres://user:p%40ss@db.example.com:5432/analytics?sslmode=require', true],
      ['mysql://h', true],
      ['mysql://h:65535', true],
      ['mysql://h:', true],
      // these do not read
      ['mysql://h:65536', false],
      ['mysql://h:x', false],
      ['mysql://h/?__extra__=not-json', false],
      ['mysql://h/?__extra__=%5B1%5D', false],
      ['mysql://h/?__extra__=%7B%7D&__extra__=%5B%5D', false],
      ['mysql://h/?__extra__=%7B%22a%22%3A1%7D%7D', false],
      ['mysql://h/?__extra__=%7B%22a%22%3A01%7D', false],
      ['mysql://h/?__extra__=%7B%22a%0A%22%3A1%7D', false],
      ['{"conn_type": ', false],
      ['  ', false],
      // an extra verbatim that is a JSON object (however encoded) reads in every dialect
      ['postgres://h/?__extra__=%7B%7D', true],
      ['postgres://h/?__extra__=%7b+%22a%22+:+%5B1,-2.5e%2B3,true,null,%7B%7D%5D%7d&x=1', true],
      ['postgres://h/?__extra__=%7B%22%C3%A9%5Cu00e9%22%3A%22%FF%22%7D', true],
      ['postgres://h/?__extra__=%7B%7D&__extra__=%7B%22a%22:%22b%22%7D', true],
      // an `&` before the query or in the fragment separates nothing; one in it does
      ['postgres://u&v:p@h/a&b?__extra__=%7B%7D', true],
      ['postgres://h/?__extra__=%7B%7D#a&__extra__=x', true],
      ['postgres://h/?a=1&__extra__=not+json', false],
      ['postgres://h/?__extra__=%7B%7D&__extra__=x', false],
      ['postgres://h/?__extra__=%7B%7D&', true],
      // these may read, but only reading tells
      ['postgres://h/?__extra__=', false],
      ['postgres://h/?__extra__', false],
      [`postgres://h/?__extra__=${'%7B%22a%22:'.repeat(70)}1${'%7D'.repeat(70)}`, false],
      ['postgres://h/?%5F%5Fextra%5F%5F=x', false],
      ['postgres://h/?a+b=x', false],
      ['postgres://h%2Fx/db', false],
      ['k8s://https://h', false],
      ['mysql://[::1]/db', false],
      ['mysql://h/s\u00e9', false],
      ['mysql://h/a b', false],
      ['', false],
      ['MySQL://h', false]
    ]
    for (const [text, expected] of cases) {
      expect([text, surely(text)]).toEqual([text, expected])
      const read = DIALECTS.every(
        (d) => outcome(() => parseConnectionValue(text, d)).error === undefined
      )
      if (expected) expect(read).toBe(true)
    }
  })
})
