// Makes out/cli/airlock.cjs.cache (see scripts/cli-entry.mjs): runs a few representative
// commands in this process, then writes the V8 code cache of the bundle as that left it
// compiled. Run by build-cli.mjs in a child started with Airlock's Node flags (V8 accepts a
// cache only under the flags it was made with). Writes to temporary files only, with HOME
// and the config folders pointed there, so a build reads and writes no user's settings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Writable } from 'node:stream'

const [entry, out] = process.argv.slice(2)
const dir = mkdtempSync(join(tmpdir(), 'airlock-code-cache-'))
try {
  for (const name of ['HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'APPDATA'])
    process.env[name] = dir
  // entries of every shape the .env codec and the planner meet: URIs with and without extras
  // and escapes, JSON connections, quoted and plain variables; some the same, some not
  const lines = (changed) => {
    const out = []
    for (let i = 0; i < 40; i++) {
      const pw = i % 5 === 0 && changed ? `changed-${i}` : `p%40ss%2F${i}`
      if (i % 4 === 0)
        out.push(
          `AIRFLOW_CONN_DB_${i}='postgres://user_${i}:${pw}@db-${i}.example.com:5432/analytics?sslmode=require&opts=%7B%22a%22%3A1%7D'`
        )
      else if (i % 4 === 1)
        out.push(
          `AIRFLOW_CONN_JSON_${i}='{"conn_type": "http", "host": "h${i}", "password": "${pw}", "extra": {"k": [1, 2]}}'`
        )
      else if (i % 4 === 2) out.push(`AIRFLOW_VAR_V_${i}=${changed && i % 3 ? 'x' : 'y'}${i}`)
      else out.push(`AIRFLOW_VAR_Q_${i}="a \\"quoted\\" value é $HOME ${i}"`)
    }
    if (changed) out.push('AIRFLOW_CONN_ONLY_B=mysql://u:p@h/s')
    return out.join('\n') + '\n'
  }
  const a = join(dir, 'a.env')
  const b = join(dir, 'b.env')
  writeFileSync(a, lines(false))
  writeFileSync(b, lines(true))
  const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() })
  const io = () => ({ stdin: process.stdin, stdout: sink(), stderr: sink(), env: process.env })
  const { codeCache, main } = await import(pathToFileURL(entry).href)
  for (const argv of [
    ['--help'],
    ['diff', `envfile:${a}`, `envfile:${b}`],
    ['diff', `envfile:${b}`, `envfile:${a}`],
    ['diff', '--json', `envfile:${a}`, `envfile:${b}`],
    ['list', `envfile:${b}`]
  ])
    await main(argv, io())
  writeFileSync(out, codeCache())
} finally {
  rmSync(dir, { recursive: true, force: true })
}
