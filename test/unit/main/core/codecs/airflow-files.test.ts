import { describe, expect, it } from 'vitest'
import {
  cliKeyProblem,
  decodeConnectionsFile,
  decodeVariablesFile,
  encodeConnectionsFile,
  encodeVariablesFile,
  fileFormatFromPath,
  pySplitLines
} from '../../../../../src-main/core/codecs/airflow-files'
import { connectionEntry, variableEntry } from '../../../../../src-main/core/model'
import { runPython } from '../../../../support/python'

const conn = connectionEntry
const variable = variableEntry

const CONNS = [
  conn('my_pg', {
    conn_type: 'postgres',
    host: 'db',
    login: 'u',
    password: 'p@ss/w',
    port: 5432,
    schema: 'dw',
    extra: '{"sslmode": "require"}'
  }),
  conn('aws_default', {
    conn_type: 'aws',
    description: 'Déjà vu',
    extra: '{"region_name": "eu-west-1", "n": 1}'
  }),
  conn('http.api', { conn_type: 'http', host: 'https://api.example.com' }),
  conn('empty', {})
]

// What Airflow's _format_connections writes, computed by Python from the same rows.
const PY_EXPORT = `import json,sys,yaml
rows=json.load(sys.stdin)
d={}
for r in sorted(rows, key=lambda r: r["id"]):
    f=r["f"]
    d[r["id"]]={"conn_type":f["conn_type"],"description":f["description"],"login":f["login"],"password":f["password"],"host":f["host"],"port":f["port"],"schema":f["schema"],"extra":f["extra"]}
env="".join(f'{k}={json.dumps(v)}\\n' for k,v in d.items())
print(json.dumps({"json": json.dumps(d, indent=2), "yaml": yaml.dump(d, Dumper=yaml.CSafeDumper), "envjson": env}))`

describe('airflow CLI files: connections export', () => {
  it('writes json, yaml and env(json) exactly as airflow connections export', () => {
    const py = runPython<{ json: string; yaml: string; envjson: string }>(
      PY_EXPORT,
      CONNS.map((c) => ({ id: c.id, f: c.fields }))
    )
    expect(encodeConnectionsFile(CONNS, { format: 'json', dialect: 'airflow3' })).toBe(py.json)
    expect(encodeConnectionsFile(CONNS, { format: 'yaml', dialect: 'airflow3' })).toBe(py.yaml)
    expect(
      encodeConnectionsFile(CONNS, { format: 'env', serialization: 'json', dialect: 'airflow3' })
    ).toBe(py.envjson)
  })

  it('writes env(uri) with the dialect get_uri(), one line per id in id order', () => {
    expect(
      encodeConnectionsFile(CONNS, { format: 'env', dialect: 'airflow3' }).split('\n')
    ).toEqual([
      'aws_default=aws:///?region_name=eu-west-1&n=1'.replace(
        '?region_name=eu-west-1&n=1',
        '?__extra__=%7B%22region_name%22%3A+%22eu-west-1%22%2C+%22n%22%3A+1%7D'
      ),
      'empty=//',
      'http.api=http://https://api.example.com',
      'my_pg=postgres://u:p%40ss%2Fw@db:5432/dw?sslmode=require',
      ''
    ])
  })

  it('refuses --serialization-format outside .env', () => {
    expect(() =>
      encodeConnectionsFile(CONNS, { format: 'json', serialization: 'uri', dialect: 'airflow3' })
    ).toThrow(/\.env/)
  })

  it('round-trips every format through import', () => {
    for (const format of ['json', 'yaml', 'env'] as const) {
      const text = encodeConnectionsFile(CONNS, { format, dialect: 'airflow3' })
      const back = decodeConnectionsFile(text, format, 'airflow3')
      expect(back.problems, format).toEqual([])
      const byId = new Map(back.value.map((c) => [c.id, c.fields]))
      expect(byId.get('my_pg')).toMatchObject({
        conn_type: 'postgres',
        password: 'p@ss/w',
        port: 5432,
        extra: '{"sslmode": "require"}'
      })
      expect(byId.get('http.api')?.host).toBe('https://api.example.com')
      if (format !== 'env') expect(byId.get('aws_default')?.description).toBe('Déjà vu')
    }
  })
})

describe('airflow CLI files: connections import', () => {
  it('reads .env as LocalFilesystemBackend does and reports every bad line', () => {
    const text = [
      '# comment',
      '   # indented comment',
      '',
      'ok=postgres://h',
      'no_equals_here',
      '=x',
      'empty_value=',
      'dup=a://b',
      'dup=c://d',
      'bad id=x://h',
      'jsonish={"conn_type": "x"}',
      'quoted="postgres://h"'
    ].join('\r\n')
    const r = decodeConnectionsFile(text, 'env', 'airflow3')
    expect(r.value.map((c) => c.id)).toEqual(['ok', 'jsonish', 'quoted'])
    expect(r.problems).toEqual([
      {
        line: 5,
        message: 'Invalid line format. The line should contain at least one equal sign ("=").'
      },
      { line: 6, message: 'Invalid line format. Key is empty.' },
      {
        line: 7,
        key: 'empty_value',
        message: 'Invalid line format. Value is empty.',
        syntax: true
      },
      {
        line: 8,
        key: 'dup',
        message: expect.stringMatching(
          /^Found 2 values for this id; Airflow refuses the whole file/
        )
      },
      { line: 10, key: 'bad id', message: expect.stringMatching(/letters, digits/) }
    ])
    expect(r.warnings.map((w) => w.key)).toContain('jsonish')
    // no quote removal: the quotes become part of the URI (and so of conn_type)
    expect(r.value.find((c) => c.id === 'quoted')?.fields.conn_type).toBe('')
  })

  it('reads JSON/YAML objects: URI strings or field objects, extra or extra_dejson', () => {
    const json = JSON.stringify({
      a: 'mysql://u:p@h:3306/db',
      b: { conn_type: 'aws', extra_dejson: { region_name: 'x' } },
      c: { conn_type: 'http', extra: { k: 'v' }, port: 8080 },
      d: { conn_type: 'x', extra: '{}', extra_dejson: {} },
      e: { conn_type: 'x', bogus: 1 },
      f: { conn_id: 'other', conn_type: 'x' },
      g: 42,
      h: { conn_type: 'x', password: 12345 }
    })
    const r = decodeConnectionsFile(json, 'json', 'airflow3')
    expect(r.value.map((c) => [c.id, c.fields.conn_type, c.fields.extra])).toEqual([
      ['a', 'mysql', null],
      ['b', 'aws', '{"region_name": "x"}'],
      ['c', 'http', '{"k": "v"}']
    ])
    expect(r.problems.map((p) => p.key)).toEqual(['d', 'e', 'f', 'g', 'h'])
    for (const p of r.problems) expect(p.message).not.toContain('12345')
  })

  it('reports YAML errors at PyYAML problem_mark.line, which counts from 0 (local_filesystem.py _parse_yaml_file)', () => {
    // Lines PyYAML 6 gives as problem_mark.line for these documents.
    for (const [text, line] of [
      ['a: 1\n  b: 2\n', 1],
      ["x: 1\ny: 'abc\n", 2],
      ['- a\nb: 1\n', 1],
      ['k: v\n\tx: 1\n', 1]
    ] as const)
      expect(decodeConnectionsFile(text, 'yaml', 'airflow3').problems[0]!.line).toBe(line)
  })

  it('reports syntax errors with their line, and empty or non-object files', () => {
    expect(decodeConnectionsFile('{\n  "a": 1,\n}', 'json', 'airflow3').problems).toEqual([
      { line: 3, message: 'Expecting property name enclosed in double quotes' }
    ])
    expect(decodeConnectionsFile('', 'json', 'airflow3').problems[0]!.message).toBe(
      'The file is empty.'
    )
    expect(decodeConnectionsFile('[1]', 'json', 'airflow3').problems[0]!.message).toBe(
      'The file should contain the object.'
    )
    expect(
      decodeConnectionsFile('a: [1,\n  b: 2\n', 'yaml', 'airflow3').problems[0]!.line
    ).toBeGreaterThan(0)
  })

  it('knows formats by extension and the CLI id rule', () => {
    expect(
      ['x.env', 'x.JSON', 'a/b.yml', 'c.yaml', 'd.txt', '.env', 'noext'].map(fileFormatFromPath)
    ).toEqual(['env', 'json', 'yaml', 'yaml', undefined, undefined, undefined])
    expect(cliKeyProblem('ok.id-1_é')).toBeUndefined()
    expect(cliKeyProblem('a/b')).toBeDefined()
    // airflow/utils/helpers.py validate_key: KEY_REGEX.match, whose `$` accepts one final newline
    expect(cliKeyProblem('abc\n')).toBeUndefined()
    expect(cliKeyProblem('abc\n\n')).toBeDefined()
    expect(cliKeyProblem('x'.repeat(201))).toBeDefined()
  })

  it('splits lines like Python str.splitlines', () => {
    expect(pySplitLines('a\nb\r\nc\rd\x0be\x1cf\u2028g\n')).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
      'g'
    ])
  })
})

describe('airflow CLI files: variables', () => {
  const VARS = [
    variable('plain', 'hello'),
    variable('number', '42'),
    variable('obj', '{"a": [1, 2], "b": null}'),
    variable('jsonstring', '"quoted"'),
    variable('described', 'x', 'what it is'),
    variable('valuekey', '{"value": 1}'),
    variable('unicode', 'é日本')
  ]

  it('exports as airflow variables export does (Airflow 3 and 2 rules)', () => {
    const py = runPython<{ a3: string; a2: string }>(
      `import json,sys
rows=json.load(sys.stdin)
d3={}; d2={}
dec=json.JSONDecoder()
for r in rows:
    try:
        v=dec.decode(r["value"])
    except Exception:
        v=r["value"]
    d2[r["key"]]=v
    v3=r["value"] if isinstance(v,str) else v
    if r["description"] or (isinstance(v3,dict) and "value" in v3):
        d3[r["key"]]={"value": v3, "description": r["description"]}
    else:
        d3[r["key"]]=v3
print(json.dumps({"a3": json.dumps(d3, sort_keys=True, indent=4), "a2": json.dumps(d2, sort_keys=True, indent=4)}))`,
      VARS
    )
    expect(encodeVariablesFile(VARS, 'airflow3')).toBe(py.a3)
    expect(encodeVariablesFile(VARS, 'airflow2')).toBe(py.a2)
  })

  it('imports what Airflow 3 exported back to the same stored text (non-strings re-indented)', () => {
    const back = decodeVariablesFile(encodeVariablesFile(VARS, 'airflow3'), 'json')
    expect(back.problems).toEqual([])
    const byKey = new Map(back.value.map((v) => [v.key, v]))
    expect(byKey.get('plain')!.value).toBe('hello')
    expect(byKey.get('jsonstring')!.value).toBe('"quoted"')
    expect(byKey.get('described')).toMatchObject({ value: 'x', description: 'what it is' })
    expect(byKey.get('number')!.value).toBe('42')
    expect(byKey.get('obj')!.value).toBe('{\n  "a": [\n    1,\n    2\n  ],\n  "b": null\n}')
    expect(byKey.get('valuekey')!.value).toBe('{\n  "value": 1\n}')
  })

  it('reads .env variables and refuses duplicate keys', () => {
    const r = decodeVariablesFile('A=1\nB=two words\nA=3\n', 'env')
    expect(r.value).toEqual([variable('B', 'two words')])
    expect(r.problems).toEqual([
      { line: 1, key: 'A', message: 'Found 2 values for this key; Airflow refuses duplicates.' }
    ])
  })
})
