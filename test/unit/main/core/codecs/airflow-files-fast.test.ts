// The byte-level listing of a JSON export file's members (airflow-files-fast.ts) against the
// text one (rawFileItems(text, 'json')): on generated files, well-formed or not, both give
// the same members or both decline.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AirflowExportBackend,
  describeProblem
} from '../../../../../src-main/backends/airflow-export'
import {
  cliKeyProblem,
  decodeConnectionsFile,
  fileLevelProblems,
  jsonObjectKeys,
  rawFileItems,
  readRawFileItem
} from '../../../../../src-main/core/codecs/airflow-files'
import {
  CONNECTION_MEMBER_KEYS,
  jsonConnectionMemberSurelyReads,
  jsonConnectionMemberValue,
  jsonConnectionSurelyReads,
  jsonObjectMemberColumnsOfBytes,
  jsonObjectMembersOfBytes,
  jsonVariableSurelyReads,
  memberConnectionKeyBits,
  memberKeyIsPlainId
} from '../../../../../src-main/core/codecs/airflow-files-fast'
import {
  isJsonObjectText,
  pyJsonLoads,
  type PyDict
} from '../../../../../src-main/core/codecs/py-json'
import { DIALECT_RULES } from '../../../../../src-main/core/dialect'
import { DIALECTS } from '../../../../../src-main/core/model'
import { FUZZ_TIMEOUT, fuzzParams } from '../../../../support/fuzz'
import { tempDir } from '../../../../support/temp-dir'

function bytesWay(text: string): [string, string][] | undefined {
  const bytes = new TextEncoder().encode(text)
  const byDefault = jsonObjectMembersOfBytes(bytes)
  const buf = Buffer.from(bytes)
  const byBuffer = jsonObjectMembersOfBytes(buf, (start, end, ascii) =>
    buf.toString(ascii ? 'latin1' : 'utf8', start, end)
  )
  expect(byBuffer).toEqual(byDefault)
  return byDefault
}

/** JSON-ish text: strings with escapes and non-ASCII, nesting, blanks, stray characters. */
const atom = fc.oneof(
  fc.constantFrom('1', 'null', 'true', '-2.5e3', 'NaN', '[]', '{}', '"é"', '"\\u00e9"', '"\\""'),
  fc
    .array(fc.constantFrom(...'ab é日\\"/\n\t\u2028\ufeff'.split(''), '\\n', '\\\\', '\\u0041'), {
      maxLength: 6
    })
    .map((xs) => JSON.stringify(xs.join(''))),
  fc.constantFrom('"', '\\', '}', ']', ',', ':', ' ', 'é', '{"a":', '[1,')
)
const value: fc.Arbitrary<string> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.array(tie('v'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
    fc
      .array(fc.tuple(atom, tie('v')), { maxLength: 3 })
      .map((xs) => `{${xs.map(([k, v]) => `${k}: ${v}`).join(',\n ')}}`)
  )
})).v
const key = fc.oneof(
  fc.constantFrom('"conn_a"', '"conn_b"', '"é"', '"a\\u00e9"', '"\\ud83d"', '"a\\"b"', '"x'),
  atom
)
const file = fc
  .tuple(
    fc.constantFrom('', ' ', '\n', '\ufeff'),
    fc.array(fc.tuple(key, fc.constantFrom(':', ': ', ' :\n'), value), { maxLength: 5 }),
    fc.constantFrom('}', '}\n', '} x', '', ',}')
  )
  .map(
    ([lead, members, close]) =>
      `${lead}{${members.map(([k, c, v]) => k + c + v).join(', ')}${close}`
  )

describe('airflow-files codec: JSON members from bytes, and keys alone', () => {
  it(
    'lists what the text listing lists, or declines where it declines',
    () => {
      let listed = 0
      fc.assert(
        fc.property(file, (text) => {
          const want = rawFileItems(text, 'json')
          if (want) listed++
          expect(bytesWay(text)).toEqual(want)
          expect(jsonObjectKeys(text)).toEqual(want?.map(([k]) => k))
        }),
        fuzzParams(3000)
      )
      expect(listed).toBeGreaterThan(100)
    },
    FUZZ_TIMEOUT
  )

  it('lists an export file member by member, non-ASCII and escapes decoded in keys only', () => {
    const text = JSON.stringify(
      { 'a\u00e9': { conn_type: 'http', password: 'p\u00e9\\"' }, b: 'x' },
      null,
      4
    )
    expect(bytesWay(text)).toEqual(rawFileItems(text, 'json'))
    expect(bytesWay(text)?.map(([k]) => k)).toEqual(['a\u00e9', 'b'])
  })
})

/** Whether the whole decoder reads `text` as a member, in one dialect. */
function readsIn(
  kind: 'connection' | 'variable',
  text: string,
  dialect: (typeof DIALECTS)[number]
): boolean {
  try {
    readRawFileItem(kind, 'conn_a', text, 'json', dialect)
    return true
  } catch {
    return false
  }
}

/** Field values as export files hold them, and near misses: bad escapes, other types. */
const fieldValue = fc.constantFrom(
  'null',
  '"postgres"',
  '""',
  '"p\\u00e9\\\\\\"x\\/\\n"',
  '"caf\u00e9 \u65e5"',
  '"bad \\x escape"',
  '"lone \\ud83d"',
  '"tab\\there"',
  '"raw\\u0001ok"',
  '"raw \u0001 control"',
  '"unit \u001f separator"',
  '1',
  'true',
  '[]',
  '{}'
)
const portValue = fc.constantFrom(
  'null',
  '0',
  '5432',
  '65535',
  '65536',
  '01',
  '-1',
  '1.0',
  '1e3',
  '"5432"',
  'x'
)
const extraValue = fc.constantFrom(
  'null',
  '""',
  '"{\\"a\\": 1}"',
  '"{\\"role\\": \\"ANALYST\\", \\"opts\\": [\\"a\\", \\"\\u00e9\\"]}"',
  '"{\\"a\\": 1,}"',
  '"not json"',
  '"[1, 2]"',
  '" {}"',
  '{"a": 1}',
  '1'
)
/** The fields `airflow connections export` writes for a connection, in its order. */
const EXPORTED_FIELDS = [
  'conn_type',
  'description',
  'host',
  'login',
  'password',
  'schema',
  'port',
  'extra'
]
/** Connection members: a flat object of known (and a few other) keys, now and then mutated. */
const member = fc
  .tuple(
    fc.subarray(EXPORTED_FIELDS),
    fc.array(fc.constantFrom('conn_id', 'uri', 'team_name', 'extra_dejson', 'bogus', 'host'), {
      maxLength: 1
    }),
    fc.array(fc.tuple(fieldValue, portValue, extraValue), { minLength: 12, maxLength: 12 }),
    fc.constantFrom(', ', ',\n    ', ','),
    fc.option(fc.tuple(fc.nat(), fc.constantFrom('', '"', ',', '{', '}', '\\', ' ', ':', '1')), {
      freq: 4
    })
  )
  .map(([known, other, values, sep, mutation]) => {
    const t = `{${[...known, ...other]
      .map((k, i) => {
        const [v, port, extra] = values[i]!
        const text = k === 'port' ? port : k === 'extra' ? extra : k === 'conn_id' ? '"conn_a"' : v
        return `"${k}": ${text}`
      })
      .join(sep)}}`
    if (!mutation) return t
    const at = mutation[0] % (t.length + 1)
    return t.slice(0, at) + mutation[1] + t.slice(at + 1)
  })
/** Connection members as the export command writes them but for a near miss now and then. */
const exportedMember = fc
  .tuple(
    fc.subarray(EXPORTED_FIELDS),
    fc.array(
      fc.tuple(
        fc.constantFrom(
          'null',
          '"postgres"',
          '""',
          '"p\\u00e9\\\\\\"x\\/\\n"',
          '"caf\u00e9 \u65e5"'
        ),
        portValue,
        extraValue
      ),
      { minLength: 8, maxLength: 8 }
    ),
    fc.constantFrom(', ', ',\n    ', ',')
  )
  .map(
    ([known, values, sep]) =>
      `{${known
        .map((k, i) => {
          const [v, port, extra] = values[i]!
          return `"${k}": ${k === 'port' ? port : k === 'extra' ? extra : v}`
        })
        .join(sep)}}`
  )
/** Connection members that are URI strings, some with escapes or URIs that do not read. */
const uriMember = fc
  .tuple(
    fc.constantFrom('postgres', 'MySQL', 'http', 'k8s'),
    fc.constantFrom(
      'h',
      'db.example.com:5432',
      'h:70000',
      'u:p%40ss@h',
      'h/db?a=b',
      'h/?__extra__=x'
    ),
    fc.constantFrom('', '\\\\', '\\/', ' ', '\\u0041')
  )
  .map(([scheme, rest, tail]) => `"${scheme}://${rest}${tail}"`)

describe('JSON members that surely read, told from their bytes', () => {
  it(
    'says a connection member reads only where the whole decoder reads it, in its dialect',
    () => {
      let yes = 0
      let total = 0
      fc.assert(
        fc.property(fc.oneof(member, uriMember), fc.constantFrom(...DIALECTS), (text, dialect) => {
          // inside other bytes: the range, not the whole buffer, is read
          const bytes = Buffer.from(`{"k": ${text}}`)
          total++
          const checkExtra = DIALECT_RULES[dialect].extraValidation !== 'none'
          if (!jsonConnectionSurelyReads(bytes, 6, bytes.length - 1, checkExtra)) return
          yes++
          expect([text, dialect, readsIn('connection', text, dialect)]).toEqual([
            text,
            dialect,
            true
          ])
        }),
        fuzzParams(4000)
      )
      // the check means something only if it says yes for a good share of the members
      expect(yes / total).toBeGreaterThan(0.05)
    },
    FUZZ_TIMEOUT
  )

  it('says yes to what the export command writes, and no where a member does not read', () => {
    const exported = JSON.stringify(
      {
        conn_type: 'postgres',
        description: null,
        login: 'u\u00e9',
        password: 'p"w\\',
        host: 'h',
        port: 5432,
        schema: 'db',
        extra: '{"a": [1, "\u00e9"]}'
      },
      null,
      4
    )
    const cases: [string, boolean][] = [
      [exported, true],
      ['{}', true],
      ['"postgres://u:p@h:5432/db"', true],
      // these do not read in airflow3
      ['{"conn_type": "http", "extra": "not json"}', false],
      ['{"conn_type": "http", "port": 65536}', false],
      ['{"conn_type": "http", "port": "x"}', false],
      ['{"conn_type": 1}', false],
      ['{"conn_type": "http", "nope": 1}', false],
      ['{"host": "bad \\x"}', false],
      ['"mysql://h:x"', false],
      // these may read, but only reading tells
      ['{"conn_id": "conn_a"}', false],
      ['{"uri": "http://h"}', false],
      ['{"port": "5432"}', false],
      ['{"extra": {"a": 1}}', false],
      ['{"host": "h", "host": "h"}', false]
    ]
    for (const [text, expected] of cases) {
      const bytes = Buffer.from(text)
      expect([text, jsonConnectionSurelyReads(bytes, 0, bytes.length, true)]).toEqual([
        text,
        expected
      ])
      if (expected) expect(readsIn('connection', text, 'airflow3')).toBe(true)
    }
  })

  it('tells an extra far into its member as walking it tells', () => {
    const long = 'd'.repeat(20_000)
    for (const [extra, reads] of [
      ['"{}"', true],
      ['"not json"', false]
    ] as const)
      for (const first of [true, false]) {
        const fields = [`"description": "${long}"`, `"extra": ${extra}`]
        const text = `{"c": {${(first ? fields : fields.reverse()).join(', ')}}}`
        const bytes = Buffer.from(text)
        const columns = jsonObjectMemberColumnsOfBytes(bytes)!
        expect(jsonConnectionMemberSurelyReads(bytes, columns, 0, true)).toBe(reads)
        expect(jsonConnectionMemberSurelyReads(bytes, columns, 0, false)).toBe(true)
      }
  })

  it('vouches for a key from its bytes only where cliKeyProblem accepts its text', () => {
    let plain = 0
    const chars = [...'aZz09_.-', ' ', '\u00e9', '\n', '/', '@', '`', '{', ':', '[']
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((xs) => xs.join('')),
          fc.integer({ min: 195, max: 205 }).map((n) => 'k'.repeat(n))
        ),
        (id) => {
          const bytes = Buffer.from(JSON.stringify({ [id]: 'x' }))
          const columns = jsonObjectMemberColumnsOfBytes(bytes)
          if (!columns?.find) return
          if (!memberKeyIsPlainId(columns, bytes, 0)) return
          plain++
          expect([id, cliKeyProblem(id)]).toEqual([id, undefined])
        }
      ),
      fuzzParams(3000)
    )
    expect(plain).toBeGreaterThan(100)
  })

  it('says a variable member reads only where the decoder reads it', () => {
    let yes = 0
    fc.assert(
      fc.property(fieldValue, (text) => {
        const bytes = Buffer.from(text)
        if (!jsonVariableSurelyReads(bytes, 0, bytes.length)) return
        yes++
        expect(readsIn('variable', text, 'airflow3')).toBe(true)
      }),
      fuzzParams(500)
    )
    expect(yes).toBeGreaterThan(0)
  })

  it('tells the keys of a flat object from the member scan only where the text scan finds them', () => {
    let told = 0
    fc.assert(
      fc.property(fc.oneof(member, value), (text) => {
        const bytes = Buffer.from(`{"k": ${text}}`)
        const columns = jsonObjectMemberColumnsOfBytes(bytes)
        if (!columns) return
        const bits = memberConnectionKeyBits(columns, 0)
        if (bits < 0) return
        told++
        const keys = jsonObjectKeys(text)
        expect(keys).toBeDefined()
        expect(keys!.length).toBe(new Set(keys).size)
        expect(new Set(keys)).toEqual(
          new Set(CONNECTION_MEMBER_KEYS.filter((_, i) => bits & (1 << i)))
        )
      }),
      fuzzParams(3000)
    )
    expect(told).toBeGreaterThan(100)
  })

  it(
    'lists a file of connection members as the text listing does, and says of each member what walking it says',
    () => {
      let sure = 0
      let total = 0
      const files = fc
        .tuple(
          fc.array(fc.oneof(member, exportedMember, uriMember, value), { maxLength: 5 }),
          fc.constantFrom(', ', ',\n    ', ','),
          fc.constantFrom('}', '}\n', '', '} x')
        )
        .map(([ms, sep, close]) => `{${ms.map((m, i) => `"c${i}": ${m}`).join(sep)}${close}`)
      fc.assert(
        fc.property(files, fc.boolean(), (text, checkExtra) => {
          // the members' ends and widths: the text listing's
          const want = rawFileItems(text, 'json')
          expect(bytesWay(text)).toEqual(want)
          const bytes = Buffer.from(text)
          const columns = jsonObjectMemberColumnsOfBytes(bytes)
          if (!columns) return
          const { cols } = columns
          for (let i = 0; i < columns.count; i++) {
            const start = cols[5 * i + 2]!
            const end = cols[5 * i + 3]!
            total++
            const walked = jsonConnectionSurelyReads(bytes, start, end, checkExtra)
            if (walked) sure++
            expect([want![i]![1], checkExtra, walked]).toEqual([
              want![i]![1],
              checkExtra,
              jsonConnectionMemberSurelyReads(bytes, columns, i, checkExtra)
            ])
          }
        }),
        fuzzParams(4000)
      )
      expect(sure / total).toBeGreaterThan(0.05)
    },
    FUZZ_TIMEOUT
  )

  it('reads a connection member from its bytes as the JSON parser reads its text, or declines', () => {
    let read = 0
    const widen = fc.constantFrom('', '\u00e9', '\u65e5', '\ud83d\ude00')
    fc.assert(
      fc.property(
        fc.oneof(member, exportedMember, uriMember, value),
        widen,
        fc.boolean(),
        (text, wide, bySlicer) => {
          // non-ASCII inside the strings the generators make, and inside other bytes
          const t = wide ? text.replace(/"([a-z])/, `"$1${wide}`) : text
          const bytes = Buffer.from(`[${t}]`)
          const slice = (start: number, end: number, ascii: boolean) =>
            bytes.toString(ascii ? 'latin1' : 'utf8', start, end)
          const got = bySlicer
            ? jsonConnectionMemberValue(bytes, 1, bytes.length - 1, slice)
            : jsonConnectionMemberValue(bytes, 1, bytes.length - 1)
          if (got === undefined) return
          read++
          expect([t, got]).toEqual([t, pyJsonLoads(t)])
        }
      ),
      fuzzParams(4000)
    )
    expect(read).toBeGreaterThan(400)
  })

  it('reads what the export command writes, keys in file order, the port a bigint', () => {
    const exported = JSON.stringify(
      {
        conn_type: 'postgres',
        description: null,
        login: 'u\u00e9',
        password: 'p"w\\\u{1f600}',
        host: 'h',
        port: 5432,
        schema: 'db',
        extra: '{"a": [1, "\u00e9"]}'
      },
      null,
      4
    )
    const bytes = Buffer.from(exported)
    const got = jsonConnectionMemberValue(bytes, 0, bytes.length)
    expect(got).toEqual(pyJsonLoads(exported))
    const dict = got as PyDict
    expect([...dict.keys()]).toEqual([
      'conn_type',
      'description',
      'login',
      'password',
      'host',
      'port',
      'schema',
      'extra'
    ])
    expect(dict.get('port')).toBe(5432n)
    for (const text of [
      '{"port": -1}',
      '{"port": 1.0}',
      '{"x": 1}',
      '{"host": "a", "host": "b"}',
      '[1]'
    ])
      expect([text, jsonConnectionMemberValue(Buffer.from(text), 0, text.length)]).toEqual([
        text,
        undefined
      ])
  })
})

describe('a JSON connections file loaded member by member from its bytes', () => {
  const dir = tempDir('airlock-json-members-')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  let n = 0

  /** What `load` made of the file before: the whole text decoded (decodeConnectionsFile). */
  function wholeRead(path: string, id: string, dialect: (typeof DIALECTS)[number]) {
    const decoded = decodeConnectionsFile(readFileSync(path, 'utf8'), 'json', dialect)
    if (fileLevelProblems(decoded.problems).length) return 'refused'
    return {
      entries: decoded.value.map((e) => ({ ...e, source: { backendId: id, path, fromKey: e.id } })),
      problems: decoded.problems.map((p) => ({
        ref: { kind: 'connection', id: p.key },
        code: 'codec.parse',
        message: `"${path}": ${describeProblem(p)}`
      }))
    }
  }

  it(
    'gives the entries and problems the whole read gives, in every dialect',
    async () => {
      let clean = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(member, exportedMember, exportedMember, uriMember), { maxLength: 4 }),
          fc.constantFrom(...DIALECTS),
          fc.constantFrom('', '\n', '\n    '),
          async (members, dialect, indent) => {
            const path = join(dir, `c${n++}.json`)
            const sep = `,${indent || ' '}`
            writeFileSync(
              path,
              // every other key non-ASCII (its bytes decoded as UTF-8)
              `{${indent}${members.map((m, i) => `"conn_${i}${i % 2 ? '\u00e9' : ''}": ${m}`).join(sep)}}`
            )
            const backend = new AirflowExportBackend({ path, kind: 'connections', dialect })
            const expected = wholeRead(path, backend.id, dialect)
            const got = await backend.load({}).catch(() => 'refused' as const)
            expect(got).toEqual(expected)
            if (expected !== 'refused' && !expected.problems.length && members.length) clean++
          }
        ),
        fuzzParams(400)
      )
      // files read member by member (every member reads) are a good share of them
      expect(clean).toBeGreaterThan(20)
    },
    FUZZ_TIMEOUT
  )
})

describe('an extra told to be a JSON object from its bytes', () => {
  // the extra's text: JSON-ish (objects, arrays, strings with escapes, non-ASCII, controls),
  // written as a JSON string with some characters escaped in other ways
  const extraText = fc.oneof(
    value,
    fc
      .array(fc.tuple(atom, value), { maxLength: 3 })
      .map((xs) => `{${xs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`)
  )
  const written = fc
    .tuple(
      extraText,
      fc.constantFrom('', 'é', 'nl'),
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('\\u', '\\/')), { maxLength: 3 })
    )
    .map(([text, change, ways]) => {
      const t =
        change === 'é' ? text.replace('a', '\u00e9') : change ? text.replace(' ', '\n') : text
      // each character as JSON.stringify writes it, but for a few: as \uXXXX, or \/ for a /
      const escaped = new Map(ways.map(([at, way]) => [at % Math.max(t.length, 1), way]))
      const units = t.split('').map((c, i) => {
        const way = escaped.get(i)
        if (way === '\\u') return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
        if (way === '\\/' && c === '/') return '\\/'
        return JSON.stringify(c).slice(1, -1)
      })
      return `"${units.join('')}"`
    })

  it(
    'says what decoding it and checking its text says',
    () => {
      let objects = 0
      fc.assert(
        fc.property(written, (extra) => {
          const text = `{"c": {"conn_type": "http", "extra": ${extra}}}`
          const bytes = Buffer.from(text)
          const columns = jsonObjectMemberColumnsOfBytes(bytes)!
          const decoded = JSON.parse(extra) as string
          // as the check did before it read bytes: the decoded text, checked as text
          // (an empty extra is none; a surrogate escape is not vouched for)
          const want =
            decoded === '' || (!/\\u[dD][89abAB]/.test(extra) && isJsonObjectText(decoded))
          if (want) objects++
          expect([extra, jsonConnectionMemberSurelyReads(bytes, columns, 0, true)]).toEqual([
            extra,
            want
          ])
          expect(jsonConnectionSurelyReads(bytes, 6, bytes.length - 1, true)).toBe(want)
          if (want) expect(readsIn('connection', text.slice(6, -1), 'airflow3')).toBe(true)
        }),
        fuzzParams(4000)
      )
      expect(objects).toBeGreaterThan(200)
    },
    FUZZ_TIMEOUT
  )
})
