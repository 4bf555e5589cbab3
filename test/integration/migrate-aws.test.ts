// Demo DB → SSM Parameter Store through an aws-ssm profile (static keys in the real keychain),
// planned and applied by the CLI against the AWS emulator, then compared with diff.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAwsEmulator } from '../support/emulators/aws'
import { airlockAsync, cliSandbox } from '../support/cli'
import { tempDir } from '../support/temp-dir'

const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)

describe.runIf(hasBus)('demo metadata DB → SSM Parameter Store', () => {
  let aws: Awaited<ReturnType<typeof startAwsEmulator>>
  // Asynchronous on purpose: the emulator runs in this process and must keep answering.
  const { dir, cli } = cliSandbox('airlock-aws-')
  beforeAll(async () => {
    aws = await startAwsEmulator()
  })
  afterAll(async () => {
    await aws.close()
  })

  it('applies a plan and reads back what Airflow would read', async () => {
    const add = await cli(
      [
        'profile',
        'add',
        'ssm',
        '--kind',
        'aws-ssm',
        '--url',
        aws.url,
        '--region',
        aws.region,
        '--auth',
        'static',
        '--param',
        `access_key_id=${aws.credentials.accessKeyId}`,
        '--secret-stdin'
      ],
      aws.credentials.secretAccessKey
    )
    expect(add.code, add.err).toBe(0)
    const plan = join(dir, 'plan.json')
    expect((await cli(['plan', 'demo:', 'aws-ssm:ssm', '--out', plan])).code).toBe(0)
    const applied = await cli(['apply', plan])
    expect(applied.code, applied.err).toBe(0)
    expect(JSON.parse(applied.out.trim())).toMatchObject({ failed: 0, refused: 0 })
    expect(JSON.parse(applied.out.trim()).applied).toBe(15)
    const diff = await cli(['diff', 'demo:', 'aws-ssm:ssm'])
    // SSM keeps every connection field; variable descriptions are the one thing it cannot hold
    // (Airflow does not read them from a secrets backend either): the target has settled, so
    // the diff counts those variables unchanged instead of an update every apply would repeat
    expect(diff.code, diff.err).toBe(0)
    expect(diff.out.trim()).toBe('')
    expect(diff.err).toMatch(/0 to create, 0 to update, 0 to delete, 15 unchanged/)
    expect(aws.requests.some((r) => r.action === 'PutParameter')).toBe(true)
  })
})

describe.runIf(hasBus)('an aws-ssm profile using a named AWS profile', () => {
  it('reads credentials from the shared credentials file, as the SDK does', async () => {
    const { writeFileSync } = await import('node:fs')
    const aws = await startAwsEmulator({ accessKeyIds: ['AKIAAIRLOCKTEST'] })
    try {
      const dir = tempDir('airlock-awsprof-')
      const credentialsFile = join(dir, 'credentials')
      writeFileSync(
        credentialsFile,
        `[airlock-test]\naws_access_key_id = ${aws.credentials.accessKeyId}\naws_secret_access_key = ${aws.credentials.secretAccessKey}\n`
      )
      const env = {
        ...process.env,
        AIRLOCK_HOME: join(dir, 'home'),
        AIRLOCK_CONFIG_DIR: join(dir, 'cfg'),
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
        AWS_CONFIG_FILE: join(dir, 'config')
      }
      const run = (args: string[]) => airlockAsync(args, '', env)
      const add = await run([
        'profile',
        'add',
        'named',
        '--kind',
        'aws-ssm',
        '--url',
        aws.url,
        '--region',
        aws.region,
        '--auth',
        'profile',
        '--param',
        'profile_name=airlock-test'
      ])
      expect(add.code, add.err).toBe(0)
      const tested = await run(['profile', 'test', 'named'])
      expect(JSON.parse(tested.out.trim())).toMatchObject({ ok: true })
      writeFileSync(
        credentialsFile,
        `[airlock-test]\naws_access_key_id = WRONGKEY\naws_secret_access_key = wrong\n`
      )
      const refused = await run(['profile', 'test', 'named'])
      expect(JSON.parse(refused.out.trim())).toMatchObject({ ok: false })
    } finally {
      await aws.close()
    }
  })
})
