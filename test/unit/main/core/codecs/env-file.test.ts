/**
 * The `.env` codec against each loader's own rules. Compose cases are transcribed from
 * compose-spec/compose-go `dotenv/godotenv_test.go` and `parser_test.go`; python-dotenv rows
 * are theskumar/python-dotenv `tests/test_parser.py` inputs plus extra cases, their expected
 * values produced by python-dotenv's own parser.py/main.py (load_dotenv semantics, empty
 * environment) — python-dotenv is not installed here, so they are kept as data.
 */
import fc from 'fast-check'
import { FUZZ_SEED } from '../../../../support/fuzz'
import { describe, expect, it } from 'vitest'
import {
  ENV_FILE_LOADER_LABEL,
  EnvFileChecks,
  decodeEnvFile,
  encodeEnvFile,
  rewriteEnvFile,
  updateEnvFile,
  type EnvFileDialect,
  type EnvFileLoader
} from '../../../../../src-main/core/codecs/env-file'
import {
  composeReadsLiterally,
  pythonReadsLiterally
} from '../../../../../src-main/core/codecs/env-file/encode'
import { CodecError } from '../../../../../src-main/core/errors'

const LOADERS: readonly EnvFileLoader[] = ['compose', 'python-dotenv']

function values(
  text: string,
  dialect: EnvFileDialect,
  environment: Record<string, string> = {}
): Record<string, string> {
  return Object.fromEntries(
    decodeEnvFile(text, dialect, { environment }).value.map((v) => [v.name, v.value])
  )
}

describe('env-file codec: docker compose rules', () => {
  // compose-go dotenv/godotenv_test.go: TestParsing, TestExpanding, TestVariableStringValueSeparator
  const CASES: [string, string, string][] = [
    ['FOO=bar', 'FOO', 'bar'],
    ['FOO =bar', 'FOO', 'bar'],
    ['FOO= bar', 'FOO', 'bar'],
    ['FOO="bar"', 'FOO', 'bar'],
    ["FOO='bar'", 'FOO', 'bar'],
    ['FOO="escaped\\"bar"', 'FOO', 'escaped"bar'],
    ['FOO="\\"quoted\\""', 'FOO', '"quoted"'],
    [`FOO="'d'"`, 'FOO', "'d'"],
    ['OPTION_A: 1', 'OPTION_A', '1'],
    ['OPTION_A: Foo=bar', 'OPTION_A', 'Foo=bar'],
    ['OPTION_A=1:B', 'OPTION_A', '1:B'],
    ['export OPTION_A=2', 'OPTION_A', '2'],
    ["export OPTION_B='\\n'", 'OPTION_B', '\\n'],
    ['export exportFoo=2', 'exportFoo', '2'],
    ['exportFOO=2', 'exportFOO', '2'],
    ['export_FOO =2', 'export_FOO', '2'],
    ['export.FOO= 2', 'export.FOO', '2'],
    ['export\tOPTION_A=2', 'OPTION_A', '2'],
    ['  export OPTION_A=2', 'OPTION_A', '2'],
    ['\texport OPTION_A=2', 'OPTION_A', '2'],
    ['export OPTION_A="export A"', 'OPTION_A', 'export A'],
    ['FOO="bar\\nbaz"', 'FOO', 'bar\nbaz'],
    ['FOO=a\\tb', 'FOO', 'a\\tb'],
    ['FOO="a\\tb"', 'FOO', 'a\tb'],
    ['KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', 'KEY', 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ'],
    ['FOO.BAR=foobar', 'FOO.BAR', 'foobar'],
    ['FOO=foobar=', 'FOO', 'foobar='],
    ['FOO=bar ', 'FOO', 'bar'],
    ['FOO=bar # this is foo', 'FOO', 'bar'],
    ['FOO=bar #this is foo', 'FOO', 'bar'],
    ['FOO=bar #', 'FOO', 'bar'],
    ['FOO=123#not-an-inline-comment', 'FOO', '123#not-an-inline-comment'],
    ['FOO="bar#baz"', 'FOO', 'bar#baz'],
    ['FOO="bar#baz"#', 'FOO', 'bar#baz'],
    ['FOO="bar#baz" # comment', 'FOO', 'bar#baz'],
    ["FOO='bar#baz' # comment", 'FOO', 'bar#baz'],
    ['FOO="bar#baz#bang" # comment', 'FOO', 'bar#baz#bang'],
    ['FOO="ba#r"', 'FOO', 'ba#r'],
    ["FOO='ba#r'", 'FOO', 'ba#r'],
    ['FOO="bar\\n\\ b\\az"', 'FOO', 'bar\n\\ b\x07z'],
    ['FOO="bar\\\\\\n\\ b\\az"', 'FOO', 'bar\\\n\\ b\x07z'],
    ['FOO="bar\\\\r\\ b\\az"', 'FOO', 'bar\\r\\ b\x07z'],
    ['FOO="bar\\nbaz\\\\"', 'FOO', 'bar\nbaz\\'],
    [' KEY =value', 'KEY', 'value'],
    ['   KEY=value', 'KEY', 'value'],
    ['\tKEY=value', 'KEY', 'value'],
    ['KEY="\\0123"', 'KEY', 'S'],
    ['KEY="\\x07"', 'KEY', '\\x07'],
    ['KEY="\\u12e4"', 'KEY', '\\u12e4'],
    ['KEY="\\U00101234"', 'KEY', '\\U00101234'],
    ['FOO=test\nBAR=$FOO', 'BAR', 'test'],
    ['FOO=test\nBAR=${FOO}bar', 'BAR', 'testbar'],
    ['BAR=$FOO', 'BAR', ''],
    ['FOO=test\nBAR="quote $FOO"', 'BAR', 'quote test'],
    ["BAR='quote $FOO'", 'BAR', 'quote $FOO'],
    ['FOO="foo\\$BAR"', 'FOO', 'foo$BAR'],
    ['FOO="foo\\${BAR}"', 'FOO', 'foo${BAR}'],
    ['FOO=test\nBAR="foo\\${FOO} ${FOO}"', 'BAR', 'foo${FOO} test'],
    [
      'TEST_URLS="stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"',
      'TEST_URLS',
      'stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443'
    ],
    // fixtures/quoted.env, plain.env, special.env, equals.env, substitutions.env
    ["OPTION_K='Let\\'s go!'", 'OPTION_K', "Let's go!"],
    ['OPTION_I = "echo \'asd\'" # Inline comment', 'OPTION_I', "echo 'asd'"],
    ["OPTION_J = 'first line\nsecond line'", 'OPTION_J', 'first line\nsecond line'],
    ['OPTION_H = my string # Inline comment', 'OPTION_H', 'my string'],
    ['OPTION_F = ', 'OPTION_F', ''],
    ['456 = ABC', '456', 'ABC'],
    ['VAR-WITH-DASHES=dashes', 'VAR-WITH-DASHES', 'dashes'],
    ['a[1]=c', 'a[1]', 'c'],
    [
      'árvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép',
      'árvíztűrő-TÜKÖRFÚRÓGÉP',
      'ÁRVÍZTŰRŐ-tükörfúrógép'
    ],
    [
      'OPTION_A=postgres://localhost:5432/database?sslmode=disable',
      'OPTION_A',
      'postgres://localhost:5432/database?sslmode=disable'
    ],
    ['OPTION_A=1\nOPTION_D=${OPTION_A}_${OPTION_A}', 'OPTION_D', '1_1'],
    ['OPTION_E=${OPTION_NOT_DEFINED}', 'OPTION_E', ''],
    ['\ufeffOPTION_A=1', 'OPTION_A', '1'],
    // template/template.go operators
    ['A=1\nB=${A:-x}', 'B', '1'],
    ['C=${Z:-${A}}\nA=1', 'C', ''],
    ['A=1\nC=${Z:-${A}}', 'C', '1'],
    ['A=\nB=${A:-d}', 'B', 'd'],
    ['A=\nB=${A-d}', 'B', ''],
    ['A=1\nB=${A:+y}', 'B', 'y'],
    ['B=${Z+y}', 'B', ''],
    ['A=1\nF=${A}-${Z:-q}', 'F', '1-q'],
    ['A=$$x', 'A', '$x'],
    ['A=$1 $ x', 'A', '$1 $ x']
  ]
  it.each(CASES)('reads %j: %s = %j', (text, name, value) => {
    const decoded = decodeEnvFile(text, 'compose')
    expect(decoded.problems).toEqual([])
    expect(values(text, 'compose')[name]).toBe(value)
  })

  // compose-go stops at the first of these; Airlock reports them all, with their lines
  const PROBLEMS: [string, number, RegExp][] = [
    ['%!(EXTRA string)=foo', 1, /Unexpected character "%"/],
    ['lol$wut', 1, /Unexpected character "\$"/],
    ['KEY="', 1, /Unterminated quoted value/],
    ['KEY="value', 1, /Unterminated/],
    ['KEY="value\\"', 1, /Unterminated/],
    ['KEY="value\'', 1, /Unterminated/],
    ["KEY='", 1, /Unterminated/],
    ["KEY='value\\'", 1, /Unterminated/],
    ['# some comments\nfoo="\n  a\n  multine\n  value\n"\nINVALID LINE\nzot=qix', 7, /space/],
    ['A=1\nB=${', 2, /cannot interpolate/],
    ['B=${NEEDED:?set it}', 1, /requires NEEDED, which is not set/],
    ['A=1\n=x', 2, /No variable name/],
    ['A=1\nTRAILING', 2, /ends the file without a line break/]
  ]
  it.each(PROBLEMS)('reports a problem in %j on line %i', (text, line, message) => {
    const { problems } = decodeEnvFile(text, 'compose')
    expect(problems).toHaveLength(1)
    expect(problems[0]!.line).toBe(line)
    expect(problems[0]!.message).toMatch(message)
  })

  it('reports every problem, not just the first, and still reads the other lines', () => {
    const text = 'OK=1\nBAD LINE=2\nALSO/BAD=3\nQ="open\nLAST=4\n'
    const decoded = decodeEnvFile(text, 'compose')
    expect(decoded.problems.map((p) => p.line)).toEqual([2, 3, 4])
    expect(values(text, 'compose')).toEqual({ OK: '1', LAST: '4' })
  })

  it('never repeats a value in a message', () => {
    const secret = 'hunter2-secret'
    const text = `A="${secret}\nB=${secret} x\nC=\${${secret}\nD=\${X:?${secret}}\n${secret} y=1\n`
    const { problems, warnings } = decodeEnvFile(text, 'compose')
    expect(problems.length).toBeGreaterThan(0)
    for (const p of [...problems, ...warnings]) expect(p.message).not.toContain(secret)
  })

  // Found by test/unit/main/fuzz/env-file.test.ts: the name after a `$` in an unquoted
  // password, the text after a stray \r, and a last line without "=" were shown as names.
  it.each([
    ['A=pa$swordSecret9\n', 'compose'],
    ['A="pa$swordSecret9"\n', 'compose'],
    ['A=${swordSecret9}\n', 'python-dotenv'],
    ['_=\rswordSecret9\t"', 'python-dotenv'],
    ['A=1\nswordSecret9', 'compose'],
    ['A=""xswordSecret9\n"', 'compose']
  ] as const)('never shows a piece of a value as a name in %j (%s)', (text, loader) => {
    const { problems, warnings } = decodeEnvFile(text, loader)
    expect(problems.length + warnings.length).toBeGreaterThan(0)
    for (const p of [...problems, ...warnings]) expect(p.message).not.toContain('swordSecret9')
  })

  it('takes a bare name from the environment, or leaves it unset', () => {
    const text = 'foo=bar\nVAR_FROM_ENV\nbar=baz\n'
    expect(values(text, 'compose', { VAR_FROM_ENV: 'v' })).toEqual({
      foo: 'bar',
      VAR_FROM_ENV: 'v',
      bar: 'baz'
    })
    const decoded = decodeEnvFile(text, 'compose')
    expect(decoded.value.map((v) => v.name)).toEqual(['foo', 'bar'])
    expect(decoded.warnings).toEqual([{ line: 2, message: expect.stringMatching(/no "="/) }])
  })

  it('lets the environment win over earlier lines in references (TestSubstitutionsWithEnvFilePrecedence)', () => {
    const text =
      'OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n'
    expect(values(text, 'compose', { OPTION_A: '5' })).toEqual({
      OPTION_A: '1',
      OPTION_B: '5',
      OPTION_C: '5',
      OPTION_D: '5_5',
      OPTION_E: ''
    })
  })

  it('warns about unset references and names set twice, and keeps the last value', () => {
    const decoded = decodeEnvFile('A=$MISSING\nB=1\nB=2\n', 'compose')
    expect(decoded.value).toEqual([
      { name: 'A', value: '', line: 1 },
      { name: 'B', value: '2', line: 3 }
    ])
    expect(decoded.warnings.map((w) => w.line)).toEqual([1, 3])
    expect(decoded.warnings[0]!.message).toMatch(/refers to a variable that is not set/)
    expect(decoded.warnings[1]!.message).toMatch(/set again \(first on line 2\)/)
  })

  it('returns values as handed to interpolation when asked not to interpolate', () => {
    expect(decodeEnvFile('A="x\\$y $B"\n', 'compose', { interpolate: false }).value[0]!.value).toBe(
      'x$$y $B'
    )
  })

  it('warns when text follows a closing quote (compose reads a second statement there)', () => {
    const decoded = decodeEnvFile('A="x" B=1\n', 'compose')
    expect(values('A="x" B=1\n', 'compose')).toEqual({ A: 'x', B: '1' })
    expect(decoded.warnings[0]!.message).toMatch(/another statement/)
  })
})

describe('env-file codec: python-dotenv rules', () => {
  // [input, values python-dotenv sets, lines Airlock reports problems on]
  const ROWS: [string, Record<string, string>, number[]][] = [
    ['', {}, []],
    ['a=b', { a: 'b' }, []],
    ["'a'=b", { a: 'b' }, []],
    ['[=b', { '[': 'b' }, []],
    [' a = b ', { a: 'b' }, []],
    ['export a=b', { a: 'b' }, []],
    [" export 'a'=b", { a: 'b' }, []],
    ['# a=b', {}, []],
    ['a=b#c', { a: 'b#c' }, []],
    ['a=b #c', { a: 'b' }, []],
    ['a=b\t#c', { a: 'b' }, []],
    ['a=b c', { a: 'b c' }, []],
    ['a=b\tc', { a: 'b\tc' }, []],
    ['a=b  c', { a: 'b  c' }, []],
    ['a=b\u00a0 c', { a: 'b\u00a0 c' }, []],
    ['a=b c ', { a: 'b c' }, []],
    ["a='b c '", { a: 'b c ' }, []],
    ['a="b c "', { a: 'b c ' }, []],
    ['export export_a=1', { export_a: '1' }, []],
    ['export port=8000', { port: '8000' }, []],
    ['a="b\nc"', { a: 'b\nc' }, []],
    ["a='b\nc'", { a: 'b\nc' }, []],
    ['a="b\\nc"', { a: 'b\nc' }, []],
    ["a='b\\nc'", { a: 'b\\nc' }, []],
    ['a="b\\"c"', { a: 'b"c' }, []],
    ["a='b\\'c'", { a: "b'c" }, []],
    ['a=à', { a: 'à' }, []],
    ['a="à"', { a: 'à' }, []],
    ['no_value_var', {}, []],
    ['a: b', {}, [1]],
    ['a=b\nc=d', { a: 'b', c: 'd' }, []],
    ['a=b\rc=d', { a: 'b', c: 'd' }, []],
    ['a=b\r\nc=d', { a: 'b', c: 'd' }, []],
    ['a=\nb=c', { a: '', b: 'c' }, []],
    ['\n\n', {}, []],
    ['a=b\n\n', { a: 'b' }, []],
    ['a=b\n\nc=d', { a: 'b', c: 'd' }, []],
    ['a="\nb=c', { b: 'c' }, [1]],
    ['# comment\na="b\nc"\nd=e\n', { a: 'b\nc', d: 'e' }, []],
    ['a=b\n# comment 1', { a: 'b' }, []],
    ['# comment 1\n# comment 2', {}, []],
    ['uglyKey[%$="S3cr3t_P4ssw#rD" #\na=b', { 'uglyKey[%$': 'S3cr3t_P4ssw#rD', a: 'b' }, []],
    ['\ufeffa=b', { a: 'b' }, []],
    ["a=${b:-x}\nc='${a}'", { a: 'x', c: 'x' }, []],
    ['a=1\nb=${a}\nc="${a:-z}"\nd=$a\ne=${nope}', { a: '1', b: '1', c: '1', d: '$a', e: '' }, []],
    ['a=1\na\nb=${a}', { b: '' }, []],
    ['a=""\nb=${a:-d}', { a: '', b: '' }, []],
    ['a="b\\\\"\nc="d"\n', {}, [1]],
    ['x="a\rb"\n', { x: 'a\nb' }, []],
    ['x="a\r\nb"\n', { x: 'a\nb' }, []],
    ['export  =1', {}, [1]],
    ['export=1', { export: '1' }, []],
    ['=x', {}, [1]],
    ["a='x' y", {}, [1]],
    ['a="x"#c', { a: 'x' }, []],
    ['A B=1', {}, [1]],
    ['a="\\a\\b\\f\\r\\t\\v\\\\\\\'\\"\\$\\0"', { a: '\u0007\b\f\r\t\u000b\\\'"\\$\\0' }, []],
    ["a='\\\\ \\' \\n'", { a: "\\ ' \\n" }, []],
    ['a=$$x', { a: '$$x' }, []],
    ['a="x\\\\"', { a: 'x\\' }, []],
    ["a='x\\\\'", { a: 'x\\' }, []],
    ['a: b\nc=d\n"e"=f\ng=h', { c: 'd', '"e"': 'f', g: 'h' }, [1]]
  ]
  it.each(ROWS)('reads %j', (text, want, problemLines) => {
    const decoded = decodeEnvFile(text, 'python-dotenv')
    expect(values(text, 'python-dotenv')).toEqual(want)
    expect(decoded.problems.map((p) => p.line)).toEqual(problemLines)
  })

  it('reports the line where the bad statement starts, after blank lines', () => {
    // python-dotenv's own log names the line after the previous statement (here 2)
    const decoded = decodeEnvFile('a=1\n\n\nb c\nd=2\n', 'python-dotenv')
    expect(decoded.problems).toEqual([{ line: 4, message: expect.stringMatching(/"="/) }])
    expect(values('a=1\n\n\nb c\nd=2\n', 'python-dotenv')).toEqual({ a: '1', d: '2' })
  })

  it('fills ${NAME} from the environment first, then earlier lines; leaves $NAME alone', () => {
    expect(values('A=1\nB=${A}\nC=$A\nD=${Z:-dflt}\n', 'python-dotenv', { A: 'env' })).toEqual({
      A: '1',
      B: 'env',
      C: '$A',
      D: 'dflt'
    })
  })
})

describe('env-file codec: Airflow LocalFilesystemBackend rules', () => {
  it('splits at the first "=" and keeps quotes, blanks and "export"', () => {
    const text = "# c\nA='x'\nexport B= y \nC=a=b\n"
    expect(decodeEnvFile(text, 'airflow')).toEqual({
      value: [
        { name: 'A', value: "'x'", line: 2 },
        { name: 'export B', value: ' y ', line: 3 },
        { name: 'C', value: 'a=b', line: 4 }
      ],
      problems: [],
      warnings: []
    })
  })

  it('reports lines without "=", empty keys and values, and repeated keys', () => {
    const { problems } = decodeEnvFile('NOEQ\n=v\nK=\nD=1\nD=2\n', 'airflow')
    expect(problems.map((p) => p.line)).toEqual([1, 2, 3, 4])
    expect(problems[3]!.message).toMatch(/duplicates/)
  })
})

describe('env-file codec: where the loaders disagree', () => {
  // [file, what docker compose sets, what python-dotenv sets]
  const DISAGREE: [string, Record<string, string>, Record<string, string>][] = [
    ['A: b\n', { A: 'b' }, {}],
    ['A=$$x\n', { A: '$x' }, { A: '$$x' }],
    ['B=1\nA=$B\n', { A: '1', B: '1' }, { A: '$B', B: '1' }],
    ["B=1\nA='${B}'\n", { A: '${B}', B: '1' }, { A: '1', B: '1' }],
    ['A="\\$x"\n', { A: '$x' }, { A: '\\$x' }],
    ['A="\\\'"\n', { A: "\\'" }, { A: "'" }],
    ["A='\\\\'\n", { A: '\\\\' }, { A: '\\' }],
    ['A="\\0101"\n', { A: 'A' }, { A: '\\0101' }],
    ['A=b\t#c\n', { A: 'b\t#c' }, { A: 'b' }],
    ['A="x" B=1\n', { A: 'x', B: '1' }, {}],
    ['A="x\\\\"\nB="y"\n', { A: 'x\\', B: 'y' }, {}],
    ['A="a\r\nb"\n', { A: 'a\r\nb' }, { A: 'a\nb' }],
    ['A=${B-x}\n', { A: 'x' }, { A: '' }],
    ['B=\nA=${B:-x}\n', { A: 'x', B: '' }, { A: '', B: '' }],
    ['my/conn=x\n', {}, { 'my/conn': 'x' }]
  ]
  it.each(DISAGREE)('%j', (text, compose, python) => {
    expect(values(text, 'compose')).toEqual(compose)
    expect(values(text, 'python-dotenv')).toEqual(python)
  })
})

describe('env-file codec: encoding', () => {
  const FORMS: [string, string][] = [
    ['', 'A=\n'],
    ['postgres://u:p%40ss@db:5432/x', 'A=postgres://u:p%40ss@db:5432/x\n'],
    ['http://h/?a=1&b=2', "A='http://h/?a=1&b=2'\n"],
    ['{"conn_type": "postgres", "host": "db"}', `A='{"conn_type": "postgres", "host": "db"}'\n`],
    ['a $HOME #x', "A='a $HOME #x'\n"],
    ["it's", `A="it's"\n`],
    ['two\nlines\ttab', 'A="two\\nlines\\ttab"\n'],
    ['back\\\\slash "q"', 'A="back\\\\\\\\slash \\"q\\""\n'],
    ['C:\\dir\\', 'A=C:\\dir\\\n'],
    ['${X}', "A='${X}'\n"],
    ["it's $HOME", `A="it's $$HOME"\n`]
  ]
  it.each(FORMS)('writes %j as %j', (value, text) => {
    expect(encodeEnvFile([{ name: 'A', value }]).text).toBe(text)
  })

  it('writes connection JSON on one line', () => {
    const json = '{"conn_type": "http", "extra": {"headers": {"X": "a\'b"}}, "password": "p\\"w"}'
    const { text, warnings } = encodeEnvFile([{ name: 'AIRFLOW_CONN_API', value: json }])
    expect(text.split('\n')).toHaveLength(2)
    expect(warnings).toEqual([])
    for (const loader of LOADERS) expect(values(text, loader)).toEqual({ AIRFLOW_CONN_API: json })
  })

  it('warns, by name only, about values no quoting carries in both loaders', () => {
    const { warnings } = encodeEnvFile([
      { name: 'AIRFLOW_VAR_TEMPLATE', value: 'echo ${HOME}' },
      { name: 'AIRFLOW_VAR_MIXED', value: "it's $HOME" },
      { name: 'AIRFLOW_VAR_NUL', value: 'a\0b' },
      { name: 'AIRFLOW_VAR_FINE', value: 'fine value' }
    ])
    expect(warnings.map((w) => w.name).sort()).toEqual([
      'AIRFLOW_VAR_MIXED',
      'AIRFLOW_VAR_NUL',
      'AIRFLOW_VAR_TEMPLATE'
    ])
    expect(warnings.find((w) => w.name === 'AIRFLOW_VAR_TEMPLATE')!.message).toMatch(
      /python-dotenv expands/
    )
    for (const w of warnings) expect(w.message).not.toMatch(/HOME|it's|a\0b/)
  })

  it('reads a plain file back as the exact decoders do: a lone surrogate is warned about once', () => {
    // the read-back of plain lines takes compose's fast path from UTF-8 bytes, where a lone
    // surrogate would turn into U+FFFD and read back as another value
    const vars = [
      { name: 'AIRFLOW_VAR_PLAIN', value: 'plain' },
      { name: 'AIRFLOW_VAR_LONE', value: 'a\uD800b' },
      { name: 'AIRFLOW_VAR_QUOTED', value: 'two words' }
    ]
    const { text, warnings } = encodeEnvFile(vars)
    expect(text).toBe(
      "AIRFLOW_VAR_PLAIN=plain\nAIRFLOW_VAR_LONE='a\uD800b'\nAIRFLOW_VAR_QUOTED='two words'\n"
    )
    expect(warnings).toEqual([
      {
        name: 'AIRFLOW_VAR_LONE',
        message: expect.stringMatching(/lone surrogate\) and cannot be written as UTF-8\.$/)
      }
    ])
  })

  it('writes for python-dotenv when asked to prefer it', () => {
    const { text } = encodeEnvFile([{ name: 'A', value: "it's $HOME" }], {
      prefer: 'python-dotenv'
    })
    expect(values(text, 'python-dotenv')).toEqual({ A: "it's $HOME" })
  })

  it('warns about names shells cannot express and names compose cannot read', () => {
    const { warnings } = encodeEnvFile([
      { name: 'AIRFLOW_CONN_MY.CONN-1', value: 'x' },
      { name: 'AIRFLOW_CONN_A/B', value: 'x' }
    ])
    expect(warnings.filter((w) => w.name === 'AIRFLOW_CONN_MY.CONN-1')).toEqual([
      { name: 'AIRFLOW_CONN_MY.CONN-1', message: expect.stringMatching(/shells/) }
    ])
    expect(
      warnings.filter((w) => w.name === 'AIRFLOW_CONN_A/B').map((w) => w.message)
    ).toContainEqual(expect.stringMatching(/^docker compose cannot read the line/))
  })
})

describe('env-file codec: round trip', () => {
  const tricky = fc.constantFrom(
    'a',
    'Z',
    '0',
    ' ',
    '\t',
    '\n',
    '\r',
    "'",
    '"',
    '\\',
    '$',
    '{',
    '}',
    '#',
    '=',
    ':',
    '-',
    '_',
    '?',
    '&',
    '%',
    '@',
    '/',
    'é',
    '😀',
    '\u00a0',
    '\u2028',
    '\x0b',
    '\x01'
  )
  const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/)
  const files = (value: fc.Arbitrary<string>) =>
    fc.uniqueArray(fc.record({ name, value }), { selector: (v) => v.name, maxLength: 6 })

  it('gives back every value in both loaders, or warns about it by name', () => {
    fc.assert(
      fc.property(files(fc.string({ unit: tricky, maxLength: 16 })), (vars) => {
        const { text, warnings } = encodeEnvFile(vars)
        for (const loader of LOADERS) {
          const got = values(text, loader)
          for (const v of vars)
            if (got[v.name] !== v.value)
              expect(
                warnings.some(
                  (w) => w.name === v.name && w.message.includes(ENV_FILE_LOADER_LABEL[loader])
                ),
                `${loader} ${JSON.stringify(v)}`
              ).toBe(true)
        }
        // what compose (preferred) cannot read back is only what no environment can hold
        const compose = values(text, 'compose')
        for (const v of vars) if (!v.value.includes('\0')) expect(compose[v.name]).toBe(v.value)
      }),
      { seed: FUZZ_SEED, numRuns: 500 }
    )
  })

  it('carries any value without "$" that does not end in a backslash, in both, with no warning', () => {
    const value = fc
      .oneof(
        fc.string({ unit: tricky, maxLength: 16 }),
        fc.string({ unit: 'grapheme', maxLength: 16 })
      )
      .map((s) => s.replaceAll('$', '').replaceAll('\0', ''))
      .filter((s) => !s.endsWith('\\'))
    fc.assert(
      fc.property(files(value), (vars) => {
        const { text, warnings } = encodeEnvFile(vars)
        expect(warnings.filter((w) => !/shells/.test(w.message))).toEqual([])
        for (const loader of LOADERS)
          expect(values(text, loader)).toEqual(
            Object.fromEntries(vars.map((v) => [v.name, v.value]))
          )
      }),
      { seed: FUZZ_SEED, numRuns: 500 }
    )
  })

  it('carries "$" in both loaders whenever single quotes can (no quote, backslash, control)', () => {
    const unit = fc.constantFrom('a', ' ', '$', '{', '}', '#', '"', 'é', '=', ':')
    const value = fc
      .string({ unit, maxLength: 16 })
      .filter((s) => !/\$\{[^}:]*(?::-[^}]*)?\}/.test(s))
    fc.assert(
      fc.property(files(value), (vars) => {
        const { text, warnings } = encodeEnvFile(vars)
        expect(warnings).toEqual([])
        for (const loader of LOADERS)
          expect(values(text, loader)).toEqual(
            Object.fromEntries(vars.map((v) => [v.name, v.value]))
          )
      }),
      { seed: FUZZ_SEED, numRuns: 300 }
    )
  })
  it('checks line by line with the warnings of encodeEnvFile, asking again only for a read-back', () => {
    // names repeat (written twice) and some are no shell names; values from the tricky alphabet
    const vars = fc.array(
      fc.record({
        name: fc.constantFrom('A', 'B', 'AIRFLOW_VAR_X', 'A.B', 'A/B', '1X'),
        value: fc.oneof(
          fc.string({ unit: tricky, maxLength: 16 }),
          fc.stringMatching(/^[A-Za-z0-9_@%+=:,./ -]{0,12}$/)
        )
      }),
      { maxLength: 6 }
    )
    fc.assert(
      fc.property(vars, fc.constantFrom(...LOADERS), (vars, prefer) => {
        const checks = new EnvFileChecks(prefer)
        const written = vars.map((v) => checks.add(v.name, v.value))
        let asked = 0
        const warnings = checks.finish(() => {
          asked++
          return vars
        })
        const encoded = encodeEnvFile(vars, { prefer })
        expect(warnings).toEqual(encoded.warnings)
        expect(written.map((w, i) => `${vars[i]!.name}=${w}\n`).join('')).toBe(encoded.text)
        // no read-back (and no text) when both loaders read every line as written
        const literal =
          new Set(vars.map((v) => v.name)).size === vars.length &&
          vars.every(
            (v, i) =>
              pythonReadsLiterally(v.name, written[i]!, v.value) &&
              composeReadsLiterally(v.name, written[i]!, v.value)
          )
        expect(asked).toBe(literal ? 0 : 1)
      }),
      { seed: FUZZ_SEED, numRuns: 1000 }
    )
  })
})

describe('env-file codec: updating a file in place', () => {
  it('changes only the lines of the names it writes or removes', () => {
    const before =
      '# Airflow settings\nexport AIRFLOW_VAR_A=1 # keep me\n\nOTHER="x y" # other\nAIRFLOW_VAR_B=old\nAIRFLOW_VAR_Z=z'
    const { text } = updateEnvFile(before, [
      { name: 'AIRFLOW_VAR_A', value: 'two words' },
      { name: 'AIRFLOW_VAR_B', value: null },
      { name: 'AIRFLOW_VAR_C', value: 'c' }
    ])
    expect(text).toBe(
      '# Airflow settings\nexport AIRFLOW_VAR_A=\'two words\' # keep me\n\nOTHER="x y" # other\nAIRFLOW_VAR_Z=z\nAIRFLOW_VAR_C=c\n'
    )
  })

  it('replaces the last of repeated assignments and removes all of them, multi-line ones too', () => {
    const before = 'A=1\nB="multi\nline"\nA=2 # last\nB=again\nC=3\n'
    expect(updateEnvFile(before, [{ name: 'A', value: 'x' }]).text).toBe(
      'A=1\nB="multi\nline"\nA=x # last\nB=again\nC=3\n'
    )
    expect(updateEnvFile(before, [{ name: 'B', value: null }]).text).toBe('A=1\nA=2 # last\nC=3\n')
  })

  it('keeps a comment glued to a closing quote a comment', () => {
    expect(updateEnvFile('A="x"#c\n', [{ name: 'A', value: 'y' }]).text).toBe('A=y #c\n')
  })

  it('rewrites a quoted name for python-dotenv', () => {
    expect(updateEnvFile("'A'=1\n", [{ name: 'A', value: 'x' }], 'python-dotenv').text).toBe(
      'A=x\n'
    )
  })

  it('refuses a file with problems, naming the line', () => {
    expect(() => updateEnvFile('A=1\nBAD LINE=2\n', [{ name: 'C', value: '3' }])).toThrowError(
      /line 2/
    )
  })

  it('refuses a change the loader would not read back', () => {
    expect(() => updateEnvFile('', [{ name: 'AIRFLOW_CONN_A/B', value: 'x' }])).toThrow(CodecError)
    expect(() =>
      updateEnvFile('', [{ name: 'A', value: 'echo ${HOME}' }], 'python-dotenv')
    ).toThrowError(/python-dotenv reads the file back/)
    expect(updateEnvFile('', [{ name: 'A', value: 'echo ${HOME}' }]).text).toBe(
      "A='echo ${HOME}'\n"
    )
  })

  it('warns when the other loader would read a written value differently', () => {
    const { warnings } = updateEnvFile('', [{ name: 'A', value: 'echo ${HOME}' }], 'compose')
    expect(warnings).toEqual([{ name: 'A', message: expect.stringMatching(/python-dotenv/) }])
  })
})

describe('env-file codec: rewriting a file batch after batch', () => {
  const LINES = [
    '# comment',
    '',
    'export AIRFLOW_VAR_A=1 # keep',
    'AIRFLOW_VAR_B="two\nlines"',
    "AIRFLOW_VAR_C='single'",
    'REF=${AIRFLOW_VAR_A}',
    'AIRFLOW_VAR_A=again',
    'BARE',
    'AIRFLOW_VAR_D=x\r',
    'KEY: yaml'
  ]
  const NAMES = ['AIRFLOW_VAR_A', 'AIRFLOW_VAR_B', 'AIRFLOW_VAR_E', 'AIRFLOW_VAR_F', 'REF']
  const VALUES = ['v', 'two words', "it's", 'a$b', 'x # y', '', 'line\nbreak', '${HOME}', 'é']
  const change = fc.record({
    name: fc.constantFrom(...NAMES),
    value: fc.option(fc.constantFrom(...VALUES), { nil: null })
  })

  it('gives, from the scan it returned, what updateEnvFile gives from the text, and the reading decodeEnvFile gives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...LINES), { maxLength: 8 }),
        fc.array(fc.array(change, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('compose' as const, 'python-dotenv' as const),
        (lines, batches, loader) => {
          let text = lines.join('\n')
          let scan: ReturnType<typeof rewriteEnvFile>['scan'] | undefined
          for (const changes of batches) {
            let expected: string
            try {
              expected = updateEnvFile(text, changes, loader).text
            } catch (error) {
              expect(() => rewriteEnvFile(text, changes, loader, { scan })).toThrow(
                (error as Error).message
              )
              return
            }
            const quiet = rewriteEnvFile(text, changes, loader, { scan, warnings: false })
            const loud = rewriteEnvFile(text, changes, loader, { scan })
            expect(quiet.text).toBe(expected)
            expect(loud.text).toBe(expected)
            expect(quiet.warnings).toEqual([])
            expect(loud.warnings).toEqual(updateEnvFile(text, changes, loader).warnings)
            const decoded = decodeEnvFile(expected, loader)
            // in the decoder's order too (a Map's toEqual does not compare the order)
            expect(quiet.values && [...quiet.values]).toEqual(
              decoded.problems.length ? undefined : decoded.value.map((v) => [v.name, v.value])
            )
            text = expected
            scan = quiet.scan
          }
        }
      ),
      { seed: FUZZ_SEED, numRuns: 300 }
    )
  })

  it('reads a file of plain lines (no name twice, no "$") as the decoder does, in its order', () => {
    const value = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_@%+=:,./-]{0,8}$/),
      fc.constantFrom('two words', "it's", 'x # y', 'é', 'line\nbreak', '"q"', 'a\\b')
    )
    const name = fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F')
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name, value }), { selector: (v) => v.name, maxLength: 5 }),
        fc.array(fc.record({ name, value: fc.option(value, { nil: null }) }), { maxLength: 4 }),
        fc.constantFrom(...LOADERS),
        (first, changes, loader) => {
          const text = encodeEnvFile(first, { prefer: loader }).text
          const out = rewriteEnvFile(text, changes, loader, { warnings: false })
          const decoded = decodeEnvFile(out.text, loader)
          expect(decoded.problems).toEqual([])
          expect(out.values && [...out.values]).toEqual(decoded.value.map((v) => [v.name, v.value]))
        }
      ),
      { seed: FUZZ_SEED, numRuns: 500 }
    )
  })

  it('has no reading to give when the new text has problems after interpolation', () => {
    const out = rewriteEnvFile('A=${UNSET:?needed}\n', [{ name: 'B', value: '1' }], 'compose', {
      warnings: false
    })
    expect(out.text).toBe('A=${UNSET:?needed}\nB=1\n')
    expect(out.values).toBeUndefined()
  })
})
