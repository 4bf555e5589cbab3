// Protected profiles through the built CLI as a person (or a script) runs it: `apply` and
// `rollback` into a protected profile's store need --yes when no terminal can ask for the
// profile's name, and refuse with exit 2 writing nothing otherwise. Secrets are kept in the
// passphrase store (AIRLOCK_PASSPHRASE), so this runs without a session bus.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MetastoreBackend } from '../../src-main/backends/metastore'
import { airflowSchemaDdl } from '../../src-main/backends/sql/airflow-schema'
import { openSql } from '../../src-main/backends/sql/driver'
import { Fernet } from '../../src-main/core/codecs/fernet'
import { idOf, variableEntry } from '../../src-main/core/model'
import { airlock } from '../support/cli'
import { tempDir } from '../support/temp-dir'

/** A SQLite metadata DB holding KEEP, a protected profile `prod` on it, and a source .env. */
async function protectedTarget(options: { protect?: boolean } = {}) {
  const dir = tempDir('airlock-protect-')
  const key = Fernet.generateKey()
  const env = {
    AIRLOCK_HOME: join(dir, 'home'),
    AIRLOCK_CONFIG_DIR: join(dir, 'cfg'),
    AIRLOCK_PASSPHRASE: 'protect-test',
    // for the database named by its URL (the profile keeps its key in the keychain)
    AIRFLOW__CORE__FERNET_KEY: key
  }
  const db = join(dir, 'airflow.db')
  const sql = await openSql({ dialect: 'sqlite', path: db })
  for (const stmt of airflowSchemaDdl('3.2', 'sqlite')) await sql.query(stmt)
  await sql.close()
  const store = new MetastoreBackend({ target: { dialect: 'sqlite', path: db }, fernetKey: key })
  await store.write([variableEntry('KEEP', 'precious')])
  await store.close()
  const added = airlock(
    [
      'profile',
      'add',
      'prod',
      '--kind',
      'metadb',
      '--url',
      `sqlite:///${db}`,
      '--auth',
      'none',
      '--secret-stdin',
      ...(options.protect === false ? [] : ['--protected'])
    ],
    JSON.stringify({ fernetKey: key }),
    env
  )
  expect(added.code, added.stderr).toBe(0)
  const source = join(dir, 'source.env')
  writeFileSync(source, 'AIRFLOW_VAR_NEW=2\n')
  const plan = join(dir, 'plan.json')
  const variables = async () => {
    const s = new MetastoreBackend({ target: { dialect: 'sqlite', path: db }, fernetKey: key })
    try {
      const { entries } = await s.load({ kinds: ['variable'] })
      return entries.map(idOf).sort()
    } finally {
      await s.close()
    }
  }
  /** `plan envfile:source <target> --delete-extraneous --out plan.json`: NEW created, KEEP deleted. */
  const makePlan = (target = 'metadb:prod') => {
    const made = airlock(
      ['plan', `envfile:${source}`, target, '--delete-extraneous', '--out', plan],
      '',
      env
    )
    expect(made.code, made.stderr).toBe(0)
  }
  return { dir, env, db, plan, variables, makePlan }
}

describe('19: confirm what is destructive (CLI)', () => {
  it('19: apply into a protected profile without --yes and no terminal exits 2 and writes nothing', async () => {
    const t = await protectedTarget()
    t.makePlan()
    const run = airlock(['apply', t.plan], '', t.env)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('the protected profile prod')
    expect(run.stderr).toContain('pass --yes')
    expect(run.stderr).toContain('create 1 variable and delete 1 variable in metadb:prod')
    expect(run.stdout).toBe('')
    expect(await t.variables()).toEqual(['KEEP'])
    expect(existsSync(join(t.env.AIRLOCK_HOME, 'jobs'))).toBe(false)
  })

  it('19: apply into a protected profile with --yes applies', async () => {
    const t = await protectedTarget()
    t.makePlan()
    const run = airlock(['apply', t.plan, '--yes'], '', t.env)
    expect(run.code, run.stderr).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ applied: 2, failed: 0, refused: 0 })
    expect(run.stderr).toContain('confirmed by --yes')
    expect(await t.variables()).toEqual(['new'])
  })

  it("19: a plan to a protected profile's database named by its URL is protected too", async () => {
    const t = await protectedTarget()
    t.makePlan(`metadb:sqlite:///${t.db}`)
    const run = airlock(['apply', t.plan], '', t.env)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('the protected profile prod')
    expect(await t.variables()).toEqual(['KEEP'])
  })

  it('19: rollback in a protected profile needs --yes; with it the job is undone', async () => {
    const t = await protectedTarget()
    t.makePlan()
    const applied = airlock(['apply', t.plan, '--yes'], '', t.env)
    expect(applied.code, applied.stderr).toBe(0)
    const job = (JSON.parse(applied.stdout) as { job: string }).job
    const refused = airlock(['rollback', job], '', t.env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(
      `roll back job ${job} in metadb:prod: delete 1 variable it created and restore 1 variable it overwrote or deleted`
    )
    expect(refused.stderr).toContain('pass --yes')
    expect(await t.variables()).toEqual(['new'])
    const rolled = airlock(['rollback', job, '--yes'], '', t.env)
    expect(rolled.code, rolled.stderr).toBe(0)
    expect(await t.variables()).toEqual(['KEEP'])
  })

  it('19: an unprotected target does not prompt: apply says what it deletes on stderr and runs', async () => {
    const t = await protectedTarget({ protect: false })
    t.makePlan()
    const run = airlock(['apply', t.plan], '', t.env)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(
      'airlock: apply will create 1 variable and delete 1 variable in metadb:prod'
    )
    expect(await t.variables()).toEqual(['new'])
  })

  it('19: profile add --protected is listed, and edit --no-protected lifts it', async () => {
    const t = await protectedTarget()
    const listed = airlock(['profile', 'list', '--json'], '', t.env)
    expect(JSON.parse(listed.lines[0]!)).toMatchObject({ name: 'prod', protected: true })
    expect(airlock(['profile', 'list'], '', t.env).stdout).toContain('[protected]')
    const edited = airlock(['profile', 'edit', 'prod', '--no-protected'], '', t.env)
    expect(edited.code, edited.stderr).toBe(0)
    const after = airlock(['profile', 'list', '--json'], '', t.env)
    expect(JSON.parse(after.lines[0]!)).toMatchObject({ name: 'prod', protected: false })
    expect(readFileSync(join(t.env.AIRLOCK_CONFIG_DIR, 'settings.json'), 'utf8')).toContain(
      '"protected": false'
    )
  })

  it('19: --yes is refused by resume, and by commands that write nothing', () => {
    const run = airlock(['resume', 'x', '--yes'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--yes is for airlock apply and rollback')
    const plan = airlock(['plan', 'demo:', 'demo-env:', '--yes'])
    expect(plan.code).toBe(2)
    expect(plan.stderr).toContain('--yes is for airlock')
  })
})
