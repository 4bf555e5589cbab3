// Plans bound to what was reviewed, through the built CLI as a person runs it: a plan file
// edited after `airlock plan` (or made by an older version, unsigned) is refused by `apply`.
// Secrets are kept in the passphrase store (AIRLOCK_PASSPHRASE), so this runs without a
// session bus; each test has its own home, config dir and keystore.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PlanDocument } from '../../src-main/core/plan'
import { airlock } from '../support/cli'

const SOURCE =
  'AIRFLOW_VAR_SAME=1\nAIRFLOW_VAR_NEW=2\nAIRFLOW_CONN_DB=postgres://u:pw-canary@h/db\n'
const TARGET = 'AIRFLOW_VAR_SAME=1\nAIRFLOW_VAR_KEEP=precious\n'

/** A source and a target .env, and a signed plan between them. */
function planned() {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-binding-'))
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
  expect(run.stderr).toMatch(/nothing was applied\. Run airlock plan again/)
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
    expect(run.stderr).toMatch(/was changed since airlock plan made it/)
    expect(readFileSync(elsewhere, 'utf8')).toBe(TARGET)
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
    expect(run.stderr).toMatch(/is not signed \(made by an older Airlock/)
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
})
