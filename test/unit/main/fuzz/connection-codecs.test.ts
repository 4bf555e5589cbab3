// Property-based tests of the connection codecs (URI in three dialects, connection JSON,
// deserialize_connection): only typed errors, round trips over each dialect's representable
// domain, and no secret in any error or warning. Sizes and seed: test/support/fuzz.ts.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  parseConnectionUri,
  serializeConnectionUri
} from '../../../../src-main/core/codecs/connection-uri'
import {
  connectionToJson,
  parseConnectionJson,
  parseConnectionValue
} from '../../../../src-main/core/codecs/connection-json'
import {
  PyDict,
  pyEquals,
  pyJsonDumps,
  pyJsonTryLoads
} from '../../../../src-main/core/codecs/py-json'
import { DIALECTS, type ConnectionFields, type Dialect } from '../../../../src-main/core/model'
import {
  FUZZ_TIMEOUT,
  MARKER,
  assertNoMarker,
  fuzzParams,
  nastyText,
  secretText,
  typedOutcome
} from '../../../support/fuzz'

const dialect = fc.constantFrom(...DIALECTS)

/** A conn_type a URI scheme carries back: lower case, `_` (written `-`, read back `_`). */
const connType = fc
  .stringMatching(/^[a-z][a-z0-9_]{0,11}$/)
  .filter((t) => t !== 'postgresql' && !t.endsWith('_') && !t.includes('__'))

/** Extra objects: string values (flattened into the query) or anything (`__extra__`). */
const jsonLeaf = fc.oneof(
  nastyText(),
  secretText(),
  fc.integer().map(BigInt),
  fc.boolean(),
  fc.constant(null)
)
const anyExtraObject = fc
  .dictionary(
    nastyText({ maxLength: 8 }),
    fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 })),
    {
      maxKeys: 4
    }
  )
  .map((o) => new PyDict(Object.entries(o)))
const anyStringExtraObject = fc
  .dictionary(nastyText({ maxLength: 8 }), fc.oneof(nastyText(), secretText()), {
    minKeys: 1,
    maxKeys: 4
  })
  .map((o) => new PyDict(Object.entries(o)))

/** Semantic equality of extra texts: as decoded JSON, else as text. */
function sameExtra(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b
  const [x, y] = [pyJsonTryLoads(a), pyJsonTryLoads(b)]
  return x === undefined || y === undefined ? a === b : pyEquals(x, y)
}

function expectSameConnection(got: ConnectionFields, want: ConnectionFields): void {
  expect({ ...got, extra: null }).toEqual({ ...want, extra: null })
  expect(sameExtra(got.extra, want.extra), 'extra').toBe(true)
}

/**
 * A connection a URI carries back unchanged in `d` (reference §4, "Consequences"): no
 * description; conn_type never null; host in lower case (Python's `hostname` lower-cases it) and without `://`;
 * login null only when the password is null too (`:pw@` reads back login '') and when there
 * is a host or no port (`@:PORT` reads back login ''); schema and
 * host never null (an absent path or host reads back ''); core drops port 0 and empty
 * passwords; airflow3 JSON-decodes string query values (#59339), so its flat extras hold
 * only strings that are not JSON.
 */
function uriRepresentable(d: Dialect): fc.Arbitrary<ConnectionFields> {
  const core = d !== 'task-sdk'
  // A flat query key `__extra__` is read as the whole extra: Airflow's get_uri() writes it
  // flat anyway (its parse_qsl check passes), so such extras do not come back.
  const extraObject = anyExtraObject.filter((o) => !o.has('__extra__'))
  const stringExtraObject = anyStringExtraObject.filter((o) => !o.has('__extra__'))
  // an extra of strings only is written flat; airflow3 then reads back each string that
  // is JSON ("0", "null", "[]") as that JSON (#59339)
  const readsBack = (o: PyDict) =>
    d !== 'airflow3' ||
    [...o.entries()].some(([, v]) => typeof v !== 'string') ||
    [...o.entries()].every(([, v]) => pyJsonTryLoads(v as string) === undefined)
  const extraText = fc.oneof(
    fc.constant(null),
    extraObject.filter(readsBack).map((o) => pyJsonDumps(o)),
    stringExtraObject.filter(readsBack).map((o) => pyJsonDumps(o))
  )
  return fc
    .record({
      // `//host` (no conn_type) reads back conn_type '' (reference §4.2)
      conn_type: fc.oneof(connType, fc.constant('')),
      host: nastyText({ loneSurrogates: false }).map((h) =>
        h.replace(/[A-Z]/g, (c) => c.toLowerCase()).replaceAll('://', '')
      ),
      login: fc.option(nastyText({ minLength: 1 }), { nil: null }),
      password: fc.option(fc.oneof(secretText(), nastyText()), { nil: null }),
      schema: nastyText(),
      port: fc.option(fc.integer({ min: core ? 1 : 0, max: 65535 }), { nil: null }),
      extra: extraText
    })
    .map((f) => {
      const password = core && f.password === '' ? null : f.password
      const host = f.host.includes('://') ? f.host.replaceAll(':', '') : f.host
      // a port with no host and no credentials is written `@:PORT`: Python reads login ''
      const bareAt = host === '' && f.port !== null
      return {
        ...f,
        description: null,
        host,
        login: f.login === null && (password !== null || bareAt) ? '' : f.login,
        password
      }
    })
}

describe('fuzz: connection URI', () => {
  it(
    'parses any text to fields or a typed error that never repeats a secret',
    () => {
      const uri = fc.oneof(
        nastyText({ maxLength: 60, loneSurrogates: true }),
        fc
          .tuple(
            fc.constantFrom('postgres://', 'x://', '//', 'http://https://', 'a-b://'),
            nastyText({ maxLength: 10 }),
            secretText(),
            nastyText({ maxLength: 20, loneSurrogates: true })
          )
          .map(([s, u, p, rest]) => `${s}${u}:${p}@${rest}`)
      )
      fc.assert(
        fc.property(uri, dialect, (text, d) => {
          const out = typedOutcome(() => parseConnectionUri(text, d))
          assertNoMarker(out.value?.warnings ?? [])
        }),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads back every connection its dialect can represent (parse(get_uri(c)) = c)',
    () => {
      fc.assert(
        fc.property(
          dialect.chain((d) => fc.tuple(fc.constant(d), uriRepresentable(d))),
          ([d, conn]) => {
            const uri = serializeConnectionUri(conn, d)
            const back = parseConnectionUri(uri, d)
            expectSameConnection(back.value, conn)
            expect(back.warnings).toEqual([])
          }
        ),
        fuzzParams(1500)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'writes the URI of any parsed URI as the same URI again (get_uri(parse(get_uri(c))) = get_uri(c))',
    () => {
      fc.assert(
        fc.property(
          dialect.chain((d) => fc.tuple(fc.constant(d), uriRepresentable(d))),
          ([d, conn]) => {
            const uri = serializeConnectionUri(conn, d)
            expect(serializeConnectionUri(parseConnectionUri(uri, d).value, d)).toBe(uri)
          }
        ),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )
})

/**
 * Hosts with a protocol (`k8s://10.0.0.1`, reference §3.2 and §4): `proto://` is written
 * after the scheme and read back as the second `://`, except where the protocol is the
 * conn_type itself, which airflow3 and the Task SDK keep inside the encoded host (#51953)
 * and Airflow 2 writes as `http://http://host`, which it cannot read back.
 */
function protocolHostConnection(d: Dialect): fc.Arbitrary<ConnectionFields> {
  return fc
    .record({
      conn_type: connType,
      protocol: fc.stringMatching(/^[a-z][a-z0-9+.-]{0,6}$/),
      rest: nastyText({ minLength: 1 })
        .map((h) => h.replace(/[A-Z]/g, (c) => c.toLowerCase()).replaceAll(':', ''))
        .filter((h) => h !== ''),
      login: fc.option(nastyText({ minLength: 1 }), { nil: null }),
      password: fc.option(secretText(), { nil: null }),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
      schema: nastyText()
    })
    .filter(
      (c) =>
        // Airflow replaces every `conn_type://` in the URI: a protocol ending in the
        // conn_type loses its tail, and Airflow 2 cannot read `type://type://host` at all
        !`${c.protocol}://`.endsWith(`${c.conn_type.replaceAll('_', '-')}://`) &&
        (d !== 'airflow2' || c.protocol !== c.conn_type)
    )
    .map((c) => ({
      conn_type: c.conn_type,
      description: null,
      host: `${c.protocol}://${c.rest}`,
      login: c.login === null && c.password !== null ? '' : c.login,
      password: c.password,
      schema: c.schema,
      port: c.port,
      extra: null
    }))
}

describe('fuzz: connection URI hosts with a protocol', () => {
  it(
    'reads back a host with a protocol in every dialect',
    () => {
      fc.assert(
        fc.property(
          dialect.chain((d) => fc.tuple(fc.constant(d), protocolHostConnection(d))),
          ([d, conn]) => {
            const back = parseConnectionUri(serializeConnectionUri(conn, d), d)
            expectSameConnection(back.value, conn)
          }
        ),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )
})

/** A connection as_json/from_json carry back: conn_type without `-`, core drops port 0 and ''. */
function jsonRepresentable(d: Dialect): fc.Arbitrary<ConnectionFields> {
  const core = d !== 'task-sdk'
  const text = fc.option(fc.oneof(nastyText({ loneSurrogates: true }), secretText()), { nil: null })
  return fc
    .record({
      conn_type: fc.option(
        nastyText({ minLength: 1 }).filter((t) => !t.includes('-') && t !== 'postgresql'),
        { nil: null }
      ),
      description: text,
      host: text,
      login: text,
      password: text,
      schema: text,
      port: fc.option(fc.integer({ min: core ? 1 : 0, max: 65535 }), { nil: null }),
      extra: fc.option(
        anyExtraObject.filter((o) => o.size > 0).map((o) => pyJsonDumps(o)),
        { nil: null }
      )
    })
    .map((f) => ({ ...f, password: core && f.password === '' ? null : f.password }))
}

describe('fuzz: connection JSON', () => {
  it(
    'parses any text to fields or a typed error that never repeats a secret',
    () => {
      // nesting around Python's recursion limit, balanced or not, in the value or its extra
      const deep = fc
        .tuple(
          fc.integer({ min: 900, max: 3000 }),
          fc.constantFrom('[', '{"a":'),
          fc.boolean(),
          fc.boolean()
        )
        .map(([n, open, balanced, inExtra]) => {
          const close = open === '[' ? ']' : '}'
          const body =
            open.repeat(n) + (open === '[' ? '' : '1') + (balanced ? close.repeat(n) : '')
          return inExtra ? `{"conn_type": "x", "extra": ${body}}` : body
        })
      const json = fc.oneof(
        nastyText({ maxLength: 60, loneSurrogates: true }),
        deep,
        // every string value (never a key: keys that are plain names are shown) holds a secret
        fc
          .jsonValue()
          .map((v) =>
            JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? x + MARKER : x))
          ),
        fc
          .record(
            {
              conn_type: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
              password: secretText(),
              port: fc.oneof(
                fc.string(),
                fc.integer(),
                fc.double(),
                fc.boolean(),
                fc.constant(null)
              ),
              extra: fc.oneof(fc.string(), fc.jsonValue(), secretText()),
              uri: fc.oneof(secretText(), fc.constant(null)),
              // a key that is not a plain name is described, never shown (describeKey)
              [`pasted ${MARKER}`]: fc.string()
            },
            { requiredKeys: ['password'] }
          )
          .map((o) => JSON.stringify(o))
      )
      fc.assert(
        fc.property(json, dialect, (text, d) => {
          const out = typedOutcome(() => parseConnectionJson(text, d))
          assertNoMarker(out.value?.warnings ?? [])
          const value = typedOutcome(() => parseConnectionValue(`  ${text}\n`, d))
          assertNoMarker(value.value?.warnings ?? [])
        }),
        fuzzParams(2000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads back every connection as_json() writes (from_json(as_json(c)) = c)',
    () => {
      fc.assert(
        fc.property(
          dialect.chain((d) => fc.tuple(fc.constant(d), jsonRepresentable(d))),
          ([d, conn]) => {
            const back = parseConnectionJson(connectionToJson(conn, d), d)
            expectSameConnection(back.value, conn)
            expect(back.warnings).toEqual([])
          }
        ),
        fuzzParams(1500)
      )
    },
    FUZZ_TIMEOUT
  )
})
