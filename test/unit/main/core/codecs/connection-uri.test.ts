// Cases transcribed from the reference (§3, §4, §13) and Airflow's own test tables.
import fc from 'fast-check'
import { runPython } from '../../../../support/python'
import { constructConnection } from '../../../../../src-main/core/connection'
import { describe, expect, it } from 'vitest'
import {
  parseConnectionUri,
  serializeConnectionUri
} from '../../../../../src-main/core/codecs/connection-uri'
import {
  emptyConnectionFields,
  DIALECTS,
  type ConnectionFields,
  type Dialect
} from '../../../../../src-main/core/model'

const conn = (f: Partial<ConnectionFields>): ConnectionFields => ({
  ...emptyConnectionFields(),
  ...f
})
const parse = (uri: string, d: Dialect = 'airflow3') => parseConnectionUri(uri, d).value

describe('connection URI: get_uri()', () => {
  it('percent-encodes userinfo with quote(safe="")', () => {
    const c = conn({
      conn_type: 'postgres',
      login: 'user',
      password: 'p@ss/w:rd',
      host: 'db.example.com',
      port: 5432,
      schema: 'dw'
    })
    for (const d of DIALECTS)
      expect(serializeConnectionUri(c, d)).toBe(
        'postgres://user:p%40ss%2Fw%3Ard@db.example.com:5432/dw'
      )
  })

  it('keeps a protocol in the host and flattens string extras', () => {
    const c = conn({
      conn_type: 'spark',
      host: 'k8s://100.68.0.1',
      port: 443,
      extra: '{"deploy-mode":"cluster"}'
    })
    for (const d of DIALECTS)
      expect(serializeConnectionUri(c, d)).toBe('spark://k8s://100.68.0.1:443/?deploy-mode=cluster')
  })

  it('falls back to __extra__ for non-string extras, carrying the stored text verbatim', () => {
    const c = conn({
      conn_type: 'type',
      host: 'host',
      extra: '{"bool_param": true, "int_param": 123}'
    })
    expect(serializeConnectionUri(c, 'airflow3')).toBe(
      'type://host/?__extra__=%7B%22bool_param%22%3A+true%2C+%22int_param%22%3A+123%7D'
    )
    const compact = conn({ conn_type: 'type', host: 'host', extra: '{"a":1}' })
    expect(serializeConnectionUri(compact, 'airflow2')).toBe(
      'type://host/?__extra__=%7B%22a%22%3A1%7D'
    )
  })

  it('uses __extra__ for an empty object, a list, and non-JSON text', () => {
    expect(serializeConnectionUri(conn({ conn_type: 't', extra: '{}' }), 'airflow2')).toBe(
      't:///?__extra__=%7B%7D'
    )
    expect(serializeConnectionUri(conn({ conn_type: 't', extra: '[1]' }), 'task-sdk')).toBe(
      't:///?__extra__=%5B1%5D'
    )
    expect(serializeConnectionUri(conn({ conn_type: 't', extra: 'not json' }), 'airflow2')).toBe(
      't:///?__extra__=not+json'
    )
  })

  it('treats a host whose protocol equals conn_type per dialect (#51953)', () => {
    const c = conn({ conn_type: 'http', host: 'http://host' })
    expect(serializeConnectionUri(c, 'airflow3')).toBe('http://http%3A%2F%2Fhost')
    expect(serializeConnectionUri(c, 'task-sdk')).toBe('http://http%3A%2F%2Fhost')
    expect(serializeConnectionUri(c, 'airflow2')).toBe('http://http://host')
    // and the airflow2 form does not parse back (pitfall 5)
    const back = parse('http://http://host', 'airflow2')
    expect(back.host).toBe('')
    expect(back.schema).toBe('ost')
  })

  it('writes scheme-relative URIs without conn_type and @:PORT without authority and host', () => {
    expect(serializeConnectionUri(conn({ host: 'abc' }), 'airflow3')).toBe('//abc')
    expect(serializeConnectionUri(conn({ conn_type: 'redis', port: 6379 }), 'airflow3')).toBe(
      'redis://@:6379'
    )
  })

  it('omits port 0 in core and emits it in the Task SDK', () => {
    const c = conn({ conn_type: 'redis', host: 'h', port: 0 })
    expect(serializeConnectionUri(c, 'airflow2')).toBe('redis://h')
    expect(serializeConnectionUri(c, 'airflow3')).toBe('redis://h')
    expect(serializeConnectionUri(c, 'task-sdk')).toBe('redis://h:0')
  })

  it('drops an empty password in core and keeps it in the Task SDK', () => {
    const c = conn({ conn_type: 'x', login: '', password: '', host: 'h' })
    // an empty login alone writes no '@' (authority_block stays '')
    expect(serializeConnectionUri(c, 'airflow3')).toBe('x://h')
    expect(serializeConnectionUri(c, 'task-sdk')).toBe('x://:@h')
    expect(
      serializeConnectionUri(conn({ conn_type: 'x', login: 'u', host: 'h' }), 'airflow3')
    ).toBe('x://u@h')
    expect(
      serializeConnectionUri(
        conn({ conn_type: 'x', login: '', password: 'p', host: 'h' }),
        'airflow3'
      )
    ).toBe('x://:p@h')
  })

  it("lower-cases the scheme, maps '_' to '-', and encodes ! ' ( ) * like Python", () => {
    const c = conn({ conn_type: 'Google_Cloud_Platform', host: "h!'()*~", schema: 'a/b c' })
    expect(serializeConnectionUri(c, 'airflow3')).toBe(
      'google-cloud-platform://h%21%27%28%29%2A~/a%2Fb%20c'
    )
  })

  it('encodes IPv6 hosts so they parse back', () => {
    for (const host of ['::1', '[::1]']) {
      const uri = serializeConnectionUri(conn({ conn_type: 'x', host }), 'airflow3')
      expect(parse(uri).host).toBe(host)
    }
  })

  it("writes '?' after a schema and '/?' without one", () => {
    expect(
      serializeConnectionUri(
        conn({ conn_type: 'x', host: 'h', schema: 'db', extra: '{"a": "b c+"}' }),
        'airflow3'
      )
    ).toBe('x://h/db?a=b+c%2B')
  })
})

describe('connection URI: parse', () => {
  it('drops the first code point of the path as Python does (path[1:]), never half of one', () => {
    // found by fuzzing: JavaScript's slice(1) split a surrogate pair into a lone surrogate
    for (const d of DIALECTS) {
      expect(parse('\u{10000}', d).schema).toBe('')
      expect(parse('\u{1F600}ab', d).schema).toBe('ab')
      expect(parse('x:///\u{1F600}db', d).schema).toBe('\u{1F600}db')
    }
  })

  it('splits userinfo at the last @ and the first :', () => {
    const c = parse('x://us@er:pa:ss@host:1/db')
    expect([c.login, c.password, c.host, c.port, c.schema]).toEqual([
      'us@er',
      'pa:ss',
      'host',
      1,
      'db'
    ])
  })

  it('reads login and password edge forms as Python does', () => {
    expect(parse('x://user@h').password).toBeNull()
    expect(parse('x://:pw@h').login).toBe('')
    expect(parse('x://user:@h', 'airflow3').password).toBeNull()
    expect(parse('x://user:@h', 'task-sdk').password).toBe('')
    expect(parse('x://h').login).toBeNull()
    expect(parse('x://a+b:c+d@h').password).toBe('c+d')
  })

  it('lower-cases hosts unless the decoded host holds a /', () => {
    expect(parse('x://Host.Example.COM').host).toBe('host.example.com')
    expect(parse('x://%2FTmp%2FSocket').host).toBe('/Tmp/Socket')
    expect(parse('spark://k8s%3a%2F%2F10.0.0.1').host).toBe('k8s://10.0.0.1')
  })

  it('normalises conn_type: postgresql → postgres, - → _', () => {
    expect(parse('postgresql://h').conn_type).toBe('postgres')
    expect(parse('google-cloud-platform://').conn_type).toBe('google_cloud_platform')
    expect(parse('//h').conn_type).toBe('')
    expect(parse('MY-CONN://host').conn_type).toBe('my_conn')
  })

  it('keeps empty host and schema as empty strings', () => {
    const c = parse('aws://')
    expect([c.host, c.schema, c.port, c.extra]).toEqual(['', '', null, null])
  })

  it('decodes query values as JSON only in airflow3 (#59339)', () => {
    const uri = 'x://h/?a=1&b=1e3&c=true&d=null&e=%22x%22&f=NaN&g=-0&h=TRUE&i=01&j=%5B1%2C2&k=plain'
    expect(parse(uri, 'airflow3').extra).toBe(
      '{"a": 1, "b": 1000.0, "c": true, "d": null, "e": "x", "f": NaN, "g": 0, "h": "TRUE", "i": "01", "j": "[1,2", "k": "plain"}'
    )
    for (const d of ['airflow2', 'task-sdk'] as const)
      expect(parse(uri, d).extra).toBe(
        '{"a": "1", "b": "1e3", "c": "true", "d": "null", "e": "\\"x\\"", "f": "NaN", "g": "-0", "h": "TRUE", "i": "01", "j": "[1,2", "k": "plain"}'
      )
  })

  it('takes __extra__ verbatim and ignores other keys; later duplicates win', () => {
    expect(parse('x://h/?__extra__=%7B%22a%22%3A+1%7D&b=2').extra).toBe('{"a": 1}')
    expect(parse('x://h/?a=1&a=2&b', 'airflow2').extra).toBe('{"a": "2", "b": ""}')
    expect(parse('x://h/?a=1#frag', 'airflow2').extra).toBe('{"a": "1"}')
  })

  it('rejects a non-object extra in airflow3, warns in airflow2, accepts in the Task SDK', () => {
    expect(() => parse('x://h/?__extra__=%5B1%5D', 'airflow3')).toThrow(/not an object/)
    expect(() => parse('x://h/?__extra__=nope', 'airflow3')).toThrow(/not JSON/)
    expect(parseConnectionUri('x://h/?__extra__=%5B1%5D', 'airflow2').warnings).toHaveLength(1)
    expect(parse('x://h/?__extra__=nope', 'task-sdk').extra).toBe('nope')
  })

  it('reads a protocol in the host and rejects credentials before it', () => {
    expect(parse('spark://k8s://user:pw@100.68.0.1:443').host).toBe('k8s://100.68.0.1')
    expect(() => parse('type://user:pass@protocol://host')).toThrow(/credentials go after/)
    expect(() => parse('a://b://c://d')).toThrow(/more than twice/)
  })

  it('reports bad ports without echoing any part of the URI', () => {
    for (const uri of ['s3://key:sec/ret@bucket', 'x://h:99999', 'x://h:-1']) {
      let message = ''
      try {
        parse(uri)
      } catch (error) {
        message = (error as Error).message
      }
      expect(message).toMatch(/port/)
      expect(message).not.toMatch(/sec|ret|99999|key/)
    }
  })

  it('reads the Airflow docs example', () => {
    const c = parse(
      'my-conn-type://login:password@host:5432/schema?param1=val1&param2=val2',
      'airflow2'
    )
    expect(c).toEqual({
      conn_type: 'my_conn_type',
      description: null,
      host: 'host',
      login: 'login',
      password: 'password',
      schema: 'schema',
      port: 5432,
      extra: '{"param1": "val1", "param2": "val2"}'
    })
  })
})

describe('connection URI: round trips', () => {
  const text = fc.string({
    unit: fc.constantFrom(
      'a',
      'Z',
      '9',
      ' ',
      '@',
      ':',
      '/',
      '?',
      '#',
      '%',
      '+',
      '&',
      '=',
      'é',
      '日',
      '😀',
      '!',
      '*',
      "'"
    ),
    maxLength: 12
  })
  const fields = fc.record({
    conn_type: fc.constantFrom('postgres', 'http', 'aws', 'google_cloud_platform', 'my_type'),
    host: fc.option(
      text.map((s) => s.toLowerCase()).filter((s) => !s.includes('://')),
      { nil: null }
    ),
    login: fc.option(text, { nil: null }),
    password: fc.option(
      text.filter((s) => s !== ''),
      { nil: null }
    ),
    schema: fc.option(text, { nil: null }),
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
    extraObj: fc.option(fc.dictionary(text, text, { minKeys: 1, maxKeys: 3 }), { nil: null })
  })

  it('parse(get_uri(c)) gives back every string field (core dialects, all-string extras)', () => {
    fc.assert(
      fc.property(fields, (f) => {
        const c = conn({ ...f, extra: f.extraObj ? JSON.stringify(f.extraObj) : null })
        for (const d of ['airflow2', 'task-sdk'] as const) {
          const back = parse(serializeConnectionUri(c, d), d)
          expect(back.conn_type).toBe(c.conn_type)
          // a URI cannot tell an empty login from none: '' and null collapse (Python's userinfo)
          expect(back.login ?? '').toBe(c.login ?? '')
          expect(back.password).toBe(c.password)
          expect(back.port).toBe(c.port)
          expect(back.schema || null).toBe(c.schema || null)
          expect(back.host || null).toBe(c.host || null)
          if (f.extraObj) expect(JSON.parse(back.extra!)).toEqual(f.extraObj)
        }
      }),
      { seed: 21, numRuns: 400 }
    )
  })
})

describe('get_uri() edge cases as Airflow writes them (issue 21)', () => {
  const fields = (f: Partial<ConnectionFields>): ConnectionFields => ({
    ...emptyConnectionFields(),
    conn_type: 'x',
    host: 'h',
    ...f
  })
  // Python's own urllib is the oracle for the encoded pieces.
  const py = runPython<{ empty: string; colon: string }>(
    'import json, sys; from urllib.parse import urlencode, quote\n' +
      'print(json.dumps({"empty": urlencode({"__extra__": "{}"}), "colon": ":" + quote("", safe="") + "@"}))',
    null
  )

  it('21: an empty-object extra, login "" with password "", __extra__ that is not JSON, and URIs Airflow 2 writes but cannot read back', () => {
    // '{}' is truthy text whose urlencode is '': the __extra__ form
    for (const d of DIALECTS)
      expect(serializeConnectionUri(fields({ extra: '{}' }), d), d).toBe(`x://h/?${py.empty}`)
    // login "" and password "": ":@" where the password stays "" (Task SDK); core's
    // password setter drops a falsy password, so only the empty login is left (nothing)
    expect(serializeConnectionUri(fields({ login: '', password: '' }), 'task-sdk')).toBe(
      `x://${py.colon}h`
    )
    expect(serializeConnectionUri(fields({ login: '', password: '' }), 'airflow3')).toBe('x://h')
    // __extra__ that is not JSON: core 3 refuses it (_validate_extra), Airflow 2 warns, the SDK keeps it
    expect(() => parseConnectionUri('x://h/?__extra__=abc', 'airflow3')).toThrow(/not JSON/)
    expect(parseConnectionUri('x://h/?__extra__=abc', 'airflow2').warnings).toHaveLength(1)
    expect(parseConnectionUri('x://h/?__extra__=abc', 'task-sdk').value.extra).toBe('abc')
    // Airflow 2 writes these, and its own parser refuses them (recorded in the oracle fixtures)
    const written = serializeConnectionUri(
      fields({ conn_type: 'http', host: 'http://h', login: 'u', password: 'p' }),
      'airflow2'
    )
    expect(written).toBe('http://http://u:p@h')
    expect(() => parseConnectionUri(written, 'airflow2')).toThrow(/credentials go after it/)
    const negative = serializeConnectionUri(fields({ port: -1 }), 'airflow2')
    expect(negative).toBe('x://h:-1')
    expect(() => parseConnectionUri(negative, 'airflow2')).toThrow(
      /port has a sign.*Port could not be cast to integer value/
    )
    expect(() => parseConnectionUri('x://h:65536', 'airflow2')).toThrow(/Port out of range/)
  })

  it('21: the Task SDK never writes a port outside 0-65535: its Connection refuses it at construction', () => {
    expect(() => constructConnection(fields({ port: 65536 }), 'task-sdk')).toThrow(
      /Expected value for `port` in the range 0-65535, but got 65536 instead/
    )
    expect(() => constructConnection(fields({ port: -1 }), 'task-sdk')).toThrow(/range 0-65535/)
    // core's column takes it, and get_uri writes it
    expect(
      serializeConnectionUri(
        constructConnection(fields({ port: 65536 }), 'airflow3').value,
        'airflow3'
      )
    ).toBe('x://h:65536')
  })
})
