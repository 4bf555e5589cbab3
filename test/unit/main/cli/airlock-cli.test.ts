import { describe, expect, it } from 'vitest'
import { airlock } from '../../../support/cli'
import { runPython } from '../../../support/python'

const SECRET = 'S3cr3t-canary-7f1e'

describe('airlock CLI: conn parse', () => {
  it('prints the exact contract keys for a URI argument', () => {
    const r = airlock([
      'conn',
      'parse',
      `postgresql://u:${SECRET}@Db.Example.com:5432/dw?sslmode=require&timeout=5`
    ])
    expect(r.code).toBe(0)
    const obj = JSON.parse(r.lines[0]!)
    expect(Object.keys(obj)).toEqual([
      'conn_type',
      'host',
      'login',
      'password',
      'schema',
      'port',
      'extra',
      'extra_dejson'
    ])
    expect(obj).toEqual({
      conn_type: 'postgres',
      host: 'db.example.com',
      login: 'u',
      password: SECRET,
      schema: 'dw',
      port: 5432,
      extra: '{"sslmode": "require", "timeout": 5}',
      extra_dejson: { sslmode: 'require', timeout: 5 }
    })
  })

  it('reads connection JSON (first non-blank character {) and honours --dialect', () => {
    const value = '  {"conn_type": "google-cloud-platform", "extra": {"project": "p"}, "port": "0"}'
    const r = airlock(['conn', 'parse', '--dialect', 'airflow2', value])
    expect(JSON.parse(r.lines[0]!)).toMatchObject({
      conn_type: 'google_cloud_platform',
      port: 0,
      extra: '{"project": "p"}'
    })
    const q = airlock(['conn', 'parse', '--dialect', 'task-sdk', 'x://h/?a=1'])
    expect(JSON.parse(q.lines[0]!).extra_dejson).toEqual({ a: '1' })
  })

  it('reads stdin line by line, prints an error object on a bad line, keeps going, exits 1', () => {
    const input =
      [
        'x://a',
        `s3://key:${SECRET}/x@bucket`,
        'a://b://c://d',
        '',
        '{"conn_type": "t", "bogus": 1}',
        'y://b'
      ].join('\n') + '\n'
    const r = airlock(['conn', 'parse'], input)
    expect(r.code).toBe(1)
    expect(r.lines).toHaveLength(6)
    expect(JSON.parse(r.lines[0]!).host).toBe('a')
    for (const i of [1, 2, 3, 4]) expect(Object.keys(JSON.parse(r.lines[i]!))).toEqual(['error'])
    expect(JSON.parse(r.lines[1]!).error.code).toBe('codec.invalid-port')
    expect(JSON.parse(r.lines[4]!).error.code).toBe('codec.unknown-field')
    expect(JSON.parse(r.lines[5]!).host).toBe('b')
    expect(r.stdout + r.stderr).not.toContain(SECRET.slice(4))
  })

  it('warns on stderr (airflow2) where airflow3 rejects a non-object extra', () => {
    const uri = 'x://h/?__extra__=%5B1%5D'
    const a2 = airlock(['conn', 'parse', '--dialect', 'airflow2', uri])
    expect(a2.code).toBe(0)
    expect(a2.stderr).toMatch(/warning/)
    const a3 = airlock(['conn', 'parse', uri])
    expect(a3.code).toBe(1)
    expect(JSON.parse(a3.lines[0]!).error.code).toBe('codec.invalid-extra')
  })
})

describe('airlock CLI: conn uri / conn json', () => {
  it('serialises fields per dialect, extra as text or object', () => {
    const input = [
      '{"conn_type": "http", "host": "http://host"}',
      '{"conn_type": "redis", "host": "h", "port": 0, "extra": {"b": 1, "a": "x"}}',
      `{"conn_id": "ignored", "conn_type": "postgres", "login": "u", "password": "${SECRET}/?", "host": "h", "schema": "db"}`
    ].join('\n')
    expect(airlock(['conn', 'uri'], input).lines).toEqual([
      'http://http%3A%2F%2Fhost',
      'redis://h/?__extra__=%7B%22b%22%3A+1%2C+%22a%22%3A+%22x%22%7D',
      `postgres://u:${SECRET}%2F%3F@h/db`
    ])
    expect(airlock(['conn', 'uri', '--dialect', 'airflow2'], input).lines[0]).toBe(
      'http://http://host'
    )
    expect(airlock(['conn', 'uri', '--dialect', 'task-sdk'], input).lines[1]).toMatch(
      /^redis:\/\/h:0\//
    )
    expect(airlock(['conn', 'json'], input).lines).toEqual([
      '{"conn_type": "http", "host": "http://host"}',
      '{"conn_type": "redis", "host": "h", "port": 0, "extra": {"b": 1, "a": "x"}}',
      `{"conn_type": "postgres", "host": "h", "login": "u", "password": "${SECRET}/?", "schema": "db"}`
    ])
  })

  it('21: a line {"uri": …} builds the connection from the URI, as Connection(uri=…) does', () => {
    const input = [
      `{"uri": "postgresql://u:${SECRET}@h:5432/db?sslmode=require"}`,
      '{"conn_id": "x", "uri": "redis://h", "description": "d"}',
      '{"uri": "mysql://h", "host": "other"}'
    ].join('\n')
    const json = airlock(['conn', 'json'], input)
    expect(json.code).toBe(1)
    expect(json.lines.slice(0, 2)).toEqual([
      `{"conn_type": "postgres", "host": "h", "login": "u", "password": "${SECRET}", "schema": "db", "port": 5432, "extra": {"sslmode": "require"}}`,
      '{"conn_type": "redis", "description": "d", "host": "h", "schema": ""}'
    ])
    expect(JSON.parse(json.lines[2]!).error.code).toBe('codec.mixed-uri-and-fields')
    expect(airlock(['conn', 'uri'], input).lines[0]).toBe(
      `postgres://u:${SECRET}@h:5432/db?sslmode=require`
    )
    // the Task SDK refuses any other key beside uri, even a description
    expect(
      JSON.parse(airlock(['conn', 'json', '--dialect', 'task-sdk'], input).lines[1]!).error.code
    ).toBe('codec.mixed-uri-and-fields')
  })

  it('round-trips: conn json output parses back to the same fields', () => {
    const input =
      '{"conn_type": "aws", "host": "", "schema": "", "login": "AK", "password": "p+w d", "extra": {"region_name": "eu-west-1", "n": 1.5}}'
    const json = airlock(['conn', 'json'], input).lines[0]!
    const back = JSON.parse(airlock(['conn', 'parse', json]).lines[0]!)
    expect(back).toMatchObject({
      conn_type: 'aws',
      host: '',
      schema: '',
      login: 'AK',
      password: 'p+w d',
      extra_dejson: { region_name: 'eu-west-1', n: 1.5 }
    })
  })

  it('reports malformed input lines and exits 1', () => {
    const r = airlock(
      ['conn', 'uri'],
      'not json\n[1]\n{"port": "5432"}\n{"host": 5}\n{"conn_type": "ok"}\n'
    )
    expect(r.code).toBe(1)
    expect(r.lines.map((l) => (l.startsWith('{') ? JSON.parse(l).error.code : l))).toEqual([
      'codec.invalid-json',
      'codec.invalid-json',
      'codec.invalid-port',
      'codec.invalid-field',
      'ok://'
    ])
  })
})

describe('airlock CLI: fernet', () => {
  it('generate-key, encrypt, decrypt and rotate interoperate with Python cryptography', () => {
    const k1 = airlock(['fernet', 'generate-key']).lines[0]!
    const k2 = airlock(['fernet', 'generate-key']).lines[0]!
    expect(k1).toMatch(/^[A-Za-z0-9_-]{43}=$/)
    // a leading BOM is kept, as Python's .decode() keeps it
    const plain = ['hello', `${SECRET} é 日本`, '', '\ufeffbom']
    const enc = airlock(
      ['fernet', 'encrypt', '--key', k1],
      plain.map((p) => JSON.stringify(p)).join('\n') + '\n'
    )
    expect(enc.code).toBe(0)
    expect(enc.lines).toHaveLength(4)
    const py = runPython<string[]>(
      'import json,sys\nfrom cryptography.fernet import Fernet\nd=json.load(sys.stdin)\nprint(json.dumps([Fernet(d["k"].encode()).decrypt(t.encode()).decode() for t in d["t"]]))',
      { k: k1, t: enc.lines }
    )
    expect(py).toEqual(plain)
    const dec = airlock(['fernet', 'decrypt'], enc.lines.join('\n') + '\nnot-a-token\n', {
      AIRFLOW__CORE__FERNET_KEY: k1
    })
    expect(dec.code).toBe(1)
    expect(dec.lines.slice(0, 4).map((l) => JSON.parse(l).plaintext)).toEqual(plain)
    expect(JSON.parse(dec.lines[4]!).error.code).toBe('fernet.invalid-token')
    const rot = airlock(['fernet', 'rotate', '--key', `${k2},${k1}`], enc.lines.join('\n'))
    expect(rot.code).toBe(0)
    const after = airlock(['fernet', 'decrypt', '--key', k2], rot.lines.join('\n'))
    expect(after.lines.map((l) => JSON.parse(l).plaintext)).toEqual(plain)
    expect(airlock(['fernet', 'decrypt', '--key', k1], rot.lines[0]!).code).toBe(1)
    // eight whole processes and a Python: a budget for a loaded machine, not a timing check
  }, 60_000)

  it('takes a key that starts with "-" after --key (one Fernet key in 64 does)', () => {
    const dashKey =
      Buffer.concat([Buffer.from([0xf8]), Buffer.alloc(31, 7)]).toString('base64url') + '='
    expect(dashKey.startsWith('-')).toBe(true)
    const enc = airlock(['fernet', 'encrypt', '--key', dashKey], '"x"\n')
    expect(enc.code, enc.stderr).toBe(0)
    const dec = airlock(['fernet', 'decrypt', '--key', dashKey], enc.lines[0]!)
    expect(JSON.parse(dec.lines[0]!).plaintext).toBe('x')
    expect(airlock(['conn', 'parse', '--dialect', '--key']).code).toBe(2)
  })

  it('refuses a missing or malformed key with exit 2 and never prints the key', () => {
    const none = airlock(['fernet', 'encrypt'], '"x"')
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/AIRFLOW__CORE__FERNET_KEY/)
    const bad = airlock(['fernet', 'encrypt', '--key', 'my-secret-key-text'], '"x"')
    expect(bad.code).toBe(2)
    expect(bad.stderr).not.toContain('my-secret-key-text')
  })
})

describe('airlock CLI: usage', () => {
  it('exits 2 on unknown commands, flags and dialects; 0 on --help', () => {
    expect(airlock(['nope']).code).toBe(2)
    expect(airlock(['conn', 'parse', '--bogus']).code).toBe(2)
    expect(airlock(['conn', 'parse', '--dialect', 'airflow4', 'x://h']).code).toBe(2)
    expect(airlock(['conn', 'frobnicate']).code).toBe(2)
    expect(airlock(['fernet']).code).toBe(2)
    const help = airlock(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/conn parse/)
  })
})
