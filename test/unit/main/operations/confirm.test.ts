import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { confirmWrite } from '../../../../src-main/cli/commands/jobs'
import { UsageError, type CliIo } from '../../../../src-main/cli/io'
import type { PlanItem } from '../../../../src-main/core/plan'
import {
  applyConfirmation,
  protectingProfile,
  rollbackConfirmation,
  type CountedItem
} from '../../../../src-main/operations/confirm'
import type { Profile } from '../../../../src-main/platform/settings'

const item = (
  kind: CountedItem['kind'],
  action: PlanItem['action'],
  targetId: string,
  resolution?: PlanItem['resolution']
): CountedItem => ({ kind, action, targetId, ...(resolution ? { resolution } : {}) })

const profile = (name: string, extra: Partial<Profile> = {}): Profile => ({
  name,
  kind: 'vault',
  airflowVersion: null,
  url: 'https://vault.example.com',
  region: null,
  backendKwargs: { mount_point: 'airflow' },
  credential: { method: 'token', params: {} },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...extra
})

describe('19: what a destructive write confirms', () => {
  it('19: names creates, overwrites (updates and conflicts overwritten) and deletes per kind, less the skipped', () => {
    const items = [
      ...Array.from({ length: 12 }, (_, i) => item('connection', 'delete', `c${i}`)),
      item('variable', 'update', 'v1'),
      item('variable', 'conflict', 'v2', 'overwrite'),
      item('variable', 'conflict', 'v3', 'skip'),
      item('variable', 'update', 'v4'),
      item('connection', 'create', 'new'),
      item('connection', 'unchanged', 'same')
    ]
    const c = applyConfirmation(
      { target: 'vault:prod', items },
      undefined,
      new Set(['variable:v4'])
    )
    expect(c).toEqual({
      sentence:
        'create 1 connection, overwrite 2 variables and delete 12 connections in vault:prod',
      destructive: true,
      protectedProfile: null
    })
  })

  it('19: a create-only plan is not destructive, and the target is shown redacted', () => {
    const c = applyConfirmation(
      {
        target: 'metadb:postgresql://u:pw-canary@db/airflow',
        items: [item('variable', 'create', 'a')]
      },
      undefined
    )
    expect(c.destructive).toBe(false)
    expect(c.sentence).toBe('create 1 variable in metadb:postgresql://u@db/airflow')
    expect(JSON.stringify(c)).not.toContain('pw-canary')
  })

  it('19: a rollback deletes what the job created and restores what it overwrote or deleted', () => {
    const c = rollbackConfirmation(
      'J1',
      {
        target: 'vault:prod',
        items: [
          item('connection', 'create', 'a'),
          item('connection', 'create', 'b'),
          item('variable', 'delete', 'x')
        ]
      },
      profile('prod', { protected: true })
    )
    expect(c).toEqual({
      sentence:
        'roll back job J1 in vault:prod: delete 2 connections it created and restore 1 variable it overwrote or deleted',
      destructive: true,
      protectedProfile: 'prod'
    })
  })

  it('19: a protected profile is found by the name the locator gives, or by the store it holds', () => {
    const prod = profile('prod', { protected: true })
    const staging = profile('staging')
    expect(protectingProfile('vault:prod', undefined, [staging, prod])?.name).toBe('prod')
    expect(protectingProfile('profile:prod', undefined, [prod])?.name).toBe('prod')
    expect(protectingProfile('vault:staging', undefined, [staging, prod])).toBeUndefined()
    const db = profile('db', {
      kind: 'metadb',
      url: 'postgresql://airflow@db.internal/airflow',
      backendKwargs: {},
      credential: { method: 'password', params: {} },
      protected: true
    })
    expect(
      protectingProfile(
        'metadb:postgresql://other@DB.internal:5432/airflow',
        'metadb:postgresql://db.internal:5432/airflow',
        [db]
      )?.name
    ).toBe('db')
    expect(protectingProfile('envfile:./a.env', 'envfile:/tmp/a.env', [db, prod])).toBeUndefined()
  })
})

describe('19: the CLI asks at a terminal', () => {
  function io(tty: boolean, input: string) {
    const stdin = Object.assign(new PassThrough(), { isTTY: tty })
    stdin.end(input)
    let err = ''
    const stderr = new PassThrough()
    stderr.on('data', (d: Buffer) => (err += d))
    const cli: CliIo = { stdin, stdout: new PassThrough(), stderr, env: {} }
    return { cli, err: () => err }
  }
  const asked = {
    sentence: 'delete 1 variable in vault:prod',
    destructive: true,
    protectedProfile: 'prod'
  }

  it('19: the name typed at a terminal confirms; another name refuses (exit 2)', async () => {
    const right = io(true, 'prod\n')
    await expect(confirmWrite(right.cli, 'apply', asked, false)).resolves.toBeUndefined()
    expect(right.err()).toContain('Type the profile name "prod" to continue')
    const wrong = io(true, 'staging\n')
    await expect(confirmWrite(wrong.cli, 'apply', asked, false)).rejects.toThrow(UsageError)
  })

  it('19: without a terminal it refuses unless --yes; an unprotected target never prompts', async () => {
    await expect(confirmWrite(io(false, 'prod\n').cli, 'rollback', asked, false)).rejects.toThrow(
      /pass --yes/
    )
    await expect(confirmWrite(io(false, '').cli, 'rollback', asked, true)).resolves.toBeUndefined()
    const free = io(true, '')
    await expect(
      confirmWrite(free.cli, 'apply', { ...asked, protectedProfile: null }, false)
    ).resolves.toBeUndefined()
    expect(free.err()).toBe('airlock: apply will delete 1 variable in vault:prod\n')
  })
})
