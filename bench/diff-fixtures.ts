/**
 * The stores `plan`/`diff` are benchmarked on as users run them: two `.env` files (or two
 * `airflow connections export` JSON files) of N and N + 2 % items where 10 % of the common
 * items differ, written from seeded data the way Airflow and Airlock write them.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connectionEnvValue } from '../src-main/core/codecs/connection-value'
import { encodeEnvFile } from '../src-main/core/codecs/env-file'
import { envNameFor } from '../src-main/core/env-names'
import { connectionEntry, variableEntry, type Entry } from '../src-main/core/model'
import { rng } from './harness'

/** Seeded, realistic entries: URIs with special characters, large extras, JSON variables. */
export function benchDataset(n: number, seed: number, prefix = ''): Entry[] {
  const rand = rng(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
  const word = (len: number) =>
    Array.from({ length: len }, () =>
      pick([...'abcdefghijklmnopqrstuvwxyz0123456789@:/?#%+ é'])
    ).join('')
  return Array.from({ length: n }, (_, i): Entry => {
    if (i % 3 === 2)
      return variableEntry(
        `${prefix}var_${i}`,
        i % 2 ? JSON.stringify({ rows: Array.from({ length: 8 }, () => word(12)) }) : word(40)
      )
    return connectionEntry(`${prefix}conn_${i}`, {
      conn_type: pick(['postgres', 'mysql', 'http', 'aws', 'snowflake']),
      host: `db-${i}.example.com`,
      login: `user_${word(6)}`,
      password: word(24),
      schema: 'analytics',
      port: 5432,
      extra:
        i % 4 === 0
          ? JSON.stringify({ role: 'ANALYST', opts: Array.from({ length: 20 }, () => word(10)) })
          : null
    })
  })
}

/** A: N items; B: A with 10 % changed (a password or a value) and 2 % more only in B. */
export function diffPair(n: number): { a: Entry[]; b: Entry[] } {
  const a = benchDataset(n, 7)
  const b = a.map((e, i) => {
    if (i % 10 !== 3) return e
    return e.kind === 'connection'
      ? { ...e, fields: { ...e.fields, password: `changed-${e.id}` } }
      : { ...e, value: `changed-${e.key}` }
  })
  b.push(...benchDataset(Math.floor(n * 0.02), 9, 'extra_'))
  return { a, b }
}

/** The `.env` text Airlock writes for the entries (compose rules, connections as URIs). */
export function envFileText(entries: readonly Entry[]): string {
  return encodeEnvFile(
    entries.map((e) =>
      e.kind === 'connection'
        ? { name: envNameFor('connection', e.id), value: connectionEnvValue(e.fields, 'airflow3') }
        : { name: envNameFor('variable', e.key), value: e.value }
    )
  ).text
}

/** What `airflow connections export --file-format json` writes for the connections. */
export function connectionsExportJson(entries: readonly Entry[]): string {
  const out: Record<string, unknown> = {}
  for (const e of entries)
    if (e.kind === 'connection')
      out[e.id] = {
        conn_type: e.fields.conn_type,
        description: e.fields.description,
        login: e.fields.login,
        password: e.fields.password,
        host: e.fields.host,
        port: e.fields.port,
        schema: e.fields.schema,
        extra: e.fields.extra
      }
  return JSON.stringify(out, null, 4) + '\n'
}

/** Writes a.env, b.env, a.json, b.json and the sorted `id=value` files GNU diff compares. */
export function writeDiffFixtures(dir: string, n: number): void {
  const { a, b } = diffPair(n)
  writeFileSync(join(dir, 'a.env'), envFileText(a))
  writeFileSync(join(dir, 'b.env'), envFileText(b))
  writeFileSync(join(dir, 'a.json'), connectionsExportJson(a))
  writeFileSync(join(dir, 'b.json'), connectionsExportJson(b))
  const sorted = (text: string) => text.split('\n').filter(Boolean).sort().join('\n') + '\n'
  writeFileSync(join(dir, 'a.sorted'), sorted(envFileText(a)))
  writeFileSync(join(dir, 'b.sorted'), sorted(envFileText(b)))
}
