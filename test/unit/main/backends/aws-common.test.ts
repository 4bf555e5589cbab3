// The steps both AWS backends share (backends/aws/common.ts) and the core rules they read
// with (core/airflow-secrets/aws-secrets-manager.ts): lookups, the multi-team rule, stored
// values as entries, and what a written connection loses (core/airflow-secrets/written.ts).
import { describe, expect, it } from 'vitest'
import {
  ambiguousProblems,
  readTarget,
  readTargets,
  storedEntry
} from '../../../../src-main/backends/aws/common'
import { writtenLoss } from '../../../../src-main/core/airflow-secrets/written'
import {
  awsTeamLookup,
  decodeSecretsManagerConnection,
  parseAwsSecretsManagerKwargs,
  smLookup
} from '../../../../src-main/core/airflow-secrets/aws-secrets-manager'
import { AirlockError, CodecError } from '../../../../src-main/core/errors'
import type { ConnectionFields, EntryRef } from '../../../../src-main/core/model'

const naming = parseAwsSecretsManagerKwargs({ connections_lookup_pattern: '^prod' })
const lookupOf = (ref: EntryRef) => smLookup(naming, ref.kind, ref.id)
const dev: EntryRef = { kind: 'connection', id: 'dev_db' }
const FIELDS: ConnectionFields = {
  conn_type: 'postgres',
  host: 'db',
  login: null,
  password: null,
  schema: null,
  port: 5432,
  extra: null,
  description: null
}

describe('aws common: lookups', () => {
  it('maps refs to names, leaving out those Airflow never asks for', () => {
    const { byName, problems } = readTargets(
      'aws-sm:t',
      [
        { kind: 'connection', id: 'prod_db' },
        { kind: 'connection', id: 'dev_db' },
        { kind: 'variable', id: 'v' }
      ],
      lookupOf
    )
    expect([...byName.keys()]).toEqual(['airflow/connections/prod_db', 'airflow/variables/v'])
    expect(problems).toEqual([])
    expect(readTarget('aws-sm:t', dev, lookupOf(dev))).toBe(undefined)
  })

  it('names a lookup Airflow fails as a usage problem of its ref', () => {
    const bad = parseAwsSecretsManagerKwargs({ variables_lookup_pattern: '(' })
    const ref: EntryRef = { kind: 'variable', id: 'v' }
    const { problems } = readTargets('aws-sm:t', [ref], (r) => smLookup(bad, r.kind, r.id))
    expect(problems).toMatchObject([{ ref, code: 'usage', message: /^aws-sm:t: variable "v": / }])
    expect(() => readTarget('aws-sm:t', ref, smLookup(bad, 'variable', 'v'))).toThrow(
      /variables_lookup_pattern/
    )
  })

  it('multi-team rule: an id holding -- is refused only with multi_team on, after the naming', () => {
    const named = smLookup(naming, 'variable', 'a--b')
    expect(awsTeamLookup(named, 'a--b', {})).toEqual(named)
    expect(awsTeamLookup(named, 'a--b', { multiTeam: true })).toMatchObject({
      outcome: 'disabled',
      reason: /multi-team mode/
    })
    const skipped = smLookup(naming, 'connection', 'dev--db')
    expect(awsTeamLookup(skipped, 'dev--db', { multiTeam: true })).toEqual(skipped)
  })
})

describe('aws common: stored values', () => {
  const origin = { backendId: 'aws-sm:t', path: 'airflow/connections/c', fromKey: 'SecretString' }
  const decode = (v: string) => decodeSecretsManagerConnection(v, naming, 'airflow3').value

  it('reads a variable verbatim and a connection through the decoder, with its origin', () => {
    expect(storedEntry(origin, 'variable', 'v', ' x ', decode)).toMatchObject({
      kind: 'variable',
      value: ' x ',
      source: origin
    })
    expect(storedEntry(origin, 'connection', 'c', 'postgres://db:5432', decode)).toMatchObject({
      kind: 'connection',
      fields: { conn_type: 'postgres', host: 'db', port: 5432 },
      source: origin
    })
  })

  it('names backend, ref and name when Airflow cannot read a value, never the value', () => {
    const secret = '{"password": "s3cret-value", "port": "x"'
    let error: unknown
    try {
      storedEntry(origin, 'connection', 'c', secret, decode)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AirlockError)
    expect((error as AirlockError).userMessage).toMatch(
      /^aws-sm:t: connection "c" \(airflow\/connections\/c\): /
    )
    expect((error as AirlockError).userMessage).not.toContain('s3cret-value')
  })

  it('says what a written connection loses, or everything when it cannot be read back', () => {
    expect(writtenLoss(FIELDS, 'airflow3', () => ({ ...FIELDS, host: 'DB' }))).toEqual(['host'])
    expect(writtenLoss(FIELDS, 'airflow3', () => FIELDS)).toEqual([])
    expect(
      writtenLoss(FIELDS, 'airflow3', () => {
        throw new CodecError('bad')
      })
    ).toEqual(['everything (Airflow cannot read the value back)'])
  })

  it('reports a name that reads as two ids on its first reading', () => {
    expect(
      ambiguousProblems(
        'aws-ssm:t',
        [
          {
            target: '/a/b',
            readsAs: [
              { kind: 'config', id: 'b' },
              { kind: 'variable', id: 'a/b' }
            ]
          }
        ],
        'parameter'
      )
    ).toEqual([
      {
        ref: { kind: 'connection', id: 'b' },
        code: 'codec.invalid',
        message:
          'aws-ssm:t: /a/b reads as config "b" and as variable "a/b"; Airflow answers every one of those lookups from it. Give each kind its own prefix or move the parameter.'
      }
    ])
  })
})
