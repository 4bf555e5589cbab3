// `npm run bench -- --smoke` in the test run, so the benchmarks cannot rot: every benchmark
// runs at tiny sizes against its anchor and prints its row (figures are not judged here).
import { execFileSync, spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const hasBus = Boolean(process.env.DBUS_SESSION_BUS_ADDRESS)

describe.runIf(hasBus)('bench --smoke', () => {
  it('runs every benchmark side by side with its anchor', async () => {
    execFileSync(process.execPath, ['scripts/build-cli.mjs', 'bench'], { stdio: 'inherit' })
    const child = spawn(
      process.execPath,
      ['--max-semi-space-size=2', 'out/bench/run.mjs', '--smoke'],
      {
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, err).toBe(0)
    for (const row of [
      /^Fernet decrypt .* Python cryptography loop/m,
      /^metadb read \+ decrypt .* psql \\copy \+ Python decrypt/m,
      /^plan\/diff .* GNU diff of sorted exports/m,
      /^effective .* requests per layer: Vault \d+/m,
      /^apply .* Vault KV v2 .* 0 failed.* naive sequential SDK loop/m,
      /^apply .* AWS Secrets Manager .* 0 failed.* naive sequential SDK loop/m,
      /^apply .* Vault KV v2 \(bare 429.* 0 failed.* naive sequential SDK loop/m,
      /^apply .* AWS SSM Parameter Store .* 0 failed.* naive sequential SDK loop/m,
      /^apply .* Azure Key Vault .* 0 failed.* naive sequential SDK loop/m,
      /^apply .* GCP Secret Manager .* 0 failed.* naive sequential SDK loop/m,
      /^AWS Secrets Manager: read .* one read per item/m,
      /^ui: first render of .* rows \(Chromium/m,
      /^ui: filter .* rows by search/m,
      /^ui: time to first paint of the app .* a static page from node:http/m,
      /^ui: precedence, resolve .* entries:list of the same two files/m,
      /^ui: precedence, .* render \(answer received → first rows painted\)/m,
      /^ui: compare, .* render \(answer received → first rows painted\)/m,
      /^airlock --help, cold start .* node -e 0/m,
      /^airlock diff, \.env files .* whole process .* GNU diff of the sorted \.env files/m,
      /^airlock diff, connections export files .* whole process .* GNU diff of the sorted/m,
      /^airlock list metadb --json --reveal, .* whole process .* psql \\copy \| Python decrypt loop/m,
      /^airlock fernet decrypt, .* whole process .* Python cryptography loop/m,
      /^job \.env → \.env, airlock apply --yes .* whole process .* cp of the source \.env/m,
      /^job \.env → SQLite metadata DB, airlock apply --yes .* whole process .* sqlite3 shell/m,
      /^job \.env → SQLite metadata DB, airlock plan --out .* whole process/m,
      /^job \.env → \.env, airlock resume JOB after a kill halfway .* whole process/m,
      /^job \.env → \.env, airlock rollback JOB --yes after a full apply .* whole process/m
    ])
      expect(out).toMatch(row)
    expect(out).toMatch(/smoke sizes: figures are not meaningful/)
  }, 240_000)
})
