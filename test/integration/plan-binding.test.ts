// Plans bound to what was reviewed, through the built CLI as a person runs it: a plan file
// edited after `airlock plan` (or made by an older version, unsigned) is refused by `apply`.
// Secrets are kept in the passphrase store (AIRLOCK_PASSPHRASE), so this runs without a
// session bus; each test has its own home, config dir and keystore.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { Fernet, MultiFernet } from '../../src-main/core/codecs/fernet'
import { connectionEntry } from '../../src-main/core/model'
import type { PlanDocument } from '../../src-main/core/plan'
import { airlock } from '../support/cli'
import { tempDir } from '../support/temp-dir'

const SOURCE =
  'AIRFLOW_VAR_SAME=1\nAIRFLOW_VAR_NEW=2\nAIRFLOW_CONN_DB=postgres://u:pw-canary@h/db\n'
const TARGET = 'AIRFLOW_VAR_SAME=1\nAIRFLOW_VAR_KEEP=precious\n'

/** A source and a target .env, and a signed plan between them. */
function planned() {
  const dir = tempDir('airlock-binding-')
  const env = {
    AIRLOCK_HOME: join(dir, 'home'),
    AIRLOCK_CONFIG_DIR: join(dir, 'cfg'),
    AIRLOCK_PASSPHRASE: 'binding-test'
  }
  const source = join(dir, 'source.env')
  const target = join(dir, 'target.env')
  writeFileSync(source, SOURCE)
  writeFileSync(target, TARGET)
  const plan = join(dir, 'plan.json')
  const made = airlock(['plan', `envfile:${source}`, `envfile:${target}`, '--out', plan], '', env)
  expect(made.code, made.stderr).toBe(0)
  const doc = JSON.parse(readFileSync(plan, 'utf8')) as PlanDocument
  const edit = (change: (d: PlanDocument) => void) => {
    const copy = structuredClone(doc)
    change(copy)
    writeFileSync(plan, JSON.stringify(copy, null, 2) + '\n')
  }
  const apply = () => airlock(['apply', plan], '', env)
  return { dir, env, source, target, plan, doc, edit, apply }
}

/** `apply` refused the plan: exit 1, the file named, "plan again", the target untouched. */
function expectRefused(p: ReturnType<typeof planned>, run: ReturnType<typeof airlock>) {
  expect(run.code).toBe(1)
  expect(run.stderr).toContain(`airlock: ${p.plan} `)
  expect(run.stderr).toMatch(
    /nothing was applied\. Plan again and review the new plan\. \(`airlock plan/
  )
  expect(run.stdout).toBe('')
  expect(readFileSync(p.target, 'utf8')).toBe(TARGET)
  expect(existsSync(join(p.env.AIRLOCK_HOME, 'jobs'))).toBe(false)
}

describe('attack: plan binding', () => {
  it('17.4 an untampered plan applies', () => {
    const p = planned()
    expect(p.doc.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/)
    const run = p.apply()
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ applied: 2, failed: 0, refused: 0 })
    expect(readFileSync(p.target, 'utf8')).toMatch(/AIRFLOW_VAR_KEEP=precious/)
    expect(readFileSync(p.target, 'utf8')).toMatch(/AIRFLOW_VAR_NEW=2/)
  })

  it('17.4 a plan whose target was edited is refused and nothing is written anywhere', () => {
    const p = planned()
    const elsewhere = join(p.dir, 'elsewhere.env')
    writeFileSync(elsewhere, TARGET)
    p.edit((d) => (d.target = `envfile:${elsewhere}`))
    const run = p.apply()
    expectRefused(p, run)
    expect(run.stderr).toMatch(/was changed since it was planned/)
    expect(readFileSync(elsewhere, 'utf8')).toBe(TARGET)
  })

  it('17.4 a plan made with a relative target path is refused from another directory, whose file of that name it never reviewed', () => {
    const p = planned()
    const here = join(p.dir, 'here')
    const there = join(p.dir, 'there')
    for (const d of [here, there]) {
      mkdirSync(d)
      writeFileSync(join(d, 'source.env'), SOURCE)
      writeFileSync(join(d, 'target.env'), 'AIRFLOW_VAR_OTHER=unrelated\n')
    }
    const plan = join(p.dir, 'relative.json')
    const args = ['plan', 'envfile:source.env', 'envfile:target.env', '--out', plan]
    const made = airlock(args, '', p.env, here)
    expect(made.code, made.stderr).toBe(0)
    // the signature binds the locator text, which names ./target.env of whichever directory
    const run = airlock(['apply', plan], '', p.env, there)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain(`airlock: ${plan} was made for the target envfile:target.env`)
    expect(run.stderr).toContain(join(there, 'target.env'))
    expect(run.stderr).toMatch(
      /nothing was applied\. Plan again and review the new plan\. \(`airlock plan/
    )
    expect(readFileSync(join(there, 'target.env'), 'utf8')).toBe('AIRFLOW_VAR_OTHER=unrelated\n')
    // from the directory it was made in, it applies
    const ok = airlock(['apply', plan], '', p.env, here)
    expect(ok.code, ok.stderr).toBe(0)
    expect(readFileSync(join(here, 'target.env'), 'utf8')).toMatch(/AIRFLOW_VAR_NEW=2/)
  })

  it('17.4 a plan with an unchanged item turned into a delete is refused', () => {
    const p = planned()
    p.edit((d) => {
      const same = d.items.find((i) => i.targetId === 'same' && i.action === 'unchanged')!
      Object.assign(same, { action: 'delete', sourceId: null, sourceVersion: null })
    })
    expectRefused(p, p.apply())
  })

  it('17.4 a plan whose options were changed is refused', () => {
    const p = planned()
    p.edit((d) => (d.options = { ...d.options, deleteExtraneous: true, onConflict: 'skip' }))
    expectRefused(p, p.apply())
  })

  it('17.4 an unsigned plan (as older versions wrote) is refused with a message to plan again', () => {
    const p = planned()
    p.edit((d) => delete d.signature)
    const run = p.apply()
    expectRefused(p, run)
    expect(run.stderr).toMatch(/is not signed \(plans of older Airlock versions/)
  })

  it('17.4 a plan made with one keystore is not applied with another', () => {
    const p = planned()
    const run = airlock(['apply', p.plan], '', {
      ...p.env,
      AIRLOCK_CONFIG_DIR: join(p.dir, 'other-cfg')
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/the key that signs plans is not in the passphrase store/)
    expect(readFileSync(p.target, 'utf8')).toBe(TARGET)
  })

  it('17.5 apply refuses every flag that shapes a plan (exit 2), naming it and plan; nothing is applied', () => {
    const p = planned()
    for (const args of [
      ['--exclude', 'new'],
      ['--include', 'same'],
      ['--kind', 'var'],
      ['--delete-extraneous'],
      ['--rename', 'new=other'],
      ['--prefix', 'a=b'],
      ['--on-conflict', 'skip'],
      // the plan's dialect is the one it was made and signed in: another was silently ignored
      ['--dialect', 'airflow2']
    ]) {
      const run = airlock(['apply', p.plan, ...args], '', p.env)
      expect(run.code, args[0]).toBe(2)
      expect(run.stderr).toContain(`${args[0]} shapes a plan: it is for airlock plan, not apply`)
    }
    expect(readFileSync(p.target, 'utf8')).toBe(TARGET)
    expect(existsSync(join(p.env.AIRLOCK_HOME, 'jobs'))).toBe(false)
  })

  it('17.5 export and the other commands refuse a flag they do not take, naming who takes it', () => {
    const dir = tempDir('airlock-flags-')
    const env = { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'cfg') }
    const out = join(dir, 'connections.json')
    for (const [args, message] of [
      [
        ['export', 'demo:', '--to', out, '--exclude', 'x'],
        '--exclude is for airlock plan, diff; export does not take it'
      ],
      [
        ['export', 'demo:', '--to', out, '--delete-extraneous'],
        '--delete-extraneous is for airlock plan; export does not take it'
      ],
      [
        ['export', 'demo:', '--to', out, '--on-conflict', 'skip'],
        '--on-conflict is for airlock plan; export does not take it'
      ],
      [
        ['diff', 'demo:', 'demo-env:', '--delete-extraneous'],
        '--delete-extraneous is for airlock plan; diff does not take it'
      ],
      [['resume', 'JOB', '--source', 'demo:'], '--source is for airlock apply; resume'],
      [['keystore', 'status', '--json'], 'keystore does not take it'],
      [['jobs', '--kind', 'conn'], 'jobs does not take it']
    ] as const) {
      const run = airlock([...args], '', env)
      expect(run.code, args.join(' ')).toBe(2)
      expect(run.stderr).toContain(message)
    }
    expect(existsSync(out)).toBe(false)
  })

  it('17.16 a metadata DB takes its key from --key-stdin or --key-file; the key is never printed', async () => {
    const dir = tempDir('airlock-keys-')
    const env = { AIRLOCK_HOME: join(dir, 'home'), AIRLOCK_CONFIG_DIR: join(dir, 'cfg') }
    const key = Fernet.generateKey()
    const path = join(dir, 'airflow.db')
    const db = await openSql({ dialect: 'sqlite', path })
    for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await db.query(stmt)
    await db.close()
    const store = new MetastoreBackend({ target: { dialect: 'sqlite', path }, fernetKey: key })
    await store.write([connectionEntry('db', { conn_type: 'postgres', password: 'pw-canary' })])
    await store.close()
    const locator = `metadb:sqlite:///${path}`
    const keyFile = join(dir, 'fernet.key')
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 })
    chmodSync(keyFile, 0o600)
    const runs = [
      airlock(['list', locator, '--json'], `${key}\n`, env),
      airlock(['list', locator, '--json', '--key-stdin'], `${key}\n`, env),
      airlock(['list', locator, '--json', '--key-file', keyFile], '', env)
    ]
    // without a key the row cannot be read; with it from stdin or a file it can
    expect(runs[0]!.code).toBe(1)
    for (const run of runs.slice(1)) {
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/"id": ?"db"/)
      expect(run.stderr).toBe('')
    }
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(key)
  })

  it('17.16 a key file other users can read is used with a warning naming it', () => {
    const dir = tempDir('airlock-keys-')
    const key = Fernet.generateKey()
    const keyFile = join(dir, 'fernet.key')
    writeFileSync(keyFile, key)
    chmodSync(keyFile, 0o644)
    const run = airlock(['fernet', 'encrypt', '--key-file', keyFile], '"x"\n')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(`--key-file ${keyFile} can be read by other users (mode 0644)`)
    expect(run.stderr).not.toContain(key)
    expect(MultiFernet.fromSetting(key).decrypt(run.lines[0]!).toString()).toBe('x')
  })

  it('17.16 --key still works, with a deprecation warning that never repeats the key', () => {
    const key = Fernet.generateKey()
    const run = airlock(['fernet', 'encrypt', '--key', key], '"x"\n')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(
      /warning: --key is deprecated: .*use --key-file PATH, --key-stdin or AIRFLOW__CORE__FERNET_KEY/
    )
    expect(run.stderr).not.toContain(key)
  })

  it('17.16 refuses --key-stdin where stdin is the input, and two key sources at once', () => {
    const key = Fernet.generateKey()
    const stdin = airlock(['fernet', 'encrypt', '--key-stdin'], `${key}\n`)
    expect(stdin.code).toBe(2)
    expect(stdin.stderr).toMatch(/--key-stdin: fernet encrypt reads its input from stdin/)
    const both = airlock(['list', 'demo:', '--key', key, '--key-stdin'], key)
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/give the Fernet key one way \(--key, --key-stdin/)
    for (const run of [stdin, both]) expect(run.stderr).not.toContain(key)
  })
})
