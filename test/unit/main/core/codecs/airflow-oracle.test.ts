// Fidelity against outputs recorded by running Airflow's own connection code
// (test/fixtures/airflow-oracle/README.md says which versions and how).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { constructConnection } from '../../../../../src-main/core/connection'
import {
  connectionToJson,
  parseConnectionJson
} from '../../../../../src-main/core/codecs/connection-json'
import {
  parseConnectionUri,
  serializeConnectionUri
} from '../../../../../src-main/core/codecs/connection-uri'
import {
  emptyConnectionFields,
  type ConnectionFields,
  type Dialect
} from '../../../../../src-main/core/model'

interface OracleRecord {
  dialect: Dialect
  source: string
  input: unknown
  result: Record<string, unknown> & { error?: { type: string; message: string } }
}

const load = (name: string): OracleRecord[] =>
  readFileSync(
    new URL(`../../../../fixtures/airflow-oracle/${name}.jsonl`, import.meta.url),
    'utf8'
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OracleRecord)

const FIELDS = ['conn_type', 'host', 'login', 'password', 'schema', 'port', 'extra'] as const

/**
 * The Task SDK fixtures were recorded from a fork whose SDK differs from apache/airflow
 * main and the reference (§3 step 5, §6) in three documented ways; Airlock follows main:
 * port 0 is emitted by get_uri(), from_json range-checks ports strictly, and conn_type is
 * not required by from_json; the constructor's attrs validator also refuses a port outside
 * 0-65535, so main never serialises one. Records that exercise those are skipped; everything else counts.
 */
function sdkDivergence(file: string, r: OracleRecord): boolean {
  if (r.dialect !== 'task-sdk') return false
  // main's SDK also validates the port at construction (attrs `_validate_port`)
  const port = (r.input as { port?: unknown } | null)?.port
  const outOfRange = typeof port === 'number' && (port < 0 || port > 65535)
  if (file === 'uri-serialize') return port === 0 || outOfRange
  if (file === 'json-serialize' && outOfRange) return true
  if (file === 'json-parse') {
    const text = r.input as string
    return (
      /"port"/.test(text) ||
      /conn_type\) is required/.test(r.result.error?.message ?? '') ||
      /"uri"/.test(text)
    )
  }
  return false
}

function outcome<T>(fn: () => T): { value?: T; error?: string } {
  try {
    return { value: fn() }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

describe('airflow oracle fixtures', () => {
  for (const file of ['uri-parse', 'json-parse'] as const) {
    it(`${file}: fields equal Airflow's for every recorded input`, () => {
      const records = load(file).filter((r) => !sdkDivergence(file, r))
      expect(records.length).toBeGreaterThan(1000)
      for (const r of records) {
        const parse = file === 'uri-parse' ? parseConnectionUri : parseConnectionJson
        const got = outcome(() => parse(r.input as string, r.dialect).value)
        const label = `${r.dialect} ${JSON.stringify(r.input)}`
        if (r.result.error) {
          expect(got.error, label).toBeDefined()
          continue
        }
        expect(got.error, label).toBeUndefined()
        for (const f of FIELDS) expect(got.value![f], `${label} ${f}`).toEqual(r.result[f])
      }
    })
  }

  for (const file of ['uri-serialize', 'json-serialize'] as const) {
    it(`${file}: output bytes equal Airflow's for every recorded connection`, () => {
      const records = load(file).filter((r) => !sdkDivergence(file, r))
      expect(records.length).toBeGreaterThan(1000)
      for (const r of records) {
        const fields: ConnectionFields = {
          ...emptyConnectionFields(),
          ...(r.input as Partial<ConnectionFields>)
        }
        const got = outcome(() => {
          const c = constructConnection(fields, r.dialect).value
          return file === 'uri-serialize'
            ? serializeConnectionUri(c, r.dialect)
            : connectionToJson(c, r.dialect)
        })
        const label = `${r.dialect} ${JSON.stringify(r.input)}`
        if (r.result.error) expect(got.error, label).toBeDefined()
        else expect(got.value, label).toBe(r.result[file === 'uri-serialize' ? 'uri' : 'json'])
      }
    })
  }

  it('covers every dialect and source', () => {
    const all = [...load('uri-parse'), ...load('uri-serialize')]
    expect(new Set(all.map((r) => r.dialect))).toEqual(
      new Set(['airflow2', 'airflow3', 'task-sdk'])
    )
    expect(new Set(all.map((r) => r.source))).toEqual(
      new Set(['reference', 'airflow-tests', 'edge', 'random', 'roundtrip'])
    )
  })
})
