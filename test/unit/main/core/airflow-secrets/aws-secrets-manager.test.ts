// Table tests transcribed from apache/airflow
// providers/amazon/tests/unit/amazon/aws/secrets/test_secrets_manager.py and the behaviour of
// providers/amazon/src/airflow/providers/amazon/aws/secrets/secrets_manager.py; the regular
// expression table was produced by CPython 3.11's `re.match(pattern, s, re.IGNORECASE)`.
import { describe, expect, it } from 'vitest'
import { runPython } from '../../../../support/python'
import { seededRandom } from '../../../../support/seeded-random'
import { PyDict, pyJsonLoads } from '../../../../../src-main/core/codecs/py-json'
import {
  compilePythonRegex,
  parseAwsSecretsManagerKwargs,
  PyRegexError,
  smDroppedKeys,
  smIdsForName,
  smLookup,
  smSecretName,
  smSecretNameProblem,
  smSecretNameWarning,
  standardizeSecretKeys
} from '../../../../../src-main/core/airflow-secrets/aws-secrets-manager'
import { pyRstrip } from '../../../../../src-main/core/codecs/py-str'

const defaults = parseAwsSecretsManagerKwargs({})

function standardize(secret: string, kwargs: Record<string, unknown> = {}) {
  const out = standardizeSecretKeys(
    pyJsonLoads(secret) as PyDict,
    parseAwsSecretsManagerKwargs(kwargs)
  )
  return Object.fromEntries(
    [...out.entries()].map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])
  )
}

describe('AWS Secrets Manager naming (secrets_manager.py)', () => {
  it('uses the provider defaults', () => {
    expect(defaults.connectionsPrefix).toBe('airflow/connections')
    expect(defaults.variablesPrefix).toBe('airflow/variables')
    expect(defaults.configPrefix).toBe('airflow/config')
    expect(defaults.sep).toBe('/')
    expect(defaults.patterns).toEqual({ connection: null, variable: null, config: null })
  })

  it.each([
    // test_get_conn_value_full_url_mode, test_get_variable, test_get_config_non_existent_key
    [{}, 'connection', 'test_postgres', 'airflow/connections/test_postgres'],
    [{}, 'variable', 'hello', 'airflow/variables/hello'],
    [{}, 'config', 'sql_alchemy_conn', 'airflow/config/sql_alchemy_conn'],
    // a trailing sep is stripped; so is any run of sep's characters
    [{ connections_prefix: 'airflow/connections/' }, 'connection', 'db', 'airflow/connections/db'],
    [{ connections_prefix: 'airflow/connections//' }, 'connection', 'db', 'airflow/connections/db'],
    [{ connections_prefix: 'conn__', sep: '_' }, 'connection', 'db', 'conn_db'],
    [{ connections_prefix: 'conn-_', sep: '_-' }, 'connection', 'db', 'conn_-db'],
    // an empty prefix (or one that strips to empty) asks for the id alone
    [{ connections_prefix: '' }, 'connection', 'db', 'db'],
    [{ connections_prefix: '/' }, 'connection', 'db', 'db'],
    [{ variables_prefix: 'team/vars', sep: ':' }, 'variable', 'x', 'team/vars:x'],
    [{ sep: '' }, 'variable', 'x', 'airflow/variablesx'],
    // ids are used verbatim: slashes, dots and case are kept
    [{}, 'connection', 'team/a.B', 'airflow/connections/team/a.B']
  ] as const)('%j %s %j → %j', (kwargs, kind, id, name) => {
    expect(smLookup(parseAwsSecretsManagerKwargs(kwargs), kind, id)).toEqual({
      outcome: 'lookup',
      name
    })
  })

  it.each(['connection', 'variable', 'config'] as const)(
    'a null %s prefix turns that lookup off (test_*_prefix_none_value)',
    (kind) => {
      const key =
        kind === 'connection'
          ? 'connections_prefix'
          : kind === 'variable'
            ? 'variables_prefix'
            : 'config_prefix'
      const naming = parseAwsSecretsManagerKwargs({ [key]: null })
      expect(smLookup(naming, kind, 'x').outcome).toBe('disabled')
    }
  )

  describe.each(['connection', 'variable', 'config'] as const)('%s lookup pattern', (kind) => {
    const key =
      kind === 'connection'
        ? 'connections_lookup_pattern'
        : kind === 'variable'
          ? 'variables_lookup_pattern'
          : 'config_lookup_pattern'
    it.each([
      // test_connection_lookup_pattern / test_variable_lookup_pattern / test_config_lookup_pattern
      ['test', 'test', 1],
      ['test', '.*', 1],
      ['test', 'T.*', 1],
      ['test', 'dummy-pattern', 0],
      ['test', null, 1],
      // falsy pattern: no filter; re.match is anchored at the start only
      ['test', '', 1],
      ['prod_db', 'prod', 1],
      ['my_prod_db', 'prod', 0],
      ['test', 'te$', 0]
    ] as const)('id %j with pattern %j asks %i times', (id, pattern, calls) => {
      const naming = parseAwsSecretsManagerKwargs({ [key]: pattern })
      expect(smLookup(naming, kind, id).outcome === 'lookup' ? 1 : 0).toBe(calls)
    })
  })

  it('reports a pattern Python rejects as an error of every lookup, not a skip', () => {
    const naming = parseAwsSecretsManagerKwargs({ connections_lookup_pattern: '(unclosed' })
    const lookup = smLookup(naming, 'connection', 'x')
    expect(lookup.outcome).toBe('error')
    expect(lookup.outcome === 'error' && lookup.reason).toMatch(
      /missing \), unterminated subpattern/
    )
    expect(smLookup(naming, 'variable', 'x').outcome).toBe('lookup')
  })

  it('refuses a pattern it cannot evaluate exactly, naming the construct', () => {
    const naming = parseAwsSecretsManagerKwargs({ variables_lookup_pattern: 'a++' })
    const lookup = smLookup(naming, 'variable', 'a')
    expect(lookup.outcome).toBe('error')
    expect(lookup.outcome === 'error' && lookup.reason).toMatch(/possessive quantifier/)
  })

  it('refuses prefixes and sep that are neither text nor null', () => {
    expect(() => parseAwsSecretsManagerKwargs({ connections_prefix: 3 })).toThrow(/text or null/)
    expect(() => parseAwsSecretsManagerKwargs({ sep: 3 })).toThrow(/sep/)
  })

  it('21: sep null names secrets as Python formats None: f"{prefix}{sep}{id}" (build_path)', () => {
    // __init__: `connections_prefix.rstrip(None)` strips trailing whitespace
    const naming = parseAwsSecretsManagerKwargs({ sep: null, connections_prefix: 'airflow ' })
    expect(smLookup(naming, 'connection', 'db')).toEqual({
      outcome: 'lookup',
      name: 'airflowNonedb'
    })
    expect(smLookup(naming, 'variable', 'v')).toEqual({
      outcome: 'lookup',
      name: 'airflow/variablesNonev'
    })
    expect(smIdsForName(naming, 'airflowNonedb')).toEqual([{ kind: 'connection', id: 'db' }])
    // an empty prefix never reaches build_path: the id alone
    expect(
      smLookup(parseAwsSecretsManagerKwargs({ sep: null, variables_prefix: '' }), 'variable', 'v')
    ).toEqual({ outcome: 'lookup', name: 'v' })
  })

  it('maps listed names back to ids, reporting every reading', () => {
    expect(smIdsForName(defaults, 'airflow/connections/a/b')).toEqual([
      { kind: 'connection', id: 'a/b' }
    ])
    expect(smIdsForName(defaults, 'airflow/connections/')).toEqual([])
    expect(smIdsForName(defaults, 'other/x')).toEqual([])
    const overlap = parseAwsSecretsManagerKwargs({ connections_prefix: 'airflow' })
    expect(smIdsForName(overlap, 'airflow/variables/x')).toEqual([
      { kind: 'connection', id: 'variables/x' },
      { kind: 'variable', id: 'x' }
    ])
    const empty = parseAwsSecretsManagerKwargs({ variables_prefix: '' })
    expect(smIdsForName(empty, 'airflow/connections/c')).toEqual([
      { kind: 'connection', id: 'c' },
      { kind: 'variable', id: 'airflow/connections/c' }
    ])
    const pattern = parseAwsSecretsManagerKwargs({ connections_lookup_pattern: '^prod_' })
    expect(smIdsForName(pattern, 'airflow/connections/dev_db')).toEqual([])
    expect(smIdsForName(pattern, 'airflow/connections/PROD_db')).toEqual([
      { kind: 'connection', id: 'PROD_db' }
    ])
    expect(smSecretName('p', 'x', '/')).toBe('p/x')
  })

  it('checks names as CreateSecret does', () => {
    expect(smSecretNameProblem('airflow/connections/a-b_c+d=e.f@g')).toBeUndefined()
    expect(smSecretNameProblem('airflow/connections/a b')).toMatch(/" "/)
    expect(smSecretNameProblem('airflow/connections/conn:1')).toMatch(/":"/)
    expect(smSecretNameProblem('x'.repeat(513))).toMatch(/513 characters/)
    expect(smSecretNameProblem('')).toMatch(/empty/)
    expect(smSecretNameWarning('airflow/variables/key-abcdef')).toMatch(/ARN/)
    expect(smSecretNameWarning('airflow/variables/key_abcdef')).toBeUndefined()
  })

  it('python str.rstrip strips a set of characters', () => {
    expect(pyRstrip('a/-/-', '-/')).toBe('a')
    expect(pyRstrip('abc', '')).toBe('abc')
  })
})

describe('AWS Secrets Manager key aliases (_standardize_secret_keys)', () => {
  it('maps the documented aliases and drops every other key', () => {
    // test_get_conn_uri_broken_field_mode
    expect(
      standardize(
        '{"user": "airflow", "pass": "airflow", "host": "host", "port": 5432, "database": "airflow", "engine": "postgresql", "description": "dropped", "dbClusterIdentifier": "x"}'
      )
    ).toEqual({
      login: 'airflow',
      password: 'airflow',
      host: 'host',
      port: 5432,
      schema: 'airflow',
      conn_type: 'postgresql',
      extra: null
    })
  })

  it('takes the first matching key in the secret’s own order', () => {
    expect(
      standardize('{"username": "a", "login": "b", "key": "k", "password": "p"}')
    ).toMatchObject({
      login: 'a',
      password: 'k'
    })
    expect(standardize('{"conn_id": "looks-like-an-id", "conn_type": "postgres"}').conn_type).toBe(
      'looks-like-an-id'
    )
    expect(
      standardize('{"remote_host": "r", "server": "s", "schema": "s1", "database": "d"}')
    ).toMatchObject({
      host: 'r',
      schema: 's1'
    })
  })

  it('adds extra_conn_words, with "user" meaning login', () => {
    // test_get_conn_uri_broken_field_mode_extra_words_added
    expect(
      standardize(
        '{"usuario": "airflow", "pass": "airflow", "host": "host", "port": 5432, "schema": "airflow", "engine": "postgresql"}',
        {
          extra_conn_words: { user: ['usuario'] }
        }
      ).login
    ).toBe('airflow')
    expect(
      standardize('{"hostname": "h"}', { extra_conn_words: { host: ['hostname'] } }).host
    ).toBe('h')
    // list.extend(str) extends by characters
    expect(standardize('{"h": "x"}', { extra_conn_words: { host: 'hq' } }).host).toBe('x')
  })

  it('keeps a nested extra object as it is (test_..._extra_allows_nested_json)', () => {
    const out = standardizeSecretKeys(
      pyJsonLoads('{"conn_type": "postgresql", "extra": {"foo": "bar"}}') as PyDict,
      defaults
    )
    expect(out.get('extra')).toBeInstanceOf(PyDict)
  })

  it('fails JSON secrets where Airflow raises on extra_conn_words', () => {
    const bad = parseAwsSecretsManagerKwargs({ extra_conn_words: { description: ['d'] } })
    expect(bad.connWordsError).toMatch(/KeyError/)
    expect(() => standardizeSecretKeys(new PyDict(), bad)).toThrow(/KeyError/)
    expect(parseAwsSecretsManagerKwargs({ extra_conn_words: { host: 3 } }).connWordsError).toMatch(
      /TypeError/
    )
    expect(parseAwsSecretsManagerKwargs({ extra_conn_words: null }).connWordsError).toBeUndefined()
  })

  it('names the keys Airflow drops', () => {
    const secret = pyJsonLoads('{"description": "d", "user": "u", "team_name": "t"}') as PyDict
    expect(smDroppedKeys(secret, defaults)).toEqual(['description', 'team_name'])
  })
})

describe('Python regular expressions (re.match with IGNORECASE)', () => {
  const SUBJECTS = [
    'test',
    'TEST',
    'prod_db',
    'PROD_DB',
    'xprod_db',
    'a',
    'a\n',
    'a\n\n',
    '\na',
    'my_db',
    'my-db',
    '123',
    '\u0661\u0662',
    '\u00e9',
    '\u00c9',
    'a b',
    'a\u3000b',
    'a\u001cb',
    'foo bar',
    'foobar',
    'ab',
    'aab',
    'a{}',
    'i',
    'I',
    '\u0131',
    '\u0130',
    's',
    '\u017f',
    'k',
    '\u212a',
    'a.b',
    'axb',
    'conn_01',
    'var_99',
    ''
  ]
  const TABLE: [string, number[]][] = [
    ['test', [0, 1]],
    [
      '.*',
      [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35
      ]
    ],
    ['T.*', [0, 1]],
    ['dummy-pattern', []],
    ['^prod_', [2, 3]],
    ['prod_.*$', [2, 3]],
    ['a$', [5, 6]],
    ['a\\Z', [5]],
    ['(?-i:prod)_', [2]],
    ['[a-z]+_db$', [2, 3, 4, 9]],
    [
      '[^_]+$',
      [
        0, 1, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
        28, 29, 30, 31, 32
      ]
    ],
    ['\\d+$', [11, 12]],
    [
      '\\w+$',
      [
        0, 1, 2, 3, 4, 5, 6, 9, 11, 12, 13, 14, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 32, 33,
        34
      ]
    ],
    ['\\s', [8]],
    ['\\bfoo\\b', [18]],
    ['(a)\\1b', [21]],
    ['(?P<x>a)(?P=x)b', [21]],
    ['a{,1}b', [20]],
    ['a{}', [22]],
    ['a.b', [15, 16, 17, 21, 31, 32]],
    ['(?s)a.', [6, 7, 15, 16, 17, 20, 21, 22, 31, 32]],
    ['(?m)a$', [5, 6, 7]],
    ['(?x) a \\  b', [15]],
    ['[\\W]', [8]],
    ['i', [23, 24, 25, 26]],
    ['[h-j]$', [23, 24, 25, 26]],
    ['s$', [27, 28]],
    ['k$', [29, 30]],
    ['(conn|var)_\\d{2}$', [33, 34]],
    [
      '(?!my)\\w+',
      [
        0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
        28, 29, 30, 31, 32, 33, 34
      ]
    ],
    ['$', [35]],
    [
      '',
      [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35
      ]
    ]
  ]

  it.each(TABLE)(
    're.match(%j, s, re.I) matches the same subjects as CPython',
    (pattern, expected) => {
      const re = compilePythonRegex(pattern, { ignoreCase: true })
      const got = SUBJECTS.flatMap((s, k) => (re.match(s) ? [k] : []))
      expect(got).toEqual(expected)
    }
  )

  it.each([
    ['\\q', 'bad escape \\q'],
    ['[a', 'unterminated character set'],
    ['(a', 'missing ), unterminated subpattern'],
    ['a)', 'unbalanced parenthesis'],
    ['*a', 'nothing to repeat'],
    ['a**', 'multiple repeat'],
    ['[z-a]', 'bad character range'],
    ['(?<=a+)b', 'look-behind requires fixed-width pattern'],
    ['\\1', 'invalid group reference 1'],
    ['(?P<a>x)(?P<a>y)', "redefinition of group name 'a' as group 2; was group 1"],
    ['a{3,2}', 'min repeat greater than max repeat'],
    ['(?z)', 'unknown extension ?z'],
    ['(?i-i:a)', 'bad inline flags: flag turned on and off'],
    ['(?L)a', "bad inline flags: cannot use 'L' flag with a str pattern"],
    ['\\777', 'octal escape value \\777 outside of range 0-0o377']
  ])('%j is invalid as in Python: %s', (pattern, message) => {
    let error: unknown
    try {
      compilePythonRegex(pattern, { ignoreCase: true })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PyRegexError)
    expect((error as PyRegexError).problem).toBe('invalid')
    expect((error as PyRegexError).message).toContain(message)
  })

  it.each(['a++', '(?>a)', '(?(1)a|b)', '\\N{LATIN SMALL LETTER A}', 'a(?i)b', '(?a)\\w'])(
    '%j is refused as not reproducible',
    (pattern) => {
      expect(() => compilePythonRegex(pattern, { ignoreCase: true })).toThrow(PyRegexError)
      try {
        compilePythonRegex(pattern, { ignoreCase: true })
      } catch (e) {
        expect((e as PyRegexError).problem).toBe('unsupported')
      }
    }
  )

  it('agrees with CPython on seeded random ids', () => {
    const random = seededRandom(2718)
    const alphabet = [
      'a',
      'A',
      'i',
      'I',
      '\u0131',
      '\u0130',
      '_',
      '-',
      '/',
      '\n',
      ' ',
      '1',
      '\u00e9',
      '\u017f',
      's',
      '\u212a',
      'k',
      '.',
      'p',
      'r',
      'o',
      'd'
    ]
    const subjects = Array.from({ length: 400 }, () =>
      Array.from(
        { length: Math.floor(random() * 7) },
        () => alphabet[Math.floor(random() * alphabet.length)]
      ).join('')
    )
    const patterns = [
      ...TABLE.map(([p]) => p),
      '^prod',
      '[a-z_]+$',
      '\\w*\\Z',
      '(?:i|s)+$',
      '[^\\s/]+',
      '.{2,3}$',
      '(?m)^d',
      '\\B.',
      '(?<=a)i',
      'K',
      '[k]',
      '(?-i:[a-z]+)$'
    ]
    const python = runPython<boolean[][]>(
      'import json, re, sys\nd = json.load(sys.stdin)\nprint(json.dumps([[bool(re.match(p, s, re.IGNORECASE)) for s in d["s"]] for p in d["p"]]))',
      { s: subjects, p: patterns }
    )
    patterns.forEach((pattern, k) => {
      const re = compilePythonRegex(pattern, { ignoreCase: true })
      const mismatches = subjects.filter((s, j) => re.match(s) !== python[k]![j])
      expect(mismatches, pattern).toEqual([])
    })
  })

  it('is case-sensitive without IGNORECASE', () => {
    expect(compilePythonRegex('Test').match('test')).toBe(false)
    expect(compilePythonRegex('(?i)Test').match('test')).toBe(true)
  })
})
