// Property-based tests of `explain` and `decode` (core/airflow-secrets: where each secrets
// backend looks for an id, and what it makes of the stored value) and of each backend's own
// decoder: any kwargs, keys and stored values give an answer or a typed error that never
// repeats a secret; what Airlock writes to a backend, Airflow's rules read back. Sizes and seed:
// test/support/fuzz.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  LOOKUP_BACKENDS,
  decodeOutcomeToPy,
  decodeStored,
  explainLookup,
  explanationToPy
} from '../../../../src-main/core/airflow-secrets'
import {
  type PyDict,
  plainToPy,
  pyJsonDumps,
  type PyValue
} from '../../../../src-main/core/codecs/py-json'
import {
  decodeVaultConnection,
  encodeVaultConnection
} from '../../../../src-main/core/airflow-secrets/vault'
import {
  decodeSecretsManagerConnection,
  encodeSecretsManagerConnection,
  parseAwsSecretsManagerKwargs,
  secretsManagerLostFields
} from '../../../../src-main/core/airflow-secrets/aws-secrets-manager'
import { connectionFieldsToPy } from '../../../../src-main/core/airflow-secrets'
import { DIALECTS, type ConnectionFields } from '../../../../src-main/core/model'
import {
  FUZZ_TIMEOUT,
  MARKER,
  assertNoMarker,
  fuzzParams,
  nastyText,
  secretText,
  typedOutcome
} from '../../../support/fuzz'

const backend = fc.constantFrom(...LOOKUP_BACKENDS)
const kind = fc.constantFrom('connection' as const, 'variable' as const)
const dialect = fc.constantFrom(...DIALECTS)

/** The kwargs the backends read, with values of every type (and secrets where secrets go). */
const KWARG_NAMES = [
  'connections_path',
  'variables_path',
  'config_path',
  'mount_point',
  'kv_engine_version',
  'url',
  'auth_type',
  'connections_prefix',
  'variables_prefix',
  'config_prefix',
  'connections_lookup_pattern',
  'variables_lookup_pattern',
  'sep',
  'extra_conn_words',
  'vault_url',
  'project_id',
  'gcp_key_path',
  'use_team_secrets_path',
  'global_secrets_path'
]
const SECRET_KWARGS = ['token', 'secret_id', 'password', 'client_secret', 'gcp_keyfile_dict']
const kwargValue = fc.oneof(
  nastyText({ maxLength: 16 }),
  fc.constantFrom('', '/', 'airflow/connections', '(?i)^a.*', '[', '*', '1', '2'),
  fc.integer({ min: -3, max: 5 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(nastyText({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(nastyText({ maxLength: 6 }), nastyText({ maxLength: 6 }), { maxKeys: 2 })
)
const kwargs = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...KWARG_NAMES), kwargValue, { maxKeys: 5 }),
    fc.dictionary(fc.constantFrom(...SECRET_KWARGS), secretText(), { maxKeys: 2 })
  )
  .map(([a, b]) => ({ ...a, ...b }))

/** A stored value: text (URIs, JSON, anything) or a decoded JSON value, secrets inside. */
const storedText = fc.oneof(
  nastyText({ maxLength: 40, loneSurrogates: true }),
  secretText().map((s) => `postgres://u:${s}@h:5432/db`),
  secretText().map((s) => `{"conn_type": "http", "password": "${s}"}`),
  secretText().map((s) => `{"conn_uri": "x://u:${s}@h"}`),
  secretText().map((s) => `{"value": "${s}"}`),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))
)
const storedValue: fc.Arbitrary<PyValue> = fc.oneof(
  storedText,
  fc
    .dictionary(
      fc.constantFrom(
        'conn_uri',
        'conn_type',
        'host',
        'login',
        'password',
        'port',
        'schema',
        'extra',
        'value',
        'description',
        'user',
        'engine'
      ),
      fc.oneof(
        secretText(),
        nastyText(),
        fc.integer(),
        fc.constant(null),
        fc.jsonValue({ maxDepth: 2 })
      )
    )
    .map((o) => plainToPy(o)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => plainToPy(v))
)

/** Kwargs each backend can be built with (the values do not matter to decoding). */
const MINIMAL: Record<(typeof LOOKUP_BACKENDS)[number], Record<string, unknown>> = {
  vault: { token: 't' },
  'aws-secrets-manager': {},
  'aws-ssm': {},
  'azure-key-vault': { vault_url: 'https://example.vault.azure.net' },
  'gcp-secret-manager': { project_id: 'p' }
}

describe('fuzz: explain and decode', () => {
  it(
    'explains any kwargs and key with a name, a reason, or a typed error holding no secret',
    () => {
      fc.assert(
        fc.property(
          backend,
          kwargs,
          kind,
          nastyText({ maxLength: 30, loneSurrogates: true }),
          fc.boolean(),
          (b, k, kd, key, multiTeam) => {
            const { value } = typedOutcome(() => explainLookup(b, k, kd, key, { multiTeam }))
            if (!value) return
            // what it says is printable as Airflow-style JSON, and names no secret kwarg
            const text = pyJsonDumps(explanationToPy(value))
            assertNoMarker([text])
          }
        ),
        fuzzParams(1500)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'decodes any stored value to a connection, a variable, not found or a typed error holding no secret',
    () => {
      fc.assert(
        fc.property(backend, kind, storedValue, dialect, (b, kd, stored, d) => {
          const { value } = typedOutcome(() =>
            decodeStored(b, MINIMAL[b], kd, 'some_id', stored, { dialect: d })
          )
          if (!value) return
          expect(() => pyJsonDumps(decodeOutcomeToPy(value))).not.toThrow()
          if ('notFound' in value) assertNoMarker([value.reason])
        }),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    "reads back what Airlock writes to Vault, by Airflow's rules (decode) and by the backend",
    () => {
      const fields: fc.Arbitrary<ConnectionFields> = fc.record({
        conn_type: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
        description: fc.option(nastyText(), { nil: null }),
        host: fc.option(nastyText(), { nil: null }),
        login: fc.option(nastyText(), { nil: null }),
        password: fc.option(secretText(), { nil: null }),
        schema: fc.option(nastyText(), { nil: null }),
        port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
        extra: fc.option(
          fc
            .dictionary(nastyText({ maxLength: 6 }), fc.oneof(nastyText(), fc.boolean()), {
              minKeys: 1,
              maxKeys: 3
            })
            .map((o) => pyJsonDumps(plainToPy(o))),
          { nil: null }
        )
      })
      fc.assert(
        fc.property(fields, dialect, (f, d) => {
          const stored = encodeVaultConnection(f, d)
          const byBackend = typedOutcome(() => decodeVaultConnection(stored, d))
          expect(byBackend.error, 'the backend reads its own write').toBeUndefined()
          const airflow = decodeStored(
            'vault',
            MINIMAL.vault,
            'connection',
            'id',
            plainToPy(stored),
            {
              dialect: d
            }
          )
          expect('connection' in airflow, "Airflow's rules read it as a connection").toBe(true)
          if (!('connection' in airflow)) return
          const got = airflow.connection as PyDict
          for (const k of ['conn_type', 'host', 'login', 'password', 'schema'] as const) {
            // Airflow keeps '' where Airlock keeps null only for absent fields: compare as text
            expect(got.get(k) ?? null, k).toEqual(f[k])
          }
          expect(got.get('port') ?? null, 'port').toEqual(f.port === null ? null : BigInt(f.port))
        }),
        fuzzParams(1500)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads any AWS Secrets Manager value the same in the backend and in decode, and reads back its writes',
    () => {
      const naming = parseAwsSecretsManagerKwargs({})
      fc.assert(
        fc.property(storedText, dialect, (text, d) => {
          const byBackend = typedOutcome(() => decodeSecretsManagerConnection(text, naming, d))
          const byDecode = typedOutcome(() =>
            decodeStored('aws-secrets-manager', {}, 'connection', 'id', text, { dialect: d })
          )
          expect(Boolean(byBackend.error), 'both refuse, or neither').toBe(Boolean(byDecode.error))
          if (!byBackend.value || !byDecode.value || !('connection' in byDecode.value)) return
          expect(pyJsonDumps(connectionFieldsToPy(byBackend.value.value))).toBe(
            pyJsonDumps(byDecode.value.connection)
          )
          // what Airlock would write for those fields reads back to them (no description)
          const fields = { ...byBackend.value.value, description: null }
          // (text with a lone surrogate cannot be written: a typed refusal)
          const written = typedOutcome(() => encodeSecretsManagerConnection(fields, d)).value
          if (written === undefined) return
          const again = decodeStored('aws-secrets-manager', {}, 'connection', 'id', written, {
            dialect: d
          })
          if (!('connection' in again))
            throw new Error('a written connection did not read back as one')
          // every field but those the backend says the value cannot hold (port 0 in
          // airflow2's JSON, say) reads back as written
          const lost = new Set(secretsManagerLostFields(fields, naming, d))
          const want = connectionFieldsToPy(fields)
          // (an empty extra and none are the same to Airflow: extra_dejson is {} for both)
          const norm = (k: string, v: PyValue | undefined) =>
            pyJsonDumps(k === 'extra' && (v === '' || v === undefined) ? null : (v ?? null))
          for (const [k, v] of want.entries())
            if (!lost.has(k)) expect(norm(k, again.connection.get(k)), k).toBe(norm(k, v))
        }),
        fuzzParams(1500)
      )
    },
    FUZZ_TIMEOUT
  )

  it('never puts a secret kwarg in an explanation, whatever the backend', () => {
    for (const b of LOOKUP_BACKENDS) {
      const { value } = typedOutcome(() =>
        explainLookup(b, { token: MARKER, secret_id: MARKER }, 'connection', 'db')
      )
      if (value) assertNoMarker([pyJsonDumps(explanationToPy(value))])
    }
  })
})
