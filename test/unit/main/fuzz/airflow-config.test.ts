// Property-based tests of Airflow's configuration reader (airflow.cfg as configparser reads
// it, AIRFLOW__* overrides, sql_alchemy_conn as SQLAlchemy's make_url reads it): any text and
// environment give a profile with problems, never a crash, and no problem or note repeats a
// password, a Fernet key or backend kwargs. Sizes and seed: test/support/fuzz.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  parseAirflowCfg,
  parseSqlAlchemyUrl,
  readAirflowConfig
} from '../../../../src-main/core/airflow-config'
import {
  FUZZ_TIMEOUT,
  MARKER,
  assertNoMarker,
  fuzzParams,
  nastyText,
  secretText,
  typedOutcome
} from '../../../support/fuzz'

const password = secretText().map((s) => encodeURIComponent(s))
const dbUrl = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'postgresql',
        'postgresql+psycopg2',
        'mysql+mysqldb',
        'postgres',
        'sqlite',
        'oracle',
        'Postgresql'
      ),
      fc.option(nastyText({ maxLength: 6 }), { nil: null }),
      password,
      nastyText({ maxLength: 10 }),
      fc.option(fc.oneof(fc.nat({ max: 70000 }).map(String), nastyText({ maxLength: 4 })), {
        nil: null
      }),
      nastyText({ maxLength: 10 })
    )
    .map(
      ([scheme, user, pw, host, port, rest]) =>
        `${scheme}://${user ?? ''}:${pw}@${host}${port === null ? '' : `:${port}`}/${rest}`
    ),
  // an unencoded password: SQLAlchemy cuts it at "@", "/" or ":" and the pieces land elsewhere
  fc
    .tuple(secretText(), nastyText({ maxLength: 10 }))
    .map(([pw, host]) => `postgresql://u:${pw}@${host}/db`),
  // any text with a secret after it (a scheme such as "mssql" is named in messages: it is
  // the dialect, not a secret)
  nastyText({ maxLength: 40, loneSurrogates: true }).map((t) => `${t}/${MARKER}`)
)

const SECTIONS = ['core', 'database', 'secrets', 'workers', 'DEFAULT', 'webserver']
const KEYS = [
  'sql_alchemy_conn',
  'sql_alchemy_conn_cmd',
  'sql_alchemy_conn_secret',
  'fernet_key',
  'fernet_key_cmd',
  'backend',
  'backend_kwargs',
  'secrets_backend',
  'secrets_backend_kwargs',
  'use_cache',
  'cache_ttl_seconds'
]
const secretValue = fc.oneof(
  dbUrl,
  secretText(),
  secretText().map((s) => JSON.stringify({ token: s, url: 'http://v', connections_path: s })),
  secretText().map((s) => `x ${s} %(other)s %`),
  secretText().map((s) => `$${s} ~${s}`)
)
const cfgLine = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SECTIONS).map((s) => `[${s}]`) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...KEYS), fc.constantFrom(' = ', '=', ': ', ' :'), secretValue)
      .map(([k, sep, v]) => `${k}${sep}${v}`)
  },
  { weight: 1, arbitrary: secretValue.map((v) => `    ${v}`) }, // a continuation line
  { weight: 1, arbitrary: fc.constantFrom('# comment', '; comment', '', '[', '[]', '=x', '  ') },
  { weight: 1, arbitrary: nastyText({ maxLength: 20 }) }
)
const cfgText = fc
  .array(cfgLine, { maxLength: 12 })
  .chain((lines) => fc.constantFrom('\n', '\r\n', '\r').map((nl) => lines.join(nl)))

const env = fc.dictionary(
  fc.constantFrom(
    'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN',
    'AIRFLOW__CORE__SQL_ALCHEMY_CONN',
    'AIRFLOW__CORE__FERNET_KEY',
    'AIRFLOW__SECRETS__BACKEND_KWARGS',
    'AIRFLOW__SECRETS__BACKEND',
    'AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS',
    'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD',
    'AIRFLOW_HOME'
  ),
  secretValue,
  { maxKeys: 3 }
)

describe('fuzz: Airflow configuration', () => {
  it(
    'reads any airflow.cfg and environment into a profile whose problems never hold a secret',
    () => {
      fc.assert(
        fc.property(
          cfgText,
          env,
          fc.constantFrom(null, '2.10.5', '3.1.0', '3.2.1', 'x'),
          (text, environment, airflowVersion) => {
            const profile = readAirflowConfig(text, environment, { airflowVersion })
            assertNoMarker(profile.problems.map((p) => p.message))
            assertNoMarker(profile.sqlAlchemyUrl?.notes.map((n) => n.message) ?? [])
            for (const p of profile.problems)
              if (p.line !== null) expect(p.line).toBeGreaterThanOrEqual(1)
            assertNoMarker(parseAirflowCfg(text).problems.map((p) => p.message))
          }
        ),
        fuzzParams(1500)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'parses any sql_alchemy_conn to a URL or a typed error, never repeating the password',
    () => {
      fc.assert(
        fc.property(dbUrl, (url) => {
          const out = typedOutcome(() => parseSqlAlchemyUrl(url))
          assertNoMarker(out.value?.notes.map((n) => n.message) ?? [])
        }),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads back the password, user and host of a URL with percent-encoded credentials',
    () => {
      fc.assert(
        fc.property(
          secretText(),
          fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
          fc.stringMatching(/^[a-z0-9.-]{1,12}$/),
          fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null }),
          (pw, user, host, port) => {
            const url = `postgresql://${user}:${encodeURIComponent(pw)}@${host}${port === null ? '' : `:${port}`}/airflow`
            const parsed = parseSqlAlchemyUrl(url)
            expect(parsed).toMatchObject({ dialect: 'postgresql', user, password: pw, host, port })
            expect(parsed.database).toBe('airflow')
          }
        ),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )
})
