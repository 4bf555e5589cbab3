// `npm run reliability`: runs the reliability tests (faults, kill -9, connection drops, bad
// input, fuzzing, the leak canary) and writes docs/reliability.md from what they report
// (test/support/figures.ts). Runs under a throw-away Secret Service, as the tests do.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'airlock-reliability-'))
const figures = join(dir, 'figures.jsonl')
const report = join(dir, 'vitest.json')
const files = [
  'test/integration/migrate-faults.test.ts',
  'test/integration/jobs.test.ts',
  'test/integration/metadb-connection-drop.test.ts',
  'test/integration/cli-bad-input.test.ts',
  'test/integration/canary.test.ts',
  'test/unit/main/fuzz'
]
const run = spawnSync(
  'bash',
  [
    'scripts/with-keyring.sh',
    'npx',
    'vitest',
    'run',
    ...files,
    '--reporter=json',
    `--outputFile=${report}`
  ],
  {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, AIRLOCK_RELIABILITY_OUT: figures }
  }
)
const lines = existsSync(figures)
  ? readFileSync(figures, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : []
const results = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : { testResults: [] }
rmSync(dir, { recursive: true, force: true })

const byFile = new Map()
for (const f of results.testResults ?? []) {
  const name = f.name.replace(`${process.cwd()}/`, '')
  const passed = f.assertionResults.filter((a) => a.status === 'passed').length
  const failed = f.assertionResults.filter((a) => a.status === 'failed').length
  byFile.set(name, { passed, failed })
}
const sum = (file) => {
  let passed = 0
  let failed = 0
  for (const [name, r] of byFile)
    if (name.startsWith(file)) {
      passed += r.passed
      failed += r.failed
    }
  return `${passed} passed, ${failed} failed`
}
const faults = lines.filter((l) => l.kind === 'faults')
const kills = lines.filter((l) => l.kind === 'kill')
const fuzz = lines.filter((l) => l.kind === 'fuzz')
const canary = lines.filter((l) => l.kind === 'canary')
const fuzzCases = fuzz.reduce((a, f) => a + f.runs, 0)

const md = `# Reliability

Figures from one run of \`npm run reliability\` (${new Date().toISOString().slice(0, 10)}), which runs
the tests below and writes this file from what they report. CI runs the same tests at these
sizes on every change; \`AIRLOCK_FAULT_ITEMS=2000\` and \`AIRLOCK_FUZZ_RUNS=100000\` give the
full sizes.

## Faults injected during whole migrations (\`test/integration/migrate-faults.test.ts\`: ${sum('test/integration/migrate-faults')})

Emulators fail 20 % of requests (throttling with and without \`Retry-After\`, 5xx, connections
dropped before and after the write took effect) under a request quota. Every item ends applied
or failed with its reason; applying a fresh plan again converges; the target then equals the
source.

| backend | items | faults injected | failed in the first apply (then converged) |
| --- | --- | --- | --- |
${faults.map((f) => `| ${f.backend} | ${f.items} | ${f.faults} | ${f.failedFirst} |`).join('\n')}

## kill -9 during apply (\`test/integration/jobs.test.ts\`: ${sum('test/integration/jobs')})

${kills.length} seeded kill points (after journal appends, mid-write of a journal line, mid-write of the
snapshot) survived: after each, \`airlock resume\` finished the job, the journal stayed readable,
every item was written once with its planned value, and rollback still restores.
Points: ${kills.map((k) => `\`${k.point}\``).join(', ')}.

## Connection dropped mid-transaction (\`test/integration/metadb-connection-drop.test.ts\`: ${sum('test/integration/metadb-connection-drop')})

PostgreSQL and MariaDB connections killed from another session in the middle of a write and of
a remove batch: nothing of the batch is kept, the retry writes it, and \`airlock apply\` into
MariaDB finishes with every item applied once.

## Bad input (\`test/integration/cli-bad-input.test.ts\`: ${sum('test/integration/cli-bad-input')})

Every command with missing, malformed and conflicting flags and files: exit 1 or 2, the place
named, nothing written (every file compared before and after).

## Fuzzing (\`test/unit/main/fuzz\`: ${sum('test/unit/main/fuzz')})

${fuzz.length} properties, ${fuzzCases.toLocaleString('en')} generated cases in this run: nothing throws
but the codec's typed error, round trips hold where the format can represent the value, and no
message holds the generated secret.

## Leak canary (\`test/integration/canary.test.ts\`: ${sum('test/integration/canary')})

${canary.map((c) => `Whole jobs with marked secrets; ${c.files} files written outside the stores and ${c.outputs} captured outputs scanned: **${c.hits} hits**.`).join('\n')}
`
writeFileSync('docs/reliability.md', md)
spawnSync('npx', ['prettier', '--write', 'docs/reliability.md'], { stdio: 'ignore' })
process.stdout.write(`written: docs/reliability.md (tests exit ${run.status})\n`)
process.exitCode = run.status ?? 1
