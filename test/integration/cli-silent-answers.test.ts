// Issue 21, "silent wrong answers": each answer here was once "fine" (exit 0, 0 items, a
// mangled row) where Airflow would say otherwise. A real process on real files.
import { spawnSync } from 'node:child_process'
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { airlock, airlockAsync } from '../support/cli'
import { startVaultEmulator } from '../support/emulators/vault'
import { tempDir } from '../support/temp-dir'

let home: string
let work: string
beforeAll(() => {
  home = tempDir('airlock-home-')
  work = tempDir('airlock-work-')
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})
const run = (args: string[], airlockHome = home) =>
  airlock(args, '', {
    AIRLOCK_HOME: airlockHome,
    AIRLOCK_CONFIG_DIR: join(home, 'cfg'),
    // plans with --out and apply keep their keys in the passphrase store (no session bus)
    AIRLOCK_PASSPHRASE: 'issue-21-passphrase'
  })
const file = (name: string, text: string) => {
  const path = join(work, name)
  writeFileSync(path, text)
  return path
}

// What `airflow variables export` writes (variable_command.py): decoded values, sorted keys.
const VARIABLES_EXPORT = `{
    "cfg": {
        "a": 1
    },
    "described": {
        "description": "what it is",
        "value": "x"
    },
    "region": "eu-west-1"
}
`

describe("21: a one-kind file store's kind", () => {
  it('21: plan and diff --kind var on an airflow-export: or lfs: variables file plan its variables, not 0 items', () => {
    for (const scheme of ['airflow-export', 'lfs']) {
      const path = file(`${scheme}-variables.json`, VARIABLES_EXPORT)
      const plan = run(['plan', `${scheme}:${path}`, 'memory:', '--kind', 'var'])
      expect(plan.stderr, scheme).toContain('plan: 3 to create')
      expect(plan.lines, scheme).toEqual(['+ var  cfg', '+ var  described', '+ var  region'])
      expect(plan.code).toBe(0)
      const diff = run(['diff', `${scheme}:${path}`, 'memory:', '--kind', 'var'])
      expect(diff.stderr, scheme).toContain('diff: 3 to create')
    }
  })

  it('21: a variables file is never listed as connections: its name or content says variables, or the store refuses', () => {
    // The name says it, the content says it (an object no connection could be): variables.
    for (const name of ['variables.json', 'exported.json']) {
      const path = file(name, VARIABLES_EXPORT)
      for (const scheme of ['airflow-export', 'lfs']) {
        const r = run(['list', `${scheme}:${path}`, '--json'])
        expect(r.code, `${scheme} ${name}`).toBe(0)
        expect(r.lines.map((l) => JSON.parse(l).kind)).toEqual(['variable', 'variable', 'variable'])
      }
    }
    // A .env file's text cannot tell: without --kind or a telling name it is refused.
    const env = file('secrets.env', 'region=eu-west-1\n')
    for (const command of [
      ['list', `lfs:${env}`],
      ['export', `lfs:${env}`, '--to', join(work, 'out.json')],
      ['plan', `lfs:${env}`, 'memory:'],
      ['diff', 'memory:', `lfs:${env}`],
      ['effective', '--layer', `custom-backend=lfs:${env}`]
    ]) {
      const r = run(command)
      expect(r.code, command.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/cannot tell whether the file holds connections or variables/)
    }
    expect(run(['list', `lfs:${env}`, '--kind', 'var']).lines[1]).toMatch(/^var\s+region/)
    // --kind that contradicts the file is refused, not read as the other kind.
    const wrong = run([
      'plan',
      `airflow-export:${file('variables.json', VARIABLES_EXPORT)}`,
      'memory:',
      '--kind',
      'conn'
    ])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/--kind conn says connections but its name says variables/)
  })

  it('21: without --kind, a one-kind source narrows the plan to its kind (the other kind of the target is never deleted)', () => {
    const vars = file('vars-only.json', VARIABLES_EXPORT)
    const target = file('target.env', 'AIRFLOW_CONN_KEEP=postgres://h/db\nAIRFLOW_VAR_OLD=1\n')
    const r = run(['plan', `lfs:${vars}`, `envfile:${target}`, '--delete-extraneous'])
    expect(r.code).toBe(0)
    expect(r.lines).toEqual(['+ var  cfg', '+ var  described', '- var  old', '+ var  region'])
  })
})

describe('21: a target that cannot hold a field settles', () => {
  it('21: a .env target shows a description it cannot hold once as a warning and counts the item unchanged', () => {
    const vars = file(
      'described-variables.json',
      '{"region": {"value": "eu-west-1", "description": "where"}}\n'
    )
    const target = join(work, 'settles.env')
    const plan = join(work, 'settles-plan.json')
    expect(run(['plan', `airflow-export:${vars}`, `envfile:${target}`, '--out', plan]).code).toBe(0)
    expect(run(['apply', plan]).code).toBe(0)
    expect(readFileSync(target, 'utf8')).toBe('AIRFLOW_VAR_REGION=eu-west-1\n')
    const again = run(['plan', `airflow-export:${vars}`, `envfile:${target}`])
    expect(again.code).toBe(0)
    expect(again.stderr).toContain('plan: 0 to create, 0 to update, 0 to delete, 1 unchanged')
    expect(again.lines).toEqual([
      '= var  region',
      '    warning: the target does not keep the variable description (Airflow does not read it from there either); it is left out'
    ])
    expect(run(['diff', `airflow-export:${vars}`, `envfile:${target}`]).stderr).toContain(
      'diff: 0 to create, 0 to update, 0 to delete, 1 unchanged'
    )
  })

  it('21: an empty password "" is written where the format holds it (connection JSON), said where it does not (URI), and the plan settles', () => {
    // A metadata DB row with password '' (not encrypted): get_password() returns ''.
    expect(run(['list', 'demo:', '--kind', 'conn']).code).toBe(0)
    const db = join(work, 'empty-password.db')
    copyFileSync(join(home, 'demo', 'airflow.db'), db)
    const py = spawnSync('python3', [
      '-c',
      `import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);c.execute("update connection set password='', is_encrypted=0 where conn_id='postgres_default'");c.commit()`,
      db
    ])
    expect(py.status, String(py.stderr)).toBe(0)
    const key = readFileSync(join(home, 'demo', 'fernet.key'), 'utf8').trim()
    const source = ['--key', key, '--kind', 'conn', '--include', 'postgres_default']
    const target = join(work, 'empty-password.env')
    const plan = join(work, 'empty-password-plan.json')
    const made = run([
      'plan',
      `metadb:sqlite:///${db}`,
      `envfile:${target}`,
      '--out',
      plan,
      ...source
    ])
    expect(made.code, made.stderr).toBe(0)
    const doc = JSON.parse(readFileSync(plan, 'utf8')) as { items: { warnings: string[] }[] }
    expect(doc.items[0]!.warnings).toContainEqual(
      expect.stringMatching(
        /^the password is "" \(empty\): Airflow core reads an empty password from this target as None/
      )
    )
    const applied = run(['apply', plan, '--key', key])
    expect(applied.code, applied.stderr + applied.stdout).toBe(0)
    expect(readFileSync(target, 'utf8')).toContain('"login": "etl", "password": "", "schema"')
    // Task SDK workers read it back as ""; core reads None, which the plan says and counts unchanged.
    const sdk = run(['list', `envfile:${target}`, '--json', '--reveal', '--dialect', 'task-sdk'])
    expect(JSON.parse(sdk.lines[0]!).fields.password).toBe('')
    for (const dialect of ['airflow3', 'task-sdk']) {
      const again = run([
        'plan',
        `metadb:sqlite:///${db}`,
        `envfile:${target}`,
        ...source,
        '--dialect',
        dialect
      ])
      expect(again.stderr, dialect).toContain(
        'plan: 0 to create, 0 to update, 0 to delete, 1 unchanged'
      )
    }
    // A URI cannot hold it (get_uri writes a password only when it is truthy): said.
    const uri = run([
      'export',
      `metadb:sqlite:///${db}`,
      '--to',
      join(work, 'uri.env'),
      '--key',
      key
    ])
    expect(uri.stderr).toMatch(
      /connection postgres_default: description, password "" \(empty\) do not survive its URI/
    )
  })
})

describe('21: CLI answers that said nothing', () => {
  it('21: airlock jobs with no jobs says "no jobs" (stdout stays an empty list)', () => {
    const r = run(['jobs'], join(work, 'no-jobs-home'))
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'no jobs\n' })
  })

  it('21: effective --id looks up the kind asked for, or both (said) without --kind, with no "not found" row for the other kind', () => {
    const conn = run(['effective', '--runtime', 'demo', '--id', 'postgres_default'])
    expect(conn.code).toBe(0)
    expect(conn.lines.filter((l) => /postgres_default/.test(l))).toEqual([
      expect.stringMatching(/^conn\s+postgres_default\s+2\. env on the API server/)
    ])
    expect(conn.stderr).toContain(
      'airlock: note: --id postgres_default looked up as a connection and as a variable (no --kind): found as connection'
    )
    const asVar = run([
      'effective',
      '--runtime',
      'demo',
      '--id',
      'postgres_default',
      '--kind',
      'conn'
    ])
    expect(asVar.lines.filter((l) => /postgres_default/.test(l))).toHaveLength(1)
    expect(asVar.stderr).not.toContain('looked up as a connection and as a variable')
  })
})

describe('21: --dialect on a saved profile', () => {
  it("21: list profile:X --dialect airflow2 reads query values as Airflow 2 does (strings), not with the profile's Airflow 3 rules", async () => {
    const vault = await startVaultEmulator()
    try {
      vault.put('secret', 'connections/api', {
        conn_uri: 'http://api.example?timeout=5&verify=true'
      })
      const env = {
        PATH: process.env.PATH ?? '',
        AIRLOCK_HOME: join(work, 'dialect-home'),
        AIRLOCK_CONFIG_DIR: join(work, 'dialect-cfg'),
        AIRLOCK_PASSPHRASE: 'issue-21-passphrase'
      }
      const add = await airlockAsync(
        [
          'profile',
          'add',
          'prod',
          '--kind',
          'vault',
          '--url',
          vault.url,
          '--kwargs',
          '{"mount_point": "secret"}',
          '--airflow-version',
          '3.1.6',
          '--secret-stdin'
        ],
        vault.rootToken,
        env
      )
      expect(add.code, add.err).toBe(0)
      const extra = async (...dialect: string[]) => {
        const r = await airlockAsync(
          ['list', 'profile:prod', '--json', '--reveal', ...dialect],
          '',
          env
        )
        expect(r.code, r.err).toBe(0)
        return JSON.parse(JSON.parse(r.out.trim()).fields.extra) as unknown
      }
      expect(await extra()).toEqual({ timeout: 5, verify: true })
      expect(await extra('--dialect', 'airflow2')).toEqual({ timeout: '5', verify: 'true' })
    } finally {
      await vault.close()
    }
  })
})
