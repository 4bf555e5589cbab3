// `npm run reliability`: runs the reliability tests (faults, kill -9, connection drops, bad
// input, fuzzing, the leak canary) and writes docs/reliability.md from what they report
// (test/support/figures.ts), plus every test file with a `describe('attack: …')` block (found
// at run time) for the "Attacks tried" tables (scripts/reliability-table.mjs). Runs under a
// throw-away Secret Service, as the tests do.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { attackFiles, attackRows, renderAttackTables } from './reliability-table.mjs'

const dir = mkdtempSync(join(tmpdir(), 'airlock-reliability-'))
const figures = join(dir, 'figures.jsonl')
const report = join(dir, 'vitest.json')
const files = [
  'test/integration/migrate-faults.test.ts',
  'test/integration/jobs.test.ts',
  'test/integration/metadb-connection-drop.test.ts',
  'test/integration/cli-bad-input.test.ts',
  'test/integration/canary.test.ts',
  'test/integration/disk-full.test.ts',
  'test/integration/npm-audit.test.ts',
  'test/unit/main/ipc/every-channel.test.ts',
  'test/unit/main/ipc/http.test.ts',
  'test/unit/main/cli/serve.test.ts',
  'test/unit/main/fuzz'
]
const listed = [...files]
for (const file of attackFiles(process.cwd()))
  if (!listed.some((f) => file === f || file.startsWith(`${f}/`))) files.push(file)
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
const attacks = renderAttackTables(attackRows(results, process.cwd()))
rmSync(dir, { recursive: true, force: true })

const byFile = new Map()
for (const f of results.testResults ?? []) {
  const name = f.name.replace(`${process.cwd()}/`, '')
  const passed = f.assertionResults.filter((a) => a.status === 'passed').length
  const failed = f.assertionResults.filter((a) => a.status === 'failed').length
  const skippedHere = f.assertionResults.filter(
    (a) => a.status === 'skipped' || a.status === 'pending'
  )
  byFile.set(name, {
    passed,
    failed,
    skipped: skippedHere.length,
    reasons: skippedHere.map((a) => a.meta?.skipReason).filter(Boolean)
  })
}
const sum = (file) => {
  let passed = 0
  let failed = 0
  let skipped = 0
  for (const [name, r] of byFile)
    if (name.startsWith(file)) {
      passed += r.passed
      failed += r.failed
      skipped += r.skipped
    }
  return `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
}
const reasons = (file) =>
  [...byFile].filter(([name]) => name.startsWith(file)).flatMap(([, r]) => r.reasons)
const faults = lines.filter((l) => l.kind === 'faults')
const kills = lines.filter((l) => l.kind === 'kill')
const fuzz = lines.filter((l) => l.kind === 'fuzz')
const canary = lines.filter((l) => l.kind === 'canary')
const diskFull = lines.filter((l) => l.kind === 'disk-full')
const fuzzCases = fuzz.reduce((a, f) => a + f.runs, 0)

const md = `# Reliability

Figures from one run of \`npm run reliability\` (${new Date().toISOString().slice(0, 10)}), which runs
the tests below and writes this file from what they report. CI runs the same tests on every
change at 400 fault items per backend and a few hundred fuzz cases per property;
\`AIRLOCK_FAULT_ITEMS=2000\` and \`AIRLOCK_FUZZ_RUNS=100000\` give the full sizes. This run:
${faults[0]?.items ?? '?'} items per backend, ${fuzzCases.toLocaleString('en')} fuzz cases.

## Faults injected during whole migrations (\`test/integration/migrate-faults.test.ts\`: ${sum('test/integration/migrate-faults')})

Emulators fail 20 % of requests (throttling with and without \`Retry-After\`, 5xx, connections
dropped before and after the write took effect), Vault and AWS also under a request quota. Every item ends applied
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

## A full disk under Airlock's own files (\`test/integration/disk-full.test.ts\`: ${sum('test/integration/disk-full')})

A real tmpfs mounted under the job and settings folders (root only). A job that cannot write
its snapshot writes nothing to the target and leaves no file behind; a journal that fills the
disk mid-run stops the job with \`ENOSPC\` named, every journal line whole (a failed append is
undone), and after the disk grows \`airlock resume\` finishes it and rollback undoes it; a
settings file on a full disk stays byte for byte as it was.
${diskFull.map((d) => `${d.items} items on a ${Math.round(d.tmpfsBytes / 1024)} KiB tmpfs: ${d.doneBeforeFull} applied before the disk filled, then resumed to the end.`).join('\n')}

## The app's attack surface (\`test/unit/main/ipc\`, \`test/unit/main/cli/serve.test.ts\`: ${sum('test/unit/main/ipc/every-channel')}; ${sum('test/unit/main/ipc/http')}; ${sum('test/unit/main/cli/serve')})

Every IPC channel (the one dispatch both transports use) with wrong types, an extra argument, an
unknown field, an oversized or non-JSON payload: a usage error that echoes nothing, nothing
written. Web mode: no token or a wrong one (401), a foreign Host (DNS rebinding) or Origin
(403), a peer that is not this machine (403, over a real connection from its other address),
one-time launch links (a used, wrong or expired code refused), and the token in no printed or
requested address. Electron's window policy and Electronegativity run in \`npm test\`.

## Dependency advisories (\`test/integration/npm-audit.test.ts\`: ${sum('test/integration/npm-audit')})

${reasons('test/integration/npm-audit').length ? `Not run: ${reasons('test/integration/npm-audit').join('; ')}` : 'No high or critical advisory in production dependencies outside `audit-exceptions.json`.'}

## Leak canary (\`test/integration/canary.test.ts\`: ${sum('test/integration/canary')})

${canary.map((c) => `Whole jobs with marked secrets; ${c.files} files written outside the stores and ${c.outputs} captured outputs scanned: **${c.hits} hits**.`).join('\n')}

${attacks}`
writeFileSync('docs/reliability.md', md)
spawnSync('npx', ['prettier', '--write', 'docs/reliability.md'], { stdio: 'ignore' })
process.stdout.write(`written: docs/reliability.md (tests exit ${run.status})\n`)
process.exitCode = run.status ?? 1
