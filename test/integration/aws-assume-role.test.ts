// An aws-ssm profile that assumes an IAM role (STS AssumeRole) from static base keys kept in
// the real keychain: the CLI tests the profile against the AWS emulator, whose STS issues
// temporary keys; every SSM request must be signed with them (and their session token).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAwsEmulator } from '../support/emulators/aws'
import { cliSandbox } from '../support/cli'

const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)
const ROLE = 'arn:aws:iam::123456789012:role/airflow-secrets'

describe.runIf(hasBus)('aws profiles: assume-role', () => {
  let aws: Awaited<ReturnType<typeof startAwsEmulator>>
  // Asynchronous on purpose: the emulator runs in this process and must keep answering.
  const { cli } = cliSandbox('airlock-sts-')
  const add = (name: string, externalId: string) =>
    cli(
      [
        'profile',
        'add',
        name,
        '--kind',
        'aws-ssm',
        '--url',
        aws.url,
        '--region',
        aws.region,
        '--auth',
        'assume-role',
        '--param',
        `access_key_id=${aws.credentials.accessKeyId}`,
        '--param',
        `role_arn=${ROLE}`,
        '--param',
        `external_id=${externalId}`,
        '--param',
        'role_session_name=airlock-test',
        '--secret-stdin'
      ],
      aws.credentials.secretAccessKey
    )
  beforeAll(async () => {
    aws = await startAwsEmulator({
      accessKeyIds: ['AKIDBASEKEY'],
      roles: { [ROLE]: { externalId: 'ext-1' } }
    })
  })
  afterAll(async () => {
    await aws.close()
  })

  it('assumes the role once and signs every request with the temporary keys', async () => {
    expect((await add('ssm-role', 'ext-1')).code).toBe(0)
    aws.clearRequests()
    const test = await cli(['profile', 'test', 'ssm-role'])
    expect(test.code, test.err).toBe(0)
    const sts = aws.requests.filter((r) => r.service === 'sts')
    expect(sts).toEqual([
      expect.objectContaining({ action: 'AssumeRole', status: 200, accessKeyId: 'AKIDBASEKEY' })
    ])
    const ssm = aws.requests.filter((r) => r.service === 'ssm')
    expect(ssm.length).toBeGreaterThan(0)
    for (const r of ssm) {
      expect(r.accessKeyId).toMatch(/^ASIA/)
      expect(r.sessionToken).toBe(true)
      expect(r.status).toBe(200)
    }
    // The base secret and the temporary credentials stay out of the settings file and output.
    const shown = await cli(['profile', 'show', 'ssm-role'])
    expect(shown.out).toContain(ROLE)
    expect(shown.out + shown.err + test.out + test.err).not.toContain(
      aws.credentials.secretAccessKey
    )
  })

  it('says plainly when AWS refuses the role (wrong external id), sending nothing to SSM', async () => {
    expect((await add('ssm-wrong', 'not-it')).code).toBe(0)
    aws.clearRequests()
    const test = await cli(['profile', 'test', 'ssm-wrong'])
    expect(test.code).not.toBe(0)
    expect(test.out).toMatch(
      /refused to let these credentials assume arn:aws:iam::123456789012:role\/airflow-secrets \(AccessDenied\)/
    )
    expect(test.out + test.err).not.toContain(aws.credentials.secretAccessKey)
    expect(aws.requests.filter((r) => r.service === 'ssm')).toEqual([])
  })

  it('refuses a profile without a role ARN, naming the flag', async () => {
    const bad = await cli(
      [
        'profile',
        'add',
        'no-role',
        '--kind',
        'aws-ssm',
        '--url',
        aws.url,
        '--region',
        aws.region,
        '--auth',
        'assume-role',
        '--secret-stdin'
      ],
      ''
    )
    const test = bad.code === 0 ? await cli(['profile', 'test', 'no-role']) : bad
    expect(test.code).not.toBe(0)
    expect(test.out + test.err).toMatch(/role_arn/)
  })
})
