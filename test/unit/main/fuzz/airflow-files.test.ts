// Property-based tests of Airflow's export/import files (connections as JSON, YAML and .env;
// variables as JSON) and of astro's airflow_settings.yaml: any text decodes to items and
// problems (never a crash, never a value in a message), and what Airlock writes reads back.
// Sizes and seed: test/support/fuzz.ts.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { AstroSettingsBackend } from '../../../../src-main/backends/astro'
import {
  decodeConnectionsFile,
  decodeVariablesFile,
  encodeConnectionsFile,
  encodeVariablesFile,
  type FileFormat
} from '../../../../src-main/core/codecs/airflow-files'
import {
  parseConnectionUri,
  serializeConnectionUri
} from '../../../../src-main/core/codecs/connection-uri'
import {
  PyDict,
  pyEquals,
  pyJsonDumps,
  pyJsonTryLoads,
  type PyValue
} from '../../../../src-main/core/codecs/py-json'
import {
  DIALECTS,
  type ConnectionEntry,
  type ConnectionFields,
  type Entry,
  type VariableEntry
} from '../../../../src-main/core/model'
import {
  FUZZ_TIMEOUT,
  MARKER,
  assertNoMarker,
  fuzzParams,
  nastyText,
  secretText,
  typedOutcomeAsync
} from '../../../support/fuzz'
import { tempDir } from '../../../support/temp-dir'

const dialect = fc.constantFrom(...DIALECTS)
const FORMATS: readonly FileFormat[] = ['json', 'yaml', 'env']

/** Ids the import commands accept, including words YAML would read as other types. */
const id = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/),
  fc.constantFrom(
    'null',
    'true',
    'No',
    'on',
    '1',
    '0x1F',
    '1e3',
    '.inf',
    '-',
    '.',
    '1_000',
    '0o7',
    '2026-11-23'
  ),
  fc.string({ unit: fc.constantFrom('é', 'ß', 'Ω', '٣', '_', 'a'), minLength: 1, maxLength: 6 })
)

const text = fc.oneof(nastyText(), secretText())
const extraText = fc
  .dictionary(nastyText({ maxLength: 6 }), fc.oneof(text, fc.integer().map(BigInt), fc.boolean()), {
    maxKeys: 3
  })
  .map((o) => pyJsonDumps(new PyDict(Object.entries(o as Record<string, PyValue>))))

/** Fields the JSON/YAML export writes and import reads back as they were (core: '' password is null). */
const exportFields = (core: boolean): fc.Arbitrary<ConnectionFields> =>
  fc
    .record({
      conn_type: fc.option(text, { nil: null }),
      description: fc.option(text, { nil: null }),
      host: fc.option(text, { nil: null }),
      login: fc.option(text, { nil: null }),
      password: fc.option(text, { nil: null }),
      schema: fc.option(text, { nil: null }),
      port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null }),
      extra: fc.option(extraText, { nil: null })
    })
    .map((f) => ({ ...f, password: core && f.password === '' ? null : f.password }))

const entries = (core: boolean) =>
  fc
    .uniqueArray(fc.tuple(id, exportFields(core)), { maxLength: 5, selector: ([i]) => i })
    .map((list) =>
      list.map(([i, fields]): ConnectionEntry => ({ kind: 'connection', id: i, fields }))
    )

/**
 * YAML whose aliases expand exponentially ("billion laughs") or contain themselves, with
 * `prefix` before each anchor line, and the last anchor used by `use`.
 */
const aliasBomb = (prefix: string, use: (anchor: string) => string) =>
  fc
    .tuple(
      // small documents, or bombs far beyond any limit (near the limit only costs time)
      fc.oneof(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 9 })),
        fc.tuple(fc.integer({ min: 9, max: 12 }), fc.integer({ min: 8, max: 9 }))
      ),
      fc.boolean()
    )
    .map(([[levels, fanout], cyclic]) => {
      const lines = [`${prefix}l0: &a0 [${Array(fanout).fill(`"${MARKER}"`).join(', ')}]`]
      for (let i = 1; i <= levels; i++)
        lines.push(
          `${prefix}l${i}: &a${i} [${Array(fanout)
            .fill(`*a${i - 1}`)
            .join(', ')}]`
        )
      if (cyclic) lines.push(`${prefix}c: &c {k: *c}`)
      return `${lines.join('\n')}\n${use(cyclic ? 'c' : `a${levels}`)}`
    })

/** Documents that look like export files, secrets in values only, then cut or spliced. */
const fileLikeText = fc.oneof(
  aliasBomb('', (a) => `conn1: {conn_type: http, extra_dejson: *${a}}\nv: *${a}\n`),
  nastyText({ maxLength: 80, loneSurrogates: true }),
  fc
    .tuple(
      dialect.chain((d) => entries(d !== 'task-sdk')),
      fc.constantFrom(...FORMATS),
      fc.nat(),
      nastyText({ maxLength: 6 })
    )
    .map(([es, format, at, splice]) => {
      const full = encodeConnectionsFile(es, { format, dialect: 'airflow3' })
      const i = full.length ? at % full.length : 0
      return full.slice(0, i) + splice + full.slice(i)
    }),
  fc
    .dictionary(
      id,
      fc.oneof(
        secretText(),
        fc.record(
          {
            conn_type: fc.oneof(fc.string(), fc.integer()),
            password: fc.oneof(secretText(), fc.integer()),
            port: fc.oneof(fc.string(), fc.integer(), fc.double()),
            extra: fc.oneof(secretText(), fc.jsonValue()),
            extra_dejson: fc.jsonValue(),
            uri: secretText(),
            conn_id: fc.string()
          },
          { requiredKeys: ['password'] }
        ),
        fc.jsonValue()
      )
    )
    .map((o) => JSON.stringify(o, null, 1))
)

const sameValue = (a: string, b: string): boolean =>
  pyEquals(pyJsonTryLoads(a) ?? a, pyJsonTryLoads(b) ?? b)

describe('fuzz: Airflow export files', () => {
  it(
    'decodes any text as connections or problems with their line or key, never a value',
    () => {
      fc.assert(
        fc.property(
          fileLikeText,
          fc.constantFrom(...FORMATS),
          dialect,
          fc.constantFrom('cli' as const, 'none' as const),
          (t, format, d, idRule) => {
            const out = decodeConnectionsFile(t, format, d, { idRule })
            assertNoMarker([...out.problems, ...out.warnings].map((p) => p.message))
            const vars = decodeVariablesFile(t, format)
            assertNoMarker([...vars.problems, ...vars.warnings].map((p) => p.message))
          }
        ),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads back the JSON and YAML connection exports it writes, field for field',
    () => {
      fc.assert(
        fc.property(
          dialect.chain((d) => fc.tuple(fc.constant(d), entries(d !== 'task-sdk'))),
          fc.constantFrom('json' as const, 'yaml' as const),
          ([d, es], format) => {
            // Airflow 3 refuses extras that are not JSON objects; these all are
            const back = decodeConnectionsFile(
              encodeConnectionsFile(es, { format, dialect: d }),
              format,
              d
            )
            expect(back.problems).toEqual([])
            expect(new Map(back.value.map((e) => [e.id, e.fields]))).toEqual(
              new Map(es.map((e) => [e.id, e.fields]))
            )
          }
        ),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads back a .env export (URI per line) exactly as the URI itself reads back',
    () => {
      fc.assert(
        fc.property(dialect, entries(false), (d, es) => {
          // the .env grammar adds no loss of its own: each value is what the URI parser makes of it
          const usable = es.filter((e) => {
            try {
              const uri = serializeConnectionUri(e.fields, d)
              parseConnectionUri(uri, d)
              // conn_type and a host's protocol are written unencoded: a line boundary in them
              // splits the line, as in Airflow's own export (no provider has such a type)
              // eslint-disable-next-line no-control-regex -- Python's str.splitlines() boundaries
              return !/[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/.test(uri)
            } catch {
              return false // a URI Airflow cannot read back either (e.g. `://` in the host)
            }
          })
          const back = decodeConnectionsFile(
            encodeConnectionsFile(usable, { format: 'env', dialect: d }),
            'env',
            d
          )
          expect(back.problems).toEqual([])
          expect(new Map(back.value.map((e) => [e.id, e.fields]))).toEqual(
            new Map(
              usable.map((e) => [
                e.id,
                parseConnectionUri(serializeConnectionUri(e.fields, d), d).value
              ])
            )
          )
        }),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads back the variables export it writes (values as JSON where Airflow decodes them)',
    () => {
      const variable = fc.record({
        kind: fc.constant('variable' as const),
        key: id,
        value: fc.oneof(
          text,
          fc.jsonValue().map((v) => JSON.stringify(v))
        ),
        description: fc.option(text, { nil: null })
      })
      fc.assert(
        fc.property(
          dialect,
          fc.uniqueArray(variable, { maxLength: 5, selector: (v) => v.key }),
          (d, vars: VariableEntry[]) => {
            const modern = d !== 'airflow2'
            // Airflow 2 writes a value alone: an object with a "value" key reads back as a
            // value and a description (its own import does the same)
            const usable = vars.filter((v) => {
              const parsed = pyJsonTryLoads(v.value)
              return modern || !(parsed instanceof PyDict && parsed.has('value'))
            })
            const back = decodeVariablesFile(encodeVariablesFile(usable, d), 'json')
            expect(back.problems).toEqual([])
            const byKey = new Map(back.value.map((v) => [v.key, v]))
            expect([...byKey.keys()].sort()).toEqual(usable.map((v) => v.key).sort())
            for (const v of usable) {
              const got = byKey.get(v.key)!
              // Airflow 2 writes a value that is a JSON string as the string it holds, which
              // then reads back as itself ('"0"' comes back as '0'); Airflow 3 keeps the text
              const parsed = pyJsonTryLoads(v.value)
              const want = !modern && typeof parsed === 'string' ? parsed : v.value
              expect(sameValue(got.value, want), v.key).toBe(true)
              expect(got.description).toBe(modern ? v.description || null : null)
            }
          }
        ),
        fuzzParams(1000)
      )
    },
    FUZZ_TIMEOUT
  )
})

const dir = tempDir('airlock-fuzz-astro-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileNo = 0

describe('fuzz: astro airflow_settings.yaml', () => {
  it(
    'loads any text as entries or a typed error naming lines, never a value',
    async () => {
      const yamlish = fc.oneof(
        nastyText({ maxLength: 80, loneSurrogates: true }),
        aliasBomb(
          'x-',
          (a) =>
            `airflow:\n  connections:\n    - conn_id: c\n      conn_type: http\n      conn_extra: {k: *${a}}\n`
        ),
        fc
          .array(
            fc.tuple(
              // ids are names and are shown; secrets go in every other field
              fc.constantFrom(
                'conn_type',
                'conn_password',
                'conn_port',
                'conn_uri',
                'conn_extra',
                'variable_value'
              ),
              fc.oneof(
                secretText(),
                nastyText({ maxLength: 10 }),
                fc.constantFrom(
                  '0123',
                  'true',
                  '~',
                  '[a, b]',
                  '{a: b}',
                  '*x',
                  '&x y',
                  '!!binary aGk='
                )
              )
            ),
            { maxLength: 6 }
          )
          .chain((pairs) =>
            fc
              .constantFrom('connections', 'variables')
              .map(
                (list) =>
                  `airflow:\n  ${list}:\n    - ${['conn_id: c1', 'variable_name: v1', ...pairs.map(([k, v]) => `${k}: ${v}`)].join('\n      ')}\n`
              )
          )
      )
      await fc.assert(
        fc.asyncProperty(yamlish, async (t) => {
          const path = join(dir, `s${fileNo++}.yaml`)
          writeFileSync(path, t)
          const b = new AstroSettingsBackend({ path })
          const loaded = await typedOutcomeAsync(() => b.load({}))
          assertNoMarker(loaded.value?.problems.map((p) => p.message) ?? [])
          const diagnosed = await b.diagnose()
          assertNoMarker([...diagnosed.problems, ...diagnosed.warnings].map((p) => p.message))
          rmSync(path)
        }),
        fuzzParams(150)
      )
    },
    FUZZ_TIMEOUT
  )

  it(
    'reads back the connections and variables it writes',
    async () => {
      // astro sends no empty field and no port 0 (they read back null), has no descriptions,
      // needs a conn_type and skips variables with an empty value
      const nonEmpty = fc.option(
        text.filter((t) => t !== ''),
        { nil: null }
      )
      const conn = fc.record({
        kind: fc.constant('connection' as const),
        id,
        fields: fc.record({
          conn_type: text.filter((t) => t !== ''),
          description: fc.constant(null),
          host: nonEmpty,
          login: nonEmpty,
          password: nonEmpty,
          schema: nonEmpty,
          port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
          extra: fc.option(
            extraText.filter((e) => e !== '{}'),
            { nil: null }
          )
        })
      })
      const variable = fc.record({
        kind: fc.constant('variable' as const),
        key: id,
        value: text.filter((t) => t !== ''),
        description: fc.constant(null)
      })
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(conn, { maxLength: 4, selector: (c) => c.id }),
          fc.uniqueArray(variable, { maxLength: 3, selector: (v) => v.key }),
          async (conns, vars) => {
            const path = join(dir, `w${fileNo++}.yaml`)
            writeFileSync(path, '# kept\nairflow:\n  pools: []\n')
            const b = new AstroSettingsBackend({ path, dialect: 'task-sdk' })
            const written: Entry[] = [...conns, ...vars]
            await b.write(written)
            const { entries: back, problems } = await b.load({})
            expect(problems).toEqual([])
            const strip = (e: Entry) => ({ ...e, source: undefined })
            expect(back.map(strip)).toEqual(written.map(strip))
            rmSync(path)
          }
        ),
        fuzzParams(150)
      )
    },
    FUZZ_TIMEOUT
  )
})

// the marker is what every generated secret holds; referenced so a rename breaks loudly
expect(MARKER.length).toBeGreaterThan(8)
