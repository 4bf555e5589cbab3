import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  cfgGet,
  expandEnvVar,
  parseAirflowCfg,
  parseSqlAlchemyUrl,
  readAirflowConfig,
  type AirflowRuntimeProfile
} from '../../../../src-main/core/airflow-config'
import { CodecError } from '../../../../src-main/core/errors'
import {
  loadAirflowConfig,
  resolveAirflowConfigPath,
  shlexSplit
} from '../../../../src-main/platform/airflow-config-file'
import { runPython } from '../../../support/python'
import { tempDir } from '../../../support/temp-dir'

// Python's configparser as Airflow builds it (case-keeping optionxform, BasicInterpolation),
// reading a real file (universal newlines), as the oracle.
const PY_CONFIGPARSER = `import configparser, json, sys, tempfile, os
out = []
for text in json.load(sys.stdin):
    fd, path = tempfile.mkstemp(suffix=".cfg")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
        f.write(text)
    cp = configparser.ConfigParser()
    cp.optionxform = lambda s: s
    try:
        cp.read(path, encoding="utf-8")
    except configparser.Error as e:
        out.append({"error": type(e).__name__}); os.unlink(path); continue
    os.unlink(path)
    gets = {}
    for name in cp.sections():
        for k in cp.options(name):
            try:
                gets[name + "/" + k] = {"value": cp.get(name, k)}
            except configparser.Error as e:
                gets[name + "/" + k] = {"error": type(e).__name__}
    out.append({"sections": {n: dict(o) for n, o in cp._sections.items()}, "defaults": dict(cp._defaults), "gets": gets})
print(json.dumps(out))`

type PyResult =
  | { error: string }
  | {
      sections: Record<string, Record<string, string>>
      defaults: Record<string, string>
      gets: Record<string, { value: string } | { error: string }>
    }

const CFG_CASES = [
  '[core]\nfernet_key = abc\nsql_alchemy_conn: sqlite:////tmp/a.db\n',
  '[core]\n# comment\n; other comment\n  # indented comment\nkey = a # not a comment ; neither\n',
  '[a]\nk = v1\n  v2\n\n  v3\nk2 = z\n',
  '[a]\nk = v\n\n\n\n[b]\nx=1',
  '[a]\nk=\nj =   \n',
  '[a]\nk = 1\n[b]\n[a]\nj = 2\n',
  '[a]\nk = 1\nk = 2\n',
  'k = 1\n[a]\n',
  '[a]\njunk line\nk = 1\n',
  '[DEFAULT]\nx = 1\n[a]\nk = %(x)s/y\n',
  '[a]\nKey = 1\nkey = 2\n',
  '[a] trailing text\nk=1\n',
  '[a]\n= v\n',
  '[a]\r\nk = 1\r\n  more\r\nj = 2\r\n',
  '[a]\rk = 1\rj = 2\r',
  '[a]\nhttp://x = y\n',
  '[a]\n  k = v\n  k2 = w\n',
  '[a]\nk = 1\n  # c\n  2\n',
  '[a]\nk = 1\n    deep\n  shallower\nj = 3\n',
  '[a]\nk = 50%\n',
  '[a]\nk = 50%%\n',
  '[a]\nk = %(missing)s\n',
  '[a]\nk = %(x\n',
  '[a]\nx = %(y)s\ny = %(x)s\n',
  '[a]\nk = \u00a0v\u00a0\n',
  '[a]\nk : v : w\nj=a=b\n',
  '[a]\n\tk\t=\tv\n\t\tcont\n',
  '\ufeff[a]\nk = v\n',
  '[a]\nk = v\n[ b ]\nx = 1\n'
]

describe('airflow.cfg parsing (configparser as Airflow builds it)', () => {
  const oracle = runPython<PyResult[]>(PY_CONFIGPARSER, CFG_CASES)
  CFG_CASES.forEach((text, i) => {
    it(`matches Python on case ${i}: ${JSON.stringify(text).slice(0, 50)}`, () => {
      const py = oracle[i]!
      const cfg = parseAirflowCfg(text)
      const errors = cfg.problems.filter((p) => p.severity === 'error')
      if ('error' in py) {
        expect(errors.length, py.error).toBeGreaterThan(0)
        for (const e of errors) expect(e.line).toBeGreaterThan(0)
        return
      }
      expect(errors).toEqual([])
      const sections = Object.fromEntries(
        [...cfg.sections].map(([n, s]) => [
          n,
          Object.fromEntries([...s.options].map(([k, o]) => [k, o.raw]))
        ])
      )
      expect(sections).toEqual(py.sections)
      expect(Object.fromEntries([...cfg.defaults].map(([k, o]) => [k, o.raw]))).toEqual(py.defaults)
      for (const [where, expected] of Object.entries(py.gets)) {
        const [section, key] = where.split('/') as [string, string]
        const got = cfgGet(cfg, section, key)
        if ('value' in expected) expect(got).toEqual(expected)
        else expect(got && 'error' in got).toBe(true)
      }
    })
  })

  it('gives every syntax problem its line', () => {
    const cfg = parseAirflowCfg('[core]\nok = 1\nbroken\n[core]\nok = 2\n= x\n')
    expect(cfg.problems.map((p) => p.line)).toEqual([3, 4, 5, 6])
  })

  // Found by test/unit/main/fuzz/airflow-config.test.ts: a wrapped value that lost its
  // indentation is read as `key: value` / `key=`, and a repeat named it as the key.
  it('names repeated keys and sections only when they look like names, not like a lost value', () => {
    const key = 'GkF3xYz9Qw1Rt5Uv7Wx0Ab2Cd4Ef6Gh8Ij0Kl2Mn4='
    const cfg = parseAirflowCfg(
      `[core]\nfernet_key =\n${key}\n${key}\nsql_alchemy_conn = x\nsql_alchemy_conn = y\n[Sekr3tPw]\n[Sekr3tPw]\n`
    )
    const messages = cfg.problems.map((p) => p.message)
    expect(messages).toHaveLength(3)
    expect(messages.join(' ')).not.toMatch(/GkF3xYz9|Sekr3tPw/)
    expect(messages[0]).toMatch(/\[core\] \(an option name that is not a plain name\) is set twice/)
    expect(messages[1]).toMatch(/\[core\] sql_alchemy_conn is set twice/)
    expect(cfg.problems[1]!.setting).toBe('core.sql_alchemy_conn')
    expect(cfg.problems[0]!.setting).toBeUndefined()
  })
})

describe('expand_env_var', () => {
  const env = { HOME: '/home/a/', AIRFLOW_HOME: '$HOME/airflow', EMPTY: '', LOOP: 'x$LOOP' }
  it.each([
    ['$AIRFLOW_HOME/dags', '/home/a//airflow/dags'],
    ['${AIRFLOW_HOME}/x', '/home/a//airflow/x'],
    ['~/x', '/home/a/x'],
    ['~', '/home/a'],
    ['$UNKNOWN/x', '$UNKNOWN/x'],
    ['a$EMPTY.b', 'a.b'],
    ['${}', '${}'],
    ['price: 5$', 'price: 5$']
  ])('%s', (input, expected) => {
    const py = runPython<string>(
      `import json,os,sys
d=json.load(sys.stdin)
os.environ.clear(); os.environ.update(d["env"])
v=d["v"]
while True:
    n=os.path.expanduser(os.path.expandvars(v))
    if n==v: break
    v=n
print(json.dumps(v))`,
      { env: { HOME: env.HOME, AIRFLOW_HOME: env.AIRFLOW_HOME, EMPTY: '' }, v: input }
    )
    expect(py).toBe(expected)
    expect(expandEnvVar(input, env).value).toBe(expected)
  })

  it('says when expansion never settles, and when ~user cannot be resolved', () => {
    expect(expandEnvVar('$LOOP', env).error).toMatch(/never settles/)
    expect(expandEnvVar('~someone/x', env)).toMatchObject({
      value: '~someone/x',
      unresolvedHome: true
    })
  })
})

const FERNET = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVk' // not a real key
const PASSWORD = 'S3cr3t-pw-XYZ'

function messages(p: AirflowRuntimeProfile): string {
  return p.problems.map((x) => x.message).join('\n')
}

describe('Airflow runtime profile', () => {
  it('reads the settings from airflow.cfg with their lines, and defaults otherwise', () => {
    const p = readAirflowConfig(
      `[core]\nfernet_key = ${FERNET}\n\n[database]\nsql_alchemy_conn = postgresql+psycopg2://airflow:${PASSWORD}@db:5432/airflow?sslmode=require\n`,
      { HOME: '/home/a' },
      { airflowVersion: '3.1.0' }
    )
    expect(p.fernetKey).toEqual({
      value: FERNET,
      read: true,
      origin: { kind: 'file', section: 'core', key: 'fernet_key', line: 2 }
    })
    expect(p.sqlAlchemyConn.origin).toEqual({
      kind: 'file',
      section: 'database',
      key: 'sql_alchemy_conn',
      line: 5
    })
    expect(p.sqlAlchemyUrl).toMatchObject({
      dialect: 'postgresql',
      driver: 'psycopg2',
      host: 'db',
      port: 5432,
      user: 'airflow',
      password: PASSWORD,
      database: 'airflow',
      query: { sslmode: 'require' }
    })
    expect(p.secretsBackend).toEqual({ value: null, read: true, origin: { kind: 'default' } })
    expect(p.secretsBackendKwargs.value).toEqual({})
    expect(p.useCache).toEqual({ value: false, read: true, origin: { kind: 'default' } })
    expect(p.cacheTtlSeconds).toEqual({ value: 900, read: true, origin: { kind: 'default' } })
    expect(p.problems).toEqual([])
  })

  it('lets AIRFLOW__SECTION__KEY win over the file, and uses the default AIRFLOW_HOME database', () => {
    const p = readAirflowConfig('[core]\nfernet_key = from-file\n', {
      AIRFLOW__CORE__FERNET_KEY: 'from-env',
      HOME: '/home/a'
    })
    expect(p.fernetKey).toMatchObject({
      value: 'from-env',
      origin: { kind: 'env', name: 'AIRFLOW__CORE__FERNET_KEY' }
    })
    expect(p.sqlAlchemyConn).toMatchObject({
      value: 'sqlite:////home/a/airflow/airflow.db',
      origin: { kind: 'default' }
    })
    expect(p.sqlAlchemyUrl?.sqlitePath).toBe('/home/a/airflow/airflow.db')
  })

  it('reports _CMD and _SECRET sources without running them', () => {
    const p = readAirflowConfig(
      '[core]\nfernet_key = shadowed\n[database]\nsql_alchemy_conn_cmd = cat /run/secrets/db\n[secrets]\nbackend_kwargs_secret = airflow/kwargs\n',
      { AIRFLOW__CORE__FERNET_KEY_CMD: 'cat /run/secrets/fernet' },
      { airflowVersion: '3.0.0' }
    )
    expect(p.fernetKey).toEqual({
      value: null,
      read: false,
      origin: { kind: 'env-command', name: 'AIRFLOW__CORE__FERNET_KEY_CMD' }
    })
    expect(p.sqlAlchemyConn).toEqual({
      value: null,
      read: false,
      origin: { kind: 'file-command', section: 'database', key: 'sql_alchemy_conn_cmd', line: 4 }
    })
    expect(p.sqlAlchemyUrl).toBeNull()
    expect(p.secretsBackendKwargs).toMatchObject({
      read: false,
      origin: { kind: 'file-secret', line: 6 }
    })
  })

  it('runs commands only through a runner the caller passes, as Airflow orders them', () => {
    const calls: string[] = []
    const runCommand = (command: string): string => {
      calls.push(command)
      return command.includes('empty') ? '' : `${FERNET}\n`
    }
    const p = readAirflowConfig(
      '[core]\nfernet_key_cmd = get %%fernet\n[database]\nsql_alchemy_conn_cmd = empty\n',
      {},
      { airflowVersion: '3.0.0', runCommand }
    )
    expect(calls).toEqual(['get %fernet', 'empty'])
    expect(p.fernetKey).toMatchObject({
      value: `${FERNET}\n`,
      origin: { kind: 'file-command', line: 2 }
    })
    // an empty output of a file command falls through to the default, as in Airflow
    expect(p.sqlAlchemyConn.origin).toEqual({ kind: 'default' })
    const failing = readAirflowConfig(
      '[core]\nfernet_key_cmd = boom\n',
      { HOME: '/h' },
      {
        runCommand: () => {
          throw new Error(`exit 1: ${FERNET}`)
        }
      }
    )
    expect(failing.problems).toMatchObject([{ severity: 'error', line: 2 }])
    expect(messages(failing)).not.toContain(FERNET)
  })

  it('ignores _cmd for options that are not sensitive', () => {
    const p = readAirflowConfig('[secrets]\nbackend_cmd = echo x\n', {
      AIRFLOW__SECRETS__USE_CACHE_CMD: 'echo 1',
      HOME: '/h'
    })
    expect(p.secretsBackend.origin).toEqual({ kind: 'default' })
    expect(p.problems.filter((x) => x.severity === 'warning')).toHaveLength(2)
  })

  it('reads [core] sql_alchemy_conn on Airflow 2 (deprecated from 2.3) and ignores it on Airflow 3', () => {
    const text = `[core]\nsql_alchemy_conn = mysql+mysqldb://u:${PASSWORD}@h/db?charset=utf8mb4\n`
    const v2 = readAirflowConfig(text, {}, { airflowVersion: '2.10.5' })
    expect(v2.sqlAlchemyConn.origin).toMatchObject({ kind: 'file', section: 'core', line: 2 })
    expect(v2.sqlAlchemyUrl).toMatchObject({
      dialect: 'mysql',
      driver: 'mysqldb',
      query: { charset: 'utf8mb4' }
    })
    expect(messages(v2)).toMatch(/deprecated name/)
    const v22 = readAirflowConfig(text, {}, { airflowVersion: '2.2.5' })
    expect(v22.sqlAlchemyConn.origin).toMatchObject({ kind: 'file', section: 'core' })
    expect(v22.problems).toEqual([])
    const v3 = readAirflowConfig(text, { HOME: '/h' }, { airflowVersion: '3.0.2' })
    expect(v3.sqlAlchemyConn.origin).toEqual({ kind: 'default' })
    expect(v3.problems).toMatchObject([
      { line: 2, severity: 'warning', setting: 'core.sql_alchemy_conn' }
    ])
    const deprecatedEnv = readAirflowConfig(
      '',
      { AIRFLOW__CORE__SQL_ALCHEMY_CONN: 'sqlite://' },
      { airflowVersion: '2.9.0' }
    )
    expect(deprecatedEnv.sqlAlchemyConn.origin).toEqual({
      kind: 'env',
      name: 'AIRFLOW__CORE__SQL_ALCHEMY_CONN'
    })
  })

  it('uses {} for kwargs that are empty, invalid or not an object, warning as Airflow logs', () => {
    const base = '[secrets]\nbackend = airflow.providers.hashicorp.secrets.vault.VaultBackend\n'
    const kw = (v: string) => readAirflowConfig(`${base}backend_kwargs = ${v}\n`, { HOME: '/h' })
    const good = kw('{"connections_path": "conns", "variables_path": null, "token": "t0k3n-XYZ"}')
    expect(good.secretsBackendKwargs.value).toEqual({
      connections_path: 'conns',
      variables_path: null,
      token: 't0k3n-XYZ'
    })
    expect(good.serverBackend).toMatchObject({
      className: 'airflow.providers.hashicorp.secrets.vault.VaultBackend',
      section: 'secrets'
    })
    const invalid = kw('{"token": "t0k3n-XYZ",}')
    expect(invalid.secretsBackendKwargs.value).toEqual({})
    expect(invalid.problems).toMatchObject([{ line: 3, severity: 'warning' }])
    expect(messages(invalid)).not.toContain('t0k3n-XYZ')
    expect(kw('["a"]').problems).toMatchObject([
      { severity: 'warning', message: expect.stringMatching(/into a dict/) }
    ])
    expect(kw('null').problems).toEqual([])
    expect(kw('null').secretsBackendKwargs.value).toEqual({})
    // not read at all without a backend: no warning
    expect(
      readAirflowConfig('[secrets]\nbackend_kwargs = {oops\n', { HOME: '/h' }).problems
    ).toEqual([])
  })

  it('gives Airflow 3 workers [workers] secrets_backend, else the [secrets] one', () => {
    const text =
      '[secrets]\nbackend = a.b.Server\nbackend_kwargs = {"x": 1}\n[workers]\nsecrets_backend = a.b.Worker\nsecrets_backend_kwargs = {"y": 2}\n'
    const p = readAirflowConfig(text, {}, { airflowVersion: '3.1.0' })
    expect(p.workerBackend).toEqual({
      className: 'a.b.Worker',
      kwargs: { y: 2 },
      section: 'workers'
    })
    expect(p.serverBackend).toEqual({
      className: 'a.b.Server',
      kwargs: { x: 1 },
      section: 'secrets'
    })
    const fallback = readAirflowConfig(
      '[secrets]\nbackend = a.b.Server\n',
      {},
      { airflowVersion: '3.1.0' }
    )
    expect(fallback.workerBackend).toEqual(fallback.serverBackend)
    const v2 = readAirflowConfig(text, {}, { airflowVersion: '2.10.0' })
    expect(v2.workerBackend).toEqual(v2.serverBackend)
    expect(messages(v2)).toMatch(/Airflow 2 has no separate worker/)
  })

  it('reads use_cache and cache_ttl_seconds as getboolean and getint do', () => {
    const p = (cache: string, ttl: string) =>
      readAirflowConfig(`[secrets]\nuse_cache = ${cache}\ncache_ttl_seconds = ${ttl}\n`, {
        HOME: '/h'
      })
    expect(p('True', '600')).toMatchObject({
      useCache: { value: true },
      cacheTtlSeconds: { value: 600 }
    })
    expect(p('f # off', ' 1_200 ')).toMatchObject({
      useCache: { value: false },
      cacheTtlSeconds: { value: 1200 }
    })
    const bad = p('yes', '15m')
    expect(bad.useCache.value).toBeNull()
    expect(bad.cacheTtlSeconds.value).toBeNull()
    expect(bad.problems.map((x) => [x.line, x.severity])).toEqual([
      [2, 'error'],
      [3, 'error']
    ])
  })

  it('explains a % in airflow.cfg (interpolation), without quoting the value', () => {
    const p = readAirflowConfig(
      `[database]\nsql_alchemy_conn = postgresql://u:p%40${PASSWORD}@h/db\n`,
      {}
    )
    expect(p.problems).toMatchObject([
      { line: 2, severity: 'error', setting: 'database.sql_alchemy_conn' }
    ])
    expect(messages(p)).toMatch(/%%40/)
    expect(messages(p)).not.toContain(PASSWORD)
    const escaped = readAirflowConfig(
      `[database]\nsql_alchemy_conn = postgresql://u:p%%40${PASSWORD}@h/db\n`,
      {}
    )
    expect(escaped.sqlAlchemyUrl?.password).toBe(`p@${PASSWORD}`)
  })

  it('expands $VARIABLES and ~ as expand_env_var does, and warns about {AIRFLOW_HOME}', () => {
    const p = readAirflowConfig(
      '[database]\nsql_alchemy_conn = sqlite:///$AIRFLOW_HOME/airflow.db\n[secrets]\nbackend_kwargs = {"path": "{AIRFLOW_HOME}/x"}\n',
      { AIRFLOW_HOME: '/opt/airflow' }
    )
    expect(p.sqlAlchemyConn.value).toBe('sqlite:////opt/airflow/airflow.db')
    expect(p.problems).toMatchObject([
      { line: 4, severity: 'warning', message: expect.stringMatching(/\{NAME\}/) }
    ])
  })

  it('warns about names Airflow never reads: [Core], FERNET_KEY, lower-case env names', () => {
    const p = readAirflowConfig('[Core]\nfernet_key = a\n[core]\nFERNET_KEY = b\n', {
      airflow__core__fernet_key: 'c'
    })
    expect(p.fernetKey.origin).toEqual({ kind: 'default' })
    expect(p.problems.map((x) => x.line)).toEqual([1, 4, null])
  })

  it('says when the default database cannot be located (no HOME)', () => {
    const p = readAirflowConfig('', {})
    expect(p.sqlAlchemyConn).toMatchObject({
      value: 'sqlite:///~/airflow/airflow.db',
      origin: { kind: 'default' }
    })
    expect(p.problems).toMatchObject([
      { severity: 'warning', message: expect.stringMatching(/HOME/) }
    ])
  })

  it('reports file syntax errors with their lines (Airflow cannot start)', () => {
    const p = readAirflowConfig('[core]\nfernet_key = a\nfernet_key = b\n', { HOME: '/h' })
    expect(p.problems).toMatchObject([{ line: 3, severity: 'error', setting: 'core.fernet_key' }])
  })

  it('never puts the Fernet key or the database password in a message', () => {
    const texts = [
      `[core]\nfernet_key = ${FERNET}\nfernet_key = ${FERNET}\n${FERNET}\n`,
      `[database]\nsql_alchemy_conn = postgres://u:${PASSWORD}@h/db\n`,
      `[database]\nsql_alchemy_conn = postgresql://u:${PASSWORD}@h:${PASSWORD}/db\n`,
      `[database]\nsql_alchemy_conn = ${PASSWORD}\n`,
      `[database]\nsql_alchemy_conn = sqlite:///${PASSWORD}.db\n`,
      `[database]\nsql_alchemy_conn = %(${PASSWORD})s\n`,
      `${FERNET} = ${PASSWORD}\n[core]\n`
    ]
    for (const text of texts) {
      const p = readAirflowConfig(text, { AIRFLOW__CORE__FERNET_KEY: `${FERNET}%` })
      expect(p.problems.length, text).toBeGreaterThan(0)
      expect(messages(p)).not.toContain(FERNET)
      expect(messages(p)).not.toContain(PASSWORD)
    }
  })
})

// SQLAlchemy 2.0's make_url regex, run by Python's re as an independent check of the
// JavaScript translation (SQLAlchemy itself is not installed here).
const PY_MAKE_URL = String.raw`import json, re, sys
from urllib.parse import parse_qsl, unquote
pattern = re.compile(r"""
    (?P<name>[\w\+]+)://
    (?:
        (?P<username>[^:/]*)
        (?::(?P<password>[^@]*))?
    @)?
    (?:
        (?:
            \[(?P<ipv6host>[^/\?]+)\] |
            (?P<ipv4host>[^/:\?]+)
        )?
        (?::(?P<port>[^/\?]*))?
    )?
    (?:/(?P<database>[^\?]*))?
    (?:\?(?P<query>.*))?
    """, re.X)
out = []
for url in json.load(sys.stdin):
    m = pattern.match(url)
    if not m:
        out.append(None); continue
    c = m.groupdict()
    q = {}
    for k, v in parse_qsl(c["query"] or ""):
        q[k] = q[k] + [v] if isinstance(q.get(k), list) else ([q[k], v] if k in q else v)
    out.append({"drivername": c["name"], "user": unquote(c["username"]) if c["username"] is not None else None,
        "password": unquote(c["password"]) if c["password"] is not None else None,
        "host": c["ipv4host"] or c["ipv6host"], "port": c["port"], "database": c["database"], "query": q})
print(json.dumps(out))`

const URLS = [
  'postgresql://airflow:airflow@postgres/airflow',
  'postgresql+psycopg2://user:p%40ss%2Fw%3Ard@db.example.com:5432/airflow?sslmode=require',
  'postgresql+psycopg://u@h/db?options=-csearch_path%3Dairflow&sslmode=verify-full',
  'mysql://root@localhost:3306/airflow',
  'mysql+mysqldb://airflow:pw@mysql/airflow?charset=utf8mb4',
  'mysql+pymysql://airflow:pw@mysql:3307/airflow?charset=utf8mb4&ssl_ca=%2Fca.pem',
  'mysql+mysqlconnector://airflow:pw@mysql/airflow',
  'sqlite:///relative.db',
  'sqlite:////abs/path.db',
  'sqlite://',
  'sqlite:///:memory:',
  'postgresql://user:p@ss@host/db',
  'postgresql://u:p+q@[::1]:5432/db',
  'postgresql://u:a:b@h/db',
  'postgresql://h/db?a=1&a=2&b=',
  'postgresql://:pw@h/db'
]

describe('SQLAlchemy URLs (make_url)', () => {
  const oracle = runPython<(Record<string, unknown> | null)[]>(PY_MAKE_URL, URLS)
  URLS.forEach((url, i) => {
    it(`parses ${url} as make_url does`, () => {
      const py = oracle[i]!
      const got = parseSqlAlchemyUrl(url)
      expect({
        drivername: got.drivername,
        user: got.user,
        password: got.password,
        host: got.host,
        port: got.port === null ? null : String(got.port),
        database: got.database,
        query: got.query
      }).toEqual(py)
    })
  })

  it('names the dialect, driver and SQLite file', () => {
    expect(parseSqlAlchemyUrl('postgresql://h/db')).toMatchObject({
      dialect: 'postgresql',
      sqlitePath: null
    })
    expect(parseSqlAlchemyUrl('postgresql://h/db').driver).toBeUndefined()
    expect(parseSqlAlchemyUrl('mysql+pymysql://h/db')).toMatchObject({
      dialect: 'mysql',
      driver: 'pymysql'
    })
    expect(parseSqlAlchemyUrl('mysql+mysqlconnector://h/db').driver).toBe('mysqlconnector')
    expect(parseSqlAlchemyUrl('sqlite:////abs/path.db')).toMatchObject({
      dialect: 'sqlite',
      sqlitePath: '/abs/path.db',
      notes: []
    })
    expect(parseSqlAlchemyUrl('sqlite://')).toMatchObject({ sqlitePath: ':memory:', notes: [] })
  })

  // Found by test/unit/main/fuzz/airflow-config.test.ts: a secret pasted where the URL
  // belongs (`S3cretPw://…`) was quoted as the database name.
  it('names an unsupported dialect only when it looks like one', () => {
    const message = (url: string) => {
      try {
        parseSqlAlchemyUrl(url)
      } catch (e) {
        return (e as CodecError).userMessage
      }
      return ''
    }
    expect(message('mssql+pyodbc://h/db')).toMatch(/The database "mssql" is not one/)
    expect(message('S3cretPw://h/db')).toMatch(/The database in this URL is not one/)
    expect(message('S3cretPw://h/db')).not.toMatch(/S3cretPw/)
  })

  it('says Airflow refuses a relative SQLite path (and sqlite:///:memory:)', () => {
    for (const url of ['sqlite:///relative.db', 'sqlite:///:memory:', 'sqlite+pysqlite:////abs.db'])
      expect(parseSqlAlchemyUrl(url).notes).toMatchObject([
        { severity: 'error', message: expect.stringMatching(/relative path/) }
      ])
    expect(parseSqlAlchemyUrl('sqlite:///relative.db').sqlitePath).toBe('relative.db')
  })

  it('refuses postgres:// (SQLAlchemy 1.4+/2 cannot load it) and names the fix', () => {
    const error = (() => {
      try {
        parseSqlAlchemyUrl('postgres://u:secret@h/db')
      } catch (e) {
        return e
      }
    })() as CodecError
    expect(error).toBeInstanceOf(CodecError)
    expect(error.userMessage).toMatch(/postgresql:\/\//)
    expect(error.userMessage).not.toContain('secret')
  })

  it('refuses what SQLAlchemy cannot parse or Airflow cannot run on', () => {
    expect(() => parseSqlAlchemyUrl('not a url')).toThrow(/Could not parse/)
    expect(() => parseSqlAlchemyUrl('mssql+pyodbc://h/db')).toThrow(/PostgreSQL, MySQL or SQLite/)
    expect(() => parseSqlAlchemyUrl('PostgreSQL://h/db')).toThrow(/lower-case/)
    expect(() => parseSqlAlchemyUrl('postgresql://u:pw@h:/db')).toThrow(/port/)
    expect(() => parseSqlAlchemyUrl('postgresql://u:p@ss:w@h/db')).toThrow(/port/)
    // a / in the password is fine for make_url (the password runs to the @)
    expect(parseSqlAlchemyUrl('postgresql://u:p/w@h:5432/db').password).toBe('p/w')
  })

  it('warns about an unencoded @ and an unknown driver', () => {
    expect(parseSqlAlchemyUrl('postgresql://user:p@ss@host/db').notes[0]?.message).toMatch(/%40/)
    expect(parseSqlAlchemyUrl('postgresql+foo://h/db').notes[0]?.message).toMatch(/driver/)
  })
})

describe('airflow.cfg loader', () => {
  it('finds the file as Airflow does', () => {
    expect(resolveAirflowConfigPath({ AIRFLOW_CONFIG: '$X/a.cfg', X: '/etc' })).toBe('/etc/a.cfg')
    expect(resolveAirflowConfigPath({ AIRFLOW_HOME: '/opt/airflow' })).toBe(
      '/opt/airflow/airflow.cfg'
    )
    expect(resolveAirflowConfigPath({ HOME: '/home/u' })).toBe('/home/u/airflow/airflow.cfg')
  })

  it('reads the file and never runs a command unless allowed', async () => {
    const dir = tempDir('airlock-cfg-')
    try {
      const path = join(dir, 'airflow.cfg')
      await writeFile(path, '[core]\nfernet_key_cmd = /nonexistent/should-not-run\n')
      const loaded = await loadAirflowConfig({
        env: { AIRFLOW_HOME: dir },
        airflowVersion: '3.1.0'
      })
      expect(loaded).toMatchObject({ path, exists: true })
      expect(loaded.profile.fernetKey).toMatchObject({
        read: false,
        origin: { kind: 'file-command', line: 2 }
      })
      const missing = await loadAirflowConfig({ env: { AIRFLOW_HOME: join(dir, 'none') } })
      expect(missing.exists).toBe(false)
      expect(missing.profile.fernetKey.origin).toEqual({ kind: 'default' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('splits commands as shlex.split does', () => {
    const cases = [
      'cat /run/secrets/key',
      `sh -c 'echo "a b"'`,
      'a\\ b "c\\"d" e\'f\'g',
      '  x  ""  y '
    ]
    const py = runPython<string[][]>(
      'import json,shlex,sys; print(json.dumps([shlex.split(c) for c in json.load(sys.stdin)]))',
      cases
    )
    expect(cases.map(shlexSplit)).toEqual(py)
    expect(() => shlexSplit('"open')).toThrow(/closing quotation/)
  })
})
