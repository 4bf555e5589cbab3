// PyYAML as the oracle: Debian's python3-yaml is PyYAML 6 built with libyaml, so
// CSafeDumper/CSafeLoader here are exactly what Airflow calls.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CodecError } from '../../../../../src-main/core/errors'
import {
  PyDict,
  PyFloat,
  pyFloatRepr,
  type PyValue
} from '../../../../../src-main/core/codecs/py-json'
import { pyYamlDump, pyYamlSafeLoad } from '../../../../../src-main/core/codecs/py-yaml'
import { runPython } from '../../../../support/python'

// ---- transport: JSON loses int vs float and object identity, so both are tagged --------

type Wire =
  | null
  | boolean
  | string
  | { i: string }
  | { f: string }
  | { l: number; v: Wire[] }
  | { d: number; v: [string, Wire][] }
  | { r: number }

/** Encodes a value; a container met again (shared or recursive) becomes a reference. */
function toWire(value: PyValue): Wire {
  const ids = new Map<object, number>()
  const enc = (v: PyValue): Wire => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v
    if (typeof v === 'bigint') return { i: v.toString() }
    if (v instanceof PyFloat) return { f: pyFloatRepr(v.value) }
    const seen = ids.get(v)
    if (seen !== undefined) return { r: seen }
    const id = ids.size
    ids.set(v, id)
    if (Array.isArray(v)) return { l: id, v: v.map(enc) }
    return { d: id, v: [...v.entries()].map(([k, x]): [string, Wire] => [k, enc(x)]) }
  }
  return enc(value)
}

function fromWire(w: Wire): PyValue {
  if (w === null || typeof w === 'boolean' || typeof w === 'string') return w
  if ('i' in w) return BigInt(w.i)
  if ('f' in w) return new PyFloat(w.f === 'nan' ? NaN : Number(w.f.replace('inf', 'Infinity')))
  if ('l' in w) return w.v.map(fromWire)
  if ('d' in w) return new PyDict(w.v.map(([k, x]) => [k, fromWire(x)]))
  throw new Error('references are not decoded here')
}

/** Python side of the transport, plus the documented mapping of loaded values. */
const PY_PRELUDE = String.raw`
import json, sys, datetime, yaml
def dec(w, memo):
    if w is None or isinstance(w, (bool, str)): return w
    if 'i' in w: return int(w['i'])
    if 'f' in w: return float(w['f'])
    if 'r' in w: return memo[w['r']]
    if 'l' in w:
        out = memo[w['l']] = []
        out.extend(dec(x, memo) for x in w['v'])
        return out
    out = memo[w['d']] = {}
    for k, x in w['v']: out[k] = dec(x, memo)
    return out
def enc(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return {'i': str(v)}
    if isinstance(v, float): return {'f': repr(v)}
    if isinstance(v, (datetime.date, datetime.datetime)): return str(v)
    if isinstance(v, list): return {'l': 0, 'v': [enc(x) for x in v]}
    if isinstance(v, dict): return {'d': 0, 'v': [[k if isinstance(k, str) else str(k), enc(x)] for k, x in v.items()]}
    raise TypeError(type(v).__name__)
def dump(v): return yaml.dump(v, Dumper=yaml.CSafeDumper)
def load(t): return yaml.load(t, Loader=yaml.CSafeLoader)
def outcome(t):
    try: return {'ok': enc(load(t))}
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return {'error': mark.line + 1 if mark else None}
    except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError) as e:
        return {'error': None}
`

/** A canonical text of a value: types tagged, dict order kept or sorted. */
function canon(v: PyValue, sortKeys = false): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v)
  if (typeof v === 'bigint') return `int(${v})`
  if (v instanceof PyFloat) return `float(${Object.is(v.value, -0) ? '-0' : String(v.value)})`
  if (Array.isArray(v)) return `[${v.map((x) => canon(x, sortKeys)).join(',')}]`
  const items = [...v.entries()].map(([k, x]) => `${JSON.stringify(k)}:${canon(x, sortKeys)}`)
  if (sortKeys) items.sort()
  return `{${items.join(',')}}`
}

function loadOutcome(text: string): { ok?: string; error?: number | null } {
  try {
    return { ok: canon(pyYamlSafeLoad(text)) }
  } catch (e) {
    if (!(e instanceof CodecError)) throw e
    const line = /on line (\d+)/.exec(e.message)
    return { error: line ? Number(line[1]) : null }
  }
}

// ---- corpus -----------------------------------------------------------------------------

const TOKENS = [
  ...': # - ? [ ] { } , & * ! | > \' " % @ ` \\ ='.split(' '),
  ' ',
  '  ',
  '\t',
  '\n',
  '\n\n',
  '\r',
  '\r\n',
  ': ',
  ' #',
  '- ',
  '? ',
  '0',
  '1',
  '7',
  '9',
  'a',
  'Z',
  'x',
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'True',
  'null',
  'Null',
  '~',
  '.5',
  '.',
  '_',
  'e',
  'E+5',
  '0x1F',
  '0b101',
  '017',
  '08',
  '1_000',
  '1:20',
  '190:20:30.15',
  '2001-12-14',
  '2001-12-14 21:59:43.10 -5',
  '2001-12-14t21:59:43.10-05:00',
  '.inf',
  '-.INF',
  '.NaN',
  '---',
  '...',
  '<<',
  'é',
  'ü',
  '日本',
  '😀',
  '\uff5a',
  '\ufffd',
  '\ufeff',
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  'postgres://user:p%40ss@host:5432/db?sslmode=require#frag',
  '{"extra": [1, 2.5, null]}',
  'password',
  'a'.repeat(30),
  'b'.repeat(79),
  'c'.repeat(100)
]

const WORDS = ['lorem', 'ipsum', 'a', 'xy', 'dolor-sit', 'amet:', '#x', "it's", 'é', 'k: v', '']

const token = fc.constantFrom(...TOKENS)
const shortString = fc.array(token, { maxLength: 8 }).map((t) => t.join(''))
/** Long texts with spaces, to exercise folding at width 80 in all three styles. */
const sentence = fc
  .tuple(
    fc.constantFrom('', ' ', "'", 'é ', '"', '- '),
    fc.array(fc.oneof(fc.constantFrom(...WORDS), token), { minLength: 10, maxLength: 70 }),
    fc.array(fc.constantFrom(' ', '  ', '   '), { minLength: 70, maxLength: 70 }),
    fc.constantFrom('', ' ', '\n', '.')
  )
  .map(([head, words, gaps, tail]) => head + words.map((w, i) => w + gaps[i]).join('') + tail)
const anyString = fc.oneof(
  { weight: 4, arbitrary: shortString },
  { weight: 2, arbitrary: token },
  { weight: 2, arbitrary: sentence },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) }
)
/** Keys near libyaml's 128-byte simple-key limit, counted in UTF-8. */
const longKey = fc
  .tuple(fc.integer({ min: 60, max: 140 }), fc.constantFrom('k', 'é', '日', ' k', 'k\n'))
  .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n))
const key = fc.oneof({ weight: 6, arbitrary: anyString }, { weight: 1, arbitrary: longKey })

const float = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, 1, 1e16, 1e17, 1e-5, 5e-324, 1.5, NaN, Infinity, -Infinity)
)
const leaf: fc.Arbitrary<PyValue> = fc.oneof(
  { weight: 6, arbitrary: anyString },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
  { weight: 1, arbitrary: float.map((x) => new PyFloat(x)) }
)
const tree = fc.letrec<{ node: PyValue }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }).map((e) => new PyDict(e))
  )
})).node

/** `airflow connections export x.yaml`: {conn_id: {conn_type, description, ...}}. */
const connectionExport = fc
  .array(
    fc.tuple(
      key,
      fc.record({
        conn_type: fc.oneof(fc.constantFrom('postgres', 'aws', 'http', 'yes'), anyString),
        description: fc.option(anyString),
        login: fc.option(anyString),
        password: fc.option(anyString),
        host: fc.option(anyString),
        port: fc.option(fc.bigInt({ min: 0n, max: 70000n })),
        schema: fc.option(anyString),
        extra: fc.option(fc.oneof(anyString, fc.constant('{"region_name": "eu-west-1"}')))
      })
    ),
    { maxLength: 4 }
  )
  .map(
    (conns) =>
      new PyDict(conns.map(([id, fields]) => [id, new PyDict(Object.entries(fields))] as const))
  )

const dumpCorpus: PyValue[] = [
  ...fc.sample(connectionExport, { numRuns: 2000, seed: 20240611 }),
  ...fc.sample(tree, { numRuns: 1500, seed: 77 }),
  ...fc.sample(anyString, { numRuns: 1000, seed: 5 }).map((s) => new PyDict([[s, s]]))
]

/** Plain scalars that PyYAML's resolver must type exactly as Python does. */
const RESOLVER_SAMPLES = [
  ...['yes', 'Yes', 'YES', 'yEs', 'no', 'NO', 'on', 'On', 'oN', 'off', 'OFF', 'y', 'n', 'Y'],
  ...['true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'null', 'Null', 'NULL', 'nULL', '~'],
  ...['0', '-0', '+0', '00', '007', '08', '0_7', '0_8', '0b101', '-0b1_0', '0b', '0x1F'],
  ...['0x_1f', '-0xff', '0o17', '1_000', '1__0', '_1', '1:20', '-1:20:30', '1:60', '0:20'],
  ...['1:5', '12345678901234567890123', '1.5', '1.', '-1.5e+10', '1.5e10', '1e5', '1.e+5'],
  ...['.5', '-.5', '+.5', '._5', '.5_', '1_0.5', '190:20:30.15', '-1:30.5', '.inf', '-.Inf'],
  ...['+.INF', '.nan', '.NaN', '-.nan', 'inf', 'nan', '1.0e+400', '0.1e-400', '2001-12-14'],
  ...['2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2001-12-14 21:59:43.1234567 Z'],
  ...['2002-12-14T01:02:03', '2001-1-2T3:04:05Z', '2001-12-14T21:59:43+23:59', '2001-2-3'],
  ...['2000-02-29', '1900-02-29', '2001-13-01', '0000-01-01', '2001-12-14T24:00:00'],
  ...['2001-12-14T21:59:43.000', '2001-12-14T21:59:43.+01:30', '2001-12-14 1:2:3', '<<', '='],
  ...['<', '==', '-', '--', '-a', ':a', '?a', 'a:b', 'a#b', 'a b', 'Off-line', '0x', '1_'],
  ...['9999-12-31', '9999-12-31 23:59:59.999999 -23:59']
]

const SCALAR_PIECES = [...'0123456789_:.-+eExXbBoOTtZ']
const scalarish = fc.oneof(
  fc.constantFrom(...RESOLVER_SAMPLES),
  fc
    .array(fc.constantFrom(...SCALAR_PIECES), { minLength: 1, maxLength: 10 })
    .map((a) => a.join(''))
)

const loadCorpus: string[] = [
  ...RESOLVER_SAMPLES.flatMap((s) => [
    `key: ${s}\n`,
    `- ${s}\n`,
    `${s}: value\n`,
    `key: '${s}'\n`,
    `key: "${s}"\n`,
    `key: !!str ${s}\n`
  ]),
  ...fc
    .sample(fc.array(scalarish, { minLength: 1, maxLength: 5 }), { numRuns: 1500, seed: 9 })
    .map((values) => values.map((v, i) => `k${i}: ${v}\n`).join('')),
  ...[
    'a: !!int "0x1F"\nb: !!float "1e5"\nc: !!str 12\nd: !!bool "On"\ne: !!null x\nf: ! 12\n',
    'a: !!int " 12"\nb: !!float "-1_0.5"\nc: !!int "0b0b1"\nd: !!float ".5"\n',
    'a: !!int "x"\n',
    'a: !!bool "maybe"\n',
    'a: !!timestamp "2001-12-14"\n',
    'a: !!binary aGVsbG8=\n',
    'a: !!python/object:os.system {}\n',
    'a: !local x\n',
    'a: !!set {x, y}\n',
    'b: &x {p: 1, q: 1}\na:\n  <<: *x\n  q: 2\n',
    'b: &x {p: 1}\nc: &y {p: 2, r: 3}\na:\n  s: 0\n  <<: [*x, *y]\n',
    'a:\n  <<: {p: 1}\n  <<: {q: 2}\n',
    'a: {"<<": {p: 1}}\n',
    'a:\n  <<: 1\n',
    'a: [&s str, *s, &m {k: v}, *m]\n',
    'a: *nope\n',
    '=: 1\n',
    'a: =\n',
    '1: a\n0x1F: b\nyes: c\n~: d\n1.5: e\n1.0: f\n2001-12-14: g\n',
    '? [a, b]\n: c\n',
    'k: v\nk: w\nj: x\n',
    '',
    '# only a comment\n',
    '---\n',
    '--- |\n  literal\n   text\n...\n',
    'a: >-\n  folded\n  text\n\n  para\nb: |+\n  keep\n\n',
    'a: "esc \\x41 \\u00e9 \\U0001F600 \\t \\/ \\N \\_ \\L \\P"\n',
    "a: 'it''s'\nb: \"multi\n  line\"\nc: plain\n  continued\n",
    'a: [1, 2, {b: c}]\nd: {e: [f, g]}\n',
    '- 1\n- - 2\n  - 3\n- {}\n- []\n',
    'a: 1\n---\nb: 2\n',
    'a: b: c\n',
    'a: [1\n',
    'a:\n  - b\n c: d\n',
    'good: 1\nbad: "unterminated\n',
    'x: 1\n  y: 2\n',
    '{a: 1}}\n',
    'password: s3cr3t\n  oops: [\n'
  ]
]

// ---- tests ------------------------------------------------------------------------------

describe('py-yaml codec', () => {
  it(`dumps exactly what CSafeDumper dumps (${dumpCorpus.length} seeded values)`, () => {
    const py = runPython<{ dump: string; back: Wire }[]>(
      `${PY_PRELUDE}
out = []
for w in json.load(sys.stdin):
    text = dump(dec(w, {}))
    out.append({'dump': text, 'back': enc(load(text))})
print(json.dumps(out))`,
      dumpCorpus.map(toWire)
    )
    const bad: string[] = []
    dumpCorpus.forEach((value, i) => {
      const { dump, back } = py[i]!
      const ours = pyYamlDump(value)
      if (ours !== dump) {
        bad.push(`#${i} dump\n  ours: ${JSON.stringify(ours)}\n  py:   ${JSON.stringify(dump)}`)
        return
      }
      const loaded = pyYamlSafeLoad(dump)
      // Loading the dump gives Python's value back, in the (sorted) order Python sees...
      if (canon(loaded) !== canon(fromWire(back))) bad.push(`#${i} load\n  ${JSON.stringify(dump)}`)
      // ...and that is the value dumped, up to key order.
      else if (canon(loaded, true) !== canon(value, true))
        bad.push(`#${i} round trip\n  ${JSON.stringify(dump)}`)
    })
    expect(bad.slice(0, 5).join('\n'), `${bad.length} mismatches`).toBe('')
  }, 30_000) // a Python oracle over 4,500 values: seconds on a loaded machine

  it(`loads what CSafeLoader loads, errors on the same line (${loadCorpus.length} texts)`, () => {
    const py = runPython<{ ok?: Wire; error?: number | null }[]>(
      `${PY_PRELUDE}
print(json.dumps([outcome(t) for t in json.load(sys.stdin)]))`,
      loadCorpus
    )
    const bad: string[] = []
    loadCorpus.forEach((text, i) => {
      const theirs = py[i]!
      const ours = loadOutcome(text)
      const expected =
        'ok' in theirs ? { ok: canon(fromWire(theirs.ok!)) } : { error: theirs.error ?? null }
      // Python's constructor ValueErrors carry no mark; ours always name a line.
      if (expected.error === null && ours.error !== undefined) return
      if (JSON.stringify(ours) !== JSON.stringify(expected))
        bad.push(
          `${JSON.stringify(text)}\n  ours: ${JSON.stringify(ours)}\n  py:   ${JSON.stringify(expected)}`
        )
    })
    expect(bad.slice(0, 8).join('\n'), `${bad.length} mismatches`).toBe('')
  })

  it('writes shared and recursive containers with anchors, as Python does', () => {
    const shared = [1n, 'x']
    const emptyDict = new PyDict()
    const loop: PyValue[] = []
    loop.push(loop, shared)
    const selfDict = new PyDict([['z', 1n]])
    selfDict.set('me', selfDict)
    const values: PyValue[] = [
      new PyDict([
        ['b', shared],
        ['a', shared],
        ['c', [emptyDict, emptyDict, shared]]
      ]),
      loop,
      selfDict,
      [selfDict, [selfDict]]
    ]
    const py = runPython<string[]>(
      `${PY_PRELUDE}
print(json.dumps([dump(dec(w, {})) for w in json.load(sys.stdin)]))`,
      values.map(toWire)
    )
    values.forEach((v, i) => expect(pyYamlDump(v)).toBe(py[i]))
    expect(py[0]).toContain('&id001')
  })

  it('pins the libyaml behaviours that differ from the pure-Python emitter', () => {
    expect(pyYamlDump('abc')).toBe('abc\n')
    expect(pyYamlDump(new PyFloat(1e17))).toBe('1.0e+17\n')
    expect(pyYamlDump(new PyDict([['k'.repeat(128), 1n]]))).toBe(`${'k'.repeat(128)}: 1\n`)
    expect(pyYamlDump(new PyDict([['é'.repeat(65), 1n]]))).toMatch(/^\? "/)
    expect(pyYamlDump(new PyDict([['', null]]))).toBe("'': null\n")
    expect(pyYamlDump(new PyDict([['k', ['yes', '0755', '1:20', '', '~']]]))).toBe(
      "k:\n- 'yes'\n- '0755'\n- '1:20'\n- ''\n- '~'\n"
    )
  })

  it('rejects what Python cannot encode and names only the line on syntax errors', () => {
    expect(() => pyYamlDump('\ud800')).toThrow(CodecError)
    expect(() => pyYamlDump(new PyDict([['k', 1 as unknown as PyValue]]))).toThrow(CodecError)
    let message = ''
    try {
      pyYamlSafeLoad('user: admin\npassword: s3cr3t\n  oops: [\n')
    } catch (e) {
      expect(e).toBeInstanceOf(CodecError)
      message = (e as Error).message
    }
    expect(message).toMatch(/line 3/)
    expect(message).not.toMatch(/s3cr3t|oops|admin/)
  })

  // Found by fuzzing (test/unit/main/fuzz/airflow-files.test.ts): aliases share values, so a
  // self-containing anchor overflowed the stack of every serialiser and a "billion laughs"
  // file (9 levels of 9 aliases, under 1 KB) expanded to gigabytes on import.
  it('refuses a value that contains itself or expands beyond reason through aliases', () => {
    expect(() => pyYamlSafeLoad('a: &a [1, *a]\n')).toThrow(/contains it/)
    expect(() => pyYamlSafeLoad('a: &a {b: *a}\n')).toThrow(CodecError)
    const laughs = (levels: number) =>
      'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n' +
      Array.from(
        { length: levels },
        (_, i) => `l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]\n`
      ).join('')
    expect(() => pyYamlSafeLoad(laughs(4))).not.toThrow() // 59 049 strings: fine
    expect(() => pyYamlSafeLoad(laughs(9))).toThrow(/billion laughs/)
  })
})
