// Issue 21, "silent wrong answers": each answer here was once "fine" (exit 0, 0 items, a
// mangled row) where Airflow would say otherwise. A real process on real files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { airlock } from '../support/cli'

let home: string
let work: string
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'airlock-home-'))
  work = mkdtempSync(join(tmpdir(), 'airlock-work-'))
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})
const run = (args: string[]) =>
  airlock(args, '', { AIRLOCK_HOME: home, AIRLOCK_CONFIG_DIR: join(home, 'cfg') })
const file = (name: string, text: string) => {
  const path = join(work, name)
  writeFileSync(path, text)
  return path
}

// What `airflow variables export` writes (variable_command.py): decoded values, sorted keys.
const VARIABLES_EXPORT = `{
    "cfg": {
        "a": 1
    },
    "described": {
        "description": "what it is",
        "value": "x"
    },
    "region": "eu-west-1"
}
`

describe("21: a one-kind file store's kind", () => {
  it('21: plan and diff --kind var on an airflow-export: or lfs: variables file plan its variables, not 0 items', () => {
    for (const scheme of ['airflow-export', 'lfs']) {
      const path = file(`${scheme}-variables.json`, VARIABLES_EXPORT)
      const plan = run(['plan', `${scheme}:${path}`, 'memory:', '--kind', 'var'])
      expect(plan.stderr, scheme).toContain('plan: 3 to create')
      expect(plan.lines, scheme).toEqual(['+ var  cfg', '+ var  described', '+ var  region'])
      expect(plan.code).toBe(0)
      const diff = run(['diff', `${scheme}:${path}`, 'memory:', '--kind', 'var'])
      expect(diff.stderr, scheme).toContain('diff: 3 to create')
    }
  })

  it('21: a variables file is never listed as connections: its name or content says variables, or the store refuses', () => {
    // The name says it, the content says it (an object no connection could be): variables.
    for (const name of ['variables.json', 'exported.json']) {
      const path = file(name, VARIABLES_EXPORT)
      for (const scheme of ['airflow-export', 'lfs']) {
        const r = run(['list', `${scheme}:${path}`, '--json'])
        expect(r.code, `${scheme} ${name}`).toBe(0)
        expect(r.lines.map((l) => JSON.parse(l).kind)).toEqual(['variable', 'variable', 'variable'])
      }
    }
    // A .env file's text cannot tell: without --kind or a telling name it is refused.
    const env = file('secrets.env', 'region=eu-west-1\n')
    for (const command of [
      ['list', `lfs:${env}`],
      ['export', `lfs:${env}`, '--to', join(work, 'out.json')],
      ['plan', `lfs:${env}`, 'memory:'],
      ['diff', 'memory:', `lfs:${env}`],
      ['effective', '--layer', `custom-backend=lfs:${env}`]
    ]) {
      const r = run(command)
      expect(r.code, command.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/cannot tell whether the file holds connections or variables/)
    }
    expect(run(['list', `lfs:${env}`, '--kind', 'var']).lines[1]).toMatch(/^var\s+region/)
    // --kind that contradicts the file is refused, not read as the other kind.
    const wrong = run([
      'plan',
      `airflow-export:${file('variables.json', VARIABLES_EXPORT)}`,
      'memory:',
      '--kind',
      'conn'
    ])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/--kind conn says connections but its name says variables/)
  })

  it('21: without --kind, a one-kind source narrows the plan to its kind (the other kind of the target is never deleted)', () => {
    const vars = file('vars-only.json', VARIABLES_EXPORT)
    const target = file('target.env', 'AIRFLOW_CONN_KEEP=postgres://h/db\nAIRFLOW_VAR_OLD=1\n')
    const r = run(['plan', `lfs:${vars}`, `envfile:${target}`, '--delete-extraneous'])
    expect(r.code).toBe(0)
    expect(r.lines).toEqual(['+ var  cfg', '+ var  described', '- var  old', '+ var  region'])
  })
})
