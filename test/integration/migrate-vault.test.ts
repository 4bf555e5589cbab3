// A whole migration as a user runs it: a Vault profile (token in the real keychain), the
// demo metadata DB planned and applied into the Vault emulator through node-vault, verified
// by diff, then rolled back — across CLI processes.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startVaultEmulator } from '../support/emulators/vault'
import { cliSandbox } from '../support/cli'

const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)

describe.runIf(hasBus)('demo metadata DB → Vault, through profiles and a plan', () => {
  let vault: Awaited<ReturnType<typeof startVaultEmulator>>
  // Asynchronous on purpose: the emulator runs in this process and must keep answering.
  const { dir, cli } = cliSandbox('airlock-mig-')
  beforeAll(async () => {
    vault = await startVaultEmulator()
  })
  afterAll(async () => {
    await vault.close()
  })

  it('plans, applies, verifies and rolls back', async () => {
    const add = await cli(
      [
        'profile',
        'add',
        'prod',
        '--kind',
        'vault',
        '--url',
        vault.url,
        '--kwargs',
        '{"mount_point": "secret", "connections_path": "airflow/connections", "variables_path": "airflow/variables"}',
        '--airflow-version',
        '3.1.0',
        '--secret-stdin'
      ],
      vault.rootToken
    )
    expect(add.code, add.err + add.out).toBe(0)
    const tested = await cli(['profile', 'test', 'prod'])
    expect(tested.out + tested.err + String(tested.code)).toMatch(/"ok": true/)
    const plan = join(dir, 'plan.json')
    expect((await cli(['plan', 'demo:', 'vault:prod', '--out', plan])).code).toBe(0)
    const applied = await cli(['apply', plan])
    expect(applied.code, applied.err).toBe(0)
    expect(JSON.parse(applied.out.trim())).toMatchObject({ applied: 15, failed: 0, refused: 0 })
    expect((await cli(['diff', 'demo:', 'vault:prod'])).out.trim()).toBe('')
    const listed = (await cli(['list', 'vault:prod', '--kind', 'conn', '--json', '--reveal'])).out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(listed.find((e) => e.id === 'postgres_default').fields.password).toBe('demo-p@ss/word')
    expect(listed[0].source.fromKey).toMatch(/^secret\/airflow\/connections\//)
    const job = JSON.parse(applied.out.trim()).job
    expect((await cli(['rollback', job])).code).toBe(0)
    // rolled back: every secret's latest version is soft-deleted, which Airflow reads as absent
    expect((await cli(['list', 'vault:prod', '--json'])).out.trim()).toBe('')
    for (const f of readdirSync(join(dir, 'cfg')))
      expect(readFileSync(join(dir, 'cfg', f), 'utf8')).not.toContain(vault.rootToken)
  })

  it("shows the target's pre-flight problems in the plan and exits 1 on errors", async () => {
    const add = await cli(
      [
        'profile',
        'add',
        'nomount',
        '--kind',
        'vault',
        '--url',
        vault.url,
        '--kwargs',
        '{"mount_point": "no-such-mount"}',
        '--secret-stdin'
      ],
      vault.rootToken
    )
    expect(add.code, add.err).toBe(0)
    const plan = await cli(['plan', 'demo:', 'vault:nomount', '--kind', 'var'])
    expect(plan.code).toBe(1)
    expect(plan.out + plan.err).toMatch(/pre-flight error/)
    expect(plan.err).toMatch(/pre-flight errors: fix them before applying/)
  })
})
